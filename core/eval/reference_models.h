#pragma once
/// Non-learned reference scorers for the results table (torch-free header).
///   popularity: score = how often the item occurs in the training prefixes (PopRec);
///   constant:   every item scores the same (with pessimistic ties HR@k is 0 — the check that
///               ties never favour the target);
///   random:     i.i.d. uniform scores from a fixed seed (HR@10 ≈ 10 / |items|).

#include "core/common/error.h"
#include "core/data/dataset.h"
#include "core/data/split.h"
#include "core/eval/metrics.h"

#include <QString>

namespace irl4rec::eval {

enum class ReferenceModel { Popularity, Constant, Random };
Expected<ReferenceModel> parseReferenceModel(const QString& name);  ///< pop|constant|random

/// Evaluates a reference model at `stage` (full ranking unless `sampled`).
Expected<RankingMetrics> evaluateReference(const data::Dataset& dataset, data::Stage stage,
                                           ReferenceModel model, bool sampled = false,
                                           uint64_t seed = 42);

}  // namespace irl4rec::eval
