#pragma once

#include "core/data/dataset.h"
#include "core/store/store_types.h"
#include "core/train/run_controller.h"
#include "core/train/train_config.h"
#include "core/application/background_jobs.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QVector>

#include <functional>
#include <memory>
#include <vector>

class QThread;
class QTimer;

Q_DECLARE_METATYPE(irl4rec::train::StepProgress)
Q_DECLARE_METATYPE(irl4rec::train::EpochProgress)
Q_DECLARE_METATYPE(irl4rec::train::RunOutcome)

namespace irl4rec::train {
class RecordedRun;
}

namespace irl4rec::application {

/// Runs waiting to train and runs training, each in its own worker thread.
///
/// enqueue() creates the runs in the store as queued, on a worker thread (the store may be busy
/// with a training run's write); they start in the order they were enqueued, at most
/// parallelism() at a time. Workers report through queued signals carrying value structs (steps
/// are batched, at most ~20 deliveries a second per run) and end with exactly one runEnded().
class RunQueue : public QObject {
  Q_OBJECT
 public:
  explicit RunQueue(QString storePath, QObject* parent = nullptr);
  ~RunQueue() override;  ///< cancels every run and waits for the workers

  /// What enqueue() reports when the runs exist in the store (their rows) or could not be
  /// created (the store's error); called on this object's thread, after runQueued().
  using Created = std::function<void(const Expected<std::vector<store::RunInfo>>&)>;
  /// Queues one run per seed (the config's own seed when `seeds` is empty). The store writes
  /// happen off the calling thread, one enqueue() after the other, so runs keep the order of the
  /// calls; `done` gets the rows. Every run keeps a resumable training state
  /// (RecordedRun::statePathFor); `resumeFrom` (one seed only) is the state of an earlier,
  /// interrupted run of the same configuration that the new run continues from.
  void enqueue(std::shared_ptr<const data::Dataset> dataset, const train::TrainConfig& config,
               const QList<quint64>& seeds, const QString& name, const QString& resumeFrom = {},
               Created done = {});
  /// enqueue() calls whose runs are not in the store yet.
  int creating() const { return int(creations_.size()) + (creatingNow_ ? 1 : 0); }
  /// Cancels a queued or running run. A queued run leaves the queue at once; it is marked
  /// cancelled in the store off the UI thread and runEnded() follows that write.
  void cancel(qint64 runId);
  void cancelAll();

  void setParallelism(int n);
  int parallelism() const { return parallelism_; }
  /// Default: one run per two cores.
  static int defaultParallelism();

  QList<qint64> queued() const;
  QList<qint64> running() const { return workers_.keys(); }
  bool isActive(qint64 runId) const { return workers_.contains(runId) || isQueued(runId); }
  bool isQueued(qint64 runId) const;
  QString storePath() const { return storePath_; }

 Q_SIGNALS:
  void runQueued(qint64 runId);
  void runStarted(qint64 runId);
  void stepsReported(qint64 runId, const QVector<irl4rec::train::StepProgress>& steps);
  void epochReported(qint64 runId, const irl4rec::train::EpochProgress& epoch);
  void runEnded(qint64 runId, const irl4rec::train::RunOutcome& outcome);
  void queueChanged();

 private:
  struct Pending {
    qint64 runId = 0;
    std::shared_ptr<const data::Dataset> dataset;
    train::TrainConfig config;
    QString resumeFrom;  ///< a state file to continue from (moved to this run's own)
  };
  struct Worker {
    QThread* thread = nullptr;
    std::shared_ptr<train::RecordedRun> run;
  };
  /// One enqueue() call whose runs are being (or wait to be) created in the store.
  struct Creation {
    std::shared_ptr<const data::Dataset> dataset;
    std::vector<train::TrainConfig> configs;
    QStringList names;
    QString resumeFrom;
    Created done;
  };
  void startCreation();
  void startNext();
  void onWorkerDone(qint64 runId, const train::RunOutcome& outcome);

  QString storePath_;
  int parallelism_ = 1;
  QList<Pending> pending_;
  QHash<qint64, Worker> workers_;
  QList<Creation> creations_;  ///< enqueue() calls waiting for the one being created
  bool creatingNow_ = false;
  bool cancelCreated_ = false;  ///< cancelAll() came while runs were being created
  /// Last member: destroyed first, it waits for the store writes of cancelled queued runs.
  BackgroundJobs jobs_{this};
};

}  // namespace irl4rec::application
