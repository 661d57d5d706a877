#include "core/eval/reference_models.h"

#include "core/eval/ranking.h"

namespace irl4rec::eval {

Expected<ReferenceModel> parseReferenceModel(const QString& name) {
  if (name == QLatin1String("pop") || name == QLatin1String("popularity"))
    return ReferenceModel::Popularity;
  if (name == QLatin1String("constant")) return ReferenceModel::Constant;
  if (name == QLatin1String("random")) return ReferenceModel::Random;
  return Error::general(
      QStringLiteral("unknown reference model '%1' (expected pop|constant|random)").arg(name));
}

Expected<RankingMetrics> evaluateReference(const data::Dataset& dataset, data::Stage stage,
                                           ReferenceModel model, bool sampled, uint64_t seed) {
  if (dataset.numItems() <= 0) return Error::general(QStringLiteral("the dataset has no items"));
  data::LeaveOneOutSplit split(dataset);
  if (!split.evaluable())
    return Error::general(QStringLiteral("the dataset cannot be split: no user has 3 items"));
  const int64_t n = dataset.numItems() + 1;
  torch::Tensor counts = torch::zeros({n}, torch::kFloat);
  {
    auto acc = counts.accessor<float, 1>();
    for (int64_t u = 0; u < dataset.numUsers(); ++u) {
      const auto& seq = dataset.sequences[size_t(u)];
      for (int32_t i = 0; i < split.trainLength(u); ++i) acc[seq[size_t(i)]] += 1.0f;
    }
  }
  auto generator = at::detail::createCPUGenerator(seed);
  Scorer scorer = [&](const std::vector<data::Slice>& slices) -> torch::Tensor {
    const int64_t B = int64_t(slices.size());
    switch (model) {
      case ReferenceModel::Popularity: return counts.unsqueeze(0).expand({B, n}).clone();
      case ReferenceModel::Constant: return torch::zeros({B, n});
      case ReferenceModel::Random: return at::rand({B, n}, generator);
    }
    return torch::zeros({B, n});
  };
  EvalOptions options;
  options.sampled = sampled;
  return evaluateCases(dataset, split.cases(stage), scorer, options);
}

}  // namespace irl4rec::eval
