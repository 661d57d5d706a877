#pragma once
/// The trainable model: a baseline encoder, or Irl4Rec (DESIGN.md §1 "Models").
///
/// Irl4Rec: adjustment encoder over item embeddings → h → μ = W_μ h, log σ² = W_σ h, and
/// t = μ + σ ⊙ ε in training (t = μ at inference); confounder encoder over each item's mean
/// attribute embedding a_j → s. score_t(j) = ⟨t, e_j⟩ with the item table,
/// score_s(j) = ⟨s, a_j⟩ with the attribute-mean table. The baseline is the adjustment encoder
/// alone with t = h. Internal header: LibTorch.

#include "core/models/encoders.h"
#include "core/models/kinds.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace irl4rec::models {

struct RecommenderOptions {
  TORCH_ARG(EncoderKind, encoder) = EncoderKind::SasRec;
  TORCH_ARG(int64_t, num_items) = 0;       ///< ids 1..num_items; num_items + 1 = mask token
  TORCH_ARG(int64_t, num_attributes) = 0;  ///< ids 1..num_attributes
  TORCH_ARG(int64_t, hidden_size) = 64;
  TORCH_ARG(int64_t, num_layers) = 2;
  TORCH_ARG(int64_t, num_heads) = 2;
  TORCH_ARG(double, dropout) = 0.5;
  TORCH_ARG(int64_t, max_length) = 50;
  TORCH_ARG(BlockStyle, style) = {};       ///< Transformers: normalisation, FFN, pads, init
  TORCH_ARG(bool, irl) = false;            ///< μ / log σ² heads
  TORCH_ARG(bool, confounder) = false;     ///< attribute branch (needs irl)
  TORCH_ARG(bool, reparameterize) = true;  ///< t = μ + σ ⊙ ε in training
};

/// Per-position outputs, all [B, T, d]; mu/logvar undefined for the baseline, s undefined
/// without the confounder branch.
struct SequenceOutput {
  torch::Tensor t, mu, logvar, s;
};

class RecommenderImpl : public torch::nn::Module {
 public:
  /// itemAttributes: size num_items + 1, attribute ids per item (only used with confounder).
  RecommenderImpl(const RecommenderOptions& options,
                  const std::vector<std::vector<int32_t>>& itemAttributes = {});

  /// items: [B, T] int64 right-padded ids (num_items + 1 = mask token); lengths: [B] int64.
  SequenceOutput forward(const torch::Tensor& items, const torch::Tensor& lengths);
  /// Inference: t = μ (baseline: h) and s at each row's last real position, [B, d] each
  /// (s undefined without the confounder). Same values as forward() in eval mode, cheaper.
  SequenceOutput encodeLast(const torch::Tensor& items, const torch::Tensor& lengths);
  /// Item table e_j for scoring, rows 0..num_items (row 0 = padding).
  torch::Tensor itemTable() const;
  /// a_j: mean attribute embedding per item, rows 0..num_items (zeros for items without any).
  torch::Tensor attributeTable();
  /// The id of the BERT4Rec mask token.
  int64_t maskToken() const { return options.num_items() + 1; }

  RecommenderOptions options;
  std::shared_ptr<SequenceEncoderImpl> adjustment;
  std::shared_ptr<SequenceEncoderImpl> confounder;  ///< null without the branch

 private:
  std::shared_ptr<SequenceEncoderImpl> makeEncoder() const;

  torch::nn::Embedding items_{nullptr};
  torch::nn::Linear muHead_{nullptr}, logvarHead_{nullptr};
  torch::nn::Embedding attributes_{nullptr};
  torch::Tensor attributeMask_;  ///< confounder-branch input for the mask token
  torch::Tensor attrIndices_, attrOffsets_;  ///< flat attribute ids + bag offsets per item
};
TORCH_MODULE(Recommender);

}  // namespace irl4rec::models
