#include "core/data/batching.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace irl4rec::data {

SequenceBatch gatherSlices(const Dataset& dataset, const std::vector<Slice>& slices,
                           int64_t appendItem) {
  SequenceBatch b;
  b.rows = int64_t(slices.size());
  const int64_t extra = appendItem > 0 ? 1 : 0;
  for (const Slice& s : slices) b.width = std::max<int64_t>(b.width, s.length() + extra);
  b.items.assign(size_t(b.rows * b.width), 0);
  b.lengths.resize(size_t(b.rows));
  b.users.resize(size_t(b.rows));
  for (size_t r = 0; r < slices.size(); ++r) {
    const Slice& s = slices[r];
    const auto& seq = dataset.sequences[size_t(s.user)];
    int64_t* row = b.items.data() + r * size_t(b.width);
    std::copy(seq.begin() + s.begin, seq.begin() + s.end, row);
    if (extra) row[s.length()] = appendItem;
    b.lengths[r] = s.length() + extra;
    b.users[r] = s.user;
  }
  return b;
}

std::vector<std::vector<int64_t>> randomBatches(int64_t count, int64_t batchSize,
                                                std::mt19937_64& rng) {
  std::vector<int64_t> order(size_t(std::max<int64_t>(count, 0)));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::vector<int64_t>> batches;
  for (size_t i = 0; i < order.size(); i += size_t(batchSize)) {
    const size_t end = std::min(order.size(), i + size_t(batchSize));
    batches.emplace_back(order.begin() + i, order.begin() + end);
  }
  return batches;
}

std::vector<std::vector<int64_t>> lengthBuckets(const std::vector<int32_t>& lengths,
                                                int64_t batchSize, std::mt19937_64& rng) {
  std::vector<int64_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return lengths[size_t(a)] < lengths[size_t(b)]; });
  std::vector<std::vector<int64_t>> batches;
  for (size_t i = 0; i < order.size(); i += size_t(batchSize)) {
    const size_t end = std::min(order.size(), i + size_t(batchSize));
    batches.emplace_back(order.begin() + i, order.begin() + end);
  }
  std::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

std::vector<int64_t> sampleNegatives(const Dataset& dataset, const SequenceBatch& targets,
                                     const LeaveOneOutSplit* trainOnly, std::mt19937_64& rng) {
  const int64_t numItems = dataset.numItems();
  std::uniform_int_distribution<int64_t> pick(1, numItems);
  std::vector<int64_t> out(targets.items.size(), 0);
  std::vector<int32_t> seen;
  for (int64_t r = 0; r < targets.rows; ++r) {
    const int64_t user = targets.users[size_t(r)];
    const auto& seq = dataset.sequences[size_t(user)];
    const int64_t consumed = trainOnly ? std::min<int64_t>(trainOnly->trainLength(user), int64_t(seq.size()))
                                       : int64_t(seq.size());
    seen.assign(seq.begin(), seq.begin() + consumed);
    std::sort(seen.begin(), seen.end());
    const bool crowded = int64_t(seen.size()) * 2 > numItems;
    for (int64_t c = 0; c < targets.width; ++c) {
      const size_t i = size_t(r * targets.width + c);
      const int64_t target = targets.items[i];
      if (target == 0) continue;
      int64_t neg = pick(rng);
      for (int attempt = 0; attempt < 100; ++attempt) {
        const bool inSeq = std::binary_search(seen.begin(), seen.end(), int32_t(neg));
        if (!inSeq || (crowded && neg != target)) break;
        neg = pick(rng);
      }
      if (neg == target) neg = target % numItems + 1;  // numItems == 1 is refused earlier
      out[i] = neg;
    }
  }
  return out;
}

TrainingUsers trainingUsers(const LeaveOneOutSplit& split, int64_t numUsers, int32_t maxLength,
                            bool cloze) {
  TrainingUsers out;
  for (int64_t u = 0; u < numUsers; ++u) {
    const int32_t L = split.trainLength(u);
    if (L < 2) continue;
    out.users.push_back(u);
    out.lengths.push_back(std::min(cloze ? L : L - 1, maxLength));
  }
  return out;
}

std::vector<std::vector<int64_t>> splitByLength(const std::vector<int32_t>& lengths,
                                                int64_t groupCost) {
  const size_t n = lengths.size();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return lengths[size_t(a)] < lengths[size_t(b)]; });
  // best[j]: the cheapest cut of the j shortest rows; from[j]: where its last group starts.
  std::vector<int64_t> best(n + 1, 0);
  std::vector<size_t> from(n + 1, 0);
  for (size_t j = 1; j <= n; ++j) {
    const int64_t width = std::max<int64_t>(lengths[size_t(order[j - 1])], 1);
    best[j] = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < j; ++i) {
      const int64_t cost = best[i] + int64_t(j - i) * width + groupCost;
      if (cost < best[j]) {
        best[j] = cost;
        from[j] = i;
      }
    }
  }
  std::vector<std::vector<int64_t>> groups;
  for (size_t j = n; j > 0; j = from[j])
    groups.emplace_back(order.begin() + std::ptrdiff_t(from[j]), order.begin() + std::ptrdiff_t(j));
  std::reverse(groups.begin(), groups.end());
  return groups;
}

TrainingBatch trainingBatch(const Dataset& dataset, const LeaveOneOutSplit& split,
                            const std::vector<int64_t>& users, int32_t maxLength, bool cloze) {
  std::vector<Slice> inputs, targets;
  inputs.reserve(users.size());
  if (!cloze) targets.reserve(users.size());
  for (int64_t u : users) {
    const int32_t L = split.trainLength(u);
    if (cloze) {
      const int32_t len = std::min(L, maxLength);
      inputs.push_back({u, L - len, L});
    } else {
      const int32_t len = std::min(L - 1, maxLength);
      inputs.push_back({u, L - 1 - len, L - 1});
      targets.push_back({u, L - len, L});
    }
  }
  TrainingBatch batch;
  batch.inputs = gatherSlices(dataset, inputs);
  batch.targets = cloze ? batch.inputs : gatherSlices(dataset, targets);
  return batch;
}

}  // namespace irl4rec::data
