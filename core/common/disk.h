#pragma once
/// Why writing a file failed, when the system can tell (Qt reports EFBIG and ENOSPC on a
/// QSaveFile as "Unknown error"). Qt Core only.

#include <QString>

namespace irl4rec {

/// For a write of `bytes` bytes into `directory`: "... is larger than this process's file size
/// limit (X, ulimit -f) ..." or "the disk is full (X free on /mount) ...", else empty.
QString writeFailureCause(const QString& directory, qint64 bytes);

}  // namespace irl4rec
