// Temporary stub: the engine lands in the next commits. The API in run_controller.h is final.
#include "core/train/run_controller.h"

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

struct RunController::Impl {};

RunController::RunController(std::shared_ptr<const data::Dataset> dataset, TrainConfig config)
    : dataset_(std::move(dataset)), config_(std::move(config)) {}
RunController::~RunController() = default;

Status RunController::check(const data::Dataset& dataset, const TrainConfig& config) {
  if (Status s = config.validate(); !s) return s;
  if (dataset.numItems() <= 0) return Error::general(QStringLiteral("the dataset has no items"));
  data::LeaveOneOutSplit split(dataset);
  if (!split.evaluable())
    return Error::general(QStringLiteral(
        "the dataset cannot be split: no user has the 3 items leave-one-out needs"));
  if (config.hasConfounder() && !dataset.hasAttributes())
    return Error::general(QStringLiteral(
        "the confounder branch needs item attributes, and this dataset has none"));
  return Status();
}

RunOutcome RunController::run(const RunCallbacks&) {
  RunOutcome o;
  o.message = QStringLiteral("training engine not available in this build yet");
  return o;
}
bool RunController::hasModel() const { return false; }
Expected<eval::RankingMetrics> RunController::evaluate(data::Stage) const {
  return Error::general(QStringLiteral("no model"));
}
Expected<eval::RankingMetrics> RunController::evaluateOn(const data::Dataset&) const {
  return Error::general(QStringLiteral("no model"));
}
Expected<RunEmbeddings> RunController::embeddings(data::Stage) const {
  return Error::general(QStringLiteral("no model"));
}
Status RunController::saveCheckpoint(const QString& path) const {
  return Error::at(path, 0, QStringLiteral("no model"));
}
Status RunController::loadCheckpoint(const QString& path) {
  return Error::at(path, 0, QStringLiteral("not available yet"));
}
Expected<TrainConfig> RunController::readCheckpointConfig(const QString& path) {
  return Error::at(path, 0, QStringLiteral("not available yet"));
}

}  // namespace irl4rec::train
