// A silent start: the workbench starts, shows what to do on an empty store, opens each tab,
// loads the synthetic sample, trains a tiny run to the end, opens About and closes — and Qt and
// QCustomPlot print nothing (QCustomPlot reports through qDebug, Qt through qWarning: every
// message type counts).
#include "support/tiny_config.h"
#include "ui/main_window.h"
#include "ui/run_config_form.h"
#include "core/application/run_queue.h"
#include "ui/runs_panel.h"

#include <QApplication>
#include <QMutex>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <utility>

using irl4rec::ui::MainWindow;
using irl4rec::application::RunQueue;

namespace {

QMutex messagesMutex;
QStringList messages;  // every message any thread printed while the window lived
QtMessageHandler previousHandler = nullptr;

void recordMessage(QtMsgType type, const QMessageLogContext& context, const QString& text) {
  {
    QMutexLocker lock(&messagesMutex);
    messages << QStringLiteral("[%1] %2").arg(int(type)).arg(text);
  }
  if (previousHandler) previousHandler(type, context, text);
}

QStringList takeMessages() {
  QMutexLocker lock(&messagesMutex);
  return std::exchange(messages, {});
}

}  // namespace

class TestSilentStart : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    QVERIFY(dir_.isValid());
    previousHandler = qInstallMessageHandler(recordMessage);
  }

  void cleanupTestCase() { qInstallMessageHandler(previousHandler); }

  void startTrainAndCloseWithoutAWord() {
    takeMessages();
    const QString sample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");
    {
      MainWindow window(dir_.filePath(QStringLiteral("runs.sqlite")));
      window.resize(1280, 800);
      window.show();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      auto* runs = window.runsPanel();
      QTRY_VERIFY_WITH_TIMEOUT(!runs->isReloading(), 30000);
      // A first start on an empty store says what to do instead of showing empty plots.
      QVERIFY(runs->showsGettingStarted());

      QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
      window.openDataset(sample);
      QVERIFY(loaded.wait(60000));
      for (int i = 0; i < window.tabs()->count(); ++i) {
        window.tabs()->setCurrentIndex(i);
        QTest::qWait(100);  // let each tab lay out and paint
      }

      window.tabs()->setCurrentWidget(runs);
      QVERIFY(runs->form()->applyPreset(QStringLiteral("irl4rec-chosen")));
      runs->form()->setConfig(irl4rec::testing::tinyConfig(2));
      QSignalSpy ended(window.runQueue(), &RunQueue::runEnded);
      QVERIFY(runs->launch());
      QVERIFY(ended.wait(180000));
      QVERIFY(!runs->showsGettingStarted());
      QTRY_VERIFY_WITH_TIMEOUT(!runs->isReloading(), 30000);
      for (int i = 0; i < window.tabs()->count(); ++i) {
        window.tabs()->setCurrentIndex(i);
        QTest::qWait(100);
      }

      window.showAbout();
      QTest::qWait(100);
      window.close();
    }
    QApplication::processEvents();
    const QStringList printed = takeMessages();
    QVERIFY2(printed.isEmpty(), qPrintable(printed.join(QLatin1Char('\n'))));
  }

 private:
  QTemporaryDir dir_;
};

int main(int argc, char** argv) {
  // A desktop session provides a private runtime directory; without one QStandardPaths warns.
  QTemporaryDir runtime;
  if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) qputenv("XDG_RUNTIME_DIR", runtime.path().toLocal8Bit());
  QApplication app(argc, argv);
  TestSilentStart test;
  return QTest::qExec(&test, argc, argv);
}
#include "test_silent_start.moc"
