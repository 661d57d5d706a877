#include "core/common/files.h"

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

}  // namespace irl4rec
