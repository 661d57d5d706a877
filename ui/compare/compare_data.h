#pragma once
/// The Compare tab's data — snapshots, seed groups, statistics, ablation, sweep grid, CSV — is the
/// application layer's comparison (core/application/comparison.h), shared with
/// `irl4rec runs compare`; the tab's code names it compare::.

#include "core/application/comparison.h"

namespace irl4rec::ui::compare {
using namespace irl4rec::application;  // NOLINT(google-build-using-namespace): the tab's vocabulary
}  // namespace irl4rec::ui::compare
