#pragma once
/// Ranking metrics (DESIGN.md §1 "Evaluation"). Torch-free: the GUI, the store and the CLI
/// all use these value types.
///
/// A user's rank is 0-based and pessimistic: the number of *other* candidate items whose score is
/// >= the target's score (history items excluded). HR@k = rank < k, NDCG@k = 1/log2(rank + 2),
/// MRR@k = 1/(rank + 1), each 0 when rank >= k.

#include <QJsonObject>
#include <QString>

#include <array>
#include <cstdint>
#include <vector>

namespace irl4rec::eval {

/// Cut-offs reported everywhere.
constexpr std::array<int, 3> kCutoffs = {5, 10, 20};

struct RankingMetrics {
  std::array<double, 3> hr{};    ///< at kCutoffs
  std::array<double, 3> ndcg{};
  std::array<double, 3> mrr{};
  int64_t users = 0;             ///< evaluated users
  QString protocol = QStringLiteral("full");  ///< "full" (history masked) or "sampled"
  /// Test metrics of a model that was trained on the validation items too (the refit protocol);
  /// in JSON as "trained_on_validation": true, only when set.
  bool trainedOnValidation = false;

  double hrAt(int k) const;      ///< k in kCutoffs, else NaN
  double ndcgAt(int k) const;
  double mrrAt(int k) const;
  /// {"HR@5": .., "NDCG@5": .., "MRR@5": .., ..., "users": n, "protocol": "full",
  ///  "history_masked": true}
  QJsonObject toJson() const;
  /// The inverse of toJson() (missing values are 0); doubles round-trip exactly.
  static RankingMetrics fromJson(const QJsonObject& json);
  /// "HR@10 0.0605 NDCG@10 0.0318 ..." for logs.
  QString summary() const;
};

/// Aggregates 0-based pessimistic ranks into metrics.
RankingMetrics metricsFromRanks(const std::vector<int64_t>& ranks, const QString& protocol);

}  // namespace irl4rec::eval
