#include "core/train/recorded_run.h"

#include "core/train/config_fields.h"

#include "core/analysis/run_projections.h"
#include "core/store/metric_writer.h"
#include "core/store/run_store.h"

#include <QDir>
#include <QFileInfo>

#include <exception>
#include <optional>

namespace irl4rec::train {

QString RecordedRun::statePathFor(const QString& storePath, qint64 runId) {
  return QStringLiteral("%1/states/run-%2.state").arg(QFileInfo(storePath).absolutePath()).arg(runId);
}

std::vector<std::pair<QString, double>> RecordedRun::rankingValues(const QString& prefix,
                                                                  const eval::RankingMetrics& m) {
  std::vector<std::pair<QString, double>> values;
  for (size_t i = 0; i < eval::kCutoffs.size(); ++i) {
    const int k = eval::kCutoffs[i];
    values.emplace_back(metric::ranking(prefix, QStringLiteral("hr"), k), m.hr[i]);
    values.emplace_back(metric::ranking(prefix, QStringLiteral("ndcg"), k), m.ndcg[i]);
    values.emplace_back(metric::ranking(prefix, QStringLiteral("mrr"), k), m.mrr[i]);
  }
  return values;
}

namespace {

/// One metric row, with the direction its key implies (the store applies no rule of its own).
void logMetric(store::MetricWriter& writer, const QString& key, qint64 step, qint32 epoch, double value) {
  writer.log(key, step, epoch, value, metric::direction(key));
}

void logRanking(store::MetricWriter& writer, const QString& prefix, const eval::RankingMetrics& m,
                qint64 step, qint32 epoch) {
  for (const auto& [key, value] : RecordedRun::rankingValues(prefix, m)) logMetric(writer, key, step, epoch, value);
}

RunOutcome failed(const QString& message) {
  RunOutcome outcome;
  outcome.status = RunStatus::Failed;
  outcome.message = message;
  return outcome;
}

/// The dataset's row in the store (added or updated) and its fingerprint, which the runs' group
/// keys carry.
struct StoredDataset {
  qint64 id = 0;
  QString fingerprint;
};

Expected<StoredDataset> upsertDataset(store::RunStore& store, const data::Dataset& dataset) {
  store::DatasetRecord record;
  const data::DatasetStats stats = dataset.stats();
  record.name = dataset.name;
  record.path = dataset.sourcePath;
  record.format = data::formatName(dataset.format);
  record.fingerprint = stats.fingerprint;
  record.stats = data::statsToJson(dataset, stats);
  auto id = store.upsertDataset(record);
  if (!id.ok()) return id.error();
  return StoredDataset{id.value(), record.fingerprint};
}

Expected<store::RunInfo> createRun(store::RunStore& store, const StoredDataset& dataset,
                           const TrainConfig& config, const QString& name, store::RunStatus status,
                           const QString& uuid = {}, const QStringList& tags = {}) {
  store::NewRun run;
  run.uuid = uuid;
  run.tags = tags;
  run.name = name;
  run.config = config.toJson();
  run.groupKey = groupKey(run.config, dataset.fingerprint);
  run.datasetId = dataset.id;
  run.status = status;
  return store.createRun(run);
}

}  // namespace

Expected<std::vector<store::RunInfo>> RecordedRun::createQueued(const QString& storePath,
                                                        const data::Dataset& dataset,
                                                        const std::vector<TrainConfig>& configs,
                                                        const QStringList& names) {
  store::RunStore store;
  if (Status s = store.open(storePath); !s.ok()) return s.error();
  auto stored = upsertDataset(store, dataset);
  if (!stored.ok()) return stored.error();
  std::vector<store::RunInfo> runs;
  for (size_t i = 0; i < configs.size(); ++i) {
    auto run = createRun(store, stored.value(), configs[i], names.value(int(i)),
                         store::RunStatus::Queued);
    if (!run.ok()) return run.error();
    runs.push_back(std::move(run).value());
  }
  return runs;
}

RecordedRun::RecordedRun(Setup setup) : setup_(std::move(setup)), runId_(setup_.runId) {}

RecordedRun::~RecordedRun() = default;

void RecordedRun::cancel() {
  cancelRequested_.store(true);
  if (RunController* c = controller_.load()) c->cancel();
}

RunOutcome RecordedRun::run(const RunCallbacks& callbacks) {
  try {
    store::RunStore store;
    if (Status s = store.open(setup_.storePath); !s.ok()) return failed(s.error().message());
    if (runId_ == 0) {
      auto stored = upsertDataset(store, *setup_.dataset);
      if (!stored.ok()) return failed(stored.error().message());
      auto id = createRun(store, stored.value(), setup_.config, setup_.name,
                          store::RunStatus::Running, setup_.uuid, setup_.tags);
      if (!id.ok()) return failed(id.error().message());
      runId_ = id.value().id;
    }
    auto info = store.run(runId_);
    if (!info.ok()) return failed(info.error().message());
    uuid_ = info.value().uuid;

    TrainConfig config = setup_.config;
    if (config.checkpointPath.isEmpty()) {
      const QString dir = setup_.checkpointDir.isEmpty()
                              ? QFileInfo(store.path()).absolutePath() + QStringLiteral("/checkpoints")
                              : setup_.checkpointDir;
      QDir().mkpath(dir);
      config.checkpointPath = QStringLiteral("%1/%2.ckpt").arg(dir, uuid_);
    }

    if (Status s = store.setStatus(runId_, store::RunStatus::Running); !s.ok()) {
      return failed(s.error().message());
    }
    if (cancelRequested_.load()) {
      store.setStatus(runId_, store::RunStatus::Cancelled, QStringLiteral("cancelled before it started"));
      RunOutcome outcome;
      outcome.status = RunStatus::Cancelled;
      outcome.message = QStringLiteral("cancelled before it started");
      return outcome;
    }
    auto writerOr = store::MetricWriter::create(store.path(), runId_);
    if (!writerOr.ok()) {
      store.setStatus(runId_, store::RunStatus::Failed, writerOr.error().message());
      return failed(writerOr.error().message());
    }
    store::MetricWriter& writer = *writerOr.value();

    RunController controller(setup_.dataset, config);
    controller.setStatePath(setup_.statePath);
    controller_.store(&controller);
    if (cancelRequested_.load()) controller.cancel();

    RunCallbacks recording;
    int64_t lastStep = 0;
    // A store that stops taking rows (full disk, file size limit, damaged file) ends the run
    // before its next batch instead of training for hours with nothing recorded.
    std::optional<Error> storeError;
    recording.onStep = [&](const StepProgress& p) {
      if (!storeError) {
        if (const Status s = writer.status(); !s.ok()) {
          storeError = s.error();
          controller.cancel();
        }
      }
      lastStep = p.step;
      logMetric(writer, metric::kRecT, p.step, p.epoch, p.recT);
      if (config.hasConfounder()) logMetric(writer, metric::kAlphaRecS, p.step, p.epoch, p.alphaRecS);
      if (config.model == ModelKind::Irl4Rec) logMetric(writer, metric::kBetaC, p.step, p.epoch, p.betaCompression);
      if (config.hasConfounder()) logMetric(writer, metric::kGammaD, p.step, p.epoch, p.gammaDependence);
      logMetric(writer, metric::kTotal, p.step, p.epoch, p.total);
      if (callbacks.onStep) callbacks.onStep(p);
    };
    recording.onEpoch = [&](const EpochProgress& p) {
      lastStep = p.step;  // also for epochs replayed by a resumed run, which report no steps
      logMetric(writer, metric::kEpochLoss, lastStep, p.epoch, p.meanLoss);
      logMetric(writer, QStringLiteral("time/epoch_seconds"), lastStep, p.epoch, p.trainSeconds);
      if (p.evaluated) logRanking(writer, QStringLiteral("val"), p.validation, lastStep, p.epoch);
      if (callbacks.onEpoch) callbacks.onEpoch(p);
    };
    recording.onLog = callbacks.onLog;

    RunOutcome outcome = controller.run(recording);
    controller_.store(nullptr);

    if (outcome.status == RunStatus::Finished) {
      logRanking(writer, QStringLiteral("test"), outcome.test, lastStep, outcome.bestEpoch);
      if (setup_.extraMetrics) {
        for (const auto& [key, value] : setup_.extraMetrics(controller)) {
          logMetric(writer, key, lastStep, outcome.bestEpoch, value);
        }
      }
    }
    const Status written = writer.close();
    if (!written.ok() && !storeError) storeError = written.error();
    // The first result the store did not take (the rest are tried anyway: they may fit).
    auto keep = [&](const Status& s) {
      if (!s.ok() && !storeError) storeError = s.error();
    };
    if (outcome.status == RunStatus::Finished && QFileInfo::exists(config.checkpointPath)) {
      auto recorded =
          store.addCheckpoint(runId_, config.checkpointPath, outcome.bestEpoch, lastStep, true);
      if (!recorded.ok()) keep(recorded.error());
    }
    if (outcome.status == RunStatus::Finished && setup_.saveEmbeddings) {
      auto embeddings = controller.embeddings(data::Stage::Test);
      if (embeddings.ok()) {
        const RunEmbeddings& e = embeddings.value();
        const std::pair<const QString*, const EmbeddingMatrix*> kinds[] = {
            {&store::kind::kAdjustment, &e.adjustment},
            {&store::kind::kSpurious, &e.spurious},
            {&store::kind::kItem, &e.items},
            {&store::kind::kItemAttribute, &e.itemAttributes}};
        for (const auto& [kind, matrix] : kinds) {
          if (matrix->rows == 0) continue;
          if (Status s = store.saveEmbeddings(runId_, *kind, *matrix); !s.ok()) {
            keep(s);
            if (callbacks.onLog) callbacks.onLog(QStringLiteral("embeddings not stored: ") + s.error().message());
          }
        }
        // What the explorer shows without computing: PCA of t, s and the items, and each user's
        // test rank (full ranking, history masked) for the top-10 colouring and hover.
        const Status projected = analysis::savePcaProjections(
            store, runId_, {{store::kind::kAdjustment, &e.adjustment},
                            {store::kind::kSpurious, &e.spurious},
                            {store::kind::kItem, &e.items}});
        keep(projected);
        if (!projected.ok() && callbacks.onLog)
          callbacks.onLog(QStringLiteral("projections not stored: ") + projected.error().message());
        auto ranks = controller.ranks(data::Stage::Test);
        Status rankStatus = ranks.ok() ? store.saveEmbeddings(runId_, analysis::kTestRankKind,
                                                              analysis::ranksToMatrix(
                                                                  ranks.value().users,
                                                                  ranks.value().ranks))
                                       : Status(ranks.error());
        if (ranks.ok()) keep(rankStatus);
        if (!rankStatus.ok() && callbacks.onLog)
          callbacks.onLog(QStringLiteral("test ranks not stored: ") + rankStatus.error().message());
        // Tokens and attributes for colouring and exports when the dataset file is not at hand.
        if (info.value().datasetId > 0) {
          const Status labelled = analysis::saveDatasetLabels(store, info.value().datasetId, *setup_.dataset);
          keep(labelled);
          if (!labelled.ok() && callbacks.onLog)
            callbacks.onLog(QStringLiteral("labels not stored: ") + labelled.error().message());
        }
      } else if (callbacks.onLog) {
        callbacks.onLog(QStringLiteral("embeddings not available: ") + embeddings.error().message());
      }
    }
    if (storeError) {
      // A run whose results are not all in the store failed, whatever the model did (a
      // cancel is the one this function asked for above).
      const QString ended = outcome.status == RunStatus::Cancelled || outcome.message.isEmpty()
                                ? QString()
                                : QStringLiteral(" (the run itself: %1)").arg(outcome.message);
      outcome.status = RunStatus::Failed;
      outcome.message = QStringLiteral("the run store stopped taking its results: ") +
                        storeError->message() + ended;
    }
    if (Status s = store.setStatus(runId_, outcome.status, outcome.message); !s.ok()) {
      // Regression: this result used to be ignored, so a run whose end was never written
      // exited 0 and showed as running (then interrupted).
      if (storeError) {
        outcome.message += QStringLiteral("; its end was not recorded either");
      } else {
        const QString what = QStringLiteral("its end (%1) could not be recorded: %2")
                                 .arg(toString(outcome.status), s.error().message());
        outcome.message = outcome.message.isEmpty() ? QStringLiteral("the run ended but ") + what
                                                    : outcome.message + QStringLiteral("; ") + what;
      }
      outcome.status = RunStatus::Failed;
    }
    return outcome;
  } catch (const std::exception& e) {
    // RunController never throws; this is the store or a bug. Record what we can.
    controller_.store(nullptr);
    const QString message = QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what()));
    store::RunStore store;
    if (runId_ != 0 && store.open(setup_.storePath).ok()) {
      store.setStatus(runId_, store::RunStatus::Failed, message);
    }
    return failed(message);
  }
}

}  // namespace irl4rec::train
