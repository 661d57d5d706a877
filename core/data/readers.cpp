#include "core/data/readers.h"

#include "core/data/input_file.h"
#include "core/data/reader_common.h"

#include <QDir>
#include <QFileInfo>

namespace irl4rec::data {

namespace {

bool endsWith(const QString& s, const char* suffix) {
  return s.endsWith(QLatin1String(suffix), Qt::CaseInsensitive);
}

}  // namespace

Expected<Format> detectFormat(const QString& path) {
  const QFileInfo info(path);
  if (!info.exists()) return Error::at(path, 0, QStringLiteral("no such file"));
  if (info.isDir()) {
    const QStringList inter = QDir(path).entryList({QStringLiteral("*.inter")}, QDir::Files);
    if (inter.isEmpty()) {
      return Error::at(path, 0, QStringLiteral("is a directory, expected a file (or a RecBole directory holding a .inter file)"));
    }
    return Format::RecBole;
  }
  if (endsWith(path, ".inter")) return Format::RecBole;
  if (endsWith(path, ".json") || endsWith(path, ".json.gz") || endsWith(path, ".jsonl") ||
      endsWith(path, ".jsonl.gz")) {
    return Format::AmazonDump;
  }
  return Format::SequenceText;
}

Expected<Dataset> loadDataset(const QString& path, const LoadOptions& options) {
  auto format = detectFormat(path);
  if (!format.ok()) return format.error();
  switch (format.value()) {
    case Format::RecBole: return detail::readRecBole(path, options);
    case Format::AmazonDump: return detail::readAmazon(path, options);
    default: return detail::readSequenceText(path, options);
  }
}

}  // namespace irl4rec::data
