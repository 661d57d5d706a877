#pragma once
/// One training run recorded in the run store: the piece the CLI's `train` and the GUI's
/// worker threads share. It opens its own store connection on the thread that calls run(),
/// moves the run through running -> finished/cancelled/failed/diverged, logs every loss term per
/// step and the validation metrics per epoch (batched writes), records the best checkpoint and,
/// at the end, the test metrics, the user (t, s) and item embeddings, their PCA projections and
/// each user's test rank (analysis::kTestRankKind) for the embedding explorer. No LibTorch here.

#include "core/common/error.h"
#include "core/data/dataset.h"
#include "core/store/store_types.h"
#include "core/train/metric_keys.h"
#include "core/train/run_controller.h"
#include "core/train/train_config.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <utility>
#include <vector>
#include <memory>

namespace irl4rec::train {

/// Metric keys written by a recorded run (also what the GUI plots).
class RecordedRun {
 public:
  /// Where the workbench keeps the resumable training state of run `runId` of the store at
  /// `storePath`: <store's folder>/states/run-<id>.state (RunController::setStatePath).
  static QString statePathFor(const QString& storePath, qint64 runId);
  /// `m` as stored metric values under `prefix`: "<prefix>/hr@5", "<prefix>/ndcg@5", ... for
  /// every cut-off (Setup::extraMetrics of the shift benchmark uses the prefix "shift").
  static std::vector<std::pair<QString, double>> rankingValues(const QString& prefix,
                                                               const eval::RankingMetrics& m);

  struct Setup {
    std::shared_ptr<const data::Dataset> dataset;
    TrainConfig config;
    QString storePath;      ///< run store file
    qint64 runId = 0;       ///< an existing queued run to train, or 0 to create one
    QString name;           ///< name of a created run
    QString uuid;           ///< uuid of a created run (empty: random), e.g. a sweep's run id
    QStringList tags;       ///< tags of a created run
    QString checkpointDir;  ///< where the best checkpoint goes (empty: next to the store)
    /// Resumable training state (RunController::setStatePath); a resumed run is recorded as a
    /// new run whose per-epoch metrics include the replayed epochs (per-step losses only from
    /// where it resumed).
    QString statePath;
    bool saveEmbeddings = true;
    /// Called on the training thread after a finished run, before it is marked finished:
    /// extra evaluations (e.g. the shift benchmark) whose values are recorded with the run.
    std::function<std::vector<std::pair<QString, double>>(const RunController&)> extraMetrics;
  };

  /// Creates runs in the store as queued (on the calling thread — the GUI's queue calls it on a
  /// worker — with one store connection and one dataset fingerprint for all of them) and returns
  /// their rows, so a queue can show them before they start. `names` has one entry per config.
  static Expected<std::vector<store::RunInfo>> createQueued(const QString& storePath,
                                                            const data::Dataset& dataset,
                                                            const std::vector<TrainConfig>& configs,
                                                            const QStringList& names);

  explicit RecordedRun(Setup setup);
  ~RecordedRun();

  /// Trains and records. Never throws; a store that cannot be written makes the run fail with
  /// its message. `callbacks` are forwarded (on this thread) after the store has the values.
  RunOutcome run(const RunCallbacks& callbacks = {});
  /// Thread-safe; the run ends as cancelled before its next batch.
  void cancel();
  /// The store's id of the run (valid once run() has started, or from Setup::runId).
  qint64 runId() const { return runId_; }
  QString uuid() const { return uuid_; }

 private:
  Setup setup_;
  qint64 runId_ = 0;
  QString uuid_;
  std::atomic<bool> cancelRequested_{false};
  std::atomic<RunController*> controller_{nullptr};
};

}  // namespace irl4rec::train
