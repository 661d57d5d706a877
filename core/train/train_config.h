#pragma once
/// The full configuration of one training run (DESIGN.md §1 "Models", §3 "runs.config").
///
/// A plain value struct: the GUI edits it, the CLI fills it from flags, the run store saves it as
/// JSON, checkpoints embed it. Qt Core only, no LibTorch. Defaults are the S3-Rec SASRec
/// settings (d=64, 2 blocks, 2 heads, max length 50, dropout 0.5, Adam lr 1e-3, batch 256).

#include "core/common/error.h"
#include "core/models/kinds.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstdint>

namespace irl4rec::train {

/// Baseline = one encoder, no confounder branch, no noise, α = β = γ = 0 (whatever the fields
/// say). Irl4Rec = adjustment encoder with μ / log σ² heads + optional confounder encoder.
enum class ModelKind { Baseline, Irl4Rec };
/// What the models library builds (core/models/kinds.h); the configuration names them.
using models::CeKernel;
using models::CompressionKind;
using models::DependenceKind;
using models::EncoderKind;
using models::FfnKind;
using models::InitKind;
using models::LossKind;
using models::NormKind;

/// Full ranking over all items (the default and the only protocol used for model selection
/// semantics in the paper tables) or 99 uniformly sampled negatives ("sampled", comparison only).
enum class EvalProtocol { Full, Sampled };

/// How training users are put into batches: by similar length (each batch padded only to its
/// longest row; the default and what every earlier run used) or in random order (as a PyTorch
/// DataLoader; batches mix lengths). The loss of a batch is the mean over its target positions,
/// so with length batches a position of a short history weighs up to ~40x more in the gradient
/// than one of a long history; random batches weigh all positions alike, as published
/// implementations do.
enum class BatchingKind { Length, Random };

/// Which items a BCE/BPR negative is never drawn from (data::sampleNegatives): the user's whole
/// sequence, held-out validation and test items included (S3-Rec's sampler; every run before
/// the option existed), or only the training prefix (Xu et al.'s "unseen" pool; the held-out
/// items can be drawn, so nothing of them reaches training).
enum class NegativePool { Sequence, Train };

/// Canonical lower-case names used by the CLI, JSON and the GUI combo boxes.
QString toString(ModelKind v);       ///< "baseline" | "irl4rec"
QString toString(EncoderKind v);     ///< "gru4rec" | "sasrec" | "bert4rec"
QString toString(LossKind v);        ///< "bce" | "bpr" | "sampled-ce" | "ce"
QString toString(CompressionKind v); ///< "l2" | "kl"
QString toString(DependenceKind v);  ///< "xcorr" | "hsic"
QString toString(EvalProtocol v);    ///< "full" | "sampled"
QString toString(NormKind v);        ///< "post" | "pre" | "kang"
QString toString(FfnKind v);         ///< "gelu-4d" | "relu-d"
QString toString(InitKind v);        ///< "normal" | "xavier"
QString toString(BatchingKind v);    ///< "length" | "random"
QString toString(NegativePool v);    ///< "sequence" | "train"
QString toString(CeKernel v);        ///< "aten" | "fused"
/// Parse a canonical name; an Error naming the accepted values otherwise.
Expected<ModelKind> parseModelKind(const QString& s);
Expected<EncoderKind> parseEncoderKind(const QString& s);
Expected<LossKind> parseLossKind(const QString& s);
Expected<CompressionKind> parseCompressionKind(const QString& s);
Expected<DependenceKind> parseDependenceKind(const QString& s);
Expected<EvalProtocol> parseEvalProtocol(const QString& s);
Expected<NormKind> parseNormKind(const QString& s);
Expected<FfnKind> parseFfnKind(const QString& s);
Expected<InitKind> parseInitKind(const QString& s);
Expected<BatchingKind> parseBatchingKind(const QString& s);
Expected<NegativePool> parseNegativePool(const QString& s);
Expected<CeKernel> parseCeKernel(const QString& s);
QStringList modelKindNames();
QStringList encoderKindNames();
QStringList lossKindNames();

struct TrainConfig {
  // --- what is trained
  ModelKind model = ModelKind::Baseline;
  EncoderKind encoder = EncoderKind::SasRec;
  LossKind loss = LossKind::SampledCe;
  int negatives = 256;          ///< sampled-ce: negatives shared by the batch (bce/bpr use 1)
  /// loss "ce" only; in JSON only for loss "ce"; absent = fused (runs stored before 2026-12-01
  /// lack the key and used "aten": same mathematics, other rounding; docs/SPEED.md).
  CeKernel ceKernel = CeKernel::Fused;

  // --- the Irl4Rec objective  L = L_rec(t) + α·L_rec(s) + β·C(t) + γ·D(t, s)
  double alpha = 0.0;           ///< weight of the confounder branch's own recommendation loss
  double beta = 0.0;            ///< weight of the compression term C(t)
  double gamma = 0.0;           ///< weight of the dependence term D(t, s)
  CompressionKind compression = CompressionKind::MeanSquare;
  DependenceKind dependence = DependenceKind::CrossCorrelation;
  bool useConfounder = true;    ///< false = the "no confounder branch" ablation
  bool reparameterize = true;   ///< Irl4Rec: t = μ + σ ⊙ ε in training (false: t = μ)

  // --- encoder sizes (SASRec defaults of S3-Rec)
  int hiddenSize = 64;
  int layers = 2;               ///< Transformer blocks / GRU layers
  int heads = 2;
  double dropout = 0.5;
  int maxLength = 50;           ///< most recent items kept per input sequence
  double maskRatio = 0.2;       ///< BERT4Rec cloze mask probability
  /// BERT4Rec: a training row that drew no mask gets its last item masked (true, our original
  /// cloze) or carries no loss that step (false, as Xu et al. 2024 and the original BERT4Rec
  /// sampler). JSON only when false.
  bool clozeLast = true;
  /// Transformer encoders only. Written to JSON only when "pre", so that configurations saved
  /// before the option existed keep their group key.
  NormKind norm = NormKind::Post;
  /// Transformer encoders; like `norm`, in JSON only when not the default.
  FfnKind ffn = FfnKind::Gelu4d;
  InitKind init = InitKind::Normal;
  /// norm "kang" only: padding keys visible to attention, as in implementations that left-pad
  /// to max_length without a key-padding mask (models::BlockStyle::padKeys). JSON only if true.
  bool padKeys = false;

  // --- optimisation
  double lr = 1e-3;             ///< Adam
  double weightDecay = 0.0;
  int batchSize = 256;          ///< users per batch
  BatchingKind batching = BatchingKind::Length;  ///< in JSON only when "random"
  /// BCE/BPR only; in JSON only when "train".
  NegativePool negativePool = NegativePool::Sequence;
  /// Compute each batch as sub-batches of similar lengths (data::splitByLength), each padded
  /// only to its own longest row; the loss is still the mean over all the batch's target
  /// positions. The same mathematics as one padded batch (the encoders compute rows
  /// independently) with other random draws for dropout; with random batches it removes the
  /// padding work (~2x faster epochs on Beauty). JSON only when true.
  bool splitBatches = false;
  /// The encoders' work of each batch as this many groups of parts (models::partGroups;
  /// without split_batches the batch's rows in this many consecutive slices) computed at once
  /// on the run's threads, each group with its own dropout draws and its own backward pass,
  /// the gradients summed in group order (models::objectiveWithGradients). A run's numbers
  /// depend on this value, never on `threads`. 1 (every run before the option existed): one
  /// pass over the parts with the run's generator. JSON only when not 1.
  int encoderGroups = 1;
  int epochs = 200;
  int patience = 20;            ///< epochs without validation NDCG@10 improvement (0 = off)
  int evalEvery = 1;            ///< validate every N epochs
  uint64_t seed = 42;
  /// Threads of the run: they share the fused CE kernel's chunks and the evaluation's user
  /// batches; LibTorch's and OpenBLAS's pools stay at one thread (their per-operation
  /// threading was slower than one thread at d = 64; docs/SPEED.md). 1 by default: two runs
  /// of one thread each use a 2-core machine best. 0 = the libraries' own defaults.
  int threads = 1;

  // --- evaluation
  EvalProtocol evalProtocol = EvalProtocol::Full;
  int sampledNegatives = 99;    ///< only for the sampled protocol
  /// Users per evaluation batch (sorted by history length, each padded to its longest row).
  /// 512 since session 9 (2,048 before): on two threads a Beauty evaluation 0.55 -> 0.37 s.
  /// Operational (not in the group key), but not bit-neutral: other batches sum some products
  /// in another order, and 2 of Beauty's 22,363 validation ranks moved between 512 and 2,048
  /// (near-ties; test_training ranksDoNotDependOnTheEvaluationBatch holds on small data).
  int evalBatchSize = 512;
  /// Refit (`--protocol refit`, never the default): train on train + validation — the
  /// validation item is a training target (data::LeaveOneOutSplit with refit) — for exactly
  /// `epochs` epochs, with no validation, early stopping or best-epoch choice, and test the last
  /// epoch's model once. For comparison with publications that train so; the test metrics say
  /// `trained_on_validation` wherever they appear. JSON only when true.
  bool refit = false;

  // --- bookkeeping (not part of the science)
  QString dataPath;             ///< dataset the run trains on (for `irl4rec eval`)
  QString checkpointPath;       ///< best checkpoint written here when non-empty

  /// True for model == Irl4Rec with the confounder branch on.
  bool hasConfounder() const { return model == ModelKind::Irl4Rec && useConfounder; }

  /// Every field, snake_case keys, enum values by canonical name.
  QJsonObject toJson() const;
  /// Missing keys keep their defaults; wrong types or unknown names are an Error.
  static Expected<TrainConfig> fromJson(const QJsonObject& json);
  /// Range checks: one-line reason for the first bad value (negative/NaN weights, zero sizes,
  /// heads not dividing the hidden size, ...).
  Status validate() const;
};

}  // namespace irl4rec::train
