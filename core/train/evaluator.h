#pragma once
/// Evaluation of a model during and after training: validation and test ranking with the
/// configuration's protocol, the embeddings handed to the store, and shift evaluation cases.
/// Internal header of core/train (LibTorch); the public face is RunController.

#include "core/data/batching.h"
#include "core/data/dataset.h"
#include "core/data/split.h"
#include "core/eval/metrics.h"
#include "core/models/recommender.h"
#include "core/train/run_controller.h"
#include "core/train/train_config.h"

#include <torch/torch.h>

#include <vector>

namespace irl4rec::train {

class Evaluator {
 public:
  /// All references must outlive the evaluator; `config` is read at every call (the protocol
  /// and threads may change after training, RunController::setEvaluationSettings).
  Evaluator(const data::Dataset& dataset, const data::LeaveOneOutSplit& split,
            const TrainConfig& config, models::RecommenderImpl& model)
      : dataset_(dataset), split_(split), config_(config), model_(model) {}

  /// Metrics of `cases` with the configuration's protocol (full ranking with the history
  /// masked, or sampled negatives).
  eval::RankingMetrics evaluate(const std::vector<data::EvalCase>& cases) const;
  /// 0-based pessimistic rank of each case's target (eval::rankCases), in the order of cases.
  std::vector<int64_t> ranks(const std::vector<data::EvalCase>& cases, bool sampled) const;
  /// t = μ (and s) at the last position of each history: the last max_length items (BERT4Rec:
  /// the last max_length - 1 plus the mask token). Call in eval mode under NoGradGuard.
  torch::Tensor queryEmbeddings(const std::vector<data::Slice>& histories, torch::Tensor* s) const;
  /// t, s and the item tables for the users evaluated at `stage`.
  RunEmbeddings embeddings(data::Stage stage) const;

 private:
  const data::Dataset& dataset_;
  const data::LeaveOneOutSplit& split_;
  const TrainConfig& config_;
  models::RecommenderImpl& model_;
};

/// A copy of `v` as a [shape] int64 tensor.
torch::Tensor longTensor(const std::vector<int64_t>& v, std::vector<int64_t> shape);

}  // namespace irl4rec::train
