// The leave-one-out split on a hand-checked example.
#include "core/data/split.h"

#include <QtTest>

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
};

QTEST_GUILESS_MAIN(TestDataSplit)
#include "test_data_split.moc"
