#pragma once
/// File ▸ New sweep…: a sweep spec (docs/SWEEPS.md) built from the Runs tab form's configuration
/// as the base — axes (values, or uniform / log-uniform ranges), seeds, grid or random search,
/// the validation metric that selects — and where to run it: on this machine (N worker processes)
/// or as a SLURM job array (partition, time, CPUs per task, tasks at once, shared directory).
/// The plan is shown as it is edited (runs, or the first problem); OK writes the spec as
/// `<folder>/<name>.json`, which the CLI runs the same way (`irl4rec sweep run|submit`).

#include "core/common/error.h"

#include <QDialog>
#include <QJsonObject>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QRadioButton;
class QSpinBox;
class QTableWidget;

namespace irl4rec::ui {

class SweepDialog : public QDialog {
  Q_OBJECT
 public:
  /// `base`: a run configuration (TrainConfig JSON; seed, data and checkpoint paths are dropped);
  /// `datasetPath`: what the runs train on; `folder`: where the spec is written.
  SweepDialog(const QJsonObject& base, const QString& datasetPath, const QString& folder,
              QWidget* parent = nullptr);

  enum class AxisKind { Values, Uniform, LogUniform };
  enum class Target { Local, Slurm };
  struct Slurm {
    QString partition, time, sharedDir;
    int cpusPerTask = 0, maxParallel = 0;  ///< 0: the cluster's default / no limit
  };

  // ---- the fields, for tests and scripted use ------------------------------------------------
  void setName(const QString& name);
  /// Adds an axis row: `text` holds values ("0, 0.001, 0.01"; "ce, bce") or a range ("0.01, 1").
  void addAxis(const QString& key, AxisKind kind, const QString& text, int count = 3);
  void clearAxes();
  void setSeeds(const QString& text);  ///< "1, 2, 3" or "1-5"
  void setRandomSearch(bool random, int trials = 10);
  void setSelectMetric(const QString& key);
  /// The shift benchmark: every run also reports test metrics on this dataset ("" = none).
  void setTestData(const QString& path);
  void setTarget(Target target);
  void setParallel(int workers);
  void setSlurm(const Slurm& slurm);

  /// The spec as JSON, or the first problem ("axis 2: no values").
  Expected<QJsonObject> spec() const;
  /// "12 runs: 6 configurations × 2 seeds", or the planner's message.
  QString planText() const;
  /// Runs the spec would plan (0 when it does not plan).
  int plannedRuns() const;
  /// Where accept() writes the spec.
  QString specPath() const;
  /// Writes the spec (accept() does, and refuses to close when this fails).
  Expected<QString> writeSpec();
  Target target() const;
  int parallel() const;
  Slurm slurm() const;

  void accept() override;

 private:
  void updatePlan();
  QString nameOrDefault() const;

  QJsonObject base_;
  QString datasetPath_;
  QString folder_;
  int plannedRuns_ = 0;

  QLineEdit* name_ = nullptr;
  QTableWidget* axes_ = nullptr;
  QLineEdit* seeds_ = nullptr;
  QComboBox* search_ = nullptr;
  QSpinBox* trials_ = nullptr;
  QComboBox* select_ = nullptr;
  QLineEdit* testData_ = nullptr;
  QLabel* plan_ = nullptr;
  QRadioButton* local_ = nullptr;
  QRadioButton* slurmButton_ = nullptr;
  QSpinBox* parallel_ = nullptr;
  QGroupBox* slurmBox_ = nullptr;
  QLineEdit* partition_ = nullptr;
  QLineEdit* time_ = nullptr;
  QSpinBox* cpus_ = nullptr;
  QSpinBox* maxParallel_ = nullptr;
  QLineEdit* sharedDir_ = nullptr;
  QDialogButtonBox* buttons_ = nullptr;
};

}  // namespace irl4rec::ui
