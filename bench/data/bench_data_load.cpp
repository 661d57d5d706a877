// Prints the load time of Beauty and Sports (sequences + attributes): a cold parse and a load
// from the binary cache, best and median of several repetitions, plus Dataset::stats().
// Then the same for a generated Amazon-2014-like raw dump of Beauty's size (200,000 reviews,
// 260,000 metadata lines, gzipped), since the real dumps are not shipped.
//
//   build/bench/data/bench_data_load [DIR] [REPEATS]
//
// DIR defaults to ../shared/datasets/amazon beside the checkout.
#include "core/data/readers.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace irl4rec::data;

namespace {

struct Timing {
  double best = 0, median = 0;
};

template <typename F>
Timing measure(int repeats, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    QElapsedTimer t;
    t.start();
    f();
    ms.push_back(double(t.nsecsElapsed()) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2]};
}

/// Writes reviews_Fake_5.json.gz and meta_Fake.json.gz shaped like the 2014 Beauty dumps
/// (a fixed linear congruential generator, so every run writes the same bytes).
bool writeFakeDump(const QString& dir) {
  uint64_t state = 12345;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  const QByteArray text(400, 'x');
  gzFile reviews = gzopen(qPrintable(dir + QStringLiteral("/reviews_Fake_5.json.gz")), "wb");
  if (!reviews) return false;
  for (int r = 0; r < 200000; ++r) {
    const QByteArray line =
        QStringLiteral(
            "{\"reviewerID\": \"A%1\", \"asin\": \"B%2\", \"reviewerName\": \"Some One\", "
            "\"helpful\": [0, 0], \"reviewText\": \"%3\", \"overall\": %4.0, \"summary\": "
            "\"Nice\", \"unixReviewTime\": %5, \"reviewTime\": \"01 1, 2014\"}\n")
            .arg(next(22000))
            .arg(next(12000))
            .arg(QString::fromLatin1(text))
            .arg(1 + next(5))
            .arg(1300000000 + next(100000000))
            .toUtf8();
    gzwrite(reviews, line.constData(), unsigned(line.size()));
  }
  gzclose(reviews);
  gzFile meta = gzopen(qPrintable(dir + QStringLiteral("/meta_Fake.json.gz")), "wb");
  if (!meta) return false;
  for (int i = 0; i < 260000; ++i) {
    const QByteArray line =
        QStringLiteral(
            "{'asin': 'B%1', 'description': '%2', 'title': 'Thing', 'price': 9.99, "
            "'related': {'also_bought': ['B1', 'B2', 'B3']}, 'salesRank': {'Beauty': %3}, "
            "'imUrl': 'http://example.com/x.jpg', 'brand': 'Brand%4', "
            "'categories': [['Beauty', 'Cat%5', 'Sub%6']]}\n")
            .arg(i)
            .arg(QString::fromLatin1(text))
            .arg(next(100000))
            .arg(next(3000))
            .arg(next(40))
            .arg(next(600))
            .toUtf8();
    gzwrite(meta, line.constData(), unsigned(line.size()));
  }
  gzclose(meta);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationName(QStringLiteral("irl4rec-bench"));
  // A private cache directory so that the benchmark never touches the user's cache.
  QStandardPaths::setTestModeEnabled(true);
  const QString dir = argc > 1 ? QString::fromLocal8Bit(argv[1])
                               : QStringLiteral(IRL4REC_SHARED_DIR "/datasets/amazon");
  const int repeats = argc > 2 ? std::max(1, atoi(argv[2])) : 7;
  std::printf("%-24s %10s %10s %10s %10s %10s\n", "dataset", "parse best", "parse med",
              "cache best", "cache med", "stats");
  for (const char* name : {"Beauty.txt", "Sports_and_Outdoors.txt"}) {
    const QString path = dir + QLatin1Char('/') + QLatin1String(name);
    if (!QFileInfo::exists(path)) {
      std::printf("%-24s absent (%s)\n", name, qPrintable(path));
      continue;
    }
    LoadOptions cold;
    cold.useCache = false;
    LoadOptions cached;
    bool ok = true;
    const Timing parse = measure(repeats, [&] { ok = ok && loadDataset(path, cold).ok(); });
    loadDataset(path, cached);  // fills the cache
    bool hit = true;
    const Timing cache = measure(repeats, [&] {
      auto d = loadDataset(path, cached);
      hit = hit && d.ok() && d.value().loadedFromCache;
    });
    const Dataset d = loadDataset(path, cold).value();
    const Timing stats = measure(repeats, [&] { (void)d.stats(); });
    std::printf("%-24s %8.1f ms %7.1f ms %7.1f ms %7.1f ms %7.1f ms%s\n", name, parse.best,
                parse.median, cache.best, cache.median, stats.median,
                ok && hit ? "" : "  (ERROR: load failed or cache missed)");
  }
  QTemporaryDir tmp;
  if (!tmp.isValid() || !writeFakeDump(tmp.path())) {
    std::printf("cannot write the generated dump\n");
    return 1;
  }
  const QString reviews = tmp.filePath(QStringLiteral("reviews_Fake_5.json.gz"));
  LoadOptions cold;
  cold.useCache = false;
  LoadOptions cached;
  auto first = loadDataset(reviews, cold);
  if (!first.ok()) {
    std::printf("generated dump: %s\n", qPrintable(first.error().message()));
    return 1;
  }
  const int few = std::max(1, repeats / 3);
  const Timing parse = measure(few, [&] { (void)loadDataset(reviews, cold); });
  loadDataset(reviews, cached);
  const Timing cache = measure(repeats, [&] { (void)loadDataset(reviews, cached); });
  const DatasetStats s = first.value().stats();
  std::printf(
      "%-24s %8.1f ms %7.1f ms %7.1f ms %7.1f ms   (5-core: %lld users, %lld items, %lld "
      "interactions, %lld attributes)\n",
      "generated raw dump", parse.best, parse.median, cache.best, cache.median, (long long)s.users,
      (long long)s.items, (long long)s.interactions, (long long)s.attributes);
  return 0;
}
