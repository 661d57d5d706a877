#include "core/models/random.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace irl4rec::models {
namespace {
thread_local at::Generator* tlsGenerator = nullptr;
}

at::Generator currentGenerator() {
  return tlsGenerator ? *tlsGenerator : at::detail::getDefaultCPUGenerator();
}

RandomScope::RandomScope(uint64_t seed)
    : generator_(at::detail::createCPUGenerator(seed)), previous_(tlsGenerator) {
  tlsGenerator = &generator_;
}

RandomScope::~RandomScope() { tlsGenerator = previous_; }

torch::Tensor runDropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0) return x;
  // One uniform draw and a compare: cheaper than bernoulli_ on this CPU build, and it can use
  // the run's generator.
  auto keep = at::rand(x.sizes(), currentGenerator(), x.options().requires_grad(false)).ge_(p);
  return x * keep.to(x.scalar_type()).mul_(1.0 / (1.0 - p));
}

}  // namespace irl4rec::models
