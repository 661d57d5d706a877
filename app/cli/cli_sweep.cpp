// irl4rec sweep plan|run|task|submit|status|cancel: grid and random searches, locally or as a
// SLURM job array (docs/SWEEPS.md).
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/common/files.h"
#include "core/store/run_store.h"
#include "core/train/sweep_runner.h"
#include "core/train/sweep_slurm.h"
#include "core/train/sweep_spec.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <QSet>

#include <cmath>
#include <map>

namespace irl4rec::cli {

namespace {

using train::PlannedRun;
using train::SweepPlan;

const char* const kSweepUsage =
    "usage: irl4rec sweep <command> SPEC [options]\n"
    "\n"
    "  plan SPEC [--json]                 list the runs of the spec (stable ids)\n"
    "  run SPEC [--parallel N] [--db FILE]\n"
    "                                     train the runs not finished in the store, N worker\n"
    "                                     processes at once (1)\n"
    "  submit SPEC --slurm [--partition P] [--time T] [--cpus-per-task N] [--max-parallel K]\n"
    "              [--shared-dir DIR] [--db FILE] [--dry-run]\n"
    "                                     a SLURM job array, one task per run not finished\n"
    "                                     (nor queued); each task writes DIR/shard-<run>.sqlite\n"
    "                                     (DIR default: SPEC's name + .sweep beside it);\n"
    "                                     --dry-run writes the script without submitting\n"
    "  status SPEC [--db FILE] [--shared-dir DIR] [--json]\n"
    "                                     finished / running / queued / failed / pending per\n"
    "                                     run, from the store, the shards and squeue; the best\n"
    "                                     configuration by the spec's validation metric\n"
    "  cancel SPEC                        scancel the spec's submitted jobs\n"
    "  task SPEC (--run ID | --index N) --db FILE [--child]\n"
    "                                     one run (what each worker and array task does)\n"
    "\n"
    "The spec format is described in docs/SWEEPS.md. Without --db the store is $IRL4REC_DB or\n"
    "~/.local/share/irl4rec/runs.sqlite.\n";

Expected<SweepPlan> loadPlan(const QString& specPath) {
  auto spec = train::SweepSpec::read(specPath);
  if (!spec.ok()) return spec.error();
  return train::planSweep(spec.value());
}

QString pointText(const PlannedRun& r) {
  QStringList parts;
  for (auto it = r.point.begin(); it != r.point.end(); ++it) {
    const QJsonValue v = it.value();
    parts << QStringLiteral("%1=%2").arg(it.key(), v.isDouble() ? QString::number(v.toDouble(), 'g', 6)
                                                   : v.isBool() ? (v.toBool() ? QStringLiteral("true") : QStringLiteral("false"))
                                                                : v.toString());
  }
  return parts.join(QLatin1Char(' '));
}

QString fmt(double v) { return std::isfinite(v) ? QString::number(v, 'f', 4) : QStringLiteral("-"); }

/// Where a spec's runs may be recorded, and what the scheduler says.
struct Sources {
  QString db;
  QString sharedDir;
  train::SlurmRecord slurm;
  QHash<QString, QString> queue;  ///< run id -> squeue state
  QString queueNote;              ///< why the queue could not be read
};

Expected<Sources> sources(const QString& specPath, const Flags& f, bool askQueue) {
  Sources s;
  s.db = f.has("--db") ? f.value("--db") : store::RunStore::defaultPath();
  auto record = train::readSlurmRecord(specPath);
  if (!record.ok()) return record.error();
  s.slurm = record.value();
  s.sharedDir = f.has("--shared-dir") ? f.value("--shared-dir")
                : !s.slurm.sharedDir.isEmpty() ? s.slurm.sharedDir
                                               : train::defaultSharedDir(specPath);
  if (askQueue && !s.slurm.jobs.empty()) {
    auto q = train::squeueStates(s.slurm);
    if (q.ok()) s.queue = q.value();
    else s.queueNote = q.error().message();
  }
  return s;
}

/// One planned run as the user should see it.
struct RunView {
  const PlannedRun* run = nullptr;
  QString state;   ///< finished | running | queued | failed | pending
  QString detail;  ///< failure reason (first line) or scheduler state
  double select = NAN;
  double test = NAN;
};

Expected<std::vector<RunView>> view(const SweepPlan& plan, const Sources& src) {
  QStringList stores{src.db};
  for (const PlannedRun& r : plan.runs) stores << train::shardPath(src.sharedDir, r.id);
  auto states = train::readSweepState(plan, stores);
  if (!states.ok()) return states.error();
  std::vector<RunView> rows;
  for (const PlannedRun& r : plan.runs) {
    RunView v;
    v.run = &r;
    const auto it = states.value().constFind(r.id);
    const QString queued = src.queue.value(r.id);
    if (it != states.value().constEnd()) {
      v.select = it->selectValue;
      v.test = it->test;
    }
    if (it != states.value().constEnd() && it->status == store::RunStatus::Finished) {
      v.state = QStringLiteral("finished");
    } else if (queued == QLatin1String("RUNNING") || queued == QLatin1String("COMPLETING")) {
      v.state = QStringLiteral("running");
      v.detail = queued.toLower();
    } else if (!queued.isEmpty()) {
      v.state = QStringLiteral("queued");
      v.detail = queued.toLower();
    } else if (it == states.value().constEnd()) {
      v.state = QStringLiteral("pending");
    } else if (it->status == store::RunStatus::Running || it->status == store::RunStatus::Queued) {
      // A live local process, or a task the scheduler no longer lists (node lost, killed).
      const bool onCluster = it->storePath != QFileInfo(src.db).absoluteFilePath();
      if (!onCluster && store::RunStore::ownerAlive(it->owner)) {
        v.state = QStringLiteral("running");
      } else if (onCluster && src.slurm.jobs.empty()) {
        v.state = QStringLiteral("running");
      } else {
        v.state = QStringLiteral("failed");
        v.detail = QStringLiteral("lost: its process ended without recording an outcome");
      }
    } else {
      v.state = QStringLiteral("failed");
      v.detail = store::toString(it->status) +
                 (it->message.isEmpty() ? QString() : QStringLiteral(": ") + it->message.section(QLatin1Char('\n'), 0, 0));
    }
    rows.push_back(v);
  }
  return rows;
}

/// The configuration (dataset + point) with the best mean validation value over its finished
/// seeds (ties: the first by dataset and point).
struct Best {
  const PlannedRun* run = nullptr;  ///< one of its runs (dataset, point, config)
  int n = 0, nTest = 0;
  double select = 0, test = 0;  ///< means
  bool several = false;         ///< the sweep has configurations on more than one dataset
};

Best bestOf(const std::vector<RunView>& rows) {
  struct Group {
    double sumSelect = 0, sumTest = 0;
    int n = 0, nTest = 0;
    const PlannedRun* run = nullptr;
  };
  std::map<QString, Group> groups;
  QSet<QString> datasets;
  for (const RunView& v : rows) {
    if (v.state != QLatin1String("finished") || !std::isfinite(v.select)) continue;
    Group& g = groups[v.run->dataset + QLatin1Char('\t') + pointText(*v.run)];
    datasets.insert(v.run->dataset);
    g.run = v.run;
    g.sumSelect += v.select;
    ++g.n;
    if (std::isfinite(v.test)) g.sumTest += v.test, ++g.nTest;
  }
  Best best;
  for (const auto& [key, g] : groups) {
    if (best.run && g.sumSelect / g.n <= best.select) continue;
    best.run = g.run;
    best.n = g.n;
    best.nTest = g.nTest;
    best.select = g.sumSelect / g.n;
    best.test = g.nTest ? g.sumTest / g.nTest : std::nan("");
  }
  best.several = datasets.size() > 1;
  return best;
}

QString testKeyOf(const SweepPlan& plan) {
  QString test = plan.selectMetric;
  test.replace(0, test.indexOf(QLatin1Char('/')), QStringLiteral("test"));
  return test;
}

/// The best configuration as a line; empty when none finished.
QString bestLine(const SweepPlan& plan, const std::vector<RunView>& rows) {
  const Best best = bestOf(rows);
  if (!best.run) return {};
  return QStringLiteral("best by %1 (mean of %2 seed(s)): %3%4  %1 %5  %6 %7\n")
      .arg(plan.selectMetric)
      .arg(best.n)
      .arg(plan.axisKeys.isEmpty() ? QStringLiteral("(no axes)") : pointText(*best.run),
           best.several && best.run->dataset.size() ? QStringLiteral(" on ") + best.run->dataset : QString(),
           fmt(best.select), testKeyOf(plan), best.nTest ? fmt(best.test) : QStringLiteral("-"));
}

/// The best configuration for `sweep status --json`: what a second stage (its seeds, another
/// dataset) needs — the point, the dataset and the whole configuration without its seed.
QJsonValue bestJson(const SweepPlan& plan, const std::vector<RunView>& rows) {
  const Best best = bestOf(rows);
  if (!best.run) return QJsonValue();
  QJsonObject config = best.run->config.toJson();
  for (const char* k : {"seed", "data_path", "checkpoint_path"}) config.remove(QLatin1String(k));
  return QJsonObject{{QStringLiteral("dataset"), best.run->dataset},
                     {QStringLiteral("point"), best.run->point},
                     {QStringLiteral("seeds"), best.n},
                     {plan.selectMetric, best.select},
                     {testKeyOf(plan), best.nTest ? QJsonValue(best.test) : QJsonValue()},
                     {QStringLiteral("config"), config}};
}

int plan(const Flags& f, const QString& specPath) {
  auto plan = loadPlan(specPath);
  if (!plan.ok()) return badInput(plan.error());
  const SweepPlan& p = plan.value();
  if (f.on("--json")) {
    QJsonArray runs;
    for (const PlannedRun& r : p.runs) {
      QJsonObject run{{QStringLiteral("index"), r.index},
                      {QStringLiteral("id"), r.id},
                      {QStringLiteral("name"), r.name},
                      {QStringLiteral("dataset"), r.dataset},
                      {QStringLiteral("point"), r.point},
                      {QStringLiteral("seed"), QString::number(r.config.seed)},
                      {QStringLiteral("config"), r.config.toJson()}};
      if (!r.testDataPath.isEmpty()) run.insert(QStringLiteral("test_data"), r.testDataPath);
      runs.append(run);
    }
    out(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("name"), p.name},
                                                    {QStringLiteral("select"), p.selectMetric},
                                                    {QStringLiteral("axes"), QJsonArray::fromStringList(p.axisKeys)},
                                                    {QStringLiteral("runs"), runs}})
                              .toJson(QJsonDocument::Compact)) +
        QLatin1Char('\n'));
    return kExitOk;
  }
  out(QStringLiteral("sweep %1: %2 run(s), selected by %3\n").arg(p.name).arg(p.runs.size()).arg(p.selectMetric));
  for (const PlannedRun& r : p.runs) {
    out(QStringLiteral("%1  %2  %3  %4 seed=%5\n")
            .arg(r.index, 4)
            .arg(r.id, QFileInfo(r.dataset).fileName(), pointText(r))
            .arg(r.config.seed));
  }
  return kExitOk;
}

int status(const Flags& f, const QString& specPath) {
  auto plan = loadPlan(specPath);
  if (!plan.ok()) return badInput(plan.error());
  auto src = sources(specPath, f, true);
  if (!src.ok()) return badInput(src.error());
  auto rows = view(plan.value(), src.value());
  if (!rows.ok()) return badInput(rows.error());
  std::map<QString, int> counts;
  for (const RunView& v : rows.value()) ++counts[v.state];
  const QStringList order = {QStringLiteral("finished"), QStringLiteral("running"), QStringLiteral("queued"),
                             QStringLiteral("failed"), QStringLiteral("pending")};
  if (f.on("--json")) {
    QJsonArray runs;
    for (const RunView& v : rows.value()) {
      runs.append(QJsonObject{{QStringLiteral("id"), v.run->id},
                              {QStringLiteral("name"), v.run->name},
                              {QStringLiteral("state"), v.state},
                              {QStringLiteral("detail"), v.detail},
                              {QStringLiteral("select"), std::isfinite(v.select) ? QJsonValue(v.select) : QJsonValue()},
                              {QStringLiteral("test"), std::isfinite(v.test) ? QJsonValue(v.test) : QJsonValue()}});
    }
    QJsonObject summary;
    for (const QString& s : order) summary[s] = counts[s];
    out(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("runs"), runs},
                                                    {QStringLiteral("counts"), summary},
                                                    {QStringLiteral("best"), bestJson(plan.value(), rows.value())},
                                                    {QStringLiteral("jobs"), QJsonArray::fromStringList(src.value().slurm.jobIds())}})
                              .toJson(QJsonDocument::Compact)) +
        QLatin1Char('\n'));
    return kExitOk;
  }
  for (const RunView& v : rows.value()) {
    out(QStringLiteral("%1  %2  %3  %4%5\n")
            .arg(v.run->id.left(8), v.state.leftJustified(8), fmt(v.select), v.run->name,
                 v.detail.isEmpty() ? QString() : QStringLiteral("  (") + v.detail + QLatin1Char(')')));
  }
  QStringList summary;
  for (const QString& s : order) summary << QStringLiteral("%1 %2").arg(counts[s]).arg(s);
  out(QStringLiteral("%1 run(s): %2\n").arg(rows.value().size()).arg(summary.join(QStringLiteral(", "))));
  if (!src.value().slurm.jobs.empty())
    out(QStringLiteral("SLURM job(s) %1, shards in %2\n")
            .arg(src.value().slurm.jobIds().join(QStringLiteral(", ")), src.value().sharedDir));
  if (!src.value().queueNote.isEmpty()) err(QStringLiteral("irl4rec: %1\n").arg(src.value().queueNote));
  out(bestLine(plan.value(), rows.value()));
  return kExitOk;
}

/// The runs still to train: everything not finished, running or queued.
std::vector<PlannedRun> toRun(const std::vector<RunView>& rows) {
  std::vector<PlannedRun> out;
  for (const RunView& v : rows)
    if (v.state == QLatin1String("failed") || v.state == QLatin1String("pending")) out.push_back(*v.run);
  return out;
}

int runLocal(const Flags& f, const QString& specPath) {
  auto plan = loadPlan(specPath);
  if (!plan.ok()) return badInput(plan.error());
  int parallel = 1;
  if (f.has("--parallel") && (!toInt(f.value("--parallel"), parallel) || parallel < 1))
    return badInput(QStringLiteral("sweep run: --parallel needs an integer >= 1"));
  auto src = sources(specPath, f, false);
  if (!src.ok()) return badInput(src.error());
  {
    store::RunStore probe;  // a bad or read-only --db is refused before any worker starts
    if (Status s = probe.open(src.value().db); !s) return badInput(s.error());
    if (Status s = probe.checkWritable(); !s) return badInput(s.error());
  }
  Sources local = src.value();
  local.sharedDir = QString();  // local runs: the store only
  QStringList onlyDb{local.db};
  auto states = train::readSweepState(plan.value(), onlyDb);
  if (!states.ok()) return badInput(states.error());
  std::vector<PlannedRun> runs;
  for (const PlannedRun& r : plan.value().runs) {
    const auto it = states.value().constFind(r.id);
    if (it == states.value().constEnd() || it->status != store::RunStatus::Finished) runs.push_back(r);
  }
  const int total = int(plan.value().runs.size());
  err(QStringLiteral("irl4rec: sweep %1: %2 of %3 run(s) to train, %4 at once, store %5\n")
          .arg(plan.value().name)
          .arg(runs.size())
          .arg(total)
          .arg(parallel)
          .arg(QFileInfo(local.db).absoluteFilePath()));
  if (runs.empty()) return kExitOk;
  train::SweepRunnerOptions options;
  options.program = QCoreApplication::applicationFilePath();
  options.specPath = QFileInfo(specPath).absoluteFilePath();
  options.storePath = QFileInfo(local.db).absoluteFilePath();
  options.parallel = parallel;
  options.forwardOutput = !f.on("--quiet");
  train::SweepRunner runner(options, plan.value(), runs);
  int ended = 0;
  const int count = int(runs.size());
  QObject::connect(&runner, &train::SweepRunner::runEnded, [&](const QString& id, bool ok, const QString& message) {
    ++ended;
    const PlannedRun* r = plan.value().find(id);
    err(QStringLiteral("irl4rec: [%1/%2] %3 %4%5\n")
            .arg(ended)
            .arg(count)
            .arg(r ? r->name : id, ok ? QStringLiteral("done") : QStringLiteral("FAILED"),
                 ok ? QString() : QStringLiteral(": ") + message));
  });
  QObject::connect(&runner, &train::SweepRunner::finished, QCoreApplication::instance(), &QCoreApplication::quit,
                   Qt::QueuedConnection);
  runner.start();
  QCoreApplication::exec();
  err(QStringLiteral("irl4rec: sweep %1: %2 run(s) done, %3 failed\n")
          .arg(plan.value().name)
          .arg(runner.succeeded())
          .arg(runner.failed()));
  return runner.failed() > 0 ? kExitFailure : kExitOk;
}

/// One run: in this process (--child) or supervised in a child process.
int task(const Flags& f, const QString& specPath) {
  auto plan = loadPlan(specPath);
  if (!plan.ok()) return badInput(plan.error());
  if (!f.has("--db")) return badInput(QStringLiteral("sweep task: --db FILE is required"));
  const PlannedRun* run = nullptr;
  if (f.has("--run")) {
    run = plan.value().find(f.value("--run"));
    if (!run)
      return badInput(Error::at(specPath, 0, QStringLiteral("no run %1 in this spec (was it edited after the submission?)")
                                                 .arg(f.value("--run"))));
  } else if (f.has("--index")) {
    int index = -1;
    if (!toInt(f.value("--index"), index) || index < 0 || index >= int(plan.value().runs.size()))
      return badInput(QStringLiteral("sweep task: --index must be in 0..%1").arg(plan.value().runs.size() - 1));
    run = &plan.value().runs[size_t(index)];
  } else {
    return badInput(QStringLiteral("sweep task: give --run ID or --index N"));
  }
  const QString db = QFileInfo(f.value("--db")).absoluteFilePath();
  if (f.on("--child")) {
    train::RunCallbacks cb;
    cb.onEpoch = [](const train::EpochProgress& p) {
      err(QStringLiteral("epoch %1/%2  loss %3%4\n")
              .arg(p.epoch)
              .arg(p.epochs)
              .arg(p.meanLoss, 0, 'f', 4)
              .arg(p.evaluated ? QStringLiteral("  valid NDCG@10 %1").arg(p.validation.ndcgAt(10), 0, 'f', 4)
                               : QString()));
    };
    cb.onLog = [](const QString& s) { err(s + QLatin1Char('\n')); };
    bool skipped = false;
    auto outcome = train::trainPlannedRun(plan.value(), *run, db, cb, &skipped);
    if (!outcome.ok()) return badInput(outcome.error());
    if (skipped) {
      err(QStringLiteral("irl4rec: %1 already finished in %2\n").arg(run->name, db));
      return kExitOk;
    }
    const train::RunOutcome& o = outcome.value();
    if (o.status != train::RunStatus::Finished) {
      err(QStringLiteral("irl4rec: run %1%2\n")
              .arg(train::toString(o.status), o.message.isEmpty() ? QString() : QStringLiteral(": ") + o.message));
      return kExitFailure;
    }
    err(QStringLiteral("irl4rec: %1 finished: validation %2, test %3\n")
            .arg(run->name, o.validation.summary(), o.test.summary()));
    return kExitOk;
  }
  train::SweepRunnerOptions options;
  options.program = QCoreApplication::applicationFilePath();
  options.specPath = QFileInfo(specPath).absoluteFilePath();
  options.storePath = db;
  train::SweepRunner runner(options, plan.value(), {*run});
  bool ok = false;
  QObject::connect(&runner, &train::SweepRunner::runEnded, [&](const QString&, bool good, const QString& message) {
    ok = good;
    if (!good) err(QStringLiteral("irl4rec: %1 failed: %2\n").arg(run->name, message));
  });
  QObject::connect(&runner, &train::SweepRunner::finished, QCoreApplication::instance(), &QCoreApplication::quit,
                   Qt::QueuedConnection);
  runner.start();
  QCoreApplication::exec();
  return ok ? kExitOk : kExitFailure;
}

int submit(const Flags& f, const QString& specPath) {
  if (!f.on("--slurm")) return badInput(QStringLiteral("sweep submit: give the scheduler: --slurm"));
  auto plan = loadPlan(specPath);
  if (!plan.ok()) return badInput(plan.error());
  train::SlurmOptions o;
  o.partition = f.value("--partition");
  o.time = f.value("--time");
  if (f.has("--cpus-per-task") && (!toInt(f.value("--cpus-per-task"), o.cpusPerTask) || o.cpusPerTask < 1))
    return badInput(QStringLiteral("sweep submit: --cpus-per-task needs an integer >= 1"));
  if (f.has("--max-parallel") && (!toInt(f.value("--max-parallel"), o.maxParallel) || o.maxParallel < 1))
    return badInput(QStringLiteral("sweep submit: --max-parallel needs an integer >= 1"));
  const bool dryRun = f.on("--dry-run");
  if (!dryRun) {
    auto sbatch = train::slurmTool(QStringLiteral("sbatch"));
    if (!sbatch.ok()) return badInput(QStringLiteral("sweep submit: ") + sbatch.error().message());
  }
  auto src = sources(specPath, f, !dryRun);
  if (!src.ok()) return badInput(src.error());
  if (!src.value().queueNote.isEmpty()) return badInput(QStringLiteral("sweep submit: ") + src.value().queueNote);
  o.sharedDir = QFileInfo(src.value().sharedDir).absoluteFilePath();
  o.program = QCoreApplication::applicationFilePath();
  auto rows = view(plan.value(), src.value());
  if (!rows.ok()) return badInput(rows.error());
  const std::vector<PlannedRun> runs = toRun(rows.value());
  if (runs.empty()) {
    out(QStringLiteral("nothing to submit: all %1 run(s) of %2 are finished, running or queued\n")
            .arg(plan.value().runs.size())
            .arg(plan.value().name));
    return kExitOk;
  }
  QStringList ids;
  for (const PlannedRun& r : runs) ids << r.id;
  if (!QDir().mkpath(o.sharedDir + QStringLiteral("/logs")))
    return badInput(Error::at(o.sharedDir, 0, QStringLiteral("cannot create the shared directory")));
  const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
  const QString script = QDir(o.sharedDir).filePath(QStringLiteral("sweep-%1.sbatch").arg(stamp));
  if (Status s = writeFileAtomically(script, train::sbatchScript(plan.value(), ids, o).toUtf8()); !s)
    return badInput(s.error());
  if (dryRun) {
    out(QStringLiteral("%1 run(s) of %2 in %3 (not submitted: --dry-run)\n")
            .arg(ids.size())
            .arg(plan.value().runs.size())
            .arg(script));
    return kExitOk;
  }
  auto job = train::sbatchSubmit(script);
  if (!job.ok()) return badInput(QStringLiteral("sweep submit: ") + job.error().message());
  train::SlurmRecord record = src.value().slurm;
  record.sharedDir = o.sharedDir;
  record.jobs.push_back({job.value(), ids, QDateTime::currentDateTimeUtc(), script});
  if (Status s = train::writeSlurmRecord(specPath, record); !s)
    return badInput(QStringLiteral("job %1 was submitted but not recorded: %2").arg(job.value(), s.error().message()));
  out(QStringLiteral("submitted job %1: %2 run(s) of %3; shards in %4\n"
                     "merge them with: irl4rec runs import %4/shard-*.sqlite\n")
          .arg(job.value())
          .arg(ids.size())
          .arg(plan.value().runs.size())
          .arg(o.sharedDir));
  return kExitOk;
}

int cancel(const QString& specPath) {
  auto record = train::readSlurmRecord(specPath);
  if (!record.ok()) return badInput(record.error());
  if (record.value().jobs.empty()) {
    out(QStringLiteral("nothing to cancel: %1 was never submitted\n").arg(specPath));
    return kExitOk;
  }
  if (auto tool = train::slurmTool(QStringLiteral("scancel")); !tool.ok())
    return badInput(QStringLiteral("sweep cancel: ") + tool.error().message());
  if (Status s = train::scancelJobs(record.value()); !s) return badInput(s.error());
  out(QStringLiteral("cancelled job(s) %1\n").arg(record.value().jobIds().join(QStringLiteral(", "))));
  return kExitOk;
}

}  // namespace

int runSweep(const QStringList& args) {
  if (args.isEmpty()) return badInput(QStringLiteral("'sweep' needs a command: plan, run, submit, status, cancel (try sweep --help)"));
  if (args[0] == QLatin1String("--help") || args[0] == QLatin1String("-h") || args[0] == QLatin1String("help")) {
    out(QString::fromUtf8(kSweepUsage));
    return kExitOk;
  }
  const QString command = args[0];
  const QStringList valueFlags = {QStringLiteral("--db"),           QStringLiteral("--parallel"),
                                  QStringLiteral("--partition"),    QStringLiteral("--time"),
                                  QStringLiteral("--cpus-per-task"), QStringLiteral("--max-parallel"),
                                  QStringLiteral("--shared-dir"),   QStringLiteral("--run"),
                                  QStringLiteral("--index")};
  const QStringList switchFlags = {QStringLiteral("--json"), QStringLiteral("--slurm"), QStringLiteral("--child"),
                                   QStringLiteral("--dry-run"), QStringLiteral("--quiet")};
  const Flags f = parseFlags(args.mid(1), valueFlags, switchFlags, true);
  if (!f.error.isEmpty()) return badInput(QStringLiteral("sweep %1: %2").arg(command, f.error));
  if (f.positional.size() != 1) return badInput(QStringLiteral("sweep %1: give one SPEC file").arg(command));
  const QString spec = f.positional.front();
  if (command == QLatin1String("plan")) return plan(f, spec);
  if (command == QLatin1String("run")) return runLocal(f, spec);
  if (command == QLatin1String("task")) return task(f, spec);
  if (command == QLatin1String("submit")) return submit(f, spec);
  if (command == QLatin1String("status")) return status(f, spec);
  if (command == QLatin1String("cancel")) return cancel(spec);
  return badInput(QStringLiteral("unknown command 'sweep %1' (plan, run, submit, status, cancel, task)").arg(command));
}

}  // namespace irl4rec::cli
