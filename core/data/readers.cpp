#include "core/data/readers.h"

#include "core/data/input_file.h"
#include "core/data/reader_common.h"

#include <QDateTime>
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
      return Error::at(
          path, 0,
          QStringLiteral(
              "is a directory, expected a file (or a RecBole directory holding a .inter file)"));
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

namespace {

Expected<Dataset> parse(const QString& path, Format format, const LoadOptions& options) {
  switch (format) {
    case Format::RecBole:
      return detail::readRecBole(path, options);
    case Format::AmazonDump:
      return detail::readAmazon(path, options);
    default:
      return detail::readSequenceText(path, options);
  }
}

QStringList inputFiles(const QString& path, Format format, const LoadOptions& options) {
  switch (format) {
    case Format::RecBole:
      return detail::recboleInputFiles(path);
    case Format::AmazonDump:
      return detail::amazonInputFiles(path, options);
    default:
      return detail::sequenceTextInputFiles(path, options);
  }
}

}  // namespace

Expected<Dataset> loadDataset(const QString& path, const LoadOptions& options) {
  auto format = detectFormat(path);
  if (!format.ok()) return format.error();
  if (!options.useCache) return parse(path, format.value(), options);

  // The signature covers every input file (present or not: a sidecar appearing must
  // invalidate), its size, modification and status-change times, and the options that change
  // the result. A cached dataset is used only when the signature matches exactly.
  QString signature = QStringLiteral("format=%1 minRating=%2 kCore=%3 dropRoot=%4\n")
                          .arg(int(format.value()))
                          .arg(options.minRating, 0, 'g', 17)
                          .arg(options.kCore)
                          .arg(options.dropRootCategory);
  qint64 totalBytes = 0;
  for (const QString& file : inputFiles(path, format.value(), options)) {
    const QFileInfo info(file);
    signature += info.absoluteFilePath();
    if (info.isFile()) {
      totalBytes += info.size();
      signature += QStringLiteral(" %1 %2 %3\n")
                       .arg(info.size())
                       .arg(info.lastModified().toMSecsSinceEpoch())
                       .arg(info.metadataChangeTime().toMSecsSinceEpoch());
    } else {
      signature += QStringLiteral(" absent\n");
    }
  }
  if (totalBytes < options.cacheMinBytes) return parse(path, format.value(), options);
  const QString key = QFileInfo(path).absoluteFilePath() + QStringLiteral("|") +
                      signature.section(QLatin1Char('\n'), 0, 0);
  Dataset cached;
  if (detail::loadCached(key, signature, &cached)) {
    cached.sourcePath = path;
    if (options.progress) options.progress(totalBytes, totalBytes);
    return cached;
  }
  auto parsed = parse(path, format.value(), options);
  if (parsed.ok()) detail::storeCached(key, signature, parsed.value());
  return parsed;
}

}  // namespace irl4rec::data
