#pragma once
/// Internal to core/store: datasets and runs (create, status, names, tags, notes, delete,
/// listing, params, recovery of runs whose process died).
/// RunStore (run_store.h) is the public face; it forwards to this repository.

#include "core/store/connection.h"
#include "core/store/run_store.h"

namespace irl4rec::store::detail {

class RunRepository {
 public:
  explicit RunRepository(Connection& connection) : c_(connection) {}
  Expected<int> recoverInterruptedRuns();
  Expected<qint64> upsertDataset(const DatasetRecord& dataset);
  Expected<DatasetRecord> dataset(qint64 datasetId);
  Expected<std::vector<DatasetRecord>> datasets();
  Expected<RunInfo> createRun(const NewRun& run);
  Status setStatus(qint64 runId, RunStatus status, const QString& message);
  Status rename(qint64 runId, const QString& name);
  Status setTags(qint64 runId, const QStringList& tags);
  Status setNotes(qint64 runId, const QString& notes);
  Status deleteRun(qint64 runId);
  Expected<RunInfo> run(qint64 runId);
  Expected<RunInfo> findRun(const QString& ref);
  Expected<std::vector<RunListEntry>> listRuns(const ListOptions& options);
  Expected<QJsonObject> params(qint64 runId);
  /// One run row (config included when asked).
  Expected<RunInfo> readRun(qint64 runId, bool withConfig) const;

 private:
  Connection& c_;
};

}  // namespace irl4rec::store::detail
