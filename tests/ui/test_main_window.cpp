// The workbench window, offscreen: start, load the bundled sample, show its statistics,
// and turn a bad file into a message instead of a crash.
#include "ui/dataset_panel.h"
#include "ui/main_window.h"
#include "ui/run_config_form.h"
#include "ui/runs_panel.h"
#include "ui/runs_table_model.h"
#include "ui/sweep_dialog.h"
#include "ui/sweep_launcher.h"

#include "core/data/readers.h"
#include "core/store/run_store.h"
#include "core/train/sweep_spec.h"
#include "core/train/train_config.h"
#include "ui/qcustomplot_include.h"

#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

using irl4rec::ui::MainWindow;
using irl4rec::ui::RunsPanel;

namespace {

/// Clears CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER from this thread's effective set
/// while it lives, so that file permissions apply to a root test process too (threads started
/// meanwhile inherit it). Does nothing for other users, who do not have them.
class WithoutFileCapabilities {
 public:
  WithoutFileCapabilities() {
    if (syscall(SYS_capget, &header_, saved_) != 0) return;
    __user_cap_data_struct reduced[2] = {saved_[0], saved_[1]};
    reduced[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_FOWNER));
    active_ = syscall(SYS_capset, &header_, reduced) == 0;
  }
  ~WithoutFileCapabilities() {
    if (active_) syscall(SYS_capset, &header_, saved_);
  }

 private:
  __user_cap_header_struct header_{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct saved_[2] = {};
  bool active_ = false;
};

/// A sweep spec "two": one tiny Irl4Rec configuration on the synthetic sample, seeds 1 and 2
/// (1 epoch each). Returns `path`, or "" when it could not be written.
QString writeTwoRunSpec(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) return QString();
  f.write(QStringLiteral(R"({"name": "two", "datasets": "%1", "seeds": [1, 2],
      "base": {"model": "irl4rec", "hidden_size": 16, "layers": 1, "heads": 1, "max_length": 20,
               "negatives": 32, "epochs": 1, "patience": 0}})")
              .arg(QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt"))
              .toUtf8());
  return path;
}

/// A store at `path` holding one finished run `name` with a validation NDCG@10 of 0.25.
bool writeFinishedRun(const QString& path, const QString& name) {
  irl4rec::store::RunStore s;
  if (!s.open(path).ok()) return false;
  irl4rec::store::NewRun run;
  run.name = name;
  run.status = irl4rec::store::RunStatus::Running;
  auto info = s.createRun(run);
  return info.ok() &&
         s.logMetric(info.value().id, QStringLiteral("val/ndcg@10"), 1, 1, 0.25).ok() &&
         s.setStatus(info.value().id, irl4rec::store::RunStatus::Finished).ok();
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // settings and data go to a test location
    QSettings().clear();
  }

  void loadsBundledSample() {
    const QString sample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");
    QVERIFY2(QFile::exists(sample), qPrintable(sample));
    // The reference statistics come from the core reader, read here on the test thread.
    auto expected = irl4rec::data::loadDataset(sample);
    if (!expected.ok()) QFAIL(qPrintable(expected.error().message()));
    const auto stats = expected.value().stats();

    MainWindow window;
    window.show();
    QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
    window.openDataset(sample);
    QVERIFY(loaded.wait(30000));
    const auto* panel = window.datasetPanel();
    QCOMPARE(panel->statText(QStringLiteral("users")), QLocale().toString(stats.users));
    QCOMPARE(panel->statText(QStringLiteral("items")), QLocale().toString(stats.items));
    QCOMPARE(panel->statText(QStringLiteral("interactions")), QLocale().toString(stats.interactions));
    QVERIFY(stats.users > 0);
    QVERIFY(panel->lengthPlot()->plottableCount() > 0);
    QCOMPARE(window.recentDatasets().value(0), QFileInfo(sample).absoluteFilePath());
    QVERIFY(window.lastError().isEmpty());
  }

  void badFileShowsMessage() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broken.txt"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("1 5 6 7\n1 8 9 10\n");  // user 1 twice: line 2
    file.close();

    MainWindow window;
    window.show();
    QSignalSpy failed(&window, &MainWindow::datasetFailed);
    window.openDataset(path);
    QVERIFY(failed.wait(30000));
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(QStringLiteral("broken.txt")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral(":2")), qPrintable(message));  // the line
    QCOMPARE(window.lastError(), message);
    QVERIFY(window.dataset() == nullptr);
  }
  void failedListingShowsTheStoreMessage() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
    MainWindow window(path);
    RunsPanel* panel = window.runsPanel();
    QSignalSpy reloaded(panel, &RunsPanel::reloaded);
    window.show();
    QVERIFY(reloaded.count() > 0 || reloaded.wait(30000));
    QVERIFY(panel->isEnabled());
    QCOMPARE(panel->model()->rowCount(), 0);
    // The file goes away under the open window: the next listing (a new connection) fails, and
    // the user is told why, with the store's own message.
    for (const QString& suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
      QFile::remove(path + suffix);
    QSignalSpy errors(panel, &RunsPanel::errorOccurred);
    panel->reload();
    QVERIFY(errors.wait(30000));
    const QString message = errors.at(0).at(1).toString();
    QVERIFY2(message.contains(QStringLiteral("runs.sqlite")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("no run store")), qPrintable(message));
    QCOMPARE(window.lastError(), message);
    QVERIFY(!panel->isReloading());
    QCOMPARE(reloaded.count(), 1);
  }

  void unavailableStoreDisablesRunsTab() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("not-a-store.sqlite"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("this is not an SQLite file\n");
    file.close();
    MainWindow window(path);
    window.show();
    RunsPanel* panel = window.runsPanel();
    QVERIFY(!panel->isEnabled());
    panel->reload();  // nothing to list: no listing, no crash
    QVERIFY(!panel->isReloading());
    QCOMPARE(panel->listingsStarted(), 0);
    QCOMPARE(panel->model()->rowCount(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!window.lastError().isEmpty(), 30000);
  }

  // A store this process may not write opens for browsing: its runs are listed, the status bar
  // says read-only, Launch is disabled and a launch is refused with the store's message.
  void readOnlyStoreOpensForBrowsing() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ro.sqlite"));
    QVERIFY(writeFinishedRun(path, QStringLiteral("browsable")));
    QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::ReadGroup |
                                            QFileDevice::ReadOther));
    // As root, this thread (and the threads it starts) gives up the capability to write
    // anyway; restored at the end.
    WithoutFileCapabilities guard;
    const QString sample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");
    MainWindow window(path);
    RunsPanel* panel = window.runsPanel();
    QSignalSpy reloaded(panel, &RunsPanel::reloaded);
    QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
    window.show();
    QVERIFY(panel->isEnabled());
    QVERIFY(reloaded.count() > 0 || reloaded.wait(30000));
    QCOMPARE(panel->model()->rowCount(), 1);
    bool labelled = false;
    for (const QLabel* label : window.findChildren<QLabel*>())
      labelled |= label->text().contains(QStringLiteral("(read-only)"));
    QVERIFY(labelled);
    window.openDataset(sample);
    QVERIFY(loaded.wait(30000));
    QVERIFY(!panel->findChild<irl4rec::ui::RunConfigForm*>()->launchButton()->isEnabled());
    QSignalSpy errors(panel, &RunsPanel::errorOccurred);
    panel->launch();
    QCOMPARE(errors.count(), 1);
    const QString message = errors.at(0).at(1).toString();
    QVERIFY2(message.contains(QStringLiteral("ro.sqlite")) && message.contains(QStringLiteral("read-only")),
             qPrintable(message));
    // A sweep is refused the same way, before any worker starts.
    const QString spec = writeTwoRunSpec(dir.filePath(QStringLiteral("two.json")));
    const irl4rec::Status sweep = window.startSweep(spec, irl4rec::ui::SweepDialog::Target::Local, 1);
    QVERIFY(!sweep.ok());
    QVERIFY2(sweep.error().message().contains(QStringLiteral("read-only")), qPrintable(sweep.error().message()));
    QVERIFY(!window.sweepLauncher()->isRunning());
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
  }

  // File > Import runs...: a shard's run lands in the window's store and its runs table, off
  // the UI thread; importing it again adds nothing; a result file is a run too; a bad file
  // becomes a message.
  void importsRunShards() {
    QTemporaryDir dir;
    const QString shard = dir.filePath(QStringLiteral("shard.sqlite"));
    QVERIFY(writeFinishedRun(shard, QStringLiteral("from-the-cluster")));
    MainWindow window(dir.filePath(QStringLiteral("desk.sqlite")));
    window.show();
    QSignalSpy imported(&window, &MainWindow::runsImported);
    window.importRunFiles({shard});
    QVERIFY(imported.wait(30000));
    QCOMPARE(imported.last().at(0).toInt(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(window.runsPanel()->model()->rowCount(), 1, 30000);
    window.importRunFiles({shard});
    QVERIFY(imported.wait(30000));
    QCOMPARE(imported.last().at(0).toInt(), 0);
    QCOMPARE(imported.last().at(2).toInt(), 1);
    // A result file of `irl4rec train --json` (a committed one of the baselines study) too.
    window.importRunFiles({QStringLiteral(IRL4REC_SOURCE_DIR "/bench/results/xu-ce-split-s0.json")});
    QVERIFY(imported.wait(30000));
    QCOMPARE(imported.last().at(0).toInt(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(window.runsPanel()->model()->rowCount(), 2, 30000);
    const QString junk = dir.filePath(QStringLiteral("junk.sqlite"));
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a store");
    f.close();
    window.importRunFiles({junk});
    QVERIFY(imported.wait(30000));
    QCOMPARE(imported.last().at(0).toInt(), -1);
    QTRY_VERIFY_WITH_TIMEOUT(window.lastError().contains(junk), 30000);
  }

  // File > Run sweep...: the launcher trains a spec's unfinished runs in CLI worker processes;
  // a second start has nothing left to do.
  void sweepLauncherTrainsUnfinishedRuns() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
    const QString spec = writeTwoRunSpec(dir.filePath(QStringLiteral("two.json")));
    QVERIFY(!spec.isEmpty());
    irl4rec::ui::SweepLauncher launcher(db, QStringLiteral(IRL4REC_CLI_PATH));
    auto preview = launcher.preview(spec);
    QVERIFY2(preview.ok(), qPrintable(preview.ok() ? QString() : preview.error().message()));
    QCOMPARE(preview.value().runs, 2);
    QCOMPARE(preview.value().toTrain, 2);
    QSignalSpy finished(&launcher, &irl4rec::ui::SweepLauncher::finished);
    QSignalSpy progress(&launcher, &irl4rec::ui::SweepLauncher::progress);
    QVERIFY(launcher.start(spec, 2).ok());
    QVERIFY(launcher.isRunning());
    QVERIFY(finished.wait(240000));
    QCOMPARE(finished.last().at(0).toInt(), 2);
    QCOMPARE(finished.last().at(1).toInt(), 0);
    QVERIFY(progress.last().at(0).toString().contains(QLatin1String("2 of 2 done")));
    QCOMPARE(launcher.preview(spec).value().toTrain, 0);
  }

  // File > New sweep...: the dialog turns axes, seeds and the search into a spec, shows the plan
  // as it is edited (or the first problem), and writes a spec the CLI's planner reads back with
  // the same runs.
  void sweepDialogWritesThePlannedSpec() {
    QTemporaryDir dir;
    irl4rec::train::TrainConfig base;
    base.model = irl4rec::train::ModelKind::Irl4Rec;
    base.hiddenSize = 16;
    base.layers = 1;
    base.heads = 1;
    base.epochs = 1;
    base.seed = 99;
    const QString sample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");
    using Dialog = irl4rec::ui::SweepDialog;
    Dialog dialog(base.toJson(), sample, dir.filePath(QStringLiteral("sweeps")));
    dialog.setName(QStringLiteral("weights"));
    dialog.setSeeds(QStringLiteral("1-2"));
    QCOMPARE(dialog.plannedRuns(), 2);  // no axis yet: the base over two seeds
    dialog.addAxis(QStringLiteral("beta"), Dialog::AxisKind::Values, QStringLiteral("0, 0.01"));
    dialog.addAxis(QStringLiteral("gamma"), Dialog::AxisKind::LogUniform, QStringLiteral("0.01, 1"), 3);
    QCOMPARE(dialog.plannedRuns(), 12);
    QVERIFY2(dialog.planText().startsWith(QStringLiteral("12 run(s): 6 configuration(s) × 2 seed(s)")),
             qPrintable(dialog.planText()));
    // Problems are named and nothing can be started.
    dialog.setSeeds(QStringLiteral("one"));
    QCOMPARE(dialog.plannedRuns(), 0);
    QVERIFY2(dialog.planText().contains(QStringLiteral("seeds: 'one'")), qPrintable(dialog.planText()));
    dialog.setSeeds(QStringLiteral("1, 2"));
    dialog.addAxis(QStringLiteral("beta"), Dialog::AxisKind::Values, QStringLiteral("1"));
    QVERIFY2(dialog.planText().contains(QStringLiteral("axis 3: 'beta' is already an axis")), qPrintable(dialog.planText()));
    dialog.clearAxes();
    dialog.addAxis(QStringLiteral("heads"), Dialog::AxisKind::Values, QStringLiteral("1, 3"));
    QCOMPARE(dialog.plannedRuns(), 0);  // 3 heads do not divide hidden size 16: the planner says so
    QVERIFY2(dialog.planText().contains(QStringLiteral("head")), qPrintable(dialog.planText()));
    dialog.clearAxes();
    dialog.addAxis(QStringLiteral("lr"), Dialog::AxisKind::Uniform, QStringLiteral("0.001"));
    QVERIFY2(dialog.planText().contains(QStringLiteral("two numbers")), qPrintable(dialog.planText()));
    dialog.clearAxes();
    dialog.addAxis(QStringLiteral("beta"), Dialog::AxisKind::Values, QStringLiteral("0, 0.01"));
    dialog.addAxis(QStringLiteral("gamma"), Dialog::AxisKind::LogUniform, QStringLiteral("0.01, 1"), 3);
    dialog.setRandomSearch(true, 5);
    QCOMPARE(dialog.plannedRuns(), 10);
    dialog.setSelectMetric(QStringLiteral("val/hr@10"));
    dialog.setTestData(dir.filePath(QStringLiteral("missing.txt")));
    QCOMPARE(dialog.plannedRuns(), 0);
    QVERIFY2(dialog.planText().contains(QStringLiteral("no such file")), qPrintable(dialog.planText()));
    const QString shifted = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/shifted.txt");
    dialog.setTestData(shifted);
    QCOMPARE(dialog.plannedRuns(), 10);
    // Written, the spec plans the same runs for the CLI.
    auto written = dialog.writeSpec();
    QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().message()));
    QCOMPARE(written.value(), dir.filePath(QStringLiteral("sweeps/weights.json")));
    auto spec = irl4rec::train::SweepSpec::read(written.value());
    QVERIFY2(spec.ok(), qPrintable(spec.ok() ? QString() : spec.error().message()));
    QCOMPARE(spec.value().selectMetric, QStringLiteral("val/hr@10"));
    auto plan = irl4rec::train::planSweep(spec.value());
    QVERIFY(plan.ok());
    QCOMPARE(int(plan.value().runs.size()), 10);
    QCOMPARE(plan.value().name, QStringLiteral("weights"));
    for (const irl4rec::train::PlannedRun& r : plan.value().runs) {
      QCOMPARE(r.config.hiddenSize, 16);
      QVERIFY(r.config.seed == 1 || r.config.seed == 2);  // the base's seed 99 is not used
      QCOMPARE(r.dataPath, sample);
      QCOMPARE(r.testDataPath, shifted);
    }
    // No dataset: nothing to plan.
    Dialog none(base.toJson(), QString(), dir.path());
    QCOMPARE(none.plannedRuns(), 0);
    QVERIFY(none.planText().contains(QStringLiteral("open a dataset")));
  }

  // A sweep started from the window: its progress in the Runs tab, its end there too; a SLURM
  // submission that cannot reach a cluster ends in one message instead of a silent nothing.
  void sweepProgressShowsInTheRunsTab() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
    const QString spec = writeTwoRunSpec(dir.filePath(QStringLiteral("two.json")));
    QVERIFY(!spec.isEmpty());
    MainWindow window(db);
    window.show();
    window.sweepLauncher()->setProgram(QStringLiteral(IRL4REC_CLI_PATH));  // not beside the test
    QSignalSpy finished(window.sweepLauncher(), &irl4rec::ui::SweepLauncher::finished);
    QSignalSpy progressed(window.sweepLauncher(), &irl4rec::ui::SweepLauncher::progressed);
    QVERIFY(window.startSweep(spec, irl4rec::ui::SweepDialog::Target::Local, 2).ok());
    QVERIFY(window.runsPanel()->sweepProgressText().startsWith(QStringLiteral("Sweep two: 0 of 2 done")));
    QVERIFY(finished.wait(240000));
    QCOMPARE(progressed.last().at(1).toInt(), 2);  // done
    QCOMPARE(progressed.last().at(4).toInt(), 2);  // total
    QVERIFY2(window.runsPanel()->sweepProgressText().startsWith(QStringLiteral("Sweep ended: 2 run(s) done, 0 failed")),
             qPrintable(window.runsPanel()->sweepProgressText()));
    // "Show its runs" filters the table by the sweep's tag.
    window.runsPanel()->filterEdit()->setText(irl4rec::train::sweepTag(QStringLiteral("two")));
    QTRY_COMPARE_WITH_TIMEOUT(window.runsPanel()->table()->model()->rowCount(), 2, 30000);

    QSignalSpy submitted(window.sweepLauncher(), &irl4rec::ui::SweepLauncher::submitted);
    irl4rec::ui::SweepDialog::Slurm slurm;
    slurm.partition = QStringLiteral("nowhere");
    slurm.sharedDir = dir.filePath(QStringLiteral("shared"));
    QVERIFY(window.startSweep(spec, irl4rec::ui::SweepDialog::Target::Slurm, 1, slurm).ok());
    QVERIFY(submitted.wait(120000));
    // Every run is finished: there is nothing to submit, which the CLI says; otherwise (no
    // cluster here) sbatch's refusal or its absence is the message.
    const bool ok = submitted.last().at(0).toBool();
    const QString output = submitted.last().at(1).toString();
    QVERIFY2(!output.isEmpty(), "the CLI's words are shown");
    if (!ok) QTRY_VERIFY_WITH_TIMEOUT(!window.lastError().isEmpty(), 30000);
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
