// Startup to a usable window with 1,000 stored runs (issue 5, docs/GUI.md).
//
// Fills a temporary store with N finished runs through RunStore (each: its TrainConfig, 5 loss
// keys x S steps, train/epoch_loss + val/hr@10 + val/ndcg@10 per epoch, test metrics), then in
// the same process, offscreen:
//   - RunStore::listRuns(includeConfig = true) alone (and false), on a fresh connection;
//   - MainWindow construction (opens the store, recovers interrupted runs, asks RunsPanel::reload()
//     for the runs table, which a worker thread lists), show() until the first paint, then
//     switching to the Runs tab until the table (with N rows) is painted;
//   - the parts of that: RunsPanel::reload() again (the call, the wall time until reloaded(), and
//     the UI thread's share: the slot that swaps the rows in), and RunsTableModel::setRuns()
//     alone (model reset + the sort proxy re-sorting by "Started").
// The first window of the process is the figure (it pays Qt's lazy initialisation, as a real
// start does); a second window shows the warm cost.
//
// usage: bench_ui_startup [--runs N] [--steps S] [--epochs E] [--store FILE (reuse/keep)]
#include "bench_ui_common.h"

#include "ui/main_window.h"
#include "ui/runs_panel.h"
#include "ui/runs_table_model.h"

#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>

#include <functional>
#include <memory>

using namespace uibench;
using irl4rec::ui::MainWindow;

namespace {

/// Counts paint events of one widget.
class PaintSpy : public QObject {
 public:
  explicit PaintSpy(QWidget* w) : QObject(w) { w->installEventFilter(this); }
  int paints = 0;

 protected:
  bool eventFilter(QObject*, QEvent* e) override {
    if (e->type() == QEvent::Paint) ++paints;
    return false;
  }
};

bool waitFor(const std::function<bool()>& done, int timeoutMs) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > timeoutMs) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
  }
  return true;
}

struct Startup {
  double construct = 0, firstPaint = 0, runsTab = 0;
  int rows = 0;
};

Startup startWindow(TimedApp& app, const QString& path, int expectedRows, bool printStats) {
  Startup s;
  app.stats.clear();
  app.recording = printStats;
  QElapsedTimer t;
  t.start();
  auto window = std::make_unique<MainWindow>(path);
  s.construct = ms(t);
  PaintSpy windowPaints(window.get());
  window->resize(1400, 900);
  window->show();
  if (!waitFor([&] { return windowPaints.paints > 0; }, 60000)) die(QStringLiteral("window never painted"));
  s.firstPaint = ms(t);
  PaintSpy tablePaints(window->runsPanel()->table()->viewport());
  window->showTab(QStringLiteral("runs"));
  if (!waitFor([&] { return tablePaints.paints > 0 && window->runsPanel()->model()->rowCount() >= expectedRows; },
               60000)) {
    die(QStringLiteral("runs table never painted with %1 rows").arg(expectedRows));
  }
  s.runsTab = ms(t);
  s.rows = window->runsPanel()->model()->rowCount();
  app.recording = false;
  if (printStats) app.printStats(6);

  if (printStats) {
    std::vector<double> call, wall, reset;
    irl4rec::store::ListOptions options;
    options.includeConfig = true;
    auto* panel = window->runsPanel();
    int reloaded = 0;
    QObject::connect(panel, &irl4rec::ui::RunsPanel::reloaded, window.get(), [&] { ++reloaded; });
    app.stats.clear();
    app.recording = true;
    for (int i = 0; i < 5; ++i) {
      QElapsedTimer r;
      r.start();
      const int before = reloaded;
      panel->reload();
      call.push_back(ms(r));
      if (!waitFor([&] { return reloaded > before; }, 60000))
        die(QStringLiteral("reloaded() never came"));
      wall.push_back(ms(r));
      QCoreApplication::processEvents();
    }
    app.recording = false;
    // The listing reaches the panel as one queued call: that event is the UI thread's share.
    TimedApp::Stat swap;
    for (auto it = app.stats.begin(); it != app.stats.end(); ++it) {
      if (it.key().startsWith(QLatin1String("irl4rec::ui::RunsPanel")) &&
          it.key().contains(QLatin1String("MetaCall"))) {
        swap.count += it.value().count;
        swap.totalMs += it.value().totalMs;
        swap.maxMs = std::max(swap.maxMs, it.value().maxMs);
      }
    }
    for (int i = 0; i < 5; ++i) {
      auto entries = take(window->store()->listRuns(options));
      QElapsedTimer r;
      r.start();
      panel->model()->setRuns(std::move(entries));
      reset.push_back(ms(r));
      QCoreApplication::processEvents();
    }
    std::printf(
        "  RunsPanel::reload() call on the UI thread            median %7.1f  max %7.1f ms\n",
        percentile(call, 0.5), maxOf(call));
    std::printf(
        "    until reloaded() (worker lists, wall time)         median %7.1f  max %7.1f ms\n",
        percentile(wall, 0.5), maxOf(wall));
    std::printf(
        "    rows swapped in on the UI thread (%d events)        mean   %7.1f  max %7.1f ms\n",
        swap.count, swap.count ? swap.totalMs / swap.count : 0.0, swap.maxMs);
    std::printf("    store listings started for the 5 requests: %d (+1 at construction)\n",
                panel->listingsStarted() - 1);
    std::printf(
        "  RunsTableModel::setRuns() alone (reset + sort)       median %7.1f  max %7.1f ms\n",
        percentile(reset, 0.5), maxOf(reset));
    app.printStats(6);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  QElapsedTimer processClock;
  processClock.start();
  QStandardPaths::setTestModeEnabled(true);
  TimedApp app(argc, argv);
  const double appMs = ms(processClock);
  const QStringList args = app.arguments();
  auto arg = [&](const char* name, const QString& fallback) {
    const int i = int(args.indexOf(QLatin1String(name)));
    return i > 0 && i + 1 < args.size() ? args[i + 1] : fallback;
  };
  const int runs = arg("--runs", QStringLiteral("1000")).toInt();
  const int steps = arg("--steps", QStringLiteral("60")).toInt();
  const int epochs = arg("--epochs", QStringLiteral("20")).toInt();
  QTemporaryDir dir;
  const QString path = arg("--store", dir.filePath(QStringLiteral("runs.sqlite")));
  QSettings().clear();
  constexpr double kTarget = 1000;

  printMachine();
  std::printf("QApplication constructed %.1f ms after main()\n", appMs);
  {
    irl4rec::store::RunStore store;
    check(store.open(path));
    const int have = int(take(store.listRuns({})).size());
    if (have < runs) {
      QElapsedTimer t;
      t.start();
      std::mt19937 rng(3);
      for (int i = have; i < runs; ++i) writeFinishedRun(store, i, steps, epochs, rng);
      std::printf("store: wrote %d runs (5 loss keys x %d steps + 3 keys x %d epochs + 2 test rows = %d rows each) "
                  "in %.1f s\n", runs - have, steps, epochs, 5 * steps + 3 * epochs + 2, ms(t) / 1000);
    }
  }
  std::printf("store: %s, %.1f MB\n", qPrintable(path), double(QFileInfo(path).size()) / 1e6);

  std::printf("\n%-58s %9s %9s\n", "step", "median", "max");
  for (bool includeConfig : {true, false}) {
    irl4rec::store::RunStore store;
    QElapsedTimer t;
    t.start();
    check(store.open(path));
    const double openMs = ms(t);
    std::vector<double> list;
    size_t n = 0;
    irl4rec::store::ListOptions options;
    options.includeConfig = includeConfig;
    for (int i = 0; i < 5; ++i) {
      t.restart();
      n = take(store.listRuns(options)).size();
      list.push_back(ms(t));
    }
    if (includeConfig) std::printf("%-58s %9.1f %9s\n", "RunStore::open()", openMs, "");
    std::printf("%-58s %9.1f %9.1f   (%zu runs)\n",
                includeConfig ? "RunStore::listRuns(includeConfig = true)" : "RunStore::listRuns(includeConfig = false)",
                percentile(list, 0.5), maxOf(list), n);
  }

  std::printf("\nfirst window of the process:\n");
  const Startup first = startWindow(app, path, runs, true);
  std::printf("\nsecond window (warm):\n");
  const Startup second = startWindow(app, path, runs, false);

  std::printf("\n%-58s %9s %9s\n", "startup, ms from `new MainWindow`", "first", "warm");
  std::printf("%-58s %9.1f %9.1f\n", "MainWindow constructed (store open, listing requested)",
              first.construct, second.construct);
  std::printf("%-58s %9.1f %9.1f  %s\n", "first paint of the window (Dataset tab)", first.firstPaint,
              second.firstPaint, first.firstPaint < kTarget ? "ok" : "MISSED");
  std::printf("%-58s %9.1f %9.1f  %s\n", "+ Runs tab shown, table painted", first.runsTab, second.runsTab,
              first.runsTab < kTarget ? "ok" : "MISSED");
  std::printf("rows in the runs table: %d (target < %.0f ms to a usable window)\n", first.rows, kTarget);
  std::printf("load average at the end: %s\n", loadAverage().constData());
  return 0;
}
