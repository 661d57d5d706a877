// Tests of the run controller: determinism, divergence, cancel, checkpoints, embeddings, the
// shift-benchmark evaluation, an end-to-end run on the shipped synthetic sample that must beat
// popularity, and the CLI's refusals (exit code 2).
#include "core/data/readers.h"
#include "core/eval/reference_models.h"
#include "core/train/run_controller.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QThread>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include <signal.h>

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

/// tinyConfig() as Irl4Rec with every term on (all random draws of training in use: noise,
/// dropout, negatives).
train::TrainConfig irlConfig() {
  train::TrainConfig c = tinyConfig();
  c.model = train::ModelKind::Irl4Rec;
  c.alpha = 0.3;
  c.beta = 0.01;
  c.gamma = 0.1;
  return c;
}

QString cli() { return QStringLiteral(IRL4REC_CLI_PATH); }

/// Sequences of random items (nothing to learn): validation NDCG@10 wanders, so a small patience
/// stops the run early.
std::shared_ptr<data::Dataset> noiseDataset(uint64_t seed = 5) {
  auto d = walkDataset(120, 30, seed);
  std::mt19937_64 rng(seed);
  for (auto& seq : d->sequences)
    for (auto& item : seq) item = 1 + int32_t(rng() % 30);
  return d;
}

/// `source` with the users in reverse order, every user's last item replaced by another one,
/// the item ids permuted (the tokens stay with their items), plus three users the shift
/// evaluation must skip: an unknown user token, a target item the source does not know, and a
/// sequence too short to have a test target.
std::shared_ptr<data::Dataset> shiftedCopy(const data::Dataset& source, uint64_t seed) {
  const int32_t n = source.numItems();
  std::vector<int32_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 1);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int32_t> toTarget(size_t(n) + 1, 0);
  auto t = std::make_shared<data::Dataset>();
  t->name = QStringLiteral("shifted");
  t->itemTokens << QString();
  t->itemAttributes.push_back({});
  for (int32_t k = 1; k <= n; ++k) {
    toTarget[size_t(order[size_t(k - 1)])] = k;
    t->itemTokens << source.itemTokens[order[size_t(k - 1)]];
    t->itemAttributes.push_back(source.itemAttributes[size_t(order[size_t(k - 1)])]);
  }
  t->itemTokens << QStringLiteral("new-item");
  t->itemAttributes.push_back({});
  t->attributeTokens = source.attributeTokens;
  for (int64_t u = source.numUsers() - 1; u >= 0; --u) {
    std::vector<int32_t> seq = source.sequences[size_t(u)];
    seq.back() = (seq.back() + 10) % n + 1;
    for (auto& item : seq) item = toTarget[size_t(item)];
    if (u == 0) seq.resize(2);
    if (u == 1) seq.back() = n + 1;
    t->sequences.push_back(seq);
    t->userTokens << source.userTokens[int(u)];
  }
  t->sequences.push_back({1, 2, 3, 4});
  t->userTokens << QStringLiteral("9999");  // a user the source does not have
  return t;
}

/// The shift evaluation computed without RunController::evaluateOn or eval::rankCases: every
/// user of `target` known to `source` (by token) whose last item's token `source` knows is
/// scored with ⟨t, e_j⟩ in double from the model's exported embeddings; `source`'s own history
/// (all but its last item) is masked except the target; the rank counts the other candidates
/// scoring >= the target. `worstMargin` gets the smallest ratio of |score - target score| to a
/// bound on the float32 rounding of the two dot products (d · 2^-24 · Σ|t_k e_k| each): above 1,
/// the model's float scores order every pair as the double ones do.
eval::RankingMetrics independentShiftMetrics(const train::RunController& run,
                                             const data::Dataset& source,
                                             const data::Dataset& target, double* worstMargin) {
  const auto e = run.embeddings(data::Stage::Test);
  if (!e.ok()) qFatal("no embeddings");
  const train::EmbeddingMatrix& t = e.value().adjustment;
  const train::EmbeddingMatrix& items = e.value().items;
  *worstMargin = 1e300;
  std::vector<int64_t> ranks;
  for (int64_t v = 0; v < target.numUsers(); ++v) {
    const auto& tseq = target.sequences[size_t(v)];
    const int u = source.userTokens.indexOf(target.userTokens[int(v)]);
    const int j = source.itemTokens.indexOf(target.itemTokens[tseq.back()]);
    if (tseq.size() < 3 || u < 0 || j < 1) continue;
    const auto& own = source.sequences[size_t(u)];
    const auto row = std::find(t.ids.begin(), t.ids.end(), int64_t(u)) - t.ids.begin();
    auto score = [&](int64_t item, double* magnitude) {
      double s = 0, m = 0;
      for (int64_t k = 0; k < t.dim; ++k) {
        const double term = double(t.values[size_t(row * t.dim + k)]) *
                            double(items.values[size_t((item - 1) * items.dim + k)]);
        s += term;
        m += std::abs(term);
      }
      *magnitude = m;
      return s;
    };
    const double rounding = double(t.dim) * std::ldexp(1.0, -24);
    std::vector<bool> masked(size_t(source.numItems()) + 1, false);
    for (size_t i = 0; i + 1 < own.size(); ++i) masked[size_t(own[i])] = true;
    double mt = 0, mi = 0;
    const double st = score(j, &mt);
    int64_t rank = 0;
    for (int32_t i = 1; i <= source.numItems(); ++i) {
      if (i == j || masked[size_t(i)]) continue;
      const double si = score(i, &mi);
      *worstMargin = std::min(*worstMargin, std::abs(si - st) / (rounding * (mi + mt)));
      rank += si >= st;
    }
    ranks.push_back(rank);
  }
  return eval::metricsFromRanks(ranks, QStringLiteral("full"));
}

void compareMetrics(const eval::RankingMetrics& got, const eval::RankingMetrics& expected) {
  QCOMPARE(got.users, expected.users);
  for (int k : eval::kCutoffs) {
    QVERIFY2(std::abs(got.hrAt(k) - expected.hrAt(k)) < 1e-12, qPrintable(QString::number(k)));
    QVERIFY2(std::abs(got.ndcgAt(k) - expected.ndcgAt(k)) < 1e-12, qPrintable(QString::number(k)));
    QVERIFY2(std::abs(got.mrrAt(k) - expected.mrrAt(k)) < 1e-12, qPrintable(QString::number(k)));
  }
}

/// The metrics of a `--json` result object ("HR@10": …, "users": …).
eval::RankingMetrics metricsFromJson(const QJsonObject& o) {
  eval::RankingMetrics m;
  for (size_t i = 0; i < eval::kCutoffs.size(); ++i) {
    const QString k = QString::number(eval::kCutoffs[i]);
    m.hr[i] = o.value(QStringLiteral("HR@") + k).toDouble(-1);
    m.ndcg[i] = o.value(QStringLiteral("NDCG@") + k).toDouble(-1);
    m.mrr[i] = o.value(QStringLiteral("MRR@") + k).toDouble(-1);
  }
  m.users = o.value(QStringLiteral("users")).toInteger(-1);
  return m;
}

/// Writes `d` (item tokens "i<k>", from walkDataset) as sequence text with item tokens 100 + k
/// and 999 for any other token, so that the reader assigns ids by first appearance (tokens
/// exactly 1..N would keep their numbers).
void writeWithNumericTokens(const data::Dataset& d, const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  for (int64_t u = 0; u < d.numUsers(); ++u) {
    QByteArray line = d.userTokens[int(u)].toUtf8();
    for (int32_t item : d.sequences[size_t(u)]) {
      const QString& token = d.itemTokens[item];
      line += ' ' + QByteArray::number(token.startsWith(QLatin1Char('i')) ? 100 + token.mid(1).toInt()
                                                                          : 999);
    }
    f.write(line + '\n');
  }
}

/// Runs the CLI to the end; its exit code and stdout (stderr is shown on failure).
std::pair<int, QByteArray> runCli(const QStringList& args) {
  QProcess p;
  p.start(cli(), args);
  if (!p.waitForFinished(600000)) return {-1, QByteArray()};
  const QByteArray err = p.readAllStandardError();
  if (p.exitCode() != 0) qWarning("%s", err.constData());
  return {p.exitCode(), p.readAllStandardOutput()};
}
QString sourcePath(const char* rel) {
  return QStringLiteral(IRL4REC_SOURCE_DIR "/") + QLatin1String(rel);
}

}  // namespace

class TestTraining : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void sameSeedSameMetrics();
  void encoderGroupsDoNotDependOnTheThreads_data();
  void encoderGroupsDoNotDependOnTheThreads();
  void everyModelAndLossTrains_data();
  void everyModelAndLossTrains();
  void nanLossIsReportedAsDiverged();
  void cancelBetweenBatches();
  void badConfigFailsBeforeTraining();
  void checkpointRoundTrip();
  void damagedCheckpointsAndStatesAreRefused();
  void embeddingsForStoreAndExplorer();
  void evaluateOnAnotherDatasetMatchesByToken();
  void shiftEvaluationUsesTheOtherDatasetsTargets();
  void cliShiftEvaluationMatchesIndependentRanks();
  void earlyStoppingTestsTheBestValidationEpoch_data();
  void earlyStoppingTestsTheBestValidationEpoch();
  void cliJsonIsByteIdenticalAcrossParallelProcesses();
  void resumedRunMatchesTheUninterruptedRun();
  void cliResumesAKilledRun();
  void beatsPopularityOnSyntheticSample();
  void cliRefusesBadInput_data();
  void cliRefusesBadInput();
  void refitTrainsOnTrainAndValidation();
  void ranksDoNotDependOnTheEvaluationBatch_data();
  void ranksDoNotDependOnTheEvaluationBatch();
  void cliRefitIsLabelled();
  void negativePoolIsTheRunsChoice();
};

void TestTraining::sameSeedSameMetrics() {
  auto data = walkDataset();
  auto config = irlConfig();
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

void TestTraining::encoderGroupsDoNotDependOnTheThreads_data() {
  QTest::addColumn<QString>("loss");
  QTest::addColumn<bool>("split");
  QTest::addColumn<int>("groups");
  QTest::newRow("ce, slices of the batch") << "ce" << false << 2;
  QTest::newRow("ce, split batches") << "ce" << true << 2;
  QTest::newRow("bce, split batches, 3 groups") << "bce" << true << 3;
  QTest::newRow("sampled-ce, slices of the batch") << "sampled-ce" << false << 2;
}

void TestTraining::encoderGroupsDoNotDependOnTheThreads() {
  // encoder_groups: every loss, metric and rank the same bit for bit on one thread or two
  // (each group has its own generator, gradients are summed in group order); a different
  // run from encoder_groups = 1 (other dropout draws), which is why it is in the config.
  QFETCH(QString, loss);
  QFETCH(bool, split);
  QFETCH(int, groups);
  auto data = walkDataset();
  auto config = irlConfig();
  config.loss = train::parseLossKind(loss).value();
  config.splitBatches = split;
  config.encoderGroups = groups;
  auto losses = [&](int threads, int encoderGroups) {
    auto c = config;
    c.threads = threads;
    c.encoderGroups = encoderGroups;
    train::RunController run(data, c);
    std::vector<double> out;
    train::RunCallbacks callbacks;
    callbacks.onStep = [&](const train::StepProgress& p) { out.push_back(p.total); };
    const auto outcome = run.run(callbacks);
    if (outcome.status != train::RunStatus::Finished) out.clear();
    return std::make_pair(out, outcome.test.toJson());
  };
  const auto one = losses(1, groups);
  const auto two = losses(2, groups);
  QVERIFY(!one.first.empty());
  QCOMPARE(one.first, two.first);
  QCOMPARE(one.second, two.second);
  QVERIFY(losses(1, 1).first != one.first);
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

// A checkpoint or training state cut short or with damaged bytes (a full disk, a copy
// interrupted, a bit flipped on the way) is refused with a message naming the file, or loads
// (a flipped bit in a weight is still a model) — it never ends the process: LibTorch's readers
// throw c10::Error from deep inside, and one that escaped would be a crash of the GUI. Every
// variant goes through what the CLI and the GUI call: readCheckpointConfig, loadCheckpoint and
// evaluate; checkState and a resumed run for states.
void TestTraining::damagedCheckpointsAndStatesAreRefused() {
  QTemporaryDir dir;
  auto data = walkDataset();
  auto config = irlConfig();
  config.epochs = 3;
  config.checkpointPath = dir.filePath(QStringLiteral("best.pt"));
  const QString state = dir.filePath(QStringLiteral("run.state"));
  {
    train::RunController run(data, config);
    run.setStatePath(state);
    train::RunCallbacks cb;
    cb.onEpoch = [&](const train::EpochProgress& p) {
      if (p.epoch == 2) run.cancel();
    };
    run.run(cb);
  }
  QVERIFY(QFileInfo::exists(config.checkpointPath));
  QVERIFY(QFileInfo::exists(state));
  auto bytesOf = [](const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
  };
  const QByteArray checkpoint = bytesOf(config.checkpointPath);
  const QByteArray stateBytes = bytesOf(state);
  QVERIFY(checkpoint.size() > 1000 && stateBytes.size() > 1000);

  // Variants: cut at 40 places (the zip's central directory is at the end, the records first),
  // and 160 single damaged bytes spread over the file, from a fixed seed.
  auto variants = [](const QByteArray& whole) {
    std::vector<QByteArray> out;
    for (int i = 0; i < 40; ++i) out.push_back(whole.left(qsizetype(double(whole.size()) * i / 40.0)));
    std::mt19937 rng(7);
    for (int i = 0; i < 160; ++i) {
      QByteArray damaged = whole;
      const qsizetype at = qsizetype(rng() % quint32(whole.size()));
      damaged[at] = char(damaged[at] ^ char(1 + rng() % 255));
      out.push_back(damaged);
    }
    return out;
  };
  const QString file = dir.filePath(QStringLiteral("damaged.pt"));
  auto write = [&](const QByteArray& bytes) {
    QFile f(file);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
  };
  int refused = 0, loaded = 0;
  for (const QByteArray& bytes : variants(checkpoint)) {
    QVERIFY(write(bytes));
    auto stored = train::RunController::readCheckpointConfig(file);
    if (!stored.ok()) QVERIFY2(stored.error().message().contains(file), qPrintable(stored.error().message()));
    train::RunController reloaded(data, train::TrainConfig());
    const Status s = reloaded.loadCheckpoint(file);
    if (!s.ok()) {
      QVERIFY2(s.error().message().contains(file), qPrintable(s.error().message()));
      ++refused;
      continue;
    }
    ++loaded;
    auto test = reloaded.evaluate(data::Stage::Test);  // a model that loaded can be used
    Q_UNUSED(test);
  }
  QCOMPARE(refused + loaded, 200);
  QVERIFY(refused >= 40);  // every cut (all 40 are shorter than the file) is refused
  qInfo("checkpoint variants: %d refused, %d loaded", refused, loaded);

  int stateRefused = 0;
  for (const QByteArray& bytes : variants(stateBytes)) {
    QVERIFY(write(bytes));
    const Status s = train::RunController::checkState(file, *data, config);
    if (!s.ok()) {
      QVERIFY2(s.error().message().contains(file), qPrintable(s.error().message()));
      ++stateRefused;
    }
  }
  qInfo("training-state variants: %d refused by checkState", stateRefused);
  QVERIFY(stateRefused >= 39);
  // A run resuming from damaged states: a refusal ends it failed with the file's name, never
  // a crash (a few variants: each one that loads trains an epoch).
  const std::vector<QByteArray> some = variants(stateBytes);
  for (size_t i : {size_t(0), size_t(20), size_t(39), size_t(45), size_t(120), size_t(199)}) {
    QVERIFY(write(some[i]));
    auto again = config;
    again.checkpointPath.clear();
    train::RunController run(data, again);
    run.setStatePath(file);
    const auto o = run.run();
    if (o.status != train::RunStatus::Finished)
      QVERIFY2(o.message.contains(file), qPrintable(o.message));
  }
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
  // Rows follow the evaluated users in user order (the export batches by history length and
  // puts them back): the same as a model of the same run scoring one user per batch.
  auto single = config;
  single.evalBatchSize = 1;
  train::RunController oneByOne(data, single);
  oneByOne.run();
  const auto one = oneByOne.embeddings();
  QVERIFY(one.ok());
  QCOMPARE(one.value().adjustment.ids, b.value().adjustment.ids);
  QVERIFY(std::is_sorted(b.value().adjustment.ids.begin(), b.value().adjustment.ids.end()));
  const auto& x = b.value().adjustment.values;
  const auto& y = one.value().adjustment.values;
  QCOMPARE(x.size(), y.size());
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, double(std::abs(x[i] - y[i])));
  QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));

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

void TestTraining::shiftEvaluationUsesTheOtherDatasetsTargets() {
  auto source = walkDataset();
  train::RunController run(source, tinyConfig());
  const auto o = run.run();
  QCOMPARE(train::toString(o.status), train::toString(train::RunStatus::Finished));
  auto target = shiftedCopy(*source, 11);
  // The copy really renumbers items: some token has another id than in the source.
  bool renumbered = false;
  for (int32_t j = 1; j <= source->numItems(); ++j)
    renumbered |= target->itemTokens[j] != source->itemTokens[j];
  QVERIFY(renumbered);

  double worstMargin = 0;
  const eval::RankingMetrics expected =
      independentShiftMetrics(run, *source, *target, &worstMargin);
  QVERIFY2(worstMargin > 1, qPrintable(QString::number(worstMargin)));  // no near-ties
  QCOMPARE(expected.users, source->numUsers() - 2);  // the short and the unknown-item users
  auto shifted = run.evaluateOn(*target);
  QVERIFY(shifted.ok());
  compareMetrics(shifted.value(), expected);
  // The test can fail: the model's own test targets give other numbers.
  QVERIFY(std::abs(expected.ndcgAt(10) - o.test.ndcgAt(10)) > 1e-3);
}

void TestTraining::cliShiftEvaluationMatchesIndependentRanks() {
  QTemporaryDir dir;
  const QString sourceFile = dir.filePath(QStringLiteral("walk.txt"));
  const QString targetFile = dir.filePath(QStringLiteral("walk-shifted.txt"));
  const QString checkpoint = dir.filePath(QStringLiteral("walk.pt"));
  auto walk = walkDataset();
  writeWithNumericTokens(*walk, sourceFile);
  writeWithNumericTokens(*shiftedCopy(*walk, 11), targetFile);
  const QStringList tiny = {"--hidden", "16", "--heads", "2", "--layers", "1", "--max-length",
                            "10", "--dropout", "0.1", "--batch", "32", "--epochs", "3",
                            "--negatives", "16", "--lr", "5e-3", "--seed", "7"};
  const auto [code, stdoutBytes] =
      runCli(QStringList{"train", "--data", sourceFile, "--test-data", targetFile, "--checkpoint",
                         checkpoint, "--json", "--quiet", "--no-store", "--no-cache"} + tiny);
  QCOMPARE(code, 0);
  const QJsonObject result = QJsonDocument::fromJson(stdoutBytes).object();

  data::LoadOptions noCache;
  noCache.useCache = false;
  auto source = data::loadDataset(sourceFile, noCache);
  auto target = data::loadDataset(targetFile, noCache);
  QVERIFY(source.ok() && target.ok());
  bool renumbered = false;
  for (int32_t j = 1; j <= source.value().numItems(); ++j)
    renumbered |= target.value().itemTokens[j] != source.value().itemTokens[j];
  QVERIFY(renumbered);
  auto shared = std::make_shared<const data::Dataset>(source.value());
  train::RunController reloaded(shared, train::TrainConfig());
  QVERIFY(reloaded.loadCheckpoint(checkpoint).ok());
  double worstMargin = 0;
  const eval::RankingMetrics expected =
      independentShiftMetrics(reloaded, source.value(), target.value(), &worstMargin);
  QVERIFY2(worstMargin > 1, qPrintable(QString::number(worstMargin)));
  QCOMPARE(expected.users, shared->numUsers() - 2);

  const QJsonObject shift = result.value(QStringLiteral("test_data")).toObject();
  compareMetrics(metricsFromJson(shift.value(QStringLiteral("test")).toObject()), expected);
  const double testHr10 = result.value(QStringLiteral("test")).toObject().value(QStringLiteral("HR@10")).toDouble();
  QVERIFY(std::abs(shift.value(QStringLiteral("gap_hr10")).toDouble() -
                   (testHr10 - expected.hrAt(10))) < 1e-12);
  QVERIFY(std::abs(testHr10 - expected.hrAt(10)) > 1e-3);

  // `irl4rec eval` on the checkpoint reports the same.
  const auto [evalCode, evalBytes] =
      runCli({"eval", "--checkpoint", checkpoint, "--data", sourceFile, "--test-data", targetFile,
              "--json", "--no-cache"});
  QCOMPARE(evalCode, 0);
  const QJsonObject evalShift =
      QJsonDocument::fromJson(evalBytes).object().value(QStringLiteral("test_data")).toObject();
  compareMetrics(metricsFromJson(evalShift.value(QStringLiteral("test")).toObject()), expected);
}

void TestTraining::earlyStoppingTestsTheBestValidationEpoch_data() {
  QTest::addColumn<int>("evalEvery");
  QTest::addColumn<int>("patience");
  QTest::newRow("every epoch, patience 2") << 1 << 2;
  QTest::newRow("every 2 epochs, patience 4") << 2 << 4;
}

void TestTraining::earlyStoppingTestsTheBestValidationEpoch() {
  QFETCH(int, evalEvery);
  QFETCH(int, patience);
  auto data = noiseDataset();
  auto config = tinyConfig();
  config.epochs = 60;
  config.evalEvery = evalEvery;
  config.patience = patience;
  train::RunController run(data, config);
  std::map<int, double> validationNdcg;
  std::map<int, QJsonObject> validation;
  train::RunCallbacks cb;
  cb.onEpoch = [&](const train::EpochProgress& p) {
    if (!p.evaluated) return;
    validationNdcg[p.epoch] = p.validation.ndcgAt(10);
    validation[p.epoch] = p.validation.toJson();
  };
  const auto o = run.run(cb);
  QCOMPARE(train::toString(o.status), train::toString(train::RunStatus::Finished));
  QVERIFY(o.earlyStopped);
  QVERIFY(o.epochsRun < config.epochs);
  QCOMPARE(o.epochsRun - o.bestEpoch, patience);
  // bestEpoch = the first epoch with the highest validation NDCG@10.
  int argmax = 0;
  for (const auto& [epoch, ndcg] : validationNdcg)
    if (argmax == 0 || ndcg > validationNdcg[argmax]) argmax = epoch;
  QCOMPARE(o.bestEpoch, argmax);
  QCOMPARE(o.validation.toJson(), validation[argmax]);
  // The model moved on after the best epoch (so a test of the last model would differ) …
  QVERIFY(validationNdcg.rbegin()->second < validationNdcg[argmax]);
  // … and the reported test is the best epoch's: a run that ends at that epoch (same seed, the
  // same batches up to it) tests the same model.
  auto upToBest = config;
  upToBest.epochs = o.bestEpoch;
  upToBest.patience = 0;
  train::RunController shorter(data, upToBest);
  const auto s = shorter.run();
  QVERIFY(!s.earlyStopped);
  QCOMPARE(s.bestEpoch, o.bestEpoch);
  QCOMPARE(s.validation.toJson(), o.validation.toJson());
  QCOMPARE(s.test.toJson(), o.test.toJson());
  QCOMPARE(run.evaluate(data::Stage::Test).value().toJson(), o.test.toJson());
}

void TestTraining::cliJsonIsByteIdenticalAcrossParallelProcesses() {
  // Two processes at the same time, then one alone: the same `--json` bytes except the wall
  // times ("seconds", and per epoch of "history" "train_seconds" and "eval_seconds"), the only
  // fields that may differ (--no-store: no run uuid).
  const QStringList args = {"train", "--data", sourcePath("datasets/synthetic/iid.txt"),
                            "--test-data", sourcePath("datasets/synthetic/shifted.txt"),
                            "--model", "irl4rec", "--alpha", "0.1", "--beta", "0.01", "--gamma",
                            "0.1", "--hidden", "16", "--layers", "1", "--heads", "1",
                            "--max-length", "20", "--epochs", "2", "--negatives", "32",
                            "--seed", "3", "--json", "--quiet", "--no-store", "--no-cache"};
  QProcess a, b;
  a.start(cli(), args);
  b.start(cli(), args);
  QVERIFY(a.waitForFinished(600000) && b.waitForFinished(600000));
  QCOMPARE(a.exitCode(), 0);
  QCOMPARE(b.exitCode(), 0);
  const auto [code, alone] = runCli(args);
  QCOMPARE(code, 0);
  const QRegularExpression seconds(QStringLiteral("\"(seconds|train_seconds|eval_seconds)\":[0-9.e+-]+"));
  auto withoutTime = [&](QByteArray bytes) {
    QString s = QString::fromUtf8(bytes);
    if (!s.contains(QStringLiteral("\"seconds\":"))) qWarning("no seconds field in %s", bytes.constData());
    return s.replace(seconds, QStringLiteral("\"\\1\":0"));
  };
  const QString first = withoutTime(a.readAllStandardOutput());
  QVERIFY(first.contains(QStringLiteral("\"status\":\"finished\"")));
  QVERIFY(first.contains(QStringLiteral("\"test_data\"")));
  QCOMPARE(withoutTime(b.readAllStandardOutput()), first);
  QCOMPARE(withoutTime(alone), first);
}

void TestTraining::resumedRunMatchesTheUninterruptedRun() {
  // A run stopped after epoch 3 (cancelled: what a killed process leaves behind is the state of
  // its last completed epoch) and resumed from its training state ends with the numbers of the
  // uninterrupted run: the same batches, dropout masks, noise and negatives, the same
  // validation history and best epoch, the same test metrics.
  auto data = walkDataset();
  auto config = irlConfig();
  config.epochs = 7;
  config.evalEvery = 2;
  config.patience = 0;
  QTemporaryDir dir;
  const QString state = dir.filePath(QStringLiteral("run.state"));

  train::RunController whole(data, config);
  std::vector<double> lossesWhole;
  std::vector<train::EpochProgress> epochsWhole;
  train::RunCallbacks cw;
  cw.onStep = [&](const train::StepProgress& p) { lossesWhole.push_back(p.total); };
  cw.onEpoch = [&](const train::EpochProgress& p) { epochsWhole.push_back(p); };
  const auto a = whole.run(cw);
  QCOMPARE(train::toString(a.status), QStringLiteral("finished"));

  train::RunController first(data, config);
  first.setStatePath(state);
  std::vector<double> losses;
  train::RunCallbacks c1;
  c1.onStep = [&](const train::StepProgress& p) { losses.push_back(p.total); };
  c1.onEpoch = [&](const train::EpochProgress& p) {
    if (p.epoch == 3) first.cancel();
  };
  QCOMPARE(train::toString(first.run(c1).status), QStringLiteral("cancelled"));
  QVERIFY(QFileInfo::exists(state));
  const size_t stepsBefore = losses.size();
  QVERIFY(stepsBefore > 0 && stepsBefore < lossesWhole.size());

  // Another configuration is refused by name; a longer budget is not.
  auto other = config;
  other.lr = 1e-2;
  const Status refused = train::RunController::checkState(state, *data, other);
  QVERIFY(!refused.ok());
  QVERIFY2(refused.error().message().contains(state) &&
               refused.error().message().contains(QStringLiteral("another configuration (lr")),
           qPrintable(refused.error().message()));
  auto longer = config;
  longer.epochs = 9;
  QVERIFY(train::RunController::checkState(state, *data, longer).ok());

  train::RunController second(data, config);
  second.setStatePath(state);
  std::vector<train::EpochProgress> epochs;
  train::RunCallbacks c2;
  c2.onStep = [&](const train::StepProgress& p) { losses.push_back(p.total); };
  c2.onEpoch = [&](const train::EpochProgress& p) { epochs.push_back(p); };
  const auto b = second.run(c2);
  QCOMPARE(train::toString(b.status), QStringLiteral("finished"));
  QCOMPARE(losses, lossesWhole);  // epochs 1-3 from the first process, 4-7 from the second
  QCOMPARE(int(epochs.size()), 7);
  for (int e = 0; e < 7; ++e) {
    QCOMPARE(epochs[size_t(e)].epoch, e + 1);
    QCOMPARE(epochs[size_t(e)].resumed, e < 3);
    QCOMPARE(epochs[size_t(e)].meanLoss, epochsWhole[size_t(e)].meanLoss);
    QCOMPARE(epochs[size_t(e)].step, epochsWhole[size_t(e)].step);
    QCOMPARE(epochs[size_t(e)].evaluated, epochsWhole[size_t(e)].evaluated);
    QCOMPARE(epochs[size_t(e)].validation.toJson(), epochsWhole[size_t(e)].validation.toJson());
    QCOMPARE(epochs[size_t(e)].bestEpoch, epochsWhole[size_t(e)].bestEpoch);
  }
  QCOMPARE(b.bestEpoch, a.bestEpoch);
  QCOMPARE(b.epochsRun, a.epochsRun);
  QCOMPARE(b.validation.toJson(), a.validation.toJson());
  QCOMPARE(b.test.toJson(), a.test.toJson());
  QVERIFY(!QFileInfo::exists(state));  // a finished run leaves no state behind
}

void TestTraining::cliResumesAKilledRun() {
  // `irl4rec train --state FILE` killed with SIGKILL after its first epoch and started again
  // with the same arguments prints the JSON of the uninterrupted run (wall times aside) plus
  // where it resumed; a state of another configuration is refused with exit code 2.
  QTemporaryDir dir;
  const QString state = dir.filePath(QStringLiteral("killed.state"));
  const QStringList args = {"train", "--data", sourcePath("datasets/synthetic/iid.txt"),
                            "--hidden", "16", "--layers", "1", "--heads", "1", "--max-length",
                            "20", "--epochs", "12", "--eval-every", "3", "--negatives", "32",
                            "--seed", "4", "--json", "--quiet", "--no-store", "--no-cache"};
  const auto [code, uninterrupted] = runCli(args);
  QCOMPARE(code, 0);

  QProcess killed;
  killed.start(cli(), args + QStringList{"--state", state});
  QVERIFY(killed.waitForStarted());
  while (!QFileInfo::exists(state) && killed.state() != QProcess::NotRunning) QThread::msleep(2);
  QVERIFY2(killed.state() != QProcess::NotRunning, "the run ended before its first state");
  ::kill(pid_t(killed.processId()), SIGKILL);
  QVERIFY(killed.waitForFinished());
  QCOMPARE(killed.exitStatus(), QProcess::CrashExit);
  QVERIFY(QFileInfo::exists(state));

  QProcess refused;
  refused.start(cli(), args + QStringList{"--state", state, "--lr", "0.01"});
  QVERIFY(refused.waitForFinished(600000));
  QCOMPARE(refused.exitCode(), 2);
  const QString why = QString::fromUtf8(refused.readAllStandardError());
  QVERIFY2(why.contains(state) && why.contains(QStringLiteral("another configuration (lr")),
           qPrintable(why));

  const auto [again, resumed] = runCli(args + QStringList{"--state", state});
  QCOMPARE(again, 0);
  const QRegularExpression seconds(QStringLiteral("\"(seconds|train_seconds|eval_seconds)\":[0-9.e+-]+"));
  const QRegularExpression resumedAt(QStringLiteral(",?\"resumed_after_epoch\":([0-9]+)"));
  QString got = QString::fromUtf8(resumed);
  const auto match = resumedAt.match(got);
  QVERIFY2(match.hasMatch(), "the second run did not resume");
  QVERIFY(match.captured(1).toInt() >= 1 && match.captured(1).toInt() < 12);
  got.remove(resumedAt);
  got.replace(seconds, QStringLiteral("\"\\1\":0"));
  QString expected = QString::fromUtf8(uninterrupted);
  expected.replace(seconds, QStringLiteral("\"\\1\":0"));
  QCOMPARE(got, expected);
  QVERIFY(!QFileInfo::exists(state));
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
  QTest::newRow("baseline with gamma") << QStringList{"train", "--data", iid, "--gamma", "0.5"}
                                       << "a baseline ignores alpha, beta and gamma (got 0, 0, 0.5)";
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
  // Absurd sizes are refused from the memory estimate, before anything is allocated.
  QTest::newRow("hidden 1e8") << QStringList{"train", "--data", iid, "--hidden", "100000000"}
                              << "hidden size 100000000 needs an estimated";
  QTest::newRow("max length 1e8") << QStringList{"train", "--data", iid, "--max-length", "100000000"}
                                  << "max length 100000000 needs an estimated";
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

void TestTraining::refitTrainsOnTrainAndValidation() {
  // --protocol refit trains on every interaction but the test one, for exactly `epochs` epochs,
  // and tests the last model. Independent check: the same training data is what the normal
  // split sees on a copy where every user's last item is repeated once (its training prefix is
  // then [0, n-1) of the original; no new item, the same users and batches), so both runs must
  // end with bit-identical item tables.
  auto data = walkDataset(120, 30, 4);
  auto config = tinyConfig();
  config.loss = train::LossKind::Ce;  // no negatives: the random stream is dropout alone
  config.epochs = 3;
  config.evalEvery = 1;
  config.patience = 1;  // would stop a normal run early; refit never validates
  auto refitConfig = config;
  refitConfig.refit = true;
  train::RunController refit(data, refitConfig);
  int evaluated = 0;
  train::RunCallbacks cb;
  cb.onEpoch = [&](const train::EpochProgress& p) { evaluated += p.evaluated ? 1 : 0; };
  const auto o = refit.run(cb);
  QCOMPARE(train::toString(o.status), train::toString(train::RunStatus::Finished));
  QCOMPARE(evaluated, 0);
  QCOMPARE(o.epochsRun, 3);
  QCOMPARE(o.bestEpoch, 3);
  QVERIFY(!o.earlyStopped);
  QCOMPARE(o.validation.users, int64_t(0));
  QVERIFY(o.test.trainedOnValidation);
  QVERIFY(o.test.toJson().value(QStringLiteral("trained_on_validation")).toBool());
  QVERIFY(!refit.evaluate(data::Stage::Validation).ok());
  QVERIFY(!refit.ranks(data::Stage::Validation).ok());
  const auto test = refit.evaluate(data::Stage::Test);
  QVERIFY(test.ok());
  QCOMPARE(test.value().toJson(), o.test.toJson());

  auto repeated = std::make_shared<data::Dataset>(*data);
  for (auto& seq : repeated->sequences) seq.push_back(seq.back());
  auto plain = config;
  plain.evalEvery = plain.epochs;  // one validation, after the last epoch: the last model
  plain.patience = 0;
  train::RunController normal(repeated, plain);
  const auto n = normal.run();
  QCOMPARE(train::toString(n.status), train::toString(train::RunStatus::Finished));
  QCOMPARE(n.bestEpoch, 3);
  const auto a = refit.embeddings(data::Stage::Test);
  const auto b = normal.embeddings(data::Stage::Test);
  QVERIFY(a.ok() && b.ok());
  QCOMPARE(a.value().items.values.size(), size_t(30 * 16));
  QVERIFY(a.value().items.values == b.value().items.values);
  // And it is not the normal run on the original data (which never saw the validation items).
  train::RunController unrefit(data, plain);
  QCOMPARE(train::toString(unrefit.run().status), train::toString(train::RunStatus::Finished));
  QVERIFY(unrefit.embeddings(data::Stage::Test).value().items.values != a.value().items.values);
}

void TestTraining::cliRefitIsLabelled() {
  // The CLI: --protocol refit is in the config, the test block says trained_on_validation,
  // there is no validation anywhere (result, history, irl4rec eval of the checkpoint).
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString checkpoint = dir.filePath(QStringLiteral("refit.pt"));
  const auto [code, bytes] = runCli({"train", "--data", sourcePath("datasets/synthetic/iid.txt"),
                                     "--hidden", "16", "--layers", "1", "--heads", "1",
                                     "--max-length", "20", "--epochs", "2", "--eval-every", "1",
                                     "--loss", "sampled-ce", "--negatives", "32", "--protocol",
                                     "refit", "--checkpoint", checkpoint, "--json", "--quiet",
                                     "--no-store", "--no-cache"});
  QCOMPARE(code, 0);
  const QJsonObject r = QJsonDocument::fromJson(bytes).object();
  QCOMPARE(r.value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
  QVERIFY(r.value(QStringLiteral("config")).toObject().value(QStringLiteral("refit")).toBool());
  QVERIFY(!r.contains(QStringLiteral("validation")));
  QCOMPARE(r.value(QStringLiteral("best_epoch")).toInt(), 2);
  QCOMPARE(r.value(QStringLiteral("epochs_run")).toInt(), 2);
  const QJsonObject test = r.value(QStringLiteral("test")).toObject();
  QVERIFY(test.value(QStringLiteral("trained_on_validation")).toBool());
  QCOMPARE(test.value(QStringLiteral("protocol")).toString(), QStringLiteral("full"));
  const QJsonArray history = r.value(QStringLiteral("history")).toArray();
  QCOMPARE(history.size(), 2);
  for (const auto& e : history) QVERIFY(!e.toObject().contains(QStringLiteral("valid_ndcg10")));
  const auto [evalCode, evalBytes] = runCli({"eval", "--checkpoint", checkpoint, "--json", "--no-cache"});
  QCOMPARE(evalCode, 0);
  const QJsonObject e = QJsonDocument::fromJson(evalBytes).object();
  QVERIFY(!e.contains(QStringLiteral("validation")));
  QCOMPARE(e.value(QStringLiteral("test")).toObject(), test);
  const auto [textCode, text] = runCli({"eval", "--checkpoint", checkpoint, "--no-cache"});
  QCOMPARE(textCode, 0);
  QVERIFY2(text.contains("validation none (refit"), text.constData());
  QVERIFY2(text.contains("refit: trained on validation"), text.constData());
}

void TestTraining::ranksDoNotDependOnTheEvaluationBatch_data() {
  QTest::addColumn<QString>("encoder");
  QTest::addColumn<bool>("xuBlock");
  QTest::newRow("sasrec") << "sasrec" << false;
  QTest::newRow("sasrec, Xu et al.'s block with padding keys") << "sasrec" << true;
  QTest::newRow("bert4rec") << "bert4rec" << false;
  QTest::newRow("gru4rec") << "gru4rec" << false;
}

void TestTraining::ranksDoNotDependOnTheEvaluationBatch() {
  // eval_batch_size is operational (not in the group key): how many users share a batch must
  // not change a single rank, at either stage, on one thread or two.
  QFETCH(QString, encoder);
  QFETCH(bool, xuBlock);
  auto data = walkDataset(300, 40, 6);
  auto config = tinyConfig();
  config.encoder = train::parseEncoderKind(encoder).value();
  config.loss = train::LossKind::Ce;
  config.epochs = 2;
  if (xuBlock) {
    config.heads = 1;
    config.norm = train::NormKind::Kang;
    config.ffn = train::FfnKind::ReluD;
    config.padKeys = true;
    config.init = train::InitKind::Xavier;
  }
  train::RunController run(data, config);
  QCOMPARE(train::toString(run.run().status), train::toString(train::RunStatus::Finished));
  for (const auto stage : {data::Stage::Validation, data::Stage::Test}) {
    run.setEvaluationSettings(train::EvalProtocol::Full, 1, 2048);
    const auto reference = run.ranks(stage);
    QVERIFY(reference.ok());
    QCOMPARE(reference.value().users.size(), size_t(300));
    for (const int batch : {1, 7, 64, 512}) {
      for (const int threads : {1, 2}) {
        run.setEvaluationSettings(train::EvalProtocol::Full, threads, batch);
        const auto ranks = run.ranks(stage);
        QVERIFY(ranks.ok());
        QVERIFY2(ranks.value().ranks == reference.value().ranks,
                 qPrintable(QStringLiteral("batch %1, %2 threads").arg(batch).arg(threads)));
      }
    }
  }
}


/// --negative-pool: the default (whole sequence) is every earlier run's sampler; "train" draws
/// other negatives (the held-out items become possible), so the steps' losses differ from the
/// first batch on; the key is in the config's JSON only when "train" (old groups unchanged).
void TestTraining::negativePoolIsTheRunsChoice() {
  auto data = walkDataset();
  auto config = tinyConfig();
  config.loss = train::LossKind::Bce;
  config.epochs = 1;
  auto losses = [&](const train::TrainConfig& c) {
    train::RunController run(data, c);
    std::vector<double> out;
    train::RunCallbacks cb;
    cb.onStep = [&](const train::StepProgress& p) { out.push_back(p.total); };
    const auto outcome = run.run(cb);
    [&] { QCOMPARE(train::toString(outcome.status), train::toString(train::RunStatus::Finished)); }();
    return out;
  };
  const std::vector<double> whole = losses(config);
  QVERIFY(!config.toJson().contains(QStringLiteral("negative_pool")));
  config.negativePool = train::NegativePool::Sequence;
  QCOMPARE(losses(config), whole);
  config.negativePool = train::NegativePool::Train;
  const std::vector<double> prefix = losses(config);
  QCOMPARE(prefix.size(), whole.size());
  QVERIFY(prefix.front() != whole.front());
  QCOMPARE(config.toJson().value(QStringLiteral("negative_pool")).toString(), QStringLiteral("train"));
  auto back = train::TrainConfig::fromJson(config.toJson());
  QVERIFY(back.ok());
  QVERIFY(back.value().negativePool == train::NegativePool::Train);
}

QTEST_GUILESS_MAIN(TestTraining)
#include "test_training.moc"
