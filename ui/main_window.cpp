#include "ui/main_window.h"

#include "ui/about_dialog.h"
#include "ui/compare/compare_panel.h"
#include "ui/compare/sweep_view.h"
#include "core/application/dataset_loader.h"
#include "ui/dataset_panel.h"
#include "ui/explorer/explorer_panel.h"
#include "ui/run_config_form.h"
#include "core/application/run_queue.h"
#include "ui/runs_panel.h"
#include "ui/sweep_launcher.h"

#include "core/train/result_import.h"
#include "core/store/run_store.h"

#include <QAction>
#include <QCloseEvent>
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QTimer>

namespace irl4rec::ui {

namespace {
constexpr int kMaxRecent = 8;
const char kRecentKey[] = "datasets/recent";
}  // namespace

MainWindow::MainWindow(const QString& storePath, QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Irl4Rec Workbench"));
  tabs_ = new QTabWidget(this);
  datasetPanel_ = new DatasetPanel(tabs_);
  tabs_->addTab(datasetPanel_, tr("Dataset"));
  setCentralWidget(tabs_);

  // The UI thread's own store connection; workers open theirs. Opening also marks runs of
  // processes that died as interrupted.
  const QString path = storePath.isEmpty() ? store::RunStore::defaultPath() : storePath;
  store_ = std::make_unique<store::RunStore>();
  const Status opened = store_->open(path);
  storePath_ = path;
  storeOpen_ = opened.ok();
  queue_ = new application::RunQueue(path, this);
  runsPanel_ = new RunsPanel(opened.ok() ? store_.get() : nullptr, queue_, tabs_);
  tabs_->addTab(runsPanel_, tr("Runs"));
  connect(runsPanel_, &RunsPanel::errorOccurred, this, &MainWindow::showError);
  connect(runsPanel_, &RunsPanel::openDatasetRequested, this, &MainWindow::openDataset);
  store::RunStore* uiStore = opened.ok() ? store_.get() : nullptr;
  comparePanel_ = new ComparePanel(uiStore, queue_, runsPanel_, tabs_);
  tabs_->addTab(comparePanel_, tr("Compare"));
  explorerPanel_ = new ExplorerPanel(uiStore, queue_, tabs_);
  tabs_->addTab(explorerPanel_, tr("Explorer"));
  statusStore_ = new QLabel(this);
  statusStore_->setText(opened.ok() ? tr("store: %1").arg(QDir::toNativeSeparators(path))
                                    : tr("store unavailable"));
  statusStore_->setToolTip(opened.ok() ? path : opened.error().message());
  if (!opened.ok()) {
    runsPanel_->setEnabled(false);
    comparePanel_->setEnabled(false);
    explorerPanel_->setEnabled(false);
    QTimer::singleShot(0, this, [this, opened] {
      showError(tr("Could not open the run store"),
                opened.error().message() + tr("\n\nRuns cannot be launched or shown. Start the "
                                              "workbench with --db FILE to use another store."));
    });
  } else if (store_->isReadOnly()) {
    statusStore_->setText(tr("store: %1 (read-only)").arg(QDir::toNativeSeparators(path)));
    statusStore_->setToolTip(store_->checkWritable().error().message());
    statusBar()->showMessage(tr("The run store is read-only: runs can be browsed, not launched"));
  } else if (store_->interruptedOnOpen() > 0) {
    statusBar()->showMessage(tr("%n run(s) were interrupted when their process stopped", nullptr,
                                store_->interruptedOnOpen()), 8000);
  }

  loader_ = new application::DatasetLoader(this);
  connect(loader_, &application::DatasetLoader::loaded, this, &MainWindow::onLoaded);
  connect(loader_, &application::DatasetLoader::failed, this, [this](const QString& message) {
    progress_->hide();
    cancelLoad_->hide();
    statusBar()->showMessage(tr("Could not open the dataset"), 5000);
    showError(tr("Could not open the dataset"), message);
    Q_EMIT datasetFailed(message);
  });
  connect(loader_, &application::DatasetLoader::cancelled, this, [this] {
    progress_->hide();
    cancelLoad_->hide();
    statusBar()->showMessage(tr("Loading cancelled"), 3000);
  });
  connect(loader_, &application::DatasetLoader::progress, this, [this](qint64 done, qint64 total) {
    progress_->setRange(0, 1000);
    progress_->setValue(total > 0 ? int(done * 1000 / total) : 0);
  });

  progress_ = new QProgressBar(this);
  progress_->setMaximumWidth(220);
  progress_->hide();
  cancelLoad_ = new QPushButton(tr("Cancel"), this);
  cancelLoad_->hide();
  connect(cancelLoad_, &QPushButton::clicked, loader_, &application::DatasetLoader::cancel);
  statusDataset_ = new QLabel(tr("no dataset"), this);
  statusBar()->addPermanentWidget(statusDataset_);
  statusBar()->addPermanentWidget(statusStore_);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancelLoad_);

  sweeps_ = new SweepLauncher(path, QString(), this);
  connect(sweeps_, &SweepLauncher::progress, this, [this](const QString& line) { statusBar()->showMessage(line); });
  connect(sweeps_, &SweepLauncher::runsChanged, runsPanel_, &RunsPanel::reload);
  connect(sweeps_, &SweepLauncher::progressed, runsPanel_, &RunsPanel::setSweepProgress);
  connect(runsPanel_, &RunsPanel::cancelSweepRequested, sweeps_, &SweepLauncher::cancel);
  connect(sweeps_, &SweepLauncher::finished, this, [this](int ok, int failed) {
    statusBar()->showMessage(tr("Sweep ended: %1 run(s) done, %2 failed").arg(ok).arg(failed), 8000);
    runsPanel_->endSweepProgress(tr("Sweep ended: %1 run(s) done, %2 failed — Compare ▸ Sweep shows it as one unit").arg(ok).arg(failed));
    runsPanel_->reload();
  });

  connect(sweeps_, &SweepLauncher::submitted, this, [this](bool ok, const QString& output) {
    if (!ok) {
      runsPanel_->endSweepProgress(tr("Sweep not submitted"));
      showError(tr("Could not submit the sweep"), output);
      return;
    }
    const QString last = output.section(QLatin1Char('\n'), -1);
    runsPanel_->endSweepProgress(tr("Sweep submitted to SLURM: %1 — `irl4rec sweep status SPEC` follows it, "
                                    "File ▸ Import runs… merges its shards").arg(last));
    statusBar()->showMessage(last, 8000);
  });

  buildMenus();
}

MainWindow::~MainWindow() {
  if (importThread_) importThread_->wait();
  // Workers hold their own store connections; stop them before the UI thread's closes.
  delete queue_;
  queue_ = nullptr;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  const int active = queue_ ? int(queue_->running().size() + queue_->queued().size()) : 0;
  if (active > 0 && isVisible()) {
    const auto answer = QMessageBox::question(
        this, tr("Quit"), tr("%n run(s) are queued or training. Cancel them and quit?", nullptr, active));
    if (answer != QMessageBox::Yes) {
      event->ignore();
      return;
    }
  }
  if (queue_) queue_->cancelAll();
  event->accept();
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open dataset…"), this, &MainWindow::chooseDataset);
  open->setShortcut(QKeySequence::Open);
  recentMenu_ = file->addMenu(tr("Open &recent"));
  refreshRecentMenu();
  file->addSeparator();
  file->addAction(tr("&Import runs…"), this, [this] {
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Import runs"), QString(), tr("Run stores and result files (*.sqlite *.db *.json);;All files (*)"));
    if (!files.isEmpty()) importRunFiles(files);
  });
  file->addAction(tr("&New sweep…"), this, &MainWindow::newSweep);
  file->addAction(tr("Run &sweep spec…"), this, &MainWindow::chooseSweep);
  QAction* cancelSweep = file->addAction(tr("&Cancel sweep"), sweeps_, &SweepLauncher::cancel);
  connect(file, &QMenu::aboutToShow, cancelSweep, [this, cancelSweep] { cancelSweep->setEnabled(sweeps_->isRunning()); });
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About Irl4Rec Workbench"), this, &MainWindow::showAbout);
  help->addAction(tr("About &Qt"), this, [] { QApplication::aboutQt(); });
}

void MainWindow::showAbout() {
  auto* about = new AboutDialog(storePath_, storeOpen_, this);
  about->setAttribute(Qt::WA_DeleteOnClose);
  about->setWindowModality(Qt::WindowModal);
  about->open();
  about_ = about;
}

void MainWindow::importRunFiles(const QStringList& files) {
  if (!store_ || !store_->isOpen()) {
    showError(tr("Could not import runs"), tr("The run store is not open."));
    Q_EMIT runsImported(-1, -1, -1);
    return;
  }
  if (importThread_) {
    statusBar()->showMessage(tr("An import is already running"), 3000);
    return;
  }
  statusBar()->showMessage(tr("Importing %n file(s)…", nullptr, int(files.size())));
  const QString target = store_->path();
  QPointer<MainWindow> self(this);
  // The merge opens its own connection on the worker thread; the UI only gets the report.
  importThread_ = QThread::create([self, target, files] {
    const Expected<store::ImportReport> result = train::importRunsAndResults(target, files);
    QMetaObject::invokeMethod(
        qApp,
        [self, result] {
          if (!self) return;
          self->importThread_.clear();  // finishing; the next import may start
          if (!result.ok()) {
            self->statusBar()->clearMessage();
            self->showError(tr("Could not import runs"), result.error().message());
            Q_EMIT self->runsImported(-1, -1, -1);
            return;
          }
          const store::ImportReport& r = result.value();
          self->statusBar()->showMessage(tr("Imported %1 file(s): %2 new run(s), %3 replaced, %4 already there")
                                             .arg(r.files)
                                             .arg(r.imported)
                                             .arg(r.replaced)
                                             .arg(r.skipped),
                                         8000);
          self->runsPanel_->reload();
          Q_EMIT self->runsImported(r.imported, r.replaced, r.skipped);
        },
        Qt::QueuedConnection);
  });
  connect(importThread_, &QThread::finished, importThread_, &QObject::deleteLater);
  importThread_->start();
}

void MainWindow::showSweep(const QString& name, const QString& view) {
  tabs_->setCurrentWidget(comparePanel_);
  comparePanel_->setSweep(name);
  comparePanel_->sweepView()->showView(view);
}

SweepDialog* MainWindow::newSweep() {
  const QString folder = QFileInfo(storePath_).absoluteDir().filePath(QStringLiteral("sweeps"));
  auto* dialog = new SweepDialog(runsPanel_->form()->config().toJson(),
                                 dataset_ ? dataset_->sourcePath : QString(), folder, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowModality(Qt::WindowModal);
  connect(dialog, &QDialog::accepted, this, [this, dialog] {
    if (Status s = startSweep(dialog->specPath(), dialog->target(), dialog->parallel(), dialog->slurm()); !s)
      showError(tr("Could not start the sweep"), s.error().message());
  });
  dialog->open();
  return dialog;
}

Status MainWindow::startSweep(const QString& specPath, SweepDialog::Target target, int parallel,
                              const SweepDialog::Slurm& slurm) {
  // The runs are recorded in this store (a SLURM sweep's shards are imported into it).
  if (!storeOpen_) return Error::at(storePath_, 0, tr("the run store could not be opened"));
  if (Status s = store_->checkWritable(); !s) return s;
  if (target == SweepDialog::Target::Local) return sweeps_->start(specPath, parallel);
  QStringList args;
  if (!slurm.partition.isEmpty()) args << QStringLiteral("--partition") << slurm.partition;
  if (!slurm.time.isEmpty()) args << QStringLiteral("--time") << slurm.time;
  if (slurm.cpusPerTask > 0) args << QStringLiteral("--cpus-per-task") << QString::number(slurm.cpusPerTask);
  if (slurm.maxParallel > 0) args << QStringLiteral("--max-parallel") << QString::number(slurm.maxParallel);
  if (!slurm.sharedDir.isEmpty()) args << QStringLiteral("--shared-dir") << slurm.sharedDir;
  return sweeps_->submit(specPath, args);
}

void MainWindow::chooseSweep() {
  const QString spec = QFileDialog::getOpenFileName(this, tr("Run sweep"), QString(),
                                                    tr("Sweep specs (*.json);;All files (*)"));
  if (spec.isEmpty()) return;
  // Planning reads the spec and one run listing: quick, on this thread.
  auto preview = sweeps_->preview(spec);
  if (!preview.ok()) {
    showError(tr("Could not run the sweep"), preview.error().message());
    return;
  }
  const SweepLauncher::Preview& p = preview.value();
  bool ok = false;
  const int parallel = QInputDialog::getInt(
      this, tr("Run sweep"),
      tr("Sweep %1: %2 run(s), %3 to train (the others are finished).\nWorker processes at once:")
          .arg(p.name)
          .arg(p.runs)
          .arg(p.toTrain),
      application::RunQueue::defaultParallelism(), 1, 64, 1, &ok);
  if (!ok) return;
  if (Status s = sweeps_->start(spec, parallel); !s) showError(tr("Could not run the sweep"), s.error().message());
}

void MainWindow::chooseDataset() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open dataset"), QString(),
      tr("Datasets (*.txt *.inter *.json *.json.gz *.gz);;All files (*)"));
  if (!path.isEmpty()) openDataset(path);
}

void MainWindow::openDataset(const QString& path) {
  loadingPath_ = QFileInfo(path).absoluteFilePath();
  statusBar()->showMessage(tr("Loading %1…").arg(QDir::toNativeSeparators(loadingPath_)));
  progress_->setRange(0, 0);
  progress_->show();
  cancelLoad_->show();
  loader_->load(loadingPath_);
}

void MainWindow::onLoaded(std::shared_ptr<const data::Dataset> dataset) {
  progress_->hide();
  cancelLoad_->hide();
  dataset_ = std::move(dataset);
  datasetPanel_->setDataset(dataset_);
  runsPanel_->setDataset(dataset_);
  comparePanel_->setDataset(dataset_);
  explorerPanel_->setDataset(dataset_);
  const data::DatasetStats stats = dataset_->stats();
  statusDataset_->setText(tr("%1: %2 users, %3 items")
                              .arg(dataset_->name)
                              .arg(QLocale().toString(stats.users))
                              .arg(QLocale().toString(stats.items)));
  statusBar()->showMessage(tr("Loaded %1").arg(QDir::toNativeSeparators(dataset_->sourcePath)), 5000);
  rememberDataset(loadingPath_);
  Q_EMIT datasetLoaded();
}

QStringList MainWindow::recentDatasets() const {
  return QSettings().value(QLatin1String(kRecentKey)).toStringList();
}

void MainWindow::rememberDataset(const QString& path) {
  QStringList recent = recentDatasets();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kMaxRecent) recent.removeLast();
  QSettings().setValue(QLatin1String(kRecentKey), recent);
  refreshRecentMenu();
}

void MainWindow::refreshRecentMenu() {
  recentMenu_->clear();
  const QStringList recent = recentDatasets();
  for (const QString& path : recent) {
    recentMenu_->addAction(QDir::toNativeSeparators(path), this, [this, path] { openDataset(path); });
  }
  recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::showError(const QString& title, const QString& message) {
  lastError_ = message;
  qWarning("%s: %s", qPrintable(title), qPrintable(message));
  // Window-modal and opened with open(): no nested event loop, training keeps running.
  if (!errorBox_) {
    errorBox_ = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    errorBox_->setWindowModality(Qt::WindowModal);
  }
  errorBox_->setWindowTitle(title);
  errorBox_->setText(message);
  errorBox_->open();
}

void MainWindow::showTab(const QString& name) {
  if (name.compare(QLatin1String("runs"), Qt::CaseInsensitive) == 0) {
    tabs_->setCurrentWidget(runsPanel_);
  } else if (name.compare(QLatin1String("compare"), Qt::CaseInsensitive) == 0) {
    tabs_->setCurrentWidget(comparePanel_);
  } else if (name.compare(QLatin1String("explorer"), Qt::CaseInsensitive) == 0) {
    tabs_->setCurrentWidget(explorerPanel_);
  } else {
    tabs_->setCurrentWidget(datasetPanel_);
  }
}

void MainWindow::launchWhenLoaded(const QString& preset, int epochs) {
  auto connection = std::make_shared<QMetaObject::Connection>();
  *connection = connect(this, &MainWindow::datasetLoaded, this, [this, preset, epochs, connection] {
    disconnect(*connection);
    if (!runsPanel_->form()->applyPreset(preset)) {
      showError(tr("Unknown preset"), tr("No preset named '%1'. Presets: %2")
                                          .arg(preset, runsPanel_->form()->presetNames().join(QStringLiteral(", "))));
      return;
    }
    if (epochs > 0) {
      train::TrainConfig c = runsPanel_->form()->config();
      c.epochs = epochs;
      runsPanel_->form()->setConfig(c);
    }
    tabs_->setCurrentWidget(runsPanel_);
    runsPanel_->launch();
  });
}

void MainWindow::scheduleScreenshot(const QString& path, int delayMs) {
  QTimer::singleShot(delayMs, this, [this, path] {
    QWidget* target = about_ ? about_.data() : static_cast<QWidget*>(this);
    if (QWidget* dialog = QApplication::activeModalWidget(); dialog && !about_) target = dialog;
    // The pixels the window system shows. QWidget::grab() would first deliver the pending
    // resize events of every widget on the hidden tabs, and each QCustomPlot there replots
    // into paint buffers it cannot paint yet: 14 lines of QPainter warnings.
    QPixmap shot;
    if (QScreen* screen = target->screen()) shot = screen->grabWindow(target->winId());
    if (shot.isNull()) shot = target->grab();
    if (!shot.save(path)) qWarning("could not save the screenshot to %s", qPrintable(path));
    QApplication::quit();
  });
}

}  // namespace irl4rec::ui
