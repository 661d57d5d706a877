#pragma once
/// Internal to core/store: conversions between SQL rows and the store's value types, shared by
/// the repositories (run_repository, metric_repository, artifact_repository).

#include "core/store/run_store.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QVariant>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace irl4rec::store::detail {

inline constexpr qint64 kEmbeddingChunkBytes = 4 << 20;
inline constexpr size_t kMetricRowsPerInsert = 500;  // rows per INSERT statement

inline qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

inline QDateTime fromMs(const QVariant& v) {
  if (v.isNull()) return {};
  return QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

inline double toDouble(const QVariant& v) {
  return v.isNull() ? std::numeric_limits<double>::quiet_NaN() : v.toDouble();
}

inline QString compactJson(const QJsonObject& object) {
  return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

inline QString compactJson(const QJsonArray& array) {
  return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

inline QJsonObject parseObject(const QVariant& v) {
  return QJsonDocument::fromJson(v.toString().toUtf8()).object();
}

inline QStringList parseStringArray(const QVariant& v) {
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

inline bool validKindName(const QString& kind) {
  if (kind.isEmpty() || kind.size() > 64) return false;
  for (QChar c : kind) {
    if (!((c >= QLatin1Char('a') && c <= QLatin1Char('z')) || c.isDigit() ||
          c == QLatin1Char('_'))) {
      return false;
    }
  }
  return true;
}

inline QString scalarText(const QJsonValue& value) {
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

inline void flattenInto(const QJsonObject& object, const QString& prefix, QJsonObject& out) {
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
inline const char* const kRunColumns =
    "r.id, r.uuid, r.name, r.status, r.message, r.created_ms, r.started_ms, r.finished_ms, "
    "r.dataset_id, d.name, r.group_key, r.group_hash, r.notes, r.tags, r.owner_host, "
    "r.owner_pid, r.owner_token";
inline constexpr int kRunConfigColumn = 17;

inline RunInfo runFromQuery(const QSqlQuery& q, bool withConfig) {
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

inline const char* const kSummaryColumns =
    "run_id, key, direction, count, last_step, last_epoch, last_value, last_time, best_value, "
    "best_step, best_epoch";

inline MetricSummary summaryFromQuery(const QSqlQuery& q) {
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

}  // namespace irl4rec::store::detail
