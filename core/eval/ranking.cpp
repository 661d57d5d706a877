#include "core/eval/ranking.h"

#include "core/common/workers.h"
#include "core/models/softmax_rows.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace irl4rec::eval {

namespace {

/// History items per row in CSR form (row r's items are items[start[r], start[r+1])), so that
/// masking is a correction of the count, not a write into the scores.
struct HistoryIndex {
  std::vector<int64_t> start, items;
  HistoryIndex(const torch::Tensor& histRows, const torch::Tensor& histItems, int64_t B) {
    TORCH_CHECK(histRows.numel() == histItems.numel(), "history rows and items differ in size");
    auto hr = histRows.to(torch::kLong).contiguous();
    auto hi = histItems.to(torch::kLong).contiguous();
    start.assign(size_t(B) + 1, 0);
    const int64_t* hrp = hr.data_ptr<int64_t>();
    const int64_t* hip = hi.data_ptr<int64_t>();
    const int64_t H = hr.numel();
    for (int64_t k = 0; k < H; ++k) {
      TORCH_CHECK(hrp[k] >= 0 && hrp[k] < B, "history row out of range");
      ++start[size_t(hrp[k]) + 1];
    }
    for (int64_t r = 0; r < B; ++r) start[size_t(r) + 1] += start[size_t(r)];
    items.resize(size_t(H));
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t k = 0; k < H; ++k) items[size_t(fill[size_t(hrp[k])]++)] = hip[k];
  }
};

/// Pessimistic rank of `target` in one row of n scores (column 0 padding), history masked.
int64_t rankRow(const float* row, int64_t n, int64_t target, const int64_t* histBegin,
                const int64_t* histEnd, std::vector<int64_t>& scratch) {
  TORCH_CHECK(target > 0 && target < n, "target id out of range");
  const float ts = row[target];
  if (std::isnan(ts)) return n;
  // Column 0 is padding; the count runs in the vector kernel of this CPU.
  int64_t count = models::countAtLeast(row + 1, n - 1, ts) - 1;  // minus the target itself
  scratch.assign(histBegin, histEnd);
  std::sort(scratch.begin(), scratch.end());
  scratch.erase(std::unique(scratch.begin(), scratch.end()), scratch.end());
  for (int64_t h : scratch)
    if (h > 0 && h < n && h != target && row[h] >= ts) --count;
  return count;
}

}  // namespace

torch::Tensor fullRanks(torch::Tensor& scores, const torch::Tensor& targets,
                        const torch::Tensor& histRows, const torch::Tensor& histItems) {
  TORCH_CHECK(scores.dim() == 2 && targets.dim() == 1 && scores.size(0) == targets.size(0),
              "scores must be [B, I+1] and targets [B]");
  if (scores.scalar_type() != torch::kFloat || !scores.is_contiguous())
    scores = scores.to(torch::kFloat).contiguous();
  const int64_t B = scores.size(0), n = scores.size(1);
  auto tg = targets.to(torch::kLong).contiguous();
  const HistoryIndex hist(histRows, histItems, B);
  auto ranks = torch::empty({B}, torch::kLong);
  int64_t* out = ranks.data_ptr<int64_t>();
  const float* sp = scores.data_ptr<float>();
  const int64_t* tp = tg.data_ptr<int64_t>();
  at::parallel_for(0, B, 16, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> scratch;
    for (int64_t r = begin; r < end; ++r)
      out[r] = rankRow(sp + r * n, n, tp[r], hist.items.data() + hist.start[size_t(r)],
                       hist.items.data() + hist.start[size_t(r) + 1], scratch);
  });
  return ranks;
}

torch::Tensor fullRanksBlocked(const torch::Tensor& queries, const torch::Tensor& table,
                               const torch::Tensor& targets, const torch::Tensor& histRows,
                               const torch::Tensor& histItems, int64_t blockRows) {
  TORCH_CHECK(queries.dim() == 2 && table.dim() == 2 && queries.size(1) == table.size(1) &&
                  targets.dim() == 1 && queries.size(0) == targets.size(0),
              "queries must be [B, d], table [I+1, d] and targets [B]");
  const auto q = queries.to(torch::kFloat).contiguous();
  const auto tableT = table.to(torch::kFloat).t();
  const int64_t B = q.size(0), n = table.size(0);
  const int64_t block = std::max<int64_t>(1, std::min(blockRows, B));
  auto tg = targets.to(torch::kLong).contiguous();
  const HistoryIndex hist(histRows, histItems, B);
  auto ranks = torch::empty({B}, torch::kLong);
  int64_t* out = ranks.data_ptr<int64_t>();
  const int64_t* tp = tg.data_ptr<int64_t>();
  auto buffer = torch::empty({block, n}, torch::kFloat);
  for (int64_t r0 = 0; r0 < B; r0 += block) {
    const int64_t c = std::min(block, B - r0);
    auto scores = buffer.narrow(0, 0, c);
    at::mm_out(scores, q.narrow(0, r0, c), tableT);
    const float* sp = scores.data_ptr<float>();
    at::parallel_for(0, c, 16, [&](int64_t begin, int64_t end) {
      std::vector<int64_t> scratch;
      for (int64_t i = begin; i < end; ++i) {
        const size_t r = size_t(r0 + i);
        out[r] = rankRow(sp + i * n, n, tp[r], hist.items.data() + hist.start[r],
                         hist.items.data() + hist.start[r + 1], scratch);
      }
    });
  }
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

namespace {

/// The batching shared by both kinds of scorer: users sorted by history length, batches of
/// options.batchSize, history and (sampled protocol) negatives gathered; `rankBatch` returns the
/// batch's ranks [B].
using BatchRanker = std::function<torch::Tensor(
    const std::vector<data::Slice>& slices, const torch::Tensor& targets,
    const torch::Tensor& histRows, const torch::Tensor& histItems, const torch::Tensor& negatives)>;

std::vector<int64_t> rankInBatches(const data::Dataset& dataset,
                                   const std::vector<data::EvalCase>& cases,
                                   const EvalOptions& options, const BatchRanker& rankBatch) {
  std::vector<int64_t> ranks(cases.size(), 0);
  std::vector<size_t> order(cases.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return cases[a].historyLength < cases[b].historyLength;
  });
  const int64_t numItems = dataset.numItems();
  std::mt19937_64 rng(options.sampledSeed);
  std::uniform_int_distribution<int64_t> pick(1, numItems);

  // The batches' inputs first, in order (the sampled negatives come from one sequence), then
  // the ranking, shared by the threads.
  struct BatchInput {
    size_t start = 0;
    std::vector<data::Slice> slices;
    torch::Tensor targets, histRows, histItems, negatives;
  };
  std::vector<BatchInput> inputs;
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
    torch::Tensor tNeg;
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
      tNeg = torch::tensor(negatives, torch::kLong).view({B, options.sampledNegatives});
    }
    inputs.push_back({start, std::move(slices), torch::tensor(targets, torch::kLong),
                      torch::tensor(histRows, torch::kLong), torch::tensor(histItems, torch::kLong),
                      tNeg});
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    torch::NoGradGuard noGrad;  // thread-local: every worker needs its own
    for (size_t b = next++; b < inputs.size(); b = next++) {
      const BatchInput& in = inputs[b];
      torch::Tensor r = rankBatch(in.slices, in.targets, in.histRows, in.histItems, in.negatives);
      auto acc = r.accessor<int64_t, 1>();
      for (int64_t i = 0; i < int64_t(in.slices.size()); ++i)
        ranks[order[in.start + size_t(i)]] = acc[i];
    }
  };
  runWorkers(std::min(std::max(options.threads, 1), int(inputs.size())), [&](int) { work(); });
  return ranks;
}

}  // namespace

std::vector<int64_t> rankCases(const data::Dataset& dataset,
                               const std::vector<data::EvalCase>& cases, const Scorer& scorer,
                               const EvalOptions& options) {
  const int64_t numItems = dataset.numItems();
  return rankInBatches(
      dataset, cases, options,
      [&](const std::vector<data::Slice>& slices, const torch::Tensor& targets,
          const torch::Tensor& histRows, const torch::Tensor& histItems,
          const torch::Tensor& negatives) {
        torch::Tensor scores = scorer(slices).to(torch::kFloat).contiguous();
        TORCH_CHECK(scores.dim() == 2 && scores.size(0) == int64_t(slices.size()) &&
                        scores.size(1) == numItems + 1,
                    "scorer returned the wrong shape");
        if (options.sampled) return sampledRanks(scores, targets, negatives);
        return fullRanks(scores, targets, histRows, histItems);
      });
}

std::vector<int64_t> rankCases(const data::Dataset& dataset,
                               const std::vector<data::EvalCase>& cases,
                               const EmbeddingScorer& scorer, const EvalOptions& options) {
  TORCH_CHECK(scorer.table.dim() == 2 && scorer.table.size(0) == dataset.numItems() + 1,
              "the item table must have a row per item plus padding");
  return rankInBatches(
      dataset, cases, options,
      [&](const std::vector<data::Slice>& slices, const torch::Tensor& targets,
          const torch::Tensor& histRows, const torch::Tensor& histItems,
          const torch::Tensor& negatives) {
        torch::Tensor q = scorer.queries(slices);
        if (options.sampled)
          return sampledRanks(torch::matmul(q, scorer.table.t()), targets, negatives);
        return fullRanksBlocked(q, scorer.table, targets, histRows, histItems, scorer.blockRows);
      });
}

RankingMetrics evaluateCases(const data::Dataset& dataset,
                             const std::vector<data::EvalCase>& cases, const Scorer& scorer,
                             const EvalOptions& options) {
  return metricsFromRanks(rankCases(dataset, cases, scorer, options),
                          options.sampled ? QStringLiteral("sampled") : QStringLiteral("full"));
}

}  // namespace irl4rec::eval
