#include "ui/sweep_dialog.h"

#include "core/common/run_values.h"
#include "core/train/metric_keys.h"
#include "core/train/sweep_spec.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <set>

namespace irl4rec::ui {

namespace {

enum AxisColumn { KeyColumn, KindColumn, ValuesColumn, CountColumn };

// A value as typed: a number, true/false, or text.
QJsonValue parseValue(const QString& token) {
  bool ok = false;
  const double v = token.toDouble(&ok);
  if (ok && std::isfinite(v)) return v;
  if (token == QLatin1String("true")) return true;
  if (token == QLatin1String("false")) return false;
  return token;
}

QStringList tokens(const QString& text) {
  QStringList out;
  for (const QString& t : text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts))
    out << t.trimmed();
  return out;
}

}  // namespace

SweepDialog::SweepDialog(const QJsonObject& base, const QString& datasetPath, const QString& folder,
                         QWidget* parent)
    : QDialog(parent), base_(base), datasetPath_(datasetPath), folder_(folder) {
  for (const char* k : {"seed", "data_path", "checkpoint_path"}) base_.remove(QLatin1String(k));
  setWindowTitle(tr("New sweep"));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  name_ = new QLineEdit(this);
  name_->setPlaceholderText(tr("sweep"));
  name_->setValidator(new QRegularExpressionValidator(
      QRegularExpression(QStringLiteral("[A-Za-z0-9_.+=-]{0,80}")), name_));
  form->addRow(tr("Name:"), name_);
  auto* baseLabel = new QLabel(
      tr("the Runs tab form's configuration (%1, %2) on %3")
          .arg(base_.value(QStringLiteral("model")).toString(),
               base_.value(QStringLiteral("encoder")).toString(),
               datasetPath_.isEmpty() ? tr("no dataset: open one first") : QFileInfo(datasetPath_).fileName()),
      this);
  baseLabel->setWordWrap(true);
  form->addRow(tr("Base:"), baseLabel);
  layout->addLayout(form);

  auto* axesBox = new QGroupBox(tr("Axes"), this);
  auto* axesLayout = new QVBoxLayout(axesBox);
  axes_ = new QTableWidget(0, 4, axesBox);
  axes_->setHorizontalHeaderLabels({tr("setting"), tr("kind"), tr("values, or low, high"), tr("count")});
  axes_->horizontalHeader()->setSectionResizeMode(ValuesColumn, QHeaderView::Stretch);
  axes_->verticalHeader()->hide();
  axes_->setMinimumHeight(140);
  axesLayout->addWidget(axes_);
  auto* axesButtons = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add axis"), axesBox);
  auto* remove = new QPushButton(tr("Remove axis"), axesBox);
  axesButtons->addWidget(add);
  axesButtons->addWidget(remove);
  axesButtons->addStretch(1);
  axesLayout->addLayout(axesButtons);
  layout->addWidget(axesBox, 1);
  connect(add, &QPushButton::clicked, this, [this] {
    addAxis(base_.contains(QStringLiteral("beta")) ? QStringLiteral("beta") : QStringLiteral("lr"),
            AxisKind::Values, QString());
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    const int row = axes_->currentRow() >= 0 ? axes_->currentRow() : axes_->rowCount() - 1;
    if (row >= 0) axes_->removeRow(row);
    updatePlan();
  });

  auto* searchForm = new QFormLayout;
  seeds_ = new QLineEdit(QStringLiteral("1, 2, 3"), this);
  seeds_->setToolTip(tr("Each configuration is trained with every seed: \"1, 2, 3\" or \"1-5\""));
  searchForm->addRow(tr("Seeds:"), seeds_);
  auto* searchRow = new QHBoxLayout;
  search_ = new QComboBox(this);
  search_->addItem(tr("grid: every combination"), QStringLiteral("grid"));
  search_->addItem(tr("random: draw trials"), QStringLiteral("random"));
  trials_ = new QSpinBox(this);
  trials_->setRange(1, 10000);
  trials_->setValue(10);
  trials_->setPrefix(tr("trials: "));
  searchRow->addWidget(search_);
  searchRow->addWidget(trials_);
  searchRow->addStretch(1);
  searchForm->addRow(tr("Search:"), searchRow);
  select_ = new QComboBox(this);
  for (const char* m : {"ndcg", "hr", "mrr"}) {
    for (int k : {5, 10, 20}) {
      const QString key = QStringLiteral("val/%1@%2").arg(QLatin1String(m)).arg(k);
      select_->addItem(key, key);
    }
  }
  select_->setCurrentIndex(select_->findData(train::metric::kSelection));
  select_->setToolTip(tr("The validation metric that picks the best configuration; test metrics never choose"));
  searchForm->addRow(tr("Select by:"), select_);
  auto* testRow = new QHBoxLayout;
  testData_ = new QLineEdit(this);
  testData_->setPlaceholderText(tr("optional: a dataset whose test targets every run is also evaluated on"));
  testData_->setToolTip(tr("The shift benchmark (irl4rec train --test-data): stored as shift/* metrics, "
                           "shown in Compare; never used to choose"));
  auto* browse = new QPushButton(tr("Browse…"), this);
  testRow->addWidget(testData_, 1);
  testRow->addWidget(browse);
  searchForm->addRow(tr("Also test on:"), testRow);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Shifted test data"),
                                                      QFileInfo(datasetPath_).absolutePath());
    if (!path.isEmpty()) testData_->setText(path);
  });
  connect(testData_, &QLineEdit::textChanged, this, &SweepDialog::updatePlan);
  layout->addLayout(searchForm);

  auto* whereBox = new QGroupBox(tr("Run on"), this);
  auto* where = new QVBoxLayout(whereBox);
  auto* localRow = new QHBoxLayout;
  local_ = new QRadioButton(tr("this machine, worker processes at once:"), whereBox);
  local_->setChecked(true);
  parallel_ = new QSpinBox(whereBox);
  parallel_->setRange(1, 64);
  parallel_->setValue(1);
  localRow->addWidget(local_);
  localRow->addWidget(parallel_);
  localRow->addStretch(1);
  where->addLayout(localRow);
  slurmButton_ = new QRadioButton(tr("a SLURM cluster, as a job array (sbatch)"), whereBox);
  where->addWidget(slurmButton_);
  slurmBox_ = new QGroupBox(whereBox);
  slurmBox_->setFlat(true);
  auto* slurmForm = new QFormLayout(slurmBox_);
  partition_ = new QLineEdit(slurmBox_);
  partition_->setPlaceholderText(tr("the cluster's default"));
  time_ = new QLineEdit(slurmBox_);
  time_->setPlaceholderText(tr("the partition's default, e.g. 2:00:00"));
  cpus_ = new QSpinBox(slurmBox_);
  cpus_->setRange(0, 256);
  cpus_->setSpecialValueText(tr("default"));
  maxParallel_ = new QSpinBox(slurmBox_);
  maxParallel_->setRange(0, 100000);
  maxParallel_->setSpecialValueText(tr("no limit"));
  sharedDir_ = new QLineEdit(slurmBox_);
  sharedDir_->setPlaceholderText(tr("<spec folder>/<name>.sweep — must be seen by every node"));
  slurmForm->addRow(tr("Partition:"), partition_);
  slurmForm->addRow(tr("Time per task:"), time_);
  slurmForm->addRow(tr("CPUs per task:"), cpus_);
  slurmForm->addRow(tr("Tasks at once:"), maxParallel_);
  slurmForm->addRow(tr("Shared directory:"), sharedDir_);
  where->addWidget(slurmBox_);
  slurmBox_->setEnabled(false);
  layout->addWidget(whereBox);

  plan_ = new QLabel(this);
  plan_->setWordWrap(true);
  plan_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(plan_);

  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Write spec and start"));
  layout->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &SweepDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &SweepDialog::reject);

  connect(local_, &QRadioButton::toggled, this, [this](bool on) {
    slurmBox_->setEnabled(!on);
    parallel_->setEnabled(on);
    buttons_->button(QDialogButtonBox::Ok)->setText(on ? tr("Write spec and start") : tr("Write spec and submit"));
  });
  for (QLineEdit* e : {name_, seeds_}) connect(e, &QLineEdit::textChanged, this, &SweepDialog::updatePlan);
  connect(search_, &QComboBox::currentIndexChanged, this, [this] {
    trials_->setEnabled(search_->currentData().toString() == QLatin1String("random"));
    updatePlan();
  });
  connect(trials_, &QSpinBox::valueChanged, this, &SweepDialog::updatePlan);
  connect(select_, &QComboBox::currentIndexChanged, this, &SweepDialog::updatePlan);
  connect(axes_, &QTableWidget::itemChanged, this, &SweepDialog::updatePlan);
  trials_->setEnabled(false);
  resize(640, 680);
  updatePlan();
}

void SweepDialog::setName(const QString& name) { name_->setText(name); }

void SweepDialog::addAxis(const QString& key, AxisKind kind, const QString& text, int count) {
  const QSignalBlocker quiet(axes_);  // no plan from a half-built row
  const int row = axes_->rowCount();
  axes_->insertRow(row);
  auto* keyBox = new QComboBox(axes_);
  keyBox->setEditable(true);
  QStringList keys = base_.keys();
  keys.removeAll(QStringLiteral("model"));  // a sweep over models is a "points" spec
  keyBox->addItems(keys);
  keyBox->setCurrentText(key);
  axes_->setCellWidget(row, KeyColumn, keyBox);
  auto* kindBox = new QComboBox(axes_);
  kindBox->addItem(tr("values"), int(AxisKind::Values));
  kindBox->addItem(tr("uniform range"), int(AxisKind::Uniform));
  kindBox->addItem(tr("log-uniform range"), int(AxisKind::LogUniform));
  kindBox->setCurrentIndex(kindBox->findData(int(kind)));
  axes_->setCellWidget(row, KindColumn, kindBox);
  axes_->setItem(row, ValuesColumn, new QTableWidgetItem(text));
  auto* countBox = new QSpinBox(axes_);
  countBox->setRange(1, 1000);
  countBox->setValue(count);
  countBox->setEnabled(kind != AxisKind::Values);
  axes_->setCellWidget(row, CountColumn, countBox);
  connect(keyBox, &QComboBox::currentTextChanged, this, &SweepDialog::updatePlan);
  connect(kindBox, &QComboBox::currentIndexChanged, this, [this, kindBox, countBox] {
    countBox->setEnabled(AxisKind(kindBox->currentData().toInt()) != AxisKind::Values);
    updatePlan();
  });
  connect(countBox, &QSpinBox::valueChanged, this, &SweepDialog::updatePlan);
  updatePlan();
}

void SweepDialog::clearAxes() {
  axes_->setRowCount(0);
  updatePlan();
}

void SweepDialog::setSeeds(const QString& text) { seeds_->setText(text); }

void SweepDialog::setRandomSearch(bool random, int trials) {
  trials_->setValue(trials);
  search_->setCurrentIndex(random ? 1 : 0);
}

void SweepDialog::setSelectMetric(const QString& key) {
  select_->setCurrentIndex(select_->findData(key));
}

void SweepDialog::setTestData(const QString& path) { testData_->setText(path); }

void SweepDialog::setTarget(Target target) {
  (target == Target::Local ? local_ : slurmButton_)->setChecked(true);
}

void SweepDialog::setParallel(int workers) { parallel_->setValue(workers); }

void SweepDialog::setSlurm(const Slurm& s) {
  partition_->setText(s.partition);
  time_->setText(s.time);
  cpus_->setValue(s.cpusPerTask);
  maxParallel_->setValue(s.maxParallel);
  sharedDir_->setText(s.sharedDir);
}

QString SweepDialog::nameOrDefault() const {
  const QString n = name_->text().trimmed();
  return n.isEmpty() ? QStringLiteral("sweep") : n;
}

Expected<QJsonObject> SweepDialog::spec() const {
  if (datasetPath_.isEmpty()) return Error::general(tr("open a dataset first: the sweep trains on it"));
  QJsonObject spec;
  spec.insert(QStringLiteral("name"), nameOrDefault());
  spec.insert(QStringLiteral("base"), base_);
  spec.insert(QStringLiteral("datasets"), QJsonArray{QFileInfo(datasetPath_).absoluteFilePath()});
  auto seeds = parseSeedList(seeds_->text());
  if (!seeds.ok()) return seeds.error();
  QJsonArray seedArray;
  for (const quint64 seed : seeds.value()) seedArray.append(double(seed));
  spec.insert(QStringLiteral("seeds"), seedArray);
  QJsonObject axes;
  std::set<QString> seen;
  for (int row = 0; row < axes_->rowCount(); ++row) {
    const auto* keyBox = qobject_cast<QComboBox*>(axes_->cellWidget(row, KeyColumn));
    const auto* kindBox = qobject_cast<QComboBox*>(axes_->cellWidget(row, KindColumn));
    const auto* countBox = qobject_cast<QSpinBox*>(axes_->cellWidget(row, CountColumn));
    const QTableWidgetItem* item = axes_->item(row, ValuesColumn);
    if (!keyBox || !kindBox || !countBox) continue;  // a row being built
    const QString key = keyBox->currentText().trimmed();
    const QString where = tr("axis %1").arg(row + 1);
    if (key.isEmpty()) return Error::general(tr("%1: choose a setting").arg(where));
    if (!seen.insert(key).second) return Error::general(tr("%1: '%2' is already an axis").arg(where, key));
    const QStringList values = tokens(item ? item->text() : QString());
    if (values.isEmpty())
      return Error::general(tr("%1 (%2): give values, e.g. 0, 0.001, 0.01").arg(where, key));
    const AxisKind kind = AxisKind(kindBox->currentData().toInt());
    if (kind == AxisKind::Values) {
      QJsonArray list;
      for (const QString& v : values) list.append(parseValue(v));
      axes.insert(key, list);
      continue;
    }
    bool okLow = false, okHigh = false;
    const double low = values.value(0).toDouble(&okLow), high = values.value(1).toDouble(&okHigh);
    if (values.size() != 2 || !okLow || !okHigh)
      return Error::general(tr("%1 (%2): a range is two numbers, low, high").arg(where, key));
    QJsonObject range;
    range.insert(kind == AxisKind::Uniform ? QStringLiteral("uniform") : QStringLiteral("log_uniform"),
                 QJsonArray{low, high});
    range.insert(QStringLiteral("count"), countBox->value());
    axes.insert(key, range);
  }
  if (!axes.isEmpty()) spec.insert(QStringLiteral("axes"), axes);
  if (search_->currentData().toString() == QLatin1String("random")) {
    spec.insert(QStringLiteral("search"), QStringLiteral("random"));
    spec.insert(QStringLiteral("trials"), trials_->value());
  }
  spec.insert(QStringLiteral("select"), select_->currentData().toString());
  if (const QString test = testData_->text().trimmed(); !test.isEmpty()) {
    if (!QFileInfo(test).isFile()) return Error::general(tr("also test on: no such file %1").arg(test));
    spec.insert(QStringLiteral("test_data"), QFileInfo(test).absoluteFilePath());
  }
  return spec;
}

QString SweepDialog::specPath() const {
  return QDir(folder_).filePath(nameOrDefault() + QStringLiteral(".json"));
}

void SweepDialog::updatePlan() {
  plannedRuns_ = 0;
  QString text;
  auto s = spec();
  if (!s.ok()) {
    text = s.error().message();
  } else {
    const QByteArray bytes = QJsonDocument(s.value()).toJson(QJsonDocument::Indented);
    auto parsed = train::SweepSpec::parse(bytes, specPath());
    auto plan = parsed.ok() ? train::planSweep(parsed.value())
                            : Expected<train::SweepPlan>(parsed.error());
    if (!plan.ok()) {
      // The planner names the spec file and line; the file does not exist yet: the cause only.
      QString message = plan.error().message();
      const QString prefix = specPath() + QLatin1Char(':');
      if (message.startsWith(prefix)) message = message.mid(message.indexOf(QLatin1String(": "), prefix.size()) + 2);
      text = message;
    } else {
      plannedRuns_ = int(plan.value().runs.size());
      const int seeds = std::max(1, int(s.value().value(QStringLiteral("seeds")).toArray().size()));
      text = tr("%1 run(s): %2 configuration(s) × %3 seed(s); the spec goes to %4")
                 .arg(plannedRuns_)
                 .arg(plannedRuns_ / seeds)
                 .arg(seeds)
                 .arg(QDir::toNativeSeparators(specPath()));
    }
  }
  plan_->setText(text);
  plan_->setStyleSheet(plannedRuns_ > 0 ? QString() : QStringLiteral("QLabel { color: #b00020; }"));
  if (buttons_) buttons_->button(QDialogButtonBox::Ok)->setEnabled(plannedRuns_ > 0);
}

QString SweepDialog::planText() const { return plan_->text(); }

int SweepDialog::plannedRuns() const { return plannedRuns_; }

Expected<QString> SweepDialog::writeSpec() {
  auto s = spec();
  if (!s.ok()) return s.error();
  const QString path = specPath();
  if (!QDir().mkpath(folder_))
    return Error::general(tr("cannot create the folder %1").arg(folder_));
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly))
    return Error::general(tr("cannot write %1: %2").arg(path, file.errorString()));
  file.write(QJsonDocument(s.value()).toJson(QJsonDocument::Indented));
  if (!file.commit()) return Error::general(tr("cannot write %1: %2").arg(path, file.errorString()));
  return path;
}

SweepDialog::Target SweepDialog::target() const {
  return local_->isChecked() ? Target::Local : Target::Slurm;
}

int SweepDialog::parallel() const { return parallel_->value(); }

SweepDialog::Slurm SweepDialog::slurm() const {
  return Slurm{partition_->text().trimmed(), time_->text().trimmed(), sharedDir_->text().trimmed(),
               cpus_->value(), maxParallel_->value()};
}

void SweepDialog::accept() {
  if (plannedRuns_ == 0) return;
  auto written = writeSpec();
  if (!written.ok()) {
    QMessageBox::warning(this, tr("Could not write the sweep"), written.error().message());
    return;
  }
  QDialog::accept();
}

}  // namespace irl4rec::ui
