// The workbench window, offscreen: start, load the bundled sample, show its statistics,
// and turn a bad file into a message instead of a crash.
#include "ui/dataset_panel.h"
#include "ui/main_window.h"

#include "core/data/readers.h"
#include "ui/qcustomplot_include.h"

#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using irl4rec::ui::MainWindow;

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
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
