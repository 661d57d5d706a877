#include "ui/compare/compare_panel.h"

#include "ui/compare/compare_tree_model.h"
#include "ui/compare/plot_util.h"
#include "ui/compare/sweep_study.h"
#include "ui/compare/sweep_view.h"

#include "core/store/run_store.h"
#include "core/train/ablation_grid.h"
#include "ui/metric_plot.h"
#include "ui/qcustomplot_include.h"
#include "ui/run_config_form.h"
#include "core/application/run_queue.h"
#include "ui/runs_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace irl4rec::ui {

namespace {

constexpr char kPublishedSetting[] = "compare/publishedCurve";

using compare::ValueMode;
using Role = CompareTreeModel::Role;

// Tableau 10, as the Runs tab's plots.
const QColor kGroupColors[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                               QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                               QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                               QColor(23, 190, 207)};

QString greek(const QString& weight) {
  if (weight == QLatin1String("alpha")) return QStringLiteral("α");
  if (weight == QLatin1String("beta")) return QStringLiteral("β");
  if (weight == QLatin1String("gamma")) return QStringLiteral("γ");
  return weight;
}

using compare::metricLabel;

using compare::summaryText;
using compare::valueText;

QToolButton* toolButton(const QString& text, const QString& tip, QWidget* parent) {
  auto* b = new QToolButton(parent);
  b->setText(text);
  b->setToolTip(tip);
  b->setToolButtonStyle(Qt::ToolButtonTextOnly);
  return b;
}

using compare::heatGradient;
using compare::writeText;

}  // namespace

ComparePanel::ComparePanel(store::RunStore* store, application::RunQueue* queue, RunsPanel* runs,
                           QWidget* parent)
    : QWidget(parent),
      store_(store),
      queue_(queue),
      runs_(runs),
      snapshot_(std::make_shared<compare::Snapshot>()) {
  buildUi();
  reloadTimer_ = new QTimer(this);
  reloadTimer_->setSingleShot(true);
  reloadTimer_->setInterval(300);  // a burst of runs ending reads the store once
  connect(reloadTimer_, &QTimer::timeout, this, &ComparePanel::reload);
  if (queue_) {
    // A hidden tab reads the store when it is shown next.
    connect(queue_, &application::RunQueue::runEnded, this, [this] {
      if (isVisible()) reloadTimer_->start();
    });
  }
  rebuild();
}

ComparePanel::~ComparePanel() = default;  // jobs_ waits for the store readers

void ComparePanel::buildUi() {
  auto* layout = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Dataset:"), this));
  datasetBox_ = new QComboBox(this);
  datasetBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  bar->addWidget(datasetBox_);
  bar->addWidget(new QLabel(tr("Model:"), this));
  modelBox_ = new QComboBox(this);
  modelBox_->addItem(tr("any"), QString());
  for (const QString& m : train::modelKindNames()) modelBox_->addItem(m, m);
  bar->addWidget(modelBox_);
  bar->addWidget(new QLabel(tr("Status:"), this));
  statusBox_ = new QComboBox(this);
  for (const char* s :
       {"finished", "", "running", "queued", "failed", "cancelled", "diverged", "interrupted"}) {
    const QString status = QString::fromLatin1(s);
    statusBox_->addItem(status.isEmpty() ? tr("any") : status, status);
  }
  bar->addWidget(statusBox_);
  bar->addWidget(new QLabel(tr("Sweep:"), this));
  sweepBox_ = new QComboBox(this);
  sweepBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  sweepBox_->setMinimumContentsLength(14);
  sweepBox_->setToolTip(tr("Only the runs of one sweep (tagged sweep:<name>): its configurations "
                           "in the Sweep view, every view limited to it"));
  bar->addWidget(sweepBox_);
  filter_ = new QLineEdit(this);
  filter_->setPlaceholderText(tr("Filter (group, run name, tag, uuid)"));
  filter_->setClearButtonEnabled(true);
  bar->addWidget(filter_, 1);
  bar->addWidget(new QLabel(tr("Each run contributes:"), this));
  modeBox_ = new QComboBox(this);
  modeBox_->addItem(tr("last value"), int(ValueMode::Last));
  modeBox_->addItem(tr("value at best validation"), int(ValueMode::BestValidation));
  modeBox_->setToolTip(
      tr("Last logged value, or the value at the epoch of the best validation NDCG@10 "
         "(test metrics are logged once, for the best-validation checkpoint)"));
  bar->addWidget(modeBox_);
  refresh_ = toolButton(tr("Refresh"), tr("Read the runs of the store again"), this);
  bar->addWidget(refresh_);
  grid_ = toolButton(
      tr("Run ablation grid…"),
      tr("Queue baseline, full model, γ=0, β=0, α=0 and no confounder over N seeds, from the "
         "selected run's configuration or the Runs tab form's"),
      this);
  bar->addWidget(grid_);
  layout->addLayout(bar);

  message_ = new QLabel(this);
  message_->setWordWrap(true);
  message_->setStyleSheet(QStringLiteral("QLabel { color: #8a5300; }"));
  message_->hide();
  layout->addWidget(message_);

  auto* split = new QSplitter(Qt::Vertical, this);
  layout->addWidget(split, 1);

  // ---- groups table
  auto* top = new QWidget(split);
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  treeModel_ = new CompareTreeModel(this);
  treeProxy_ = new QSortFilterProxyModel(this);
  treeProxy_->setSourceModel(treeModel_);
  treeProxy_->setSortRole(int(Role::Sort));
  tree_ = new QTreeView(top);
  tree_->setModel(treeProxy_);
  tree_->setSortingEnabled(true);
  tree_->sortByColumn(-1, Qt::AscendingOrder);
  tree_->setAlternatingRowColors(true);
  tree_->setUniformRowHeights(true);
  tree_->setSelectionMode(QAbstractItemView::SingleSelection);
  tree_->setContextMenuPolicy(Qt::CustomContextMenu);
  tree_->header()->setStretchLastSection(true);
  tree_->header()->setSectionResizeMode(QHeaderView::Interactive);
  tree_->setToolTip(tr("Untick runs or groups to leave them out of the statistics and plots"));
  topLayout->addWidget(tree_, 1);
  split->addWidget(top);

  // ---- curves | ablation, sweep
  auto* bottom = new QSplitter(Qt::Horizontal, split);
  auto* curvesBox = new QWidget(bottom);
  auto* curvesLayout = new QVBoxLayout(curvesBox);
  curvesLayout->setContentsMargins(0, 0, 0, 0);
  auto* curveBar = new QHBoxLayout;
  curveBar->addWidget(new QLabel(tr("Curve:"), curvesBox));
  keyBox_ = new QComboBox(curvesBox);
  keyBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  curveBar->addWidget(keyBox_);
  showBands_ = new QCheckBox(tr("mean ± std"), curvesBox);
  showBands_->setChecked(true);
  showBands_->setToolTip(tr("Shade mean ± sample std over the seeds of each group"));
  curveBar->addWidget(showBands_);
  showRuns_ = new QCheckBox(tr("individual runs"), curvesBox);
  curveBar->addWidget(showRuns_);
  showLegend_ = new QCheckBox(tr("legend"), curvesBox);
  showLegend_->setToolTip(tr("The colour of each group is also shown in the table"));
  showLegend_->setChecked(true);
  curveBar->addWidget(showLegend_);
  curveBar->addWidget(new QLabel(tr("Published:"), curvesBox));
  publishedBox_ = new QComboBox(curvesBox);
  publishedBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  publishedBox_->setToolTip(
      tr("Draw a recipe's published curve of this metric (e.g. the mean ± std of its source's "
         "training logs) beside your groups, dashed"));
  curveBar->addWidget(publishedBox_);
  publishedChoice_ = QSettings().value(QLatin1String(kPublishedSetting)).toString();
  curveBar->addStretch(1);
  auto* curveExport = toolButton(tr("Export ▾"), tr("Save the curves as PNG or PDF"), curvesBox);
  curveExport->setPopupMode(QToolButton::InstantPopup);
  auto* curveMenu = new QMenu(curveExport);
  curveMenu->addAction(tr("PNG or PDF…"), this, [this] { exportPlotDialog(PlotKind::Curves); });
  curveMenu->addAction(tr("Table as CSV…"), this, [this] { exportCsvDialog(0); });
  curveExport->setMenu(curveMenu);
  curveBar->addWidget(curveExport);
  curvesLayout->addLayout(curveBar);
  curves_ = new MetricPlot(tr("epoch"), tr("value"), false, curvesBox);
  curves_->setIntegerX(true);
  curves_->plot()->setNotAntialiasedElements(QCP::aeFills);
  curves_->setLegendCorner(Qt::AlignBottom | Qt::AlignRight);
  curvesLayout->addWidget(curves_, 1);
  bottom->addWidget(curvesBox);

  views_ = new QTabWidget(bottom);
  // Ablation
  auto* ablation = new QWidget(views_);
  auto* ablationLayout = new QVBoxLayout(ablation);
  ablationLayout->setContentsMargins(2, 2, 2, 2);
  auto* ablationBar = new QHBoxLayout;
  ablationBar->addWidget(new QLabel(tr("Reference:"), ablation));
  referenceBox_ = new QComboBox(ablation);
  referenceBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  referenceBox_->setMinimumContentsLength(18);
  ablationBar->addWidget(referenceBox_, 1);
  splitBox_ = new QComboBox(ablation);
  splitBox_->addItem(tr("test"), QStringLiteral("test"));
  splitBox_->addItem(tr("validation"), QStringLiteral("val"));
  splitBox_->setToolTip(tr("Test metrics (best-validation checkpoint) or validation metrics"));
  ablationBar->addWidget(splitBox_);
  auto* ablationExport = toolButton(tr("Export ▾"), tr("Save the chart or the table"), ablation);
  ablationExport->setPopupMode(QToolButton::InstantPopup);
  auto* ablationMenu = new QMenu(ablationExport);
  ablationMenu->addAction(tr("Chart as PNG or PDF…"), this,
                          [this] { exportPlotDialog(PlotKind::Ablation); });
  ablationMenu->addAction(tr("Table as CSV…"), this, [this] { exportCsvDialog(1); });
  ablationExport->setMenu(ablationMenu);
  ablationBar->addWidget(ablationExport);
  ablationLayout->addLayout(ablationBar);
  ablationPlot_ = new QCustomPlot(ablation);
  ablationPlot_->setMinimumHeight(160);
  ablationPlot_->legend->setVisible(true);
  QFont small = font();
  small.setPointSizeF(small.pointSizeF() * 0.85);
  ablationPlot_->legend->setFont(small);
  ablationPlot_->legend->setBrush(QColor(255, 255, 255, 210));
  // The legend sits in a row above the chart, where it cannot cover a bar's label.
  ablationPlot_->plotLayout()->insertRow(0);
  ablationPlot_->plotLayout()->addElement(0, 0, ablationPlot_->legend);
  ablationPlot_->plotLayout()->setRowStretchFactor(0, 0.001);
  ablationPlot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
  ablationPlot_->legend->setMargins(QMargins(4, 2, 4, 2));
  ablationPlot_->legend->setBorderPen(Qt::NoPen);
  ablationPlot_->yAxis->setRangeReversed(true);
  ablationPlot_->yAxis->setTickLabelFont(small);
  ablationPlot_->xAxis->setTickLabelFont(small);
  ablationPlot_->yAxis->grid()->setVisible(false);
  ablationLayout->addWidget(ablationPlot_, 1);
  views_->addTab(ablation, tr("Ablation"));
  ablationModel_ = new QStandardItemModel(this);
  ablationTable_ = new QTableView(views_);
  ablationTable_->setModel(ablationModel_);
  ablationTable_->verticalHeader()->hide();
  ablationTable_->verticalHeader()->setDefaultSectionSize(20);
  ablationTable_->horizontalHeader()->setStretchLastSection(true);
  ablationTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  ablationTable_->setWordWrap(false);
  ablationTable_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(ablationTable_, &QTableView::customContextMenuRequested, this, [this](const QPoint& pos) {
    QMenu menu;
    menu.addAction(tr("Export as CSV…"), this, [this] { exportCsvDialog(1); });
    menu.exec(ablationTable_->viewport()->mapToGlobal(pos));
  });
  views_->addTab(ablationTable_, tr("Ablation table"));

  // Sweep
  auto* sweepBox = new QWidget(views_);
  auto* sweepLayout = new QVBoxLayout(sweepBox);
  sweepLayout->setContentsMargins(2, 2, 2, 2);
  auto* sweepBar = new QHBoxLayout;
  const QStringList weights = {QStringLiteral("alpha"), QStringLiteral("beta"),
                               QStringLiteral("gamma")};
  sweepX_ = new QComboBox(sweepBox);
  sweepY_ = new QComboBox(sweepBox);
  for (const QString& w : weights) {
    sweepX_->addItem(greek(w), w);
    sweepY_->addItem(greek(w), w);
  }
  sweepX_->setCurrentIndex(1);
  sweepY_->setCurrentIndex(2);
  sweepBar->addWidget(new QLabel(tr("x:"), sweepBox));
  sweepBar->addWidget(sweepX_);
  sweepBar->addWidget(new QLabel(tr("y:"), sweepBox));
  sweepBar->addWidget(sweepY_);
  sweepFixed_ = new QComboBox(sweepBox);
  sweepBar->addWidget(sweepFixed_);
  sweepBar->addStretch(1);
  auto* sweepExport = toolButton(tr("Export ▾"), tr("Save the heat map or its cells"), sweepBox);
  sweepExport->setPopupMode(QToolButton::InstantPopup);
  auto* sweepMenu = new QMenu(sweepExport);
  sweepMenu->addAction(tr("Heat map as PNG or PDF…"), this,
                       [this] { exportPlotDialog(PlotKind::Sweep); });
  sweepMenu->addAction(tr("Cells as CSV…"), this, [this] { exportCsvDialog(2); });
  sweepExport->setMenu(sweepMenu);
  sweepBar->addWidget(sweepExport);
  sweepLayout->addLayout(sweepBar);
  sweepMessage_ = new QLabel(sweepBox);
  sweepMessage_->setWordWrap(true);
  sweepLayout->addWidget(sweepMessage_);
  sweepPlot_ = new QCustomPlot(sweepBox);
  sweepPlot_->plotLayout()->insertRow(0);
  sweepTitle_ = new QCPTextElement(sweepPlot_, QString(), small);
  sweepPlot_->plotLayout()->addElement(0, 0, sweepTitle_);
  sweepScale_ = new QCPColorScale(sweepPlot_);
  sweepPlot_->plotLayout()->addElement(1, 1, sweepScale_);
  sweepScale_->setType(QCPAxis::atRight);
  sweepScale_->setGradient(heatGradient());
  auto* margins = new QCPMarginGroup(sweepPlot_);
  sweepPlot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  sweepScale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  sweepPlot_->xAxis->grid()->setVisible(false);
  sweepPlot_->yAxis->grid()->setVisible(false);
  sweepLayout->addWidget(sweepPlot_, 1);
  views_->addTab(sweepBox, tr("β/γ/α sweep"));
  sweepView_ = new SweepView(views_);
  views_->addTab(sweepView_, tr("Sweep"));
  connect(views_, &QTabWidget::currentChanged, this, [this] {
    if (sweepStale_ && snapshot_ && views_->currentWidget() == sweepView_) fillSweepView();
  });
  bottom->addWidget(views_);
  bottom->setStretchFactor(0, 1);
  bottom->setStretchFactor(1, 1);
  split->addWidget(bottom);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);

  // ---- signals
  auto rebuildLater = [this] {
    if (!filling_) rebuild();
  };
  connect(datasetBox_, &QComboBox::activated, this, [this] {
    datasetChoice_ = datasetBox_->currentData().toLongLong();
    rebuild();
  });
  connect(modelBox_, &QComboBox::currentIndexChanged, this, rebuildLater);
  connect(statusBox_, &QComboBox::currentIndexChanged, this, rebuildLater);
  connect(sweepBox_, &QComboBox::activated, this, [this] { setSweep(sweepBox_->currentData().toString()); });
  connect(filter_, &QLineEdit::textChanged, this, rebuildLater);
  connect(modeBox_, &QComboBox::currentIndexChanged, this, rebuildLater);
  connect(refresh_, &QToolButton::clicked, this, &ComparePanel::reload);
  connect(grid_, &QToolButton::clicked, this, &ComparePanel::runGridDialog);
  connect(treeModel_, &CompareTreeModel::excludedChanged, this,
          [this](const QSet<qint64>& excluded) {
            excluded_ = excluded;
            // Not from inside the model's setData(): rebuild (a model reset) once the click is
            // handled.
            if (!rebuildQueued_) {
              rebuildQueued_ = true;
              QTimer::singleShot(0, this, [this] {
                if (rebuildQueued_) rebuild();
              });
            }
          });
  connect(tree_, &QTreeView::expanded, this, [this](const QModelIndex& index) {
    expanded_.insert(index.data(int(Role::GroupKey)).toString());
  });
  connect(tree_, &QTreeView::collapsed, this, [this](const QModelIndex& index) {
    expanded_.remove(index.data(int(Role::GroupKey)).toString());
  });
  connect(tree_, &QTreeView::customContextMenuRequested, this, [this](const QPoint& pos) {
    QMenu menu;
    menu.addAction(tr("Expand all"), tree_, &QTreeView::expandAll);
    menu.addAction(tr("Collapse all"), tree_, &QTreeView::collapseAll);
    menu.addSeparator();
    menu.addAction(tr("Export table as CSV…"), this, [this] { exportCsvDialog(0); });
    menu.addAction(tr("Run ablation grid from this configuration…"), this,
                   &ComparePanel::runGridDialog);
    menu.exec(tree_->viewport()->mapToGlobal(pos));
  });
  connect(keyBox_, &QComboBox::currentIndexChanged, this, [this] {
    if (filling_) return;
    // Per-step curves are not in the snapshot until asked for.
    const QString key = curveKey();
    bool have = false;
    for (const compare::RunRecord& r : snapshot_->runs) {
      if (r.curves.contains(key)) {
        have = true;
        break;
      }
    }
    if (!have && compare::isStepKey(key)) {
      reload();
    } else {
      fillCurves();
    }
  });
  connect(publishedBox_, &QComboBox::currentIndexChanged, this, [this] {
    if (filling_) return;
    publishedChoice_ = publishedBox_->currentData().toString();
    QSettings().setValue(QLatin1String(kPublishedSetting), publishedChoice_);
    fillCurves();
  });
  connect(showBands_, &QCheckBox::toggled, this, [this] { fillCurves(); });
  connect(showRuns_, &QCheckBox::toggled, this, [this] { fillCurves(); });
  connect(showLegend_, &QCheckBox::toggled, this, [this](bool on) {
    legendChosen_ = true;
    curves_->setLegendVisible(on);
  });
  connect(referenceBox_, &QComboBox::activated, this, [this] {
    referenceKey_ = referenceBox_->currentData().toString();
    fillAblation();
  });
  connect(splitBox_, &QComboBox::currentIndexChanged, this, [this] {
    if (!filling_) fillAblation();
  });
  auto sweepWeightsChanged = [this] {
    if (filling_) return;
    sweepFixedValue_ = std::numeric_limits<double>::quiet_NaN();
    fillSweep();
  };
  connect(sweepX_, &QComboBox::currentIndexChanged, this, sweepWeightsChanged);
  connect(sweepY_, &QComboBox::currentIndexChanged, this, sweepWeightsChanged);
  connect(sweepFixed_, &QComboBox::activated, this, [this] {
    sweepFixedValue_ = sweepFixed_->currentData().toDouble();
    fillSweep();
  });
}

void ComparePanel::setDataset(std::shared_ptr<const data::Dataset> dataset) {
  dataset_ = std::move(dataset);
  grid_->setToolTip(
      dataset_ ? tr("Queue baseline, full model, γ=0, β=0, α=0 and no confounder over N seeds")
               : tr("Open a dataset first: the grid trains on the loaded dataset"));
  if (datasetChoice_ < 0) rebuild();
}

void ComparePanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  // Runs may have been launched, renamed or deleted in the Runs tab (or by the CLI) meanwhile;
  // the read is in the background, so opening the tab never waits for it.
  reload();
}

void ComparePanel::reload() {
  reloadTimer_->stop();
  if (!store_ || !store_->isOpen()) {
    showMessage(tr("The run store is not available, so there is nothing to compare."));
    return;
  }
  const quint64 generation = jobs_.nextGeneration();
  const QString path = store_->path();
  QStringList extra;
  if (compare::isStepKey(curveKey())) extra << curveKey();
  jobs_.start([this, path, extra, generation]() -> application::BackgroundJobs::Continuation {
    auto snapshot = std::make_shared<const compare::Snapshot>(compare::readSnapshot(path, extra));
    return [this, snapshot, generation] {
      if (!jobs_.isCurrent(generation)) return;  // a newer read is under way
      setSnapshot(snapshot);
      Q_EMIT snapshotLoaded();
    };
  });
}

void ComparePanel::setSnapshot(std::shared_ptr<const compare::Snapshot> snapshot) {
  snapshot_ = snapshot ? std::move(snapshot) : std::make_shared<const compare::Snapshot>();
  // Runs that disappeared (deleted) no longer need to be remembered as unticked.
  QSet<qint64> ids;
  for (const compare::RunRecord& r : snapshot_->runs) ids.insert(r.run.id);
  excluded_.intersect(ids);
  fillKeyCombo();
  rebuild();
}

compare::ValueMode ComparePanel::valueMode() const {
  return ValueMode(modeBox_->currentData().toInt());
}

void ComparePanel::setValueMode(compare::ValueMode mode) {
  modeBox_->setCurrentIndex(modeBox_->findData(int(mode)));
}

QString ComparePanel::curveKey() const {
  const QString key = keyBox_->currentData().toString();
  return key.isEmpty() ? compare::kSelectionKey : key;
}

bool ComparePanel::setPublishedCurve(const QString& recipe) {
  publishedChoice_ = recipe;
  QSettings().setValue(QLatin1String(kPublishedSetting), recipe);
  publishedKey_.clear();  // refill: the choice may be new to the box
  fillCurves();
  return recipe.isEmpty() || publishedBox_->currentData().toString() == recipe;
}

void ComparePanel::fillPublishedCombo() {
  // The curves of the chosen metric published for a dataset of the groups shown (all of them
  // when no group is shown): a Beauty curve never lands beside Sports runs.
  QSet<QString> shown;
  for (const compare::Group& g : groups_)
    for (int i : g.runs)
      for (const store::DatasetRecord& d : snapshot_->datasets)
        if (d.id == snapshot_->runs[size_t(i)].run.datasetId) shown.insert(d.name);
  QStringList names(shown.begin(), shown.end());
  names.sort();
  const QString cacheKey = curveKey() + QLatin1Char('|') + names.join(QLatin1Char(','));
  if (cacheKey == publishedKey_ && publishedBox_->count() > 0) return;
  publishedKey_ = cacheKey;
  published_.clear();
  for (const auto& entry : train::publishedCurves(curveKey()))
    if (shown.isEmpty() || shown.contains(entry.second.dataset)) published_.append(entry);
  const bool wasFilling = filling_;
  filling_ = true;
  publishedBox_->clear();
  publishedBox_->addItem(tr("none"), QString());
  for (const auto& [recipe, curve] : published_) {
    publishedBox_->addItem(recipe, recipe);
    publishedBox_->setItemData(publishedBox_->count() - 1, curve.label, Qt::ToolTipRole);
  }
  const int index = publishedBox_->findData(publishedChoice_);
  publishedBox_->setCurrentIndex(std::max(0, index));
  publishedBox_->setEnabled(publishedBox_->count() > 1);
  filling_ = wasFilling;
}

void ComparePanel::setCurveKey(const QString& key) {
  int index = keyBox_->findData(key);
  if (index < 0) {
    keyBox_->addItem(metricLabel(key), key);
    index = keyBox_->count() - 1;
  }
  keyBox_->setCurrentIndex(index);
}

int ComparePanel::referenceGroup() const {
  for (int g = 0; g < int(groups_.size()); ++g) {
    if (groups_[size_t(g)].key == referenceKey_) return g;
  }
  return -1;
}

void ComparePanel::setReferenceGroup(int group) {
  if (group < 0 || group >= int(groups_.size())) return;
  referenceKey_ = groups_[size_t(group)].key;
  referenceBox_->setCurrentIndex(referenceBox_->findData(referenceKey_));
  fillAblation();
}

void ComparePanel::setSweepWeights(const QString& x, const QString& y) {
  filling_ = true;
  sweepX_->setCurrentIndex(sweepX_->findData(x));
  sweepY_->setCurrentIndex(sweepY_->findData(y));
  filling_ = false;
  sweepFixedValue_ = std::numeric_limits<double>::quiet_NaN();
  fillSweep();
}

void ComparePanel::setRunExcluded(qint64 runId, bool excluded) {
  if (excluded) {
    excluded_.insert(runId);
  } else {
    excluded_.remove(runId);
  }
  rebuild();
}

QString ComparePanel::message() const { return message_->text(); }

void ComparePanel::showMessage(const QString& text) {
  message_->setText(text);
  message_->setVisible(!text.isEmpty());
}

QColor ComparePanel::groupColor(int group) const { return kGroupColors[group % 10]; }

compare::Filter ComparePanel::currentFilter() const {
  compare::Filter f;
  f.datasetId = std::max<qint64>(0, datasetBox_->currentData().toLongLong());
  f.model = modelBox_->currentData().toString();
  f.status = statusBox_->currentData().toString();
  f.text = filter_->text().trimmed();
  f.excluded = excluded_;
  f.sweep = sweepChoice_;
  return f;
}

void ComparePanel::setSweep(const QString& name) {
  sweepChoice_ = name;
  if (!name.isEmpty()) views_->setCurrentWidget(sweepView_);
  rebuild();
}

QString ComparePanel::sweep() const { return sweepChoice_; }

void ComparePanel::fillSweepCombo() {
  // Every sweep in the store with its progress; a chosen sweep stays listed while it has runs.
  sweepBox_->clear();
  sweepBox_->addItem(tr("none (every run)"), QString());
  for (const compare::SweepSummary& s : compare::sweepsIn(*snapshot_)) {
    QString text = tr("%1 (%2 of %3 finished").arg(s.name).arg(s.finished).arg(s.runs);
    if (s.failed > 0) text += tr(", %1 failed").arg(s.failed);
    if (s.running > 0) text += tr(", %1 running").arg(s.running);
    sweepBox_->addItem(text + QLatin1Char(')'), s.name);
  }
  int index = sweepBox_->findData(sweepChoice_);
  if (index < 0) {  // chosen before its runs are read (or all deleted): kept, and said so
    sweepBox_->addItem(tr("%1 (no runs)").arg(sweepChoice_), sweepChoice_);
    index = sweepBox_->count() - 1;
  }
  sweepBox_->setCurrentIndex(index);
}

void ComparePanel::fillSweepView() {
  // The study regroups every run and recomputes per group: done when the Sweep tab is shown,
  // not on every rebuild while another view is in front.
  if (views_->currentWidget() != sweepView_) {
    sweepStale_ = true;
    return;
  }
  sweepStale_ = false;
  // What the best configuration can be compared with: the groups the filter shows without the
  // sweep restriction, outside the sweep's groups.
  compare::Filter all = currentFilter();
  all.sweep.clear();
  all.text.clear();
  QSet<QString> inSweep;
  for (const compare::Group& g : groups_) inSweep.insert(g.key);
  std::vector<compare::Group> candidates;
  for (compare::Group& g : compare::groupRuns(*snapshot_, all)) {
    if (!inSweep.contains(g.key)) candidates.push_back(std::move(g));
  }
  sweepView_->setData(snapshot_, groups_, std::move(candidates), valueMode(), excluded_);
}

void ComparePanel::fillDatasetCombo() {
  // Datasets that have runs, "all" first; the loaded dataset is the default.
  QHash<qint64, int> counts;
  for (const compare::RunRecord& r : snapshot_->runs) ++counts[r.run.datasetId];
  qint64 wanted = datasetChoice_;
  if (wanted < 0) {
    wanted = 0;
    if (dataset_) {
      const QString fingerprint = dataset_->stats().fingerprint;
      for (const store::DatasetRecord& d : snapshot_->datasets) {
        if (d.fingerprint == fingerprint && counts.contains(d.id)) wanted = d.id;
      }
    }
  }
  datasetBox_->clear();
  datasetBox_->addItem(tr("all (%1 runs)").arg(snapshot_->runs.size()), qint64(0));
  for (const store::DatasetRecord& d : snapshot_->datasets) {
    if (!counts.contains(d.id)) continue;
    datasetBox_->addItem(tr("%1 (%2 runs)").arg(d.name).arg(counts.value(d.id)), d.id);
  }
  const int index = datasetBox_->findData(wanted);
  datasetBox_->setCurrentIndex(index < 0 ? 0 : index);
}

void ComparePanel::fillKeyCombo() {
  const QString current = keyBox_->currentData().toString();
  filling_ = true;
  keyBox_->clear();
  QStringList keys = snapshot_->keys;
  if (keys.isEmpty()) keys << compare::kSelectionKey;
  // Per-epoch keys first (validation, test, epoch loss), then per-step losses.
  std::stable_partition(keys.begin(), keys.end(),
                        [](const QString& k) { return !compare::isStepKey(k); });
  for (const QString& k : keys) keyBox_->addItem(metricLabel(k), k);
  int index = keyBox_->findData(current.isEmpty() ? compare::kSelectionKey : current);
  if (index < 0) index = keyBox_->findData(compare::kSelectionKey);
  keyBox_->setCurrentIndex(std::max(0, index));
  filling_ = false;
}

void ComparePanel::rebuild() {
  rebuildQueued_ = false;
  filling_ = true;
  fillDatasetCombo();
  fillSweepCombo();
  filling_ = false;
  groups_ = compare::groupRuns(*snapshot_, currentFilter(), /*keepExcluded=*/true);
  QString text;
  if (!snapshot_->error.isEmpty()) {
    text = tr("Could not read the run store: %1").arg(snapshot_->error);
  } else if (!store_ && snapshot_->runs.empty()) {
    text = tr("The run store is not available, so there is nothing to compare.");
  } else if (snapshot_->runs.empty()) {
    text =
        tr("No runs in the store yet. Launch runs in the Runs tab, or use “Run ablation grid…”.");
  } else if (groups_.empty()) {
    text = tr("No run matches the filter (%n run(s) in the store).", nullptr,
              int(snapshot_->runs.size()));
  } else {
    int withoutMetrics = 0;
    for (const compare::Group& g : groups_) {
      for (int i : g.runs) withoutMetrics += snapshot_->runs[size_t(i)].summaries.empty() ? 1 : 0;
    }
    if (withoutMetrics > 0)
      text =
          tr("%n run(s) have no metrics yet and count as missing values.", nullptr, withoutMetrics);
  }
  showMessage(text);
  // Default reference: the user's choice if still shown, else a baseline group.
  if (referenceGroup() < 0) {
    referenceKey_.clear();
    for (const compare::Group& g : groups_) {
      if (g.baseline) {
        referenceKey_ = g.key;
        break;
      }
    }
    if (referenceKey_.isEmpty() && !groups_.empty()) referenceKey_ = groups_.front().key;
  }
  fillTree();
  fillCurves();
  fillAblation();
  fillSweep();
  fillSweepView();
}

void ComparePanel::fillTree() {
  QVector<QColor> colors;
  for (int g = 0; g < int(groups_.size()); ++g) colors << groupColor(g);
  treeModel_->setGroups(*snapshot_, groups_, valueMode(), excluded_, colors);
  for (int g = 0; g < int(groups_.size()); ++g) {
    if (expanded_.contains(groups_[size_t(g)].key))
      tree_->expand(treeProxy_->mapFromSource(treeModel_->index(g, 0)));
  }
  for (int c = 0; c < int(Column::Note); ++c) tree_->resizeColumnToContents(c);
  tree_->setColumnWidth(0, std::min(tree_->columnWidth(0) + 12, 420));
}

void ComparePanel::fillCurves() {
  const QString key = curveKey();
  const bool step = compare::isStepKey(key);
  if (!legendChosen_) {
    // Many groups' legend would hide the curves; the table's colour swatches name them too.
    const QSignalBlocker blocker(showLegend_);
    showLegend_->setChecked(groups_.size() <= 6);
    curves_->setLegendVisible(showLegend_->isChecked());
  }
  curves_->clear();
  curves_->setIntegerX(!step);
  curves_->plot()->xAxis->setLabel(step ? tr("step") : tr("epoch"));
  curves_->plot()->yAxis->setLabel(metricLabel(key));
  curves_->setAutoRescale(true);
  for (int g = 0; g < int(groups_.size()); ++g) {
    const compare::Group& group = groups_[size_t(g)];
    const QColor color = groupColor(g);
    if (showRuns_->isChecked()) {
      for (int i : group.runs) {
        const compare::RunRecord& r = snapshot_->runs[size_t(i)];
        if (excluded_.contains(r.run.id)) continue;
        auto it = r.curves.constFind(key);
        if (it == r.curves.constEnd() || it->x.isEmpty()) continue;
        const QString run = QStringLiteral("r%1").arg(r.run.id);
        QColor light = color;
        light.setAlpha(110);
        curves_->setRunColor(run, light);
        curves_->setCurve(run, r.run.name, QString(), it->x, it->y);
        if (QCPGraph* graph = curves_->graph(run, QString())) graph->removeFromLegend();
      }
    }
    const compare::Band band = compare::groupBand(*snapshot_, group, key, excluded_);
    if (band.x.isEmpty()) continue;
    int n = 0;
    for (int k : band.n) n = std::max(n, k);
    const QString run = QStringLiteral("g%1").arg(group.hash);
    curves_->setRunColor(run, color);
    curves_->setCurve(run, tr("%1 (n=%2)").arg(group.name).arg(n), QString(), band.x, band.mean,
                      showBands_->isChecked() ? band.std : QVector<double>());
  }
  fillPublishedCombo();
  if (const QString recipe = publishedBox_->currentData().toString(); !recipe.isEmpty()) {
    for (const auto& [name, curve] : published_) {
      if (name != recipe) continue;
      curves_->setRunColor(kPublishedRun, QColor(40, 40, 40));
      curves_->setCurve(kPublishedRun, curve.label, QString(), curve.epochs, curve.mean,
                        showBands_->isChecked() ? curve.std : QVector<double>());
      if (QCPGraph* graph = curves_->graph(kPublishedRun, QString())) {
        QPen pen = graph->pen();
        pen.setStyle(Qt::DashLine);
        pen.setWidthF(std::max(1.5, pen.widthF()));
        graph->setPen(pen);
      }
      break;
    }
  }
  // Drawn by the plot's coalesced timer, not here: a rebuild never waits for a replot.
}

void ComparePanel::fillAblation() {
  const int reference = referenceGroup();
  filling_ = true;
  referenceBox_->clear();
  for (const compare::Group& g : groups_) referenceBox_->addItem(g.name, g.key);
  referenceBox_->setCurrentIndex(std::max(0, reference));
  filling_ = false;

  const QString split = splitBox_->currentData().toString();
  const QStringList metrics = {split + QStringLiteral("/hr@10"),
                               split + QStringLiteral("/ndcg@10")};
  ablationRows_ =
      compare::ablation(*snapshot_, groups_, reference, metrics, valueMode(), excluded_);

  QCustomPlot* plot = ablationPlot_;
  plot->clearPlottables();
  plot->clearItems();
  delete barsGroup_;
  barsGroup_ = nullptr;
  const int count = int(groups_.size());
  if (count == 0 || reference < 0) {
    // Empty bars keep the legend row (and with it the layout) as it is with data.
    for (const QString& metric : metrics)
      (new QCPBars(plot->yAxis, plot->xAxis))->setName(metricLabel(metric));
    plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    plot->yAxis->setRange(0, 1);
    plot->xAxis->setRange(0, 1);
    plot->xAxis->setLabel(QString());
    auto* empty = new QCPItemText(plot);
    empty->position->setType(QCPItemPosition::ptAxisRectRatio);
    empty->position->setCoords(0.5, 0.5);
    empty->setText(tr("No groups to compare"));
    empty->setColor(Qt::gray);
    plot->replot(QCustomPlot::rpQueuedReplot);
    ablationModel_->clear();
    return;
  }
  barsGroup_ = new QCPBarsGroup(plot);
  barsGroup_->setSpacingType(QCPBarsGroup::stPlotCoords);
  barsGroup_->setSpacing(0.04);
  constexpr double kWidth = 0.36;
  const QColor metricColors[] = {QColor(31, 119, 180), QColor(255, 127, 14)};
  QFont labelFont = font();
  labelFont.setPointSizeF(labelFont.pointSizeF() * 0.8);
  double maxEnd = 0;
  for (int m = 0; m < metrics.size(); ++m) {
    auto* bars = new QCPBars(plot->yAxis, plot->xAxis);
    bars->setName(metricLabel(metrics[m]));
    bars->setWidth(kWidth);
    bars->setBarsGroup(barsGroup_);
    QColor fill = metricColors[m];
    bars->setPen(QPen(fill.darker(120)));
    fill.setAlpha(170);
    bars->setBrush(fill);
    auto* errors = new QCPErrorBars(plot->yAxis, plot->xAxis);
    errors->removeFromLegend();
    errors->setErrorType(QCPErrorBars::etValueError);
    errors->setPen(QPen(QColor(40, 40, 40)));
    errors->setWhiskerWidth(5);
    errors->setSymbolGap(0);
    QVector<double> keys, values, stds;
    // Bars of metric m sit at key ± half a bar in the group (two bars per key).
    const double offset = (m - 0.5) * (kWidth + barsGroup_->spacing());
    for (const compare::AblationRow& row : ablationRows_) {
      if (row.metric != metrics[m]) continue;
      const double mean = row.welch.group.mean;
      const double sd = row.welch.group.std;
      keys << row.group + 1;
      values << (std::isfinite(mean) ? mean : 0.0);
      stds << (std::isfinite(sd) ? sd : std::nan(""));
      const double end = (std::isfinite(mean) ? mean : 0.0) + (std::isfinite(sd) ? sd : 0.0);
      maxEnd = std::max(maxEnd, end);
      auto* label = new QCPItemText(plot);
      label->setClipToAxisRect(true);
      label->position->setCoords(end, row.group + 1 + offset);
      label->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
      label->setPadding(QMargins(4, 0, 0, 0));
      label->setFont(labelFont);
      label->setColor(metricColors[m].darker(150));
      label->setText(compare::ablationLabel(row, row.group == reference));
    }
    bars->setData(keys, values);
    errors->setDataPlottable(bars);
    errors->setData(stds);
    // The reference's mean as a dashed line across all groups.
    for (const compare::AblationRow& row : ablationRows_) {
      if (row.metric != metrics[m] || row.group != reference ||
          !std::isfinite(row.welch.group.mean))
        continue;
      auto* line = new QCPItemStraightLine(plot);
      line->point1->setCoords(row.welch.group.mean, 0);
      line->point2->setCoords(row.welch.group.mean, 1);
      line->setPen(QPen(metricColors[m], 1, Qt::DashLine));
    }
  }
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  for (int g = 0; g < count; ++g) {
    QString name = groups_[size_t(g)].name;
    if (name.size() > 44) name = name.left(42) + QStringLiteral("…");
    ticker->addTick(g + 1, name);
  }
  plot->yAxis->setTicker(ticker);
  plot->yAxis->setRange(0.4, count + 0.6);
  // Room on the right for "+12% (p = 0.03, n = 5)".
  plot->xAxis->setRange(0, maxEnd > 0 ? maxEnd * 1.8 : 1.0);
  plot->xAxis->setLabel(
      tr("%1 HR@10 / NDCG@10, mean ± std over seeds (%2)")
          .arg(split == QLatin1String("test") ? tr("test") : tr("validation"),
               valueMode() == ValueMode::Last ? tr("last values") : tr("at best validation")));
  plot->replot(QCustomPlot::rpQueuedReplot);

  ablationModel_->clear();
  ablationModel_->setHorizontalHeaderLabels({tr("Group"), tr("Metric"), tr("Mean ± std"), tr("n"),
                                             tr("vs reference"), tr("p (Welch)"), tr("t"),
                                             tr("df")});
  for (const compare::AblationRow& row : ablationRows_) {
    const analysis::WelchResult& w = row.welch;
    const bool isRef = row.group == reference;
    QList<QStandardItem*> items;
    items << new QStandardItem(groups_[size_t(row.group)].name)
          << new QStandardItem(metricLabel(row.metric)) << new QStandardItem(summaryText(w.group))
          << new QStandardItem(QString::number(w.group.n))
          << new QStandardItem(compare::ablationLabel(row, isRef))
          << new QStandardItem(isRef       ? QString()
                               : w.valid() ? compare::formatP(w.p)
                                           : tr("undefined: %1").arg(w.reason))
          << new QStandardItem(std::isfinite(w.t) ? QString::number(w.t, 'f', 2) : QString())
          << new QStandardItem(std::isfinite(w.df) ? QString::number(w.df, 'f', 1) : QString());
    ablationModel_->appendRow(items);
  }
  ablationTable_->resizeColumnsToContents();
}

void ComparePanel::fillSweep() {
  const QString xWeight = sweepX_->currentData().toString();
  const QString yWeight = sweepY_->currentData().toString();
  sweep_ = compare::sweep(*snapshot_, groups_, xWeight, yWeight, sweepFixedValue_,
                          compare::kSelectionKey, valueMode(), excluded_);
  filling_ = true;
  sweepFixed_->clear();
  for (double v : sweep_.fixedValues) {
    sweepFixed_->addItem(
        QStringLiteral("%1 = %2").arg(greek(sweep_.fixedWeight), compare::formatWeight(v)), v);
  }
  if (std::isfinite(sweep_.fixedValue))
    sweepFixed_->setCurrentIndex(sweepFixed_->findData(sweep_.fixedValue));
  sweepFixed_->setEnabled(sweepFixed_->count() > 1);
  filling_ = false;

  QCustomPlot* plot = sweepPlot_;
  plot->clearPlottables();
  plot->clearItems();
  sweepMessage_->setText(sweep_.message);
  sweepMessage_->setVisible(!sweep_.message.isEmpty());
  sweepTitle_->setText(tr("validation NDCG@10, mean over seeds (%1), %2 = %3")
                           .arg(valueMode() == ValueMode::Last ? tr("last value") : tr("best"),
                                greek(sweep_.fixedWeight),
                                compare::formatWeight(sweep_.fixedValue)));
  const int nx = sweep_.xs.size(), ny = sweep_.ys.size();
  if (sweep_.cells.empty()) {
    sweepTitle_->setText(tr("β/γ/α sweep: no data"));
    plot->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  compare::HeatCells heat;
  for (int i = 0; i < nx; ++i) heat.xLabels << compare::formatWeight(sweep_.xs[i]);
  for (int j = 0; j < ny; ++j) heat.yLabels << compare::formatWeight(sweep_.ys[j]);
  for (const compare::SweepCell& c : sweep_.cells)
    heat.cells.push_back({c.xi, c.yi, c.value.mean, c.value.n});
  QFont cellFont = font();
  cellFont.setPointSizeF(cellFont.pointSizeF() * 0.85);
  compare::drawHeatMap(plot, sweepScale_, heat, cellFont);
  sweepScale_->axis()->setLabel(tr("val NDCG@10"));
  plot->xAxis->setLabel(greek(xWeight));
  plot->yAxis->setLabel(greek(yWeight));
  plot->replot(QCustomPlot::rpQueuedReplot);
}

Status ComparePanel::exportTableCsv(const QString& path) const {
  std::vector<compare::MetricColumn> columns;
  for (const auto& [column, metric] : CompareTreeModel::metricColumns()) columns.push_back(metric);
  return writeText(path, compare::groupsCsv(*snapshot_, groups_, columns, valueMode(), excluded_));
}

Status ComparePanel::exportAblationCsv(const QString& path) const {
  return writeText(path, compare::ablationCsv(groups_, referenceGroup(), ablationRows_));
}

Status ComparePanel::exportSweepCsv(const QString& path) const {
  return writeText(path, compare::sweepCsv(sweep_, compare::kSelectionKey));
}

Status ComparePanel::exportPlot(PlotKind kind, const QString& path) const {
  QCustomPlot* plot = kind == PlotKind::Curves     ? curves_->plot()
                      : kind == PlotKind::Ablation ? ablationPlot_
                                                   : sweepPlot_;
  // A saved figure always says which curve is which, even when the legend is hidden on screen.
  const bool legendHidden =
      kind == PlotKind::Curves && !plot->legend->visible() && plot->legend->itemCount() > 0;
  if (legendHidden) plot->legend->setVisible(true);
  const Status saved = compare::savePlot(plot, path);
  if (legendHidden) {
    plot->legend->setVisible(false);
    plot->replot(QCustomPlot::rpQueuedReplot);
  }
  return saved;
}

void ComparePanel::exportPlotDialog(PlotKind kind) {
  auto* dialog = new QFileDialog(this, tr("Export plot"), QString(),
                                 tr("PNG image (*.png);;PDF document (*.pdf)"));
  dialog->setAcceptMode(QFileDialog::AcceptSave);
  dialog->setDefaultSuffix(QStringLiteral("png"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &QFileDialog::fileSelected, this, [this, kind](const QString& path) {
    if (Status s = exportPlot(kind, path); !s.ok())
      showMessage(tr("Export failed: %1").arg(s.error().message()));
  });
  dialog->open();
}

void ComparePanel::exportCsvDialog(int which) {
  auto* dialog = new QFileDialog(this, tr("Export table"), QString(), tr("CSV (*.csv)"));
  dialog->setAcceptMode(QFileDialog::AcceptSave);
  dialog->setDefaultSuffix(QStringLiteral("csv"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &QFileDialog::fileSelected, this, [this, which](const QString& path) {
    const Status s = which == 0   ? exportTableCsv(path)
                     : which == 1 ? exportAblationCsv(path)
                                  : exportSweepCsv(path);
    if (!s.ok()) showMessage(tr("Export failed: %1").arg(s.error().message()));
  });
  dialog->open();
}

Expected<train::TrainConfig> ComparePanel::gridSourceConfig() const {
  const QModelIndex index = tree_->currentIndex();
  if (index.isValid() && tree_->selectionModel()->isSelected(index)) {
    const QModelIndex first = index.siblingAtColumn(0);
    const QVariant runId = first.data(int(Role::RunId));
    const QVariant group = first.data(int(Role::Group));
    QJsonObject config;
    if (runId.isValid()) {
      for (const compare::RunRecord& r : snapshot_->runs) {
        if (r.run.id == runId.toLongLong()) config = r.run.config;
      }
    } else if (group.isValid() && group.toInt() < int(groups_.size())) {
      config = groups_[size_t(group.toInt())].config;
    }
    if (config.isEmpty())
      return Error::general(QStringLiteral("the selected run has no readable configuration"));
    return train::TrainConfig::fromJson(config);
  }
  if (!runs_) return Error::general(QStringLiteral("no run configuration available"));
  return runs_->form()->config();
}

Expected<int> ComparePanel::queueAblationGrid(const train::TrainConfig& base, int seeds,
                                                        quint64 seedStart,
                                                        const QString& namePrefix) {
  if (!runs_) return Error::general(QStringLiteral("runs cannot be launched here"));
  if (seeds < 1) return Error::general(QStringLiteral("choose at least one seed"));
  auto grid = train::ablationGrid(base);
  if (!grid.ok()) {
    showMessage(tr("Cannot queue the ablation grid: %1").arg(grid.error().message()));
    return grid.error();
  }
  QList<QPair<QString, train::TrainConfig>> configs;
  const QString prefix = namePrefix.trimmed();
  for (const train::AblationVariant& v : grid.value().variants) {
    configs << qMakePair(prefix.isEmpty() ? v.label : QStringLiteral("%1 %2").arg(prefix, v.label),
                         v.config);
  }
  QList<quint64> seedList;
  for (int i = 0; i < seeds; ++i) seedList << seedStart + quint64(i);
  auto queued = runs_->enqueueConfigs(configs, seedList);
  if (!queued.ok()) {
    showMessage(tr("Cannot queue the ablation grid: %1").arg(queued.error().message()));
    return queued;
  }
  QString text = tr("Queued %n run(s) of the ablation grid; they appear here as they finish.",
                    nullptr, queued.value());
  if (!grid.value().notes.isEmpty())
    text += QLatin1Char(' ') + grid.value().notes.join(QStringLiteral("; ")) + QLatin1Char('.');
  showMessage(text);
  return queued;
}

void ComparePanel::runGridDialog() {
  if (!dataset_) {
    showMessage(tr("Open a dataset first: the ablation grid trains on the loaded dataset."));
    return;
  }
  auto source = gridSourceConfig();
  const bool fromSelection =
      tree_->currentIndex().isValid() && tree_->selectionModel()->isSelected(tree_->currentIndex());
  auto* dialog = new QDialog(this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(tr("Run ablation grid"));
  auto* form = new QFormLayout(dialog);
  auto* from = new QLabel(dialog);
  from->setWordWrap(true);
  if (source.ok()) {
    const train::TrainConfig& c = source.value();
    from->setText(tr("%1: %2 %3, α=%4 β=%5 γ=%6, %7 epochs")
                      .arg(fromSelection ? tr("selected in the table") : tr("the Runs tab form"),
                           train::toString(c.model), train::toString(c.encoder),
                           compare::formatWeight(c.alpha), compare::formatWeight(c.beta),
                           compare::formatWeight(c.gamma))
                      .arg(c.epochs));
  } else {
    from->setText(source.error().message());
  }
  form->addRow(tr("Configuration:"), from);
  auto* seeds = new QSpinBox(dialog);
  seeds->setRange(1, 50);
  seeds->setValue(3);
  form->addRow(tr("Seeds (N):"), seeds);
  auto* start = new QSpinBox(dialog);
  start->setRange(0, 1000000);
  start->setValue(1);
  form->addRow(tr("First seed:"), start);
  auto* prefix = new QLineEdit(QStringLiteral("ablation"), dialog);
  form->addRow(tr("Name prefix:"), prefix);
  auto* preview = new QLabel(dialog);
  preview->setWordWrap(true);
  form->addRow(preview);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
  form->addRow(buttons);
  auto grid = source.ok() ? train::ablationGrid(source.value())
                          : Expected<train::AblationGrid>(source.error());
  auto updatePreview = [=] {
    if (!grid.ok()) {
      preview->setText(
          tr("<b>Cannot build the grid:</b> %1. Select an Irl4Rec run in the table or set the "
             "Runs tab form to an Irl4Rec configuration.")
              .arg(grid.error().message().toHtmlEscaped()));
      buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
      return;
    }
    QStringList labels;
    for (const train::AblationVariant& v : grid.value().variants) labels << v.label;
    QString text = tr("%1<br>%2 configurations × %3 seeds (%4 … %5) = <b>%6 runs</b>")
                       .arg(labels.join(QStringLiteral(", ")).toHtmlEscaped())
                       .arg(grid.value().variants.size())
                       .arg(seeds->value())
                       .arg(start->value())
                       .arg(start->value() + seeds->value() - 1)
                       .arg(int(grid.value().variants.size()) * seeds->value());
    if (!grid.value().notes.isEmpty())
      text += QStringLiteral("<br><i>%1</i>")
                  .arg(grid.value().notes.join(QStringLiteral("<br>")).toHtmlEscaped());
    preview->setText(text);
  };
  updatePreview();
  connect(seeds, &QSpinBox::valueChanged, dialog, updatePreview);
  connect(start, &QSpinBox::valueChanged, dialog, updatePreview);
  connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, dialog, [=] {
    if (source.ok())
      queueAblationGrid(source.value(), seeds->value(), quint64(start->value()), prefix->text());
    dialog->accept();
  });
  dialog->open();  // window-modal, no nested event loop: training keeps reporting
}

}  // namespace irl4rec::ui
