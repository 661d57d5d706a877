// core/analysis: PCA finds the dominant direction and is deterministic; t-SNE separates clusters,
// is reproducible from its seed and can be cancelled; Welch's t-test against scipy's values;
// group mean/std against hand-computed values; the linear probe at chance on noise and near 1
// on embeddings that encode the label; cosine neighbours against a hand example.
#include "core/analysis/group_stats.h"
#include "core/analysis/neighbours.h"
#include "core/analysis/probe.h"
#include "core/analysis/projection.h"
#include "core/data/dataset.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

using namespace irl4rec::analysis;

#define VERIFY_OK(expr)                                                                \
  do {                                                                                 \
    const auto& result_ = (expr);                                                      \
    QVERIFY2(result_.ok(), result_.ok() ? "" : qPrintable(result_.error().message())); \
  } while (false)

namespace {

struct Dense {
  int64_t rows = 0;
  int64_t dim = 0;
  std::vector<float> values;
  MatrixRef ref() const { return MatrixRef{values.data(), rows, dim}; }
};

// `clusters` Gaussian blobs of `perCluster` points, centres `spread` apart on the axes.
Dense blobs(int clusters, int perCluster, int dim, double spread, std::vector<int64_t>& label,
            unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0, 1);
  Dense m{int64_t(clusters) * perCluster, dim, {}};
  label.clear();
  for (int c = 0; c < clusters; ++c) {
    for (int i = 0; i < perCluster; ++i) {
      for (int d = 0; d < dim; ++d) {
        m.values.push_back(noise(rng) + (d == c % dim ? float(spread) : 0.f));
      }
      label.push_back(c + 1);
    }
  }
  return m;
}

// Share of each point's k nearest 2-D neighbours that carry its label.
double neighbourPurity(const std::vector<float>& xy, const std::vector<int64_t>& label, int k) {
  const size_t n = label.size();
  double same = 0;
  std::vector<std::pair<double, size_t>> d(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const double dx = xy[2 * i] - xy[2 * j], dy = xy[2 * i + 1] - xy[2 * j + 1];
      d[j] = {i == j ? 1e300 : dx * dx + dy * dy, j};
    }
    std::partial_sort(d.begin(), d.begin() + k, d.end());
    for (int e = 0; e < k; ++e) same += label[d[size_t(e)].second] == label[i];
  }
  return same / double(n * size_t(k));
}

}  // namespace

class TestAnalysis : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // --- PCA ---------------------------------------------------------------------------------
  void pcaFindsDominantDirection() {
    const int n = 3000, dim = 8;
    std::vector<double> u(dim);
    double norm = 0;
    for (int d = 0; d < dim; ++d) norm += (u[size_t(d)] = std::sin(1.0 + d)) * u[size_t(d)];
    for (auto& v : u) v /= std::sqrt(norm);
    std::mt19937 rng(3);
    std::normal_distribution<double> g(0, 1);
    Dense x{n, dim, {}};
    for (int i = 0; i < n; ++i) {
      const double along = 5 * g(rng);
      for (int d = 0; d < dim; ++d)
        x.values.push_back(float(along * u[size_t(d)] + 0.5 * g(rng) + 3));
    }
    auto r = pca(x.ref());
    VERIFY_OK(r);
    double dot = 0;
    for (int d = 0; d < dim; ++d) dot += r.value().components[size_t(d)] * u[size_t(d)];
    QVERIFY2(std::fabs(dot) > 0.999, qPrintable(QString::number(dot)));
    QVERIFY(r.value().explainedVarianceRatio[0] > 0.9);
    QVERIFY(r.value().explainedVariance[0] > 20 &&
            r.value().explainedVariance[0] < 30);  // 25 + .25
    QCOMPARE(r.value().mean.size(), size_t(dim));
    QVERIFY(std::fabs(r.value().mean[0] - 3) < 0.2);
    // The first score is the projection on the axis: its variance is the first eigenvalue.
    double sq = 0;
    for (int i = 0; i < n; ++i)
      sq += double(r.value().xy[size_t(2 * i)]) * r.value().xy[size_t(2 * i)];
    QVERIFY(std::fabs(sq / (n - 1) / r.value().explainedVariance[0] - 1) < 1e-3);

    // Deterministic, and the sign convention holds: the largest coefficient of each axis is
    // positive, so the mirrored data set gives the same axes and mirrored scores.
    auto again = pca(x.ref());
    VERIFY_OK(again);
    QVERIFY(again.value().xy == r.value().xy);
    for (int c = 0; c < 2; ++c) {
      const float* axis = r.value().components.data() + c * dim;
      const float* biggest = std::max_element(
          axis, axis + dim, [](float a, float b) { return std::fabs(a) < std::fabs(b); });
      QVERIFY(*biggest > 0);
    }
    Dense mirrored = x;
    for (auto& v : mirrored.values) v = -v;
    auto m = pca(mirrored.ref());
    VERIFY_OK(m);
    for (size_t i = 0; i < r.value().components.size(); ++i) {
      QVERIFY(std::fabs(m.value().components[i] - r.value().components[i]) < 1e-4);
    }
    QVERIFY(std::fabs(m.value().xy[0] + r.value().xy[0]) < 1e-3);
  }

  void pcaRejectsBadInput_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("dim");
    QTest::addColumn<bool>("withNaN");
    QTest::addColumn<QString>("cause");
    QTest::newRow("two rows") << 2 << 4 << false << "at least 3 rows";
    QTest::newRow("one column") << 10 << 1 << false << "at least 2 columns";
    QTest::newRow("NaN") << 10 << 4 << true << "non-finite value in row 3, column 1";
  }
  void pcaRejectsBadInput() {
    QFETCH(int, rows);
    QFETCH(int, dim);
    QFETCH(bool, withNaN);
    QFETCH(QString, cause);
    Dense x{rows, dim, std::vector<float>(size_t(rows * dim), 1.f)};
    for (size_t i = 0; i < x.values.size(); ++i) x.values[i] = float(i % 7);
    if (withNaN) x.values[size_t(3 * dim + 1)] = std::nanf("");
    auto r = pca(x.ref());
    QVERIFY(!r.ok());
    QVERIFY2(r.error().cause.contains(cause), qPrintable(r.error().cause));
    auto t = tsne(x.ref());
    QVERIFY(!t.ok());
  }

  // --- t-SNE -------------------------------------------------------------------------------
  void tsneSeparatesClustersAndIsDeterministic() {
    std::vector<int64_t> label;
    const Dense x = blobs(4, 75, 10, 8.0, label);
    TsneOptions options;
    options.iterations = 500;
    options.seed = 11;
    int calls = 0;
    double lastCost = 0;
    auto r = tsne(x.ref(), options, [&](int iteration, int total, double cost) {
      ++calls;
      lastCost = cost;
      return iteration <= total;
    });
    VERIFY_OK(r);
    const TsneResult& a = r.value();
    QCOMPARE(a.rows.size(), size_t(300));
    QCOMPARE(a.xy.size(), size_t(600));
    QCOMPARE(a.iterations, 500);
    QVERIFY(!a.cancelled);
    QCOMPARE(calls, 50);  // every 10 iterations
    QVERIFY(std::isfinite(a.cost) && a.cost > 0 && a.cost < 3);
    QCOMPARE(lastCost, a.cost);
    const double purity = neighbourPurity(a.xy, label, 10);
    QVERIFY2(purity > 0.95, qPrintable(QString::number(purity)));

    // Same seed, same layout (also with another thread count); another seed, another layout.
    options.threads = 1;
    auto same = tsne(x.ref(), options);
    VERIFY_OK(same);
    QVERIFY(same.value().xy == a.xy);
    options.seed = 12;
    options.pcaInit = false;
    auto other = tsne(x.ref(), options);
    VERIFY_OK(other);
    QVERIFY(other.value().xy != a.xy);
    QVERIFY(neighbourPurity(other.value().xy, label, 10) > 0.95);
  }

  void tsneCancels() {
    std::vector<int64_t> label;
    const Dense x = blobs(3, 40, 6, 8.0, label);
    TsneOptions options;
    options.perplexity = 10;
    options.reportEvery = 1;
    int last = 0;
    auto r = tsne(x.ref(), options, [&](int iteration, int, double) {
      last = iteration;
      return iteration < 37;
    });
    VERIFY_OK(r);
    QVERIFY(r.value().cancelled);
    QCOMPARE(r.value().iterations, 37);
    QCOMPARE(last, 37);
    QCOMPARE(r.value().xy.size(), size_t(240));
  }

  void tsneSamplesLargeInputs() {
    std::vector<int64_t> label;
    const Dense x = blobs(3, 100, 6, 8.0, label);
    TsneOptions options;
    options.perplexity = 10;
    options.iterations = 50;
    options.maxPoints = 100;
    auto r = tsne(x.ref(), options);
    VERIFY_OK(r);
    const auto& rows = r.value().rows;
    QCOMPARE(rows.size(), size_t(100));
    QVERIFY(std::is_sorted(rows.begin(), rows.end()));
    QCOMPARE(std::set<int64_t>(rows.begin(), rows.end()).size(), size_t(100));
    QVERIFY(rows.back() < 300);
    QCOMPARE(r.value().xy.size(), size_t(200));
    auto again = tsne(x.ref(), options);
    QVERIFY(again.value().rows == rows);
  }

  void tsneCopesWithIdenticalRows() {
    // No spread at all: the PCA start would be a single point, so t-SNE starts from noise.
    Dense x{60, 4, std::vector<float>(240, 0.5f)};
    TsneOptions options;
    options.perplexity = 5;
    options.iterations = 100;
    auto r = tsne(x.ref(), options);
    VERIFY_OK(r);
    QVERIFY(std::all_of(r.value().xy.begin(), r.value().xy.end(),
                        [](float v) { return std::isfinite(v); }));
    QVERIFY(r.value().xy[0] != r.value().xy[2]);
  }

  void tsneRejectsBadInput() {
    std::vector<int64_t> label;
    const Dense x = blobs(2, 25, 4, 8.0, label);  // 50 points
    auto r = tsne(x.ref());                       // perplexity 30 needs > 90 points
    QVERIFY(!r.ok());
    QVERIFY2(r.error().cause.contains("perplexity 30 is too large for 50 points"),
             qPrintable(r.error().cause));
    TsneOptions options;
    options.perplexity = 10;
    options.iterations = 0;
    QVERIFY(!tsne(x.ref(), options).ok());
  }

  // --- group statistics ---------------------------------------------------------------------
  void summarizeMatchesHandValues() {
    // mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, sample variance 32 / 7.
    const auto s = summarize({2, 4, 4, 4, 5, 5, 7, 9, std::nan("")});
    QCOMPARE(s.n, int64_t(8));
    QCOMPARE(s.skipped, int64_t(1));
    QCOMPARE(s.mean, 5.0);
    QVERIFY(std::fabs(s.std - std::sqrt(32.0 / 7.0)) < 1e-12);
    const auto one = summarize({0.25});
    QCOMPARE(one.n, int64_t(1));
    QCOMPARE(one.mean, 0.25);
    QVERIFY(std::isnan(one.std));
    QVERIFY(std::isnan(summarize({}).mean));

    const auto groups = summarizeGroups({"b", "a", "b", "a", "b"}, {1, 10, 2, 20, 3});
    QCOMPARE(groups.size(), size_t(2));
    QCOMPARE(groups[0].key, QString("b"));
    QCOMPARE(groups[0].summary.mean, 2.0);
    QCOMPARE(groups[0].summary.std, 1.0);
    QCOMPARE(groups[1].key, QString("a"));
    QCOMPARE(groups[1].summary.mean, 15.0);
    QVERIFY(std::fabs(groups[1].summary.std - std::sqrt(50.0)) < 1e-12);

    QVERIFY(std::fabs(relativeChangePercent(0.33, 0.30) - 10.0) < 1e-9);
    QVERIFY(std::fabs(relativeChangePercent(0.27, 0.30) + 10.0) < 1e-9);
    QVERIFY(std::isnan(relativeChangePercent(0.1, 0.0)));
  }

  void welchMatchesScipy_data() {
    QTest::addColumn<std::vector<double>>("a");
    QTest::addColumn<std::vector<double>>("b");
    QTest::addColumn<double>("t");
    QTest::addColumn<double>("df");
    QTest::addColumn<double>("p");
    // scipy.stats.ttest_ind(a, b, equal_var=False); values recomputed by hand (t, Welch df) and
    // by integrating the t density (p).
    QTest::newRow("1..5 vs 2..10")
        << std::vector<double>{1, 2, 3, 4, 5} << std::vector<double>{2, 4, 6, 8, 10} << -1.8973666
        << 5.8823529 << 0.1075312;
    QTest::newRow("unequal n") << std::vector<double>{0.31, 0.29, 0.35, 0.33}
                               << std::vector<double>{0.27, 0.28, 0.26, 0.30, 0.25, 0.29} << 3.0
                               << 5.0931532 << 0.0294104;
  }
  void welchMatchesScipy() {
    QFETCH(std::vector<double>, a);
    QFETCH(std::vector<double>, b);
    QFETCH(double, t);
    QFETCH(double, df);
    QFETCH(double, p);
    const WelchResult r = welchTest(a, b);
    QVERIFY2(r.valid(), qPrintable(r.reason));
    QVERIFY2(std::fabs(r.t - t) < 1e-6, qPrintable(QString::number(r.t, 'g', 10)));
    QVERIFY2(std::fabs(r.df - df) < 1e-6, qPrintable(QString::number(r.df, 'g', 10)));
    QVERIFY2(std::fabs(r.p - p) < 1e-6, qPrintable(QString::number(r.p, 'g', 10)));
    QCOMPARE(r.group.n, int64_t(a.size()));
    QCOMPARE(r.reference.n, int64_t(b.size()));
    // Swapping the groups flips t and keeps p.
    const WelchResult swapped = welchTest(b, a);
    QVERIFY(std::fabs(swapped.t + t) < 1e-6);
    QVERIFY(std::fabs(swapped.p - r.p) < 1e-12);
  }

  void welchDegenerateCases() {
    const WelchResult single = welchTest({0.3}, {0.2, 0.25, 0.22});
    QVERIFY(!single.valid());
    QVERIFY(std::isnan(single.p) && std::isnan(single.t));
    QVERIFY(single.reason.contains("n < 2"));
    QVERIFY(std::fabs(single.relativeChangePercent - (0.3 / (0.67 / 3) - 1) * 100) < 1e-9);

    const WelchResult flat = welchTest({0.3, 0.3, 0.3}, {0.2, 0.2});
    QVERIFY(!flat.valid());
    QVERIFY(std::isnan(flat.p));
    QVERIFY(flat.reason.contains("zero variance"));
    QVERIFY(std::fabs(flat.meanDifference - 0.1) < 1e-12);

    // One constant group: the test reduces to a one-sample t-test of the other (df = n - 1).
    const WelchResult oneFlat = welchTest({1, 2, 3, 4, 5}, {3, 3, 3});
    QVERIFY(oneFlat.valid());
    QVERIFY(std::fabs(oneFlat.df - 4) < 1e-12);
    QCOMPARE(oneFlat.t, 0.0);
    QVERIFY(std::fabs(oneFlat.p - 1) < 1e-12);
  }

  void incompleteBetaKnownValues() {
    // I_x(a, b) for integer a, b is a binomial tail: I_0.5(2, 3) = (6 + 4 + 1) / 16.
    QVERIFY(std::fabs(regularizedIncompleteBeta(2, 3, 0.5) - 11.0 / 16.0) < 1e-12);
    // I_x(1, 1) = x; I_x(a, 1) = x^a.
    QVERIFY(std::fabs(regularizedIncompleteBeta(1, 1, 0.37) - 0.37) < 1e-12);
    QVERIFY(std::fabs(regularizedIncompleteBeta(3.5, 1, 0.8) - std::pow(0.8, 3.5)) < 1e-12);
    QCOMPARE(regularizedIncompleteBeta(2, 2, 0.0), 0.0);
    QCOMPARE(regularizedIncompleteBeta(2, 2, 1.0), 1.0);
    QVERIFY(std::isnan(regularizedIncompleteBeta(2, 2, 1.5)));
    // Student t, 1 df (Cauchy): P(|T| >= 1) = 0.5; large df approaches the normal 1.96 -> 0.05.
    QVERIFY(std::fabs(studentTwoSidedP(1.0, 1.0) - 0.5) < 1e-12);
    QVERIFY(std::fabs(studentTwoSidedP(1.959963985, 1e7) - 0.05) < 1e-6);
  }

  // --- probe ---------------------------------------------------------------------------------
  void probeAtChanceOnNoise() {
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0, 1);
    std::uniform_int_distribution<int> pick(1, 4);
    const int n = 800, dim = 16;
    Dense x{n, dim, {}};
    std::vector<int64_t> labels;
    for (int i = 0; i < n * dim; ++i) x.values.push_back(g(rng));
    for (int i = 0; i < n; ++i) labels.push_back(pick(rng));
    auto r = linearProbe(x.ref(), labels);
    VERIFY_OK(r);
    QCOMPARE(r.value().numClasses, 4);
    QCOMPARE(r.value().chance, 0.25);
    QCOMPARE(r.value().trainRows, int64_t(560));
    QCOMPARE(r.value().testRows, int64_t(240));
    QVERIFY2(std::fabs(r.value().accuracy - 0.25) < 0.1,
             qPrintable(QString::number(r.value().accuracy)));
    QVERIFY(r.value().majorityBaseline > 0.15 && r.value().majorityBaseline < 0.4);
  }

  void probeNearOneWhenTheLabelIsEncoded() {
    std::mt19937 rng(6);
    std::normal_distribution<float> g(0, 1);
    const int n = 800, dim = 16, classes = 6;
    Dense x{n, dim, {}};
    std::vector<int64_t> labels;
    for (int i = 0; i < n; ++i) {
      const int c = i % classes;
      labels.push_back(i % 10 == 0 ? 0 : 10 + c);  // every 10th user has no label
      for (int d = 0; d < dim; ++d) x.values.push_back(g(rng) * 0.5f + (d == c ? 3.f : 0.f));
    }
    auto r = linearProbe(x.ref(), labels);
    VERIFY_OK(r);
    QCOMPARE(r.value().numClasses, classes);
    QCOMPARE(r.value().trainRows + r.value().testRows, int64_t(720));
    QVERIFY2(r.value().accuracy > 0.97, qPrintable(QString::number(r.value().accuracy)));
    QVERIFY(r.value().majorityBaseline < 0.3);
    // Same seed, same split, same answer.
    QCOMPARE(linearProbe(x.ref(), labels).value().accuracy, r.value().accuracy);

    ProbeOptions merged;
    merged.maxClasses = 3;
    auto m = linearProbe(x.ref(), labels, merged);
    VERIFY_OK(m);
    QCOMPARE(m.value().numClasses, 4);
    QVERIFY(m.value().mergedOther);
    QVERIFY(m.value().accuracy > 0.95);
  }

  void probeRejectsBadInput() {
    Dense x{4, 2, {1, 2, 3, 4, 5, 6, 7, 8}};
    QVERIFY(!linearProbe(x.ref(), {1, 2, 1}).ok());     // size mismatch
    QVERIFY(!linearProbe(x.ref(), {1, 1, 1, 1}).ok());  // one class
    QVERIFY(!linearProbe(x.ref(), {0, 0, 1, 2}).ok());  // too few labelled rows
  }

  void dominantAttributeOfHistories() {
    irl4rec::data::Dataset d;
    d.itemTokens = QStringList{"", "i1", "i2", "i3", "i4"};
    d.attributeTokens = QStringList{"", "a1", "a2", "a3"};
    d.itemAttributes = {{}, {1}, {2, 3}, {3}, {}};
    d.sequences = {
        {1, 2, 3, 1},  // history 1,2,3: a1 1, a2 1, a3 2 -> 3 (the last item is the test target)
        {1, 2, 4},     // a1 1, a2 1, a3 1 -> tie, smallest id 1
        {4, 4, 1},     // no attributed history item -> 0
        {2, 1, 1, 3},  // a1 2, a2 1, a3 1 -> 1
    };
    QCOMPARE(dominantAttributes(d), (std::vector<int32_t>{3, 1, 0, 1}));
    // The whole sequence: user 0 has a1 2, a2 1, a3 2 -> tie 1 vs 3 -> 1; user 2 -> 1.
    QCOMPARE(dominantAttributes(d, 0), (std::vector<int32_t>{1, 1, 1, 1}));
    QCOMPARE(labelsForIds({3, 1, 0, 1}, {3, 0, 9}), (std::vector<int64_t>{1, 3, 0}));

    // A root category on every item (as in the Amazon data) would dominate every user: it is
    // ignored when it covers more than maxItemShare of the items.
    d.attributeTokens.append("root");
    for (size_t i = 1; i < d.itemAttributes.size(); ++i) d.itemAttributes[i].push_back(4);
    QCOMPARE(dominantAttributes(d), (std::vector<int32_t>{3, 1, 0, 1}));
    QCOMPARE(dominantAttributes(d, 1, 1.0), (std::vector<int32_t>{4, 4, 4, 4}));
  }

  // --- neighbours ----------------------------------------------------------------------------
  void cosineNeighboursHandExample() {
    // row 0 (1, 0); row 4 and row 5 point the same way (cosine 1, tie -> smaller row first),
    // row 1 (0.9, 0.1) has cosine 0.9 / sqrt(0.82), row 2 is orthogonal, row 3 opposite,
    // row 6 is all zero (cosine 0).
    Dense x{7, 2, {1, 0, 0.9f, 0.1f, 0, 1, -1, 0, 2, 0, 3, 0, 0, 0}};
    auto r = nearestByCosine(x.ref(), 0, 4);
    VERIFY_OK(r);
    const auto& nb = r.value();
    QCOMPARE(nb.size(), size_t(4));
    QCOMPARE(nb[0].row, int64_t(4));
    QCOMPARE(nb[1].row, int64_t(5));
    QCOMPARE(nb[2].row, int64_t(1));
    QCOMPARE(nb[3].row, int64_t(2));  // cosine 0, tie with row 6 -> smaller row
    QVERIFY(std::fabs(nb[0].similarity - 1) < 1e-6);
    QVERIFY(std::fabs(nb[2].similarity - 0.9 / std::sqrt(0.82)) < 1e-6);
    QVERIFY(std::fabs(nb[3].similarity) < 1e-6);

    auto all = nearestByCosine(x.ref(), 3, 10);
    VERIFY_OK(all);
    QCOMPARE(all.value().size(), size_t(6));        // everything but itself
    QCOMPARE(all.value().back().similarity, -1.f);  // the opposite rows come last
    for (const auto& n : all.value()) QVERIFY(n.row != 3);

    auto batch = nearestByCosine(x.ref(), std::vector<int64_t>{0, 3, 6}, 4);
    VERIFY_OK(batch);
    QCOMPARE(batch.value().size(), size_t(3));
    for (size_t i = 0; i < 4; ++i) QCOMPARE(batch.value()[0][i].row, nb[i].row);

    QVERIFY(!nearestByCosine(x.ref(), 7, 3).ok());
    QVERIFY(!nearestByCosine(x.ref(), 0, 0).ok());
  }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "test_analysis.moc"
