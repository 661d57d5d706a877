#pragma once
/// The per-batch objective  L = L_rec(score_t) + α·L_rec(score_s) + β·C(t) + γ·D(t, s)
/// (DESIGN.md §1 "Objective"), every term kept for reporting. Internal header: LibTorch.

#include "core/models/recommender.h"
#include "core/train/train_config.h"

#include <torch/torch.h>

namespace irl4rec::models {

/// Undefined tensors are terms that were not computed (weight 0 or no such branch), so that
/// an unused branch receives no gradient at all.
struct ObjectiveTerms {
  torch::Tensor total, recT, recS, compression, dependence;
};

/// items/lengths: the model input [B, T] / [B]; targets [B, T] (0 = no target at that
/// position); negatives: [B, T] per position for bce/bpr, [K] shared for sampled-ce, undefined
/// for ce. The baseline ignores α, β and γ.
ObjectiveTerms objective(const train::TrainConfig& config, RecommenderImpl& model,
                         const torch::Tensor& items, const torch::Tensor& lengths,
                         const torch::Tensor& targets, const torch::Tensor& negatives);

}  // namespace irl4rec::models
