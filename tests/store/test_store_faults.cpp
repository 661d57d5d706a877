// Store faults with a real writer: the `irl4rec` CLI training on the synthetic sample with --db.
// - killed: a preloaded SQLite shim (sqlite_fault_shim.cpp) stops the writer right before its
//   N-th SQL statement or N-th file write (also inside embedding, checkpoint and final-status
//   writes and inside WAL checkpoints); the test reads the file as it is at that instant, kills
//   the writer with SIGKILL and checks that the store opens, passes integrity_check, holds every
//   row it held before the kill, and shows the run as interrupted;
// - full disk: the writer runs under a file size limit (RLIMIT_FSIZE) and must end with one line
//   naming the store and the cause, a non-zero exit code and an intact store;
// - read-only store: training is refused before it starts, listing still works.
#include "core/store/run_store.h"

#include "store/store_test_util.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <map>
#include <tuple>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace irl4rec::store;

namespace {

const QString kSample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");

QStringList trainArgs(const QString& db, const QString& name) {
  return {QStringLiteral("train"),
          QStringLiteral("--data"),
          kSample,
          QStringLiteral("--db"),
          db,
          QStringLiteral("--model"),
          QStringLiteral("irl4rec"),
          QStringLiteral("--hidden"),
          QStringLiteral("16"),
          QStringLiteral("--layers"),
          QStringLiteral("1"),
          QStringLiteral("--epochs"),
          QStringLiteral("2"),
          QStringLiteral("--quiet"),
          QStringLiteral("--no-cache"),
          QStringLiteral("--name"),
          name};
}

QProcessEnvironment cliEnvironment() {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.remove(QStringLiteral("IRL4REC_DB"));
  return env;
}

/// The CLI's environment with the fault shim preloaded and one of its variables set.
QProcessEnvironment shimEnvironment(const QString& variable, const QString& value) {
  QProcessEnvironment env = cliEnvironment();
  env.insert(QStringLiteral("LD_PRELOAD"), QStringLiteral(SQLITE_FAULT_SHIM));
  env.insert(variable, value);
  // Under the asan preset the shim is not the sanitizer runtime and may come first.
  env.insert(QStringLiteral("ASAN_OPTIONS"), env.value(QStringLiteral("ASAN_OPTIONS")) +
                                                 QStringLiteral(":verify_asan_link_order=0"));
  return env;
}

/// Every table's rows as text (blobs by their SHA-1), sorted; `runs` apart by id.
struct Snapshot {
  std::map<QString, QStringList> tables;
  std::map<qint64, QSqlRecord> runs;
};

QString rowText(const QSqlRecord& r) {
  QStringList parts;
  for (int i = 0; i < r.count(); ++i) {
    const QVariant v = r.value(i);
    parts << (v.typeId() == QMetaType::QByteArray
                  ? QString::fromLatin1(
                        QCryptographicHash::hash(v.toByteArray(), QCryptographicHash::Sha1).toHex())
              : v.isNull() ? QStringLiteral("NULL")
                           : v.toString());
  }
  return parts.join(QChar(0x1f));
}

/// Reads `path` without writing to it (a read-only connection; the stopped writer may hold the
/// write lock, WAL readers do not wait for it). False when it cannot be read.
bool readSnapshot(const QString& path, Snapshot& out, QString& error) {
  bool ok = true;
  const QString name = QStringLiteral("snapshot");
  {
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=1000"));
    if (!db.open()) {
      error = db.lastError().text();
      ok = false;
    } else {
      QSqlQuery q(db);
      QStringList tables;
      if (!q.exec(QStringLiteral("BEGIN")) ||
          !q.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                 "NOT LIKE 'sqlite_%' ORDER BY name"))) {
        error = q.lastError().text();
        ok = false;
      }
      while (ok && q.next()) tables << q.value(0).toString();
      for (const QString& table : tables) {
        QSqlQuery rows(db);
        if (!rows.exec(QStringLiteral("SELECT * FROM %1").arg(table))) {
          error = rows.lastError().text();
          ok = false;
          break;
        }
        QStringList& texts = out.tables[table];
        while (rows.next()) {
          if (table == QLatin1String("runs")) {
            out.runs[rows.value(QStringLiteral("id")).toLongLong()] = rows.record();
          } else {
            texts << rowText(rows.record());
          }
        }
        texts.sort();
      }
      q.exec(QStringLiteral("COMMIT"));
    }
    db.close();
  }
  QSqlDatabase::removeDatabase(name);
  return ok;
}

/// 'T' when the process is stopped, '\0' when it is gone.
char processState(qint64 pid) {
  QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
  if (!f.open(QIODevice::ReadOnly)) return '\0';
  const QByteArray text = f.readAll();
  const int close = text.lastIndexOf(')');
  return close >= 0 && close + 2 < text.size() ? text[close + 2] : '\0';
}

QString runColumn(const QSqlRecord& r, const char* column) {
  return r.value(QLatin1String(column)).toString();
}

/// Drops CAP_DAC_OVERRIDE (and its relatives) from the bounding set in the child before exec, so
/// that a root test process still gets "Permission denied" on a read-only file. A non-root
/// process has none of these capabilities anyway.
void dropFileCapabilities() {
  for (int cap : {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER}) prctl(PR_CAPBSET_DROP, cap);
}

bool hasCapability(int cap) {
  QFile f(QStringLiteral("/proc/self/status"));
  if (!f.open(QIODevice::ReadOnly)) return false;
  for (const QByteArray& line : f.readAll().split('\n'))
    if (line.startsWith("CapBnd:"))
      return (line.mid(7).trimmed().toULongLong(nullptr, 16) >> cap) & 1;
  return false;
}

/// Reads the counts file written by the shim at exit.
std::map<QString, long> readCounts(const QString& path) {
  std::map<QString, long> counts;
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return counts;
  const QStringList words = QString::fromLatin1(f.readAll()).simplified().split(QLatin1Char(' '));
  for (int i = 0; i + 1 < words.size(); i += 2) counts[words[i]] = words[i + 1].toLong();
  return counts;
}

}  // namespace

class TestStoreFaults : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString base_;  // a store holding one finished run, closed cleanly (no WAL)
  Snapshot baseSnapshot_;
  std::map<QString, long> counts_;  // of a whole run on a copy of base_
  qint64 checkpointBytes_ = 0;      // the earlier run's checkpoint file
  int case_ = 0;

  /// After a failed or refused run: the store opens and is intact, the earlier run and its rows
  /// are untouched, and no new run claims to have finished.
  void checkEarlierRunsIntact(const QString& path) {
    RunStore store;
    const irl4rec::Status opened = store.open(path, RunStore::OpenMode::MustExist);
    QVERIFY2(opened.ok(), opened.ok() ? "" : qPrintable(opened.error().message()));
    store.close();
    QCOMPARE(store_test::text(path, QStringLiteral("PRAGMA integrity_check")),
             QStringLiteral("ok"));
    Snapshot after;
    QString error;
    QVERIFY2(readSnapshot(path, after, error), qPrintable(error));
    for (const auto& [table, rows] : baseSnapshot_.tables)
      for (const QString& row : rows)
        QVERIFY2(after.tables[table].contains(row) || table == QLatin1String("datasets") ||
                     table == QLatin1String("labels"),
                 qPrintable(QStringLiteral("the earlier run lost a row of %1").arg(table)));
    QVERIFY(!after.runs.empty());
    QCOMPARE(rowText(after.runs.begin()->second), rowText(baseSnapshot_.runs.begin()->second));
    for (auto it = std::next(after.runs.begin()); it != after.runs.end(); ++it)
      QVERIFY2(runColumn(it->second, "status") != QLatin1String("finished"),
               qPrintable(runColumn(it->second, "message")));
  }

  QString copyOfBase(const QString& name) {
    const QString sub = dir_.filePath(name);
    QDir().mkpath(sub);
    const QString path = sub + QStringLiteral("/runs.sqlite");
    QFile::remove(path);
    return QFile::copy(base_, path) ? path : QString();
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    QVERIFY2(QFile::exists(QStringLiteral(IRL4REC_CLI_PATH)), "the irl4rec CLI is not built");
    QDir().mkpath(dir_.filePath(QStringLiteral("base")));
    base_ = dir_.filePath(QStringLiteral("base/runs.sqlite"));
    {
      QProcess p;
      p.setProcessEnvironment(cliEnvironment());
      p.start(QStringLiteral(IRL4REC_CLI_PATH), trainArgs(base_, QStringLiteral("earlier")));
      QVERIFY(p.waitForFinished(600000));
      QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
               p.readAllStandardError().constData());
    }
    QVERIFY(!QFile::exists(base_ + QStringLiteral("-wal")));  // closed cleanly
    QString error;
    QVERIFY2(readSnapshot(base_, baseSnapshot_, error), qPrintable(error));
    QCOMPARE(int(baseSnapshot_.runs.size()), 1);
    for (const QFileInfo& f :
         QDir(dir_.filePath(QStringLiteral("base/checkpoints"))).entryInfoList(QDir::Files))
      checkpointBytes_ = f.size();
    QVERIFY(checkpointBytes_ > 0);

    // Counts of one whole run on a copy: where the kill points go.
    const QString copy = copyOfBase(QStringLiteral("count"));
    const QString countsFile = dir_.filePath(QStringLiteral("count/counts"));
    const QProcessEnvironment env =
        shimEnvironment(QStringLiteral("IRL4REC_FAULT_COUNTS"), countsFile);
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(IRL4REC_CLI_PATH), trainArgs(copy, QStringLiteral("counted")));
    QVERIFY(p.waitForFinished(600000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
             p.readAllStandardError().constData());
    counts_ = readCounts(countsFile);
    qInfo("one run on a copy of the store: %ld statements, %ld writes, %ld database-file writes",
          counts_[QStringLiteral("statements")], counts_[QStringLiteral("writes")],
          counts_[QStringLiteral("dbwrites")]);
    QVERIFY(counts_[QStringLiteral("statements")] > 50);  // the shim saw the CLI's connections
    QVERIFY(counts_[QStringLiteral("dbwrites")] > 0);
  }

  void killedWriterLeavesAnIntactStore_data() {
    QTest::addColumn<QString>("stop");
    QTest::addColumn<bool>("fresh");  // a new file instead of a copy of the earlier store
    for (int n : {1, 2, 3, 5, 8, 12})
      QTest::addRow("new file, statement %d", n) << QStringLiteral("stmt:%1").arg(n) << true;
    // IRL4REC_STORE_FAULTS_EVERY=N (docs/RELIABILITY.md): every N-th statement and file write
    // of the run instead of nine and five points spread over it (N=1: all of them, ~30 min).
    const long every = qEnvironmentVariableIntValue("IRL4REC_STORE_FAULTS_EVERY");
    const long statements = counts_[QStringLiteral("statements")];
    const long writes = counts_[QStringLiteral("writes")];
    if (every > 0) {
      for (long n = 1; n <= statements; n += every)
        QTest::addRow("statement %ld", n) << QStringLiteral("stmt:%1").arg(n) << false;
      for (long n = 1; n <= writes; n += every)
        QTest::addRow("file write %ld", n) << QStringLiteral("write:%1").arg(n) << false;
    }
    for (int k = 1; k <= 9 && every <= 0; ++k) {
      const long n = std::max(1L, statements * k / 10);
      QTest::addRow("statement at %d/10", k) << QStringLiteral("stmt:%1").arg(n) << false;
    }
    for (int k = 1; k <= 5 && every <= 0; ++k) {
      const long n = std::max(1L, writes * k / 6);
      QTest::addRow("file write at %d/6", k) << QStringLiteral("write:%1").arg(n) << false;
    }
    const long dbWrites = counts_[QStringLiteral("dbwrites")];
    QTest::newRow("first checkpoint write") << QStringLiteral("dbwrite:1") << false;
    QTest::newRow("middle checkpoint write")
        << QStringLiteral("dbwrite:%1").arg(std::max(1L, dbWrites / 2)) << false;
    QTest::newRow("last checkpoint write") << QStringLiteral("dbwrite:%1").arg(dbWrites) << false;
    QTest::newRow("first metrics insert") << QStringLiteral("sql:INSERT INTO metrics:1") << false;
    QTest::newRow("second metrics insert") << QStringLiteral("sql:INSERT INTO metrics:2") << false;
    QTest::newRow("first embedding chunk")
        << QStringLiteral("sql:INSERT INTO embeddings:1") << false;
    QTest::newRow("third embedding chunk")
        << QStringLiteral("sql:INSERT INTO embeddings:3") << false;
    QTest::newRow("checkpoint record") << QStringLiteral("sql:INSERT INTO checkpoints:1") << false;
    QTest::newRow("projection") << QStringLiteral("sql:INSERT INTO projections:1") << false;
    QTest::newRow("final status") << QStringLiteral("sql:UPDATE runs SET status:2") << false;
  }

  void killedWriterLeavesAnIntactStore() {
    QFETCH(QString, stop);
    QFETCH(bool, fresh);
    const QString name = QStringLiteral("kill-%1").arg(++case_);
    QString path;
    if (fresh) {
      QDir().mkpath(dir_.filePath(name));
      path = dir_.filePath(name + QStringLiteral("/runs.sqlite"));
    } else {
      path = copyOfBase(name);
      QVERIFY(!path.isEmpty());
    }
    const QProcessEnvironment env = shimEnvironment(QStringLiteral("IRL4REC_FAULT_STOP"), stop);
    QProcess writer;
    writer.setProcessEnvironment(env);
    writer.start(QStringLiteral(IRL4REC_CLI_PATH), trainArgs(path, QStringLiteral("faulted")));
    QVERIFY(writer.waitForStarted());
    const qint64 pid = writer.processId();
    // Until the shim stops it (or the run ends first: the number of metric writes depends on
    // the writer's timer, so a late point may not be reached).
    bool stopped = false;
    while (!writer.waitForFinished(20)) {
      if (processState(pid) == 'T') {
        stopped = true;
        break;
      }
    }
    Snapshot before;
    if (stopped) {
      QString error;
      if (!readSnapshot(path, before, error)) {
        // Stopped inside the checkpoint of the last connection's close, which holds the file
        // exclusively: read a byte copy of the database and its WAL instead (what a reader
        // would see once the lock is gone).
        QVERIFY2(error.contains(QLatin1String("locked")), qPrintable(error));
        const QString copy = dir_.filePath(name + QStringLiteral("-copy/runs.sqlite"));
        QDir().mkpath(QFileInfo(copy).absolutePath());
        QVERIFY(QFile::copy(path, copy));
        if (QFile::exists(path + QStringLiteral("-wal")))
          QVERIFY(QFile::copy(path + QStringLiteral("-wal"), copy + QStringLiteral("-wal")));
        before = Snapshot();
        QVERIFY2(readSnapshot(copy, before, error), qPrintable(error));
        qInfo("the store is locked exclusively: snapshot of a copy");
      }
      writer.kill();
      QVERIFY(writer.waitForFinished(60000));
      QCOMPARE(writer.exitStatus(), QProcess::CrashExit);
      qInfo("%s", writer.readAllStandardError().trimmed().constData());
    } else {
      QVERIFY2(writer.exitStatus() == QProcess::NormalExit && writer.exitCode() == 0,
               writer.readAllStandardError().constData());
      QString error;
      QVERIFY2(readSnapshot(path, before, error), qPrintable(error));
      qInfo("%s not reached: the run ended first", qPrintable(stop));
    }

    // The next open recovers the file and marks the killed run.
    RunStore store;
    const irl4rec::Status opened = store.open(path, RunStore::OpenMode::MustExist);
    QVERIFY2(opened.ok(), opened.ok() ? "" : qPrintable(opened.error().message()));
    QCOMPARE(store_test::text(path, QStringLiteral("PRAGMA integrity_check")),
             QStringLiteral("ok"));
    Snapshot after;
    QString error;
    QVERIFY2(readSnapshot(path, after, error), qPrintable(error));

    // Every committed row is still there, and nothing else changed but the run's status.
    for (const auto& [table, rows] : before.tables) {
      const QStringList now = after.tables[table];
      for (const QString& row : rows)
        QVERIFY2(now.contains(row),
                 qPrintable(QStringLiteral("%1 lost a row: %2").arg(table, row)));
      QCOMPARE(now.size(), rows.size());
    }
    QCOMPARE(after.runs.size(), before.runs.size());
    for (const auto& [id, was] : before.runs) {
      QVERIFY(after.runs.count(id));
      const QSqlRecord& now = after.runs.at(id);
      for (const char* column : {"uuid", "name", "config", "created_ms", "dataset_id", "group_key"})
        QCOMPARE(runColumn(now, column), runColumn(was, column));
      const QString status = runColumn(was, "status");
      if (status == QLatin1String("running") || status == QLatin1String("queued")) {
        QCOMPARE(runColumn(now, "status"), QStringLiteral("interrupted"));
        QVERIFY(!runColumn(now, "finished_ms").isEmpty());
      } else {
        QCOMPARE(rowText(now), rowText(was));
      }
    }
    if (stopped && !before.runs.empty()) QVERIFY(store.interruptedOnOpen() <= 1);
    // The earlier run and everything it owns are untouched.
    if (!fresh) {
      for (const auto& [table, rows] : baseSnapshot_.tables)
        for (const QString& row : rows)
          // The dataset row and its labels are shared with the new run, which rewrites them.
          QVERIFY2(after.tables[table].contains(row) || table == QLatin1String("datasets") ||
                       table == QLatin1String("labels"),
                   qPrintable(QStringLiteral("the earlier run lost a row of %1").arg(table)));
      const QSqlRecord& earlier = after.runs.begin()->second;
      QCOMPARE(rowText(earlier), rowText(baseSnapshot_.runs.begin()->second));
    }
    // Whole transactions only: each series' summary counts exactly its rows; every recorded
    // checkpoint file exists.
    QCOMPARE(store_test::scalar(
                 path, QStringLiteral("SELECT count(*) FROM metric_summary s WHERE s.count <> "
                                      "(SELECT count(*) FROM metrics m WHERE m.series_id = s.id)")),
             qint64(0));
    store_test::withRawDb(path, [](QSqlDatabase& db) {
      QSqlQuery q(db);
      QVERIFY(q.exec(QStringLiteral("SELECT path FROM checkpoints")));
      while (q.next())
        QVERIFY2(QFile::exists(q.value(0).toString()), qPrintable(q.value(0).toString()));
    });
    // Nothing is left to recover on the next open.
    store.close();
    RunStore again;
    QVERIFY(again.open(path).ok());
    QCOMPARE(again.interruptedOnOpen(), 0);
    QCOMPARE(store_test::scalar(path, QStringLiteral("SELECT count(*) FROM runs WHERE status IN "
                                                     "('running', 'queued')")),
             qint64(0));
  }

  /// Regression: RecordedRun ignored the result of its final setStatus, so a run whose end could
  /// not be written exited 0 and stayed `running` in the store. The shim makes every status
  /// update after the first (running) fail to compile ("not authorized").
  void unrecordedFinalStatusIsReported() {
    const QString path = copyOfBase(QStringLiteral("deny-%1").arg(++case_));
    QVERIFY(!path.isEmpty());
    const QProcessEnvironment env =
        shimEnvironment(QStringLiteral("IRL4REC_FAULT_DENY"), QStringLiteral("runs.status:2"));
    QProcess writer;
    writer.setProcessEnvironment(env);
    writer.start(QStringLiteral(IRL4REC_CLI_PATH), trainArgs(path, QStringLiteral("unrecorded")));
    QVERIFY(writer.waitForFinished(600000));
    const QString err = QString::fromUtf8(writer.readAllStandardError());
    QCOMPARE(writer.exitStatus(), QProcess::NormalExit);
    QVERIFY2(writer.exitCode() == 1, qPrintable(err));
    QStringList lines;
    for (const QString& line : err.trimmed().split(QLatin1Char('\n')))
      if (!line.startsWith(QLatin1String("fault-"))) lines << line;  // the shim's own notes
    QVERIFY2(lines.size() == 1, qPrintable(err));
    qInfo("%s", qPrintable(lines[0]));
    QVERIFY2(lines[0].contains(QLatin1String("could not be recorded")) && lines[0].contains(path),
             qPrintable(lines[0]));
    // The results are in the store; the run shows as interrupted, not as running.
    RunStore store;
    QVERIFY(store.open(path).ok());
    QCOMPARE(store.interruptedOnOpen(), 1);
    auto run = store.findRun(QStringLiteral("unrecorded"));
    QVERIFY(run.ok());
    QCOMPARE(toString(run.value().status), QStringLiteral("interrupted"));
    auto summaries = store.metricSummaries(run.value().id);
    QVERIFY(summaries.ok());
    bool tested = false;
    for (const MetricSummary& m : summaries.value())
      tested |= m.key == QLatin1String("test/ndcg@10");
    QVERIFY(tested);
  }

  /// A full disk, made real with a file size limit on the writer (RLIMIT_FSIZE; SIGXFSZ ignored,
  /// so writes beyond it fail with EFBIG as on a full file system). Limits below the checkpoint
  /// file's size are left out: LibTorch's checkpoint writer aborts the process there (see
  /// docs/RELIABILITY.md, for the lead).
  void fullDiskEndsTheRunWithOneLine_data() {
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<int>("exitCode");  // 0: any non-zero code
    QTest::newRow("24 KiB: the store cannot be opened") << qint64(24 << 10) << 2;
    // The model checkpoint is the largest single file a run writes; LibTorch's own writer
    // aborted the process here (std::terminate from a destructor) until checkpoints went
    // through QSaveFile.
    QTest::newRow("half a checkpoint: the checkpoint cannot be written")
        << checkpointBytes_ / 2 << 1;
    QTest::newRow("checkpoint + 32 KiB: the results do not fit")
        << checkpointBytes_ + (32 << 10) << 1;
    QTest::newRow("checkpoint + 320 KiB: the results do not fit")
        << checkpointBytes_ + (320 << 10) << 1;
  }

  void fullDiskEndsTheRunWithOneLine() {
    QFETCH(qint64, limit);
    QFETCH(int, exitCode);
    const QString path = copyOfBase(QStringLiteral("full-%1").arg(++case_));
    QVERIFY(!path.isEmpty());
    QProcess writer;
    writer.setProcessEnvironment(cliEnvironment());
    writer.setChildProcessModifier([limit] {
      const struct rlimit r { rlim_t(limit), rlim_t(limit) };
      setrlimit(RLIMIT_FSIZE, &r);
      std::signal(SIGXFSZ, SIG_IGN);
    });
    writer.start(QStringLiteral(IRL4REC_CLI_PATH), trainArgs(path, QStringLiteral("full")));
    QVERIFY(writer.waitForFinished(600000));
    const QString err = QString::fromUtf8(writer.readAllStandardError());
    QVERIFY2(writer.exitStatus() == QProcess::NormalExit, qPrintable(err));  // not a crash
    QVERIFY2(exitCode == 0 ? writer.exitCode() != 0 : writer.exitCode() == exitCode,
             qPrintable(err));
    const QStringList lines = err.trimmed().split(QLatin1Char('\n'));
    QVERIFY2(lines.size() == 1, qPrintable(err));
    qInfo("%s", qPrintable(lines[0]));
    QVERIFY(lines[0].startsWith(QLatin1String("irl4rec: ")));
    // The file that did not fit: the store, or a checkpoint beside it.
    const QString checkpoints = QFileInfo(path).absolutePath() + QStringLiteral("/checkpoints/");
    QVERIFY2(lines[0].contains(path) || lines[0].contains(checkpoints), qPrintable(lines[0]));
    QVERIFY2(lines[0].contains(QLatin1String("file size limit")), qPrintable(lines[0]));
    checkEarlierRunsIntact(path);
    // A run that got far enough to be recorded says why it failed (or, when not even that
    // could be written, is shown as interrupted).
    store_test::withRawDb(path, [](QSqlDatabase& db) {
      QSqlQuery q(db);
      QVERIFY(q.exec(QStringLiteral("SELECT status, message FROM runs WHERE name = 'full'")));
      while (q.next()) {
        const QString status = q.value(0).toString();
        QVERIFY2(status == QLatin1String("failed") || status == QLatin1String("interrupted"),
                 qPrintable(status));
        if (status == QLatin1String("failed"))
          QVERIFY2(q.value(1).toString().contains(QLatin1String("file size limit")),
                   qPrintable(q.value(1).toString()));
      }
    });
  }

  /// A store this process may not write: `train` refuses it with one line before training,
  /// `runs list` still reads it. As root, the CLI runs without CAP_DAC_OVERRIDE so that the
  /// permissions apply.
  void readOnlyStoreRefusesTrainingAndStaysReadable_data() {
    QTest::addColumn<bool>("directory");  // read-only directory (store closed cleanly: no -wal)
    QTest::newRow("read-only file") << false;
    QTest::newRow("read-only directory") << true;
  }

  void readOnlyStoreRefusesTrainingAndStaysReadable() {
    QFETCH(bool, directory);
    if (geteuid() == 0 && !hasCapability(CAP_SETPCAP))
      QSKIP(
          "running as root without CAP_SETPCAP: the CLI cannot be started without root's "
          "file access");
    const QString path = copyOfBase(QStringLiteral("ro-%1").arg(++case_));
    QVERIFY(!path.isEmpty());
    const QString folder = QFileInfo(path).absolutePath();
    const QFileDevice::Permissions readOnly =
        QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther;
    const QFileDevice::Permissions folderMode = QFile::permissions(folder);
    QVERIFY(directory
                ? QFile::setPermissions(folder, readOnly | QFileDevice::ExeOwner |
                                                    QFileDevice::ExeGroup | QFileDevice::ExeOther)
                : QFile::setPermissions(path, readOnly));
    const QByteArray hash = store_test::sha1(path);
    auto run = [&](const QStringList& args) {
      QProcess p;
      p.setProcessEnvironment(cliEnvironment());
      p.setChildProcessModifier([] {
        if (geteuid() == 0) dropFileCapabilities();
      });
      p.start(QStringLiteral(IRL4REC_CLI_PATH), args);
      p.waitForFinished(600000);
      return std::make_tuple(p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
                             QString::fromUtf8(p.readAllStandardOutput()),
                             QString::fromUtf8(p.readAllStandardError()));
    };
    const auto [trainCode, trainOut, trainErr] = run(trainArgs(path, QStringLiteral("refused")));
    // A sweep on it is refused the same way, before any worker starts.
    QTemporaryDir specDir;
    QFile specFile(specDir.filePath(QStringLiteral("s.json")));
    QVERIFY(specFile.open(QIODevice::WriteOnly));
    specFile.write(QStringLiteral(R"({"name": "ro", "datasets": "%1", "base": {"hidden_size": 16, "epochs": 1}})")
                       .arg(QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt"))
                       .toUtf8());
    specFile.close();
    const auto [sweepCode, sweepOut, sweepErr] =
        run({QStringLiteral("sweep"), QStringLiteral("run"), specFile.fileName(), QStringLiteral("--db"), path});
    const auto [listCode, listOut, listErr] =
        run({QStringLiteral("runs"), QStringLiteral("list"), QStringLiteral("--db"), path});
    QFile::setPermissions(folder, folderMode);
    QFile::setPermissions(path, readOnly | QFileDevice::WriteOwner);

    QCOMPARE(trainCode, 2);
    const QStringList lines = trainErr.trimmed().split(QLatin1Char('\n'));
    QVERIFY2(lines.size() == 1, qPrintable(trainErr));
    qInfo("%s", qPrintable(lines[0]));
    QVERIFY2(lines[0].contains(path) && lines[0].contains(QLatin1String("read-only")),
             qPrintable(lines[0]));
    QCOMPARE(sweepCode, 2);
    QVERIFY2(sweepErr.trimmed().count(QLatin1Char('\n')) == 0 && sweepErr.contains(QLatin1String("read-only")),
             qPrintable(sweepErr));
    Q_UNUSED(sweepOut);
    // Refused before the run began: nothing was written, no checkpoint directory was made.
    QVERIFY(!QFileInfo::exists(folder + QStringLiteral("/checkpoints")));
    QCOMPARE(store_test::sha1(path), hash);
    QVERIFY2(listCode == 0, qPrintable(listErr));
    QVERIFY2(listOut.contains(QLatin1String("earlier")), qPrintable(listOut));
    QCOMPARE(store_test::sha1(path), hash);
  }
};

QTEST_GUILESS_MAIN(TestStoreFaults)
#include "test_store_faults.moc"
