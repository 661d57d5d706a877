// Placeholder until the 'runs' command group lands.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"

namespace irl4rec::cli {

int runRuns(const QStringList& args) {
  return badInput(QStringLiteral("'runs' is not available in this build yet"));
}

}  // namespace irl4rec::cli
