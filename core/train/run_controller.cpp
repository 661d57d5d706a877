#include "core/train/run_controller.h"

#include "core/common/blas_kernels.h"
#include "core/common/build_info.h"

#include "core/models/random.h"
#include "core/models/softmax_rows.h"
#include "core/models/recommender.h"
#include "core/train/checkpoint.h"
#include "core/train/evaluator.h"
#include "core/train/memory_estimate.h"
#include "core/train/trainer.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QThread>

#include <optional>

#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace irl4rec::train {

namespace {

models::BlockStyle blockStyle(const TrainConfig& c) {
  models::BlockStyle style;
  style.norm = c.norm;
  style.ffn = c.ffn;
  style.padKeys = c.padKeys;
  style.init = c.init;
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

/// The run's threads are spent where its work splits coarsely: the fused CE kernel shares its
/// chunks among them (models::ObjectiveOptions::ce_threads), the encoder groups of
/// encoder_groups > 1 run on them, and the evaluation shares its user blocks. LibTorch's
/// intra-op pool and OpenBLAS's own pool stay at one thread: at d = 64 their
/// per-operation threading cost more than it gave (Beauty, Xu et al.'s recipe, 2 intra-op
/// threads: 27.4 s per epoch and 54.6 CPU s against 17.6 s on one; docs/SPEED.md), and
/// torch::set_num_threads does not reach OpenBLAS, whose pthread build otherwise runs every
/// large product on all cores (two "1-thread" runs fought over two cores). The pools are
/// process-wide; OpenBLAS is looked up at run time (with another BLAS nothing happens).
/// threads <= 0 leaves the libraries' defaults.
void applyThreads(int threads) {
  if (threads <= 0) return;
  if (torch::get_num_threads() != 1) torch::set_num_threads(1);
  using SetThreads = void (*)(int);
  static const auto openblasSetThreads =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (openblasSetThreads) openblasSetThreads(1);
}

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

/// The trained (or loaded) model with what evaluates it.
struct RunController::Impl {
  const data::Dataset& dataset;
  TrainConfig config;
  data::LeaveOneOutSplit split;
  models::Recommender model{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer;
  std::unique_ptr<Evaluator> evaluator;
  std::optional<UserRanks> testRanks;  ///< full-ranking test ranks of the final model

  Impl(const data::Dataset& d, const TrainConfig& c)
      : dataset(d), config(c), split(d, c.refit) {
    model = models::Recommender(modelOptions(config, dataset), dataset.itemAttributes);
    optimizer = std::make_unique<torch::optim::Adam>(
        model->parameters(), torch::optim::AdamOptions(config.lr).weight_decay(config.weightDecay));
    evaluator = std::make_unique<Evaluator>(dataset, split, config, *model);
  }
};

RunController::RunController(std::shared_ptr<const data::Dataset> dataset, TrainConfig config)
    : dataset_(std::move(dataset)), config_(std::move(config)) {}
RunController::~RunController() = default;

Status RunController::check(const data::Dataset& dataset, const TrainConfig& config) {
  if (Status s = config.validate(); !s) return s;
  if (Status s = checkDataset(dataset, config.refit); !s) return s;
  return checkAgainst(dataset, config);
}

Status RunController::checkDataset(const data::Dataset& dataset, bool refit) {
  if (dataset.numItems() < 2)
    return Error::general(QStringLiteral("the dataset needs at least 2 items"));
  data::LeaveOneOutSplit split(dataset, refit);
  if (!split.evaluable())
    return Error::general(QStringLiteral(
        "the dataset cannot be split: no user has the 3 items leave-one-out needs"));
  if (split.trainTargets() == 0)
    return Error::general(QStringLiteral("the dataset has no training targets"));
  return Status();
}

Status RunController::checkAgainst(const data::Dataset& dataset, const TrainConfig& config) {
  return checkAgainst(dataset, config, DatasetSizes::of(dataset));
}

Status RunController::checkAgainst(const data::Dataset& dataset, const TrainConfig& config,
                                   const DatasetSizes& sizes) {
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
  if (Status s = checkMemory(config, sizes, readMachineMemory()); !s) return s;
  return Status();
}

Status RunController::checkState(const QString& path, const data::Dataset& dataset,
                                 const TrainConfig& config) {
  try {
    return checkTrainingState(path, config, dataset);
  } catch (const std::exception& e) {
    return Error::at(path, 0, QStringLiteral("not a readable training state"));
  }
}

bool RunController::hasModel() const { return impl_ && impl_->model; }

RunOutcome RunController::run(const RunCallbacks& callbacks) {
  RunOutcome outcome;
  QElapsedTimer clock;
  clock.start();
  if (Status s = check(*dataset_, config_); !s) {
    outcome.status = RunStatus::Failed;
    outcome.message = s.error().message();
    return outcome;
  }
  try {
    applyThreads(config_.threads);
    models::RandomScope randomScope(config_.seed);
    impl_ = std::make_unique<Impl>(*dataset_, config_);
    Impl& m = *impl_;
    Trainer trainer(*dataset_, m.split, m.config, *m.model, *m.optimizer, *m.evaluator);
    trainer.setStatePath(statePath_);
    outcome = trainer.train(callbacks, cancel_);
    if (outcome.status == RunStatus::Finished) {
      // The test ranks are kept (full protocol) so that ranks(Test) does not rank again.
      const auto& testCases = m.split.cases(data::Stage::Test);
      const bool sampled = m.config.evalProtocol == EvalProtocol::Sampled;
      std::vector<int64_t> ranks = m.evaluator->ranks(testCases, sampled);
      outcome.test = eval::metricsFromRanks(ranks, sampled ? QStringLiteral("sampled") : QStringLiteral("full"));
      outcome.test.trainedOnValidation = m.config.refit;
      if (!sampled) {
        UserRanks kept;
        kept.users.reserve(testCases.size());
        for (const data::EvalCase& c : testCases) kept.users.push_back(c.user);
        kept.ranks = std::move(ranks);
        m.testRanks = std::move(kept);
      }
      // A finished run needs no state to resume from.
      if (!statePath_.isEmpty()) QFile::remove(statePath_);
    }
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

void RunController::setEvaluationSettings(EvalProtocol protocol, int threads, int evalBatchSize) {
  for (TrainConfig* c : {&config_, impl_ ? &impl_->config : nullptr}) {
    if (!c) continue;
    c->evalProtocol = protocol;
    c->threads = threads;
    if (evalBatchSize > 0) c->evalBatchSize = evalBatchSize;
  }
  // The kept test ranks were made with the old settings: rank again on request.
  if (impl_) impl_->testRanks.reset();
}

Status RunController::stageExists(data::Stage stage) const {
  if (stage == data::Stage::Validation && impl_->split.refit())
    return Error::general(QStringLiteral(
        "the model was trained on the validation items (refit protocol): there is no validation"));
  return Status();
}

Expected<eval::RankingMetrics> RunController::evaluate(data::Stage stage) const {
  if (!hasModel()) return Error::general(QStringLiteral("no trained model"));
  if (Status s = stageExists(stage); !s) return s.error();
  try {
    applyThreads(config_.threads);
    eval::RankingMetrics m = impl_->evaluator->evaluate(impl_->split.cases(stage));
    m.trainedOnValidation = impl_->split.refit();
    return m;
  } catch (const std::exception& e) {
    return Error::general(QString::fromUtf8(e.what()));
  }
}

Expected<UserRanks> RunController::ranks(data::Stage stage) const {
  if (!hasModel()) return Error::general(QStringLiteral("no trained model"));
  if (Status s = stageExists(stage); !s) return s.error();
  try {
    if (stage == data::Stage::Test && impl_->testRanks) return *impl_->testRanks;
    applyThreads(config_.threads);
    const auto& cases = impl_->split.cases(stage);
    UserRanks out;
    out.ranks = impl_->evaluator->ranks(cases, /*sampled=*/false);
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
    return impl_->evaluator->evaluate(cases);
  } catch (const std::exception& e) {
    return Error::general(QString::fromUtf8(e.what()));
  }
}

Expected<RunEmbeddings> RunController::embeddings(data::Stage stage) const {
  if (!hasModel()) return Error::general(QStringLiteral("no trained model"));
  try {
    applyThreads(config_.threads);
    return impl_->evaluator->embeddings(stage);
  } catch (const std::exception& e) {
    return Error::general(QString::fromUtf8(e.what()));
  }
}

Status RunController::saveCheckpoint(const QString& path) const {
  if (!hasModel()) return Error::at(path, 0, QStringLiteral("no trained model to save"));
  try {
    writeCheckpoint(path, *impl_->model, *impl_->optimizer, impl_->config, *dataset_);
  } catch (const std::exception& e) {
    return Error::at(path, 0, QStringLiteral("cannot write checkpoint: %1").arg(QString::fromUtf8(e.what())));
  }
  return Status();
}

Expected<TrainConfig> RunController::readCheckpointConfig(const QString& path) {
  auto opened = openCheckpoint(path);
  if (!opened) return opened.error();
  return opened.value()->config;
}

Status RunController::loadCheckpoint(const QString& path) {
  auto opened = openCheckpoint(path);
  if (!opened) return opened.error();
  OpenedCheckpoint& checkpoint = *opened.value();
  if (checkpoint.numItems != dataset_->numItems())
    return Error::at(path, 0,
                     QStringLiteral("checkpoint was trained on %1 items, the dataset has %2")
                         .arg(checkpoint.numItems)
                         .arg(dataset_->numItems()));
  if (Status s = check(*dataset_, checkpoint.config); !s) return Error::at(path, 0, s.error().cause);
  try {
    models::RandomScope randomScope(checkpoint.config.seed);
    auto impl = std::make_unique<Impl>(*dataset_, checkpoint.config);
    train::loadCheckpoint(checkpoint, *impl->model, *impl->optimizer);
    impl->model->eval();
    config_ = checkpoint.config;
    impl_ = std::move(impl);
  } catch (const std::exception& e) {
    return Error::at(path, 0, QStringLiteral("cannot read checkpoint: %1").arg(QString::fromUtf8(e.what())));
  }
  return Status();
}

QJsonObject machineJson(int threads) {
  QJsonObject o;
  QFile cpuinfo(QStringLiteral("/proc/cpuinfo"));
  if (cpuinfo.open(QIODevice::ReadOnly))
    for (const QByteArray& line : cpuinfo.readAll().split('\n'))
      if (line.startsWith("model name")) {
        o[QStringLiteral("cpu")] = QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
        break;
      }
  o[QStringLiteral("logical_cpus")] = QThread::idealThreadCount();
  o[QStringLiteral("vector_path")] = QString::fromLatin1(models::softmaxRowsIsa());
  if (const auto blas = blasKernels(); !blas.core.empty())
    o[QStringLiteral("blas_kernels")] = QString::fromStdString(blas.core);
  o[QStringLiteral("malloc")] = mallocInUse();
  o[QStringLiteral("threads")] = threads;
  return o;
}

}  // namespace irl4rec::train
