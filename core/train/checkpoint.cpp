#include "core/train/checkpoint.h"

#include "core/common/disk.h"
#include "core/train/archive_check.h"

#include <QFile>
#include <QSaveFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <mutex>
#include <sstream>

namespace irl4rec::train {
namespace {

/// Configuration keys a resumed run may change: how long and how fast it runs, not what.
const QStringList kResumableKeys = {
    QStringLiteral("epochs"),          QStringLiteral("patience"),
    QStringLiteral("threads"),         QStringLiteral("eval_batch_size"),
    QStringLiteral("checkpoint_path"), QStringLiteral("data_path")};

QJsonObject scienceOf(const TrainConfig& config) {
  QJsonObject json = config.toJson();
  for (const QString& key : kResumableKeys) json.remove(key);
  return json;
}

c10::IValue jsonValue(const QJsonObject& json) {
  return c10::IValue(QJsonDocument(json).toJson(QJsonDocument::Compact).toStdString());
}

Expected<QJsonObject> readJson(torch::serialize::InputArchive& archive, const char* key,
                               const QString& path) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString())
    return Error::at(path, 0, QStringLiteral("not an irl4rec checkpoint (no %1)").arg(QLatin1String(key)));
  QJsonParseError parseError;
  const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(value.toStringRef()), &parseError);
  if (!doc.isObject())
    return Error::at(path, 0, QStringLiteral("checkpoint %1 is not JSON: %2")
                                  .arg(QLatin1String(key), parseError.errorString()));
  return doc.object();
}

void writeModelParts(torch::serialize::OutputArchive& archive, models::RecommenderImpl& model,
                     torch::optim::Optimizer& optimizer, const TrainConfig& config,
                     const data::Dataset& dataset) {
  torch::serialize::OutputArchive modelArchive, optimizerArchive;
  model.save(modelArchive);
  optimizer.save(optimizerArchive);
  archive.write("model", modelArchive);
  archive.write("optimizer", optimizerArchive);
  archive.write("config", jsonValue(config.toJson()));
  archive.write("num_items", c10::IValue(int64_t(dataset.numItems())));
  archive.write("num_attributes", c10::IValue(int64_t(dataset.numAttributes())));
}

/// Serialises `archive` in memory and writes the bytes through QSaveFile (a temporary file
/// renamed over `path`, so a kill leaves the previous file). LibTorch's own save_to(path) throws
/// from a destructor when the disk is full, which ends the process; here a full disk is an
/// exception naming the file.
void saveArchive(torch::serialize::OutputArchive& archive, const QString& path) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  const std::string data = bytes.str();
  QSaveFile file(path);
  auto fail = [&] {
    QString cause = writeFailureCause(QFileInfo(path).absolutePath(), qint64(data.size()));
    if (cause.isEmpty()) cause = file.errorString();
    throw std::runtime_error(QStringLiteral("%1: cannot write: %2").arg(path, cause).toStdString());
  };
  if (!file.open(QIODevice::WriteOnly)) fail();
  if (file.write(data.data(), qint64(data.size())) != qint64(data.size()) || !file.commit()) fail();
}

/// One differing key of two configurations, as "lr 0.0005 (state) vs 0.001", or empty.
QString firstDifference(const QJsonObject& state, const QJsonObject& now) {
  QStringList keys = state.keys() + now.keys();
  keys.removeDuplicates();
  keys.sort();
  for (const QString& key : keys) {
    if (state.value(key) == now.value(key)) continue;
    auto text = [](const QJsonValue& v) {
      if (v.isUndefined()) return QStringLiteral("(unset)");
      return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
    };
    return QStringLiteral("%1 %2 in the state, %3 now").arg(key, text(state.value(key)), text(now.value(key)));
  }
  return QString();
}

}  // namespace

void writeCheckpoint(const QString& path, models::RecommenderImpl& model,
                     torch::optim::Optimizer& optimizer, const TrainConfig& config,
                     const data::Dataset& dataset) {
  torch::serialize::OutputArchive archive;
  writeModelParts(archive, model, optimizer, config, dataset);
  saveArchive(archive, path);
}

Expected<std::shared_ptr<OpenedCheckpoint>> openCheckpoint(const QString& path) {
  if (!QFileInfo::exists(path)) return Error::at(path, 0, QStringLiteral("no such file"));
  // LibTorch crashes on some damaged archives: the zip's own checks first.
  const auto bytes = readVerifiedTorchArchive(path, QStringLiteral("checkpoint"));
  if (!bytes) return bytes.error();
  auto opened = std::make_shared<OpenedCheckpoint>();
  try {
    // LibTorch copies every record into its own tensors while loading; the bytes can go.
    opened->archive.load_from(bytes.value().constData(), size_t(bytes.value().size()));
  } catch (const std::exception&) {
    return Error::at(path, 0, QStringLiteral("not a readable checkpoint"));
  }
  auto json = readJson(opened->archive, "config", path);
  if (!json) return json.error();
  auto config = TrainConfig::fromJson(json.value());
  if (!config) return Error::at(path, 0, config.error().cause);
  opened->config = config.value();
  c10::IValue numItems;
  if (opened->archive.try_read("num_items", numItems) && numItems.isInt())
    opened->numItems = numItems.toInt();
  return opened;
}

void loadCheckpoint(OpenedCheckpoint& checkpoint, models::RecommenderImpl& model,
                    torch::optim::Optimizer& optimizer) {
  torch::serialize::InputArchive modelArchive, optimizerArchive;
  checkpoint.archive.read("model", modelArchive);
  model.load(modelArchive);
  if (checkpoint.archive.try_read("optimizer", optimizerArchive)) optimizer.load(optimizerArchive);
}

QJsonObject toJson(const EpochProgress& p) {
  QJsonObject o;
  o[QStringLiteral("epoch")] = p.epoch;
  o[QStringLiteral("epochs")] = p.epochs;
  o[QStringLiteral("step")] = double(p.step);
  o[QStringLiteral("mean_loss")] = p.meanLoss;
  o[QStringLiteral("evaluated")] = p.evaluated;
  if (p.evaluated) o[QStringLiteral("validation")] = p.validation.toJson();
  o[QStringLiteral("improved")] = p.improved;
  o[QStringLiteral("best_epoch")] = p.bestEpoch;
  o[QStringLiteral("best_validation_ndcg10")] = p.bestValidationNdcg10;
  o[QStringLiteral("train_seconds")] = p.trainSeconds;
  o[QStringLiteral("eval_seconds")] = p.evalSeconds;
  o[QStringLiteral("elapsed_seconds")] = p.elapsedSeconds;
  o[QStringLiteral("eta_seconds")] = p.etaSeconds;
  return o;
}

EpochProgress epochProgressFromJson(const QJsonObject& o) {
  EpochProgress p;
  p.epoch = o.value(QStringLiteral("epoch")).toInt();
  p.epochs = o.value(QStringLiteral("epochs")).toInt();
  p.step = int64_t(o.value(QStringLiteral("step")).toDouble());
  p.meanLoss = o.value(QStringLiteral("mean_loss")).toDouble();
  p.evaluated = o.value(QStringLiteral("evaluated")).toBool();
  if (p.evaluated)
    p.validation = eval::RankingMetrics::fromJson(o.value(QStringLiteral("validation")).toObject());
  p.improved = o.value(QStringLiteral("improved")).toBool();
  p.bestEpoch = o.value(QStringLiteral("best_epoch")).toInt();
  p.bestValidationNdcg10 = o.value(QStringLiteral("best_validation_ndcg10")).toDouble();
  p.trainSeconds = o.value(QStringLiteral("train_seconds")).toDouble();
  p.evalSeconds = o.value(QStringLiteral("eval_seconds")).toDouble();
  p.elapsedSeconds = o.value(QStringLiteral("elapsed_seconds")).toDouble();
  p.etaSeconds = o.value(QStringLiteral("eta_seconds")).toDouble();
  return p;
}

void writeTrainingState(const QString& path, const TrainingProgress& progress,
                        models::RecommenderImpl& model, torch::optim::Optimizer& optimizer,
                        const TrainConfig& config, const data::Dataset& dataset,
                        const std::mt19937_64& batchRng, at::Generator& generator) {
  torch::serialize::OutputArchive archive;
  writeModelParts(archive, model, optimizer, config, dataset);
  archive.write("fingerprint", c10::IValue(dataset.stats().fingerprint.toStdString()));
  QJsonObject loop;
  loop[QStringLiteral("epoch")] = progress.epoch;
  loop[QStringLiteral("step")] = double(progress.step);
  loop[QStringLiteral("best_epoch")] = progress.bestEpoch;
  loop[QStringLiteral("best_ndcg")] = progress.bestNdcg;
  loop[QStringLiteral("since_best")] = progress.sinceBest;
  loop[QStringLiteral("spent_seconds")] = progress.spentSeconds;
  loop[QStringLiteral("best_validation")] = progress.bestValidation.toJson();
  QJsonArray history;
  for (const EpochProgress& p : progress.history) history.append(toJson(p));
  loop[QStringLiteral("history")] = history;
  archive.write("training", jsonValue(loop));
  for (size_t i = 0; i < progress.best.size(); ++i)
    archive.write("best_" + std::to_string(i), progress.best[i], /*is_buffer=*/true);
  archive.write("best_count", c10::IValue(int64_t(progress.best.size())));
  std::ostringstream rngText;
  rngText << batchRng;
  archive.write("batch_rng", c10::IValue(rngText.str()));
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("generator", generator.get_state(), /*is_buffer=*/true);
  }
  saveArchive(archive, path);
}

namespace {

/// Opens a training state and checks that it belongs to `config` on `dataset`.
Expected<QJsonObject> openTrainingState(const QString& path, const TrainConfig& config,
                                        const data::Dataset& dataset,
                                        torch::serialize::InputArchive& archive) {
  const auto bytes = readVerifiedTorchArchive(path, QStringLiteral("training state"));
  if (!bytes) return bytes.error();
  try {
    archive.load_from(bytes.value().constData(), size_t(bytes.value().size()));
  } catch (const std::exception&) {
    return Error::at(path, 0, QStringLiteral("not a readable training state"));
  }
  auto stateConfig = readJson(archive, "config", path);
  if (!stateConfig) return stateConfig.error();
  auto loop = readJson(archive, "training", path);
  if (!loop) return Error::at(path, 0, QStringLiteral("a checkpoint, not a training state"));
  c10::IValue fingerprint;
  if (!archive.try_read("fingerprint", fingerprint) || !fingerprint.isString() ||
      QString::fromStdString(fingerprint.toStringRef()) != dataset.stats().fingerprint)
    return Error::at(path, 0, QStringLiteral("the training state was written for another dataset"));
  auto parsed = TrainConfig::fromJson(stateConfig.value());
  if (!parsed) return Error::at(path, 0, parsed.error().cause);
  const QString difference = firstDifference(scienceOf(parsed.value()), scienceOf(config));
  if (!difference.isEmpty())
    return Error::at(path, 0, QStringLiteral("the training state belongs to another configuration "
                                             "(%1): remove it or choose another state file")
                                  .arg(difference));
  return loop;
}

}  // namespace

Status checkTrainingState(const QString& path, const TrainConfig& config,
                          const data::Dataset& dataset) {
  if (!QFileInfo::exists(path)) return Status();
  torch::serialize::InputArchive archive;
  auto loop = openTrainingState(path, config, dataset, archive);
  if (!loop) return loop.error();
  return Status();
}

Expected<bool> readTrainingState(const QString& path, const TrainConfig& config,
                                 const data::Dataset& dataset, TrainingProgress& progress,
                                 models::RecommenderImpl& model, torch::optim::Optimizer& optimizer,
                                 std::mt19937_64& batchRng, at::Generator& generator) {
  if (!QFileInfo::exists(path)) return false;
  torch::serialize::InputArchive archive;
  auto loop = openTrainingState(path, config, dataset, archive);
  if (!loop) return loop.error();
  try {
    torch::serialize::InputArchive modelArchive, optimizerArchive;
    archive.read("model", modelArchive);
    model.load(modelArchive);
    archive.read("optimizer", optimizerArchive);
    optimizer.load(optimizerArchive);
    c10::IValue count, rngText;
    archive.read("best_count", count);
    progress.best.clear();
    for (int64_t i = 0; i < count.toInt(); ++i) {
      torch::Tensor t;
      archive.read("best_" + std::to_string(i), t, /*is_buffer=*/true);
      progress.best.push_back(t);
    }
    archive.read("batch_rng", rngText);
    std::istringstream rngStream(rngText.toStringRef());
    rngStream >> batchRng;
    torch::Tensor generatorState;
    archive.read("generator", generatorState, /*is_buffer=*/true);
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(generatorState);
  } catch (const std::exception& e) {
    return Error::at(path, 0, QStringLiteral("cannot read the training state: %1").arg(QString::fromUtf8(e.what())));
  }
  const QJsonObject& l = loop.value();
  progress.epoch = l.value(QStringLiteral("epoch")).toInt();
  progress.step = int64_t(l.value(QStringLiteral("step")).toDouble());
  progress.bestEpoch = l.value(QStringLiteral("best_epoch")).toInt();
  progress.bestNdcg = l.value(QStringLiteral("best_ndcg")).toDouble(-1);
  progress.sinceBest = l.value(QStringLiteral("since_best")).toInt();
  progress.spentSeconds = l.value(QStringLiteral("spent_seconds")).toDouble();
  progress.bestValidation =
      eval::RankingMetrics::fromJson(l.value(QStringLiteral("best_validation")).toObject());
  progress.history.clear();
  for (const QJsonValue& v : l.value(QStringLiteral("history")).toArray())
    progress.history.push_back(epochProgressFromJson(v.toObject()));
  return true;
}

}  // namespace irl4rec::train
