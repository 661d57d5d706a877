#pragma once
/// A sweep as one unit (issue 14, Compare): its configurations (seed groups) placed on the axes
/// that vary between them, each configuration's mean ± std over seeds of the selection metric (a
/// validation one), of a shown metric and of the selection metric's test counterpart; the best
/// configuration by the validation rule; its test result against a reference group (a baseline)
/// with Welch's test; a heat map of any two axes and the data of a parallel-coordinates view.
/// No widgets: ui/compare/sweep_view.h draws it, tests/compare checks it.

#include "ui/compare/compare_data.h"

#include <QJsonValue>

#include <vector>

namespace irl4rec::ui::compare {

/// The sweeps in a snapshot: the names in the runs' `sweep:<name>` tags, with how many runs
/// each has, by name.
struct SweepSummary {
  QString name;
  int runs = 0;
  int finished = 0;
  int failed = 0;   ///< failed or diverged
  int running = 0;  ///< running or queued
};
std::vector<SweepSummary> sweepsIn(const Snapshot& snapshot);
/// True when the run carries the tag of the sweep `name`.
bool inSweep(const RunRecord& run, const QString& name);

/// One setting that differs between the configurations.
struct StudyAxis {
  QString key;                ///< flattened config key ("beta", "optimizer.lr"), or "dataset"
  QVector<QJsonValue> values;  ///< distinct values: numbers ascending, then the others by text
  bool numeric = true;        ///< every value is a number
  QString label(int value) const;  ///< "0.001", "ce", "on", "–" (absent)
};

/// One configuration: a seed group of the study.
struct StudyPoint {
  int group = -1;         ///< index into the groups given to study()
  QVector<int> value;     ///< per axis, index into StudyAxis::values
  analysis::GroupSummary select;  ///< the selection metric
  analysis::GroupSummary shown;   ///< the metric the views show
  analysis::GroupSummary test;    ///< the selection metric's test counterpart
  std::vector<double> testValues;  ///< per run, for the Welch test
};

struct Study {
  QString selectKey;  ///< e.g. "val/ndcg@10"
  QString shownKey;   ///< e.g. "val/ndcg@10" or "test/hr@10"
  QString testKey;    ///< selectKey with "val/" → "test/"
  std::vector<StudyAxis> axes;
  std::vector<StudyPoint> points;  ///< in the order of the groups
  int best = -1;       ///< index into points: highest mean of selectKey (ties: more runs, first)
  int reference = -1;  ///< index into the reference candidates, -1 = none
  QString referenceName;
  analysis::WelchResult bestVsReference;  ///< best point's testKey values vs the reference's
  QString message;                        ///< why something is missing, "" when all is well

  /// "beta=0.001 gamma=0.1" for a point (every axis).
  QString pointName(int point) const;
};

/// Builds the study of `groups` (the sweep's seed groups, already filtered). The selection
/// metric is always read at each run's best-validation epoch (where its test metrics come from);
/// `mode` applies to the shown metric. `candidates` are the
/// groups a best configuration can be compared with (usually every group of the store outside the
/// sweep); `reference` picks one (index into candidates), -1 = automatically: the baseline group
/// on the best point's dataset whose configuration shares most settings with the best point's.
Study study(const Snapshot& snapshot, const std::vector<Group>& groups, const QString& selectKey,
            const QString& shownKey, ValueMode mode, const QSet<qint64>& excluded,
            const std::vector<Group>& candidates, int reference = -1);

/// How a heat map cell folds the axes that are not on the map.
enum class OtherAxes {
  Best,  ///< the configuration with the best mean selection metric in the cell
  Mean,  ///< every run of the cell's configurations pooled
};
struct HeatCell {
  int xi = 0, yi = 0;  ///< indices into the axes' values
  analysis::GroupSummary value;  ///< the shown metric
  int point = -1;                ///< OtherAxes::Best: the configuration shown
  int configurations = 0;        ///< configurations in the cell
};
struct HeatMap {
  int xAxis = -1, yAxis = -1;  ///< indices into Study::axes
  std::vector<HeatCell> cells;  ///< only cells with configurations
  QString message;
};
HeatMap heatMap(const Study& study, int xAxis, int yAxis, OtherAxes others);

/// Parallel coordinates: per point, its position on each axis in [0, 1] (the values evenly
/// spaced in their order) and the shown metric scaled to [0, 1] over the points as the last
/// coordinate (NaN when the point has no value).
struct ParallelLine {
  int point = -1;
  QVector<double> y;  ///< axes.size() + 1 coordinates
};
std::vector<ParallelLine> parallelLines(const Study& study, double* low = nullptr,
                                        double* high = nullptr);

/// Every configuration: axis values, n, selection / shown / test mean and std; best marked.
QString studyCsv(const Study& study);

}  // namespace irl4rec::ui::compare
