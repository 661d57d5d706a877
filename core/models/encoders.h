#pragma once
/// Sequence encoders (DESIGN.md §1 "Models"): GRU4Rec, SASRec (causal Transformer) and
/// BERT4Rec (bidirectional Transformer). Each maps input embeddings of right-padded sequences to
/// one hidden state per position, so the same module encodes item ids (the adjustment branch) or
/// mean attribute embeddings (the confounder branch). Internal header: includes LibTorch.
///
/// Positions are counted from the end of each sequence, as in S3-Rec's left-padded inputs: the
/// last item of every row has position max_length - 1, whatever the batch's width.

#include "core/models/kinds.h"

#include <torch/torch.h>

#include <memory>

namespace irl4rec::models {

/// Common interface of the encoders.
class SequenceEncoderImpl : public torch::nn::Module {
 public:
  /// emb: [B, T, d] input embeddings (rows right-padded); lengths: [B] int64, 1..T.
  /// Returns [B, T, d]; outputs at padded positions are unspecified.
  virtual torch::Tensor forward(const torch::Tensor& emb, const torch::Tensor& lengths) = 0;
  /// The output at each row's last real position only, [B, d] (what inference needs). The
  /// default gathers from forward(); Transformers skip the last block's other queries.
  virtual torch::Tensor forwardLast(const torch::Tensor& emb, const torch::Tensor& lengths);
};

/// x [B, T, d] at positions index [B] → [B, d].
torch::Tensor gatherRows(const torch::Tensor& x, const torch::Tensor& index);

struct SasRecOptions {
  TORCH_ARG(int64_t, hidden_size) = 64;
  TORCH_ARG(int64_t, num_blocks) = 2;
  TORCH_ARG(int64_t, num_heads) = 2;
  /// Embedding, attention-probability and hidden dropout (S3-Rec: 0.5 on Beauty).
  TORCH_ARG(double, dropout) = 0.5;
  TORCH_ARG(int64_t, max_length) = 50;
  /// Block normalisation, feed-forward, padding keys and init (BlockStyle).
  TORCH_ARG(BlockStyle, style) = {};
};

struct Bert4RecOptions {
  TORCH_ARG(int64_t, hidden_size) = 64;
  TORCH_ARG(int64_t, num_blocks) = 2;
  TORCH_ARG(int64_t, num_heads) = 2;
  TORCH_ARG(double, dropout) = 0.5;
  TORCH_ARG(int64_t, max_length) = 50;
  /// Cloze mask probability (used by the trainer when it builds training inputs).
  TORCH_ARG(double, mask_ratio) = 0.2;
  TORCH_ARG(BlockStyle, style) = {};
};

struct Gru4RecOptions {
  TORCH_ARG(int64_t, hidden_size) = 64;
  TORCH_ARG(int64_t, num_layers) = 1;
  /// Dropout on the input embeddings.
  TORCH_ARG(double, dropout) = 0.5;
};

/// Transformer block: multi-head self-attention and a GELU feed-forward of width 4d. Post-LN
/// (S3-Rec's SASRec): each sub-layer is followed by dropout, residual and LayerNorm. Pre-LN
/// (Kang & McAuley's SASRec): x + dropout(sublayer(LayerNorm(x))), no normalisation after the
/// sum; the encoder then ends with a LayerNorm.
class TransformerBlockImpl : public torch::nn::Module {
 public:
  TransformerBlockImpl(int64_t hidden, int64_t heads, double dropout, BlockStyle style = {});
  /// x: [B, T, d]; additiveMask: broadcastable to [B, heads, T, T] (0 or a large negative).
  /// padLogCount: [B, 1, 1, 1] log of the number of padding keys per row (style.padKeys only;
  /// a large negative for none), undefined otherwise.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& additiveMask,
                        const torch::Tensor& padLogCount = {});
  /// Only the queries at `last` [B]: returns [B, 1, d]. keyMask: [B, 1, 1, T] additive mask of
  /// the keys those queries may see.
  torch::Tensor forwardQueries(const torch::Tensor& x, const torch::Tensor& last,
                               const torch::Tensor& keyMask,
                               const torch::Tensor& padLogCount = {});
  /// The point-wise feed-forward layers (for the style's init).
  std::vector<torch::nn::Linear> feedForwardLayers() const { return {ff1_, ff2_}; }
  torch::nn::Linear qkvLayer() const { return qkv_; }

 private:
  torch::Tensor attend(const torch::Tensor& x, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const torch::Tensor& mask,
                       const torch::Tensor& padLogCount);
  int64_t hidden_, heads_;
  double dropout_;
  BlockStyle style_;
  torch::nn::Linear qkv_{nullptr}, out_{nullptr}, ff1_{nullptr}, ff2_{nullptr};
  torch::nn::LayerNorm ln1_{nullptr}, ln2_{nullptr};
};
TORCH_MODULE(TransformerBlock);

/// Shared body of SASRec and BERT4Rec; they differ only in the attention mask. Post-LN:
/// LayerNorm(item + position) → dropout → blocks. Pre-LN: dropout(√d · item + position) →
/// blocks → LayerNorm.
class TransformerEncoderImpl : public SequenceEncoderImpl {
 public:
  TransformerEncoderImpl(int64_t hidden, int64_t blocks, int64_t heads, double dropout,
                         int64_t maxLength, bool causal, BlockStyle style = {});
  torch::Tensor forward(const torch::Tensor& emb, const torch::Tensor& lengths) override;
  torch::Tensor forwardLast(const torch::Tensor& emb, const torch::Tensor& lengths) override;
  bool causal() const { return causal_; }

 private:
  torch::Tensor embed(const torch::Tensor& emb, const torch::Tensor& lengths);
  torch::Tensor keyPaddingMask(const torch::Tensor& lengths, int64_t T,
                               const torch::TensorOptions& opts) const;
  /// [B, 1, 1, 1] log(max_length − length), or undefined without style.padKeys.
  torch::Tensor padLogCount(const torch::Tensor& lengths, const torch::TensorOptions& opts) const;
  int64_t maxLength_;
  double dropout_;
  bool causal_;
  BlockStyle style_;
  torch::nn::Embedding position_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::ModuleList blocks_;
};

/// SASRec: causal self-attention; position i sees items 0..i only.
class SasRecImpl : public TransformerEncoderImpl {
 public:
  explicit SasRecImpl(const SasRecOptions& o = {});
  SasRecOptions options;
};
TORCH_MODULE(SasRec);

/// BERT4Rec: bidirectional self-attention over the non-padded items.
class Bert4RecImpl : public TransformerEncoderImpl {
 public:
  explicit Bert4RecImpl(const Bert4RecOptions& o = {});
  Bert4RecOptions options;
};
TORCH_MODULE(Bert4Rec);

/// GRU4Rec: embedding dropout, a GRU over the sequence and a linear output layer.
class Gru4RecImpl : public SequenceEncoderImpl {
 public:
  explicit Gru4RecImpl(const Gru4RecOptions& o = {});
  torch::Tensor forward(const torch::Tensor& emb, const torch::Tensor& lengths) override;
  Gru4RecOptions options;

 private:
  torch::nn::GRU gru_{nullptr};
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(Gru4Rec);

/// Truncated-normal-like init of S3-Rec: N(0, 0.02) weights, zero biases, unit LayerNorm.
void initWeights(torch::nn::Module& module);
/// Xavier-normal weights (std = √(2 / (fan_in + fan_out))), zero biases, unit LayerNorm.
void initWeightsXavier(torch::nn::Module& module);
/// Xu et al.'s BERT4Rec: Xavier-normal weights clamped to ±0.02, zero biases, unit LayerNorm.
void initWeightsXavierClamped(torch::nn::Module& module);

}  // namespace irl4rec::models
