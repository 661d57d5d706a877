#pragma once
// Internal: who owns a run (host, pid, boot id + process start time) and whether that process
// still exists. Linux reads /proc; elsewhere kill(pid, 0) decides.

#include "core/store/store_types.h"

namespace irl4rec::store::detail {

RunOwner currentOwner();
bool ownerAlive(const RunOwner& owner);

}  // namespace irl4rec::store::detail
