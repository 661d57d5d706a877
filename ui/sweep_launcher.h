#pragma once
/// File ▸ Run sweep…: plans a sweep spec (docs/SWEEPS.md) and trains the runs the store has not
/// finished, in `irl4rec` worker processes (core's SweepRunner, the same as `irl4rec sweep run`).
/// The runs appear in the Runs tab as the workers record them; progress goes out as a status
/// line. No widgets here: the window asks and shows.

#include "core/common/error.h"

#include <QObject>
#include <QString>

#include <memory>

namespace irl4rec::train {
class SweepRunner;
}

namespace irl4rec::ui {

class SweepLauncher : public QObject {
  Q_OBJECT
 public:
  /// `program`: the irl4rec CLI the workers run (default: next to this executable).
  explicit SweepLauncher(QString storePath, QString program = QString(), QObject* parent = nullptr);
  ~SweepLauncher() override;  ///< kills the workers (their runs end interrupted)

  /// What running `specPath` would do, for the confirmation: "12 runs, 4 finished already".
  struct Preview {
    QString name;
    int runs = 0;
    int toTrain = 0;
  };
  Expected<Preview> preview(const QString& specPath) const;
  /// Starts training the unfinished runs of `specPath`, `parallel` at a time.
  Status start(const QString& specPath, int parallel);
  void cancel();
  bool isRunning() const { return runner_ != nullptr; }
  /// The irl4rec CLI the workers and submissions run.
  void setProgram(const QString& program) { program_ = program; }
  QString program() const { return program_; }
  /// Submits `specPath` as a SLURM job array through `irl4rec sweep submit SPEC --slurm --db
  /// STORE ARGS...` (the CLI path the SLURM test runs on a real cluster); `slurmArgs` are its
  /// options (--partition P, --time T, ...). submitted() reports the outcome and the CLI's words.
  Status submit(const QString& specPath, const QStringList& slurmArgs);

 Q_SIGNALS:
  /// After each run starts or ends: "sweep NAME: 3 of 8 done, 1 failed, 2 training".
  void progress(const QString& line);
  /// The same as numbers, for the Runs tab's progress strip: runs ended (done, of which failed),
  /// training now, and to train in all.
  void progressed(const QString& name, int done, int failed, int running, int total);
  /// A run was started or ended (reload the runs table).
  void runsChanged();
  void finished(int succeeded, int failed);
  /// submit() ended: the job id line on success, the CLI's message otherwise.
  void submitted(bool ok, const QString& output);

 private:
  QString storePath_;
  QString program_;
  std::unique_ptr<train::SweepRunner> runner_;
};

}  // namespace irl4rec::ui
