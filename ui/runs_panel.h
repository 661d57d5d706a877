#pragma once

#include "core/data/dataset.h"
#include "core/train/run_controller.h"

#include <QHash>
#include <QSet>
#include <QWidget>

#include <memory>

class QLabel;
class QThread;
class QLineEdit;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class QToolButton;

namespace irl4rec::store {
class RunStore;
}

namespace irl4rec::ui {

class MetricPlot;
class RunConfigForm;
class RunQueue;
class RunsTableModel;

/// Configure, launch and watch runs: the configuration form, the runs table (every run of the
/// store, sortable and filterable, with cancel / re-run / rename / tag / delete) and live curves
/// of the selected runs.
class RunsPanel : public QWidget {
  Q_OBJECT
 public:
  /// `store` is the UI thread's connection; `queue` trains in worker threads.
  RunsPanel(store::RunStore* store, RunQueue* queue, QWidget* parent = nullptr);
  ~RunsPanel() override;  ///< waits for curve loaders

  void setDataset(std::shared_ptr<const data::Dataset> dataset);
  /// Re-reads the run list from the store (one model reset), keeping the selection.
  void reload();

  RunConfigForm* form() const { return form_; }
  RunsTableModel* model() const { return model_; }
  QTableView* table() const { return table_; }
  MetricPlot* lossPlot() const { return lossPlot_; }
  MetricPlot* metricPlot() const { return metricPlot_; }
  /// Launches the form's configuration as the user's Launch button does; false + message if not.
  bool launch();
  /// Queues each named configuration over `seeds` on the loaded dataset (one run per seed, named as
  /// Launch names them), as Launch does, and selects them. Every configuration is checked first, so
  /// a bad one queues nothing; errors are also reported through errorOccurred().
  Expected<QList<qint64>> enqueueConfigs(const QList<QPair<QString, train::TrainConfig>>& configs,
                                         const QList<quint64>& seeds);
  /// Runs selected in the table (store ids).
  QList<qint64> selectedRuns() const;
  void selectRun(qint64 runId);

 Q_SIGNALS:
  void errorOccurred(const QString& title, const QString& message);
  /// The stored curves of a selected run are on the plots.
  void curvesLoaded(qint64 runId);

 private:
  void onLaunchRequested(const train::TrainConfig& config, const QList<quint64>& seeds, const QString& name);
  void onSelectionChanged();
  void onSteps(qint64 runId, const QVector<train::StepProgress>& steps);
  void onEpoch(qint64 runId, const train::EpochProgress& epoch);
  void onEnded(qint64 runId, const train::RunOutcome& outcome);
  void loadCurves(qint64 runId);
  QString runLabel(qint64 runId) const;
  void cancelSelected();
  void rerunSelected();
  void renameSelected();
  void tagSelected();
  void deleteSelected();
  void updateActions();

  store::RunStore* store_;
  RunQueue* queue_;
  std::shared_ptr<const data::Dataset> dataset_;
  RunConfigForm* form_ = nullptr;
  RunsTableModel* model_ = nullptr;
  QSortFilterProxyModel* proxy_ = nullptr;
  QTableView* table_ = nullptr;
  QLineEdit* filter_ = nullptr;
  QSpinBox* parallel_ = nullptr;
  QLabel* queueLabel_ = nullptr;
  MetricPlot* lossPlot_ = nullptr;
  MetricPlot* metricPlot_ = nullptr;
  QToolButton* cancel_ = nullptr;
  QToolButton* rerun_ = nullptr;
  QToolButton* rename_ = nullptr;
  QToolButton* tag_ = nullptr;
  QToolButton* delete_ = nullptr;
  QSet<qint64> plotted_;
  QList<QThread*> loaders_;  ///< curve reads off the UI thread, each with its own store connection
};

}  // namespace irl4rec::ui
