#pragma once
/// Drawing and saving shared by the Compare tab's views: the heat map of the β/γ/α view and of
/// the sweep view, the colour gradient they share, and saving a plot or a text file.

#include "core/common/error.h"

#include <QColor>
#include <QString>
#include <QStringList>

#include <vector>

class QCustomPlot;
class QCPColorScale;
class QCPColorGradient;
class QFont;

namespace irl4rec::ui::compare {

/// Viridis at five stops: perceptually ordered, readable in grey, colour-blind safe; NaN grey.
QCPColorGradient heatGradient();

/// A heat map's cells on an index grid: cell (xi, yi) at x = xi, y = yi, labelled by the axes'
/// value labels; a cell without configurations is drawn "no runs".
struct HeatCells {
  QStringList xLabels, yLabels;
  struct Cell {
    int xi = 0, yi = 0;
    double mean = 0;  ///< NaN = "no value"
    qint64 n = 0;
  };
  std::vector<Cell> cells;
};
/// Clears `plot`'s plottables and items and draws `cells` with `scale` (the colour range spans
/// the finite means); axis titles and the title are the caller's.
void drawHeatMap(QCustomPlot* plot, QCPColorScale* scale, const HeatCells& cells,
                 const QFont& cellFont);

/// Saves `plot` as PNG or PDF by the suffix of `path`, at least 800 × 500.
Status savePlot(QCustomPlot* plot, const QString& path);
/// Writes `text` to `path` atomically.
Status writeText(const QString& path, const QString& text);

}  // namespace irl4rec::ui::compare
