#pragma once
/// Runs the `irl4rec` CLI built with the tests (IRL4REC_CLI_PATH) as a process.

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace irl4rec::testing {

struct CliResult {
  int code = -1;  ///< exit code; -1 when it crashed or did not finish in time
  QString out;
  QString err;
};

/// `irl4rec ARGS...` (the command first) in `env`.
inline CliResult runCliProcess(const QStringList& args,
                               const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
                               int timeoutMs = 300000) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(QStringLiteral(IRL4REC_CLI_PATH), args);
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
    return {};
  }
  return CliResult{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
                   QString::fromUtf8(p.readAllStandardOutput()),
                   QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace irl4rec::testing
