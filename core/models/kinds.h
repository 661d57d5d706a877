#pragma once
/// What the models library can build and train: the encoder kinds, the recommendation losses,
/// the Irl4Rec terms and the shapes of a Transformer block. Plain C++ (no Qt, no LibTorch), so
/// that the training configuration (core/train/train_config.h) can hold these values without
/// the models depending on the trainer. Canonical names for JSON, the CLI and the GUI are
/// given by core/train (train::toString / train::parse...).

namespace irl4rec::models {

enum class EncoderKind { Gru4Rec, SasRec, Bert4Rec };
/// L_rec: BCE with one sampled negative per position, BPR (one negative), sampled-softmax
/// cross-entropy with negatives shared by the batch, full cross-entropy.
enum class LossKind { Bce, Bpr, SampledCe, Ce };
/// C(t): mean ‖μ‖² (default) or KL(q(t|x) ‖ N(0, I)).
enum class CompressionKind { MeanSquare, Kl };
/// D(t, s): squared Frobenius norm of the batch cross-correlation (default) or RBF HSIC with the
/// median-heuristic bandwidth.
enum class DependenceKind { CrossCorrelation, Hsic };
/// How the full-softmax CE (loss "ce") is computed: ATen's logits matrix + cross_entropy (what
/// every run before the fused kernel used) or the chunked, fused forward/backward of
/// models::fusedFullSoftmaxLoss. Same mathematics; float rounding differs (summation order,
/// a polynomial exp), so runs keep the kernel in their configuration.
enum class CeKernel { Aten, Fused };

/// Where a Transformer block normalises. Post: after each residual sum (S3-Rec, BERT). Pre:
/// before each sub-layer, final LayerNorm (RecTools-style pre-LN). Kang: Kang & McAuley's
/// original SASRec block, also the one of Xu et al. 2024 — only the attention's queries are
/// normalised (keys and values read the raw residual stream), the feed-forward reads LN(x) and
/// adds it back (x ← LN(x) + FFN(LN(x))), no dropout after the attention's output projection,
/// final LayerNorm. Pre and Kang scale the item embeddings by √d and do not normalise the input.
enum class NormKind { Post, Pre, Kang };
/// Transformer feed-forward: width 4d with GELU and dropout at the end (S3-Rec, BERT), width d
/// with ReLU and dropout after both layers (Kang & McAuley's point-wise Conv1d), or width 4d
/// with GELU and dropout after both layers (PyTorch's nn.TransformerEncoderLayer, the BERT4Rec
/// of Xu et al. 2024).
enum class FfnKind { Gelu4d, ReluD, Gelu4dDropout };
/// Parameter init: N(0, 0.02) (S3-Rec, BERT); Xavier-normal embeddings and linear layers with
/// PyTorch's default (Kaiming-uniform) for the point-wise feed-forward (Xu et al.'s SASRec); or
/// Xu et al.'s BERT4Rec: Xavier-normal embeddings and linear layers clamped to ±0.02, zero
/// biases, the attention's query/key/value projection Xavier-uniform (nn.MultiheadAttention's
/// in_proj, which their re-init does not reach), unclamped.
enum class InitKind { Normal, Xavier, XavierClamped };

/// Shape of a Transformer block (all default to S3-Rec's SASRec).
struct BlockStyle {
  NormKind norm = NormKind::Post;
  FfnKind ffn = FfnKind::Gelu4d;
  /// Padding keys visible, as in implementations that left-pad every sequence to max_length
  /// and give attention no key-padding mask: each query also attends to max_length − length
  /// keys computed from a zero input (key = key bias, value = value bias). Emulated with one
  /// extra key per row whose score carries log(max_length − length). Used with NormKind::Kang.
  bool padKeys = false;
  InitKind init = InitKind::Normal;
};

}  // namespace irl4rec::models
