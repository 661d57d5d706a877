#pragma once

#include "core/data/dataset.h"

#include <QWidget>

#include <memory>

class QLabel;
class QCustomPlot;
class QFormLayout;

namespace irl4rec::ui {

/// Shows the loaded dataset: where it came from, its statistics, a histogram of sequence
/// lengths and its most frequent attributes.
class DatasetPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetPanel(QWidget* parent = nullptr);

  void setDataset(std::shared_ptr<const data::Dataset> dataset);
  const data::Dataset* dataset() const { return dataset_.get(); }
  /// The value shown for a statistic, by key ("users", "items", "interactions", ...), for tests.
  QString statText(const QString& key) const;
  QCustomPlot* lengthPlot() const { return lengthPlot_; }
  QCustomPlot* attributePlot() const { return attributePlot_; }

 private:
  void addStat(const QString& key, const QString& label);
  void plotLengths(const data::Dataset& dataset);
  void plotAttributes(const data::Dataset& dataset);

  std::shared_ptr<const data::Dataset> dataset_;
  QLabel* title_ = nullptr;
  QFormLayout* statsForm_ = nullptr;
  QHash<QString, QLabel*> stats_;
  QCustomPlot* lengthPlot_ = nullptr;
  QCustomPlot* attributePlot_ = nullptr;
};

}  // namespace irl4rec::ui
