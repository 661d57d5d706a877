#include "core/data/readers.h"
namespace irl4rec::data {
Status writeSequenceText(const Dataset&, const QString& path) { return Error::at(path, 0, QStringLiteral("not implemented")); }
Status writeRecBole(const Dataset&, const QString& path) { return Error::at(path, 0, QStringLiteral("not implemented")); }
}  // namespace irl4rec::data
