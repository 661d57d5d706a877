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

/// A model that scores by inner product: query vectors [B, d] for the users' histories against
/// an item table [I+1, d] (row 0 padding). Ranked without the [B, I+1] score matrix: the scores
/// of `blockRows` users at a time are computed into one reused, cache-sized buffer and counted
/// right away. Same ranks as scoring the whole batch (the same products, the same comparisons).
struct EmbeddingScorer {
  std::function<torch::Tensor(const std::vector<data::Slice>& histories)> queries;
  torch::Tensor table;
  int64_t blockRows = 256;
};

/// Full ranks of targets [B] from queries [B, d] · tableᵀ, in blocks of blockRows users;
/// history as in fullRanks.
torch::Tensor fullRanksBlocked(const torch::Tensor& queries, const torch::Tensor& table,
                               const torch::Tensor& targets, const torch::Tensor& histRows,
                               const torch::Tensor& histItems, int64_t blockRows);

struct EvalOptions {
  bool sampled = false;       ///< 99-negative protocol instead of full ranking
  int sampledNegatives = 99;
  uint64_t sampledSeed = 20240101;  ///< fixed: the same negatives for every model
  int64_t batchSize = 2048;
  /// Threads that share the batches (each batch is ranked whole by one of them, so the ranks do
  /// not depend on it); the scorer is called from all of them at once.
  int threads = 1;
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
/// The same with an inner-product model (full protocol: blocked, no score matrix; sampled: the
/// scores of the batch, then sampledRanks).
std::vector<int64_t> rankCases(const data::Dataset& dataset,
                               const std::vector<data::EvalCase>& cases,
                               const EmbeddingScorer& scorer, const EvalOptions& options);

}  // namespace irl4rec::eval
