// Prints the load time of Beauty and Sports (sequences + attributes): a cold parse and a load
// from the binary cache, best and median of several repetitions, plus Dataset::stats().
//
//   build/bench/data/bench_data_load [DIR] [REPEATS]
//
// DIR defaults to ../shared/datasets/amazon beside the checkout.
#include "core/data/readers.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QStandardPaths>

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
  return 0;
}
