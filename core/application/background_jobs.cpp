#include "core/application/background_jobs.h"

#include <QMetaObject>
#include <QThread>

#include <exception>

namespace irl4rec::application {

BackgroundJobs::BackgroundJobs(QObject* owner, std::function<void(const QString&)> onError)
    : owner_(owner), onError_(std::move(onError)) {}

BackgroundJobs::~BackgroundJobs() {
  for (QThread* t : threads_) {
    t->wait();
    delete t;
  }
}

void BackgroundJobs::start(Job job) {
  QObject* owner = owner_;
  const auto onError = onError_;
  QThread* thread = QThread::create([owner, onError, job = std::move(job)] {
    Continuation done;
    try {
      done = job();
    } catch (const std::exception& e) {
      if (onError) done = [onError, what = QString::fromUtf8(e.what())] { onError(what); };
    }
    // Queued to the owner: dropped if the owner is gone (our destructor waited for us first).
    if (done) QMetaObject::invokeMethod(owner, std::move(done), Qt::QueuedConnection);
  });
  threads_ << thread;
  QObject::connect(thread, &QThread::finished, owner_, [this, thread] {
    if (threads_.removeOne(thread)) thread->deleteLater();
  });
  thread->start();
}

}  // namespace irl4rec::application
