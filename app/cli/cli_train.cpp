// Placeholder until the 'train' command group lands.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"

namespace irl4rec::cli {

int runTrain(const QStringList& args) {
  return badInput(QStringLiteral("'train' is not available in this build yet"));
}

}  // namespace irl4rec::cli

namespace irl4rec::cli {
int runEval(const QStringList& args) {
  return badInput(QStringLiteral("'eval' is not available in this build yet"));
}
}  // namespace irl4rec::cli
