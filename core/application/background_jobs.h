#pragma once
/// Work off the UI thread for a widget: store reads, projections, anything that takes longer
/// than a frame. One helper instead of a hand-written thread + wait-on-destroy per panel.
///
/// Each job runs on its own thread and returns a continuation that runs on the owner's thread
/// (queued, so never inside the job's caller). An exception escaping a job becomes a call of
/// `onError` on the owner's thread. The destructor waits for every running job, so jobs may
/// capture the owner: declare the BackgroundJobs member *last* in the owner, so it is destroyed
/// (and waits) before anything a job could read. Jobs should capture values, not widgets, and
/// touch the owner only in their continuation.

#include <QList>
#include <QObject>
#include <QString>

#include <functional>

class QThread;

namespace irl4rec::application {

class BackgroundJobs {
 public:
  using Continuation = std::function<void()>;
  using Job = std::function<Continuation()>;

  explicit BackgroundJobs(QObject* owner, std::function<void(const QString&)> onError = {});
  ~BackgroundJobs();  ///< waits for every running job; their continuations are dropped
  BackgroundJobs(const BackgroundJobs&) = delete;
  BackgroundJobs& operator=(const BackgroundJobs&) = delete;

  /// Starts `job` on a new thread; its continuation (may be empty) runs on the owner's thread.
  void start(Job job);
  /// Jobs started and not yet finished.
  int running() const { return int(threads_.size()); }

  /// Stale results: a job remembers the generation it was started in and its continuation
  /// checks isCurrent(); nextGeneration() makes every earlier job stale (a newer request).
  quint64 nextGeneration() { return ++generation_; }
  quint64 generation() const { return generation_; }
  bool isCurrent(quint64 generation) const { return generation == generation_; }

 private:
  QObject* owner_;
  std::function<void(const QString&)> onError_;
  QList<QThread*> threads_;
  quint64 generation_ = 0;
};

}  // namespace irl4rec::application
