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

 Q_SIGNALS:
  /// After each run starts or ends: "sweep NAME: 3 of 8 done, 1 failed, 2 training".
  void progress(const QString& line);
  /// A run was started or ended (reload the runs table).
  void runsChanged();
  void finished(int succeeded, int failed);

 private:
  QString storePath_;
  QString program_;
  std::unique_ptr<train::SweepRunner> runner_;
};

}  // namespace irl4rec::ui
