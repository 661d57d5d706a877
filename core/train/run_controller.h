#pragma once
/// The run API shared by the GUI and the CLI (DESIGN.md §2 "Threads").
///
/// A RunController owns one model trained on one dataset with one TrainConfig. `run()` blocks
/// the calling (worker) thread until the run ends and always returns exactly one outcome:
/// finished, cancelled, failed (with a message) or diverged (with the step). Progress goes out
/// through plain std::function callbacks carrying small value structs, invoked on the training
/// thread — a GUI worker re-emits them as queued signals. `cancel()` may be called from any
/// thread; the flag is checked between batches. No LibTorch in this header.

#include "core/common/error.h"
#include "core/common/run_values.h"
#include "core/data/dataset.h"
#include "core/data/split.h"
#include "core/eval/metrics.h"
#include "core/train/memory_estimate.h"
#include "core/train/train_config.h"

#include <QJsonObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace irl4rec::train {

/// Loss terms of one optimisation step (batch means). The weighted terms are what enters the
/// total; the raw ones are reported so curves stay comparable across weights.
struct StepProgress {
  int epoch = 0;               ///< 1-based
  int batch = 0;               ///< 1-based within the epoch
  int batchesPerEpoch = 0;
  int64_t step = 0;            ///< 1-based global optimisation step
  double recT = 0;             ///< L_rec(score_t)
  double recS = 0;             ///< L_rec(score_s), raw (0 without confounder)
  double compression = 0;      ///< C(t), raw
  double dependence = 0;       ///< D(t, s), raw
  double alphaRecS = 0;        ///< α·L_rec(s)
  double betaCompression = 0;  ///< β·C(t)
  double gammaDependence = 0;  ///< γ·D(t, s)
  double total = 0;            ///< L
};

/// Once per epoch (validation metrics only when the epoch was evaluated).
struct EpochProgress {
  int epoch = 0;
  int epochs = 0;              ///< configured maximum
  int64_t step = 0;            ///< global optimisation steps at the end of the epoch
  /// Replayed from a training state when a run resumes (RunController::setStatePath): the
  /// epoch was trained by an earlier process; its steps are not reported again.
  bool resumed = false;
  double meanLoss = 0;         ///< mean total loss over the epoch's steps
  bool evaluated = false;
  eval::RankingMetrics validation;
  bool improved = false;       ///< validation NDCG@10 is the best so far
  int bestEpoch = 0;
  double bestValidationNdcg10 = 0;
  double trainSeconds = 0;     ///< this epoch's training time
  double evalSeconds = 0;      ///< this epoch's validation time
  double elapsedSeconds = 0;   ///< since run() started
  double etaSeconds = 0;       ///< estimate for the remaining configured epochs
};

/// A run's life cycle (core/common/run_values.h); an outcome is Finished, Cancelled, Failed or
/// Diverged.
using irl4rec::RunStatus;
using irl4rec::toString;

/// The one result of run(). Metrics are those of the restored best-validation model.
struct RunOutcome {
  RunStatus status = RunStatus::Failed;
  QString message;             ///< failure / divergence reason (empty when finished)
  int64_t divergedStep = 0;    ///< step whose loss was NaN/Inf (Diverged only)
  int epochsRun = 0;
  int bestEpoch = 0;           ///< 0 = never validated
  bool earlyStopped = false;
  eval::RankingMetrics validation;  ///< best validation (Finished / Cancelled after >=1 eval)
  eval::RankingMetrics test;        ///< test of the best-validation model (Finished only)
  double seconds = 0;
};

struct RunCallbacks {
  std::function<void(const StepProgress&)> onStep;    ///< every optimisation step
  std::function<void(const EpochProgress&)> onEpoch;  ///< every epoch
  std::function<void(const QString&)> onLog;          ///< human-readable notes
};


using irl4rec::EmbeddingMatrix;

/// What the run store and the embedding explorer need from a trained model.
struct RunEmbeddings {
  EmbeddingMatrix adjustment;  ///< t = μ per evaluated user (baseline: the sequence embedding)
  EmbeddingMatrix spurious;    ///< s per evaluated user (empty without confounder)
  EmbeddingMatrix items;       ///< item embedding table, ids 1..numItems
  EmbeddingMatrix itemAttributes;  ///< a_j per item (empty without confounder)
};

/// Where each evaluated user's target ranks (what the explorer colours and shows on hover).
struct UserRanks {
  std::vector<int64_t> users;  ///< user index (0-based, into Dataset::sequences)
  std::vector<int64_t> ranks;  ///< 0-based pessimistic rank of that user's target
};

class RunController {
 public:
  /// The dataset must outlive the controller (shared ownership makes this easy across threads).
  RunController(std::shared_ptr<const data::Dataset> dataset, TrainConfig config);
  ~RunController();
  RunController(const RunController&) = delete;
  RunController& operator=(const RunController&) = delete;

  /// Config + dataset checks done before any training (unknown/invalid values, a dataset that
  /// cannot be split, missing attributes for the confounder branch). run() calls it too.
  static Status check(const data::Dataset& dataset, const TrainConfig& config);
  /// check() in two parts, for callers that check many configurations on one dataset
  /// (application::LaunchChecks): what depends on the dataset and the protocol only (items, a
  /// leave-one-out split with training targets: it builds the split), and what depends on the
  /// configuration too (negatives against the item count, attributes for the confounder, the
  /// memory estimate; cheap). check() = validate(), checkDataset(), checkAgainst().
  static Status checkDataset(const data::Dataset& dataset, bool refit);
  static Status checkAgainst(const data::Dataset& dataset, const TrainConfig& config);
  /// The same with the dataset's sizes computed once by the caller (DatasetSizes::of).
  static Status checkAgainst(const data::Dataset& dataset, const TrainConfig& config,
                             const DatasetSizes& sizes);
  /// Whether a training state at `path` (setStatePath) can resume `config` on `dataset`: OK
  /// when there is none; otherwise the reason, naming the file. Reads no tensors.
  static Status checkState(const QString& path, const data::Dataset& dataset,
                           const TrainConfig& config);

  /// Trains to the end (epochs, early stop, cancel, divergence or failure), restores the best
  /// validation model and evaluates it on test. Never throws. Call once.
  RunOutcome run(const RunCallbacks& callbacks = {});

  /// Makes the run resumable: after every epoch, a training state (model, optimizer, best
  /// snapshot, early-stopping counters, random sources, history) is written to `path`; when
  /// `path` exists as run() starts, training continues from it (its epochs are replayed to
  /// onEpoch with `resumed` set), exactly as the uninterrupted run would have. The file is
  /// removed when the run finishes. A state of another dataset or configuration (beyond epochs,
  /// patience, threads, evaluation batch and paths) fails the run with the file named.
  void setStatePath(const QString& path) { statePath_ = path; }

  /// Thread-safe; takes effect before the next batch.
  void cancel() { cancel_.store(true); }
  bool cancelRequested() const { return cancel_.load(); }

  const TrainConfig& config() const { return config_; }
  const data::Dataset& dataset() const { return *dataset_; }
  /// True once a model exists (after run() or loadCheckpoint()).
  bool hasModel() const;

  /// Changes only how evaluate*() measure (protocol, threads, and users per batch when
  /// `evalBatchSize` > 0); training settings stay.
  void setEvaluationSettings(EvalProtocol protocol, int threads, int evalBatchSize = 0);
  /// Evaluates the current model on validation or test, with the config's protocol. A refit
  /// model (config.refit) has no validation: an Error saying so.
  Expected<eval::RankingMetrics> evaluate(data::Stage stage) const;
  /// Evaluates on `targets`: the test target of each user of `targets` whose user token exists
  /// in this dataset, with the history of *this* dataset; items are mapped through their tokens
  /// (users whose target token is unknown are skipped). For the synthetic shift benchmark.
  Expected<eval::RankingMetrics> evaluateOn(const data::Dataset& targets) const;

  /// The rank of every evaluated user's target at `stage` under full ranking with the history
  /// masked and ties counted pessimistically (eval::rankCases, the code behind evaluate()),
  /// whatever the config's protocol; HR@10 of these ranks is the full-ranking HR@10.
  Expected<UserRanks> ranks(data::Stage stage = data::Stage::Test) const;

  /// t = μ, s and the item tables for the users evaluated at `stage` (history = their inputs).
  Expected<RunEmbeddings> embeddings(data::Stage stage = data::Stage::Test) const;

  /// Model + optimizer + config + dataset fingerprint in one file.
  Status saveCheckpoint(const QString& path) const;
  /// Replaces config and model by a checkpoint's (the dataset must match in item count).
  Status loadCheckpoint(const QString& path);
  /// Reads only the configuration stored in a checkpoint (to find its dataset).
  static Expected<TrainConfig> readCheckpointConfig(const QString& path);

 private:
  /// An Error for the validation stage of a refit model.
  Status stageExists(data::Stage stage) const;

  struct Impl;
  std::shared_ptr<const data::Dataset> dataset_;
  TrainConfig config_;
  QString statePath_;
  std::atomic<bool> cancel_{false};
  std::unique_ptr<Impl> impl_;
};

/// Where a run's timings were taken, for result files: the CPU model, the logical CPUs, the
/// vector path of the row kernels ("avx512f", "avx2", "x86-64") and the run's threads.
QJsonObject machineJson(int threads);

}  // namespace irl4rec::train
