#include "core/application/launch.h"

#include "core/train/run_controller.h"

namespace irl4rec::application {

LaunchChecks::LaunchChecks(std::shared_ptr<const data::Dataset> dataset) : dataset_(std::move(dataset)) {
  if (dataset_) sizes_ = train::DatasetSizes::of(*dataset_);
}

Status LaunchChecks::check(const train::TrainConfig& config) {
  if (!dataset_) return Error::general(QStringLiteral("no dataset is open"));
  if (Status s = config.validate(); !s.ok()) return s;
  // The memory estimate depends on the sizes, so it is never cached (and comes first so that a
  // cached answer from a smaller configuration cannot hide it).
  if (Status s = train::checkMemory(config, sizes_, train::readMachineMemory());
      !s.ok())
    return s;
  // Past validate(), RunController::check depends only on the dataset and on whether the
  // configuration has the confounder branch (it needs item attributes).
  std::optional<Status>& cached = datasetChecks_[config.hasConfounder() ? 1 : 0];
  if (!cached) cached = train::RunController::check(*dataset_, config);
  return *cached;
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
