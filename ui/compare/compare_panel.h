#pragma once

#include "core/common/error.h"
#include "core/data/dataset.h"
#include "core/train/recipes.h"
#include "core/train/train_config.h"
#include "core/application/background_jobs.h"
#include "ui/compare/compare_data.h"
#include "ui/compare/compare_tree_model.h"

#include <QList>
#include <QSet>
#include <QWidget>

#include <limits>
#include <memory>
#include <vector>

class QCPBarsGroup;
class QCPColorScale;
class QCPTextElement;
class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTabWidget;
class QTableView;
class QThread;
class QTimer;
class QToolButton;
class QTreeView;

namespace irl4rec::store {
class RunStore;
}

namespace irl4rec::application {
class RunQueue;
}  // namespace irl4rec::application

namespace irl4rec::ui {

class MetricPlot;
class SweepView;
class RunsPanel;

/// Compare runs across seeds and ablations (issue 6, "Compare"): overlaid curves with mean ± std
/// bands per group, a table of final / best metrics, the ablation view against a reference group
/// with Welch p-values, the β/γ/α sweep view, the Sweep view of any sweep (ui/compare/sweep_view.h)
/// and the "Run ablation grid" action.
///
/// Runs and their per-epoch curves are read on a worker thread with its own store connection
/// (compare::readSnapshot); grouping, statistics and plots are built on the UI thread from that
/// snapshot. Runs that end in this process trigger a new read.
class ComparePanel : public QWidget {
  Q_OBJECT
 public:
  /// Columns of the groups table.
  using Column = CompareTreeModel::Column;
  /// Plots that can be exported.
  enum class PlotKind { Curves, Ablation, Sweep };

  /// `store` is the UI thread's connection (may be null when the store could not be opened);
  /// `runs` launches runs (ablation grid) through the same queue as the Runs tab.
  ComparePanel(store::RunStore* store, application::RunQueue* queue, RunsPanel* runs, QWidget* parent = nullptr);
  ~ComparePanel() override;  ///< waits for the reader thread

  void setDataset(std::shared_ptr<const data::Dataset> dataset);
  /// Re-reads the runs of the store (in the background; snapshotLoaded() when shown).
  void reload();

  // ---- state, for tests and the benchmark ----------------------------------------------------
  const compare::Snapshot& snapshot() const { return *snapshot_; }
  const std::vector<compare::Group>& groups() const { return groups_; }
  /// Sets the snapshot directly and rebuilds every view (what reload() does on the UI thread).
  void setSnapshot(std::shared_ptr<const compare::Snapshot> snapshot);
  compare::ValueMode valueMode() const;
  void setValueMode(compare::ValueMode mode);
  void setCurveKey(const QString& key);
  QString curveKey() const;
  /// Draws the published curve of recipe `recipe` for the current curve key beside the groups
  /// (its mean dashed, its std shaded with the bands), or none for "" — remembered across
  /// sessions. The curve is MetricPlot run kPublishedRun. False if the recipe has no curve of
  /// the current key (the choice is still remembered for when it has).
  bool setPublishedCurve(const QString& recipe);
  QString publishedCurve() const { return publishedChoice_; }
  static inline const QString kPublishedRun = QStringLiteral("published");
  /// Index into groups() of the ablation reference (-1 if none).
  int referenceGroup() const;
  void setReferenceGroup(int group);
  void setSweepWeights(const QString& x, const QString& y);
  const compare::Sweep& currentSweep() const { return sweep_; }
  const std::vector<compare::AblationRow>& ablationRows() const { return ablationRows_; }
  /// Unticks (or ticks) a run: it stays listed but leaves every statistic and plot.
  void setRunExcluded(qint64 runId, bool excluded);
  /// The message line above the views ("" when all is well).
  QString message() const;
  QTreeView* tree() const { return tree_; }
  CompareTreeModel* treeModel() const { return treeModel_; }
  MetricPlot* curvePlot() const { return curves_; }
  QCustomPlot* ablationPlot() const { return ablationPlot_; }
  QCustomPlot* sweepPlot() const { return sweepPlot_; }
  /// The Sweep view: the chosen sweep (or the filtered groups) as one unit.
  SweepView* sweepView() const { return sweepView_; }
  /// Shows only the runs of the sweep `name` ("" = every run) and brings up the Sweep view.
  void setSweep(const QString& name);
  QString sweep() const;

  // ---- actions -------------------------------------------------------------------------------
  Status exportTableCsv(const QString& path) const;
  Status exportAblationCsv(const QString& path) const;
  Status exportSweepCsv(const QString& path) const;
  /// PNG or PDF by the file's suffix.
  Status exportPlot(PlotKind plot, const QString& path) const;
  /// The configuration "Run ablation grid" starts from: the selected run's or group's when one is
  /// selected in the table, else the Runs tab form's.
  Expected<train::TrainConfig> gridSourceConfig() const;
  /// Queues the ablation grid of `base` for seeds seedStart … seedStart + seeds − 1 through the
  /// Runs tab (what the dialog's OK does): the number of runs being queued (they reach the
  /// store off the UI thread; RunsPanel::runsQueued()), or why nothing was.
  Expected<int> queueAblationGrid(const train::TrainConfig& base, int seeds, quint64 seedStart,
                                  const QString& namePrefix);

 Q_SIGNALS:
  /// A snapshot read by reload() is on screen.
  void snapshotLoaded();

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void buildUi();
  void rebuild();
  compare::Filter currentFilter() const;
  void fillDatasetCombo();
  void fillTree();
  void fillCurves();
  void fillAblation();
  void fillSweep();
  void fillSweepCombo();
  void fillSweepView();  ///< only while the Sweep tab is in front; else marks it stale
  void fillKeyCombo();
  void fillPublishedCombo();  ///< the recipes with a published curve of the current key
  void showMessage(const QString& text);
  void runGridDialog();
  void exportPlotDialog(PlotKind plot);
  void exportCsvDialog(int which);
  QColor groupColor(int group) const;

  store::RunStore* store_;
  application::RunQueue* queue_;
  RunsPanel* runs_;
  std::shared_ptr<const data::Dataset> dataset_;
  std::shared_ptr<const compare::Snapshot> snapshot_;
  std::vector<compare::Group> groups_;
  std::vector<compare::AblationRow> ablationRows_;
  compare::Sweep sweep_;
  QSet<qint64> excluded_;
  QSet<QString> expanded_;  ///< group keys expanded in the tree
  bool filling_ = false;
  bool rebuildQueued_ = false;
  qint64 datasetChoice_ = -1;  ///< dataset id chosen by the user; -1 = follow the loaded dataset
  double sweepFixedValue_ = std::numeric_limits<double>::quiet_NaN();
  QTimer* reloadTimer_ = nullptr;
  QString referenceKey_;  ///< group key of the user's reference choice

  QComboBox* datasetBox_ = nullptr;
  QComboBox* modelBox_ = nullptr;
  QComboBox* statusBox_ = nullptr;
  QComboBox* sweepBox_ = nullptr;
  QString sweepChoice_;  ///< the sweep the user chose, "" = every run
  QLineEdit* filter_ = nullptr;
  QComboBox* modeBox_ = nullptr;
  QToolButton* refresh_ = nullptr;
  QToolButton* grid_ = nullptr;
  QLabel* message_ = nullptr;
  QTreeView* tree_ = nullptr;
  CompareTreeModel* treeModel_ = nullptr;
  QSortFilterProxyModel* treeProxy_ = nullptr;
  QComboBox* keyBox_ = nullptr;
  QCheckBox* showRuns_ = nullptr;
  QCheckBox* showBands_ = nullptr;
  QCheckBox* showLegend_ = nullptr;
  QComboBox* publishedBox_ = nullptr;
  QString publishedChoice_;  ///< recipe whose published curve is drawn ("" = none)
  QString publishedKey_;     ///< the curve key and datasets publishedBox_ was filled for
  QList<QPair<QString, train::PublishedCurve>> published_;  ///< (recipe, curve) in the box
  bool legendChosen_ = false;  ///< the user set the legend checkbox
  MetricPlot* curves_ = nullptr;
  QTabWidget* views_ = nullptr;
  QComboBox* referenceBox_ = nullptr;
  QComboBox* splitBox_ = nullptr;
  QCustomPlot* ablationPlot_ = nullptr;
  QTableView* ablationTable_ = nullptr;
  QStandardItemModel* ablationModel_ = nullptr;
  QComboBox* sweepX_ = nullptr;
  QComboBox* sweepY_ = nullptr;
  QComboBox* sweepFixed_ = nullptr;
  QLabel* sweepMessage_ = nullptr;
  QCustomPlot* sweepPlot_ = nullptr;
  QCPColorScale* sweepScale_ = nullptr;
  QCPTextElement* sweepTitle_ = nullptr;
  QCPBarsGroup* barsGroup_ = nullptr;
  SweepView* sweepView_ = nullptr;
  bool sweepStale_ = true;  ///< the Sweep view waits for a rebuild made while it was hidden
  /// Last member: destroyed first, it waits for the store readers.
  application::BackgroundJobs jobs_{this};
};

}  // namespace irl4rec::ui
