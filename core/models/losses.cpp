#include "core/models/losses.h"

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
                              const torch::Tensor& targets) {
  auto logits = torch::matmul(h, table.narrow(0, 1, table.size(0) - 1).t());
  return torch::nn::functional::cross_entropy(logits, targets - 1);
}

torch::Tensor recommendationLoss(train::LossKind kind, const torch::Tensor& h,
                                 const torch::Tensor& table, const torch::Tensor& targets,
                                 const torch::Tensor& negatives) {
  using train::LossKind;
  switch (kind) {
    case LossKind::Bce:
    case LossKind::Bpr: {
      auto pos = (h * table.index_select(0, targets)).sum(-1);
      auto neg = (h * table.index_select(0, negatives)).sum(-1);
      return kind == LossKind::Bce ? bceLoss(pos, neg) : bprLoss(pos, neg);
    }
    case LossKind::SampledCe: return sampledSoftmaxLoss(h, table, targets, negatives);
    case LossKind::Ce: return fullSoftmaxLoss(h, table, targets);
  }
  TORCH_CHECK(false, "unknown loss");
}

torch::Tensor compressionLoss(train::CompressionKind kind, const torch::Tensor& mu,
                              const torch::Tensor& logvar) {
  if (kind == train::CompressionKind::MeanSquare) return mu.pow(2).sum(-1).mean();
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

torch::Tensor dependenceLoss(train::DependenceKind kind, const torch::Tensor& t,
                             const torch::Tensor& s) {
  return kind == train::DependenceKind::Hsic ? hsicDependence(t, s)
                                             : crossCorrelationDependence(t, s);
}

bool allFinite(const torch::Tensor& x) { return torch::isfinite(x).all().item<bool>(); }

}  // namespace irl4rec::models
