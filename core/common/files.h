#pragma once
/// Small file helpers shared by core and the CLI.

#include "core/common/error.h"

#include <QByteArray>
#include <QString>

namespace irl4rec {

/// Writes `bytes` to `path` atomically (QSaveFile: a reader never sees half a file).
Status writeFileAtomically(const QString& path, const QByteArray& bytes);

}  // namespace irl4rec
