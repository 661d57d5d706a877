// `irl4rec runs list|show|delete|export` and `irl4rec project`, run as processes on a store
// filled through the API.
#include "core/store/run_store.h"
#include "support/cli_process.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>
#include <utility>
#include <vector>

using namespace irl4rec::store;

namespace {

using Result = irl4rec::testing::CliResult;

/// `irl4rec ARGS...` (the command first), without $IRL4REC_DB.
Result runCli(const QStringList& args) {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.remove(QStringLiteral("IRL4REC_DB"));
  return irl4rec::testing::runCliProcess(args, env, 60000);
}

/// `irl4rec runs ARGS...`
Result cli(const QStringList& args) { return runCli(QStringList{QStringLiteral("runs")} + args); }

QString readText(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

}  // namespace

class TestStoreCli : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString db_;
  QString uuid_;
  QString checkpoint_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath(QStringLiteral("runs.sqlite"));
    RunStore store;
    QVERIFY(store.open(db_).ok());
    auto ds = store.upsertDataset(DatasetRecord{0,
                                                QStringLiteral("Tiny"),
                                                QStringLiteral("/t.txt"),
                                                QStringLiteral("sequence-text"),
                                                QStringLiteral("fp"),
                                                {}});
    QVERIFY(ds.ok());
    QVERIFY(store
                .saveLabels(ds.value(), LabelColumn{EntityKind::User,
                                                    QStringLiteral("token"),
                                                    {0, 1, 2},
                                                    {QStringLiteral("u0"), QStringLiteral("u\t1"),
                                                     QStringLiteral("u2")}})
                .ok());
    QVERIFY(
        store
            .saveLabels(ds.value(), LabelColumn{EntityKind::User,
                                                QStringLiteral("dominant_attribute"),
                                                {0, 2},
                                                {QStringLiteral("Bikes"), QStringLiteral("Golf")}})
            .ok());
    auto other = store.createRun(NewRun{QStringLiteral("baseline"),
                                        QJsonObject{{QStringLiteral("seed"), 1}},
                                        ds.value(),
                                        RunStatus::Queued,
                                        {},
                                        {}});
    QVERIFY(other.ok());
    auto run = store.createRun(
        NewRun{QStringLiteral("irl4rec-beta"),
               QJsonObject{{QStringLiteral("beta"), 0.1}, {QStringLiteral("seed"), 2}},
               ds.value(),
               RunStatus::Running,
               QStringLiteral("note"),
               {QStringLiteral("t")}});
    QVERIFY(run.ok());
    uuid_ = run.value().uuid;
    const qint64 id = run.value().id;
    std::vector<MetricRow> rows;
    for (int i = 1; i <= 20; ++i)
      rows.push_back(MetricRow{QStringLiteral("loss/total"), i, 1 + i / 10, 2.0 / i, 0});
    // Ranking metrics improve upwards: the writer says so (train::metric::direction).
    rows.push_back(MetricRow{QStringLiteral("val/ndcg@10"), 10, 1, 0.125, 0, MetricDirection::Maximize});
    rows.push_back(MetricRow{QStringLiteral("val/ndcg@10"), 20, 2, 0.25, 0, MetricDirection::Maximize});
    QVERIFY(store.logMetrics(id, rows).ok());
    EmbeddingMatrix t{3, 2, {0, 1, 2}, {0.5f, -1.f, 2.f, 3.f, 1e-3f, 4.f}};
    QVERIFY(store.saveEmbeddings(id, kind::kAdjustment, t).ok());
    EmbeddingMatrix items{2, 2, {1, 2}, {1.f, 2.f, 3.f, 4.f}};
    QVERIFY(store.saveEmbeddings(id, kind::kItem, items).ok());
    // Per-user test ranks live beside the embeddings (the explorer's) but are not vectors.
    EmbeddingMatrix ranks{3, 1, {0, 1, 2}, {1.f, 40.f, 7.f}};
    QVERIFY(store.saveEmbeddings(id, QStringLiteral("test_rank"), ranks).ok());
    checkpoint_ = dir_.filePath(QStringLiteral("best.pt"));
    QFile f(checkpoint_);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("x");
    f.close();
    QVERIFY(store.addCheckpoint(id, checkpoint_, 2, 20, true).ok());
    QVERIFY(store.setStatus(id, RunStatus::Finished).ok());
  }

  void listsRuns() {
    const Result json =
        cli({QStringLiteral("list"), QStringLiteral("--db"), db_, QStringLiteral("--json")});
    QCOMPARE(json.code, 0);
    const QJsonArray runs = QJsonDocument::fromJson(json.out.toUtf8()).array();
    QCOMPARE(runs.size(), 2);
    const QJsonObject newest = runs[0].toObject();
    QCOMPARE(newest.value(QStringLiteral("uuid")).toString(), uuid_);
    QCOMPARE(newest.value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
    const QJsonObject ndcg = newest.value(QStringLiteral("metrics"))
                                 .toObject()
                                 .value(QStringLiteral("val/ndcg@10"))
                                 .toObject();
    QCOMPARE(ndcg.value(QStringLiteral("best")).toDouble(), 0.25);
    QCOMPARE(ndcg.value(QStringLiteral("count")).toInt(), 2);

    const Result text = cli({QStringLiteral("list"), QStringLiteral("--db"), db_});
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains(QStringLiteral("irl4rec-beta")));
    QVERIFY(text.out.contains(QStringLiteral("VAL NDCG@10")));
    QVERIFY(text.out.contains(QStringLiteral("0.25")));
    QVERIFY(text.out.contains(uuid_.left(8)));
  }

  void showsRun() {
    const Result json = cli({QStringLiteral("show"), QStringLiteral("irl4rec-beta"),
                             QStringLiteral("--db"), db_, QStringLiteral("--json")});
    QCOMPARE(json.code, 0);
    const QJsonObject run = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(run.value(QStringLiteral("uuid")).toString(), uuid_);
    QCOMPARE(
        run.value(QStringLiteral("config")).toObject().value(QStringLiteral("beta")).toDouble(),
        0.1);
    // adjustment, item and the per-user test ranks (shown as stored, one column)
    QCOMPARE(run.value(QStringLiteral("embeddings")).toArray().size(), 3);
    QCOMPARE(run.value(QStringLiteral("checkpoints")).toArray().size(), 1);
    const Result text = cli({QStringLiteral("show"), uuid_.left(6), QStringLiteral("--db"), db_});
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains(QStringLiteral("val/ndcg@10")));
    QVERIFY(text.out.contains(QStringLiteral("adjustment: 3 x 2")));
  }

  void exportsCsvAndJson() {
    const QString csv = dir_.filePath(QStringLiteral("m.csv"));
    Result r =
        cli({QStringLiteral("export"), uuid_, QStringLiteral("--format"), QStringLiteral("csv"),
             QStringLiteral("--out"), csv, QStringLiteral("--db"), db_});
    QCOMPARE(r.code, 0);
    const QStringList lines = readText(csv).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 23);
    QCOMPARE(lines[0], QStringLiteral("run,key,step,epoch,value,wall_time"));
    QVERIFY(lines[1].startsWith(uuid_ + QStringLiteral(",loss/total,1,1,2,")));

    const QString json = dir_.filePath(QStringLiteral("run.json"));
    r = cli({QStringLiteral("export"), uuid_, QStringLiteral("--format"), QStringLiteral("json"),
             QStringLiteral("--out"), json, QStringLiteral("--db"), db_});
    QCOMPARE(r.code, 0);
    const QJsonObject obj = QJsonDocument::fromJson(readText(json).toUtf8()).object();
    QCOMPARE(obj.value(QStringLiteral("metric_rows")).toArray().size(), 22);
    QCOMPARE(obj.value(QStringLiteral("name")).toString(), QStringLiteral("irl4rec-beta"));
  }

  void exportsProjectorFiles() {
    const QString out = dir_.filePath(QStringLiteral("projector"));
    const Result r = cli({QStringLiteral("export"), uuid_, QStringLiteral("--format"),
                          QStringLiteral("projector"), QStringLiteral("--out"), out,
                          QStringLiteral("--db"), db_});
    QCOMPARE(r.code, 0);
    const QStringList vectors = readText(out + QStringLiteral("/adjustment_vectors.tsv"))
                                    .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(vectors, (QStringList{QStringLiteral("0.5\t-1"), QStringLiteral("2\t3"),
                                   QStringLiteral("0.001\t4")}));
    const QStringList meta = readText(out + QStringLiteral("/adjustment_metadata.tsv"))
                                 .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(meta, (QStringList{QStringLiteral("user\tdominant_attribute\ttoken"),
                                QStringLiteral("0\tBikes\tu0"), QStringLiteral("1\t\tu 1"),
                                QStringLiteral("2\tGolf\tu2")}));
    // Items have no labels: a single metadata column without header.
    QCOMPARE(readText(out + QStringLiteral("/item_metadata.tsv")), QStringLiteral("1\n2\n"));
    const QString config = readText(out + QStringLiteral("/projector_config.pbtxt"));
    QVERIFY(config.contains(QStringLiteral("tensor_path: \"adjustment_vectors.tsv\"")));
    QVERIFY(config.contains(QStringLiteral("metadata_path: \"item_metadata.tsv\"")));
    QVERIFY2(!QFileInfo::exists(out + QStringLiteral("/test_rank_vectors.tsv")),
             "test ranks are not an embedding to project");

    const QString only = dir_.filePath(QStringLiteral("only-item"));
    QCOMPARE(cli({QStringLiteral("export"), uuid_, QStringLiteral("--format"),
                  QStringLiteral("projector"), QStringLiteral("--kind"), QStringLiteral("item"),
                  QStringLiteral("--out"), only, QStringLiteral("--db"), db_})
                 .code,
             0);
    QVERIFY(QFile::exists(only + QStringLiteral("/item_vectors.tsv")));
    QVERIFY(!QFile::exists(only + QStringLiteral("/adjustment_vectors.tsv")));
  }

  void comparesSeedGroups() {
    // `runs compare`: seed groups by group key, mean ± sample std per metric over the seeds,
    // and Welch's test against a reference group — checked against hand-computed values.
    const QString db = dir_.filePath(QStringLiteral("compare.sqlite"));
    {
      RunStore store;
      QVERIFY(store.open(db).ok());
      auto add = [&](const QString& group, const QString& model, double beta, int seed, double test) {
        const QJsonObject config{{QStringLiteral("model"), model}, {QStringLiteral("encoder"), QStringLiteral("sasrec")},
                                 {QStringLiteral("beta"), beta}, {QStringLiteral("seed"), QString::number(seed)}};
        NewRun nr{QStringLiteral("%1-s%2").arg(group).arg(seed), config, 0, RunStatus::Running, {}, {}, {}, group};
        auto run = store.createRun(nr);
        QVERIFY(run.ok());
        QVERIFY(store.logMetrics(run.value().id,
                                 {MetricRow{QStringLiteral("val/ndcg@10"), 1, 1, 0.05, 0, MetricDirection::Maximize},
                                  MetricRow{QStringLiteral("val/ndcg@10"), 2, 2, 0.06, 0, MetricDirection::Maximize},
                                  MetricRow{QStringLiteral("test/ndcg@10"), 2, 2, test, 0, MetricDirection::Maximize}})
                    .ok());
        QVERIFY(store.setStatus(run.value().id, RunStatus::Finished).ok());
      };
      add(QStringLiteral("base"), QStringLiteral("baseline"), 0, 1, 0.10);
      add(QStringLiteral("base"), QStringLiteral("baseline"), 0, 2, 0.12);
      add(QStringLiteral("base"), QStringLiteral("baseline"), 0, 3, 0.14);
      add(QStringLiteral("irl"), QStringLiteral("irl4rec"), 0.1, 1, 0.15);
      add(QStringLiteral("irl"), QStringLiteral("irl4rec"), 0.1, 2, 0.17);
    }
    const Result r = cli({QStringLiteral("compare"), QStringLiteral("--db"), db, QStringLiteral("--metrics"),
                          QStringLiteral("test/ndcg@10"), QStringLiteral("--reference"), QStringLiteral("base-s1"),
                          QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonArray groups = QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("groups")).toArray();
    QCOMPARE(groups.size(), 2);
    QJsonObject base, irl;
    for (const QJsonValue& g : groups) {
      const QJsonObject o = g.toObject();
      (o.value(QStringLiteral("baseline")).toBool() ? base : irl) = o;
    }
    QVERIFY(base.value(QStringLiteral("reference")).toBool());
    QCOMPARE(base.value(QStringLiteral("runs")).toArray().size(), 3);
    const QJsonObject b = base.value(QStringLiteral("metrics")).toObject().value(QStringLiteral("test/ndcg@10")).toObject();
    const QJsonObject i = irl.value(QStringLiteral("metrics")).toObject().value(QStringLiteral("test/ndcg@10")).toObject();
    QCOMPARE(b.value(QStringLiteral("n")).toInt(), 3);
    QVERIFY(std::abs(b.value(QStringLiteral("mean")).toDouble() - 0.12) < 1e-12);
    QVERIFY(std::abs(b.value(QStringLiteral("std")).toDouble() - 0.02) < 1e-12);
    QCOMPARE(i.value(QStringLiteral("n")).toInt(), 2);
    QVERIFY(std::abs(i.value(QStringLiteral("mean")).toDouble() - 0.16) < 1e-12);
    QVERIFY(std::abs(i.value(QStringLiteral("std")).toDouble() - std::sqrt(2.0) / 100) < 1e-12);
    QVERIFY(std::abs(i.value(QStringLiteral("change_percent")).toDouble() - 100.0 / 3) < 1e-9);
    // Welch: t = 0.04 / sqrt(0.02²/3 + 0.0141²/2) = 2.6186, df = 2.8824; two-sided p = 0.0824
    // (the t density integrated numerically over the tail, independently of the code).
    QVERIFY2(std::abs(i.value(QStringLiteral("p")).toDouble() - 0.0824) < 0.0005,
             qPrintable(QString::number(i.value(QStringLiteral("p")).toDouble())));
    // The table names both groups and the comparison.
    const Result text = cli({QStringLiteral("compare"), QStringLiteral("--db"), db, QStringLiteral("--reference"), QStringLiteral("1")});
    QCOMPARE(text.code, 0);
    QVERIFY2(text.out.contains(QLatin1String("5 runs in 2 groups")), qPrintable(text.out));
    QVERIFY2(text.out.contains(QStringLiteral("0.1200 ± 0.0200")), qPrintable(text.out));
    QVERIFY2(text.out.contains(QLatin1String("+33%")), qPrintable(text.out));
  }

  void rejectsBadInput_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QString db = QStringLiteral("@DB@");
    QTest::newRow("no command") << QStringList{} << "needs a command";
    QTest::newRow("unknown command") << QStringList{QStringLiteral("frob")} << "unknown command";
    QTest::newRow("show without run")
        << QStringList{QStringLiteral("show"), QStringLiteral("--db"), db} << "exactly one RUN";
    QTest::newRow("unknown run") << QStringList{QStringLiteral("show"), QStringLiteral("nosuchrun"),
                                                QStringLiteral("--db"), db}
                                 << "no run 'nosuchrun'";
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("list"), QStringLiteral("--frob"), QStringLiteral("--db"), db}
        << "unknown option";
    QTest::newRow("missing db") << QStringList{QStringLiteral("list"), QStringLiteral("--db"),
                                               QStringLiteral("/nonexistent/x.sqlite")}
                                << "no run store here";
    QTest::newRow("not a store") << QStringList{QStringLiteral("list"), QStringLiteral("--db"),
                                                QStringLiteral("@TEXT@")}
                                 << "not an SQLite database";
    QTest::newRow("bad format")
        << QStringList{QStringLiteral("export"),   QStringLiteral("irl4rec-beta"),
                       QStringLiteral("--format"), QStringLiteral("xml"),
                       QStringLiteral("--out"),    QStringLiteral("x"),
                       QStringLiteral("--db"),     db}
        << "unknown export format";
    QTest::newRow("no out") << QStringList{QStringLiteral("export"),
                                           QStringLiteral("irl4rec-beta"),
                                           QStringLiteral("--format"),
                                           QStringLiteral("csv"),
                                           QStringLiteral("--db"),
                                           db}
                            << "needs --out";
    QTest::newRow("no such kind")
        << QStringList{QStringLiteral("export"),   QStringLiteral("irl4rec-beta"),
                       QStringLiteral("--format"), QStringLiteral("projector"),
                       QStringLiteral("--kind"),   QStringLiteral("spurious"),
                       QStringLiteral("--out"),    QStringLiteral("@TMP@"),
                       QStringLiteral("--db"),     db}
        << "no 'spurious' embeddings";
    QTest::newRow("compare: no such group")
        << QStringList{QStringLiteral("compare"), QStringLiteral("--reference"), QStringLiteral("99"),
                       QStringLiteral("--db"), db}
        << "--reference 99: there are";
    QTest::newRow("compare: bad status")
        << QStringList{QStringLiteral("compare"), QStringLiteral("--status"), QStringLiteral("done"),
                       QStringLiteral("--db"), db}
        << "unknown status 'done'";
  }
  void rejectsBadInput() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const QString text = dir_.filePath(QStringLiteral("notes.txt"));
    QFile f(text);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("just text\n");
    f.close();
    for (QString& a : args) {
      a.replace(QStringLiteral("@DB@"), db_)
          .replace(QStringLiteral("@TEXT@"), text)
          .replace(QStringLiteral("@TMP@"), dir_.filePath(QStringLiteral("k")));
    }
    const Result r = cli(args);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
    QVERIFY(r.err.startsWith(QStringLiteral("irl4rec: ")));
  }

  // Last: removes the run.
  void deletesRun() {
    QVERIFY(QFile::exists(checkpoint_));
    const Result r = cli({QStringLiteral("delete"), uuid_.left(8), QStringLiteral("--db"), db_});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains(uuid_));
    QVERIFY(!QFile::exists(checkpoint_));
    QCOMPARE(cli({QStringLiteral("show"), uuid_, QStringLiteral("--db"), db_}).code, 2);
    const Result list =
        cli({QStringLiteral("list"), QStringLiteral("--db"), db_, QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(list.out.toUtf8()).array().size(), 1);
  }

  void projectsStoredEmbeddings() {
    // 60 users in two far-apart groups of 30 (4 dimensions), the shape t-SNE must keep.
    qint64 runId = 0;
    {
      RunStore store;
      QVERIFY(store.open(db_).ok());
      auto run = store.createRun(NewRun{QStringLiteral("two-groups"), QJsonObject{{QStringLiteral("seed"), 3}},
                                        0, RunStatus::Running, {}, {}});
      QVERIFY(run.ok());
      runId = run.value().id;
      EmbeddingMatrix t{60, 4, {}, {}};
      for (int u = 0; u < 60; ++u) {
        t.ids.push_back(u);
        const float centre = u < 30 ? -10.f : 10.f;
        for (int d = 0; d < 4; ++d) t.values.push_back(centre + 0.01f * float((u * 37 + d * 11) % 97 - 48));
      }
      QVERIFY(store.saveEmbeddings(runId, kind::kAdjustment, t).ok());
      QVERIFY(store.saveEmbeddings(runId, QStringLiteral("test_rank"),
                                   EmbeddingMatrix{3, 1, {0, 1, 2}, {3.f, 9.f, 1.f}}).ok());
      QVERIFY(store.setStatus(runId, RunStatus::Finished).ok());
    }
    const QString csv = dir_.filePath(QStringLiteral("pca.csv"));
    Result r = runCli({QStringLiteral("project"), QStringLiteral("two-groups"), QStringLiteral("--method"),
                        QStringLiteral("pca"), QStringLiteral("--out"), csv, QStringLiteral("--db"), db_});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QStringList lines = readText(csv).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 61);
    QCOMPARE(lines.front(), QStringLiteral("id,label,x,y"));
    // PCA's first axis separates the groups: x of user 0 and user 59 have opposite signs.
    const double x0 = lines[1].split(QLatin1Char(',')).value(2).toDouble();
    const double x59 = lines[60].split(QLatin1Char(',')).value(2).toDouble();
    QVERIFY2(x0 * x59 < 0, qPrintable(lines[1] + QLatin1Char(' ') + lines[60]));

    const QStringList tsne{QStringLiteral("project"), QStringLiteral("two-groups"), QStringLiteral("--perplexity"),
                           QStringLiteral("5"), QStringLiteral("--iterations"), QStringLiteral("1000"),
                           QStringLiteral("--json"), QStringLiteral("--db"), db_};
    r = runCli(tsne);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject summary = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(summary.value(QStringLiteral("points")).toInt(), 60);
    QCOMPARE(summary.value(QStringLiteral("method")).toString(), QStringLiteral("tsne"));
    // Equal parameters replace the stored projection instead of adding one.
    QCOMPARE(runCli(tsne).code, 0);
    {
      RunStore store;
      QVERIFY(store.open(db_).ok());
      auto projections = store.projections(runId);
      QVERIFY(projections.ok());
      int pca = 0, tsneCount = 0;
      const Projection* layout = nullptr;
      for (const Projection& p : projections.value()) {
        QCOMPARE(p.kind, kind::kAdjustment);
        if (p.method == QLatin1String("pca")) ++pca;
        if (p.method == QLatin1String("tsne")) ++tsneCount, layout = &p;
      }
      QCOMPARE(pca, 1);
      QCOMPARE(tsneCount, 1);
      QCOMPARE(layout->parameters.value(QStringLiteral("perplexity")).toDouble(), 5.0);
      QCOMPARE(int(layout->ids.size()), 60);
      // The groups stay apart: every point's nearest neighbour in the layout is of its group.
      for (size_t i = 0; i < 60; ++i) {
        size_t nearest = i;
        double best = INFINITY;
        for (size_t j = 0; j < 60; ++j) {
          const double d2 = std::pow(layout->xy[2 * i] - layout->xy[2 * j], 2) +
                            std::pow(layout->xy[2 * i + 1] - layout->xy[2 * j + 1], 2);
          if (j != i && d2 < best) best = d2, nearest = j;
        }
        QVERIFY2((layout->ids[i] < 30) == (layout->ids[nearest] < 30),
                 qPrintable(QStringLiteral("user %1 next to user %2").arg(layout->ids[i]).arg(layout->ids[nearest])));
      }
    }

    // Bad input: exit 2 and one line naming the problem; nothing is stored.
    const std::pair<QStringList, QString> bad[] = {
        {{QStringLiteral("--kind"), QStringLiteral("spurious")}, QStringLiteral("has no 'spurious' embeddings")},
        {{QStringLiteral("--kind"), QStringLiteral("test_rank"), QStringLiteral("--method"), QStringLiteral("pca")},
         QStringLiteral("needs at least 2 columns")},
        {{QStringLiteral("--perplexity"), QStringLiteral("50")}, QStringLiteral("perplexity 50 is too large for 60 points")},
        {{QStringLiteral("--iterations"), QStringLiteral("0")}, QStringLiteral("--iterations must be")},
        {{QStringLiteral("--method"), QStringLiteral("umap")}, QStringLiteral("unknown method 'umap'")},
        {{QStringLiteral("--no-store")}, QStringLiteral("--no-store without --out")}};
    for (const auto& [extra, message] : bad) {
      const Result e = runCli(QStringList{QStringLiteral("project"), QStringLiteral("two-groups"),
                                           QStringLiteral("--quiet"), QStringLiteral("--db"), db_} + extra);
      QCOMPARE(e.code, 2);
      QVERIFY2(e.err.contains(message), qPrintable(e.err));
      QCOMPARE(e.err.count(QLatin1Char('\n')), 1);
    }
    const Result unknown = runCli({QStringLiteral("project"), QStringLiteral("nosuchrun"), QStringLiteral("--db"), db_});
    QCOMPARE(unknown.code, 2);
    QVERIFY2(unknown.err.contains(QStringLiteral("no run 'nosuchrun'")), qPrintable(unknown.err));
    RunStore store;
    QVERIFY(store.open(db_).ok());
    QCOMPARE(int(store.projections(runId).value().size()), 2);
  }

  /// Four `irl4rec train` processes and a reader in this process share one file. Regression:
  /// open() used to read the file header with QFile, and closing that descriptor dropped the
  /// process's SQLite locks, so concurrent writers corrupted the store ("malformed").
  void concurrentTrainingProcessesKeepTheFileIntact() {
    const QString db = dir_.filePath(QStringLiteral("concurrent.sqlite"));
    const QString sample = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");
    std::vector<std::unique_ptr<QProcess>> writers;
    for (int seed = 1; seed <= 4; ++seed) {
      auto p = std::make_unique<QProcess>();
      p->start(QStringLiteral(IRL4REC_CLI_PATH),
               {QStringLiteral("train"), QStringLiteral("--data"), sample, QStringLiteral("--db"), db,
                QStringLiteral("--hidden"), QStringLiteral("16"), QStringLiteral("--layers"),
                QStringLiteral("1"), QStringLiteral("--epochs"), QStringLiteral("3"),
                QStringLiteral("--seed"), QString::number(seed), QStringLiteral("--quiet"),
                QStringLiteral("--name"), QStringLiteral("concurrent-%1").arg(seed)});
      QVERIFY(p->waitForStarted());
      writers.push_back(std::move(p));
    }
    // Poll like the GUI does while they write.
    irl4rec::store::RunStore reader;
    bool readerOpen = false;
    auto running = [&] {
      for (auto& p : writers) {
        if (p->state() != QProcess::NotRunning) return true;
      }
      return false;
    };
    while (running()) {
      QTest::qWait(200);
      if (!readerOpen && QFile::exists(db)) readerOpen = reader.open(db).ok();
      if (readerOpen) {
        auto runs = reader.listRuns();
        QVERIFY2(runs.ok(), qPrintable(runs.ok() ? QString() : runs.error().message()));
      }
    }
    for (auto& p : writers) {
      // A crash is not an exit code: QProcess reports the signal there.
      QCOMPARE(p->exitStatus(), QProcess::NormalExit);
      QVERIFY2(p->exitCode() == 0, p->readAllStandardError().constData());
    }
    reader.close();
    irl4rec::store::RunStore store;
    QVERIFY(store.open(db).ok());
    auto runs = store.listRuns();
    QVERIFY(runs.ok());
    QCOMPARE(int(runs.value().size()), 4);
    for (const auto& e : runs.value()) {
      QVERIFY(e.run.status == irl4rec::store::RunStatus::Finished);
      QVERIFY(e.metric(QStringLiteral("test/ndcg@10")) != nullptr);
    }
    store.close();
    {
      QSqlDatabase check = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("integrity"));
      check.setDatabaseName(db);
      QVERIFY(check.open());
      QSqlQuery q(check);
      QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
      QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("integrity"));
  }
};

QTEST_GUILESS_MAIN(TestStoreCli)
#include "test_store_cli.moc"
