#pragma once

#include "ui/compare/compare_data.h"

#include <QAbstractItemModel>
#include <QColor>
#include <QSet>
#include <QVector>

#include <utility>
#include <vector>

namespace irl4rec::ui {

/// The Compare tab's table: seed groups (mean ± sample std, n, seeds) with their runs as children,
/// over a compare::Snapshot. Every group and run has a tick box; unticking takes runs out of the
/// statistics (excludedChanged()). Rows are computed once per setGroups() (one model reset).
class CompareTreeModel : public QAbstractItemModel {
  Q_OBJECT
 public:
  enum class Column {
    Name,
    N,
    Seed,
    ValHr,
    ValNdcg,
    BestValNdcg,
    TestHr,
    TestNdcg,
    BestEpoch,
    Note,
    Count
  };
  enum class Role { RunId = Qt::UserRole + 1, Group, GroupKey, Sort };

  explicit CompareTreeModel(QObject* parent = nullptr);

  /// The metric columns (column index, key, always-best) in order, also what the CSV holds.
  static std::vector<std::pair<int, compare::MetricColumn>> metricColumns();

  /// Replaces every row. `colors` has one colour per group (the curves' colours).
  void setGroups(const compare::Snapshot& snapshot, const std::vector<compare::Group>& groups,
                 compare::ValueMode mode, const QSet<qint64>& excluded,
                 const QVector<QColor>& colors);
  const QSet<qint64>& excluded() const { return excluded_; }

  /// Display text of a group (run < 0) or of one of its runs (tests, export of what is shown).
  QString text(int group, int run, Column column) const;

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& index) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 Q_SIGNALS:
  /// The user ticked or unticked a run or a whole group.
  void excludedChanged(const QSet<qint64>& excluded);

 private:
  struct Cell {
    QString text;
    double sort = 0;  ///< numeric sort key; NaN = sort by text
  };
  struct Row {
    std::vector<Cell> cells;
    qint64 runId = 0;
    QString tooltip;
    QString noteTooltip;
  };
  struct GroupRows {
    Row row;
    QString key;
    QColor color;
    std::vector<Row> runs;
  };
  const Row* rowOf(const QModelIndex& index) const;
  Qt::CheckState groupCheckState(const GroupRows& group) const;

  std::vector<GroupRows> groups_;
  QSet<qint64> excluded_;
};

}  // namespace irl4rec::ui
