// Building the Compare tab for many runs (issue 6, docs/GUI.md "Compare").
//
// Writes a store of N finished runs in groups of S seeds (configurations differ by α/β/γ), each
// with E epochs of val/hr@10, val/ndcg@10, train/epoch_loss, the test metrics, and K loss/total
// points per epoch. Then times, median / max over R repetitions:
//   read     compare::readSnapshot on a fresh connection (what the worker thread does)
//   build    ComparePanel::setSnapshot on the UI thread: filter, group, name, table, mean ± std
//            bands of every group, ablation bars + Welch tests, sweep heat map
//   redraw   QCustomPlot::replot(rpImmediateRefresh) of the curves, the ablation chart and the
//            heat map, with the panel shown offscreen at 1400 × 900
// and the same with the per-step curve loss/total (E × K points per run) chosen.
//
// --store FILE measures an existing store instead (nothing is written to it); --export DIR also
// saves the three plots as PNG there (what the Export buttons write), to look at them.
//
// usage: bench_compare [--runs N] [--seeds S] [--epochs E] [--steps K] [--repeats R]
//                      [--store FILE] [--export DIR]
#include "core/store/run_store.h"
#include "core/train/config_fields.h"
#include "core/train/metric_keys.h"
#include "core/train/train_config.h"
#include "ui/compare/compare_data.h"
#include "ui/compare/compare_panel.h"
#include "ui/metric_plot.h"
#include "ui/qcustomplot_include.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

using irl4rec::ui::ComparePanel;
namespace compare = irl4rec::ui::compare;

namespace {

double msSince(const QElapsedTimer& t) { return double(t.nsecsElapsed()) / 1e6; }

struct Stat {
  std::vector<double> v;
  double median() const {
    std::vector<double> s = v;
    std::sort(s.begin(), s.end());
    return s.empty() ? 0 : s[s.size() / 2];
  }
  double max() const { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }
};

Stat repeat(int n, const std::function<void()>& call) {
  Stat s;
  for (int i = 0; i < n; ++i) {
    QElapsedTimer t;
    t.start();
    call();
    s.v.push_back(msSince(t));
    QCoreApplication::processEvents();
  }
  return s;
}

void print(const char* what, const Stat& s) {
  std::printf("  %-58s median %8.1f ms  max %8.1f ms\n", what, s.median(), s.max());
}

QString argText(const QStringList& args, const QString& name) {
  const int i = args.indexOf(name);
  return i >= 0 && i + 1 < args.size() ? args[i + 1] : QString();
}

int argValue(const QStringList& args, const QString& name, int fallback) {
  const int i = args.indexOf(name);
  return i >= 0 && i + 1 < args.size() ? args[i + 1].toInt() : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  const QStringList args = app.arguments();
  const int runs = argValue(args, QStringLiteral("--runs"), 200);
  const int seeds = std::max(1, argValue(args, QStringLiteral("--seeds"), 5));
  const int epochs = argValue(args, QStringLiteral("--epochs"), 50);
  const int steps = argValue(args, QStringLiteral("--steps"), 20);
  const int repeats = argValue(args, QStringLiteral("--repeats"), 7);

  QTemporaryDir dir;
  const QString given = argText(args, QStringLiteral("--store"));
  const QString exportDir = argText(args, QStringLiteral("--export"));
  const QString path = given.isEmpty() ? dir.filePath(QStringLiteral("compare.sqlite")) : given;
  QFile loadavg(QStringLiteral("/proc/loadavg"));
  if (loadavg.open(QIODevice::ReadOnly))
    std::printf("load average: %s", loadavg.readAll().constData());
  if (given.isEmpty()) {
    std::printf("store: %d runs in groups of %d seeds, %d epochs, %d loss points per epoch\n", runs,
                seeds, epochs, steps);
  } else {
    std::printf("store: %s\n", qPrintable(given));
  }
  QElapsedTimer writing;
  writing.start();
  if (given.isEmpty()) {
    irl4rec::store::RunStore db;
    if (!db.open(path).ok()) return 1;
    auto ds = db.upsertDataset({0,
                                QStringLiteral("bench"),
                                QStringLiteral("/bench.txt"),
                                QStringLiteral("sequence-text"),
                                QStringLiteral("bench-fp"),
                                {}});
    std::mt19937 rng(7);
    std::normal_distribution<double> noise(0.0, 0.01);
    const double weights[] = {0, 1e-3, 1e-2, 0.1, 1};
    for (int r = 0; r < runs; ++r) {
      const int group = r / seeds;
      irl4rec::train::TrainConfig c;
      c.model =
          group == 0 ? irl4rec::train::ModelKind::Baseline : irl4rec::train::ModelKind::Irl4Rec;
      if (group > 0) {
        c.alpha = 0.1 * (1 + (group / 25) % 4);
        c.beta = weights[group % 5];
        c.gamma = weights[(group / 5) % 5];
      }
      c.seed = quint64(r % seeds + 1);
      auto run = db.createRun({QStringLiteral("run %1").arg(r),
                               c.toJson(),
                               ds.value(),
                               irl4rec::store::RunStatus::Queued,
                               {},
                               {},
                               {},
                               irl4rec::train::groupKey(c.toJson())});
      if (!run.ok()) return 1;
      const qint64 id = run.value().id;
      db.setStatus(id, irl4rec::store::RunStatus::Running);
      std::vector<irl4rec::store::MetricRow> rows;
      const double level = 0.05 + 0.002 * (group % 17);
      for (int e = 1; e <= epochs; ++e) {
        for (int k = 0; k < steps; ++k) {
          const qint64 step = qint64(e - 1) * steps + k + 1;
          rows.push_back({QStringLiteral("loss/total"), step, e,
                          5.0 / std::sqrt(double(step)) + noise(rng), 0});
        }
        const double v = level * (1 - std::exp(-e / 8.0)) + noise(rng);
        rows.push_back({QStringLiteral("val/ndcg@10"), qint64(e) * steps, e, v, 0});
        rows.push_back({QStringLiteral("val/hr@10"), qint64(e) * steps, e, 2 * v, 0});
        rows.push_back({QStringLiteral("train/epoch_loss"), qint64(e) * steps, e, 5.0 / e, 0});
      }
      rows.push_back({QStringLiteral("test/hr@10"), qint64(epochs) * steps, epochs,
                      2 * level + noise(rng), 0});
      rows.push_back(
          {QStringLiteral("test/ndcg@10"), qint64(epochs) * steps, epochs, level + noise(rng), 0});
      for (auto& row : rows) row.direction = irl4rec::train::metric::direction(row.key);
      if (!db.logMetrics(id, rows).ok()) return 1;
      db.setStatus(id, irl4rec::store::RunStatus::Finished);
    }
  }
  if (given.isEmpty()) std::printf("  written in %.1f s\n\n", msSince(writing) / 1000.0);

  std::printf("per-epoch curve val/ndcg@10:\n");
  std::shared_ptr<const compare::Snapshot> snapshot;
  print("read: readSnapshot (worker thread)", repeat(repeats, [&] {
          snapshot = std::make_shared<const compare::Snapshot>(compare::readSnapshot(path));
        }));
  ComparePanel panel(nullptr, nullptr, nullptr);
  panel.resize(1400, 900);
  panel.show();
  QCoreApplication::processEvents();
  print("  of which groupRuns (filter, group, name)",
        repeat(repeats, [&] { compare::groupRuns(*snapshot, compare::Filter{}); }));
  const auto groups = compare::groupRuns(*snapshot, compare::Filter{});
  print("  of which groupBand for every group", repeat(repeats, [&] {
          for (const compare::Group& g : groups)
            compare::groupBand(*snapshot, g, compare::kSelectionKey);
        }));
  print("build: ComparePanel::setSnapshot (UI thread)",
        repeat(repeats, [&] { panel.setSnapshot(snapshot); }));
  std::printf("  -> %zu groups, %d graphs on the curve plot\n", panel.groups().size(),
              panel.curvePlot()->plot()->graphCount());
  print("redraw: curves (means + bands)", repeat(repeats, [&] {
          panel.curvePlot()->plot()->replot(QCustomPlot::rpImmediateRefresh);
        }));
  print("redraw: ablation chart",
        repeat(repeats, [&] { panel.ablationPlot()->replot(QCustomPlot::rpImmediateRefresh); }));
  print("redraw: sweep heat map",
        repeat(repeats, [&] { panel.sweepPlot()->replot(QCustomPlot::rpImmediateRefresh); }));
  if (!exportDir.isEmpty()) {
    for (const auto& [kind, name] : {std::pair{ComparePanel::PlotKind::Curves, "curves.png"},
                                     std::pair{ComparePanel::PlotKind::Ablation, "ablation.png"},
                                     std::pair{ComparePanel::PlotKind::Sweep, "sweep.png"}}) {
      const QString file = QDir(exportDir).filePath(QString::fromLatin1(name));
      const irl4rec::Status s = panel.exportPlot(kind, file);
      std::printf("  export %s: %s\n", qPrintable(file),
                  s.ok() ? "ok" : qPrintable(s.error().message()));
    }
    panel.exportTableCsv(QDir(exportDir).filePath(QStringLiteral("groups.csv")));
  }

  std::printf("\nper-step curve loss/total:\n");
  print("read: readSnapshot with loss/total (worker thread)", repeat(repeats, [&] {
          snapshot = std::make_shared<const compare::Snapshot>(
              compare::readSnapshot(path, {QStringLiteral("loss/total")}));
        }));
  panel.setSnapshot(snapshot);
  panel.setCurveKey(QStringLiteral("loss/total"));
  print("build: ComparePanel::setSnapshot (UI thread)",
        repeat(repeats, [&] { panel.setSnapshot(snapshot); }));
  print("redraw: curves (means + bands)", repeat(repeats, [&] {
          panel.curvePlot()->plot()->replot(QCustomPlot::rpImmediateRefresh);
        }));
  return 0;
}
