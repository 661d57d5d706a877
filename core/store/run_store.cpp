#include "core/store/run_store.h"

#include "core/store/artifact_repository.h"
#include "core/store/connection.h"
#include "core/store/metric_repository.h"
#include "core/store/owner.h"
#include "core/store/run_repository.h"
#include "core/store/schema.h"
#include "core/store/sql_util.h"
#include "core/store/store_rows.h"

#include <QAtomicInteger>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QThread>
#include <QUrl>
#include <QUuid>
#include <QVariant>
#include <QtEndian>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace irl4rec::store {

using namespace detail;  // the row helpers (store_rows.h), prepare/sqlError (sql_util.h)

static_assert(Q_BYTE_ORDER == Q_LITTLE_ENDIAN,
              "embedding blobs are stored as little-endian float32/int64; add byte swapping");

using detail::exec;
using detail::execPrepared;
using detail::prepare;
using detail::sqlError;

// ---- value types ------------------------------------------------------------------------------

QString toString(EntityKind kind) {
  switch (kind) {
    case EntityKind::User:
      return QStringLiteral("user");
    case EntityKind::Item:
      return QStringLiteral("item");
    case EntityKind::Attribute:
      return QStringLiteral("attribute");
  }
  return QStringLiteral("user");
}

std::optional<EntityKind> parseEntityKind(const QString& name) {
  for (EntityKind k : {EntityKind::User, EntityKind::Item, EntityKind::Attribute}) {
    if (toString(k) == name) return k;
  }
  return std::nullopt;
}

const MetricSummary* RunListEntry::metric(const QString& key) const {
  for (const MetricSummary& m : metrics) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

// ---- helpers ----------------------------------------------------------------------------------

namespace {

QAtomicInteger<quint64> gConnectionCounter;

// Whether this process may write `path`, judged with its effective ids and capabilities (as
// open() will be), not the real ones QFileInfo::isWritable() asks about.
bool writable(const QString& path) {
#ifdef Q_OS_LINUX
  return faccessat(AT_FDCWD, QFile::encodeName(path).constData(), W_OK, AT_EACCESS) == 0;
#else
  return QFileInfo(path).isWritable();
#endif
}

}  // namespace

// ---- Impl: a connection and its three repositories -------------------------------------------

struct RunStore::Impl {
  detail::Connection c;
  detail::RunRepository runs{c};
  detail::MetricRepository metrics{c};
  detail::ArtifactRepository artifacts{c};
};

// ---- open / close -----------------------------------------------------------------------------

RunStore::RunStore() : d_(std::make_unique<Impl>()) {}

RunStore::~RunStore() { close(); }

QString RunStore::defaultPath() {
  const QString env = qEnvironmentVariable("IRL4REC_DB");
  if (!env.isEmpty()) return env;
  QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
  if (base.isEmpty()) base = QDir::homePath() + QStringLiteral("/.local/share");
  return base + QStringLiteral("/irl4rec/runs.sqlite");
}

QList<QPair<QString, QString>> RunStore::describe(const QString& path) {
  const QFileInfo info(path);
  return {{QStringLiteral("store"), QStringLiteral("%1 (%2)").arg(QDir::toNativeSeparators(info.absoluteFilePath()),
                                                               info.exists() ? QStringLiteral("exists")
                                                                             : QStringLiteral("not created yet"))},
          {QStringLiteral("store schema"), QStringLiteral("version %1").arg(kSchemaVersion)}};
}

bool RunStore::isOpen() const { return d_->c.db.isValid() && d_->c.db.isOpen(); }

QString RunStore::path() const { return d_->c.path; }

void RunStore::close() {
  d_->metrics.reset();
  if (d_->c.db.isValid()) {
    d_->c.db.close();
    d_->c.db = QSqlDatabase();
  }
  if (!d_->c.connection.isEmpty()) {
    QSqlDatabase::removeDatabase(d_->c.connection);
    d_->c.connection.clear();
  }
}

Status RunStore::open(const QString& path, OpenMode mode) {
  close();
  interruptedOnOpen_ = 0;
  readOnly_ = false;
  if (path.isEmpty()) return Error::general(QStringLiteral("no run store file given"));
  const QFileInfo info(path);
  const QString absolute = info.absoluteFilePath();
  d_->c.path = absolute;
  auto fail = [&](const QString& cause) -> Status {
    close();
    return Error::at(absolute, 0, cause);
  };

  // The file is identified through SQLite below, never read with QFile: closing any other
  // descriptor of a database file drops every POSIX lock this process holds on it (other
  // connections, the MetricWriter's), and a concurrent writer in another process then corrupts
  // the file ("How To Corrupt An SQLite Database", 2.2). Nothing below writes to a file it
  // refuses: the checks are reads.
  if (info.exists()) {
    if (info.isDir()) return fail(QStringLiteral("is a directory, not a run store file"));
    if (!info.isReadable()) return fail(QStringLiteral("cannot be read (permissions)"));
  } else {
    if (mode == OpenMode::MustExist) return fail(QStringLiteral("no run store here"));
    if (!QDir().mkpath(info.absolutePath())) {
      return fail(QStringLiteral("cannot create the directory %1").arg(info.absolutePath()));
    }
  }

  d_->c.thread = QThread::currentThread();
  d_->c.connection = QStringLiteral("irl4rec-store-%1").arg(gConnectionCounter.fetchAndAddOrdered(1));
  d_->c.db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d_->c.connection);
  if (!d_->c.db.isValid()) {
    return fail(QStringLiteral("the Qt SQLite driver (QSQLITE) is not available"));
  }
  // Read-only for this process: the file, or the directory where SQLite must create the -wal
  // and -shm files. A WAL file cannot be read without them, so in a read-only directory without
  // a -wal (a store closed cleanly) the file is opened immutable: no writer can exist there,
  // since a writer needs that -wal.
  QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(detail::kBusyTimeoutMs);
  QString name = absolute;
  if (info.exists()) {
    const bool dirWritable = writable(info.absolutePath());
    readOnly_ = !writable(absolute) || !dirWritable;
    if (readOnly_) options += QStringLiteral(";QSQLITE_OPEN_READONLY");
    if (!dirWritable && !QFileInfo::exists(absolute + QStringLiteral("-wal"))) {
      QUrl url = QUrl::fromLocalFile(absolute);
      url.setScheme(QStringLiteral("file"));
      url.setQuery(QStringLiteral("immutable=1"));
      name = url.toString(QUrl::FullyEncoded);
      options += QStringLiteral(";QSQLITE_OPEN_URI");
    }
  }
  d_->c.db.setDatabaseName(name);
  d_->c.db.setConnectOptions(options);
  if (!d_->c.db.open()) {
    const Error e = sqlError(absolute, QStringLiteral("cannot open"), d_->c.db.lastError());
    close();
    return e;
  }
  // Connection settings: no file writes.
  for (const QString& pragma :
       {QStringLiteral("PRAGMA busy_timeout = %1").arg(detail::kBusyTimeoutMs),
        QStringLiteral("PRAGMA foreign_keys = ON")}) {
    if (Status s = exec(d_->c.db, absolute, pragma); !s) {
      close();
      return s;
    }
  }

  // Identify the file through SQLite (sees a WAL left by a killed process). The integers of
  // one `sql` are read by one statement, so they come from one snapshot of the file.
  auto readInts = [&](const QString& sql, int count) -> Expected<std::vector<qint64>> {
    QElapsedTimer waited;
    waited.start();
    for (int attempt = 1;; ++attempt) {
      QSqlQuery q(d_->c.db);
      if (q.exec(sql) && q.next()) {
        std::vector<qint64> values;
        for (int i = 0; i < count; ++i) values.push_back(q.value(i).toLongLong());
        return values;
      }
      const QSqlError e = q.lastError();
      if (detail::isBusy(e) && waited.elapsed() < detail::kBusyGiveUpMs) {
        QThread::msleep(unsigned(qMin(50, 5 * attempt)));
        continue;
      }
      if (detail::isCorrupt(e) || e.type() == QSqlError::NoError) {
        return d_->c.error(
            QStringLiteral("is not a run store: not an SQLite database, or a damaged one "
                           "(%1); it was left untouched — restore a backup or pass another "
                           "file with --db")
                .arg(e.databaseText().isEmpty() ? QStringLiteral("unreadable header")
                                                : e.databaseText()));
      }
      return sqlError(absolute, QStringLiteral("reading the file header"), e);
    }
  };
  auto readInt = [&](const QString& sql) -> Expected<qint64> {
    auto v = readInts(sql, 1);
    if (!v.ok()) return v.error();
    return v.value().front();
  };
  // Regression: read as three statements, a process that opened a new file while another one
  // created the schema could see application_id 0 from before that commit and the tables from
  // after it, and refuse the store as "another program's" (exit 2 in concurrent CLI runs).
  auto header = readInts(QStringLiteral("SELECT (SELECT application_id FROM pragma_application_id), "
                                        "(SELECT user_version FROM pragma_user_version), "
                                        "(SELECT count(*) FROM sqlite_master)"),
                         3);
  if (!header.ok()) {
    close();
    return header.error();
  }
  const qint64 appId = header.value()[0], version = header.value()[1], objects = header.value()[2];
  if (appId != kApplicationId && (appId != 0 || objects > 0 || version != 0)) {
    return fail(
        QStringLiteral("is an SQLite database of another program, not a run store; it "
                       "was left untouched"));
  }
  if (version > kSchemaVersion) {
    return fail(QStringLiteral("was written by a newer Irl4Rec Workbench (store schema %1; this "
                               "build reads up to %2); upgrade the program — the file was left "
                               "untouched")
                    .arg(version)
                    .arg(kSchemaVersion));
  }

  if (readOnly_) {
    if (version < kSchemaVersion) {
      return fail(QStringLiteral("is read-only for this program and needs an upgrade of its "
                                 "store schema (%1 to %2); make it writable once")
                      .arg(version)
                      .arg(kSchemaVersion));
    }
    return {};  // nothing to migrate; runs of dead processes stay as they are
  }
  // Ours (or empty): durable settings, then forward migrations under the write lock.
  {
    auto q = d_->c.query(QStringLiteral("PRAGMA journal_mode = WAL"), {},
                       QStringLiteral("switching to the WAL journal"));
    if (!q.ok()) {
      close();
      return q.error();
    }
  }
  if (Status s = exec(d_->c.db, absolute, QStringLiteral("PRAGMA synchronous = NORMAL")); !s) {
    close();
    return s;
  }
  if (version < kSchemaVersion) {
    Status s = d_->c.tx(true, [&]() -> Status {
      // Another process may have migrated while we waited for the lock.
      auto current = readInt(QStringLiteral("PRAGMA user_version"));
      if (!current.ok()) return current.error();
      if (current.value() >= kSchemaVersion) return {};
      return detail::migrate(d_->c.db, absolute, int(current.value()), kSchemaVersion);
    });
    if (!s) {
      close();
      return s;
    }
  }

  auto recovered = recoverInterruptedRuns();
  if (!recovered.ok()) {
    close();
    return recovered.error();
  }
  interruptedOnOpen_ = recovered.value();
  return {};
}

Status RunStore::checkWritable() const {
  if (!readOnly_) return {};
  return Error::at(d_->c.path, 0,
                   QStringLiteral("the run store is read-only for this program (permissions of "
                                  "the file or of its directory); runs cannot be recorded in it — "
                                  "make it writable or pass another file with --db"));
}

// ---- runs, metrics, artifacts: forwarded to the repositories -------------------------------

Expected<int> RunStore::recoverInterruptedRuns() {
  if (!isOpen()) return d_->c.notOpen();
  if (readOnly_) return 0;  // marking would be a write
  return d_->runs.recoverInterruptedRuns();
}

Expected<qint64> RunStore::upsertDataset(const DatasetRecord& dataset) {
  return d_->runs.upsertDataset(dataset);
}
Expected<DatasetRecord> RunStore::dataset(qint64 datasetId) {
  return d_->runs.dataset(datasetId);
}
Expected<std::vector<DatasetRecord>> RunStore::datasets() {
  return d_->runs.datasets();
}
Expected<RunInfo> RunStore::createRun(const NewRun& run) {
  return d_->runs.createRun(run);
}
Status RunStore::setStatus(qint64 runId, RunStatus status, const QString& message) {
  return d_->runs.setStatus(runId, status, message);
}
Status RunStore::rename(qint64 runId, const QString& name) {
  return d_->runs.rename(runId, name);
}
Status RunStore::setTags(qint64 runId, const QStringList& tags) {
  return d_->runs.setTags(runId, tags);
}
Status RunStore::setNotes(qint64 runId, const QString& notes) {
  return d_->runs.setNotes(runId, notes);
}
Status RunStore::deleteRun(qint64 runId) {
  return d_->runs.deleteRun(runId);
}
Expected<RunInfo> RunStore::run(qint64 runId) {
  return d_->runs.run(runId);
}
Expected<RunInfo> RunStore::findRun(const QString& ref) {
  return d_->runs.findRun(ref);
}
Expected<std::vector<RunListEntry>> RunStore::listRuns(const ListOptions& options) {
  return d_->runs.listRuns(options);
}
Expected<QJsonObject> RunStore::params(qint64 runId) {
  return d_->runs.params(runId);
}

Status RunStore::logMetrics(qint64 runId, const std::vector<MetricRow>& rows) {
  return d_->metrics.logMetrics(runId, rows);
}
Status RunStore::logMetric(qint64 runId, const QString& key, qint64 step, qint32 epoch,
                           double value, MetricDirection direction) {
  return d_->metrics.logMetric(runId, key, step, epoch, value, direction);
}
Expected<QStringList> RunStore::metricKeys(qint64 runId) {
  return d_->metrics.metricKeys(runId);
}
Expected<std::vector<MetricPoint>> RunStore::metrics(qint64 runId, const QString& key,
                                                   qint64 afterSeq) {
  return d_->metrics.metrics(runId, key, afterSeq);
}
Expected<std::vector<MetricRow>> RunStore::allMetrics(qint64 runId) {
  return d_->metrics.allMetrics(runId);
}
Expected<std::vector<MetricSummary>> RunStore::metricSummaries(qint64 runId) {
  return d_->metrics.metricSummaries(runId);
}

Expected<qint64> RunStore::addCheckpoint(qint64 runId, const QString& path, qint32 epoch,
                                         qint64 step, bool isBest) {
  return d_->artifacts.addCheckpoint(runId, path, epoch, step, isBest);
}
Expected<std::vector<CheckpointRecord>> RunStore::checkpoints(qint64 runId) {
  return d_->artifacts.checkpoints(runId);
}
Status RunStore::saveEmbeddings(qint64 runId, const QString& kind, const EmbeddingMatrix& matrix) {
  return d_->artifacts.saveEmbeddings(runId, kind, matrix);
}
Expected<EmbeddingMatrix> RunStore::loadEmbeddings(qint64 runId, const QString& kind) {
  return d_->artifacts.loadEmbeddings(runId, kind);
}
Expected<std::vector<EmbeddingInfo>> RunStore::embeddingKinds(qint64 runId) {
  return d_->artifacts.embeddingKinds(runId);
}
Expected<qint64> RunStore::saveProjection(qint64 runId, const Projection& projection) {
  return d_->artifacts.saveProjection(runId, projection);
}
Expected<std::vector<Projection>> RunStore::projections(qint64 runId, bool withCoordinates) {
  return d_->artifacts.projections(runId, withCoordinates);
}
Status RunStore::saveLabels(qint64 datasetId, const LabelColumn& labels) {
  return d_->artifacts.saveLabels(datasetId, labels);
}
Expected<LabelColumn> RunStore::loadLabels(qint64 datasetId, EntityKind entity,
                                          const QString& key) {
  return d_->artifacts.loadLabels(datasetId, entity, key);
}
Expected<std::vector<std::pair<EntityKind, QString>>> RunStore::labelKeys(qint64 datasetId) {
  return d_->artifacts.labelKeys(datasetId);
}


// ---- pure helpers -----------------------------------------------------------------------------

QString RunStore::groupHash(const QString& groupKey) {
  return QString::fromLatin1(
      QCryptographicHash::hash(groupKey.toUtf8(), QCryptographicHash::Sha1).toHex().left(12));
}

QJsonObject RunStore::flattenConfig(const QJsonObject& config) {
  QJsonObject out;
  flattenInto(config, QString(), out);
  return out;
}

RunOwner RunStore::currentOwner() { return detail::currentOwner(); }

bool RunStore::ownerAlive(const RunOwner& owner) { return detail::ownerAlive(owner); }

}  // namespace irl4rec::store
