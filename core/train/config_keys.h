#pragma once
/// Questions about TrainConfig's JSON that recipes, sweep specs and the GUI's comparisons ask:
/// is a key a setting, and what is a configuration with every setting written out. Qt Core only.

#include "core/train/train_config.h"

#include <QJsonObject>
#include <QString>

namespace irl4rec::train {

/// Whether `key` is a TrainConfig setting: fromJson reads every setting it knows with a type
/// check, so an object where a setting belongs is refused exactly for the known keys. New
/// settings are known here as soon as fromJson reads them.
bool isConfigKey(const QString& key);

/// `config.toJson()` with the settings toJson() leaves out at their defaults written too (norm,
/// ffn, init, pad_keys, batching, split_batches), so that two stored configurations can be told
/// apart by value ("split_batches off" rather than a missing key). Reads back to `config`.
QJsonObject completeConfigJson(const TrainConfig& config);

}  // namespace irl4rec::train
