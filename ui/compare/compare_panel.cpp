#include "ui/compare/compare_panel.h"

namespace irl4rec::ui {

ComparePanel::ComparePanel(store::RunStore* store, RunQueue* queue, RunsPanel* runs, QWidget* parent)
    : QWidget(parent), store_(store), queue_(queue), runs_(runs) {}

ComparePanel::~ComparePanel() = default;

void ComparePanel::setDataset(std::shared_ptr<const data::Dataset> dataset) { dataset_ = std::move(dataset); }

void ComparePanel::reload() {}

}  // namespace irl4rec::ui
