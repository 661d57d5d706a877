#include "ui/compare/compare_tree_model.h"

#include "core/train/metric_keys.h"

#include <cmath>

namespace irl4rec::ui {

namespace {

using compare::ValueMode;
using Column = CompareTreeModel::Column;

constexpr quintptr kGroupRow = 0;  // internal id of group rows; run rows store group + 1

using compare::summaryText;
using compare::valueText;

}  // namespace

std::vector<std::pair<int, compare::MetricColumn>> CompareTreeModel::metricColumns() {
  return {{int(Column::ValHr), {train::metric::kValHr10, false}},
          {int(Column::ValNdcg), {train::metric::kValNdcg10, false}},
          {int(Column::BestValNdcg), {train::metric::kValNdcg10, true}},
          {int(Column::TestHr), {train::metric::kTestHr10, false}},
          {int(Column::TestNdcg), {train::metric::kTestNdcg10, false}}};
}

CompareTreeModel::CompareTreeModel(QObject* parent) : QAbstractItemModel(parent) {}

void CompareTreeModel::setGroups(const compare::Snapshot& snapshot,
                                 const std::vector<compare::Group>& groups, ValueMode mode,
                                 const QSet<qint64>& excluded, const QVector<QColor>& colors) {
  beginResetModel();
  excluded_ = excluded;
  groups_.clear();
  groups_.reserve(groups.size());
  const auto columns = metricColumns();
  for (size_t g = 0; g < groups.size(); ++g) {
    const compare::Group& group = groups[g];
    GroupRows rows;
    rows.key = group.key;
    rows.color = int(g) < colors.size() ? colors[int(g)] : QColor();
    Row& row = rows.row;
    row.cells.resize(size_t(Column::Count));
    row.tooltip = tr("%1\ngroup %2").arg(group.name, group.hash);
    auto set = [](Row& r, Column c, const QString& text, double sort = std::nan("")) {
      r.cells[size_t(c)] = Cell{text, sort};
    };
    int used = 0;
    QStringList seeds, problems;
    for (int i : group.runs) {
      const compare::RunRecord& r = snapshot.runs[size_t(i)];
      if (!excluded.contains(r.run.id)) ++used;
      seeds << (r.seed.isEmpty() ? QStringLiteral("?") : r.seed);
      if (!r.problem.isEmpty()) problems << r.problem;
    }
    const int total = int(group.runs.size());
    set(row, Column::Name, group.name);
    set(row, Column::N, used == total ? QString::number(used) : tr("%1 of %2").arg(used).arg(total),
        used);
    set(row, Column::Seed, tr("seeds %1").arg(seeds.join(QStringLiteral(", "))));
    QStringList notes;
    for (const auto& [column, metric] : columns) {
      const analysis::GroupSummary s = compare::groupValue(
          snapshot, group, metric.key, metric.best ? ValueMode::BestValidation : mode, excluded);
      set(row, Column(column), summaryText(s), std::isfinite(s.mean) ? s.mean : -1.0);
      if (s.n > 0 && s.n < used && !metric.best) {
        notes << tr("%1: %2 run(s) without a value")
                     .arg(compare::metricLabel(metric.key))
                     .arg(used - s.n);
      }
    }
    std::vector<double> bestEpochs;
    for (int i : group.runs) {
      const compare::RunRecord& r = snapshot.runs[size_t(i)];
      if (excluded.contains(r.run.id)) continue;
      const store::MetricSummary* s = r.summary(compare::kSelectionKey);
      bestEpochs.push_back(s && std::isfinite(s->bestValue) ? double(s->bestEpoch) : std::nan(""));
    }
    const analysis::GroupSummary be = analysis::summarize(bestEpochs);
    set(row, Column::BestEpoch,
        be.n == 0 ? QStringLiteral("–") : QString::number(be.mean, 'f', be.n > 1 ? 1 : 0),
        std::isfinite(be.mean) ? be.mean : -1.0);
    if (!problems.isEmpty())
      notes.prepend(tr("%n run(s) incomplete", nullptr, int(problems.size())));
    set(row, Column::Note, notes.join(QStringLiteral("; ")));
    row.noteTooltip = problems.join(QLatin1Char('\n'));

    for (int i : group.runs) {
      const compare::RunRecord& r = snapshot.runs[size_t(i)];
      Row run;
      run.cells.resize(size_t(Column::Count));
      run.runId = r.run.id;
      run.tooltip = tr("run %1").arg(r.run.uuid);
      set(run, Column::Name, r.run.name.isEmpty() ? r.run.uuid.left(8) : r.run.name);
      set(run, Column::Seed,
          tr("seed %1 · %2")
              .arg(r.seed.isEmpty() ? QStringLiteral("?") : r.seed, store::toString(r.run.status)),
          r.seed.toDouble());
      for (const auto& [column, metric] : columns) {
        const double v =
            compare::runValue(r, metric.key, metric.best ? ValueMode::BestValidation : mode);
        set(run, Column(column), valueText(v), std::isfinite(v) ? v : -1.0);
      }
      const store::MetricSummary* s = r.summary(compare::kSelectionKey);
      const bool hasBest = s && std::isfinite(s->bestValue);
      set(run, Column::BestEpoch, hasBest ? QString::number(s->bestEpoch) : QStringLiteral("–"),
          hasBest ? s->bestEpoch : -1.0);
      QString note = r.problem;
      if (note.isEmpty() && r.run.status == store::RunStatus::Diverged) note = tr("diverged");
      if (!r.run.message.isEmpty())
        note += (note.isEmpty() ? QString() : QStringLiteral("; ")) + r.run.message;
      set(run, Column::Note, note);
      run.noteTooltip = note;
      rows.runs.push_back(std::move(run));
    }
    groups_.push_back(std::move(rows));
  }
  endResetModel();
}

QString CompareTreeModel::text(int group, int run, Column column) const {
  if (group < 0 || group >= int(groups_.size())) return {};
  const GroupRows& g = groups_[size_t(group)];
  if (run < 0) return g.row.cells[size_t(column)].text;
  if (run >= int(g.runs.size())) return {};
  return g.runs[size_t(run)].cells[size_t(column)].text;
}

QModelIndex CompareTreeModel::index(int row, int column, const QModelIndex& parent) const {
  if (column < 0 || column >= int(Column::Count) || row < 0) return {};
  if (!parent.isValid()) {
    return row < int(groups_.size()) ? createIndex(row, column, kGroupRow) : QModelIndex();
  }
  if (parent.internalId() != kGroupRow || parent.row() >= int(groups_.size())) return {};
  const GroupRows& g = groups_[size_t(parent.row())];
  return row < int(g.runs.size()) ? createIndex(row, column, quintptr(parent.row()) + 1)
                                  : QModelIndex();
}

QModelIndex CompareTreeModel::parent(const QModelIndex& index) const {
  if (!index.isValid() || index.internalId() == kGroupRow) return {};
  return createIndex(int(index.internalId() - 1), 0, kGroupRow);
}

int CompareTreeModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return int(groups_.size());
  if (parent.column() != 0 || parent.internalId() != kGroupRow ||
      parent.row() >= int(groups_.size()))
    return 0;
  return int(groups_[size_t(parent.row())].runs.size());
}

int CompareTreeModel::columnCount(const QModelIndex&) const { return int(Column::Count); }

const CompareTreeModel::Row* CompareTreeModel::rowOf(const QModelIndex& index) const {
  if (!index.isValid()) return nullptr;
  if (index.internalId() == kGroupRow) {
    return index.row() < int(groups_.size()) ? &groups_[size_t(index.row())].row : nullptr;
  }
  const size_t g = size_t(index.internalId() - 1);
  if (g >= groups_.size() || index.row() >= int(groups_[g].runs.size())) return nullptr;
  return &groups_[g].runs[size_t(index.row())];
}

Qt::CheckState CompareTreeModel::groupCheckState(const GroupRows& group) const {
  int used = 0;
  for (const Row& r : group.runs) used += excluded_.contains(r.runId) ? 0 : 1;
  if (used == 0) return Qt::Unchecked;
  return used == int(group.runs.size()) ? Qt::Checked : Qt::PartiallyChecked;
}

QVariant CompareTreeModel::data(const QModelIndex& index, int role) const {
  const Row* row = rowOf(index);
  if (!row) return {};
  const bool isGroup = index.internalId() == kGroupRow;
  const Cell& cell = row->cells[size_t(index.column())];
  switch (role) {
    case Qt::DisplayRole:
      return cell.text;
    case Qt::ToolTipRole:
      if (index.column() == int(Column::Note))
        return row->noteTooltip.isEmpty() ? QVariant() : row->noteTooltip;
      return row->tooltip;
    case Qt::DecorationRole:
      if (isGroup && index.column() == 0) return groups_[size_t(index.row())].color;
      return {};
    case Qt::CheckStateRole:
      if (index.column() != 0) return {};
      if (isGroup) return groupCheckState(groups_[size_t(index.row())]);
      return excluded_.contains(row->runId) ? Qt::Unchecked : Qt::Checked;
    case int(Role::Sort):
      return std::isnan(cell.sort) ? QVariant(cell.text) : QVariant(cell.sort);
    case int(Role::RunId):
      return isGroup ? QVariant() : QVariant(row->runId);
    case int(Role::Group):
      return isGroup ? QVariant(index.row()) : QVariant();
    case int(Role::GroupKey):
      return isGroup ? QVariant(groups_[size_t(index.row())].key) : QVariant();
    default:
      return {};
  }
}

bool CompareTreeModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  const Row* row = rowOf(index);
  if (!row || role != Qt::CheckStateRole || index.column() != 0) return false;
  const bool include = Qt::CheckState(value.toInt()) != Qt::Unchecked;
  auto apply = [&](qint64 runId) {
    if (include) {
      excluded_.remove(runId);
    } else {
      excluded_.insert(runId);
    }
  };
  QModelIndex first = index, last = index;
  if (index.internalId() == kGroupRow) {
    // A whole group: every run of it; a partially ticked group becomes fully ticked.
    const GroupRows& g = groups_[size_t(index.row())];
    for (const Row& r : g.runs) apply(r.runId);
    if (!g.runs.empty()) {
      Q_EMIT dataChanged(this->index(0, 0, index), this->index(int(g.runs.size()) - 1, 0, index),
                         {Qt::CheckStateRole});
    }
  } else {
    apply(row->runId);
    first = last = parent(index);  // the group's tri-state follows
    Q_EMIT dataChanged(index, index, {Qt::CheckStateRole});
  }
  Q_EMIT dataChanged(first, last, {Qt::CheckStateRole});
  Q_EMIT excludedChanged(excluded_);
  return true;
}

Qt::ItemFlags CompareTreeModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (index.column() == 0) f |= Qt::ItemIsUserCheckable;
  return f;
}

QVariant CompareTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (Column(section)) {
    case Column::Name:
      return tr("Group / run");
    case Column::N:
      return tr("n");
    case Column::Seed:
      return tr("Seeds / status");
    case Column::ValHr:
      return tr("val HR@10");
    case Column::ValNdcg:
      return tr("val NDCG@10");
    case Column::BestValNdcg:
      return tr("best val NDCG@10");
    case Column::TestHr:
      return tr("test HR@10");
    case Column::TestNdcg:
      return tr("test NDCG@10");
    case Column::BestEpoch:
      return tr("best epoch");
    case Column::Note:
      return tr("Note");
    case Column::Count:
      break;
  }
  return {};
}

}  // namespace irl4rec::ui
