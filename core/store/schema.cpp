#include "core/store/schema.h"

#include "core/store/run_store.h"
#include "core/store/sql_util.h"

#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

#include <functional>
#include <vector>

namespace irl4rec::store::detail {

QStringList schemaVersion1() {
  return {
      QStringLiteral("CREATE TABLE datasets ("
                     " id INTEGER PRIMARY KEY,"
                     " name TEXT NOT NULL DEFAULT '',"
                     " path TEXT NOT NULL DEFAULT '',"
                     " format TEXT NOT NULL DEFAULT '',"
                     " fingerprint TEXT NOT NULL UNIQUE,"
                     " stats TEXT NOT NULL DEFAULT '{}',"
                     " created_ms INTEGER NOT NULL)"),
      QStringLiteral(
          "CREATE TABLE runs ("
          " id INTEGER PRIMARY KEY,"
          " uuid TEXT NOT NULL UNIQUE,"
          " name TEXT NOT NULL DEFAULT '',"
          " status TEXT NOT NULL CHECK (status IN ('queued','running','finished','failed',"
          "'cancelled','diverged','interrupted')),"
          " message TEXT NOT NULL DEFAULT '',"
          " created_ms INTEGER NOT NULL,"
          " started_ms INTEGER,"
          " finished_ms INTEGER,"
          " dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,"
          " config TEXT NOT NULL DEFAULT '{}',"
          " group_key TEXT NOT NULL DEFAULT '',"
          " notes TEXT NOT NULL DEFAULT '',"
          " tags TEXT NOT NULL DEFAULT '[]',"
          " owner_host TEXT NOT NULL DEFAULT '',"
          " owner_pid INTEGER NOT NULL DEFAULT 0,"
          " owner_token TEXT NOT NULL DEFAULT '')"),
      QStringLiteral("CREATE INDEX runs_by_group ON runs(group_key)"),
      QStringLiteral("CREATE INDEX runs_by_status ON runs(status)"),
      QStringLiteral("CREATE INDEX runs_by_name ON runs(name)"),
      QStringLiteral("CREATE TABLE params ("
                     " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                     " key TEXT NOT NULL,"
                     " value TEXT NOT NULL,"
                     " PRIMARY KEY (run_id, key)) WITHOUT ROWID"),
      // One row per (run, key): the series id plus its latest and best values, kept up to date
      // by every write so that run lists never scan the metric rows.
      QStringLiteral("CREATE TABLE metric_summary ("
                     " id INTEGER PRIMARY KEY,"
                     " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                     " key TEXT NOT NULL,"
                     " direction INTEGER NOT NULL,"
                     " count INTEGER NOT NULL DEFAULT 0,"
                     " last_step INTEGER NOT NULL DEFAULT 0,"
                     " last_epoch INTEGER NOT NULL DEFAULT 0,"
                     " last_value REAL,"
                     " last_time REAL NOT NULL DEFAULT 0,"
                     " best_value REAL,"
                     " best_step INTEGER NOT NULL DEFAULT 0,"
                     " best_epoch INTEGER NOT NULL DEFAULT 0,"
                     " UNIQUE (run_id, key))"),
      // Append-only rows, clustered by series: a curve is one contiguous range of the b-tree.
      QStringLiteral("CREATE TABLE metrics ("
                     " series_id INTEGER NOT NULL REFERENCES metric_summary(id) ON DELETE CASCADE,"
                     " seq INTEGER NOT NULL,"
                     " step INTEGER NOT NULL,"
                     " epoch INTEGER NOT NULL DEFAULT 0,"
                     " value REAL,"
                     " wall_time REAL NOT NULL,"
                     " PRIMARY KEY (series_id, seq)) WITHOUT ROWID"),
      QStringLiteral("CREATE TABLE checkpoints ("
                     " id INTEGER PRIMARY KEY,"
                     " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                     " path TEXT NOT NULL,"
                     " epoch INTEGER NOT NULL DEFAULT 0,"
                     " step INTEGER NOT NULL DEFAULT 0,"
                     " is_best INTEGER NOT NULL DEFAULT 0,"
                     " created_ms INTEGER NOT NULL)"),
      QStringLiteral("CREATE INDEX checkpoints_by_run ON checkpoints(run_id)"),
      QStringLiteral("CREATE TABLE embeddings ("
                     " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                     " kind TEXT NOT NULL,"
                     " chunk INTEGER NOT NULL,"
                     " total_rows INTEGER NOT NULL,"
                     " dim INTEGER NOT NULL,"
                     " rows INTEGER NOT NULL,"
                     " ids BLOB NOT NULL,"
                     " vectors BLOB NOT NULL,"
                     " PRIMARY KEY (run_id, kind, chunk))"),
  };
}

namespace {

using Step = std::function<Status(const QSqlDatabase&, const QString&)>;

Status execAll(const QSqlDatabase& db, const QString& path, const QStringList& statements) {
  for (const QString& sql : statements) {
    if (Status s = exec(db, path, sql); !s) return s;
  }
  return {};
}

// Version 2: what the embedding explorer needs (projections, labels) and a short group hash
// column for grouping seeds, back-filled from the stored group keys.
Status toVersion2(const QSqlDatabase& db, const QString& path) {
  const QStringList ddl = {
      QStringLiteral("ALTER TABLE runs ADD COLUMN group_hash TEXT NOT NULL DEFAULT ''"),
      QStringLiteral("CREATE INDEX runs_by_group_hash ON runs(group_hash)"),
      QStringLiteral("CREATE TABLE projections ("
                     " id INTEGER PRIMARY KEY,"
                     " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                     " kind TEXT NOT NULL,"
                     " method TEXT NOT NULL,"
                     " parameters TEXT NOT NULL DEFAULT '{}',"
                     " rows INTEGER NOT NULL,"
                     " ids BLOB NOT NULL,"
                     " xy BLOB NOT NULL,"
                     " created_ms INTEGER NOT NULL,"
                     " UNIQUE (run_id, kind, method, parameters))"),
      QStringLiteral("CREATE TABLE labels ("
                     " dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
                     " entity TEXT NOT NULL CHECK (entity IN ('user','item','attribute')),"
                     " key TEXT NOT NULL,"
                     " rows INTEGER NOT NULL,"
                     " ids BLOB NOT NULL,"
                     " label_values TEXT NOT NULL,"
                     " PRIMARY KEY (dataset_id, entity, key))"),
  };
  if (Status s = execAll(db, path, ddl); !s) return s;

  QSqlQuery select(db);
  if (Status s = prepare(select, path, QStringLiteral("SELECT id, group_key FROM runs")); !s) {
    return s;
  }
  if (Status s = execPrepared(select, path, QStringLiteral("reading runs")); !s) return s;
  QSqlQuery update(db);
  if (Status s =
          prepare(update, path, QStringLiteral("UPDATE runs SET group_hash = ? WHERE id = ?"));
      !s) {
    return s;
  }
  while (select.next()) {
    update.bindValue(0, RunStore::groupHash(select.value(1).toString()));
    update.bindValue(1, select.value(0));
    if (Status s = execPrepared(update, path, QStringLiteral("back-filling group hashes")); !s) {
      return s;
    }
  }
  return {};
}

const std::vector<Step>& steps() {
  // steps()[i] migrates version i to version i + 1.
  static const std::vector<Step> kSteps = {
      [](const QSqlDatabase& db, const QString& path) {
        return execAll(db, path, schemaVersion1());
      },
      toVersion2,
  };
  return kSteps;
}

}  // namespace

Status migrate(const QSqlDatabase& db, const QString& path, int fromVersion, int toVersion) {
  Q_ASSERT(int(steps().size()) == RunStore::kSchemaVersion);
  for (int v = fromVersion; v < toVersion; ++v) {
    if (Status s = steps()[size_t(v)](db, path); !s) {
      return Error::at(path, 0,
                       QStringLiteral("migrating the run store from schema %1 to %2 failed: %3")
                           .arg(v)
                           .arg(v + 1)
                           .arg(s.error().cause));
    }
  }
  if (Status s = exec(db, path, QStringLiteral("PRAGMA user_version = %1").arg(toVersion)); !s) {
    return s;
  }
  return exec(db, path, QStringLiteral("PRAGMA application_id = %1").arg(RunStore::kApplicationId));
}

}  // namespace irl4rec::store::detail
