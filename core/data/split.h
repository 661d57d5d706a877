#pragma once
/// Leave-one-out split (DESIGN.md §1 "Data").
///
/// For a user with n >= 3 items: the last item is the test target, the second-to-last the
/// validation target, and items [0, n-2) are the training prefix, every position of which is a
/// next-item target. Users with n < 3 are kept for training only (their whole sequence is the
/// training prefix) and are not evaluated.
///
/// Refit (`--protocol refit`, never the default): the validation item becomes a training
/// target too — the prefix is [0, n-1) — and there are no validation cases, so nothing can be
/// selected on them; the test cases are the same as without refit.

#include "core/data/dataset.h"

#include <cstdint>
#include <vector>

namespace irl4rec::data {

enum class Stage { Validation, Test };

/// One evaluation case: predict `target` from `history` (the items before it).
struct EvalCase {
  int64_t user = 0;
  int32_t target = 0;
  int32_t historyLength = 0;  ///< the history is sequences[user][0, historyLength)
};

class LeaveOneOutSplit {
 public:
  explicit LeaveOneOutSplit(const Dataset& dataset, bool refit = false);

  /// Number of items of user u used for training (the training prefix length).
  int32_t trainLength(int64_t user) const { return trainLength_[size_t(user)]; }
  /// Users evaluated at validation and test (those with >= 3 items), in user order; no
  /// validation cases with refit.
  const std::vector<EvalCase>& cases(Stage stage) const {
    return stage == Stage::Validation ? valid_ : test_;
  }
  int64_t usersTrainOnly() const { return usersTrainOnly_; }
  /// Number of training (input, next item) pairs over all users.
  int64_t trainTargets() const { return trainTargets_; }
  /// True when at least one user can be evaluated.
  bool evaluable() const { return !test_.empty(); }
  /// True when the validation items are training targets (no validation cases).
  bool refit() const { return refit_; }

 private:
  std::vector<int32_t> trainLength_;
  std::vector<EvalCase> valid_;
  std::vector<EvalCase> test_;
  int64_t usersTrainOnly_ = 0;
  int64_t trainTargets_ = 0;
  bool refit_ = false;
};

}  // namespace irl4rec::data
