#pragma once

#include "core/store/store_types.h"

#include <QAbstractTableModel>
#include <QHash>
#include <vector>

namespace irl4rec::ui {

/// The runs table: a QAbstractTableModel over the store's run list, with the live progress of
/// the runs training in this process laid over it.
class RunsTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum class Column {
    Name, Status, Progress, Epoch, Eta, ValNdcg10, ValHr10, TestNdcg10, TestHr10, Model, Encoder,
    Loss, Alpha, Beta, Gamma, Seed, Dataset, Started, Tags, Count
  };
  enum class Role { RunId = Qt::UserRole + 1, Sort, Progress, StatusName, GroupHash, Message };

  explicit RunsTableModel(QObject* parent = nullptr);

  /// Replaces every row (one model reset).
  void setRuns(std::vector<store::RunListEntry> runs);
  /// Live values of a run training in this process (no store read).
  void setLiveProgress(qint64 runId, int epoch, int epochs, double etaSeconds, double valNdcg10,
                       double valHr10);
  void setLiveStatus(qint64 runId, store::RunStatus status, const QString& message = {});
  /// Replaces one run's row (e.g. when it ends) without resetting the model; false if absent.
  bool updateRun(store::RunListEntry entry);
  /// Adds a run that is not listed yet (e.g. just queued) as one inserted row, or replaces its
  /// row when it is already there.
  void insertRun(store::RunListEntry entry);

  int rowOf(qint64 runId) const;
  qint64 runIdAt(int row) const;
  const store::RunListEntry* entry(qint64 runId) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  struct Live {
    int epoch = 0;
    int epochs = 0;
    double eta = -1;
    double valNdcg10 = qQNaN();
    double valHr10 = qQNaN();
  };
  double metric(const store::RunListEntry& e, const QString& key, bool best) const;
  std::vector<store::RunListEntry> rows_;
  QHash<qint64, int> rowOf_;
  QHash<qint64, Live> live_;
};

}  // namespace irl4rec::ui
