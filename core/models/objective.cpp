#include "core/models/objective.h"

#include "core/models/losses.h"
#include "core/models/random.h"

namespace irl4rec::models {

ObjectiveTerms objective(const ObjectiveOptions& o, RecommenderImpl& model,
                         const torch::Tensor& items, const torch::Tensor& lengths,
                         const torch::Tensor& targets, const torch::Tensor& negatives) {
  TORCH_CHECK(targets.sizes() == items.sizes(), "targets must match the input shape");
  SequenceOutput out = model.forward(items, lengths);
  const int64_t d = out.t.size(2);
  auto idx = targets.reshape(-1).gt(0).nonzero().squeeze(1);
  auto tgt = targets.reshape(-1).index_select(0, idx);
  auto pick = [&](const torch::Tensor& x) { return x.reshape({-1, d}).index_select(0, idx); };
  const bool perPosition = o.loss() == LossKind::Bce || o.loss() == LossKind::Bpr;
  torch::Tensor neg = perPosition ? negatives.reshape(-1).index_select(0, idx) : negatives;
  auto t = pick(out.t);

  ObjectiveTerms terms;
  terms.recT = recommendationLoss(o.loss(), t, model.itemTable(), tgt, neg, o.ce_kernel());
  terms.total = terms.recT;
  if (!model.options.irl()) return terms;
  if (o.beta() > 0) {
    terms.compression = compressionLoss(o.compression(), pick(out.mu), pick(out.logvar));
    terms.total = terms.total + o.beta() * terms.compression;
  }
  if (model.confounder && (o.alpha() > 0 || o.gamma() > 0)) {
    auto s = pick(out.s);
    if (o.alpha() > 0) {
      terms.recS =
          recommendationLoss(o.loss(), s, model.attributeTable(), tgt, neg, o.ce_kernel());
      terms.total = terms.total + o.alpha() * terms.recS;
    }
    if (o.gamma() > 0 && t.size(0) > 1) {
      auto tt = t, ss = s;
      if (o.dependence() == DependenceKind::Hsic && t.size(0) > 512) {
        // HSIC is quadratic in the rows: estimate it on a random subset.
        auto sub = at::randperm(t.size(0), currentGenerator(), torch::kLong).narrow(0, 0, 512);
        tt = t.index_select(0, sub);
        ss = s.index_select(0, sub);
      }
      terms.dependence = dependenceLoss(o.dependence(), tt, ss);
      terms.total = terms.total + o.gamma() * terms.dependence;
    }
  }
  return terms;
}

}  // namespace irl4rec::models
