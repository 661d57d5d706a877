#pragma once
/// Per-step metric logging that costs the training loop nothing noticeable.
///
/// log() only appends to an in-memory buffer under a mutex (no SQL, callable from any thread,
/// e.g. straight from RunCallbacks::onStep). A background thread with its own RunStore
/// connection writes the buffer in one transaction whenever it holds `maxRows` rows or
/// `intervalMs` passed since the last write, and on flush()/close(). A killed process loses at
/// most the last interval; everything written before stays in the file.

#include "core/common/error.h"
#include "core/store/store_types.h"

#include <QString>

#include <memory>
#include <vector>

namespace irl4rec::store {

class MetricWriter {
 public:
  struct Options {
    int maxRows = 2000;    ///< write as soon as this many rows are buffered
    int intervalMs = 500;  ///< ... or when this much time passed since the last write
  };

  /// Opens its own connection to `dbPath` on the writer thread; Error if the store cannot be
  /// opened there or the run does not exist.
  static Expected<std::unique_ptr<MetricWriter>> create(const QString& dbPath, qint64 runId,
                                                        Options options);
  static Expected<std::unique_ptr<MetricWriter>> create(const QString& dbPath, qint64 runId) {
    return create(dbPath, runId, Options());
  }
  /// Flushes and stops the thread (close()).
  ~MetricWriter();
  MetricWriter(const MetricWriter&) = delete;
  MetricWriter& operator=(const MetricWriter&) = delete;

  /// Buffers one row; wallTime 0 means now. Thread-safe, never blocks on the file. The
  /// direction is the caller's (train::metric::direction); the store applies no rule.
  void log(const QString& key, qint64 step, qint32 epoch, double value,
           MetricDirection direction = MetricDirection::Minimize);
  void log(MetricRow row);
  void log(const std::vector<MetricRow>& rows);

  /// Blocks until every row logged before the call is committed; the first write error, if any.
  Status flush();
  /// flush() then stops the writer thread; later log() calls are ignored. Idempotent.
  Status close();
  /// The first write error so far (rows of a failed write are kept and retried on the next one).
  Status status() const;
  /// Rows committed so far.
  qint64 written() const;
  qint64 runId() const;

 private:
  MetricWriter();
  struct Impl;
  std::unique_ptr<Impl> d_;
};

}  // namespace irl4rec::store
