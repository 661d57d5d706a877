#pragma once
/// Internal to core/store: metric rows and their latest/best summaries (the hot path of
/// training).
/// RunStore (run_store.h) is the public face; it forwards to this repository.

#include "core/store/connection.h"
#include "core/store/run_store.h"

namespace irl4rec::store::detail {

class MetricRepository {
 public:
  explicit MetricRepository(Connection& connection) : c_(connection) {}
  Status logMetrics(qint64 runId, const std::vector<MetricRow>& rows);
  Status logMetric(qint64 runId, const QString& key, qint64 step, qint32 epoch, double value,
                   MetricDirection direction);
  Expected<QStringList> metricKeys(qint64 runId);
  Expected<std::vector<MetricPoint>> metrics(qint64 runId, const QString& key, qint64 afterSeq);
  Expected<std::vector<MetricRow>> allMetrics(qint64 runId);
  Expected<std::vector<MetricSummary>> metricSummaries(qint64 runId);
  /// Forgets the prepared statement (the connection is closing).
  void reset() { updateSummary_.reset(); }

 private:
  Connection& c_;
  // Prepared once per connection: the hot path of metric logging.
  std::unique_ptr<QSqlQuery> updateSummary_;
  Status insertMetrics(qint64 runId, const std::vector<MetricRow>& rows);
};

}  // namespace irl4rec::store::detail
