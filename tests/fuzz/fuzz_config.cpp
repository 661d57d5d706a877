// libFuzzer target: the JSON configuration reader behind `irl4rec train --config FILE`, a
// recipe's "config" and a sweep's "base" (core/common/files parseJsonObject, then
// TrainConfig::fromJson and validate). Every input either fails with a cause or gives a
// configuration whose JSON reads back to the same configuration; nothing else (no crash, no
// sanitizer report, no hang).
#include "core/common/files.h"
#include "core/train/train_config.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using irl4rec::train::TrainConfig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
  auto json = irl4rec::parseJsonObject(bytes, QStringLiteral("fuzz.json"));
  if (!json.ok()) {
    if (json.error().cause.isEmpty()) std::abort();
    return 0;
  }
  auto config = TrainConfig::fromJson(json.value());
  if (!config.ok()) {
    if (config.error().cause.isEmpty()) std::abort();
    return 0;
  }
  const irl4rec::Status valid = config.value().validate();
  if (!valid.ok() && valid.error().cause.isEmpty()) std::abort();
  // What a run stores must load again as the same configuration.
  auto again = TrainConfig::fromJson(config.value().toJson());
  if (!again.ok() || again.value().toJson() != config.value().toJson()) std::abort();
  return 0;
}
