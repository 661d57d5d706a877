#pragma once
/// Full-ranking and sampled evaluation over score matrices (DESIGN.md §1 "Evaluation").
/// Internal header: LibTorch. One matrix of scores per batch of users, history masked, ranks
/// counted with one comparison pass; no per-user loops over items.

#include "core/data/batching.h"
#include "core/data/dataset.h"
#include "core/data/split.h"
#include "core/eval/metrics.h"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace irl4rec::eval {

/// Pessimistic 0-based ranks of `targets` in `scores` ([B, I+1]): column 0 (padding) and each
/// row's history items count as -inf, except the row's target itself; rank = number of other
/// items whose score is >= the target's. histRows/histItems list the (row, item) pairs to
/// mask. A NaN target score ranks last. One pass over the scores, nothing written to them.
torch::Tensor fullRanks(torch::Tensor& scores, const torch::Tensor& targets,
                        const torch::Tensor& histRows, const torch::Tensor& histItems);
/// Ranks among sampled candidates: number of negatives ([B, K] item ids) scoring >= the target.
torch::Tensor sampledRanks(const torch::Tensor& scores, const torch::Tensor& targets,
                           const torch::Tensor& negatives);

/// Produces scores [B, I+1] for users given their full histories (the slices [0, historyLength)).
using Scorer = std::function<torch::Tensor(const std::vector<data::Slice>& histories)>;

struct EvalOptions {
  bool sampled = false;       ///< 99-negative protocol instead of full ranking
  int sampledNegatives = 99;
  uint64_t sampledSeed = 20240101;  ///< fixed: the same negatives for every model
  int64_t batchSize = 2048;
};

/// Evaluates `cases` (user, target, historyLength into dataset.sequences) with `scorer`.
/// Users are batched by history length; the result does not depend on the order of cases.
RankingMetrics evaluateCases(const data::Dataset& dataset,
                             const std::vector<data::EvalCase>& cases, const Scorer& scorer,
                             const EvalOptions& options);
/// Same, returning the rank of every case (in the order of `cases`).
std::vector<int64_t> rankCases(const data::Dataset& dataset,
                               const std::vector<data::EvalCase>& cases, const Scorer& scorer,
                               const EvalOptions& options);

}  // namespace irl4rec::eval
