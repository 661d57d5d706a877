#include "ui/runs_panel.h"

#include <QPointer>

#include "core/store/run_store.h"
#include "core/train/recorded_run.h"
#include "core/train/sweep_spec.h"
#include "ui/metric_plot.h"
#include "ui/run_config_form.h"
#include "core/application/run_queue.h"
#include "ui/runs_table_model.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QUrl>
#include <QToolButton>
#include <QVBoxLayout>

namespace irl4rec::ui {

namespace {

// Loss curves per step: (store key, legend name).
const QList<QPair<QString, QString>>& lossSeries() {
  static const QList<QPair<QString, QString>> series = {
      {train::metric::kRecT, QStringLiteral("L_rec(t)")},
      {train::metric::kAlphaRecS, QStringLiteral("α·L_rec(s)")},
      {train::metric::kBetaC, QStringLiteral("β·C")},
      {train::metric::kGammaD, QStringLiteral("γ·D")},
      {train::metric::kTotal, QStringLiteral("total")}};
  return series;
}

const QList<QPair<QString, QString>>& validationSeries() {
  static const QList<QPair<QString, QString>> series = {
      {train::metric::kValHr10, QStringLiteral("val HR@10")},
      {train::metric::kValNdcg10, QStringLiteral("val NDCG@10")}};
  return series;
}

/// Case-insensitive filter over name, status, model, encoder, loss, dataset and tags.
/// The text is matched as typed ("sweep:weights", "α=0.1"), not as a pattern.
class RunsFilterProxy : public QSortFilterProxyModel {
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;

  void setNeedle(const QString& text) {
    needle_ = text;
    invalidateRowsFilter();
  }

 protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
    const QString& needle = needle_;
    if (needle.isEmpty()) return true;
    using C = RunsTableModel::Column;
    for (C c : {C::Name, C::Status, C::Model, C::Encoder, C::Loss, C::Dataset, C::Tags}) {
      const QString text = sourceModel()->index(row, int(c), parent).data().toString();
      if (text.contains(needle, Qt::CaseInsensitive)) return true;
    }
    return false;
  }

 private:
  QString needle_;
};

QToolButton* toolButton(const QString& text, const QString& tip, QWidget* parent) {
  auto* b = new QToolButton(parent);
  b->setText(text);
  b->setToolTip(tip);
  b->setToolButtonStyle(Qt::ToolButtonTextOnly);
  return b;
}

}  // namespace

RunsPanel::RunsPanel(store::RunStore* store, application::RunQueue* queue, QWidget* parent)
    : QWidget(parent), store_(store), queue_(queue) {
  auto* layout = new QHBoxLayout(this);
  auto* split = new QSplitter(Qt::Horizontal, this);
  layout->addWidget(split);

  form_ = new RunConfigForm(split);
  form_->setMinimumWidth(360);
  split->addWidget(form_);

  auto* right = new QSplitter(Qt::Vertical, split);
  auto* top = new QWidget(right);
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout;
  filter_ = new QLineEdit(top);
  filter_->setPlaceholderText(tr("Filter runs (name, status, model, encoder, loss, dataset, tags)"));
  filter_->setClearButtonEnabled(true);
  bar->addWidget(filter_, 1);
  cancel_ = toolButton(tr("Cancel"), tr("Cancel the selected queued or running runs"), top);
  rerun_ = toolButton(tr("Re-run"), tr("Queue the selected runs' configurations again on the loaded dataset; a run that did not finish continues from its last epoch"), top);
  rename_ = toolButton(tr("Rename"), tr("Rename the selected run"), top);
  tag_ = toolButton(tr("Tag"), tr("Set tags of the selected runs"), top);
  delete_ = toolButton(tr("Delete"), tr("Delete the selected runs with their metrics, embeddings and checkpoints"), top);
  for (auto* b : {cancel_, rerun_, rename_, tag_, delete_}) bar->addWidget(b);
  bar->addSpacing(12);
  bar->addWidget(new QLabel(tr("Parallel:"), top));
  parallel_ = new QSpinBox(top);
  parallel_->setRange(1, 16);
  parallel_->setValue(queue_->parallelism());
  parallel_->setToolTip(tr("Runs training at the same time"));
  bar->addWidget(parallel_);
  queueLabel_ = new QLabel(top);
  bar->addWidget(queueLabel_);
  topLayout->addLayout(bar);

  // A sweep started from File ▸ Run sweep…: its progress, hidden otherwise.
  sweepStrip_ = new QWidget(top);
  auto* strip = new QHBoxLayout(sweepStrip_);
  strip->setContentsMargins(0, 0, 0, 0);
  sweepLabel_ = new QLabel(sweepStrip_);
  sweepBar_ = new QProgressBar(sweepStrip_);
  sweepBar_->setMaximumWidth(200);
  sweepBar_->setTextVisible(true);
  auto* showSweep = toolButton(tr("Show its runs"), tr("Filter the table to the sweep's runs (its tag)"), sweepStrip_);
  sweepCancel_ = toolButton(tr("Cancel sweep"), tr("Stop the sweep's workers; their runs end interrupted and a new start continues them"), sweepStrip_);
  sweepClose_ = toolButton(tr("Close"), tr("Hide this line"), sweepStrip_);
  strip->addWidget(sweepLabel_, 1);
  strip->addWidget(sweepBar_);
  strip->addWidget(showSweep);
  strip->addWidget(sweepCancel_);
  strip->addWidget(sweepClose_);
  sweepStrip_->hide();
  topLayout->addWidget(sweepStrip_);
  connect(showSweep, &QToolButton::clicked, this,
          [this] { filter_->setText(train::sweepTag(sweepName_)); });
  connect(sweepCancel_, &QToolButton::clicked, this, &RunsPanel::cancelSweepRequested);
  connect(sweepClose_, &QToolButton::clicked, sweepStrip_, &QWidget::hide);

  model_ = new RunsTableModel(this);
  proxy_ = new RunsFilterProxy(this);
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(int(RunsTableModel::Role::Sort));
  table_ = new QTableView(top);
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(int(RunsTableModel::Column::Started), Qt::DescendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(22);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setAlternatingRowColors(true);
  table_->setWordWrap(false);
  topLayout->addWidget(table_, 1);
  right->addWidget(top);

  // Until the store holds a run, the plots' place tells a new user what to do.
  plotStack_ = new QStackedWidget(right);
  gettingStarted_ = new QLabel(plotStack_);
  gettingStarted_->setObjectName(QStringLiteral("gettingStarted"));
  gettingStarted_->setAlignment(Qt::AlignCenter);
  gettingStarted_->setWordWrap(true);
  gettingStarted_->setTextFormat(Qt::RichText);
  gettingStarted_->setMargin(24);
  connect(gettingStarted_, &QLabel::linkActivated, this,
          [this](const QString& link) { Q_EMIT openDatasetRequested(QUrl(link).toLocalFile()); });
  plotStack_->addWidget(gettingStarted_);
  auto* plots = new QWidget(plotStack_);
  auto* plotsLayout = new QHBoxLayout(plots);
  plotsLayout->setContentsMargins(0, 0, 0, 0);
  lossPlot_ = new MetricPlot(tr("step"), tr("loss"), true, plots);
  metricPlot_ = new MetricPlot(tr("epoch"), tr("validation"), false, plots);
  plotsLayout->addWidget(lossPlot_, 1);
  plotsLayout->addWidget(metricPlot_, 1);
  metricPlot_->setIntegerX(true);
  metricPlot_->setLegendCorner(Qt::AlignBottom | Qt::AlignRight);
  plotStack_->addWidget(plots);
  right->addWidget(plotStack_);
  connect(model_, &QAbstractItemModel::modelReset, this, &RunsPanel::updateGettingStarted);
  connect(model_, &QAbstractItemModel::rowsInserted, this, &RunsPanel::updateGettingStarted);
  connect(model_, &QAbstractItemModel::rowsRemoved, this, &RunsPanel::updateGettingStarted);
  updateGettingStarted();
  right->setStretchFactor(0, 2);
  right->setStretchFactor(1, 3);
  split->addWidget(right);
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 1);
  split->setSizes({380, 1000});

  connect(form_, &RunConfigForm::launchRequested, this,
          [this](const train::TrainConfig& config, const QList<quint64>& seeds, const QString& name) {
            onLaunchRequested(config, seeds, name);
          });
  connect(filter_, &QLineEdit::textChanged, this, [this](const QString& text) {
    static_cast<RunsFilterProxy*>(proxy_)->setNeedle(text.trimmed());
  });
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsPanel::onSelectionChanged);
  connect(parallel_, &QSpinBox::valueChanged, queue_, &application::RunQueue::setParallelism);
  connect(cancel_, &QToolButton::clicked, this, &RunsPanel::cancelSelected);
  connect(rerun_, &QToolButton::clicked, this, &RunsPanel::rerunSelected);
  connect(rename_, &QToolButton::clicked, this, &RunsPanel::renameSelected);
  connect(tag_, &QToolButton::clicked, this, &RunsPanel::tagSelected);
  connect(delete_, &QToolButton::clicked, this, &RunsPanel::deleteSelected);
  connect(queue_, &application::RunQueue::stepsReported, this, &RunsPanel::onSteps);
  connect(queue_, &application::RunQueue::epochReported, this, &RunsPanel::onEpoch);
  connect(queue_, &application::RunQueue::runEnded, this, &RunsPanel::onEnded);
  connect(queue_, &application::RunQueue::runStarted, this, [this](qint64 runId) {
    model_->setLiveStatus(runId, store::RunStatus::Running);
  });
  connect(queue_, &application::RunQueue::queueChanged, this, [this] {
    queueLabel_->setText(tr("%1 training, %2 queued").arg(queue_->running().size()).arg(queue_->queued().size()));
    updateActions();
  });
  form_->launchButton()->setEnabled(false);
  updateActions();
  reload();
}

void RunsPanel::setDataset(std::shared_ptr<const data::Dataset> dataset) {
  dataset_ = std::move(dataset);
  // Hashing every sequence (~16 ms on Beauty): once per dataset, not at every re-run.
  datasetFingerprint_ = dataset_ ? dataset_->stats().fingerprint : QString();
  if (dataset_) {
    launchChecks_.emplace(dataset_);
  } else {
    launchChecks_.reset();
  }
  form_->setDatasetSizes(launchChecks_ ? std::optional(launchChecks_->sizes()) : std::nullopt);
  updateActions();
  updateGettingStarted();
}

Status RunsPanel::checkLaunch(const train::TrainConfig& config) {
  if (store_) {
    if (Status s = store_->checkWritable(); !s.ok()) return s;
  }
  if (!launchChecks_) return Error::general(tr("Open a dataset first (File ▸ Open dataset…)."));
  return launchChecks_->check(config);
}

void RunsPanel::reload() {
  if (!store_ || !store_->isOpen()) return;
  ++reloadRequest_;
  listing_ = true;
  if (!listingRunning_) startListing();
}

void RunsPanel::startListing() {
  // Listing 1,000 runs with their configurations takes ~0.1 s: a worker thread with its own
  // store connection reads them; the UI thread only swaps the rows in.
  listingRunning_ = true;
  ++listingsStarted_;
  const quint64 request = reloadRequest_;
  const QString path = store_->path();
  jobs_.start([this, path, request]() -> application::BackgroundJobs::Continuation {
    Expected<std::vector<store::RunListEntry>> runs = Error::general(QString());
    try {
      store::RunStore store;
      if (Status s = store.open(path, store::RunStore::OpenMode::MustExist); !s.ok()) {
        runs = s.error();
      } else {
        store::ListOptions options;
        options.includeConfig = true;
        runs = store.listRuns(options);
      }
    } catch (const std::exception& e) {
      runs = Error::general(QString::fromUtf8(e.what()));
    }
    auto result = std::make_shared<Expected<std::vector<store::RunListEntry>>>(std::move(runs));
    return [this, request, result] { applyListing(request, std::move(*result)); };
  });
}

void RunsPanel::applyListing(quint64 request, Expected<std::vector<store::RunListEntry>> runs) {
  listingRunning_ = false;
  if (request != reloadRequest_) {
    // Requested again while this listing ran: it may miss those changes, and rows updated since
    // (a run that ended) may be newer than it. Drop it and read once more for all the requests.
    startListing();
    return;
  }
  listing_ = false;
  if (!runs.ok()) {
    Q_EMIT errorOccurred(tr("Could not read the run store"), runs.error().message());
    return;
  }
  // What the user was looking at, by run id: rows move when the list changes.
  const QList<qint64> selected = selectedRuns();
  auto idAt = [](const QModelIndex& index) {
    return index.isValid() ? index.data(int(RunsTableModel::Role::RunId)).toLongLong() : qint64(0);
  };
  const qint64 current = idAt(table_->currentIndex());
  const int vertical = table_->verticalScrollBar()->value();
  const int horizontal = table_->horizontalScrollBar()->value();
  const qint64 topRun = vertical > 0 ? idAt(table_->indexAt(QPoint(0, 0))) : 0;

  model_->setRuns(std::move(runs).value());
  // Runs of this process that are queued or training keep their live status.
  for (qint64 id : queue_->queued()) model_->setLiveStatus(id, store::RunStatus::Queued);
  for (qint64 id : queue_->running()) model_->setLiveStatus(id, store::RunStatus::Running);

  auto proxyIndex = [this](qint64 runId) {
    const int row = model_->rowOf(runId);
    return row < 0 ? QModelIndex() : proxy_->mapFromSource(model_->index(row, 0));
  };
  QItemSelection selection;
  for (qint64 id : selected) {
    const QModelIndex index = proxyIndex(id);
    if (index.isValid()) selection.select(index, index);
  }
  QItemSelectionModel* selectionModel = table_->selectionModel();
  {
    const QSignalBlocker blocker(selectionModel);
    selectionModel->select(selection, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    const QModelIndex currentIndex = proxyIndex(current);
    if (currentIndex.isValid())
      selectionModel->setCurrentIndex(currentIndex, QItemSelectionModel::NoUpdate);
  }
  // At the top, stay there (new runs appear first); scrolled down, keep the same run at the top.
  table_->doItemsLayout();
  const QModelIndex top = proxyIndex(topRun);
  if (top.isValid()) {
    table_->scrollTo(top, QAbstractItemView::PositionAtTop);
  } else {
    table_->verticalScrollBar()->setValue(vertical);
  }
  table_->horizontalScrollBar()->setValue(horizontal);
  table_->viewport()->update();
  // Runs deleted elsewhere left the selection: drop their curves.
  if (selectionModel->selectedRows().size() != selected.size()) onSelectionChanged();
  // The first listing of a store selects the run at the top (the newest), so its curves show
  // without a click; later listings never change what the user chose.
  if (!firstListingShown_) {
    firstListingShown_ = true;
    const QModelIndex top = proxy_->index(0, 0);
    if (selected.isEmpty() && top.isValid()) {
      selectionModel->setCurrentIndex(top, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
  }
  updateActions();
  Q_EMIT reloaded();
}

QList<qint64> RunsPanel::selectedRuns() const {
  QList<qint64> ids;
  for (const QModelIndex& index : table_->selectionModel()->selectedRows()) {
    ids << index.data(int(RunsTableModel::Role::RunId)).toLongLong();
  }
  return ids;
}

void RunsPanel::selectRun(qint64 runId) {
  const int row = model_->rowOf(runId);
  if (row < 0) return;
  const QModelIndex index = proxy_->mapFromSource(model_->index(row, 0));
  table_->selectionModel()->select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

bool RunsPanel::launch() {
  if (!form_->validationMessage().isEmpty() || !dataset_) return false;
  onLaunchRequested(form_->config(), form_->seeds().value(), form_->runName());
  return true;
}

void RunsPanel::onLaunchRequested(const train::TrainConfig& config, const QList<quint64>& seeds,
                                  const QString& name, const QString& resumeFrom) {
  if (!dataset_) {
    Q_EMIT errorOccurred(tr("No dataset"), tr("Open a dataset first (File ▸ Open dataset…)."));
    return;
  }
  if (Status s = checkLaunch(config); !s.ok()) {
    Q_EMIT errorOccurred(tr("Cannot launch"), s.error().message());
    return;
  }
  queue_->enqueue(dataset_, config, seeds, name, resumeFrom, queuedHandler(tr("Cannot launch")));
}

application::RunQueue::Created RunsPanel::queuedHandler(const QString& title, bool keepSelection) {
  QPointer<RunsPanel> self(this);
  return [self, title, keepSelection](const Expected<std::vector<store::RunInfo>>& created) {
    if (!self) return;
    if (!created.ok()) {
      Q_EMIT self->errorOccurred(title, created.error().message());
      self->reload();
      return;
    }
    self->showQueuedRuns(created.value(), keepSelection);
  };
}

void RunsPanel::showQueuedRuns(const std::vector<store::RunInfo>& runs, bool keepSelection) {
  // The new rows are shown and selected now (their curves then draw live), from the rows the
  // queue's store write returned; the full listing follows off the UI thread.
  QList<qint64> ids;
  for (const store::RunInfo& info : runs) {
    store::RunListEntry entry;
    entry.run = info;
    const qint64 id = info.id;
    ids << id;
    model_->insertRun(std::move(entry));
    if (queue_->isQueued(id)) model_->setLiveStatus(id, store::RunStatus::Queued);
    if (queue_->running().contains(id)) model_->setLiveStatus(id, store::RunStatus::Running);
  }
  reload();
  if (!keepSelection) table_->clearSelection();
  for (qint64 id : ids) selectRun(id);
  Q_EMIT runsQueued(ids);
}

Expected<int> RunsPanel::enqueueConfigs(const QList<QPair<QString, train::TrainConfig>>& configs,
                                        const QList<quint64>& seeds) {
  auto fail = [this](const QString& message) -> Expected<int> {
    Q_EMIT errorOccurred(tr("Cannot queue the runs"), message);
    return Error::general(message);
  };
  if (!dataset_) return fail(tr("Open a dataset first (File ▸ Open dataset…)."));
  if (configs.isEmpty()) return fail(tr("Nothing to queue."));
  for (const auto& [name, config] : configs) {
    if (Status s = checkLaunch(config); !s.ok()) {
      return fail(tr("%1: %2").arg(name, s.error().message()));
    }
  }
  int runs = 0;
  bool first = true;
  for (const auto& [name, config] : configs) {
    runs += int(application::planSeeds(config, seeds, name, dataset_->sourcePath).size());
    // The first configuration's runs replace the selection, the others add to it.
    queue_->enqueue(dataset_, config, seeds, name, {}, queuedHandler(tr("Cannot queue the runs"), !first));
    first = false;
  }
  return runs;
}

QString RunsPanel::runLabel(qint64 runId) const {
  const store::RunListEntry* e = model_->entry(runId);
  return e ? e->run.name : QString::number(runId);
}

void RunsPanel::onSelectionChanged() {
  QSet<qint64> wanted;
  for (qint64 id : selectedRuns()) wanted.insert(id);
  for (qint64 id : QSet<qint64>(plotted_)) {
    if (!wanted.contains(id)) {
      lossPlot_->removeRun(QString::number(id));
      metricPlot_->removeRun(QString::number(id));
      plotted_.remove(id);
    }
  }
  for (qint64 id : wanted) {
    if (!plotted_.contains(id)) loadCurves(id);
  }
  updateActions();
}

RunsPanel::~RunsPanel() = default;  // jobs_ waits for the curve loaders and listings

void RunsPanel::loadCurves(qint64 runId) {
  // Reading a long run's curves takes up to ~150 ms: a worker thread with its own store
  // connection reads them, the UI thread only hands the vectors to the plots.
  if (!store_ || !store_->isOpen()) return;
  plotted_.insert(runId);
  lossPlot_->setAutoRescale(true);
  metricPlot_->setAutoRescale(true);
  struct Curve {
    bool loss = true;
    QString name;
    QVector<double> x, y;
  };
  const QString path = store_->path();
  jobs_.start([this, path, runId]() -> application::BackgroundJobs::Continuation {
    std::vector<Curve> curves;
    store::RunStore store;
    if (store.open(path, store::RunStore::OpenMode::MustExist).ok()) {
      auto read = [&](const QString& key, const QString& name, bool loss) {
        auto points = store.metrics(runId, key);
        if (!points.ok() || points.value().empty()) return;
        Curve c;
        c.loss = loss;
        c.name = name;
        for (const store::MetricPoint& p : points.value()) {
          c.x << (loss ? double(p.step) : double(p.epoch));
          c.y << p.value;
        }
        curves.push_back(std::move(c));
      };
      for (const auto& [key, name] : lossSeries()) read(key, name, true);
      for (const auto& [key, name] : validationSeries()) read(key, name, false);
    }
    return [this, runId, curves = std::move(curves)] {
      if (!plotted_.contains(runId)) return;  // deselected meanwhile
      const QString run = QString::number(runId);
      const QString label = runLabel(runId);
      for (const Curve& c : curves) {
        // Live points may already be newer than what the store had: keep the longer curve.
        MetricPlot* plot = c.loss ? lossPlot_ : metricPlot_;
        if (plot->pointCount(run, c.name) > c.x.size()) continue;
        plot->setCurve(run, label, c.name, c.x, c.y);
      }
      Q_EMIT curvesLoaded(runId);
    };
  });
}

void RunsPanel::onSteps(qint64 runId, const QVector<train::StepProgress>& steps) {
  if (!plotted_.contains(runId) || steps.isEmpty()) return;
  const QString run = QString::number(runId);
  const QString label = runLabel(runId);
  const auto& names = lossSeries();
  // Points the store already had when the curve was loaded are not appended twice.
  const int have = lossPlot_->pointCount(run, names[4].second);
  for (const train::StepProgress& p : steps) {
    if (p.step <= have) continue;
    const double x = double(p.step);
    lossPlot_->append(run, label, names[0].second, x, p.recT);
    const store::RunListEntry* e = model_->entry(runId);
    const bool irl = e && e->run.config.value(QStringLiteral("model")).toString() == QLatin1String("irl4rec");
    if (irl) {
      lossPlot_->append(run, label, names[1].second, x, p.alphaRecS);
      lossPlot_->append(run, label, names[2].second, x, p.betaCompression);
      lossPlot_->append(run, label, names[3].second, x, p.gammaDependence);
    }
    lossPlot_->append(run, label, names[4].second, x, p.total);
  }
}

void RunsPanel::onEpoch(qint64 runId, const train::EpochProgress& epoch) {
  const double ndcg = epoch.evaluated ? epoch.validation.ndcgAt(10) : qQNaN();
  const double hr = epoch.evaluated ? epoch.validation.hrAt(10) : qQNaN();
  model_->setLiveProgress(runId, epoch.epoch, epoch.epochs, epoch.etaSeconds, ndcg, hr);
  if (plotted_.contains(runId) && epoch.evaluated) {
    const QString run = QString::number(runId);
    const QString label = runLabel(runId);
    metricPlot_->append(run, label, validationSeries()[0].second, epoch.epoch, hr);
    metricPlot_->append(run, label, validationSeries()[1].second, epoch.epoch, ndcg);
  }
}

void RunsPanel::onEnded(qint64 runId, const train::RunOutcome& outcome) {
  // The row shows the outcome at once; its stored summaries are read off the UI thread (the
  // store may be busy with another run's write), one run instead of a whole listing.
  model_->setLiveStatus(runId, outcome.status, outcome.message);
  if (store_ && store_->isOpen()) {
    const QString path = store_->path();
    jobs_.start([this, path, runId]() -> application::BackgroundJobs::Continuation {
      std::optional<store::RunListEntry> entry;
      store::RunStore store;
      if (store.open(path).ok()) {
        auto info = store.run(runId);
        auto summaries = store.metricSummaries(runId);
        if (info.ok() && summaries.ok()) {
          entry.emplace();
          entry->run = std::move(info).value();
          entry->metrics = std::move(summaries).value();
        }
      }
      return [this, entry = std::move(entry)]() mutable {
        const bool updated = entry && model_->updateRun(std::move(*entry));
        // A listing in flight may have read the store before this run ended: read again.
        if (!updated || listing_) reload();
        updateActions();
      };
    });
  }
  updateActions();
  if (outcome.status == train::RunStatus::Failed || outcome.status == train::RunStatus::Diverged) {
    Q_EMIT errorOccurred(outcome.status == train::RunStatus::Diverged ? tr("Run diverged") : tr("Run failed"),
                         tr("%1: %2").arg(runLabel(runId), outcome.message));
  }
}

void RunsPanel::updateActions() {
  const QList<qint64> ids = selectedRuns();
  bool anyActive = false, anyInactive = false;
  for (qint64 id : ids) (queue_->isActive(id) ? anyActive : anyInactive) = true;
  cancel_->setEnabled(anyActive);
  // A read-only store is for browsing: nothing that writes it is offered.
  const bool writable = !store_ || !store_->isReadOnly();
  rerun_->setEnabled(writable && !ids.isEmpty() && dataset_ != nullptr);
  rename_->setEnabled(writable && ids.size() == 1);
  tag_->setEnabled(writable && !ids.isEmpty());
  delete_->setEnabled(writable && anyInactive && !anyActive);
  form_->launchButton()->setEnabled(writable && dataset_ != nullptr &&
                                    form_->validationMessage().isEmpty());
  form_->launchButton()->setToolTip(!writable  ? tr("The run store is read-only: runs can be browsed, not launched")
                                    : dataset_ ? QString()
                                               : tr("Open a dataset first"));
}

void RunsPanel::cancelSelected() {
  for (qint64 id : selectedRuns()) queue_->cancel(id);
}

void RunsPanel::rerunSelected() {
  if (!dataset_ || !store_) return;
  // What to re-run, from the table; the checks that read the store (the run's dataset) and the
  // state files (a resumable run's last epoch: megabytes) happen on a worker.
  struct Rerun {
    qint64 id = 0;
    QString name;
    qint64 datasetId = 0;
    bool finished = false;
    QJsonObject config;
  };
  std::vector<Rerun> reruns;
  for (qint64 id : selectedRuns()) {
    const store::RunListEntry* e = model_->entry(id);
    if (!e) continue;
    reruns.push_back({id, e->run.name, e->run.datasetId, e->run.status == store::RunStatus::Finished, e->run.config});
  }
  if (reruns.empty()) return;
  const QString path = store_->path();
  const QString fingerprint = datasetFingerprint_;
  const std::shared_ptr<const data::Dataset> dataset = dataset_;
  jobs_.start([this, path, fingerprint, dataset, reruns]() -> application::BackgroundJobs::Continuation {
    struct Launch {
      train::TrainConfig config;
      QString name, resumeFrom;
    };
    std::vector<Launch> launches;
    QStringList problems;
    store::RunStore store;
    const Status opened = store.open(path);
    for (const Rerun& r : reruns) {
      // A re-run trains on the loaded dataset, so it must be the run's own dataset.
      if (r.datasetId != 0 && opened.ok()) {
        auto recorded = store.dataset(r.datasetId);
        if (recorded.ok() && recorded.value().fingerprint != fingerprint) {
          problems << tr("Run '%1' was trained on %2 (%3); open that dataset first.")
                          .arg(r.name, recorded.value().name, recorded.value().path);
          continue;
        }
      }
      auto config = train::TrainConfig::fromJson(r.config);
      if (!config.ok()) {
        problems << config.error().message();
        continue;
      }
      // A run that did not finish (interrupted, cancelled, failed) and left a training state is
      // continued from its last epoch rather than started over.
      QString resumeFrom;
      if (!r.finished) {
        const QString state = train::RecordedRun::statePathFor(path, r.id);
        if (QFileInfo::exists(state) && train::RunController::checkState(state, *dataset, config.value()).ok())
          resumeFrom = state;
      }
      launches.push_back({config.value(), r.name, resumeFrom});
    }
    return [this, launches, problems, dataset] {
      for (const QString& p : problems) Q_EMIT errorOccurred(tr("Cannot re-run"), p);
      if (dataset != dataset_) return;  // another dataset was opened meanwhile
      for (const Launch& l : launches) onLaunchRequested(l.config, {l.config.seed}, l.name, l.resumeFrom);
    };
  });
}

void RunsPanel::renameSelected() {
  const QList<qint64> ids = selectedRuns();
  if (ids.size() != 1) return;
  bool ok = false;
  const QString name = QInputDialog::getText(this, tr("Rename run"), tr("Name:"), QLineEdit::Normal,
                                             runLabel(ids[0]), &ok);
  if (!ok || name.trimmed().isEmpty()) return;
  writeInBackground(tr("Cannot rename"), [id = ids[0], name = name.trimmed()](store::RunStore& store) {
    return store.rename(id, name);
  });
}

void RunsPanel::writeInBackground(const QString& failureTitle, std::function<Status(store::RunStore&)> write) {
  // A store write (rename, tags) off the UI thread, then the listing; the error, if any, after.
  const QString path = store_->path();
  jobs_.start([this, path, failureTitle, write = std::move(write)]() -> application::BackgroundJobs::Continuation {
    store::RunStore store;
    Status s = store.open(path);
    if (s.ok()) s = write(store);
    const QString problem = s.ok() ? QString() : s.error().message();
    return [this, failureTitle, problem] {
      if (!problem.isEmpty()) Q_EMIT errorOccurred(failureTitle, problem);
      reload();
    };
  });
}

void RunsPanel::tagSelected() {
  const QList<qint64> ids = selectedRuns();
  if (ids.isEmpty()) return;
  const store::RunListEntry* first = model_->entry(ids[0]);
  bool ok = false;
  const QString text = QInputDialog::getText(this, tr("Tag runs"), tr("Tags (comma separated):"),
                                             QLineEdit::Normal,
                                             first ? first->run.tags.join(QStringLiteral(", ")) : QString(), &ok);
  if (!ok) return;
  QStringList tags;
  for (const QString& t : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) tags << t.trimmed();
  writeInBackground(tr("Cannot tag"), [ids, tags](store::RunStore& store) {
    for (qint64 id : ids) {
      if (Status s = store.setTags(id, tags); !s.ok()) return s;
    }
    return Status();
  });
}

void RunsPanel::deleteSelected() {
  const QList<qint64> ids = selectedRuns();
  if (ids.isEmpty()) return;
  const auto answer = QMessageBox::question(
      this, tr("Delete runs"),
      tr("Delete %n run(s) with their metrics, embeddings, projections and checkpoint files?", nullptr, int(ids.size())));
  if (answer != QMessageBox::Yes) return;
  QList<qint64> doomed;
  for (qint64 id : ids) {
    if (queue_->isActive(id)) continue;
    lossPlot_->removeRun(QString::number(id));
    metricPlot_->removeRun(QString::number(id));
    plotted_.remove(id);
    doomed << id;
  }
  // Deleting a long run's rows and files takes a while: on a worker with its own connection.
  const QString path = store_->path();
  jobs_.start([this, path, doomed]() -> application::BackgroundJobs::Continuation {
    QStringList errors;
    store::RunStore store;
    if (Status s = store.open(path, store::RunStore::OpenMode::MustExist); !s.ok()) {
      errors << s.error().message();
    } else {
      for (qint64 id : doomed) {
        if (Status s = store.deleteRun(id); !s.ok()) {
          errors << s.error().message();
        } else {
          QFile::remove(train::RecordedRun::statePathFor(path, id));
        }
      }
    }
    return [this, errors] {
      for (const QString& e : errors) Q_EMIT errorOccurred(tr("Cannot delete"), e);
      reload();
    };
  });
}

QString RunsPanel::sampleDatasetPath() {
  const QDir bin(QCoreApplication::applicationDirPath());
  for (const QString& relative : {QStringLiteral("../share/irl4rec/datasets/synthetic/iid.txt"),
                                  QStringLiteral("../../datasets/synthetic/iid.txt")}) {
    const QFileInfo candidate(bin.filePath(relative));
    if (candidate.isFile()) return candidate.canonicalFilePath();
  }
  return QString();
}

bool RunsPanel::showsGettingStarted() const { return plotStack_->currentWidget() == gettingStarted_; }

void RunsPanel::updateGettingStarted() {
  const bool empty = model_->rowCount() == 0;
  if (empty) {
    const QString sample = sampleDatasetPath();
    const QString sampleText =
        sample.isEmpty() ? tr("the synthetic benchmark <tt>datasets/synthetic/iid.txt</tt> trains in seconds")
                         : tr("or <a href=\"%1\">the synthetic benchmark</a>, which trains in seconds")
                               .arg(QUrl::fromLocalFile(sample).toString().toHtmlEscaped());
    const QString done = QStringLiteral(" &#10003;");
    gettingStarted_->setText(
        tr("<h3>No runs yet</h3>"
           "<p><b>1.</b> Open a dataset: <i>File &#9656; Open dataset…</i> — %2%1</p>"
           "<p><b>2.</b> Choose a recipe in <i>Preset</i> on the left (hover it for its source and the "
           "numbers it reproduces) and press <i>Launch</i>.</p>"
           "<p>Its loss terms and validation metrics are drawn here while it trains.</p>")
            .arg(dataset_ ? done : QString(), sampleText));
  }
  plotStack_->setCurrentIndex(empty ? 0 : 1);
}

void RunsPanel::setSweepProgress(const QString& name, int done, int failed, int running,
                                 int total) {
  sweepName_ = name;
  QString text = tr("Sweep %1: %2 of %3 done").arg(name).arg(done).arg(total);
  if (failed > 0) text += tr(", %1 failed").arg(failed);
  text += tr(", %1 training").arg(running);
  sweepLabel_->setText(text);
  sweepBar_->setRange(0, std::max(1, total));
  sweepBar_->setValue(done);
  sweepBar_->show();
  sweepCancel_->show();
  sweepClose_->hide();
  sweepStrip_->show();
}

void RunsPanel::endSweepProgress(const QString& text) {
  sweepLabel_->setText(text);
  sweepBar_->hide();
  sweepCancel_->hide();
  sweepClose_->show();
  sweepStrip_->show();
}

QString RunsPanel::sweepProgressText() const {
  return sweepStrip_->isHidden() ? QString() : sweepLabel_->text();
}

}  // namespace irl4rec::ui
