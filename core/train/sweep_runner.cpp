#include "core/train/sweep_runner.h"

#include "core/train/config_fields.h"

#include "core/data/readers.h"
#include "core/store/run_store.h"
#include "core/train/recorded_run.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QSet>

#include <cstdio>
#include <optional>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#endif

namespace irl4rec::train {

namespace {

/// The run whose uuid is `id` in an open store; nullopt when it has none.
Expected<std::optional<store::RunInfo>> storedRun(store::RunStore& store, const QString& id) {
  auto found = store.findRun(id);
  if (!found.ok()) {
    // findRun's "no run ..." is the normal case; anything else (a damaged file) is not.
    if (found.error().cause.startsWith(QLatin1String("no run"))) return std::optional<store::RunInfo>();
    return found.error();
  }
  if (found.value().uuid != id) return std::optional<store::RunInfo>();
  return std::optional<store::RunInfo>(found.value());
}

/// "test/ndcg@10" for "val/ndcg@10".
QString testKeyOf(const QString& selectKey) {
  QString key = selectKey;
  return key.replace(0, key.indexOf(QLatin1Char('/')), QStringLiteral("test"));
}

}  // namespace

QString tailOf(const QByteArray& text, int maxLines, int maxBytes) {
  QByteArray t = text.trimmed();
  if (t.size() > maxBytes) t = t.right(maxBytes);
  qsizetype cut = t.size();
  for (int i = 0; i < maxLines && cut > 0; ++i) cut = t.lastIndexOf('\n', cut - 1);
  if (cut > 0) t = t.mid(cut + 1);
  return QString::fromUtf8(t);
}

Expected<QHash<QString, SweepRunState>> readSweepState(const SweepPlan& plan,
                                                       const QStringList& storePaths) {
  QSet<QString> planned;
  for (const PlannedRun& run : plan.runs) planned.insert(run.id);
  QHash<QString, SweepRunState> states;
  const QString testKey = testKeyOf(plan.selectMetric);
  for (const QString& path : storePaths) {
    if (!QFileInfo::exists(path)) continue;
    store::RunStore store;
    if (Status s = store.open(path, store::RunStore::OpenMode::MustExist); !s) return s.error();
    // One listing per store (with the metric summaries), not one lookup per planned run.
    auto listed = store.listRuns(store::ListOptions{});
    if (!listed.ok()) return listed.error();
    for (const store::RunListEntry& entry : listed.value()) {
      const store::RunInfo& info = entry.run;
      if (!planned.contains(info.uuid)) continue;
      SweepRunState& state = states[info.uuid];
      const bool finished = info.status == store::RunStatus::Finished;
      const bool better = !state.stored ||
                          (finished && state.status != store::RunStatus::Finished) ||
                          (!finished && state.status != store::RunStatus::Finished &&
                           info.created > state.created);
      if (!better) continue;
      state = SweepRunState{};
      state.stored = true;
      state.status = info.status;
      state.message = info.message;
      state.storePath = store.path();
      state.created = info.created;
      state.owner = info.owner;
      if (const store::MetricSummary* m = entry.metric(plan.selectMetric)) state.selectValue = m->bestValue;
      if (const store::MetricSummary* m = entry.metric(testKey)) state.test = m->lastValue;
    }
  }
  return states;
}

Expected<RunOutcome> trainPlannedRun(const SweepPlan& plan, const PlannedRun& run,
                                     const QString& storePath, const RunCallbacks& callbacks,
                                     bool* skipped) {
  *skipped = false;
  {
    store::RunStore store;
    if (Status s = store.open(storePath); !s) return s.error();
    auto found = storedRun(store, run.id);
    if (!found.ok()) return found.error();
    if (found.value()) {
      const store::RunInfo& info = *found.value();
      if (info.status == store::RunStatus::Finished) {
        *skipped = true;
        return RunOutcome{};
      }
      if ((info.status == store::RunStatus::Running || info.status == store::RunStatus::Queued) &&
          store::RunStore::ownerAlive(info.owner)) {
        return Error::general(QStringLiteral("run %1 is already %2 in process %3 on %4")
                                  .arg(run.id, store::toString(info.status))
                                  .arg(info.owner.pid)
                                  .arg(info.owner.host));
      }
      // An unfinished earlier attempt (killed, preempted, out of time): a new record under the
      // same id, training from the attempt's state when it left one (below).
      if (Status s = store.deleteRun(info.id); !s) return s.error();
    }
  }
  auto loaded = data::loadDataset(run.dataPath);
  if (!loaded.ok()) return loaded.error();
  auto dataset = std::make_shared<const data::Dataset>(std::move(loaded.value()));
  if (Status s = RunController::check(*dataset, run.config); !s) return s.error();
  // The shift benchmark's targets, read before training so that a bad file fails the run early.
  std::shared_ptr<const data::Dataset> shift;
  if (!run.testDataPath.isEmpty()) {
    auto other = data::loadDataset(run.testDataPath);
    if (!other.ok()) return other.error();
    shift = std::make_shared<const data::Dataset>(std::move(other.value()));
  }
  RecordedRun::Setup setup;
  setup.dataset = dataset;
  setup.config = run.config;
  setup.storePath = storePath;
  setup.name = run.name;
  setup.uuid = run.id;
  setup.tags = {sweepTag(plan.name)};
  // Beside the store (a task's own shard on a cluster): a task killed by its time limit or a
  // preemption resumes from its last epoch when the sweep is run or submitted again.
  const QString states = QFileInfo(storePath).absolutePath() + QStringLiteral("/states");
  QDir().mkpath(states);
  setup.statePath = QStringLiteral("%1/%2.state").arg(states, run.id);
  if (shift) {
    const auto log = callbacks.onLog;
    const QString path = run.testDataPath;
    setup.extraMetrics = [shift, log, path](const RunController& controller) {
      auto m = controller.evaluateOn(*shift);
      if (!m) {
        if (log) log(QStringLiteral("shift evaluation on %1 failed: %2").arg(path, m.error().message()));
        return std::vector<std::pair<QString, double>>{};
      }
      return RecordedRun::rankingValues(QStringLiteral("shift"), m.value());
    };
  }
  RecordedRun recorded(setup);
  return recorded.run(callbacks);
}

Status recordWorkerFailure(const SweepPlan& plan, const PlannedRun& run, const QString& storePath,
                           const QString& why, const QString& stderrTail, store::RunStatus status) {
  store::RunStore store;
  if (Status s = store.open(storePath); !s) return s;
  auto found = storedRun(store, run.id);
  if (!found.ok()) return found.error();
  const QString tail = stderrTail.isEmpty() ? QString() : QStringLiteral("\nstderr:\n") + stderrTail;
  if (!found.value()) {
    store::NewRun created;
    created.uuid = run.id;
    created.name = run.name;
    created.config = run.config.toJson();
    created.groupKey = groupKey(created.config);  // no dataset recorded: the worker never loaded it
    created.status = store::RunStatus::Running;
    created.tags = {sweepTag(plan.name)};
    auto info = store.createRun(created);
    if (!info.ok()) return info.error();
    return store.setStatus(info.value().id, status, why + tail);
  }
  const store::RunInfo& info = *found.value();
  switch (info.status) {
    case store::RunStatus::Finished:
    case store::RunStatus::Diverged:
    case store::RunStatus::Cancelled:
      return {};
    case store::RunStatus::Failed:
      if (info.message.contains(QLatin1String("\nstderr:\n"))) return {};
      return store.setStatus(info.id, store::RunStatus::Failed,
                             (info.message.isEmpty() ? why : info.message) + tail);
    default:
      return store.setStatus(info.id, status, why + tail);
  }
}

// ---- SweepRunner ------------------------------------------------------------------------------

SweepRunner::SweepRunner(SweepRunnerOptions options, SweepPlan plan, std::vector<PlannedRun> runs,
                         QObject* parent)
    : QObject(parent), options_(std::move(options)), plan_(std::move(plan)), queue_(std::move(runs)) {
  options_.parallel = std::max(1, options_.parallel);
}

SweepRunner::~SweepRunner() {
  cancelled_ = true;
  for (auto& [id, w] : workers_) {
    w.process->disconnect(this);
    w.process->kill();
    w.process->waitForFinished(5000);
  }
}

void SweepRunner::start() { startNext(); }

void SweepRunner::cancel() {
  cancelled_ = true;
  for (auto& [id, w] : workers_) w.process->kill();
}

void SweepRunner::startNext() {
  while (!cancelled_ && int(workers_.size()) < options_.parallel && next_ < queue_.size()) {
    const PlannedRun& run = queue_[next_++];
    const QString id = run.id;
    auto* p = new QProcess(this);
    p->setProcessChannelMode(QProcess::SeparateChannels);
    p->setStandardOutputFile(QProcess::nullDevice());
#ifdef Q_OS_LINUX
    p->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
    workers_[id].process = p;
    connect(p, &QProcess::readyReadStandardError, this, [this, id]() {
      auto it = workers_.find(id);
      if (it == workers_.end()) return;
      Worker& w = it->second;
      const QByteArray chunk = w.process->readAllStandardError();
      w.stderrTail += chunk;
      if (w.stderrTail.size() > 64 * 1024) w.stderrTail = w.stderrTail.right(32 * 1024);
      if (!options_.forwardOutput) return;
      w.partialLine += chunk;
      qsizetype nl;
      while ((nl = w.partialLine.indexOf('\n')) >= 0) {
        const QByteArray line = id.left(8).toUtf8() + "  " + w.partialLine.left(nl + 1);
        std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
        w.partialLine.remove(0, nl + 1);
      }
      std::fflush(stderr);
    });
    connect(p, &QProcess::finished, this, [this, id]() { onWorkerEnded(id); });
    connect(p, &QProcess::errorOccurred, this, [this, id](QProcess::ProcessError e) {
      if (e == QProcess::FailedToStart) onWorkerEnded(id);
    });
    Q_EMIT runStarted(id);
    p->start(options_.program, {QStringLiteral("sweep"), QStringLiteral("task"), options_.specPath,
                                QStringLiteral("--run"), id, QStringLiteral("--db"),
                                options_.storePath, QStringLiteral("--child")});
  }
  if (workers_.empty() && (cancelled_ || next_ >= queue_.size())) Q_EMIT finished();
}

void SweepRunner::onWorkerEnded(const QString& id) {
  auto it = workers_.find(id);
  if (it == workers_.end()) return;
  Worker w = it->second;
  workers_.erase(it);
  w.process->deleteLater();
  w.stderrTail += w.process->readAllStandardError();
  bool ok = false;
  QString why;
  if (w.process->error() == QProcess::FailedToStart) {
    why = QStringLiteral("the worker %1 could not start: %2").arg(options_.program, w.process->errorString());
  } else if (w.process->exitStatus() == QProcess::CrashExit) {
    why = cancelled_ ? QStringLiteral("cancelled: the worker was killed")
                     : QStringLiteral("the worker process died (killed by a signal, e.g. out of memory)");
  } else if (w.process->exitCode() != 0) {
    why = QStringLiteral("the worker exited with code %1").arg(w.process->exitCode());
  } else {
    ok = true;
  }
  QString message = why;
  if (!ok) {
    const PlannedRun* run = plan_.find(id);
    if (run) {
      const auto status = cancelled_ ? store::RunStatus::Cancelled : store::RunStatus::Failed;
      if (Status s = recordWorkerFailure(plan_, *run, options_.storePath, why, tailOf(w.stderrTail), status); !s)
        message += QStringLiteral(" (and the failure could not be recorded: %1)").arg(s.error().message());
    }
    ++failed_;
  } else {
    ++succeeded_;
  }
  Q_EMIT runEnded(id, ok, message);
  startNext();
}

}  // namespace irl4rec::train
