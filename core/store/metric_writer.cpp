#include "core/store/metric_writer.h"

#include "core/store/run_store.h"

#include <QDateTime>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace irl4rec::store {

struct MetricWriter::Impl {
  QString path;
  qint64 runId = 0;
  Options options;

  mutable std::mutex mutex;
  std::condition_variable wake;      // writer thread: rows, flush or stop
  std::condition_variable progress;  // flush(): a write attempt ended
  std::vector<MetricRow> pending;
  qint64 logged = 0;       // rows accepted by log()
  qint64 committed = 0;    // rows written to the file
  qint64 flushTarget = 0;  // write now until committed reaches this
  qint64 attempts = 0;
  bool lastAttemptFailed = false;
  bool stopping = false;
  bool stopped = false;
  std::optional<Error> firstError;
  std::thread thread;

  void loop(std::promise<Status> opened);
};

void MetricWriter::Impl::loop(std::promise<Status> opened) {
  RunStore store;
  Status s = store.open(path, RunStore::OpenMode::MustExist);
  if (s) {
    auto run = store.run(runId);
    if (!run.ok()) s = run.error();
  }
  const bool ok = s.ok();
  opened.set_value(s);
  if (!ok) return;

  const auto interval = std::chrono::milliseconds(options.intervalMs);
  auto lastWrite = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex);
  for (;;) {
    const auto due = lastWrite + interval;
    wake.wait_until(lock, due, [&] {
      return stopping || qint64(pending.size()) >= options.maxRows || flushTarget > committed;
    });
    const bool timeUp = std::chrono::steady_clock::now() >= due;
    if (!pending.empty() && (stopping || timeUp || qint64(pending.size()) >= options.maxRows ||
                             flushTarget > committed)) {
      std::vector<MetricRow> batch;
      batch.swap(pending);
      lock.unlock();
      const Status written = store.logMetrics(runId, batch);
      lock.lock();
      lastWrite = std::chrono::steady_clock::now();
      ++attempts;
      lastAttemptFailed = !written.ok();
      if (written) {
        committed += qint64(batch.size());
      } else {
        if (!firstError) firstError = written.error();
        // Keep the rows (in order) for the next attempt.
        batch.insert(batch.end(), pending.begin(), pending.end());
        pending.swap(batch);
      }
      progress.notify_all();
      if (stopping && lastAttemptFailed) break;  // give up on close rather than spin
      if (lastAttemptFailed) {
        // Back off before retrying a failing file instead of spinning on it.
        wake.wait_for(lock, interval, [&] { return stopping; });
      }
    } else if (timeUp) {
      lastWrite = std::chrono::steady_clock::now();
    }
    if (stopping && pending.empty()) break;
  }
  stopped = true;
  progress.notify_all();
}

MetricWriter::MetricWriter() : d_(std::make_unique<Impl>()) {}

Expected<std::unique_ptr<MetricWriter>> MetricWriter::create(const QString& dbPath, qint64 runId,
                                                             Options options) {
  std::unique_ptr<MetricWriter> writer(new MetricWriter());
  Impl& d = *writer->d_;
  d.path = dbPath;
  d.runId = runId;
  options.maxRows = std::max(1, options.maxRows);
  options.intervalMs = std::max(1, options.intervalMs);
  d.options = options;
  std::promise<Status> opened;
  std::future<Status> result = opened.get_future();
  d.thread = std::thread([&d, p = std::move(opened)]() mutable { d.loop(std::move(p)); });
  Status s = result.get();
  if (!s) {
    d.thread.join();
    d.stopped = true;
    return s.error();
  }
  return writer;
}

MetricWriter::~MetricWriter() { close(); }

void MetricWriter::log(const QString& key, qint64 step, qint32 epoch, double value,
                       MetricDirection direction) {
  log(MetricRow{key, step, epoch, value, 0, direction});
}

void MetricWriter::log(MetricRow row) {
  if (row.wallTime <= 0) row.wallTime = QDateTime::currentMSecsSinceEpoch() / 1000.0;
  std::lock_guard<std::mutex> lock(d_->mutex);
  if (d_->stopping || d_->stopped) return;
  d_->pending.push_back(std::move(row));
  ++d_->logged;
  if (qint64(d_->pending.size()) == d_->options.maxRows) d_->wake.notify_one();
}

void MetricWriter::log(const std::vector<MetricRow>& rows) {
  const double now = QDateTime::currentMSecsSinceEpoch() / 1000.0;
  std::lock_guard<std::mutex> lock(d_->mutex);
  if (d_->stopping || d_->stopped) return;
  for (MetricRow row : rows) {
    if (row.wallTime <= 0) row.wallTime = now;
    d_->pending.push_back(std::move(row));
  }
  d_->logged += qint64(rows.size());
  if (qint64(d_->pending.size()) >= d_->options.maxRows) d_->wake.notify_one();
}

Status MetricWriter::flush() {
  std::unique_lock<std::mutex> lock(d_->mutex);
  const qint64 target = d_->logged;
  const qint64 attemptsBefore = d_->attempts;
  d_->flushTarget = std::max(d_->flushTarget, target);
  d_->wake.notify_one();
  d_->progress.wait(lock, [&] {
    return d_->committed >= target || d_->stopped ||
           (d_->attempts > attemptsBefore && d_->lastAttemptFailed);
  });
  if (d_->committed >= target) return {};
  if (d_->firstError) return *d_->firstError;
  return Error::general(QStringLiteral("the metric writer stopped before writing every row"));
}

Status MetricWriter::close() {
  {
    std::lock_guard<std::mutex> lock(d_->mutex);
    if (!d_->thread.joinable()) {
      if (d_->firstError) return *d_->firstError;
      return {};
    }
    d_->stopping = true;
  }
  d_->wake.notify_one();
  d_->thread.join();
  std::lock_guard<std::mutex> lock(d_->mutex);
  if (d_->committed < d_->logged) {
    if (d_->firstError) return *d_->firstError;
    return Error::general(
        QStringLiteral("%1 metric rows were not written").arg(d_->logged - d_->committed));
  }
  return {};
}

Status MetricWriter::status() const {
  std::lock_guard<std::mutex> lock(d_->mutex);
  if (d_->firstError) return *d_->firstError;
  return {};
}

qint64 MetricWriter::written() const {
  std::lock_guard<std::mutex> lock(d_->mutex);
  return d_->committed;
}

qint64 MetricWriter::runId() const { return d_->runId; }

}  // namespace irl4rec::store
