#include "ui/explorer/scatter_view.h"

#include "ui/qcustomplot_include.h"

#include <QFileInfo>
#include <QPainter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace irl4rec::ui {

namespace {

/// A disc drawn once, antialiased; QCustomPlot then blits it per point (no per-point path).
QPixmap disc(const QColor& colour, int size) {
  QPixmap pm(size, size);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  p.setBrush(colour);
  p.drawEllipse(QRectF(0.25, 0.25, size - 0.5, size - 0.5));
  return pm;
}

QPixmap ring(const QColor& colour, int size, double width) {
  QPixmap pm(size, size);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(colour, width));
  p.setBrush(Qt::NoBrush);
  const double m = width / 2 + 0.25;
  p.drawEllipse(QRectF(m, m, size - 2 * m, size - 2 * m));
  return pm;
}

void setGraphPoints(QCPGraph* graph, const std::vector<double>& x, const std::vector<double>& y,
               const std::vector<int64_t>& points) {
  QVector<double> kx, ky;
  kx.reserve(int(points.size()));
  ky.reserve(int(points.size()));
  for (int64_t i : points) {
    if (i < 0 || i >= int64_t(x.size())) continue;
    if (!std::isfinite(x[size_t(i)]) || !std::isfinite(y[size_t(i)])) continue;
    kx << x[size_t(i)];
    ky << y[size_t(i)];
  }
  graph->setData(kx, ky);
}

}  // namespace

ScatterView::ScatterView(QWidget* parent) : QWidget(parent) {
  plot_ = new QCustomPlot(this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->setMouseTracking(true);
  plot_->setNoAntialiasingOnDrag(true);
  plot_->setPlottingHint(QCP::phCacheLabels, true);
  plot_->axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
  plot_->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
  plot_->legend->setVisible(false);
  plot_->legend->setFont(QFont(font().family(), 8));
  plot_->legend->setBrush(QColor(255, 255, 255, 215));
  plot_->legend->setIconSize(10, 10);
  plot_->legend->setRowSpacing(-3);
  plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  // Selection, hover and lasso live on their own buffered layer: changing them repaints that
  // layer only, not the tens of thousands of points below.
  plot_->addLayer(QStringLiteral("marks"), plot_->layer(QStringLiteral("main")), QCustomPlot::limAbove);
  overlay_ = plot_->layer(QStringLiteral("marks"));
  overlay_->setMode(QCPLayer::lmBuffered);
  highlightGraph_ = plot_->addGraph();
  markGraph_ = plot_->addGraph();
  for (QCPGraph* g : {highlightGraph_, markGraph_}) {
    g->setLayer(overlay_);
    g->setLineStyle(QCPGraph::lsNone);
    g->setAdaptiveSampling(false);
    g->removeFromLegend();
  }
  highlightGraph_->setScatterStyle(QCPScatterStyle(ring(QColor(20, 20, 20), 9, 1.5)));
  markGraph_->setScatterStyle(QCPScatterStyle(ring(QColor(220, 0, 0), 15, 2.5)));
  lasso_ = new QCPCurve(plot_->xAxis, plot_->yAxis);
  lasso_->setLayer(overlay_);
  lasso_->setPen(QPen(QColor(0, 90, 200), 1.5, Qt::DashLine));
  lasso_->setBrush(QColor(0, 90, 200, 30));
  lasso_->removeFromLegend();

  message_ = new QCPItemText(plot_);
  message_->position->setType(QCPItemPosition::ptAxisRectRatio);
  message_->position->setCoords(0.5, 0.5);
  message_->setPositionAlignment(Qt::AlignCenter);
  message_->setTextAlignment(Qt::AlignCenter);
  message_->setClipToAxisRect(true);
  message_->setColor(QColor(90, 90, 90));
  message_->setVisible(false);
  note_ = new QCPItemText(plot_);
  note_->position->setType(QCPItemPosition::ptAxisRectRatio);
  note_->position->setCoords(0.01, 0.01);
  note_->setPositionAlignment(Qt::AlignTop | Qt::AlignLeft);
  note_->setColor(QColor(120, 60, 0));
  note_->setFont(QFont(font().family(), 8));
  note_->setVisible(false);

  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, QString(), QFont(font().family(), 10, QFont::Bold)));

  connect(plot_->selectionRect(), &QCPSelectionRect::accepted, this,
          [this](const QRect& rect, QMouseEvent*) {
            if (rect.width() < 3 && rect.height() < 3) {
              const int64_t p = pointAt(rect.center());
              if (p >= 0) Q_EMIT pointClicked(p);
              return;
            }
            const double x0 = plot_->xAxis->pixelToCoord(rect.left());
            const double x1 = plot_->xAxis->pixelToCoord(rect.right());
            const double y0 = plot_->yAxis->pixelToCoord(rect.top());
            const double y1 = plot_->yAxis->pixelToCoord(rect.bottom());
            selectInRect(QRectF(QPointF(std::min(x0, x1), std::min(y0, y1)),
                                QPointF(std::max(x0, x1), std::max(y0, y1))));
          });
  connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
    pressPos_ = e->position();
    pressed_ = e->button() == Qt::LeftButton;
    if (mode_ == Mode::Lasso && pressed_) {
      lassoPixels_.clear();
      lassoPixels_ << e->position();
    }
  });
  connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) { onMouseMove(e); });
  connect(plot_, &QCustomPlot::mouseRelease, this, [this](QMouseEvent* e) {
    if (!pressed_ || e->button() != Qt::LeftButton) return;
    pressed_ = false;
    const bool click = (e->position() - pressPos_).manhattanLength() < 3;
    if (mode_ == Mode::Lasso && !click) {
      QPolygonF data;
      for (const QPointF& p : lassoPixels_)
        data << QPointF(plot_->xAxis->pixelToCoord(p.x()), plot_->yAxis->pixelToCoord(p.y()));
      lassoPixels_.clear();
      lasso_->data()->clear();
      selectInPolygon(data);
      return;
    }
    if (mode_ == Mode::Lasso) {
      lassoPixels_.clear();
      lasso_->data()->clear();
      if (painted_) overlay_->replot();
    }
    if (click && mode_ != Mode::Box) {
      const int64_t p = pointAt(e->position());
      if (p >= 0) Q_EMIT pointClicked(p);
    }
  });
  connect(plot_, &QCustomPlot::afterReplot, this, [this] { painted_ = plot_->isVisible(); });
  plot_->installEventFilter(this);
  setMode(Mode::Pan);
}

ScatterView::~ScatterView() = default;

void ScatterView::setTitle(const QString& title) {
  if (auto* t = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) t->setText(title);
}

void ScatterView::setAxisLabels(const QString& x, const QString& y) {
  plot_->xAxis->setLabel(x);
  plot_->yAxis->setLabel(y);
}

void ScatterView::setPoints(std::vector<double> x, std::vector<double> y) {
  const size_t n = std::min(x.size(), y.size());
  x.resize(n);
  y.resize(n);
  x_ = std::move(x);
  y_ = std::move(y);
  index_.build(x_, y_);
  highlighted_.clear();
  marked_ = hovered_ = -1;
  message_->setVisible(false);
  if (group_.size() != x_.size()) {
    group_.assign(x_.size(), 0);
    groupNames_ = QStringList{QString()};
    groupColours_ = {QColor(31, 119, 180)};
  }
  rebuildGraphs();
  drawOverlay();
  rescale();
}

void ScatterView::clear(const QString& message) {
  x_.clear();
  y_.clear();
  group_.clear();
  highlighted_.clear();
  marked_ = hovered_ = -1;
  index_.build(x_, y_);
  rebuildGraphs();
  drawOverlay();
  note_->setVisible(false);
  message_->setText(message);
  message_->setVisible(!message.isEmpty());
  plot_->legend->setVisible(false);
  queueReplot();
}

void ScatterView::setNote(const QString& note) {
  note_->setText(note);
  note_->setVisible(!note.isEmpty());
  queueReplot();
}

QString ScatterView::note() const { return note_->visible() ? note_->text() : QString(); }

QString ScatterView::message() const { return message_->visible() ? message_->text() : QString(); }

void ScatterView::setGroups(const std::vector<int>& group, const QStringList& names,
                            const QVector<QColor>& colours) {
  group_ = group;
  group_.resize(x_.size(), -1);
  groupNames_ = names;
  groupColours_ = colours;
  rebuildGraphs();
  queueReplot();
}

void ScatterView::rebuildGraphs() {
  for (QCPGraph* g : graphs_) plot_->removeGraph(g);
  graphs_.clear();
  const int groups = int(groupNames_.size());
  std::vector<std::vector<int64_t>> members(size_t(std::max(groups, 0)));
  for (size_t i = 0; i < group_.size() && i < x_.size(); ++i) {
    if (group_[i] >= 0 && group_[i] < groups) members[size_t(group_[i])].push_back(int64_t(i));
  }
  int shown = 0;
  for (int g = 0; g < groups; ++g) {
    QCPGraph* graph = plot_->addGraph();
    graph->setLayer(QStringLiteral("main"));
    graph->setLineStyle(QCPGraph::lsNone);
    const QColor colour = colours(g);
    graph->setScatterStyle(QCPScatterStyle(disc(colour, pointSize_)));
    graph->setAntialiasedScatters(false);
    graph->setAdaptiveSampling(adaptiveSampling_);
    graph->setName(QStringLiteral("%1 (%2)").arg(groupNames_[g]).arg(members[size_t(g)].size()));
    graph->setPen(QPen(colour));
    setGraphPoints(graph, x_, y_, members[size_t(g)]);
    if (groupNames_[g].isEmpty() || members[size_t(g)].empty()) graph->removeFromLegend();
    else ++shown;
    graphs_ << graph;
  }
  plot_->legend->setVisible(shown > 1 || (shown == 1 && groups > 1));
}

QColor ScatterView::colours(int g) const {
  return g < groupColours_.size() ? groupColours_[g] : QColor(150, 150, 150);
}

void ScatterView::setHighlighted(const std::vector<int64_t>& points) {
  highlighted_.clear();
  for (int64_t p : points)
    if (p >= 0 && p < int64_t(x_.size())) highlighted_.push_back(p);
  drawOverlay();
}

void ScatterView::setMarked(int64_t point) {
  marked_ = point >= 0 && point < int64_t(x_.size()) ? point : -1;
  drawOverlay();
}

void ScatterView::drawOverlay() {
  setGraphPoints(highlightGraph_, x_, y_, highlighted_);
  std::vector<int64_t> mark;
  if (marked_ >= 0) mark.push_back(marked_);
  if (hovered_ >= 0 && hovered_ != marked_) mark.push_back(hovered_);
  setGraphPoints(markGraph_, x_, y_, mark);
  // The layer's own buffer exists only after a first full replot at the widget's size.
  if (painted_ && plot_->isVisible()) overlay_->replot();
  else queueReplot();
}

void ScatterView::queueReplot() {
  // A hidden plot has no paint buffers to draw into; showEvent() replots it.
  if (isVisible()) plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ScatterView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  queueReplot();
}

void ScatterView::setMode(Mode mode) {
  mode_ = mode;
  switch (mode) {
    case Mode::Pan:
      plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
      plot_->setSelectionRectMode(QCP::srmNone);
      plot_->setCursor(Qt::OpenHandCursor);
      break;
    case Mode::Box:
      plot_->setInteractions(QCP::iRangeZoom);
      plot_->setSelectionRectMode(QCP::srmCustom);
      plot_->setCursor(Qt::CrossCursor);
      break;
    case Mode::Lasso:
      plot_->setInteractions(QCP::iRangeZoom);
      plot_->setSelectionRectMode(QCP::srmNone);
      plot_->setCursor(Qt::CrossCursor);
      break;
  }
}

void ScatterView::setAdaptiveSampling(bool on) {
  adaptiveSampling_ = on;
  for (QCPGraph* g : graphs_) g->setAdaptiveSampling(on);
}

void ScatterView::setPointSize(int pixels) {
  pointSize_ = std::clamp(pixels, 2, 20);
  rebuildGraphs();
  queueReplot();
}

int64_t ScatterView::pointAt(const QPointF& pixel, double radius) const {
  if (x_.empty()) return -1;
  const double px = plot_->xAxis->pixelToCoord(pixel.x());
  const double py = plot_->yAxis->pixelToCoord(pixel.y());
  // Pixels per data unit of each axis: "nearest" is nearest on screen.
  const double sx = std::abs(plot_->axisRect()->width() / plot_->xAxis->range().size());
  const double sy = std::abs(plot_->axisRect()->height() / plot_->yAxis->range().size());
  return index_.nearest(px, py, sx, sy, radius);
}

void ScatterView::selectInRect(const QRectF& dataRect) {
  Q_EMIT selectionMade(index_.inRect(dataRect));
}

void ScatterView::selectInPolygon(const QPolygonF& dataPolygon) {
  Q_EMIT selectionMade(index_.inPolygon(dataPolygon));
}

void ScatterView::onMouseMove(QMouseEvent* e) {
  if (mode_ == Mode::Lasso && pressed_) {
    lassoPixels_ << e->position();
    QVector<double> kx, ky;
    for (const QPointF& p : lassoPixels_) {
      kx << plot_->xAxis->pixelToCoord(p.x());
      ky << plot_->yAxis->pixelToCoord(p.y());
    }
    if (!lassoPixels_.isEmpty()) {
      kx << kx.front();
      ky << ky.front();
    }
    lasso_->setData(kx, ky);
    if (painted_) overlay_->replot();
    return;
  }
  if (pressed_) return;  // dragging: no hover
  const int64_t p = pointAt(e->position());
  if (p == hovered_) return;
  hovered_ = p;
  drawOverlay();
  Q_EMIT hovered(p, plot_->mapToGlobal(e->position().toPoint()));
}

bool ScatterView::eventFilter(QObject* watched, QEvent* event) {
  if (watched == plot_ && event->type() == QEvent::Leave && hovered_ >= 0) {
    hovered_ = -1;
    drawOverlay();
    Q_EMIT hovered(-1, QPoint());
  }
  return QWidget::eventFilter(watched, event);
}

void ScatterView::rescale() {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (size_t i = 0; i < x_.size(); ++i) {
    if (!std::isfinite(x_[i]) || !std::isfinite(y_[i])) continue;
    x0 = std::min(x0, x_[i]);
    x1 = std::max(x1, x_[i]);
    y0 = std::min(y0, y_[i]);
    y1 = std::max(y1, y_[i]);
  }
  if (x0 > x1) {
    x0 = y0 = -1;
    x1 = y1 = 1;
  }
  const double mx = std::max((x1 - x0) * 0.04, 1e-9), my = std::max((y1 - y0) * 0.04, 1e-9);
  plot_->xAxis->setRange(x0 - mx, x1 + mx);
  plot_->yAxis->setRange(y0 - my, y1 + my);
  queueReplot();
}

void ScatterView::replot() { plot_->replot(QCustomPlot::rpImmediateRefresh); }

bool ScatterView::exportTo(const QString& path, QString* error) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  bool ok = false;
  if (suffix == QLatin1String("png")) ok = plot_->savePng(path, 0, 0, 2.0);
  else if (suffix == QLatin1String("pdf")) ok = plot_->savePdf(path);
  else {
    if (error) *error = tr("unknown file type '%1' (use .png or .pdf)").arg(suffix);
    return false;
  }
  if (!ok && error) *error = tr("could not write %1").arg(path);
  return ok;
}

}  // namespace irl4rec::ui
