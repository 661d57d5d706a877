// Linked into every test executable (tests/CMakeLists.txt): Qt Test owns main(), so the check
// of core/common/blas_kernels.h runs from a static initialiser instead — after OpenBLAS has
// loaded, before any test — and re-executes the test with OPENBLAS_CORETYPE set when OpenBLAS
// fell back to kernels below the CPU's. Only the speed of the suite changes, never a result.
#include "core/common/blas_kernels.h"

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

[[maybe_unused]] const bool kRestarted = [] {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < all.size();) {
    const size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (args.empty()) return false;
  irl4rec::restartWithFastBlasKernels(argv.data());
  return false;
}();

}  // namespace
