// Test helper: records a running run and logs metrics until it is killed.
// usage: store_kill_helper DB
// Prints "ready RUN_ID ROWS" once ROWS rows are committed, then keeps logging (and the writer
// keeps committing) until the test kills it with SIGKILL.
// usage: store_kill_helper --open DB START_MS
// Waits until the wall clock reaches START_MS (ms since the epoch), opens DB as a run store and
// exits 0, or prints the error and exits 2 (many of them racing to open a fresh file).
#include "core/store/metric_writer.h"
#include "core/store/run_store.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonObject>
#include <QThread>

#include <cstdio>

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (argc == 4 && QByteArray(argv[1]) == "--open") {
    const qint64 start = QByteArray(argv[3]).toLongLong();
    while (QDateTime::currentMSecsSinceEpoch() < start) QThread::usleep(200);
    irl4rec::store::RunStore store;
    if (irl4rec::Status s = store.open(QString::fromLocal8Bit(argv[2])); !s) {
      std::fprintf(stderr, "%s\n", qPrintable(s.error().message()));
      return 2;
    }
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: store_kill_helper DB\n");
    return 2;
  }
  const QString path = QString::fromLocal8Bit(argv[1]);
  using namespace irl4rec::store;
  qint64 runId = 0;
  {
    RunStore store;
    if (irl4rec::Status s = store.open(path); !s) {
      std::fprintf(stderr, "%s\n", qPrintable(s.error().message()));
      return 1;
    }
    NewRun run;
    run.name = QStringLiteral("doomed");
    run.status = RunStatus::Running;
    run.config = QJsonObject{{QStringLiteral("seed"), 1}};
    auto created = store.createRun(run);
    if (!created.ok()) return 1;
    runId = created.value().id;
  }
  MetricWriter::Options options;
  options.intervalMs = 20;
  options.maxRows = 100;
  auto writer = MetricWriter::create(path, runId, options);
  if (!writer.ok()) {
    std::fprintf(stderr, "%s\n", qPrintable(writer.error().message()));
    return 1;
  }
  constexpr int kReady = 500;
  for (qint64 step = 0;; ++step) {
    writer.value()->log(QStringLiteral("loss/total"), step, int(step / 100) + 1, 1.0 / (step + 1));
    if (step + 1 == kReady) {
      if (!writer.value()->flush()) return 1;
      std::printf("ready %lld %d\n", static_cast<long long>(runId), kReady);
      std::fflush(stdout);
    }
    if (step % 10 == 0) QThread::usleep(500);
  }
}
