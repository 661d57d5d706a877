#include "core/eval/metrics.h"

#include <cmath>
#include <limits>

namespace irl4rec::eval {
namespace {
int cutoffIndex(int k) {
  for (size_t i = 0; i < kCutoffs.size(); ++i)
    if (kCutoffs[i] == k) return int(i);
  return -1;
}
}  // namespace

double RankingMetrics::hrAt(int k) const {
  const int i = cutoffIndex(k);
  return i < 0 ? std::numeric_limits<double>::quiet_NaN() : hr[size_t(i)];
}
double RankingMetrics::ndcgAt(int k) const {
  const int i = cutoffIndex(k);
  return i < 0 ? std::numeric_limits<double>::quiet_NaN() : ndcg[size_t(i)];
}
double RankingMetrics::mrrAt(int k) const {
  const int i = cutoffIndex(k);
  return i < 0 ? std::numeric_limits<double>::quiet_NaN() : mrr[size_t(i)];
}

QJsonObject RankingMetrics::toJson() const {
  QJsonObject o;
  for (size_t i = 0; i < kCutoffs.size(); ++i) {
    o[QStringLiteral("HR@%1").arg(kCutoffs[i])] = hr[i];
    o[QStringLiteral("NDCG@%1").arg(kCutoffs[i])] = ndcg[i];
    o[QStringLiteral("MRR@%1").arg(kCutoffs[i])] = mrr[i];
  }
  o[QStringLiteral("users")] = double(users);
  o[QStringLiteral("protocol")] = protocol;
  o[QStringLiteral("history_masked")] = protocol == QLatin1String("full");
  if (trainedOnValidation) o[QStringLiteral("trained_on_validation")] = true;
  return o;
}

RankingMetrics RankingMetrics::fromJson(const QJsonObject& o) {
  RankingMetrics m;
  for (size_t i = 0; i < kCutoffs.size(); ++i) {
    m.hr[i] = o.value(QStringLiteral("HR@%1").arg(kCutoffs[i])).toDouble();
    m.ndcg[i] = o.value(QStringLiteral("NDCG@%1").arg(kCutoffs[i])).toDouble();
    m.mrr[i] = o.value(QStringLiteral("MRR@%1").arg(kCutoffs[i])).toDouble();
  }
  m.users = int64_t(o.value(QStringLiteral("users")).toDouble());
  m.protocol = o.value(QStringLiteral("protocol")).toString(QStringLiteral("full"));
  m.trainedOnValidation = o.value(QStringLiteral("trained_on_validation")).toBool(false);
  return m;
}

QString RankingMetrics::summary() const {
  QString s;
  for (size_t i = 0; i < kCutoffs.size(); ++i) {
    s += QStringLiteral("HR@%1 %2 NDCG@%1 %3 ")
             .arg(kCutoffs[i])
             .arg(hr[i], 0, 'f', 4)
             .arg(ndcg[i], 0, 'f', 4);
  }
  s += QStringLiteral("MRR@10 %1 (%2%3, %4 users)")
           .arg(mrr[1], 0, 'f', 4)
           .arg(protocol, trainedOnValidation ? QStringLiteral(", refit: trained on validation")
                                              : QString())
           .arg(users);
  return s;
}

RankingMetrics metricsFromRanks(const std::vector<int64_t>& ranks, const QString& protocol) {
  RankingMetrics m;
  m.protocol = protocol;
  m.users = int64_t(ranks.size());
  if (ranks.empty()) return m;
  for (const int64_t r : ranks) {
    for (size_t i = 0; i < kCutoffs.size(); ++i) {
      if (r < kCutoffs[i]) {
        m.hr[i] += 1.0;
        m.ndcg[i] += 1.0 / std::log2(double(r) + 2.0);
        m.mrr[i] += 1.0 / (double(r) + 1.0);
      }
    }
  }
  const double n = double(ranks.size());
  for (size_t i = 0; i < kCutoffs.size(); ++i) {
    m.hr[i] /= n;
    m.ndcg[i] /= n;
    m.mrr[i] /= n;
  }
  return m;
}

}  // namespace irl4rec::eval
