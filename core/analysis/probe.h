#pragma once
/// The disentanglement read-out of the embedding explorer: how well a per-user label (the
/// dominant attribute of the history) is linearly decodable from an embedding. The invariance
/// idea predicts low for t (adjustment) and high for s (spurious). Torch-free header.

#include "core/analysis/matrix_ref.h"
#include "core/common/error.h"

#include <cstdint>
#include <vector>

namespace irl4rec::data {
struct Dataset;
}

namespace irl4rec::analysis {

/// Options of the linear probe; documented defaults.
struct ProbeOptions {
  double trainFraction = 0.7;  ///< share of the labelled rows used for training (seeded split)
  uint64_t seed = 1;           ///< the split; training itself is deterministic (zero init, LBFGS)
  double l2 = 1e-3;            ///< weight decay: l2/2 * ||W||² added to the mean cross-entropy
  int iterations = 100;        ///< LBFGS iterations (strong Wolfe line search), full batch
  bool standardize = true;     ///< z-score features with the training rows' mean and std
  /// The most frequent `maxClasses` labels (by training count) keep their own class; all others
  /// are merged into one "other" class. Keeps the cost bounded with hundreds of attributes
  /// (cost ~ rows * dim * classes per iteration). 0 = no limit.
  int maxClasses = 20;
};

struct ProbeResult {
  double accuracy = 0;          ///< on the held-out rows
  double majorityBaseline = 0;  ///< held-out accuracy of always predicting the most frequent
                                ///< training class
  double chance = 0;            ///< 1 / number of classes
  double trainAccuracy = 0;
  int numClasses = 0;        ///< after merging into "other"
  bool mergedOther = false;  ///< some labels were merged into "other"
  int64_t trainRows = 0;
  int64_t testRows = 0;
};

/// Trains a multinomial logistic regression (LibTorch) on a seeded `trainFraction` of the
/// labelled rows and evaluates it on the rest. `labels` has one entry per row; labels <= 0 mean
/// "no label" (0 is the padding attribute id) and the row is left out. Errors: size mismatch,
/// fewer than 2 classes, fewer than 2 training or 1 test row, non-finite input, bad options.
Expected<ProbeResult> linearProbe(const MatrixRef& x, const std::vector<int64_t>& labels,
                                  const ProbeOptions& options = {});

/// Each user's dominant attribute: the most frequent attribute over the items of the history
/// (every attribute of every item counts once per occurrence of the item), ties broken by the
/// smaller id; 0 for a user without attributed items. `dropLast` trailing items of each
/// sequence are left out (default 1: the model's input at the test stage, without the target).
/// Attributes carried by more than `maxItemShare` of the items are ignored: in the Amazon data
/// every item carries its root category ("Sports & Outdoors"), which would otherwise be every
/// user's dominant attribute. 1 = ignore nothing.
std::vector<int32_t> dominantAttributes(const data::Dataset& dataset, int dropLast = 1,
                                        double maxItemShare = 0.5);

/// Picks per-row labels for an embedding whose rows are entity ids (EmbeddingMatrix::ids,
/// 0-based user indices) from a per-entity table; ids outside the table get 0 (no label).
std::vector<int64_t> labelsForIds(const std::vector<int32_t>& perEntity,
                                  const std::vector<int64_t>& ids);

}  // namespace irl4rec::analysis
