#pragma once
/// Row kernels of the fused full-softmax cross-entropy (losses.h, fullSoftmaxLoss with the
/// fused kernel). Plain floats, no LibTorch: each call works on one row of logits that fits in
/// the core's L2 cache, in one read and one write pass, instead of the six whole-matrix passes
/// of max / sub / exp / sum / div / scatter.
///
/// The instruction path is chosen when the library is loaded (GCC target clones: AVX-512F,
/// AVX2 + FMA, or baseline x86-64), so one binary is fast on AVX-512 and on AVX2-only machines
/// and correct everywhere. `softmaxRowsIsa()` names the path in use.

#include <cstdint>

namespace irl4rec::models {

/// For the logits x[0..n) of one row and its target column: returns the row's loss
/// log Σ_j exp(x_j) − x_target, and overwrites x with scale · (softmax(x) − onehot(target)),
/// the gradient of scale · loss with respect to x. Exact softmax: the exponential is a
/// polynomial with < 2 float ulp relative error on the reduced argument (Cephes' expf).
float softmaxCrossEntropyRow(float* x, int64_t n, int64_t target, float scale);

/// Same loss without the gradient; x is left unchanged.
float softmaxCrossEntropyLossRow(const float* x, int64_t n, int64_t target);

/// Number of x[0..n) with x[j] >= t (NaN never counts): the pessimistic rank count of the
/// evaluation, in the same vector path.
int64_t countAtLeast(const float* x, int64_t n, float t);

/// "avx512f", "avx2" or "x86-64": the path the dispatcher picked on this CPU.
const char* softmaxRowsIsa();

}  // namespace irl4rec::models
