#pragma once
/// Compare ▸ Sweep: a sweep (or any set of seed groups) as one unit — the best configuration by
/// the validation rule with its test result beside a baseline group (Welch p, n), a heat map of
/// any two axes, parallel coordinates of every axis against the shown metric, and the table of
/// configurations. The numbers come from compare::study (ui/compare/sweep_study.h).

#include "core/common/error.h"
#include "ui/compare/sweep_study.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QCPColorScale;
class QCPTextElement;
class QCustomPlot;
class QLabel;
class QStandardItemModel;
class QTabWidget;
class QTableView;

namespace irl4rec::ui {

class SweepView : public QWidget {
  Q_OBJECT
 public:
  enum class PlotKind { HeatMap, ParallelCoordinates };

  explicit SweepView(QWidget* parent = nullptr);

  /// The runs to show: `groups` (the sweep's seed groups), `candidates` (groups a best
  /// configuration can be compared with). Keeps the user's choices where they still apply.
  void setData(std::shared_ptr<const compare::Snapshot> snapshot, std::vector<compare::Group> groups,
               std::vector<compare::Group> candidates, compare::ValueMode mode,
               QSet<qint64> excluded);

  // ---- state and choices, for tests --------------------------------------------------------
  const compare::Study& study() const { return study_; }
  const compare::HeatMap& heatMap() const { return heat_; }
  const std::vector<compare::Group>& candidates() const { return candidates_; }
  /// Axis keys on the heat map ("" keeps the current one).
  void setAxes(const QString& x, const QString& y);
  void setSelectKey(const QString& key);
  void setShownKey(const QString& key);
  void setOtherAxes(compare::OtherAxes others);
  /// Index into candidates(), -1 = automatic.
  void setReference(int candidate);
  /// The line naming the best configuration and its comparison.
  QString summary() const;
  QCustomPlot* heatPlot() const { return heatPlot_; }
  QCustomPlot* parallelPlot() const { return parallelPlot_; }
  QTableView* table() const { return table_; }
  /// Brings up a view: "heat", "parallel" or "table".
  void showView(const QString& name);

  Status exportCsv(const QString& path) const;
  Status exportPlot(PlotKind plot, const QString& path) const;

 private:
  void buildUi();
  void recompute();
  void fillCombos();
  void fillSummary();
  void fillHeatMap();
  void fillParallel();
  void fillTable();
  void exportDialog(int what);

  std::shared_ptr<const compare::Snapshot> snapshot_;
  std::vector<compare::Group> groups_;
  std::vector<compare::Group> candidates_;
  compare::ValueMode mode_ = compare::ValueMode::BestValidation;
  QSet<qint64> excluded_;
  compare::Study study_;
  compare::HeatMap heat_;
  QString xKey_, yKey_;
  QString selectKey_;
  QString shownKey_;
  QString referenceKey_;  ///< group key of the chosen reference, "" = automatic
  compare::OtherAxes others_ = compare::OtherAxes::Best;
  bool filling_ = false;

  QComboBox* selectBox_ = nullptr;
  QComboBox* shownBox_ = nullptr;
  QComboBox* referenceBox_ = nullptr;
  QComboBox* xBox_ = nullptr;
  QComboBox* yBox_ = nullptr;
  QComboBox* othersBox_ = nullptr;
  QLabel* summary_ = nullptr;
  QLabel* message_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QCustomPlot* heatPlot_ = nullptr;
  QCPColorScale* heatScale_ = nullptr;
  QCPTextElement* heatTitle_ = nullptr;
  QCustomPlot* parallelPlot_ = nullptr;
  QCPColorScale* parallelScale_ = nullptr;
  QTableView* table_ = nullptr;
  QStandardItemModel* model_ = nullptr;
};

}  // namespace irl4rec::ui
