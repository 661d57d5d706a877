#include "ui/explorer/rows_model.h"

#include "core/common/csv.h"
#include "core/common/files.h"

namespace irl4rec::ui {

RowsModel::RowsModel(QStringList headers, QObject* parent)
    : QAbstractTableModel(parent), headers_(std::move(headers)) {}

void RowsModel::setHeaders(QStringList headers) {
  if (headers == headers_) return;
  beginResetModel();
  headers_ = std::move(headers);
  rows_.clear();
  keys_.clear();
  endResetModel();
}

void RowsModel::setRows(QVector<QVariantList> rows, QVector<qint64> keys) {
  beginResetModel();
  rows_ = std::move(rows);
  keys_ = std::move(keys);
  keys_.resize(rows_.size(), -1);
  endResetModel();
}

int RowsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

int RowsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(headers_.size());
}

QVariant RowsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rows_.size()) return {};
  if (role == int(Role::Key)) return keys_.value(index.row(), -1);
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  const QVariant v = rows_[index.row()].value(index.column());
  if (role == Qt::DisplayRole && v.typeId() == QMetaType::Double)
    return QString::number(v.toDouble(), 'f', 6);
  return v;
}

QVariant RowsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole) return {};
  if (orientation == Qt::Horizontal) return headers_.value(section);
  return section + 1;
}


bool writeCsv(const QAbstractItemModel& model, const QString& path, QString* error) {
  QString text;
  QStringList fields;
  for (int c = 0; c < model.columnCount(); ++c)
    fields << csvField(model.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
  text += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
  for (int r = 0; r < model.rowCount(); ++r) {
    fields.clear();
    for (int c = 0; c < model.columnCount(); ++c) {
      const QVariant v = model.data(model.index(r, c), Qt::ToolTipRole);
      fields << csvField(v.typeId() == QMetaType::Double ? QString::number(v.toDouble(), 'g', 9)
                                                         : v.toString());
    }
    text += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
  }
  const Status s = writeFileAtomically(path, text.toUtf8());
  if (!s && error) *error = s.error().message();
  return s.ok();
}

}  // namespace irl4rec::ui
