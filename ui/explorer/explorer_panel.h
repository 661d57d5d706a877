#pragma once

#include "core/data/dataset.h"

#include <QWidget>

#include <memory>

namespace irl4rec::store {
class RunStore;
}

namespace irl4rec::ui {

class RunQueue;

/// Explore what a run learned (issue 6, "Explore embeddings"): adjustment t and spurious s user
/// embeddings as linked 2-D projections (PCA, t-SNE) stored in the run store, colour labels,
/// hover details, neighbours, the linear-probe read-out and the item view.
class ExplorerPanel : public QWidget {
  Q_OBJECT
 public:
  /// `store` is the UI thread's connection (may be null when the store could not be opened).
  ExplorerPanel(store::RunStore* store, RunQueue* queue, QWidget* parent = nullptr);
  ~ExplorerPanel() override;

  void setDataset(std::shared_ptr<const data::Dataset> dataset);
  /// Re-reads the runs of the store.
  void reload();

 private:
  store::RunStore* store_;
  RunQueue* queue_;
  std::shared_ptr<const data::Dataset> dataset_;
};

}  // namespace irl4rec::ui
