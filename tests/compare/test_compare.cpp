// The Compare tab (issue 6): grouping by seed, mean ± std, last vs best-validation values, the
// ablation view's Welch test, the ablation grid queued through the Runs tab, the sweep cells, CSV
// export and bad input. Real SQLite stores in a temporary directory, runs written through
// RunStore::createRun / logMetrics; the grid test queues real runs on the bundled synthetic data.
#include "core/store/run_store.h"
#include "core/train/ablation_grid.h"
#include "core/train/config_fields.h"
#include "core/train/metric_keys.h"
#include "core/train/sweep_spec.h"
#include "core/train/train_config.h"
#include "ui/compare/compare_data.h"
#include "ui/compare/compare_panel.h"
#include "ui/compare/sweep_study.h"
#include "ui/compare/sweep_view.h"
#include "ui/main_window.h"
#include "ui/metric_plot.h"
#include "ui/qcustomplot_include.h"
#include "ui/run_config_form.h"
#include "core/application/run_queue.h"
#include "ui/runs_panel.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <cmath>

using irl4rec::store::RunStatus;
using irl4rec::store::RunStore;
using irl4rec::train::ModelKind;
using irl4rec::train::TrainConfig;
using irl4rec::ui::ComparePanel;
namespace compare = irl4rec::ui::compare;

namespace {

const QString kSample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");

bool near(double a, double b, double tolerance = 1e-9) { return std::fabs(a - b) <= tolerance; }

TrainConfig baselineConfig() {
  TrainConfig c;
  c.model = ModelKind::Baseline;
  c.hiddenSize = 16;
  c.layers = 1;
  c.heads = 1;
  c.epochs = 3;
  return c;
}

TrainConfig irlConfig(double alpha, double beta, double gamma) {
  TrainConfig c = baselineConfig();
  c.model = ModelKind::Irl4Rec;
  c.alpha = alpha;
  c.beta = beta;
  c.gamma = gamma;
  return c;
}

/// A store file with runs written the way a training run writes them.
class StoreBuilder {
 public:
  explicit StoreBuilder(const QString& path, const QString& dataset = QStringLiteral("toy")) {
    ok_ = db_.open(path).ok();
    if (!ok_) return;
    auto ds = db_.upsertDataset({0,
                                 dataset,
                                 QStringLiteral("/data/%1.txt").arg(dataset),
                                 QStringLiteral("sequence-text"),
                                 dataset + QStringLiteral("-fingerprint"),
                                 {}});
    ok_ = ds.ok();
    if (ok_) datasetId_ = ds.value();
  }
  bool ok() const { return ok_; }
  RunStore& db() { return db_; }

  /// A finished run; `valNdcg` / `valHr` per epoch (1, 2, ...), test values logged once at the end.
  qint64 add(TrainConfig config, quint64 seed, const std::vector<double>& valNdcg,
             const std::vector<double>& valHr, double testHr, double testNdcg,
             RunStatus status = RunStatus::Finished) {
    config.seed = seed;
    return addJson(config.toJson(),
                   QStringLiteral("%1 s%2").arg(irl4rec::train::toString(config.model)).arg(seed),
                   valNdcg, valHr, testHr, testNdcg, status);
  }

  qint64 addJson(const QJsonObject& config, const QString& name, const std::vector<double>& valNdcg,
                 const std::vector<double>& valHr, double testHr, double testNdcg,
                 RunStatus status = RunStatus::Finished) {
    auto run = db_.createRun({name, config, datasetId_, RunStatus::Queued, {}, {}, {},
                              irl4rec::train::groupKey(config)});
    if (!run.ok()) return 0;
    const qint64 id = run.value().id;
    db_.setStatus(id, RunStatus::Running);
    std::vector<irl4rec::store::MetricRow> rows;
    const int epochs = int(std::max(valNdcg.size(), valHr.size()));
    for (int e = 0; e < epochs; ++e) {
      for (int s = 0; s < 4; ++s) {
        const qint64 step = e * 4 + s + 1;
        rows.push_back({QStringLiteral("loss/total"), step, e + 1, 5.0 - 0.1 * double(step), 0});
      }
      if (e < int(valNdcg.size()))
        rows.push_back({QStringLiteral("val/ndcg@10"), (e + 1) * 4, e + 1, valNdcg[size_t(e)], 0});
      if (e < int(valHr.size()))
        rows.push_back({QStringLiteral("val/hr@10"), (e + 1) * 4, e + 1, valHr[size_t(e)], 0});
    }
    if (!std::isnan(testHr) || !std::isnan(testNdcg)) {
      rows.push_back({QStringLiteral("test/hr@10"), epochs * 4, epochs, testHr, 0});
      rows.push_back({QStringLiteral("test/ndcg@10"), epochs * 4, epochs, testNdcg, 0});
    }
    for (auto& row : rows) row.direction = irl4rec::train::metric::direction(row.key);
    if (!rows.empty() && !db_.logMetrics(id, rows).ok()) return 0;
    db_.setStatus(id, status);
    return id;
  }

 private:
  RunStore db_;
  qint64 datasetId_ = 0;
  bool ok_ = false;
};

const compare::Group* findGroup(const std::vector<compare::Group>& groups, const QString& name) {
  for (const compare::Group& g : groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

QString groupNames(const std::vector<compare::Group>& groups) {
  QStringList names;
  for (const compare::Group& g : groups) names << g.name;
  return names.join(QStringLiteral(" | "));
}

QStringList readLines(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
  return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

}  // namespace

class TestCompare : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;
  int stores_ = 0;
  QString newStorePath() { return dir_.filePath(QStringLiteral("store%1.sqlite").arg(++stores_)); }

  /// Baseline seeds 1–3, Irl4Rec (α=0.1 β=1e-4 γ=0) seeds 1–2, Irl4Rec γ=0.5 seed 1, and one
  /// running baseline run that the default filter leaves out.
  QString threeGroupStore() {
    const QString path = newStorePath();
    StoreBuilder b(path);
    if (!b.ok()) return {};
    b.add(baselineConfig(), 1, {0.10, 0.30, 0.20}, {0.2, 0.5, 0.4}, 0.10, 0.05);
    b.add(baselineConfig(), 2, {0.15, 0.25, 0.28}, {0.3, 0.45, 0.5}, 0.12, 0.06);
    b.add(baselineConfig(), 3, {0.05, 0.20, 0.10}, {0.1, 0.4, 0.3}, 0.17, 0.07);
    b.add(irlConfig(0.1, 1e-4, 0), 1, {0.2, 0.3}, {0.4, 0.6}, 0.20, 0.10);
    b.add(irlConfig(0.1, 1e-4, 0), 2, {0.1, 0.2}, {0.3, 0.5}, 0.26, 0.12);
    b.add(irlConfig(0.1, 1e-4, 0.5), 1, {0.1}, {0.2}, 0.15, 0.08);
    b.add(baselineConfig(), 4, {0.9}, {0.9}, 0.9, 0.9, RunStatus::Running);
    return path;
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    QVERIFY(dir_.isValid());
  }

  void groupsBySeedWithMeanAndSampleStd() {
    const QString path = threeGroupStore();
    QVERIFY(!path.isEmpty());
    const compare::Snapshot snap = compare::readSnapshot(path);
    QVERIFY2(snap.error.isEmpty(), qPrintable(snap.error));
    QCOMPARE(int(snap.runs.size()), 7);
    const auto groups = compare::groupRuns(snap, compare::Filter{});
    QCOMPARE(int(groups.size()), 3);
    // Readable names from the differences; the baseline first.
    QCOMPARE(groups[0].name, QStringLiteral("baseline sasrec"));
    QVERIFY(groups[0].baseline);
    const compare::Group* irl =
        findGroup(groups, QStringLiteral("irl4rec sasrec α=0.1 β=1e-4 γ=0"));
    const compare::Group* irl5 =
        findGroup(groups, QStringLiteral("irl4rec sasrec α=0.1 β=1e-4 γ=0.5"));
    QVERIFY2(irl && irl5, qPrintable(groupNames(groups)));
    // The running run (seed 4) is not finished: left out by the default filter.
    QCOMPARE(int(groups[0].runs.size()), 3);
    QCOMPARE(int(irl->runs.size()), 2);
    QCOMPARE(int(irl5->runs.size()), 1);

    // test/hr@10: baseline 0.10, 0.12, 0.17 -> mean 0.13, sample std sqrt(0.0026 / 2).
    const auto base = compare::groupValue(snap, groups[0], QStringLiteral("test/hr@10"),
                                          compare::ValueMode::Last);
    QCOMPARE(base.n, int64_t(3));
    QVERIFY(near(base.mean, 0.13));
    QVERIFY(near(base.std, std::sqrt(0.0013)));
    // Irl4Rec 0.20, 0.26 -> 0.23 ± sqrt(0.0018).
    const auto other =
        compare::groupValue(snap, *irl, QStringLiteral("test/hr@10"), compare::ValueMode::Last);
    QCOMPARE(other.n, int64_t(2));
    QVERIFY(near(other.mean, 0.23));
    QVERIFY(near(other.std, std::sqrt(0.0018)));
    // A single run: a mean, no std.
    const auto single =
        compare::groupValue(snap, *irl5, QStringLiteral("test/hr@10"), compare::ValueMode::Last);
    QCOMPARE(single.n, int64_t(1));
    QVERIFY(std::isnan(single.std));

    // Unticking a run removes it from the statistics.
    QSet<qint64> excluded{snap.runs[size_t(groups[0].runs[2])].run.id};  // seed 3 (0.17)
    const auto two = compare::groupValue(snap, groups[0], QStringLiteral("test/hr@10"),
                                         compare::ValueMode::Last, excluded);
    QCOMPARE(two.n, int64_t(2));
    QVERIFY(near(two.mean, 0.11));

    // Status "any" brings the running run into the baseline group.
    compare::Filter any;
    any.status.clear();
    QCOMPARE(int(compare::groupRuns(snap, any)[0].runs.size()), 4);
    // Model and text filters.
    compare::Filter irlOnly;
    irlOnly.model = QStringLiteral("irl4rec");
    QCOMPARE(int(compare::groupRuns(snap, irlOnly).size()), 2);
    compare::Filter text;
    text.text = QStringLiteral("γ=0.5");
    QCOMPARE(int(compare::groupRuns(snap, text).size()), 1);
  }

  void bandsAreMeanAndStdPerEpoch() {
    const compare::Snapshot snap = compare::readSnapshot(threeGroupStore());
    const auto groups = compare::groupRuns(snap, compare::Filter{});
    const compare::Band band = compare::groupBand(snap, groups[0], QStringLiteral("val/ndcg@10"));
    QCOMPARE(band.x, (QVector<double>{1, 2, 3}));
    // epoch 1: 0.10, 0.15, 0.05; epoch 2: 0.30, 0.25, 0.20; epoch 3: 0.20, 0.28, 0.10.
    QVERIFY(near(band.mean[0], 0.10) && near(band.std[0], 0.05));
    QVERIFY(near(band.mean[1], 0.25) && near(band.std[1], 0.05));
    QVERIFY(near(band.mean[2], (0.20 + 0.28 + 0.10) / 3));
    QCOMPARE(band.n, (QVector<int>{3, 3, 3}));
    // A group of one run has a mean curve and no spread.
    const compare::Group* irl5 =
        findGroup(groups, QStringLiteral("irl4rec sasrec α=0.1 β=1e-4 γ=0.5"));
    QVERIFY(irl5);
    const compare::Band one = compare::groupBand(snap, *irl5, QStringLiteral("val/ndcg@10"));
    QCOMPARE(one.x.size(), 1);
    QVERIFY(std::isnan(one.std[0]));
  }

  void lastVersusBestValidation() {
    const compare::Snapshot snap = compare::readSnapshot(threeGroupStore());
    const auto groups = compare::groupRuns(snap, compare::Filter{});
    const compare::RunRecord& seed1 = snap.runs[size_t(groups[0].runs[0])];
    QCOMPARE(seed1.seed, QStringLiteral("1"));
    // Seed 1: val NDCG 0.10, 0.30, 0.20 -> best at epoch 2; val HR there is 0.5 (last 0.4).
    QVERIFY(near(compare::runValue(seed1, QStringLiteral("val/ndcg@10"), compare::ValueMode::Last),
                 0.20));
    QVERIFY(near(
        compare::runValue(seed1, QStringLiteral("val/ndcg@10"), compare::ValueMode::BestValidation),
        0.30));
    QVERIFY(
        near(compare::runValue(seed1, QStringLiteral("val/hr@10"), compare::ValueMode::Last), 0.4));
    QVERIFY(near(
        compare::runValue(seed1, QStringLiteral("val/hr@10"), compare::ValueMode::BestValidation),
        0.5));
    // Test metrics are logged once, for the best-validation checkpoint: the same in both modes.
    QVERIFY(near(
        compare::runValue(seed1, QStringLiteral("test/hr@10"), compare::ValueMode::BestValidation),
        0.10));

    // Group: last val HR 0.4, 0.5, 0.3 -> 0.4; at best validation 0.5, 0.5, 0.4.
    const auto last =
        compare::groupValue(snap, groups[0], QStringLiteral("val/hr@10"), compare::ValueMode::Last);
    const auto best = compare::groupValue(snap, groups[0], QStringLiteral("val/hr@10"),
                                          compare::ValueMode::BestValidation);
    QVERIFY(near(last.mean, 0.4));
    QVERIFY(near(last.std, 0.1));
    QVERIFY(near(best.mean, 1.4 / 3));
    QVERIFY(near(best.std, std::sqrt(1.0 / 300)));  // squares (1 + 1 + 4) / 900, over n - 1 = 2
    const auto bestNdcg = compare::groupValue(snap, groups[0], QStringLiteral("val/ndcg@10"),
                                              compare::ValueMode::BestValidation);
    QVERIFY(near(bestNdcg.mean, (0.30 + 0.28 + 0.20) / 3));

    // The panel's control switches the table between the two.
    ComparePanel panel(nullptr, nullptr, nullptr);
    panel.setSnapshot(std::make_shared<compare::Snapshot>(snap));
    const auto valHr = ComparePanel::Column::ValHr;
    QCOMPARE(panel.treeModel()->text(0, -1, valHr), QStringLiteral("0.4000 ± 0.1000"));
    // Final and best side by side: last val NDCG 0.20, 0.28, 0.10; best 0.30, 0.28, 0.20.
    QCOMPARE(panel.treeModel()->text(0, -1, ComparePanel::Column::ValNdcg),
             QStringLiteral("0.1933 ± 0.0902"));
    QCOMPARE(panel.treeModel()->text(0, -1, ComparePanel::Column::BestValNdcg),
             QStringLiteral("0.2600 ± 0.0529"));
    panel.setValueMode(compare::ValueMode::BestValidation);
    QCOMPARE(panel.treeModel()->text(0, -1, valHr), QStringLiteral("0.4667 ± 0.0577"));
  }

  void ablationWelchAgainstScipy() {
    const QString path = newStorePath();
    {
      StoreBuilder b(path);
      QVERIFY(b.ok());
      const std::vector<double> base = {0.29, 0.30, 0.28, 0.31, 0.27};
      const std::vector<double> full = {0.31, 0.35, 0.30, 0.36, 0.33};
      for (int i = 0; i < 5; ++i) {
        b.add(baselineConfig(), quint64(i + 1), {0.1}, {0.2}, base[size_t(i)], base[size_t(i)] / 2);
        b.add(irlConfig(0.1, 0.01, 0.1), quint64(i + 1), {0.1}, {0.2}, full[size_t(i)],
              full[size_t(i)] / 2);
      }
      b.add(irlConfig(0.1, 0.01, 0), 1, {0.1}, {0.2}, 0.33, 0.16);
    }
    ComparePanel panel(nullptr, nullptr, nullptr);
    panel.setSnapshot(std::make_shared<compare::Snapshot>(compare::readSnapshot(path)));
    QCOMPARE(int(panel.groups().size()), 3);
    // Default reference: the baseline group.
    QCOMPARE(panel.referenceGroup(), 0);
    QVERIFY(panel.groups()[0].baseline);
    const compare::AblationRow* full = nullptr;
    const compare::AblationRow* single = nullptr;
    for (const compare::AblationRow& row : panel.ablationRows()) {
      if (row.metric != QLatin1String("test/hr@10")) continue;
      const QString name = panel.groups()[size_t(row.group)].name;
      if (name == QStringLiteral("irl4rec sasrec α=0.1 β=0.01 γ=0.1")) full = &row;
      if (name == QStringLiteral("irl4rec sasrec α=0.1 β=0.01 γ=0")) single = &row;
    }
    QVERIFY2(full && single, qPrintable(groupNames(panel.groups())));
    // scipy.stats.ttest_ind(full, base, equal_var=False): t = 2.981423969999719,
    // p = 0.02162913045799299; relative change +13.793103448275858 %.
    QVERIFY2(near(full->welch.t, 2.981423969999719, 1e-9),
             qPrintable(QString::number(full->welch.t, 'g', 12)));
    QVERIFY2(near(full->welch.p, 0.02162913045799299, 1e-9),
             qPrintable(QString::number(full->welch.p, 'g', 12)));
    QVERIFY(near(full->welch.relativeChangePercent, 13.793103448275858, 1e-9));
    QCOMPARE(compare::ablationLabel(*full, false), QStringLiteral("+14% (p = 0.022, n = 5)"));
    // n = 1: p is undefined and the label says so.
    QVERIFY(std::isnan(single->welch.p));
    QCOMPARE(compare::ablationLabel(*single, false),
             QStringLiteral("+14% (p undefined, n = 1 vs 5)"));
    // NDCG rows exist too, and the chart has two bar series with error bars.
    int ndcgRows = 0;
    for (const compare::AblationRow& row : panel.ablationRows())
      ndcgRows += row.metric == QLatin1String("test/ndcg@10");
    QCOMPARE(ndcgRows, 3);
    int bars = 0, errorBars = 0;
    for (int i = 0; i < panel.ablationPlot()->plottableCount(); ++i) {
      bars += qobject_cast<QCPBars*>(panel.ablationPlot()->plottable(i)) ? 1 : 0;
      errorBars += qobject_cast<QCPErrorBars*>(panel.ablationPlot()->plottable(i)) ? 1 : 0;
    }
    QCOMPARE(bars, 2);
    QCOMPARE(errorBars, 2);

    // Another scipy case, through the core function used by the view: a drop.
    const auto drop = irl4rec::analysis::welchTest({0.05, 0.09, 0.04}, {0.10, 0.12, 0.17});
    QVERIFY(near(drop.t, -2.711088342345192, 1e-9));
    QVERIFY(near(drop.p, 0.05869127535620615, 1e-9));

    // Choosing another reference recomputes every row against it.
    const int fullIndex = full->group;
    panel.setReferenceGroup(fullIndex);
    QCOMPARE(panel.referenceGroup(), fullIndex);
    for (const compare::AblationRow& row : panel.ablationRows()) {
      if (row.group == 0 && row.metric == QLatin1String("test/hr@10")) {
        QVERIFY(row.welch.t < 0);
        QVERIFY(near(row.welch.p, 0.02162913045799299, 1e-9));
      }
    }
  }

  void ablationGridBuilder() {
    TrainConfig base = irlConfig(0.2, 0.01, 0.3);
    base.compression = irl4rec::train::CompressionKind::Kl;
    auto grid = irl4rec::train::ablationGrid(base);
    QVERIFY(grid.ok());
    QCOMPARE(int(grid.value().variants.size()), 6);
    QVERIFY(grid.value().notes.isEmpty());
    const auto& v = grid.value().variants;
    QVERIFY(v[0].config.model == ModelKind::Baseline);
    QCOMPARE(v[0].config.alpha + v[0].config.beta + v[0].config.gamma, 0.0);
    // The baseline keeps sizes and loss, and Irl4Rec-only fields go back to their defaults.
    QCOMPARE(v[0].config.hiddenSize, 16);
    QVERIFY(v[0].config.compression == TrainConfig().compression);
    QCOMPARE(v[1].config.toJson(), base.toJson());
    QCOMPARE(v[2].config.gamma, 0.0);
    QCOMPARE(v[3].config.beta, 0.0);
    QCOMPARE(v[4].config.alpha, 0.0);
    QVERIFY(!v[5].config.useConfounder);
    QVERIFY(v[5].config.validate().ok());

    // γ already 0: "γ=0" is the full model and is queued once.
    auto noGamma = irl4rec::train::ablationGrid(irlConfig(0.2, 0.01, 0));
    QVERIFY(noGamma.ok());
    QCOMPARE(int(noGamma.value().variants.size()), 5);
    QCOMPARE(noGamma.value().notes.size(), 1);
    QVERIFY(noGamma.value().notes[0].contains(QStringLiteral("γ=0")));
    // A baseline or a no-confounder configuration is refused with a reason.
    QVERIFY(!irl4rec::train::ablationGrid(baselineConfig()).ok());
    TrainConfig noConf = irlConfig(0, 0.01, 0);
    noConf.useConfounder = false;
    QVERIFY(!irl4rec::train::ablationGrid(noConf).ok());
  }

  void ablationGridQueuesExactlyTheGrid() {
    const QString path = newStorePath();
    auto window = std::make_unique<irl4rec::ui::MainWindow>(path);
    window->show();
    QSignalSpy loaded(window.get(), &irl4rec::ui::MainWindow::datasetLoaded);
    window->openDataset(kSample);
    QVERIFY(loaded.wait(60000));
    TrainConfig base = irlConfig(0.1, 0.01, 0.2);
    base.epochs = 1;
    base.negatives = 16;
    base.maxLength = 10;
    window->runsPanel()->form()->setConfig(base);
    ComparePanel* panel = window->comparePanel();
    // Nothing selected in the table: the grid starts from the Runs tab form.
    auto source = panel->gridSourceConfig();
    QVERIFY(source.ok());
    // The form keeps seeds in its own field: everything else is the configuration set.
    QCOMPARE(irl4rec::train::groupKey(source.value().toJson()), irl4rec::train::groupKey(base.toJson()));

    // Shown, the tab reads the store (no runs yet), then re-reads it when runs end.
    QSignalSpy shown(panel, &ComparePanel::snapshotLoaded);
    window->showTab(QStringLiteral("compare"));
    QVERIFY(shown.wait(30000));
    QCOMPARE(int(panel->snapshot().runs.size()), 0);
    QSignalSpy queued(window->runsPanel(), &irl4rec::ui::RunsPanel::runsQueued);
    auto count = panel->queueAblationGrid(source.value(), 2, 5, QStringLiteral("abl"));
    QVERIFY2(count.ok(), count.ok() ? "" : qPrintable(count.error().message()));
    QCOMPARE(count.value(), 12);
    // Six configurations of two seeds each reach the store one after the other.
    QTRY_COMPARE_WITH_TIMEOUT(queued.count(), 6, 30000);
    window->runQueue()->cancelAll();  // what was queued is in the store; no need to train it
    // The ended (cancelled) runs reach the Compare tab without a manual refresh.
    QTRY_COMPARE_WITH_TIMEOUT(int(panel->snapshot().runs.size()), 12, 30000);

    RunStore store;
    QVERIFY(store.open(path).ok());
    irl4rec::store::ListOptions options;
    options.includeConfig = true;
    auto runs = store.listRuns(options);
    QVERIFY(runs.ok());
    QCOMPARE(int(runs.value().size()), 12);
    // (model, alpha, beta, gamma, confounder, seed) of every queued run, against the grid.
    QStringList got, expected;
    for (const auto& e : runs.value()) {
      auto c = TrainConfig::fromJson(e.run.config);
      QVERIFY(c.ok());
      const TrainConfig& t = c.value();
      got << QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
                 .arg(irl4rec::train::toString(t.model))
                 .arg(t.alpha)
                 .arg(t.beta)
                 .arg(t.gamma)
                 .arg(t.useConfounder)
                 .arg(t.seed)
                 .arg(e.run.name);
      QCOMPARE(t.hiddenSize, 16);
      QCOMPARE(t.epochs, 1);
    }
    const QList<std::tuple<QString, QString, double, double, double, bool>> grid = {
        {"baseline", "baseline", 0, 0, 0, true}, {"irl4rec", "full", 0.1, 0.01, 0.2, true},
        {"irl4rec", "γ=0", 0.1, 0.01, 0, true},  {"irl4rec", "β=0", 0.1, 0, 0.2, true},
        {"irl4rec", "α=0", 0, 0.01, 0.2, true},  {"irl4rec", "no confounder", 0, 0.01, 0, false}};
    for (const auto& [model, label, a, b, g, conf] : grid) {
      for (int seed : {5, 6}) {
        expected << QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
                        .arg(model)
                        .arg(a)
                        .arg(b)
                        .arg(g)
                        .arg(conf)
                        .arg(seed)
                        .arg(QStringLiteral("abl %1 s%2").arg(label).arg(seed));
      }
    }
    got.sort();
    expected.sort();
    QCOMPARE(got, expected);
    // Distinct groups: six configurations, two seeds each.
    QSet<QString> groups;
    for (const auto& e : runs.value()) groups.insert(e.run.groupKey);
    QCOMPARE(groups.size(), 6);

    // A baseline configuration is refused and queues nothing.
    auto refused = panel->queueAblationGrid(baselineConfig(), 2, 1, QStringLiteral("x"));
    QVERIFY(!refused.ok());
    QVERIFY(panel->message().contains(QStringLiteral("irl4rec")));
    QCOMPARE(int(store.listRuns().value().size()), 12);

    // The button's dialog queues the same grid: N = 1 seed starting at 9.
    QToolButton* button = nullptr;
    for (QToolButton* b : panel->findChildren<QToolButton*>()) {
      if (b->text().startsWith(QStringLiteral("Run ablation grid"))) button = b;
    }
    QVERIFY(button);
    button->click();
    QDialog* dialog = panel->findChild<QDialog*>();
    QVERIFY(dialog);
    const QList<QSpinBox*> spins = dialog->findChildren<QSpinBox*>();
    QCOMPARE(spins.size(), 2);
    spins[0]->setValue(1);
    spins[1]->setValue(9);
    QLabel* preview = nullptr;
    for (QLabel* l : dialog->findChildren<QLabel*>()) {
      if (l->text().contains(QStringLiteral("runs</b>"))) preview = l;
    }
    QVERIFY(preview);
    QVERIFY2(preview->text().contains(QStringLiteral("6 configurations × 1 seeds")),
             qPrintable(preview->text()));
    queued.clear();
    dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
    QTRY_COMPARE_WITH_TIMEOUT(queued.count(), 6, 30000);
    window->runQueue()->cancelAll();
    auto after = store.listRuns(options);
    QVERIFY(after.ok());
    QCOMPARE(int(after.value().size()), 18);
    int seed9 = 0;
    for (const auto& e : after.value())
      seed9 += e.run.config.value(QStringLiteral("seed")).toString() == QLatin1String("9");
    QCOMPARE(seed9, 6);

    // Wait for the one run that had started to end (cancelled).
    QTRY_VERIFY_WITH_TIMEOUT(window->runQueue()->running().isEmpty(), 120000);
  }

  void sweepCells() {
    const QString path = newStorePath();
    {
      StoreBuilder b(path);
      QVERIFY(b.ok());
      // α = 0.1: (β, γ) = (0, 0) seeds 1-2; (0.01, 0) seed 1; (0, 1) seeds 1-3; (0.01, 1) missing.
      b.add(irlConfig(0.1, 0, 0), 1, {0.05, 0.1}, {}, 0.1, 0.1);
      b.add(irlConfig(0.1, 0, 0), 2, {0.2}, {}, 0.1, 0.1);
      b.add(irlConfig(0.1, 0.01, 0), 1, {0.3}, {}, 0.1, 0.1);
      b.add(irlConfig(0.1, 0, 1), 1, {0.4}, {}, 0.1, 0.1);
      b.add(irlConfig(0.1, 0, 1), 2, {0.5}, {}, 0.1, 0.1);
      b.add(irlConfig(0.1, 0, 1), 3, {0.6}, {}, 0.1, 0.1);
      // Another α, a baseline and another encoder: not in the α = 0.1 map.
      b.add(irlConfig(0.2, 0, 0), 1, {0.9}, {}, 0.1, 0.1);
      b.add(baselineConfig(), 1, {0.7}, {}, 0.1, 0.1);
      TrainConfig gru = irlConfig(0.1, 0, 0);
      gru.encoder = irl4rec::train::EncoderKind::Gru4Rec;
      b.add(gru, 1, {0.8}, {}, 0.1, 0.1);
    }
    const compare::Snapshot snap = compare::readSnapshot(path);
    const auto groups = compare::groupRuns(snap, compare::Filter{});
    const compare::Sweep sw =
        compare::sweep(snap, groups, QStringLiteral("beta"), QStringLiteral("gamma"), std::nan(""),
                       QStringLiteral("val/ndcg@10"), compare::ValueMode::Last);
    QCOMPARE(sw.fixedWeight, QStringLiteral("alpha"));
    QCOMPARE(sw.fixedValue, 0.1);  // the value with the most runs
    QCOMPARE(sw.fixedValues, (QVector<double>{0.1, 0.2}));
    QCOMPARE(sw.xs, (QVector<double>{0, 0.01}));
    QCOMPARE(sw.ys, (QVector<double>{0, 1}));
    QCOMPARE(int(sw.cells.size()), 3);
    QCOMPARE(sw.runsUsed, 6);
    QVERIFY2(sw.message.contains(QStringLiteral("1 Irl4Rec run")),
             qPrintable(sw.message));  // the GRU4Rec run
    auto cell = [&](int xi, int yi) -> const compare::SweepCell* {
      for (const compare::SweepCell& c : sw.cells) {
        if (c.xi == xi && c.yi == yi) return &c;
      }
      return nullptr;
    };
    QVERIFY(cell(0, 0) && near(cell(0, 0)->value.mean, 0.15) && cell(0, 0)->value.n == 2);
    QVERIFY(cell(1, 0) && near(cell(1, 0)->value.mean, 0.3) && cell(1, 0)->value.n == 1);
    QVERIFY(cell(0, 1) && near(cell(0, 1)->value.mean, 0.5) && cell(0, 1)->value.n == 3);
    QVERIFY(!cell(1, 1));  // missing: no runs
    // Best validation takes each run's best: seed 1 of (0, 0) has 0.05 then 0.1 -> same here,
    // but the fixed weight can be chosen.
    const compare::Sweep other =
        compare::sweep(snap, groups, QStringLiteral("beta"), QStringLiteral("gamma"), 0.2,
                       QStringLiteral("val/ndcg@10"), compare::ValueMode::BestValidation);
    QCOMPARE(int(other.cells.size()), 1);
    QVERIFY(near(other.cells[0].value.mean, 0.9));

    // The panel draws it as a colour map with one label per cell, "no runs" for the missing one.
    ComparePanel panel(nullptr, nullptr, nullptr);
    panel.setSnapshot(std::make_shared<compare::Snapshot>(snap));
    panel.setSweepWeights(QStringLiteral("beta"), QStringLiteral("gamma"));
    QCOMPARE(int(panel.currentSweep().cells.size()), 3);
    int maps = 0;
    for (int i = 0; i < panel.sweepPlot()->plottableCount(); ++i) {
      maps += qobject_cast<QCPColorMap*>(panel.sweepPlot()->plottable(i)) ? 1 : 0;
    }
    QCOMPARE(maps, 1);
    QStringList labels;
    for (int i = 0; i < panel.sweepPlot()->itemCount(); ++i) {
      if (auto* t = qobject_cast<QCPItemText*>(panel.sweepPlot()->item(i))) labels << t->text();
    }
    QVERIFY2(labels.contains(QStringLiteral("0.1500\nn = 2")),
             qPrintable(labels.join(QLatin1Char('|'))));
    QVERIFY(labels.contains(QStringLiteral("no runs")));
  }

  // A sweep as one unit (issue 14): five configurations of sweep "s" (three axes, two seeds
  // each), a failed run of the sweep, an untagged Irl4Rec run and two baseline groups outside it.
  // The best configuration is chosen on validation (P4), not on test (P5 is better there); its
  // test values are compared with the most similar baseline (SASRec, not GRU4Rec).
  QString sweepStore() {
    const QString path = newStorePath();
    StoreBuilder b(path);
    if (!b.ok()) return {};
    const QStringList tag = {irl4rec::train::sweepTag(QStringLiteral("s"))};
    struct P {
      double alpha, beta, gamma;
      double val[2], hr[2], test[2];
    };
    const P points[] = {{0.1, 0, 0.1, {0.20, 0.22}, {0.5, 0.5}, {0.10, 0.12}},
                        {0.1, 0, 1, {0.30, 0.32}, {0.5, 0.5}, {0.15, 0.17}},
                        {0.1, 0.01, 0.1, {0.25, 0.25}, {0.5, 0.5}, {0.13, 0.13}},
                        {0.1, 0.01, 1, {0.40, 0.44}, {0.5, 0.5}, {0.20, 0.24}},
                        {0.2, 0.01, 1, {0.35, 0.35}, {0.9, 0.9}, {0.30, 0.30}}};
    for (const P& p : points) {
      for (int seed = 0; seed < 2; ++seed) {
        const qint64 id = b.add(irlConfig(p.alpha, p.beta, p.gamma), quint64(seed + 1),
                                {0.01, p.val[seed]}, {0.1, p.hr[seed]}, 0.5, p.test[seed]);
        if (!id || !b.db().setTags(id, tag).ok()) return {};
      }
    }
    const qint64 failed = b.add(irlConfig(0.2, 0, 0.1), 1, {0.9}, {0.9}, 0.9, 0.9, RunStatus::Failed);
    if (!failed || !b.db().setTags(failed, tag).ok()) return {};
    b.add(irlConfig(0.3, 0, 0), 1, {0.99}, {0.99}, 0.99, 0.99);  // not in the sweep
    const double base[] = {0.18, 0.19, 0.20};
    for (int seed = 0; seed < 3; ++seed) b.add(baselineConfig(), quint64(seed + 1), {0.1}, {0.1}, 0.5, base[seed]);
    TrainConfig gru = baselineConfig();
    gru.encoder = irl4rec::train::EncoderKind::Gru4Rec;
    for (int seed = 0; seed < 3; ++seed) b.add(gru, quint64(seed + 1), {0.1}, {0.1}, 0.5, 0.5 + 0.01 * seed);
    return path;
  }

  void sweepStudyPicksOnValidationAndComparesOnTest() {
    const QString path = sweepStore();
    QVERIFY(!path.isEmpty());
    const compare::Snapshot snap = compare::readSnapshot(path);
    QVERIFY2(snap.error.isEmpty(), qPrintable(snap.error));

    const std::vector<compare::SweepSummary> sweeps = compare::sweepsIn(snap);
    QCOMPARE(int(sweeps.size()), 1);
    QCOMPARE(sweeps[0].name, QStringLiteral("s"));
    QCOMPARE(sweeps[0].runs, 11);
    QCOMPARE(sweeps[0].finished, 10);
    QCOMPARE(sweeps[0].failed, 1);

    compare::Filter filter;
    filter.sweep = QStringLiteral("s");
    const std::vector<compare::Group> groups = compare::groupRuns(snap, filter);
    QCOMPARE(int(groups.size()), 5);  // the failed run and the untagged one are not in it
    compare::Filter others;
    std::vector<compare::Group> candidates;
    for (compare::Group& g : compare::groupRuns(snap, others)) {
      if (g.baseline) candidates.push_back(std::move(g));
    }
    QCOMPARE(int(candidates.size()), 2);

    const auto mode = compare::ValueMode::Last;
    const compare::Study st = compare::study(snap, groups, QStringLiteral("val/ndcg@10"),
                                             QStringLiteral("val/ndcg@10"), mode, {}, candidates);
    QVERIFY2(st.message.isEmpty(), qPrintable(st.message));
    QCOMPARE(int(st.axes.size()), 3);
    QCOMPARE(st.axes[0].key, QStringLiteral("alpha"));
    QCOMPARE(st.axes[1].key, QStringLiteral("beta"));
    QCOMPARE(st.axes[2].key, QStringLiteral("gamma"));
    QCOMPARE(st.axes[1].label(1), QStringLiteral("0.01"));
    QCOMPARE(st.testKey, QStringLiteral("test/ndcg@10"));
    QVERIFY(st.best >= 0);
    QCOMPARE(st.pointName(st.best), QStringLiteral("alpha=0.1 beta=0.01 gamma=1"));
    const compare::StudyPoint& best = st.points[size_t(st.best)];
    QVERIFY(near(best.select.mean, 0.42));
    QCOMPARE(best.test.n, qint64(2));
    QVERIFY(near(best.test.mean, 0.22));
    QVERIFY(near(best.test.std, std::sqrt(0.0008)));
    // The reference: the SASRec baseline (shares the encoder), its three test values.
    QVERIFY(st.reference >= 0);
    QVERIFY2(!st.referenceName.contains(QStringLiteral("gru4rec")), qPrintable(st.referenceName));
    QCOMPARE(st.bestVsReference.reference.n, qint64(3));
    QVERIFY(near(st.bestVsReference.reference.mean, 0.19));
    const irl4rec::analysis::WelchResult w =
        irl4rec::analysis::welchTest({0.20, 0.24}, {0.18, 0.19, 0.20});
    QVERIFY(w.valid());
    QVERIFY(near(st.bestVsReference.t, w.t) && near(st.bestVsReference.p, w.p));
    // Chosen by validation HR@10 the best is P5 instead.
    const compare::Study byHr = compare::study(snap, groups, QStringLiteral("val/hr@10"),
                                               QStringLiteral("val/ndcg@10"), mode, {}, candidates);
    QCOMPARE(byHr.pointName(byHr.best), QStringLiteral("alpha=0.2 beta=0.01 gamma=1"));
    QCOMPARE(byHr.testKey, QStringLiteral("test/hr@10"));
    // A reference chosen by hand.
    const compare::Study gruRef = compare::study(snap, groups, QStringLiteral("val/ndcg@10"),
                                                 QStringLiteral("val/ndcg@10"), mode, {}, candidates,
                                                 st.reference == 0 ? 1 : 0);
    QVERIFY(gruRef.referenceName.contains(QStringLiteral("gru4rec")));
    QVERIFY(near(gruRef.bestVsReference.reference.mean, 0.51));

    // Heat map beta × gamma; alpha folded.
    const compare::HeatMap best2 = compare::heatMap(st, 1, 2, compare::OtherAxes::Best);
    QCOMPARE(int(best2.cells.size()), 4);
    auto cellAt = [](const compare::HeatMap& m, int xi, int yi) -> const compare::HeatCell* {
      for (const compare::HeatCell& c : m.cells) {
        if (c.xi == xi && c.yi == yi) return &c;
      }
      return nullptr;
    };
    const compare::HeatCell* both = cellAt(best2, 1, 1);
    QVERIFY(both);
    QCOMPARE(both->configurations, 2);
    QCOMPARE(both->point, st.best);
    QVERIFY(near(both->value.mean, 0.42));
    QVERIFY(near(cellAt(best2, 0, 0)->value.mean, 0.21));
    QVERIFY(best2.message.contains(QStringLiteral("alpha")));
    const compare::HeatMap pooled = compare::heatMap(st, 1, 2, compare::OtherAxes::Mean);
    const irl4rec::analysis::GroupSummary pool = irl4rec::analysis::summarize({0.40, 0.44, 0.35, 0.35});
    QCOMPARE(cellAt(pooled, 1, 1)->value.n, qint64(4));
    QVERIFY(near(cellAt(pooled, 1, 1)->value.mean, pool.mean));
    QVERIFY(near(cellAt(pooled, 1, 1)->value.std, pool.std, 1e-12));
    QVERIFY(compare::heatMap(st, 1, 1, compare::OtherAxes::Best).cells.empty());

    // Parallel coordinates: the best at the top of the metric axis, P1 at the bottom.
    double lo = 0, hi = 0;
    const std::vector<compare::ParallelLine> lines = compare::parallelLines(st, &lo, &hi);
    QCOMPARE(int(lines.size()), 5);
    QVERIFY(near(lo, 0.21) && near(hi, 0.42));
    for (const compare::ParallelLine& l : lines) {
      QCOMPARE(l.y.size(), 4);
      const compare::StudyPoint& p = st.points[size_t(l.point)];
      QVERIFY(near(l.y[3], (p.shown.mean - 0.21) / 0.21));
      QVERIFY(near(l.y[0], p.value[0] == 1 ? 1.0 : 0.0));
    }

    // The CSV: a row per configuration, the best marked.
    const QStringList csv = compare::studyCsv(st).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(csv.size(), 6);
    QVERIFY(csv[0].startsWith(QStringLiteral("alpha,beta,gamma,n,")));
    QCOMPARE(csv.filter(QRegularExpression(QStringLiteral(",1$"))),
             QStringList{QStringLiteral("0.1,0.01,1,2,0.42,0.02828427125,0.22,0.02828427125,1")});
  }

  void sweepViewInThePanel() {
    const QString path = sweepStore();
    QVERIFY(!path.isEmpty());
    RunStore store;
    QVERIFY(store.open(path).ok());
    ComparePanel panel(&store, nullptr, nullptr);
    panel.resize(1200, 800);
    panel.setSnapshot(std::make_shared<const compare::Snapshot>(compare::readSnapshot(path)));
    panel.setValueMode(compare::ValueMode::Last);
    QCOMPARE(int(panel.groups().size()), 5 + 1 + 2);  // every finished group
    panel.setSweep(QStringLiteral("s"));
    QCOMPARE(panel.sweep(), QStringLiteral("s"));
    QCOMPARE(int(panel.groups().size()), 5);
    irl4rec::ui::SweepView* view = panel.sweepView();
    QCOMPARE(view->study().pointName(view->study().best), QStringLiteral("alpha=0.1 beta=0.01 gamma=1"));
    // Candidates: every group outside the sweep (the untagged Irl4Rec run and both baselines).
    QCOMPARE(int(view->candidates().size()), 3);
    const QString summary = view->summary();
    QVERIFY2(summary.contains(QStringLiteral("alpha=0.1 beta=0.01 gamma=1")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("p = ")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("n = 2 vs 3")), qPrintable(summary));
    // The heat map of the first two axes, then of any two chosen.
    QCOMPARE(view->heatMap().xAxis, 0);
    QCOMPARE(view->heatMap().yAxis, 1);
    view->setAxes(QStringLiteral("gamma"), QStringLiteral("beta"));
    QCOMPARE(view->heatMap().xAxis, 2);
    QCOMPARE(view->heatMap().yAxis, 1);
    int maps = 0;
    for (int i = 0; i < view->heatPlot()->plottableCount(); ++i)
      maps += qobject_cast<QCPColorMap*>(view->heatPlot()->plottable(i)) ? 1 : 0;
    QCOMPARE(maps, 1);
    QCOMPARE(view->parallelPlot()->graphCount(), 5);
    QCOMPARE(view->table()->model()->rowCount(), 5);
    // The table is sorted by the selection metric, best first.
    QCOMPARE(view->table()->model()->index(0, 4).data().toString(), QStringLiteral("0.4200 ± 0.0283"));
    // Exports.
    const QString csvPath = dir_.filePath(QStringLiteral("sweep.csv"));
    QVERIFY(view->exportCsv(csvPath).ok());
    QCOMPARE(readLines(csvPath).size(), 6);
    const QString png = dir_.filePath(QStringLiteral("parallel.png"));
    QVERIFY(view->exportPlot(irl4rec::ui::SweepView::PlotKind::ParallelCoordinates, png).ok());
    QVERIFY(QFileInfo(png).size() > 1000);
    QVERIFY(!view->exportPlot(irl4rec::ui::SweepView::PlotKind::HeatMap,
                              dir_.filePath(QStringLiteral("x.txt"))).ok());
    // Back to every run: the study is every finished group, compared with nothing outside.
    panel.setSweep(QString());
    QCOMPARE(int(panel.groups().size()), 8);
    QVERIFY(view->candidates().empty());
  }

  // A setting stored only when it is not at its default (split_batches, norm, ...) names the
  // group that does not store it by its default, not as missing.
  void namesSayTheDefaultOfAnOmittedSetting() {
    const QString path = newStorePath();
    StoreBuilder b(path);
    QVERIFY(b.ok());
    TrainConfig split = baselineConfig();
    split.splitBatches = true;
    QVERIFY(!baselineConfig().toJson().contains(QStringLiteral("split_batches")));
    QVERIFY(b.add(baselineConfig(), 1, {0.1}, {0.2}, 0.1, 0.05));
    QVERIFY(b.add(split, 1, {0.1}, {0.2}, 0.1, 0.05));
    const compare::Snapshot snap = compare::readSnapshot(path);
    const auto groups = compare::groupRuns(snap, compare::Filter());
    QCOMPARE(int(groups.size()), 2);
    QVERIFY2(findGroup(groups, QStringLiteral("baseline sasrec split_batches=off")), qPrintable(groupNames(groups)));
    QVERIFY2(findGroup(groups, QStringLiteral("baseline sasrec split_batches=on")), qPrintable(groupNames(groups)));
    // The sweep view's axes compare the same way.
    const compare::Study st = compare::study(snap, groups, QStringLiteral("val/ndcg@10"),
                                             QStringLiteral("val/ndcg@10"), compare::ValueMode::Last, {}, {});
    QCOMPARE(int(st.axes.size()), 1);
    QCOMPARE(st.axes[0].key, QStringLiteral("split_batches"));
    QCOMPARE(st.axes[0].label(0), QStringLiteral("off"));
  }

  // Axis values keep their type: numbers sort as numbers (9 < 10 < 128), not as text.
  void sweepAxesSortNumbersAsNumbers() {
    const QString path = newStorePath();
    StoreBuilder b(path);
    QVERIFY(b.ok());
    for (int hidden : {128, 10, 9}) {
      TrainConfig c = baselineConfig();
      c.hiddenSize = hidden;
      c.heads = 1;
      QVERIFY(b.add(c, 1, {0.1}, {0.2}, 0.1, 0.05));
    }
    const compare::Snapshot snap = compare::readSnapshot(path);
    const auto groups = compare::groupRuns(snap, compare::Filter());
    const compare::Study st = compare::study(snap, groups, QStringLiteral("val/ndcg@10"),
                                             QStringLiteral("val/ndcg@10"), compare::ValueMode::Last, {}, {});
    QCOMPARE(int(st.axes.size()), 1);
    QVERIFY(st.axes[0].numeric);
    QCOMPARE(st.axes[0].label(0), QStringLiteral("9"));
    QCOMPARE(st.axes[0].label(1), QStringLiteral("10"));
    QCOMPARE(st.axes[0].label(2), QStringLiteral("128"));
  }

  void csvExport() {
    const QString path = newStorePath();
    {
      StoreBuilder b(path);
      QVERIFY(b.ok());
      b.add(baselineConfig(), 1, {0.1}, {0.2}, 0.10, 0.05);
      b.add(baselineConfig(), 2, {0.3}, {0.4}, 0.20, 0.07);
    }
    ComparePanel panel(nullptr, nullptr, nullptr);
    panel.setSnapshot(std::make_shared<compare::Snapshot>(compare::readSnapshot(path)));
    const QString csv = dir_.filePath(QStringLiteral("groups.csv"));
    QVERIFY(panel.exportTableCsv(csv).ok());
    const QStringList lines = readLines(csv);
    QCOMPARE(lines.size(), 4);  // header, the group, its two runs
    QCOMPARE(lines[0],
             QStringLiteral(
                 "level,group,group_hash,run,uuid,seed,n,val/hr@10 mean,val/hr@10 std,"
                 "val/ndcg@10 mean,val/ndcg@10 std,val/ndcg@10 best mean,val/ndcg@10 best std,"
                 "test/hr@10 mean,test/hr@10 std,test/ndcg@10 mean,test/ndcg@10 std"));
    const QStringList group = lines[1].split(QLatin1Char(','));
    QCOMPARE(group.size(), 17);
    QCOMPARE(group[0], QStringLiteral("group"));
    QCOMPARE(group[1], QStringLiteral("baseline sasrec"));
    QCOMPARE(group[6], QStringLiteral("2"));
    QVERIFY(near(group[7].toDouble(), 0.3));              // val HR mean of 0.2, 0.4
    QVERIFY(near(group[8].toDouble(), std::sqrt(0.02)));  // its sample std
    QVERIFY(near(group[13].toDouble(), 0.15));            // test HR
    const QStringList run = lines[2].split(QLatin1Char(','));
    QCOMPARE(run[0], QStringLiteral("run"));
    QCOMPARE(run[5], QStringLiteral("1"));
    QVERIFY(near(run[13].toDouble(), 0.10));
    QVERIFY(run[14].isEmpty());  // no std for one run
    // Fields with commas or quotes are quoted.
    QCOMPARE(compare::csvField(QStringLiteral("a,\"b\"")), QStringLiteral("\"a,\"\"b\"\"\""));

    const QString ablation = dir_.filePath(QStringLiteral("ablation.csv"));
    QVERIFY(panel.exportAblationCsv(ablation).ok());
    const QStringList ablationLines = readLines(ablation);
    QCOMPARE(ablationLines.size(), 3);  // header + HR and NDCG of the (reference) group
    QVERIFY(ablationLines[0].startsWith(QStringLiteral("group,reference,metric,mean,std,n")));
    // Plots export as PNG and PDF; another suffix is refused.
    QVERIFY(panel.exportPlot(ComparePanel::PlotKind::Curves, dir_.filePath(QStringLiteral("c.png")))
                .ok());
    QVERIFY(QFileInfo(dir_.filePath(QStringLiteral("c.png"))).size() > 1000);
    QVERIFY(
        panel.exportPlot(ComparePanel::PlotKind::Ablation, dir_.filePath(QStringLiteral("a.pdf")))
            .ok());
    QVERIFY(QFileInfo(dir_.filePath(QStringLiteral("a.pdf"))).size() > 500);
    QVERIFY(!panel.exportPlot(ComparePanel::PlotKind::Sweep, dir_.filePath(QStringLiteral("s.bmp")))
                 .ok());
  }

  void panelReadsTheStoreInTheBackground() {
    const QString path = threeGroupStore();
    RunStore store;
    QVERIFY(store.open(path).ok());
    ComparePanel panel(&store, nullptr, nullptr);
    QSignalSpy loaded(&panel, &ComparePanel::snapshotLoaded);
    panel.reload();
    QVERIFY(loaded.wait(30000));
    QCOMPARE(int(panel.groups().size()), 3);
    QCOMPARE(panel.treeModel()->rowCount(), 3);
    QCOMPARE(panel.treeModel()->rowCount(panel.treeModel()->index(0, 0)),
             3);  // its runs, shown on expand
    QCOMPARE(panel.treeModel()->text(0, -1, ComparePanel::Column::TestHr),
             QStringLiteral("0.1300 ± 0.0361"));
    // One mean curve per group, bands around the groups with n >= 2.
    QCOMPARE(panel.curvePlot()->pointCount(QStringLiteral("g") + panel.groups()[0].hash, QString()),
             3);
    QVERIFY(panel.curvePlot()->plot()->graphCount() >= 3 + 2 * 2);
    // Per-step curves are read on demand.
    panel.setCurveKey(QStringLiteral("loss/total"));
    QVERIFY(loaded.wait(30000));
    QCOMPARE(panel.curvePlot()->pointCount(QStringLiteral("g") + panel.groups()[0].hash, QString()),
             12);

    // Unticking a run in the table takes it out of the statistics.
    // (the check box of a row, as a click in the view sets it)
    auto* model = panel.treeModel();
    QVERIFY(
        model->setData(model->index(2, 0, model->index(0, 0)), Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(model->index(0, 0).data(Qt::CheckStateRole).toInt(), int(Qt::PartiallyChecked));
    QTRY_COMPARE(panel.treeModel()->text(0, -1, ComparePanel::Column::TestHr),
                 QStringLiteral("0.1100 ± 0.0141"));

    // Unticking a group unticks its runs: they leave the statistics, the curves and the tests.
    QVERIFY(model->setData(model->index(1, 0), Qt::Unchecked, Qt::CheckStateRole));
    QTRY_COMPARE(panel.treeModel()->text(1, -1, ComparePanel::Column::N), QStringLiteral("0 of 2"));
    QCOMPARE(panel.treeModel()->text(1, -1, ComparePanel::Column::TestHr), QStringLiteral("–"));
    QCOMPARE(panel.curvePlot()->pointCount(QStringLiteral("g") + panel.groups()[1].hash, QString()),
             0);
    QVERIFY(model->setData(model->index(1, 0), Qt::Checked, Qt::CheckStateRole));
    QTRY_COMPARE(panel.treeModel()->text(1, -1, ComparePanel::Column::N), QStringLiteral("2"));

    // A run deleted while shown: the next read simply no longer has it.
    const qint64 victim = panel.snapshot().runs[size_t(panel.groups()[0].runs[0])].run.id;
    QVERIFY(store.deleteRun(victim).ok());
    panel.reload();
    QVERIFY(loaded.wait(30000));
    QCOMPARE(int(panel.groups()[0].runs.size()), 2);
  }

  void publishedCurveBesideTheGroups() {
    // A recipe's published curve (Xu et al.'s five logs, Beauty) drawn dashed beside groups on
    // Beauty, for the metric it was published for, remembered across panels; never offered
    // beside runs on another dataset.
    {
      RunStore toy;
      QVERIFY(toy.open(threeGroupStore()).ok());
      ComparePanel panel(&toy, nullptr, nullptr);
      QSignalSpy loaded(&panel, &ComparePanel::snapshotLoaded);
      panel.reload();
      QVERIFY(loaded.wait(30000));
      QVERIFY(!panel.setPublishedCurve(QStringLiteral("xu2024-sasrec-ce")));  // toy, not Beauty
      QCOMPARE(panel.curvePlot()->pointCount(ComparePanel::kPublishedRun, QString()), 0);
      QVERIFY(panel.setPublishedCurve(QString()));  // the choice is remembered: clear it
    }
    const QString path = newStorePath();
    {
      StoreBuilder b(path, QStringLiteral("Beauty"));
      QVERIFY(b.ok());
      b.add(baselineConfig(), 1, {0.10, 0.30, 0.20}, {0.2, 0.5, 0.4}, 0.10, 0.05);
      b.add(baselineConfig(), 2, {0.15, 0.25, 0.28}, {0.3, 0.45, 0.5}, 0.12, 0.06);
    }
    RunStore store;
    QVERIFY(store.open(path).ok());
    const QString published = ComparePanel::kPublishedRun;
    {
      ComparePanel panel(&store, nullptr, nullptr);
      QSignalSpy loaded(&panel, &ComparePanel::snapshotLoaded);
      panel.reload();
      QVERIFY(loaded.wait(30000));
      QCOMPARE(panel.curveKey(), QStringLiteral("val/ndcg@10"));
      QCOMPARE(panel.curvePlot()->pointCount(published, QString()), 0);  // none by default
      QVERIFY(panel.setPublishedCurve(QStringLiteral("xu2024-sasrec-ce")));
      QCOMPARE(panel.curvePlot()->pointCount(published, QString()), 40);  // every 5 epochs to 200
      QCPGraph* graph = panel.curvePlot()->graph(published, QString());
      QVERIFY(graph);
      QCOMPARE(graph->pen().style(), Qt::DashLine);
      QVERIFY(graph->name().contains(QStringLiteral("mean of 5 seeds")));
      // The groups are still there.
      QCOMPARE(panel.curvePlot()->pointCount(QStringLiteral("g") + panel.groups()[0].hash, QString()), 3);
      // A metric the recipe published no curve of: nothing drawn, the choice kept.
      panel.setCurveKey(QStringLiteral("val/mrr@10"));
      QCOMPARE(panel.curvePlot()->pointCount(published, QString()), 0);
      QCOMPARE(panel.publishedCurve(), QStringLiteral("xu2024-sasrec-ce"));
      panel.setCurveKey(QStringLiteral("val/hr@10"));
      QCOMPARE(panel.curvePlot()->pointCount(published, QString()), 40);
    }
    {
      ComparePanel again(&store, nullptr, nullptr);
      QSignalSpy loaded(&again, &ComparePanel::snapshotLoaded);
      again.reload();
      QVERIFY(loaded.wait(30000));
      QCOMPARE(again.publishedCurve(), QStringLiteral("xu2024-sasrec-ce"));
      QCOMPARE(again.curvePlot()->pointCount(published, QString()), 40);
      QVERIFY(!again.setPublishedCurve(QStringLiteral("no-such-recipe")));
      QCOMPARE(again.curvePlot()->pointCount(published, QString()), 0);
      QVERIFY(again.setPublishedCurve(QString()));
      QCOMPARE(again.curvePlot()->pointCount(published, QString()), 0);
    }
  }

  void badInputShowsAMessage() {
    // No store at all.
    ComparePanel none(nullptr, nullptr, nullptr);
    none.reload();
    QVERIFY(none.message().contains(QStringLiteral("not available")));
    const compare::Snapshot missing =
        compare::readSnapshot(dir_.filePath(QStringLiteral("nope/none.sqlite")));
    QVERIFY(!missing.error.isEmpty());

    // An empty store.
    const QString emptyPath = newStorePath();
    {
      RunStore store;
      QVERIFY(store.open(emptyPath).ok());
      ComparePanel panel(&store, nullptr, nullptr);
      QSignalSpy loaded(&panel, &ComparePanel::snapshotLoaded);
      panel.reload();
      QVERIFY(loaded.wait(30000));
      QVERIFY2(panel.message().contains(QStringLiteral("No runs")), qPrintable(panel.message()));
      QCOMPARE(panel.treeModel()->rowCount(), 0);
      QVERIFY(panel.ablationRows().empty());
    }

    // A run without metrics, a NaN metric, a damaged config and an unknown model.
    const QString path = newStorePath();
    qint64 damaged = 0;
    {
      StoreBuilder b(path);
      QVERIFY(b.ok());
      b.add(baselineConfig(), 1, {0.1}, {0.2}, 0.10, 0.05);
      b.add(baselineConfig(), 2, {}, {}, std::nan(""), std::nan(""));  // no metrics at all
      b.add(baselineConfig(), 3, {0.2}, {0.3}, std::nan(""), 0.06);    // NaN test HR
      QJsonObject weird = irlConfig(0.1, 0, 0).toJson();
      weird[QStringLiteral("model")] = QStringLiteral("mystery");
      weird[QStringLiteral("alpha")] = QStringLiteral("not a number");
      b.addJson(weird, QStringLiteral("weird"), {0.1}, {0.1}, 0.1, 0.1);
      damaged = b.add(irlConfig(0.1, 0.01, 0.1), 1, {0.1}, {0.1}, 0.1, 0.1);
      QJsonObject textWeight = irlConfig(0.1, 0, 0).toJson();
      textWeight[QStringLiteral("alpha")] = QStringLiteral("abc");
      b.addJson(textWeight, QStringLiteral("text weight"), {0.1}, {0.1}, 0.1, 0.1);
    }
    {
      // Damage the stored config text of one run, as a broken writer or a hand edit would.
      QSqlDatabase sql =
          QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("damage"));
      sql.setDatabaseName(path);
      QVERIFY(sql.open());
      QSqlQuery q(sql);
      QVERIFY(q.exec(
          QStringLiteral("UPDATE runs SET config = '{not json' WHERE id = %1").arg(damaged)));
      q.finish();
      sql.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("damage"));
    const compare::Snapshot snap = compare::readSnapshot(path);
    QVERIFY2(snap.error.isEmpty(), qPrintable(snap.error));
    QCOMPARE(int(snap.runs.size()), 6);
    ComparePanel panel(nullptr, nullptr, nullptr);
    panel.setSnapshot(std::make_shared<compare::Snapshot>(snap));
    const compare::Group* base = findGroup(panel.groups(), QStringLiteral("baseline sasrec"));
    QVERIFY2(base, qPrintable(groupNames(panel.groups())));
    QCOMPARE(int(base->runs.size()), 3);
    const auto hr =
        compare::groupValue(snap, *base, QStringLiteral("test/hr@10"), compare::ValueMode::Last);
    QCOMPARE(hr.n, int64_t(1));        // only seed 1 has a finite value
    QCOMPARE(hr.skipped, int64_t(2));  // no metrics, NaN
    QVERIFY(near(hr.mean, 0.10));
    QVERIFY(panel.message().contains(QStringLiteral("no metrics")));
    bool incompleteNoted = false, unknownModel = false, damagedNoted = false;
    for (int r = 0; r < panel.treeModel()->rowCount(); ++r) {
      const QString name = panel.treeModel()->text(r, -1, ComparePanel::Column::Name);
      const QString note = panel.treeModel()->text(r, -1, ComparePanel::Column::Note);
      if (name.startsWith(QStringLiteral("baseline")))
        incompleteNoted = note.contains(QStringLiteral("incomplete"));
      if (name.startsWith(QStringLiteral("mystery"))) unknownModel = true;
      if (name.startsWith(QStringLiteral("(unknown model)")))
        damagedNoted = note.contains(QStringLiteral("incomplete"));
    }
    QVERIFY(incompleteNoted);
    QVERIFY2(unknownModel, qPrintable(groupNames(panel.groups())));
    QVERIFY2(damagedNoted, qPrintable(groupNames(panel.groups())));
    // A weight that is not a number is named as written and kept off the sweep map.
    QVERIFY2(findGroup(panel.groups(), QStringLiteral("irl4rec sasrec α=abc β=0 γ=0")),
             qPrintable(groupNames(panel.groups())));
    QVERIFY2(panel.currentSweep().message.contains(QStringLiteral("without numeric weights")),
             qPrintable(panel.currentSweep().message));
    QVERIFY(panel.currentSweep().cells.empty());
    // Every view still has something sensible and exporting works.
    QVERIFY(panel.exportTableCsv(dir_.filePath(QStringLiteral("bad.csv"))).ok());
    QVERIFY(!panel.ablationRows().empty());
    // A damaged or unknown configuration cannot seed the ablation grid: an error, not a crash.
    QVERIFY(
        !TrainConfig::fromJson(QJsonObject{{QStringLiteral("model"), QStringLiteral("mystery")}})
             .ok());
  }
};

QTEST_MAIN(TestCompare)
#include "test_compare.moc"
