#include "core/models/losses.h"

#include "core/common/workers.h"
#include "core/models/softmax_rows.h"

#include <ATen/Parallel.h>

#if IRL4REC_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#endif

#include <algorithm>
#include <vector>

namespace irl4rec::models {

torch::Tensor bceLoss(const torch::Tensor& posLogits, const torch::Tensor& negLogits) {
  return -(torch::log_sigmoid(posLogits) + torch::log_sigmoid(-negLogits)).mean();
}

torch::Tensor bprLoss(const torch::Tensor& posLogits, const torch::Tensor& negLogits) {
  return -torch::log_sigmoid(posLogits - negLogits).mean();
}

torch::Tensor sampledSoftmaxLoss(const torch::Tensor& h, const torch::Tensor& table,
                                 const torch::Tensor& targets, const torch::Tensor& negatives) {
  TORCH_CHECK(h.dim() == 2 && targets.dim() == 1 && negatives.dim() == 1, "bad shapes");
  auto pos = (h * table.index_select(0, targets)).sum(-1, /*keepdim=*/true);  // [N, 1]
  auto neg = torch::matmul(h, table.index_select(0, negatives).t());          // [N, K]
  neg = neg.masked_fill(negatives.unsqueeze(0).eq(targets.unsqueeze(1)), -1e9);
  auto logits = torch::cat({pos, neg}, 1);
  return (torch::logsumexp(logits, 1) - pos.squeeze(1)).mean();
}

torch::Tensor fullSoftmaxLoss(const torch::Tensor& h, const torch::Tensor& table,
                              const torch::Tensor& targets, CeKernel kernel, int threads) {
  if (kernel == CeKernel::Fused) return fusedFullSoftmaxLoss(h, table, targets, threads);
  auto logits = torch::matmul(h, table.narrow(0, 1, table.size(0) - 1).t());
  return torch::nn::functional::cross_entropy(logits, targets - 1);
}

int64_t fusedCeChunkRows(int64_t items) {
  // About 16 MB of logits per chunk: big enough that the three matrix products run near the
  // BLAS peak, small enough to stay in the last-level cache between the passes.
  constexpr int64_t kChunkFloats = int64_t(1) << 22;
  return std::clamp<int64_t>(kChunkFloats / std::max<int64_t>(items, 1), 16, 4096);
}

namespace {

/// The three float products of a chunk, row-major: logits = h Wᵀ, grad_h = P W and
/// grad_W += Pᵀ h. oneDNN's JIT sgemm where the build has its headers (LibTorch loads the
/// library anyway): 14-18 % less time than OpenBLAS for these shapes on the AVX-512 Xeon, without
/// OpenBLAS's zero-fill of beta = 0 outputs (bench_gemm_backends, docs/SPEED.md); LibTorch's
/// products (OpenBLAS) otherwise. The same float arithmetic either way, summed in another order.
struct ChunkProducts {
  const float* W;  // [I, d], rows 1..I of the table
  int64_t I, d;

  void logits(const float* h, int64_t rows, float* out) const {
#if IRL4REC_HAVE_DNNL
    check(dnnl_sgemm('N', 'T', rows, I, d, 1.0f, h, d, W, d, 0.0f, out, I));
#else
    auto o = wrap(out, rows, I);
    at::mm_out(o, wrap(h, rows, d), wrap(W, I, d).t());
#endif
  }
  void gradH(const float* p, int64_t rows, float* out) const {
#if IRL4REC_HAVE_DNNL
    check(dnnl_sgemm('N', 'N', rows, d, I, 1.0f, p, I, W, d, 0.0f, out, d));
#else
    auto o = wrap(out, rows, d);
    at::mm_out(o, wrap(p, rows, I), wrap(W, I, d));
#endif
  }
  void accumulateGradW(const float* p, const float* h, int64_t rows, float* gw) const {
#if IRL4REC_HAVE_DNNL
    check(dnnl_sgemm('T', 'N', I, d, rows, 1.0f, p, I, h, d, 1.0f, gw, d));
#else
    wrap(gw, I, d).addmm_(wrap(p, rows, I).t(), wrap(h, rows, d));
#endif
  }

 private:
  static torch::Tensor wrap(const float* x, int64_t rows, int64_t cols) {
    return torch::from_blob(const_cast<float*>(x), {rows, cols}, torch::kFloat);
  }
#if IRL4REC_HAVE_DNNL
  static void check(dnnl_status_t status) {
    TORCH_CHECK(status == dnnl_success, "fused CE: oneDNN sgemm failed with status ", int(status));
  }
#endif
};

/// Each worker runs its products on its own thread only: oneDNN's sgemm would otherwise start
/// an OpenMP team of omp_get_max_threads() per worker (LibTorch's setting on the calling thread).
struct OneGemmThread {
#if IRL4REC_HAVE_DNNL
  int previous = omp_get_max_threads();
  OneGemmThread() { omp_set_num_threads(1); }
  ~OneGemmThread() { omp_set_num_threads(previous); }
  OneGemmThread(const OneGemmThread&) = delete;
  OneGemmThread& operator=(const OneGemmThread&) = delete;
#endif
};

/// The chunked pass shared by the forward with and without the gradient. Returns the summed
/// row losses; with gradH/gradW defined, also accumulates (1/N)·∂loss_sum into them. Chunk c
/// goes to worker c mod workers; worker 0 runs on the calling thread.
double fusedCePass(const torch::Tensor& h, const torch::Tensor& table, const torch::Tensor& tg,
                   torch::Tensor* gradH, torch::Tensor* gradW, int threads) {
  const int64_t N = h.size(0), I = table.size(0) - 1, d = h.size(1);
  const ChunkProducts products{table.data_ptr<float>() + d, I, d};
  const float* hp = h.data_ptr<float>();
  const int64_t chunk = std::min(N, fusedCeChunkRows(I));
  const int64_t chunks = (N + chunk - 1) / chunk;
  const int workers = int(std::clamp<int64_t>(threads, 1, chunks));
  const int64_t* tp = tg.data_ptr<int64_t>();
  const float scale = 1.0f / float(N);
  const bool gradient = gradH != nullptr;
  std::vector<double> lossSums(static_cast<size_t>(workers), 0.0);
  std::vector<torch::Tensor> gradWs(static_cast<size_t>(workers));
  auto work = [&](int worker) {
    auto buffer = torch::empty({chunk, I}, h.options().requires_grad(false));
    torch::Tensor& gw = gradWs[size_t(worker)];
    if (gradient) gw = worker == 0 ? *gradW : torch::zeros_like(*gradW);
    double& lossSum = lossSums[size_t(worker)];
    const OneGemmThread oneThread;
    for (int64_t ci = worker; ci < chunks; ci += workers) {
      const int64_t r0 = ci * chunk, c = std::min(chunk, N - r0);
      const float* hc = hp + r0 * d;
      float* lp = buffer.data_ptr<float>();
      products.logits(hc, c, lp);
      for (int64_t r = 0; r < c; ++r) {
        const int64_t t = tp[r0 + r] - 1;
        lossSum += double(gradient ? softmaxCrossEntropyRow(lp + r * I, I, t, scale)
                                   : softmaxCrossEntropyLossRow(lp + r * I, I, t));
      }
      if (gradient) {
        products.gradH(lp, c, gradH->data_ptr<float>() + r0 * d);
        products.accumulateGradW(lp, hc, c, gw.data_ptr<float>());
      }
    }
  };
  runWorkers(workers, [&](int worker) {
    torch::NoGradGuard noGrad;  // grad mode is thread-local; the callers' is off
    work(worker);
  });
  if (gradient)
    for (int w = 1; w < workers; ++w) gradW->add_(gradWs[size_t(w)]);
  double lossSum = 0.0;
  for (double l : lossSums) lossSum += l;
  return lossSum;
}

/// Forward and backward of the full-softmax CE in one chunked pass: the gradients are computed
/// in forward() (they need the same logits) and scaled by the incoming gradient in backward().
/// Peak extra memory: one chunk of logits plus gradients the size of h and of the table.
struct FusedSoftmaxCe : public torch::autograd::Function<FusedSoftmaxCe> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& h,
                               const torch::Tensor& table, const torch::Tensor& tg,
                               int64_t threads) {
    auto gradH = torch::empty_like(h);
    auto gradTable = torch::zeros_like(table);
    auto gradW = gradTable.narrow(0, 1, table.size(0) - 1);
    const double lossSum = fusedCePass(h, table, tg, &gradH, &gradW, int(threads));
    ctx->saved_data["grad_h"] = gradH;
    ctx->saved_data["grad_table"] = gradTable;
    return torch::full({}, lossSum / double(h.size(0)), h.options());
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list gradOut) {
    const auto g = gradOut[0];
    return {ctx->saved_data["grad_h"].toTensor() * g,
            ctx->saved_data["grad_table"].toTensor() * g, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor fusedFullSoftmaxLoss(const torch::Tensor& h, const torch::Tensor& table,
                                   const torch::Tensor& targets, int threads) {
  TORCH_CHECK(h.dim() == 2 && table.dim() == 2 && targets.dim() == 1 &&
                  h.size(0) == targets.size(0) && h.size(1) == table.size(1),
              "fused CE: h [N, d], table [I+1, d], targets [N]");
  TORCH_CHECK(h.scalar_type() == torch::kFloat && table.scalar_type() == torch::kFloat,
              "fused CE: float32 only");
  TORCH_CHECK(h.size(0) > 0, "fused CE: no rows");
  const int64_t I = table.size(0) - 1;
  auto tg = targets.to(torch::kLong).contiguous();
  TORCH_CHECK(tg.min().item<int64_t>() >= 1 && tg.max().item<int64_t>() <= I,
              "fused CE: target id out of 1..", I);
  const auto hc = h.contiguous();
  const auto tc = table.contiguous();
  if (torch::GradMode::is_enabled() && (h.requires_grad() || table.requires_grad()))
    return FusedSoftmaxCe::apply(hc, tc, tg, int64_t(threads));
  torch::NoGradGuard noGrad;
  return torch::full({}, fusedCePass(hc, tc, tg, nullptr, nullptr, threads) / double(h.size(0)),
                     h.options());
}

torch::Tensor recommendationLoss(LossKind kind, const torch::Tensor& h,
                                 const torch::Tensor& table, const torch::Tensor& targets,
                                 const torch::Tensor& negatives, CeKernel ceKernel,
                                 int ceThreads) {
  switch (kind) {
    case LossKind::Bce:
    case LossKind::Bpr: {
      auto pos = (h * table.index_select(0, targets)).sum(-1);
      auto neg = (h * table.index_select(0, negatives)).sum(-1);
      return kind == LossKind::Bce ? bceLoss(pos, neg) : bprLoss(pos, neg);
    }
    case LossKind::SampledCe: return sampledSoftmaxLoss(h, table, targets, negatives);
    case LossKind::Ce: return fullSoftmaxLoss(h, table, targets, ceKernel, ceThreads);
  }
  TORCH_CHECK(false, "unknown loss");
}

torch::Tensor compressionLoss(CompressionKind kind, const torch::Tensor& mu,
                              const torch::Tensor& logvar) {
  if (kind == CompressionKind::MeanSquare) return mu.pow(2).sum(-1).mean();
  return (0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)).sum(-1).mean();
}

namespace {
torch::Tensor standardise(const torch::Tensor& x) {
  auto c = x - x.mean(0, true);
  return c / (c.pow(2).mean(0, true) + 1e-8).sqrt();
}

torch::Tensor rbfKernel(const torch::Tensor& x) {
  auto d2 = torch::cdist(x, x).pow(2);
  torch::Tensor sigma2;
  {
    torch::NoGradGuard noGrad;
    const int64_t n = x.size(0);
    auto upper = torch::ones({n, n}, x.options().dtype(torch::kBool)).triu(1);
    auto med = d2.detach().masked_select(upper).median();
    sigma2 = med.clamp_min(1e-8);  // σ² = median squared distance (σ = median distance)
  }
  return torch::exp(-d2 / (2.0 * sigma2));
}
}  // namespace

torch::Tensor crossCorrelationDependence(const torch::Tensor& t, const torch::Tensor& s) {
  TORCH_CHECK(t.size(0) == s.size(0), "t and s need the same rows");
  auto c = torch::matmul(standardise(t).t(), standardise(s)) / double(t.size(0));
  return c.pow(2).sum();
}

torch::Tensor hsicDependence(const torch::Tensor& t, const torch::Tensor& s) {
  TORCH_CHECK(t.size(0) == s.size(0) && t.size(0) > 1, "HSIC needs >= 2 matching rows");
  const int64_t n = t.size(0);
  auto K = rbfKernel(t), L = rbfKernel(s);
  auto Kc = K - K.mean(0, true) - K.mean(1, true) + K.mean();
  return (Kc * L).sum() / double((n - 1) * (n - 1));
}

torch::Tensor dependenceLoss(DependenceKind kind, const torch::Tensor& t,
                             const torch::Tensor& s) {
  return kind == DependenceKind::Hsic ? hsicDependence(t, s)
                                             : crossCorrelationDependence(t, s);
}

bool allFinite(const torch::Tensor& x) { return torch::isfinite(x).all().item<bool>(); }

}  // namespace irl4rec::models
