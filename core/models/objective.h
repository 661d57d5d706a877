#pragma once
/// The per-batch objective  L = L_rec(score_t) + α·L_rec(score_s) + β·C(t) + γ·D(t, s)
/// (DESIGN.md §1 "Objective"), every term kept for reporting. Internal header: LibTorch.

#include "core/models/kinds.h"
#include "core/models/recommender.h"

#include <torch/torch.h>

#include <vector>

namespace irl4rec::models {

/// The loss and the weights of the objective, in the style of LibTorch's options structs; the
/// trainer builds it from its configuration. Which terms exist is the model's business: a model
/// without μ / log σ² heads (the baseline) ignores α, β and γ whatever they are, one without
/// the attribute branch ignores α and γ.
struct ObjectiveOptions {
  TORCH_ARG(LossKind, loss) = LossKind::SampledCe;
  TORCH_ARG(CeKernel, ce_kernel) = CeKernel::Fused;  ///< loss Ce only
  TORCH_ARG(int, ce_threads) = 1;  ///< loss Ce, fused kernel: threads sharing its chunks
  TORCH_ARG(double, alpha) = 0.0;       ///< weight of L_rec(score_s)
  TORCH_ARG(double, beta) = 0.0;        ///< weight of C(t)
  TORCH_ARG(double, gamma) = 0.0;       ///< weight of D(t, s)
  TORCH_ARG(CompressionKind, compression) = CompressionKind::MeanSquare;
  TORCH_ARG(DependenceKind, dependence) = DependenceKind::CrossCorrelation;
};

/// Undefined tensors are terms that were not computed (weight 0 or no such branch), so that
/// an unused branch receives no gradient at all.
struct ObjectiveTerms {
  torch::Tensor total, recT, recS, compression, dependence;
};

/// items/lengths: the model input [B, T] / [B]; targets [B, T] (0 = no target at that
/// position); negatives: [B, T] per position for bce/bpr, [K] shared for sampled-ce, undefined
/// for ce.
ObjectiveTerms objective(const ObjectiveOptions& options, RecommenderImpl& model,
                         const torch::Tensor& items, const torch::Tensor& lengths,
                         const torch::Tensor& targets, const torch::Tensor& negatives);

/// One part of a batch: rows of similar lengths padded to their own width (the arguments of
/// the single-tensor objective()).
struct BatchPart {
  torch::Tensor items, lengths, targets, negatives;
};

/// The objective of one batch given as parts: the model runs on each part, the target
/// positions of all parts are joined, and every term is computed over them as over one padded
/// batch (the encoders compute rows independently, so only the padding work differs).
/// sampled-ce shares the first part's negatives across the batch.
ObjectiveTerms objective(const ObjectiveOptions& options, RecommenderImpl& model,
                         const std::vector<BatchPart>& parts);

/// The parts as `groups` groups of similar padded size (longest part first onto the least
/// loaded group, each group in part order; fewer groups when there are fewer parts): part
/// indices per group. Depends on the parts alone.
std::vector<std::vector<size_t>> partGroups(const std::vector<BatchPart>& parts, int groups);

/// The objective of one batch with its gradients, the encoders of the part groups
/// (partGroups) running at once on up to `threads` threads: each group draws its dropout and
/// noise from its own generator, seeded in group order from currentGenerator(); the terms are
/// computed over the joined target rows (groups in order) as objective() does; each group's
/// parameter gradients are returned by its own backward pass and added to the parameters'
/// .grad in group order. So the result depends on the parts and `groups`, never on `threads`
/// or scheduling. The caller clears the gradients first; the returned terms are detached.
/// (With groups = 1 it differs from objective() + backward() only in where the dropout draws
/// come from.)
ObjectiveTerms objectiveWithGradients(const ObjectiveOptions& options, RecommenderImpl& model,
                                      const std::vector<BatchPart>& parts, int groups,
                                      int threads);

}  // namespace irl4rec::models
