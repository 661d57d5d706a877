#include "ui/compare/sweep_view.h"

#include "ui/compare/plot_util.h"
#include "ui/qcustomplot_include.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace irl4rec::ui {

namespace {

using compare::metricLabel;
using compare::summaryText;

constexpr int kSortRole = Qt::UserRole + 1;

QStandardItem* numberItem(const QString& text, double sortValue) {
  auto* item = new QStandardItem(text);
  item->setData(std::isfinite(sortValue) ? sortValue : -1e300, kSortRole);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  item->setEditable(false);
  return item;
}

}  // namespace

SweepView::SweepView(QWidget* parent) : QWidget(parent) {
  selectKey_ = compare::kSelectionKey;
  shownKey_ = compare::kSelectionKey;
  buildUi();
}

void SweepView::buildUi() {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Select by:"), this));
  selectBox_ = new QComboBox(this);
  selectBox_->setToolTip(
      tr("The validation metric that picks the best configuration (mean over its seeds); test "
         "metrics are never used to choose"));
  bar->addWidget(selectBox_);
  bar->addWidget(new QLabel(tr("Show:"), this));
  shownBox_ = new QComboBox(this);
  shownBox_->setToolTip(tr("The metric the heat map, the parallel coordinates and the table show"));
  bar->addWidget(shownBox_);
  bar->addStretch(1);
  auto* referenceBar = new QHBoxLayout;
  referenceBar->addWidget(new QLabel(tr("Against:"), this));
  referenceBox_ = new QComboBox(this);
  referenceBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  referenceBox_->setMinimumContentsLength(12);
  referenceBox_->setToolTip(
      tr("The group the best configuration's test result is compared with (Welch's t-test); "
         "automatic: the baseline on the same dataset sharing most settings"));
  referenceBar->addWidget(referenceBox_, 1);
  auto* exportButton = new QToolButton(this);
  exportButton->setText(tr("Export ▾"));
  exportButton->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(exportButton);
  menu->addAction(tr("Heat map as PNG or PDF…"), this, [this] { exportDialog(0); });
  menu->addAction(tr("Parallel coordinates as PNG or PDF…"), this, [this] { exportDialog(1); });
  menu->addAction(tr("Configurations as CSV…"), this, [this] { exportDialog(2); });
  exportButton->setMenu(menu);
  bar->addWidget(exportButton);
  layout->addLayout(bar);
  layout->addLayout(referenceBar);

  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(summary_);
  message_ = new QLabel(this);
  message_->setWordWrap(true);
  message_->setStyleSheet(QStringLiteral("QLabel { color: #8a5300; }"));
  message_->hide();
  layout->addWidget(message_);

  tabs_ = new QTabWidget(this);
  tabs_->setDocumentMode(true);
  layout->addWidget(tabs_, 1);
  QFont small = font();
  small.setPointSizeF(small.pointSizeF() * 0.9);

  // Heat map of two axes.
  auto* heatBox = new QWidget(tabs_);
  auto* heatLayout = new QVBoxLayout(heatBox);
  heatLayout->setContentsMargins(0, 2, 0, 0);
  auto* heatBar = new QHBoxLayout;
  xBox_ = new QComboBox(heatBox);
  yBox_ = new QComboBox(heatBox);
  othersBox_ = new QComboBox(heatBox);
  othersBox_->addItem(tr("other axes: best configuration"), int(compare::OtherAxes::Best));
  othersBox_->addItem(tr("other axes: all runs pooled"), int(compare::OtherAxes::Mean));
  othersBox_->setToolTip(
      tr("A cell holds every configuration with its x and y values: show the one with the best "
         "selection metric, or the mean over all their runs"));
  heatBar->addWidget(new QLabel(tr("x:"), heatBox));
  heatBar->addWidget(xBox_);
  heatBar->addWidget(new QLabel(tr("y:"), heatBox));
  heatBar->addWidget(yBox_);
  heatBar->addWidget(othersBox_);
  heatBar->addStretch(1);
  heatLayout->addLayout(heatBar);
  heatPlot_ = new QCustomPlot(heatBox);
  heatPlot_->plotLayout()->insertRow(0);
  heatTitle_ = new QCPTextElement(heatPlot_, QString(), small);
  heatPlot_->plotLayout()->addElement(0, 0, heatTitle_);
  heatScale_ = new QCPColorScale(heatPlot_);
  heatPlot_->plotLayout()->addElement(1, 1, heatScale_);
  heatScale_->setType(QCPAxis::atRight);
  heatScale_->setGradient(compare::heatGradient());
  auto* margins = new QCPMarginGroup(heatPlot_);
  heatPlot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  heatScale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  heatPlot_->xAxis->grid()->setVisible(false);
  heatPlot_->yAxis->grid()->setVisible(false);
  heatLayout->addWidget(heatPlot_, 1);
  tabs_->addTab(heatBox, tr("Heat map"));

  // Parallel coordinates.
  parallelPlot_ = new QCustomPlot(tabs_);
  parallelScale_ = new QCPColorScale(parallelPlot_);
  parallelPlot_->plotLayout()->addElement(0, 1, parallelScale_);
  parallelScale_->setType(QCPAxis::atRight);
  parallelScale_->setGradient(compare::heatGradient());
  parallelPlot_->yAxis->setVisible(false);
  parallelPlot_->xAxis->grid()->setVisible(false);
  parallelPlot_->yAxis->grid()->setVisible(false);
  parallelPlot_->xAxis->setBasePen(Qt::NoPen);
  tabs_->addTab(parallelPlot_, tr("Parallel coordinates"));

  // Every configuration.
  model_ = new QStandardItemModel(this);
  model_->setSortRole(kSortRole);
  table_ = new QTableView(tabs_);
  table_->setModel(model_);
  table_->setSortingEnabled(true);
  table_->setAlternatingRowColors(true);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  tabs_->addTab(table_, tr("Configurations"));

  connect(selectBox_, &QComboBox::activated, this, [this] {
    selectKey_ = selectBox_->currentData().toString();
    recompute();
  });
  connect(shownBox_, &QComboBox::activated, this, [this] {
    shownKey_ = shownBox_->currentData().toString();
    recompute();
  });
  connect(referenceBox_, &QComboBox::activated, this, [this] {
    referenceKey_ = referenceBox_->currentData().toString();
    recompute();
  });
  auto axesChanged = [this] {
    if (filling_) return;
    xKey_ = xBox_->currentData().toString();
    yKey_ = yBox_->currentData().toString();
    fillHeatMap();
  };
  connect(xBox_, &QComboBox::activated, this, axesChanged);
  connect(yBox_, &QComboBox::activated, this, axesChanged);
  connect(othersBox_, &QComboBox::activated, this, [this] {
    others_ = compare::OtherAxes(othersBox_->currentData().toInt());
    fillHeatMap();
  });
}

void SweepView::setData(std::shared_ptr<const compare::Snapshot> snapshot,
                        std::vector<compare::Group> groups, std::vector<compare::Group> candidates,
                        compare::ValueMode mode, QSet<qint64> excluded) {
  snapshot_ = std::move(snapshot);
  groups_ = std::move(groups);
  candidates_ = std::move(candidates);
  mode_ = mode;
  excluded_ = std::move(excluded);
  recompute();
}

void SweepView::setAxes(const QString& x, const QString& y) {
  if (!x.isEmpty()) xKey_ = x;
  if (!y.isEmpty()) yKey_ = y;
  fillCombos();
  fillHeatMap();
}

void SweepView::setSelectKey(const QString& key) {
  selectKey_ = key;
  recompute();
}

void SweepView::setShownKey(const QString& key) {
  shownKey_ = key;
  recompute();
}

void SweepView::setOtherAxes(compare::OtherAxes others) {
  others_ = others;
  othersBox_->setCurrentIndex(othersBox_->findData(int(others)));
  fillHeatMap();
}

void SweepView::setReference(int candidate) {
  referenceKey_ = candidate >= 0 && candidate < int(candidates_.size())
                      ? candidates_[size_t(candidate)].key
                      : QString();
  recompute();
}

QString SweepView::summary() const { return summary_->text(); }

void SweepView::recompute() {
  if (!snapshot_) return;
  int reference = -1;
  for (int c = 0; c < int(candidates_.size()); ++c) {
    if (!referenceKey_.isEmpty() && candidates_[size_t(c)].key == referenceKey_) reference = c;
  }
  study_ = compare::study(*snapshot_, groups_, selectKey_, shownKey_, mode_, excluded_,
                          candidates_, reference);
  fillCombos();
  fillSummary();
  fillHeatMap();
  fillParallel();
  fillTable();
}

void SweepView::fillCombos() {
  filling_ = true;
  const auto fill = [](QComboBox* box, const QStringList& keys, const QString& current) {
    box->clear();
    for (const QString& k : keys) box->addItem(metricLabel(k), k);
    if (box->findData(current) < 0) box->addItem(metricLabel(current), current);
    box->setCurrentIndex(box->findData(current));
  };
  QStringList validation, perEpoch;
  for (const QString& k : snapshot_->keys) {
    if (k.startsWith(QLatin1String("val/"))) validation << k;
    if (!compare::isStepKey(k)) perEpoch << k;
  }
  fill(selectBox_, validation, selectKey_);
  fill(shownBox_, perEpoch, shownKey_);

  referenceBox_->clear();
  const QString automatic = study_.reference >= 0 && referenceKey_.isEmpty()
                                ? tr("automatic: %1").arg(study_.referenceName)
                                : tr("automatic");
  referenceBox_->addItem(automatic, QString());
  for (const compare::Group& g : candidates_) referenceBox_->addItem(g.name, g.key);
  referenceBox_->setCurrentIndex(std::max(0, referenceBox_->findData(referenceKey_)));

  // Axes: keep the user's choice when the study still has it, else the first two.
  QStringList keys;
  for (const compare::StudyAxis& a : study_.axes) keys << a.key;
  if (!keys.contains(xKey_)) xKey_ = keys.value(0);
  if (!keys.contains(yKey_) || yKey_ == xKey_) {
    yKey_.clear();
    for (const QString& k : keys) {
      if (k != xKey_) {
        yKey_ = k;
        break;
      }
    }
  }
  for (QComboBox* box : {xBox_, yBox_}) {
    box->clear();
    for (const QString& k : keys) box->addItem(k, k);
  }
  xBox_->setCurrentIndex(xBox_->findData(xKey_));
  yBox_->setCurrentIndex(yBox_->findData(yKey_));
  filling_ = false;
}

void SweepView::fillSummary() {
  const compare::Study& st = study_;
  message_->setText(st.message);
  message_->setVisible(!st.message.isEmpty());
  if (st.best < 0) {
    summary_->setText(st.points.empty() ? tr("No configurations to compare: choose a sweep above, "
                                             "or runs that differ in their settings.")
                                        : tr("No configuration has a value of %1 yet.")
                                              .arg(metricLabel(st.selectKey)));
    return;
  }
  const compare::StudyPoint& best = st.points[size_t(st.best)];
  QString text = tr("Best of %1 configuration(s) by %2 (mean over seeds): <b>%3</b> — %2 %4, "
                    "%5 %6 (n = %7).")
                     .arg(st.points.size())
                     .arg(metricLabel(st.selectKey), st.pointName(st.best).toHtmlEscaped(),
                          summaryText(best.select), metricLabel(st.testKey),
                          summaryText(best.test))
                     .arg(best.test.n);
  if (st.reference >= 0) {
    compare::AblationRow row;
    row.welch = st.bestVsReference;
    text += tr(" Against <i>%1</i>: %2 %3 (n = %4) → %5.")
                .arg(st.referenceName.toHtmlEscaped(), metricLabel(st.testKey),
                     summaryText(st.bestVsReference.reference))
                .arg(st.bestVsReference.reference.n)
                .arg(compare::ablationLabel(row, false));
  }
  summary_->setText(text);
}

void SweepView::fillHeatMap() {
  if (filling_) return;
  int xi = -1, yi = -1;
  for (int a = 0; a < int(study_.axes.size()); ++a) {
    if (study_.axes[size_t(a)].key == xKey_) xi = a;
    if (study_.axes[size_t(a)].key == yKey_) yi = a;
  }
  heat_ = compare::heatMap(study_, xi, yi, others_);
  compare::HeatCells cells;
  if (heat_.cells.size() > 0) {
    const compare::StudyAxis& ax = study_.axes[size_t(xi)];
    const compare::StudyAxis& ay = study_.axes[size_t(yi)];
    for (int v = 0; v < ax.values.size(); ++v) cells.xLabels << ax.label(v);
    for (int v = 0; v < ay.values.size(); ++v) cells.yLabels << ay.label(v);
    for (const compare::HeatCell& c : heat_.cells)
      cells.cells.push_back({c.xi, c.yi, c.value.mean, c.value.n});
  }
  QFont cellFont = font();
  cellFont.setPointSizeF(cellFont.pointSizeF() * 0.85);
  compare::drawHeatMap(heatPlot_, heatScale_, cells, cellFont);
  const QString what = others_ == compare::OtherAxes::Best
                           ? tr("best configuration per cell by %1").arg(metricLabel(study_.selectKey))
                           : tr("all runs per cell");
  heatTitle_->setText(cells.cells.empty()
                          ? tr("heat map: %1").arg(heat_.message.isEmpty() ? tr("no data")
                                                                           : heat_.message)
                          : tr("%1 (%2), mean over seeds; %3")
                                .arg(metricLabel(study_.shownKey),
                                     mode_ == compare::ValueMode::Last ? tr("last value")
                                                                       : tr("at best validation"),
                                     what));
  heatScale_->axis()->setLabel(metricLabel(study_.shownKey));
  heatPlot_->xAxis->setLabel(cells.cells.empty() ? QString() : xKey_);
  heatPlot_->yAxis->setLabel(cells.cells.empty() ? QString() : yKey_);
  heatPlot_->replot(QCustomPlot::rpQueuedReplot);
}

void SweepView::fillParallel() {
  QCustomPlot* plot = parallelPlot_;
  plot->clearPlottables();
  plot->clearItems();
  const int axes = int(study_.axes.size());
  double lo = 0, hi = 0;
  const std::vector<compare::ParallelLine> lines = compare::parallelLines(study_, &lo, &hi);
  if (lines.empty()) {
    plot->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  QCPColorGradient gradient = compare::heatGradient();  // color() is not const
  const QCPRange range = std::isfinite(lo) && hi > lo ? QCPRange(lo, hi)
                         : std::isfinite(lo)         ? QCPRange(lo - 0.001, lo + 0.001)
                                                     : QCPRange(0, 1);
  QVector<double> xs;
  for (int a = 0; a <= axes; ++a) xs << a;
  // The best configuration last, so it is drawn on top.
  std::vector<const compare::ParallelLine*> order;
  for (const compare::ParallelLine& l : lines) {
    if (l.point != study_.best) order.push_back(&l);
  }
  for (const compare::ParallelLine& l : lines) {
    if (l.point == study_.best) order.push_back(&l);
  }
  for (const compare::ParallelLine* l : order) {
    auto* graph = plot->addGraph();
    graph->setData(xs, l->y, true);
    const double v = study_.points[size_t(l->point)].shown.mean;
    QColor color = std::isfinite(v) ? QColor::fromRgb(gradient.color(v, range)) : QColor(150, 150, 150);
    const bool best = l->point == study_.best;
    if (!best) color.setAlpha(170);
    QPen pen(best ? QColor(200, 30, 30) : color, best ? 3.0 : 1.3);
    if (!std::isfinite(v)) pen.setStyle(Qt::DashLine);
    graph->setPen(pen);
    graph->setName(study_.pointName(l->point));
  }
  // The axes, with their values.
  QFont labelFont = font();
  labelFont.setPointSizeF(labelFont.pointSizeF() * 0.8);
  for (int a = 0; a <= axes; ++a) {
    auto* line = new QCPItemLine(plot);
    line->start->setCoords(a, 0);
    line->end->setCoords(a, 1);
    line->setPen(QPen(QColor(90, 90, 90), 1));
    QStringList labels;
    QVector<double> at;
    if (a < axes) {
      const compare::StudyAxis& axis = study_.axes[size_t(a)];
      const int count = axis.values.size();
      const int step = std::max(1, count / 12);  // at most ~12 labels on an axis
      for (int v = 0; v < count; v += step) {
        labels << axis.label(v);
        at << (count > 1 ? double(v) / double(count - 1) : 0.5);
      }
    } else {
      labels << compare::valueText(range.lower) << compare::valueText(range.upper);
      at << 0 << 1;
    }
    for (int k = 0; k < labels.size(); ++k) {
      auto* text = new QCPItemText(plot);
      text->position->setCoords(a, at[k]);
      text->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
      text->setPadding(QMargins(4, 0, 0, 0));
      text->setFont(labelFont);
      text->setText(labels[k]);
      text->setBrush(QBrush(QColor(255, 255, 255, 200)));
    }
  }
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  for (int a = 0; a < axes; ++a) ticker->addTick(a, study_.axes[size_t(a)].key);
  ticker->addTick(axes, metricLabel(study_.shownKey));
  plot->xAxis->setTicker(ticker);
  plot->xAxis->setRange(-0.2, axes + 0.6);
  plot->yAxis->setRange(-0.05, 1.05);
  // The colour scale needs a plottable using it to show its range.
  auto* map = new QCPColorMap(plot->xAxis, plot->yAxis);
  map->data()->setSize(1, 1);
  map->setVisible(false);
  map->setGradient(gradient);
  map->setColorScale(parallelScale_);
  map->setDataRange(range);
  parallelScale_->axis()->setLabel(metricLabel(study_.shownKey));
  plot->replot(QCustomPlot::rpQueuedReplot);
}

void SweepView::fillTable() {
  model_->clear();
  QStringList header;
  for (const compare::StudyAxis& a : study_.axes) header << a.key;
  header << tr("n") << metricLabel(study_.selectKey);
  const bool shownColumn = study_.shownKey != study_.selectKey && study_.shownKey != study_.testKey;
  if (shownColumn) header << metricLabel(study_.shownKey);
  header << metricLabel(study_.testKey);
  model_->setHorizontalHeaderLabels(header);
  for (int i = 0; i < int(study_.points.size()); ++i) {
    const compare::StudyPoint& p = study_.points[size_t(i)];
    QList<QStandardItem*> row;
    for (int a = 0; a < int(study_.axes.size()); ++a) {
      const compare::StudyAxis& axis = study_.axes[size_t(a)];
      auto* item = new QStandardItem(axis.label(p.value[a]));
      item->setData(axis.numeric ? axis.values[p.value[a]].toDouble() : double(p.value[a]), kSortRole);
      item->setEditable(false);
      row << item;
    }
    row << numberItem(QString::number(p.select.n), double(p.select.n))
        << numberItem(summaryText(p.select), p.select.mean);
    if (shownColumn) row << numberItem(summaryText(p.shown), p.shown.mean);
    row << numberItem(summaryText(p.test), p.test.mean);
    if (i == study_.best) {
      for (QStandardItem* item : row) {
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
        item->setToolTip(tr("the best configuration by %1").arg(metricLabel(study_.selectKey)));
      }
    }
    model_->appendRow(row);
  }
  const int selectColumn = int(study_.axes.size()) + 1;
  table_->sortByColumn(selectColumn, Qt::DescendingOrder);
  table_->resizeColumnsToContents();
}

void SweepView::showView(const QString& name) {
  if (name == QLatin1String("parallel")) tabs_->setCurrentWidget(parallelPlot_);
  else if (name == QLatin1String("table")) tabs_->setCurrentWidget(table_);
  else tabs_->setCurrentIndex(0);
}

Status SweepView::exportCsv(const QString& path) const {
  return compare::writeText(path, compare::studyCsv(study_));
}

Status SweepView::exportPlot(PlotKind plot, const QString& path) const {
  return compare::savePlot(plot == PlotKind::HeatMap ? heatPlot_ : parallelPlot_, path);
}

void SweepView::exportDialog(int what) {
  const bool csv = what == 2;
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export"), QString(),
      csv ? tr("CSV (*.csv)") : tr("PNG image (*.png);;PDF (*.pdf)"));
  if (path.isEmpty()) return;
  const Status s = csv ? exportCsv(path)
                       : exportPlot(what == 0 ? PlotKind::HeatMap : PlotKind::ParallelCoordinates, path);
  if (!s.ok()) QMessageBox::warning(this, tr("Export failed"), s.error().message());
}

}  // namespace irl4rec::ui
