// libFuzzer target: the sweep spec (core/train/sweep_spec: SweepSpec::parse, then planSweep).
// Every input either fails with a cause or plans; planning the same spec twice gives the same
// run ids (the plan is deterministic); nothing else (no crash, no sanitizer report, no hang, no
// allocation beyond the fuzzer's memory limit).
#include "core/train/sweep_spec.h"

#include <QByteArray>
#include <QStringList>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace irl4rec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
  auto spec = train::SweepSpec::parse(bytes, QStringLiteral("/tmp/fuzz-sweep.json"));
  if (!spec.ok()) {
    if (spec.error().cause.isEmpty()) std::abort();
    return 0;
  }
  auto ids = [&]() -> std::optional<QStringList> {
    auto plan = train::planSweep(spec.value());
    if (!plan.ok()) {
      if (plan.error().cause.isEmpty()) std::abort();
      return std::nullopt;
    }
    QStringList out;
    for (const auto& run : plan.value().runs) out << run.id;
    return out;
  };
  const auto first = ids();
  if (first && ids() != first) std::abort();
  return 0;
}
