#include "core/common/disk.h"

#include <QLocale>
#include <QStorageInfo>

#include <sys/resource.h>

namespace irl4rec {

QString writeFailureCause(const QString& directory, qint64 bytes) {
  const QLocale c = QLocale::c();
  struct rlimit limit {};
  if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      bytes >= qint64(limit.rlim_cur)) {
    return QStringLiteral("writing %1 exceeds this process's file size limit (%2, ulimit -f)")
        .arg(c.formattedDataSize(bytes), c.formattedDataSize(qint64(limit.rlim_cur)));
  }
  const QStorageInfo disk(directory);
  if (disk.isValid() && disk.bytesAvailable() < bytes + (qint64(1) << 20)) {
    return QStringLiteral("the disk is full (%1 free on %2, %3 to write)")
        .arg(c.formattedDataSize(disk.bytesAvailable()), disk.rootPath(), c.formattedDataSize(bytes));
  }
  return {};
}

}  // namespace irl4rec
