#include "ui/compare/plot_util.h"

#include "ui/qcustomplot_include.h"

#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>
#include <cmath>
#include <limits>

namespace irl4rec::ui::compare {

QCPColorGradient heatGradient() {
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor(68, 1, 84));
  g.setColorStopAt(0.25, QColor(59, 82, 139));
  g.setColorStopAt(0.5, QColor(33, 145, 140));
  g.setColorStopAt(0.75, QColor(94, 201, 98));
  g.setColorStopAt(1.0, QColor(253, 231, 37));
  g.setNanHandling(QCPColorGradient::nhNanColor);
  g.setNanColor(QColor(235, 235, 235));
  return g;
}

void drawHeatMap(QCustomPlot* plot, QCPColorScale* scale, const HeatCells& heat,
                 const QFont& cellFont) {
  plot->clearPlottables();
  plot->clearItems();
  const int nx = int(heat.xLabels.size()), ny = int(heat.yLabels.size());
  if (heat.cells.empty() || nx == 0 || ny == 0) return;
  auto* map = new QCPColorMap(plot->xAxis, plot->yAxis);
  // A single column or row is stored twice so that QCPColorMap gives it a cell width.
  const int sx = std::max(nx, 2), sy = std::max(ny, 2);
  map->data()->setSize(sx, sy);
  map->data()->setRange(nx > 1 ? QCPRange(0, nx - 1) : QCPRange(-0.25, 0.25),
                        ny > 1 ? QCPRange(0, ny - 1) : QCPRange(-0.25, 0.25));
  for (int i = 0; i < sx; ++i) {
    for (int j = 0; j < sy; ++j) map->data()->setCell(i, j, std::nan(""));
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const HeatCells::Cell& c : heat.cells) {
    const double v = c.mean;
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    for (int i = c.xi; i < (nx > 1 ? c.xi + 1 : 2); ++i) {
      for (int j = c.yi; j < (ny > 1 ? c.yi + 1 : 2); ++j) map->data()->setCell(i, j, v);
    }
  }
  if (!std::isfinite(lo)) lo = hi = 0;
  if (hi - lo < 1e-12) {
    lo -= 0.001;
    hi += 0.001;
  }
  QCPColorGradient gradient = heatGradient();  // color() is not const
  map->setGradient(gradient);
  map->setInterpolate(false);
  map->setColorScale(scale);
  map->setDataRange(QCPRange(lo, hi));
  std::vector<const HeatCells::Cell*> at(size_t(nx) * size_t(ny), nullptr);
  for (const HeatCells::Cell& c : heat.cells) {
    if (c.xi >= 0 && c.xi < nx && c.yi >= 0 && c.yi < ny) at[size_t(c.xi) * size_t(ny) + size_t(c.yi)] = &c;
  }
  for (int i = 0; i < nx; ++i) {
    for (int j = 0; j < ny; ++j) {
      const HeatCells::Cell* cell = at[size_t(i) * size_t(ny) + size_t(j)];
      auto* text = new QCPItemText(plot);
      text->position->setCoords(i, j);
      text->setFont(cellFont);
      if (!cell) {
        text->setText(QObject::tr("no runs"));
        text->setColor(QColor(120, 120, 120));
        continue;
      }
      const double v = cell->mean;
      text->setText(std::isfinite(v) ? QObject::tr("%1\nn = %2").arg(v, 0, 'f', 4).arg(cell->n)
                                     : QObject::tr("no value\nn = 0"));
      const QColor bg = QColor::fromRgb(gradient.color(v, QCPRange(lo, hi)));
      text->setColor(bg.lightnessF() < 0.55 ? Qt::white : Qt::black);
    }
  }
  auto xTicker = QSharedPointer<QCPAxisTickerText>::create();
  for (int i = 0; i < nx; ++i) xTicker->addTick(i, heat.xLabels[i]);
  auto yTicker = QSharedPointer<QCPAxisTickerText>::create();
  for (int j = 0; j < ny; ++j) yTicker->addTick(j, heat.yLabels[j]);
  plot->xAxis->setTicker(xTicker);
  plot->yAxis->setTicker(yTicker);
  plot->xAxis->setRange(-0.5, nx - 0.5);
  plot->yAxis->setRange(-0.5, ny - 0.5);
}

Status savePlot(QCustomPlot* plot, const QString& path) {
  const int w = std::max(plot->width(), 800), h = std::max(plot->height(), 500);
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != QLatin1String("pdf") && suffix != QLatin1String("png")) {
    return Error::general(QStringLiteral("choose a .png or .pdf file name (got %1)").arg(path));
  }
  const bool ok =
      suffix == QLatin1String("pdf") ? plot->savePdf(path, w, h) : plot->savePng(path, w, h, 2.0);
  if (!ok) return Error::general(QStringLiteral("could not write %1").arg(path));
  return Status();
}

Status writeText(const QString& path, const QString& text) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
    return Error::general(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  }
  file.write(text.toUtf8());
  if (!file.commit())
    return Error::general(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  return Status();
}

}  // namespace irl4rec::ui::compare
