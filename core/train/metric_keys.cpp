#include "core/train/metric_keys.h"

#include <QStringList>

namespace irl4rec::train::metric {

store::MetricDirection direction(const QString& key) {
  // Plain loops rather than a shared static QRegularExpression: this runs on writer threads.
  static const QStringList kMaximized = {
      QStringLiteral("ndcg"),      QStringLiteral("hr"),  QStringLiteral("hit"),
      QStringLiteral("hits"),      QStringLiteral("mrr"), QStringLiteral("recall"),
      QStringLiteral("precision"), QStringLiteral("auc"), QStringLiteral("acc"),
      QStringLiteral("accuracy"),  QStringLiteral("map"), QStringLiteral("coverage")};
  const QString lower = key.toLower();
  QString token;
  auto check = [&]() {
    while (!token.isEmpty() && token.back().isDigit()) token.chop(1);
    const bool hit = kMaximized.contains(token);
    token.clear();
    return hit;
  };
  for (QChar c : lower) {
    if ((c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
        (c >= QLatin1Char('0') && c <= QLatin1Char('9'))) {
      token += c;
    } else if (check()) {
      return store::MetricDirection::Maximize;
    }
  }
  return check() ? store::MetricDirection::Maximize : store::MetricDirection::Minimize;
}

}  // namespace irl4rec::train::metric
