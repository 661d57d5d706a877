#include "core/store/sql_util.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocale>
#include <QStorageInfo>
#include <QThread>
#include <QVariant>

#include <sys/resource.h>

namespace irl4rec::store::detail {

namespace {

int primaryCode(const QSqlError& error) {
  bool ok = false;
  const int code = error.nativeErrorCode().toInt(&ok);
  return ok ? (code & 0xff) : -1;
}

constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
constexpr int kSqliteIoErr = 10;
constexpr int kSqliteCorrupt = 11;
constexpr int kSqliteFull = 13;
constexpr int kSqliteNotADb = 26;

// Short pause between attempts when SQLite's busy handler already gave up once.
void backOff(int attempt) { QThread::msleep(static_cast<unsigned long>(qMin(50, 5 * attempt))); }

QString bytes(qint64 n) { return QLocale::c().formattedDataSize(n); }

// Why a write to the store (or its -wal / -shm) failed, when the system can tell: this process's
// file size limit (RLIMIT_FSIZE, `ulimit -f`; SQLite sees EFBIG as a plain I/O error) or a full
// file system. Empty when neither explains it.
QString writeFailureCause(const QString& path) {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    qint64 largest = 0;
    for (const char* suffix : {"", "-wal", "-shm"})
      largest = qMax(largest, QFileInfo(path + QLatin1String(suffix)).size());
    // A write that would cross the limit fails; the file stops at most a few pages below it.
    if (largest + (1 << 16) >= qint64(limit.rlim_cur)) {
      return QStringLiteral("the file reached this process's file size limit (%1, ulimit -f); "
                            "raise the limit or use another file with --db")
          .arg(bytes(qint64(limit.rlim_cur)));
    }
  }
  const QStorageInfo disk(QFileInfo(path).absolutePath());
  if (disk.isValid() && disk.bytesAvailable() < (qint64(1) << 20)) {
    return QStringLiteral("the disk is full (%1 free on %2); free some space or use another file "
                          "with --db")
        .arg(bytes(disk.bytesAvailable()), disk.rootPath());
  }
  return {};
}

}  // namespace

bool isBusy(const QSqlError& error) {
  const int code = primaryCode(error);
  if (code == kSqliteBusy || code == kSqliteLocked) return true;
  // Some driver paths only keep the text.
  const QString text = error.databaseText();
  return text.contains(QLatin1String("database is locked")) ||
         text.contains(QLatin1String("database table is locked"));
}

bool isCorrupt(const QSqlError& error) {
  const int code = primaryCode(error);
  if (code == kSqliteCorrupt || code == kSqliteNotADb) return true;
  const QString text = error.databaseText();
  return text.contains(QLatin1String("malformed")) ||
         text.contains(QLatin1String("file is not a database"));
}

Error sqlError(const QString& path, const QString& what, const QSqlError& error) {
  QString text = error.databaseText().trimmed();
  if (text.isEmpty()) text = error.text().trimmed();
  if (isCorrupt(error)) {
    return Error::at(path, 0,
                     QStringLiteral("%1: the file is damaged or not a database (%2); restore a "
                                    "backup or use another file with --db")
                         .arg(what, text));
  }
  if (isBusy(error)) {
    return Error::at(path, 0,
                     QStringLiteral("%1: the run store stayed locked by another program for "
                                    "more than %2 s (%3)")
                         .arg(what)
                         .arg(kBusyGiveUpMs / 1000)
                         .arg(text));
  }
  const int code = primaryCode(error);
  if (code == kSqliteIoErr || code == kSqliteFull) {
    if (const QString cause = writeFailureCause(path); !cause.isEmpty()) {
      return Error::at(path, 0, QStringLiteral("%1: %2: %3").arg(what, text, cause));
    }
  }
  return Error::at(path, 0, QStringLiteral("%1: %2").arg(what, text));
}

Status execPrepared(QSqlQuery& query, const QString& path, const QString& what) {
  QElapsedTimer timer;
  timer.start();
  for (int attempt = 1;; ++attempt) {
    if (query.exec()) return {};
    const QSqlError error = query.lastError();
    if (!isBusy(error) || timer.elapsed() > kBusyGiveUpMs) return sqlError(path, what, error);
    backOff(attempt);
  }
}

Status prepare(QSqlQuery& query, const QString& path, const QString& sql) {
  QElapsedTimer timer;
  timer.start();
  for (int attempt = 1;; ++attempt) {
    if (query.prepare(sql)) return {};
    const QSqlError error = query.lastError();
    if (!isBusy(error) || timer.elapsed() > kBusyGiveUpMs) {
      return sqlError(path, QStringLiteral("preparing '%1'").arg(sql.simplified().left(60)), error);
    }
    backOff(attempt);
  }
}

Status exec(const QSqlDatabase& db, const QString& path, const QString& sql) {
  // QSqlQuery::exec(QString) hands the text straight to SQLite; prepare() would first scan it
  // for Qt-style placeholders, which costs more than SQLite's parse for long statements.
  QSqlQuery query(db);
  QElapsedTimer timer;
  timer.start();
  for (int attempt = 1;; ++attempt) {
    if (query.exec(sql)) return {};
    const QSqlError error = query.lastError();
    if (!isBusy(error) || timer.elapsed() > kBusyGiveUpMs) {
      return sqlError(path, sql.left(80).simplified(), error);
    }
    backOff(attempt);
  }
}

Status transaction(const QSqlDatabase& db, const QString& path, bool write,
                   const std::function<Status()>& body) {
  if (Status s =
          exec(db, path, write ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN"));
      !s) {
    return s;
  }
  Status result = body();
  if (result) result = exec(db, path, QStringLiteral("COMMIT"));
  if (!result) {
    QSqlQuery rollback(db);
    rollback.exec(QStringLiteral("ROLLBACK"));  // may fail if SQLite already rolled back
  }
  return result;
}

}  // namespace irl4rec::store::detail
