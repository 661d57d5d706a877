#pragma once
/// Small file helpers shared by core and the CLI.

#include "core/common/error.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace irl4rec {

/// Writes `bytes` to `path` atomically (QSaveFile: a reader never sees half a file).
Status writeFileAtomically(const QString& path, const QByteArray& bytes);

/// Reads a file holding one JSON object. Errors name the file, the line and the cause
/// ("config.json:3: invalid JSON: missing value separator (column 12)").
Expected<QJsonObject> readJsonObjectFile(const QString& path);

}  // namespace irl4rec
