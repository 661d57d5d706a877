#pragma once

#include "core/common/error.h"
#include "core/train/memory_estimate.h"
#include "core/train/config_fields.h"
#include "core/train/recipes.h"
#include "core/train/train_config.h"

#include <QList>
#include <QWidget>

#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace irl4rec::ui {

/// The run configuration form: the settings of TrainConfig's field table that have a section
/// (their widgets, labels, ranges, tooltips and when they apply all come from the table),
/// presets, seeds, and validation that explains an invalid combination inline before anything
/// is launched. Settings without a section keep the values of the configuration last loaded.
class RunConfigForm : public QWidget {
  Q_OBJECT
 public:
  explicit RunConfigForm(QWidget* parent = nullptr);

  train::TrainConfig config() const;
  void setConfig(const train::TrainConfig& config);
  /// Seeds from the seeds field: "1", "1-5", "1,3,7" (empty list plus an Error when invalid).
  Expected<QList<quint64>> seeds() const;
  QString runName() const;
  /// Empty when the form can be launched; otherwise the first reason, as shown inline.
  QString validationMessage() const;

  /// The shipped recipes' names first (resources/recipes/), then the user's saved presets.
  QStringList presetNames() const;
  /// Applies a recipe (by name or title) or a saved preset; false when there is none.
  bool applyPreset(const QString& name);
  /// Saves the current form as a user preset (QSettings).
  void savePreset(const QString& name);
  /// The built-in presets: the recipes compiled into the binary (empty if they cannot be read,
  /// which the tests rule out).
  static QList<train::Recipe> builtinPresets();
  /// The recipe the form starts with.
  static constexpr const char* kInitialRecipe = "sasrec-sampled-ce";

  QPushButton* launchButton() const { return launch_; }

  /// The sizes of the dataset runs will train on (empty: none open); they feed the memory
  /// estimate shown next to Launch.
  void setDatasetSizes(const std::optional<train::DatasetSizes>& sizes);
  /// "Memory ≈ 1.2 GB of 24.7 GB" next to Launch (red when the machine cannot hold it), the
  /// parts in its tooltip; empty without a dataset.
  QLabel* memoryLabel() const { return memory_; }

 Q_SIGNALS:
  /// The user asked to launch the current config over `seeds`.
  void launchRequested(const irl4rec::train::TrainConfig& config, const QList<quint64>& seeds,
                       const QString& name);

 private:
  void revalidate();
  void updateEnabled();
  void reloadPresetCombo();
  void updateMemoryEstimate();

  /// One setting's widget, made from its row of the field table (core/train/config_fields.h).
  struct Editor {
    const train::ConfigField* field = nullptr;
    QWidget* widget = nullptr;  ///< QComboBox, QSpinBox, QDoubleSpinBox or QCheckBox
  };
  QWidget* makeEditor(const train::ConfigField& field, QWidget* parent);
  void readEditors(train::TrainConfig& c) const;
  void writeEditors(const train::TrainConfig& c);

  QComboBox* preset_ = nullptr;
  QLineEdit* name_ = nullptr;
  std::vector<Editor> editors_;
  QComboBox* batching_ = nullptr;  ///< similar lengths | random | random, computed by length
  QLineEdit* seeds_ = nullptr;
  QLabel* message_ = nullptr;
  QPushButton* launch_ = nullptr;
  QLabel* memory_ = nullptr;
  QPushButton* save_ = nullptr;
  std::optional<train::DatasetSizes> sizes_;
  std::optional<train::MachineMemory> machine_ = train::readMachineMemory();
  bool loading_ = false;
  train::TrainConfig base_;  ///< the last configuration loaded; config() starts from it
};

}  // namespace irl4rec::ui
