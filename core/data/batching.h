#pragma once
/// Building padded mini-batches from a dataset as flat buffers (DESIGN.md §1 "Data", STYLE.md
/// "Batches built in C++ from contiguous tensors"). Torch-free: the trainer wraps the buffers
/// with torch::from_blob, one copy per batch, never element by element.
///
/// Rows are right-padded with item 0 to the longest row of the batch (not to the maximum
/// length): Beauty inputs average 5.7 items against a maximum of 50, so trimming plus
/// bucketing by length removes almost all padding work.

#include "core/data/dataset.h"
#include "core/data/split.h"

#include <cstdint>
#include <random>
#include <vector>

namespace irl4rec::data {

/// Items [begin, end) of one user's sequence.
struct Slice {
  int64_t user = 0;
  int32_t begin = 0;
  int32_t end = 0;
  int32_t length() const { return end - begin; }
};

/// A right-padded [rows x width] block of item ids (row-major) with each row's length.
struct SequenceBatch {
  int64_t rows = 0;
  int64_t width = 0;
  std::vector<int64_t> items;    ///< rows * width, 0 = padding
  std::vector<int64_t> lengths;  ///< rows
  std::vector<int64_t> users;    ///< rows
};

/// Copies the slices into a right-padded batch, `appendItem` (> 0) added after each slice (the
/// BERT4Rec mask token at inference); width = longest row.
SequenceBatch gatherSlices(const Dataset& dataset, const std::vector<Slice>& slices,
                           int64_t appendItem = 0);

/// Splits 0..count-1 into batches of at most batchSize in a random order (a shuffle and cuts),
/// as a PyTorch DataLoader with shuffle=True does. Deterministic for a given rng state.
std::vector<std::vector<int64_t>> randomBatches(int64_t count, int64_t batchSize,
                                                std::mt19937_64& rng);

/// Splits `order` (indices into `lengths`) into batches of at most batchSize whose members
/// have similar lengths: a random permutation (so ties are broken at random), a stable sort by
/// length, cuts of batchSize, and a random batch order. Deterministic for a given rng state.
std::vector<std::vector<int64_t>> lengthBuckets(const std::vector<int32_t>& lengths,
                                                int64_t batchSize, std::mt19937_64& rng);

/// Splits one batch into sub-batches of similar lengths, for models whose rows are computed
/// independently (the sequence encoders): each sub-batch is padded only to its own longest row,
/// and the loss over all of them is the loss of the whole batch. `lengths` are the rows'
/// lengths; the result lists row indices (into `lengths`), each sub-batch sorted by length.
/// The cut minimises Σ (rows × longest length + groupCost) over the sub-batches (an exact
/// dynamic programme over the sorted lengths): groupCost is the fixed cost of one more
/// sub-batch in padded cells (the per-operation overhead of a forward and backward pass).
/// Ties keep the batch's order, so the result is deterministic.
std::vector<std::vector<int64_t>> splitByLength(const std::vector<int32_t>& lengths,
                                                int64_t groupCost);

/// For each non-zero entry of `targets` (rows x width, a batch's next-item targets), an item
/// drawn uniformly from 1..numItems that the row's user has not consumed; 0 where the target is
/// 0. Falls back to any item != target when a user has consumed nearly everything. "Consumed":
/// with `trainOnly` null the whole sequence — S3-Rec's sampler, which also keeps the held-out
/// validation and test items from ever being negatives (a leak of the held-out items into
/// training, tiny with 1 draw in 12,101); with a split, only the user's training prefix
/// (LeaveOneOutSplit::trainLength; Xu et al.'s "unseen" pool).
std::vector<int64_t> sampleNegatives(const Dataset& dataset, const SequenceBatch& targets,
                                     const LeaveOneOutSplit* trainOnly, std::mt19937_64& rng);

/// The users that have at least one training (input, target) pair, with the length of their
/// training input (at most maxLength) for length bucketing. `cloze` (BERT4Rec): the input is
/// the whole training prefix, whose positions are masked and predicted; otherwise the input is
/// the prefix without its last item and the targets are the prefix shifted by one.
struct TrainingUsers {
  std::vector<int64_t> users;
  std::vector<int32_t> lengths;
};
TrainingUsers trainingUsers(const LeaveOneOutSplit& split, int64_t numUsers, int32_t maxLength,
                            bool cloze);

/// One training batch of `users`: the most recent maxLength items of each training input and,
/// for next-item training, the targets aligned with them (position i of a row predicts targets
/// position i). With `cloze` the targets are the inputs (the trainer masks them).
struct TrainingBatch {
  SequenceBatch inputs;
  SequenceBatch targets;
};
TrainingBatch trainingBatch(const Dataset& dataset, const LeaveOneOutSplit& split,
                            const std::vector<int64_t>& users, int32_t maxLength, bool cloze);

}  // namespace irl4rec::data
