// Placeholder: the readers land with the data layer.
#include "core/data/readers.h"

namespace irl4rec::data {

QString formatName(Format format) {
  switch (format) {
    case Format::SequenceText: return QStringLiteral("sequence-text");
    case Format::RecBole: return QStringLiteral("recbole");
    case Format::AmazonDump: return QStringLiteral("amazon");
    case Format::Synthetic: return QStringLiteral("synthetic");
    case Format::Cache: return QStringLiteral("cache");
  }
  return QString();
}
DatasetStats Dataset::stats() const { return {}; }
Expected<Format> detectFormat(const QString& path) { return Format::SequenceText; }
Expected<Dataset> loadDataset(const QString& path, const LoadOptions&) {
  return Error::at(path, 0, QStringLiteral("not implemented yet"));
}
Status writeSequenceText(const Dataset&, const QString& path) { return Error::at(path, 0, QStringLiteral("not implemented")); }
Status writeRecBole(const Dataset&, const QString& path) { return Error::at(path, 0, QStringLiteral("not implemented")); }

}  // namespace irl4rec::data
