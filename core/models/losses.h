#pragma once
/// Recommendation losses, compression and dependence terms of the Irl4Rec objective
/// (DESIGN.md §1 "Objective"). All return a scalar batch mean. Internal header: LibTorch.

#include "core/models/kinds.h"

#include <torch/torch.h>

namespace irl4rec::models {

/// BCE with one negative per position: mean(-log σ(pos) - log(1 - σ(neg))).
torch::Tensor bceLoss(const torch::Tensor& posLogits, const torch::Tensor& negLogits);
/// BPR: mean(-log σ(pos - neg)).
torch::Tensor bprLoss(const torch::Tensor& posLogits, const torch::Tensor& negLogits);
/// Sampled softmax: h [N, d], table [I+1, d], targets [N], negatives [K] shared by all rows.
/// Cross-entropy of the target against the K negatives; a negative equal to the row's target
/// (an accidental hit) is removed from that row.
torch::Tensor sampledSoftmaxLoss(const torch::Tensor& h, const torch::Tensor& table,
                                 const torch::Tensor& targets, const torch::Tensor& negatives);

/// Full softmax cross-entropy over items 1..I (row 0 of the table is padding), computed by
/// ATen (logits matrix, then cross_entropy) or by the fused kernel below.
torch::Tensor fullSoftmaxLoss(const torch::Tensor& h, const torch::Tensor& table,
                              const torch::Tensor& targets, CeKernel kernel = CeKernel::Aten,
                              int threads = 1);
/// The same loss without the [N, I] logits matrix: rows are processed in chunks of
/// fusedCeChunkRows(I); each chunk's logits are turned into the loss and, when a gradient is
/// needed, into d loss / d logits in place (one cache-resident pass per row, softmax_rows.h),
/// and the two gradient products are accumulated right away. Forward and backward share the
/// chunk, so the logits are computed once per step. float32 only.
/// `threads` > 1: the chunks are shared by that many threads, each with its own logits buffer
/// and table-gradient accumulator (summed at the end), each calling single-threaded BLAS; the
/// result differs from one thread's only in the order of that final sum.
torch::Tensor fusedFullSoftmaxLoss(const torch::Tensor& h, const torch::Tensor& table,
                                   const torch::Tensor& targets, int threads = 1);
/// Rows per chunk of the fused loss for a catalogue of `items` (about 16 MB of logits).
int64_t fusedCeChunkRows(int64_t items);

/// L_rec of the configured kind. `negatives` is [N] (bce/bpr, one per row) or [K] (sampled-ce).
torch::Tensor recommendationLoss(LossKind kind, const torch::Tensor& h,
                                 const torch::Tensor& table, const torch::Tensor& targets,
                                 const torch::Tensor& negatives,
                                 CeKernel ceKernel = CeKernel::Aten, int ceThreads = 1);

/// C(t): mean over rows of ‖μ‖² (MeanSquare) or of KL(N(μ, σ²) ‖ N(0, I)) (Kl).
torch::Tensor compressionLoss(CompressionKind kind, const torch::Tensor& mu,
                              const torch::Tensor& logvar);

/// ‖corr(t, s)‖²_F: each column of t and s standardised over the batch, C = tᵀs / N.
torch::Tensor crossCorrelationDependence(const torch::Tensor& t, const torch::Tensor& s);
/// Biased HSIC estimate tr(K H L H) / (N-1)² with RBF kernels whose bandwidths are the median
/// pairwise distances (median heuristic, not differentiated).
torch::Tensor hsicDependence(const torch::Tensor& t, const torch::Tensor& s);
torch::Tensor dependenceLoss(DependenceKind kind, const torch::Tensor& t,
                             const torch::Tensor& s);

/// True when every element is finite (the divergence check).
bool allFinite(const torch::Tensor& x);

}  // namespace irl4rec::models
