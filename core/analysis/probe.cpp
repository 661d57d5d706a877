#include "core/analysis/probe.h"

#include "core/data/dataset.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace irl4rec::analysis {
namespace {

// Same generator as the t-SNE sample: identical splits on every platform.
uint64_t splitMix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

Expected<ProbeResult> linearProbe(const MatrixRef& x, const std::vector<int64_t>& labels,
                                  const ProbeOptions& options) {
  if (x.data == nullptr || x.rows < 1 || x.dim < 1) {
    return Error::general(QStringLiteral("probe: empty matrix"));
  }
  if (int64_t(labels.size()) != x.rows) {
    return Error::general(
        QStringLiteral("probe: %1 labels for %2 rows").arg(labels.size()).arg(x.rows));
  }
  if (!(options.trainFraction > 0 && options.trainFraction < 1) || options.iterations < 1 ||
      !(options.l2 >= 0) || options.maxClasses < 0) {
    return Error::general(QStringLiteral(
        "probe: invalid options (0 < train fraction < 1, iterations >= 1, l2 >= 0)"));
  }
  for (int64_t i = 0; i < x.rows * x.dim; ++i) {
    if (!std::isfinite(x.data[i])) {
      return Error::general(QStringLiteral("probe: non-finite value in row %1, column %2")
                                .arg(i / x.dim)
                                .arg(i % x.dim));
    }
  }

  // Labelled rows, shuffled by the seed, split into train and test.
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < x.rows; ++i) {
    if (labels[size_t(i)] > 0) rows.push_back(i);
  }
  uint64_t state = options.seed;
  for (size_t i = rows.size(); i > 1; --i) {
    std::swap(rows[i - 1], rows[size_t(splitMix(state) % i)]);
  }
  const auto trainCount = int64_t(std::llround(options.trainFraction * double(rows.size())));
  if (trainCount < 2 || int64_t(rows.size()) - trainCount < 1) {
    return Error::general(QStringLiteral("probe: too few labelled rows (%1) for a train/test split")
                              .arg(rows.size()));
  }

  // Classes: the most frequent training labels (ties: smaller label), the rest merged.
  std::map<int64_t, int64_t> trainCounts;
  for (int64_t r = 0; r < trainCount; ++r) ++trainCounts[labels[size_t(rows[size_t(r)])]];
  std::vector<std::pair<int64_t, int64_t>> byCount(trainCounts.begin(), trainCounts.end());
  std::stable_sort(byCount.begin(), byCount.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  ProbeResult result;
  std::unordered_map<int64_t, int64_t> classOf;
  const size_t kept = options.maxClasses > 0 && byCount.size() > size_t(options.maxClasses)
                          ? size_t(options.maxClasses)
                          : byCount.size();
  for (size_t c = 0; c < kept; ++c) classOf[byCount[c].first] = int64_t(c);
  // Everything else, including labels only seen in the test rows, is "other" when merging; without
  // merging an unseen test label gets a class of its own the model can never predict.
  result.mergedOther = kept < byCount.size();
  int64_t numClasses = int64_t(kept) + (result.mergedOther ? 1 : 0);
  const int64_t otherClass = int64_t(kept);
  std::vector<int64_t> target(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    const int64_t label = labels[size_t(rows[r])];
    auto it = classOf.find(label);
    if (it != classOf.end()) {
      target[r] = it->second;
    } else if (result.mergedOther) {
      target[r] = otherClass;
    } else {
      target[r] = numClasses;
      classOf[label] = numClasses++;
    }
  }
  if (numClasses < 2) {
    return Error::general(
        QStringLiteral("probe: needs at least 2 classes (got %1)").arg(numClasses));
  }
  result.numClasses = int(numClasses);
  result.chance = 1.0 / double(numClasses);
  result.trainRows = trainCount;
  result.testRows = int64_t(rows.size()) - trainCount;

  torch::NoGradGuard noGrad;
  auto all = torch::from_blob(const_cast<float*>(x.data), {x.rows, x.dim}, torch::kFloat32);
  auto index = torch::tensor(rows, torch::kLong);
  auto features = all.index_select(0, index).to(torch::kFloat64);
  auto y = torch::tensor(target, torch::kLong);
  auto trainX = features.slice(0, 0, trainCount);
  auto testX = features.slice(0, trainCount);
  auto trainY = y.slice(0, 0, trainCount);
  auto testY = y.slice(0, trainCount);
  if (options.standardize) {
    auto mean = trainX.mean(0, true);
    auto sd = trainX.std(0, /*unbiased=*/false, true).clamp_min(1e-12);
    trainX = (trainX - mean) / sd;
    testX = (testX - mean) / sd;
  }

  // Majority baseline: the most frequent training class predicted for every test row.
  const int64_t majority = trainY.bincount({}, numClasses).argmax().item<int64_t>();
  result.majorityBaseline = (testY == majority).to(torch::kFloat64).mean().item<double>();

  // Convex problem, zero start: LBFGS full batch is deterministic and needs no learning rate.
  auto weight = torch::zeros({x.dim, numClasses}, torch::kFloat64).requires_grad_(true);
  auto bias = torch::zeros({numClasses}, torch::kFloat64).requires_grad_(true);
  torch::optim::LBFGS optimizer({weight, bias}, torch::optim::LBFGSOptions(1.0)
                                                    .max_iter(options.iterations)
                                                    .history_size(10)
                                                    .tolerance_grad(1e-9)
                                                    .tolerance_change(1e-12)
                                                    .line_search_fn("strong_wolfe"));
  {
    torch::AutoGradMode enable(true);
    auto closure = [&]() {
      optimizer.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(trainX.mm(weight) + bias, trainY) +
                  0.5 * options.l2 * weight.pow(2).sum();
      loss.backward();
      return loss;
    };
    optimizer.step(closure);
  }
  auto accuracy = [&](const torch::Tensor& features, const torch::Tensor& truth) {
    auto predicted = (features.mm(weight) + bias).argmax(1);
    return (predicted == truth).to(torch::kFloat64).mean().item<double>();
  };
  result.accuracy = accuracy(testX, testY);
  result.trainAccuracy = accuracy(trainX, trainY);
  return result;
}

std::vector<int32_t> dominantAttributes(const data::Dataset& dataset, int dropLast,
                                        double maxItemShare) {
  std::vector<int32_t> out(dataset.sequences.size(), 0);
  std::vector<int32_t> counts(size_t(dataset.numAttributes()) + 1, 0);
  std::vector<int32_t> touched;
  // Attributes on too many items say nothing about a user: mark them ignored.
  std::vector<char> ignored(counts.size(), 0);
  if (maxItemShare < 1 && dataset.numItems() > 0) {
    std::vector<int64_t> items(counts.size(), 0);
    for (const auto& attrs : dataset.itemAttributes) {
      for (int32_t a : attrs) {
        if (a > 0 && size_t(a) < items.size()) ++items[size_t(a)];
      }
    }
    for (size_t a = 1; a < items.size(); ++a) {
      ignored[a] = double(items[a]) > maxItemShare * double(dataset.numItems());
    }
  }
  for (size_t u = 0; u < dataset.sequences.size(); ++u) {
    const auto& seq = dataset.sequences[u];
    const auto length = int64_t(seq.size()) - std::max(0, dropLast);
    for (int64_t i = 0; i < length; ++i) {
      const auto item = size_t(seq[size_t(i)]);
      if (item >= dataset.itemAttributes.size()) continue;
      for (int32_t a : dataset.itemAttributes[item]) {
        if (a <= 0 || size_t(a) >= counts.size() || ignored[size_t(a)]) continue;
        if (counts[size_t(a)]++ == 0) touched.push_back(a);
      }
    }
    int32_t best = 0;
    for (int32_t a : touched) {
      if (best == 0 || counts[size_t(a)] > counts[size_t(best)] ||
          (counts[size_t(a)] == counts[size_t(best)] && a < best)) {
        best = a;
      }
    }
    out[u] = best;
    for (int32_t a : touched) counts[size_t(a)] = 0;
    touched.clear();
  }
  return out;
}

std::vector<int64_t> labelsForIds(const std::vector<int32_t>& perEntity,
                                  const std::vector<int64_t>& ids) {
  std::vector<int64_t> out(ids.size(), 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= 0 && size_t(ids[i]) < perEntity.size()) out[i] = perEntity[size_t(ids[i])];
  }
  return out;
}

}  // namespace irl4rec::analysis
