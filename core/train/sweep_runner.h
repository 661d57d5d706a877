#pragma once
/// Running a sweep's planned runs: one run in this process (what each worker process does), the
/// stored state of a plan's runs across stores, and a local runner that keeps N worker
/// processes busy. Each run trains in its own process (`irl4rec sweep task SPEC --run ID
/// --child`), so a crash, an out-of-memory kill or a bad config fails that run only: the
/// supervising side then marks it failed with the tail of its stderr. The same supervision runs
/// one SLURM array task (`irl4rec sweep task` without --child). Qt Core: processes, no widgets.
///
/// (Architecture note, issue 13: the GUI's RunQueue trains in threads inside ui/; a GUI sweep
/// should use SweepRunner from here, which is widget-free.)

#include "core/common/error.h"
#include "core/store/store_types.h"
#include "core/train/run_controller.h"
#include "core/train/sweep_spec.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <limits>
#include <map>
#include <memory>

class QProcess;

namespace irl4rec::train {

/// What the stores say about one planned run.
struct SweepRunState {
  bool stored = false;  ///< false: no store holds the run (pending)
  store::RunStatus status = store::RunStatus::Queued;
  QString message;
  QString storePath;     ///< the store holding the record used
  store::RunOwner owner;
  QDateTime created;
  double selectValue = std::numeric_limits<double>::quiet_NaN();  ///< best of the select metric
  double test = std::numeric_limits<double>::quiet_NaN();  ///< test value of the same measure
};

/// The records of the plan's runs in `storePaths` (files that do not exist are skipped). When
/// several stores hold a run, a finished record wins, else the most recently started one.
Expected<QHash<QString, SweepRunState>> readSweepState(const SweepPlan& plan,
                                                       const QStringList& storePaths);

/// Trains `run` in this thread, recorded in `storePath` under the run's stable id and tagged
/// with the sweep. A finished record of the run is kept and nothing is trained (`*skipped` set);
/// an unfinished one (failed, interrupted, ...) is replaced; one still running in a live process
/// is an Error. The dataset is loaded here.
Expected<RunOutcome> trainPlannedRun(const SweepPlan& plan, const PlannedRun& run,
                                     const QString& storePath, const RunCallbacks& callbacks,
                                     bool* skipped);

/// Marks `run` failed (or `status`, e.g. cancelled) in `storePath` after its worker process
/// ended badly, with `why` and the tail of its stderr: an unfinished record takes the status, a
/// failed one gains the stderr tail, a missing one is created with it. Finished, diverged and
/// cancelled records are left alone.
Status recordWorkerFailure(const SweepPlan& plan, const PlannedRun& run, const QString& storePath,
                           const QString& why, const QString& stderrTail,
                           store::RunStatus status = store::RunStatus::Failed);

struct SweepRunnerOptions {
  QString program;       ///< the irl4rec CLI
  QString specPath;
  QString storePath;     ///< every run's record goes here
  int parallel = 1;      ///< worker processes at once
  bool forwardOutput = true;  ///< copy workers' stderr lines to ours, prefixed with the run id
};

/// Runs planned runs in worker processes, at most `parallel` at once, in plan order, and emits
/// finished() once all have ended. Workers die with this process (Linux: PR_SET_PDEATHSIG).
class SweepRunner : public QObject {
  Q_OBJECT
 public:
  SweepRunner(SweepRunnerOptions options, SweepPlan plan, std::vector<PlannedRun> runs,
              QObject* parent = nullptr);
  ~SweepRunner() override;

  void start();
  /// Kills the workers and starts no more runs (their records end interrupted / failed).
  void cancel();
  int succeeded() const { return succeeded_; }
  int failed() const { return failed_; }

 Q_SIGNALS:
  void runStarted(const QString& id);
  /// `ok` false: the worker failed (message = why, its stderr tail is in the store).
  void runEnded(const QString& id, bool ok, const QString& message);
  void finished();

 private:
  void startNext();
  void onWorkerEnded(const QString& id);

  SweepRunnerOptions options_;
  SweepPlan plan_;
  std::vector<PlannedRun> queue_;
  size_t next_ = 0;
  struct Worker {
    QProcess* process = nullptr;
    QByteArray stderrTail;
    QByteArray partialLine;
  };
  std::map<QString, Worker> workers_;
  int succeeded_ = 0;
  int failed_ = 0;
  bool cancelled_ = false;
};

/// The last `maxLines` lines (at most `maxBytes`) of `text`.
QString tailOf(const QByteArray& text, int maxLines = 20, int maxBytes = 2000);

}  // namespace irl4rec::train
