// Sweeps (issue 14): the spec and its deterministic plan, bad specs refused with file:line, local
// sweeps through worker processes (all finished, resume after a kill without duplicates, a
// failed worker recorded with its stderr), and `runs import` of shards (idempotent by uuid).
#include "sweep/sweep_test_util.h"

#include "core/store/run_import.h"
#include "core/store/run_store.h"
#include "core/train/sweep_runner.h"
#include "core/train/sweep_slurm.h"
#include "core/train/recipes.h"
#include "core/train/sweep_spec.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <cmath>
#include <map>

using namespace irl4rec;
using namespace sweep_test;

namespace {

const char* const kGridSpec = R"({
  "name": "grid",
  "base": {"model": "irl4rec", "hidden_size": 16, "heads": 1, "epochs": 1},
  "datasets": ["iid.txt"],
  "seeds": [1, 2],
  "axes": {
    "beta": [0, 0.1, 0.01],
    "gamma": {"log_uniform": [0.001, 1], "count": 3},
    "hidden_size": {"uniform": [8, 32], "count": 2}
  },
  "sample_seed": 7,
  "select": "val/ndcg@10"
})";

train::SweepPlan planOf(const QByteArray& text, const QString& path = QStringLiteral("/tmp/spec.json")) {
  auto spec = train::SweepSpec::parse(text, path);
  if (!spec.ok()) qFatal("spec: %s", qPrintable(spec.error().message()));
  auto plan = train::planSweep(spec.value());
  if (!plan.ok()) qFatal("plan: %s", qPrintable(plan.error().message()));
  return plan.value();
}

QStringList idsOf(const train::SweepPlan& p) {
  QStringList ids;
  for (const auto& r : p.runs) ids << r.id;
  return ids;
}

/// True once process `pid` has gone (waits up to a minute).
bool waitGone(qint64 pid) {
  QElapsedTimer t;
  t.start();
  while (QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid))) {
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    // A zombie (state Z) has exited; only its parent's wait is missing.
    if (stat.open(QIODevice::ReadOnly) && stat.readAll().split(' ').value(2) == "Z") return true;
    if (t.elapsed() > 60000) return false;
    QThread::msleep(50);
  }
  return true;
}

qint64 count(const QString& db, const QString& where = QStringLiteral("1")) {
  return store_test::scalar(db, QStringLiteral("SELECT count(*) FROM runs WHERE %1").arg(where));
}

}  // namespace

class TestSweep : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // ---- the plan ---------------------------------------------------------------------------

  void planIsDeterministic() {
    const train::SweepPlan a = planOf(kGridSpec);
    const train::SweepPlan b = planOf(kGridSpec);
    // 3 beta x (up to) 3 gamma x (up to) 2 hidden sizes x 2 seeds: sampled values that
    // coincide are kept once.
    QSet<double> gammas;
    QSet<int> hiddens;
    for (const auto& r : a.runs) gammas.insert(r.config.gamma), hiddens.insert(r.config.hiddenSize);
    QVERIFY(gammas.size() >= 2 && hiddens.size() >= 1);
    const int expected = 3 * int(gammas.size()) * int(hiddens.size()) * 2;
    QCOMPARE(int(a.runs.size()), expected);
    QCOMPARE(idsOf(a), idsOf(b));
    const QStringList ids = idsOf(a);
    QCOMPARE(int(QSet<QString>(ids.begin(), ids.end()).size()), expected);
    for (const auto& r : a.runs) {
      const double gamma = r.config.gamma;
      QVERIFY2(gamma >= 0.001 && gamma <= 1, qPrintable(QString::number(gamma)));
      QCOMPARE(QString::number(gamma, 'g', 4).toDouble(), gamma);  // four significant digits
      QVERIFY(r.config.hiddenSize >= 8 && r.config.hiddenSize <= 32);
      QVERIFY(r.config.seed == 1 || r.config.seed == 2);
      QCOMPARE(r.dataPath, QStringLiteral("/tmp/iid.txt"));
      QCOMPARE(r.id, train::sweepRunId(QStringLiteral("iid.txt"), r.config));
    }
    QCOMPARE(a.axisKeys, (QStringList{"beta", "gamma", "hidden_size"}));
    // Seeds are the innermost loop: consecutive runs differ only by seed.
    QCOMPARE(a.runs[0].point, a.runs[1].point);
    QVERIFY(a.runs[0].config.seed != a.runs[1].config.seed);
    // Another sampling seed samples other values.
    QByteArray other = kGridSpec;
    other.replace("\"sample_seed\": 7", "\"sample_seed\": 8");
    QVERIFY(idsOf(planOf(other)) != idsOf(a));
  }

  void extendedSpecKeepsRunIds() {
    const char* small = R"({"base": {"model": "irl4rec", "epochs": 1}, "datasets": "iid.txt",
                           "seeds": [1], "axes": {"beta": [0, 0.1]}})";
    const char* extended = R"({"base": {"model": "irl4rec", "epochs": 1}, "datasets": "iid.txt",
                              "seeds": [1, 2], "axes": {"beta": [0, 0.1, 0.5]}})";
    // The same axis on a baseline is refused when planning (TrainConfig::validate's rule).
    auto baseline = train::SweepSpec::parse(
        R"({"base": {"epochs": 1}, "datasets": "iid.txt", "seeds": [1], "axes": {"beta": [0, 0.1]}})",
        QStringLiteral("/tmp/baseline.json"));
    QVERIFY(baseline.ok());
    auto refused = train::planSweep(baseline.value());
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message().contains(QStringLiteral("a baseline ignores alpha, beta and gamma")),
             qPrintable(refused.error().message()));
    const QStringList before = idsOf(planOf(small));
    const QStringList after = idsOf(planOf(extended));
    QCOMPARE(before.size(), 2);
    QCOMPARE(after.size(), 6);
    for (const QString& id : before) QVERIFY2(after.contains(id), qPrintable(id));
    // The spec's name and where it lies do not change the ids; the dataset as written does.
    QCOMPARE(idsOf(planOf(small, QStringLiteral("/elsewhere/other-name.json"))), before);
  }

  void randomSearch() {
    const char* spec = R"({"datasets": ["a.txt", "b.txt"], "search": "random", "trials": 5,
                         "sample_seed": 3, "base": {"model": "irl4rec"},
                         "axes": {"lr": {"log_uniform": [0.0001, 0.01]}, "loss": ["bce", "ce"]}})";
    const train::SweepPlan p = planOf(spec);
    QCOMPARE(int(p.runs.size()), 10);  // 5 trials x 2 datasets, the base seed
    QCOMPARE(idsOf(planOf(spec)), idsOf(p));
    for (const auto& r : p.runs) {
      QVERIFY(r.config.lr >= 0.0001 && r.config.lr <= 0.01);
      QCOMPARE(r.config.seed, uint64_t(42));
    }
    QVERIFY(p.runs[0].name.contains(QLatin1String("a ")));
  }

  void pointsCrossTheAxes() {
    const char* spec = R"({"datasets": "x.txt", "base": {"model": "irl4rec"}, "seeds": [1],
                         "points": [{"loss": "ce"}, {"loss": "bce", "dropout": 0.2}],
                         "axes": {"beta": [0, 1]}})";
    const train::SweepPlan p = planOf(spec);
    QCOMPARE(int(p.runs.size()), 4);
    QVERIFY(p.runs[2].config.loss == train::LossKind::Bce);
    QCOMPARE(p.runs[2].config.dropout, 0.2);
    QCOMPARE(p.runs[3].config.beta, 1.0);
    QCOMPARE(p.runs[0].config.dropout, 0.5);  // the base's (default) dropout where no point sets it
    QVERIFY(p.runs[2].name.contains(QLatin1String("dropout=0.2")));
    // The specs converted from bench/results.sh plan.
    for (const char* name : {"syn-sweep", "beauty-tune", "beauty-irl-weights"}) {
      auto s = train::SweepSpec::read(QStringLiteral(IRL4REC_SOURCE_DIR "/bench/sweeps/%1.json").arg(QLatin1String(name)));
      QVERIFY2(s.ok(), name);
      auto plan = train::planSweep(s.value());
      QVERIFY2(plan.ok(), qPrintable(plan.ok() ? QString() : plan.error().message()));
    }
    auto example = train::SweepSpec::read(QStringLiteral(IRL4REC_SOURCE_DIR "/docs/examples/sweep-synthetic.json"));
    QVERIFY(example.ok());
    QCOMPARE(int(train::planSweep(example.value()).value().runs.size()), 12);
  }

  void recipeIsTheBase() {
    const char* spec = R"({"datasets": "x.txt", "recipe": "xu2024-sasrec-ce", "base": {"epochs": 3},
                         "axes": {"dropout": [0.2, 0.3]}})";
    const train::SweepPlan p = planOf(spec);
    QCOMPARE(int(p.runs.size()), 2);
    auto recipe = train::findRecipe(QStringLiteral("xu2024-sasrec-ce"));
    QVERIFY(recipe.ok());
    QVERIFY(p.runs[0].config.loss == recipe.value().config.loss);
    QCOMPARE(p.runs[0].config.hiddenSize, recipe.value().config.hiddenSize);
    QCOMPARE(p.runs[0].config.epochs, 3);  // base overrides the recipe
    QCOMPARE(p.runs[1].config.dropout, 0.3);
  }

  // ---- bad specs: one line, file:line: cause, exit 2 ----------------------------------------

  void badSpec_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("cause");
    QTest::newRow("unknown field") << QByteArray("{\n  \"datasets\": [\"iid.txt\"],\n  \"axis\": {}\n}")
                                   << 3 << QStringLiteral("unknown field 'axis'");
    QTest::newRow("wrong type") << QByteArray("{\n  \"datasets\": [\"iid.txt\"],\n  \"axes\": {\n"
                                              "    \"beta\": [0, \"x\"]\n  }\n}")
                                << 4 << QStringLiteral("'beta' must be a number");
    QTest::newRow("empty axis") << QByteArray("{\n  \"datasets\": [\"iid.txt\"],\n  \"axes\": {\n"
                                              "    \"beta\": [0.1],\n    \"gamma\": []\n  }\n}")
                                << 5 << QStringLiteral("axis 'gamma': empty");
    QTest::newRow("unknown axis key") << QByteArray("{\"datasets\": [\"iid.txt\"],\n\"axes\": {\"betta\": [1]}}")
                                      << 2 << QStringLiteral("axis 'betta': unknown config key");
    QTest::newRow("range without count")
        << QByteArray("{\"datasets\": [\"iid.txt\"],\n\"axes\": {\n\"lr\": {\"uniform\": [0.001, 0.01]}}}")
        << 3 << QStringLiteral("needs \"count\"");
    QTest::newRow("zero count")
        << QByteArray("{\"datasets\": [\"iid.txt\"],\n\"axes\": {\n\"lr\": {\"uniform\": [0.001, 0.01], \"count\": 0}}}")
        << 3 << QStringLiteral("empty");
    QTest::newRow("invalid json") << QByteArray("{\n  \"datasets\": [\"iid.txt\"]\n  \"seeds\": [1]\n}")
                                  << 3 << QStringLiteral("invalid JSON");
    QTest::newRow("test metric selects") << QByteArray("{\"datasets\": \"iid.txt\",\n\"select\": \"test/ndcg@10\"}")
                                         << 2 << QStringLiteral("validation metric");
    QTest::newRow("seed as axis") << QByteArray("{\"datasets\": \"iid.txt\",\n\"axes\": {\"seed\": [1, 2]}}")
                                  << 2 << QStringLiteral("\"seeds\"");
    QTest::newRow("unknown base key") << QByteArray("{\"datasets\": \"iid.txt\",\n\"base\": {\n\"lr\": 0.01,\n\"hiden_size\": 8}}")
                                      << 4 << QStringLiteral("unknown config key 'hiden_size'");
    QTest::newRow("empty seeds") << QByteArray("{\"datasets\": \"iid.txt\",\n\n\"seeds\": []}")
                                 << 3 << QStringLiteral("\"seeds\" is empty");
    QTest::newRow("unknown key in a point") << QByteArray("{\"datasets\": \"x.txt\",\n\"points\": [{\"loss\": \"ce\"}, {\"los\": 1}]}")
                                            << 2 << QStringLiteral("point 2: unknown config key 'los'");
    QTest::newRow("no datasets") << QByteArray("{\"seeds\": [1]}") << 1 << QStringLiteral("missing \"datasets\"");
    QTest::newRow("invalid run") << QByteArray("{\"datasets\": \"iid.txt\", \"base\": {\"hidden_size\": 16},\n"
                                               "\"axes\": {\"heads\": [1, 3]}}")
                                 << 2 << QStringLiteral("heads (3) must divide the hidden size");
    QTest::newRow("test_data not a path") << QByteArray("{\"datasets\": \"iid.txt\",\n\"test_data\": 3}")
                                          << 2 << QStringLiteral("\"test_data\" must be the path");
    QTest::newRow("unknown recipe") << QByteArray("{\"datasets\": \"iid.txt\",\n\"recipe\": \"sasrec-beauty\"}")
                                    << 2 << QStringLiteral("recipe 'sasrec-beauty'");
  }

  void badSpec() {
    QFETCH(QByteArray, text);
    QFETCH(int, line);
    QFETCH(QString, cause);
    QTemporaryDir dir;
    const QString path = writeFile(dir.filePath(QStringLiteral("bad.json")), text);
    for (const QString& command : {QStringLiteral("plan"), QStringLiteral("run")}) {
      const Result r = runCli({QStringLiteral("sweep"), command, path, QStringLiteral("--db"),
                               dir.filePath(QStringLiteral("runs.sqlite"))});
      QCOMPARE(r.code, 2);
      QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
      QVERIFY2(r.err.startsWith(QStringLiteral("irl4rec: %1:%2: ").arg(path).arg(line)), qPrintable(r.err));
      QVERIFY2(r.err.contains(cause), qPrintable(r.err));
    }
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("runs.sqlite"))));
  }

  void submitWithoutSbatchSaysSo() {
    QTemporaryDir dir;
    const QString spec = writeSpec(dir.filePath(QStringLiteral("s.json")),
                                   {{QStringLiteral("datasets"), syntheticData()}});
    QProcessEnvironment env;
    env.insert(QStringLiteral("PATH"), dir.path());  // no sbatch here
    const Result r = runCli({QStringLiteral("sweep"), QStringLiteral("submit"), spec, QStringLiteral("--slurm")},
                            60000, env);
    QCOMPARE(r.code, 2);
    QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
    QVERIFY2(r.err.contains(QLatin1String("sbatch not found")), qPrintable(r.err));
  }

  void sbatchScriptRunsEachRunOnce() {
    const train::SweepPlan p = planOf(kGridSpec);
    train::SlurmOptions o;
    o.partition = QStringLiteral("gpu");
    o.time = QStringLiteral("0:30:00");
    o.cpusPerTask = 2;
    o.maxParallel = 4;
    o.sharedDir = QStringLiteral("/shared/it's");
    o.program = QStringLiteral("/opt/irl4rec/bin/irl4rec");
    const QStringList ids = idsOf(p).mid(0, 5);
    const QString s = train::sbatchScript(p, ids, o);
    QVERIFY(s.startsWith(QLatin1String("#!/bin/bash\n")));
    QVERIFY(s.contains(QLatin1String("#SBATCH --array=0-4%4\n")));
    QVERIFY(s.contains(QLatin1String("#SBATCH --partition=gpu\n")));
    QVERIFY(s.contains(QLatin1String("#SBATCH --time=0:30:00\n")));
    QVERIFY(s.contains(QLatin1String("#SBATCH --cpus-per-task=2\n")));
    for (const QString& id : ids) QCOMPARE(s.count(id), 1);
    QVERIFY(s.contains(QLatin1String("'/shared/it'\\''s/shard-'\"$run\".sqlite")));
    QVERIFY(s.contains(QLatin1String("exec '/opt/irl4rec/bin/irl4rec' sweep task")));
  }

  // ---- local sweeps ------------------------------------------------------------------------

  void localSweepTrainsEveryRunOnce() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
    QJsonObject spec{{QStringLiteral("name"), QStringLiteral("local")},
                     {QStringLiteral("base"), tinyBase(1)},
                     {QStringLiteral("datasets"), syntheticData()},
                     {QStringLiteral("seeds"), QJsonArray{1, 2}},
                     {QStringLiteral("axes"), QJsonObject{{QStringLiteral("beta"), QJsonArray{0.0, 0.1}}}}};
    const QString path = writeSpec(dir.filePath(QStringLiteral("local.json")), spec);
    const Result r = runCli({QStringLiteral("sweep"), QStringLiteral("run"), path, QStringLiteral("--parallel"),
                             QStringLiteral("2"), QStringLiteral("--db"), db});
    QVERIFY2(r.code == 0, qPrintable(r.err.right(2000)));
    QCOMPARE(count(db), qint64(4));
    QCOMPARE(count(db, QStringLiteral("status = 'finished'")), qint64(4));
    const train::SweepPlan plan = planOf(QJsonDocument(spec).toJson(), path);
    for (const auto& run : plan.runs) {
      QCOMPARE(count(db, QStringLiteral("uuid = '%1'").arg(run.id)), qint64(1));
    }
    QCOMPARE(store_test::scalar(db, QStringLiteral("SELECT count(DISTINCT run_id) FROM metric_summary WHERE key = "
                                                   "'val/ndcg@10' AND best_value IS NOT NULL")),
             qint64(4));
    QCOMPARE(store_test::scalar(db, QStringLiteral("SELECT count(DISTINCT run_id) FROM embeddings WHERE kind = 'adjustment'")),
             qint64(4));
    QCOMPARE(count(db, QStringLiteral("tags LIKE '%sweep:local%'")), qint64(4));

    const Result status = runCli({QStringLiteral("sweep"), QStringLiteral("status"), path, QStringLiteral("--db"), db});
    QCOMPARE(status.code, 0);
    QVERIFY2(status.out.contains(QLatin1String("4 run(s): 4 finished, 0 running, 0 queued, 0 failed, 0 pending")),
             qPrintable(status.out));
    QVERIFY2(status.out.contains(QLatin1String("best by val/ndcg@10 (mean of 2 seed(s)): beta=")), qPrintable(status.out));
    // --json: the best configuration for a second stage (its point, its config without seed),
    // checked against the per-run values it reports.
    const Result json = runCli({QStringLiteral("sweep"), QStringLiteral("status"), path, QStringLiteral("--db"), db,
                                QStringLiteral("--json")});
    QCOMPARE(json.code, 0);
    const QJsonObject st = QJsonDocument::fromJson(json.out.toUtf8()).object();
    std::map<double, std::vector<double>> byBeta;
    for (const QJsonValue& r : st.value(QStringLiteral("runs")).toArray()) {
      const train::PlannedRun* planned = plan.find(r.toObject().value(QStringLiteral("id")).toString());
      QVERIFY(planned);
      byBeta[planned->point.value(QStringLiteral("beta")).toDouble()].push_back(
          r.toObject().value(QStringLiteral("select")).toDouble());
    }
    QCOMPARE(int(byBeta.size()), 2);
    double bestBeta = 0, bestMean = -1;
    for (const auto& [beta, values] : byBeta) {
      const double mean = (values[0] + values[1]) / 2;
      if (mean > bestMean) bestMean = mean, bestBeta = beta;
    }
    const QJsonObject best = st.value(QStringLiteral("best")).toObject();
    QCOMPARE(best.value(QStringLiteral("point")).toObject().value(QStringLiteral("beta")).toDouble(), bestBeta);
    QCOMPARE(best.value(QStringLiteral("seeds")).toInt(), 2);
    QVERIFY(std::fabs(best.value(QStringLiteral("val/ndcg@10")).toDouble() - bestMean) < 1e-12);
    QVERIFY(best.value(QStringLiteral("test/ndcg@10")).isDouble());
    QVERIFY(!best.value(QStringLiteral("config")).toObject().contains(QStringLiteral("seed")));
    QCOMPARE(best.value(QStringLiteral("config")).toObject().value(QStringLiteral("beta")).toDouble(), bestBeta);

    // Again: nothing to train, nothing duplicated.
    const Result again = runCli({QStringLiteral("sweep"), QStringLiteral("run"), path, QStringLiteral("--db"), db});
    QCOMPARE(again.code, 0);
    QVERIFY2(again.err.contains(QLatin1String("0 of 4 run(s) to train")), qPrintable(again.err));
    QCOMPARE(count(db), qint64(4));
  }


  // "test_data": every run of the sweep also reports the shift benchmark, as `irl4rec train
  // --test-data` does: the same values (same config and seed train the same model), stored as
  // shift/*; the run ids do not change with it; a missing file fails the run naming the file.
  void sweepReportsTheShiftBenchmark() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
    const QString shifted = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/shifted.txt");
    QJsonObject spec{{QStringLiteral("name"), QStringLiteral("shift")},
                     {QStringLiteral("base"), tinyBase(1)},
                     {QStringLiteral("datasets"), syntheticData()},
                     {QStringLiteral("test_data"), shifted},
                     {QStringLiteral("seeds"), QJsonArray{3}}};
    const QString path = writeSpec(dir.filePath(QStringLiteral("shift.json")), spec);
    const train::SweepPlan plan = planOf(QJsonDocument(spec).toJson(), path);
    QCOMPARE(int(plan.runs.size()), 1);
    QCOMPARE(plan.runs[0].testDataPath, shifted);
    QJsonObject without = spec;
    without.remove(QStringLiteral("test_data"));
    QCOMPARE(planOf(QJsonDocument(without).toJson(), path).runs[0].id, plan.runs[0].id);

    const Result r = runCli({QStringLiteral("sweep"), QStringLiteral("run"), path, QStringLiteral("--db"), db});
    QVERIFY2(r.code == 0, qPrintable(r.err.right(2000)));
    const QString uuid = plan.runs[0].id;
    auto value = [&](const QString& key) {
      double v = std::nan("");
      store_test::withRawDb(db, [&](QSqlDatabase& c) {
        QSqlQuery q(c);
        q.prepare(QStringLiteral("SELECT s.last_value FROM metric_summary s JOIN runs r ON r.id = s.run_id "
                                 "WHERE r.uuid = ? AND s.key = ?"));
        q.addBindValue(uuid);
        q.addBindValue(key);
        if (q.exec() && q.next()) v = q.value(0).toDouble();
      });
      return v;
    };
    const double sweepShift = value(QStringLiteral("shift/hr@10"));
    QVERIFY(std::isfinite(sweepShift));
    QVERIFY(std::isfinite(value(QStringLiteral("shift/ndcg@20"))));
    QVERIFY(std::isfinite(value(QStringLiteral("shift/mrr@10"))));

    // The CLI's --test-data on the same configuration and seed.
    const QString config = writeFile(dir.filePath(QStringLiteral("config.json")),
                                     QJsonDocument(plan.runs[0].config.toJson()).toJson());
    const Result train = runCli({QStringLiteral("train"), QStringLiteral("--config"), config,
                                 QStringLiteral("--test-data"), shifted, QStringLiteral("--json"),
                                 QStringLiteral("--no-store"), QStringLiteral("--quiet")});
    QVERIFY2(train.code == 0, qPrintable(train.err.right(2000)));
    const QJsonObject out = QJsonDocument::fromJson(train.out.toUtf8()).object();
    const double cliShift =
        out.value(QStringLiteral("test_data")).toObject().value(QStringLiteral("test")).toObject()
            .value(QStringLiteral("HR@10")).toDouble(std::nan(""));
    QVERIFY2(std::isfinite(cliShift), qPrintable(train.out.left(400)));
    QCOMPARE(sweepShift, cliShift);
    QVERIFY(sweepShift != value(QStringLiteral("test/hr@10")));  // another dataset's targets

    // A missing file fails the run, naming it.
    spec.insert(QStringLiteral("test_data"), QStringLiteral("no-such-file.txt"));
    spec.insert(QStringLiteral("name"), QStringLiteral("shift-missing"));
    spec.insert(QStringLiteral("seeds"), QJsonArray{4});
    const QString bad = writeSpec(dir.filePath(QStringLiteral("missing.json")), spec);
    const Result failed = runCli({QStringLiteral("sweep"), QStringLiteral("run"), bad, QStringLiteral("--db"), db});
    QCOMPARE(failed.code, 1);
    QVERIFY2(failed.err.contains(QLatin1String("no-such-file.txt")), qPrintable(failed.err.right(2000)));
  }

  void killedSweepResumesWithoutDuplicates() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
    QJsonObject spec{{QStringLiteral("name"), QStringLiteral("resume")},
                     {QStringLiteral("base"), tinyBase(6)},
                     {QStringLiteral("datasets"), syntheticData()},
                     {QStringLiteral("seeds"), QJsonArray{1, 2, 3}}};
    const QString path = writeSpec(dir.filePath(QStringLiteral("resume.json")), spec);
    QProcess sweep;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("IRL4REC_DB"));
    sweep.setProcessEnvironment(env);
    sweep.setStandardOutputFile(QProcess::nullDevice());
    sweep.setStandardErrorFile(QProcess::nullDevice());
    sweep.start(QStringLiteral(IRL4REC_CLI_PATH),
                {QStringLiteral("sweep"), QStringLiteral("run"), path, QStringLiteral("--db"), db});
    QVERIFY(sweep.waitForStarted());
    // Kill the sweep once one run has finished and the next one is training.
    QElapsedTimer waited;
    waited.start();
    while (!(count(db, QStringLiteral("status = 'finished'")) >= 1 && count(db, QStringLiteral("status = 'running'")) >= 1)) {
      QVERIFY2(sweep.state() == QProcess::Running, "the sweep ended before it could be killed");
      QVERIFY2(waited.elapsed() < 300000, "no run finished within five minutes");
      QThread::msleep(100);
    }
    const qint64 worker = store_test::scalar(db, QStringLiteral("SELECT owner_pid FROM runs WHERE status = 'running'"));
    QVERIFY(worker > 0);
    sweep.kill();  // SIGKILL: no chance to clean up; its worker dies with it
    QVERIFY(sweep.waitForFinished());
    QVERIFY2(waitGone(worker), "the worker outlived the killed sweep");
    const qint64 finishedAtKill = count(db, QStringLiteral("status = 'finished'"));
    QVERIFY2(finishedAtKill < 3, "every run had finished before the kill");

    const Result r = runCli({QStringLiteral("sweep"), QStringLiteral("run"), path, QStringLiteral("--db"), db});
    QVERIFY2(r.code == 0, qPrintable(r.err.right(2000)));
    QVERIFY2(r.err.contains(QStringLiteral("%1 of 3 run(s) to train").arg(3 - finishedAtKill)), qPrintable(r.err));
    QCOMPARE(count(db), qint64(3));
    QCOMPARE(store_test::scalar(db, QStringLiteral("SELECT count(DISTINCT uuid) FROM runs")), qint64(3));
    QCOMPARE(count(db, QStringLiteral("status = 'finished'")), qint64(3));
  }

  void failedWorkerIsRecordedWithItsStderr() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
    const QString path = writeSpec(dir.filePath(QStringLiteral("broken.json")),
                                   {{QStringLiteral("base"), tinyBase(1)},
                                    {QStringLiteral("datasets"), QStringLiteral("no-such-data.txt")}});
    const Result r = runCli({QStringLiteral("sweep"), QStringLiteral("run"), path, QStringLiteral("--db"), db});
    QCOMPARE(r.code, 1);
    QCOMPARE(count(db), qint64(1));
    QCOMPARE(count(db, QStringLiteral("status = 'failed'")), qint64(1));
    const QString message = store_test::text(db, QStringLiteral("SELECT message FROM runs"));
    QVERIFY2(message.contains(QLatin1String("exited with code 2")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("stderr:")) && message.contains(QLatin1String("no-such-data.txt")),
             qPrintable(message));
    const Result status = runCli({QStringLiteral("sweep"), QStringLiteral("status"), path, QStringLiteral("--db"), db});
    QVERIFY2(status.out.contains(QLatin1String("1 failed")), qPrintable(status.out));
  }

  // ---- runs import -------------------------------------------------------------------------

  void importIsIdempotent() {
    QTemporaryDir dir;
    const QString shard = dir.filePath(QStringLiteral("shard.sqlite"));
    QJsonObject specJson{{QStringLiteral("name"), QStringLiteral("imp")},
                         {QStringLiteral("base"), tinyBase(1)},
                         {QStringLiteral("datasets"), syntheticData()}};
    const QString spec = writeSpec(dir.filePath(QStringLiteral("imp.json")), specJson);
    const Result task = runCli({QStringLiteral("sweep"), QStringLiteral("task"), spec, QStringLiteral("--index"),
                                QStringLiteral("0"), QStringLiteral("--db"), shard});
    QVERIFY2(task.code == 0, qPrintable(task.err.right(2000)));
    const train::SweepPlan plan = planOf(QJsonDocument(specJson).toJson(), spec);
    const QString id = plan.runs.front().id;

    const QString target = dir.filePath(QStringLiteral("desk.sqlite"));
    const Result first = runCli({QStringLiteral("runs"), QStringLiteral("import"), shard, QStringLiteral("--db"),
                                 target, QStringLiteral("--json")});
    QVERIFY2(first.code == 0, qPrintable(first.err));
    QVERIFY2(first.out.contains(QLatin1String("\"imported\":1")), qPrintable(first.out));
    const Result second = runCli({QStringLiteral("runs"), QStringLiteral("import"), shard, shard,
                                  QStringLiteral("--db"), target, QStringLiteral("--json")});
    QVERIFY2(second.code == 0, qPrintable(second.err));
    QVERIFY2(second.out.contains(QLatin1String("\"imported\":0")) && second.out.contains(QLatin1String("\"skipped\":2")),
             qPrintable(second.out));

    QCOMPARE(count(target), qint64(1));
    QCOMPARE(store_test::text(target, QStringLiteral("SELECT uuid FROM runs")), id);
    for (const QString& sql : {QStringLiteral("SELECT count(*) FROM metrics"), QStringLiteral("SELECT count(*) FROM metric_summary"),
                               QStringLiteral("SELECT count(*) FROM params"), QStringLiteral("SELECT count(*) FROM embeddings"),
                               QStringLiteral("SELECT count(*) FROM projections"), QStringLiteral("SELECT count(*) FROM checkpoints"),
                               QStringLiteral("SELECT count(*) FROM labels"), QStringLiteral("SELECT count(*) FROM datasets"),
                               QStringLiteral("SELECT sum(value) * 1000 FROM metrics")}) {
      QVERIFY2(store_test::scalar(shard, sql) > 0, qPrintable(sql));
      QCOMPARE(store_test::scalar(target, sql), store_test::scalar(shard, sql));
    }
    // The imported run reads back through the store API like a local one.
    store::RunStore s;
    QVERIFY(s.open(target).ok());
    auto run = s.findRun(id);
    QVERIFY(run.ok());
    QVERIFY(run.value().status == store::RunStatus::Finished);
    QVERIFY(!run.value().datasetName.isEmpty());
    auto emb = s.loadEmbeddings(run.value().id, store::kind::kAdjustment);
    QVERIFY(emb.ok());
    QVERIFY(emb.value().rows > 0);
    s.close();

    // A failed copy of the run in another store is replaced by the finished shard; a finished
    // run is never replaced by a failed copy.
    const QString failedStore = dir.filePath(QStringLiteral("failed.sqlite"));
    QVERIFY(train::recordWorkerFailure(plan, plan.runs.front(), failedStore, QStringLiteral("lost"), QString()).ok());
    auto replaced = store::importRuns(failedStore, {shard});
    QVERIFY(replaced.ok());
    QCOMPARE(replaced.value().replaced, 1);
    QCOMPARE(count(failedStore), qint64(1));
    QCOMPARE(count(failedStore, QStringLiteral("status = 'finished'")), qint64(1));
    const QString failedShard = dir.filePath(QStringLiteral("failed-shard.sqlite"));
    QVERIFY(train::recordWorkerFailure(plan, plan.runs.front(), failedShard, QStringLiteral("lost"), QString()).ok());
    auto kept = store::importRuns(target, {failedShard});
    QVERIFY(kept.ok());
    QCOMPARE(kept.value().skipped, 1);
    QCOMPARE(count(target, QStringLiteral("status = 'finished'")), qint64(1));
    QCOMPARE(count(target), qint64(1));

    // Not a run store: refused, nothing merged.
    const QString junk = writeFile(dir.filePath(QStringLiteral("junk.sqlite")), "not a database at all");
    const Result bad = runCli({QStringLiteral("runs"), QStringLiteral("import"), junk, QStringLiteral("--db"), target});
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.contains(junk), qPrintable(bad.err));
  }
};

QTEST_GUILESS_MAIN(TestSweep)
#include "test_sweep.moc"
