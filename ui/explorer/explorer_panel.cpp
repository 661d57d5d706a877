#include "ui/explorer/explorer_panel.h"

namespace irl4rec::ui {

ExplorerPanel::ExplorerPanel(store::RunStore* store, RunQueue* queue, QWidget* parent)
    : QWidget(parent), store_(store), queue_(queue) {}

ExplorerPanel::~ExplorerPanel() = default;

void ExplorerPanel::setDataset(std::shared_ptr<const data::Dataset> dataset) { dataset_ = std::move(dataset); }

void ExplorerPanel::reload() {}

}  // namespace irl4rec::ui
