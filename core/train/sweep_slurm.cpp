#include "core/train/sweep_slurm.h"

#include "core/common/files.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>

namespace irl4rec::train {

namespace {

/// A word for bash, single-quoted.
QString shellQuote(const QString& s) {
  QString q = s;
  q.replace(QLatin1Char('\''), QLatin1String("'\\''"));
  return QLatin1Char('\'') + q + QLatin1Char('\'');
}

struct ToolResult {
  int code = -1;
  QString out;
  QString err;
};

Expected<ToolResult> runTool(const QString& name, const QStringList& args) {
  auto tool = slurmTool(name);
  if (!tool.ok()) return tool.error();
  QProcess p;
  p.start(tool.value(), args);
  if (!p.waitForStarted(30000))
    return Error::general(QStringLiteral("%1 could not start: %2").arg(name, p.errorString()));
  if (!p.waitForFinished(120000)) {
    p.kill();
    p.waitForFinished(5000);
    return Error::general(QStringLiteral("%1 did not answer within two minutes").arg(name));
  }
  return ToolResult{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
                    QString::fromUtf8(p.readAllStandardOutput()),
                    QString::fromUtf8(p.readAllStandardError()).trimmed()};
}

QString firstLine(const QString& s) { return s.section(QLatin1Char('\n'), 0, 0).trimmed(); }

}  // namespace

QString defaultSharedDir(const QString& specPath) {
  const QFileInfo info(specPath);
  return info.absoluteDir().filePath(info.completeBaseName() + QStringLiteral(".sweep"));
}

QString shardPath(const QString& sharedDir, const QString& runId) {
  return QDir(sharedDir).filePath(QStringLiteral("shard-%1.sqlite").arg(runId));
}

QString slurmRecordPath(const QString& specPath) {
  const QFileInfo info(specPath);
  return info.absoluteDir().filePath(info.completeBaseName() + QStringLiteral(".jobs.json"));
}

QString sbatchScript(const SweepPlan& plan, const QStringList& runIds, const SlurmOptions& o) {
  QString name = plan.name;
  name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]")), QStringLiteral("_"));
  const QString dir = QDir(o.sharedDir).absolutePath();
  QString s = QStringLiteral("#!/bin/bash\n");
  s += QStringLiteral("#SBATCH --job-name=irl4rec-%1\n").arg(name);
  s += QStringLiteral("#SBATCH --array=0-%1%2\n")
           .arg(runIds.size() - 1)
           .arg(o.maxParallel > 0 ? QStringLiteral("%%1").arg(o.maxParallel) : QString());
  s += QStringLiteral("#SBATCH --output=%1/logs/%A_%a.log\n").arg(dir);
  s += QStringLiteral("#SBATCH --chdir=%1\n").arg(dir);
  if (!o.partition.isEmpty()) s += QStringLiteral("#SBATCH --partition=%1\n").arg(o.partition);
  if (!o.time.isEmpty()) s += QStringLiteral("#SBATCH --time=%1\n").arg(o.time);
  if (o.cpusPerTask > 0) s += QStringLiteral("#SBATCH --cpus-per-task=%1\n").arg(o.cpusPerTask);
  s += QStringLiteral(
           "# Written by `irl4rec sweep submit` for %1: one array task per run, each writing its\n"
           "# own run store (shard) here; `irl4rec runs import %2/shard-*.sqlite` merges them.\n"
           "set -u\n"
           "runs=(\n")
           .arg(plan.specPath, dir);
  for (const QString& id : runIds) s += QStringLiteral("  %1\n").arg(id);
  s += QStringLiteral(")\n"
                      "run=${runs[$SLURM_ARRAY_TASK_ID]}\n"
                      "exec %1 sweep task %2 --run \"$run\" --db %3\"$run\".sqlite\n")
           .arg(shellQuote(o.program), shellQuote(QFileInfo(plan.specPath).absoluteFilePath()),
                shellQuote(dir + QStringLiteral("/shard-")));
  return s;
}

QStringList SlurmRecord::jobIds() const {
  QStringList ids;
  for (const SlurmSubmission& j : jobs) ids << j.jobId;
  return ids;
}

Expected<SlurmRecord> readSlurmRecord(const QString& specPath) {
  const QString path = slurmRecordPath(specPath);
  SlurmRecord record;
  if (!QFileInfo::exists(path)) return record;
  auto o = readJsonObjectFile(path);
  if (!o.ok()) return o.error();
  record.sharedDir = o.value().value(QLatin1String("shared_dir")).toString();
  for (const QJsonValue& v : o.value().value(QLatin1String("jobs")).toArray()) {
    const QJsonObject j = v.toObject();
    SlurmSubmission s;
    s.jobId = j.value(QLatin1String("job_id")).toString();
    for (const QJsonValue& id : j.value(QLatin1String("runs")).toArray()) s.runIds << id.toString();
    s.submitted = QDateTime::fromString(j.value(QLatin1String("submitted")).toString(), Qt::ISODate);
    s.script = j.value(QLatin1String("script")).toString();
    if (s.jobId.isEmpty()) return Error::at(path, 0, QStringLiteral("a job without \"job_id\""));
    record.jobs.push_back(s);
  }
  return record;
}

Status writeSlurmRecord(const QString& specPath, const SlurmRecord& record) {
  QJsonArray jobs;
  for (const SlurmSubmission& s : record.jobs) {
    jobs.append(QJsonObject{{QStringLiteral("job_id"), s.jobId},
                            {QStringLiteral("runs"), QJsonArray::fromStringList(s.runIds)},
                            {QStringLiteral("submitted"), s.submitted.toString(Qt::ISODate)},
                            {QStringLiteral("script"), s.script}});
  }
  const QJsonObject o{{QStringLiteral("shared_dir"), record.sharedDir}, {QStringLiteral("jobs"), jobs}};
  return writeFileAtomically(slurmRecordPath(specPath), QJsonDocument(o).toJson());
}

Expected<QString> slurmTool(const QString& name) {
  const QString path = QStandardPaths::findExecutable(name);
  if (path.isEmpty())
    return Error::general(QStringLiteral("%1 not found on PATH: run this on a SLURM login node or "
                                         "install the SLURM client tools (Debian: slurm-client)")
                              .arg(name));
  return path;
}

Expected<QString> sbatchSubmit(const QString& scriptPath) {
  auto r = runTool(QStringLiteral("sbatch"), {QStringLiteral("--parsable"), scriptPath});
  if (!r.ok()) return r.error();
  if (r.value().code != 0)
    return Error::general(QStringLiteral("sbatch refused the job: %1")
                              .arg(firstLine(r.value().err.isEmpty() ? r.value().out : r.value().err)));
  // --parsable prints "jobid" or "jobid;cluster".
  const QString id = firstLine(r.value().out).section(QLatin1Char(';'), 0, 0);
  if (id.isEmpty()) return Error::general(QStringLiteral("sbatch printed no job id"));
  return id;
}

Expected<QHash<QString, QString>> squeueStates(const SlurmRecord& record) {
  QHash<QString, QString> states;
  for (const SlurmSubmission& job : record.jobs) {
    auto r = runTool(QStringLiteral("squeue"), {QStringLiteral("-h"), QStringLiteral("-r"),
                                                QStringLiteral("-j"), job.jobId,
                                                QStringLiteral("-o"), QStringLiteral("%i|%T")});
    if (!r.ok()) return r.error();
    if (r.value().code != 0) {
      // A job the scheduler has forgotten (finished long ago) is not an error.
      if (r.value().err.contains(QLatin1String("Invalid job id"), Qt::CaseInsensitive)) continue;
      return Error::general(QStringLiteral("squeue failed: %1").arg(firstLine(r.value().err)));
    }
    for (const QString& line : r.value().out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
      const QString task = line.section(QLatin1Char('|'), 0, 0).trimmed();
      const QString state = line.section(QLatin1Char('|'), 1, 1).trimmed();
      bool ok = false;
      const int index = task.section(QLatin1Char('_'), 1, 1).toInt(&ok);
      if (ok && index >= 0 && index < job.runIds.size()) states.insert(job.runIds[index], state);
    }
  }
  return states;
}

Status scancelJobs(const SlurmRecord& record) {
  if (record.jobs.empty()) return {};
  auto r = runTool(QStringLiteral("scancel"), record.jobIds());
  if (!r.ok()) return r.error();
  if (r.value().code != 0 &&
      !r.value().err.contains(QLatin1String("Invalid job id"), Qt::CaseInsensitive))
    return Error::general(QStringLiteral("scancel failed: %1").arg(firstLine(r.value().err)));
  return {};
}

}  // namespace irl4rec::train
