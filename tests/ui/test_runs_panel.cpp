// The Runs tab, offscreen, with real training on the bundled synthetic sample and a real
// SQLite store in a temporary directory.
#include "core/data/readers.h"
#include "core/store/run_store.h"
#include "core/train/recorded_run.h"
#include "ui/main_window.h"
#include "ui/metric_plot.h"
#include "ui/run_config_form.h"
#include "ui/run_queue.h"
#include "ui/runs_panel.h"
#include "ui/runs_table_model.h"

#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using irl4rec::store::RunStatus;
using irl4rec::ui::MainWindow;
using irl4rec::ui::RunQueue;
using irl4rec::ui::RunsTableModel;

namespace {

const QString kSample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");

/// A configuration that trains in a second or two on the sample.
irl4rec::train::TrainConfig tinyConfig(int epochs) {
  irl4rec::train::TrainConfig c;
  c.model = irl4rec::train::ModelKind::Irl4Rec;
  c.encoder = irl4rec::train::EncoderKind::SasRec;
  c.loss = irl4rec::train::LossKind::SampledCe;
  c.negatives = 32;
  c.alpha = 0.1;
  c.beta = 0.01;
  c.gamma = 0.1;
  c.hiddenSize = 16;
  c.layers = 1;
  c.heads = 1;
  c.maxLength = 20;
  c.batchSize = 256;
  c.epochs = epochs;
  c.patience = 0;
  c.threads = 1;
  return c;
}

QString statusOf(const RunsTableModel* model, qint64 runId) {
  const int row = model->rowOf(runId);
  return row < 0 ? QString() : model->index(row, 0).data(int(RunsTableModel::Role::StatusName)).toString();
}

}  // namespace

class TestRunsPanel : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;
  QString storePath() const { return dir_.filePath(QStringLiteral("runs.sqlite")); }

  std::unique_ptr<MainWindow> openWindow() {
    auto window = std::make_unique<MainWindow>(storePath());
    window->show();
    QSignalSpy loaded(window.get(), &MainWindow::datasetLoaded);
    window->openDataset(kSample);
    if (!loaded.wait(30000)) return nullptr;
    return window;
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    QVERIFY(dir_.isValid());
    QVERIFY2(QFile::exists(kSample), qPrintable(kSample));
  }

  void formExplainsInvalidCombinations_data() {
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("expected");
    QTest::newRow("baseline with weights") << "baseline-alpha" << "baseline ignores";
    QTest::newRow("no confounder with gamma") << "no-confounder-gamma" << "confounder";
    QTest::newRow("bad seeds") << "seeds" << "Seeds";
    QTest::newRow("heads do not divide") << "heads" << "head";
  }

  void formExplainsInvalidCombinations() {
    QFETCH(QString, edit);
    QFETCH(QString, expected);
    irl4rec::ui::RunConfigForm form;
    irl4rec::train::TrainConfig c = tinyConfig(1);
    QVERIFY2(form.validationMessage().isEmpty(), qPrintable(form.validationMessage()));
    if (edit == QLatin1String("baseline-alpha")) {
      c.model = irl4rec::train::ModelKind::Baseline;
      c.alpha = 0.5;
    } else if (edit == QLatin1String("no-confounder-gamma")) {
      c.useConfounder = false;
      c.alpha = 0;
      c.gamma = 0.3;
    } else if (edit == QLatin1String("heads")) {
      c.hiddenSize = 10;
      c.heads = 3;
    }
    form.setConfig(c);
    if (edit == QLatin1String("seeds")) {
      // The seeds field is the line edit with the range hint.
      for (auto* e : form.findChildren<QLineEdit*>()) {
        if (e->placeholderText().contains(QLatin1String("1-5"))) e->setText(QStringLiteral("1-x"));
      }
    }
    const QString message = form.validationMessage();
    QVERIFY2(message.contains(expected, Qt::CaseInsensitive), qPrintable(message));
    QVERIFY(!form.launchButton()->isEnabled());
  }

  void launchesTinyRunUntilFinished() {
    auto window = openWindow();
    QVERIFY(window);
    auto* panel = window->runsPanel();
    panel->form()->setConfig(tinyConfig(2));
    QSignalSpy ended(window->runQueue(), &RunQueue::runEnded);
    QSignalSpy steps(window->runQueue(), &RunQueue::stepsReported);
    QVERIFY(panel->launch());
    QCOMPARE(panel->model()->rowCount(), 1);
    QVERIFY(ended.wait(180000));
    const qint64 runId = ended.at(0).at(0).toLongLong();
    const auto outcome = ended.at(0).at(1).value<irl4rec::train::RunOutcome>();
    QVERIFY2(outcome.status == irl4rec::train::RunStatus::Finished, qPrintable(outcome.message));
    QVERIFY(steps.count() > 0);
    QCOMPARE(statusOf(panel->model(), runId), QStringLiteral("finished"));
    // The launched run was selected, so its curves were drawn live.
    const QString run = QString::number(runId);
    QVERIFY(panel->lossPlot()->pointCount(run, QStringLiteral("L_rec(t)")) > 0);
    QVERIFY(panel->lossPlot()->pointCount(run, QStringLiteral("γ·D")) > 0);
    QCOMPARE(panel->metricPlot()->pointCount(run, QStringLiteral("val NDCG@10")), 2);
    // And the store has what the table shows.
    auto info = window->store()->run(runId);
    QVERIFY(info.ok());
    QVERIFY(info.value().status == RunStatus::Finished);
    auto test = window->store()->metrics(runId, QStringLiteral("test/ndcg@10"));
    QVERIFY(test.ok());
    QCOMPARE(int(test.value().size()), 1);
    auto kinds = window->store()->embeddingKinds(runId);
    QVERIFY(kinds.ok());
    QVERIFY(kinds.value().size() >= 3);  // adjustment, spurious, item
  }

  void cancelsMidRun() {
    auto window = openWindow();
    QVERIFY(window);
    auto* panel = window->runsPanel();
    panel->form()->setConfig(tinyConfig(500));
    QSignalSpy ended(window->runQueue(), &RunQueue::runEnded);
    QSignalSpy steps(window->runQueue(), &RunQueue::stepsReported);
    QVERIFY(panel->launch());
    QVERIFY(steps.wait(60000));
    const qint64 runId = steps.at(0).at(0).toLongLong();
    window->runQueue()->cancel(runId);
    QVERIFY(ended.wait(60000));
    const auto outcome = ended.at(0).at(1).value<irl4rec::train::RunOutcome>();
    QVERIFY(outcome.status == irl4rec::train::RunStatus::Cancelled);
    QCOMPARE(statusOf(panel->model(), runId), QStringLiteral("cancelled"));
    QVERIFY(outcome.epochsRun < 500);
  }

  void queueRunsInOrderWithParallelismOne() {
    auto window = openWindow();
    QVERIFY(window);
    RunQueue* queue = window->runQueue();
    queue->setParallelism(1);
    QList<qint64> started;
    int maxRunning = 0;
    connect(queue, &RunQueue::runStarted, this, [&](qint64 id) {
      started << id;
      maxRunning = std::max(maxRunning, int(queue->running().size()));
    });
    QSignalSpy ended(queue, &RunQueue::runEnded);
    auto ids = queue->enqueue(window->dataset(), tinyConfig(1), {3, 4, 5}, QStringLiteral("order"));
    QVERIFY(ids.ok());
    QCOMPARE(ids.value().size(), 3);
    QCOMPARE(queue->running().size(), 1);
    QCOMPARE(queue->queued().size(), 2);
    while (ended.count() < 3) QVERIFY(ended.wait(180000));
    QCOMPARE(started, ids.value());
    QCOMPARE(maxRunning, 1);
    for (int i = 0; i < 3; ++i) QCOMPARE(ended.at(i).at(0).toLongLong(), ids.value()[i]);
    // Seeds differ, so they form one group.
    window->runsPanel()->reload();
    const auto* model = window->runsPanel()->model();
    const QString group = model->index(model->rowOf(ids.value()[0]), 0).data(int(RunsTableModel::Role::GroupHash)).toString();
    QVERIFY(!group.isEmpty());
    for (qint64 id : ids.value()) {
      QCOMPARE(model->index(model->rowOf(id), 0).data(int(RunsTableModel::Role::GroupHash)).toString(), group);
    }
  }

  void reopenShowsPastRunsAndInterruptedOnes() {
    // A CLI run killed mid-training (the store sees its process gone) plus the finished runs
    // of the tests above: reopening the window shows both, with curves for the finished one.
    // First a short CLI run that finishes.
    QProcess done;
    done.start(QStringLiteral(IRL4REC_CLI_PATH),
               {QStringLiteral("train"), QStringLiteral("--data"), kSample, QStringLiteral("--db"), storePath(),
                QStringLiteral("--hidden"), QStringLiteral("16"), QStringLiteral("--epochs"),
                QStringLiteral("1"), QStringLiteral("--quiet"), QStringLiteral("--name"), QStringLiteral("done")});
    QVERIFY(done.waitForFinished(300000));
    QCOMPARE(done.exitCode(), 0);

    QProcess cli;
    cli.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    cli.start(QStringLiteral(IRL4REC_CLI_PATH),
              {QStringLiteral("train"), QStringLiteral("--data"), kSample, QStringLiteral("--db"), storePath(),
               QStringLiteral("--model"), QStringLiteral("baseline"), QStringLiteral("--hidden"),
               QStringLiteral("16"), QStringLiteral("--epochs"), QStringLiteral("1000"),
               QStringLiteral("--patience"), QStringLiteral("0"), QStringLiteral("--quiet"),
               QStringLiteral("--name"), QStringLiteral("killed")});
    QVERIFY(cli.waitForStarted());
    // Wait until the run is training and has logged metrics, then kill -9.
    // One reader connection polling, as the GUI has.
    qint64 killedId = 0;
    irl4rec::store::RunStore reader;
    QVERIFY(reader.open(storePath()).ok());
    for (int i = 0; i < 240 && killedId == 0; ++i) {
      QTest::qWait(500);
      auto runs = reader.listRuns();
      QVERIFY2(runs.ok(), qPrintable(runs.ok() ? QString() : runs.error().message()));
      for (const auto& e : runs.value()) {
        if (e.run.name == QLatin1String("killed") && e.run.status == RunStatus::Running && !e.metrics.empty()) {
          killedId = e.run.id;
        }
      }
    }
    QVERIFY2(killedId != 0, "the CLI run never started writing metrics");
    cli.kill();
    QVERIFY(cli.waitForFinished());

    auto window = std::make_unique<MainWindow>(storePath());
    window->show();
    const auto* model = window->runsPanel()->model();
    QCOMPARE(statusOf(model, killedId), QStringLiteral("interrupted"));
    int finished = 0;
    qint64 finishedId = 0;
    for (int row = 0; row < model->rowCount(); ++row) {
      if (model->index(row, 0).data(int(RunsTableModel::Role::StatusName)).toString() == QLatin1String("finished")) {
        ++finished;
        finishedId = model->runIdAt(row);
      }
    }
    QVERIFY(finished >= 1);
    window->runsPanel()->selectRun(finishedId);
    QTRY_VERIFY_WITH_TIMEOUT(window->runsPanel()->lossPlot()->pointCount(QString::number(finishedId), QStringLiteral("total")) > 0, 30000);
    window->runsPanel()->selectRun(killedId);
    QTRY_VERIFY_WITH_TIMEOUT(window->runsPanel()->lossPlot()->pointCount(QString::number(killedId), QStringLiteral("total")) > 0, 30000);
  }
};

QTEST_MAIN(TestRunsPanel)
#include "test_runs_panel.moc"
