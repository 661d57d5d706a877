#include "ui/dataset_panel.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

#include "ui/qcustomplot_include.h"

#include <algorithm>
#include <map>

namespace irl4rec::ui {

namespace {

QString count(qint64 n) { return QLocale().toString(n); }

QCustomPlot* makePlot(QWidget* parent) {
  auto* plot = new QCustomPlot(parent);
  plot->setMinimumHeight(220);
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot->setNoAntialiasingOnDrag(true);
  return plot;
}

}  // namespace

DatasetPanel::DatasetPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);

  auto* left = new QVBoxLayout;
  title_ = new QLabel(tr("No dataset loaded. Use File ▸ Open dataset…"), this);
  title_->setWordWrap(true);
  title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QFont titleFont = title_->font();
  titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
  titleFont.setBold(true);
  title_->setFont(titleFont);
  left->addWidget(title_);

  auto* statsBox = new QGroupBox(tr("Statistics"), this);
  statsForm_ = new QFormLayout(statsBox);
  addStat(QStringLiteral("format"), tr("Format"));
  addStat(QStringLiteral("users"), tr("Users"));
  addStat(QStringLiteral("items"), tr("Items"));
  addStat(QStringLiteral("interactions"), tr("Interactions"));
  addStat(QStringLiteral("attributes"), tr("Attribute ids"));
  addStat(QStringLiteral("items_with_attributes"), tr("Items with attributes"));
  addStat(QStringLiteral("mean_length"), tr("Mean length"));
  addStat(QStringLiteral("median_length"), tr("Median length"));
  addStat(QStringLiteral("max_length"), tr("Max length"));
  addStat(QStringLiteral("density"), tr("Density"));
  addStat(QStringLiteral("users_train_only"), tr("Users with < 3 items (train only)"));
  addStat(QStringLiteral("fingerprint"), tr("Fingerprint"));
  left->addWidget(statsBox);
  left->addStretch(1);
  layout->addLayout(left, 1);

  auto* right = new QVBoxLayout;
  auto* lengthBox = new QGroupBox(tr("Sequence lengths"), this);
  auto* lengthLayout = new QVBoxLayout(lengthBox);
  lengthPlot_ = makePlot(lengthBox);
  lengthLayout->addWidget(lengthPlot_);
  right->addWidget(lengthBox, 1);

  auto* attributeBox = new QGroupBox(tr("Most frequent attributes (share of interactions)"), this);
  auto* attributeLayout = new QVBoxLayout(attributeBox);
  attributePlot_ = makePlot(attributeBox);
  attributeLayout->addWidget(attributePlot_);
  right->addWidget(attributeBox, 1);
  layout->addLayout(right, 2);
}

void DatasetPanel::addStat(const QString& key, const QString& label) {
  auto* value = new QLabel(QStringLiteral("–"), this);
  value->setTextInteractionFlags(Qt::TextSelectableByMouse);
  statsForm_->addRow(label + QLatin1Char(':'), value);
  stats_.insert(key, value);
}

QString DatasetPanel::statText(const QString& key) const {
  const QLabel* label = stats_.value(key);
  return label ? label->text() : QString();
}

void DatasetPanel::setDataset(std::shared_ptr<const data::Dataset> dataset) {
  dataset_ = std::move(dataset);
  if (!dataset_) return;
  const data::DatasetStats s = dataset_->stats();
  title_->setText(QStringLiteral("%1\n%2").arg(dataset_->name, dataset_->sourcePath));
  const QLocale locale;
  stats_[QStringLiteral("format")]->setText(data::formatName(dataset_->format));
  stats_[QStringLiteral("users")]->setText(count(s.users));
  stats_[QStringLiteral("items")]->setText(count(s.items));
  stats_[QStringLiteral("interactions")]->setText(count(s.interactions));
  stats_[QStringLiteral("attributes")]->setText(count(s.attributes));
  stats_[QStringLiteral("items_with_attributes")]->setText(count(s.itemsWithAttributes));
  stats_[QStringLiteral("mean_length")]->setText(locale.toString(s.meanLength, 'f', 2));
  stats_[QStringLiteral("median_length")]->setText(locale.toString(s.medianLength, 'f', 1));
  stats_[QStringLiteral("max_length")]->setText(count(s.maxLength));
  stats_[QStringLiteral("density")]->setText(locale.toString(s.density * 100.0, 'f', 4) + QStringLiteral(" %"));
  stats_[QStringLiteral("users_train_only")]->setText(count(s.usersTrainOnly));
  stats_[QStringLiteral("fingerprint")]->setText(s.fingerprint.left(16));
  stats_[QStringLiteral("fingerprint")]->setToolTip(s.fingerprint);
  plotLengths(*dataset_);
  plotAttributes(*dataset_);
}

void DatasetPanel::plotLengths(const data::Dataset& dataset) {
  // One bar per length up to the 99th percentile, everything longer in a last bar.
  std::vector<qint64> lengths;
  lengths.reserve(dataset.sequences.size());
  for (const auto& seq : dataset.sequences) lengths.push_back(qint64(seq.size()));
  lengthPlot_->clearPlottables();
  if (lengths.empty()) {
    lengthPlot_->replot();
    return;
  }
  std::vector<qint64> sorted = lengths;
  const size_t p99 = std::min(sorted.size() - 1, sorted.size() * 99 / 100);
  std::nth_element(sorted.begin(), sorted.begin() + qptrdiff(p99), sorted.end());
  const qint64 cap = std::max<qint64>(sorted[p99], 1) + 1;
  std::vector<double> counts(size_t(cap + 1), 0.0);
  for (qint64 n : lengths) counts[size_t(std::min(n, cap))] += 1.0;
  QVector<double> keys, values;
  for (qint64 n = 0; n <= cap; ++n) {
    if (counts[size_t(n)] == 0) continue;
    keys << double(n);
    values << counts[size_t(n)];
  }
  auto* bars = new QCPBars(lengthPlot_->xAxis, lengthPlot_->yAxis);
  bars->setData(keys, values, true);
  bars->setWidth(0.8);
  bars->setPen(Qt::NoPen);
  bars->setBrush(QColor(52, 101, 164));
  bars->setName(tr("users"));
  lengthPlot_->xAxis->setLabel(tr("items per user (last bar: ≥ %1)").arg(cap));
  lengthPlot_->yAxis->setLabel(tr("users"));
  lengthPlot_->xAxis->setRange(-0.5, double(cap) + 0.5);
  lengthPlot_->yAxis->setRange(0, *std::max_element(values.begin(), values.end()) * 1.05);
  lengthPlot_->replot();
}

void DatasetPanel::plotAttributes(const data::Dataset& dataset) {
  attributePlot_->clearPlottables();
  const int numAttributes = dataset.numAttributes();
  if (numAttributes == 0) {
    attributePlot_->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    attributePlot_->xAxis->setLabel(tr("this dataset has no item attributes"));
    attributePlot_->replot();
    return;
  }
  // Interactions per attribute: how often users meet it, which is what a confounder sees.
  std::vector<qint64> itemCount(size_t(dataset.numItems()) + 1, 0);
  qint64 total = 0;
  for (const auto& seq : dataset.sequences) {
    for (int32_t item : seq) ++itemCount[size_t(item)];
    total += qint64(seq.size());
  }
  std::vector<qint64> attrCount(size_t(numAttributes) + 1, 0);
  for (size_t item = 1; item < dataset.itemAttributes.size() && item < itemCount.size(); ++item) {
    for (int32_t a : dataset.itemAttributes[item]) attrCount[size_t(a)] += itemCount[item];
  }
  std::vector<int32_t> order;
  for (int32_t a = 1; a <= numAttributes; ++a) order.push_back(a);
  const size_t top = std::min<size_t>(15, order.size());
  std::partial_sort(order.begin(), order.begin() + qptrdiff(top), order.end(),
                    [&](int32_t x, int32_t y) { return attrCount[size_t(x)] > attrCount[size_t(y)]; });
  QVector<double> keys, values;
  QVector<QString> labels;
  for (size_t i = 0; i < top; ++i) {
    const int32_t a = order[i];
    keys << double(i + 1);
    values << (total > 0 ? 100.0 * double(attrCount[size_t(a)]) / double(total) : 0.0);
    QString name = a < dataset.attributeTokens.size() ? dataset.attributeTokens[a] : QString::number(a);
    if (name.size() > 28) name = name.left(27) + QChar(0x2026);
    labels << name;
  }
  auto* bars = new QCPBars(attributePlot_->xAxis, attributePlot_->yAxis);
  bars->setData(keys, values, true);
  bars->setWidth(0.7);
  bars->setPen(Qt::NoPen);
  bars->setBrush(QColor(115, 160, 90));
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  ticker->addTicks(keys, labels);
  attributePlot_->xAxis->setTicker(ticker);
  attributePlot_->xAxis->setTickLabelRotation(40);
  attributePlot_->xAxis->setLabel(QString());
  attributePlot_->yAxis->setLabel(tr("% of interactions"));
  attributePlot_->xAxis->setRange(0.3, double(top) + 0.7);
  attributePlot_->yAxis->setRange(0, (values.isEmpty() ? 1.0 : *std::max_element(values.begin(), values.end())) * 1.1);
  attributePlot_->replot();
}

}  // namespace irl4rec::ui
