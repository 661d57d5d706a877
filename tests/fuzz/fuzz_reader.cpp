// libFuzzer target for the dataset readers (built three times by scripts/fuzz.sh, one per
// FUZZ_FORMAT). The input is split at its first NUL byte into the main file and its sidecar:
//   1 sequence text `x.txt` + `x_item2attributes.json`
//   2 RecBole `x/x.inter` + `x/x.item`
//   3 Amazon `reviews_X_5.json` + `meta_X.json` (Python-literal lines)
// Every input must give a dataset or an Error naming a file and a cause; nothing else.
#include "core/data/dataset.h"
#include "core/data/reader_common.h"

#include <QDir>
#include <QFile>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#ifndef FUZZ_FORMAT
#error "define FUZZ_FORMAT (1 sequence text, 2 RecBole, 3 Amazon)"
#endif

using namespace irl4rec::data;

namespace {

void write(const QString& path, const char* data, size_t size) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) std::abort();
  f.write(data, qint64(size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  static const QString dir = [] {
    const QString d = QDir::tempPath() + QStringLiteral("/irl4rec-fuzz-%1").arg(qint64(getpid()));
    QDir().mkpath(d + QStringLiteral("/x"));
    return d;
  }();
  const char* data = reinterpret_cast<const char*>(bytes);
  const char* nul = static_cast<const char*>(std::memchr(data, 0, size));
  const size_t mainSize = nul ? size_t(nul - data) : size;
  const char* side = nul ? nul + 1 : nullptr;
  const size_t sideSize = nul ? size - mainSize - 1 : 0;
  LoadOptions options;
  options.useCache = false;
  options.kCore = 2;
  QString path;
#if FUZZ_FORMAT == 1
  path = dir + QStringLiteral("/x.txt");
  write(path, data, mainSize);
  QFile::remove(dir + QStringLiteral("/x_item2attributes.json"));
  if (side) write(dir + QStringLiteral("/x_item2attributes.json"), side, sideSize);
  auto result = detail::readSequenceText(path, options);
#elif FUZZ_FORMAT == 2
  path = dir + QStringLiteral("/x/x.inter");
  write(path, data, mainSize);
  QFile::remove(dir + QStringLiteral("/x/x.item"));
  if (side) write(dir + QStringLiteral("/x/x.item"), side, sideSize);
  auto result = detail::readRecBole(dir + QStringLiteral("/x"), options);
#else
  path = dir + QStringLiteral("/reviews_X_5.json");
  write(path, data, mainSize);
  QFile::remove(dir + QStringLiteral("/meta_X.json"));
  if (side) write(dir + QStringLiteral("/meta_X.json"), side, sideSize);
  auto result = detail::readAmazon(path, options);
#endif
  if (!result.ok() && result.error().cause.isEmpty()) std::abort();
  if (result.ok()) {
    const Dataset& d = result.value();
    // The invariants every consumer relies on: ids within range, tables sized to the ids.
    if (d.itemTokens.size() != d.numItems() + 1 || d.userTokens.size() != d.numUsers()) std::abort();
    for (const auto& seq : d.sequences)
      for (int32_t item : seq)
        if (item < 1 || item > d.numItems()) std::abort();
    if (!d.itemAttributes.empty()) {
      if (int64_t(d.itemAttributes.size()) != d.numItems() + 1) std::abort();
      for (const auto& attrs : d.itemAttributes)
        for (int32_t a : attrs)
          if (a < 1 || a > d.numAttributes()) std::abort();
    }
  }
  return 0;
}
