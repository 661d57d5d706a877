#pragma once

#include <QColor>
#include <QHash>
#include <QString>
#include <QVector>
#include <QWidget>

class QCheckBox;
class QCPGraph;
class QCPItemText;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QTimer;

namespace irl4rec::ui {

/// Live curves of metric series (x = step or epoch), several runs at once.
///
/// Points are buffered by append() and drawn by a ~40 ms single-shot timer with a queued replot,
/// never once per sample, so a training run can report every step without loading the UI thread.
/// Offers exponential smoothing, a log y axis, zoom/pan, a hover read-out of the nearest point
/// and legend clicks that hide or show a curve.
class MetricPlot : public QWidget {
  Q_OBJECT
 public:
  explicit MetricPlot(const QString& xLabel, const QString& yLabel, bool smoothingControl,
                      QWidget* parent = nullptr);

  /// Adds a point to the curve (run, series), creating it on first use. `runLabel` names the run
  /// in the legend; x must not decrease within a curve.
  void append(const QString& run, const QString& runLabel, const QString& series, double x, double y);
  /// Replaces a whole curve at once (e.g. loaded from the store); a non-empty `spread` also
  /// shades y ± spread around it (as setBand(), in the same pass).
  void setCurve(const QString& run, const QString& runLabel, const QString& series,
                const QVector<double>& x, const QVector<double>& y, const QVector<double>& spread = {});
  /// Shades y ± spread[i] around the curve (run, series), e.g. mean ± std over seeds: a channel
  /// fill between two pen-less graphs that stay out of the legend, smoothed like the curve.
  /// Call after setCurve() with the same x; NaN spread (n < 2) narrows the band to the curve.
  void setBand(const QString& run, const QString& series, const QVector<double>& spread);
  /// Colour of a run's curves instead of the next palette colour (set before the first curve).
  void setRunColor(const QString& run, const QColor& color);
  /// The graph of a curve (nullptr if none), to restyle it or take it out of the legend.
  QCPGraph* graph(const QString& run, const QString& series) const;
  /// Removes every curve of a run.
  void removeRun(const QString& run);
  void clear();
  /// Draws pending points now (tests and benchmarks).
  void flush();
  /// Rescale the axes to the data at the next redraw (until the user zooms or pans).
  void setAutoRescale(bool on) { autoRescale_ = on; }

  void setSmoothing(double weight);  ///< 0 = raw, 0.99 = heavy
  /// Integer ticks on x (epochs) and the legend's corner inside the plot.
  void setIntegerX(bool on);
  void setLegendCorner(Qt::Alignment corner);
  void setLogScale(bool on);
  /// Shows the legend whenever it has entries (default), or never.
  void setLegendVisible(bool on);
  /// Only series whose name is in `series` are shown (empty = all).
  void setVisibleSeries(const QStringList& series);

  QCustomPlot* plot() const { return plot_; }
  int curveCount() const { return curves_.size(); }
  /// Points of one curve as stored (raw, unsmoothed), for tests.
  int pointCount(const QString& run, const QString& series) const;
  /// The hover read-out for a position in widget pixels ("" when nothing is near), for tests.
  QString readoutAt(const QPointF& pixel);

 private:
  struct Curve {
    QString run;
    QString series;
    QVector<double> x;
    QVector<double> y;
    int drawn = 0;        ///< points already handed to the graph
    double ema = 0;       ///< running smoothed value at `drawn`
    QCPGraph* graph = nullptr;
    QVector<double> spread;  ///< band half-width per point (empty = no band)
    double emaLow = 0, emaHigh = 0;
    QCPGraph* low = nullptr;   ///< band edges; `high` fills down to `low`
    QCPGraph* high = nullptr;
  };
  void removeCurveGraphs(Curve& c);
  void ensureBandGraphs(Curve& c);
  Curve& curve(const QString& run, const QString& runLabel, const QString& series);
  void scheduleRedraw();
  void redraw();
  void rebuildGraph(Curve& c);
  void appendToGraph(Curve& c);
  QColor colorFor(const QString& run, const QString& series);
  bool seriesVisible(const QString& series) const;

  QCustomPlot* plot_ = nullptr;
  QTimer* redrawTimer_ = nullptr;
  QCPItemText* readout_ = nullptr;
  QDoubleSpinBox* smoothingBox_ = nullptr;
  QCheckBox* logBox_ = nullptr;
  QHash<QString, Curve> curves_;  ///< key: run + '\x1f' + series
  QHash<QString, int> runIndex_;
  QHash<QString, QColor> runColors_;
  QHash<QString, int> seriesIndex_;
  QStringList visibleSeries_;
  double smoothing_ = 0.0;
  bool autoRescale_ = true;
  bool logScale_ = false;
  bool legendVisible_ = true;
};

}  // namespace irl4rec::ui
