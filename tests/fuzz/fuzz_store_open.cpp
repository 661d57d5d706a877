// libFuzzer target: opening an arbitrary file as a run store (core/store RunStore::open with
// MustExist, then listing its runs and datasets), as `irl4rec runs list --db FILE` and the GUI's
// File > Open store do. Every input is either refused with a cause naming the file or opens and
// lists; nothing else (no crash, no sanitizer report, no hang).
#include "core/store/run_store.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <unistd.h>

using namespace irl4rec;

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  static QCoreApplication app(*argc, *argv);  // Qt SQL finds its QSQLITE plugin through it
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const QString path = QDir::tempPath() + QStringLiteral("/fuzz-store-%1.sqlite").arg(getpid());
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) QFile::remove(path + QLatin1String(suffix));
  {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) std::abort();
    file.write(reinterpret_cast<const char*>(data), qint64(size));
  }
  {
    store::RunStore store;
    const Status opened = store.open(path, store::RunStore::OpenMode::MustExist);
    if (!opened.ok()) {
      if (opened.error().cause.isEmpty() || !opened.error().message().contains(path)) std::abort();
    } else {
      store::ListOptions options;
      options.includeConfig = true;
      auto runs = store.listRuns(options);
      if (runs.ok()) {
        for (const auto& entry : runs.value()) (void)store.metricSummaries(entry.run.id);
      }
      (void)store.datasets();
    }
  }
  return 0;
}
