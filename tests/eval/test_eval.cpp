// Tests of the code that joins the metric kernels: eval::rankCases / evaluateCases on a hand-ranked
// example with a stub scorer (histories per stage, users sorted by history length and put back,
// sampled negatives), and the reference models (constant, random within a binomial bound,
// popularity against hand counts).
#include "core/data/readers.h"
#include "core/data/split.h"
#include "core/eval/ranking.h"
#include "core/eval/reference_models.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <set>

using namespace irl4rec;

namespace {

/// A dataset with items 1..items (tokens "1".."items") and the given sequences.
data::Dataset makeDataset(const std::vector<std::vector<int32_t>>& sequences, int items) {
  data::Dataset d;
  d.name = QStringLiteral("hand");
  d.sequences = sequences;
  for (size_t u = 0; u < sequences.size(); ++u) d.userTokens << QString::number(u + 1);
  d.itemTokens << QString();
  d.itemAttributes.push_back({});
  for (int j = 1; j <= items; ++j) {
    d.itemTokens << QString::number(j);
    d.itemAttributes.push_back({});
  }
  return d;
}

bool close(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

QString sourcePath(const char* rel) {
  return QStringLiteral(IRL4REC_SOURCE_DIR "/") + QLatin1String(rel);
}

/// The hand example: 8 items, five users (user 3 has two items and is never evaluated).
const std::vector<std::vector<int32_t>> kHandSequences = {
    {1, 2, 3, 4, 5},  // u0
    {6, 7, 8},        // u1
    {2, 5, 1, 7},     // u2
    {3, 4},           // u3: training only
    {3, 6, 3, 5},     // u4: item 3 repeats; at validation the target is in its own history
};
/// Scores per user for items 0..8; column 0 (padding) is the highest and must never count.
const std::map<int64_t, std::vector<float>> kHandScores = {
    {0, {100, 0.9f, 0.1f, 0.5f, 0.8f, 0.5f, 0.7f, 0.5f, 0.2f}},
    {1, {100, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.9f, 0.3f, 0.6f}},
    {2, {100, 0.4f, 0.95f, 0.1f, 0.1f, 0.2f, 0.1f, 0.6f, 0.5f}},
    {4, {100, 0.5f, 0.5f, 0.7f, 0.1f, 0.3f, 0.8f, 0.2f, 0.9f}},
};
// Test (history = all but the last item, masked):
//   u0 target 5 (0.5): 1, 3 and 4 (the validation item, 0.8) are history; 6 (0.7) and the tie 7
//      count → 2 (3 if the validation item were not masked)
//   u1 target 8 (0.6): 6 (0.9) is history → 0
//   u2 target 7 (0.6): 2 (0.95) is history → 0
//   u4 target 5 (0.3): 3 and 6 are history; 1, 2 (0.5) and 8 (0.9) count → 3
// Validation (history = all but the last two; the test item is a candidate):
//   u0 target 4 (0.8): 1 (0.9) is history → 0
//   u1 target 7 (0.3): the five ties at 0.3 and 8 (0.6) count → 6
//   u2 target 1 (0.4): 7 (0.6, the test item) and 8 (0.5) count → 2 (1 if the test item were
//      masked)
//   u4 target 3 (0.7): the target is also in its own history and stays a candidate; 6 is
//      history; 8 (0.9) counts → 1
const std::vector<int64_t> kHandTestRanks = {2, 0, 0, 3};
const std::vector<int64_t> kHandValidationRanks = {0, 6, 2, 1};

}  // namespace

class TestEval : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(1); }
  void handExampleRanksPerStage_data();
  void handExampleRanksPerStage();
  void rankDoesNotDependOnCaseOrder();
  void sampledNegativesAvoidHistoryAndTarget();
  void constantModelNeverHits();
  void randomModelHitsAtChance();
  void popularityMatchesHandCounts();
};

void TestEval::handExampleRanksPerStage_data() {
  QTest::addColumn<bool>("test");
  QTest::addColumn<int>("batchSize");
  QTest::addColumn<int>("threads");
  // Batch size 2 splits the length-sorted users over two score matrices; 1 and 100 are the
  // extremes. With 3 threads the four batches of size 1 are ranked at once.
  for (int b : {1, 2, 100}) {
    QTest::newRow(qPrintable(QStringLiteral("test, batch %1").arg(b))) << true << b << 1;
    QTest::newRow(qPrintable(QStringLiteral("validation, batch %1").arg(b))) << false << b << 1;
  }
  QTest::newRow("test, batch 1, 3 threads") << true << 1 << 3;
  QTest::newRow("validation, batch 2, 3 threads") << false << 2 << 3;
}

void TestEval::handExampleRanksPerStage() {
  QFETCH(bool, test);
  QFETCH(int, batchSize);
  QFETCH(int, threads);
  const data::Dataset d = makeDataset(kHandSequences, 8);
  const data::LeaveOneOutSplit split(d);
  const data::Stage stage = test ? data::Stage::Test : data::Stage::Validation;
  const auto& cases = split.cases(stage);
  QCOMPARE(cases.size(), size_t(4));

  std::vector<data::Slice> seen;
  std::mutex seenLock;  // the scorer is called from every thread
  eval::Scorer scorer = [&](const std::vector<data::Slice>& slices) {
    auto scores = torch::empty({int64_t(slices.size()), 9});
    for (size_t r = 0; r < slices.size(); ++r) {
      {
        std::lock_guard<std::mutex> lock(seenLock);
        seen.push_back(slices[r]);
      }
      const auto& row = kHandScores.at(slices[r].user);
      for (int j = 0; j <= 8; ++j) scores[int64_t(r)][j] = row[size_t(j)];
    }
    return scores;
  };
  eval::EvalOptions options;
  options.batchSize = batchSize;
  options.threads = threads;
  const std::vector<int64_t> ranks = eval::rankCases(d, cases, scorer, options);
  QCOMPARE(ranks, test ? kHandTestRanks : kHandValidationRanks);

  // Each user was scored once, from the start of its sequence up to the stage's target.
  QCOMPARE(seen.size(), cases.size());
  for (const data::Slice& s : seen) {
    QCOMPARE(s.begin, 0);
    const int32_t n = int32_t(kHandSequences[size_t(s.user)].size());
    QCOMPARE(s.end, test ? n - 1 : n - 2);
  }
  // Shortest histories first (the batching by length; threads take the batches in any order).
  if (threads == 1)
    for (size_t i = 1; i < seen.size(); ++i) QVERIFY(seen[i - 1].length() <= seen[i].length());

  const eval::RankingMetrics m = eval::evaluateCases(d, cases, scorer, options);
  QCOMPARE(m.protocol, QStringLiteral("full"));
  QCOMPARE(m.users, int64_t(4));
  if (test) {
    QVERIFY(close(m.hrAt(5), 1.0));
    QVERIFY(close(m.ndcgAt(5), (0.5 + 1 + 1 + 1 / std::log2(5.0)) / 4));
    QVERIFY(close(m.mrrAt(5), (1.0 / 3 + 1 + 1 + 1.0 / 4) / 4));
  } else {
    QVERIFY(close(m.hrAt(5), 0.75));  // rank 6 misses the top 5
    QVERIFY(close(m.hrAt(10), 1.0));
    QVERIFY(close(m.ndcgAt(5), (1 + 0.5 + 1 / std::log2(3.0)) / 4));
    QVERIFY(close(m.ndcgAt(10), (1 + 1 / std::log2(8.0) + 0.5 + 1 / std::log2(3.0)) / 4));
    QVERIFY(close(m.mrrAt(10), (1 + 1.0 / 7 + 1.0 / 3 + 1.0 / 2) / 4));
  }
}

void TestEval::rankDoesNotDependOnCaseOrder() {
  const data::Dataset d = makeDataset(kHandSequences, 8);
  const data::LeaveOneOutSplit split(d);
  std::vector<data::EvalCase> cases = split.cases(data::Stage::Test);
  std::reverse(cases.begin(), cases.end());
  eval::Scorer scorer = [&](const std::vector<data::Slice>& slices) {
    auto scores = torch::empty({int64_t(slices.size()), 9});
    for (size_t r = 0; r < slices.size(); ++r)
      for (int j = 0; j <= 8; ++j)
        scores[int64_t(r)][j] = kHandScores.at(slices[r].user)[size_t(j)];
    return scores;
  };
  eval::EvalOptions options;
  options.batchSize = 3;
  std::vector<int64_t> expected(kHandTestRanks.rbegin(), kHandTestRanks.rend());
  QCOMPARE(eval::rankCases(d, cases, scorer, options), expected);
}

void TestEval::sampledNegativesAvoidHistoryAndTarget() {
  // 30 items, 60 users each with 20 distinct items: two thirds of the uniform draws hit a
  // history item and must be drawn again.
  std::mt19937_64 rng(3);
  std::vector<std::vector<int32_t>> sequences;
  for (int u = 0; u < 60; ++u) {
    std::vector<int32_t> all(30);
    std::iota(all.begin(), all.end(), 1);
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(20);
    sequences.push_back(all);
  }
  const data::Dataset d = makeDataset(sequences, 30);
  const data::LeaveOneOutSplit split(d);
  eval::EvalOptions options;
  options.sampled = true;
  options.sampledNegatives = 5;
  options.batchSize = 16;
  // A scorer that puts `historyScore` on the items before the target, 0 on the target (the item
  // at the end of the slice) and `otherScore` on every other item.
  auto scorerWith = [&](float historyScore, float otherScore) -> eval::Scorer {
    return [&d, historyScore, otherScore](const std::vector<data::Slice>& slices) {
      auto scores = torch::full({int64_t(slices.size()), 31}, otherScore);
      for (size_t r = 0; r < slices.size(); ++r) {
        const auto& seq = d.sequences[size_t(slices[r].user)];
        for (int32_t i = slices[r].begin; i < slices[r].end; ++i)
          scores[int64_t(r)][seq[size_t(i)]] = historyScore;
        scores[int64_t(r)][seq[size_t(slices[r].end)]] = 0.0f;
      }
      return scores;
    };
  };
  for (data::Stage stage : {data::Stage::Validation, data::Stage::Test}) {
    const auto& cases = split.cases(stage);
    // History above the target, the rest below: a rank > 0 means a negative was a history item
    // or the target itself.
    const auto none = eval::rankCases(d, cases, scorerWith(1.0f, -1.0f), options);
    QCOMPARE(size_t(std::count(none.begin(), none.end(), int64_t(0))), cases.size());
    // The rest above the target: every one of the 5 negatives is a valid candidate.
    const auto all = eval::rankCases(d, cases, scorerWith(-1.0f, 1.0f), options);
    QCOMPARE(size_t(std::count(all.begin(), all.end(), int64_t(5))), cases.size());
    // The same negatives for every model: a model scoring like the second ranks the same again.
    QCOMPARE(eval::rankCases(d, cases, scorerWith(-1.0f, 1.0f), options), all);
    // ... and whatever the threads that rank the batches: with scores that depend on the item
    // and the user, the ranks depend on which negatives were drawn.
    const eval::Scorer byItem = [](const std::vector<data::Slice>& slices) {
      auto scores = torch::empty({int64_t(slices.size()), 31});
      for (size_t r = 0; r < slices.size(); ++r)
        for (int64_t j = 0; j < 31; ++j)
          scores[int64_t(r)][j] = float((j * 7 + slices[r].user) % 31);
      return scores;
    };
    const auto oneThread = eval::rankCases(d, cases, byItem, options);
    eval::EvalOptions threaded = options;
    threaded.threads = 3;
    QCOMPARE(eval::rankCases(d, cases, byItem, threaded), oneThread);
    QVERIFY(std::set<int64_t>(oneThread.begin(), oneThread.end()).size() > 2);

    const auto m = eval::evaluateCases(d, cases, scorerWith(-1.0f, 1.0f), options);
    QCOMPARE(m.protocol, QStringLiteral("sampled"));
    QCOMPARE(m.toJson().value(QStringLiteral("protocol")).toString(), QStringLiteral("sampled"));
    QVERIFY(close(m.mrrAt(10), 1.0 / 6));
  }
}

void TestEval::constantModelNeverHits() {
  auto loaded = data::loadDataset(sourcePath("datasets/synthetic/iid.txt"));
  QVERIFY(loaded.ok());
  for (bool sampled : {false, true})
    for (data::Stage stage : {data::Stage::Validation, data::Stage::Test}) {
      auto m = eval::evaluateReference(loaded.value(), stage, eval::ReferenceModel::Constant,
                                       sampled);
      QVERIFY(m.ok());
      QVERIFY(m.value().users > 0);
      for (size_t i = 0; i < eval::kCutoffs.size(); ++i) {
        QCOMPARE(m.value().hr[i], 0.0);
        QCOMPARE(m.value().ndcg[i], 0.0);
        QCOMPARE(m.value().mrr[i], 0.0);
      }
    }
}

void TestEval::randomModelHitsAtChance() {
  // Under i.i.d. scores a user's target is uniform over its C candidates (all items but the
  // masked history), so it hits with p = min(10, C) / C. Over independent users the hit count S
  // obeys Bernstein's inequality P(|S - sum p| >= l) <= 2 exp(-l^2 / (2 (V + l / 3))) with
  // V = sum p (1 - p); l is chosen so that the bound is 1e-6, i.e. a correct random model fails
  // this test less than once in a million runs. Ten seeds pool 10 x 3000 users.
  auto loaded = data::loadDataset(sourcePath("datasets/synthetic/iid.txt"));
  QVERIFY(loaded.ok());
  const data::Dataset& d = loaded.value();
  const data::LeaveOneOutSplit split(d);
  const auto& cases = split.cases(data::Stage::Test);
  double expected = 0, variance = 0, observed = 0;
  const int seeds = 10;
  for (const data::EvalCase& c : cases) {
    const auto& seq = d.sequences[size_t(c.user)];
    std::set<int32_t> masked(seq.begin(), seq.begin() + c.historyLength);
    masked.erase(c.target);
    const double candidates = double(d.numItems()) - double(masked.size());
    const double p = std::min(10.0, candidates) / candidates;
    expected += seeds * p;
    variance += seeds * p * (1 - p);
  }
  for (uint64_t seed = 1; seed <= uint64_t(seeds); ++seed) {
    auto m = eval::evaluateReference(d, data::Stage::Test, eval::ReferenceModel::Random, false,
                                     seed);
    QVERIFY(m.ok());
    QCOMPARE(m.value().users, int64_t(cases.size()));
    observed += m.value().hrAt(10) * double(cases.size());
  }
  const double L = std::log(2.0 / 1e-6);
  const double tolerance = L / 3 + std::sqrt(L * L / 9 + 2 * L * variance);
  const double n = double(seeds) * double(cases.size());
  qInfo("random HR@10 %.5f, chance %.5f, tolerance %.5f", observed / n, expected / n,
        tolerance / n);
  QVERIFY2(std::abs(observed - expected) < tolerance,
           qPrintable(QStringLiteral("%1 hits, expected %2 ± %3").arg(observed).arg(expected).arg(tolerance)));
  // The bound is tight enough to tell chance from never hitting and from twice chance.
  QVERIFY(tolerance < 0.5 * expected);
}

void TestEval::popularityMatchesHandCounts() {
  const data::Dataset d = makeDataset({{1, 2, 1, 3, 4},  // training prefix 1 2 1
                                       {2, 1, 5, 6},     // 2 1
                                       {1, 2, 3, 2, 5},  // 1 2 3
                                       {6, 6},           // training only: 6 6
                                       {3, 4, 5}},       // 3
                                      6);
  // Counts over the training prefixes only: 1 → 4, 2 → 3, 3 → 2, 6 → 2, 4 → 0, 5 → 0 (over whole
  // sequences they would be 4 4 3 2 3 3).
  // Test ranks: u0 target 4 (0), history 1 2 3: 5 ties, 6 beats → 2; u1 target 6 (2), history
  //   2 1 5: 3 ties → 1; u2 target 5 (0), history 1 2 3: 4 ties, 6 → 2; u4 target 5 (0), history
  //   3 4: 1, 2, 6 → 3.
  // Validation ranks: u0 target 3 (2), history 1 2: 6 ties → 1; u1 target 5 (0), history 2 1:
  //   3, 4, 6 → 3; u2 target 2 (3), history 1 2 3 (the target stays a
  //   candidate): nothing → 0;
  //   u4 target 4 (0), history 3: 1, 2, 5, 6 → 4.
  auto test = eval::evaluateReference(d, data::Stage::Test, eval::ReferenceModel::Popularity);
  auto valid = eval::evaluateReference(d, data::Stage::Validation,
                                       eval::ReferenceModel::Popularity);
  QVERIFY(test.ok() && valid.ok());
  QCOMPARE(test.value().users, int64_t(4));
  QVERIFY(close(test.value().hrAt(5), 1.0));
  QVERIFY(close(test.value().ndcgAt(5),
                (0.5 + 1 / std::log2(3.0) + 0.5 + 1 / std::log2(5.0)) / 4));
  QVERIFY(close(test.value().mrrAt(5), (1.0 / 3 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4) / 4));
  QVERIFY(close(valid.value().hrAt(5), 1.0));
  QVERIFY(close(valid.value().ndcgAt(5),
                (1 / std::log2(3.0) + 1 / std::log2(5.0) + 1 + 1 / std::log2(6.0)) / 4));
  QVERIFY(close(valid.value().mrrAt(5), (1.0 / 2 + 1.0 / 4 + 1 + 1.0 / 5) / 4));
}

QTEST_GUILESS_MAIN(TestEval)
#include "test_eval.moc"
