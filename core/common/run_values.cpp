#include "core/common/run_values.h"

namespace irl4rec {

QString toString(RunStatus status) {
  switch (status) {
    case RunStatus::Queued: return QStringLiteral("queued");
    case RunStatus::Running: return QStringLiteral("running");
    case RunStatus::Finished: return QStringLiteral("finished");
    case RunStatus::Failed: return QStringLiteral("failed");
    case RunStatus::Cancelled: return QStringLiteral("cancelled");
    case RunStatus::Diverged: return QStringLiteral("diverged");
    case RunStatus::Interrupted: return QStringLiteral("interrupted");
  }
  return QStringLiteral("failed");
}

std::optional<RunStatus> parseRunStatus(const QString& name) {
  for (RunStatus s : {RunStatus::Queued, RunStatus::Running, RunStatus::Finished, RunStatus::Failed,
                      RunStatus::Cancelled, RunStatus::Diverged, RunStatus::Interrupted}) {
    if (toString(s) == name) return s;
  }
  return std::nullopt;
}

bool isTerminal(RunStatus status) {
  return status != RunStatus::Queued && status != RunStatus::Running;
}

}  // namespace irl4rec
