// The Runs tab, offscreen, with real training on the bundled synthetic sample and a real
// SQLite store in a temporary directory.
#include "tests/support/tiny_config.h"
#include "core/data/readers.h"
#include "core/store/run_store.h"
#include "core/train/config_fields.h"
#include "core/train/memory_estimate.h"
#include "core/train/recorded_run.h"
#include "ui/main_window.h"
#include "ui/metric_plot.h"
#include "ui/run_config_form.h"
#include "core/application/run_queue.h"
#include "ui/runs_panel.h"
#include "ui/runs_table_model.h"

#include <QCheckBox>
#include <QComboBox>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>

#include <QFileInfo>
#include <QLabel>
#include <QApplication>
#include <QMessageBox>
#include <QTimer>
#include <QToolButton>
#include <QtTest>

using irl4rec::store::RunStatus;
using irl4rec::ui::MainWindow;
using irl4rec::application::RunQueue;
using irl4rec::ui::RunsPanel;
using irl4rec::ui::RunsTableModel;

namespace {

const QString kSample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");

using irl4rec::testing::tinyConfig;

/// Waits for the listing reload() asked for to be in the table.
bool waitReloaded(RunsPanel* panel, QSignalSpy& spy) { return spy.count() > 0 || spy.wait(30000); }

/// Run ids of the selected rows, sorted.
QList<qint64> sortedSelection(const RunsPanel* panel) {
  QList<qint64> ids = panel->selectedRuns();
  std::sort(ids.begin(), ids.end());
  return ids;
}

qint64 topRunId(const RunsPanel* panel) {
  return panel->table()->indexAt(QPoint(2, 2)).data(int(RunsTableModel::Role::RunId)).toLongLong();
}

QString statusOf(const RunsTableModel* model, qint64 runId) {
  const int row = model->rowOf(runId);
  return row < 0 ? QString() : model->index(row, 0).data(int(RunsTableModel::Role::StatusName)).toString();
}

/// The Runs tab's tool button with this text (Re-run, Delete, ...), or null.
QToolButton* toolButtonOf(RunsPanel* panel, const QString& text) {
  for (auto* b : panel->findChildren<QToolButton*>())
    if (b->text() == text) return b;
  return nullptr;
}

/// RunQueue::enqueue, waiting until its runs are in the store (it writes them off the calling
/// thread): their ids, empty when the store refused.
QList<qint64> enqueueAndWait(RunQueue* queue, std::shared_ptr<const irl4rec::data::Dataset> dataset,
                             const irl4rec::train::TrainConfig& config, const QList<quint64>& seeds,
                             const QString& name) {
  std::optional<QList<qint64>> ids;
  queue->enqueue(std::move(dataset), config, seeds, name, {},
                 [&ids](const irl4rec::Expected<std::vector<irl4rec::store::RunInfo>>& created) {
                   QList<qint64> out;
                   if (created.ok())
                     for (const auto& r : created.value()) out << r.id;
                   ids = out;
                 });
  QTest::qWaitFor([&] { return ids.has_value(); }, 30000);
  return ids.value_or(QList<qint64>());
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

  void formIsMadeFromTheFieldTable() {
    // Every setting with a section of the field table (core/train/config_fields.h) has its
    // widget, named by its key, with the table's help; a value set away from its default
    // survives setConfig -> config(); and the table's `applies` greys settings out.
    using irl4rec::train::ConfigField;
    irl4rec::ui::RunConfigForm form;
    int shown = 0;
    for (const ConfigField& f : irl4rec::train::configFields()) {
      if (f.section == ConfigField::Section::Hidden) {
        QVERIFY2(!form.findChild<QWidget*>(f.key), qPrintable(f.key));
        continue;
      }
      if (f.key == QLatin1String("split_batches")) continue;  // the batching box shows it
      auto* w = form.findChild<QWidget*>(f.key);
      QVERIFY2(w, qPrintable(f.key));
      QCOMPARE(w->toolTip(), f.help);
      ++shown;
      if (f.widget == ConfigField::Widget::Custom) continue;  // batching and seeds: own tests
      irl4rec::train::TrainConfig c = tinyConfig(1);
      const QJsonValue d = f.get(c);
      QJsonValue other;
      switch (f.type) {
        case ConfigField::Type::Integer: other = d.toInt() + 3; break;
        case ConfigField::Type::Real: other = d.toDouble() + 0.25; break;  // 2 decimals hold it
        case ConfigField::Type::Boolean: other = !d.toBool(); break;
        case ConfigField::Type::Choice: other = f.choices.value(f.choices.indexOf(d.toString()) == 0 ? 1 : 0); break;
        default: QFAIL(qPrintable(f.key));
      }
      QVERIFY(f.set(c, other).isEmpty());
      form.setConfig(c);
      QVERIFY2(f.get(form.config()) == other, qPrintable(f.key));
    }
    QCOMPARE(shown, 29);  // the form of session 13 (negative pool), widget for widget
    irl4rec::train::TrainConfig c = tinyConfig(1);
    // The negative pool is a BCE/BPR setting: greyed out for the other losses.
    c.loss = irl4rec::train::LossKind::Ce;
    form.setConfig(c);
    QVERIFY(!form.findChild<QWidget*>(QStringLiteral("negative_pool"))->isEnabled());
    c.loss = irl4rec::train::LossKind::Bce;
    form.setConfig(c);
    QVERIFY(form.findChild<QWidget*>(QStringLiteral("negative_pool"))->isEnabled());
    c.model = irl4rec::train::ModelKind::Baseline;
    c.alpha = c.beta = c.gamma = 0;
    form.setConfig(c);
    QVERIFY(!form.findChild<QWidget*>(QStringLiteral("alpha"))->isEnabled());
    QVERIFY(!form.findChild<QWidget*>(QStringLiteral("use_confounder"))->isEnabled());
    c.model = irl4rec::train::ModelKind::Irl4Rec;
    form.setConfig(c);
    QVERIFY(form.findChild<QWidget*>(QStringLiteral("alpha"))->isEnabled());
    c.encoder = irl4rec::train::EncoderKind::Gru4Rec;
    form.setConfig(c);
    QVERIFY(!form.findChild<QWidget*>(QStringLiteral("heads"))->isEnabled());
    QVERIFY(!form.findChild<QWidget*>(QStringLiteral("mask_ratio"))->isEnabled());
  }

  void formKeepsTheBatching_data() {
    QTest::addColumn<int>("batching");  // 0 length, 1 random
    QTest::addColumn<bool>("split");
    QTest::newRow("similar lengths") << 0 << false;
    QTest::newRow("random users") << 1 << false;
    QTest::newRow("random users, computed by length") << 1 << true;
    QTest::newRow("similar lengths, split (from a file)") << 0 << true;
  }

  void formKeepsTheBatching() {
    // What a recipe or a stored run says about batches survives the form, and the combo box
    // changes it.
    QFETCH(int, batching);
    QFETCH(bool, split);
    irl4rec::ui::RunConfigForm form;
    irl4rec::train::TrainConfig c = tinyConfig(1);
    c.batching = batching ? irl4rec::train::BatchingKind::Random : irl4rec::train::BatchingKind::Length;
    c.splitBatches = split;
    form.setConfig(c);
    QVERIFY(form.config().batching == c.batching);
    QCOMPARE(form.config().splitBatches, c.splitBatches);
    QComboBox* box = nullptr;
    for (auto* b : form.findChildren<QComboBox*>())
      if (b->count() == 3 && b->itemText(1) == QLatin1String("random users")) box = b;
    QVERIFY(box);
    box->setCurrentIndex(2);
    QVERIFY(form.config().batching == irl4rec::train::BatchingKind::Random);
    QVERIFY(form.config().splitBatches);
    box->setCurrentIndex(1);
    QVERIFY(!form.config().splitBatches);
    box->setCurrentIndex(0);
    QVERIFY(form.config().batching == irl4rec::train::BatchingKind::Length);
  }

  void refitIsShownAndMarked() {
    // The refit protocol: the form shows and keeps it (and greys out the validation settings);
    // the runs table marks a refit run's numbers.
    irl4rec::ui::RunConfigForm form;
    irl4rec::train::TrainConfig c = tinyConfig(1);
    c.refit = true;
    form.setConfig(c);
    auto* box = form.findChild<QCheckBox*>(QStringLiteral("refit"));
    QVERIFY(box);
    QVERIFY(box->isChecked());
    QVERIFY(form.config().refit);
    QVERIFY(form.validationMessage().isEmpty());
    auto disabled = [&] {
      int n = 0;
      for (auto* s : form.findChildren<QSpinBox*>()) n += s->isEnabled() ? 0 : 1;
      return n;
    };
    const int withRefit = disabled();
    box->setChecked(false);
    QVERIFY(!form.config().refit);
    QCOMPARE(withRefit - disabled(), 2);  // validate every, patience

    RunsTableModel model;
    irl4rec::store::RunListEntry refit, normal;
    refit.run.id = 1;
    refit.run.config = c.toJson();
    normal.run.id = 2;
    normal.run.config = tinyConfig(1).toJson();
    for (auto* e : {&refit, &normal}) {
      e->run.status = RunStatus::Finished;
      irl4rec::store::MetricSummary m;
      m.key = QStringLiteral("test/hr@10");
      m.count = 1;
      m.lastValue = m.bestValue = 0.0712;
      e->metrics.push_back(m);
    }
    model.setRuns({refit, normal});
    auto text = [&](int row, RunsTableModel::Column col) {
      return model.index(row, int(col)).data().toString();
    };
    QCOMPARE(text(0, RunsTableModel::Column::TestHr10), QStringLiteral("0.0712 (refit)"));
    QCOMPARE(text(0, RunsTableModel::Column::ValNdcg10), QStringLiteral("refit"));
    QCOMPARE(text(1, RunsTableModel::Column::TestHr10), QStringLiteral("0.0712"));
    QVERIFY(model.index(0, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("refit protocol")));
    QVERIFY(!model.index(1, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("refit")));
  }

  void launchesTinyRunUntilFinished() {
    auto window = openWindow();
    QVERIFY(window);
    auto* panel = window->runsPanel();
    panel->form()->setConfig(tinyConfig(2));
    QSignalSpy ended(window->runQueue(), &RunQueue::runEnded);
    QSignalSpy steps(window->runQueue(), &RunQueue::stepsReported);
    QSignalSpy queued(panel, &RunsPanel::runsQueued);
    QVERIFY(panel->launch());
    QVERIFY(queued.count() == 1 || queued.wait(30000));  // the store write is off the UI thread
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

  // A queued run cancelled before it starts leaves the queue at once; its status is written off
  // the UI thread and runEnded follows the write (so a listing after it shows "cancelled").
  void cancelsAQueuedRun() {
    auto window = openWindow();
    QVERIFY(window);
    auto* queue = window->runQueue();
    queue->setParallelism(1);
    QSignalSpy ended(queue, &RunQueue::runEnded);
    QSignalSpy started(queue, &RunQueue::runStarted);
    const QList<qint64> ids = enqueueAndWait(queue, window->dataset(), tinyConfig(500), {1, 2}, QStringLiteral("queued"));
    QCOMPARE(ids.size(), 2);
    const qint64 running = ids[0], waiting = ids[1];
    QVERIFY(queue->isQueued(waiting));
    queue->cancel(waiting);
    QVERIFY(!queue->isQueued(waiting));  // at once
    QTRY_VERIFY_WITH_TIMEOUT(!ended.isEmpty(), 60000);
    QCOMPARE(ended.at(0).at(0).toLongLong(), waiting);
    const auto outcome = ended.at(0).at(1).value<irl4rec::train::RunOutcome>();
    QVERIFY(outcome.status == irl4rec::train::RunStatus::Cancelled);
    QCOMPARE(outcome.message, QStringLiteral("cancelled before it started"));
    auto stored = window->store()->run(waiting);
    QVERIFY(stored.ok());
    QCOMPARE(irl4rec::store::toString(stored.value().status), QStringLiteral("cancelled"));
    for (const QList<QVariant>& s : started) QVERIFY(s.at(0).toLongLong() != waiting);
    queue->cancel(running);
    QTRY_COMPARE_WITH_TIMEOUT(ended.size(), 2, 120000);
  }

  void rerunOfACancelledRunContinuesFromItsLastEpoch() {
    // Every workbench run keeps a training state; Re-run on a run that did not finish hands
    // that state to the new run, which replays the finished epochs and trains only the rest.
    auto window = openWindow();
    QVERIFY(window);
    auto* panel = window->runsPanel();
    auto* queue = window->runQueue();
    panel->form()->setConfig(tinyConfig(12));
    QSignalSpy ended(queue, &RunQueue::runEnded);
    QSignalSpy epochs(queue, &RunQueue::epochReported);
    QVERIFY(panel->launch());
    QVERIFY(epochs.wait(120000));
    const qint64 first = epochs.at(0).at(0).toLongLong();
    queue->cancel(first);
    QVERIFY(ended.wait(60000));
    const auto stopped = ended.at(0).at(1).value<irl4rec::train::RunOutcome>();
    QVERIFY2(stopped.status == irl4rec::train::RunStatus::Cancelled, qPrintable(stopped.message));
    QVERIFY(stopped.epochsRun >= 1 && stopped.epochsRun < 12);
    const QString state = irl4rec::train::RecordedRun::statePathFor(storePath(), first);
    QVERIFY(QFileInfo::exists(state));

    panel->selectRun(first);
    QToolButton* rerun = toolButtonOf(panel, QStringLiteral("Re-run"));
    QVERIFY(rerun && rerun->isEnabled());
    ended.clear();
    epochs.clear();
    rerun->click();
    QVERIFY(ended.wait(180000));
    const qint64 second = ended.at(0).at(0).toLongLong();
    QVERIFY(second != first);
    const auto outcome = ended.at(0).at(1).value<irl4rec::train::RunOutcome>();
    QVERIFY2(outcome.status == irl4rec::train::RunStatus::Finished, qPrintable(outcome.message));
    QCOMPARE(outcome.epochsRun, 12);
    int replayed = 0, trained = 0;
    for (const auto& signal : epochs) {
      if (signal.at(0).toLongLong() != second) continue;
      const auto p = signal.at(1).value<irl4rec::train::EpochProgress>();
      (p.resumed ? replayed : trained) += 1;
      QCOMPARE(p.resumed, p.epoch <= stopped.epochsRun);
    }
    QCOMPARE(replayed, stopped.epochsRun);
    QCOMPARE(trained, 12 - stopped.epochsRun);
    QVERIFY(!QFileInfo::exists(state));  // handed over, then removed when the run finished
    QVERIFY(!QFileInfo::exists(irl4rec::train::RecordedRun::statePathFor(storePath(), second)));
  }

  void deleteRemovesRunsWithTheirFiles() {
    // Delete (confirmed) removes the selected runs from the store with their checkpoint files,
    // off the UI thread, and the table follows; a running run is left alone.
    auto window = openWindow();
    QVERIFY(window);
    auto* panel = window->runsPanel();
    auto* queue = window->runQueue();
    panel->form()->setConfig(tinyConfig(1));
    QSignalSpy ended(queue, &RunQueue::runEnded);
    QVERIFY(panel->launch());
    QVERIFY(ended.wait(180000));
    const qint64 runId = ended.at(0).at(0).toLongLong();
    auto checkpoints = window->store()->checkpoints(runId);
    QVERIFY(checkpoints.ok() && !checkpoints.value().empty());
    const QString checkpoint = checkpoints.value().front().path;
    QVERIFY(QFileInfo::exists(checkpoint));
    panel->selectRun(runId);
    QCOMPARE(panel->selectedRuns(), QList<qint64>{runId});
    QToolButton* remove = toolButtonOf(panel, QStringLiteral("Delete"));
    QVERIFY(remove && remove->isEnabled());
    QSignalSpy reloaded(panel, &RunsPanel::reloaded);
    QTimer::singleShot(0, [] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (box) box->button(QMessageBox::Yes)->click();
    });
    remove->click();
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->rowOf(runId) < 0, 30000);
    QVERIFY(!window->store()->run(runId).ok());
    QVERIFY(!QFileInfo::exists(checkpoint));
  }

  void renameAndTagWriteOffTheUiThread() {
    // Rename and Tag write the store on a worker (the store may be busy with a training run's
    // transaction); the table follows with the next listing.
    auto window = openWindow();
    QVERIFY(window);
    auto* panel = window->runsPanel();
    auto created = window->store()->createRun(irl4rec::store::NewRun{
        QStringLiteral("before"), tinyConfig(1).toJson(), 0, RunStatus::Queued, {}, {}});
    QVERIFY(created.ok());
    const qint64 id = created.value().id;
    QVERIFY(window->store()->setStatus(id, RunStatus::Cancelled).ok());
    QSignalSpy reloaded(panel, &RunsPanel::reloaded);
    panel->reload();
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->rowOf(id) >= 0, 30000);
    panel->table()->clearSelection();  // the first listing selects the newest run of the store
    panel->selectRun(id);
    QCOMPARE(panel->selectedRuns(), QList<qint64>{id});
    auto answer = [](const QString& text) {
      QTimer::singleShot(0, [text] {
        auto* dialog = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
        if (!dialog) return;
        dialog->setTextValue(text);
        dialog->accept();
      });
    };
    answer(QStringLiteral("after"));
    toolButtonOf(panel, QStringLiteral("Rename"))->click();
    QTRY_COMPARE_WITH_TIMEOUT(panel->model()->entry(id) ? panel->model()->entry(id)->run.name : QString(),
                              QStringLiteral("after"), 30000);
    QCOMPARE(window->store()->run(id).value().name, QStringLiteral("after"));
    answer(QStringLiteral("baseline, beauty"));
    toolButtonOf(panel, QStringLiteral("Tag"))->click();
    const QStringList tags{QStringLiteral("baseline"), QStringLiteral("beauty")};
    QTRY_COMPARE_WITH_TIMEOUT(panel->model()->entry(id) ? panel->model()->entry(id)->run.tags : QStringList(),
                              tags, 30000);
    QCOMPARE(window->store()->run(id).value().tags, tags);
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
    const QList<qint64> ids = enqueueAndWait(queue, window->dataset(), tinyConfig(1), {3, 4, 5}, QStringLiteral("order"));
    QCOMPARE(ids.size(), 3);
    QCOMPARE(queue->running().size(), 1);
    QCOMPARE(queue->queued().size(), 2);
    while (ended.count() < 3) QVERIFY(ended.wait(180000));
    QCOMPARE(started, ids);
    QCOMPARE(maxRunning, 1);
    for (int i = 0; i < 3; ++i) QCOMPARE(ended.at(i).at(0).toLongLong(), ids[i]);
    // Seeds differ, so they form one group.
    QSignalSpy reloaded(window->runsPanel(), &RunsPanel::reloaded);
    window->runsPanel()->reload();
    QVERIFY(reloaded.wait(30000));
    const auto* model = window->runsPanel()->model();
    const QString group = model->index(model->rowOf(ids[0]), 0).data(int(RunsTableModel::Role::GroupHash)).toString();
    QVERIFY(!group.isEmpty());
    for (qint64 id : ids) {
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
    QSignalSpy listed(window->runsPanel(), &RunsPanel::reloaded);
    window->show();
    // The store is listed off the UI thread: the table fills once the listing arrives.
    QVERIFY(waitReloaded(window->runsPanel(), listed));
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
    // Nothing was selected before: the first listing selects the newest run (the killed one,
    // at the top of the default order) and its curves show without a click.
    const QList<qint64> autoSelected = window->runsPanel()->selectedRuns();
    QCOMPARE(autoSelected.size(), 1);
    QCOMPARE(autoSelected.front(),
             window->runsPanel()->table()->model()->index(0, 0).data(int(RunsTableModel::Role::RunId)).toLongLong());
    QTRY_VERIFY_WITH_TIMEOUT(window->runsPanel()->lossPlot()->pointCount(QString::number(autoSelected.front()), QStringLiteral("total")) > 0, 30000);
    window->runsPanel()->table()->clearSelection();
    window->runsPanel()->selectRun(finishedId);
    QTRY_VERIFY_WITH_TIMEOUT(window->runsPanel()->lossPlot()->pointCount(QString::number(finishedId), QStringLiteral("total")) > 0, 30000);
    window->runsPanel()->selectRun(killedId);
    QTRY_VERIFY_WITH_TIMEOUT(window->runsPanel()->lossPlot()->pointCount(QString::number(killedId), QStringLiteral("total")) > 0, 30000);
  }
  void reloadCoalescesAndKeepsTheView() {
    // 200 stored runs: more than the table shows, so it can scroll.
    const QString path = dir_.filePath(QStringLiteral("many.sqlite"));
    QList<qint64> ids;
    {
      irl4rec::store::RunStore store;
      QVERIFY(store.open(path).ok());
      for (int i = 0; i < 200; ++i) {
        auto run = store.createRun(irl4rec::store::NewRun{QStringLiteral("run %1").arg(i),
                                                          tinyConfig(1).toJson(),
                                                          0,
                                                          RunStatus::Running,
                                                          {},
                                                          {},
                                                          {}});
        QVERIFY(run.ok());
        QVERIFY(store.setStatus(run.value().id, RunStatus::Finished).ok());
        ids << run.value().id;
      }
    }
    auto window = std::make_unique<MainWindow>(path);
    auto* panel = window->runsPanel();
    QSignalSpy first(panel, &RunsPanel::reloaded);
    window->resize(1200, 800);
    window->show();
    window->showTab(QStringLiteral("runs"));
    QVERIFY(waitReloaded(panel, first));
    QCOMPARE(panel->model()->rowCount(), 200);
    QVERIFY(!panel->isReloading());

    // The first listing selected the newest run; the user then scrolled down, selected two
    // other runs and has a current row.
    QCOMPARE(panel->selectedRuns().size(), 1);
    panel->table()->clearSelection();
    auto* proxy = panel->table()->model();
    auto idOfRow = [&](int row) {
      return proxy->index(row, 0).data(int(RunsTableModel::Role::RunId)).toLongLong();
    };
    const qint64 current = idOfRow(110);
    panel->table()->selectionModel()->setCurrentIndex(
        proxy->index(110, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    panel->selectRun(idOfRow(112));
    panel->table()->scrollTo(proxy->index(105, 0), QAbstractItemView::PositionAtTop);
    const qint64 top = topRunId(panel);
    QCOMPARE(top, idOfRow(105));
    QVERIFY(panel->table()->verticalScrollBar()->value() > 0);
    const QList<qint64> selected = sortedSelection(panel);
    QCOMPARE(selected.size(), 2);

    // A reload starts a listing; before its result is handled (that needs the event loop) the
    // store changes, a new run appears above everything, and the panel is asked four more times.
    QSignalSpy reloaded(panel, &RunsPanel::reloaded);
    QSignalSpy errors(panel, &RunsPanel::errorOccurred);
    const int listings = panel->listingsStarted();
    panel->reload();
    QVERIFY(window->store()->rename(ids[5], QStringLiteral("renamed")).ok());
    auto added = window->store()->createRun(irl4rec::store::NewRun{
        QStringLiteral("newest"), tinyConfig(1).toJson(), 0, RunStatus::Running, {}, {}, {}});
    QVERIFY(added.ok());
    for (int i = 0; i < 4; ++i) panel->reload();
    QVERIFY(panel->isReloading());
    QVERIFY(reloaded.wait(30000));
    QTRY_VERIFY_WITH_TIMEOUT(!panel->isReloading(), 30000);
    // One listing in flight + one more for the four requests; the first one, older than the
    // requests, never reached the table.
    QCOMPARE(panel->listingsStarted() - listings, 2);
    QCOMPARE(reloaded.count(), 1);
    QCOMPARE(errors.count(), 0);
    QCOMPARE(panel->model()->rowCount(), 201);
    QCOMPARE(panel->model()->entry(ids[5])->run.name, QStringLiteral("renamed"));
    QVERIFY(panel->model()->entry(added.value().id));
    // Same runs selected, same current run, same run at the top although every row moved down.
    QCOMPARE(sortedSelection(panel), selected);
    QCOMPARE(panel->table()->currentIndex().data(int(RunsTableModel::Role::RunId)).toLongLong(),
             current);
    QCOMPARE(topRunId(panel), top);

    // At the top, the view stays at the top: new runs show up first.
    panel->table()->scrollToTop();
    QVERIFY(window->store()
                ->createRun(irl4rec::store::NewRun{
                    QStringLiteral("newer"), tinyConfig(1).toJson(), 0, RunStatus::Running, {}, {}, {}})
                .ok());
    panel->reload();
    QVERIFY(reloaded.wait(30000));
    QCOMPARE(panel->table()->verticalScrollBar()->value(), 0);
    QCOMPARE(panel->table()->indexAt(QPoint(2, 2)).data().toString(), QStringLiteral("newer"));
    QCOMPARE(sortedSelection(panel), selected);
  }

  void memoryEstimateBesideLaunchAndRefusalDialog() {
    auto window = openWindow();
    QVERIFY(window);
    auto* panel = window->runsPanel();
    QLabel* memory = panel->form()->memoryLabel();
    panel->form()->setConfig(tinyConfig(1));
    QVERIFY2(memory->text().startsWith(QStringLiteral("Memory ≈ ")), qPrintable(memory->text()));
    QVERIFY(!memory->styleSheet().contains(QStringLiteral("#b00020")));
    const QString small = memory->text();
    // The largest sizes the form allows: 6.4e9 parameters, far beyond this machine.
    irl4rec::train::TrainConfig huge = tinyConfig(1);
    huge.hiddenSize = 4096;
    huge.layers = 32;
    huge.heads = 64;
    panel->form()->setConfig(huge);
    QVERIFY(memory->text() != small);
    const auto machine = irl4rec::train::readMachineMemory();
    QVERIFY(machine.has_value());
    const double needed = irl4rec::train::estimateMemory(
                              huge, irl4rec::train::DatasetSizes::of(*window->dataset()))
                              .totalBytes();
    if (needed <= machine->totalBytes) QSKIP("this machine has more memory than the test assumes");
    QVERIFY(memory->styleSheet().contains(QStringLiteral("#b00020")));
    QVERIFY(memory->toolTip().contains(QStringLiteral("parameters and Adam state")));
    QSignalSpy errors(panel, &RunsPanel::errorOccurred);
    QVERIFY(panel->launch());  // the form is valid; the launch check refuses
    QCOMPARE(errors.count(), 1);
    QVERIFY2(window->lastError().contains(QStringLiteral("needs an estimated")),
             qPrintable(window->lastError()));
  }

  void launchChecksFollowTheDataset() {
    // A dataset without item attributes: the confounder branch is refused, the baseline is not,
    // in either order, and a dataset with attributes loaded next accepts the confounder.
    const QString plain = dir_.filePath(QStringLiteral("plain.txt"));
    {
      QFile f(plain);
      QVERIFY(f.open(QIODevice::WriteOnly));
      for (int u = 1; u <= 30; ++u)
        f.write(QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                    .arg(u)
                    .arg(u % 9 + 1)
                    .arg(u % 7 + 2)
                    .arg(u % 5 + 3)
                    .arg(u % 11 + 1)
                    .arg(u % 13 + 2)
                    .toUtf8());
    }
    auto window = std::make_unique<MainWindow>(storePath());
    window->show();
    QSignalSpy loaded(window.get(), &MainWindow::datasetLoaded);
    window->openDataset(plain);
    QVERIFY(loaded.wait(30000));
    QVERIFY(!window->dataset()->hasAttributes());
    auto* panel = window->runsPanel();
    irl4rec::train::TrainConfig baseline = tinyConfig(1);
    baseline.model = irl4rec::train::ModelKind::Baseline;
    baseline.alpha = baseline.beta = baseline.gamma = 0;
    const irl4rec::train::TrainConfig irl = tinyConfig(1);
    QSignalSpy errors(panel, &RunsPanel::errorOccurred);
    QSignalSpy queuedSpy(panel, &RunsPanel::runsQueued);
    auto ok = panel->enqueueConfigs({{QStringLiteral("base"), baseline}}, {1});
    QVERIFY2(ok.ok(), ok.ok() ? "" : qPrintable(ok.error().message()));
    QCOMPARE(ok.value(), 1);
    QVERIFY(queuedSpy.wait(30000));
    window->runQueue()->cancelAll();
    auto refused = panel->enqueueConfigs({{QStringLiteral("irl"), irl}}, {1});
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message().contains(QStringLiteral("attributes")),
             qPrintable(refused.error().message()));
    QCOMPARE(errors.count(), 1);
    // A bad configuration is still refused for its own reason, not by a cached answer.
    irl4rec::train::TrainConfig bad = baseline;
    bad.hiddenSize = 10;
    bad.heads = 3;
    auto badResult = panel->enqueueConfigs({{QStringLiteral("bad"), bad}}, {1});
    QVERIFY(!badResult.ok());
    QVERIFY2(badResult.error().message().contains(QStringLiteral("head")),
             qPrintable(badResult.error().message()));

    window->openDataset(kSample);
    QVERIFY(loaded.wait(30000));
    QVERIFY(window->dataset()->hasAttributes());
    queuedSpy.clear();
    auto accepted = panel->enqueueConfigs({{QStringLiteral("irl"), irl}}, {1});
    QVERIFY2(accepted.ok(), accepted.ok() ? "" : qPrintable(accepted.error().message()));
    // The queued runs are in the table and selected as soon as the store has them, before any
    // listing arrived.
    QVERIFY(queuedSpy.wait(30000));
    window->runQueue()->cancelAll();
    QCOMPARE(panel->selectedRuns(), queuedSpy.at(0).at(0).value<QList<qint64>>());
  }
};

QTEST_MAIN(TestRunsPanel)
#include "test_runs_panel.moc"
