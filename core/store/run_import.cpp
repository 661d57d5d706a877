#include "core/store/run_import.h"

#include "core/store/run_store.h"
#include "core/store/sql_util.h"

#include <QAtomicInteger>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariant>

#include <tuple>

namespace irl4rec::store {

namespace {

using detail::exec;
using detail::execPrepared;
using detail::prepare;

QAtomicInteger<quint64> gImportConnections;

/// One connection on the target with a shard attached as `shard`.
class Merger {
 public:
  Merger(QSqlDatabase db, QString path) : db_(std::move(db)), path_(std::move(path)) {}

  Expected<std::unique_ptr<QSqlQuery>> query(const QString& sql, const QVariantList& values,
                                             const QString& what) {
    auto q = std::make_unique<QSqlQuery>(db_);
    q->setForwardOnly(true);
    if (Status s = prepare(*q, path_, sql); !s) return s.error();
    for (int i = 0; i < values.size(); ++i) q->bindValue(i, values[i]);
    if (Status s = execPrepared(*q, path_, what); !s) return s.error();
    return q;
  }

  /// Columns both copies of `table` have (the shard may be older or newer in columns).
  Expected<QStringList> commonColumns(const QString& table) {
    if (columns_.contains(table)) return columns_.value(table);
    QStringList both;
    // `table` is one of this file's fixed table names, never user input.
    auto q = query(QStringLiteral("SELECT m.name FROM pragma_table_info('%1', 'main') m JOIN "
                                  "pragma_table_info('%1', 'shard') s ON s.name = m.name ORDER BY m.cid")
                       .arg(table),
                   {}, QStringLiteral("reading the columns of %1").arg(table));
    if (!q.ok()) return q.error();
    while (q.value()->next()) both << q.value()->value(0).toString();
    columns_.insert(table, both);
    return both;
  }

  /// INSERT INTO main.T (key, cols...) SELECT ?, cols... FROM shard.T WHERE where = ?:
  /// copies the rows of one parent with the parent's new id in `key`. `skip` columns (row ids)
  /// are left to the target.
  Status copyRows(const QString& table, const QString& key, const QVariant& newParent,
                  const QString& where, const QVariant& oldParent, const QStringList& skip = {},
                  const QString& conflict = QString()) {
    auto cols = commonColumns(table);
    if (!cols.ok()) return cols.error();
    QStringList copied;
    for (const QString& c : cols.value())
      if (c != key && !skip.contains(c)) copied << c;
    const QString list = copied.join(QStringLiteral(", "));
    auto q = query(QStringLiteral("INSERT %1INTO main.%2 (%3, %4) SELECT ?, %4 FROM shard.%2 WHERE %5 = ?")
                       .arg(conflict, table, key, list, where),
                   {newParent, oldParent}, QStringLiteral("copying %1").arg(table));
    return q.ok() ? Status() : Status(q.error());
  }

  Expected<ImportReport> mergeShard();

 private:
  QSqlDatabase db_;
  QString path_;
  QHash<QString, QStringList> columns_;
};

/// How far a copy of a run got: finished > other terminal states > queued/running, then the
/// later finish (or start), then more metric rows.
using Progress = std::tuple<int, qint64, qint64>;

Expected<Progress> progressOf(Merger& m, const QString& schema, qint64 runId) {
  auto q = m.query(QStringLiteral("SELECT CASE status WHEN 'finished' THEN 2 WHEN 'queued' THEN 0 "
                                  "WHEN 'running' THEN 0 ELSE 1 END, "
                                  "COALESCE(finished_ms, started_ms, created_ms), "
                                  "(SELECT COALESCE(SUM(count), 0) FROM %1.metric_summary WHERE "
                                  "run_id = r.id) FROM %1.runs r WHERE id = ?")
                       .arg(schema),
                   {runId}, QStringLiteral("reading run %1").arg(runId));
  if (!q.ok()) return q.error();
  if (!q.value()->next()) return Progress{-1, 0, 0};
  return Progress{q.value()->value(0).toInt(), q.value()->value(1).toLongLong(),
                  q.value()->value(2).toLongLong()};
}

Expected<ImportReport> Merger::mergeShard() {
  ImportReport report;
  // Datasets by fingerprint, with their labels.
  QHash<qint64, qint64> datasetIds;
  {
    auto q = query(QStringLiteral("SELECT id, fingerprint FROM shard.datasets"), {},
                   QStringLiteral("reading the shard's datasets"));
    if (!q.ok()) return q.error();
    std::vector<std::pair<qint64, QString>> shardDatasets;
    while (q.value()->next())
      shardDatasets.emplace_back(q.value()->value(0).toLongLong(), q.value()->value(1).toString());
    for (const auto& [oldId, fingerprint] : shardDatasets) {
      auto cols = commonColumns(QStringLiteral("datasets"));
      if (!cols.ok()) return cols.error();
      QStringList copied = cols.value();
      copied.removeAll(QStringLiteral("id"));
      const QString list = copied.join(QStringLiteral(", "));
      auto ins = query(QStringLiteral("INSERT OR IGNORE INTO main.datasets (%1) SELECT %1 FROM "
                                      "shard.datasets WHERE id = ?")
                           .arg(list),
                       {oldId}, QStringLiteral("copying a dataset"));
      if (!ins.ok()) return ins.error();
      auto id = query(QStringLiteral("SELECT id FROM main.datasets WHERE fingerprint = ?"),
                      {fingerprint}, QStringLiteral("looking up a dataset"));
      if (!id.ok()) return id.error();
      if (!id.value()->next()) return Error::at(path_, 0, QStringLiteral("a copied dataset is missing"));
      const qint64 newId = id.value()->value(0).toLongLong();
      datasetIds.insert(oldId, newId);
      if (Status s = copyRows(QStringLiteral("labels"), QStringLiteral("dataset_id"), newId,
                              QStringLiteral("dataset_id"), oldId, {}, QStringLiteral("OR IGNORE "));
          !s)
        return s.error();
    }
  }

  // Runs by uuid.
  auto q = query(QStringLiteral("SELECT id, uuid, dataset_id FROM shard.runs ORDER BY id"), {},
                 QStringLiteral("reading the shard's runs"));
  if (!q.ok()) return q.error();
  struct ShardRun {
    qint64 id;
    QString uuid;
    QVariant datasetId;
  };
  std::vector<ShardRun> runs;
  while (q.value()->next())
    runs.push_back({q.value()->value(0).toLongLong(), q.value()->value(1).toString(), q.value()->value(2)});
  auto runCols = commonColumns(QStringLiteral("runs"));
  if (!runCols.ok()) return runCols.error();
  QStringList copiedRunCols = runCols.value();
  copiedRunCols.removeAll(QStringLiteral("id"));
  copiedRunCols.removeAll(QStringLiteral("dataset_id"));

  for (const ShardRun& run : runs) {
    auto existing = query(QStringLiteral("SELECT id FROM main.runs WHERE uuid = ?"), {run.uuid},
                          QStringLiteral("looking up run %1").arg(run.uuid));
    if (!existing.ok()) return existing.error();
    const bool exists = existing.value()->next();
    if (exists) {
      const qint64 existingId = existing.value()->value(0).toLongLong();
      auto mine = progressOf(*this, QStringLiteral("main"), existingId);
      auto theirs = progressOf(*this, QStringLiteral("shard"), run.id);
      if (!mine.ok()) return mine.error();
      if (!theirs.ok()) return theirs.error();
      // A finished run is never replaced; an unfinished one only by a copy that got further.
      if (std::get<0>(mine.value()) == 2 || !(theirs.value() > mine.value())) {
        ++report.skipped;
        continue;
      }
      // Cascades to params, metrics, checkpoint records, embeddings and projections; checkpoint
      // files stay on disk (the newer copy may name the same file).
      auto del = query(QStringLiteral("DELETE FROM main.runs WHERE id = ?"), {existingId},
                       QStringLiteral("replacing run %1").arg(run.uuid));
      if (!del.ok()) return del.error();
      ++report.replaced;
    } else {
      ++report.imported;
    }
    const QVariant datasetId = run.datasetId.isNull() ? QVariant()
                                                      : QVariant(datasetIds.value(run.datasetId.toLongLong()));
    const QString list = copiedRunCols.join(QStringLiteral(", "));
    auto ins = query(QStringLiteral("INSERT INTO main.runs (dataset_id, %1) SELECT ?, %1 FROM shard.runs "
                                    "WHERE id = ?")
                         .arg(list),
                     {datasetId, run.id}, QStringLiteral("copying run %1").arg(run.uuid));
    if (!ins.ok()) return ins.error();
    const qint64 newId = ins.value()->lastInsertId().toLongLong();
    const QString runId = QStringLiteral("run_id");
    for (const QString& table : {QStringLiteral("params"), QStringLiteral("embeddings")}) {
      if (Status s = copyRows(table, runId, newId, runId, run.id); !s) return s.error();
    }
    for (const QString& table : {QStringLiteral("metric_summary"), QStringLiteral("checkpoints"),
                                 QStringLiteral("projections")}) {
      if (Status s = copyRows(table, runId, newId, runId, run.id, {QStringLiteral("id")}); !s)
        return s.error();
    }
    // Metric rows follow their series through its new id, matched by (run, key).
    auto cols = commonColumns(QStringLiteral("metrics"));
    if (!cols.ok()) return cols.error();
    QStringList copied;
    for (const QString& c : cols.value())
      if (c != QLatin1String("series_id")) copied << c;
    const QString targetCols = copied.join(QStringLiteral(", "));
    const QString sourceCols = QStringLiteral("m.") + copied.join(QStringLiteral(", m."));
    auto rows = query(QStringLiteral("INSERT INTO main.metrics (series_id, %1) SELECT n.id, %2 FROM "
                                     "shard.metrics m JOIN shard.metric_summary o ON o.id = m.series_id "
                                     "JOIN main.metric_summary n ON n.run_id = ? AND n.key = o.key "
                                     "WHERE o.run_id = ?")
                          .arg(targetCols, sourceCols),
                      {newId, run.id}, QStringLiteral("copying the metrics of run %1").arg(run.uuid));
    if (!rows.ok()) return rows.error();
  }
  return report;
}

}  // namespace

Expected<ImportReport> importRuns(const QString& targetPath, const QStringList& shardPaths,
                                  const std::function<void(int, int)>& progress) {
  // Check (and migrate) every file as a run store before touching the target.
  const QString target = QFileInfo(targetPath).absoluteFilePath();
  {
    RunStore store;
    if (Status s = store.open(target); !s) return s.error();
  }
  for (const QString& shard : shardPaths) {
    if (QFileInfo(shard).canonicalFilePath() == QFileInfo(target).canonicalFilePath())
      return Error::at(shard, 0, QStringLiteral("is the store being imported into"));
    RunStore store;
    if (Status s = store.open(shard, RunStore::OpenMode::MustExist); !s) return s.error();
  }

  const QString connection =
      QStringLiteral("irl4rec-import-%1").arg(gImportConnections.fetchAndAddOrdered(1));
  ImportReport total;
  Status result;
  {
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
    db.setDatabaseName(target);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(detail::kBusyTimeoutMs));
    if (!db.open()) {
      result = detail::sqlError(target, QStringLiteral("cannot open"), db.lastError());
    } else {
      result = exec(db, target, QStringLiteral("PRAGMA foreign_keys = ON"));
      int done = 0;
      for (const QString& shard : shardPaths) {
        if (!result) break;
        const QString shardFile = QFileInfo(shard).absoluteFilePath();
        QSqlQuery attach(db);
        result = prepare(attach, target, QStringLiteral("ATTACH DATABASE ? AS shard"));
        if (!result) break;
        attach.bindValue(0, shardFile);
        result = execPrepared(attach, target, QStringLiteral("attaching %1").arg(shardFile));
        if (!result) break;
        Merger merger(db, target);
        ImportReport one;
        result = detail::transaction(db, target, true, [&]() -> Status {
          auto r = merger.mergeShard();
          if (!r.ok()) return r.error();
          one = r.value();
          return {};
        });
        const Status detached = exec(db, target, QStringLiteral("DETACH DATABASE shard"));
        if (!result) {
          result = Error::at(shard, 0, QStringLiteral("not imported: %1").arg(result.error().message()));
          break;
        }
        if (!detached) {
          result = detached;
          break;
        }
        total.files += 1;
        total.imported += one.imported;
        total.replaced += one.replaced;
        total.skipped += one.skipped;
        if (progress) progress(++done, int(shardPaths.size()));
      }
      db.close();
    }
  }
  QSqlDatabase::removeDatabase(connection);
  if (!result) return result.error();
  return total;
}

}  // namespace irl4rec::store
