#include "ui/explorer/explorer_panel.h"

#include "core/analysis/neighbours.h"
#include "core/analysis/probe.h"
#include "core/analysis/run_projections.h"
#include "core/store/run_store.h"
#include "ui/explorer/rows_model.h"
#include "ui/explorer/scatter_view.h"
#include "core/application/run_queue.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QThread>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace irl4rec::ui {

namespace {

constexpr int kHistoryShown = 5;       ///< last items of a history in the hover text
constexpr int kNeighbours = 10;
constexpr int kMaxTableRows = 20000;   ///< selection rows listed (the plots show all)

QString html(const QString& s) { return s.toHtmlEscaped(); }

QString tsneLabel(const QJsonObject& p) {
  const double theta = p.value(QStringLiteral("theta")).toDouble();
  return QObject::tr("t-SNE: perplexity %1, %2 it., seed %3, ≤ %4 points%5")
      .arg(p.value(QStringLiteral("perplexity")).toDouble())
      .arg(p.value(QStringLiteral("iterations")).toInt())
      .arg(p.value(QStringLiteral("seed")).toString())
      .arg(p.value(QStringLiteral("max_points")).toInteger())
      .arg(theta == 0.5 ? QString() : theta == 0 ? QObject::tr(", exact") : QObject::tr(", θ %1").arg(theta));
}

QString pcaLabel(const store::Projection& p) {
  const QJsonArray r = p.parameters.value(QStringLiteral("explained_variance_ratio")).toArray();
  if (r.size() < 2) return QObject::tr("PCA");
  return QObject::tr("PCA: PC1 %1 %, PC2 %2 % of the variance")
      .arg(r[0].toDouble() * 100, 0, 'f', 1)
      .arg(r[1].toDouble() * 100, 0, 'f', 1);
}

QStringList userColumns() {
  return {QObject::tr("user"), QObject::tr("id"), QObject::tr("dominant attribute"),
          QObject::tr("history"), QObject::tr("test item"), QObject::tr("test rank"),
          QObject::tr("top 10")};
}

QStringList itemColumns() {
  return {QObject::tr("item"), QObject::tr("id"), QObject::tr("colour label"), QObject::tr("attributes")};
}

QStringList neighbourColumns() {
  return {QObject::tr("#"), QObject::tr("neighbour in t"), QObject::tr("cos t"),
          QObject::tr("neighbour in s"), QObject::tr("cos s")};
}

QTableView* makeTable(QAbstractItemModel* model, QWidget* parent) {
  auto* proxy = new QSortFilterProxyModel(parent);
  proxy->setSourceModel(model);
  auto* table = new QTableView(parent);
  table->setModel(proxy);
  // Rows stay in the order they were listed (best neighbour first) until a header is clicked.
  table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
  table->setSortingEnabled(true);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->verticalHeader()->setDefaultSectionSize(20);
  table->verticalHeader()->setVisible(false);
  table->horizontalHeader()->setStretchLastSection(true);
  return table;
}

}  // namespace

ExplorerPanel::ExplorerPanel(store::RunStore* store, application::RunQueue* queue, QWidget* parent)
    : QWidget(parent), store_(store), queue_(queue) {
  buildUi();
  if (queue_) {
    connect(queue_, &application::RunQueue::runEnded, this, [this](qint64, const train::RunOutcome& outcome) {
      if (outcome.status == train::RunStatus::Finished) reload();
    });
  }
  reload();
}

ExplorerPanel::~ExplorerPanel() {
  if (tsneCancel_) tsneCancel_->store(true);
  // jobs_ waits for the workers as it is destroyed.
}

void ExplorerPanel::buildUi() {
  runPicker_ = new QComboBox(this);
  runPicker_->setMinimumContentsLength(24);
  runPicker_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  runPicker_->setToolTip(tr("Finished runs of the store, newest first"));
  auto* refresh = new QToolButton(this);
  refresh->setText(tr("Refresh"));
  connect(refresh, &QToolButton::clicked, this, &ExplorerPanel::reload);
  viewPicker_ = new QComboBox(this);
  viewPicker_->addItem(tr("Users: t vs s"));
  viewPicker_->addItem(tr("Items"));
  projectionPicker_ = new QComboBox(this);
  projectionPicker_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  projectionPicker_->setMinimumContentsLength(26);
  colourPicker_ = new QComboBox(this);
  colourPicker_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  colourPicker_->setMinimumContentsLength(22);
  topK_ = new QSpinBox(this);
  topK_->setRange(1, 20);
  topK_->setValue(12);
  topK_->setPrefix(tr("legend top "));
  topK_->setToolTip(tr("Labels beyond the most frequent k are drawn grey as \"other\""));

  panMode_ = new QToolButton(this);
  panMode_->setText(tr("Pan/zoom"));
  boxMode_ = new QToolButton(this);
  boxMode_->setText(tr("Box select"));
  lassoMode_ = new QToolButton(this);
  lassoMode_->setText(tr("Lasso"));
  auto* modes = new QButtonGroup(this);
  for (QToolButton* b : {panMode_, boxMode_, lassoMode_}) {
    b->setCheckable(true);
    modes->addButton(b);
  }
  panMode_->setChecked(true);
  auto* exportButton = new QToolButton(this);
  exportButton->setText(tr("Export"));
  exportButton->setPopupMode(QToolButton::InstantPopup);
  auto* exportMenu = new QMenu(exportButton);
  exportMenu->addAction(tr("Left plot as PNG/PDF…"), this, [this] { exportPlot(left_); });
  exportMenu->addAction(tr("Right plot as PNG/PDF…"), this, [this] { exportPlot(right_); });
  exportMenu->addAction(tr("Selection table as CSV…"), this,
                        [this] { exportTable(selectionModel_, QStringLiteral("selection")); });
  exportMenu->addAction(tr("Neighbours table as CSV…"), this,
                        [this] { exportTable(neighbourModel_, QStringLiteral("neighbours")); });
  exportButton->setMenu(exportMenu);

  auto* row1 = new QHBoxLayout;
  row1->addWidget(new QLabel(tr("Run:"), this));
  row1->addWidget(runPicker_, 2);
  row1->addWidget(refresh);
  row1->addSpacing(8);
  row1->addWidget(viewPicker_);
  row1->addWidget(projectionPicker_, 1);
  row1->addWidget(new QLabel(tr("Colour:"), this));
  row1->addWidget(colourPicker_);
  row1->addWidget(topK_);
  row1->addSpacing(8);
  row1->addWidget(panMode_);
  row1->addWidget(boxMode_);
  row1->addWidget(lassoMode_);
  row1->addWidget(exportButton);

  perplexity_ = new QDoubleSpinBox(this);
  perplexity_->setRange(2, 200);
  perplexity_->setValue(30);
  perplexity_->setPrefix(tr("perplexity "));
  iterations_ = new QSpinBox(this);
  iterations_->setRange(250, 5000);
  iterations_->setSingleStep(250);
  iterations_->setValue(1000);
  iterations_->setPrefix(tr("iterations "));
  sample_ = new QSpinBox(this);
  sample_->setRange(100, 100000);
  sample_->setSingleStep(1000);
  sample_->setValue(10000);
  sample_->setPrefix(tr("sample ≤ "));
  sample_->setToolTip(tr("Larger matrices are embedded on a seeded random sample of this many rows"));
  theta_ = new QDoubleSpinBox(this);
  theta_->setRange(0, 1);
  theta_->setSingleStep(0.1);
  theta_->setValue(0.5);
  theta_->setPrefix(tr("θ "));
  theta_->setToolTip(tr("Barnes–Hut opening angle; 0 = exact repulsion (use a sample of a few "
                        "thousand points)"));
  seed_ = new QSpinBox(this);
  seed_->setRange(0, 1000000);
  seed_->setValue(1);
  seed_->setPrefix(tr("seed "));
  tsneButton_ = new QPushButton(tr("Compute t-SNE"), this);
  tsneButton_->setToolTip(tr("Barnes–Hut t-SNE off the UI thread; stored with its parameters"));
  tsneProgress_ = new QProgressBar(this);
  tsneProgress_->setMaximumWidth(260);
  tsneProgress_->setFormat(tr("t-SNE %p %"));
  tsneProgress_->hide();
  tsneCancelButton_ = new QPushButton(tr("Cancel"), this);
  tsneCancelButton_->hide();
  auto* row2 = new QHBoxLayout;
  row2->addWidget(perplexity_);
  row2->addWidget(iterations_);
  row2->addWidget(sample_);
  row2->addWidget(theta_);
  row2->addWidget(seed_);
  row2->addWidget(tsneButton_);
  row2->addWidget(tsneProgress_);
  row2->addWidget(tsneCancelButton_);
  row2->addStretch(1);

  message_ = new QLabel(this);
  message_->setWordWrap(true);
  message_->setTextFormat(Qt::PlainText);
  message_->setStyleSheet(QStringLiteral("QLabel { background: #fff4d6; border: 1px solid #e0c070; "
                                         "padding: 3px; }"));
  message_->hide();

  left_ = new ScatterView(this);
  right_ = new ScatterView(this);
  auto* plots = new QSplitter(Qt::Horizontal, this);
  plots->addWidget(left_);
  plots->addWidget(right_);

  selectionModel_ = new RowsModel(userColumns(), this);
  neighbourModel_ = new RowsModel(neighbourColumns(), this);
  selectionTable_ = makeTable(selectionModel_, this);
  neighbourTable_ = makeTable(neighbourModel_, this);
  selectionTitle_ = new QLabel(tr("Selection: box or lasso in either plot"), this);
  neighbourTitle_ = new QLabel(tr("Nearest neighbours (cosine, original space): click a point"), this);
  centred_ = new QCheckBox(tr("centred"), this);
  centred_->setToolTip(tr("Cosine after subtracting each dimension's mean over all rows: an offset "
                          "shared by every user no longer makes all users look alike"));
  connect(centred_, &QCheckBox::toggled, this, [this] {
    if (chosen_ >= 0) chooseUser(chosen_);
  });
  details_ = new QLabel(tr("Hover a point for details."), this);
  details_->setWordWrap(true);
  details_->setTextFormat(Qt::RichText);
  details_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  probe_ = new QLabel(this);
  probe_->setWordWrap(true);
  probe_->setTextFormat(Qt::RichText);
  probe_->setAlignment(Qt::AlignTop | Qt::AlignLeft);

  auto box = [this](QLabel* title, QWidget* body) {
    auto* w = new QWidget(this);
    auto* l = new QVBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(title);
    l->addWidget(body, 1);
    return w;
  };
  auto* infoBody = new QWidget(this);
  auto* infoLayout = new QVBoxLayout(infoBody);
  infoLayout->setContentsMargins(4, 0, 4, 0);
  infoLayout->addWidget(probe_);
  infoLayout->addWidget(details_, 1);
  auto* info = new QScrollArea(this);
  info->setWidget(infoBody);
  info->setWidgetResizable(true);
  info->setFrameShape(QFrame::NoFrame);
  info->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  auto* bottom = new QSplitter(Qt::Horizontal, this);
  bottom->addWidget(box(selectionTitle_, selectionTable_));
  auto* neighbourHeader = new QWidget(this);
  auto* neighbourHeaderLayout = new QHBoxLayout(neighbourHeader);
  neighbourHeaderLayout->setContentsMargins(0, 0, 0, 0);
  neighbourHeaderLayout->addWidget(neighbourTitle_, 1);
  neighbourHeaderLayout->addWidget(centred_);
  auto* neighbourBox = new QWidget(this);
  auto* neighbourLayout = new QVBoxLayout(neighbourBox);
  neighbourLayout->setContentsMargins(0, 0, 0, 0);
  neighbourLayout->addWidget(neighbourHeader);
  neighbourLayout->addWidget(neighbourTable_, 1);
  bottom->addWidget(neighbourBox);
  bottom->addWidget(info);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 3);
  bottom->setStretchFactor(2, 3);
  bottom->setSizes({480, 440, 420});
  auto* vertical = new QSplitter(Qt::Vertical, this);
  vertical->addWidget(plots);
  vertical->addWidget(bottom);
  vertical->setStretchFactor(0, 3);
  vertical->setStretchFactor(1, 1);
  vertical->setSizes({720, 240});

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row1);
  layout->addLayout(row2);
  layout->addWidget(message_);
  layout->addWidget(vertical, 1);

  connect(runPicker_, &QComboBox::activated, this, [this] {
    userPicked_ = true;
    onRunPicked();
  });
  connect(viewPicker_, &QComboBox::currentIndexChanged, this, [this](int i) {
    view_ = i == 1 ? View::Items : View::Users;
    chosen_ = -1;
    neighbourModel_->setRows({}, {});
    neighbourTitle_->setText(tr("Nearest neighbours (cosine, original space): click a point"));
    details_->setText(tr("Hover a point for details; click one for its neighbours."));
    selectionModel_->setHeaders(view_ == View::Users ? userColumns() : itemColumns());
    neighbourModel_->setHeaders(view_ == View::Users ? neighbourColumns()
                                                     : QStringList{tr("#"), tr("nearest item"), tr("cos")});
    refreshProjectionChoices();
    refreshColourChoices();
    showCurrent();
  });
  connect(projectionPicker_, &QComboBox::currentIndexChanged, this, [this] { showCurrent(); });
  connect(colourPicker_, &QComboBox::currentIndexChanged, this, [this] { applyColours(); });
  connect(topK_, &QSpinBox::valueChanged, this, [this] { applyColours(); });
  connect(modes, &QButtonGroup::buttonClicked, this, [this](QAbstractButton* b) {
    const ScatterView::Mode m = b == boxMode_     ? ScatterView::Mode::Box
                                : b == lassoMode_ ? ScatterView::Mode::Lasso
                                                  : ScatterView::Mode::Pan;
    left_->setMode(m);
    right_->setMode(m);
  });
  connect(tsneButton_, &QPushButton::clicked, this, [this] {
    analysis::TsneOptions o;
    o.perplexity = perplexity_->value();
    o.iterations = iterations_->value();
    o.maxPoints = sample_->value();
    o.theta = theta_->value();
    o.seed = uint64_t(seed_->value());
    computeTsne(o);
  });
  connect(tsneCancelButton_, &QPushButton::clicked, this, &ExplorerPanel::cancelTsne);
  for (ScatterView* plot : {left_, right_}) {
    connect(plot, &ScatterView::selectionMade, this,
            [this](const std::vector<int64_t>& points) { setSelection(points); });
    connect(plot, &ScatterView::pointClicked, this, [this](qint64 p) { chooseUser(p); });
    connect(plot, &ScatterView::hovered, this, &ExplorerPanel::onHovered);
  }
  connect(selectionTable_, &QTableView::clicked, this, [this](const QModelIndex& index) {
    const QModelIndex source =
        static_cast<QSortFilterProxyModel*>(selectionTable_->model())->mapToSource(index);
    chooseUser(selectionModel_->keyOf(source.row()));
  });
  connect(neighbourTable_, &QTableView::clicked, this, [this](const QModelIndex& index) {
    const QModelIndex source =
        static_cast<QSortFilterProxyModel*>(neighbourTable_->model())->mapToSource(index);
    const qint64 key = neighbourModel_->keyOf(source.row());
    if (key >= 0) {
      left_->setMarked(key);
      right_->setMarked(key);
      details_->setText(describe(key));
    }
  });
  refreshColourChoices();
  left_->clear(tr("No run to explore yet: train a run (Runs tab) and it appears here when it "
                  "finishes."));
  right_->clear(QString());
}

void ExplorerPanel::runWorker(std::function<std::function<void()>()> work) {
  jobs_.start(std::move(work));
}

void ExplorerPanel::showInternalError(const QString& what) {
  message_->setText(tr("Internal error in the explorer: %1").arg(what));
  message_->show();
}

// ---- runs ---------------------------------------------------------------------------------------

void ExplorerPanel::reload() {
  // The run on screen stays (a run finishing elsewhere does not pull the user away from it);
  // without one, the newest finished run with embeddings is shown.
  const qint64 keep = run_ ? run_->info.id : (userPicked_ ? currentRunId() : 0);
  fillRunPicker(keep);
}

void ExplorerPanel::fillRunPicker(qint64 keep) {
  if (!store_ || !store_->isOpen()) {
    left_->clear(tr("The run store is not available."));
    return;
  }
  // The listing and the look-up of the newest run with embeddings read the store on a worker
  // with its own connection; a newer listing makes an older one's result stale.
  const quint64 generation = jobs_.nextGeneration();
  const QString path = store_->path();
  jobs_.start([this, path, keep, generation]() -> application::BackgroundJobs::Continuation {
    auto listing = std::make_shared<RunListing>();
    store::RunStore store;
    if (Status s = store.open(path, store::RunStore::OpenMode::MustExist); !s.ok()) {
      listing->error = s.error().message();
    } else {
      store::ListOptions options;
      options.includeMetrics = false;
      auto runs = store.listRuns(options);
      if (!runs) {
        listing->error = runs.error().message();
      } else {
        int checked = 0;
        for (const store::RunListEntry& e : runs.value()) {
          const store::RunInfo& r = e.run;
          if (r.status != store::RunStatus::Finished) continue;
          const QString name = r.name.isEmpty() ? r.uuid.left(8) : r.name;
          listing->runs.push_back(
              {r.id, tr("%1 · %2 · %3 · %4")
                         .arg(name, r.uuid.left(8),
                              r.datasetName.isEmpty() ? tr("no dataset") : r.datasetName,
                              r.finished.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm")))});
          // The default: the newest finished run that has embeddings (a few look-ups at most).
          if (listing->fallback == 0 && checked < 50) {
            ++checked;
            auto kinds = store.embeddingKinds(r.id);
            if (kinds && std::any_of(kinds.value().begin(), kinds.value().end(), [](const auto& k) {
                  return k.kind == store::kind::kAdjustment;
                }))
              listing->fallback = r.id;
          }
        }
      }
    }
    return [this, listing, keep, generation] {
      if (jobs_.isCurrent(generation)) applyRunListing(*listing, keep);
    };
  });
}

void ExplorerPanel::applyRunListing(const RunListing& listing, qint64 keep) {
  const qint64 wanted = pendingSelect_;
  pendingSelect_ = 0;
  if (!listing.error.isEmpty()) {
    message_->setText(tr("Could not list the runs: %1").arg(listing.error));
    message_->show();
    return;
  }
  {
    const QSignalBlocker block(runPicker_);
    runPicker_->clear();
    for (const auto& [id, label] : listing.runs) runPicker_->addItem(label, id);
  }
  if (wanted > 0 && runPicker_->findData(wanted) < 0)
    Q_EMIT runFailed(wanted, tr("run %1 is not a finished run of this store").arg(wanted));
  if (runPicker_->count() == 0) {
    run_.reset();
    left_->clear(tr("No finished run in this store yet: train one in the Runs tab (or with "
                    "'irl4rec train') and it appears here."));
    right_->clear(QString());
    return;
  }
  if (wanted > 0 && runPicker_->findData(wanted) >= 0) userPicked_ = true;
  qint64 target = keep > 0 && runPicker_->findData(keep) >= 0 ? keep : listing.fallback;
  if (target == 0) target = runPicker_->itemData(0).toLongLong();
  {
    const QSignalBlocker block(runPicker_);
    runPicker_->setCurrentIndex(runPicker_->findData(target));
  }
  if (!run_ || run_->info.id != target) {
    if (loading_ != target) onRunPicked();
  }
}

void ExplorerPanel::selectRun(qint64 runId) {
  const int i = runPicker_->findData(runId);
  if (i < 0) {
    // Not listed yet (finished since the last listing, or no such run): list again, then
    // show it or say why not (applyRunListing).
    pendingSelect_ = runId;
    fillRunPicker(runId);
    return;
  }
  userPicked_ = true;
  runPicker_->setCurrentIndex(i);
  onRunPicked();
}

qint64 ExplorerPanel::currentRunId() const {
  return run_ ? run_->info.id : runPicker_->currentData().toLongLong();
}

void ExplorerPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  // Runs may have been deleted or renamed in the Runs tab meanwhile (a cheap listing).
  if (!pendingLoad_ && !loading_) reload();
  if (pendingLoad_) onRunPicked();
}

void ExplorerPanel::onRunPicked() {
  const qint64 runId = runPicker_->currentData().toLongLong();
  if (runId <= 0 || !store_) return;
  // Nothing is read until the tab is shown: a closed tab costs no worker time at start-up.
  pendingLoad_ = !isVisible();
  if (pendingLoad_) return;
  cancelTsne();
  const int generation = ++loadGeneration_;
  loading_ = runId;
  left_->clear(tr("Loading run…"));
  right_->clear(QString());
  const QString path = store_->path();
  runWorker([this, path, runId, generation]() -> std::function<void()> {
    int computed = 0;
    auto loaded = loadExplorerRun(path, runId, &computed);
    if (!loaded) {
      const QString message = loaded.error().message();
      return [this, runId, generation, message] {
        if (generation != loadGeneration_) return;
        loading_ = 0;
        run_.reset();
        projections_.clear();
        selection_.clear();
        left_->clear(message);
        right_->clear(QString());
        probe_->clear();
        message_->hide();
        Q_EMIT runFailed(runId, message);
      };
    }
    std::shared_ptr<const ExplorerRun> run = std::move(loaded).value();
    return [this, run, computed, generation] {
      if (generation != loadGeneration_) return;
      onRunLoaded(run, computed);
    };
  });
}

void ExplorerPanel::onRunLoaded(std::shared_ptr<const ExplorerRun> run, int) {
  loading_ = 0;
  run_ = std::move(run);
  projections_ = run_->projections;
  selection_.clear();
  chosen_ = -1;
  neighbourModel_->setRows({}, {});
  details_->setText(tr("Hover a point for details; click one for its neighbours."));
  refreshProjectionChoices(QStringLiteral("newest"));
  refreshColourChoices();
  showCurrent();
  probeText_ = probeCache_.value(run_->info.id);
  probe_->setText(probeText_);
  if (probeText_.isEmpty()) startProbe();
  Q_EMIT runLoaded(run_->info.id);
}

// ---- dataset ------------------------------------------------------------------------------------

void ExplorerPanel::setDataset(std::shared_ptr<const data::Dataset> dataset) {
  dataset_ = std::move(dataset);
  labels_.reset();
  if (!dataset_) {
    updateMessage();
    return;
  }
  auto ds = dataset_;
  runWorker([this, ds]() -> std::function<void()> {
    auto labels = std::make_shared<const DatasetLabels>(computeDatasetLabels(*ds));
    return [this, ds, labels] {
      if (ds != dataset_) return;
      labels_ = labels;
      refreshColourChoices();
      applyColours();
      updateSelectionTable();
      updateMessage();
      if (run_ && probeText_.isEmpty()) startProbe();
    };
  });
}

bool ExplorerPanel::datasetMatches() const {
  return run_ && dataset_ && labels_ && !run_->dataset.fingerprint.isEmpty() &&
         labels_->fingerprint == run_->dataset.fingerprint;
}

void ExplorerPanel::updateMessage() {
  QStringList lines;
  if (run_) {
    lines << run_->notes;
    if (!run_->hasRanks) lines << run_->ranksNote;
    if (!dataset_) {
      lines << (run_->storedDominant.empty()
                    ? tr("No dataset loaded: open the run's dataset (%1) to colour by attribute and "
                         "see histories on hover.")
                    : tr("No dataset loaded: dominant attributes and user tokens come from the store; "
                         "open the run's dataset (%1) for histories on hover and the other colourings."))
                   .arg(run_->dataset.path.isEmpty() ? run_->dataset.name : run_->dataset.path);
    } else if (labels_ && !datasetMatches()) {
      lines << tr("The loaded dataset '%1' is not the one this run was trained on ('%2', %3): "
                  "attributes, histories and hover details need the run's dataset.")
                   .arg(dataset_->name, run_->dataset.name, run_->dataset.path);
    }
  }
  lines.removeAll(QString());
  message_->setText(lines.join(QLatin1Char('\n')));
  message_->setVisible(!lines.isEmpty());
}

QString ExplorerPanel::message() const { return message_->text(); }
QString ExplorerPanel::probeText() const { return probe_->text(); }
QString ExplorerPanel::detailsText() const { return details_->text(); }

// ---- projections and colours --------------------------------------------------------------------

const std::vector<int64_t>& ExplorerPanel::viewIds() const {
  static const std::vector<int64_t> kNone;
  if (!run_) return kNone;
  return view_ == View::Users ? run_->t.ids : run_->items.ids;
}

void ExplorerPanel::setView(View view) { viewPicker_->setCurrentIndex(view == View::Items ? 1 : 0); }

void ExplorerPanel::refreshProjectionChoices(const QString& method, const QJsonObject& parameters) {
  const QSignalBlocker block(projectionPicker_);
  const int previous = projectionPicker_->currentIndex();
  const ProjectionKey old = projectionChoices_.value(previous);
  projectionPicker_->clear();
  projectionChoices_.clear();
  if (!run_) return;
  const QString kind = view_ == View::Users ? store::kind::kAdjustment : store::kind::kItem;
  if (const store::Projection* p = analysis::findProjection(projections_, kind, analysis::kPca)) {
    projectionPicker_->addItem(pcaLabel(*p));
    projectionChoices_ << ProjectionKey{analysis::kPca, {}};
  }
  for (const store::Projection& p : projections_) {
    if (p.kind != kind || p.method != analysis::kTsne) continue;
    bool seen = false;
    for (const ProjectionKey& k : projectionChoices_) seen |= k.method == p.method && k.parameters == p.parameters;
    if (seen) continue;
    projectionPicker_->addItem(tsneLabel(p.parameters));
    projectionChoices_ << ProjectionKey{p.method, p.parameters};
  }
  int select = 0;
  if (method == QLatin1String("newest")) {
    // A newly opened run shows its newest projection: the t-SNE computed last time, else PCA.
    qint64 newest = -1;
    for (int i = 0; i < projectionChoices_.size(); ++i) {
      const ProjectionKey& k = projectionChoices_[i];
      const store::Projection* p = analysis::findProjection(
          projections_, kind, k.method, k.method == analysis::kPca ? QJsonObject() : k.parameters);
      if (p && p->id > newest) {
        newest = p->id;
        select = i;
      }
    }
  } else {
    const QString wantMethod = method.isEmpty() ? old.method : method;
    const QJsonObject wantParameters = method.isEmpty() ? old.parameters : parameters;
    for (int i = 0; i < projectionChoices_.size(); ++i)
      if (projectionChoices_[i].method == wantMethod && projectionChoices_[i].parameters == wantParameters)
        select = i;
  }
  projectionPicker_->setCurrentIndex(select);
}

bool ExplorerPanel::showProjection(const QString& method, const QJsonObject& parameters) {
  for (int i = 0; i < projectionChoices_.size(); ++i) {
    const ProjectionKey& k = projectionChoices_[i];
    bool match = k.method == method;
    for (auto it = parameters.begin(); it != parameters.end() && match; ++it)
      match = k.parameters.value(it.key()) == it.value();
    if (match) {
      if (projectionPicker_->currentIndex() == i) showCurrent();
      else projectionPicker_->setCurrentIndex(i);
      return true;
    }
  }
  return false;
}

void ExplorerPanel::refreshColourChoices() {
  const QSignalBlocker block(colourPicker_);
  const QVariant previous = colourPicker_->currentData();
  colourPicker_->clear();
  const bool synthetic = labels_ && !labels_->dominantCluster.empty();
  if (view_ == View::Users) {
    colourPicker_->addItem(tr("dominant attribute of the history"), int(Colour::DominantAttribute));
    colourPicker_->addItem(tr("history length"), int(Colour::LengthBucket));
    colourPicker_->addItem(tr("top-10 correctness"), int(Colour::TopTen));
    if (synthetic) colourPicker_->addItem(tr("dominant cluster (synthetic truth)"), int(Colour::DominantCluster));
  } else {
    colourPicker_->addItem(tr("attribute"), int(Colour::ItemAttribute));
    if (synthetic) colourPicker_->addItem(tr("cluster (synthetic truth)"), int(Colour::ItemCluster));
  }
  const int i = colourPicker_->findData(previous);
  colourPicker_->setCurrentIndex(i >= 0 ? i : 0);
}

void ExplorerPanel::setColour(Colour colour) {
  const int i = colourPicker_->findData(int(colour));
  if (i >= 0) colourPicker_->setCurrentIndex(i);
}

void ExplorerPanel::showCurrent() {
  if (!run_) return;
  selection_.clear();
  chosen_ = -1;
  const ProjectionKey key = projectionChoices_.value(projectionPicker_->currentIndex());
  const QJsonObject match = key.method == analysis::kPca ? QJsonObject() : key.parameters;
  const QString how = key.method == analysis::kTsne ? tr("t-SNE") : tr("PCA");
  const QString axis = key.method == analysis::kTsne ? tr("t-SNE %1") : tr("PC%1");

  auto coordinates = [&](const QString& kind, const QHash<int64_t, int64_t>& rowOf, int64_t n,
                         std::vector<double>& x, std::vector<double>& y, QString* note) -> bool {
    x.assign(size_t(n), std::numeric_limits<double>::quiet_NaN());
    y.assign(size_t(n), std::numeric_limits<double>::quiet_NaN());
    const store::Projection* p = analysis::findProjection(projections_, kind, key.method, match);
    if (!p) return false;
    int64_t placed = 0, nonFinite = 0;
    for (size_t i = 0; i < p->ids.size(); ++i) {
      const int64_t row = rowOf.value(p->ids[i], -1);
      if (row < 0) continue;
      const double px = p->xy[2 * i], py = p->xy[2 * i + 1];
      if (!std::isfinite(px) || !std::isfinite(py)) {
        ++nonFinite;
        continue;
      }
      x[size_t(row)] = px;
      y[size_t(row)] = py;
      ++placed;
    }
    QStringList notes;
    if (placed < n) notes << tr("%1 of %2 points drawn").arg(placed).arg(n);
    if (nonFinite > 0) notes << tr("%1 with non-finite coordinates left out").arg(nonFinite);
    *note = notes.join(QStringLiteral("; "));
    return true;
  };

  std::vector<double> x, y;
  QString note;
  if (view_ == View::Users) {
    right_->show();
    left_->setTitle(tr("adjustment t = μ (%1)").arg(how));
    right_->setTitle(tr("spurious s (%1)").arg(how));
    for (ScatterView* v : {left_, right_}) v->setAxisLabels(axis.arg(1), axis.arg(2));
    if (coordinates(store::kind::kAdjustment, run_->userRow, run_->t.rows, x, y, &note)) {
      left_->setPoints(std::move(x), std::move(y));
      left_->setNote(note);
    } else {
      left_->clear(tr("No %1 projection of t is stored for this run.").arg(how));
    }
    if (run_->s.rows == 0) {
      right_->clear(run_->sNote);
    } else if (coordinates(store::kind::kSpurious, run_->userRow, run_->t.rows, x, y, &note)) {
      right_->setPoints(std::move(x), std::move(y));
      right_->setNote(note);
    } else {
      right_->clear(tr("No %1 projection of s with these parameters.").arg(how));
    }
  } else {
    right_->hide();
    left_->setTitle(tr("item embeddings (%1)").arg(how));
    left_->setAxisLabels(axis.arg(1), axis.arg(2));
    QHash<int64_t, int64_t> itemRow;
    for (int64_t r = 0; r < run_->items.rows; ++r) itemRow.insert(run_->items.ids[size_t(r)], r);
    if (run_->items.rows == 0) {
      left_->clear(run_->itemsNote);
    } else if (coordinates(store::kind::kItem, itemRow, run_->items.rows, x, y, &note)) {
      left_->setPoints(std::move(x), std::move(y));
      left_->setNote(note);
    } else {
      left_->clear(tr("No %1 projection of the items is stored for this run.").arg(how));
    }
  }
  applyColours();
  updateSelectionTable();
  updateMessage();
}

QString ExplorerPanel::userLabel(int64_t row) const {
  const Colour colour = Colour(colourPicker_->currentData().toInt());
  if (!run_) return {};
  if (view_ == View::Items) {
    if (!datasetMatches() || row < 0 || row >= run_->items.rows) return {};
    const int64_t item = run_->items.ids[size_t(row)];
    if (colour == Colour::ItemCluster) {
      if (item <= 0 || item >= int64_t(dataset_->itemCluster.size())) return {};
      return tr("cluster %1").arg(dataset_->itemCluster[size_t(item)]);
    }
    if (item <= 0 || item >= int64_t(labels_->itemAttribute.size())) return {};
    const int32_t a = labels_->itemAttribute[size_t(item)];
    return a > 0 ? dataset_->attributeTokens.value(a) : QString();
  }
  if (row < 0 || row >= run_->t.rows) return {};
  if (colour == Colour::TopTen) {
    const int64_t r = run_->ranks[size_t(row)];
    if (r < 0) return {};
    return r < 10 ? tr("in top 10") : tr("not in top 10");
  }
  if (!datasetMatches()) {
    // Without the dataset: the dominant attribute the store kept for it, if any.
    if (colour == Colour::DominantAttribute && !run_->storedDominant.empty())
      return run_->storedDominant[size_t(row)];
    return {};
  }
  const int64_t user = run_->t.ids[size_t(row)];
  if (user < 0 || user >= dataset_->numUsers()) return {};
  switch (colour) {
    case Colour::LengthBucket:
      return lengthBucket(int64_t(dataset_->sequences[size_t(user)].size()) - 1);
    case Colour::DominantCluster: {
      const int32_t c = labels_->dominantCluster.empty() ? 0 : labels_->dominantCluster[size_t(user)];
      return c > 0 ? tr("cluster %1").arg(c) : QString();
    }
    default: {
      const int32_t a = labels_->dominantAttribute[size_t(user)];
      return a > 0 ? dataset_->attributeTokens.value(a) : QString();
    }
  }
}

void ExplorerPanel::applyColours() {
  if (!run_) return;
  const int64_t n = view_ == View::Users ? run_->t.rows : run_->items.rows;
  QStringList labels;
  labels.reserve(n);
  for (int64_t r = 0; r < n; ++r) labels << userLabel(r);
  const Colour colour = Colour(colourPicker_->currentData().toInt());
  QString missing = datasetMatches() ? tr("no label") : tr("no label (dataset not loaded)");
  if (colour == Colour::TopTen) missing = tr("no rank stored");
  QStringList order;
  if (colour == Colour::LengthBucket) order = lengthBuckets();
  if (colour == Colour::TopTen) order = QStringList{tr("in top 10"), tr("not in top 10")};
  const Grouping g = groupLabels(labels, topK_->value(), missing, order);
  QVector<QColor> colours = g.colours;
  if (colour == Colour::TopTen) {
    for (int i = 0; i < g.names.size(); ++i) {
      if (g.names[i] == tr("in top 10")) colours[i] = QColor(0, 150, 60);
      else if (g.names[i] == tr("not in top 10")) colours[i] = QColor(215, 60, 40, 150);
    }
  }
  left_->setGroups(g.group, g.names, colours);
  if (view_ == View::Users) right_->setGroups(g.group, g.names, colours);
  // Keep the selection visible after the graphs were rebuilt.
  left_->setHighlighted(selection_);
  right_->setHighlighted(selection_);
}

// ---- selection, hover, neighbours ---------------------------------------------------------------

void ExplorerPanel::setSelection(const std::vector<int64_t>& points) {
  selection_ = points;
  left_->setHighlighted(points);
  if (view_ == View::Users) right_->setHighlighted(points);
  updateSelectionTable();
}

std::vector<int64_t> ExplorerPanel::highlightedIds(const ScatterView* plot) const {
  std::vector<int64_t> out;
  const auto& ids = viewIds();
  for (int64_t p : plot->highlighted())
    if (p >= 0 && p < int64_t(ids.size())) out.push_back(ids[size_t(p)]);
  return out;
}

QString ExplorerPanel::itemText(int32_t item) const {
  if (!dataset_ || item <= 0 || item > dataset_->numItems()) return tr("item %1").arg(item);
  QStringList attrs;
  if (size_t(item) < dataset_->itemAttributes.size()) {
    for (int32_t a : dataset_->itemAttributes[size_t(item)]) {
      if (attrs.size() == 4) {
        attrs << QStringLiteral("…");
        break;
      }
      attrs << dataset_->attributeTokens.value(a);
    }
  }
  return QStringLiteral("%1 <span style='color:#666'>[%2]</span>")
      .arg(html(dataset_->itemTokens.value(item)), html(attrs.join(QStringLiteral("; "))));
}

QString ExplorerPanel::describe(int64_t point) const {
  if (!run_ || point < 0) return {};
  if (view_ == View::Items) {
    if (point >= run_->items.rows) return {};
    const int64_t item = run_->items.ids[size_t(point)];
    QString text = tr("<b>item</b> %1 (id %2)").arg(datasetMatches() ? itemText(int32_t(item)) : QString::number(item)).arg(item);
    if (datasetMatches() && !dataset_->itemCluster.empty() && item < int64_t(dataset_->itemCluster.size()))
      text += tr("<br>cluster %1, tag %2").arg(dataset_->itemCluster[size_t(item)]).arg(dataset_->itemTag[size_t(item)]);
    return text;
  }
  if (point >= run_->t.rows) return {};
  const int64_t user = run_->t.ids[size_t(point)];
  const int64_t rank = run_->ranks[size_t(point)];
  const QString rankText = rank >= 0 ? tr("<b>test rank</b> %1 (%2)")
                                           .arg(rank + 1)
                                           .arg(rank < 10 ? tr("in top 10") : tr("not in top 10"))
                                     : tr("<b>test rank</b> unavailable for this run");
  if (!datasetMatches() || user < 0 || user >= dataset_->numUsers()) {
    QString text = tr("<b>user</b> %1").arg(
        run_->storedToken.empty() ? tr("id %1").arg(user)
                                  : tr("%1 (id %2)").arg(html(run_->storedToken[size_t(point)])).arg(user));
    if (!run_->storedDominant.empty() && !run_->storedDominant[size_t(point)].isEmpty())
      text += tr("<br>dominant attribute: %1").arg(html(run_->storedDominant[size_t(point)]));
    return text + tr("<br>%1<br><i>history: load the run's dataset</i>").arg(rankText);
  }
  const auto& seq = dataset_->sequences[size_t(user)];
  const int64_t history = int64_t(seq.size()) - 1;  // the test input: all but the last item
  QString text = tr("<b>user</b> %1 (id %2), history of %3 items").arg(html(dataset_->userTokens.value(int(user)))).arg(user).arg(history);
  const int32_t a = labels_->dominantAttribute[size_t(user)];
  if (a > 0) text += tr("<br>dominant attribute: %1").arg(html(dataset_->attributeTokens.value(a)));
  text += tr("<br><b>last items</b>:");
  for (int64_t i = std::max<int64_t>(0, history - kHistoryShown); i < history; ++i)
    text += QStringLiteral("<br>&nbsp;&nbsp;") + itemText(seq[size_t(i)]);
  if (!seq.empty()) text += tr("<br><b>test item</b> %1").arg(itemText(seq.back()));
  return text + QStringLiteral("<br>") + rankText;
}

void ExplorerPanel::onHovered(qint64 point, QPoint globalPos) {
  // The same user is ringed in the other plot while hovered; the chosen user's ring otherwise.
  ScatterView* other = sender() == left_ ? right_ : left_;
  if (point < 0) {
    QToolTip::hideText();
    if (view_ == View::Users) other->setMarked(chosen_);
    return;
  }
  const QString text = describe(point);
  details_->setText(text);
  QToolTip::showText(globalPos, text, this);
  if (view_ == View::Users) other->setMarked(point);
}

void ExplorerPanel::updateSelectionTable() {
  QVector<QVariantList> rows;
  QVector<qint64> keys;
  if (run_) {
    const bool match = datasetMatches();
    const int n = int(std::min<size_t>(selection_.size(), kMaxTableRows));
    rows.reserve(n);
    for (int k = 0; k < n; ++k) {
      const int64_t p = selection_[size_t(k)];
      if (view_ == View::Users) {
        if (p < 0 || p >= run_->t.rows) continue;
        const int64_t user = run_->t.ids[size_t(p)];
        const int64_t rank = run_->ranks[size_t(p)];
        QVariantList row;
        const bool known = match && user >= 0 && user < dataset_->numUsers();
        row << (known ? dataset_->userTokens.value(int(user)) : QString::number(user)) << qlonglong(user);
        if (known) {
          const auto& seq = dataset_->sequences[size_t(user)];
          const int32_t a = labels_->dominantAttribute[size_t(user)];
          row << (a > 0 ? dataset_->attributeTokens.value(a) : QString()) << qlonglong(seq.size()) - 1
              << (seq.empty() ? QString() : dataset_->itemTokens.value(seq.back()));
        } else {
          if (!run_->storedToken.empty()) row[0] = run_->storedToken[size_t(p)];
          row << (run_->storedDominant.empty() ? QVariant() : QVariant(run_->storedDominant[size_t(p)]))
              << QVariant() << QVariant();
        }
        row << (rank >= 0 ? QVariant(qlonglong(rank + 1)) : QVariant())
            << (rank >= 0 ? QVariant(rank < 10 ? tr("yes") : tr("no")) : QVariant());
        rows << row;
      } else {
        if (p < 0 || p >= run_->items.rows) continue;
        const int64_t item = run_->items.ids[size_t(p)];
        QVariantList row;
        const bool known = match && item > 0 && item <= dataset_->numItems();
        QStringList attrs;
        if (known && size_t(item) < dataset_->itemAttributes.size())
          for (int32_t a : dataset_->itemAttributes[size_t(item)]) attrs << dataset_->attributeTokens.value(a);
        row << (known ? dataset_->itemTokens.value(int(item)) : QString::number(item)) << qlonglong(item)
            << (known ? userLabel(p) : QString()) << attrs.join(QStringLiteral("; "));
        rows << row;
      }
      keys << p;
    }
  }
  selectionModel_->setRows(std::move(rows), std::move(keys));
  const QString what = view_ == View::Users ? tr("users") : tr("items");
  if (selection_.empty()) selectionTitle_->setText(tr("Selection: box or lasso in either plot"));
  else if (selection_.size() > size_t(kMaxTableRows))
    selectionTitle_->setText(tr("Selection: %1 %2 (first %3 listed)").arg(selection_.size()).arg(what).arg(kMaxTableRows));
  else selectionTitle_->setText(tr("Selection: %1 %2").arg(selection_.size()).arg(what));
}

void ExplorerPanel::chooseUser(int64_t row) {
  if (!run_ || row < 0) return;
  const bool users = view_ == View::Users;
  const store::EmbeddingMatrix& m = users ? run_->t : run_->items;
  if (row >= m.rows) return;
  chosen_ = row;
  left_->setMarked(row);
  if (users) right_->setMarked(row);
  details_->setText(describe(row));
  auto run = run_;
  const int generation = loadGeneration_;
  const bool centred = centred_->isChecked();
  runWorker([this, run, row, users, generation, centred]() -> std::function<void()> {
    // Centred: cosine after subtracting the column means, so that an offset shared by every
    // row does not make all rows look alike.
    auto nearest = [centred](const store::EmbeddingMatrix& m, int64_t r) {
      if (!centred) return analysis::nearestByCosine(analysis::viewOf(m), r, kNeighbours);
      store::EmbeddingMatrix c = m;
      std::vector<double> mean(size_t(m.dim), 0.0);
      for (int64_t i = 0; i < m.rows; ++i)
        for (int64_t k = 0; k < m.dim; ++k) mean[size_t(k)] += m.values[size_t(i * m.dim + k)];
      for (double& v : mean) v /= double(std::max<int64_t>(m.rows, 1));
      for (int64_t i = 0; i < m.rows; ++i)
        for (int64_t k = 0; k < m.dim; ++k) c.values[size_t(i * m.dim + k)] -= float(mean[size_t(k)]);
      return analysis::nearestByCosine(analysis::viewOf(c), r, kNeighbours);
    };
    auto nt = nearest(users ? run->t : run->items, row);
    Expected<std::vector<analysis::Neighbour>> ns = std::vector<analysis::Neighbour>{};
    if (users && run->s.rows > 0 && run->sRow[size_t(row)] >= 0) ns = nearest(run->s, run->sRow[size_t(row)]);
    return [this, run, row, users, generation, centred, nt, ns] {
      if (generation != loadGeneration_ || run != run_) return;
      auto label = [&](int64_t tRow) {
        if (!users) {
          const int64_t item = run->items.ids[size_t(tRow)];
          if (datasetMatches() && item > 0 && item <= dataset_->numItems()) return dataset_->itemTokens.value(int(item));
          return QString::number(item);
        }
        const int64_t user = run->t.ids[size_t(tRow)];
        if (datasetMatches() && user < dataset_->numUsers()) return dataset_->userTokens.value(int(user));
        return QString::number(user);
      };
      QVector<QVariantList> rows;
      QVector<qint64> keys;
      const size_t n = std::max(nt ? nt.value().size() : 0, ns ? ns.value().size() : 0);
      for (size_t k = 0; k < n; ++k) {
        QVariantList r{qlonglong(k + 1)};
        qint64 key = -1;
        if (nt && k < nt.value().size()) {
          key = nt.value()[k].row;
          r << label(key) << double(nt.value()[k].similarity);
        } else {
          r << QVariant() << QVariant();
        }
        if (ns && k < ns.value().size()) {
          const int64_t sRow = ns.value()[k].row;
          const int64_t tRow = run->userRow.value(run->s.ids[size_t(sRow)], -1);
          r << (tRow >= 0 ? label(tRow) : QString::number(run->s.ids[size_t(sRow)]))
            << double(ns.value()[k].similarity);
        } else {
          r << QVariant() << QVariant();
        }
        rows << r;
        keys << key;
      }
      neighbourModel_->setRows(std::move(rows), std::move(keys));
      const QString how = centred ? tr("centred cosine") : tr("cosine");
      QString title = users ? tr("Nearest neighbours of %1 (%2 in the original %3-D spaces)")
                                  .arg(label(row), how)
                                  .arg(run->t.dim)
                            : tr("Nearest items of %1 (%2)").arg(label(row), how);
      if (!nt) title = nt.error().message();
      else if (!ns) title += QStringLiteral(" — s: ") + ns.error().message();
      neighbourTitle_->setText(title);
      Q_EMIT neighboursFound(row);
    };
  });
}

// ---- t-SNE --------------------------------------------------------------------------------------

void ExplorerPanel::computeTsne(const analysis::TsneOptions& options) {
  if (!run_ || !store_) {
    Q_EMIT tsneFinished(false, tr("no run loaded"));
    return;
  }
  if (tsneCancel_) return;  // one at a time
  std::vector<QString> kinds;
  if (view_ == View::Users) {
    kinds.push_back(store::kind::kAdjustment);
    if (run_->s.rows > 0) kinds.push_back(store::kind::kSpurious);
  } else if (run_->items.rows > 0) {
    kinds.push_back(store::kind::kItem);
  }
  const QJsonObject parameters = options.toJson();
  // Stored already: reopening is instant and identical.
  bool stored = !kinds.empty();
  for (const QString& k : kinds) stored &= analysis::findProjection(projections_, k, analysis::kTsne, parameters) != nullptr;
  if (stored) {
    refreshProjectionChoices(analysis::kTsne, parameters);
    showCurrent();
    Q_EMIT tsneFinished(true, tr("already computed"));
    return;
  }
  if (kinds.empty()) {
    Q_EMIT tsneFinished(false, tr("nothing to project"));
    return;
  }
  tsneCancel_ = std::make_shared<std::atomic<bool>>(false);
  auto cancel = tsneCancel_;
  tsneProgress_->setRange(0, int(kinds.size()) * options.iterations);
  tsneProgress_->setValue(0);
  tsneProgress_->show();
  tsneCancelButton_->show();
  tsneButton_->setEnabled(false);
  auto run = run_;
  const QString path = store_->path();
  const int generation = loadGeneration_;
  runWorker([this, run, kinds, options, cancel, path, generation]() -> std::function<void()> {
    std::vector<store::Projection> done;
    QString error;
    bool cancelled = false;
    double seconds = 0;
    store::RunStore store;
    Status opened = store.open(path, store::RunStore::OpenMode::MustExist);
    for (size_t k = 0; k < kinds.size() && opened.ok() && error.isEmpty() && !cancelled; ++k) {
      const store::EmbeddingMatrix& m = kinds[k] == store::kind::kAdjustment ? run->t
                                        : kinds[k] == store::kind::kSpurious ? run->s
                                                                             : run->items;
      const int offset = int(k) * options.iterations;
      auto result = analysis::tsneProjection(m, kinds[k], options, [this, cancel, offset](int it, int, double) {
        QMetaObject::invokeMethod(this, [this, cancel, v = offset + it] {
          if (cancel == tsneCancel_) tsneProgress_->setValue(v);
        }, Qt::QueuedConnection);
        return !cancel->load();
      });
      if (!result) {
        error = result.error().message();
        break;
      }
      if (result.value().cancelled) {
        cancelled = true;
        break;
      }
      seconds += result.value().seconds;
      auto id = store.saveProjection(run->info.id, result.value().projection);
      if (!id) error = tr("t-SNE computed but not stored: %1").arg(id.error().message());
      else result.value().projection.id = id.value();
      done.push_back(std::move(result.value().projection));
    }
    if (!opened.ok()) error = opened.error().message();
    return [this, run, done, error, cancelled, seconds, cancel, generation, options] {
      if (cancel == tsneCancel_) {
        tsneCancel_.reset();
        tsneProgress_->hide();
        tsneCancelButton_->hide();
        tsneButton_->setEnabled(true);
      }
      if (generation != loadGeneration_ || run != run_) return;
      for (const store::Projection& p : done) projections_.push_back(p);
      if (!done.empty()) {
        refreshProjectionChoices(analysis::kTsne, options.toJson());
        showCurrent();
      }
      if (!error.isEmpty()) {
        message_->setText(tr("t-SNE failed: %1").arg(error));
        message_->show();
        Q_EMIT tsneFinished(false, error);
      } else if (cancelled) {
        Q_EMIT tsneFinished(false, tr("cancelled"));
      } else {
        Q_EMIT tsneFinished(true, tr("%1 s").arg(seconds, 0, 'f', 1));
      }
    };
  });
}

void ExplorerPanel::cancelTsne() {
  if (tsneCancel_) tsneCancel_->store(true);
}

// ---- probe --------------------------------------------------------------------------------------

void ExplorerPanel::startProbe() {
  if (!run_) return;
  if (!datasetMatches()) {
    probe_->setText(tr("<b>Disentanglement read-out</b>: needs the run's dataset (the dominant "
                       "attribute of each history)."));
    return;
  }
  auto run = run_;
  auto labels = labels_;
  probe_->setText(tr("<b>Disentanglement read-out</b>: training linear probes…"));
  runWorker([this, run, labels]() -> std::function<void()> {
    struct Line {
      QString what;
      Expected<analysis::ProbeResult> t = Error::general(QString());
      Expected<analysis::ProbeResult> s = Error::general(QString());
    };
    std::vector<Line> lines;
    auto probeOf = [&](const std::vector<int32_t>& perUser, const QString& what) {
      Line l;
      l.what = what;
      l.t = analysis::linearProbe(analysis::viewOf(run->t), analysis::labelsForIds(perUser, run->t.ids));
      if (run->s.rows > 0)
        l.s = analysis::linearProbe(analysis::viewOf(run->s), analysis::labelsForIds(perUser, run->s.ids));
      lines.push_back(std::move(l));
    };
    probeOf(labels->dominantAttribute, tr("dominant attribute"));
    if (!labels->dominantCluster.empty()) probeOf(labels->dominantCluster, tr("dominant cluster (truth)"));
    QString text = tr("<b>Disentanglement read-out</b> — held-out accuracy of a linear probe "
                      "(70/30 split of the users):");
    for (const Line& l : lines) {
      if (!l.t) {
        text += tr("<br>%1: %2").arg(l.what, html(l.t.error().message()));
        continue;
      }
      const analysis::ProbeResult& t = l.t.value();
      text += tr("<br><b>%1</b> (%2 classes): from t <b>%3</b>")
                  .arg(l.what)
                  .arg(t.numClasses)
                  .arg(t.accuracy, 0, 'f', 3);
      if (l.s) text += tr(", from s <b>%1</b>").arg(l.s.value().accuracy, 0, 'f', 3);
      else if (run->s.rows > 0) text += tr(", from s: %1").arg(html(l.s.error().message()));
      else text += tr(", no s");
      text += tr("; majority baseline %1, chance %2").arg(t.majorityBaseline, 0, 'f', 3).arg(t.chance, 0, 'f', 3);
    }
    if (!lines.empty() && lines[0].t && lines[0].s) {
      const double t = lines[0].t.value().accuracy, s = lines[0].s.value().accuracy;
      const double base = lines[0].t.value().majorityBaseline;
      if (s > t + 0.02)
        text += tr("<br>s carries the attribute more than t, as the invariance idea predicts.");
      else if (t > s + 0.02)
        text += tr("<br>t carries the attribute more than s: this run does not show the predicted split.");
      else
        text += tr("<br>t and s carry the attribute about equally.");
      if (std::max(t, s) < base + 0.02) text += tr(" Neither beats the majority baseline by much.");
    }
    return [this, run, text] {
      probeCache_.insert(run->info.id, text);
      if (run != run_) return;
      probeText_ = text;
      probe_->setText(text);
      Q_EMIT probeFinished();
    };
  });
}

// ---- export -------------------------------------------------------------------------------------

void ExplorerPanel::exportPlot(ScatterView* plot) {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export plot"), QStringLiteral("explorer.png"),
                                                    tr("PNG image (*.png);;PDF document (*.pdf)"));
  if (path.isEmpty()) return;
  QString error;
  if (!plot->exportTo(path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
}

void ExplorerPanel::exportTable(RowsModel* model, const QString& name) {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export table"), name + QStringLiteral(".csv"),
                                                    tr("CSV (*.csv)"));
  if (path.isEmpty()) return;
  QString error;
  if (!writeCsv(*model, path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
}

}  // namespace irl4rec::ui
