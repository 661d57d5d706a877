#include "core/store/metric_repository.h"

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
#include <charconv>
#include <cstring>

namespace irl4rec::store::detail {
// ---- metrics ----------------------------------------------------------------------------------

Status MetricRepository::logMetrics(qint64 runId, const std::vector<MetricRow>& rows) {
  if (!c_.isOpen()) return c_.notOpen();
  if (rows.empty()) return {};
  return c_.tx(true, [&] { return insertMetrics(runId, rows); });
}

Status MetricRepository::logMetric(qint64 runId, const QString& key, qint64 step, qint32 epoch,
                           double value, MetricDirection direction) {
  return logMetrics(runId, {MetricRow{key, step, epoch, value, 0, direction}});
}

Expected<QStringList> MetricRepository::metricKeys(qint64 runId) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT key FROM metric_summary WHERE run_id = ? ORDER BY key"),
                     {runId}, QStringLiteral("reading metric keys of run %1").arg(runId));
  if (!q.ok()) return q.error();
  QStringList out;
  while (q.value()->next()) out << q.value()->value(0).toString();
  return out;
}

Expected<std::vector<MetricPoint>> MetricRepository::metrics(qint64 runId, const QString& key,
                                                     qint64 afterSeq) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT m.seq, m.step, m.epoch, m.value, m.wall_time FROM "
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

Expected<std::vector<MetricRow>> MetricRepository::allMetrics(qint64 runId) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT s.key, m.step, m.epoch, m.value, m.wall_time FROM "
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

Expected<std::vector<MetricSummary>> MetricRepository::metricSummaries(qint64 runId) {
  if (!c_.isOpen()) return c_.notOpen();
  auto q = c_.query(QStringLiteral("SELECT %1 FROM metric_summary WHERE run_id = ? ORDER BY key")
                         .arg(QLatin1String(kSummaryColumns)),
                     {runId}, QStringLiteral("reading metric summaries of run %1").arg(runId));
  if (!q.ok()) return q.error();
  std::vector<MetricSummary> out;
  while (q.value()->next()) out.push_back(summaryFromQuery(*q.value()));
  return out;
}
Status MetricRepository::insertMetrics(qint64 runId, const std::vector<MetricRow>& rows) {
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
    auto q = c_.query(QStringLiteral("SELECT id, key, count, best_value, best_step, best_epoch FROM "
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
    auto q = c_.query(
        QStringLiteral("INSERT INTO metric_summary (run_id, key, direction) VALUES (?, ?, ?)"),
        {runId, row.key, row.direction == MetricDirection::Maximize ? 1 : 0},
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
        m.direction = row.direction;
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
    if (Status s = exec(c_.db, c_.path, QString::fromLatin1(sql.data(), qsizetype(sql.size()))); !s) {
      return s;
    }
  }

  // 3. Latest and best values of every series the batch touched.
  if (!updateSummary_) {
    updateSummary_ = std::make_unique<QSqlQuery>(c_.db);
    if (Status s =
            prepare(*updateSummary_, c_.path,
                    QStringLiteral("UPDATE metric_summary SET count = ?, last_step = ?, "
                                   "last_epoch = ?, last_value = ?, last_time = ?, "
                                   "best_value = ?, best_step = ?, best_epoch = ? WHERE id = ?"));
        !s) {
      updateSummary_.reset();
      return s;
    }
  }
  QSqlQuery& up = *updateSummary_;
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
            execPrepared(up, c_.path, QStringLiteral("updating the summary of '%1'").arg(m.key));
        !s) {
      return s;
    }
  }
  return {};
}

}  // namespace irl4rec::store::detail
