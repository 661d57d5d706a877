#include "core/common/run_values.h"

#include <QRegularExpression>
#include <QStringList>

#include <algorithm>

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

Expected<std::vector<quint64>> parseSeedList(const QString& text, int maxSeeds) {
  static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
  std::vector<quint64> seeds;
  const auto tooMany = [&] {
    return Error::general(QStringLiteral("seeds: at most %1 in one launch").arg(maxSeeds));
  };
  for (const QString& token : text.split(separators, Qt::SkipEmptyParts)) {
    const int dash = int(token.indexOf(QLatin1Char('-')));
    bool okLow = false, okHigh = true;
    const quint64 low = (dash < 0 ? token : token.left(dash)).toULongLong(&okLow);
    const quint64 high = dash < 0 ? low : token.mid(dash + 1).toULongLong(&okHigh);
    if (!okLow || !okHigh || high < low)
      return Error::general(
          QStringLiteral("seeds: '%1' is not a non-negative number or a range like 1-5").arg(token));
    if (high - low >= quint64(maxSeeds)) return tooMany();
    for (quint64 s = low; s <= high; ++s)
      if (std::find(seeds.begin(), seeds.end(), s) == seeds.end()) seeds.push_back(s);
    if (seeds.size() > size_t(maxSeeds)) return tooMany();
  }
  if (seeds.empty()) return Error::general(QStringLiteral("seeds: give at least one (e.g. 1, 1-5 or 1 3 7)"));
  return seeds;
}

}  // namespace irl4rec
