#pragma once
/// Small file helpers shared by core and the CLI.

#include "core/common/error.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace irl4rec {

/// Writes `bytes` to `path` atomically (QSaveFile: a reader never sees half a file).
Status writeFileAtomically(const QString& path, const QByteArray& bytes);

/// Reads a whole file: a missing path, a directory or an unreadable file is an Error naming it.
Expected<QByteArray> readFileBytes(const QString& path);

/// Reads a file holding one JSON object. Errors name the file, the line and the cause
/// ("config.json:3: invalid JSON: missing value separator (column 12)").
Expected<QJsonObject> readJsonObjectFile(const QString& path);
/// The same for bytes already read; `path` names them in errors.
Expected<QJsonObject> parseJsonObject(const QByteArray& bytes, const QString& path);

}  // namespace irl4rec
