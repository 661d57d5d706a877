#include "core/common/workers.h"

#include <exception>
#include <thread>
#include <vector>

namespace irl4rec {

void runWorkers(int workers, const std::function<void(int)>& work) {
  if (workers <= 1) {
    work(0);
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  auto guarded = [&](int w) {
    try {
      work(w);
    } catch (...) {
      errors[size_t(w)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(size_t(workers - 1));
  for (int w = 1; w < workers; ++w) pool.emplace_back(guarded, w);
  guarded(0);
  for (auto& t : pool) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace irl4rec
