#pragma once
/// The run's random source for everything drawn inside the models (dropout masks, the
/// reparameterisation noise, BERT4Rec cloze masks, shared negatives).
///
/// LibTorch's default CPU generator is process-wide, so two runs in two worker threads would
/// interleave their draws. Each run instead installs its own generator for its thread with a
/// RandomScope; every random op in core/models draws from `currentGenerator()`.

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>

namespace irl4rec::models {

/// The generator installed for this thread (the global default when none is).
at::Generator currentGenerator();

/// Installs a generator seeded with `seed` for the current thread while in scope.
class RandomScope {
 public:
  explicit RandomScope(uint64_t seed);
  ~RandomScope();
  RandomScope(const RandomScope&) = delete;
  RandomScope& operator=(const RandomScope&) = delete;
  at::Generator& generator() { return generator_; }

 private:
  at::Generator generator_;
  at::Generator* previous_;
};

/// Inverted dropout drawing from currentGenerator(); identity when !training or p == 0.
torch::Tensor runDropout(const torch::Tensor& x, double p, bool training);

}  // namespace irl4rec::models
