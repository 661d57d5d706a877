#include "core/application/dataset_loader.h"

#include "core/data/readers.h"

#include <QMetaObject>
#include <QThread>

#include <exception>

namespace irl4rec::application {

DatasetLoader::DatasetLoader(QObject* parent) : QObject(parent) {
  qRegisterMetaType<std::shared_ptr<const irl4rec::data::Dataset>>();
}

DatasetLoader::~DatasetLoader() { stopThread(); }

void DatasetLoader::cancel() {
  if (cancel_) cancel_->store(true);
}

void DatasetLoader::stopThread() {
  if (!thread_) return;
  cancel();
  thread_->wait();
  delete thread_;
  thread_ = nullptr;
}

void DatasetLoader::load(const QString& path) {
  stopThread();
  auto cancelFlag = std::make_shared<std::atomic<bool>>(false);
  cancel_ = cancelFlag;
  // The destructor and every new load wait for the thread, so `this` outlives it; the
  // generation tells a finished load apart from one that was replaced meanwhile.
  const quint64 generation = ++generation_;
  DatasetLoader* self = this;
  thread_ = QThread::create([self, cancelFlag, path, generation] {
    data::LoadOptions options;
    qint64 lastReported = -1;
    options.progress = [&](qint64 done, qint64 total) {
      // Report at most ~100 times per file; the queued call hands off to the UI thread.
      if (total > 0 && done * 100 / total != lastReported) {
        lastReported = done * 100 / total;
        QMetaObject::invokeMethod(self, [self, done, total, generation] {
          if (generation == self->generation_) Q_EMIT self->progress(done, total);
        }, Qt::QueuedConnection);
      }
      return !cancelFlag->load();
    };
    std::shared_ptr<const data::Dataset> dataset;
    QString message;
    try {
      auto result = data::loadDataset(path, options);
      if (result.ok()) {
        dataset = std::make_shared<const data::Dataset>(std::move(result).value());
      } else {
        message = result.error().message();
      }
    } catch (const std::exception& e) {
      message = QStringLiteral("%1: internal error while loading: %2").arg(path, QString::fromUtf8(e.what()));
    }
    const bool wasCancelled = cancelFlag->load();
    QMetaObject::invokeMethod(self, [self, dataset, message, wasCancelled, generation] {
      if (generation != self->generation_) return;
      if (self->thread_) {
        self->thread_->wait();
        self->thread_->deleteLater();
        self->thread_ = nullptr;
      }
      if (wasCancelled) {
        Q_EMIT self->cancelled();
      } else if (dataset) {
        Q_EMIT self->loaded(dataset);
      } else {
        Q_EMIT self->failed(message);
      }
    }, Qt::QueuedConnection);
  });
  thread_->start();
}

}  // namespace irl4rec::application
