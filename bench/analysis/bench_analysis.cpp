// Figures for docs/ANALYSIS.md: PCA of a Sports-sized user matrix (35,598 x 64), Barnes–Hut
// t-SNE of a 10,000-point sample of it, cosine neighbours and the linear probe on the same data.
// The data are 20 Gaussian clusters in 64-D (a stand-in for trained user embeddings with a
// known label), seeded. With ../shared/datasets/amazon present it also times the dominant
// attribute of every Sports user and PCA + probe on a bag-of-attributes user matrix built from
// the real histories.
// Usage: bench_analysis [--threads N] [--iterations N] [--theta X] [--skip-tsne]
#include "core/analysis/neighbours.h"
#include "core/analysis/probe.h"
#include "core/analysis/projection.h"
#include "core/common/blas_kernels.h"
#include "core/data/readers.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QStringList>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

using namespace irl4rec::analysis;

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Share of each sampled point's 10 nearest 2-D neighbours with the same cluster (O(n²), once).
double purity(const std::vector<float>& xy, const std::vector<int64_t>& label) {
  const size_t n = label.size();
  const int k = 10;
  double same = 0;
  std::vector<std::pair<float, size_t>> d(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const float dx = xy[2 * i] - xy[2 * j], dy = xy[2 * i + 1] - xy[2 * j + 1];
      d[j] = {i == j ? 1e30f : dx * dx + dy * dy, j};
    }
    std::partial_sort(d.begin(), d.begin() + k, d.end());
    for (int e = 0; e < k; ++e) same += label[d[size_t(e)].second] == label[i];
  }
  return same / double(n * k);
}

}  // namespace

int main(int argc, char** argv) {
  irl4rec::restartWithFastBlasKernels(argv);  // before anything loads a matrix
  QCoreApplication app(argc, argv);
  const QStringList args = app.arguments();
  auto intArg = [&](const char* name, int fallback) {
    const int i = int(args.indexOf(QLatin1String(name)));
    return i >= 0 && i + 1 < args.size() ? args[i + 1].toInt() : fallback;
  };
  const int threads = intArg("--threads", 2);
  const int iterations = intArg("--iterations", 1000);
  const bool skipTsne = args.contains(QStringLiteral("--skip-tsne"));
  const int thetaAt = int(args.indexOf(QStringLiteral("--theta")));
  const double theta =
      thetaAt >= 0 && thetaAt + 1 < args.size() ? args[thetaAt + 1].toDouble() : 0.5;

  const int64_t rows = 35598, dim = 64, clusters = 20;
  std::mt19937 rng(42);
  std::normal_distribution<float> g(0, 1);
  std::vector<float> centres(size_t(clusters * dim));
  for (auto& c : centres) c = 2.5f * g(rng);
  std::vector<float> values(size_t(rows * dim));
  std::vector<int64_t> label(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t c = int64_t(rng() % uint32_t(clusters));
    label[size_t(i)] = c + 1;
    for (int64_t d = 0; d < dim; ++d) {
      values[size_t(i * dim + d)] = centres[size_t(c * dim + d)] + g(rng);
    }
  }
  const MatrixRef x{values.data(), rows, dim};
  std::printf("data: %lld x %lld, %lld clusters\n", (long long)rows, (long long)dim,
              (long long)clusters);

  std::vector<double> pcaTimes;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = pca(x);
    pcaTimes.push_back(secondsSince(t0));
    if (!r) {
      std::fprintf(stderr, "%s\n", qPrintable(r.error().message()));
      return 1;
    }
    if (rep == 0) {
      std::printf("pca: explained variance ratio %.3f %.3f\n", r.value().explainedVarianceRatio[0],
                  r.value().explainedVarianceRatio[1]);
    }
  }
  std::sort(pcaTimes.begin(), pcaTimes.end());
  std::printf("pca %lld x %lld: median %.3f s, min %.3f s (5 runs)\n", (long long)rows,
              (long long)dim, pcaTimes[2], pcaTimes[0]);

  {
    const auto t0 = std::chrono::steady_clock::now();
    auto nb = nearestByCosine(x, 0, 10);
    std::printf("neighbours: 10 nearest of one row among %lld: %.3f s\n", (long long)rows,
                secondsSince(t0));
    std::vector<int64_t> queries(1000);
    for (size_t i = 0; i < queries.size(); ++i) queries[i] = int64_t(i * 35);
    const auto t1 = std::chrono::steady_clock::now();
    auto batch = nearestByCosine(x, queries, 10);
    std::printf("neighbours: 10 nearest of 1,000 rows (batched): %.3f s\n", secondsSince(t1));
  }
  {
    const auto t0 = std::chrono::steady_clock::now();
    auto p = linearProbe(x, label);
    if (p) {
      std::printf(
          "probe %lld rows, %d classes: accuracy %.3f (majority %.3f, chance %.3f), %.2f s\n",
          (long long)rows, p.value().numClasses, p.value().accuracy, p.value().majorityBaseline,
          p.value().chance, secondsSince(t0));
    }
  }

  const QString sports =
      QStringLiteral(IRL4REC_SHARED_DIR "/datasets/amazon/Sports_and_Outdoors.txt");
  if (QFileInfo::exists(sports)) {
    auto ds = irl4rec::data::loadDataset(sports);
    if (ds) {
      const auto& d = ds.value();
      auto t0 = std::chrono::steady_clock::now();
      const auto dominant = dominantAttributes(d);
      std::printf("sports: dominant attribute of %lld users: %.3f s\n", (long long)d.numUsers(),
                  secondsSince(t0));
      // A user = mean over the history items of the mean of the items' attribute vectors
      // (seeded Gaussian per attribute, 64-D): real structure, no training needed.
      std::vector<float> attr(size_t(d.numAttributes() + 1) * size_t(dim));
      for (auto& v : attr) v = g(rng);
      std::vector<float> users(size_t(d.numUsers()) * size_t(dim), 0.f);
      for (size_t u = 0; u < d.sequences.size(); ++u) {
        const auto& seq = d.sequences[u];
        float* row = users.data() + u * size_t(dim);
        for (size_t i = 0; i + 1 < seq.size(); ++i) {
          const auto& attrs = d.itemAttributes[size_t(seq[i])];
          for (int32_t a : attrs) {
            for (int64_t k = 0; k < dim; ++k)
              row[k] += attr[size_t(a) * size_t(dim) + size_t(k)] / float(attrs.size());
          }
        }
        for (int64_t k = 0; k < dim; ++k)
          row[k] = row[k] / float(std::max<size_t>(1, seq.size() - 1)) + 0.1f * g(rng);
      }
      const MatrixRef real{users.data(), d.numUsers(), dim};
      t0 = std::chrono::steady_clock::now();
      auto p = pca(real);
      std::printf("sports: pca %lld x %lld: %.3f s\n", (long long)real.rows, (long long)dim,
                  secondsSince(t0));
      std::vector<int64_t> labels(dominant.begin(), dominant.end());
      t0 = std::chrono::steady_clock::now();
      auto probe = linearProbe(real, labels);
      if (probe) {
        std::printf(
            "sports: probe of the dominant attribute, %d classes (top 20 + other): "
            "accuracy %.3f (majority %.3f, chance %.3f), %.2f s\n",
            probe.value().numClasses, probe.value().accuracy, probe.value().majorityBaseline,
            probe.value().chance, secondsSince(t0));
      } else {
        std::printf("sports: probe: %s\n", qPrintable(probe.error().message()));
      }
    } else {
      std::printf("sports: %s\n", qPrintable(ds.error().message()));
    }
  }

  if (!skipTsne) {
    TsneOptions options;
    options.threads = threads;
    options.iterations = iterations;
    options.maxPoints = 10000;
    options.seed = 1;
    options.theta = theta;
    double kl = 0;
    const std::clock_t cpu0 = std::clock();
    auto r = tsne(x, options, [&](int it, int total, double cost) {
      if (it % 250 == 0 || it == total)
        std::fprintf(stderr, "  t-SNE %d/%d KL %.3f\n", it, total, cost);
      kl = cost;
      return true;
    });
    if (!r) {
      std::fprintf(stderr, "%s\n", qPrintable(r.error().message()));
      return 1;
    }
    const double cpuSeconds = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
    std::vector<int64_t> sampleLabel;
    for (int64_t row : r.value().rows) sampleLabel.push_back(label[size_t(row)]);
    std::printf(
        "tsne theta %.2f, %zu of %lld points x %lld, %d iterations, %d thread(s): %.1f s wall, "
        "%.1f s CPU, KL %.3f, 10-NN cluster purity %.3f\n",
        theta, r.value().rows.size(), (long long)rows, (long long)dim, r.value().iterations,
        threads, r.value().seconds, cpuSeconds, kl, purity(r.value().xy, sampleLabel));
  }
  return 0;
}
