#pragma once
/// Coarse-grained parallelism for the few places where a run's threads pay off (the fused CE
/// kernel's chunks, the evaluation's user batches): plain threads, no pool, no spinning.

#include <functional>

namespace irl4rec {

/// Calls work(0), …, work(workers − 1) at once, work(0) on the calling thread, and returns when
/// all have returned. An exception thrown by any of them is rethrown here (the lowest worker's
/// first) after every thread has been joined. workers <= 1 calls work(0) alone.
/// Thread-local state (LibTorch's grad mode, for one) is not carried into the workers.
void runWorkers(int workers, const std::function<void(int)>& work);

}  // namespace irl4rec
