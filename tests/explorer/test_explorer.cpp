// The Explorer tab (issue 6, "Explore embeddings"), offscreen, on real SQLite stores in a
// temporary directory and a real Irl4Rec run trained on the bundled synthetic sample.
#include "tests/support/tiny_config.h"
#include "core/analysis/neighbours.h"
#include "core/analysis/probe.h"
#include "core/analysis/run_projections.h"
#include "core/data/readers.h"
#include "core/store/run_store.h"
#include "core/train/recorded_run.h"
#include "store/store_test_util.h"
#include "ui/explorer/explorer_data.h"
#include "ui/explorer/explorer_panel.h"
#include "ui/explorer/rows_model.h"
#include "ui/explorer/scatter_view.h"
#include "ui/explorer/spatial_index.h"
#include "ui/qcustomplot_include.h"

#include <QCheckBox>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

using namespace irl4rec;
using ui::ExplorerPanel;
using ui::ScatterView;
using ui::SpatialIndex;

namespace {

const QString kSample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");
const QString kShifted = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/shifted.txt");

/// The shared tiny configuration, with larger weights so that s and t differ visibly.
train::TrainConfig tinyConfig() {
  train::TrainConfig c = testing::tinyConfig(3);
  c.alpha = 0.5;
  c.beta = 1e-3;
  c.threads = 2;
  c.seed = 3;
  return c;
}

store::EmbeddingMatrix randomMatrix(int64_t rows, int64_t dim, uint64_t seed, int64_t firstId = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n;
  store::EmbeddingMatrix m;
  m.rows = rows;
  m.dim = dim;
  for (int64_t r = 0; r < rows; ++r) m.ids.push_back(firstId + r);
  for (int64_t i = 0; i < rows * dim; ++i) m.values.push_back(n(rng));
  return m;
}

/// A finished run holding only what the caller saves (an "old" run, or a damaged one).
qint64 finishedRun(store::RunStore& db, qint64 datasetId, const QString& name) {
  store::NewRun nr;
  nr.name = name;
  nr.config = tinyConfig().toJson();
  nr.datasetId = datasetId;
  nr.status = store::RunStatus::Running;
  auto run = db.createRun(nr);
  if (!run) return 0;
  db.setStatus(run.value().id, store::RunStatus::Finished);
  return run.value().id;
}

}  // namespace

class TestExplorer : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;
  QString storePath_;
  std::shared_ptr<const data::Dataset> dataset_;
  qint64 trainedRun_ = 0;
  qint64 datasetId_ = 0;

  /// A panel on its own store connection, showing `runId` once loaded.
  std::unique_ptr<ExplorerPanel> openPanel(store::RunStore& db, qint64 runId, bool withDataset = true) {
    auto panel = std::make_unique<ExplorerPanel>(&db, nullptr);
    panel->resize(1400, 900);
    panel->show();
    if (withDataset) panel->setDataset(dataset_);
    QSignalSpy loaded(panel.get(), &ExplorerPanel::runLoaded);
    QSignalSpy failed(panel.get(), &ExplorerPanel::runFailed);
    panel->selectRun(runId);
    if (!QTest::qWaitFor([&] { return panel->currentRun() && panel->currentRun()->info.id == runId; }, 60000))
      return nullptr;
    // Let the dataset labels arrive (a worker thread too).
    if (withDataset) (void)QTest::qWaitFor([&] { return !panel->message().contains(QLatin1String("No dataset")); }, 20000);
    QTest::qWait(50);
    return panel;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    storePath_ = dir_.filePath(QStringLiteral("runs.sqlite"));
    auto ds = data::loadDataset(kSample);
    QVERIFY2(ds.ok(), ds.ok() ? "" : qPrintable(ds.error().message()));
    dataset_ = std::make_shared<const data::Dataset>(std::move(ds).value());
  }

  // ---- spatial index -----------------------------------------------------------------------

  void spatialIndexMatchesBruteForce_data() {
    QTest::addColumn<int>("points");
    QTest::addColumn<double>("sx");
    QTest::addColumn<double>("sy");
    QTest::addColumn<bool>("clustered");
    QTest::newRow("uniform, square pixels") << 5000 << 1.0 << 1.0 << false;
    QTest::newRow("clusters, stretched axes") << 20000 << 40.0 << 3.0 << true;
    QTest::newRow("few points") << 7 << 1.0 << 10.0 << false;
  }

  void spatialIndexMatchesBruteForce() {
    QFETCH(int, points);
    QFETCH(double, sx);
    QFETCH(double, sy);
    QFETCH(bool, clustered);
    std::mt19937_64 rng(11);
    std::normal_distribution<double> n;
    std::uniform_real_distribution<double> u(-50, 50);
    std::vector<double> x, y;
    for (int i = 0; i < points; ++i) {
      const double cx = clustered ? 20.0 * (i % 7) : 0, cy = clustered ? -15.0 * (i % 5) : 0;
      x.push_back(clustered ? cx + n(rng) : u(rng));
      y.push_back(clustered ? cy + n(rng) * 0.3 : u(rng));
    }
    x[0] = std::numeric_limits<double>::quiet_NaN();  // never indexed, never returned
    if (points > 3) y[3] = std::numeric_limits<double>::infinity();
    SpatialIndex index;
    index.build(x, y);
    QCOMPARE(index.indexed(), int64_t(points - (points > 3 ? 2 : 1)));
    for (int q = 0; q < 500; ++q) {
      const double px = u(rng) * 1.6, py = u(rng) * 1.6;  // inside and outside the data box
      QCOMPARE(index.nearest(px, py, sx, sy), index.nearestLinear(px, py, sx, sy));
      const double radius = 25;
      QCOMPARE(index.nearest(px, py, sx, sy, radius), index.nearestLinear(px, py, sx, sy, radius));
    }
    // Rectangles and polygons against a scan.
    for (int q = 0; q < 50; ++q) {
      const QRectF rect(QPointF(u(rng), u(rng)), QPointF(u(rng), u(rng)));
      const QRectF r = rect.normalized();
      std::vector<int64_t> expected;
      for (int i = 0; i < points; ++i)
        if (std::isfinite(x[size_t(i)]) && std::isfinite(y[size_t(i)]) && x[size_t(i)] >= r.left() &&
            x[size_t(i)] <= r.right() && y[size_t(i)] >= r.top() && y[size_t(i)] <= r.bottom())
          expected.push_back(i);
      QCOMPARE(index.inRect(rect), expected);
      QPolygonF poly;
      for (int k = 0; k < 6; ++k) poly << QPointF(u(rng), u(rng));
      expected.clear();
      for (int i = 0; i < points; ++i)
        if (std::isfinite(x[size_t(i)]) && std::isfinite(y[size_t(i)]) &&
            poly.containsPoint(QPointF(x[size_t(i)], y[size_t(i)]), Qt::OddEvenFill))
          expected.push_back(i);
      QCOMPARE(index.inPolygon(poly), expected);
    }
  }

  void groupingKeepsTopKAndOther() {
    QStringList labels;
    for (int l = 0; l < 300; ++l)
      for (int k = 0; k <= l % 17; ++k) labels << QStringLiteral("attr%1").arg(l);
    labels << QString() << QString();
    const ui::Grouping g = ui::groupLabels(labels, 5, QStringLiteral("none"));
    QCOMPARE(g.distinctLabels, 300);
    QCOMPARE(g.names.size(), 7);  // 5 labels + other + none
    QCOMPARE(g.names[5], QStringLiteral("other (295 labels)"));
    QCOMPARE(g.names[6], QStringLiteral("none"));
    QCOMPARE(g.group.back(), 6);
    // The kept labels are the most frequent ones (17 occurrences each).
    for (int i = 0; i < 5; ++i) QCOMPARE(labels.count(g.names[i]), 17);
    int other = 0;
    for (int grp : g.group) other += grp == 5;
    QCOMPARE(other, int(labels.size()) - 2 - 5 * 17);
  }

  // ---- store round trips --------------------------------------------------------------------

  void projectionRoundTripThroughTheStore() {
    const QString path = dir_.filePath(QStringLiteral("roundtrip.sqlite"));
    store::RunStore db;
    QVERIFY(db.open(path).ok());
    const qint64 runId = finishedRun(db, 0, QStringLiteral("rt"));
    QVERIFY(runId > 0);
    const store::EmbeddingMatrix t = randomMatrix(400, 8, 5, 100);
    QVERIFY(db.saveEmbeddings(runId, store::kind::kAdjustment, t).ok());

    auto pca = analysis::pcaProjection(t, store::kind::kAdjustment);
    QVERIFY(pca.ok());
    QVERIFY(db.saveProjection(runId, pca.value()).ok());
    analysis::TsneOptions o;
    o.perplexity = 10;
    o.iterations = 300;
    o.maxPoints = 250;  // a sample: ids say which users
    o.seed = 42;
    auto ts = analysis::tsneProjection(t, store::kind::kAdjustment, o);
    QVERIFY(ts.ok());
    QVERIFY(!ts.value().cancelled);
    QVERIFY(db.saveProjection(runId, ts.value().projection).ok());

    // A new connection reads back exactly what was written, with its parameters.
    store::RunStore other;
    QVERIFY(other.open(path).ok());
    auto all = other.projections(runId);
    QVERIFY(all.ok());
    QCOMPARE(int(all.value().size()), 2);
    const store::Projection* p = analysis::findProjection(all.value(), store::kind::kAdjustment,
                                                          analysis::kTsne, o.toJson());
    QVERIFY(p);
    QCOMPARE(p->parameters, o.toJson());
    QCOMPARE(p->parameters.value(QStringLiteral("perplexity")).toDouble(), 10.0);
    QCOMPARE(p->parameters.value(QStringLiteral("max_points")).toInteger(), 250);
    QCOMPARE(p->ids, ts.value().projection.ids);
    QCOMPARE(p->xy, ts.value().projection.xy);
    QCOMPARE(int(p->ids.size()), 250);
    for (int64_t id : p->ids) QVERIFY(id >= 100 && id < 500);
    // Other parameters do not match it; recomputing with the same ones gives the same layout.
    analysis::TsneOptions o2 = o;
    o2.seed = 43;
    QVERIFY(!analysis::findProjection(all.value(), store::kind::kAdjustment, analysis::kTsne, o2.toJson()));
    auto again = analysis::tsneProjection(t, store::kind::kAdjustment, o);
    QVERIFY(again.ok());
    QCOMPARE(again.value().projection.xy, p->xy);
    const store::Projection* q = analysis::findProjection(all.value(), store::kind::kAdjustment, analysis::kPca);
    QVERIFY(q);
    QCOMPARE(q->xy, pca.value().xy);
    QCOMPARE(q->ids, t.ids);

    // Ranks survive the one-column matrix.
    const std::vector<int64_t> users{4, 9, 2}, ranks{0, 17, 12100};
    QVERIFY(db.saveEmbeddings(runId, analysis::kTestRankKind, analysis::ranksToMatrix(users, ranks)).ok());
    auto back = other.loadEmbeddings(runId, analysis::kTestRankKind);
    QVERIFY(back.ok());
    QCOMPARE(back.value().ids, users);
    QCOMPARE(analysis::ranksFromMatrix(back.value()).value(), ranks);
    store::EmbeddingMatrix bad = back.value();
    bad.values[1] = 2.5f;
    QVERIFY(!analysis::ranksFromMatrix(bad).ok());
  }

  void finishedRunHasPcaAndRanks() {
    train::RecordedRun::Setup setup;
    setup.dataset = dataset_;
    setup.config = tinyConfig();
    setup.storePath = storePath_;
    setup.name = QStringLiteral("explorer-tiny");
    setup.checkpointDir = dir_.filePath(QStringLiteral("ckpt"));
    train::RecordedRun run(setup);
    const train::RunOutcome outcome = run.run();
    QVERIFY2(outcome.status == train::RunStatus::Finished, qPrintable(outcome.message));
    trainedRun_ = run.runId();

    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    datasetId_ = db.run(trainedRun_).value().datasetId;
    auto projections = db.projections(trainedRun_);
    QVERIFY(projections.ok());
    for (const QString& kind : {store::kind::kAdjustment, store::kind::kSpurious, store::kind::kItem}) {
      const store::Projection* p = analysis::findProjection(projections.value(), kind, analysis::kPca);
      QVERIFY2(p, qPrintable(kind));
      auto m = db.loadEmbeddings(trainedRun_, kind);
      QVERIFY(m.ok());
      QCOMPARE(p->ids, m.value().ids);
      QCOMPARE(p->xy.size(), size_t(m.value().rows) * 2);
    }
    // The stored ranks are the test evaluation's: HR@10 and NDCG@10 recomputed from them equal
    // the recorded test metrics (full ranking, history masked, pessimistic ties).
    auto rankMatrix = db.loadEmbeddings(trainedRun_, analysis::kTestRankKind);
    QVERIFY(rankMatrix.ok());
    auto ranks = analysis::ranksFromMatrix(rankMatrix.value());
    QVERIFY(ranks.ok());
    auto t = db.loadEmbeddings(trainedRun_, store::kind::kAdjustment);
    QCOMPARE(rankMatrix.value().ids, t.value().ids);
    double hits = 0, ndcg = 0;
    for (int64_t r : ranks.value()) {
      QVERIFY(r >= 0 && r < dataset_->numItems());
      if (r < 10) {
        hits += 1;
        ndcg += 1.0 / std::log2(double(r) + 2);
      }
    }
    const double n = double(ranks.value().size());
    double storedHr = -1, storedNdcg = -1;
    auto summaries = db.metricSummaries(trainedRun_);
    QVERIFY(summaries.ok());
    for (const store::MetricSummary& s : summaries.value()) {
      if (s.key == QLatin1String("test/hr@10")) storedHr = s.lastValue;
      if (s.key == QLatin1String("test/ndcg@10")) storedNdcg = s.lastValue;
    }
    QVERIFY(storedHr >= 0);
    QVERIFY(qAbs(hits / n - storedHr) < 1e-9);
    QVERIFY(qAbs(ndcg / n - storedNdcg) < 1e-9);

    // The dataset's labels are stored for use without the dataset file.
    auto dominant = db.loadLabels(datasetId_, store::EntityKind::User, QStringLiteral("dominant_attribute"));
    QVERIFY(dominant.ok());
    QCOMPARE(qsizetype(dominant.value().ids.size()), qsizetype(dataset_->numUsers()));
    const auto attribute = analysis::dominantAttributes(*dataset_);
    for (int u : {0, 17, 2999})
      QCOMPARE(dominant.value().values[u], dataset_->attributeTokens.value(attribute[size_t(u)]));
    auto tokens = db.loadLabels(datasetId_, store::EntityKind::Item, QStringLiteral("token"));
    QVERIFY(tokens.ok());
    QCOMPARE(tokens.value().values.size(), qsizetype(dataset_->numItems()));
  }

  void oldRunWithoutRanksAndProjectionsOpens() {
    QVERIFY(trainedRun_ > 0);
    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    // A run as recorded before this change: embeddings only.
    const qint64 old = finishedRun(db, datasetId_, QStringLiteral("old-style"));
    for (const QString& kind : {store::kind::kAdjustment, store::kind::kSpurious, store::kind::kItem})
      QVERIFY(db.saveEmbeddings(old, kind, db.loadEmbeddings(trainedRun_, kind).value()).ok());
    QCOMPARE(int(db.projections(old).value().size()), 0);
    int computed = -1;
    auto loaded = ui::loadExplorerRun(storePath_, old, &computed);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().message()));
    QCOMPARE(computed, 3);
    QVERIFY(!loaded.value()->hasRanks);
    QVERIFY(loaded.value()->ranksNote.contains(QLatin1String("unavailable")));
    QCOMPARE(int(db.projections(old).value().size()), 3);  // stored for next time
    loaded = ui::loadExplorerRun(storePath_, old, &computed);
    QCOMPARE(computed, 0);

    // The panel shows it and says why there is no top-10 colouring.
    auto panel = openPanel(db, old);
    QVERIFY(panel);
    QVERIFY(panel->leftPlot()->index().indexed() > 0);
    QVERIFY(panel->message().contains(QLatin1String("Test ranks are unavailable")));
    panel->setColour(ExplorerPanel::Colour::TopTen);
    QVERIFY(panel->describe(0).contains(QLatin1String("unavailable")));
  }

  // ---- the panel -----------------------------------------------------------------------------

  void defaultIsNewestFinishedRunWithEmbeddings() {
    QVERIFY(trainedRun_ > 0);
    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    const qint64 empty = finishedRun(db, datasetId_, QStringLiteral("no-embeddings"));  // newest
    ExplorerPanel panel(&db, nullptr);
    QTest::qWait(100);
    QVERIFY(!panel.currentRun());  // nothing is read while the tab is hidden
    panel.show();
    QVERIFY(QTest::qWaitFor([&] { return panel.currentRun() != nullptr; }, 60000));
    QVERIFY(panel.currentRun()->info.id != empty);
    // Picking the run without embeddings says so instead of failing silently.
    QSignalSpy failed(&panel, &ExplorerPanel::runFailed);
    panel.selectRun(empty);
    QVERIFY(failed.wait(30000));
    QVERIFY(failed.at(0).at(1).toString().contains(QLatin1String("no stored embeddings")));
    db.deleteRun(empty);
  }

  void linkedSelectionSelectsTheSameUsers() {
    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    auto panel = openPanel(db, trainedRun_);
    QVERIFY(panel);
    ScatterView* t = panel->leftPlot();
    ScatterView* s = panel->rightPlot();
    QCOMPARE(t->pointCount(), panel->currentRun()->t.rows);
    QCOMPARE(s->pointCount(), t->pointCount());
    QVERIFY(s->index().indexed() > 0);

    // A real rubber band dragged across the middle of the t plot.
    panel->leftPlot()->setMode(ScatterView::Mode::Box);
    QCustomPlot* plot = t->plot();
    plot->replot();
    const QRect area = plot->axisRect()->rect();
    const QPoint a = area.center() - QPoint(area.width() / 5, area.height() / 5);
    const QPoint b = area.center() + QPoint(area.width() / 5, area.height() / 5);
    QMouseEvent press(QEvent::MouseButtonPress, a, plot->mapToGlobal(a), Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(plot, &press);
    for (int k = 1; k <= 5; ++k) {
      const QPoint p = a + (b - a) * k / 5;
      QMouseEvent move(QEvent::MouseMove, p, plot->mapToGlobal(p), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
      QCoreApplication::sendEvent(plot, &move);
    }
    QMouseEvent release(QEvent::MouseButtonRelease, b, plot->mapToGlobal(b), Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(plot, &release);

    const std::vector<int64_t> inT = panel->highlightedIds(t);
    QVERIFY(!inT.empty());
    QCOMPARE(panel->highlightedIds(s), inT);
    // Exactly the points inside the dragged rectangle, by the plot's own coordinates.
    const double x0 = plot->xAxis->pixelToCoord(a.x()), x1 = plot->xAxis->pixelToCoord(b.x());
    const double y0 = plot->yAxis->pixelToCoord(b.y()), y1 = plot->yAxis->pixelToCoord(a.y());
    std::vector<int64_t> expected;
    for (int64_t i = 0; i < t->pointCount(); ++i)
      if (t->x(i) >= x0 && t->x(i) <= x1 && t->y(i) >= y0 && t->y(i) <= y1)
        expected.push_back(panel->currentRun()->t.ids[size_t(i)]);
    QCOMPARE(inT, expected);
    // ... and listed, one table row per user.
    QCOMPARE(panel->selectionModel()->rowCount(), int(inT.size()));
    std::vector<int64_t> listed;
    for (int r = 0; r < panel->selectionModel()->rowCount(); ++r)
      listed.push_back(panel->selectionModel()->index(r, 1).data().toLongLong());
    QCOMPARE(listed, inT);

    // A lasso drawn with the mouse in the s plot selects the same users in t.
    s->setMode(ScatterView::Mode::Lasso);
    QCustomPlot* sp = s->plot();
    sp->replot();
    const QRect sr = sp->axisRect()->rect();
    const QPoint corners[] = {sr.bottomLeft() + QPoint(5, -5), QPoint(sr.center().x(), sr.top() + 5),
                              sr.bottomRight() + QPoint(-5, -5)};
    QPolygonF lassoData;
    QMouseEvent lassoPress(QEvent::MouseButtonPress, corners[0], sp->mapToGlobal(corners[0]), Qt::LeftButton,
                           Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(sp, &lassoPress);
    for (const QPoint& c : corners) {
      QMouseEvent move(QEvent::MouseMove, c, sp->mapToGlobal(c), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
      QCoreApplication::sendEvent(sp, &move);
    }
    QMouseEvent lassoRelease(QEvent::MouseButtonRelease, corners[2], sp->mapToGlobal(corners[2]), Qt::LeftButton,
                             Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(sp, &lassoRelease);
    // The press point and every move (the first corner twice) form the polygon, in data units.
    lassoData << corners[0] << corners[0] << corners[1] << corners[2];
    for (QPointF& p : lassoData) p = QPointF(sp->xAxis->pixelToCoord(p.x()), sp->yAxis->pixelToCoord(p.y()));
    std::vector<int64_t> expectedLasso;
    for (int64_t i = 0; i < s->pointCount(); ++i)
      if (std::isfinite(s->x(i)) && lassoData.containsPoint(QPointF(s->x(i), s->y(i)), Qt::OddEvenFill))
        expectedLasso.push_back(panel->currentRun()->t.ids[size_t(i)]);
    const std::vector<int64_t> inS = panel->highlightedIds(s);
    QCOMPARE(inS, expectedLasso);
    QVERIFY(!inS.empty());
    QCOMPARE(panel->highlightedIds(t), inS);
    QVERIFY(inS != inT);

    // CSV export of the list.
    const QString csv = dir_.filePath(QStringLiteral("selection.csv"));
    QVERIFY(ui::writeCsv(*panel->selectionModel(), csv));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(int(f.readAll().count('\n')), int(inS.size()) + 1);
    // PNG and PDF export of a plot.
    QVERIFY(t->exportTo(dir_.filePath(QStringLiteral("t.png"))));
    QVERIFY(t->exportTo(dir_.filePath(QStringLiteral("t.pdf"))));
    QVERIFY(QFileInfo(dir_.filePath(QStringLiteral("t.png"))).size() > 1000);
    QVERIFY(!t->exportTo(dir_.filePath(QStringLiteral("t.bmpx"))));
  }

  void hoverDetailsAndNeighbours() {
    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    auto panel = openPanel(db, trainedRun_);
    QVERIFY(panel);
    const auto run = panel->currentRun();
    const int64_t row = 5;
    const int64_t user = run->t.ids[size_t(row)];
    const QString text = panel->describe(row);
    QVERIFY2(text.contains(dataset_->userTokens[int(user)]), qPrintable(text));
    QVERIFY(text.contains(QLatin1String("test item")));
    QVERIFY(text.contains(dataset_->itemTokens[dataset_->sequences[size_t(user)].back()]));
    QVERIFY(text.contains(QStringLiteral("test rank</b> %1").arg(run->ranks[size_t(row)] + 1)));

    // Hovering the pixel of that point finds it through the index.
    ScatterView* t = panel->leftPlot();
    const QPointF pixel(t->plot()->xAxis->coordToPixel(t->x(row)), t->plot()->yAxis->coordToPixel(t->y(row)));
    const int64_t hit = t->pointAt(pixel, 0.5);
    QVERIFY(hit >= 0);
    QCOMPARE(t->x(hit), t->x(row));
    // A real mouse move there shows the hovered user's details.
    const QPoint at = pixel.toPoint();
    QMouseEvent move(QEvent::MouseMove, at, t->plot()->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(t->plot(), &move);
    const int64_t shown = t->pointAt(QPointF(at));
    QVERIFY(shown >= 0);
    QCOMPARE(panel->detailsText(), panel->describe(shown));

    QSignalSpy found(panel.get(), &ExplorerPanel::neighboursFound);
    panel->chooseUser(row);
    QVERIFY(found.wait(20000));
    QCOMPARE(panel->neighbourModel()->rowCount(), 10);
    // Best first, the user itself excluded.
    double previous = 2;
    for (int r = 0; r < 10; ++r) {
      const double cos = panel->neighbourModel()->index(r, 2).data(Qt::ToolTipRole).toDouble();
      QVERIFY(cos <= previous + 1e-6);
      previous = cos;
      QVERIFY(panel->neighbourModel()->keyOf(r) != row);
      QVERIFY(panel->neighbourModel()->index(r, 4).data(Qt::ToolTipRole).isValid());
    }
    // Centred cosine: the same ranking as nearestByCosine on the mean-subtracted matrix.
    store::EmbeddingMatrix c = run->t;
    for (int64_t k = 0; k < c.dim; ++k) {
      double mean = 0;
      for (int64_t i = 0; i < c.rows; ++i) mean += c.values[size_t(i * c.dim + k)];
      mean /= double(c.rows);
      for (int64_t i = 0; i < c.rows; ++i) c.values[size_t(i * c.dim + k)] -= float(mean);
    }
    auto expected = analysis::nearestByCosine(analysis::viewOf(c), row, 10);
    QVERIFY(expected.ok());
    auto* centred = panel->findChild<QCheckBox*>();
    QVERIFY(centred);
    found.clear();
    centred->setChecked(true);
    QVERIFY(found.wait(20000));
    for (int r = 0; r < 10; ++r) {
      QCOMPARE(panel->neighbourModel()->keyOf(r), expected.value()[size_t(r)].row);
      QVERIFY(qAbs(panel->neighbourModel()->index(r, 2).data(Qt::ToolTipRole).toDouble() -
                   expected.value()[size_t(r)].similarity) < 1e-5);
    }
  }

  void probeReadOutReportsTandS() {
    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    auto panel = openPanel(db, trainedRun_);
    QVERIFY(panel);
    QVERIFY(QTest::qWaitFor([&] { return panel->probeText().contains(QLatin1String("from s")); }, 120000));
    const QString text = panel->probeText();
    QVERIFY2(text.contains(QLatin1String("from t")), qPrintable(text));
    QVERIFY(text.contains(QLatin1String("majority baseline")));
    QVERIFY(text.contains(QLatin1String("dominant cluster")));  // synthetic truth
  }

  void tsneIsComputedStoredAndReopened() {
    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    analysis::TsneOptions o;
    o.perplexity = 10;
    o.iterations = 250;
    o.exaggerationIterations = 100;
    o.maxPoints = 1500;
    o.seed = 9;
    std::vector<double> firstX;
    {
      auto panel = openPanel(db, trainedRun_);
      QVERIFY(panel);
      QSignalSpy finished(panel.get(), &ExplorerPanel::tsneFinished);
      panel->computeTsne(o);
      QVERIFY(finished.wait(240000));
      QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
      QCOMPARE(panel->leftPlot()->index().indexed(), int64_t(1500));
      QCOMPARE(panel->rightPlot()->index().indexed(), int64_t(1500));
      for (int64_t i = 0; i < panel->leftPlot()->pointCount(); ++i) firstX.push_back(panel->leftPlot()->x(i));
    }
    auto stored = db.projections(trainedRun_, false);
    QVERIFY(analysis::findProjection(stored.value(), store::kind::kAdjustment, analysis::kTsne, o.toJson()));
    QVERIFY(analysis::findProjection(stored.value(), store::kind::kSpurious, analysis::kTsne, o.toJson()));
    // Reopened: shown from the store, identical, without computing.
    auto panel = openPanel(db, trainedRun_);
    QVERIFY(panel);
    QSignalSpy finished(panel.get(), &ExplorerPanel::tsneFinished);
    panel->computeTsne(o);
    QCOMPARE(finished.count(), 1);  // synchronous: already computed
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("already computed"));
    std::vector<double> againX;
    for (int64_t i = 0; i < panel->leftPlot()->pointCount(); ++i) againX.push_back(panel->leftPlot()->x(i));
    QCOMPARE(againX.size(), firstX.size());
    for (size_t i = 0; i < firstX.size(); ++i)
      QVERIFY(firstX[i] == againX[i] || (std::isnan(firstX[i]) && std::isnan(againX[i])));
    QVERIFY(panel->showProjection(analysis::kPca));
    QCOMPARE(panel->leftPlot()->index().indexed(), panel->currentRun()->t.rows);

    // A cancelled t-SNE stores nothing.
    analysis::TsneOptions slow = o;
    slow.iterations = 5000;
    slow.seed = 10;
    QSignalSpy cancelled(panel.get(), &ExplorerPanel::tsneFinished);
    panel->computeTsne(slow);
    panel->cancelTsne();
    QVERIFY(cancelled.wait(120000));
    QVERIFY(!cancelled.at(0).at(0).toBool());
    QVERIFY(!analysis::findProjection(db.projections(trainedRun_, false).value(), store::kind::kAdjustment,
                                      analysis::kTsne, slow.toJson()));
  }

  void itemViewColoursByAttribute() {
    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    auto panel = openPanel(db, trainedRun_);
    QVERIFY(panel);
    panel->setView(ExplorerPanel::View::Items);
    QVERIFY(!panel->rightPlot()->isVisible());
    QCOMPARE(panel->leftPlot()->pointCount(), int64_t(dataset_->numItems()));
    // One legend entry per kept attribute: every item of the synthetic data has a tag.
    QVERIFY(panel->leftPlot()->plot()->legend->itemCount() > 1);
    QVERIFY(panel->describe(0).contains(QLatin1String("tag")));
  }

  // ---- bad input -------------------------------------------------------------------------------

  void badInputGivesMessages_data() {
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("expected");
    QTest::newRow("damaged t blob") << "blob" << "cannot be read";
    QTest::newRow("t and s of different users") << "ids" << "no user id in common";
    QTest::newRow("NaN in t") << "nan" << "non-finite";
    QTest::newRow("baseline without s") << "no-s" << "no spurious embeddings";
    QTest::newRow("NaN coordinates in a stored projection") << "nan-xy" << "2 with non-finite coordinates left out";
  }

  void badInputGivesMessages() {
    QFETCH(QString, damage);
    QFETCH(QString, expected);
    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    const qint64 runId = finishedRun(db, datasetId_, QStringLiteral("bad-") + damage);
    store::EmbeddingMatrix t = db.loadEmbeddings(trainedRun_, store::kind::kAdjustment).value();
    store::EmbeddingMatrix s = db.loadEmbeddings(trainedRun_, store::kind::kSpurious).value();
    if (damage == QLatin1String("ids")) {
      for (int64_t& id : s.ids) id += 1000000;
    }
    if (damage == QLatin1String("nan")) t.values[3 * size_t(t.dim) + 1] = std::nanf("");
    QVERIFY(db.saveEmbeddings(runId, store::kind::kAdjustment, t).ok());
    if (damage != QLatin1String("no-s")) QVERIFY(db.saveEmbeddings(runId, store::kind::kSpurious, s).ok());
    if (damage == QLatin1String("nan-xy")) {
      auto p = analysis::pcaProjection(t, store::kind::kAdjustment);
      QVERIFY(p.ok());
      p.value().xy[0] = std::nanf("");
      p.value().xy[7] = std::numeric_limits<float>::infinity();
      QVERIFY(db.saveProjection(runId, p.value()).ok());
    }
    if (damage == QLatin1String("blob")) {
      store_test::withRawDb(storePath_, [&](QSqlDatabase& raw) {
        QSqlQuery q(raw);
        QVERIFY(q.exec(QStringLiteral("UPDATE embeddings SET vectors = X'0102' WHERE run_id = %1 AND "
                                      "kind = 'adjustment'").arg(runId)));
      });
    }
    ExplorerPanel panel(&db, nullptr);
    panel.show();
    panel.setDataset(dataset_);
    QSignalSpy loaded(&panel, &ExplorerPanel::runLoaded);
    QSignalSpy failed(&panel, &ExplorerPanel::runFailed);
    panel.selectRun(runId);
    QVERIFY(QTest::qWaitFor([&] { return loaded.count() + failed.count() > 0; }, 60000));
    QString said;
    if (failed.count() > 0) said = failed.at(0).at(1).toString();
    else said = panel.message() + QLatin1Char('\n') + panel.currentRun()->sNote + QLatin1Char('\n') +
                panel.leftPlot()->note() + QLatin1Char('\n') + panel.leftPlot()->message();
    QVERIFY2(said.contains(expected), qPrintable(said));
    db.deleteRun(runId);
  }

  void otherDatasetIsNamed() {
    store::RunStore db;
    QVERIFY(db.open(storePath_).ok());
    auto panel = openPanel(db, trainedRun_, false);
    QVERIFY(panel);
    QVERIFY(panel->message().contains(QLatin1String("No dataset loaded")));
    panel->setColour(ExplorerPanel::Colour::DominantAttribute);
    QVERIFY(panel->describe(0).contains(QLatin1String("load the run's dataset")));
    // Tokens and dominant attributes still come from the store: 5 tags in the legend.
    const int64_t user0 = panel->currentRun()->t.ids[0];
    QVERIFY(panel->describe(0).contains(dataset_->userTokens[int(user0)]));
    QCOMPARE(panel->leftPlot()->plot()->legend->itemCount(), 5);
    panel->setColour(ExplorerPanel::Colour::LengthBucket);
    QCOMPARE(panel->leftPlot()->plot()->legend->itemCount(), 1);  // "no label (dataset not loaded)"
    panel->setColour(ExplorerPanel::Colour::DominantAttribute);
    auto shifted = data::loadDataset(kShifted);
    QVERIFY(shifted.ok());
    panel->setDataset(std::make_shared<const data::Dataset>(std::move(shifted).value()));
    QVERIFY(QTest::qWaitFor([&] { return panel->message().contains(QLatin1String("not the one")); }, 20000));
  }
};

QTEST_MAIN(TestExplorer)
#include "test_explorer.moc"
