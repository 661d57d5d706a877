// Result files of `irl4rec train --json` into a run store (`irl4rec runs import FILE.json`): a
// run trained for real by the CLI, recorded live in one store and imported from its result
// file into another, is the same run — uuid, group, per-epoch validation series, test metrics —
// and bad files are refused with their name (and line) before anything is written.
#include "core/store/run_store.h"
#include "core/train/metric_keys.h"
#include "core/train/result_import.h"
#include "support/cli_process.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using irl4rec::store::RunStore;

namespace {
const QString kSample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");

double valueAt(RunStore& store, qint64 run, const QString& key, int epoch) {
  auto points = store.metrics(run, key);
  if (!points) return -1;
  for (const auto& p : points.value())
    if (p.epoch == epoch) return p.value;
  return -1;
}
}  // namespace

class TestResultImport : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void importedRunIsTheRecordedRun() {
    const QString live = dir_.filePath(QStringLiteral("live.sqlite"));
    const auto trained = irl4rec::testing::runCliProcess(
        {QStringLiteral("train"), QStringLiteral("--data"), kSample, QStringLiteral("--epochs"), QStringLiteral("4"),
         QStringLiteral("--eval-every"), QStringLiteral("2"), QStringLiteral("--hidden"), QStringLiteral("16"),
         QStringLiteral("--loss"), QStringLiteral("ce"), QStringLiteral("--db"), live, QStringLiteral("--quiet"),
         QStringLiteral("--json")});
    QVERIFY2(trained.code == 0, qPrintable(trained.err));
    const QString resultPath = dir_.filePath(QStringLiteral("probe-s0.json"));
    {
      QFile f(resultPath);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(trained.out.trimmed().split(QLatin1Char('\n')).last().toUtf8());
    }
    const QJsonObject result = QJsonDocument::fromJson([&] {
                                 QFile f(resultPath);
                                 f.open(QIODevice::ReadOnly);
                                 return f.readAll();
                               }()).object();
    QVERIFY(irl4rec::train::isResultFile(resultPath));
    QVERIFY(!irl4rec::train::isResultFile(live));

    const QString imported = dir_.filePath(QStringLiteral("imported.sqlite"));
    const auto cli = irl4rec::testing::runCliProcess(
        {QStringLiteral("runs"), QStringLiteral("import"), resultPath, QStringLiteral("--db"), imported,
         QStringLiteral("--json")});
    QVERIFY2(cli.code == 0, qPrintable(cli.err));
    QCOMPARE(QJsonDocument::fromJson(cli.out.toUtf8()).object().value(QStringLiteral("imported")).toInt(), 1);

    RunStore a, b;
    QVERIFY(a.open(live).ok());
    QVERIFY(b.open(imported).ok());
    const QString uuid = result.value(QStringLiteral("run")).toString();
    auto ra = a.findRun(uuid);
    auto rb = b.findRun(uuid);
    QVERIFY(ra.ok() && rb.ok());
    QCOMPARE(rb.value().name, QStringLiteral("probe-s0"));
    QCOMPARE(int(rb.value().status), int(irl4rec::RunStatus::Finished));
    QCOMPARE(rb.value().groupKey, ra.value().groupKey);  // groups with the runs recorded live
    QVERIFY(rb.value().tags.contains(QStringLiteral("imported-result")));
    namespace metric = irl4rec::train::metric;
    for (int epoch : {2, 4}) {
      QCOMPARE(valueAt(b, rb.value().id, metric::kValNdcg10, epoch), valueAt(a, ra.value().id, metric::kValNdcg10, epoch));
      QCOMPARE(valueAt(b, rb.value().id, metric::kValHr10, epoch), valueAt(a, ra.value().id, metric::kValHr10, epoch));
      QVERIFY(valueAt(b, rb.value().id, metric::kEpochLoss, epoch) > 0);
    }
    const int best = result.value(QStringLiteral("best_epoch")).toInt();
    QCOMPARE(valueAt(b, rb.value().id, metric::kTestHr10, best),
             result.value(QStringLiteral("test")).toObject().value(QStringLiteral("HR@10")).toDouble());

    // Again: the uuid is there, nothing is added.
    auto again = irl4rec::train::importResultFiles(imported, {resultPath});
    QVERIFY(again.ok());
    QCOMPARE(again.value().imported, 0);
    QCOMPARE(again.value().skipped, 1);
    good_ = resultPath;
  }

  void badFilesAreRefusedBeforeAnythingIsWritten_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("cause");
    QTest::newRow("broken json") << QByteArray("{\n  \"run\": \"x\",\n  oops\n}") << 3 << QStringLiteral("not valid JSON");
    QTest::newRow("not a result") << QByteArray("{\"hello\": 1}") << 0 << QStringLiteral("no 'run'");
    QTest::newRow("cancelled") << QByteArray() << 0 << QStringLiteral("status 'cancelled'");
    QTest::newRow("bad history") << QByteArray() << 0 << QStringLiteral("is not a number");
  }

  void badFilesAreRefusedBeforeAnythingIsWritten() {
    QFETCH(QByteArray, text);
    QFETCH(int, line);
    QFETCH(QString, cause);
    QVERIFY(!good_.isEmpty());
    if (text.isEmpty()) {  // derived from the good file
      QFile f(good_);
      QVERIFY(f.open(QIODevice::ReadOnly));
      QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
      if (cause.contains(QLatin1String("cancelled"))) o[QStringLiteral("status")] = QStringLiteral("cancelled");
      if (cause.contains(QLatin1String("number"))) {
        QJsonArray h = o.value(QStringLiteral("history")).toArray();
        QJsonObject e = h[1].toObject();
        e[QStringLiteral("valid_ndcg10")] = QStringLiteral("high");
        h[1] = e;
        o[QStringLiteral("history")] = h;
      }
      text = QJsonDocument(o).toJson();
    }
    const QString bad = dir_.filePath(QStringLiteral("bad.json"));
    {
      QFile f(bad);
      QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
      f.write(text);
    }
    const QString store = dir_.filePath(QStringLiteral("untouched-%1.sqlite").arg(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('-')));
    // The good file first, the bad one second: nothing of either is written.
    auto r = irl4rec::train::importResultFiles(store, {good_, bad});
    QVERIFY(!r.ok());
    QCOMPARE(r.error().file, bad);
    QCOMPARE(int(r.error().line), line);
    QVERIFY2(r.error().cause.contains(cause), qPrintable(r.error().message()));
    QVERIFY(!QFile::exists(store));
    // The CLI: exit code 2, the file named.
    const auto cli = irl4rec::testing::runCliProcess(
        {QStringLiteral("runs"), QStringLiteral("import"), bad, QStringLiteral("--db"), store});
    QCOMPARE(cli.code, 2);
    QVERIFY2(cli.err.contains(bad), qPrintable(cli.err));
  }

  // The store refuses the final status write (a trigger raises, as a full disk or a lost lock
  // would fail the statement): the import fails naming the cause and leaves no half-written run
  // behind — the run and its metrics are gone, not "running" forever.
  void aRefusedStatusWriteLeavesNoHalfRun() {
    QVERIFY(!good_.isEmpty());
    const QString path = dir_.filePath(QStringLiteral("refusing.sqlite"));
    {
      RunStore store;
      QVERIFY(store.open(path).ok());
    }
    {
      QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("inject"));
      db.setDatabaseName(path);
      QVERIFY(db.open());
      QSqlQuery q(db);
      QVERIFY2(q.exec(QStringLiteral("CREATE TRIGGER refuse_finish BEFORE UPDATE OF status ON runs "
                                     "WHEN NEW.status = 'finished' BEGIN SELECT RAISE(ABORT, 'injected refusal'); END")),
               qPrintable(q.lastError().text()));
      db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("inject"));

    auto r = irl4rec::train::importResultFiles(path, {good_});
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message().contains(QLatin1String("injected refusal")), qPrintable(r.error().message()));
    RunStore store;
    QVERIFY(store.open(path).ok());
    auto runs = store.listRuns();
    QVERIFY(runs.ok());
    QCOMPARE(int(runs.value().size()), 0);
  }

 private:
  QTemporaryDir dir_;
  QString good_;
};

QTEST_GUILESS_MAIN(TestResultImport)
#include "test_result_import.moc"
