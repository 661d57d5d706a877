#include "core/common/files.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSaveFile>

namespace irl4rec {

Status writeFileAtomically(const QString& path, const QByteArray& bytes) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    return Error::at(path, 0, QStringLiteral("cannot write: %1").arg(file.errorString()));
  }
  file.write(bytes);
  if (!file.commit()) {
    return Error::at(path, 0, QStringLiteral("cannot write: %1").arg(file.errorString()));
  }
  return {};
}

Expected<QByteArray> readFileBytes(const QString& path) {
  const QFileInfo info(path);
  if (!info.exists()) return Error::at(path, 0, QStringLiteral("no such file"));
  if (info.isDir()) return Error::at(path, 0, QStringLiteral("is a directory, expected a file"));
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    return Error::at(path, 0, QStringLiteral("cannot open: %1").arg(file.errorString()));
  }
  QByteArray data = file.readAll();
  if (file.error() != QFileDevice::NoError) {
    return Error::at(path, 0, QStringLiteral("cannot read: %1").arg(file.errorString()));
  }
  return data;
}

Expected<QJsonObject> readJsonObjectFile(const QString& path) {
  auto read = readFileBytes(path);
  if (!read.ok()) return read.error();
  return parseJsonObject(read.value(), path);
}

Expected<QJsonObject> parseJsonObject(const QByteArray& bytes, const QString& path) {
  QJsonParseError parsed;
  const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parsed);
  if (parsed.error != QJsonParseError::NoError) {
    // Line and column of the offset Qt reports (1-based).
    const int offset = qBound(0, parsed.offset, int(bytes.size()));
    const QByteArray before = bytes.left(offset);
    const qint64 line = before.count('\n') + 1;
    const int column = offset - (before.lastIndexOf('\n') + 1) + 1;
    return Error::at(path, line, QStringLiteral("invalid JSON: %1 (column %2)")
                                     .arg(parsed.errorString())
                                     .arg(column));
  }
  if (!doc.isObject()) {
    return Error::at(path, 1, QStringLiteral("expected a JSON object {...}, found %1")
                                  .arg(doc.isArray() ? QStringLiteral("an array") : QStringLiteral("no value")));
  }
  return doc.object();
}

}  // namespace irl4rec
