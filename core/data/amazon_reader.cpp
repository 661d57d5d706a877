#include "core/data/reader_common.h"
namespace irl4rec::data::detail {
Expected<Dataset> readAmazon(const QString& path, const LoadOptions&) {
  return Error::at(path, 0, QStringLiteral("Amazon reader not implemented yet"));
}
}  // namespace irl4rec::data::detail
