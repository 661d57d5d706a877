// UI-thread event-loop latency while two real runs train in worker threads (issue 5, docs/GUI.md).
//
// A MainWindow on a temporary store, offscreen, Runs tab shown. For each dataset (the bundled
// synthetic sample, then Amazon Beauty when ../shared/datasets/amazon/Beauty.txt exists) it
// launches one configuration over two seeds with parallelism 2 from the form, as the Launch
// button does (both runs selected, so their curves update live), and measures with a 5 ms
// precise QTimer how late each timeout fires. "quiet" = no user input; "busy" = the same plus
// RunsPanel::reload() every 250 ms and, every second, a past run with full-length curves
// (5 x 17,600 steps, a 200-epoch Beauty run) selected or deselected in the table.
// --extra-runs N adds N short finished runs to the store first, so that each reload() lists a big
// store (the listing runs on a worker thread; its rows are swapped in on the UI thread).
//
// usage: bench_ui_latency [--synthetic-epochs N] [--beauty-epochs N] [--no-beauty] [--past-steps N]
//                         [--extra-runs N]
#include "bench_ui_common.h"

#include "core/store/run_store.h"
#include "ui/main_window.h"
#include "ui/metric_plot.h"
#include "ui/run_config_form.h"
#include "core/application/run_queue.h"
#include "ui/runs_panel.h"
#include "ui/runs_table_model.h"

#include <QEventLoop>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <functional>

using namespace uibench;
using irl4rec::ui::MainWindow;
using irl4rec::application::RunQueue;

namespace {

constexpr int kProbeMs = 5;

/// Lateness of a periodic 5 ms timer: each sample is (gap between two timeouts) - 5 ms, i.e. how
/// long the event loop could not serve the timer.
class Probe : public QObject {
 public:
  explicit Probe(QObject* parent = nullptr) : QObject(parent) {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(kProbeMs);
    QObject::connect(&timer_, &QTimer::timeout, this, [this] {
      const qint64 now = clock_.nsecsElapsed();
      if (last_ >= 0) blocks.push_back(std::max(0.0, double(now - last_) / 1e6 - kProbeMs));
      last_ = now;
    });
  }
  void start() {
    blocks.clear();
    last_ = -1;
    clock_.start();
    timer_.start();
  }
  void stop() { timer_.stop(); }
  double seconds() const { return double(clock_.nsecsElapsed()) / 1e9; }
  std::vector<double> blocks;

 private:
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 last_ = -1;
};

struct Row {
  QString phase;
  double seconds = 0;
  std::vector<double> blocks;
};
std::vector<Row> g_rows;

void printRow(const Row& r) {
  const int over = int(std::count_if(r.blocks.begin(), r.blocks.end(), [](double b) { return b > 50; }));
  std::printf("%-36s %7.1f s %7zu %8.2f %8.2f %8.1f %6d  %s\n", qPrintable(r.phase), r.seconds,
              r.blocks.size(), percentile(r.blocks, 0.5), percentile(r.blocks, 0.99), maxOf(r.blocks),
              over, maxOf(r.blocks) < 50 ? "ok" : "MISSED");
}
void printHeader() {
  std::printf("%-36s %9s %7s %8s %8s %8s %6s\n", "phase (UI-thread block, ms)", "wall", "ticks",
              "p50", "p99", "max", ">50ms");
}

bool waitFor(const std::function<bool()>& done, int timeoutMs) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > timeoutMs) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
  }
  return true;
}

void setSeeds(irl4rec::ui::RunConfigForm* form, const QString& seeds) {
  for (auto* e : form->findChildren<QLineEdit*>()) {
    if (e->placeholderText().contains(QLatin1String("1-5"))) e->setText(seeds);
  }
}

void setSelected(irl4rec::ui::RunsPanel* panel, qint64 runId, bool on) {
  auto* proxy = qobject_cast<QSortFilterProxyModel*>(panel->table()->model());
  const int row = panel->model()->rowOf(runId);
  if (!proxy || row < 0) return;
  const QModelIndex index = proxy->mapFromSource(panel->model()->index(row, 0));
  panel->table()->selectionModel()->select(
      index, (on ? QItemSelectionModel::Select : QItemSelectionModel::Deselect) | QItemSelectionModel::Rows);
}

/// Launches `seeds` with parallelism 2 and probes until both runs ended.
void measureTraining(TimedApp& app, MainWindow& window, const QString& dataset, int epochs, bool busy,
                     const QList<qint64>& pastRuns) {
  auto* panel = window.runsPanel();
  RunQueue* queue = window.runQueue();
  queue->setParallelism(2);
  panel->form()->setConfig(tinyConfig(epochs));
  setSeeds(panel->form(), QStringLiteral("1,2"));
  int ended = 0;
  auto conn = QObject::connect(queue, &RunQueue::runEnded, &window, [&](qint64, const irl4rec::train::RunOutcome& o) {
    ++ended;
    if (o.status != irl4rec::train::RunStatus::Finished) std::printf("  run ended: %s\n", qPrintable(o.message));
  });
  int steps = 0;
  auto stepConn = QObject::connect(queue, &RunQueue::stepsReported, &window,
                                   [&](qint64, const QVector<irl4rec::train::StepProgress>& s) { steps += s.size(); });

  std::vector<double> reloadMs, selectMs;
  QTimer reloadTimer, selectTimer;
  int selectTick = 0;
  qint64 selectedPast = 0;
  if (busy) {
    QObject::connect(&reloadTimer, &QTimer::timeout, [&] {
      QElapsedTimer t;
      t.start();
      panel->reload();
      reloadMs.push_back(ms(t));
    });
    QObject::connect(&selectTimer, &QTimer::timeout, [&] {
      QElapsedTimer t;
      t.start();
      if (selectedPast != 0) {
        setSelected(panel, selectedPast, false);
        selectedPast = 0;
      } else if (!pastRuns.isEmpty()) {
        selectedPast = pastRuns[selectTick / 2 % pastRuns.size()];
        setSelected(panel, selectedPast, true);
      }
      ++selectTick;
      selectMs.push_back(ms(t));
    });
  }

  Probe probe;
  app.stats.clear();
  app.recording = true;
  probe.start();
  if (!panel->launch()) die(QStringLiteral("launch refused: ") + panel->form()->validationMessage());
  if (busy) {
    reloadTimer.start(250);
    selectTimer.start(1000);
  }
  if (!waitFor([&] { return ended >= 2; }, 1800 * 1000)) die(QStringLiteral("runs did not end in 30 min"));
  // The runs' final reload and the last coalesced redraw happen right after the second end.
  waitFor([] { return false; }, 200);
  probe.stop();
  app.recording = false;
  reloadTimer.stop();
  selectTimer.stop();
  if (selectedPast != 0) setSelected(panel, selectedPast, false);
  QObject::disconnect(conn);
  QObject::disconnect(stepConn);

  Row row{QStringLiteral("%1, 2 runs x %2 ep, %3").arg(dataset).arg(epochs).arg(busy ? "busy" : "quiet"),
          probe.seconds(), probe.blocks};
  std::printf("\n");
  printHeader();
  printRow(row);
  g_rows.push_back(row);
  std::printf("    %d steps reported live; load average now %s\n", steps, loadAverage().constData());
  if (busy) {
    std::printf(
        "    RunsPanel::reload() call: %zu calls, median %.1f ms, max %.1f ms; %d store listings "
        "so far\n",
        reloadMs.size(), percentile(reloadMs, 0.5), maxOf(reloadMs), panel->listingsStarted());
    std::printf("    select/deselect a past run (5 x %s points): %zu calls, median %.1f ms, max %.1f ms\n",
                "full-length", selectMs.size(), percentile(selectMs, 0.5), maxOf(selectMs));
  }
  app.printStats();
}

}  // namespace

int main(int argc, char** argv) {
  QStandardPaths::setTestModeEnabled(true);  // keep the user's settings (recent datasets) alone
  TimedApp app(argc, argv);
  const QStringList args = app.arguments();
  auto intArg = [&](const char* name, int fallback) {
    const int i = int(args.indexOf(QLatin1String(name)));
    return i > 0 && i + 1 < args.size() ? args[i + 1].toInt() : fallback;
  };
  const int syntheticEpochs = intArg("--synthetic-epochs", 20);
  const int beautyEpochs = intArg("--beauty-epochs", 2);
  const int pastSteps = intArg("--past-steps", 17600);
  const int extraRuns = intArg("--extra-runs", 0);
  const bool beautyWanted = !args.contains(QStringLiteral("--no-beauty"));
  QSettings().clear();

  printMachine();
  QTemporaryDir dir;
  if (!dir.isValid()) die(QStringLiteral("no temporary directory"));
  const QString storePath = dir.filePath(QStringLiteral("runs.sqlite"));

  // Past runs with full-length curves (what a finished 200-epoch Beauty run leaves), for the
  // "select a run" part of the busy phases.
  QList<qint64> pastRuns;
  {
    QElapsedTimer t;
    t.start();
    irl4rec::store::RunStore store;
    check(store.open(storePath));
    std::mt19937 rng(7);
    for (int i = 0; i < extraRuns; ++i) writeFinishedRun(store, 5000 + i, 60, 20, rng);
    for (int i = 0; i < 3; ++i) pastRuns << writeFinishedRun(store, 1000 + i, pastSteps, 200, rng);
    std::printf("store: %d past runs x 5 loss keys x %d steps + %d short runs written in %.1f s\n",
                int(pastRuns.size()), pastSteps, extraRuns, ms(t) / 1000);
  }

  MainWindow window(storePath);
  window.resize(1400, 900);
  window.show();
  window.showTab(QStringLiteral("runs"));
  waitFor([] { return false; }, 300);

  struct Data {
    QString name;
    QString path;
    int epochs;
  };
  std::vector<Data> datasets = {
      {QStringLiteral("synthetic iid"), QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt"), syntheticEpochs}};
  const QString beauty = QStringLiteral(IRL4REC_SHARED_DIR "/datasets/amazon/Beauty.txt");
  if (!beautyWanted) {
    std::printf("Beauty: skipped (--no-beauty)\n");
  } else if (!QFileInfo::exists(beauty)) {
    std::printf("Beauty: skipped (%s not found)\n", qPrintable(beauty));
  } else {
    datasets.push_back({QStringLiteral("Beauty"), beauty, beautyEpochs});
  }

  for (const Data& d : datasets) {
    // Loading happens in the DatasetLoader thread; probe the UI thread meanwhile too.
    bool loaded = false;
    auto conn = QObject::connect(&window, &MainWindow::datasetLoaded, [&] { loaded = true; });
    Probe probe;
    app.stats.clear();
    app.recording = true;
    probe.start();
    window.openDataset(d.path);
    if (!waitFor([&] { return loaded; }, 300000)) die(QStringLiteral("dataset did not load: ") + window.lastError());
    probe.stop();
    app.recording = false;
    QObject::disconnect(conn);
    Row row{QStringLiteral("%1, loading the dataset").arg(d.name), probe.seconds(), probe.blocks};
    std::printf("\n");
    printHeader();
    printRow(row);
    g_rows.push_back(row);
    app.printStats(4);
    window.showTab(QStringLiteral("runs"));

    measureTraining(app, window, d.name, d.epochs, false, pastRuns);
    measureTraining(app, window, d.name, d.epochs, true, pastRuns);
  }

  std::printf("\n== summary (target: max block < 50 ms) ==\n");
  printHeader();
  for (const Row& r : g_rows) printRow(r);
  std::printf("load average at the end: %s\n", loadAverage().constData());
  return 0;
}
