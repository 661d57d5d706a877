#pragma once
/// A sweep as a SLURM job array: the batch script (one array task per run, each writing its own
/// SQLite shard in a shared directory), submission with `sbatch`, the scheduler's view with
/// `squeue`, cancellation with `scancel`, and the record of submitted jobs kept next to the spec
/// (`<spec>.jobs.json`). Qt Core only; the SLURM client tools are found on PATH.

#include "core/common/error.h"
#include "core/train/sweep_spec.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>

#include <vector>

namespace irl4rec::train {

struct SlurmOptions {
  QString partition;     ///< empty: the cluster's default
  QString time;          ///< per task, SLURM syntax ("1:00:00"); empty: the partition's default
  int cpusPerTask = 0;   ///< 0: the cluster's default
  int maxParallel = 0;   ///< array tasks running at once (the %K of --array); 0: no limit
  QString sharedDir;     ///< shards, logs and scripts; seen by every node
  QString program;       ///< the irl4rec CLI as the nodes see it
};

/// `<spec dir>/<spec base name>.sweep`: the shared directory when none is given.
QString defaultSharedDir(const QString& specPath);
/// `<shared dir>/shard-<run id>.sqlite`: the store one array task writes.
QString shardPath(const QString& sharedDir, const QString& runId);
/// The batch script running `runIds` (array task i runs runIds[i]).
QString sbatchScript(const SweepPlan& plan, const QStringList& runIds, const SlurmOptions& options);

struct SlurmSubmission {
  QString jobId;
  QStringList runIds;  ///< array task i ran runIds[i]
  QDateTime submitted;
  QString script;      ///< path of the batch script
};

/// What was submitted for a spec: its shared directory and the jobs.
struct SlurmRecord {
  QString sharedDir;
  std::vector<SlurmSubmission> jobs;
  QStringList jobIds() const;
};
/// `<spec dir>/<spec base name>.jobs.json`.
QString slurmRecordPath(const QString& specPath);
/// The record, or an empty one when the spec was never submitted.
Expected<SlurmRecord> readSlurmRecord(const QString& specPath);
Status writeSlurmRecord(const QString& specPath, const SlurmRecord& record);

/// The path of a SLURM client tool ("sbatch", "squeue", "scancel"), or an Error in one line
/// saying it is missing.
Expected<QString> slurmTool(const QString& name);
/// Submits a batch script; returns the job id.
Expected<QString> sbatchSubmit(const QString& scriptPath);
/// Run id -> scheduler state ("PENDING", "RUNNING", ...) of the record's array tasks that the
/// scheduler still lists. Jobs it no longer knows are left out.
Expected<QHash<QString, QString>> squeueStates(const SlurmRecord& record);
/// Cancels every job of the record (`scancel`).
Status scancelJobs(const SlurmRecord& record);

}  // namespace irl4rec::train
