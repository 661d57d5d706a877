#include "core/application/launch.h"

#include "core/train/run_controller.h"

namespace irl4rec::application {

LaunchChecks::LaunchChecks(std::shared_ptr<const data::Dataset> dataset) : dataset_(std::move(dataset)) {
  if (dataset_) sizes_ = train::DatasetSizes::of(*dataset_);
}

Status LaunchChecks::check(const train::TrainConfig& config) {
  if (!dataset_) return Error::general(QStringLiteral("no dataset is open"));
  if (Status s = config.validate(); !s.ok()) return s;
  // The split is built once per dataset and protocol; the rest (negatives, attributes, the
  // memory estimate) depends on the configuration and is cheap. Same reasons, same order as
  // RunController::check.
  std::optional<Status>& cached = datasetChecks_[config.refit ? 1 : 0];
  if (!cached) cached = train::RunController::checkDataset(*dataset_, config.refit);
  if (!cached->ok()) return *cached;
  return train::RunController::checkAgainst(*dataset_, config, sizes_);
}

std::vector<PlannedRun> planSeeds(const train::TrainConfig& config, const QList<quint64>& seeds,
                                  const QString& name, const QString& dataPath) {
  QList<quint64> all = seeds;
  if (all.isEmpty()) all << config.seed;
  std::vector<PlannedRun> runs;
  for (quint64 seed : all) {
    PlannedRun run{config, all.size() > 1 ? QStringLiteral("%1 s%2").arg(name).arg(seed) : name};
    run.config.seed = seed;
    run.config.dataPath = dataPath;
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace irl4rec::application
