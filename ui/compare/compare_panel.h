#pragma once

#include "core/data/dataset.h"

#include <QWidget>

#include <memory>

namespace irl4rec::store {
class RunStore;
}

namespace irl4rec::ui {

class RunQueue;
class RunsPanel;

/// Compare runs across seeds and ablations (issue 6, "Compare"): overlaid curves with mean ± std
/// bands per group, a table of final / best metrics, the ablation view against a reference group
/// with Welch p-values, the β/γ/α sweep view and the "Run ablation grid" action.
class ComparePanel : public QWidget {
  Q_OBJECT
 public:
  /// `store` is the UI thread's connection (may be null when the store could not be opened);
  /// `runs` launches runs (ablation grid) through the same queue as the Runs tab.
  ComparePanel(store::RunStore* store, RunQueue* queue, RunsPanel* runs, QWidget* parent = nullptr);
  ~ComparePanel() override;

  void setDataset(std::shared_ptr<const data::Dataset> dataset);
  /// Re-reads the runs of the store.
  void reload();

 private:
  store::RunStore* store_;
  RunQueue* queue_;
  RunsPanel* runs_;
  std::shared_ptr<const data::Dataset> dataset_;
};

}  // namespace irl4rec::ui
