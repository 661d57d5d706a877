#include "ui/dataset_panel.h"

namespace irl4rec::ui {

DatasetPanel::DatasetPanel(QWidget* parent) : QWidget(parent) {}

}  // namespace irl4rec::ui
