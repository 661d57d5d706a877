#pragma once
/// The CLI's command groups. Each takes the arguments after its group name
/// (args[0] is the sub-command) and returns the process exit code:
/// 0 success, 1 a failure during work (e.g. a diverged run), 2 bad input with a one-line reason.

#include <QStringList>

namespace irl4rec::cli {

int runData(const QStringList& args);   ///< data stats|convert|synth
int runTrain(const QStringList& args);  ///< train
int runRecipes(const QStringList& args);  ///< recipes list|show NAME
int runEval(const QStringList& args);   ///< eval --checkpoint FILE
int runRuns(const QStringList& args);   ///< runs list|show|compare|delete|export|import
int runRunsCompare(const QStringList& args);  ///< runs compare (cli_runs_compare.cpp)
int runProject(const QStringList& args);
int runSweep(const QStringList& args);  ///< sweep plan|run|submit|status|cancel|task  ///< project RUN: PCA / t-SNE of stored embeddings

}  // namespace irl4rec::cli
