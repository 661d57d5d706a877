// Where a full-ranking evaluation's time goes once the encoder has run (docs/SPEED.md, issue
// 12): the score products alone, then the products with the exact ranking (pessimistic ties,
// history masked: eval::fullRanksBlocked, the code every evaluation runs), for several block
// sizes. Random query and item embeddings of the real shapes; the real validation cases of the
// dataset (targets and histories), so the masking work is the real one. One thread.
//
//   bench_eval_parts [--data PATH] [--repeats N]
#include "core/common/blas_kernels.h"
#include "core/data/readers.h"
#include "core/data/split.h"
#include "core/eval/ranking.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace irl4rec;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  restartWithFastBlasKernels(argv);
  QCoreApplication app(argc, argv);
  QString path = QStringLiteral(IRL4REC_SHARED_DIR "/datasets/amazon/Beauty.txt");
  int repeats = 3;
  const QStringList args = app.arguments();
  for (int i = 1; i + 1 < args.size(); i += 2) {
    if (args[i] == QLatin1String("--data")) path = args[i + 1];
    else if (args[i] == QLatin1String("--repeats")) repeats = std::max(1, args[i + 1].toInt());
    else {
      std::fprintf(stderr, "unknown option %s\n", qPrintable(args[i]));
      return 2;
    }
  }
  auto loaded = data::loadDataset(path);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", qPrintable(loaded.error().message()));
    return 2;
  }
  const data::Dataset& d = loaded.value();
  torch::set_num_threads(1);
  const data::LeaveOneOutSplit split(d);
  const auto& cases = split.cases(data::Stage::Validation);
  const int64_t B = int64_t(cases.size()), n = d.numItems() + 1, dim = 64;
  std::vector<int64_t> targets, histRows, histItems;
  for (int64_t r = 0; r < B; ++r) {
    const data::EvalCase& c = cases[size_t(r)];
    targets.push_back(c.target);
    for (int32_t i = 0; i < c.historyLength; ++i) {
      histRows.push_back(r);
      histItems.push_back(d.sequences[size_t(c.user)][size_t(i)]);
    }
  }
  torch::manual_seed(1);
  const auto q = torch::randn({B, dim}) * 0.3;
  const auto table = torch::randn({n, dim}) * 0.3;
  const auto tTargets = torch::tensor(targets, torch::kLong);
  const auto tRows = torch::tensor(histRows, torch::kLong);
  const auto tItems = torch::tensor(histItems, torch::kLong);
  const double gflop = 2.0 * double(B) * double(n) * double(dim) * 1e-9;
  std::printf("%lld users x %lld items, d %lld: %.1f GFLOP of score products, %lld history "
              "entries masked; OpenBLAS kernels %s\n",
              (long long)B, (long long)n - 1, (long long)dim, gflop, (long long)histItems.size(),
              blasKernels().core.c_str());
  std::printf("%-8s %14s %12s %16s %14s\n", "block", "products_s", "GFLOP/s", "products+rank_s",
              "ranking_s");
  torch::Tensor reference;
  for (const int64_t block : {32, 64, 128, 256, 512}) {
    std::vector<double> products, whole;
    for (int rep = 0; rep < repeats; ++rep) {
      auto buffer = torch::empty({block, n});
      const auto tableT = table.t();
      QElapsedTimer clock;
      clock.start();
      for (int64_t r0 = 0; r0 < B; r0 += block) {
        const int64_t c = std::min(block, B - r0);
        auto scores = buffer.narrow(0, 0, c);
        at::mm_out(scores, q.narrow(0, r0, c), tableT);
      }
      products.push_back(double(clock.nsecsElapsed()) * 1e-9);
      clock.restart();
      const auto ranks = eval::fullRanksBlocked(q, table, tTargets, tRows, tItems, block);
      whole.push_back(double(clock.nsecsElapsed()) * 1e-9);
      if (!reference.defined()) reference = ranks;
      if (!torch::equal(ranks, reference)) {
        std::fprintf(stderr, "block %lld ranks differ from block 32's\n", (long long)block);
        return 1;
      }
    }
    std::printf("%-8lld %14.3f %12.1f %16.3f %14.3f\n", (long long)block, median(products),
                gflop / median(products), median(whole), median(whole) - median(products));
  }
  return 0;
}
