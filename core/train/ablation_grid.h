#pragma once
/// The ablation grid of DESIGN.md §1 ("Models"): from one Irl4Rec configuration, the set of
/// configurations that answers "which part of the objective helps?" — the baseline with the same
/// encoder, loss and sizes, the full model, γ = 0, β = 0, α = 0 and no confounder branch.
/// Pure: no store, no threads; the GUI queues the result over N seeds.

#include "core/common/error.h"
#include "core/train/train_config.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace irl4rec::train {

/// One configuration of the grid.
struct AblationVariant {
  QString id;     ///< "baseline" | "full" | "gamma0" | "beta0" | "alpha0" | "no-confounder"
  QString label;  ///< what a user reads: "baseline", "full", "γ=0", "β=0", "α=0", "no confounder"
  TrainConfig config;
};

struct AblationGrid {
  std::vector<AblationVariant> variants;  ///< in the order above, duplicates left out
  /// Variants left out because they equal another one (e.g. "γ is already 0 in the chosen
  /// configuration: γ=0 is the full model").
  QStringList notes;
};

/// Builds the grid from `base`, which must be a valid Irl4Rec configuration with the confounder
/// branch on (an Error saying why otherwise). The seed is left as in `base` (the caller queues
/// each variant over its seeds). The baseline keeps encoder, loss, sizes and optimisation and
/// sets α = β = γ = 0 with the Irl4Rec-only fields (compression, dependence, confounder,
/// reparameterisation) at their defaults, so it groups with baselines launched from the form or
/// the CLI. "No confounder" also sets α = γ = 0 (both need the branch).
Expected<AblationGrid> ablationGrid(const TrainConfig& base);

}  // namespace irl4rec::train
