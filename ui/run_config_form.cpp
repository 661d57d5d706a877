#include "ui/run_config_form.h"

#include "core/common/run_values.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
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

  auto* modelBox = new QGroupBox(tr("Model"), body);
  auto* mf = new QFormLayout(modelBox);
  name_ = new QLineEdit(body);
  name_->setPlaceholderText(tr("run name (optional)"));
  model_ = combo(body, train::modelKindNames());
  encoder_ = combo(body, train::encoderKindNames());
  loss_ = combo(body, train::lossKindNames());
  negatives_ = spin(body, 1, 100000);
  negatives_->setToolTip(tr("Negatives shared by the batch for sampled-ce"));
  mf->addRow(tr("Name"), name_);
  mf->addRow(tr("Model"), model_);
  mf->addRow(tr("Encoder"), encoder_);
  mf->addRow(tr("Loss"), loss_);
  mf->addRow(tr("Negatives"), negatives_);
  bodyLayout->addWidget(modelBox);

  auto* objBox = new QGroupBox(tr("Objective"), body);
  objBox->setToolTip(tr("L = L_rec(t) + α·L_rec(s) + β·C(t) + γ·D(t, s)"));
  auto* of = new QFormLayout(objBox);
  auto* formula = new QLabel(tr("L = L_rec(t) + α·L_rec(s) + β·C(t) + γ·D(t, s)"), body);
  formula->setWordWrap(true);
  of->addRow(formula);
  alpha_ = new LogSpinBox(body);
  beta_ = new LogSpinBox(body);
  gamma_ = new LogSpinBox(body);
  alpha_->setToolTip(tr("Weight of the confounder branch's own recommendation loss"));
  beta_->setToolTip(tr("Weight of the compression of t"));
  gamma_->setToolTip(tr("Weight of the dependence between t and s"));
  compression_ = combo(body, {train::toString(train::CompressionKind::MeanSquare),
                              train::toString(train::CompressionKind::Kl)});
  dependence_ = combo(body, {train::toString(train::DependenceKind::CrossCorrelation),
                             train::toString(train::DependenceKind::Hsic)});
  confounder_ = new QCheckBox(tr("confounder branch"), body);
  confounder_->setToolTip(tr("s from item attributes; off = the \"no confounder\" ablation"));
  of->addRow(QStringLiteral("α"), alpha_);
  of->addRow(QStringLiteral("β"), beta_);
  of->addRow(QStringLiteral("γ"), gamma_);
  of->addRow(tr("Compression C"), compression_);
  of->addRow(tr("Dependence D"), dependence_);
  of->addRow(QString(), confounder_);
  bodyLayout->addWidget(objBox);

  auto* sizeBox = new QGroupBox(tr("Encoder"), body);
  auto* sf = new QFormLayout(sizeBox);
  hidden_ = spin(body, 1, 4096);
  layers_ = spin(body, 1, 32);
  heads_ = spin(body, 1, 64);
  dropout_ = dspin(body, 0.0, 0.95, 0.05, 2);
  maxLength_ = spin(body, 1, 4096);
  maskRatio_ = dspin(body, 0.01, 0.95, 0.05, 2);
  norm_ = combo(body, {train::toString(train::NormKind::Post), train::toString(train::NormKind::Pre),
                       train::toString(train::NormKind::Kang)});
  norm_->setToolTip(tr("Transformer LayerNorm placement: post = after each residual sum "
                       "(S3-Rec's SASRec), pre = before each sub-layer with a final LayerNorm, "
                       "kang = Kang & McAuley's original SASRec block (queries normalised, keys "
                       "and values from the raw stream), as in Xu et al. 2024"));
  sf->addRow(tr("Hidden size"), hidden_);
  sf->addRow(tr("Layers"), layers_);
  sf->addRow(tr("Heads"), heads_);
  sf->addRow(tr("Dropout"), dropout_);
  sf->addRow(tr("Max length"), maxLength_);
  sf->addRow(tr("Mask ratio (BERT4Rec)"), maskRatio_);
  sf->addRow(tr("Layer norm"), norm_);
  bodyLayout->addWidget(sizeBox);

  auto* optBox = new QGroupBox(tr("Training"), body);
  auto* tf = new QFormLayout(optBox);
  lr_ = new LogSpinBox(body);
  lr_->setRange(1e-6, 1.0);
  lr_->setDecimals(6);
  batch_ = spin(body, 1, 65536);
  epochs_ = spin(body, 1, 100000);
  patience_ = spin(body, 0, 100000);
  patience_->setSpecialValueText(tr("off"));
  evalEvery_ = spin(body, 1, 100000);
  evalEvery_->setToolTip(tr("Validate every N epochs (and at the last epoch)"));
  refit_ = new QCheckBox(tr("refit on train + validation"), body);
  refit_->setObjectName(QStringLiteral("refit"));
  refit_->setToolTip(
      tr("The refit protocol: the validation items become training targets, the run trains for "
         "exactly the epochs above with no validation or early stopping, and the last model is "
         "tested once. For comparing with publications that train so (take the epoch count from "
         "a normal run's best epoch); its test numbers are marked \"refit\" everywhere. Never "
         "for choosing settings."));
  weightDecay_ = new LogSpinBox(body);
  weightDecay_->setDecimals(10);
  weightDecay_->setToolTip(tr("Adam weight decay (L2 on every parameter)"));
  seeds_ = new QLineEdit(body);
  seeds_->setPlaceholderText(QStringLiteral("1  or  1-5  or  1,3,7"));
  threads_ = spin(body, 0, 256);
  threads_->setSpecialValueText(tr("library default"));
  threads_->setToolTip(tr("Threads of one run: they share the full-CE loss and the evaluation. "
                          "Two runs of one thread each use two cores best."));
  batching_ = new QComboBox(body);
  batching_->addItem(tr("similar lengths"));
  batching_->addItem(tr("random users"));
  batching_->addItem(tr("random users, computed by length"));
  batching_->setToolTip(
      tr("Which users share a batch. Similar lengths: fast, but a short history's positions weigh "
         "up to ~40x more in the loss. Random users: every position weighs the same, as in "
         "published implementations (Xu et al.'s recipe); padded to the longest user, so slow. "
         "Computed by length: the same batches and loss as random users, each batch computed as "
         "sub-batches of similar lengths (about 2x faster; other dropout draws)."));
  tf->addRow(tr("Learning rate"), lr_);
  tf->addRow(tr("Batch size"), batch_);
  tf->addRow(tr("Batches"), batching_);
  tf->addRow(tr("Epochs"), epochs_);
  tf->addRow(QString(), refit_);
  tf->addRow(tr("Weight decay"), weightDecay_);
  tf->addRow(tr("Validate every"), evalEvery_);
  tf->addRow(tr("Patience (val NDCG@10)"), patience_);
  tf->addRow(tr("Seeds"), seeds_);
  tf->addRow(tr("Threads per run"), threads_);
  bodyLayout->addWidget(optBox);
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

  // Every edit re-validates; the launch button is enabled only for a valid form.
  for (auto* c : {model_, encoder_, loss_, compression_, dependence_, norm_, batching_}) {
    connect(c, &QComboBox::currentIndexChanged, this, &RunConfigForm::revalidate);
  }
  for (auto* s : {negatives_, hidden_, layers_, heads_, maxLength_, batch_, epochs_, patience_, evalEvery_, threads_}) {
    connect(s, &QSpinBox::valueChanged, this, &RunConfigForm::revalidate);
  }
  for (auto* s : {alpha_, beta_, gamma_, dropout_, maskRatio_, lr_, weightDecay_}) {
    connect(s, &QDoubleSpinBox::valueChanged, this, &RunConfigForm::revalidate);
  }
  connect(confounder_, &QCheckBox::toggled, this, &RunConfigForm::revalidate);
  // Under refit nothing is validated: the validation settings do not apply.
  connect(refit_, &QCheckBox::toggled, this, [this](bool on) {
    evalEvery_->setEnabled(!on);
    patience_->setEnabled(!on);
    revalidate();
  });
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

train::TrainConfig RunConfigForm::config() const {
  // Settings the form does not show (feed-forward, init, evaluation protocol, ...) keep the
  // values of the configuration last loaded into it (a preset or a recipe).
  train::TrainConfig c = base_;
  c.model = train::parseModelKind(model_->currentText()).value();
  c.encoder = train::parseEncoderKind(encoder_->currentText()).value();
  c.loss = train::parseLossKind(loss_->currentText()).value();
  c.negatives = negatives_->value();
  c.alpha = alpha_->value();
  c.beta = beta_->value();
  c.gamma = gamma_->value();
  c.compression = train::parseCompressionKind(compression_->currentText()).value();
  c.dependence = train::parseDependenceKind(dependence_->currentText()).value();
  c.useConfounder = confounder_->isChecked();
  c.hiddenSize = hidden_->value();
  c.layers = layers_->value();
  c.heads = heads_->value();
  c.dropout = dropout_->value();
  c.maxLength = maxLength_->value();
  c.maskRatio = maskRatio_->value();
  // GRU4Rec has no Transformer block: its configuration keeps the block defaults.
  if (c.encoder != train::EncoderKind::Gru4Rec) {
    c.norm = train::parseNormKind(norm_->currentText()).value();
  } else {
    c.norm = train::NormKind::Post;
    c.ffn = train::FfnKind::Gelu4d;
    c.padKeys = false;
  }
  if (c.norm != train::NormKind::Kang) c.padKeys = false;
  c.lr = lr_->value();
  c.batchSize = batch_->value();
  if (batching_->currentIndex() > 0) {
    c.batching = train::BatchingKind::Random;
    c.splitBatches = batching_->currentIndex() == 2;
  } else {
    c.batching = train::BatchingKind::Length;
    // Length batches are split only if the loaded configuration said so (it changes little).
    c.splitBatches = base_.batching == train::BatchingKind::Length && base_.splitBatches;
  }
  c.epochs = epochs_->value();
  c.patience = patience_->value();
  c.evalEvery = evalEvery_->value();
  c.refit = refit_->isChecked();
  c.weightDecay = weightDecay_->value();
  c.threads = threads_->value();
  const auto s = seeds();
  if (s.ok() && !s.value().isEmpty()) c.seed = s.value().first();
  return c;
}

void RunConfigForm::setConfig(const train::TrainConfig& c) {
  loading_ = true;
  base_ = c;
  model_->setCurrentText(train::toString(c.model));
  encoder_->setCurrentText(train::toString(c.encoder));
  loss_->setCurrentText(train::toString(c.loss));
  negatives_->setValue(c.negatives);
  alpha_->setValue(c.alpha);
  beta_->setValue(c.beta);
  gamma_->setValue(c.gamma);
  compression_->setCurrentText(train::toString(c.compression));
  dependence_->setCurrentText(train::toString(c.dependence));
  confounder_->setChecked(c.useConfounder);
  hidden_->setValue(c.hiddenSize);
  layers_->setValue(c.layers);
  heads_->setValue(c.heads);
  dropout_->setValue(c.dropout);
  maxLength_->setValue(c.maxLength);
  maskRatio_->setValue(c.maskRatio);
  norm_->setCurrentText(train::toString(c.norm));
  lr_->setValue(c.lr);
  batch_->setValue(c.batchSize);
  batching_->setCurrentIndex(c.batching == train::BatchingKind::Length ? 0
                             : c.splitBatches                          ? 2
                                                                       : 1);
  epochs_->setValue(c.epochs);
  patience_->setValue(c.patience);
  evalEvery_->setValue(c.evalEvery);
  refit_->setChecked(c.refit);
  weightDecay_->setValue(c.weightDecay);
  threads_->setValue(c.threads);
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
  const bool irl = model_->currentText() == train::toString(train::ModelKind::Irl4Rec);
  for (QWidget* w : std::initializer_list<QWidget*>{alpha_, beta_, gamma_, compression_, dependence_, confounder_}) {
    w->setEnabled(irl);
  }
  negatives_->setEnabled(loss_->currentText() == train::toString(train::LossKind::SampledCe));
  const bool transformer = encoder_->currentText() != train::toString(train::EncoderKind::Gru4Rec);
  heads_->setEnabled(transformer);
  norm_->setEnabled(transformer);
  maskRatio_->setEnabled(encoder_->currentText() == train::toString(train::EncoderKind::Bert4Rec));
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
