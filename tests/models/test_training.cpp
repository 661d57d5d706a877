// Tests of the run controller: determinism, divergence, cancel, checkpoints, embeddings, the
// shift-benchmark evaluation, an end-to-end run on the shipped synthetic sample that must beat
// popularity, and the CLI's refusals (exit code 2).
#include "core/data/readers.h"
#include "core/eval/reference_models.h"
#include "core/train/run_controller.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

using namespace irl4rec;

namespace {

/// Users walk through items in steps of +1 (mod numItems) from a random start; each item has
/// one attribute (item mod 4). Learnable, tiny, and built in memory.
std::shared_ptr<data::Dataset> walkDataset(int users = 120, int items = 30, uint64_t seed = 1) {
  auto d = std::make_shared<data::Dataset>();
  d->name = QStringLiteral("walk");
  std::mt19937_64 rng(seed);
  for (int u = 0; u < users; ++u) {
    const int len = 4 + int(rng() % 6);
    int item = 1 + int(rng() % uint64_t(items));
    std::vector<int32_t> seq;
    for (int i = 0; i < len; ++i) {
      seq.push_back(item);
      item = item % items + 1;
    }
    d->sequences.push_back(seq);
    d->userTokens << QString::number(u + 1);
  }
  d->itemTokens << QString();
  d->itemAttributes.push_back({});
  for (int j = 1; j <= items; ++j) {
    d->itemTokens << QStringLiteral("i%1").arg(j);
    d->itemAttributes.push_back({int32_t(j % 4 + 1)});
  }
  d->attributeTokens << QString() << "a" << "b" << "c" << "d";
  return d;
}

train::TrainConfig tinyConfig() {
  train::TrainConfig c;
  c.hiddenSize = 16;
  c.heads = 2;
  c.layers = 1;
  c.maxLength = 10;
  c.dropout = 0.1;
  c.batchSize = 32;
  c.epochs = 3;
  c.negatives = 16;
  c.lr = 5e-3;
  c.threads = 1;
  c.seed = 7;
  return c;
}

QString cli() { return QStringLiteral(IRL4REC_CLI_PATH); }
QString sourcePath(const char* rel) {
  return QStringLiteral(IRL4REC_SOURCE_DIR "/") + QLatin1String(rel);
}

}  // namespace

class TestTraining : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void sameSeedSameMetrics();
  void everyModelAndLossTrains_data();
  void everyModelAndLossTrains();
  void nanLossIsReportedAsDiverged();
  void cancelBetweenBatches();
  void badConfigFailsBeforeTraining();
  void checkpointRoundTrip();
  void embeddingsForStoreAndExplorer();
  void evaluateOnAnotherDatasetMatchesByToken();
  void beatsPopularityOnSyntheticSample();
  void cliRefusesBadInput_data();
  void cliRefusesBadInput();
};

void TestTraining::sameSeedSameMetrics() {
  auto data = walkDataset();
  auto config = tinyConfig();
  config.model = train::ModelKind::Irl4Rec;
  config.alpha = 0.3;
  config.beta = 0.01;
  config.gamma = 0.1;
  train::RunController a(data, config), b(data, config);
  std::vector<double> lossesA, lossesB;
  train::RunCallbacks ca, cb;
  ca.onStep = [&](const train::StepProgress& p) { lossesA.push_back(p.total); };
  cb.onStep = [&](const train::StepProgress& p) { lossesB.push_back(p.total); };
  const auto oa = a.run(ca);
  const auto ob = b.run(cb);
  QCOMPARE(train::toString(oa.status), train::toString(train::RunStatus::Finished));
  QCOMPARE(lossesA, lossesB);
  QCOMPARE(oa.test.toJson(), ob.test.toJson());
  QCOMPARE(oa.validation.toJson(), ob.validation.toJson());
  config.seed = 8;
  train::RunController c(data, config);
  std::vector<double> lossesC;
  train::RunCallbacks cc;
  cc.onStep = [&](const train::StepProgress& p) { lossesC.push_back(p.total); };
  c.run(cc);
  QVERIFY(lossesA != lossesC);
}

void TestTraining::everyModelAndLossTrains_data() {
  QTest::addColumn<QString>("encoder");
  QTest::addColumn<QString>("loss");
  QTest::addColumn<QString>("model");
  QTest::addColumn<QString>("dependence");
  const char* encoders[] = {"gru4rec", "sasrec", "bert4rec"};
  const char* losses[] = {"bce", "bpr", "sampled-ce", "ce"};
  for (const char* e : encoders)
    for (const char* l : losses)
      QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(e, l))) << e << l << "baseline" << "xcorr";
  QTest::newRow("irl4rec sasrec hsic") << "sasrec" << "bce" << "irl4rec" << "hsic";
  QTest::newRow("irl4rec bert4rec") << "bert4rec" << "sampled-ce" << "irl4rec" << "xcorr";
  QTest::newRow("irl4rec gru4rec") << "gru4rec" << "ce" << "irl4rec" << "xcorr";
}

void TestTraining::everyModelAndLossTrains() {
  QFETCH(QString, encoder);
  QFETCH(QString, loss);
  QFETCH(QString, model);
  QFETCH(QString, dependence);
  auto config = tinyConfig();
  config.epochs = 1;
  config.encoder = train::parseEncoderKind(encoder).value();
  config.loss = train::parseLossKind(loss).value();
  config.model = train::parseModelKind(model).value();
  config.dependence = train::parseDependenceKind(dependence).value();
  if (config.model == train::ModelKind::Irl4Rec) {
    config.alpha = 0.5;
    config.beta = 0.01;
    config.gamma = 0.5;
    config.compression = train::CompressionKind::Kl;
  }
  train::RunController run(walkDataset(), config);
  int steps = 0;
  train::StepProgress last;
  train::RunCallbacks cb;
  cb.onStep = [&](const train::StepProgress& p) {
    ++steps;
    last = p;
  };
  const auto o = run.run(cb);
  QVERIFY2(o.status == train::RunStatus::Finished, qPrintable(o.message));
  QVERIFY(steps > 0);
  const double sum = last.recT + last.alphaRecS + last.betaCompression + last.gammaDependence;
  QVERIFY2(std::abs(last.total - sum) <= 1e-5 * std::max(1.0, std::abs(sum)),
           qPrintable(QStringLiteral("%1 vs %2").arg(last.total).arg(sum)));
  QVERIFY(o.test.users > 0);
}

void TestTraining::nanLossIsReportedAsDiverged() {
  auto config = tinyConfig();
  config.lr = 1e30;  // the first Adam step blows every weight up
  config.epochs = 5;
  train::RunController run(walkDataset(), config);
  const auto o = run.run();
  QCOMPARE(train::toString(o.status), train::toString(train::RunStatus::Diverged));
  QVERIFY(o.divergedStep >= 2);
  QVERIFY2(o.message.contains(QStringLiteral("step %1").arg(o.divergedStep)), qPrintable(o.message));
}

void TestTraining::cancelBetweenBatches() {
  auto config = tinyConfig();
  config.epochs = 50;
  train::RunController run(walkDataset(), config);
  int steps = 0;
  train::RunCallbacks cb;
  cb.onStep = [&](const train::StepProgress&) {
    if (++steps == 3) run.cancel();
  };
  const auto o = run.run(cb);
  QCOMPARE(train::toString(o.status), train::toString(train::RunStatus::Cancelled));
  QCOMPARE(steps, 3);
}

void TestTraining::badConfigFailsBeforeTraining() {
  auto config = tinyConfig();
  config.gamma = -1;
  int steps = 0;
  train::RunCallbacks cb;
  cb.onStep = [&](const train::StepProgress&) { ++steps; };
  train::RunController run(walkDataset(), config);
  const auto o = run.run(cb);
  QCOMPARE(train::toString(o.status), train::toString(train::RunStatus::Failed));
  QVERIFY(o.message.contains(QStringLiteral("gamma")));
  QCOMPARE(steps, 0);

  auto tooShort = std::make_shared<data::Dataset>(*walkDataset());
  for (auto& s : tooShort->sequences) s.resize(2);
  QVERIFY(train::RunController::check(*tooShort, tinyConfig()).error().message().contains(
      QStringLiteral("cannot be split")));
  auto noAttributes = std::make_shared<data::Dataset>(*walkDataset());
  noAttributes->attributeTokens.clear();
  auto irl = tinyConfig();
  irl.model = train::ModelKind::Irl4Rec;
  QVERIFY(!train::RunController::check(*noAttributes, irl).ok());
  irl.useConfounder = false;
  QVERIFY(train::RunController::check(*noAttributes, irl).ok());
}

void TestTraining::checkpointRoundTrip() {
  QTemporaryDir dir;
  auto data = walkDataset();
  auto config = tinyConfig();
  config.model = train::ModelKind::Irl4Rec;
  config.alpha = 0.2;
  config.gamma = 0.2;
  config.checkpointPath = dir.filePath(QStringLiteral("best.pt"));
  train::RunController run(data, config);
  const auto o = run.run();
  QCOMPARE(train::toString(o.status), train::toString(train::RunStatus::Finished));
  QVERIFY(QFile::exists(config.checkpointPath));

  auto stored = train::RunController::readCheckpointConfig(config.checkpointPath);
  QVERIFY(stored.ok());
  QCOMPARE(stored.value().toJson(), config.toJson());

  train::RunController reloaded(data, train::TrainConfig());
  QVERIFY(reloaded.loadCheckpoint(config.checkpointPath).ok());
  QCOMPARE(reloaded.config().toJson(), config.toJson());
  auto test = reloaded.evaluate(data::Stage::Test);
  QVERIFY(test.ok());
  QCOMPARE(test.value().toJson(), o.test.toJson());  // the best model, bit for bit
  QCOMPARE(reloaded.evaluate(data::Stage::Validation).value().toJson(), o.validation.toJson());

  // Explicit save of the restored model, reloaded again.
  const QString again = dir.filePath(QStringLiteral("again.pt"));
  QVERIFY(run.saveCheckpoint(again).ok());
  train::RunController third(data, train::TrainConfig());
  QVERIFY(third.loadCheckpoint(again).ok());
  QCOMPARE(third.evaluate(data::Stage::Test).value().toJson(), o.test.toJson());

  // Not a checkpoint / a different dataset.
  QFile junk(dir.filePath(QStringLiteral("junk.pt")));
  QVERIFY(junk.open(QIODevice::WriteOnly));
  junk.write("not a checkpoint");
  junk.close();
  QVERIFY(!reloaded.loadCheckpoint(junk.fileName()).ok());
  QVERIFY(!train::RunController::readCheckpointConfig(junk.fileName()).ok());
  train::RunController other(walkDataset(120, 31), train::TrainConfig());
  const Status mismatch = other.loadCheckpoint(config.checkpointPath);
  QVERIFY(!mismatch.ok());
  QVERIFY(mismatch.error().message().contains(QStringLiteral("items")));
}

void TestTraining::embeddingsForStoreAndExplorer() {
  auto data = walkDataset();
  auto config = tinyConfig();
  config.epochs = 1;
  train::RunController baseline(data, config);
  QVERIFY(!baseline.embeddings().ok());  // no model yet
  baseline.run();
  auto b = baseline.embeddings();
  QVERIFY(b.ok());
  QCOMPARE(b.value().adjustment.rows, int64_t(data->numUsers()));
  QCOMPARE(b.value().adjustment.dim, int64_t(16));
  QCOMPARE(b.value().adjustment.values.size(), size_t(data->numUsers() * 16));
  QCOMPARE(b.value().spurious.rows, int64_t(0));
  QCOMPARE(b.value().items.rows, int64_t(30));
  QCOMPARE(b.value().items.ids.front(), int64_t(1));

  config.model = train::ModelKind::Irl4Rec;
  config.alpha = 0.5;
  train::RunController irl(data, config);
  irl.run();
  auto e = irl.embeddings(data::Stage::Validation);
  QVERIFY(e.ok());
  QCOMPARE(e.value().spurious.rows, e.value().adjustment.rows);
  QCOMPARE(e.value().spurious.ids, e.value().adjustment.ids);
  QCOMPARE(e.value().itemAttributes.rows, int64_t(30));
}

void TestTraining::evaluateOnAnotherDatasetMatchesByToken() {
  auto data = walkDataset();
  auto config = tinyConfig();
  train::RunController run(data, config);
  const auto o = run.run();
  // The same data with users in another order and different internal item ids: same cases.
  auto shuffled = std::make_shared<data::Dataset>(*data);
  std::reverse(shuffled->sequences.begin(), shuffled->sequences.end());
  std::reverse(shuffled->userTokens.begin(), shuffled->userTokens.end());
  auto same = run.evaluateOn(*shuffled);
  QVERIFY(same.ok());
  // Same ranks; only the order of summation differs.
  QCOMPARE(same.value().users, o.test.users);
  for (int k : eval::kCutoffs) {
    QVERIFY(std::abs(same.value().hrAt(k) - o.test.hrAt(k)) < 1e-12);
    QVERIFY(std::abs(same.value().ndcgAt(k) - o.test.ndcgAt(k)) < 1e-12);
    QVERIFY(std::abs(same.value().mrrAt(k) - o.test.mrrAt(k)) < 1e-12);
  }
  // Unknown users → an error, not empty metrics.
  auto strangers = std::make_shared<data::Dataset>(*data);
  for (auto& t : strangers->userTokens) t.prepend(QLatin1Char('x'));
  QVERIFY(!run.evaluateOn(*strangers).ok());
}

void TestTraining::beatsPopularityOnSyntheticSample() {
  auto loaded = data::loadDataset(sourcePath("datasets/synthetic/iid.txt"));
  QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message()));
  auto data = std::make_shared<const data::Dataset>(std::move(loaded.value()));
  auto pop = eval::evaluateReference(*data, data::Stage::Test, eval::ReferenceModel::Popularity);
  QVERIFY(pop.ok());
  auto config = tinyConfig();
  config.hiddenSize = 32;
  config.maxLength = 20;
  config.batchSize = 128;
  config.epochs = 4;
  config.negatives = 64;
  config.lr = 3e-3;
  train::RunController run(data, config);
  const auto o = run.run();
  QCOMPARE(train::toString(o.status), train::toString(train::RunStatus::Finished));
  qInfo("synthetic test HR@10: SASRec %.4f, popularity %.4f", o.test.hrAt(10), pop.value().hrAt(10));
  QVERIFY(o.test.hrAt(10) > 1.5 * pop.value().hrAt(10));
  QVERIFY(o.test.ndcgAt(10) > 1.5 * pop.value().ndcgAt(10));
}

void TestTraining::cliRefusesBadInput_data() {
  QTest::addColumn<QStringList>("args");
  QTest::addColumn<QString>("reason");
  const QString iid = sourcePath("datasets/synthetic/iid.txt");
  QTest::newRow("negative alpha") << QStringList{"train", "--data", iid, "--alpha", "-0.5"} << "alpha must be >= 0";
  QTest::newRow("NaN beta") << QStringList{"train", "--data", iid, "--beta", "nan"} << "beta must be a finite number";
  QTest::newRow("zero hidden") << QStringList{"train", "--data", iid, "--hidden", "0"} << "hidden size must be > 0";
  QTest::newRow("unknown encoder") << QStringList{"train", "--data", iid, "--encoder", "lstm"} << "unknown encoder 'lstm'";
  QTest::newRow("unknown loss") << QStringList{"train", "--data", iid, "--loss", "mse"} << "unknown loss 'mse'";
  QTest::newRow("unknown option") << QStringList{"train", "--data", iid, "--colour", "red"} << "unknown option '--colour'";
  QTest::newRow("no data") << QStringList{"train"} << "missing --data";
  QTest::newRow("missing file") << QStringList{"train", "--data", "/nonexistent/x.txt"} << "x.txt";
  QTest::newRow("pre-LN GRU4Rec") << QStringList{"train", "--data", iid, "--encoder", "gru4rec", "--norm", "pre"}
                                  << "norm 'pre' applies to the Transformer encoders";
  QTest::newRow("more negatives than items")
      << QStringList{"train", "--data", iid, "--loss", "sampled-ce", "--negatives", "100000000"}
      << "100000000 sampled-ce negatives for 497 items";
  // A config file broken on its third line: the message names the file and the line.
  const QString broken = QDir::temp().filePath(
      QStringLiteral("irl4rec-test-broken-config-%1.json").arg(QCoreApplication::applicationPid()));
  {
    QFile f(broken);
    if (f.open(QIODevice::WriteOnly)) f.write("{\n  \"hidden_size\": 16,\n  \"lr\" 0.001\n}\n");
  }
  QTest::newRow("broken config JSON") << QStringList{"train", "--data", iid, "--config", broken}
                                      << QStringLiteral("%1:3: invalid JSON").arg(broken);
  QTest::newRow("eval without checkpoint") << QStringList{"eval"} << "missing --checkpoint";
  QTest::newRow("eval missing checkpoint") << QStringList{"eval", "--checkpoint", "/nonexistent.pt"} << "no such file";
}

void TestTraining::cliRefusesBadInput() {
  QFETCH(QStringList, args);
  QFETCH(QString, reason);
  QProcess p;
  p.start(cli(), args + QStringList{QStringLiteral("--no-store")});
  if (args.first() == QLatin1String("eval")) {
    p.close();
    p.start(cli(), args);
  }
  QVERIFY(p.waitForFinished(60000));
  const QString err = QString::fromUtf8(p.readAllStandardError());
  QCOMPARE(p.exitCode(), 2);
  QVERIFY2(err.contains(reason), qPrintable(err));
  QCOMPARE(err.trimmed().count(QLatin1Char('\n')), 0);  // one line
}

QTEST_GUILESS_MAIN(TestTraining)
#include "test_training.moc"
