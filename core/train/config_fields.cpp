#include "core/train/config_fields.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <limits>

namespace irl4rec::train {
namespace {

using Type = ConfigField::Type;
using Written = ConfigField::Written;
using Section = ConfigField::Section;
using Widget = ConfigField::Widget;

template <typename T>
using Member = T TrainConfig::*;

QString mustBe(const QString& key, const char* what) {
  return QStringLiteral("config key '%1' must be %2").arg(key, QLatin1String(what));
}

/// A row under construction: `Row(integer("layers", &TrainConfig::layers)).flag("--layers")...`.
struct Row {
  ConfigField f;
  Row& label(const char* s) { f.label = QString::fromUtf8(s); return *this; }
  Row& help(const char* s) { f.help = QString::fromUtf8(s); return *this; }
  Row& flag(const char* s) { f.flag = QLatin1String(s); return *this; }
  Row& on(const char* s) { f.onSwitch = QLatin1String(s); return *this; }
  Row& off(const char* s) { f.offSwitch = QLatin1String(s); return *this; }
  Row& ungrouped() { f.grouped = false; return *this; }
  Row& written(Written w) { f.written = w; return *this; }
  Row& form(Section s, Widget w = Widget::Auto) { f.section = s; f.widget = w; return *this; }
  Row& range(double lo, double hi) { f.minimum = lo; f.maximum = hi; return *this; }
  Row& decimals(int d, double step = 0) { f.decimals = d; if (step > 0) f.step = step; return *this; }
  Row& zero(const char* s) { f.zeroText = QString::fromUtf8(s); return *this; }
  Row& applies(std::function<bool(const TrainConfig&)> p) { f.applies = std::move(p); return *this; }
  operator ConfigField() const { return f; }  // NOLINT: the table reads better without casts
};

Row integer(const char* key, Member<int> m) {
  Row r;
  r.f.key = QLatin1String(key);
  r.f.type = Type::Integer;
  r.f.get = [m](const TrainConfig& c) { return QJsonValue(c.*m); };
  r.f.set = [m, k = r.f.key](TrainConfig& c, const QJsonValue& v) -> QString {
    if (!v.isDouble()) return mustBe(k, "a number");
    const double d = v.toDouble();
    if (d != std::floor(d) || std::abs(d) > std::numeric_limits<int>::max()) return mustBe(k, "an integer");
    c.*m = int(d);
    return {};
  };
  return r;
}

Row real(const char* key, Member<double> m) {
  Row r;
  r.f.key = QLatin1String(key);
  r.f.type = Type::Real;
  r.f.get = [m](const TrainConfig& c) { return QJsonValue(c.*m); };
  r.f.set = [m, k = r.f.key](TrainConfig& c, const QJsonValue& v) -> QString {
    if (!v.isDouble()) return mustBe(k, "a number");
    c.*m = v.toDouble();
    return {};
  };
  r.f.setReal = [m](TrainConfig& c, double v) { c.*m = v; };
  return r;
}

Row boolean(const char* key, Member<bool> m) {
  Row r;
  r.f.key = QLatin1String(key);
  r.f.type = Type::Boolean;
  r.f.get = [m](const TrainConfig& c) { return QJsonValue(c.*m); };
  r.f.set = [m, k = r.f.key](TrainConfig& c, const QJsonValue& v) -> QString {
    if (!v.isBool()) return mustBe(k, "true or false");
    c.*m = v.toBool();
    return {};
  };
  return r;
}

Row path(const char* key, Member<QString> m) {
  Row r;
  r.f.key = QLatin1String(key);
  r.f.type = Type::Path;
  r.f.get = [m](const TrainConfig& c) { return QJsonValue(c.*m); };
  r.f.set = [m, k = r.f.key](TrainConfig& c, const QJsonValue& v) -> QString {
    if (!v.isString()) return mustBe(k, "a string");
    c.*m = v.toString();
    return {};
  };
  return r;
}

/// A setting named by one of `names` (TrainConfig's toString / parse… pairs).
template <typename E>
Row choice(const char* key, Member<E> m, Expected<E> (*parse)(const QString&), std::initializer_list<E> values) {
  Row r;
  r.f.key = QLatin1String(key);
  r.f.type = Type::Choice;
  for (E v : values) r.f.choices << toString(v);
  r.f.get = [m](const TrainConfig& c) { return QJsonValue(toString(c.*m)); };
  r.f.set = [m, parse, k = r.f.key](TrainConfig& c, const QJsonValue& v) -> QString {
    if (!v.isString()) return mustBe(k, "a string");
    if (v.toString().isEmpty()) return {};  // an empty name keeps the default (as always)
    auto parsed = parse(v.toString());
    if (!parsed) return parsed.error().cause;
    c.*m = parsed.value();
    return {};
  };
  return r;
}

Row seed() {
  Row r;
  r.f.key = QStringLiteral("seed");
  r.f.type = Type::Seed;
  // Seeds can exceed 2^53; JSON keeps them exact as a decimal string.
  r.f.get = [](const TrainConfig& c) { return QJsonValue(QString::number(c.seed)); };
  r.f.set = [](TrainConfig& c, const QJsonValue& v) -> QString {
    const double d = v.toDouble();
    bool ok = v.isDouble() && d >= 0 && d == std::floor(d);
    uint64_t s = ok ? uint64_t(d) : 0;
    if (!ok && v.isString()) s = v.toString().toULongLong(&ok);
    if (!ok) return QStringLiteral("config key 'seed' must be a non-negative integer");
    c.seed = s;
    return {};
  };
  return r;
}

bool irl(const TrainConfig& c) { return c.model == ModelKind::Irl4Rec; }
bool transformer(const TrainConfig& c) { return c.encoder != EncoderKind::Gru4Rec; }

std::vector<ConfigField> buildTable() {
  using C = TrainConfig;
  std::vector<ConfigField> t;
  // --- Model
  t.push_back(choice("model", &C::model, &parseModelKind, {ModelKind::Baseline, ModelKind::Irl4Rec})
                  .flag("--model").label("Model").form(Section::Model)
                  .help("baseline: one encoder, no confounder branch, no noise; irl4rec: the "
                        "adjustment encoder with μ / log σ² heads and the confounder branch"));
  t.push_back(choice("encoder", &C::encoder, &parseEncoderKind,
                     {EncoderKind::Gru4Rec, EncoderKind::SasRec, EncoderKind::Bert4Rec})
                  .flag("--encoder").label("Encoder").form(Section::Model)
                  .help("The sequence encoder"));
  t.push_back(choice("loss", &C::loss, &parseLossKind,
                     {LossKind::Bce, LossKind::Bpr, LossKind::SampledCe, LossKind::Ce})
                  .flag("--loss").label("Loss").form(Section::Model)
                  .help("L_rec: BCE or BPR with one sampled negative, sampled-softmax CE, or "
                        "full-softmax CE over every item"));
  t.push_back(integer("negatives", &C::negatives).flag("--negatives").label("Negatives")
                  .form(Section::Model).range(1, 100000)
                  .applies([](const C& c) { return c.loss == LossKind::SampledCe; })
                  .help("Negatives shared by the batch for sampled-ce"));
  t.push_back(choice("ce_kernel", &C::ceKernel, &parseCeKernel, {CeKernel::Aten, CeKernel::Fused})
                  .flag("--ce-kernel").label("CE kernel").written(Written::WhenApplies)
                  .applies([](const C& c) { return c.loss == LossKind::Ce; })
                  .help("Full CE in fused row chunks (fused) or as ATen's logits matrix"));
  // --- Objective  L = L_rec(t) + α·L_rec(s) + β·C(t) + γ·D(t, s)
  t.push_back(real("alpha", &C::alpha).flag("--alpha").label("α")
                  .form(Section::Objective, Widget::LogScale).range(0, 1000).decimals(5).applies(irl)
                  .help("Weight of the confounder branch's own recommendation loss"));
  t.push_back(real("beta", &C::beta).flag("--beta").label("β")
                  .form(Section::Objective, Widget::LogScale).range(0, 1000).decimals(5).applies(irl)
                  .help("Weight of the compression of t"));
  t.push_back(real("gamma", &C::gamma).flag("--gamma").label("γ")
                  .form(Section::Objective, Widget::LogScale).range(0, 1000).decimals(5).applies(irl)
                  .help("Weight of the dependence between t and s"));
  t.push_back(choice("compression", &C::compression, &parseCompressionKind,
                     {CompressionKind::MeanSquare, CompressionKind::Kl})
                  .flag("--compression").label("Compression C").form(Section::Objective).applies(irl)
                  .help("C(t): mean square of t (l2) or KL to N(0, I) (kl)"));
  t.push_back(choice("dependence", &C::dependence, &parseDependenceKind,
                     {DependenceKind::CrossCorrelation, DependenceKind::Hsic})
                  .flag("--dependence").label("Dependence D").form(Section::Objective).applies(irl)
                  .help("D(t, s): cross-correlation (xcorr) or HSIC"));
  t.push_back(boolean("use_confounder", &C::useConfounder).off("--no-confounder")
                  .label("confounder branch").form(Section::Objective).applies(irl)
                  .help("s from item attributes; off = the \"no confounder\" ablation"));
  t.push_back(boolean("reparameterize", &C::reparameterize).off("--no-noise")
                  .label("noise in training").applies(irl)
                  .help("Irl4Rec: t = μ + σ ⊙ ε in training (off: t = μ)"));
  // --- Encoder
  t.push_back(integer("hidden_size", &C::hiddenSize).flag("--hidden").label("Hidden size")
                  .form(Section::Encoder).range(1, 4096).help("Embedding and encoder width d"));
  t.push_back(integer("layers", &C::layers).flag("--layers").label("Layers").form(Section::Encoder)
                  .range(1, 32).help("Transformer blocks or GRU layers"));
  t.push_back(integer("heads", &C::heads).flag("--heads").label("Heads").form(Section::Encoder)
                  .range(1, 64).applies(transformer).help("Attention heads (they divide d)"));
  t.push_back(real("dropout", &C::dropout).flag("--dropout").label("Dropout").form(Section::Encoder)
                  .range(0, 0.95).decimals(2, 0.05).help("Dropout on embeddings and in the blocks"));
  t.push_back(integer("max_length", &C::maxLength).flag("--max-length").label("Max length")
                  .form(Section::Encoder).range(1, 4096).help("Most recent items kept per input sequence"));
  t.push_back(real("mask_ratio", &C::maskRatio).flag("--mask-ratio").label("Mask ratio (BERT4Rec)")
                  .form(Section::Encoder).range(0.01, 0.95).decimals(2, 0.05)
                  .applies([](const C& c) { return c.encoder == EncoderKind::Bert4Rec; })
                  .help("BERT4Rec cloze mask probability"));
  t.push_back(boolean("cloze_last", &C::clozeLast).on("--cloze-last").off("--no-cloze-last")
                  .label("mask the last item of unmasked rows").written(Written::NotDefault)
                  .applies([](const C& c) { return c.encoder == EncoderKind::Bert4Rec; })
                  .help("BERT4Rec: a row that drew no mask has its last item masked (on) or carries "
                        "no loss that step (off, as Xu et al. 2024)"));
  t.push_back(choice("norm", &C::norm, &parseNormKind, {NormKind::Post, NormKind::Pre, NormKind::Kang})
                  .flag("--norm").label("Layer norm").form(Section::Encoder).written(Written::NotDefault)
                  .applies(transformer)
                  .help("Transformer LayerNorm placement: post = after each residual sum "
                        "(S3-Rec's SASRec), pre = before each sub-layer with a final LayerNorm, "
                        "kang = Kang & McAuley's original SASRec block (queries normalised, keys "
                        "and values from the raw stream), as in Xu et al. 2024"));
  t.push_back(choice("ffn", &C::ffn, &parseFfnKind, {FfnKind::Gelu4d, FfnKind::ReluD, FfnKind::Gelu4dDropout})
                  .flag("--ffn").label("Feed-forward").written(Written::NotDefault).applies(transformer)
                  .help("Transformer feed-forward: GELU of width 4d, ReLU of width d, or GELU 4d "
                        "with dropout between the layers (nn.TransformerEncoderLayer)"));
  t.push_back(choice("init", &C::init, &parseInitKind,
                     {InitKind::Normal, InitKind::Xavier, InitKind::XavierClamped})
                  .flag("--init").label("Initialisation").written(Written::NotDefault)
                  .help("N(0, 0.02), Xavier-normal, or Xavier-normal clamped to ±0.02"));
  t.push_back(boolean("pad_keys", &C::padKeys).on("--pad-keys").label("padding keys visible")
                  .written(Written::NotDefault)
                  .applies([](const C& c) { return transformer(c) && c.norm == NormKind::Kang; })
                  .help("norm kang: padding keys visible to attention, as in left-padded "
                        "implementations without a padding mask"));
  // --- Training
  t.push_back(real("lr", &C::lr).flag("--lr").label("Learning rate")
                  .form(Section::Training, Widget::LogScale).range(1e-6, 1.0).decimals(6)
                  .help("Adam learning rate"));
  t.push_back(integer("batch_size", &C::batchSize).flag("--batch").label("Batch size")
                  .form(Section::Training).range(1, 65536).help("Users per batch"));
  t.push_back(choice("batching", &C::batching, &parseBatchingKind, {BatchingKind::Length, BatchingKind::Random})
                  .flag("--batching").label("Batches").form(Section::Training, Widget::Custom)
                  .written(Written::NotDefault)
                  .help("Which users share a batch. Similar lengths: fast, but a short history's "
                        "positions weigh up to ~40x more in the loss. Random users: every position "
                        "weighs the same, as in published implementations (Xu et al.'s recipe); "
                        "padded to the longest user, so slow. Computed by length: the same batches "
                        "and loss as random users, each batch computed as sub-batches of similar "
                        "lengths (about 2x faster; other dropout draws)."));
  t.push_back(choice("negative_pool", &C::negativePool, &parseNegativePool,
                     {NegativePool::Sequence, NegativePool::Train})
                  .flag("--negative-pool").label("Negatives not from").form(Section::Training)
                  .written(Written::NotDefault)
                  .applies([](const C& c) { return c.loss == LossKind::Bce || c.loss == LossKind::Bpr; })
                  .help("BCE/BPR: which items a sampled negative is never drawn from. sequence: "
                        "the user's whole sequence, the held-out validation and test items "
                        "included (S3-Rec's sampler, so the held-out items leak into training, "
                        "~1 draw in the number of items); train: only the training prefix (Xu "
                        "et al.'s \"unseen\" pool; nothing of the held-out items is used)."));
  t.push_back(boolean("split_batches", &C::splitBatches).on("--split-batches")
                  .label("computed by length").form(Section::Training, Widget::Custom)
                  .written(Written::NotDefault)
                  .help("Each batch computed as sub-batches of similar lengths (same loss)"));
  t.push_back(integer("encoder_groups", &C::encoderGroups).flag("--encoder-groups")
                  .label("Encoder groups").form(Section::Training).range(1, 64)
                  .written(Written::NotDefault)
                  .help("Each batch's encoder work as N groups computed at once on the run's "
                        "threads (same loss; each group has its own dropout draws, so the "
                        "numbers depend on N, not on the threads). 2 on 2 threads: BCE epochs "
                        "~1.3x, sampled-CE ~1.7x faster (docs/SPEED.md). 1: one pass, as "
                        "every run before it existed."));
  t.push_back(integer("epochs", &C::epochs).flag("--epochs").label("Epochs").form(Section::Training)
                  .range(1, 100000).help("Training epochs (at most: early stopping may end sooner)"));
  t.push_back(boolean("refit", &C::refit).label("refit on train + validation")
                  .form(Section::Training).written(Written::NotDefault)
                  .help("The refit protocol: the validation items become training targets, the run "
                        "trains for exactly the epochs above with no validation or early stopping, "
                        "and the last model is tested once. For comparing with publications that "
                        "train so (take the epoch count from a normal run's best epoch); its test "
                        "numbers are marked \"refit\" everywhere. Never for choosing settings."));
  t.push_back(real("weight_decay", &C::weightDecay).flag("--weight-decay").label("Weight decay")
                  .form(Section::Training, Widget::LogScale).range(0, 1000).decimals(10)
                  .help("Adam weight decay (L2 on every parameter)"));
  t.push_back(integer("eval_every", &C::evalEvery).flag("--eval-every").label("Validate every")
                  .form(Section::Training).range(1, 100000).applies([](const C& c) { return !c.refit; })
                  .help("Validate every N epochs (and at the last epoch)"));
  t.push_back(integer("patience", &C::patience).flag("--patience").label("Patience (val NDCG@10)")
                  .form(Section::Training).range(0, 100000).zero("off")
                  .applies([](const C& c) { return !c.refit; })
                  .help("Epochs without a better validation NDCG@10 before stopping (0 = off)"));
  t.push_back(Row(seed()).flag("--seed").label("Seeds").ungrouped().form(Section::Training, Widget::Custom)
                  .help("Seed of the run's random draws; the form takes a list (1-5, 7)"));
  t.push_back(integer("threads", &C::threads).flag("--threads").label("Threads per run").ungrouped()
                  .form(Section::Training).range(0, 256).zero("library default")
                  .help("Threads of one run: they share the full-CE loss and the evaluation. "
                        "Two runs of one thread each use two cores best."));
  // --- Evaluation
  t.push_back(choice("eval_protocol", &C::evalProtocol, &parseEvalProtocol,
                     {EvalProtocol::Full, EvalProtocol::Sampled})
                  .flag("--protocol").label("Evaluation")
                  .help("Full ranking over all items, history masked; or 99 sampled negatives"));
  t.push_back(integer("sampled_negatives", &C::sampledNegatives).flag("--sampled-negatives")
                  .label("Sampled negatives")
                  .applies([](const C& c) { return c.evalProtocol == EvalProtocol::Sampled; })
                  .help("Negatives per user of the sampled protocol"));
  t.push_back(integer("eval_batch_size", &C::evalBatchSize).flag("--eval-batch")
                  .label("Evaluation batch").ungrouped()
                  .help("Users per evaluation batch (by history length)"));
  // --- Bookkeeping
  t.push_back(path("data_path", &C::dataPath).flag("--data").label("Dataset").ungrouped()
                  .help("The dataset the run trains on"));
  t.push_back(path("checkpoint_path", &C::checkpointPath).flag("--checkpoint").label("Checkpoint")
                  .ungrouped().help("Where the best-validation checkpoint is written"));
  return t;
}

QJsonValue stripped(const QJsonValue& value, const QStringList& excluded);

QJsonObject strippedObject(const QJsonObject& object, const QStringList& excluded) {
  QJsonObject out;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (excluded.contains(it.key())) continue;
    out.insert(it.key(), stripped(it.value(), excluded));
  }
  return out;
}

QJsonValue stripped(const QJsonValue& value, const QStringList& excluded) {
  if (value.isObject()) return strippedObject(value.toObject(), excluded);
  if (value.isArray()) {
    QJsonArray out;
    for (const QJsonValue& v : value.toArray()) out.append(stripped(v, excluded));
    return out;
  }
  return value;
}

QString compact(const QJsonObject& o) {
  return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

}  // namespace

const std::vector<ConfigField>& configFields() {
  static const std::vector<ConfigField> table = buildTable();
  return table;
}

const ConfigField* findConfigField(const QString& key) {
  for (const ConfigField& f : configFields())
    if (f.key == key) return &f;
  return nullptr;
}

bool isConfigKey(const QString& key) { return findConfigField(key) != nullptr; }

QJsonObject TrainConfig::toJson() const {
  static const TrainConfig defaults;
  QJsonObject o;
  for (const ConfigField& f : configFields()) {
    const QJsonValue v = f.get(*this);
    switch (f.written) {
      case Written::Always: break;
      case Written::NotDefault:
        if (v == f.get(defaults)) continue;
        break;
      case Written::WhenApplies:
        if (!f.appliesTo(*this)) continue;
        break;
    }
    o.insert(f.key, v);
  }
  return o;
}

Expected<TrainConfig> TrainConfig::fromJson(const QJsonObject& json) {
  TrainConfig c;
  for (const ConfigField& f : configFields()) {
    const auto it = json.constFind(f.key);
    if (it == json.constEnd()) continue;
    if (const QString why = f.set(c, it.value()); !why.isEmpty()) return Error::general(why);
  }
  return c;
}

QJsonObject completeConfigJson(const TrainConfig& config) {
  QJsonObject o;
  for (const ConfigField& f : configFields()) {
    if (f.written == Written::WhenApplies && !f.appliesTo(config)) continue;
    o.insert(f.key, f.get(config));
  }
  return o;
}

QString applyFlagText(const ConfigField& field, TrainConfig& c, const QString& text) {
  QJsonValue value;
  switch (field.type) {
    case Type::Integer: {
      bool ok = false;
      const int v = text.toInt(&ok);
      if (!ok) return QStringLiteral("%1 must be an integer (got '%2')").arg(field.flag, text);
      value = v;
      break;
    }
    case Type::Real: {
      // toDouble accepts "nan" and "inf", so that validate(), not parsing, names the problem.
      bool ok = false;
      double v = text.toDouble(&ok);
      const QString lower = text.toLower();
      if (!ok && (lower == QLatin1String("nan") || lower == QLatin1String("inf"))) {
        v = lower == QLatin1String("nan") ? std::numeric_limits<double>::quiet_NaN()
                                          : std::numeric_limits<double>::infinity();
        ok = true;
      }
      if (!ok) return QStringLiteral("%1 must be a number (got '%2')").arg(field.flag, text);
      field.setReal(c, v);
      return {};
    }
    case Type::Boolean:
      if (text != QLatin1String("true") && text != QLatin1String("false"))
        return QStringLiteral("%1 must be true or false (got '%2')").arg(field.flag, text);
      value = text == QLatin1String("true");
      break;
    case Type::Seed: {
      bool ok = false;
      text.toULongLong(&ok);
      if (!ok) return QStringLiteral("%1 must be a non-negative integer (got '%2')").arg(field.flag, text);
      value = text;
      break;
    }
    case Type::Choice:
      if (text.isEmpty())
        return QStringLiteral("%1 needs one of %2").arg(field.flag, field.choices.join(QLatin1Char('|')));
      value = text;
      break;
    case Type::Path:
      value = text.isEmpty() ? QString() : QFileInfo(text).absoluteFilePath();
      break;
  }
  return field.set(c, value);
}

const QStringList& groupExcludedKeys() {
  static const QStringList keys = [] {
    QStringList k;
    for (const ConfigField& f : configFields())
      if (!f.grouped) k << f.key;
    k << QStringLiteral("name");  // stored by early versions inside the configuration
    return k;
  }();
  return keys;
}

QString groupKey(const QJsonObject& config, const QString& datasetFingerprint) {
  const QJsonObject cleaned = strippedObject(config, groupExcludedKeys());
  if (datasetFingerprint.isEmpty()) return compact(cleaned);
  QJsonObject wrapped;
  wrapped.insert(QStringLiteral("config"), cleaned);
  wrapped.insert(QStringLiteral("dataset"), datasetFingerprint);
  return compact(wrapped);
}

}  // namespace irl4rec::train
