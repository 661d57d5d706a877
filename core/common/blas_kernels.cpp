#include "core/common/blas_kernels.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace irl4rec {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

}  // namespace

bool BlasKernels::fallback() const {
  if (core.empty() || supported.empty()) return false;
  // OpenBLAS's kernel sets with AVX2 + FMA GEMM kernels; any other name on an AVX2 CPU is a
  // fallback (Prescott, Core2, Nehalem, Sandybridge, ...).
  static const char* const kAvx2Cores[] = {"haswell", "zen", "skylakex", "cooperlake",
                                           "sapphirerapids", "excavator"};
  const std::string c = lower(core);
  return std::none_of(std::begin(kAvx2Cores), std::end(kAvx2Cores),
                      [&](const char* k) { return c == k; });
}

BlasKernels blasKernels() {
  BlasKernels k;
  using GetCore = char* (*)();
  if (auto get = reinterpret_cast<GetCore>(dlsym(RTLD_DEFAULT, "openblas_get_corename")))
    if (const char* name = get()) k.core = name;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    k.supported = "SkylakeX";
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    k.supported = "Haswell";
  if (const char* chosen = std::getenv(kBlasRestartMarker)) k.chosenByOpenBlas = chosen;
  return k;
}

void restartWithFastBlasKernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") || std::getenv("IRL4REC_KEEP_BLAS") ||
      std::getenv(kBlasRestartMarker))
    return;
  const BlasKernels k = blasKernels();
  if (!k.fallback()) return;
  setenv("OPENBLAS_CORETYPE", k.supported.c_str(), 1);
  setenv(kBlasRestartMarker, k.core.c_str(), 1);
  execv("/proc/self/exe", argv);
  // Still here: the re-execution failed; run on as we are.
  std::fprintf(stderr, "irl4rec: OpenBLAS runs its %s kernels on a CPU that supports %s, and "
                       "restarting with OPENBLAS_CORETYPE=%s failed (%s); matrix products will be slow\n",
               k.core.c_str(), k.supported.c_str(), k.supported.c_str(), std::strerror(errno));
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv(kBlasRestartMarker);
}

}  // namespace irl4rec
