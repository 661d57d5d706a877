#include "core/store/run_store.h"

#include "core/store/owner.h"
#include "core/store/schema.h"
#include "core/store/sql_util.h"

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

constexpr qint64 kEmbeddingChunkBytes = 4 << 20;
constexpr size_t kMetricRowsPerInsert = 500;  // rows per INSERT statement

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

QDateTime fromMs(const QVariant& v) {
  if (v.isNull()) return {};
  return QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

double toDouble(const QVariant& v) {
  return v.isNull() ? std::numeric_limits<double>::quiet_NaN() : v.toDouble();
}

QString compactJson(const QJsonObject& object) {
  return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QString compactJson(const QJsonArray& array) {
  return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

QJsonObject parseObject(const QVariant& v) {
  return QJsonDocument::fromJson(v.toString().toUtf8()).object();
}

QStringList parseStringArray(const QVariant& v) {
  QStringList out;
  const QJsonArray array = QJsonDocument::fromJson(v.toString().toUtf8()).array();
  out.reserve(array.size());
  for (const QJsonValue& value : array) out << value.toString();
  return out;
}

template <typename T>
QByteArray rawBytes(const T* data, qint64 count) {
  // The driver binds blobs without copying; the source outlives the exec() call.
  return QByteArray::fromRawData(reinterpret_cast<const char*>(data),
                                 static_cast<qsizetype>(count * qint64(sizeof(T))));
}

template <typename T>
void appendBytes(std::vector<T>& out, const QByteArray& bytes) {
  const size_t n = size_t(bytes.size()) / sizeof(T);
  const size_t old = out.size();
  out.resize(old + n);
  if (n > 0) std::memcpy(out.data() + old, bytes.constData(), n * sizeof(T));
}

bool validKindName(const QString& kind) {
  if (kind.isEmpty() || kind.size() > 64) return false;
  for (QChar c : kind) {
    if (!((c >= QLatin1Char('a') && c <= QLatin1Char('z')) || c.isDigit() ||
          c == QLatin1Char('_'))) {
      return false;
    }
  }
  return true;
}

QJsonObject stripKeys(const QJsonObject& object, const QStringList& excluded);

QJsonValue stripValue(const QJsonValue& value, const QStringList& excluded) {
  if (value.isObject()) return stripKeys(value.toObject(), excluded);
  if (value.isArray()) {
    QJsonArray out;
    for (const QJsonValue& v : value.toArray()) out.append(stripValue(v, excluded));
    return out;
  }
  return value;
}

QJsonObject stripKeys(const QJsonObject& object, const QStringList& excluded) {
  QJsonObject out;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (excluded.contains(it.key())) continue;
    out.insert(it.key(), stripValue(it.value(), excluded));
  }
  return out;
}

QString scalarText(const QJsonValue& value) {
  switch (value.type()) {
    case QJsonValue::String:
      return value.toString();
    case QJsonValue::Bool:
      return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
      const double d = value.toDouble();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
        return QString::number(qint64(d));
      }
      return QString::number(d, 'g', QLocale::FloatingPointShortest);
    }
    case QJsonValue::Array:
      return compactJson(value.toArray());
    case QJsonValue::Object:
      return compactJson(value.toObject());
    default:
      return QStringLiteral("null");
  }
}

void flattenInto(const QJsonObject& object, const QString& prefix, QJsonObject& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const QString key = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
    if (it.value().isObject()) {
      flattenInto(it.value().toObject(), key, out);
    } else {
      out.insert(key, scalarText(it.value()));
    }
  }
}

// Columns of a run as read by runFromQuery(); the config is last and optional.
const char* const kRunColumns =
    "r.id, r.uuid, r.name, r.status, r.message, r.created_ms, r.started_ms, r.finished_ms, "
    "r.dataset_id, d.name, r.group_key, r.group_hash, r.notes, r.tags, r.owner_host, "
    "r.owner_pid, r.owner_token";
constexpr int kRunConfigColumn = 17;

RunInfo runFromQuery(const QSqlQuery& q, bool withConfig) {
  RunInfo r;
  r.id = q.value(0).toLongLong();
  r.uuid = q.value(1).toString();
  r.name = q.value(2).toString();
  r.status = parseRunStatus(q.value(3).toString()).value_or(RunStatus::Failed);
  r.message = q.value(4).toString();
  r.created = fromMs(q.value(5));
  r.started = fromMs(q.value(6));
  r.finished = fromMs(q.value(7));
  r.datasetId = q.value(8).isNull() ? 0 : q.value(8).toLongLong();
  r.datasetName = q.value(9).toString();
  r.groupKey = q.value(10).toString();
  r.groupHash = q.value(11).toString();
  r.notes = q.value(12).toString();
  r.tags = parseStringArray(q.value(13));
  r.owner.host = q.value(14).toString();
  r.owner.pid = q.value(15).toLongLong();
  r.owner.token = q.value(16).toString();
  if (withConfig) r.config = parseObject(q.value(kRunConfigColumn));
  return r;
}

const char* const kSummaryColumns =
    "run_id, key, direction, count, last_step, last_epoch, last_value, last_time, best_value, "
    "best_step, best_epoch";

MetricSummary summaryFromQuery(const QSqlQuery& q) {
  MetricSummary m;
  m.key = q.value(1).toString();
  m.direction = q.value(2).toInt() == 1 ? MetricDirection::Maximize : MetricDirection::Minimize;
  m.count = q.value(3).toLongLong();
  m.lastStep = q.value(4).toLongLong();
  m.lastEpoch = q.value(5).toInt();
  m.lastValue = toDouble(q.value(6));
  m.lastWallTime = q.value(7).toDouble();
  m.bestValue = toDouble(q.value(8));
  m.bestStep = q.value(9).toLongLong();
  m.bestEpoch = q.value(10).toInt();
  return m;
}

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

// ---- Impl -------------------------------------------------------------------------------------

struct RunStore::Impl {
  QString connection;
  QString path;
  QSqlDatabase db;
  // Prepared once per connection: the hot path of metric logging.
  std::unique_ptr<QSqlQuery> updateSummary;

  Error error(const QString& cause) const { return Error::at(path, 0, cause); }
  Error notOpen() const { return Error::general(QStringLiteral("the run store is not open")); }

  QThread* thread = nullptr;  // the thread that opened the connection; the only one allowed

  void checkThread() const {
    Q_ASSERT_X(thread == nullptr || thread == QThread::currentThread(), "RunStore",
               "a RunStore must be used only on the thread that opened it");
  }

  Status tx(bool write, const std::function<Status()>& body) const {
    checkThread();
    return detail::transaction(db, path, write, body);
  }

  // A prepared, bound, executed query in one call; `what` names the operation in errors.
  Expected<std::unique_ptr<QSqlQuery>> query(const QString& sql, const QVariantList& values,
                                             const QString& what) const {
    checkThread();
    auto q = std::make_unique<QSqlQuery>(db);
    q->setForwardOnly(true);
    if (Status s = prepare(*q, path, sql); !s) return s.error();
    for (int i = 0; i < values.size(); ++i) {
      // A null QString would bind as SQL NULL; text columns want ''.
      const QVariant& v = values[i];
      if (v.typeId() == QMetaType::QString &&
          static_cast<const QString*>(v.constData())->isNull()) {
        q->bindValue(i, QStringLiteral(""));
      } else {
        q->bindValue(i, v);
      }
    }
    if (Status s = execPrepared(*q, path, what); !s) return s.error();
    return q;
  }

  Status run(const QString& sql, const QVariantList& values, const QString& what) const {
    auto q = query(sql, values, what);
    return q.ok() ? Status() : Status(q.error());
  }

  Expected<RunInfo> readRun(qint64 runId, bool withConfig) const {
    auto q = query(QStringLiteral("SELECT %1, r.config FROM runs r LEFT JOIN datasets d ON "
                                  "d.id = r.dataset_id WHERE r.id = ?")
                       .arg(QLatin1String(kRunColumns)),
                   {runId}, QStringLiteral("reading run %1").arg(runId));
    if (!q.ok()) return q.error();
    if (!q.value()->next()) return error(QStringLiteral("no run with id %1").arg(runId));
    return runFromQuery(*q.value(), withConfig);
  }

  Status insertMetrics(qint64 runId, const std::vector<MetricRow>& rows);
};

Status RunStore::Impl::insertMetrics(qint64 runId, const std::vector<MetricRow>& rows) {
  // 1. The run's series (id, rows so far), creating the ones this batch starts.
  struct Series {
    qint64 id = 0;
    qint64 count = 0;     // rows before this batch
    QVariant storedBest;  // best value, step and epoch before this batch (NULL = none)
    qint64 storedBestStep = 0;
    qint32 storedBestEpoch = 0;
    MetricSummary batch;
    bool hasBest = false;
  };
  QHash<QString, Series> series;
  {
    auto q = query(QStringLiteral("SELECT id, key, count, best_value, best_step, best_epoch FROM "
                                  "metric_summary WHERE run_id = ?"),
                   {runId}, QStringLiteral("reading the metric series of run %1").arg(runId));
    if (!q.ok()) return q.error();
    QSqlQuery& r = *q.value();
    while (r.next()) {
      Series& x = series[r.value(1).toString()];
      x.id = r.value(0).toLongLong();
      x.count = r.value(2).toLongLong();
      x.storedBest = r.value(3);
      x.storedBestStep = r.value(4).toLongLong();
      x.storedBestEpoch = r.value(5).toInt();
    }
  }
  for (const MetricRow& row : rows) {
    Series& x = series[row.key];
    if (x.id != 0) continue;
    auto q = query(
        QStringLiteral("INSERT INTO metric_summary (run_id, key, direction) VALUES (?, ?, ?)"),
        {runId, row.key, RunStore::metricDirection(row.key) == MetricDirection::Maximize ? 1 : 0},
        QStringLiteral("starting metric '%1' of run %2").arg(row.key).arg(runId));
    if (!q.ok()) return q.error();
    x.id = q.value()->lastInsertId().toLongLong();
  }

  // 2. The rows, as multi-row INSERTs with the values written as SQL literals: binding six
  // QVariants per row costs Qt far more than SQLite needs to parse the text. Numbers are exact
  // shortest round-trip decimals; NaN is NULL.
  const double now = nowMs() / 1000.0;
  std::string sql;
  char buf[64];
  auto number = [&](auto v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    sql.append(buf, size_t(r.ptr - buf));
  };
  auto real = [&](double v) {
    if (std::isnan(v)) {
      sql += "NULL";
    } else if (std::isinf(v)) {
      sql += v > 0 ? "9e999" : "-9e999";
    } else {
      number(v);
    }
  };
  for (size_t i = 0; i < rows.size(); i += kMetricRowsPerInsert) {
    const size_t end = std::min(rows.size(), i + kMetricRowsPerInsert);
    sql.assign("INSERT INTO metrics (series_id, seq, step, epoch, value, wall_time) VALUES ");
    for (size_t j = i; j < end; ++j) {
      const MetricRow& row = rows[j];
      const double wall = row.wallTime > 0 ? row.wallTime : now;
      Series& x = series[row.key];
      MetricSummary& m = x.batch;
      if (m.count == 0) {
        m.key = row.key;
        m.direction = RunStore::metricDirection(row.key);
      }
      ++m.count;
      sql += j == i ? "(" : ",(";
      number(x.id);
      sql += ',';
      number(qint64(x.count + m.count));
      sql += ',';
      number(qint64(row.step));
      sql += ',';
      number(int(row.epoch));
      sql += ',';
      real(row.value);
      sql += ',';
      real(wall);
      sql += ')';
      m.lastStep = row.step;
      m.lastEpoch = row.epoch;
      m.lastValue = row.value;
      m.lastWallTime = wall;
      if (std::isfinite(row.value) &&
          (!x.hasBest || (m.direction == MetricDirection::Maximize ? row.value > m.bestValue
                                                                   : row.value < m.bestValue))) {
        x.hasBest = true;
        m.bestValue = row.value;
        m.bestStep = row.step;
        m.bestEpoch = row.epoch;
      }
    }
    if (Status s = exec(db, path, QString::fromLatin1(sql.data(), qsizetype(sql.size()))); !s) {
      return s;
    }
  }

  // 3. Latest and best values of every series the batch touched.
  if (!updateSummary) {
    updateSummary = std::make_unique<QSqlQuery>(db);
    if (Status s =
            prepare(*updateSummary, path,
                    QStringLiteral("UPDATE metric_summary SET count = ?, last_step = ?, "
                                   "last_epoch = ?, last_value = ?, last_time = ?, "
                                   "best_value = ?, best_step = ?, best_epoch = ? WHERE id = ?"));
        !s) {
      updateSummary.reset();
      return s;
    }
  }
  QSqlQuery& up = *updateSummary;
  for (const Series& x : std::as_const(series)) {
    const MetricSummary& m = x.batch;
    if (m.count == 0) continue;
    bool improved = x.hasBest;
    if (improved && !x.storedBest.isNull()) {
      const double old = x.storedBest.toDouble();
      improved = m.direction == MetricDirection::Maximize ? m.bestValue > old : m.bestValue < old;
    }
    up.bindValue(0, x.count + m.count);
    up.bindValue(1, m.lastStep);
    up.bindValue(2, m.lastEpoch);
    up.bindValue(3, std::isnan(m.lastValue) ? QVariant() : QVariant(m.lastValue));
    up.bindValue(4, m.lastWallTime);
    up.bindValue(5, improved ? QVariant(m.bestValue) : x.storedBest);
    up.bindValue(6, improved ? m.bestStep : x.storedBestStep);
    up.bindValue(7, improved ? m.bestEpoch : x.storedBestEpoch);
    up.bindValue(8, x.id);
    if (Status s =
            execPrepared(up, path, QStringLiteral("updating the summary of '%1'").arg(m.key));
        !s) {
      return s;
    }
  }
  return {};
}

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

bool RunStore::isOpen() const { return d_->db.isValid() && d_->db.isOpen(); }

QString RunStore::path() const { return d_->path; }

void RunStore::close() {
  d_->updateSummary.reset();
  if (d_->db.isValid()) {
    d_->db.close();
    d_->db = QSqlDatabase();
  }
  if (!d_->connection.isEmpty()) {
    QSqlDatabase::removeDatabase(d_->connection);
    d_->connection.clear();
  }
}

Status RunStore::open(const QString& path, OpenMode mode) {
  close();
  interruptedOnOpen_ = 0;
  readOnly_ = false;
  if (path.isEmpty()) return Error::general(QStringLiteral("no run store file given"));
  const QFileInfo info(path);
  const QString absolute = info.absoluteFilePath();
  d_->path = absolute;
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

  d_->thread = QThread::currentThread();
  d_->connection = QStringLiteral("irl4rec-store-%1").arg(gConnectionCounter.fetchAndAddOrdered(1));
  d_->db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d_->connection);
  if (!d_->db.isValid()) {
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
  d_->db.setDatabaseName(name);
  d_->db.setConnectOptions(options);
  if (!d_->db.open()) {
    const Error e = sqlError(absolute, QStringLiteral("cannot open"), d_->db.lastError());
    close();
    return e;
  }
  // Connection settings: no file writes.
  for (const QString& pragma :
       {QStringLiteral("PRAGMA busy_timeout = %1").arg(detail::kBusyTimeoutMs),
        QStringLiteral("PRAGMA foreign_keys = ON")}) {
    if (Status s = exec(d_->db, absolute, pragma); !s) {
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
      QSqlQuery q(d_->db);
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
        return d_->error(
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
    auto q = d_->query(QStringLiteral("PRAGMA journal_mode = WAL"), {},
                       QStringLiteral("switching to the WAL journal"));
    if (!q.ok()) {
      close();
      return q.error();
    }
  }
  if (Status s = exec(d_->db, absolute, QStringLiteral("PRAGMA synchronous = NORMAL")); !s) {
    close();
    return s;
  }
  if (version < kSchemaVersion) {
    Status s = d_->tx(true, [&]() -> Status {
      // Another process may have migrated while we waited for the lock.
      auto current = readInt(QStringLiteral("PRAGMA user_version"));
      if (!current.ok()) return current.error();
      if (current.value() >= kSchemaVersion) return {};
      return detail::migrate(d_->db, absolute, int(current.value()), kSchemaVersion);
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
  return Error::at(d_->path, 0,
                   QStringLiteral("the run store is read-only for this program (permissions of "
                                  "the file or of its directory); runs cannot be recorded in it — "
                                  "make it writable or pass another file with --db"));
}

Expected<int> RunStore::recoverInterruptedRuns() {
  if (!isOpen()) return d_->notOpen();
  if (readOnly_) return 0;
  struct Candidate {
    qint64 id;
    RunOwner owner;
    QString status;
  };
  std::vector<Candidate> dead;
  {
    auto q = d_->query(QStringLiteral("SELECT id, owner_host, owner_pid, owner_token, status FROM "
                                      "runs WHERE status IN ('queued', 'running')"),
                       {}, QStringLiteral("looking for interrupted runs"));
    if (!q.ok()) return q.error();
    while (q.value()->next()) {
      Candidate c{q.value()->value(0).toLongLong(),
                  RunOwner{q.value()->value(1).toString(), q.value()->value(2).toLongLong(),
                           q.value()->value(3).toString()},
                  q.value()->value(4).toString()};
      if (!detail::ownerAlive(c.owner)) dead.push_back(std::move(c));
    }
  }
  if (dead.empty()) return 0;
  int changed = 0;
  Status s = d_->tx(true, [&]() -> Status {
    for (const Candidate& c : dead) {
      const QString message = QStringLiteral("process %1 on %2 ended while the run was %3")
                                  .arg(c.owner.pid)
                                  .arg(c.owner.host, c.status);
      // The owner columns in the WHERE clause keep a run another process just took over.
      auto q = d_->query(
          QStringLiteral(
              "UPDATE runs SET status = 'interrupted', message = ?, finished_ms = COALESCE("
              "(SELECT CAST(MAX(last_time) * 1000 AS INTEGER) FROM metric_summary WHERE run_id = "
              "?), ?) "
              "WHERE id = ? AND status IN ('queued', 'running') AND owner_pid = ? AND "
              "owner_token = ? AND owner_host = ?"),
          {message, c.id, nowMs(), c.id, c.owner.pid, c.owner.token, c.owner.host},
          QStringLiteral("marking run %1 interrupted").arg(c.id));
      if (!q.ok()) return q.error();
      changed += q.value()->numRowsAffected() > 0 ? 1 : 0;
    }
    return {};
  });
  if (!s) return s.error();
  return changed;
}

// ---- datasets ---------------------------------------------------------------------------------

Expected<qint64> RunStore::upsertDataset(const DatasetRecord& dataset) {
  if (!isOpen()) return d_->notOpen();
  if (dataset.fingerprint.isEmpty()) {
    return Error::general(QStringLiteral("a dataset needs a fingerprint to be recorded"));
  }
  qint64 id = 0;
  Status s = d_->tx(true, [&]() -> Status {
    if (Status s2 = d_->run(
            QStringLiteral("INSERT INTO datasets (name, path, format, fingerprint, stats, "
                           "created_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO "
                           "UPDATE SET name = excluded.name, path = excluded.path, format = "
                           "excluded.format, stats = excluded.stats"),
            {dataset.name, dataset.path, dataset.format, dataset.fingerprint,
             compactJson(dataset.stats), nowMs()},
            QStringLiteral("recording dataset '%1'").arg(dataset.name));
        !s2) {
      return s2;
    }
    auto q = d_->query(QStringLiteral("SELECT id FROM datasets WHERE fingerprint = ?"),
                       {dataset.fingerprint}, QStringLiteral("reading a dataset id"));
    if (!q.ok()) return q.error();
    if (!q.value()->next()) return d_->error(QStringLiteral("dataset vanished after insert"));
    id = q.value()->value(0).toLongLong();
    return {};
  });
  if (!s) return s.error();
  return id;
}

namespace {
DatasetRecord datasetFromQuery(const QSqlQuery& q) {
  DatasetRecord r;
  r.id = q.value(0).toLongLong();
  r.name = q.value(1).toString();
  r.path = q.value(2).toString();
  r.format = q.value(3).toString();
  r.fingerprint = q.value(4).toString();
  r.stats = parseObject(q.value(5));
  return r;
}
}  // namespace

Expected<DatasetRecord> RunStore::dataset(qint64 datasetId) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT id, name, path, format, fingerprint, stats FROM "
                                    "datasets WHERE id = ?"),
                     {datasetId}, QStringLiteral("reading dataset %1").arg(datasetId));
  if (!q.ok()) return q.error();
  if (!q.value()->next()) return d_->error(QStringLiteral("no dataset with id %1").arg(datasetId));
  return datasetFromQuery(*q.value());
}

Expected<std::vector<DatasetRecord>> RunStore::datasets() {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT id, name, path, format, fingerprint, stats FROM "
                                    "datasets ORDER BY id"),
                     {}, QStringLiteral("reading datasets"));
  if (!q.ok()) return q.error();
  std::vector<DatasetRecord> out;
  while (q.value()->next()) out.push_back(datasetFromQuery(*q.value()));
  return out;
}

// ---- runs -------------------------------------------------------------------------------------

Expected<RunInfo> RunStore::createRun(const NewRun& run) {
  if (!isOpen()) return d_->notOpen();
  if (isTerminal(run.status)) {
    return Error::general(
        QStringLiteral("a new run must be queued or running, not %1").arg(toString(run.status)));
  }
  const QString uuid = run.uuid.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces)
                                           : run.uuid.toLower();
  const QString name = run.name.trimmed().isEmpty() ? uuid.left(8) : run.name.trimmed();
  const RunOwner owner = currentOwner();
  qint64 id = 0;
  Status s = d_->tx(true, [&]() -> Status {
    QString fingerprint;
    if (run.datasetId > 0) {
      auto q = d_->query(QStringLiteral("SELECT fingerprint FROM datasets WHERE id = ?"),
                         {run.datasetId}, QStringLiteral("reading the run's dataset"));
      if (!q.ok()) return q.error();
      if (!q.value()->next()) {
        return d_->error(QStringLiteral("no dataset with id %1").arg(run.datasetId));
      }
      fingerprint = q.value()->value(0).toString();
    }
    const QString key = groupKey(run.config, fingerprint);
    const qint64 now = nowMs();
    auto q = d_->query(
        QStringLiteral("INSERT INTO runs (uuid, name, status, created_ms, started_ms, dataset_id, "
                       "config, group_key, group_hash, notes, tags, owner_host, owner_pid, "
                       "owner_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        {uuid, name, toString(run.status), now,
         run.status == RunStatus::Running ? QVariant(now) : QVariant(),
         run.datasetId > 0 ? QVariant(run.datasetId) : QVariant(), compactJson(run.config), key,
         groupHash(key), run.notes, compactJson(QJsonArray::fromStringList(run.tags)), owner.host,
         owner.pid, owner.token},
        QStringLiteral("creating run '%1'").arg(name));
    if (!q.ok()) return q.error();
    id = q.value()->lastInsertId().toLongLong();
    QSqlQuery param(d_->db);
    if (Status ps =
            prepare(param, d_->path,
                    QStringLiteral("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)"));
        !ps) {
      return ps;
    }
    const QJsonObject flat = flattenConfig(run.config);
    for (auto it = flat.begin(); it != flat.end(); ++it) {
      param.bindValue(0, id);
      param.bindValue(1, it.key());
      param.bindValue(2, it.value().toString());
      if (Status ps = execPrepared(param, d_->path, QStringLiteral("writing params")); !ps) {
        return ps;
      }
    }
    return {};
  });
  if (!s) return s.error();
  return d_->readRun(id, true);
}

Status RunStore::setStatus(qint64 runId, RunStatus status, const QString& message) {
  if (!isOpen()) return d_->notOpen();
  const RunOwner owner = currentOwner();
  const bool running = status == RunStatus::Running;
  const qint64 now = nowMs();
  auto q = d_->query(
      QStringLiteral("UPDATE runs SET status = ?, message = ?, "
                     "started_ms = CASE WHEN ? THEN COALESCE(started_ms, ?) ELSE started_ms END, "
                     "finished_ms = CASE WHEN ? THEN ? ELSE NULL END, "
                     "owner_host = CASE WHEN ? THEN ? ELSE owner_host END, "
                     "owner_pid = CASE WHEN ? THEN ? ELSE owner_pid END, "
                     "owner_token = CASE WHEN ? THEN ? ELSE owner_token END WHERE id = ?"),
      {toString(status), message, running, now, isTerminal(status), now, running, owner.host,
       running, owner.pid, running, owner.token, runId},
      QStringLiteral("setting the status of run %1").arg(runId));
  if (!q.ok()) return q.error();
  if (q.value()->numRowsAffected() == 0)
    return d_->error(QStringLiteral("no run with id %1").arg(runId));
  return {};
}

Status RunStore::rename(qint64 runId, const QString& name) {
  if (!isOpen()) return d_->notOpen();
  if (name.trimmed().isEmpty()) return Error::general(QStringLiteral("a run name cannot be empty"));
  auto q = d_->query(QStringLiteral("UPDATE runs SET name = ? WHERE id = ?"),
                     {name.trimmed(), runId}, QStringLiteral("renaming run %1").arg(runId));
  if (!q.ok()) return q.error();
  if (q.value()->numRowsAffected() == 0)
    return d_->error(QStringLiteral("no run with id %1").arg(runId));
  return {};
}

Status RunStore::setTags(qint64 runId, const QStringList& tags) {
  if (!isOpen()) return d_->notOpen();
  QStringList clean;
  for (const QString& t : tags) {
    if (!t.trimmed().isEmpty() && !clean.contains(t.trimmed())) clean << t.trimmed();
  }
  auto q = d_->query(QStringLiteral("UPDATE runs SET tags = ? WHERE id = ?"),
                     {compactJson(QJsonArray::fromStringList(clean)), runId},
                     QStringLiteral("tagging run %1").arg(runId));
  if (!q.ok()) return q.error();
  if (q.value()->numRowsAffected() == 0)
    return d_->error(QStringLiteral("no run with id %1").arg(runId));
  return {};
}

Status RunStore::setNotes(qint64 runId, const QString& notes) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("UPDATE runs SET notes = ? WHERE id = ?"), {notes, runId},
                     QStringLiteral("writing notes of run %1").arg(runId));
  if (!q.ok()) return q.error();
  if (q.value()->numRowsAffected() == 0)
    return d_->error(QStringLiteral("no run with id %1").arg(runId));
  return {};
}

Status RunStore::deleteRun(qint64 runId) {
  if (!isOpen()) return d_->notOpen();
  auto info = d_->readRun(runId, false);
  if (!info.ok()) return info.error();
  const RunInfo& r = info.value();
  if (r.status == RunStatus::Running && detail::ownerAlive(r.owner)) {
    return d_->error(QStringLiteral("run %1 (%2) is still running in process %3 on %4; cancel it "
                                    "first")
                         .arg(r.uuid.left(8), r.name)
                         .arg(r.owner.pid)
                         .arg(r.owner.host));
  }
  QStringList files;
  Status s = d_->tx(true, [&]() -> Status {
    auto q = d_->query(QStringLiteral("SELECT path FROM checkpoints WHERE run_id = ?"), {runId},
                       QStringLiteral("listing checkpoints of run %1").arg(runId));
    if (!q.ok()) return q.error();
    while (q.value()->next()) files << q.value()->value(0).toString();
    // ON DELETE CASCADE removes params, metrics, summaries, checkpoints, embeddings, projections.
    return d_->run(QStringLiteral("DELETE FROM runs WHERE id = ?"), {runId},
                   QStringLiteral("deleting run %1").arg(runId));
  });
  if (!s) return s;
  QStringList failed;
  for (const QString& file : std::as_const(files)) {
    if (QFile::exists(file) && !QFile::remove(file)) failed << file;
  }
  if (!failed.isEmpty()) {
    return d_->error(QStringLiteral("run %1 was deleted but its checkpoint files could not be "
                                    "removed: %2")
                         .arg(r.uuid.left(8), failed.join(QStringLiteral(", "))));
  }
  return {};
}

Expected<RunInfo> RunStore::run(qint64 runId) {
  if (!isOpen()) return d_->notOpen();
  return d_->readRun(runId, true);
}

Expected<RunInfo> RunStore::findRun(const QString& ref) {
  if (!isOpen()) return d_->notOpen();
  const QString needle = ref.trimmed();
  if (needle.isEmpty()) return Error::general(QStringLiteral("no run given"));
  auto ids = [&](const QString& where, const QVariantList& values) -> Expected<QList<qint64>> {
    auto q = d_->query(QStringLiteral("SELECT id FROM runs WHERE %1 ORDER BY created_ms DESC, "
                                      "id DESC LIMIT 6")
                           .arg(where),
                       values, QStringLiteral("looking up run '%1'").arg(needle));
    if (!q.ok()) return q.error();
    QList<qint64> out;
    while (q.value()->next()) out << q.value()->value(0).toLongLong();
    return out;
  };
  auto ambiguous = [&](const QList<qint64>& found, const QString& how) -> Error {
    QStringList names;
    for (qint64 id : found.mid(0, 5)) {
      auto r = d_->readRun(id, false);
      if (r.ok()) names << QStringLiteral("%1 (%2)").arg(r.value().uuid.left(8), r.value().name);
    }
    return Error::general(QStringLiteral("'%1' %2 several runs: %3%4; give more of the uuid")
                              .arg(needle, how, names.join(QStringLiteral(", ")),
                                   found.size() > 5 ? QStringLiteral(", ...") : QString()));
  };
  auto exact = ids(QStringLiteral("uuid = ?"), {needle.toLower()});
  if (!exact.ok()) return exact.error();
  if (!exact.value().isEmpty()) return d_->readRun(exact.value().front(), true);
  auto byName = ids(QStringLiteral("name = ?"), {needle});
  if (!byName.ok()) return byName.error();
  if (byName.value().size() == 1) return d_->readRun(byName.value().front(), true);
  if (byName.value().size() > 1) return ambiguous(byName.value(), QStringLiteral("names"));
  if (needle.size() >= 4) {
    auto byPrefix =
        ids(QStringLiteral("substr(uuid, 1, ?) = ?"), {int(needle.size()), needle.toLower()});
    if (!byPrefix.ok()) return byPrefix.error();
    if (byPrefix.value().size() == 1) return d_->readRun(byPrefix.value().front(), true);
    if (byPrefix.value().size() > 1) return ambiguous(byPrefix.value(), QStringLiteral("starts"));
  }
  return Error::general(QStringLiteral("no run '%1' in %2 (give a uuid, a uuid prefix of at least "
                                       "4 characters or a run name)")
                            .arg(needle, d_->path));
}

Expected<std::vector<RunListEntry>> RunStore::listRuns(const ListOptions& options) {
  if (!isOpen()) return d_->notOpen();
  QStringList where;
  QVariantList values;
  if (!options.groupKey.isEmpty()) {
    where << QStringLiteral("r.group_key = ?");
    values << options.groupKey;
  }
  if (options.datasetId > 0) {
    where << QStringLiteral("r.dataset_id = ?");
    values << options.datasetId;
  }
  const QString filter =
      where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
  const QString limit =
      options.limit > 0 ? QStringLiteral(" LIMIT %1").arg(options.limit) : QString();
  std::vector<RunListEntry> out;
  Status s = d_->tx(false, [&]() -> Status {
    auto q = d_->query(
        QStringLiteral("SELECT %1%2 FROM runs r LEFT JOIN datasets d ON d.id = "
                       "r.dataset_id%3 ORDER BY r.created_ms DESC, r.id DESC%4")
            .arg(QLatin1String(kRunColumns),
                 options.includeConfig ? QStringLiteral(", r.config") : QString(), filter, limit),
        values, QStringLiteral("listing runs"));
    if (!q.ok()) return q.error();
    QHash<qint64, size_t> index;
    while (q.value()->next()) {
      RunListEntry e;
      e.run = runFromQuery(*q.value(), options.includeConfig);
      index.insert(e.run.id, out.size());
      out.push_back(std::move(e));
    }
    if (!options.includeMetrics || out.empty()) return {};
    const QString summaries =
        where.isEmpty() && limit.isEmpty()
            ? QStringLiteral("SELECT %1 FROM metric_summary").arg(QLatin1String(kSummaryColumns))
            : QStringLiteral(
                  "SELECT %1 FROM metric_summary WHERE run_id IN (SELECT r.id FROM runs "
                  "r%2 ORDER BY r.created_ms DESC, r.id DESC%3)")
                  .arg(QLatin1String(kSummaryColumns), filter, limit);
    auto m = d_->query(summaries, values, QStringLiteral("reading metric summaries"));
    if (!m.ok()) return m.error();
    while (m.value()->next()) {
      auto it = index.constFind(m.value()->value(0).toLongLong());
      if (it != index.constEnd()) out[*it].metrics.push_back(summaryFromQuery(*m.value()));
    }
    return {};
  });
  if (!s) return s.error();
  return out;
}

Expected<QJsonObject> RunStore::params(qint64 runId) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT key, value FROM params WHERE run_id = ? ORDER BY key"),
                     {runId}, QStringLiteral("reading params of run %1").arg(runId));
  if (!q.ok()) return q.error();
  QJsonObject out;
  while (q.value()->next())
    out.insert(q.value()->value(0).toString(), q.value()->value(1).toString());
  return out;
}

// ---- metrics ----------------------------------------------------------------------------------

Status RunStore::logMetrics(qint64 runId, const std::vector<MetricRow>& rows) {
  if (!isOpen()) return d_->notOpen();
  if (rows.empty()) return {};
  return d_->tx(true, [&] { return d_->insertMetrics(runId, rows); });
}

Status RunStore::logMetric(qint64 runId, const QString& key, qint64 step, qint32 epoch,
                           double value) {
  return logMetrics(runId, {MetricRow{key, step, epoch, value, 0}});
}

Expected<QStringList> RunStore::metricKeys(qint64 runId) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT key FROM metric_summary WHERE run_id = ? ORDER BY key"),
                     {runId}, QStringLiteral("reading metric keys of run %1").arg(runId));
  if (!q.ok()) return q.error();
  QStringList out;
  while (q.value()->next()) out << q.value()->value(0).toString();
  return out;
}

Expected<std::vector<MetricPoint>> RunStore::metrics(qint64 runId, const QString& key,
                                                     qint64 afterSeq) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT m.seq, m.step, m.epoch, m.value, m.wall_time FROM "
                                    "metric_summary s JOIN metrics m ON m.series_id = s.id WHERE "
                                    "s.run_id = ? AND s.key = ? AND m.seq > ? ORDER BY m.seq"),
                     {runId, key, afterSeq},
                     QStringLiteral("reading metric '%1' of run %2").arg(key).arg(runId));
  if (!q.ok()) return q.error();
  std::vector<MetricPoint> out;
  QSqlQuery& r = *q.value();
  while (r.next()) {
    out.push_back(MetricPoint{r.value(0).toLongLong(), r.value(1).toLongLong(), r.value(2).toInt(),
                              toDouble(r.value(3)), r.value(4).toDouble()});
  }
  return out;
}

Expected<std::vector<MetricRow>> RunStore::allMetrics(qint64 runId) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT s.key, m.step, m.epoch, m.value, m.wall_time FROM "
                                    "metric_summary s JOIN metrics m ON m.series_id = s.id WHERE "
                                    "s.run_id = ? ORDER BY m.wall_time, s.id, m.seq"),
                     {runId}, QStringLiteral("reading metrics of run %1").arg(runId));
  if (!q.ok()) return q.error();
  std::vector<MetricRow> out;
  QSqlQuery& r = *q.value();
  while (r.next()) {
    out.push_back(MetricRow{r.value(0).toString(), r.value(1).toLongLong(), r.value(2).toInt(),
                            toDouble(r.value(3)), r.value(4).toDouble()});
  }
  return out;
}

Expected<std::vector<MetricSummary>> RunStore::metricSummaries(qint64 runId) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT %1 FROM metric_summary WHERE run_id = ? ORDER BY key")
                         .arg(QLatin1String(kSummaryColumns)),
                     {runId}, QStringLiteral("reading metric summaries of run %1").arg(runId));
  if (!q.ok()) return q.error();
  std::vector<MetricSummary> out;
  while (q.value()->next()) out.push_back(summaryFromQuery(*q.value()));
  return out;
}

// ---- checkpoints ------------------------------------------------------------------------------

Expected<qint64> RunStore::addCheckpoint(qint64 runId, const QString& path, qint32 epoch,
                                         qint64 step, bool isBest) {
  if (!isOpen()) return d_->notOpen();
  if (path.isEmpty()) return Error::general(QStringLiteral("a checkpoint needs a file path"));
  const QString absolute = QFileInfo(path).absoluteFilePath();
  qint64 id = 0;
  Status s = d_->tx(true, [&]() -> Status {
    if (isBest) {
      if (Status s2 = d_->run(QStringLiteral("UPDATE checkpoints SET is_best = 0 WHERE run_id = ?"),
                              {runId}, QStringLiteral("updating checkpoints"));
          !s2) {
        return s2;
      }
    }
    auto q =
        d_->query(QStringLiteral("INSERT INTO checkpoints (run_id, path, epoch, step, is_best, "
                                 "created_ms) VALUES (?, ?, ?, ?, ?, ?)"),
                  {runId, absolute, epoch, step, isBest ? 1 : 0, nowMs()},
                  QStringLiteral("recording checkpoint %1").arg(absolute));
    if (!q.ok()) return q.error();
    id = q.value()->lastInsertId().toLongLong();
    return {};
  });
  if (!s) return s.error();
  return id;
}

Expected<std::vector<CheckpointRecord>> RunStore::checkpoints(qint64 runId) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT id, path, epoch, step, is_best, created_ms FROM "
                                    "checkpoints WHERE run_id = ? ORDER BY id"),
                     {runId}, QStringLiteral("reading checkpoints of run %1").arg(runId));
  if (!q.ok()) return q.error();
  std::vector<CheckpointRecord> out;
  QSqlQuery& r = *q.value();
  while (r.next()) {
    out.push_back(CheckpointRecord{r.value(0).toLongLong(), r.value(1).toString(),
                                   r.value(2).toInt(), r.value(3).toLongLong(),
                                   r.value(4).toInt() != 0, fromMs(r.value(5))});
  }
  return out;
}

// ---- embeddings -------------------------------------------------------------------------------

Status RunStore::saveEmbeddings(qint64 runId, const QString& kind, const EmbeddingMatrix& m) {
  if (!isOpen()) return d_->notOpen();
  if (!validKindName(kind)) {
    return Error::general(QStringLiteral("embedding kind '%1' must be lower-case letters, digits "
                                         "or '_'")
                              .arg(kind));
  }
  if (m.rows < 0 || m.dim < 0 || qint64(m.ids.size()) != m.rows ||
      qint64(m.values.size()) != m.rows * m.dim || (m.rows > 0 && m.dim == 0)) {
    return Error::general(QStringLiteral("embedding matrix '%1' is inconsistent: %2 rows, dim %3, "
                                         "%4 ids, %5 values")
                              .arg(kind)
                              .arg(m.rows)
                              .arg(m.dim)
                              .arg(m.ids.size())
                              .arg(m.values.size()));
  }
  return d_->tx(true, [&]() -> Status {
    if (Status s = d_->run(QStringLiteral("DELETE FROM embeddings WHERE run_id = ? AND kind = ?"),
                           {runId, kind}, QStringLiteral("replacing embeddings '%1'").arg(kind));
        !s) {
      return s;
    }
    if (m.rows == 0) return {};
    QSqlQuery ins(d_->db);
    if (Status s =
            prepare(ins, d_->path,
                    QStringLiteral("INSERT INTO embeddings (run_id, kind, chunk, total_rows, "
                                   "dim, rows, ids, vectors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
        !s) {
      return s;
    }
    const qint64 perChunk =
        std::max<qint64>(1, kEmbeddingChunkBytes / (m.dim * qint64(sizeof(float))));
    for (qint64 first = 0, chunk = 0; first < m.rows; first += perChunk, ++chunk) {
      const qint64 n = std::min(perChunk, m.rows - first);
      ins.bindValue(0, runId);
      ins.bindValue(1, kind);
      ins.bindValue(2, chunk);
      ins.bindValue(3, qint64(m.rows));
      ins.bindValue(4, qint64(m.dim));
      ins.bindValue(5, n);
      ins.bindValue(6, rawBytes(m.ids.data() + first, n));
      ins.bindValue(7, rawBytes(m.values.data() + first * m.dim, n * m.dim));
      if (Status s =
              execPrepared(ins, d_->path, QStringLiteral("writing embeddings '%1'").arg(kind));
          !s) {
        return s;
      }
    }
    return {};
  });
}

Expected<EmbeddingMatrix> RunStore::loadEmbeddings(qint64 runId, const QString& kind) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT total_rows, dim, rows, ids, vectors FROM embeddings "
                                    "WHERE run_id = ? AND kind = ? ORDER BY chunk"),
                     {runId, kind}, QStringLiteral("reading embeddings '%1'").arg(kind));
  if (!q.ok()) return q.error();
  EmbeddingMatrix m;
  QSqlQuery& r = *q.value();
  bool first = true;
  while (r.next()) {
    if (first) {
      m.rows = r.value(0).toLongLong();
      m.dim = r.value(1).toLongLong();
      m.ids.reserve(size_t(m.rows));
      m.values.reserve(size_t(m.rows * m.dim));
      first = false;
    }
    appendBytes(m.ids, r.value(3).toByteArray());
    appendBytes(m.values, r.value(4).toByteArray());
  }
  if (first) {
    return d_->error(QStringLiteral("run %1 has no '%2' embeddings").arg(runId).arg(kind));
  }
  if (qint64(m.ids.size()) != m.rows || qint64(m.values.size()) != m.rows * m.dim) {
    return d_->error(QStringLiteral("the '%1' embeddings of run %2 are incomplete (%3 of %4 rows)")
                         .arg(kind)
                         .arg(runId)
                         .arg(m.ids.size())
                         .arg(m.rows));
  }
  return m;
}

Expected<std::vector<EmbeddingInfo>> RunStore::embeddingKinds(qint64 runId) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT kind, total_rows, dim FROM embeddings WHERE run_id = ? "
                                    "AND chunk = 0 ORDER BY kind"),
                     {runId}, QStringLiteral("listing embeddings of run %1").arg(runId));
  if (!q.ok()) return q.error();
  std::vector<EmbeddingInfo> out;
  while (q.value()->next()) {
    out.push_back(EmbeddingInfo{q.value()->value(0).toString(), q.value()->value(1).toLongLong(),
                                q.value()->value(2).toLongLong()});
  }
  return out;
}

// ---- projections ------------------------------------------------------------------------------

Expected<qint64> RunStore::saveProjection(qint64 runId, const Projection& p) {
  if (!isOpen()) return d_->notOpen();
  if (!validKindName(p.kind) || p.method.isEmpty()) {
    return Error::general(QStringLiteral("a projection needs an embedding kind and a method"));
  }
  if (p.xy.size() != p.ids.size() * 2) {
    return Error::general(QStringLiteral("projection has %1 ids but %2 coordinates (want 2 per id)")
                              .arg(p.ids.size())
                              .arg(p.xy.size()));
  }
  const QString params = compactJson(p.parameters);
  qint64 id = 0;
  Status s = d_->tx(true, [&]() -> Status {
    if (Status s2 = d_->run(
            QStringLiteral("INSERT INTO projections (run_id, kind, method, parameters, rows, ids, "
                           "xy, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, "
                           "kind, method, parameters) DO UPDATE SET rows = excluded.rows, ids = "
                           "excluded.ids, xy = excluded.xy, created_ms = excluded.created_ms"),
            {runId, p.kind, p.method, params, qint64(p.ids.size()),
             rawBytes(p.ids.data(), qint64(p.ids.size())),
             rawBytes(p.xy.data(), qint64(p.xy.size())), nowMs()},
            QStringLiteral("saving the %1 projection of '%2'").arg(p.method, p.kind));
        !s2) {
      return s2;
    }
    auto q =
        d_->query(QStringLiteral("SELECT id FROM projections WHERE run_id = ? AND kind = ? AND "
                                 "method = ? AND parameters = ?"),
                  {runId, p.kind, p.method, params}, QStringLiteral("reading a projection id"));
    if (!q.ok()) return q.error();
    if (!q.value()->next()) return d_->error(QStringLiteral("projection vanished after insert"));
    id = q.value()->value(0).toLongLong();
    return {};
  });
  if (!s) return s.error();
  return id;
}

Expected<std::vector<Projection>> RunStore::projections(qint64 runId, bool withCoordinates) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT id, kind, method, parameters, created_ms, rows%1 FROM "
                                    "projections WHERE run_id = ? ORDER BY id")
                         .arg(withCoordinates ? QStringLiteral(", ids, xy") : QString()),
                     {runId}, QStringLiteral("reading projections of run %1").arg(runId));
  if (!q.ok()) return q.error();
  std::vector<Projection> out;
  QSqlQuery& r = *q.value();
  while (r.next()) {
    Projection p;
    p.id = r.value(0).toLongLong();
    p.kind = r.value(1).toString();
    p.method = r.value(2).toString();
    p.parameters = parseObject(r.value(3));
    p.created = fromMs(r.value(4));
    if (withCoordinates) {
      appendBytes(p.ids, r.value(6).toByteArray());
      appendBytes(p.xy, r.value(7).toByteArray());
    }
    out.push_back(std::move(p));
  }
  return out;
}

// ---- labels -----------------------------------------------------------------------------------

Status RunStore::saveLabels(qint64 datasetId, const LabelColumn& labels) {
  if (!isOpen()) return d_->notOpen();
  if (labels.key.isEmpty()) return Error::general(QStringLiteral("a label column needs a key"));
  if (qsizetype(labels.ids.size()) != labels.values.size()) {
    return Error::general(QStringLiteral("label column '%1' has %2 ids but %3 values")
                              .arg(labels.key)
                              .arg(labels.ids.size())
                              .arg(labels.values.size()));
  }
  return d_->run(
      QStringLiteral("INSERT INTO labels (dataset_id, entity, key, rows, ids, label_values) VALUES "
                     "(?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, entity, key) DO UPDATE SET rows "
                     "= excluded.rows, ids = excluded.ids, label_values = excluded.label_values"),
      {datasetId, toString(labels.entity), labels.key, qint64(labels.ids.size()),
       rawBytes(labels.ids.data(), qint64(labels.ids.size())),
       compactJson(QJsonArray::fromStringList(labels.values))},
      QStringLiteral("saving labels '%1'").arg(labels.key));
}

Expected<LabelColumn> RunStore::loadLabels(qint64 datasetId, EntityKind entity,
                                           const QString& key) {
  if (!isOpen()) return d_->notOpen();
  auto q =
      d_->query(QStringLiteral("SELECT ids, label_values FROM labels WHERE dataset_id = ? AND "
                               "entity = ? AND key = ?"),
                {datasetId, toString(entity), key}, QStringLiteral("reading labels '%1'").arg(key));
  if (!q.ok()) return q.error();
  if (!q.value()->next()) {
    return d_->error(QStringLiteral("dataset %1 has no %2 labels '%3'")
                         .arg(datasetId)
                         .arg(toString(entity), key));
  }
  LabelColumn out;
  out.entity = entity;
  out.key = key;
  appendBytes(out.ids, q.value()->value(0).toByteArray());
  out.values = parseStringArray(q.value()->value(1));
  return out;
}

Expected<std::vector<std::pair<EntityKind, QString>>> RunStore::labelKeys(qint64 datasetId) {
  if (!isOpen()) return d_->notOpen();
  auto q = d_->query(QStringLiteral("SELECT entity, key FROM labels WHERE dataset_id = ? ORDER BY "
                                    "entity, key"),
                     {datasetId}, QStringLiteral("listing labels of dataset %1").arg(datasetId));
  if (!q.ok()) return q.error();
  std::vector<std::pair<EntityKind, QString>> out;
  while (q.value()->next()) {
    out.emplace_back(parseEntityKind(q.value()->value(0).toString()).value_or(EntityKind::User),
                     q.value()->value(1).toString());
  }
  return out;
}

// ---- pure helpers -----------------------------------------------------------------------------

const QStringList& RunStore::groupExcludedKeys() {
  static const QStringList kKeys = {QStringLiteral("seed"),
                                    QStringLiteral("threads"),
                                    QStringLiteral("name"),
                                    QStringLiteral("data_path"),
                                    QStringLiteral("checkpoint_path"),
                                    QStringLiteral("eval_batch_size")};
  return kKeys;
}

QString RunStore::groupKey(const QJsonObject& config, const QString& datasetFingerprint) {
  const QJsonObject stripped = stripKeys(config, groupExcludedKeys());
  if (datasetFingerprint.isEmpty()) return compactJson(stripped);
  QJsonObject wrapped;
  wrapped.insert(QStringLiteral("config"), stripped);
  wrapped.insert(QStringLiteral("dataset"), datasetFingerprint);
  return compactJson(wrapped);
}

QString RunStore::groupHash(const QString& groupKey) {
  return QString::fromLatin1(
      QCryptographicHash::hash(groupKey.toUtf8(), QCryptographicHash::Sha1).toHex().left(12));
}

QJsonObject RunStore::flattenConfig(const QJsonObject& config) {
  QJsonObject out;
  flattenInto(config, QString(), out);
  return out;
}

MetricDirection RunStore::metricDirection(const QString& key) {
  // Plain loops rather than a shared static QRegularExpression: this runs on writer threads.
  static const QStringList kMaximized = {
      QStringLiteral("ndcg"),      QStringLiteral("hr"),  QStringLiteral("hit"),
      QStringLiteral("hits"),      QStringLiteral("mrr"), QStringLiteral("recall"),
      QStringLiteral("precision"), QStringLiteral("auc"), QStringLiteral("acc"),
      QStringLiteral("accuracy"),  QStringLiteral("map"), QStringLiteral("coverage")};
  const QString lower = key.toLower();
  QString token;
  auto check = [&]() {
    while (!token.isEmpty() && token.back().isDigit()) token.chop(1);
    const bool hit = kMaximized.contains(token);
    token.clear();
    return hit;
  };
  for (QChar c : lower) {
    if ((c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
        (c >= QLatin1Char('0') && c <= QLatin1Char('9'))) {
      token += c;
    } else if (check()) {
      return MetricDirection::Maximize;
    }
  }
  return check() ? MetricDirection::Maximize : MetricDirection::Minimize;
}

RunOwner RunStore::currentOwner() { return detail::currentOwner(); }

bool RunStore::ownerAlive(const RunOwner& owner) { return detail::ownerAlive(owner); }

}  // namespace irl4rec::store
