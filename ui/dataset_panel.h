#pragma once

#include <QWidget>

namespace irl4rec::ui {

/// Shows the statistics of the loaded dataset.
class DatasetPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetPanel(QWidget* parent = nullptr);
};

}  // namespace irl4rec::ui
