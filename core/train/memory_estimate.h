#pragma once
/// How much memory a configuration needs, estimated from the TrainConfig and the dataset's sizes
/// before anything is allocated, and the refusal of what cannot fit in the machine
/// (docs/RELIABILITY.md "Refusing before allocating"). Widget-free and torch-free: the GUI shows
/// the estimate next to Launch, RunController::check() refuses with it.
///
/// The estimate is deliberately coarse (within a small factor of the peak resident size): it is
/// there to refuse absurd sizes with one line instead of a failed allocation mid-run, not to
/// plan a run to the megabyte.

#include "core/common/error.h"
#include "core/train/train_config.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace irl4rec::data {
struct Dataset;
}

namespace irl4rec::train {

/// The dataset sizes the estimate depends on.
struct DatasetSizes {
  int64_t users = 0;
  int64_t items = 0;
  int64_t attributes = 0;
  int64_t longestSequence = 0;  ///< items in the longest user sequence
  static DatasetSizes of(const data::Dataset& dataset);
};

/// Bytes, as doubles: absurd settings overflow 64-bit integers.
struct MemoryEstimate {
  double parameters = 0;          ///< number of trainable floats
  double stateBytes = 0;          ///< parameters + gradients + Adam's two moments + best snapshot
  double trainingBatchBytes = 0;  ///< activations kept for backward of the largest batch
  double lossBlockBytes = 0;      ///< of which the loss's score block (full CE: logits)
  double evaluationBytes = 0;     ///< one evaluation batch's score block and inputs
  /// The peak: the state plus the larger of a training step and an evaluation batch.
  double totalBytes() const;
};

MemoryEstimate estimateMemory(const TrainConfig& config, const DatasetSizes& sizes);

/// Floats of the full cross-entropy's score block for `positions` training positions over
/// `items` items. CeKernel::Aten materialises the logits, their softmax and the gradient,
/// 3 × positions × (items + 1); CeKernel::Fused reuses one chunk of
/// models::fusedCeChunkRows(items) rows, min(positions, rows) × items.
double fullCeLogitsFloats(double positions, int64_t items, CeKernel kernel);

/// The machine's memory from /proc/meminfo (MemTotal, MemAvailable); empty when unreadable.
struct MachineMemory {
  double totalBytes = 0;
  double availableBytes = 0;
};
std::optional<MachineMemory> readMachineMemory(
    const QString& meminfoPath = QStringLiteral("/proc/meminfo"));

/// "12.3 MB", "4.0 GB", "1.2 TB".
QString formatBytes(double bytes);

/// "needs ~1.2 GB (state 0.4 GB, training batch 0.7 GB, evaluation 0.1 GB)".
QString describe(const MemoryEstimate& estimate);

/// An Error when the estimate exceeds the machine's total memory: one line naming the setting
/// that drives it (the one whose default would shrink the estimate most) and the estimate, e.g.
/// "hidden size 100000000 needs an estimated 1.5 TB of memory (…); this machine has 23.5 GB".
/// `machine` empty (no /proc/meminfo) = no check.
Status checkMemory(const TrainConfig& config, const DatasetSizes& sizes,
                   const std::optional<MachineMemory>& machine);

}  // namespace irl4rec::train
