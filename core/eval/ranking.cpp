#include "core/eval/ranking.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace irl4rec::eval {

torch::Tensor fullRanks(torch::Tensor& scores, const torch::Tensor& targets,
                        const torch::Tensor& histRows, const torch::Tensor& histItems) {
  TORCH_CHECK(scores.dim() == 2 && targets.dim() == 1 && scores.size(0) == targets.size(0),
              "scores must be [B, I+1] and targets [B]");
  TORCH_CHECK(histRows.numel() == histItems.numel(), "history rows and items differ in size");
  if (scores.scalar_type() != torch::kFloat || !scores.is_contiguous())
    scores = scores.to(torch::kFloat).contiguous();
  const int64_t B = scores.size(0), n = scores.size(1);
  auto tg = targets.to(torch::kLong).contiguous();
  auto hr = histRows.to(torch::kLong).contiguous();
  auto hi = histItems.to(torch::kLong).contiguous();
  // History items per row (CSR), so that masking is a correction of the count, not a write.
  std::vector<int64_t> start(size_t(B) + 1, 0);
  const int64_t* hrp = hr.data_ptr<int64_t>();
  const int64_t* hip = hi.data_ptr<int64_t>();
  const int64_t H = hr.numel();
  for (int64_t k = 0; k < H; ++k) {
    TORCH_CHECK(hrp[k] >= 0 && hrp[k] < B, "history row out of range");
    ++start[size_t(hrp[k]) + 1];
  }
  for (int64_t r = 0; r < B; ++r) start[size_t(r) + 1] += start[size_t(r)];
  std::vector<int64_t> items(static_cast<size_t>(H));
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  for (int64_t k = 0; k < H; ++k) items[size_t(fill[size_t(hrp[k])]++)] = hip[k];

  auto ranks = torch::empty({B}, torch::kLong);
  int64_t* out = ranks.data_ptr<int64_t>();
  const float* sp = scores.data_ptr<float>();
  const int64_t* tp = tg.data_ptr<int64_t>();
  at::parallel_for(0, B, 16, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> hist;
    for (int64_t r = begin; r < end; ++r) {
      const float* row = sp + r * n;
      const int64_t target = tp[r];
      TORCH_CHECK(target > 0 && target < n, "target id out of range");
      const float ts = row[target];
      if (std::isnan(ts)) {
        out[r] = n;
        continue;
      }
      // Column 0 is padding; the loop is branch-free so that it vectorises.
      int64_t count = 0;
      for (int64_t j = 1; j < n; ++j) count += row[j] >= ts;
      count -= 1;  // the target itself
      hist.assign(items.begin() + start[size_t(r)], items.begin() + start[size_t(r) + 1]);
      std::sort(hist.begin(), hist.end());
      hist.erase(std::unique(hist.begin(), hist.end()), hist.end());
      for (int64_t h : hist)
        if (h > 0 && h < n && h != target && row[h] >= ts) --count;
      out[r] = count;
    }
  });
  return ranks;
}

torch::Tensor sampledRanks(const torch::Tensor& scores, const torch::Tensor& targets,
                           const torch::Tensor& negatives) {
  auto targetScore = scores.gather(1, targets.unsqueeze(1));
  auto negScores = scores.gather(1, negatives);
  auto ranks = negScores.ge(targetScore).sum(1);
  return torch::where(targetScore.squeeze(1).isnan(), torch::full_like(ranks, negatives.size(1)),
                      ranks);
}

std::vector<int64_t> rankCases(const data::Dataset& dataset,
                               const std::vector<data::EvalCase>& cases, const Scorer& scorer,
                               const EvalOptions& options) {
  std::vector<int64_t> ranks(cases.size(), 0);
  std::vector<size_t> order(cases.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return cases[a].historyLength < cases[b].historyLength;
  });
  const int64_t numItems = dataset.numItems();
  std::mt19937_64 rng(options.sampledSeed);
  std::uniform_int_distribution<int64_t> pick(1, numItems);

  for (size_t start = 0; start < order.size(); start += size_t(options.batchSize)) {
    const size_t end = std::min(order.size(), start + size_t(options.batchSize));
    const int64_t B = int64_t(end - start);
    std::vector<data::Slice> slices;
    std::vector<int64_t> targets, histRows, histItems, negatives;
    slices.reserve(size_t(B));
    targets.reserve(size_t(B));
    for (size_t r = start; r < end; ++r) {
      const data::EvalCase& c = cases[order[r]];
      slices.push_back({c.user, 0, c.historyLength});
      targets.push_back(c.target);
      const auto& seq = dataset.sequences[size_t(c.user)];
      for (int32_t i = 0; i < c.historyLength; ++i) {
        histRows.push_back(int64_t(r - start));
        histItems.push_back(seq[size_t(i)]);
      }
    }
    if (options.sampled) {
      // Negatives drawn in the order of `cases`' batches from a fixed seed: identical for
      // every model evaluated on the same cases.
      negatives.reserve(size_t(B * options.sampledNegatives));
      for (size_t r = start; r < end; ++r) {
        const data::EvalCase& c = cases[order[r]];
        const auto& seq = dataset.sequences[size_t(c.user)];
        for (int k = 0; k < options.sampledNegatives; ++k) {
          int64_t neg = pick(rng);
          for (int attempt = 0; attempt < 1000; ++attempt) {
            const bool inHistory =
                std::find(seq.begin(), seq.begin() + c.historyLength, int32_t(neg)) !=
                seq.begin() + c.historyLength;
            if (neg != c.target && !inHistory) break;
            neg = pick(rng);
          }
          negatives.push_back(neg);
        }
      }
    }
    torch::Tensor scores = scorer(slices).to(torch::kFloat).contiguous();
    TORCH_CHECK(scores.dim() == 2 && scores.size(0) == B && scores.size(1) == numItems + 1,
                "scorer returned the wrong shape");
    auto tTargets = torch::tensor(targets, torch::kLong);
    torch::Tensor r;
    if (options.sampled) {
      auto tNeg = torch::tensor(negatives, torch::kLong).view({B, options.sampledNegatives});
      r = sampledRanks(scores, tTargets, tNeg);
    } else {
      r = fullRanks(scores, tTargets, torch::tensor(histRows, torch::kLong),
                    torch::tensor(histItems, torch::kLong));
    }
    auto acc = r.accessor<int64_t, 1>();
    for (int64_t i = 0; i < B; ++i) ranks[order[start + size_t(i)]] = acc[i];
  }
  return ranks;
}

RankingMetrics evaluateCases(const data::Dataset& dataset,
                             const std::vector<data::EvalCase>& cases, const Scorer& scorer,
                             const EvalOptions& options) {
  return metricsFromRanks(rankCases(dataset, cases, scorer, options),
                          options.sampled ? QStringLiteral("sampled") : QStringLiteral("full"));
}

}  // namespace irl4rec::eval
