// irl4rec train | eval: the training core from the command line.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/application/launch.h"
#include "core/common/files.h"
#include "core/data/readers.h"
#include "core/eval/reference_models.h"
#include "core/store/run_store.h"
#include "core/train/config_fields.h"
#include "core/train/recipes.h"
#include "core/train/recorded_run.h"
#include "core/train/run_controller.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <functional>
#include <optional>

namespace irl4rec::cli {

namespace {

const char* const kTrainUsage =
    "usage: irl4rec train --data PATH [options]\n"
    "  --model baseline|irl4rec        (baseline)\n"
    "  --encoder gru4rec|sasrec|bert4rec (sasrec)\n"
    "  --loss bce|bpr|sampled-ce|ce    (sampled-ce)   --negatives N (256, sampled-ce)\n"
    "  --ce-kernel fused|aten          full CE computed in fused row chunks (fused, default)\n"
    "                                  or as ATen's logits matrix + cross_entropy (aten)\n"
    "  --alpha A --beta B --gamma G    Irl4Rec weights (0)\n"
    "  --compression l2|kl             C(t) (l2)      --dependence xcorr|hsic  D(t,s) (xcorr)\n"
    "  --no-confounder                 Irl4Rec without the attribute branch\n"
    "  --no-noise                      Irl4Rec with t = mu also in training\n"
    "  --hidden N (64) --layers N (2) --heads N (2) --dropout P (0.5) --max-length N (50)\n"
    "  --mask-ratio P (0.2, bert4rec)  --norm post|pre|kang  Transformer LayerNorm placement\n"
    "                                  (post: S3-Rec; pre: pre-LN with a final LayerNorm; kang:\n"
    "                                  Kang & McAuley's original block, queries normalised)\n"
    "  --ffn gelu-4d|relu-d|gelu-4d-dropout  Transformer feed-forward (gelu-4d; gelu-4d-dropout:\n"
    "                                  also dropout between the layers, as nn.TransformerEncoderLayer)\n"
    "  --init normal|xavier|xavier-clamp  N(0, 0.02), Xavier-normal, or Xavier-normal clamped to\n"
    "                                  +-0.02 with Xavier-uniform q/k/v (Xu et al.'s BERT4Rec) (normal)\n"
    "  --pad-keys                      norm kang: padding keys visible to attention, as in\n"
    "                                  left-padded implementations without a padding mask\n"
    "  --no-cloze-last, --cloze-last   bert4rec: a row that drew no mask carries no loss that\n"
    "                                  step, or has its last item masked (the default; recipe\n"
    "                                  xu2024-bert4rec-ce says no)\n"
    "  --lr X (1e-3) --weight-decay X (0) --batch N (256) --epochs N (200) --patience N (20)\n"
    "  --eval-every N (1) --seed N (42)\n"
    "  --threads N (1)                 threads sharing the full-CE kernel and the evaluation\n"
    "  --eval-batch N (512)            users per evaluation batch (by history length); it can\n"
    "                                  move near-ties by float rounding (2 of 22,363 Beauty\n"
    "                                  users between 512 and 2048)\n"
    "  --batching length|random        batches of similar lengths (length) or shuffled users\n"
    "                                  (random: every target position weighs the same)\n"
    "  --split-batches                 compute each batch as sub-batches of similar lengths\n"
    "                                  (same loss, other dropout draws; ~2x faster with random)\n"
    "  --negative-pool sequence|train  BCE/BPR negatives never from the user's whole sequence\n"
    "                                  (S3-Rec: the held-out items leak in) or only from its\n"
    "                                  training prefix (train: Xu et al.'s unseen pool)\n"
    "  --encoder-groups N (1)          each batch's encoder work as N groups computed at once\n"
    "                                  on the --threads (same loss, other dropout draws; the\n"
    "                                  numbers depend on N, never on the threads). 2 with\n"
    "                                  --threads 2: BCE epochs ~1.3x, sampled CE ~1.7x faster\n"
    "  --protocol full|sampled|refit   full: all items, history masked; sampled: 99 negatives;\n"
    "                                  refit: train on train + validation for exactly --epochs\n"
    "                                  epochs (no validation, no early stopping), test the last\n"
    "                                  epoch once, full ranking; labelled trained_on_validation\n"
    "  --sampled-negatives N (99)      negatives per user of the sampled protocol\n"
    "  --checkpoint FILE               write the best-validation checkpoint here\n"
    "  --state FILE                    resumable run: the training state is saved here after\n"
    "                                  every epoch; if FILE exists, training continues from\n"
    "                                  it (same numbers as an uninterrupted run); removed when\n"
    "                                  the run finishes\n"
    "  --test-data PATH                also report test metrics on another dataset's test\n"
    "                                  targets (users/items matched by token; shift gap)\n"
    "  --config FILE                   start from a JSON config (flags override it)\n"
    "  --recipe NAME|FILE              start from a named recipe (irl4rec recipes list) or a\n"
    "                                  recipe .json file; flags override it\n"
    "  --db FILE                       run store (default: $IRL4REC_DB or\n"
    "                                  ~/.local/share/irl4rec/runs.sqlite)\n"
    "  --name NAME                     name of the run in the store\n"
    "  --no-store                      do not record the run\n"
    "  --json                          final metrics as one JSON object on stdout\n"
    "  --quiet                         no progress on stderr\n"
    "  --no-cache                      do not use the dataset cache\n";

const char* const kEvalUsage =
    "usage:\n"
    "  irl4rec eval --checkpoint FILE [--data PATH] [--test-data PATH] [--protocol full|sampled]\n"
    "               [--threads N] [--json]\n"
    "  irl4rec eval --data PATH --reference pop|constant|random [--protocol full|sampled]\n"
    "               [--json]\n";

QJsonObject datasetJson(const data::Dataset& d) {
  const data::DatasetStats s = d.stats();
  QJsonObject o;
  o[QStringLiteral("name")] = d.name;
  o[QStringLiteral("path")] = d.sourcePath;
  o[QStringLiteral("users")] = double(s.users);
  o[QStringLiteral("items")] = double(s.items);
  o[QStringLiteral("interactions")] = double(s.interactions);
  o[QStringLiteral("attributes")] = double(s.attributes);
  o[QStringLiteral("mean_length")] = s.meanLength;
  o[QStringLiteral("users_train_only")] = double(s.usersTrainOnly);
  o[QStringLiteral("fingerprint")] = s.fingerprint;
  return o;
}

Expected<data::Dataset> load(const QString& path, bool noCache) {
  data::LoadOptions options;
  options.useCache = !noCache;
  return data::loadDataset(path, options);
}

/// The `irl4rec train` flags that are not settings of the configuration.
const char* const kTrainValueFlags[] = {"--test-data", "--config", "--db", "--name", "--recipe", "--state"};
const char* const kTrainSwitches[] = {"--json", "--quiet", "--no-cache", "--no-store"};

/// Value flags and switches of `irl4rec train`: the configuration's (from its field table,
/// core/train/config_fields.h) and the command's own.
std::pair<QStringList, QStringList> trainFlags() {
  QStringList values, switches;
  for (const train::ConfigField& field : train::configFields()) {
    if (!field.flag.isEmpty()) values << field.flag;
    for (const QString& s : {field.onSwitch, field.offSwitch})
      if (!s.isEmpty()) switches << s;
  }
  for (const char* v : kTrainValueFlags) values << QLatin1String(v);
  for (const char* v : kTrainSwitches) switches << QLatin1String(v);
  return {values, switches};
}

/// Applies the configuration's flags to `c` (loops over the field table); an empty string on
/// success, else the one-line reason.
QString applyTrainFlags(const Flags& f, train::TrainConfig& c) {
  for (const train::ConfigField& field : train::configFields()) {
    if (!field.onSwitch.isEmpty() && !field.offSwitch.isEmpty() && f.on(qPrintable(field.onSwitch)) &&
        f.on(qPrintable(field.offSwitch)))
      return QStringLiteral("%1 and %2 exclude each other").arg(field.onSwitch, field.offSwitch);
    if (!field.onSwitch.isEmpty() && f.on(qPrintable(field.onSwitch))) field.set(c, true);
    if (!field.offSwitch.isEmpty() && f.on(qPrintable(field.offSwitch))) field.set(c, false);
    if (field.flag.isEmpty() || !f.has(qPrintable(field.flag))) continue;
    const QString text = f.value(qPrintable(field.flag));
    // "--protocol refit" is the training protocol (train + validation, `epochs` epochs, no
    // selection; the ranking stays full); the other values choose the ranking.
    if (field.key == QLatin1String("eval_protocol") && text == QLatin1String("refit")) {
      c.refit = true;
      continue;
    }
    if (QString why = train::applyFlagText(field, c, text); !why.isEmpty()) {
      if (field.key == QLatin1String("eval_protocol")) why += QStringLiteral(" (or refit)");
      return why;
    }
  }
  return QString();
}

/// Progress lines on stderr.
train::RunCallbacks progressCallbacks(bool quiet) {
  train::RunCallbacks cb;
  if (quiet) return cb;
  cb.onEpoch = [](const train::EpochProgress& p) {
    QString line = QStringLiteral("%5epoch %1/%2  loss %3  train %4 s")
                       .arg(p.epoch)
                       .arg(p.epochs)
                       .arg(p.meanLoss, 0, 'f', 4)
                       .arg(p.trainSeconds, 0, 'f', 2)
                       .arg(p.resumed ? QStringLiteral("(restored) ") : QString());
    if (p.evaluated)
      line += QStringLiteral("  eval %1 s  valid HR@10 %2 NDCG@10 %3%4")
                  .arg(p.evalSeconds, 0, 'f', 2)
                  .arg(p.validation.hrAt(10), 0, 'f', 4)
                  .arg(p.validation.ndcgAt(10), 0, 'f', 4)
                  .arg(p.improved ? QStringLiteral(" *") : QString());
    // Nothing validated yet (or never: the refit protocol) prints no best.
    if (p.bestValidationNdcg10 > 0)
      line += QStringLiteral("  best %1 @%2").arg(p.bestValidationNdcg10, 0, 'f', 4).arg(p.bestEpoch);
    line += QStringLiteral("  ETA %1 s\n").arg(p.etaSeconds, 0, 'f', 0);
    err(line);
  };
  cb.onLog = [](const QString& s) { err(s + QLatin1Char('\n')); };
  return cb;
}

/// Test metrics of `controller` on `path`'s test targets (the synthetic shift benchmark).
Expected<eval::RankingMetrics> evaluateOnOther(const train::RunController& controller,
                                               const QString& path, bool noCache) {
  auto other = load(path, noCache);
  if (!other) return other.error();
  return controller.evaluateOn(other.value());
}

}  // namespace

int runTrain(const QStringList& args) {
  if (args.contains(QLatin1String("--help")) || args.contains(QLatin1String("-h"))) {
    out(QString::fromUtf8(kTrainUsage));
    return kExitOk;
  }
  const auto [valueFlags, switchFlags] = trainFlags();
  const Flags f = parseFlags(args, valueFlags, switchFlags);
  if (!f.error.isEmpty()) return badInput(QStringLiteral("train: %1").arg(f.error));

  train::TrainConfig config;
  QString recipeName;
  if (f.has("--recipe")) {
    if (f.has("--config")) return badInput(QStringLiteral("train: --recipe and --config exclude each other"));
    auto recipe = train::findRecipe(f.value("--recipe"));
    if (!recipe) return badInput(recipe.error());
    config = recipe.value().config;
    recipeName = QStringLiteral("%1-v%2").arg(recipe.value().name).arg(recipe.value().version);
  }
  if (f.has("--config")) {
    auto object = readJsonObjectFile(f.value("--config"));
    if (!object) return badInput(object.error());
    auto parsed = train::TrainConfig::fromJson(object.value());
    if (!parsed) return badInput(Error::at(f.value("--config"), 0, parsed.error().cause));
    config = parsed.value();
  }
  if (const QString why = applyTrainFlags(f, config); !why.isEmpty())
    return badInput(QStringLiteral("train: %1").arg(why));
  if (config.dataPath.isEmpty()) return badInput(QStringLiteral("train: missing --data PATH"));
  if (Status s = config.validate(); !s) return badInput(QStringLiteral("train: %1").arg(s.error().message()));

  auto loaded = load(config.dataPath, f.on("--no-cache"));
  if (!loaded) return badInput(loaded.error());
  auto dataset = std::make_shared<const data::Dataset>(std::move(loaded.value()));
  // The launch checks the workbench runs too (application layer): rules, memory, dataset.
  if (Status s = application::LaunchChecks(dataset).check(config); !s)
    return badInput(QStringLiteral("train: %1").arg(s.error().message()));
  // Load the shift-benchmark targets before training so that a bad path fails early.
  std::shared_ptr<const data::Dataset> other;
  if (f.has("--test-data")) {
    auto o = load(f.value("--test-data"), f.on("--no-cache"));
    if (!o) return badInput(o.error());
    other = std::make_shared<const data::Dataset>(std::move(o.value()));
  }

  const bool quiet = f.on("--quiet");
  if (!quiet) {
    const auto s = dataset->stats();
    err(QStringLiteral("irl4rec: %1: %2 users, %3 items, %4 interactions; %5 %6 %7 loss, "
                       "alpha %8 beta %9 gamma %10, seed %11, %12 threads\n")
            .arg(dataset->name)
            .arg(s.users)
            .arg(s.items)
            .arg(s.interactions)
            .arg(train::toString(config.model), train::toString(config.encoder),
                 train::toString(config.loss))
            .arg(config.alpha)
            .arg(config.beta)
            .arg(config.gamma)
            .arg(config.seed)
            .arg(config.threads));
  }
  const QString statePath =
      f.has("--state") ? QFileInfo(f.value("--state")).absoluteFilePath() : QString();
  if (!statePath.isEmpty()) {
    if (Status s = train::RunController::checkState(statePath, *dataset, config); !s)
      return badInput(s.error());
  }
  // Every run is recorded in the store unless --no-store: the store is opened (and a bad file
  // refused) before training starts.
  const bool record = !f.on("--no-store");
  const QString dbPath = f.has("--db") ? f.value("--db") : store::RunStore::defaultPath();
  if (record) {
    store::RunStore probe;
    if (Status s = probe.open(dbPath); !s) return badInput(s.error());
    if (Status s = probe.checkWritable(); !s) return badInput(s.error());
  }
  std::optional<eval::RankingMetrics> shifted;
  QString shiftError;
  auto evaluateShift = [&](const train::RunController& controller) {
    std::vector<std::pair<QString, double>> values;
    if (!other) return values;
    auto m = controller.evaluateOn(*other);
    if (!m) {
      shiftError = m.error().message();
      return values;
    }
    shifted = m.value();
    return train::RecordedRun::rankingValues(QStringLiteral("shift"), m.value());
  };
  // Per-epoch record for --json: what a results table or a trajectory plot needs.
  QJsonArray history;
  int resumedAfter = 0;
  auto recordEpoch = [&history, &resumedAfter](const train::EpochProgress& p) {
    if (p.resumed) resumedAfter = p.epoch;
    QJsonObject e;
    e[QStringLiteral("epoch")] = p.epoch;
    e[QStringLiteral("loss")] = p.meanLoss;
    e[QStringLiteral("train_seconds")] = p.trainSeconds;
    if (p.evaluated) {
      e[QStringLiteral("eval_seconds")] = p.evalSeconds;
      e[QStringLiteral("valid_hr10")] = p.validation.hrAt(10);
      e[QStringLiteral("valid_ndcg10")] = p.validation.ndcgAt(10);
    }
    history.append(e);
  };
  train::RunOutcome o;
  QString runUuid;
  if (record) {
    train::RecordedRun::Setup setup;
    setup.dataset = dataset;
    setup.config = config;
    setup.storePath = dbPath;
    setup.name = f.has("--name") ? f.value("--name") : recipeName;
    setup.extraMetrics = evaluateShift;
    setup.statePath = statePath;
    train::RecordedRun run(setup);
    train::RunCallbacks callbacks = progressCallbacks(quiet);
    auto announced = std::make_shared<bool>(false);
    auto onEpoch = callbacks.onEpoch;
    callbacks.onEpoch = [&run, announced, quiet, dbPath, onEpoch,
                         &recordEpoch](const train::EpochProgress& p) {
      recordEpoch(p);
      if (!*announced && !quiet) {
        err(QStringLiteral("irl4rec: run %1 recorded in %2\n").arg(run.uuid(), dbPath));
        *announced = true;
      }
      if (onEpoch) onEpoch(p);
    };
    o = run.run(callbacks);
    runUuid = run.uuid();
  } else {
    train::RunController controller(dataset, config);
    controller.setStatePath(statePath);
    train::RunCallbacks callbacks = progressCallbacks(quiet);
    auto onEpoch = callbacks.onEpoch;
    callbacks.onEpoch = [&recordEpoch, onEpoch](const train::EpochProgress& p) {
      recordEpoch(p);
      if (onEpoch) onEpoch(p);
    };
    o = controller.run(callbacks);
    if (o.status == train::RunStatus::Finished) evaluateShift(controller);
  }

  QJsonObject result;
  result[QStringLiteral("status")] = train::toString(o.status);
  if (!o.message.isEmpty()) result[QStringLiteral("message")] = o.message;
  if (o.status == train::RunStatus::Diverged)
    result[QStringLiteral("diverged_step")] = double(o.divergedStep);
  result[QStringLiteral("config")] = config.toJson();
  if (!recipeName.isEmpty()) result[QStringLiteral("recipe")] = recipeName;
  result[QStringLiteral("dataset")] = datasetJson(*dataset);
  result[QStringLiteral("epochs_run")] = o.epochsRun;
  result[QStringLiteral("best_epoch")] = o.bestEpoch;
  result[QStringLiteral("early_stopped")] = o.earlyStopped;
  result[QStringLiteral("seconds")] = o.seconds;
  result[QStringLiteral("history")] = history;
  if (resumedAfter > 0) result[QStringLiteral("resumed_after_epoch")] = resumedAfter;
  result[QStringLiteral("machine")] = train::machineJson(config.threads);
  if (!config.refit && (o.bestEpoch > 0 || o.status == train::RunStatus::Finished))
    result[QStringLiteral("validation")] = o.validation.toJson();
  if (!runUuid.isEmpty()) {
    result[QStringLiteral("run")] = runUuid;
    result[QStringLiteral("db")] = QFileInfo(dbPath).absoluteFilePath();
  }
  if (o.status == train::RunStatus::Finished) {
    result[QStringLiteral("test")] = o.test.toJson();
    if (!shiftError.isEmpty()) return badInput(shiftError);
    if (shifted) {
      QJsonObject shift;
      shift[QStringLiteral("path")] = other->sourcePath;
      shift[QStringLiteral("test")] = shifted->toJson();
      shift[QStringLiteral("gap_hr10")] = o.test.hrAt(10) - shifted->hrAt(10);
      result[QStringLiteral("test_data")] = shift;
    }
  }
  if (f.on("--json")) {
    out(QString::fromUtf8(QJsonDocument(result).toJson(QJsonDocument::Compact)) + QLatin1Char('\n'));
  } else if (o.status == train::RunStatus::Finished) {
    if (config.refit)
      out(QStringLiteral("refit: trained on train + validation for %1 epochs, no validation\n"
                         "test       %2\n")
              .arg(o.epochsRun)
              .arg(o.test.summary()));
    else
      out(QStringLiteral("best epoch %1 of %2\nvalidation %3\ntest       %4\n")
              .arg(o.bestEpoch)
              .arg(o.epochsRun)
              .arg(o.validation.summary(), o.test.summary()));
    if (result.contains(QStringLiteral("test_data")))
      out(QStringLiteral("shift gap HR@10 %1\n")
              .arg(result[QStringLiteral("test_data")].toObject()[QStringLiteral("gap_hr10")].toDouble(), 0, 'f', 4));
  }
  if (o.status != train::RunStatus::Finished) {
    err(QStringLiteral("irl4rec: run %1%2\n")
            .arg(train::toString(o.status),
                 o.message.isEmpty() ? QString() : QStringLiteral(": ") + o.message));
    return kExitFailure;
  }
  return kExitOk;
}

int runEval(const QStringList& args) {
  if (args.contains(QLatin1String("--help")) || args.contains(QLatin1String("-h"))) {
    out(QString::fromUtf8(kEvalUsage));
    return kExitOk;
  }
  const QStringList valueFlags = {QStringLiteral("--checkpoint"), QStringLiteral("--data"),
                                  QStringLiteral("--test-data"),  QStringLiteral("--protocol"),
                                  QStringLiteral("--threads"),    QStringLiteral("--reference"),
                                  QStringLiteral("--seed")};
  const QStringList switchFlags = {QStringLiteral("--json"), QStringLiteral("--no-cache")};
  const Flags f = parseFlags(args, valueFlags, switchFlags);
  if (!f.error.isEmpty()) return badInput(QStringLiteral("eval: %1").arg(f.error));
  bool sampled = false;
  if (f.has("--protocol")) {
    auto p = train::parseEvalProtocol(f.value("--protocol"));
    if (!p) return badInput(QStringLiteral("eval: %1").arg(p.error().cause));
    sampled = p.value() == train::EvalProtocol::Sampled;
  }
  QJsonObject result;

  if (f.has("--reference")) {
    if (f.has("--checkpoint")) return badInput(QStringLiteral("eval: --reference and --checkpoint exclude each other"));
    if (!f.has("--data")) return badInput(QStringLiteral("eval: --reference needs --data PATH"));
    auto model = eval::parseReferenceModel(f.value("--reference"));
    if (!model) return badInput(QStringLiteral("eval: %1").arg(model.error().cause));
    uint64_t seed = 42;
    if (f.has("--seed")) seed = f.value("--seed").toULongLong();
    auto loaded = load(f.value("--data"), f.on("--no-cache"));
    if (!loaded) return badInput(loaded.error());
    const data::Dataset& d = loaded.value();
    auto valid = eval::evaluateReference(d, data::Stage::Validation, model.value(), sampled, seed);
    if (!valid) return badInput(QStringLiteral("eval: %1").arg(valid.error().message()));
    auto test = eval::evaluateReference(d, data::Stage::Test, model.value(), sampled, seed);
    if (!test) return badInput(QStringLiteral("eval: %1").arg(test.error().message()));
    result[QStringLiteral("reference")] = f.value("--reference");
    result[QStringLiteral("dataset")] = datasetJson(d);
    result[QStringLiteral("validation")] = valid.value().toJson();
    result[QStringLiteral("test")] = test.value().toJson();
    if (f.on("--json"))
      out(QString::fromUtf8(QJsonDocument(result).toJson(QJsonDocument::Compact)) + QLatin1Char('\n'));
    else
      out(QStringLiteral("validation %1\ntest       %2\n").arg(valid.value().summary(), test.value().summary()));
    return kExitOk;
  }

  if (!f.has("--checkpoint")) return badInput(QStringLiteral("eval: missing --checkpoint FILE (or --reference)"));
  const QString path = f.value("--checkpoint");
  auto config = train::RunController::readCheckpointConfig(path);
  if (!config) return badInput(config.error());
  const QString dataPath = f.has("--data") ? f.value("--data") : config.value().dataPath;
  auto loaded = load(dataPath, f.on("--no-cache"));
  if (!loaded) return badInput(loaded.error());
  auto dataset = std::make_shared<const data::Dataset>(std::move(loaded.value()));
  train::RunController controller(dataset, config.value());
  if (Status s = controller.loadCheckpoint(path); !s) return badInput(s.error());
  {
    train::EvalProtocol protocol = controller.config().evalProtocol;
    if (f.has("--protocol"))
      protocol = sampled ? train::EvalProtocol::Sampled : train::EvalProtocol::Full;
    int threads = controller.config().threads;
    if (f.has("--threads") && (!toInt(f.value("--threads"), threads) || threads < 0))
      return badInput(QStringLiteral("eval: --threads must be an integer >= 0"));
    controller.setEvaluationSettings(protocol, threads);
  }
  // A refit model was trained on the validation items: it has no validation.
  const bool refit = controller.config().refit;
  Expected<eval::RankingMetrics> valid = eval::RankingMetrics();
  if (!refit) valid = controller.evaluate(data::Stage::Validation);
  if (!valid) return badInput(valid.error());
  auto test = controller.evaluate(data::Stage::Test);
  if (!test) return badInput(test.error());
  result[QStringLiteral("checkpoint")] = QFileInfo(path).absoluteFilePath();
  result[QStringLiteral("config")] = controller.config().toJson();
  result[QStringLiteral("dataset")] = datasetJson(*dataset);
  if (!refit) result[QStringLiteral("validation")] = valid.value().toJson();
  result[QStringLiteral("test")] = test.value().toJson();
  if (f.has("--test-data")) {
    auto shifted = evaluateOnOther(controller, f.value("--test-data"), f.on("--no-cache"));
    if (!shifted) return badInput(shifted.error());
    QJsonObject shift;
    shift[QStringLiteral("path")] = f.value("--test-data");
    shift[QStringLiteral("test")] = shifted.value().toJson();
    shift[QStringLiteral("gap_hr10")] = test.value().hrAt(10) - shifted.value().hrAt(10);
    result[QStringLiteral("test_data")] = shift;
  }
  if (f.on("--json"))
    out(QString::fromUtf8(QJsonDocument(result).toJson(QJsonDocument::Compact)) + QLatin1Char('\n'));
  else if (refit)
    out(QStringLiteral("validation none (refit: trained on it)\ntest       %1\n").arg(test.value().summary()));
  else
    out(QStringLiteral("validation %1\ntest       %2\n").arg(valid.value().summary(), test.value().summary()));
  return kExitOk;
}

}  // namespace irl4rec::cli
