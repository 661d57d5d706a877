#include "core/models/softmax_rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace irl4rec::models {

namespace {

// exp(x) for x <= 0 (logits minus their row maximum): Cody–Waite reduction x = k·ln2 + r,
// |r| <= ln2/2, Cephes' degree-6 polynomial for exp(r), 2^k through the exponent bits. Below
// -87.3 the result would be subnormal; it is clamped there (e^-87.3 ≈ 1.2e-38 ≪ one ulp of the
// row sum, which is >= 1).
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kRound = 12582912.0f;  // 1.5·2^23: adding and subtracting rounds to an integer
constexpr float kMinArg = -87.3f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;

inline float expNonPositive(float x) {
  x = x < kMinArg ? kMinArg : x;
  const float k = (x * kLog2e + kRound) - kRound;
  const float r = (x - k * kLn2Hi) - k * kLn2Lo;
  float p = kP0;
  p = p * r + kP1;
  p = p * r + kP2;
  p = p * r + kP3;
  p = p * r + kP4;
  p = p * r + kP5;
  const float y = p * r * r + r + 1.0f;
  const int32_t bits = (int32_t(k) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}

// The row kernel, written once over GCC vector types of W floats and instantiated inside
// functions compiled for each instruction set (always_inline: the body takes the caller's
// target). Explicit vector accumulators keep the result independent of -ffast-math.
template <typename VF, typename VI, int W>
__attribute__((always_inline)) inline float rowKernel(float* x, int64_t n, int64_t target,
                                                      float scale, bool gradient) {
  const float inf = std::numeric_limits<float>::infinity();
  const float xt = x[target];
  // 1. row maximum
  VF vmax = VF{} - inf;
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    VF v;
    std::memcpy(&v, x + i, sizeof v);
    vmax = v > vmax ? v : vmax;
  }
  float m = -inf;
  for (int l = 0; l < W; ++l) m = vmax[l] > m ? vmax[l] : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  // 2. exponentials and their sum (written back when the gradient is wanted)
  const VF vm = VF{} + m;
  VF vsum = VF{};
  i = 0;
  for (; i + W <= n; i += W) {
    VF v;
    std::memcpy(&v, x + i, sizeof v);
    v = v - vm;
    v = v < kMinArg ? VF{} + kMinArg : v;
    const VF k = (v * kLog2e + kRound) - kRound;
    const VF r = (v - k * kLn2Hi) - k * kLn2Lo;
    VF p = VF{} + kP0;
    p = p * r + kP1;
    p = p * r + kP2;
    p = p * r + kP3;
    p = p * r + kP4;
    p = p * r + kP5;
    VF y = p * r * r + r + 1.0f;
    const VI bits = (__builtin_convertvector(k, VI) + 127) << 23;
    VF pow2;
    std::memcpy(&pow2, &bits, sizeof pow2);
    y = y * pow2;
    vsum += y;
    if (gradient) std::memcpy(x + i, &y, sizeof y);
  }
  float sum = 0.0f;
  for (int l = 0; l < W; ++l) sum += vsum[l];
  for (; i < n; ++i) {
    const float e = expNonPositive(x[i] - m);
    sum += e;
    if (gradient) x[i] = e;
  }
  const float loss = std::log(sum) + m - xt;
  if (!gradient) return loss;
  // 3. scale · (softmax − onehot(target))
  const float c = scale / sum;
  i = 0;
  for (; i + W <= n; i += W) {
    VF v;
    std::memcpy(&v, x + i, sizeof v);
    v = v * c;
    std::memcpy(x + i, &v, sizeof v);
  }
  for (; i < n; ++i) x[i] *= c;
  x[target] -= scale;
  return loss;
}

// Counts x[j] >= t: lane-wise compares give -1 (true) or 0, subtracted from int32 lanes; the
// lanes are flushed to 64 bits every 2^30 vectors so that they never overflow.
template <typename VF, typename VI, int W>
__attribute__((always_inline)) inline int64_t countKernel(const float* x, int64_t n, float t) {
  const VF vt = VF{} + t;
  int64_t total = 0;
  int64_t i = 0;
  while (i + W <= n) {
    VI acc = VI{};
    const int64_t stop = std::min(n - (n - i) % W, i + (int64_t(1) << 30) * W);
    for (; i < stop; i += W) {
      VF v;
      std::memcpy(&v, x + i, sizeof v);
      acc -= (v >= vt);
    }
    for (int l = 0; l < W; ++l) total += acc[l];
  }
  for (; i < n; ++i) total += x[i] >= t;
  return total;
}

typedef float vf16 __attribute__((vector_size(64)));
typedef int32_t vi16 __attribute__((vector_size(64)));
typedef float vf8 __attribute__((vector_size(32)));
typedef int32_t vi8 __attribute__((vector_size(32)));
typedef float vf4 __attribute__((vector_size(16)));
typedef int32_t vi4 __attribute__((vector_size(16)));

using RowFn = float (*)(float*, int64_t, int64_t, float, bool);
using CountFn = int64_t (*)(const float*, int64_t, float);

__attribute__((target("avx512f"))) int64_t countAvx512(const float* x, int64_t n, float t) {
  return countKernel<vf16, vi16, 16>(x, n, t);
}
__attribute__((target("avx2,fma"))) int64_t countAvx2(const float* x, int64_t n, float t) {
  return countKernel<vf8, vi8, 8>(x, n, t);
}
int64_t countBaseline(const float* x, int64_t n, float t) {
  return countKernel<vf4, vi4, 4>(x, n, t);
}

__attribute__((target("avx512f"))) float rowAvx512(float* x, int64_t n, int64_t t, float s,
                                                   bool g) {
  return rowKernel<vf16, vi16, 16>(x, n, t, s, g);
}
__attribute__((target("avx2,fma"))) float rowAvx2(float* x, int64_t n, int64_t t, float s,
                                                  bool g) {
  return rowKernel<vf8, vi8, 8>(x, n, t, s, g);
}
float rowBaseline(float* x, int64_t n, int64_t t, float s, bool g) {
  return rowKernel<vf4, vi4, 4>(x, n, t, s, g);
}

struct Dispatch {
  RowFn fn;
  CountFn count;
  const char* isa;
};

Dispatch pick() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {rowAvx512, countAvx512, "avx512f"};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {rowAvx2, countAvx2, "avx2"};
  return {rowBaseline, countBaseline, "x86-64"};
}

const Dispatch& dispatch() {
  static const Dispatch d = pick();
  return d;
}

}  // namespace

float softmaxCrossEntropyRow(float* x, int64_t n, int64_t target, float scale) {
  return dispatch().fn(x, n, target, scale, true);
}

float softmaxCrossEntropyLossRow(const float* x, int64_t n, int64_t target) {
  // The loss-only pass never writes x.
  return dispatch().fn(const_cast<float*>(x), n, target, 0.0f, false);
}

int64_t countAtLeast(const float* x, int64_t n, float t) { return dispatch().count(x, n, t); }

const char* softmaxRowsIsa() { return dispatch().isa; }

}  // namespace irl4rec::models
