// irl4rec: the headless command line. Runs the same core as the workbench.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/common/blas_kernels.h"
#include "core/common/build_info.h"
#include "core/store/run_store.h"

#include <QCoreApplication>

#include <exception>

namespace {

const char* const kUsage =
    "usage: irl4rec <command> [options]\n"
    "\n"
    "commands:\n"
    "  data stats PATH [--json]          statistics of a dataset (any supported format)\n"
    "  data convert IN OUT [--to F]      convert to sequence text or RecBole atomic files\n"
    "  data synth --out DIR [params]     write the synthetic spurious-correlation benchmark\n"
    "  train --data PATH [options]       train a baseline or Irl4Rec model (see train --help)\n"
    "  train --recipe NAME --data PATH   train a named recipe (flags after it override it)\n"
    "  recipes list|show NAME            the shipped recipes: source, published numbers, config\n"
    "  eval --checkpoint FILE            re-evaluate a saved checkpoint\n"
    "  runs list|show|delete|export|import  inspect the run store; merge shards\n"
    "  project RUN [--method pca|tsne]   2-D projection of a stored run's embeddings (see\n"
    "                                    project --help)\n"
    "  sweep plan|run|submit|status|cancel SPEC\n"
    "                                    grid / random searches, locally or as a SLURM job\n"
    "                                    array (see sweep --help, docs/SWEEPS.md)\n"
    "\n"
    "  --version                         version, git revision, Qt, LibTorch, BLAS, store\n"
    "\n"
    "Exit codes: 0 success, 1 failure during work, 2 bad input.\n";

}  // namespace

int main(int argc, char** argv) {
  irl4rec::restartWithFastBlasKernels(argv);  // before anything loads a matrix
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationName(QStringLiteral("irl4rec"));
  QCoreApplication::setOrganizationName(QStringLiteral("irl4rec"));
  QStringList args = QCoreApplication::arguments();
  args.removeFirst();
  if (args.isEmpty() || args[0] == QLatin1String("--help") || args[0] == QLatin1String("-h")) {
    irl4rec::cli::out(QString::fromUtf8(kUsage));
    return args.isEmpty() ? irl4rec::cli::kExitBadInput : irl4rec::cli::kExitOk;
  }
  const QString command = args.takeFirst();
  if (command == QLatin1String("--version")) {
    const QString store = irl4rec::store::RunStore::defaultPath();
    irl4rec::cli::out(QStringLiteral("irl4rec %1\n").arg(QStringLiteral(IRL4REC_VERSION)) +
                      irl4rec::buildInfo().text(irl4rec::store::RunStore::describe(store)));
    return irl4rec::cli::kExitOk;
  }
  try {
    if (command == QLatin1String("data")) return irl4rec::cli::runData(args);
    if (command == QLatin1String("train")) return irl4rec::cli::runTrain(args);
    if (command == QLatin1String("recipes")) return irl4rec::cli::runRecipes(args);
    if (command == QLatin1String("eval")) return irl4rec::cli::runEval(args);
    if (command == QLatin1String("runs")) return irl4rec::cli::runRuns(args);
    if (command == QLatin1String("project")) return irl4rec::cli::runProject(args);
    if (command == QLatin1String("sweep")) return irl4rec::cli::runSweep(args);
  } catch (const std::exception& e) {
    // Bugs only: bad input is reported by the commands themselves.
    irl4rec::cli::err(QStringLiteral("irl4rec: internal error: %1\n").arg(QString::fromUtf8(e.what())));
    return irl4rec::cli::kExitFailure;
  }
  return irl4rec::cli::badInput(QStringLiteral("unknown command '%1' (try --help)").arg(command));
}
