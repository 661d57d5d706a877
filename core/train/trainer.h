#pragma once
/// The epoch loop of a run (internal header of core/train, LibTorch): batches, the objective,
/// optimisation steps, validation every eval_every epochs, the best-validation snapshot, early
/// stopping on validation NDCG@10, cancellation, divergence, and a training state written after
/// every epoch so that a killed run resumes where it stopped.

#include "core/data/dataset.h"
#include "core/data/split.h"
#include "core/models/objective.h"
#include "core/models/recommender.h"
#include "core/train/evaluator.h"
#include "core/train/run_controller.h"
#include "core/train/train_config.h"

#include <QString>

#include <torch/torch.h>

#include <atomic>
#include <random>

namespace irl4rec::train {

/// The objective's options for a configuration (the model's come from modelOptions()).
models::ObjectiveOptions objectiveOptions(const TrainConfig& config);

/// BERT4Rec's cloze on one batch part (left-aligned rows, `lengths` real items each): every real
/// position is masked with probability `maskRatio` (one draw per cell from `generator`),
/// replaced by `maskToken` in `items` and kept as the target; all other targets become 0.
/// With `forceLast`, a row that drew no mask has its last item masked; without, such a row
/// carries no loss this step (Xu et al.'s sampler; the recipe's `cloze_last: false`).
void applyCloze(models::BatchPart& part, double maskRatio, int64_t maskToken, bool forceLast,
                at::Generator generator);

class Trainer {
 public:
  /// All references must outlive the trainer. The model and optimizer are freshly built (or
  /// loaded) and the run's RandomScope is installed on this thread.
  Trainer(const data::Dataset& dataset, const data::LeaveOneOutSplit& split,
          const TrainConfig& config, models::RecommenderImpl& model,
          torch::optim::Optimizer& optimizer, const Evaluator& evaluator)
      : dataset_(dataset), split_(split), config_(config), model_(model),
        optimizer_(optimizer), evaluator_(evaluator) {}

  /// With a path, a training state is read from it before the first epoch when the file exists
  /// (an error when it belongs to another run) and written after every epoch.
  void setStatePath(const QString& path) { statePath_ = path; }

  /// Trains until the epoch budget, early stopping, cancellation or divergence, then restores
  /// the best-validation model. Fills everything of the outcome but the test metrics; status
  /// Finished means "trained to the end" (the caller tests). Throws on LibTorch errors.
  RunOutcome train(const RunCallbacks& callbacks, const std::atomic<bool>& cancel);

 private:
  /// The objective of one batch of users (`lengths`: their training input lengths), as one
  /// padded batch or, with split_batches, as parts of similar lengths (with encoder_groups > 1,
  /// as groups of parts: models::objectiveWithGradients), with the parameters' gradients of
  /// this batch alone in their .grad. The returned terms are for their values (their graphs
  /// are spent).
  models::ObjectiveTerms stepGradients(const std::vector<int64_t>& users,
                                       const std::vector<int32_t>& lengths, std::mt19937_64& rng);
  /// The model input, targets and per-position negatives of `users`, padded to their longest.
  models::BatchPart batchPart(const std::vector<int64_t>& users, std::mt19937_64& rng);
  std::vector<torch::Tensor> snapshot() const;
  void restore(const std::vector<torch::Tensor>& state);

  const data::Dataset& dataset_;
  const data::LeaveOneOutSplit& split_;
  const TrainConfig& config_;
  models::RecommenderImpl& model_;
  torch::optim::Optimizer& optimizer_;
  const Evaluator& evaluator_;
  QString statePath_;
};

}  // namespace irl4rec::train
