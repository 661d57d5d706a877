#pragma once
/// OpenBLAS — the BLAS behind LibTorch's float matrix products on Debian — chooses its kernels
/// from the CPU model number when it is loaded. A model newer than the library (OpenBLAS 0.3.21
/// on Intel's Emerald Rapids, family 6 model 207) falls back to its "Prescott" SSE3 kernels: on
/// this project's AVX-512 machine every sgemm then runs 5-7x slower (docs/SPEED.md, session 8).
/// OpenBLAS reads OPENBLAS_CORETYPE only while it loads, before main(); so a program that finds
/// itself on a fallback core sets the variable to what the CPU supports and re-executes itself.

#include <string>

namespace irl4rec {

/// Set in the environment of the re-executed process to the kernel set OpenBLAS chose at first
/// (so a restart happens once, and --version can say what was replaced).
inline constexpr const char* kBlasRestartMarker = "IRL4REC_BLAS_RESTARTED";

struct BlasKernels {
  std::string core;      ///< OpenBLAS's kernel set ("SkylakeX", "Haswell", "Prescott"), "" if not OpenBLAS
  std::string supported; ///< the best kernel set this CPU runs ("SkylakeX", "Haswell", "")
  /// OpenBLAS's own choice when restartWithFastBlasKernels replaced it, else "".
  std::string chosenByOpenBlas;
  /// True when `core` lacks the AVX2 kernels the CPU supports (a fallback, not a choice).
  bool fallback() const;
};

/// What is loaded now and what the CPU could run.
BlasKernels blasKernels();

/// Called first thing in main(): when OpenBLAS runs fallback kernels and neither
/// OPENBLAS_CORETYPE nor IRL4REC_KEEP_BLAS is set, sets OPENBLAS_CORETYPE to the supported set and
/// re-executes /proc/self/exe with the same arguments (once: a marker variable prevents a loop).
/// Returns when nothing needs to change or the re-execution failed (then prints one line).
void restartWithFastBlasKernels(char** argv);

}  // namespace irl4rec
