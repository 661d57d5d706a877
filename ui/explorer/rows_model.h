#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <QVariant>
#include <QVector>

namespace irl4rec::ui {

/// A read-only table of values for the explorer's selection and neighbour lists: one reset per
/// update, numbers kept as numbers (so a QSortFilterProxyModel sorts them as such).
class RowsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum class Role { Key = Qt::UserRole + 1 };  ///< the row's key (a user or item row index)

  explicit RowsModel(QStringList headers, QObject* parent = nullptr);

  /// Replaces the column titles (and empties the table).
  void setHeaders(QStringList headers);
  /// Replaces every row (one model reset). `keys` has one entry per row.
  void setRows(QVector<QVariantList> rows, QVector<qint64> keys);
  qint64 keyOf(int row) const { return keys_.value(row, -1); }
  const QVector<qint64>& keys() const { return keys_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  QStringList headers_;
  QVector<QVariantList> rows_;
  QVector<qint64> keys_;
};

/// Writes a model's header and display values as CSV (RFC 4180 quoting, UTF-8) through an
/// atomic file; false with `error` set when the file cannot be written.
bool writeCsv(const QAbstractItemModel& model, const QString& path, QString* error = nullptr);

}  // namespace irl4rec::ui
