#pragma once
/// TrainConfig described once (issue 13): one row per setting — its JSON key, its CLI flag or
/// switches, its label and help for the GUI's form, the form's range, when it applies, whether
/// it belongs to the seed group, and how to read and write it. TrainConfig::toJson / fromJson,
/// the CLI's train flags, the launch form's widgets and the group key are loops over this table,
/// so a new setting is one row here (and its member in TrainConfig). Qt Core only.
///
/// Every validation rule stays in TrainConfig::validate(); the table's ranges are the form's
/// spin-box limits, not rules.

#include "core/train/train_config.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace irl4rec::train {

struct ConfigField {
  enum class Type { Integer, Real, Boolean, Choice, Seed, Path };
  /// When toJson writes it: always; only away from its default (settings added after runs
  /// were stored, so that older configurations keep their group key); only where it applies.
  enum class Written { Always, NotDefault, WhenApplies };
  /// The launch form's group box; Hidden = not in the form (the form keeps the loaded value).
  enum class Section { Model, Objective, Encoder, Training, Hidden };
  /// How the form edits it: a widget made from the row, a log-scale spin box (weights, lr),
  /// or the form's own widget (seed list, the batching box).
  enum class Widget { Auto, LogScale, Custom };

  QString key;       ///< JSON key, snake_case
  Type type = Type::Integer;
  QString label;     ///< a person's name for it, for the form and messages
  QString help;      ///< one sentence: the form's tooltip
  QString flag;      ///< `irl4rec train` value flag, e.g. "--hidden"; empty = none
  QString onSwitch;  ///< Boolean: switch that sets it true ("--pad-keys"); empty = none
  QString offSwitch; ///< Boolean: switch that sets it false ("--no-noise"); empty = none
  bool grouped = true;  ///< part of the group key (false: seed and operational settings)
  Written written = Written::Always;
  Section section = Section::Hidden;
  Widget widget = Widget::Auto;
  double minimum = 0, maximum = 0;  ///< the form's range (Integer, Real)
  int decimals = 2;                 ///< Real
  double step = 1;                  ///< Real
  QString zeroText;                 ///< Integer: what the form shows for 0 ("off")
  QStringList choices;              ///< Choice: the canonical names
  /// Whether the setting means anything for `c` (null = always): the form greys it out
  /// otherwise, and WhenApplies rows are written only then.
  std::function<bool(const TrainConfig&)> applies;
  std::function<QJsonValue(const TrainConfig&)> get;
  /// Sets it from JSON; the one-line reason when the value has the wrong type or name.
  std::function<QString(TrainConfig&, const QJsonValue&)> set;
  /// Real: sets any double, NaN and infinities included (JSON cannot carry them; a flag can,
  /// and validate() names the problem).
  std::function<void(TrainConfig&, double)> setReal;

  bool appliesTo(const TrainConfig& c) const { return !applies || applies(c); }
};

/// Every setting of TrainConfig, in the form's order.
const std::vector<ConfigField>& configFields();
/// The row of a JSON key, or nullptr.
const ConfigField* findConfigField(const QString& key);

/// Whether `key` is a TrainConfig setting (recipes and sweep specs refuse other keys).
bool isConfigKey(const QString& key);

/// `config.toJson()` with the settings toJson() leaves out at their defaults written too, so
/// that two stored configurations can be told apart by value ("split_batches off" rather than a
/// missing key). Reads back to `config`.
QJsonObject completeConfigJson(const TrainConfig& config);

/// Applies a CLI value flag's text to `c` (integers and numbers parsed strictly, names checked,
/// paths made absolute); the one-line reason otherwise, naming the flag.
QString applyFlagText(const ConfigField& field, TrainConfig& c, const QString& text);

/// The keys the group key leaves out: the seed and the operational settings (threads,
/// evaluation batch, paths), and a stored run's "name".
const QStringList& groupExcludedKeys();
/// The seed group of a stored configuration (DESIGN.md §3): its canonical compact JSON without
/// the excluded keys (at any depth), wrapped with the dataset's fingerprint when known. Runs
/// with the same key differ only by seed; the store keeps the key it is given (NewRun).
QString groupKey(const QJsonObject& config, const QString& datasetFingerprint = {});

}  // namespace irl4rec::train
