// The leave-one-out split on a hand-checked example.
#include "core/data/batching.h"
#include "core/data/split.h"

#include <QtTest>

#include <random>

using namespace irl4rec::data;

class TestDataSplit : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void handChecked() {
    Dataset d;
    d.sequences = {{1, 2, 3, 4, 5}, {6, 7}, {1, 2, 3}, {9}, {4, 8, 4, 2}};
    const LeaveOneOutSplit split(d);
    // Training prefixes: n-2 items for n >= 3, the whole sequence otherwise.
    QCOMPARE(split.trainLength(0), 3);
    QCOMPARE(split.trainLength(1), 2);
    QCOMPARE(split.trainLength(2), 1);
    QCOMPARE(split.trainLength(3), 1);
    QCOMPARE(split.trainLength(4), 2);
    QCOMPARE(split.usersTrainOnly(), 2);
    // Next-item pairs inside the prefixes: [1,2,3] -> 2, [6,7] -> 1, [1] -> 0, [9] -> 0, [4,8]
    // -> 1.
    QCOMPARE(split.trainTargets(), 4);
    QVERIFY(split.evaluable());

    const auto& valid = split.cases(Stage::Validation);
    const auto& test = split.cases(Stage::Test);
    QCOMPARE(valid.size(), size_t(3));
    QCOMPARE(test.size(), size_t(3));
    const int64_t users[] = {0, 2, 4};
    const int32_t validTargets[] = {4, 2, 4};
    const int32_t validHistory[] = {3, 1, 2};
    const int32_t testTargets[] = {5, 3, 2};
    const int32_t testHistory[] = {4, 2, 3};
    for (size_t k = 0; k < 3; ++k) {
      QCOMPARE(valid[k].user, users[k]);
      QCOMPARE(valid[k].target, validTargets[k]);
      QCOMPARE(valid[k].historyLength, validHistory[k]);
      QCOMPARE(test[k].user, users[k]);
      QCOMPARE(test[k].target, testTargets[k]);
      QCOMPARE(test[k].historyLength, testHistory[k]);
      // The target is the item right after the history, and the validation item is part of
      // the test history (never of the training prefix).
      const auto& seq = d.sequences[size_t(users[k])];
      QCOMPARE(seq[size_t(test[k].historyLength)], test[k].target);
      QCOMPARE(seq[size_t(valid[k].historyLength)], valid[k].target);
      QCOMPARE(split.trainLength(users[k]), valid[k].historyLength);
    }
  }

  void refitTrainsOnTheValidationItem() {
    // --protocol refit: the validation item is a training target, nothing is left to validate
    // on, and the test cases are those of the normal split.
    Dataset d;
    d.sequences = {{1, 2, 3, 4, 5}, {6, 7}, {1, 2, 3}, {9}, {4, 8, 4, 2}};
    const LeaveOneOutSplit normal(d);
    const LeaveOneOutSplit refit(d, true);
    QVERIFY(refit.refit() && !normal.refit());
    const int32_t lengths[] = {4, 2, 2, 1, 3};  // n-1 for n >= 3, the whole sequence otherwise
    for (int64_t u = 0; u < 5; ++u) QCOMPARE(refit.trainLength(u), lengths[u]);
    QCOMPARE(refit.trainTargets(), normal.trainTargets() + 3);  // one more per evaluable user
    QVERIFY(refit.cases(Stage::Validation).empty());
    QVERIFY(refit.evaluable());
    const auto& test = refit.cases(Stage::Test);
    QCOMPARE(test.size(), normal.cases(Stage::Test).size());
    for (size_t k = 0; k < test.size(); ++k) {
      QCOMPARE(test[k].user, normal.cases(Stage::Test)[k].user);
      QCOMPARE(test[k].target, normal.cases(Stage::Test)[k].target);
      QCOMPARE(test[k].historyLength, normal.cases(Stage::Test)[k].historyLength);
    }
    // In a training batch, user 0's last next-item target is its validation item (4) under
    // refit, and the item before it (3) without; the test item (5) is never a target.
    for (const bool cloze : {false, true}) {
      const TrainingBatch withValid = trainingBatch(d, refit, {0}, 50, cloze);
      const TrainingBatch without = trainingBatch(d, normal, {0}, 50, cloze);
      const auto lastTarget = [](const TrainingBatch& b) {
        return b.targets.items[size_t(b.targets.lengths[0] - 1)];
      };
      QCOMPARE(lastTarget(withValid), int64_t(4));
      QCOMPARE(lastTarget(without), int64_t(3));
      for (const int64_t item : withValid.targets.items) QVERIFY(item != 5);
      for (const int64_t item : withValid.inputs.items) QVERIFY(item != 5);
    }
  }

  void noEvaluableUsers() {
    Dataset d;
    d.sequences = {{1, 2}, {3}};
    const LeaveOneOutSplit split(d);
    QVERIFY(!split.evaluable());
    QCOMPARE(split.usersTrainOnly(), 2);
    QVERIFY(split.cases(Stage::Test).empty());
  }

  void matchesStatsOnTheShippedSample() {
    // The split and Dataset::stats agree on who is train-only.
    Dataset d;
    d.sequences = {{1, 2, 3}, {1}, {2, 3}, {1, 2, 3, 4}};
    d.itemTokens = {QString(), "1", "2", "3", "4"};
    QCOMPARE(LeaveOneOutSplit(d).usersTrainOnly(), d.stats().usersTrainOnly);
  }

  void negativesNeverFromTheExcludedItems() {
    // 10 items; user 0's sequence 1..5: training prefix 1, 2, 3, validation 4, test 5.
    Dataset d;
    d.sequences = {{1, 2, 3, 4, 5}};
    d.itemTokens = {QString(), "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};
    const LeaveOneOutSplit split(d);
    SequenceBatch targets;
    targets.rows = 1;
    targets.width = 3;
    targets.items = {2, 3, 0};  // the last position is padding
    targets.lengths = {2};
    targets.users = {0};
    std::mt19937_64 rng(7);
    auto counts = [&](const LeaveOneOutSplit* trainOnly) {
      std::vector<int> n(11, 0);
      for (int draw = 0; draw < 5000; ++draw) {
        const auto negatives = sampleNegatives(d, targets, trainOnly, rng);
        [&] { QCOMPARE(negatives[2], int64_t(0)); }();
        for (int c = 0; c < 2; ++c) ++n[size_t(negatives[size_t(c)])];
      }
      return n;
    };
    // S3-Rec's pool: the whole sequence, held-out items included, is never drawn.
    const auto whole = counts(nullptr);
    for (int item = 1; item <= 5; ++item) QCOMPARE(whole[size_t(item)], 0);
    for (int item = 6; item <= 10; ++item) QVERIFY(whole[size_t(item)] > 1500);  // 10000 / 5 each
    // The training prefix only: the validation and test items are ordinary negatives.
    const auto train = counts(&split);
    for (int item = 1; item <= 3; ++item) QCOMPARE(train[size_t(item)], 0);
    for (int item = 4; item <= 10; ++item) QVERIFY(train[size_t(item)] > 1000);  // 10000 / 7 each
  }

  void splitByLengthCoversTheBatchAndMinimisesPadding() {
    // Padded cells + groupCost per group, for a cut of `lengths` into `groups`.
    auto cost = [](const std::vector<int32_t>& lengths,
                   const std::vector<std::vector<int64_t>>& groups, int64_t groupCost) {
      int64_t c = 0;
      for (const auto& g : groups) {
        int32_t width = 1;
        for (int64_t r : g) width = std::max(width, lengths[size_t(r)]);
        c += int64_t(g.size()) * width + groupCost;
      }
      return c;
    };
    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 40; ++trial) {
      const size_t n = 1 + size_t(trial % 11);
      std::vector<int32_t> lengths(n);
      for (auto& l : lengths) l = int32_t(1 + rng() % 50);
      const int64_t groupCost = int64_t(rng() % 120);
      const auto groups = splitByLength(lengths, groupCost);
      // Every row exactly once, each group sorted by length.
      std::vector<int> seen(n, 0);
      for (const auto& g : groups) {
        QVERIFY(!g.empty());
        for (size_t i = 0; i < g.size(); ++i) {
          ++seen[size_t(g[i])];
          if (i > 0) QVERIFY(lengths[size_t(g[i - 1])] <= lengths[size_t(g[i])]);
        }
      }
      QCOMPARE(seen, std::vector<int>(n, 1));
      // No cut of the sorted rows into contiguous groups is cheaper (all 2^(n-1) of them).
      std::vector<int64_t> order(n);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t a, int64_t b) { return lengths[size_t(a)] < lengths[size_t(b)]; });
      int64_t best = std::numeric_limits<int64_t>::max();
      for (uint32_t cuts = 0; cuts < (1u << (n - 1)); ++cuts) {
        std::vector<std::vector<int64_t>> g(1);
        for (size_t i = 0; i < n; ++i) {
          if (i > 0 && (cuts >> (i - 1) & 1u)) g.emplace_back();
          g.back().push_back(order[i]);
        }
        best = std::min(best, cost(lengths, g, groupCost));
      }
      QCOMPARE(cost(lengths, groups, groupCost), best);
    }
    // A free cut gives one group per distinct length; a prohibitive one keeps the batch whole.
    const std::vector<int32_t> lengths = {5, 1, 5, 3, 1, 50};
    QCOMPARE(splitByLength(lengths, 0).size(), size_t(4));
    QCOMPARE(splitByLength(lengths, 1000000).size(), size_t(1));
    QVERIFY(splitByLength({}, 10).empty());
  }
};

QTEST_GUILESS_MAIN(TestDataSplit)
#include "test_data_split.moc"
