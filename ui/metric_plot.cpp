#include "ui/metric_plot.h"

#include "ui/qcustomplot_include.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace irl4rec::ui {

namespace {

QString curveKey(const QString& run, const QString& series) {
  return run + QChar(0x1f) + series;
}

// Colours per run (Tableau 10); series of a run differ by line style.
const QColor kRunColors[] = {
    QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),  QColor(214, 39, 40),
    QColor(148, 103, 189), QColor(140, 86, 75), QColor(227, 119, 194), QColor(127, 127, 127),
    QColor(188, 189, 34),  QColor(23, 190, 207)};
const Qt::PenStyle kSeriesStyles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine,
                                      Qt::DashDotDotLine};

}  // namespace

MetricPlot::MetricPlot(const QString& xLabel, const QString& yLabel, bool smoothingControl,
                       QWidget* parent)
    : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* controls = new QHBoxLayout;
  if (smoothingControl) {
    controls->addWidget(new QLabel(tr("Smoothing:"), this));
    smoothingBox_ = new QDoubleSpinBox(this);
    smoothingBox_->setRange(0.0, 0.999);
    smoothingBox_->setSingleStep(0.05);
    smoothingBox_->setDecimals(3);
    smoothingBox_->setValue(0.6);
    smoothingBox_->setToolTip(tr("Exponential moving average weight (0 = raw values)"));
    connect(smoothingBox_, &QDoubleSpinBox::valueChanged, this, &MetricPlot::setSmoothing);
    controls->addWidget(smoothingBox_);
    smoothing_ = 0.6;
  }
  logBox_ = new QCheckBox(tr("Log scale"), this);
  connect(logBox_, &QCheckBox::toggled, this, &MetricPlot::setLogScale);
  controls->addWidget(logBox_);
  auto* fit = new QLabel(tr("<a href=\"fit\">Fit</a>"), this);
  fit->setToolTip(tr("Rescale to all data; drag to pan, wheel to zoom"));
  connect(fit, &QLabel::linkActivated, this, [this] {
    autoRescale_ = true;
    redraw();
  });
  controls->addWidget(fit);
  controls->addStretch(1);
  layout->addLayout(controls);

  plot_ = new QCustomPlot(this);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectLegend);
  plot_->setNoAntialiasingOnDrag(true);
  plot_->xAxis->setLabel(xLabel);
  plot_->yAxis->setLabel(yLabel);
  plot_->legend->setVisible(false);  // redraw() shows it once there are curves
  QFont legendFont = font();
  legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
  plot_->legend->setFont(legendFont);
  plot_->legend->setBrush(QColor(255, 255, 255, 200));
  plot_->legend->setRowSpacing(-3);
  plot_->setMinimumHeight(200);
  // Mean ± std bands are drawn under every curve.
  plot_->addLayer(QStringLiteral("bands"), plot_->layer(QStringLiteral("main")), QCustomPlot::limBelow);
  layout->addWidget(plot_, 1);

  readout_ = new QCPItemText(plot_);
  readout_->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
  readout_->position->setType(QCPItemPosition::ptAbsolute);
  readout_->setPadding(QMargins(4, 2, 4, 2));
  readout_->setBrush(QColor(255, 255, 240, 230));
  readout_->setPen(QPen(Qt::gray));
  readout_->setVisible(false);

  // A user who zooms or pans takes over the axes until "Fit".
  connect(plot_, &QCustomPlot::mouseWheel, this, [this] { autoRescale_ = false; });
  connect(plot_, &QCustomPlot::mousePress, this, [this] { autoRescale_ = false; });
  connect(plot_, &QCustomPlot::legendClick, this,
          [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
            auto* plItem = qobject_cast<QCPPlottableLegendItem*>(item);
            if (!plItem) return;
            QCPAbstractPlottable* p = plItem->plottable();
            p->setVisible(!p->visible());
            for (Curve& c : curves_) {
              if (c.graph != p) continue;
              if (c.low) c.low->setVisible(p->visible());
              if (c.high) c.high->setVisible(p->visible());
            }
            plItem->setTextColor(p->visible() ? Qt::black : Qt::gray);
            plot_->replot(QCustomPlot::rpQueuedReplot);
          });
  connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    readoutAt(event->position());
    plot_->replot(QCustomPlot::rpQueuedReplot);
  });

  redrawTimer_ = new QTimer(this);
  redrawTimer_->setSingleShot(true);
  redrawTimer_->setInterval(40);
  connect(redrawTimer_, &QTimer::timeout, this, &MetricPlot::redraw);
}

MetricPlot::Curve& MetricPlot::curve(const QString& run, const QString& runLabel,
                                     const QString& series) {
  const QString key = curveKey(run, series);
  auto it = curves_.find(key);
  if (it != curves_.end()) return *it;
  Curve c;
  c.run = run;
  c.series = series;
  c.graph = plot_->addGraph();
  c.graph->setName(series.isEmpty() ? runLabel : QStringLiteral("%1 · %2").arg(runLabel, series));
  QPen pen(colorFor(run, series));
  pen.setWidthF(1.0);  // wider pens leave Qt's fast line path: 50 curves redraw 20 ms instead of 1.7 s (docs/GUI.md)
  pen.setStyle(kSeriesStyles[seriesIndex_.value(series) % 5]);
  c.graph->setPen(pen);
  c.graph->setAdaptiveSampling(true);
  c.graph->setVisible(seriesVisible(series));
  if (!c.graph->visible()) c.graph->removeFromLegend();
  return *curves_.insert(key, c);
}

QColor MetricPlot::colorFor(const QString& run, const QString& series) {
  if (!seriesIndex_.contains(series)) seriesIndex_.insert(series, seriesIndex_.size());
  if (runColors_.contains(run)) return runColors_.value(run);
  if (!runIndex_.contains(run)) runIndex_.insert(run, runIndex_.size());
  return kRunColors[runIndex_.value(run) % 10];
}

void MetricPlot::setRunColor(const QString& run, const QColor& color) { runColors_.insert(run, color); }

QCPGraph* MetricPlot::graph(const QString& run, const QString& series) const {
  auto it = curves_.constFind(curveKey(run, series));
  return it == curves_.constEnd() ? nullptr : it->graph;
}

void MetricPlot::setBand(const QString& run, const QString& series, const QVector<double>& spread) {
  auto it = curves_.find(curveKey(run, series));
  if (it == curves_.end()) return;
  Curve& c = *it;
  c.spread = spread;
  if (spread.isEmpty()) {
    if (c.high) plot_->removeGraph(c.high);
    if (c.low) plot_->removeGraph(c.low);
    c.high = c.low = nullptr;
  } else {
    ensureBandGraphs(c);
  }
  rebuildGraph(c);
  scheduleRedraw();
}

void MetricPlot::ensureBandGraphs(Curve& c) {
  if (c.low) return;
  QColor fill = c.graph->pen().color();
  fill.setAlpha(50);
  c.low = plot_->addGraph();
  c.high = plot_->addGraph();
  for (QCPGraph* edge : {c.low, c.high}) {
    edge->setPen(Qt::NoPen);
    edge->removeFromLegend();
    edge->setVisible(c.graph->visible());
    edge->setSelectable(QCP::stNone);
    edge->setLayer(QStringLiteral("bands"));
  }
  c.high->setBrush(fill);
  c.high->setChannelFillGraph(c.low);
}

void MetricPlot::removeCurveGraphs(Curve& c) {
  if (c.high) plot_->removeGraph(c.high);
  if (c.low) plot_->removeGraph(c.low);
  plot_->removeGraph(c.graph);
}

bool MetricPlot::seriesVisible(const QString& series) const {
  return visibleSeries_.isEmpty() || visibleSeries_.contains(series);
}

void MetricPlot::append(const QString& run, const QString& runLabel, const QString& series,
                        double x, double y) {
  Curve& c = curve(run, runLabel, series);
  c.x.push_back(x);
  c.y.push_back(y);
  scheduleRedraw();
}

void MetricPlot::setCurve(const QString& run, const QString& runLabel, const QString& series,
                          const QVector<double>& x, const QVector<double>& y, const QVector<double>& spread) {
  Curve& c = curve(run, runLabel, series);
  c.x = x;
  c.y = y;
  if (!spread.isEmpty()) {
    c.spread = spread;
    ensureBandGraphs(c);
  }
  rebuildGraph(c);
  scheduleRedraw();
}

void MetricPlot::removeRun(const QString& run) {
  for (auto it = curves_.begin(); it != curves_.end();) {
    if (it->run == run) {
      removeCurveGraphs(*it);
      it = curves_.erase(it);
    } else {
      ++it;
    }
  }
  scheduleRedraw();
}

void MetricPlot::clear() {
  plot_->clearGraphs();
  curves_.clear();
  runIndex_.clear();
  runColors_.clear();
  scheduleRedraw();
}

void MetricPlot::scheduleRedraw() {
  if (!redrawTimer_->isActive()) redrawTimer_->start();
}

void MetricPlot::flush() {
  redrawTimer_->stop();
  redraw();
  plot_->replot(QCustomPlot::rpImmediateRefresh);
}

void MetricPlot::rebuildGraph(Curve& c) {
  c.graph->data()->clear();
  if (c.low) c.low->data()->clear();
  if (c.high) c.high->data()->clear();
  c.drawn = 0;
  c.ema = c.emaLow = c.emaHigh = 0;
  appendToGraph(c);
}

void MetricPlot::appendToGraph(Curve& c) {
  // Debiased EMA (as TensorBoard's smoothing) so early points are not pulled towards zero.
  const int n = c.x.size();
  if (c.drawn >= n) return;
  QVector<double> keys, values, lows, highs;
  keys.reserve(n - c.drawn);
  values.reserve(n - c.drawn);
  const bool band = c.low && c.spread.size() == n;
  double ema = c.ema, emaLow = c.emaLow, emaHigh = c.emaHigh;
  // EMA is linear, so smoothing the band's edges keeps it centred on the smoothed curve.
  auto smooth = [this](double& state, double y, int i) {
    if (smoothing_ <= 0 || !std::isfinite(y)) return y;
    state = smoothing_ * state + (1.0 - smoothing_) * y;
    return state / (1.0 - std::pow(smoothing_, i + 1));
  };
  auto shownValue = [this](double v) {
    return logScale_ && v <= 0 ? std::numeric_limits<double>::quiet_NaN() : v;
  };
  for (int i = c.drawn; i < n; ++i) {
    const double y = c.y[i];
    keys.push_back(c.x[i]);
    values.push_back(shownValue(smooth(ema, y, i)));
    if (band) {
      const double s = std::isfinite(c.spread[i]) ? c.spread[i] : 0.0;
      lows.push_back(shownValue(smooth(emaLow, y - s, i)));
      highs.push_back(shownValue(smooth(emaHigh, y + s, i)));
    }
  }
  c.graph->addData(keys, values, true);
  if (band) {
    c.low->addData(keys, lows, true);
    c.high->addData(keys, highs, true);
  }
  c.ema = ema;
  c.emaLow = emaLow;
  c.emaHigh = emaHigh;
  c.drawn = n;
}

void MetricPlot::redraw() {
  for (Curve& c : curves_) appendToGraph(c);
  plot_->legend->setVisible(legendVisible_ && plot_->legend->itemCount() > 0);
  if (autoRescale_ && !curves_.isEmpty()) {
    bool any = false;
    QCPRange xr, yr;
    for (const Curve& c : curves_) {
      if (!c.graph->visible() || c.graph->dataCount() == 0) continue;
      bool okX = false, okY = false;
      const QCPRange gx = c.graph->getKeyRange(okX);
      QCPRange gy = c.graph->getValueRange(okY, QCP::sdBoth);
      if (!okX || !okY) continue;
      for (QCPGraph* edge : {c.low, c.high}) {
        bool okEdge = false;
        const QCPRange er = edge ? edge->getValueRange(okEdge, QCP::sdBoth) : QCPRange();
        if (okEdge) gy.expand(er);
      }
      if (!any) {
        xr = gx;
        yr = gy;
        any = true;
      } else {
        xr.expand(gx);
        yr.expand(gy);
      }
    }
    if (any) {
      if (xr.size() <= 0) xr = QCPRange(xr.lower - 0.5, xr.upper + 0.5);
      plot_->xAxis->setRange(xr);
      if (logScale_) {
        plot_->yAxis->setRange(QCPRange(yr.lower / 1.5, yr.upper * 1.5));
      } else {
        const double pad = yr.size() > 0 ? yr.size() * 0.05 : std::max(1e-6, std::abs(yr.upper) * 0.1);
        plot_->yAxis->setRange(yr.lower - pad, yr.upper + pad);
      }
    }
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void MetricPlot::setSmoothing(double weight) {
  smoothing_ = std::clamp(weight, 0.0, 0.999);
  if (smoothingBox_ && !qFuzzyCompare(smoothingBox_->value() + 1, smoothing_ + 1)) {
    smoothingBox_->setValue(smoothing_);
  }
  for (Curve& c : curves_) rebuildGraph(c);
  scheduleRedraw();
}

void MetricPlot::setIntegerX(bool on) {
  if (on) {
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot_->xAxis->setTicker(ticker);
  } else {
    plot_->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  }
  scheduleRedraw();
}

void MetricPlot::setLegendCorner(Qt::Alignment corner) {
  plot_->axisRect()->insetLayout()->setInsetAlignment(0, corner);
  scheduleRedraw();
}

void MetricPlot::setLogScale(bool on) {
  logScale_ = on;
  if (logBox_->isChecked() != on) logBox_->setChecked(on);
  if (on) {
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  } else {
    plot_->yAxis->setScaleType(QCPAxis::stLinear);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  }
  for (Curve& c : curves_) rebuildGraph(c);
  autoRescale_ = true;
  scheduleRedraw();
}

void MetricPlot::setLegendVisible(bool on) {
  legendVisible_ = on;
  scheduleRedraw();
}

void MetricPlot::setVisibleSeries(const QStringList& series) {
  visibleSeries_ = series;
  for (Curve& c : curves_) {
    const bool visible = seriesVisible(c.series);
    c.graph->setVisible(visible);
    if (c.low) c.low->setVisible(visible);
    if (c.high) c.high->setVisible(visible);
    if (visible) {
      c.graph->addToLegend();
    } else {
      c.graph->removeFromLegend();
    }
  }
  scheduleRedraw();
}

int MetricPlot::pointCount(const QString& run, const QString& series) const {
  auto it = curves_.constFind(curveKey(run, series));
  return it == curves_.constEnd() ? 0 : it->x.size();
}

QString MetricPlot::readoutAt(const QPointF& pixel) {
  // Nearest point in pixels among visible curves; each curve is searched by binary search on x.
  double bestDist = 15.0 * 15.0;
  QString text;
  QPointF anchor;
  const double xAtPixel = plot_->xAxis->pixelToCoord(pixel.x());
  for (const Curve& c : curves_) {
    if (!c.graph->visible() || c.graph->dataCount() == 0) continue;
    auto data = c.graph->data();
    auto it = data->findBegin(xAtPixel, true);
    for (int k = 0; k < 2 && it != data->constEnd(); ++k, ++it) {
      if (!std::isfinite(it->value)) continue;
      const double px = plot_->xAxis->coordToPixel(it->key);
      const double py = plot_->yAxis->coordToPixel(it->value);
      const double d = (px - pixel.x()) * (px - pixel.x()) + (py - pixel.y()) * (py - pixel.y());
      if (d < bestDist) {
        bestDist = d;
        text = QStringLiteral("%1\n%2 = %3, %4 = %5")
                   .arg(c.graph->name(), plot_->xAxis->label())
                   .arg(it->key)
                   .arg(plot_->yAxis->label())
                   .arg(it->value, 0, 'g', 5);
        anchor = QPointF(px + 8, py - 8);
      }
    }
  }
  readout_->setVisible(!text.isEmpty());
  if (!text.isEmpty()) {
    readout_->setText(text);
    readout_->position->setCoords(anchor);
  }
  return text;
}

}  // namespace irl4rec::ui
