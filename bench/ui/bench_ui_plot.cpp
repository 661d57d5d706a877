// Live plot redraw of MetricPlot with 10 runs x 20,000 points per curve (issue 5, docs/GUI.md).
//
// The loss plot of the Runs tab (MetricPlot with the smoothing control, smoothing 0.6 as
// shipped), shown offscreen at WxH pixels, with 10 runs x 1 series (10 curves) and 10 runs x 5
// loss series (50 curves, the real case: L_rec(t), α·L_rec(s), β·C, γ·D, total per run).
// For each: one QCustomPlot::replot(rpImmediateRefresh) repeated, the same after pan/zoom (new
// axis ranges every time), and the live path (a few points appended to every curve, then
// MetricPlot::flush(): buffer hand-off, auto-rescale, replot). Then variants of the 50-curve
// plot that switch one drawing feature off at a time, to see where the time goes.
//
// --pen-width W sets every curve's pen width to W after the curves are created (the shipped
// width is 1.5 px): `--pen-width 1` measures the change proposed in docs/GUI.md.
//
// usage: bench_ui_plot [--points N] [--runs N] [--repeats N] [--size WxH] [--pen-width W]
#include "bench_ui_common.h"

#include "ui/metric_plot.h"
#include "ui/qcustomplot_include.h"

#include <functional>

using namespace uibench;
using irl4rec::ui::MetricPlot;

namespace {

const QStringList kSeries = {QStringLiteral("L_rec(t)"), QStringLiteral("α·L_rec(s)"), QStringLiteral("β·C"),
                             QStringLiteral("γ·D"), QStringLiteral("total")};

struct Figures {
  std::vector<double> wall;    ///< QElapsedTimer around the call, ms
  std::vector<double> replot;  ///< QCustomPlot::replotTime() after the call, ms
};

void printFigures(const char* what, const Figures& f, double target) {
  std::printf("  %-52s n=%2zu  wall median %7.1f  max %7.1f | replotTime median %7.1f  max %7.1f ms  %s\n",
              what, f.wall.size(), percentile(f.wall, 0.5), maxOf(f.wall), percentile(f.replot, 0.5), maxOf(f.replot),
              percentile(f.wall, 0.5) < target ? "ok" : "MISSED");
}

Figures repeat(QCustomPlot* plot, int n, const std::function<void(int)>& before,
               const std::function<void()>& call) {
  // At most n calls, and no more than ~20 s per measurement (at least 5 calls).
  Figures f;
  QElapsedTimer budget;
  budget.start();
  for (int i = 0; i < n && (i < 5 || budget.elapsed() < 20000); ++i) {
    if (before) before(i);
    QElapsedTimer t;
    t.start();
    call();
    f.wall.push_back(ms(t));
    f.replot.push_back(plot->replotTime(false));
    QCoreApplication::processEvents();  // paint events, queued replots: outside the timing
  }
  return f;
}

struct Data {
  std::vector<QVector<double>> x, y;
};

Data makeData(int curves, int points) {
  Data d;
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, 0.08);
  for (int c = 0; c < curves; ++c) {
    QVector<double> x(points), y(points);
    for (int i = 0; i < points; ++i) {
      x[i] = i + 1;
      y[i] = (0.5 + 0.1 * c) * (1.0 + 4.0 * std::exp(-double(i) / 3000.0)) * (1.0 + noise(rng));
    }
    d.x.push_back(std::move(x));
    d.y.push_back(std::move(y));
  }
  return d;
}

struct Case {
  int runs;
  int seriesPerRun;
};

double g_penWidth = 0;  ///< > 0: override the pen width of every curve

void fill(MetricPlot& plot, const Case& c, const Data& data) {
  plot.clear();
  int k = 0;
  for (int r = 0; r < c.runs; ++r) {
    for (int s = 0; s < c.seriesPerRun; ++s, ++k) {
      // 10-curve case: the "total" curve of each run.
      const QString series = c.seriesPerRun == 1 ? kSeries[4] : kSeries[s];
      plot.setCurve(QString::number(r + 1), QStringLiteral("run %1").arg(r + 1), series, data.x[size_t(k)],
                    data.y[size_t(k)]);
    }
  }
  if (g_penWidth > 0) {
    for (int i = 0; i < plot.plot()->graphCount(); ++i) {
      QPen pen = plot.plot()->graph(i)->pen();
      pen.setWidthF(g_penWidth);
      plot.plot()->graph(i)->setPen(pen);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  TimedApp app(argc, argv);
  const QStringList args = app.arguments();
  auto arg = [&](const char* name, const QString& fallback) {
    const int i = int(args.indexOf(QLatin1String(name)));
    return i > 0 && i + 1 < args.size() ? args[i + 1] : fallback;
  };
  const int points = arg("--points", QStringLiteral("20000")).toInt();
  const int runs = arg("--runs", QStringLiteral("10")).toInt();
  const int repeats = arg("--repeats", QStringLiteral("50")).toInt();
  const QStringList size = arg("--size", QStringLiteral("800x450")).split(QLatin1Char('x'));
  const int width = size.value(0).toInt(), height = size.value(1).toInt();
  g_penWidth = arg("--pen-width", QStringLiteral("0")).toDouble();
  constexpr double kTarget = 30;

  printMachine();
  std::printf("MetricPlot %dx%d px, %d runs x %d points per curve, %d repeats, smoothing 0.6 (as shipped)\n",
              width, height, runs, points, repeats);
  if (g_penWidth > 0) std::printf("pen width overridden: %.2f px (shipped: 1.5 px)\n", g_penWidth);
  const Data data = makeData(runs * 5, points);

  MetricPlot plot(QStringLiteral("step"), QStringLiteral("loss"), true);
  plot.resize(width, height + 30);  // + the smoothing / log / fit bar above the plot
  plot.show();
  QCoreApplication::processEvents();
  QCustomPlot* qcp = plot.plot();

  for (const Case& c : {Case{runs, 1}, Case{runs, 5}}) {
    const int curves = c.runs * c.seriesPerRun;
    std::printf("\n%d curves (%d runs x %d series), %d points in total, plot %dx%d:\n", curves, c.runs,
                c.seriesPerRun, curves * points, qcp->width(), qcp->height());
    QElapsedTimer t;
    t.start();
    fill(plot, c, data);
    const double fillMs = ms(t);
    t.restart();
    plot.flush();
    std::printf("  setCurve x %d (incl. smoothing): %.1f ms; first flush(): %.1f ms\n", curves, fillMs, ms(t));
    QCoreApplication::processEvents();

    const Figures still = repeat(qcp, repeats, nullptr, [&] { qcp->replot(QCustomPlot::rpImmediateRefresh); });
    printFigures("replot, all data in view", still, kTarget);

    // Pan/zoom: a different window every time, from the full range down to 1/20 of it.
    const QCPRange fullX = qcp->xAxis->range(), fullY = qcp->yAxis->range();
    const Figures zoom = repeat(
        qcp, repeats,
        [&](int i) {
          const double span = fullX.size() / (1.0 + 19.0 * double(i % 10) / 9.0);
          const double lower = fullX.lower + (fullX.size() - span) * double((i * 7) % 11) / 10.0;
          qcp->xAxis->setRange(lower, lower + span);
          qcp->yAxis->setRange(fullY.lower, fullY.lower + fullY.size() * (0.4 + 0.06 * (i % 10)));
        },
        [&] { qcp->replot(QCustomPlot::rpImmediateRefresh); });
    printFigures("replot after pan/zoom", zoom, kTarget);

    // Live: every curve gets 5 new points (~50 ms of steps of a fast run), then flush().
    plot.setAutoRescale(true);
    int step = points;
    const Figures live = repeat(
        qcp, repeats,
        [&](int) {
          for (int k = 0; k < 5; ++k) {
            ++step;
            for (int r = 0; r < c.runs; ++r) {
              for (int s = 0; s < c.seriesPerRun; ++s) {
                plot.append(QString::number(r + 1), QStringLiteral("run %1").arg(r + 1),
                            c.seriesPerRun == 1 ? kSeries[4] : kSeries[s], step, 1.0 + 0.1 * s);
              }
            }
          }
        },
        [&] { plot.flush(); });
    printFigures("live: append 5 points/curve + flush()", live, kTarget);
  }

  if (g_penWidth > 0) {
    std::printf("\nload average at the end: %s\n", loadAverage().constData());
    return 0;
  }
  // Where the time goes: the 50-curve plot with one drawing feature changed at a time, each
  // variant starting again from the plot as shipped.
  std::printf("\nbreakdown, %d curves, replot with all data in view, one change at a time:\n", runs * 5);
  fill(plot, Case{runs, 5}, data);
  plot.flush();
  QCoreApplication::processEvents();
  std::vector<QPen> shipped;
  for (int i = 0; i < qcp->graphCount(); ++i) shipped.push_back(qcp->graph(i)->pen());
  struct Variant {
    const char* what;
    bool legend;
    bool solid;
    double width;
    bool antialiased;
  };
  const Variant variants[] = {
      {"as shipped: dashed 1.5 px pens, antialiased, legend", true, false, 1.5, true},
      {"legend hidden", false, false, 1.5, true},
      {"solid pens (1.5 px)", true, true, 1.5, true},
      {"dashed pens, 1 px", true, false, 1.0, true},
      {"solid pens, 1 px", true, true, 1.0, true},
      {"dashed pens 1.5 px, no antialiasing", true, false, 1.5, false},
      {"solid pens 1 px, no antialiasing", true, true, 1.0, false},
  };
  for (const Variant& v : variants) {
    qcp->legend->setVisible(v.legend);
    for (int i = 0; i < qcp->graphCount(); ++i) {
      QPen pen = shipped[size_t(i)];
      if (v.solid) pen.setStyle(Qt::SolidLine);
      pen.setWidthF(v.width);
      qcp->graph(i)->setPen(pen);
      qcp->graph(i)->setAntialiased(v.antialiased);
    }
    printFigures(v.what, repeat(qcp, repeats, nullptr, [&] { qcp->replot(QCustomPlot::rpImmediateRefresh); }),
                 kTarget);
  }

  std::printf("\nload average at the end: %s\n", loadAverage().constData());
  return 0;
}
