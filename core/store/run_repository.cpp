#include "core/store/run_repository.h"

#include "core/store/owner.h"
#include "core/store/store_rows.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace irl4rec::store::detail {
Expected<int> RunRepository::recoverInterruptedRuns() {
  if (!c_.isOpen()) return c_.notOpen();
  struct Candidate {
    qint64 id;
    RunOwner owner;
    QString status;
  };
  std::vector<Candidate> dead;
  {
    auto q = c_.query(QStringLiteral("SELECT id, owner_host, owner_pid, owner_token, status FROM "
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
  Status s = c_.tx(true, [&]() -> Status {
    for (const Candidate& c : dead) {
      const QString message = QStringLiteral("process %1 on %2 ended while the run was %3")
                                  .arg(c.owner.pid)
                                  .arg(c.owner.host, c.status);
      // The owner columns in the WHERE clause keep a run another process just took over.
      auto q = c_.query(
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

Expected<qint64> RunRepository::upsertDataset(const DatasetRecord& dataset) {
  if (!c_.isOpen()) return c_.notOpen();
  if (dataset.fingerprint.isEmpty()) {
    return Error::general(QStringLiteral("a dataset needs a fingerprint to be recorded"));
  }
  qint64 id = 0;
  Status s = c_.tx(true, [&]() -> Status {
    if (Status s2 = c_.run(
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
    auto q = c_.query(QStringLiteral("SELECT id FROM datasets WHERE fingerprint = ?"),
                       {dataset.fingerprint}, QStringLiteral("reading a dataset id"));
    if (!q.ok()) return q.error();
    if (!q.value()->next()) return c_.error(QStringLiteral("dataset vanished after insert"));
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

Expected<DatasetRecord> RunRepository::dataset(qint64 datasetId) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT id, name, path, format, fingerprint, stats FROM "
                                    "datasets WHERE id = ?"),
                     {datasetId}, QStringLiteral("reading dataset %1").arg(datasetId));
  if (!q.ok()) return q.error();
  if (!q.value()->next()) return c_.error(QStringLiteral("no dataset with id %1").arg(datasetId));
  return datasetFromQuery(*q.value());
}

Expected<std::vector<DatasetRecord>> RunRepository::datasets() {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT id, name, path, format, fingerprint, stats FROM "
                                    "datasets ORDER BY id"),
                     {}, QStringLiteral("reading datasets"));
  if (!q.ok()) return q.error();
  std::vector<DatasetRecord> out;
  while (q.value()->next()) out.push_back(datasetFromQuery(*q.value()));
  return out;
}

// ---- runs -------------------------------------------------------------------------------------

Expected<RunInfo> RunRepository::createRun(const NewRun& run) {
  if (!c_.isOpen()) return c_.notOpen();
  if (isTerminal(run.status)) {
    return Error::general(
        QStringLiteral("a new run must be queued or running, not %1").arg(toString(run.status)));
  }
  const QString uuid = run.uuid.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces)
                                           : run.uuid.toLower();
  const QString name = run.name.trimmed().isEmpty() ? uuid.left(8) : run.name.trimmed();
  const RunOwner owner = RunStore::currentOwner();
  qint64 id = 0;
  Status s = c_.tx(true, [&]() -> Status {
    if (run.datasetId > 0) {
      auto q = c_.query(QStringLiteral("SELECT 1 FROM datasets WHERE id = ?"),
                         {run.datasetId}, QStringLiteral("reading the run's dataset"));
      if (!q.ok()) return q.error();
      if (!q.value()->next()) {
        return c_.error(QStringLiteral("no dataset with id %1").arg(run.datasetId));
      }
    }
    const QString key = run.groupKey.isEmpty() ? compactJson(run.config) : run.groupKey;
    const qint64 now = nowMs();
    auto q = c_.query(
        QStringLiteral("INSERT INTO runs (uuid, name, status, created_ms, started_ms, dataset_id, "
                       "config, group_key, group_hash, notes, tags, owner_host, owner_pid, "
                       "owner_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        {uuid, name, toString(run.status), now,
         run.status == RunStatus::Running ? QVariant(now) : QVariant(),
         run.datasetId > 0 ? QVariant(run.datasetId) : QVariant(), compactJson(run.config), key,
         RunStore::groupHash(key), run.notes, compactJson(QJsonArray::fromStringList(run.tags)), owner.host,
         owner.pid, owner.token},
        QStringLiteral("creating run '%1'").arg(name));
    if (!q.ok()) return q.error();
    id = q.value()->lastInsertId().toLongLong();
    QSqlQuery param(c_.db);
    if (Status ps =
            prepare(param, c_.path,
                    QStringLiteral("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)"));
        !ps) {
      return ps;
    }
    const QJsonObject flat = RunStore::flattenConfig(run.config);
    for (auto it = flat.begin(); it != flat.end(); ++it) {
      param.bindValue(0, id);
      param.bindValue(1, it.key());
      param.bindValue(2, it.value().toString());
      if (Status ps = execPrepared(param, c_.path, QStringLiteral("writing params")); !ps) {
        return ps;
      }
    }
    return {};
  });
  if (!s) return s.error();
  return readRun(id, true);
}

Status RunRepository::setStatus(qint64 runId, RunStatus status, const QString& message) {
  if (!c_.isOpen()) return c_.notOpen();
  const RunOwner owner = RunStore::currentOwner();
  const bool running = status == RunStatus::Running;
  const qint64 now = nowMs();
  auto q = c_.query(
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
    return c_.error(QStringLiteral("no run with id %1").arg(runId));
  return {};
}

Status RunRepository::rename(qint64 runId, const QString& name) {
  if (!c_.isOpen()) return c_.notOpen();
  if (name.trimmed().isEmpty()) return Error::general(QStringLiteral("a run name cannot be empty"));
  auto q = c_.query(QStringLiteral("UPDATE runs SET name = ? WHERE id = ?"),
                     {name.trimmed(), runId}, QStringLiteral("renaming run %1").arg(runId));
  if (!q.ok()) return q.error();
  if (q.value()->numRowsAffected() == 0)
    return c_.error(QStringLiteral("no run with id %1").arg(runId));
  return {};
}

Status RunRepository::setTags(qint64 runId, const QStringList& tags) {
  if (!c_.isOpen()) return c_.notOpen();
  QStringList clean;
  for (const QString& t : tags) {
    if (!t.trimmed().isEmpty() && !clean.contains(t.trimmed())) clean << t.trimmed();
  }
  auto q = c_.query(QStringLiteral("UPDATE runs SET tags = ? WHERE id = ?"),
                     {compactJson(QJsonArray::fromStringList(clean)), runId},
                     QStringLiteral("tagging run %1").arg(runId));
  if (!q.ok()) return q.error();
  if (q.value()->numRowsAffected() == 0)
    return c_.error(QStringLiteral("no run with id %1").arg(runId));
  return {};
}

Status RunRepository::setNotes(qint64 runId, const QString& notes) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("UPDATE runs SET notes = ? WHERE id = ?"), {notes, runId},
                     QStringLiteral("writing notes of run %1").arg(runId));
  if (!q.ok()) return q.error();
  if (q.value()->numRowsAffected() == 0)
    return c_.error(QStringLiteral("no run with id %1").arg(runId));
  return {};
}

Status RunRepository::deleteRun(qint64 runId) {
  if (!c_.isOpen()) return c_.notOpen();
  auto info = readRun(runId, false);
  if (!info.ok()) return info.error();
  const RunInfo& r = info.value();
  if (r.status == RunStatus::Running && detail::ownerAlive(r.owner)) {
    return c_.error(QStringLiteral("run %1 (%2) is still running in process %3 on %4; cancel it "
                                    "first")
                         .arg(r.uuid.left(8), r.name)
                         .arg(r.owner.pid)
                         .arg(r.owner.host));
  }
  QStringList files;
  Status s = c_.tx(true, [&]() -> Status {
    auto q = c_.query(QStringLiteral("SELECT path FROM checkpoints WHERE run_id = ?"), {runId},
                       QStringLiteral("listing checkpoints of run %1").arg(runId));
    if (!q.ok()) return q.error();
    while (q.value()->next()) files << q.value()->value(0).toString();
    // ON DELETE CASCADE removes params, metrics, summaries, checkpoints, embeddings, projections.
    return c_.run(QStringLiteral("DELETE FROM runs WHERE id = ?"), {runId},
                   QStringLiteral("deleting run %1").arg(runId));
  });
  if (!s) return s;
  QStringList failed;
  for (const QString& file : std::as_const(files)) {
    if (QFile::exists(file) && !QFile::remove(file)) failed << file;
  }
  if (!failed.isEmpty()) {
    return c_.error(QStringLiteral("run %1 was deleted but its checkpoint files could not be "
                                    "removed: %2")
                         .arg(r.uuid.left(8), failed.join(QStringLiteral(", "))));
  }
  return {};
}

Expected<RunInfo> RunRepository::run(qint64 runId) {
  if (!c_.isOpen()) return c_.notOpen();
  return readRun(runId, true);
}

Expected<RunInfo> RunRepository::findRun(const QString& ref) {
  if (!c_.isOpen()) return c_.notOpen();
  const QString needle = ref.trimmed();
  if (needle.isEmpty()) return Error::general(QStringLiteral("no run given"));
  auto ids = [&](const QString& where, const QVariantList& values) -> Expected<QList<qint64>> {
    auto q = c_.query(QStringLiteral("SELECT id FROM runs WHERE %1 ORDER BY created_ms DESC, "
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
      auto r = readRun(id, false);
      if (r.ok()) names << QStringLiteral("%1 (%2)").arg(r.value().uuid.left(8), r.value().name);
    }
    return Error::general(QStringLiteral("'%1' %2 several runs: %3%4; give more of the uuid")
                              .arg(needle, how, names.join(QStringLiteral(", ")),
                                   found.size() > 5 ? QStringLiteral(", ...") : QString()));
  };
  auto exact = ids(QStringLiteral("uuid = ?"), {needle.toLower()});
  if (!exact.ok()) return exact.error();
  if (!exact.value().isEmpty()) return readRun(exact.value().front(), true);
  auto byName = ids(QStringLiteral("name = ?"), {needle});
  if (!byName.ok()) return byName.error();
  if (byName.value().size() == 1) return readRun(byName.value().front(), true);
  if (byName.value().size() > 1) return ambiguous(byName.value(), QStringLiteral("names"));
  if (needle.size() >= 4) {
    auto byPrefix =
        ids(QStringLiteral("substr(uuid, 1, ?) = ?"), {int(needle.size()), needle.toLower()});
    if (!byPrefix.ok()) return byPrefix.error();
    if (byPrefix.value().size() == 1) return readRun(byPrefix.value().front(), true);
    if (byPrefix.value().size() > 1) return ambiguous(byPrefix.value(), QStringLiteral("starts"));
  }
  return Error::general(QStringLiteral("no run '%1' in %2 (give a uuid, a uuid prefix of at least "
                                       "4 characters or a run name)")
                            .arg(needle, c_.path));
}

Expected<std::vector<RunListEntry>> RunRepository::listRuns(const ListOptions& options) {
  if (!c_.isOpen()) return c_.notOpen();
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
  Status s = c_.tx(false, [&]() -> Status {
    auto q = c_.query(
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
    auto m = c_.query(summaries, values, QStringLiteral("reading metric summaries"));
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

Expected<QJsonObject> RunRepository::params(qint64 runId) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT key, value FROM params WHERE run_id = ? ORDER BY key"),
                     {runId}, QStringLiteral("reading params of run %1").arg(runId));
  if (!q.ok()) return q.error();
  QJsonObject out;
  while (q.value()->next())
    out.insert(q.value()->value(0).toString(), q.value()->value(1).toString());
  return out;
}
Expected<RunInfo> RunRepository::readRun(qint64 runId, bool withConfig) const {
  auto q = c_.query(QStringLiteral("SELECT %1, r.config FROM runs r LEFT JOIN datasets d ON "
                                "d.id = r.dataset_id WHERE r.id = ?")
                     .arg(QLatin1String(kRunColumns)),
                 {runId}, QStringLiteral("reading run %1").arg(runId));
  if (!q.ok()) return q.error();
  if (!q.value()->next()) return c_.error(QStringLiteral("no run with id %1").arg(runId));
  return runFromQuery(*q.value(), withConfig);
}

}  // namespace irl4rec::store::detail
