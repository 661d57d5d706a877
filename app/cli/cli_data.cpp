// Placeholder until the 'data' command group lands.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"

namespace irl4rec::cli {

int runData(const QStringList& args) {
  return badInput(QStringLiteral("'data' is not available in this build yet"));
}

}  // namespace irl4rec::cli
