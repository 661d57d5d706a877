#pragma once

#include "ui/explorer/spatial_index.h"

#include <QColor>
#include <QPolygonF>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPCurve;
class QCPItemText;
class QCPLayer;
class QMouseEvent;

namespace irl4rec::ui {

/// One 2-D scatter plot of the embedding explorer: tens of thousands of points drawn as cached
/// pixmaps, one graph per colour group (QCustomPlot's fast path, see docs/EXPLORER.md), a grid
/// index for hover and selection, box and lasso selection, a highlighted subset drawn on a
/// buffered overlay layer, and PNG/PDF export.
///
/// Points are addressed by their index 0..n-1, which the explorer keeps identical across its
/// linked plots (the same user is the same index in t and in s). Non-finite points are not drawn
/// and never hit.
class ScatterView : public QWidget {
  Q_OBJECT
 public:
  enum class Mode { Pan, Box, Lasso };

  explicit ScatterView(QWidget* parent = nullptr);
  ~ScatterView() override;

  void setTitle(const QString& title);
  void setAxisLabels(const QString& x, const QString& y);
  /// Replaces the points (x.size() == y.size()) and rescales the axes; clears the highlight.
  void setPoints(std::vector<double> x, std::vector<double> y);
  /// No points; `message` centred on the empty plot (e.g. why there is nothing to show).
  void clear(const QString& message);
  /// A line shown in the plot's top-left corner (e.g. "3 points with NaN coordinates hidden").
  void setNote(const QString& note);
  QString note() const;
  /// The centred message of an empty plot (clear()), empty when points are shown.
  QString message() const;
  /// Colours: group[i] in [0, names.size()) for point i (others are not drawn); one graph and
  /// legend entry per group, in the given order.
  void setGroups(const std::vector<int>& group, const QStringList& names,
                 const QVector<QColor>& colours);
  /// Points drawn on top with a ring (linked selection, neighbours). Indices out of range are
  /// ignored.
  void setHighlighted(const std::vector<int64_t>& points);
  const std::vector<int64_t>& highlighted() const { return highlighted_; }
  /// A single emphasised point (the hovered or chosen user), -1 for none.
  void setMarked(int64_t point);

  void setMode(Mode mode);
  Mode mode() const { return mode_; }
  /// QCPGraph adaptive sampling of the scatter graphs (off by default, see docs/EXPLORER.md).
  void setAdaptiveSampling(bool on);
  /// Point size in pixels of the cached discs.
  void setPointSize(int pixels);

  /// The point under `pixel` (plot widget coordinates) within `radius` pixels, or -1.
  int64_t pointAt(const QPointF& pixel, double radius = 6) const;
  /// What a box / lasso gesture does, in data coordinates: emits selectionMade().
  void selectInRect(const QRectF& dataRect);
  void selectInPolygon(const QPolygonF& dataPolygon);

  /// Writes the plot as PNG or PDF (by the suffix of `path`); false with `error` set otherwise.
  bool exportTo(const QString& path, QString* error = nullptr);
  void rescale();
  void replot();

  QCustomPlot* plot() const { return plot_; }
  const SpatialIndex& index() const { return index_; }
  int64_t pointCount() const { return int64_t(x_.size()); }
  double x(int64_t i) const { return x_[size_t(i)]; }
  double y(int64_t i) const { return y_[size_t(i)]; }

 Q_SIGNALS:
  /// The point under the mouse changed (-1 = none); `globalPos` for a tool tip.
  void hovered(qint64 point, QPoint globalPos);
  /// A click (no drag) on a point.
  void pointClicked(qint64 point);
  /// A box or lasso selection ended (possibly empty), ascending indices.
  void selectionMade(const std::vector<int64_t>& points);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  void rebuildGraphs();
  QColor colours(int group) const;
  void drawOverlay();
  void queueReplot();
  void onMouseMove(QMouseEvent* event);

  QCustomPlot* plot_ = nullptr;
  QCPLayer* overlay_ = nullptr;
  QCPGraph* highlightGraph_ = nullptr;
  QCPGraph* markGraph_ = nullptr;
  QCPCurve* lasso_ = nullptr;
  QCPItemText* message_ = nullptr;
  QCPItemText* note_ = nullptr;
  QVector<QCPGraph*> graphs_;
  std::vector<double> x_, y_;
  std::vector<int> group_;
  QStringList groupNames_;
  QVector<QColor> groupColours_;
  std::vector<int64_t> highlighted_;
  int64_t marked_ = -1;
  int64_t hovered_ = -1;
  SpatialIndex index_;
  Mode mode_ = Mode::Pan;
  bool adaptiveSampling_ = false;
  int pointSize_ = 5;
  QPointF pressPos_;
  bool pressed_ = false;
  bool painted_ = false;  ///< a full replot happened while visible (layer buffers are valid)
  QPolygonF lassoPixels_;
};

}  // namespace irl4rec::ui
