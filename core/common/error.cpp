#include "core/common/error.h"

namespace irl4rec {

QString Error::message() const {
  if (file.isEmpty()) return cause;
  if (line > 0) return QStringLiteral("%1:%2: %3").arg(file).arg(line).arg(cause);
  return QStringLiteral("%1: %2").arg(file, cause);
}

}  // namespace irl4rec
