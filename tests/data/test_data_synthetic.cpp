// The synthetic spurious-correlation benchmark: determinism, the shipped files, the shape of
// the two instances, and that the spurious effect exists (tag popularity breaks under the
// shift, a cluster oracle does not).
#include "core/data/readers.h"
#include "core/data/synthetic.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <map>

using namespace irl4rec;
using namespace irl4rec::data;

namespace {

const QString kShipped = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic");
const QStringList kFiles = {
    "iid.txt",      "iid_item2attributes.json",     "iid_item2truth.tsv",
    "shifted.txt",  "shifted_item2attributes.json", "shifted_item2truth.tsv",
    "generator.txt"};

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

Dataset load(const QString& name) {
  LoadOptions o;
  o.useCache = false;
  auto d = loadDataset(kShipped + QLatin1Char('/') + name, o);
  if (!d.ok()) qFatal("%s", qPrintable(d.error().message()));
  return std::move(d).value();
}

/// Full-ranking HR@10 of the test targets with the history masked. Ties are broken uniformly at
/// random, in expectation: with g other unmasked items scoring above the target and e equal to
/// it, the hit probability is clamp(10 - g, 0, e + 1) / (e + 1). (These are test oracles whose
/// scores tie by construction; the product's evaluation counts ties pessimistically.)
template <typename Scorer>
double hitRateAt10(const Dataset& d, Scorer score) {
  double hits = 0;
  std::vector<double> s(size_t(d.numItems()) + 1);
  std::vector<char> masked(size_t(d.numItems()) + 1);
  for (const auto& seq : d.sequences) {
    const size_t n = seq.size() - 1;
    const int32_t target = seq[n];
    score(seq.data(), n, &s);
    std::fill(masked.begin(), masked.end(), 0);
    for (size_t k = 0; k < n; ++k) masked[size_t(seq[k])] = 1;
    int64_t greater = 0, equal = 0;
    for (int32_t i = 1; i <= d.numItems(); ++i) {
      if (i == target || masked[size_t(i)]) continue;
      greater += s[size_t(i)] > s[size_t(target)];
      equal += s[size_t(i)] == s[size_t(target)];
    }
    hits += double(std::clamp<int64_t>(10 - greater, 0, equal + 1)) / double(equal + 1);
  }
  return hits / double(d.numUsers());
}

}  // namespace

class TestDataSynthetic : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void deterministic() {
    SyntheticParams p;
    p.users = 400;
    auto a = generateSynthetic(p);
    auto b = generateSynthetic(p);
    QVERIFY(a.ok() && b.ok());
    QCOMPARE(a.value().iid.sequences, b.value().iid.sequences);
    QCOMPARE(a.value().shifted.stats().fingerprint, b.value().shifted.stats().fingerprint);
    p.seed += 1;
    auto c = generateSynthetic(p);
    QVERIFY(c.value().iid.stats().fingerprint != a.value().iid.stats().fingerprint);
  }

  void shippedFilesAreTheDefaults() {
    // The shipped instances are exactly what the defaults generate, byte for byte.
    auto b = generateSynthetic(SyntheticParams{});
    QVERIFY(b.ok());
    QTemporaryDir dir;
    QVERIFY(writeSynthetic(b.value(), dir.path()).ok());
    for (const QString& f : kFiles) {
      const QByteArray shipped = readAll(kShipped + QLatin1Char('/') + f);
      QVERIFY2(!shipped.isEmpty(), qPrintable(f));
      QVERIFY2(readAll(dir.filePath(f)) == shipped, qPrintable(f + QStringLiteral(" differs")));
    }
    QCOMPARE(load(QStringLiteral("iid.txt")).stats().fingerprint,
             b.value().iid.stats().fingerprint);
  }

  void cliRegeneratesByteIdentically() {
    const QString cli = QStringLiteral(IRL4REC_CLI_PATH);
    QVERIFY2(QFileInfo::exists(cli), "the irl4rec CLI is not built (build the irl4rec target)");
    QTemporaryDir dir;
    QProcess p;
    p.start(cli,
            {QStringLiteral("data"), QStringLiteral("synth"), QStringLiteral("--out"), dir.path()});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    for (const QString& f : kFiles) {
      QVERIFY2(readAll(dir.filePath(f)) == readAll(kShipped + QLatin1Char('/') + f), qPrintable(f));
    }
    p.start(cli, {QStringLiteral("data"), QStringLiteral("synth"), QStringLiteral("--out"),
                  dir.path(), QStringLiteral("--rho-train"), QStringLiteral("1.5")});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
  }

  void instancesDifferOnlyInTheTestItem() {
    const Dataset iid = load(QStringLiteral("iid.txt"));
    const Dataset shifted = load(QStringLiteral("shifted.txt"));
    QCOMPARE(iid.format, Format::Synthetic);
    QCOMPARE(iid.numUsers(), shifted.numUsers());
    QVERIFY(iid.numUsers() >= 2000);
    QCOMPARE(iid.itemTokens, shifted.itemTokens);
    QCOMPARE(iid.itemAttributes, shifted.itemAttributes);
    QCOMPARE(iid.itemCluster, shifted.itemCluster);
    int64_t differentTests = 0;
    for (size_t u = 0; u < iid.sequences.size(); ++u) {
      const auto& a = iid.sequences[u];
      const auto& b = shifted.sequences[u];
      QCOMPARE(a.size(), b.size());
      QVERIFY(a.size() >= 5);
      QVERIFY(std::equal(a.begin(), a.end() - 1, b.begin()));  // histories + validation item
      differentTests += a.back() != b.back();
      // No repeats within a user, in either instance.
      std::vector<int32_t> sorted = b;
      std::sort(sorted.begin(), sorted.end());
      QVERIFY(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
    }
    QVERIFY(differentTests > iid.numUsers() / 2);
    QVERIFY(sameExceptTestTargets(iid, shifted));
    Dataset changed = shifted;
    std::swap(changed.sequences[0][0], changed.sequences[0][1]);
    QVERIFY(!sameExceptTestTargets(iid, changed));
    // The attribute is the tag.
    for (int32_t i = 1; i <= iid.numItems(); ++i) {
      QCOMPARE(iid.itemAttributes[size_t(i)], std::vector<int32_t>{iid.itemTag[size_t(i)]});
    }
    QVERIFY(QFileInfo(kShipped + QStringLiteral("/iid.txt")).size() +
                QFileInfo(kShipped + QStringLiteral("/shifted.txt")).size() <
            1000000);
  }

  void trainingEnvironmentHasTheCorrelation() {
    // In histories the user's dominant tag agrees with the dominant cluster's tag ~ρ_train.
    const Dataset d = load(QStringLiteral("iid.txt"));
    std::map<int32_t, std::map<int32_t, int64_t>> tagsPerCluster;
    for (const auto& seq : d.sequences) {
      for (size_t k = 0; k + 1 < seq.size(); ++k)
        ++tagsPerCluster[d.itemCluster[size_t(seq[k])]][d.itemTag[size_t(seq[k])]];
    }
    for (const auto& [cluster, tags] : tagsPerCluster) {
      int64_t total = 0, top = 0;
      for (const auto& [tag, n] : tags) {
        total += n;
        top = std::max(top, n);
      }
      QVERIFY2(double(top) / double(total) > 0.8,
               qPrintable(QString::number(double(top) / double(total))));
    }
  }

  void spuriousEffectExists() {
    const Dataset iid = load(QStringLiteral("iid.txt"));
    const Dataset shifted = load(QStringLiteral("shifted.txt"));
    // Global popularity from the shared part (histories + validation), identical in both.
    std::vector<double> popularity(size_t(iid.numItems()) + 1, 0);
    double maxPop = 0;
    for (const auto& seq : iid.sequences) {
      for (size_t k = 0; k + 1 < seq.size(); ++k)
        maxPop = std::max(maxPop, ++popularity[size_t(seq[k])]);
    }
    const int numTags = *std::max_element(iid.itemTag.begin(), iid.itemTag.end());
    const int numClusters = *std::max_element(iid.itemCluster.begin(), iid.itemCluster.end());
    // Tag popularity: how often the history shows the item's tag, ties by global popularity.
    auto tagPopularity = [&](const int32_t* history, size_t n, std::vector<double>* s) {
      std::vector<double> count(size_t(numTags) + 1, 0);
      for (size_t k = 0; k < n; ++k) ++count[size_t(iid.itemTag[size_t(history[k])])];
      for (int32_t i = 1; i <= iid.numItems(); ++i) {
        (*s)[size_t(i)] =
            count[size_t(iid.itemTag[size_t(i)])] + popularity[size_t(i)] / (maxPop + 1);
      }
    };
    // Cluster oracle: how often the history shows the item's true cluster. Nothing else: global
    // popularity as a tie-break would bring the tag back in (it is confounded with the tag in
    // the training environment).
    auto clusterOracle = [&](const int32_t* history, size_t n, std::vector<double>* s) {
      std::vector<double> count(size_t(numClusters) + 1, 0);
      for (size_t k = 0; k < n; ++k) ++count[size_t(iid.itemCluster[size_t(history[k])])];
      for (int32_t i = 1; i <= iid.numItems(); ++i)
        (*s)[size_t(i)] = count[size_t(iid.itemCluster[size_t(i)])];
    };
    const double tagIid = hitRateAt10(iid, tagPopularity);
    const double tagShifted = hitRateAt10(shifted, tagPopularity);
    const double oracleIid = hitRateAt10(iid, clusterOracle);
    const double oracleShifted = hitRateAt10(shifted, clusterOracle);
    qInfo("HR@10 tag popularity: iid %.3f shifted %.3f; cluster oracle: iid %.3f shifted %.3f",
          tagIid, tagShifted, oracleIid, oracleShifted);
    QVERIFY(tagIid > 0.5);
    QVERIFY(tagIid - tagShifted > 0.4);                   // the shift gap of a spurious model
    QVERIFY(std::abs(oracleIid - oracleShifted) < 0.05);  // none for the invariant one
    QVERIFY(oracleIid > 2.0 * 10.0 / iid.numItems());     // and the oracle beats a constant score
  }

  void invalidParameters_data() {
    QTest::addColumn<QStringList>("args");
    QTest::newRow("rho out of range") << QStringList{"--rho-train", "1.2"};
    QTest::newRow("not a number") << QStringList{"--users", "many"};
    QTest::newRow("min length too short") << QStringList{"--min-length", "2"};
    QTest::newRow("max below min") << QStringList{"--min-length", "9", "--max-length", "8"};
    QTest::newRow("too long for the items") << QStringList{"--tags", "1", "--items-per-cell", "4"};
    QTest::newRow("unknown option") << QStringList{"--colour", "red"};
    QTest::newRow("missing value") << QStringList{"--seed"};
  }

  void invalidParameters() {
    QFETCH(QStringList, args);
    QVERIFY(!SyntheticParams::fromArguments(args).ok());
  }
};

QTEST_GUILESS_MAIN(TestDataSynthetic)
#include "test_data_synthetic.moc"
