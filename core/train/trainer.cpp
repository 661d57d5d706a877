#include "core/train/trainer.h"

#include "core/data/batching.h"
#include "core/models/random.h"
#include "core/train/checkpoint.h"

#include <QElapsedTimer>

#include <cmath>

namespace irl4rec::train {

models::ObjectiveOptions objectiveOptions(const TrainConfig& c) {
  return models::ObjectiveOptions()
      .loss(c.loss)
      .ce_kernel(c.ceKernel)
      .ce_threads(std::max(1, c.threads))
      .alpha(c.alpha)
      .beta(c.beta)
      .gamma(c.gamma)
      .compression(c.compression)
      .dependence(c.dependence);
}

void applyCloze(models::BatchPart& part, double maskRatio, int64_t maskToken, bool forceLast,
                at::Generator generator) {
  const torch::Tensor items = part.items;
  auto masked = at::rand(items.sizes(), generator).lt(maskRatio) & items.gt(0);
  if (forceLast) {
    auto none = masked.sum(1).eq(0);
    auto lastPos = torch::one_hot(part.lengths - 1, items.size(1)).to(torch::kBool);
    masked = masked | (lastPos & none.unsqueeze(1));
  }
  part.targets = torch::where(masked, items, torch::zeros_like(items));
  part.items = torch::where(masked, torch::full_like(items, maskToken), items);
}

models::BatchPart Trainer::batchPart(const std::vector<int64_t>& users, std::mt19937_64& rng) {
  const bool bert = config_.encoder == EncoderKind::Bert4Rec;
  const data::TrainingBatch b = data::trainingBatch(dataset_, split_, users, config_.maxLength, bert);
  const data::SequenceBatch& in = b.inputs;
  const data::SequenceBatch& tg = b.targets;
  models::BatchPart part;
  part.items = longTensor(in.items, {in.rows, in.width});
  part.lengths = longTensor(in.lengths, {in.rows});
  part.targets = longTensor(tg.items, {tg.rows, tg.width});
  if (config_.loss == LossKind::Bce || config_.loss == LossKind::Bpr) {
    const data::LeaveOneOutSplit* trainOnly = config_.negativePool == NegativePool::Train ? &split_ : nullptr;
    part.negatives = longTensor(data::sampleNegatives(dataset_, tg, trainOnly, rng), {tg.rows, tg.width});
  }
  if (bert)
    applyCloze(part, config_.maskRatio, model_.maskToken(), config_.clozeLast,
               models::currentGenerator());
  return part;
}

models::ObjectiveTerms Trainer::stepGradients(const std::vector<int64_t>& users,
                                              const std::vector<int32_t>& lengths,
                                              std::mt19937_64& rng) {
  // Drawn before the BERT4Rec masks, in the order the generator always saw.
  torch::Tensor sharedNegatives;
  if (config_.loss == LossKind::SampledCe)
    sharedNegatives = at::randint(1, dataset_.numItems() + 1, {config_.negatives},
                                  models::currentGenerator(), torch::kLong);
  std::vector<models::BatchPart> parts;
  const int groups = config_.encoderGroups;
  if (groups > 1 && !config_.splitBatches) {
    // Consecutive slices of the batch, one per group (similar lengths under length batching).
    const size_t n = users.size(), k = std::min(n, size_t(groups));
    for (size_t g = 0; g < k; ++g) {
      std::vector<int64_t> slice(users.begin() + long(g * n / k), users.begin() + long((g + 1) * n / k));
      parts.push_back(batchPart(slice, rng));
    }
  } else if (config_.splitBatches) {
    // The fixed cost of one more part, in padded cells: a part's forward and backward pass is
    // a few hundred LibTorch operations of ~10 µs each, one cell of width d = 64 ~25 µs.
    constexpr int64_t kPartCost = 256;
    for (const auto& rows : data::splitByLength(lengths, kPartCost)) {
      std::vector<int64_t> partUsers;
      partUsers.reserve(rows.size());
      for (int64_t r : rows) partUsers.push_back(users[size_t(r)]);
      parts.push_back(batchPart(partUsers, rng));
    }
  } else {
    parts.push_back(batchPart(users, rng));
  }
  if (sharedNegatives.defined()) parts.front().negatives = sharedNegatives;
  optimizer_.zero_grad();
  if (groups > 1)
    return models::objectiveWithGradients(objectiveOptions(config_), model_, parts, groups,
                                          std::max(1, config_.threads));
  models::ObjectiveTerms terms = models::objective(objectiveOptions(config_), model_, parts);
  terms.total.backward();
  return terms;
}

std::vector<torch::Tensor> Trainer::snapshot() const {
  std::vector<torch::Tensor> state;
  for (const auto& p : model_.parameters()) state.push_back(p.detach().clone());
  for (const auto& b : model_.buffers()) state.push_back(b.detach().clone());
  return state;
}

void Trainer::restore(const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard noGrad;
  size_t i = 0;
  for (auto& p : model_.parameters()) p.copy_(state[i++]);
  for (auto& b : model_.buffers()) b.copy_(state[i++]);
}

RunOutcome Trainer::train(const RunCallbacks& callbacks, const std::atomic<bool>& cancel) {
  RunOutcome outcome;
  QElapsedTimer clock;
  clock.start();
  auto log = [&](const QString& s) {
    if (callbacks.onLog) callbacks.onLog(s);
  };
  std::mt19937_64 rng(config_.seed ^ 0x9E3779B97F4A7C15ull);
  at::Generator generator = models::currentGenerator();
  model_.train();

  TrainingProgress progress;
  double elapsedBefore = 0;  // seconds of the epochs a resumed run restored
  if (!statePath_.isEmpty()) {
    auto resumed = readTrainingState(statePath_, config_, dataset_, progress, model_, optimizer_,
                                     rng, generator);
    if (!resumed) {
      outcome.status = RunStatus::Failed;
      outcome.message = resumed.error().message();
      return outcome;
    }
    if (resumed.value()) {
      log(QStringLiteral("resumed from %1 after epoch %2").arg(statePath_).arg(progress.epoch));
      for (EpochProgress p : progress.history) {
        p.resumed = true;
        if (callbacks.onEpoch) callbacks.onEpoch(p);
      }
      if (!progress.history.empty()) elapsedBefore = progress.history.back().elapsedSeconds;
      outcome.epochsRun = progress.epoch;
      outcome.bestEpoch = progress.bestEpoch;
      outcome.validation = progress.bestValidation;
      model_.train();
    }
  }

  const bool bert = config_.encoder == EncoderKind::Bert4Rec;
  const data::TrainingUsers training =
      data::trainingUsers(split_, dataset_.numUsers(), config_.maxLength, bert);
  const auto& validCases = split_.cases(data::Stage::Validation);
  auto earlyStop = [&] { return config_.patience > 0 && progress.sinceBest >= config_.patience; };

  if (earlyStop()) {
    outcome.earlyStopped = true;
  }
  for (int epoch = progress.epoch + 1; epoch <= config_.epochs && !outcome.earlyStopped; ++epoch) {
    QElapsedTimer epochClock;
    epochClock.start();
    auto batches = config_.batching == BatchingKind::Random
                       ? data::randomBatches(int64_t(training.users.size()), config_.batchSize, rng)
                       : data::lengthBuckets(training.lengths, config_.batchSize, rng);
    double lossSum = 0;
    int batchIndex = 0;
    for (auto& batch : batches) {
      if (cancel.load()) {
        outcome.status = RunStatus::Cancelled;
        outcome.message = QStringLiteral("cancelled in epoch %1").arg(epoch);
        break;
      }
      std::vector<int32_t> lengths;
      lengths.reserve(batch.size());
      for (auto& i : batch) {
        lengths.push_back(training.lengths[size_t(i)]);
        i = training.users[size_t(i)];
      }
      ++progress.step;
      ++batchIndex;
      // Non-finite loss: the run ends before the step (the gradients are never applied).
      models::ObjectiveTerms terms = stepGradients(batch, lengths, rng);
      const double total = terms.total.item<double>();
      if (!std::isfinite(total)) {
        outcome.status = RunStatus::Diverged;
        outcome.divergedStep = progress.step;
        outcome.message = QStringLiteral("loss became %1 at step %2 (epoch %3)")
                              .arg(std::isnan(total) ? QStringLiteral("NaN") : QStringLiteral("Inf"))
                              .arg(progress.step)
                              .arg(epoch);
        break;
      }
      optimizer_.step();
      lossSum += total;
      if (callbacks.onStep) {
        StepProgress p;
        p.epoch = epoch;
        p.batch = batchIndex;
        p.batchesPerEpoch = int(batches.size());
        p.step = progress.step;
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
    progress.epoch = epoch;

    EpochProgress ep;
    ep.epoch = epoch;
    ep.epochs = config_.epochs;
    ep.step = progress.step;
    ep.meanLoss = batches.empty() ? 0 : lossSum / double(batches.size());
    ep.trainSeconds = double(epochClock.nsecsElapsed()) * 1e-9;
    if (config_.refit) {
      // No validation under refit: the model tested is the last epoch's.
      progress.bestEpoch = outcome.bestEpoch = epoch;
    } else if (epoch % config_.evalEvery == 0 || epoch == config_.epochs) {
      QElapsedTimer evalClock;
      evalClock.start();
      ep.validation = evaluator_.evaluate(validCases);
      ep.evaluated = true;
      ep.evalSeconds = double(evalClock.nsecsElapsed()) * 1e-9;
      const double ndcg = ep.validation.ndcgAt(10);
      if (ndcg > progress.bestNdcg) {
        progress.bestNdcg = ndcg;
        progress.bestEpoch = outcome.bestEpoch = epoch;
        progress.bestValidation = outcome.validation = ep.validation;
        progress.best = snapshot();
        ep.improved = true;
        progress.sinceBest = 0;
        if (!config_.checkpointPath.isEmpty())
          writeCheckpoint(config_.checkpointPath, model_, optimizer_, config_, dataset_);
      } else {
        progress.sinceBest += config_.evalEvery;
      }
    }
    progress.spentSeconds += double(epochClock.nsecsElapsed()) * 1e-9;
    ep.bestEpoch = progress.bestEpoch;
    ep.bestValidationNdcg10 = std::max(0.0, progress.bestNdcg);
    ep.elapsedSeconds = elapsedBefore + double(clock.nsecsElapsed()) * 1e-9;
    ep.etaSeconds = progress.spentSeconds / epoch * (config_.epochs - epoch);
    progress.history.push_back(ep);
    if (!statePath_.isEmpty())
      writeTrainingState(statePath_, progress, model_, optimizer_, config_, dataset_, rng, generator);
    if (callbacks.onEpoch) callbacks.onEpoch(ep);
    outcome.earlyStopped = earlyStop();
  }
  if (outcome.earlyStopped) {
    log(QStringLiteral("early stop after epoch %1: no validation NDCG@10 gain for %2 epochs")
            .arg(progress.epoch)
            .arg(progress.sinceBest));
  }
  if (!progress.best.empty()) restore(progress.best);
  if (outcome.status != RunStatus::Cancelled && outcome.status != RunStatus::Diverged) {
    if (config_.refit) {
      if (!config_.checkpointPath.isEmpty())
        writeCheckpoint(config_.checkpointPath, model_, optimizer_, config_, dataset_);
    } else if (progress.best.empty()) {
      outcome.validation = evaluator_.evaluate(validCases);
    }
    outcome.status = RunStatus::Finished;
  }
  return outcome;
}

}  // namespace irl4rec::train
