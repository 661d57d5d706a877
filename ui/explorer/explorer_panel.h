#pragma once

#include "core/analysis/projection.h"
#include "core/data/dataset.h"
#include "core/application/background_jobs.h"
#include "ui/explorer/explorer_data.h"

#include <QHash>
#include <QWidget>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;
class QThread;
class QToolButton;

namespace irl4rec::store {
class RunStore;
}

namespace irl4rec::application {
class RunQueue;
}  // namespace irl4rec::application

namespace irl4rec::ui {

class RowsModel;
class ScatterView;

/// Explore what a run learned (issue 6, "Explore embeddings"): adjustment t and spurious s user
/// embeddings as linked 2-D projections (PCA, t-SNE) stored in the run store, colour labels,
/// hover details, neighbours, the linear-probe read-out and the item view.
///
/// Everything slow happens on worker threads with their own store connections (loading a run,
/// dataset labels, t-SNE, the probe, neighbours); the UI thread only lists runs and hands
/// vectors to the plots. See docs/EXPLORER.md.
class ExplorerPanel : public QWidget {
  Q_OBJECT
 public:
  enum class View { Users, Items };
  enum class Colour { DominantAttribute, LengthBucket, TopTen, DominantCluster, ItemAttribute, ItemCluster };

  /// `store` is the UI thread's connection (may be null when the store could not be opened).
  ExplorerPanel(store::RunStore* store, application::RunQueue* queue, QWidget* parent = nullptr);
  ~ExplorerPanel() override;  ///< cancels and waits for its workers

  void setDataset(std::shared_ptr<const data::Dataset> dataset);
  /// Re-reads the runs of the store; keeps the chosen run, or picks the newest finished run
  /// with embeddings.
  void reload();

  /// Shows run `runId` (loads it off the UI thread; runLoaded() or runFailed() follows).
  void selectRun(qint64 runId);
  qint64 currentRunId() const;
  std::shared_ptr<const ExplorerRun> currentRun() const { return run_; }
  void setView(View view);
  void setColour(Colour colour);
  /// Projection shown: "pca" or "tsne" with parameters (the newest match).
  bool showProjection(const QString& method, const QJsonObject& parameters = {});
  /// Computes t-SNE of the current view's kinds with these options and stores it;
  /// tsneFinished() follows. Reuses a stored projection with the same parameters.
  void computeTsne(const analysis::TsneOptions& options);
  void cancelTsne();
  /// Selects points (indices of the current view: rows of t for users) in both plots.
  void setSelection(const std::vector<int64_t>& points);
  /// Makes a user (row of t) current: details and neighbours (neighboursFound() follows).
  void chooseUser(int64_t row);

  ScatterView* leftPlot() const { return left_; }
  ScatterView* rightPlot() const { return right_; }
  RowsModel* selectionModel() const { return selectionModel_; }
  RowsModel* neighbourModel() const { return neighbourModel_; }
  /// User ids of the points highlighted in a plot.
  std::vector<int64_t> highlightedIds(const ScatterView* plot) const;
  QString message() const;
  QString probeText() const;
  QString detailsText() const;
  /// Details of a point of the current view as rich text (what hovering shows).
  QString describe(int64_t point) const;

 Q_SIGNALS:
  void runLoaded(qint64 runId);
  void runFailed(qint64 runId, const QString& message);
  void tsneFinished(bool ok, const QString& message);
  void probeFinished();
  void neighboursFound(qint64 row);

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  struct ProjectionKey {
    QString method;
    QJsonObject parameters;
  };
  void buildUi();
  void fillRunPicker(qint64 keep);
  void onRunPicked();
  void onRunLoaded(std::shared_ptr<const ExplorerRun> run, int computedPca);
  /// Lists the projections of the current view's kind and selects `method` + `parameters`,
  /// "newest" (the most recently stored one), or, when empty, the previous choice.
  void refreshProjectionChoices(const QString& method = {}, const QJsonObject& parameters = {});
  void refreshColourChoices();
  void showCurrent();
  void applyColours();
  void updateMessage();
  void updateSelectionTable();
  void startProbe();
  void onHovered(qint64 point, QPoint globalPos);
  void exportPlot(ScatterView* plot);
  void exportTable(RowsModel* model, const QString& name);
  bool datasetMatches() const;
  QString userLabel(int64_t row) const;
  QString itemText(int32_t item) const;
  const std::vector<int64_t>& viewIds() const;
  /// Runs `work` on a new thread; `done` on the UI thread unless this panel is gone.
  void runWorker(std::function<std::function<void()>()> work);
  void showInternalError(const QString& what);
  /// Finished runs of the store as the run picker lists them (read on a worker).
  struct RunListing {
    std::vector<std::pair<qint64, QString>> runs;  ///< id, label; newest first
    qint64 fallback = 0;  ///< the newest finished run with embeddings
    QString error;
  };
  void applyRunListing(const RunListing& listing, qint64 keep);

  store::RunStore* store_;
  application::RunQueue* queue_;
  std::shared_ptr<const data::Dataset> dataset_;
  std::shared_ptr<const DatasetLabels> labels_;
  std::shared_ptr<const ExplorerRun> run_;
  std::vector<store::Projection> projections_;  ///< run_'s plus those computed since
  QVector<ProjectionKey> projectionChoices_;
  View view_ = View::Users;
  std::vector<int64_t> selection_;
  int64_t chosen_ = -1;
  qint64 loading_ = 0;
  int loadGeneration_ = 0;
  qint64 pendingSelect_ = 0;  ///< selectRun() of a run the picker did not list yet
  bool userPicked_ = false;
  bool pendingLoad_ = false;  ///< a run waits for the panel to be shown
  QHash<qint64, QString> probeCache_;
  QString probeText_;
  std::shared_ptr<std::atomic<bool>> tsneCancel_;

  QComboBox* runPicker_ = nullptr;
  QComboBox* viewPicker_ = nullptr;
  QComboBox* projectionPicker_ = nullptr;
  QComboBox* colourPicker_ = nullptr;
  QSpinBox* topK_ = nullptr;
  QToolButton* panMode_ = nullptr;
  QToolButton* boxMode_ = nullptr;
  QToolButton* lassoMode_ = nullptr;
  QDoubleSpinBox* perplexity_ = nullptr;
  QSpinBox* iterations_ = nullptr;
  QSpinBox* sample_ = nullptr;
  QDoubleSpinBox* theta_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QPushButton* tsneButton_ = nullptr;
  QPushButton* tsneCancelButton_ = nullptr;
  QProgressBar* tsneProgress_ = nullptr;
  QLabel* message_ = nullptr;
  ScatterView* left_ = nullptr;
  ScatterView* right_ = nullptr;
  RowsModel* selectionModel_ = nullptr;
  RowsModel* neighbourModel_ = nullptr;
  QTableView* selectionTable_ = nullptr;
  QTableView* neighbourTable_ = nullptr;
  QLabel* selectionTitle_ = nullptr;
  QLabel* neighbourTitle_ = nullptr;
  QCheckBox* centred_ = nullptr;
  QLabel* details_ = nullptr;
  QLabel* probe_ = nullptr;
  /// Last member: destroyed first, it waits for the workers before anything they could read.
  application::BackgroundJobs jobs_{this, [this](const QString& what) { showInternalError(what); }};
};

}  // namespace irl4rec::ui
