// Figures for the run store (docs/STORE.md): metric logging, embedding store/load, run listing.
// usage: bench_store [--dir DIR] [--metrics-only]   (default DIR: a temporary directory)
#include "core/store/metric_writer.h"
#include "core/store/run_store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonObject>
#include <QStorageInfo>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace irl4rec::store;

namespace {

[[noreturn]] void die(const irl4rec::Error& e) {
  std::fprintf(stderr, "bench_store: %s\n", qPrintable(e.message()));
  std::exit(1);
}
void check(const irl4rec::Status& s) {
  if (!s) die(s.error());
}
template <typename T>
T take(irl4rec::Expected<T> e) {
  if (!e.ok()) die(e.error());
  return std::move(e.value());
}

double ms(const QElapsedTimer& t) { return double(t.nsecsElapsed()) / 1e6; }

// CPU time of the whole process (all threads), in ms: less sensitive than wall time to other
// programs sharing the cores.
double cpuMs() { return 1000.0 * double(std::clock()) / CLOCKS_PER_SEC; }

void report(const char* what, double valueMs, double limitMs) {
  std::printf("%-58s %9.1f ms   (target < %.0f ms) %s\n", what, valueMs, limitMs,
              valueMs < limitMs ? "ok" : "MISSED");
}

QJsonObject config(int seed) {
  return QJsonObject{{QStringLiteral("model"), QStringLiteral("irl4rec")},
                     {QStringLiteral("encoder"), QStringLiteral("sasrec")},
                     {QStringLiteral("beta"), 0.1 * (seed % 5)},
                     {QStringLiteral("gamma"), 1.0},
                     {QStringLiteral("alpha"), 0.5},
                     {QStringLiteral("hidden_size"), 64},
                     {QStringLiteral("layers"), 2},
                     {QStringLiteral("lr"), 0.001},
                     {QStringLiteral("batch_size"), 256},
                     {QStringLiteral("epochs"), 200},
                     {QStringLiteral("seed"), seed}};
}

EmbeddingMatrix matrix(int64_t rows, int64_t dim, int64_t firstId) {
  EmbeddingMatrix m;
  m.rows = rows;
  m.dim = dim;
  m.ids.resize(size_t(rows));
  for (int64_t i = 0; i < rows; ++i) m.ids[size_t(i)] = firstId + i;
  m.values.resize(size_t(rows * dim));
  for (size_t i = 0; i < m.values.size(); ++i) m.values[i] = float(std::sin(0.001 * double(i)));
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QString dirPath;
  const QStringList args = app.arguments();
  const int dirArg = int(args.indexOf(QStringLiteral("--dir")));
  QTemporaryDir tmp;
  if (dirArg > 0 && dirArg + 1 < args.size()) {
    dirPath = args[dirArg + 1];
  } else {
    if (!tmp.isValid()) return 1;
    dirPath = tmp.path();
  }
  const QStorageInfo fs(dirPath);
  std::printf("store files in %s (%s)\n", qPrintable(dirPath), fs.fileSystemType().constData());
  {
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    if (loadavg.open(QIODevice::ReadOnly)) {
      std::printf("load average: %s", loadavg.readLine().constData());
    }
    std::printf("\n");
  }

  // 1. Logging 100,000 metric rows through MetricWriter, as a training loop does.
  {
    const QString path = dirPath + QStringLiteral("/bench-metrics.sqlite");
    QFile::remove(path);
    RunStore store;
    check(store.open(path));
    const qint64 run =
        take(store.createRun(
                 NewRun{QStringLiteral("metrics"), config(1), 0, RunStatus::Running, {}, {}}))
            .id;
    const QStringList keys = {QStringLiteral("loss/rec_t"), QStringLiteral("loss/alpha_rec_s"),
                              QStringLiteral("loss/beta_c"), QStringLiteral("loss/gamma_d"),
                              QStringLiteral("loss/total")};
    constexpr int kRows = 100000;
    QElapsedTimer total;
    total.start();
    const double cpu0 = cpuMs();
    auto writer = take(MetricWriter::create(path, run));
    QElapsedTimer logging;
    logging.start();
    for (int i = 0; i < kRows; ++i)
      writer->log(keys[i % keys.size()], i / 5, i / 5000 + 1, 1.0 / (i + 1));
    const double logMs = ms(logging);
    check(writer->close());
    const double totalMs = ms(total);
    const double cpuTotal = cpuMs() - cpu0;
    report("100,000 metric rows via MetricWriter (create..close)", totalMs, 1000);
    std::printf("    CPU time of all threads:                           %9.1f ms\n", cpuTotal);
    std::printf(
        "    time spent inside log() by the training thread:   %9.1f ms (%.0f ns per row)\n", logMs,
        logMs * 1e6 / kRows);
    const auto summaries = take(store.metricSummaries(run));
    qint64 rows = 0;
    for (const auto& s : summaries) rows += s.count;
    std::printf("    rows in the store: %lld\n", static_cast<long long>(rows));

    const qint64 run2 =
        take(store.createRun(
                 NewRun{QStringLiteral("direct"), config(2), 0, RunStatus::Running, {}, {}}))
            .id;
    QElapsedTimer direct;
    direct.start();
    const double cpu1 = cpuMs();
    std::vector<MetricRow> batch;
    for (int i = 0; i < kRows; ++i) {
      batch.push_back(MetricRow{keys[i % keys.size()], i / 5, i / 5000 + 1, 1.0 / (i + 1), 0});
      if (batch.size() == 2000) {
        check(store.logMetrics(run2, batch));
        batch.clear();
      }
    }
    report("100,000 metric rows via RunStore::logMetrics (2,000/tx)", ms(direct), 1000);
    std::printf("    CPU time:                                          %9.1f ms\n",
                cpuMs() - cpu1);
  }

  const bool all = !args.contains(QStringLiteral("--metrics-only"));
  // 2. Embeddings of a Sports-sized run.
  if (all) {
    const QString path = dirPath + QStringLiteral("/bench-embeddings.sqlite");
    QFile::remove(path);
    RunStore store;
    check(store.open(path));
    const qint64 run =
        take(store.createRun(
                 NewRun{QStringLiteral("sports"), config(1), 0, RunStatus::Running, {}, {}}))
            .id;
    const EmbeddingMatrix t = matrix(35598, 64, 0);
    const EmbeddingMatrix s = matrix(35598, 64, 0);
    const EmbeddingMatrix items = matrix(18357, 64, 1);
    QElapsedTimer save;
    save.start();
    check(store.saveEmbeddings(run, kind::kAdjustment, t));
    check(store.saveEmbeddings(run, kind::kSpurious, s));
    check(store.saveEmbeddings(run, kind::kItem, items));
    report("store Sports embeddings (2 x 35,598 x 64 + 18,357 x 64)", ms(save), 2000);
    RunStore reader;  // the explorer's own connection
    check(reader.open(path));
    QElapsedTimer load;
    load.start();
    const EmbeddingMatrix t2 = take(reader.loadEmbeddings(run, kind::kAdjustment));
    const EmbeddingMatrix s2 = take(reader.loadEmbeddings(run, kind::kSpurious));
    const EmbeddingMatrix i2 = take(reader.loadEmbeddings(run, kind::kItem));
    report("read them back", ms(load), 500);
    if (t2.values != t.values || s2.values != s.values || i2.ids != items.ids) {
      std::fprintf(stderr, "bench_store: embeddings differ after the round trip\n");
      return 1;
    }
    std::printf("    file size: %.1f MiB\n",
                double(QFileInfo(path).size() + QFileInfo(path + QStringLiteral("-wal")).size()) /
                    (1 << 20));
  }

  // 3. Listing 1,000 runs with their latest/best metrics.
  if (all) {
    const QString path = dirPath + QStringLiteral("/bench-list.sqlite");
    QFile::remove(path);
    RunStore store;
    check(store.open(path));
    const QStringList keys = {QStringLiteral("loss/rec_t"),       QStringLiteral("loss/total"),
                              QStringLiteral("train/epoch_loss"), QStringLiteral("val/hr@10"),
                              QStringLiteral("val/ndcg@10"),      QStringLiteral("val/mrr@10"),
                              QStringLiteral("test/hr@10"),       QStringLiteral("test/ndcg@10")};
    for (int r = 0; r < 1000; ++r) {
      const qint64 run =
          take(store.createRun(NewRun{
                   QStringLiteral("run-%1").arg(r), config(r), 0, RunStatus::Running, {}, {}}))
              .id;
      std::vector<MetricRow> rows;
      for (int step = 0; step < 20; ++step) {
        for (const QString& k : keys)
          rows.push_back(MetricRow{k, step, step / 5 + 1, 0.5 + 0.01 * step, 0});
      }
      check(store.logMetrics(run, rows));
      check(store.setStatus(run, RunStatus::Finished));
    }
    RunStore gui;
    check(gui.open(path));
    std::vector<double> times;
    size_t listed = 0;
    for (int i = 0; i < 7; ++i) {
      QElapsedTimer t;
      t.start();
      const auto runs = take(gui.listRuns());
      times.push_back(ms(t));
      listed = runs.size();
    }
    std::sort(times.begin(), times.end());
    report("list 1,000 runs with 8 metric summaries each (median of 7)", times[times.size() / 2],
           100);
    std::printf("    runs listed: %zu, first call %.1f ms\n", listed, times.front());
    RunStore cold;
    QElapsedTimer openAndList;
    openAndList.start();
    check(cold.open(path));
    take(cold.listRuns());
    report("open the store + list 1,000 runs (cold connection)", ms(openAndList), 100);
  }
  return 0;
}
