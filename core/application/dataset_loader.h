#pragma once

#include "core/data/dataset.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

class QThread;

namespace irl4rec::application {

/// Loads a dataset on a worker thread. Emits progress while reading and exactly one of
/// loaded / failed / cancelled at the end. The UI thread never waits on the file.
class DatasetLoader : public QObject {
  Q_OBJECT
 public:
  explicit DatasetLoader(QObject* parent = nullptr);
  ~DatasetLoader() override;

  /// Starts loading `path`; a load already in progress is cancelled first.
  void load(const QString& path);
  void cancel();
  bool busy() const { return thread_ != nullptr; }

 Q_SIGNALS:
  void progress(qint64 done, qint64 total);
  void loaded(std::shared_ptr<const irl4rec::data::Dataset> dataset);
  void failed(const QString& message);
  void cancelled();

 private:
  void stopThread();
  QThread* thread_ = nullptr;
  std::shared_ptr<std::atomic<bool>> cancel_;
  quint64 generation_ = 0;
};

}  // namespace irl4rec::application
