#include "core/data/split.h"

namespace irl4rec::data {

LeaveOneOutSplit::LeaveOneOutSplit(const Dataset& dataset, bool refit) : refit_(refit) {
  const auto& seqs = dataset.sequences;
  trainLength_.resize(seqs.size());
  for (size_t u = 0; u < seqs.size(); ++u) {
    const auto n = static_cast<int32_t>(seqs[u].size());
    if (n < 3) {
      trainLength_[u] = n;
      ++usersTrainOnly_;
    } else {
      trainLength_[u] = refit ? n - 1 : n - 2;
      if (!refit) valid_.push_back(EvalCase{int64_t(u), seqs[u][size_t(n - 2)], n - 2});
      test_.push_back(EvalCase{int64_t(u), seqs[u][size_t(n - 1)], n - 1});
    }
    if (trainLength_[u] > 1) trainTargets_ += trainLength_[u] - 1;
  }
}

}  // namespace irl4rec::data
