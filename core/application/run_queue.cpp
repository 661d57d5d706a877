#include "core/application/run_queue.h"

#include "core/application/launch.h"
#include "core/store/run_store.h"
#include "core/train/recorded_run.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMetaObject>
#include <QThread>

#include <chrono>

namespace irl4rec::application {

RunQueue::RunQueue(QString storePath, QObject* parent)
    : QObject(parent), storePath_(std::move(storePath)), parallelism_(defaultParallelism()) {
  qRegisterMetaType<irl4rec::train::StepProgress>();
  qRegisterMetaType<irl4rec::train::EpochProgress>();
  qRegisterMetaType<irl4rec::train::RunOutcome>();
  qRegisterMetaType<QVector<irl4rec::train::StepProgress>>();
}

RunQueue::~RunQueue() {
  pending_.clear();
  for (Worker& w : workers_) w.run->cancel();
  for (Worker& w : workers_) {
    w.thread->wait();
    delete w.thread;
  }
  workers_.clear();
}

int RunQueue::defaultParallelism() { return std::max(1, QThread::idealThreadCount() / 2); }

void RunQueue::setParallelism(int n) {
  parallelism_ = std::max(1, n);
  startNext();
}

QList<qint64> RunQueue::queued() const {
  QList<qint64> ids;
  for (const Pending& p : pending_) ids << p.runId;
  return ids;
}

bool RunQueue::isQueued(qint64 runId) const {
  for (const Pending& p : pending_) {
    if (p.runId == runId) return true;
  }
  return false;
}

void RunQueue::enqueue(std::shared_ptr<const data::Dataset> dataset, const train::TrainConfig& config,
                       const QList<quint64>& seeds, const QString& name, const QString& resumeFrom,
                       Created done) {
  Creation c;
  for (application::PlannedRun& run : application::planSeeds(config, seeds, name, dataset->sourcePath)) {
    c.configs.push_back(std::move(run.config));
    c.names << run.name;
  }
  c.dataset = std::move(dataset);
  c.resumeFrom = c.configs.size() == 1 ? resumeFrom : QString();
  c.done = std::move(done);
  creations_.push_back(std::move(c));
  startCreation();
}

void RunQueue::startCreation() {
  if (creatingNow_ || creations_.isEmpty()) return;
  creatingNow_ = true;
  Creation c = creations_.takeFirst();
  const QString path = storePath_;
  jobs_.start([this, path, c]() -> BackgroundJobs::Continuation {
    auto created = train::RecordedRun::createQueued(path, *c.dataset, c.configs, c.names);
    return [this, c, created] {
      creatingNow_ = false;
      if (created.ok()) {
        const std::vector<store::RunInfo>& runs = created.value();
        for (size_t i = 0; i < runs.size(); ++i) {
          pending_.push_back(Pending{runs[i].id, c.dataset, c.configs[i], c.resumeFrom});
          Q_EMIT runQueued(runs[i].id);
        }
        Q_EMIT queueChanged();
        if (cancelCreated_) {
          for (const store::RunInfo& r : runs) cancel(r.id);
        } else {
          startNext();
        }
      }
      if (c.done) c.done(created);
      if (creations_.isEmpty()) cancelCreated_ = false;
      startCreation();
    };
  });
}

void RunQueue::cancel(qint64 runId) {
  for (int i = 0; i < pending_.size(); ++i) {
    if (pending_[i].runId != runId) continue;
    pending_.removeAt(i);
    Q_EMIT queueChanged();
    // The store write (it may wait for a training run's transaction) on a worker thread.
    const QString path = storePath_;
    const QString message = tr("cancelled before it started");
    jobs_.start([this, path, runId, message]() -> BackgroundJobs::Continuation {
      store::RunStore store;
      QString problem;
      if (Status s = store.open(path); !s.ok()) {
        problem = s.error().message();
      } else if (Status w = store.setStatus(runId, store::RunStatus::Cancelled, message); !w.ok()) {
        problem = w.error().message();
      }
      return [this, runId, message, problem] {
        train::RunOutcome outcome;
        outcome.status = train::RunStatus::Cancelled;
        outcome.message = problem.isEmpty() ? message : message + QStringLiteral(" (not recorded: %1)").arg(problem);
        Q_EMIT runEnded(runId, outcome);
      };
    });
    return;
  }
  auto it = workers_.find(runId);
  if (it != workers_.end()) it->run->cancel();
}

void RunQueue::cancelAll() {
  // Launches not written yet are dropped; the one being written is cancelled when it lands.
  for (const Creation& c : std::as_const(creations_)) {
    if (c.done) c.done(Error::general(tr("cancelled before the runs were created")));
  }
  creations_.clear();
  cancelCreated_ = creatingNow_;
  const QList<qint64> waiting = queued();
  for (qint64 id : waiting) cancel(id);
  for (Worker& w : workers_) w.run->cancel();
}

void RunQueue::startNext() {
  while (workers_.size() < parallelism_ && !pending_.isEmpty()) {
    Pending p = pending_.takeFirst();
    train::RecordedRun::Setup setup;
    setup.dataset = p.dataset;
    setup.config = p.config;
    setup.storePath = storePath_;
    setup.runId = p.runId;
    // Resumable: an interrupted run's state becomes this run's (RunsPanel's Re-run).
    setup.statePath = train::RecordedRun::statePathFor(storePath_, p.runId);
    QDir().mkpath(QFileInfo(setup.statePath).absolutePath());
    if (!p.resumeFrom.isEmpty() && QFileInfo::exists(p.resumeFrom)) {
      QFile::remove(setup.statePath);
      QFile::rename(p.resumeFrom, setup.statePath);
    }
    Worker w;
    w.run = std::make_shared<train::RecordedRun>(setup);
    auto run = w.run;
    const qint64 runId = p.runId;
    RunQueue* self = this;  // the destructor waits for every worker, so `this` outlives them
    w.thread = QThread::create([self, run, runId] {
      using Clock = std::chrono::steady_clock;
      auto lastFlush = Clock::now();
      QVector<train::StepProgress> buffer;
      auto flushSteps = [&] {
        if (buffer.isEmpty()) return;
        QMetaObject::invokeMethod(self, [self, runId, steps = std::move(buffer)] {
          Q_EMIT self->stepsReported(runId, steps);
        }, Qt::QueuedConnection);
        buffer = {};
        lastFlush = Clock::now();
      };
      train::RunCallbacks callbacks;
      callbacks.onStep = [&](const train::StepProgress& step) {
        buffer.push_back(step);
        if (Clock::now() - lastFlush > std::chrono::milliseconds(50)) flushSteps();
      };
      callbacks.onEpoch = [&](const train::EpochProgress& epoch) {
        flushSteps();
        QMetaObject::invokeMethod(self, [self, runId, epoch] {
          Q_EMIT self->epochReported(runId, epoch);
        }, Qt::QueuedConnection);
      };
      const train::RunOutcome outcome = run->run(callbacks);
      flushSteps();
      QMetaObject::invokeMethod(self, [self, runId, outcome] { self->onWorkerDone(runId, outcome); },
                                Qt::QueuedConnection);
    });
    w.thread->setObjectName(QStringLiteral("run-%1").arg(runId));
    workers_.insert(runId, w);
    w.thread->start();
    Q_EMIT runStarted(runId);
    Q_EMIT queueChanged();
  }
}

void RunQueue::onWorkerDone(qint64 runId, const train::RunOutcome& outcome) {
  auto it = workers_.find(runId);
  if (it != workers_.end()) {
    it->thread->wait();
    it->thread->deleteLater();
    workers_.erase(it);
  }
  Q_EMIT runEnded(runId, outcome);
  Q_EMIT queueChanged();
  startNext();
}

}  // namespace irl4rec::application
