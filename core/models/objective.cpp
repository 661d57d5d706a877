#include "core/models/objective.h"

#include "core/common/workers.h"
#include "core/models/losses.h"
#include "core/models/random.h"

#include <algorithm>
#include <atomic>
#include <numeric>

namespace irl4rec::models {
namespace {

/// The encoders' outputs at the target positions of some batch parts, joined in part order:
/// t (and μ, log σ², s) [N, d], targets [N], per-position negatives [N] for bce/bpr.
struct TargetRows {
  torch::Tensor t, mu, logvar, s, targets, negatives;
};

torch::Tensor joinRows(const std::vector<torch::Tensor>& xs) {
  return xs.empty() ? torch::Tensor() : xs.size() == 1 ? xs.front() : torch::cat(xs, 0);
}

TargetRows encodeParts(RecommenderImpl& model, const std::vector<const BatchPart*>& parts,
                       bool perPosition) {
  std::vector<torch::Tensor> ts, mus, logvars, confounders, tgts, negs;
  for (const BatchPart* part : parts) {
    TORCH_CHECK(part->targets.sizes() == part->items.sizes(), "targets must match the input shape");
    SequenceOutput out = model.forward(part->items, part->lengths);
    const int64_t d = out.t.size(2);
    auto idx = part->targets.reshape(-1).gt(0).nonzero().squeeze(1);
    auto pick = [&](const torch::Tensor& x) { return x.reshape({-1, d}).index_select(0, idx); };
    tgts.push_back(part->targets.reshape(-1).index_select(0, idx));
    ts.push_back(pick(out.t));
    if (out.mu.defined()) mus.push_back(pick(out.mu));
    if (out.logvar.defined()) logvars.push_back(pick(out.logvar));
    if (out.s.defined()) confounders.push_back(pick(out.s));
    if (perPosition) negs.push_back(part->negatives.reshape(-1).index_select(0, idx));
  }
  return {joinRows(ts), joinRows(mus), joinRows(logvars), joinRows(confounders), joinRows(tgts),
          joinRows(negs)};
}

/// Every term of the objective over the joined target rows; `shared` are sampled-ce's
/// negatives (the first part's).
ObjectiveTerms termsOf(const ObjectiveOptions& o, RecommenderImpl& model, const TargetRows& rows,
                       const torch::Tensor& shared) {
  const bool perPosition = o.loss() == LossKind::Bce || o.loss() == LossKind::Bpr;
  const auto& t = rows.t;
  const auto& tgt = rows.targets;
  const auto neg = perPosition ? rows.negatives : shared;
  ObjectiveTerms terms;
  terms.recT = recommendationLoss(o.loss(), t, model.itemTable(), tgt, neg, o.ce_kernel(),
                                  o.ce_threads());
  terms.total = terms.recT;
  if (!model.options.irl()) return terms;
  if (o.beta() > 0) {
    terms.compression = compressionLoss(o.compression(), rows.mu, rows.logvar);
    terms.total = terms.total + o.beta() * terms.compression;
  }
  if (model.confounder && (o.alpha() > 0 || o.gamma() > 0)) {
    const auto& s = rows.s;
    if (o.alpha() > 0) {
      terms.recS = recommendationLoss(o.loss(), s, model.attributeTable(), tgt, neg,
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

bool perPositionLoss(const ObjectiveOptions& o) {
  return o.loss() == LossKind::Bce || o.loss() == LossKind::Bpr;
}

}  // namespace

std::vector<std::vector<size_t>> partGroups(const std::vector<BatchPart>& parts, int groups) {
  const size_t n = std::max<size_t>(1, std::min<size_t>(size_t(std::max(groups, 1)), parts.size()));
  std::vector<std::vector<size_t>> out(n);
  if (parts.empty()) return {};
  // Longest first onto the least loaded group (ties: the lower index), each group then in
  // part order: a fixed assignment for given parts, whatever the threads.
  std::vector<size_t> order(parts.size());
  std::iota(order.begin(), order.end(), size_t(0));
  auto cost = [&](size_t i) { return parts[i].items.numel(); };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cost(a) > cost(b); });
  std::vector<int64_t> load(n, 0);
  for (size_t i : order) {
    const size_t g = size_t(std::min_element(load.begin(), load.end()) - load.begin());
    out[g].push_back(i);
    load[g] += cost(i);
  }
  for (auto& g : out) std::sort(g.begin(), g.end());
  return out;
}

ObjectiveTerms objective(const ObjectiveOptions& o, RecommenderImpl& model,
                         const torch::Tensor& items, const torch::Tensor& lengths,
                         const torch::Tensor& targets, const torch::Tensor& negatives) {
  return objective(o, model, std::vector<BatchPart>{{items, lengths, targets, negatives}});
}

ObjectiveTerms objective(const ObjectiveOptions& o, RecommenderImpl& model,
                         const std::vector<BatchPart>& parts) {
  TORCH_CHECK(!parts.empty(), "objective: no batch parts");
  std::vector<const BatchPart*> all;
  for (const BatchPart& p : parts) all.push_back(&p);
  return termsOf(o, model, encodeParts(model, all, perPositionLoss(o)), parts.front().negatives);
}

ObjectiveTerms objectiveWithGradients(const ObjectiveOptions& o, RecommenderImpl& model,
                                      const std::vector<BatchPart>& parts, int groups,
                                      int threads) {
  TORCH_CHECK(!parts.empty(), "objective: no batch parts");
  const auto assignment = partGroups(parts, groups);
  const size_t n = assignment.size();
  // One seed per group, drawn in group order from the run's generator: each group draws its
  // dropout and noise from its own generator, so the draws do not depend on the threads.
  const auto seeds = at::randint(0, int64_t(1) << 62, {int64_t(n)}, currentGenerator(), torch::kLong);
  std::vector<uint64_t> groupSeed(n);
  for (size_t g = 0; g < n; ++g) groupSeed[g] = uint64_t(seeds[int64_t(g)].item<int64_t>());
  const bool perPosition = perPositionLoss(o);

  // 1. The encoders, one group per worker; each group keeps its graph.
  std::vector<TargetRows> encoded(n);
  auto runGroups = [&](const std::function<void(size_t)>& work) {
    const int workers = std::max(1, std::min(threads, int(n)));
    std::atomic<size_t> next{0};
    runWorkers(workers, [&](int) {
      // A new thread starts with OpenMP's default team size; the run's intra-op pool is 1
      // (train::applyThreads), so each worker's operations stay on that worker.
      if (torch::get_num_threads() != 1) torch::set_num_threads(1);
      // The next group to whichever worker is free: the results do not depend on who runs it.
      for (size_t g = next++; g < n; g = next++) work(g);
    });
  };
  runGroups([&](size_t g) {
    RandomScope random(groupSeed[g]);
    std::vector<const BatchPart*> mine;
    for (size_t i : assignment[g]) mine.push_back(&parts[i]);
    encoded[g] = encodeParts(model, mine, perPosition);
  });

  // 2. The loss on leaves that stand for the groups' outputs, joined in group order.
  auto leaf = [](const torch::Tensor& x) {
    return x.defined() ? x.detach().requires_grad_(true) : torch::Tensor();
  };
  std::vector<TargetRows> leaves(n);
  std::vector<torch::Tensor> t, mu, logvar, s, tgt, neg;
  for (size_t g = 0; g < n; ++g) {
    const TargetRows& e = encoded[g];
    leaves[g] = {leaf(e.t), leaf(e.mu), leaf(e.logvar), leaf(e.s), e.targets, e.negatives};
    t.push_back(leaves[g].t);
    if (e.mu.defined()) mu.push_back(leaves[g].mu);
    if (e.logvar.defined()) logvar.push_back(leaves[g].logvar);
    if (e.s.defined()) s.push_back(leaves[g].s);
    tgt.push_back(e.targets);
    if (e.negatives.defined()) neg.push_back(e.negatives);
  }
  TargetRows joined{joinRows(t), joinRows(mu), joinRows(logvar), joinRows(s), joinRows(tgt),
                    joinRows(neg)};
  ObjectiveTerms terms = termsOf(o, model, joined, parts.front().negatives);
  terms.total.backward();  // the item / attribute tables' share lands in their .grad here

  // 3. Each group's encoder backward from its leaves' gradients, the parameters' gradients
  // returned (not accumulated) and summed afterwards in group order.
  std::vector<torch::Tensor> params;
  for (const auto& p : model.parameters())
    if (p.requires_grad()) params.push_back(p);
  std::vector<std::vector<torch::Tensor>> grads(n);
  runGroups([&](size_t g) {
    std::vector<torch::Tensor> outs, gouts;
    auto add = [&](const torch::Tensor& out, const torch::Tensor& l) {
      if (out.defined() && l.grad().defined()) {
        outs.push_back(out);
        gouts.push_back(l.grad());
      }
    };
    add(encoded[g].t, leaves[g].t);
    add(encoded[g].mu, leaves[g].mu);
    add(encoded[g].logvar, leaves[g].logvar);
    add(encoded[g].s, leaves[g].s);
    if (outs.empty()) return;
    grads[g] = torch::autograd::grad(outs, params, gouts, /*retain_graph=*/false,
                                     /*create_graph=*/false, /*allow_unused=*/true);
  });
  torch::NoGradGuard noGrad;
  for (size_t g = 0; g < n; ++g) {
    for (size_t i = 0; i < grads[g].size(); ++i) {
      const torch::Tensor& d = grads[g][i];
      if (!d.defined()) continue;
      torch::Tensor& into = params[i].mutable_grad();
      if (into.defined())
        into.add_(d);
      else
        into = d.contiguous().clone();
    }
  }
  auto value = [](const torch::Tensor& x) { return x.defined() ? x.detach() : x; };
  return {value(terms.total), value(terms.recT), value(terms.recS), value(terms.compression),
          value(terms.dependence)};
}

}  // namespace irl4rec::models
