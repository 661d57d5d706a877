#include "core/store/artifact_repository.h"

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
// ---- checkpoints ------------------------------------------------------------------------------

Expected<qint64> ArtifactRepository::addCheckpoint(qint64 runId, const QString& path, qint32 epoch,
                                         qint64 step, bool isBest) {
  if (!c_.isOpen()) return c_.notOpen();
  if (path.isEmpty()) return Error::general(QStringLiteral("a checkpoint needs a file path"));
  const QString absolute = QFileInfo(path).absoluteFilePath();
  qint64 id = 0;
  Status s = c_.tx(true, [&]() -> Status {
    if (isBest) {
      if (Status s2 = c_.run(QStringLiteral("UPDATE checkpoints SET is_best = 0 WHERE run_id = ?"),
                              {runId}, QStringLiteral("updating checkpoints"));
          !s2) {
        return s2;
      }
    }
    auto q =
        c_.query(QStringLiteral("INSERT INTO checkpoints (run_id, path, epoch, step, is_best, "
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

Expected<std::vector<CheckpointRecord>> ArtifactRepository::checkpoints(qint64 runId) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT id, path, epoch, step, is_best, created_ms FROM "
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

Status ArtifactRepository::saveEmbeddings(qint64 runId, const QString& kind, const EmbeddingMatrix& m) {
  if (!c_.isOpen()) return c_.notOpen();
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
  return c_.tx(true, [&]() -> Status {
    if (Status s = c_.run(QStringLiteral("DELETE FROM embeddings WHERE run_id = ? AND kind = ?"),
                           {runId, kind}, QStringLiteral("replacing embeddings '%1'").arg(kind));
        !s) {
      return s;
    }
    if (m.rows == 0) return {};
    QSqlQuery ins(c_.db);
    if (Status s =
            prepare(ins, c_.path,
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
              execPrepared(ins, c_.path, QStringLiteral("writing embeddings '%1'").arg(kind));
          !s) {
        return s;
      }
    }
    return {};
  });
}

Expected<EmbeddingMatrix> ArtifactRepository::loadEmbeddings(qint64 runId, const QString& kind) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT total_rows, dim, rows, ids, vectors FROM embeddings "
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
    return c_.error(QStringLiteral("run %1 has no '%2' embeddings").arg(runId).arg(kind));
  }
  if (qint64(m.ids.size()) != m.rows || qint64(m.values.size()) != m.rows * m.dim) {
    return c_.error(QStringLiteral("the '%1' embeddings of run %2 are incomplete (%3 of %4 rows)")
                         .arg(kind)
                         .arg(runId)
                         .arg(m.ids.size())
                         .arg(m.rows));
  }
  return m;
}

Expected<std::vector<EmbeddingInfo>> ArtifactRepository::embeddingKinds(qint64 runId) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT kind, total_rows, dim FROM embeddings WHERE run_id = ? "
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

Expected<qint64> ArtifactRepository::saveProjection(qint64 runId, const Projection& p) {
  if (!c_.isOpen()) return c_.notOpen();
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
  Status s = c_.tx(true, [&]() -> Status {
    if (Status s2 = c_.run(
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
        c_.query(QStringLiteral("SELECT id FROM projections WHERE run_id = ? AND kind = ? AND "
                                 "method = ? AND parameters = ?"),
                  {runId, p.kind, p.method, params}, QStringLiteral("reading a projection id"));
    if (!q.ok()) return q.error();
    if (!q.value()->next()) return c_.error(QStringLiteral("projection vanished after insert"));
    id = q.value()->value(0).toLongLong();
    return {};
  });
  if (!s) return s.error();
  return id;
}

Expected<std::vector<Projection>> ArtifactRepository::projections(qint64 runId, bool withCoordinates) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT id, kind, method, parameters, created_ms, rows%1 FROM "
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

Status ArtifactRepository::saveLabels(qint64 datasetId, const LabelColumn& labels) {
  if (!c_.isOpen()) return c_.notOpen();
  if (labels.key.isEmpty()) return Error::general(QStringLiteral("a label column needs a key"));
  if (qsizetype(labels.ids.size()) != labels.values.size()) {
    return Error::general(QStringLiteral("label column '%1' has %2 ids but %3 values")
                              .arg(labels.key)
                              .arg(labels.ids.size())
                              .arg(labels.values.size()));
  }
  return c_.run(
      QStringLiteral("INSERT INTO labels (dataset_id, entity, key, rows, ids, label_values) VALUES "
                     "(?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, entity, key) DO UPDATE SET rows "
                     "= excluded.rows, ids = excluded.ids, label_values = excluded.label_values"),
      {datasetId, toString(labels.entity), labels.key, qint64(labels.ids.size()),
       rawBytes(labels.ids.data(), qint64(labels.ids.size())),
       compactJson(QJsonArray::fromStringList(labels.values))},
      QStringLiteral("saving labels '%1'").arg(labels.key));
}

Expected<LabelColumn> ArtifactRepository::loadLabels(qint64 datasetId, EntityKind entity,
                                           const QString& key) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q =
      c_.query(QStringLiteral("SELECT ids, label_values FROM labels WHERE dataset_id = ? AND "
                               "entity = ? AND key = ?"),
                {datasetId, toString(entity), key}, QStringLiteral("reading labels '%1'").arg(key));
  if (!q.ok()) return q.error();
  if (!q.value()->next()) {
    return c_.error(QStringLiteral("dataset %1 has no %2 labels '%3'")
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

Expected<std::vector<std::pair<EntityKind, QString>>> ArtifactRepository::labelKeys(qint64 datasetId) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT entity, key FROM labels WHERE dataset_id = ? ORDER BY "
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

}  // namespace irl4rec::store::detail
