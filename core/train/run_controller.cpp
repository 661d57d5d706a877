#include "core/train/run_controller.h"

#include "core/data/batching.h"
#include "core/eval/ranking.h"
#include "core/models/losses.h"
#include "core/models/objective.h"
#include "core/models/random.h"
#include "core/models/recommender.h"
#include "core/train/memory_estimate.h"

#include <optional>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>

#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace irl4rec::train {

QString toString(RunStatus status) {
  switch (status) {
    case RunStatus::Finished: return QStringLiteral("finished");
    case RunStatus::Cancelled: return QStringLiteral("cancelled");
    case RunStatus::Failed: return QStringLiteral("failed");
    case RunStatus::Diverged: return QStringLiteral("diverged");
  }
  return QString();
}

namespace {

bool isBert(const TrainConfig& c) { return c.encoder == EncoderKind::Bert4Rec; }

models::BlockStyle blockStyle(const TrainConfig& c) {
  models::BlockStyle style;
  style.norm = c.norm == NormKind::Pre    ? models::BlockNorm::Pre
               : c.norm == NormKind::Kang ? models::BlockNorm::Kang
                                          : models::BlockNorm::Post;
  style.reluFfn = c.ffn == FfnKind::ReluD;
  style.padKeys = c.padKeys;
  style.xavierInit = c.init == InitKind::Xavier;
  return style;
}

models::RecommenderOptions modelOptions(const TrainConfig& c, const data::Dataset& d) {
  return models::RecommenderOptions()
      .encoder(c.encoder)
      .num_items(d.numItems())
      .num_attributes(d.numAttributes())
      .hidden_size(c.hiddenSize)
      .num_layers(c.layers)
      .num_heads(c.heads)
      .dropout(c.dropout)
      .max_length(c.maxLength)
      .style(blockStyle(c))
      .irl(c.model == ModelKind::Irl4Rec)
      .confounder(c.hasConfounder())
      .reparameterize(c.reparameterize);
}

torch::Tensor longTensor(const std::vector<int64_t>& v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<int64_t*>(v.data()), shape, torch::kLong).clone();
}

/// Sets the torch thread count for the run's duration (it is process-wide), and OpenBLAS's
/// own pool to match: torch::set_num_threads does not reach OpenBLAS, whose pthread build
/// otherwise runs every large product on all cores (a "1-thread" full-CE run used 1.7 cores,
/// and two such runs fought over two). Looked up at run time: with another BLAS the symbol is
/// absent and nothing happens.
void applyThreads(int threads) {
  if (threads <= 0) return;
  if (torch::get_num_threads() != threads) torch::set_num_threads(threads);
  using SetThreads = void (*)(int);
  static const auto openblasSetThreads =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (openblasSetThreads) openblasSetThreads(threads);
}

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

struct RunController::Impl {
  const data::Dataset& dataset;
  TrainConfig config;
  data::LeaveOneOutSplit split;
  models::Recommender model{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer;

  Impl(const data::Dataset& d, const TrainConfig& c) : dataset(d), config(c), split(d) {}

  void build() {
    model = models::Recommender(modelOptions(config, dataset), dataset.itemAttributes);
    optimizer = std::make_unique<torch::optim::Adam>(
        model->parameters(),
        torch::optim::AdamOptions(config.lr).weight_decay(config.weightDecay));
  }

  /// Model inputs for evaluation: the last max_length items of each history (BERT4Rec: the
  /// last max_length - 1 plus the mask token).
  torch::Tensor queryEmbeddings(const std::vector<data::Slice>& histories, torch::Tensor* s) {
    const bool bert = isBert(config);
    const int32_t keep = bert ? config.maxLength - 1 : config.maxLength;
    std::vector<data::Slice> slices = histories;
    for (auto& sl : slices) sl.begin = std::max(sl.begin, sl.end - keep);
    const data::SequenceBatch b =
        data::gatherSlices(dataset, slices, bert ? model->maskToken() : 0);
    auto items = longTensor(b.items, {b.rows, b.width});
    auto lengths = longTensor(b.lengths, {b.rows});
    models::SequenceOutput out = model->encodeLast(items, lengths);
    if (s && out.s.defined()) *s = out.s;
    return out.t;
  }

  std::optional<UserRanks> testRanks;  ///< full-ranking test ranks of the final model

  eval::RankingMetrics evaluateCases(const std::vector<data::EvalCase>& cases) {
    const bool sampled = config.evalProtocol == EvalProtocol::Sampled;
    return eval::metricsFromRanks(rankCases(cases, sampled),
                                  sampled ? QStringLiteral("sampled") : QStringLiteral("full"));
  }

  std::vector<int64_t> rankCases(const std::vector<data::EvalCase>& cases, bool sampled) {
    torch::NoGradGuard noGrad;
    const bool wasTraining = model->is_training();
    model->eval();
    eval::EmbeddingScorer scorer;
    scorer.table = model->itemTable();
    scorer.queries = [&](const std::vector<data::Slice>& h) { return queryEmbeddings(h, nullptr); };
    eval::EvalOptions options;
    options.sampled = sampled;
    options.sampledNegatives = config.sampledNegatives;
    options.batchSize = config.evalBatchSize;
    auto ranks = eval::rankCases(dataset, cases, scorer, options);
    model->train(wasTraining);
    return ranks;
  }

  /// Builds one batch and returns its loss terms; throws only for bugs.
  models::ObjectiveTerms stepLosses(const std::vector<int64_t>& users, std::mt19937_64& rng) {
    const bool bert = isBert(config);
    const int32_t M = config.maxLength;
    std::vector<data::Slice> inputs, targets;
    inputs.reserve(users.size());
    targets.reserve(users.size());
    for (int64_t u : users) {
      const int32_t L = split.trainLength(u);
      if (bert) {
        const int32_t len = std::min(L, M);
        inputs.push_back({u, L - len, L});
      } else {
        const int32_t len = std::min(L - 1, M);
        inputs.push_back({u, L - 1 - len, L - 1});
        targets.push_back({u, L - len, L});
      }
    }
    const data::SequenceBatch in = data::gatherSlices(dataset, inputs);
    const data::SequenceBatch tg = bert ? in : data::gatherSlices(dataset, targets);
    auto items = longTensor(in.items, {in.rows, in.width});
    auto lengths = longTensor(in.lengths, {in.rows});
    auto target = longTensor(tg.items, {tg.rows, tg.width});
    const bool perPositionNegatives =
        config.loss == LossKind::Bce || config.loss == LossKind::Bpr;
    torch::Tensor negatives;
    if (perPositionNegatives) {
      negatives = longTensor(data::sampleNegatives(dataset, tg, rng), {tg.rows, tg.width});
    } else if (config.loss == LossKind::SampledCe) {
      negatives = at::randint(1, dataset.numItems() + 1, {config.negatives},
                              models::currentGenerator(), torch::kLong);
    }
    if (bert) {
      // Cloze: mask each real position with probability mask_ratio, at least one per row.
      auto valid = items.gt(0);
      auto masked = at::rand(items.sizes(), models::currentGenerator()).lt(config.maskRatio) &
                    valid;
      auto none = masked.sum(1).eq(0);
      auto lastPos = torch::one_hot(lengths - 1, items.size(1)).to(torch::kBool);
      masked = masked | (lastPos & none.unsqueeze(1));
      target = torch::where(masked, items, torch::zeros_like(items));
      items = torch::where(masked, torch::full_like(items, model->maskToken()), items);
    }
    return models::objective(config, *model, items, lengths, target, negatives);
  }

  std::vector<torch::Tensor> snapshot() const {
    std::vector<torch::Tensor> state;
    for (const auto& p : model->parameters()) state.push_back(p.detach().clone());
    for (const auto& b : model->buffers()) state.push_back(b.detach().clone());
    return state;
  }
  void restore(const std::vector<torch::Tensor>& state) {
    torch::NoGradGuard noGrad;
    size_t i = 0;
    for (auto& p : model->parameters()) p.copy_(state[i++]);
    for (auto& b : model->buffers()) b.copy_(state[i++]);
  }

  void save(const QString& path) const {
    torch::serialize::OutputArchive archive, modelArchive, optimizerArchive;
    model->save(modelArchive);
    optimizer->save(optimizerArchive);
    archive.write("model", modelArchive);
    archive.write("optimizer", optimizerArchive);
    const QByteArray json = QJsonDocument(config.toJson()).toJson(QJsonDocument::Compact);
    archive.write("config", c10::IValue(json.toStdString()));
    archive.write("num_items", c10::IValue(int64_t(dataset.numItems())));
    archive.write("num_attributes", c10::IValue(int64_t(dataset.numAttributes())));
    archive.save_to(path.toStdString());
  }
};

RunController::RunController(std::shared_ptr<const data::Dataset> dataset, TrainConfig config)
    : dataset_(std::move(dataset)), config_(std::move(config)) {}
RunController::~RunController() = default;

Status RunController::check(const data::Dataset& dataset, const TrainConfig& config) {
  if (Status s = config.validate(); !s) return s;
  if (dataset.numItems() < 2)
    return Error::general(QStringLiteral("the dataset needs at least 2 items"));
  data::LeaveOneOutSplit split(dataset);
  if (!split.evaluable())
    return Error::general(QStringLiteral(
        "the dataset cannot be split: no user has the 3 items leave-one-out needs"));
  if (split.trainTargets() == 0)
    return Error::general(QStringLiteral("the dataset has no training targets"));
  // Negatives are drawn among the items (with replacement): beyond the item count they only
  // cost memory, and a huge count would fail allocating mid-run instead of here. Small
  // datasets keep the usual defaults (256).
  const int64_t maxNegatives = std::max<int64_t>(dataset.numItems(), 4096);
  if (config.loss == LossKind::SampledCe && config.negatives > maxNegatives)
    return Error::general(QStringLiteral("%1 sampled-ce negatives for %2 items: use at most %3, "
                                         "or the full softmax (loss ce)")
                              .arg(config.negatives)
                              .arg(dataset.numItems())
                              .arg(maxNegatives));
  if (config.evalProtocol == EvalProtocol::Sampled && config.sampledNegatives >= dataset.numItems())
    return Error::general(QStringLiteral("the sampled protocol ranks the target against %1 "
                                         "negatives, but the dataset has only %2 items: use "
                                         "the full protocol")
                              .arg(config.sampledNegatives)
                              .arg(dataset.numItems()));
  if (config.hasConfounder() && !dataset.hasAttributes())
    return Error::general(QStringLiteral(
        "the confounder branch needs item attributes, and this dataset has none "
        "(use the baseline or turn the confounder off)"));
  // Last, after the cheaper reasons; before anything is allocated.
  if (Status s = checkMemory(config, DatasetSizes::of(dataset), readMachineMemory()); !s) return s;
  return Status();
}

bool RunController::hasModel() const { return impl_ && impl_->model; }

RunOutcome RunController::run(const RunCallbacks& callbacks) {
  RunOutcome outcome;
  QElapsedTimer clock;
  clock.start();
  auto log = [&](const QString& s) {
    if (callbacks.onLog) callbacks.onLog(s);
  };
  if (Status s = check(*dataset_, config_); !s) {
    outcome.status = RunStatus::Failed;
    outcome.message = s.error().message();
    return outcome;
  }
  try {
    applyThreads(config_.threads);
    models::RandomScope randomScope(config_.seed);
    std::mt19937_64 rng(config_.seed ^ 0x9E3779B97F4A7C15ull);
    impl_ = std::make_unique<Impl>(*dataset_, config_);
    Impl& m = *impl_;
    m.build();
    m.model->train();

    // Users with at least one (input, target) pair, and their input lengths for bucketing.
    std::vector<int64_t> trainUsers;
    std::vector<int32_t> trainLengths;
    for (int64_t u = 0; u < dataset_->numUsers(); ++u) {
      const int32_t L = m.split.trainLength(u);
      if (L < 2) continue;
      trainUsers.push_back(u);
      trainLengths.push_back(std::min(isBert(config_) ? L : L - 1, config_.maxLength));
    }
    const auto& validCases = m.split.cases(data::Stage::Validation);
    std::vector<torch::Tensor> best;
    double bestNdcg = -1;
    int sinceBest = 0;
    int64_t step = 0;
    double spentSeconds = 0;

    for (int epoch = 1; epoch <= config_.epochs; ++epoch) {
      QElapsedTimer epochClock;
      epochClock.start();
      auto batches = config_.batching == BatchingKind::Random
                         ? data::randomBatches(int64_t(trainLengths.size()), config_.batchSize, rng)
                         : data::lengthBuckets(trainLengths, config_.batchSize, rng);
      double lossSum = 0;
      int batchIndex = 0;
      for (auto& batch : batches) {
        if (cancel_.load()) {
          outcome.status = RunStatus::Cancelled;
          outcome.message = QStringLiteral("cancelled in epoch %1").arg(epoch);
          break;
        }
        for (auto& i : batch) i = trainUsers[size_t(i)];
        ++step;
        ++batchIndex;
        models::ObjectiveTerms terms = m.stepLosses(batch, rng);
        const double total = terms.total.item<double>();
        if (!std::isfinite(total)) {
          outcome.status = RunStatus::Diverged;
          outcome.divergedStep = step;
          outcome.message = QStringLiteral("loss became %1 at step %2 (epoch %3)")
                                .arg(std::isnan(total) ? QStringLiteral("NaN")
                                                       : QStringLiteral("Inf"))
                                .arg(step)
                                .arg(epoch);
          break;
        }
        m.optimizer->zero_grad();
        terms.total.backward();
        m.optimizer->step();
        lossSum += total;
        if (callbacks.onStep) {
          StepProgress p;
          p.epoch = epoch;
          p.batch = batchIndex;
          p.batchesPerEpoch = int(batches.size());
          p.step = step;
          auto value = [](const torch::Tensor& x) { return x.defined() ? x.item<double>() : 0.0; };
          p.recT = value(terms.recT);
          p.recS = value(terms.recS);
          p.compression = value(terms.compression);
          p.dependence = value(terms.dependence);
          p.alphaRecS = config_.alpha * p.recS;
          p.betaCompression = config_.beta * p.compression;
          p.gammaDependence = config_.gamma * p.dependence;
          p.total = total;
          callbacks.onStep(p);
        }
      }
      if (outcome.status == RunStatus::Cancelled || outcome.status == RunStatus::Diverged) break;
      outcome.epochsRun = epoch;

      EpochProgress ep;
      ep.epoch = epoch;
      ep.epochs = config_.epochs;
      ep.meanLoss = batches.empty() ? 0 : lossSum / double(batches.size());
      ep.trainSeconds = double(epochClock.nsecsElapsed()) * 1e-9;
      const bool evaluate = epoch % config_.evalEvery == 0 || epoch == config_.epochs;
      if (evaluate) {
        QElapsedTimer evalClock;
        evalClock.start();
        ep.validation = m.evaluateCases(validCases);
        ep.evaluated = true;
        ep.evalSeconds = double(evalClock.nsecsElapsed()) * 1e-9;
        const double ndcg = ep.validation.ndcgAt(10);
        if (ndcg > bestNdcg) {
          bestNdcg = ndcg;
          outcome.bestEpoch = epoch;
          outcome.validation = ep.validation;
          best = m.snapshot();
          ep.improved = true;
          sinceBest = 0;
          if (!config_.checkpointPath.isEmpty()) m.save(config_.checkpointPath);
        } else {
          sinceBest += config_.evalEvery;
        }
      }
      spentSeconds += double(epochClock.nsecsElapsed()) * 1e-9;
      ep.bestEpoch = outcome.bestEpoch;
      ep.bestValidationNdcg10 = std::max(0.0, bestNdcg);
      ep.elapsedSeconds = double(clock.nsecsElapsed()) * 1e-9;
      ep.etaSeconds = spentSeconds / epoch * (config_.epochs - epoch);
      if (callbacks.onEpoch) callbacks.onEpoch(ep);
      if (config_.patience > 0 && sinceBest >= config_.patience) {
        outcome.earlyStopped = true;
        log(QStringLiteral("early stop after epoch %1: no validation NDCG@10 gain for %2 epochs")
                .arg(epoch)
                .arg(sinceBest));
        break;
      }
    }
    if (!best.empty()) m.restore(best);
    if (outcome.status == RunStatus::Diverged || outcome.status == RunStatus::Cancelled) {
      outcome.seconds = double(clock.nsecsElapsed()) * 1e-9;
      return outcome;
    }
    if (best.empty()) outcome.validation = m.evaluateCases(validCases);
    {
      // The test ranks are kept (full protocol) so that ranks(Test) does not rank again.
      const auto& testCases = m.split.cases(data::Stage::Test);
      const bool sampled = m.config.evalProtocol == EvalProtocol::Sampled;
      std::vector<int64_t> ranks = m.rankCases(testCases, sampled);
      outcome.test = eval::metricsFromRanks(ranks, sampled ? QStringLiteral("sampled") : QStringLiteral("full"));
      if (!sampled) {
        UserRanks kept;
        kept.users.reserve(testCases.size());
        for (const data::EvalCase& c : testCases) kept.users.push_back(c.user);
        kept.ranks = std::move(ranks);
        m.testRanks = std::move(kept);
      }
    }
    outcome.status = RunStatus::Finished;
  } catch (const c10::Error& e) {
    outcome.status = RunStatus::Failed;
    outcome.message = QStringLiteral("torch error: %1").arg(fromStd(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    outcome.status = RunStatus::Failed;
    outcome.message = QString::fromUtf8(e.what());
  }
  outcome.seconds = double(clock.nsecsElapsed()) * 1e-9;
  return outcome;
}

void RunController::setEvaluationSettings(EvalProtocol protocol, int threads) {
  config_.evalProtocol = protocol;
  config_.threads = threads;
  if (impl_) {
    impl_->config.evalProtocol = protocol;
    impl_->config.threads = threads;
  }
}

Expected<eval::RankingMetrics> RunController::evaluate(data::Stage stage) const {
  if (!hasModel()) return Error::general(QStringLiteral("no trained model"));
  try {
    applyThreads(config_.threads);
    return impl_->evaluateCases(impl_->split.cases(stage));
  } catch (const std::exception& e) {
    return Error::general(QString::fromUtf8(e.what()));
  }
}

Expected<UserRanks> RunController::ranks(data::Stage stage) const {
  if (!hasModel()) return Error::general(QStringLiteral("no trained model"));
  try {
    if (stage == data::Stage::Test && impl_->testRanks) return *impl_->testRanks;
    applyThreads(config_.threads);
    const auto& cases = impl_->split.cases(stage);
    UserRanks out;
    out.ranks = impl_->rankCases(cases, /*sampled=*/false);
    out.users.reserve(cases.size());
    for (const data::EvalCase& c : cases) out.users.push_back(c.user);
    return out;
  } catch (const std::exception& e) {
    return Error::general(QString::fromUtf8(e.what()));
  }
}

Expected<eval::RankingMetrics> RunController::evaluateOn(const data::Dataset& targets) const {
  if (!hasModel()) return Error::general(QStringLiteral("no trained model"));
  QHash<QString, int64_t> users;
  for (int64_t u = 0; u < dataset_->numUsers(); ++u) users.insert(dataset_->userTokens[int(u)], u);
  QHash<QString, int32_t> items;
  for (int32_t j = 1; j <= dataset_->numItems(); ++j) items.insert(dataset_->itemTokens[j], j);
  std::vector<data::EvalCase> cases;
  for (int64_t v = 0; v < targets.numUsers(); ++v) {
    const auto& seq = targets.sequences[size_t(v)];
    if (seq.size() < 3 || v >= targets.userTokens.size()) continue;
    const auto u = users.find(targets.userTokens[int(v)]);
    const auto j = items.find(targets.itemTokens[seq.back()]);
    if (u == users.end() || j == items.end()) continue;
    const auto& own = dataset_->sequences[size_t(*u)];
    if (own.size() < 3) continue;
    cases.push_back({*u, *j, int32_t(own.size()) - 1});
  }
  if (cases.empty())
    return Error::general(QStringLiteral("no user of the target dataset matches this dataset"));
  try {
    applyThreads(config_.threads);
    return impl_->evaluateCases(cases);
  } catch (const std::exception& e) {
    return Error::general(QString::fromUtf8(e.what()));
  }
}

Expected<RunEmbeddings> RunController::embeddings(data::Stage stage) const {
  if (!hasModel()) return Error::general(QStringLiteral("no trained model"));
  try {
    applyThreads(config_.threads);
    Impl& m = *impl_;
    torch::NoGradGuard noGrad;
    const bool wasTraining = m.model->is_training();
    m.model->eval();
    auto toMatrix = [](const torch::Tensor& x, std::vector<int64_t> ids) {
      EmbeddingMatrix e;
      auto c = x.to(torch::kFloat).contiguous();
      e.rows = c.size(0);
      e.dim = c.size(1);
      e.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
      e.ids = std::move(ids);
      return e;
    };
    const auto& cases = m.split.cases(stage);
    std::vector<torch::Tensor> tParts, sParts;
    std::vector<int64_t> userIds;
    for (size_t start = 0; start < cases.size(); start += size_t(config_.evalBatchSize)) {
      const size_t end = std::min(cases.size(), start + size_t(config_.evalBatchSize));
      std::vector<data::Slice> slices;
      for (size_t i = start; i < end; ++i) {
        slices.push_back({cases[i].user, 0, cases[i].historyLength});
        userIds.push_back(cases[i].user);
      }
      torch::Tensor s;
      tParts.push_back(m.queryEmbeddings(slices, &s));
      if (s.defined()) sParts.push_back(s);
    }
    RunEmbeddings out;
    std::vector<int64_t> itemIds(size_t(dataset_->numItems()));
    for (size_t j = 0; j < itemIds.size(); ++j) itemIds[j] = int64_t(j) + 1;
    if (!tParts.empty()) out.adjustment = toMatrix(torch::cat(tParts), userIds);
    if (!sParts.empty()) out.spurious = toMatrix(torch::cat(sParts), userIds);
    out.items = toMatrix(m.model->itemTable().narrow(0, 1, dataset_->numItems()), itemIds);
    if (m.model->confounder)
      out.itemAttributes =
          toMatrix(m.model->attributeTable().narrow(0, 1, dataset_->numItems()), itemIds);
    m.model->train(wasTraining);
    return out;
  } catch (const std::exception& e) {
    return Error::general(QString::fromUtf8(e.what()));
  }
}

Status RunController::saveCheckpoint(const QString& path) const {
  if (!hasModel()) return Error::at(path, 0, QStringLiteral("no trained model to save"));
  try {
    impl_->save(path);
  } catch (const std::exception& e) {
    return Error::at(path, 0, QStringLiteral("cannot write checkpoint: %1").arg(QString::fromUtf8(e.what())));
  }
  return Status();
}

namespace {
Expected<TrainConfig> configFromArchive(torch::serialize::InputArchive& archive,
                                        const QString& path) {
  c10::IValue value;
  if (!archive.try_read("config", value) || !value.isString())
    return Error::at(path, 0, QStringLiteral("not an irl4rec checkpoint (no config)"));
  QJsonParseError parseError;
  const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(value.toStringRef()), &parseError);
  if (!doc.isObject())
    return Error::at(path, 0, QStringLiteral("checkpoint config is not JSON: %1").arg(parseError.errorString()));
  auto config = TrainConfig::fromJson(doc.object());
  if (!config) return Error::at(path, 0, config.error().cause);
  return config;
}
}  // namespace

Expected<TrainConfig> RunController::readCheckpointConfig(const QString& path) {
  if (!QFileInfo::exists(path)) return Error::at(path, 0, QStringLiteral("no such file"));
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.toStdString());
    return configFromArchive(archive, path);
  } catch (const std::exception& e) {
    return Error::at(path, 0, QStringLiteral("not a readable checkpoint"));
  }
}

Status RunController::loadCheckpoint(const QString& path) {
  if (!QFileInfo::exists(path)) return Error::at(path, 0, QStringLiteral("no such file"));
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.toStdString());
    auto config = configFromArchive(archive, path);
    if (!config) return config.error();
    c10::IValue numItems;
    if (!archive.try_read("num_items", numItems) || numItems.toInt() != dataset_->numItems())
      return Error::at(path, 0,
                       QStringLiteral("checkpoint was trained on %1 items, the dataset has %2")
                           .arg(numItems.isInt() ? numItems.toInt() : -1)
                           .arg(dataset_->numItems()));
    if (Status s = check(*dataset_, config.value()); !s) return Error::at(path, 0, s.error().cause);
    models::RandomScope randomScope(config.value().seed);
    auto impl = std::make_unique<Impl>(*dataset_, config.value());
    impl->build();
    torch::serialize::InputArchive modelArchive, optimizerArchive;
    archive.read("model", modelArchive);
    impl->model->load(modelArchive);
    if (archive.try_read("optimizer", optimizerArchive)) impl->optimizer->load(optimizerArchive);
    impl->model->eval();
    config_ = config.value();
    impl_ = std::move(impl);
  } catch (const std::exception& e) {
    return Error::at(path, 0, QStringLiteral("cannot read checkpoint: %1").arg(QString::fromUtf8(e.what())));
  }
  return Status();
}

}  // namespace irl4rec::train
