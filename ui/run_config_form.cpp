#include "ui/run_config_form.h"

#include "core/common/run_values.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonValue>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include <cmath>

namespace irl4rec::ui {

namespace {

/// A weight spin box whose arrows step on a log scale (×√10 per step; from 0 to the first step).
class LogSpinBox : public QDoubleSpinBox {
 public:
  explicit LogSpinBox(QWidget* parent) : QDoubleSpinBox(parent) {
    setDecimals(5);
    setRange(0.0, 1000.0);
    setKeyboardTracking(false);
  }
  void stepBy(int steps) override {
    double v = value();
    for (int i = 0; i < std::abs(steps); ++i) {
      if (steps > 0) {
        v = v <= 0 ? 1e-4 : v * std::sqrt(10.0);
      } else {
        v = v <= 1e-4 + 1e-12 ? 0.0 : v / std::sqrt(10.0);
      }
    }
    // Snap to 1/3/10 style values so repeated steps stay readable.
    if (v > 0) v = std::round(v / std::pow(10.0, std::floor(std::log10(v)) - 2)) *
                   std::pow(10.0, std::floor(std::log10(v)) - 2);
    setValue(std::clamp(v, minimum(), maximum()));
  }
};

const char kPresetsKey[] = "run/presets";

QComboBox* combo(QWidget* parent, const QStringList& items) {
  auto* c = new QComboBox(parent);
  c->addItems(items);
  return c;
}

QSpinBox* spin(QWidget* parent, int lo, int hi) {
  auto* s = new QSpinBox(parent);
  s->setRange(lo, hi);
  s->setKeyboardTracking(false);
  return s;
}

QDoubleSpinBox* dspin(QWidget* parent, double lo, double hi, double step, int decimals) {
  auto* s = new QDoubleSpinBox(parent);
  s->setRange(lo, hi);
  s->setSingleStep(step);
  s->setDecimals(decimals);
  s->setKeyboardTracking(false);
  return s;
}

}  // namespace

QList<train::Recipe> RunConfigForm::builtinPresets() {
  static const QList<train::Recipe> recipes = [] {
    auto loaded = train::builtinRecipes();
    if (!loaded.ok()) {
      qWarning("built-in recipes: %s", qPrintable(loaded.error().message()));
      return QList<train::Recipe>();
    }
    return loaded.value();
  }();
  return recipes;
}

RunConfigForm::RunConfigForm(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);

  auto* presetRow = new QHBoxLayout;
  preset_ = new QComboBox(this);
  presetRow->addWidget(new QLabel(tr("Preset:"), this));
  presetRow->addWidget(preset_, 1);
  save_ = new QPushButton(tr("Save…"), this);
  save_->setToolTip(tr("Save the form as your own preset"));
  presetRow->addWidget(save_);
  outer->addLayout(presetRow);

  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  auto* body = new QWidget(scroll);
  auto* bodyLayout = new QVBoxLayout(body);
  bodyLayout->setContentsMargins(0, 0, 0, 0);

  // One group box per section of the field table, its rows in the table's order.
  using Section = train::ConfigField::Section;
  const std::pair<Section, QString> sections[] = {{Section::Model, tr("Model")},
                                                  {Section::Objective, tr("Objective")},
                                                  {Section::Encoder, tr("Encoder")},
                                                  {Section::Training, tr("Training")}};
  for (const auto& [section, title] : sections) {
    auto* box = new QGroupBox(title, body);
    auto* form = new QFormLayout(box);
    if (section == Section::Model) {
      name_ = new QLineEdit(body);
      name_->setPlaceholderText(tr("run name (optional)"));
      form->addRow(tr("Name"), name_);
    }
    if (section == Section::Objective) {
      const QString objective = tr("L = L_rec(t) + α·L_rec(s) + β·C(t) + γ·D(t, s)");
      box->setToolTip(objective);
      auto* formula = new QLabel(objective, body);
      formula->setWordWrap(true);
      form->addRow(formula);
    }
    for (const train::ConfigField& field : train::configFields()) {
      if (field.section != section) continue;
      QWidget* widget = nullptr;
      if (field.key == QLatin1String("batching")) {
        // Batching and split_batches share one box: how users are batched, and whether a
        // random batch is computed by length.
        batching_ = new QComboBox(body);
        batching_->setObjectName(field.key);
        batching_->addItem(tr("similar lengths"));
        batching_->addItem(tr("random users"));
        batching_->addItem(tr("random users, computed by length"));
        batching_->setToolTip(field.help);
        widget = batching_;
      } else if (field.key == QLatin1String("seed")) {
        seeds_ = new QLineEdit(body);
        seeds_->setObjectName(field.key);
        seeds_->setPlaceholderText(QStringLiteral("1  or  1-5  or  1,3,7"));
        seeds_->setToolTip(field.help);
        widget = seeds_;
      } else if (field.widget == train::ConfigField::Widget::Custom) {
        continue;  // shown by another row's widget (split_batches: the batching box)
      } else {
        widget = makeEditor(field, body);
        editors_.push_back({&field, widget});
      }
      if (field.type == train::ConfigField::Type::Boolean && widget != batching_)
        form->addRow(QString(), widget);
      else
        form->addRow(field.label, widget);
    }
    bodyLayout->addWidget(box);
  }
  bodyLayout->addStretch(1);
  scroll->setWidget(body);
  outer->addWidget(scroll, 1);

  message_ = new QLabel(this);
  message_->setWordWrap(true);
  message_->setStyleSheet(QStringLiteral("color: #b00020;"));
  outer->addWidget(message_);
  auto* launchRow = new QHBoxLayout;
  memory_ = new QLabel(this);
  launchRow->addWidget(memory_, 1);
  launch_ = new QPushButton(tr("Launch"), this);
  launch_->setDefault(true);
  launchRow->addWidget(launch_);
  outer->addLayout(launchRow);

  reloadPresetCombo();
  if (!applyPreset(QLatin1String(kInitialRecipe))) setConfig(train::TrainConfig());
  seeds_->setText(QStringLiteral("1"));

  // Every edit re-validates (and re-decides which settings apply); Launch is enabled only for a
  // valid form.
  for (const Editor& e : editors_) {
    if (auto* c = qobject_cast<QComboBox*>(e.widget))
      connect(c, &QComboBox::currentIndexChanged, this, &RunConfigForm::revalidate);
    else if (auto* i = qobject_cast<QSpinBox*>(e.widget))
      connect(i, &QSpinBox::valueChanged, this, &RunConfigForm::revalidate);
    else if (auto* d = qobject_cast<QDoubleSpinBox*>(e.widget))
      connect(d, &QDoubleSpinBox::valueChanged, this, &RunConfigForm::revalidate);
    else if (auto* b = qobject_cast<QCheckBox*>(e.widget))
      connect(b, &QCheckBox::toggled, this, &RunConfigForm::revalidate);
  }
  connect(batching_, &QComboBox::currentIndexChanged, this, &RunConfigForm::revalidate);
  connect(seeds_, &QLineEdit::textChanged, this, &RunConfigForm::revalidate);
  // The closed box shows the chosen recipe's source and numbers too.
  connect(preset_, &QComboBox::currentIndexChanged, this, [this](int index) {
    preset_->setToolTip(preset_->itemData(index, Qt::ToolTipRole).toString());
  });
  preset_->setToolTip(preset_->itemData(preset_->currentIndex(), Qt::ToolTipRole).toString());
  connect(preset_, &QComboBox::activated, this,
          [this](int index) { applyPreset(preset_->itemData(index).toString()); });
  connect(save_, &QPushButton::clicked, this, [this] {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save preset"), tr("Preset name:"),
                                               QLineEdit::Normal, QString(), &ok);
    if (ok && !name.trimmed().isEmpty()) savePreset(name.trimmed());
  });
  connect(launch_, &QPushButton::clicked, this, [this] {
    if (!validationMessage().isEmpty()) return;
    Q_EMIT launchRequested(config(), seeds().value(), runName());
  });
  revalidate();
}

QWidget* RunConfigForm::makeEditor(const train::ConfigField& field, QWidget* parent) {
  using Type = train::ConfigField::Type;
  QWidget* widget = nullptr;
  switch (field.type) {
    case Type::Choice:
      widget = combo(parent, field.choices);
      break;
    case Type::Integer: {
      auto* s = spin(parent, int(field.minimum), int(field.maximum));
      if (!field.zeroText.isEmpty()) s->setSpecialValueText(field.zeroText);
      widget = s;
      break;
    }
    case Type::Real: {
      QDoubleSpinBox* d = nullptr;
      if (field.widget == train::ConfigField::Widget::LogScale) {
        d = new LogSpinBox(parent);
        d->setDecimals(field.decimals);
        d->setRange(field.minimum, field.maximum);
      } else {
        d = dspin(parent, field.minimum, field.maximum, field.step, field.decimals);
      }
      widget = d;
      break;
    }
    case Type::Boolean:
      widget = new QCheckBox(field.label, parent);
      break;
    case Type::Seed:
    case Type::Path:
      widget = new QLineEdit(parent);
      break;
  }
  widget->setObjectName(field.key);
  widget->setToolTip(field.help);
  return widget;
}

void RunConfigForm::readEditors(train::TrainConfig& c) const {
  for (const Editor& e : editors_) {
    QJsonValue v;
    if (auto* combo = qobject_cast<QComboBox*>(e.widget)) v = combo->currentText();
    else if (auto* i = qobject_cast<QSpinBox*>(e.widget)) v = i->value();
    else if (auto* d = qobject_cast<QDoubleSpinBox*>(e.widget)) v = d->value();
    else if (auto* b = qobject_cast<QCheckBox*>(e.widget)) v = b->isChecked();
    // The widgets only offer values of the right type and name: set() cannot refuse them.
    e.field->set(c, v);
  }
}

void RunConfigForm::writeEditors(const train::TrainConfig& c) {
  for (const Editor& e : editors_) {
    const QJsonValue v = e.field->get(c);
    if (auto* combo = qobject_cast<QComboBox*>(e.widget)) combo->setCurrentText(v.toString());
    else if (auto* i = qobject_cast<QSpinBox*>(e.widget)) i->setValue(v.toInt());
    else if (auto* d = qobject_cast<QDoubleSpinBox*>(e.widget)) d->setValue(v.toDouble());
    else if (auto* b = qobject_cast<QCheckBox*>(e.widget)) b->setChecked(v.toBool());
  }
}

train::TrainConfig RunConfigForm::config() const {
  // Settings the form does not show (feed-forward, init, evaluation protocol, ...) keep the
  // values of the configuration last loaded into it (a preset or a recipe).
  train::TrainConfig c = base_;
  readEditors(c);
  // GRU4Rec has no Transformer block: its configuration keeps the block defaults.
  if (c.encoder == train::EncoderKind::Gru4Rec) {
    c.norm = train::NormKind::Post;
    c.ffn = train::FfnKind::Gelu4d;
    c.padKeys = false;
  }
  if (c.norm != train::NormKind::Kang) c.padKeys = false;
  if (batching_->currentIndex() > 0) {
    c.batching = train::BatchingKind::Random;
    c.splitBatches = batching_->currentIndex() == 2;
  } else {
    c.batching = train::BatchingKind::Length;
    // Length batches are split only if the loaded configuration said so (it changes little).
    c.splitBatches = base_.batching == train::BatchingKind::Length && base_.splitBatches;
  }
  const auto s = seeds();
  if (s.ok() && !s.value().isEmpty()) c.seed = s.value().first();
  return c;
}

void RunConfigForm::setConfig(const train::TrainConfig& c) {
  loading_ = true;
  base_ = c;
  writeEditors(c);
  batching_->setCurrentIndex(c.batching == train::BatchingKind::Length ? 0
                             : c.splitBatches                          ? 2
                                                                       : 1);
  loading_ = false;
  revalidate();
}

Expected<QList<quint64>> RunConfigForm::seeds() const {
  const auto parsed = parseSeedList(seeds_->text());
  if (!parsed) return parsed.error();
  return QList<quint64>(parsed.value().begin(), parsed.value().end());
}

QString RunConfigForm::runName() const {
  const QString n = name_->text().trimmed();
  if (!n.isEmpty()) return n;
  const train::TrainConfig c = config();
  return QStringLiteral("%1-%2-%3").arg(train::toString(c.model), train::toString(c.encoder),
                                        train::toString(c.loss));
}

QString RunConfigForm::validationMessage() const {
  const auto s = seeds();
  if (!s.ok()) return s.error().message();
  const Status status = config().validate();
  if (!status.ok()) return status.error().message();
  return QString();
}

void RunConfigForm::revalidate() {
  if (loading_) return;
  updateEnabled();
  const QString message = validationMessage();
  message_->setText(message);
  message_->setVisible(!message.isEmpty());
  launch_->setEnabled(message.isEmpty());
  updateMemoryEstimate();
}

void RunConfigForm::setDatasetSizes(const std::optional<train::DatasetSizes>& sizes) {
  sizes_ = sizes;
  updateMemoryEstimate();
}

void RunConfigForm::updateMemoryEstimate() {
  if (!sizes_) {
    memory_->clear();
    memory_->setToolTip(QString());
    return;
  }
  const train::MemoryEstimate e = train::estimateMemory(config(), *sizes_);
  QString text = tr("Memory ≈ %1").arg(train::formatBytes(e.totalBytes()));
  const bool tooLarge = machine_ && e.totalBytes() > machine_->totalBytes;
  if (machine_) text += tr(" of %1").arg(train::formatBytes(machine_->totalBytes));
  memory_->setText(text);
  memory_->setStyleSheet(tooLarge ? QStringLiteral("color: #b00020;") : QString());
  memory_->setToolTip(tr("Estimated peak memory of one run: %1. Runs that cannot fit in the "
                         "machine's memory are refused at Launch.")
                          .arg(train::describe(e)));
}

void RunConfigForm::updateEnabled() {
  // A setting that means nothing for the configuration being edited is greyed out (the table's
  // `applies`: the Irl4Rec weights for a baseline, negatives for other losses, heads and layer
  // norm for GRU4Rec, the validation settings under refit, ...).
  const train::TrainConfig c = config();
  for (const Editor& e : editors_) e.widget->setEnabled(e.field->appliesTo(c));
}

QStringList RunConfigForm::presetNames() const {
  QStringList names;
  for (const train::Recipe& r : builtinPresets()) names << r.name;
  names += QSettings().value(QLatin1String(kPresetsKey)).toMap().keys();
  return names;
}

bool RunConfigForm::applyPreset(const QString& name) {
  for (const train::Recipe& r : builtinPresets()) {
    if (r.name == name || r.title == name) {
      setConfig(r.config);
      preset_->setCurrentIndex(preset_->findData(r.name));
      return true;
    }
  }
  const QVariantMap saved = QSettings().value(QLatin1String(kPresetsKey)).toMap();
  if (!saved.contains(name)) return false;
  const auto doc = QJsonDocument::fromJson(saved.value(name).toString().toUtf8());
  auto parsed = train::TrainConfig::fromJson(doc.object());
  if (!parsed.ok()) {
    message_->setText(tr("Preset '%1' cannot be read: %2").arg(name, parsed.error().message()));
    message_->show();
    return false;
  }
  setConfig(parsed.value());
  preset_->setCurrentIndex(preset_->findData(name));
  return true;
}

void RunConfigForm::savePreset(const QString& name) {
  QSettings settings;
  QVariantMap saved = settings.value(QLatin1String(kPresetsKey)).toMap();
  saved.insert(name, QString::fromUtf8(QJsonDocument(config().toJson()).toJson(QJsonDocument::Compact)));
  settings.setValue(QLatin1String(kPresetsKey), saved);
  reloadPresetCombo();
  preset_->setCurrentIndex(preset_->findData(name));
}

void RunConfigForm::reloadPresetCombo() {
  preset_->clear();
  // Recipes show their title, with source, published numbers and which settings are guesses
  // in the tooltip; the user's presets follow under their own names.
  for (const train::Recipe& r : builtinPresets()) {
    preset_->addItem(r.title, r.name);
    preset_->setItemData(preset_->count() - 1, r.tooltip(), Qt::ToolTipRole);
  }
  const QStringList saved = QSettings().value(QLatin1String(kPresetsKey)).toMap().keys();
  if (!saved.isEmpty() && preset_->count() > 0) preset_->insertSeparator(preset_->count());
  for (const QString& name : saved) {
    preset_->addItem(name, name);
    preset_->setItemData(preset_->count() - 1, tr("Your preset (saved with Save…)"), Qt::ToolTipRole);
  }
}

}  // namespace irl4rec::ui
