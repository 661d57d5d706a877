#pragma once
/// Checkpoint I/O of core/train (internal header, LibTorch).
///
/// A *checkpoint* is the best-validation model of a run: model, optimizer, configuration JSON,
/// item and attribute counts (`irl4rec eval --checkpoint`, the store's checkpoints table).
/// A *training state* is everything the epoch loop needs to go on where it stopped: the
/// checkpoint's parts at the end of the last completed epoch plus the best-validation snapshot,
/// the early-stopping counters, both random sources and the per-epoch history. A run resumed
/// from it continues exactly as the uninterrupted run would have (same batches, same dropout
/// masks, same numbers), so a study killed at the end of a session loses at most one epoch.

#include "core/common/error.h"
#include "core/data/dataset.h"
#include "core/eval/metrics.h"
#include "core/models/recommender.h"
#include "core/train/run_controller.h"
#include "core/train/train_config.h"

#include <QJsonObject>
#include <QString>

#include <torch/torch.h>

#include <random>
#include <vector>

namespace irl4rec::train {

/// Writes the checkpoint atomically (a temporary file renamed over `path`); throws a
/// std::runtime_error naming the file on I/O errors (a full disk included).
void writeCheckpoint(const QString& path, models::RecommenderImpl& model,
                     torch::optim::Optimizer& optimizer, const TrainConfig& config,
                     const data::Dataset& dataset);

/// An opened checkpoint: its configuration and item count, and the archive to load from.
struct OpenedCheckpoint {
  TrainConfig config;
  int64_t numItems = -1;
  torch::serialize::InputArchive archive;
};
/// Opens `path`; errors name the file ("not an irl4rec checkpoint (no config)", ...).
Expected<std::shared_ptr<OpenedCheckpoint>> openCheckpoint(const QString& path);
/// Loads the model and, when present, the optimizer of an opened checkpoint.
void loadCheckpoint(OpenedCheckpoint& checkpoint, models::RecommenderImpl& model,
                    torch::optim::Optimizer& optimizer);

/// Where the epoch loop is: what a training state saves besides the model and optimizer.
struct TrainingProgress {
  int epoch = 0;                        ///< last completed epoch (0: none)
  int64_t step = 0;                     ///< optimisation steps so far
  int bestEpoch = 0;                    ///< 0 = never validated
  double bestNdcg = -1;                 ///< validation NDCG@10 of bestEpoch
  int sinceBest = 0;                    ///< epochs since bestEpoch, counted at evaluations
  double spentSeconds = 0;              ///< training + validation time of the epochs so far
  eval::RankingMetrics bestValidation;  ///< validation metrics at bestEpoch
  std::vector<torch::Tensor> best;      ///< parameters and buffers at bestEpoch
  std::vector<EpochProgress> history;   ///< one entry per completed epoch
};

/// EpochProgress as JSON and back (the training state's history; doubles exact).
QJsonObject toJson(const EpochProgress& p);
EpochProgress epochProgressFromJson(const QJsonObject& json);

/// Writes the training state atomically (a temporary file renamed over `path`), so a kill
/// while writing leaves the previous state. Throws on I/O errors.
void writeTrainingState(const QString& path, const TrainingProgress& progress,
                        models::RecommenderImpl& model, torch::optim::Optimizer& optimizer,
                        const TrainConfig& config, const data::Dataset& dataset,
                        const std::mt19937_64& batchRng, at::Generator& generator);

/// Reads a training state written for `config` on `dataset` into the arguments. False when
/// `path` does not exist (a fresh start); an error naming the file when it is not a training
/// state, belongs to another dataset, or to a configuration that differs in anything but the
/// epoch budget, patience, threads, evaluation batch size and file paths.
/// The checks of readTrainingState without loading anything (OK when `path` does not exist).
Status checkTrainingState(const QString& path, const TrainConfig& config,
                          const data::Dataset& dataset);
Expected<bool> readTrainingState(const QString& path, const TrainConfig& config,
                                 const data::Dataset& dataset, TrainingProgress& progress,
                                 models::RecommenderImpl& model, torch::optim::Optimizer& optimizer,
                                 std::mt19937_64& batchRng, at::Generator& generator);

}  // namespace irl4rec::train
