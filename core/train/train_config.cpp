#include "core/train/train_config.h"


#include <cmath>
#include <limits>

namespace irl4rec::train {
namespace {

template <typename E>
struct Names;

template <typename E, size_t N>
Expected<E> parseName(const QString& s, const char* what,
                      const std::pair<E, const char*> (&table)[N]) {
  QStringList accepted;
  for (const auto& [value, name] : table) {
    if (s == QLatin1String(name)) return value;
    accepted << QString::fromLatin1(name);
  }
  return Error::general(QStringLiteral("unknown %1 '%2' (expected %3)")
                            .arg(QLatin1String(what), s, accepted.join(QLatin1Char('|'))));
}

template <typename E, size_t N>
QString nameOf(E v, const std::pair<E, const char*> (&table)[N]) {
  for (const auto& [value, name] : table)
    if (value == v) return QString::fromLatin1(name);
  return QString();
}

template <typename E, size_t N>
QStringList namesOf(const std::pair<E, const char*> (&table)[N]) {
  QStringList out;
  for (const auto& entry : table) out << QString::fromLatin1(entry.second);
  return out;
}

const std::pair<ModelKind, const char*> kModels[] = {{ModelKind::Baseline, "baseline"},
                                                     {ModelKind::Irl4Rec, "irl4rec"}};
const std::pair<EncoderKind, const char*> kEncoders[] = {{EncoderKind::Gru4Rec, "gru4rec"},
                                                         {EncoderKind::SasRec, "sasrec"},
                                                         {EncoderKind::Bert4Rec, "bert4rec"}};
const std::pair<LossKind, const char*> kLosses[] = {{LossKind::Bce, "bce"},
                                                    {LossKind::Bpr, "bpr"},
                                                    {LossKind::SampledCe, "sampled-ce"},
                                                    {LossKind::Ce, "ce"}};
const std::pair<CompressionKind, const char*> kCompressions[] = {
    {CompressionKind::MeanSquare, "l2"}, {CompressionKind::Kl, "kl"}};
const std::pair<DependenceKind, const char*> kDependences[] = {
    {DependenceKind::CrossCorrelation, "xcorr"}, {DependenceKind::Hsic, "hsic"}};
const std::pair<NormKind, const char*> kNorms[] = {
    {NormKind::Post, "post"}, {NormKind::Pre, "pre"}, {NormKind::Kang, "kang"}};
const std::pair<FfnKind, const char*> kFfns[] = {{FfnKind::Gelu4d, "gelu-4d"},
                                                 {FfnKind::ReluD, "relu-d"},
                                                 {FfnKind::Gelu4dDropout, "gelu-4d-dropout"}};
const std::pair<BatchingKind, const char*> kBatchings[] = {{BatchingKind::Length, "length"},
                                                           {BatchingKind::Random, "random"}};
const std::pair<InitKind, const char*> kInits[] = {{InitKind::Normal, "normal"},
                                                   {InitKind::Xavier, "xavier"},
                                                   {InitKind::XavierClamped, "xavier-clamp"}};
const std::pair<CeKernel, const char*> kCeKernels[] = {{CeKernel::Aten, "aten"},
                                                       {CeKernel::Fused, "fused"}};
const std::pair<EvalProtocol, const char*> kProtocols[] = {{EvalProtocol::Full, "full"},
                                                           {EvalProtocol::Sampled, "sampled"}};

}  // namespace

QString toString(ModelKind v) { return nameOf(v, kModels); }
QString toString(EncoderKind v) { return nameOf(v, kEncoders); }
QString toString(LossKind v) { return nameOf(v, kLosses); }
QString toString(CompressionKind v) { return nameOf(v, kCompressions); }
QString toString(DependenceKind v) { return nameOf(v, kDependences); }
QString toString(EvalProtocol v) { return nameOf(v, kProtocols); }
QString toString(NormKind v) { return nameOf(v, kNorms); }
QString toString(FfnKind v) { return nameOf(v, kFfns); }
QString toString(InitKind v) { return nameOf(v, kInits); }
QString toString(BatchingKind v) { return nameOf(v, kBatchings); }
const std::pair<NegativePool, const char*> kNegativePools[] = {{NegativePool::Sequence, "sequence"},
                                                               {NegativePool::Train, "train"}};
QString toString(NegativePool v) { return nameOf(v, kNegativePools); }
Expected<NegativePool> parseNegativePool(const QString& s) {
  return parseName(s, "negative pool", kNegativePools);
}
Expected<BatchingKind> parseBatchingKind(const QString& s) {
  return parseName(s, "batching", kBatchings);
}
Expected<FfnKind> parseFfnKind(const QString& s) { return parseName(s, "feed-forward", kFfns); }
Expected<InitKind> parseInitKind(const QString& s) { return parseName(s, "init", kInits); }
QString toString(CeKernel v) { return nameOf(v, kCeKernels); }
Expected<CeKernel> parseCeKernel(const QString& s) { return parseName(s, "ce kernel", kCeKernels); }
Expected<NormKind> parseNormKind(const QString& s) { return parseName(s, "layer norm placement", kNorms); }
Expected<ModelKind> parseModelKind(const QString& s) { return parseName(s, "model", kModels); }
Expected<EncoderKind> parseEncoderKind(const QString& s) {
  return parseName(s, "encoder", kEncoders);
}
Expected<LossKind> parseLossKind(const QString& s) { return parseName(s, "loss", kLosses); }
Expected<CompressionKind> parseCompressionKind(const QString& s) {
  return parseName(s, "compression", kCompressions);
}
Expected<DependenceKind> parseDependenceKind(const QString& s) {
  return parseName(s, "dependence", kDependences);
}
Expected<EvalProtocol> parseEvalProtocol(const QString& s) {
  return parseName(s, "evaluation protocol", kProtocols);
}
QStringList modelKindNames() { return namesOf(kModels); }
QStringList encoderKindNames() { return namesOf(kEncoders); }
QStringList lossKindNames() { return namesOf(kLosses); }

// toJson() and fromJson() are loops over the field table (config_fields.cpp).

Status TrainConfig::validate() const {
  auto bad = [](const QString& why) { return Status(Error::general(why)); };
  auto weight = [&](const char* name, double v) -> QString {
    if (!std::isfinite(v)) return QStringLiteral("%1 must be a finite number").arg(QLatin1String(name));
    if (v < 0) return QStringLiteral("%1 must be >= 0 (got %2)").arg(QLatin1String(name)).arg(v);
    return QString();
  };
  for (const auto& [name, v] : {std::pair<const char*, double>{"alpha", alpha},
                                {"beta", beta},
                                {"gamma", gamma}}) {
    const QString why = weight(name, v);
    if (!why.isEmpty()) return bad(why);
  }
  // One rule for every front end (the GUI's form, the CLI, recipes, sweeps): weights on a
  // baseline would be recorded in its configuration and group key but do nothing.
  if (model == ModelKind::Baseline && (alpha > 0 || beta > 0 || gamma > 0))
    return bad(QStringLiteral("a baseline ignores alpha, beta and gamma (got %1, %2, %3): set them "
                              "to 0 or choose model irl4rec")
                   .arg(alpha).arg(beta).arg(gamma));
  auto positive = [&](const char* name, int v) -> QString {
    if (v <= 0) return QStringLiteral("%1 must be > 0 (got %2)").arg(QLatin1String(name)).arg(v);
    return QString();
  };
  for (const auto& [name, v] :
       {std::pair<const char*, int>{"hidden size", hiddenSize}, {"layers", layers},
        {"heads", heads}, {"max length", maxLength}, {"batch size", batchSize},
        {"epochs", epochs}, {"eval every", evalEvery}, {"eval batch size", evalBatchSize}}) {
    const QString why = positive(name, v);
    if (!why.isEmpty()) return bad(why);
  }
  if (encoder != EncoderKind::Gru4Rec && hiddenSize % heads != 0)
    return bad(QStringLiteral("heads (%1) must divide the hidden size (%2)").arg(heads).arg(hiddenSize));
  if (encoder == EncoderKind::Gru4Rec && norm != NormKind::Post)
    return bad(QStringLiteral("norm '%1' applies to the Transformer encoders (sasrec, bert4rec), not gru4rec")
                   .arg(toString(norm)));
  if (encoder == EncoderKind::Gru4Rec && ffn != FfnKind::Gelu4d)
    return bad(QStringLiteral("ffn '%1' applies to the Transformer encoders (sasrec, bert4rec), not gru4rec")
                   .arg(toString(ffn)));
  if (padKeys && norm != NormKind::Kang)
    return bad(QStringLiteral("pad_keys is defined for norm 'kang' only (got norm '%1')").arg(toString(norm)));
  if (!std::isfinite(dropout) || dropout < 0 || dropout >= 1)
    return bad(QStringLiteral("dropout must be in [0, 1) (got %1)").arg(dropout));
  if (!std::isfinite(maskRatio) || maskRatio <= 0 || maskRatio >= 1)
    return bad(QStringLiteral("mask ratio must be in (0, 1) (got %1)").arg(maskRatio));
  if (!std::isfinite(lr) || lr <= 0) return bad(QStringLiteral("learning rate must be > 0 (got %1)").arg(lr));
  if (!std::isfinite(weightDecay) || weightDecay < 0)
    return bad(QStringLiteral("weight decay must be >= 0 (got %1)").arg(weightDecay));
  if (loss == LossKind::SampledCe && negatives <= 0)
    return bad(QStringLiteral("negatives must be > 0 for sampled-ce (got %1)").arg(negatives));
  if (patience < 0) return bad(QStringLiteral("patience must be >= 0 (got %1)").arg(patience));
  if (encoderGroups < 1 || encoderGroups > 64)
    return bad(QStringLiteral("encoder groups must be in 1..64 (got %1)").arg(encoderGroups));
  if (threads < 0) return bad(QStringLiteral("threads must be >= 0 (got %1)").arg(threads));
  if (evalProtocol == EvalProtocol::Sampled && sampledNegatives <= 0)
    return bad(QStringLiteral("sampled negatives must be > 0 (got %1)").arg(sampledNegatives));
  if (model == ModelKind::Irl4Rec && !useConfounder && (alpha > 0 || gamma > 0))
    return bad(QStringLiteral("alpha and gamma need the confounder branch (use_confounder is off)"));
  return Status();
}

}  // namespace irl4rec::train
