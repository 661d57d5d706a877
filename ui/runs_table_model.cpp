#include "ui/runs_table_model.h"

#include "core/train/metric_keys.h"

#include <QBrush>
#include <QColor>
#include <QJsonValue>
#include <QLocale>

#include <cmath>

namespace irl4rec::ui {

namespace {

QString duration(double seconds) {
  if (!(seconds >= 0)) return QString();
  const qint64 s = qint64(std::llround(seconds));
  if (s >= 3600) return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
  if (s >= 60) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
  return QStringLiteral("%1 s").arg(s);
}

QVariant number(double v, int decimals = 4) {
  if (std::isnan(v)) return QVariant();
  return QString::number(v, 'f', decimals);
}

QColor statusColor(store::RunStatus s) {
  switch (s) {
    case store::RunStatus::Queued: return QColor(120, 120, 120);
    case store::RunStatus::Running: return QColor(31, 119, 180);
    case store::RunStatus::Finished: return QColor(44, 140, 44);
    case store::RunStatus::Failed:
    case store::RunStatus::Diverged: return QColor(200, 30, 30);
    case store::RunStatus::Cancelled:
    case store::RunStatus::Interrupted: return QColor(200, 120, 0);
  }
  return QColor();
}

}  // namespace

RunsTableModel::RunsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunsTableModel::setRuns(std::vector<store::RunListEntry> runs) {
  beginResetModel();
  rows_ = std::move(runs);
  rowOf_.clear();
  for (int i = 0; i < int(rows_.size()); ++i) rowOf_.insert(rows_[size_t(i)].run.id, i);
  endResetModel();
}

bool RunsTableModel::updateRun(store::RunListEntry entry) {
  const int row = rowOf(entry.run.id);
  if (row < 0) return false;
  if (store::isTerminal(entry.run.status)) live_.remove(entry.run.id);
  rows_[size_t(row)] = std::move(entry);
  Q_EMIT dataChanged(index(row, 0), index(row, int(Column::Count) - 1));
  return true;
}

void RunsTableModel::insertRun(store::RunListEntry entry) {
  if (rowOf(entry.run.id) >= 0) {
    updateRun(std::move(entry));
    return;
  }
  const int row = int(rows_.size());
  beginInsertRows({}, row, row);
  rowOf_.insert(entry.run.id, row);
  rows_.push_back(std::move(entry));
  endInsertRows();
}

int RunsTableModel::rowOf(qint64 runId) const { return rowOf_.value(runId, -1); }

qint64 RunsTableModel::runIdAt(int row) const {
  return row >= 0 && row < int(rows_.size()) ? rows_[size_t(row)].run.id : 0;
}

const store::RunListEntry* RunsTableModel::entry(qint64 runId) const {
  const int row = rowOf(runId);
  return row < 0 ? nullptr : &rows_[size_t(row)];
}

void RunsTableModel::setLiveProgress(qint64 runId, int epoch, int epochs, double etaSeconds,
                                     double valNdcg10, double valHr10) {
  Live& l = live_[runId];
  l.epoch = epoch;
  l.epochs = epochs;
  l.eta = etaSeconds;
  if (!std::isnan(valNdcg10)) l.valNdcg10 = std::isnan(l.valNdcg10) ? valNdcg10 : std::max(l.valNdcg10, valNdcg10);
  if (!std::isnan(valHr10)) l.valHr10 = std::isnan(l.valHr10) ? valHr10 : std::max(l.valHr10, valHr10);
  const int row = rowOf(runId);
  if (row >= 0) Q_EMIT dataChanged(index(row, 0), index(row, int(Column::Count) - 1));
}

void RunsTableModel::setLiveStatus(qint64 runId, store::RunStatus status, const QString& message) {
  const int row = rowOf(runId);
  if (row < 0) return;
  rows_[size_t(row)].run.status = status;
  if (!message.isEmpty()) rows_[size_t(row)].run.message = message;
  if (store::isTerminal(status)) live_.remove(runId);
  Q_EMIT dataChanged(index(row, 0), index(row, int(Column::Count) - 1));
}

int RunsTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

int RunsTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(Column::Count);
}

double RunsTableModel::metric(const store::RunListEntry& e, const QString& key, bool best) const {
  const store::MetricSummary* m = e.metric(key);
  if (!m) return qQNaN();
  return best ? m->bestValue : m->lastValue;
}

QVariant RunsTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= int(rows_.size())) return {};
  const store::RunListEntry& e = rows_[size_t(index.row())];
  const store::RunInfo& r = e.run;
  const auto col = Column(index.column());
  const auto liveIt = live_.constFind(r.id);
  const Live* live = liveIt == live_.constEnd() ? nullptr : &*liveIt;
  const int epochs = r.config.value(QStringLiteral("epochs")).toInt();
  const store::MetricSummary* epochLoss = e.metric(train::metric::kEpochLoss);
  const int epoch = live ? live->epoch : (epochLoss ? epochLoss->lastEpoch : 0);
  double progress = 0;
  if (r.status == store::RunStatus::Finished) {
    progress = 1.0;
  } else if (live && live->epochs > 0) {
    progress = double(live->epoch) / live->epochs;
  } else if (epochs > 0) {
    progress = double(epoch) / epochs;
  }
  auto valNdcg = [&] {
    double v = metric(e, train::metric::kValNdcg10, true);
    if (live && !std::isnan(live->valNdcg10)) v = std::isnan(v) ? live->valNdcg10 : std::max(v, live->valNdcg10);
    return v;
  };
  auto valHr = [&] {
    double v = metric(e, train::metric::kValHr10, true);
    if (live && !std::isnan(live->valHr10)) v = std::isnan(v) ? live->valHr10 : std::max(v, live->valHr10);
    return v;
  };

  if (role == int(Role::RunId)) return r.id;
  if (role == int(Role::Progress)) return progress;
  if (role == int(Role::StatusName)) return store::toString(r.status);
  if (role == int(Role::GroupHash)) return r.groupHash;
  if (role == int(Role::Message)) return r.message;
  // The refit protocol trains on the validation items: no validation, and its test numbers are
  // not comparable with the others'.
  const bool refit = r.config.value(QStringLiteral("refit")).toBool();
  if (role == Qt::ToolTipRole) {
    QString tip = QStringLiteral("%1 (%2)\n%3").arg(r.name, r.uuid, store::toString(r.status));
    if (!r.message.isEmpty()) tip += QStringLiteral("\n") + r.message;
    if (refit)
      tip += tr("\nrefit protocol: trained on train + validation for %1 epochs, last model "
                "tested; no validation")
                 .arg(epochs);
    return tip;
  }
  if (role == Qt::ForegroundRole && col == Column::Status) return QBrush(statusColor(r.status));
  if (role == Qt::TextAlignmentRole && index.column() >= int(Column::Epoch) &&
      index.column() <= int(Column::Seed)) {
    return int(Qt::AlignRight | Qt::AlignVCenter);
  }
  const bool sort = role == int(Role::Sort);
  if (role != Qt::DisplayRole && !sort) return {};
  const QJsonObject& c = r.config;
  switch (col) {
    case Column::Name: return r.name;
    case Column::Status: {
      if (sort) return int(r.status);
      QString s = store::toString(r.status);
      if (!r.message.isEmpty() && r.status != store::RunStatus::Finished) s += QStringLiteral(": ") + r.message;
      return s;
    }
    case Column::Progress: return sort ? QVariant(progress) : QVariant(QStringLiteral("%1 %").arg(int(progress * 100)));
    case Column::Epoch:
      if (sort) return epoch;
      return epochs > 0 ? QStringLiteral("%1/%2").arg(live ? live->epoch : epoch).arg(live ? live->epochs : epochs)
                        : QString::number(epoch);
    case Column::Eta:
      if (!live || r.status != store::RunStatus::Running) return sort ? QVariant(-1.0) : QVariant();
      return sort ? QVariant(live->eta) : QVariant(duration(live->eta));
    case Column::ValNdcg10:
      if (refit && !sort) return tr("refit");
      return sort ? QVariant(valNdcg()) : number(valNdcg());
    case Column::ValHr10:
      if (refit && !sort) return tr("refit");
      return sort ? QVariant(valHr()) : number(valHr());
    case Column::TestNdcg10:
    case Column::TestHr10: {
      const double v = metric(e, col == Column::TestHr10 ? train::metric::kTestHr10
                                                          : train::metric::kTestNdcg10, false);
      if (sort) return v;
      const QVariant shown = number(v);
      return refit && !std::isnan(v) ? QVariant(shown.toString() + tr(" (refit)")) : shown;
    }
    case Column::Model: return c.value(QStringLiteral("model")).toString();
    case Column::Encoder: return c.value(QStringLiteral("encoder")).toString();
    case Column::Loss: return c.value(QStringLiteral("loss")).toString();
    case Column::Alpha: return sort ? c.value(QStringLiteral("alpha")).toVariant() : QVariant(QString::number(c.value(QStringLiteral("alpha")).toDouble(), 'g', 4));
    case Column::Beta: return sort ? c.value(QStringLiteral("beta")).toVariant() : QVariant(QString::number(c.value(QStringLiteral("beta")).toDouble(), 'g', 4));
    case Column::Gamma: return sort ? c.value(QStringLiteral("gamma")).toVariant() : QVariant(QString::number(c.value(QStringLiteral("gamma")).toDouble(), 'g', 4));
    case Column::Seed: return c.value(QStringLiteral("seed")).toVariant();
    case Column::Dataset: return r.datasetName;
    case Column::Started:
      if (sort) return r.started.isValid() ? r.started : r.created;
      return (r.started.isValid() ? r.started : r.created).toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    case Column::Tags: return r.tags.join(QStringLiteral(", "));
    case Column::Count: break;
  }
  return {};
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const kNames[] = {"Name", "Status", "Progress", "Epoch", "ETA",
                                       "Val NDCG@10", "Val HR@10", "Test NDCG@10", "Test HR@10",
                                       "Model", "Encoder", "Loss", "α", "β", "γ", "Seed", "Dataset",
                                       "Started", "Tags"};
  if (section < 0 || section >= int(Column::Count)) return {};
  return tr(kNames[section]);
}

}  // namespace irl4rec::ui
