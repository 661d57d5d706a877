#pragma once
/// Launching runs (application layer; the GUI's Runs tab, its Compare tab's ablation grid and
/// `irl4rec train`): the checks a configuration passes before anything is written or allocated,
/// and one run per seed. Qt Core only.

#include "core/common/error.h"
#include "core/data/dataset.h"
#include "core/train/memory_estimate.h"
#include "core/train/train_config.h"

#include <QList>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace irl4rec::application {

/// The checks of one dataset's launches — RunController::check's, in its order: the
/// configuration's own rules (TrainConfig::validate), what the dataset must offer (a leave-one-out
/// split with training targets: built once per dataset and protocol, then kept), then what the
/// configuration asks of it (negatives against the item count, attributes for the confounder
/// branch) and, last, the memory estimate against the machine's memory.
class LaunchChecks {
 public:
  explicit LaunchChecks(std::shared_ptr<const data::Dataset> dataset);
  /// Empty Status when `config` can be launched on the dataset; the first reason otherwise.
  Status check(const train::TrainConfig& config);
  const std::shared_ptr<const data::Dataset>& dataset() const { return dataset_; }
  /// What the memory estimate needs of the dataset (computed once; the form's estimate).
  const train::DatasetSizes& sizes() const { return sizes_; }

 private:
  std::shared_ptr<const data::Dataset> dataset_;
  train::DatasetSizes sizes_;
  std::optional<Status> datasetChecks_[2];  ///< RunController::checkDataset [refit]
};

/// One run of a launch.
struct PlannedRun {
  train::TrainConfig config;
  QString name;
};

/// One run per seed (the configuration's own seed when `seeds` is empty), each named
/// "<name> s<seed>" when there are several, all training on `dataPath`.
std::vector<PlannedRun> planSeeds(const train::TrainConfig& config, const QList<quint64>& seeds,
                                  const QString& name, const QString& dataPath);

}  // namespace irl4rec::application
