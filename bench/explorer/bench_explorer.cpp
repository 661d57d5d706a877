// Figures for docs/EXPLORER.md: the explorer's scatter plot with 35,598 points (the Sports user
// count) — pan/zoom replot time with the drawing variants side by side — hover lookup through
// the grid index against a linear scan, box/lasso selection, and opening a Sports-sized run
// from a store (embeddings + projections, PCA computed on demand for an old-style run).
// The layout is the PCA of a 35,598 x 64 matrix: with ../shared/datasets/amazon present each
// user is the mean of seeded random vectors of the attributes in their real Sports history,
// coloured by their real dominant attribute (top 12 + other); otherwise 20 Gaussian clusters.
// PCA 35,598 x 64 and t-SNE 10,000 are timed by bench_analysis (docs/ANALYSIS.md).
// Usage: QT_QPA_PLATFORM=offscreen bench_explorer [--replots N] [--width W --height H]
#include "core/analysis/probe.h"
#include "core/analysis/projection.h"
#include "core/analysis/run_projections.h"
#include "core/data/readers.h"
#include "core/store/run_store.h"
#include "ui/explorer/explorer_data.h"
#include "ui/explorer/scatter_view.h"
#include "ui/explorer/spatial_index.h"
#include "ui/qcustomplot_include.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

using namespace irl4rec;

namespace {

const QString kSports =
    QStringLiteral(IRL4REC_SHARED_DIR "/datasets/amazon/Sports_and_Outdoors.txt");

struct Stats {
  double median = 0, max = 0, mean = 0;
};

Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v[v.size() / 2];
  s.max = v.back();
  for (double x : v) s.mean += x;
  s.mean /= double(v.size());
  return s;
}

/// Replots after alternating pans and zooms; milliseconds per replot.
Stats replotTimes(ui::ScatterView& view, int replots) {
  QCustomPlot* plot = view.plot();
  view.rescale();
  plot->replot(QCustomPlot::rpImmediateRefresh);  // warm-up (caches, pixmaps)
  plot->replot(QCustomPlot::rpImmediateRefresh);
  std::vector<double> ms;
  for (int i = 0; i < replots; ++i) {
    switch (i % 4) {
      case 0: plot->xAxis->moveRange(plot->xAxis->range().size() * 0.05); break;
      case 1: plot->xAxis->scaleRange(0.9, plot->xAxis->range().center()); plot->yAxis->scaleRange(0.9, plot->yAxis->range().center()); break;
      case 2: plot->yAxis->moveRange(-plot->yAxis->range().size() * 0.05); break;
      case 3: plot->xAxis->scaleRange(1 / 0.9, plot->xAxis->range().center()); plot->yAxis->scaleRange(1 / 0.9, plot->yAxis->range().center()); break;
    }
    QElapsedTimer t;
    t.start();
    plot->replot(QCustomPlot::rpImmediateRefresh);
    ms.push_back(double(t.nsecsElapsed()) / 1e6);
  }
  return stats(ms);
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  const QStringList args = app.arguments();
  auto intArg = [&](const char* name, int fallback) {
    const int i = int(args.indexOf(QLatin1String(name)));
    return i >= 0 && i + 1 < args.size() ? args[i + 1].toInt() : fallback;
  };
  const int replots = intArg("--replots", 50);
  const int width = intArg("--width", 700), height = intArg("--height", 600);

  // ---- data: a 35,598 x 64 user matrix and one label per user -----------------------------------
  const int64_t rows = 35598, dim = 64;
  std::vector<float> values(size_t(rows * dim));
  QStringList labels;
  std::mt19937 rng(42);
  std::normal_distribution<float> g(0, 1);
  QString source = QStringLiteral("20 Gaussian clusters in 64-D (../shared/datasets/amazon absent)");
  auto sports = QFileInfo::exists(kSports) ? data::loadDataset(kSports) : Expected<data::Dataset>(Error::general({}));
  if (sports && sports.value().numUsers() == rows) {
    const data::Dataset& d = sports.value();
    std::vector<float> attr(size_t(d.numAttributes() + 1) * dim);
    for (float& v : attr) v = g(rng);
    for (int64_t u = 0; u < rows; ++u) {
      const auto& seq = d.sequences[size_t(u)];
      int64_t n = 0;
      for (size_t i = 0; i + 1 < seq.size(); ++i)
        for (int32_t a : d.itemAttributes[size_t(seq[i])]) {
          for (int64_t k = 0; k < dim; ++k) values[size_t(u * dim + k)] += attr[size_t(a) * dim + k];
          ++n;
        }
      for (int64_t k = 0; k < dim; ++k) values[size_t(u * dim + k)] = n ? values[size_t(u * dim + k)] / float(n) : g(rng) * 0.01f;
    }
    const auto dominant = analysis::dominantAttributes(d);
    for (int64_t u = 0; u < rows; ++u)
      labels << (dominant[size_t(u)] > 0 ? d.attributeTokens[dominant[size_t(u)]] : QString());
    source = QStringLiteral("Sports users (bag of attributes of the real histories), real dominant attributes");
  } else {
    std::vector<float> centres(size_t(20 * dim));
    for (float& c : centres) c = 2.5f * g(rng);
    for (int64_t u = 0; u < rows; ++u) {
      const int c = int(rng() % 20u);
      labels << QStringLiteral("cluster %1").arg(c + 1);
      for (int64_t k = 0; k < dim; ++k) values[size_t(u * dim + k)] = centres[size_t(c * dim + k)] + g(rng);
    }
  }
  std::printf("data: %lld x %lld, %s\n", (long long)rows, (long long)dim, qPrintable(source));
  store::EmbeddingMatrix m;
  m.rows = rows;
  m.dim = dim;
  m.values = values;
  for (int64_t u = 0; u < rows; ++u) m.ids.push_back(u);
  auto t0 = std::chrono::steady_clock::now();
  auto pca = analysis::pcaProjection(m, store::kind::kAdjustment);
  std::printf("pca (layout): %.3f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (!pca) {
    std::printf("pca failed: %s\n", qPrintable(pca.error().message()));
    return 1;
  }
  std::vector<double> x(static_cast<size_t>(rows)), y(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    x[size_t(i)] = pca.value().xy[size_t(2 * i)];
    y[size_t(i)] = pca.value().xy[size_t(2 * i + 1)];
  }
  const ui::Grouping groups = ui::groupLabels(labels, 12, QStringLiteral("none"));
  std::printf("colour groups: %d labels -> %d graphs (top 12, then other / none)\n", groups.distinctLabels,
              int(groups.names.size()));

  // ---- scatter redraw ---------------------------------------------------------------------------
  ui::ScatterView view;
  view.resize(width, height);
  view.show();
  QCoreApplication::processEvents();
  view.setPoints(x, y);
  view.setGroups(groups.group, groups.names, groups.colours);
  QCoreApplication::processEvents();
  std::printf("\nscatter redraw, %lld points, plot %dx%d, %d replots (pan/zoom alternating), offscreen:\n",
              (long long)rows, width, height, replots);
  auto report = [&](const char* what) {
    const Stats s = replotTimes(view, replots);
    std::printf("  %-58s median %6.1f ms  mean %6.1f ms  max %6.1f ms\n", what, s.median, s.mean, s.max);
  };
  report("cached pixmap discs, one graph per colour (the explorer)");
  view.setAdaptiveSampling(true);
  report("  the same with QCPGraph adaptive sampling on");
  view.setAdaptiveSampling(false);
  std::vector<int64_t> highlight;
  for (int64_t i = 0; i < rows; i += 7) highlight.push_back(i);
  view.setHighlighted(highlight);
  report("  with 5,086 highlighted (selection ring on the overlay)");
  view.setHighlighted({});
  // The slow reference: QCustomPlot's own antialiased disc scatter on the same graphs.
  for (int i = 0; i < view.plot()->graphCount(); ++i) {
    QCPGraph* gr = view.plot()->graph(i);
    if (gr->layer()->name() != QLatin1String("main")) continue;
    gr->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, gr->pen().color(), gr->pen().color(), 5));
    gr->setAntialiasedScatters(true);
  }
  report("antialiased ssDisc size 5 (QCustomPlot default path)");

  // ---- hover lookup -----------------------------------------------------------------------------
  ui::SpatialIndex index;
  t0 = std::chrono::steady_clock::now();
  index.build(x, y);
  const double buildMs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3;
  std::printf("\nhover lookup: grid %d x %d over %lld points, built in %.1f ms\n", index.columns(),
              index.rows(), (long long)index.indexed(), buildMs);
  const double x0 = *std::min_element(x.begin(), x.end()), x1 = *std::max_element(x.begin(), x.end());
  const double y0 = *std::min_element(y.begin(), y.end()), y1 = *std::max_element(y.begin(), y.end());
  // Pixel scale of a 700 px wide plot: "nearest within 6 px" as the explorer asks.
  const double sx = width / (x1 - x0), sy = height / (y1 - y0);
  std::uniform_real_distribution<double> ux(x0, x1), uy(y0, y1);
  const int queries = 20000;
  std::vector<std::pair<double, double>> q;
  for (int i = 0; i < queries; ++i) q.push_back({ux(rng), uy(rng)});
  std::vector<double> usIndex, usLinear, usIndexFar;
  int64_t mismatches = 0, found = 0;
  for (const auto& [px, py] : q) {
    auto a = std::chrono::steady_clock::now();
    const int64_t hit = index.nearest(px, py, sx, sy, 6);
    auto b = std::chrono::steady_clock::now();
    const int64_t ref = index.nearestLinear(px, py, sx, sy, 6);
    auto c = std::chrono::steady_clock::now();
    const int64_t any = index.nearest(px, py, sx, sy);  // unbounded: the nearest wherever it is
    auto d = std::chrono::steady_clock::now();
    usIndex.push_back(std::chrono::duration<double>(b - a).count() * 1e6);
    usLinear.push_back(std::chrono::duration<double>(c - b).count() * 1e6);
    usIndexFar.push_back(std::chrono::duration<double>(d - c).count() * 1e6);
    mismatches += hit != ref;
    mismatches += hit >= 0 && any != hit;  // a hit within the radius is also the nearest overall
    found += hit >= 0;
  }
  const Stats si = stats(usIndex), sl = stats(usLinear), sf = stats(usIndexFar);
  std::printf("  %d random positions, nearest within 6 px (%lld hits), index vs linear scan: %lld mismatches\n",
              queries, (long long)found, (long long)mismatches);
  std::printf("  grid index  (6 px radius): median %7.2f us  mean %7.2f us  max %7.1f us\n", si.median, si.mean, si.max);
  std::printf("  grid index  (no radius)  : median %7.2f us  mean %7.2f us  max %7.1f us\n", sf.median, sf.mean, sf.max);
  std::printf("  linear scan (6 px radius): median %7.2f us  mean %7.2f us  max %7.1f us\n", sl.median, sl.mean, sl.max);

  // What one hover costs in the widget: pixel -> nearest point through the index, then the
  // marks layer (hover ring) repainted alone, not the 35,598 points below it.
  {
    view.resize(width, height);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    std::vector<double> lookupUs, markMs;
    std::uniform_real_distribution<double> px(0, width), py(0, height);
    for (int i = 0; i < 200; ++i) {
      const QPointF pixel(px(rng), py(rng));
      auto a = std::chrono::steady_clock::now();
      const int64_t p = view.pointAt(pixel);
      auto b = std::chrono::steady_clock::now();
      view.setMarked(p >= 0 ? p : int64_t(i));
      view.plot()->repaint();  // composite the layer buffers on screen now, not at the next event
      auto c = std::chrono::steady_clock::now();
      lookupUs.push_back(std::chrono::duration<double>(b - a).count() * 1e6);
      markMs.push_back(std::chrono::duration<double>(c - b).count() * 1e3);
    }
    const Stats l = stats(lookupUs), m2 = stats(markMs);
    std::printf("  in the widget: pointAt median %.2f us (max %.1f us); hover ring drawn on the buffered marks layer and repainted median %.2f ms (max %.2f ms)\n",
                l.median, l.max, m2.median, m2.max);
  }

  // ---- selection --------------------------------------------------------------------------------
  t0 = std::chrono::steady_clock::now();
  const auto inRect = index.inRect(QRectF(QPointF(x0, y0), QPointF((x0 + x1) / 2, (y0 + y1) / 2)));
  const double rectMs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3;
  QPolygonF lasso;
  for (int k = 0; k < 200; ++k) {
    const double a = 2 * M_PI * k / 200, r = 0.3 + 0.1 * std::sin(5 * a);
    lasso << QPointF((x0 + x1) / 2 + r * (x1 - x0) * std::cos(a), (y0 + y1) / 2 + r * (y1 - y0) * std::sin(a));
  }
  t0 = std::chrono::steady_clock::now();
  const auto inLasso = index.inPolygon(lasso);
  const double lassoMs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3;
  std::printf("\nselection: box of a quarter of the plot %zu points in %.2f ms; 200-vertex lasso %zu points in %.2f ms\n",
              inRect.size(), rectMs, inLasso.size(), lassoMs);

  // ---- opening a Sports-sized run ---------------------------------------------------------------
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("bench.sqlite"));
  store::RunStore db;
  if (!db.open(path).ok()) return 1;
  store::NewRun nr;
  nr.name = QStringLiteral("bench");
  nr.status = store::RunStatus::Running;
  const qint64 runId = db.createRun(nr).value().id;
  store::EmbeddingMatrix s = m;
  for (float& v : s.values) v += 0.1f * g(rng);
  store::EmbeddingMatrix items;
  items.rows = 18357;
  items.dim = dim;
  for (int64_t i = 0; i < items.rows; ++i) items.ids.push_back(i + 1);
  items.values.resize(size_t(items.rows * dim));
  for (float& v : items.values) v = g(rng);
  db.saveEmbeddings(runId, store::kind::kAdjustment, m);
  db.saveEmbeddings(runId, store::kind::kSpurious, s);
  db.saveEmbeddings(runId, store::kind::kItem, items);
  db.setStatus(runId, store::RunStatus::Finished);
  int computed = 0;
  t0 = std::chrono::steady_clock::now();
  auto first = ui::loadExplorerRun(path, runId, &computed);
  const double firstS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t0 = std::chrono::steady_clock::now();
  auto second = ui::loadExplorerRun(path, runId, &computed);
  const double secondS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("\nopen a Sports-sized run (t, s 35,598 x 64, items 18,357 x 64) on a worker thread:\n");
  std::printf("  old-style run, PCA of 3 kinds computed and stored: %.3f s (%s)\n", firstS,
              first ? "ok" : qPrintable(first.error().message()));
  std::printf("  reopened with the stored projections:              %.3f s (%d computed)\n", secondS, computed);
  return 0;
}
