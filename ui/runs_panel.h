#pragma once

#include "core/application/launch.h"

#include "core/data/dataset.h"
#include "core/store/store_types.h"
#include "core/train/memory_estimate.h"
#include "core/train/run_controller.h"
#include "core/application/background_jobs.h"
#include "core/application/run_queue.h"

#include <QHash>
#include <QSet>
#include <QWidget>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QLabel;
class QLineEdit;
class QProgressBar;
class QSortFilterProxyModel;
class QSpinBox;
class QStackedWidget;
class QTableView;
class QToolButton;

namespace irl4rec::store {
class RunStore;
}

namespace irl4rec::ui {

class MetricPlot;
class RunConfigForm;
class RunsTableModel;

/// Configure, launch and watch runs: the configuration form, the runs table (every run of the
/// store, sortable and filterable, with cancel / re-run / rename / tag / delete) and live curves
/// of the selected runs.
class RunsPanel : public QWidget {
  Q_OBJECT
 public:
  /// `store` is the UI thread's connection; `queue` trains in worker threads.
  RunsPanel(store::RunStore* store, application::RunQueue* queue, QWidget* parent = nullptr);
  ~RunsPanel() override;  ///< waits for curve loaders and store listings

  /// The dataset runs are launched on. Its fingerprint and launch checks are computed here and
  /// when first needed, once per dataset, not at every launch.
  void setDataset(std::shared_ptr<const data::Dataset> dataset);
  /// Asks for the run list to be re-read from the store. The listing runs on a worker thread with
  /// its own store connection (40-90 ms with 1,000 runs); reloaded() says when the table holds it
  /// (one model reset, selection, current row and scroll position kept). Requests made while a
  /// listing is in flight are coalesced into one more listing, and a listing overtaken by a newer
  /// request is dropped rather than shown. A failed listing is reported through errorOccurred().
  void reload();
  /// True from reload() until its listing is in the table (or failed).
  bool isReloading() const { return listing_; }
  /// Store listings reload() has started so far (coalescing shows here; for tests and benches).
  int listingsStarted() const { return listingsStarted_; }

  RunConfigForm* form() const { return form_; }
  /// True while the store holds no run: the plots' place shows what to do first.
  bool showsGettingStarted() const;
  /// The bundled synthetic sample beside an installed (share/irl4rec/datasets) or built
  /// (source tree's datasets/) executable; empty when neither exists.
  static QString sampleDatasetPath();
  RunsTableModel* model() const { return model_; }
  QTableView* table() const { return table_; }
  MetricPlot* lossPlot() const { return lossPlot_; }
  MetricPlot* metricPlot() const { return metricPlot_; }
  /// Launches the form's configuration as the user's Launch button does; false + message if not.
  bool launch();
  /// Queues each named configuration over `seeds` on the loaded dataset (one run per seed, named as
  /// Launch names them), as Launch does, and selects them once they are in the store
  /// (runsQueued()). Every configuration is checked first, so a bad one queues nothing; the
  /// number of runs being queued, or the first reason. Errors are also reported through
  /// errorOccurred() (a store error while creating the runs only there).
  Expected<int> enqueueConfigs(const QList<QPair<QString, train::TrainConfig>>& configs,
                               const QList<quint64>& seeds);
  /// Runs selected in the table (store ids).
  QList<qint64> selectedRuns() const;
  void selectRun(qint64 runId);

  /// A sweep's progress above the runs table (File ▸ Run sweep…): "Sweep NAME: 3 of 8 done,
  /// 1 failed, 2 training" with a bar, "Show its runs" (filters the table by the sweep's tag)
  /// and "Cancel sweep" (cancelSweepRequested()).
  void setSweepProgress(const QString& name, int done, int failed, int running, int total);
  /// The sweep ended: the strip keeps `text` and offers to close it.
  void endSweepProgress(const QString& text);
  /// What the strip says ("" when hidden).
  QString sweepProgressText() const;
  QLineEdit* filterEdit() const { return filter_; }

 Q_SIGNALS:
  void errorOccurred(const QString& title, const QString& message);
  /// Runs a launch (or one configuration of enqueueConfigs()) put in the store, shown and
  /// selected in the table.
  void runsQueued(const QList<qint64>& ids);
  /// The stored curves of a selected run are on the plots.
  void curvesLoaded(qint64 runId);
  /// The runs table holds the listing of the newest reload() request.
  void reloaded();
  /// The user asked to open `path` (the getting-started text's link to the bundled sample).
  void openDatasetRequested(const QString& path);
  /// The user pressed "Cancel sweep" on the progress strip.
  void cancelSweepRequested();

 private:
  void onLaunchRequested(const train::TrainConfig& config, const QList<quint64>& seeds,
                         const QString& name, const QString& resumeFrom = {});
  void onSelectionChanged();
  void onSteps(qint64 runId, const QVector<train::StepProgress>& steps);
  void onEpoch(qint64 runId, const train::EpochProgress& epoch);
  void onEnded(qint64 runId, const train::RunOutcome& outcome);
  void loadCurves(qint64 runId);
  void startListing();
  void applyListing(quint64 request, Expected<std::vector<store::RunListEntry>> runs);
  /// Adds rows for runs just queued (read one by one, no full listing) and selects them.
  void showQueuedRuns(const std::vector<store::RunInfo>& runs, bool keepSelection = false);
  /// Runs `write` on a store connection of a worker thread, then lists again; a failure is
  /// reported through errorOccurred(failureTitle, …).
  void writeInBackground(const QString& failureTitle, std::function<Status(store::RunStore&)> write);
  /// What a launch does once its runs are in the store (or could not be written).
  application::RunQueue::Created queuedHandler(const QString& title, bool keepSelection = false);
  /// RunController::check, with the dataset part computed once per dataset.
  Status checkLaunch(const train::TrainConfig& config);
  QString runLabel(qint64 runId) const;
  void cancelSelected();
  void rerunSelected();
  void renameSelected();
  void tagSelected();
  void deleteSelected();
  void updateActions();
  /// Shows the getting-started text instead of the empty plots while there is no run.
  void updateGettingStarted();

  store::RunStore* store_;
  application::RunQueue* queue_;
  std::shared_ptr<const data::Dataset> dataset_;
  RunConfigForm* form_ = nullptr;
  RunsTableModel* model_ = nullptr;
  QSortFilterProxyModel* proxy_ = nullptr;
  QTableView* table_ = nullptr;
  QLineEdit* filter_ = nullptr;
  QSpinBox* parallel_ = nullptr;
  QLabel* queueLabel_ = nullptr;
  QWidget* sweepStrip_ = nullptr;
  QLabel* sweepLabel_ = nullptr;
  QProgressBar* sweepBar_ = nullptr;
  QToolButton* sweepCancel_ = nullptr;
  QToolButton* sweepClose_ = nullptr;
  QString sweepName_;
  MetricPlot* lossPlot_ = nullptr;
  MetricPlot* metricPlot_ = nullptr;
  QStackedWidget* plotStack_ = nullptr;  ///< [getting started, plots]
  QLabel* gettingStarted_ = nullptr;
  QToolButton* cancel_ = nullptr;
  QToolButton* rerun_ = nullptr;
  QToolButton* rename_ = nullptr;
  QToolButton* tag_ = nullptr;
  QToolButton* delete_ = nullptr;
  QSet<qint64> plotted_;
  quint64 reloadRequest_ = 0;  ///< number of the newest reload() request
  bool listing_ = false;       ///< a listing is in flight or requested
  bool listingRunning_ = false;
  bool firstListingShown_ = false;  ///< the first listing selected the newest run
  int listingsStarted_ = 0;
  QString datasetFingerprint_;
  /// The open dataset's launch checks (application layer; they keep what depends only on the
  /// dataset), empty without a dataset.
  std::optional<application::LaunchChecks> launchChecks_;
  /// Curve reads and run listings off the UI thread, each with its own store connection. Last
  /// member: destroyed first, it waits for them.
  application::BackgroundJobs jobs_{this};
};

}  // namespace irl4rec::ui
