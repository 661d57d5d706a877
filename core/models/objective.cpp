#include "core/models/objective.h"

#include "core/models/losses.h"
#include "core/models/random.h"

namespace irl4rec::models {

ObjectiveTerms objective(const ObjectiveOptions& o, RecommenderImpl& model,
                         const torch::Tensor& items, const torch::Tensor& lengths,
                         const torch::Tensor& targets, const torch::Tensor& negatives) {
  return objective(o, model, std::vector<BatchPart>{{items, lengths, targets, negatives}});
}

ObjectiveTerms objective(const ObjectiveOptions& o, RecommenderImpl& model,
                         const std::vector<BatchPart>& parts) {
  TORCH_CHECK(!parts.empty(), "objective: no batch parts");
  const bool perPosition = o.loss() == LossKind::Bce || o.loss() == LossKind::Bpr;
  // The target positions of every part, joined: t (and μ, log σ², s) [N, d], targets [N].
  std::vector<torch::Tensor> ts, mus, logvars, confounders, tgts, negs;
  for (const BatchPart& part : parts) {
    TORCH_CHECK(part.targets.sizes() == part.items.sizes(), "targets must match the input shape");
    SequenceOutput out = model.forward(part.items, part.lengths);
    const int64_t d = out.t.size(2);
    auto idx = part.targets.reshape(-1).gt(0).nonzero().squeeze(1);
    auto pick = [&](const torch::Tensor& x) { return x.reshape({-1, d}).index_select(0, idx); };
    tgts.push_back(part.targets.reshape(-1).index_select(0, idx));
    ts.push_back(pick(out.t));
    if (out.mu.defined()) mus.push_back(pick(out.mu));
    if (out.logvar.defined()) logvars.push_back(pick(out.logvar));
    if (out.s.defined()) confounders.push_back(pick(out.s));
    if (perPosition) negs.push_back(part.negatives.reshape(-1).index_select(0, idx));
  }
  auto join = [](const std::vector<torch::Tensor>& xs) {
    return xs.empty() ? torch::Tensor() : xs.size() == 1 ? xs.front() : torch::cat(xs, 0);
  };
  const auto t = join(ts), tgt = join(tgts);
  const auto neg = perPosition ? join(negs) : parts.front().negatives;
  auto mu = [&] { return join(mus); };
  auto logvar = [&] { return join(logvars); };

  ObjectiveTerms terms;
  terms.recT = recommendationLoss(o.loss(), t, model.itemTable(), tgt, neg, o.ce_kernel(),
                                  o.ce_threads());
  terms.total = terms.recT;
  if (!model.options.irl()) return terms;
  if (o.beta() > 0) {
    terms.compression = compressionLoss(o.compression(), mu(), logvar());
    terms.total = terms.total + o.beta() * terms.compression;
  }
  if (model.confounder && (o.alpha() > 0 || o.gamma() > 0)) {
    auto s = join(confounders);
    if (o.alpha() > 0) {
      terms.recS =
          recommendationLoss(o.loss(), s, model.attributeTable(), tgt, neg,
                                            o.ce_kernel(), o.ce_threads());
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
