#include "core/train/config_keys.h"

namespace irl4rec::train {

bool isConfigKey(const QString& key) {
  return !TrainConfig::fromJson(QJsonObject{{key, QJsonObject()}}).ok();
}

QJsonObject completeConfigJson(const TrainConfig& config) {
  QJsonObject o = config.toJson();
  // The settings toJson() writes only when they differ from their defaults (train_config.cpp).
  const std::pair<const char*, QJsonValue> omitted[] = {
      {"norm", toString(config.norm)},         {"ffn", toString(config.ffn)},
      {"init", toString(config.init)},         {"pad_keys", config.padKeys},
      {"batching", toString(config.batching)}, {"split_batches", config.splitBatches},
      {"cloze_last", config.clozeLast},        {"refit", config.refit}};
  for (const auto& [key, value] : omitted) {
    if (!o.contains(QLatin1String(key))) o.insert(QLatin1String(key), value);
  }
  return o;
}

}  // namespace irl4rec::train
