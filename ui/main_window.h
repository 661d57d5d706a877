#pragma once

#include "core/common/error.h"
#include "core/data/dataset.h"
#include "ui/sweep_dialog.h"

#include <QMainWindow>
#include <QPointer>
#include <QStringList>

#include <memory>

class QLabel;
class QMenu;
class QMessageBox;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QThread;

namespace irl4rec::store {
class RunStore;
}

namespace irl4rec::application {
class DatasetLoader;
class RunQueue;
}  // namespace irl4rec::application

namespace irl4rec::ui {

class ComparePanel;
class ExplorerPanel;
class DatasetPanel;
class RunsPanel;
class SweepLauncher;

/// The workbench's main window: one tab per activity (dataset, runs, compare, explorer).
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  /// `storePath` empty = the default store in the user's data directory.
  explicit MainWindow(const QString& storePath = QString(), QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Loads a dataset in the background and shows it in the dataset panel.
  void openDataset(const QString& path);
  /// Saves a screenshot of the window (of the About box while it is open) to `path` once the
  /// window has settled, then quits.
  void scheduleScreenshot(const QString& path, int delayMs = 1500);

  /// Shows the tab "dataset", "runs", "compare" or "explorer".
  void showTab(const QString& name);
  /// Merges run stores (e.g. a SLURM sweep's shards) into this window's store on a worker
  /// thread (File ▸ Import runs…); runsImported() or an error dialog follows.
  void importRunFiles(const QStringList& files);
  SweepLauncher* sweepLauncher() const { return sweeps_; }

  /// After the next dataset load, applies preset `preset` (epochs > 0 overrides) and launches it.
  void launchWhenLoaded(const QString& preset, int epochs);

  DatasetPanel* datasetPanel() const { return datasetPanel_; }
  RunsPanel* runsPanel() const { return runsPanel_; }
  ComparePanel* comparePanel() const { return comparePanel_; }
  ExplorerPanel* explorerPanel() const { return explorerPanel_; }
  application::RunQueue* runQueue() const { return queue_; }
  store::RunStore* store() const { return store_.get(); }
  QTabWidget* tabs() const { return tabs_; }
  std::shared_ptr<const data::Dataset> dataset() const { return dataset_; }
  /// The last error shown to the user (empty if none), for tests.
  QString lastError() const { return lastError_; }
  QStringList recentDatasets() const;
  /// Help ▸ About: build facts and the store (window-modal, opened without a nested loop).
  void showAbout();
  /// File ▸ New sweep…: the dialog on the Runs form's configuration and the open dataset (window-
  /// modal, opened without a nested loop); accepting it starts or submits the sweep.
  SweepDialog* newSweep();
  /// Compare ▸ Sweep on the runs of the sweep `name`, showing `view` ("heat", "parallel",
  /// "table").
  void showSweep(const QString& name, const QString& view = QString());
  /// Runs the spec here (`parallel` workers) or submits it to SLURM with the dialog's options.
  Status startSweep(const QString& specPath, SweepDialog::Target target, int parallel,
                    const SweepDialog::Slurm& slurm = {});

 Q_SIGNALS:
  void datasetLoaded();
  void datasetFailed(const QString& message);
  /// An import ended: runs new to the store, replaced, already there (all -1 on failure).
  void runsImported(int imported, int replaced, int skipped);

 private:
  void buildMenus();
  void chooseDataset();
  void chooseSweep();
  void rememberDataset(const QString& path);
  void refreshRecentMenu();
  void showError(const QString& title, const QString& message);
  void onLoaded(std::shared_ptr<const data::Dataset> dataset);
  void closeEvent(QCloseEvent* event) override;

  QTabWidget* tabs_ = nullptr;
  DatasetPanel* datasetPanel_ = nullptr;
  application::DatasetLoader* loader_ = nullptr;
  std::unique_ptr<store::RunStore> store_;
  application::RunQueue* queue_ = nullptr;
  RunsPanel* runsPanel_ = nullptr;
  ComparePanel* comparePanel_ = nullptr;
  ExplorerPanel* explorerPanel_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPushButton* cancelLoad_ = nullptr;
  QLabel* statusDataset_ = nullptr;
  QLabel* statusStore_ = nullptr;
  QMessageBox* errorBox_ = nullptr;
  QPointer<QWidget> about_;
  QString storePath_;
  bool storeOpen_ = false;
  std::shared_ptr<const data::Dataset> dataset_;
  QString loadingPath_;
  QString lastError_;
  QPointer<QThread> importThread_;
  SweepLauncher* sweeps_ = nullptr;
};

}  // namespace irl4rec::ui
