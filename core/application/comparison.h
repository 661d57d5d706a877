#pragma once
/// Comparing runs (application layer; the GUI's Compare tab and `irl4rec runs compare`), from the
/// run store without any widget: runs read on a worker thread (readSnapshot), filtered, grouped
/// by their group key (runs that differ only by seed), named by what differs between groups,
/// summarised as mean ± sample std per metric, mean ± std bands per curve, the ablation
/// comparison against a reference group (Welch t-test) and the α/β/γ sweep grid. Plus the CSV
/// text of each table.

#include "core/analysis/group_stats.h"
#include "core/common/csv.h"
#include "core/store/store_types.h"
#include "core/train/metric_keys.h"

#include <QHash>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

#include <limits>
#include <vector>

namespace irl4rec::application {

/// The key model selection uses: "best validation" means the epoch of its best value.
inline const QString& kSelectionKey = train::metric::kSelection;

/// Which value of a metric one run contributes to its group.
enum class ValueMode {
  Last,            ///< the last value logged
  BestValidation,  ///< the value at the epoch of the best validation NDCG@10 (test/* is logged
                   ///< once, for that checkpoint, so it is the same in both modes)
};

struct Series {
  QVector<double> x;  ///< epoch for per-epoch keys, step for per-step keys ("loss/...")
  QVector<double> y;
  QVector<int> epoch;
};

/// One run as read from the store.
struct RunRecord {
  store::RunInfo run;  ///< with config
  std::vector<store::MetricSummary> summaries;
  QHash<QString, Series> curves;  ///< keys read (every per-epoch key and the requested ones)
  QJsonObject groupConfig;        ///< config without seed and bookkeeping keys
  QString seed;                   ///< "" when the config has none
  QString problem;  ///< why the run is incomplete ("no metrics", "config is not an object")

  const store::MetricSummary* summary(const QString& key) const;
};

/// Everything the tab needs from the store at one moment.
struct Snapshot {
  std::vector<RunRecord> runs;  ///< newest first
  std::vector<store::DatasetRecord> datasets;
  QStringList keys;  ///< union of metric keys, sorted
  QString error;     ///< non-empty when the store could not be read
};

/// True for keys logged per optimisation step (x = step), false for per-epoch keys (x = epoch).
bool isStepKey(const QString& key);

/// Reads every run of the store at `storePath` (optionally of one dataset) with its summaries,
/// every per-epoch curve and the curves of `extraKeys`. Opens its own connection: call it on the
/// thread that uses the result, typically a worker.
Snapshot readSnapshot(const QString& storePath, const QStringList& extraKeys = {},
                      qint64 datasetId = 0);

/// Which runs take part.
struct Filter {
  qint64 datasetId = 0;                         ///< 0 = every dataset
  QString model;                                ///< "baseline" | "irl4rec" | "" (any)
  QString status = QStringLiteral("finished");  ///< canonical status name, "" = any
  QString text;           ///< case-insensitive, in the run name, group name, tags, encoder, loss
  QSet<qint64> excluded;  ///< runs the user unticked
  QString sweep;          ///< only the runs tagged "sweep:<name>" (train::sweepTag); "" = any
};

/// A seed group: runs with the same group key.
struct Group {
  QString key;
  QString hash;
  QString name;  ///< what differs from the other groups, e.g. "irl4rec sasrec α=0.1 β=1e-4 γ=0"
  QJsonObject config;     ///< the shared config (without seed)
  std::vector<int> runs;  ///< indices into Snapshot::runs, ascending seed
  bool baseline = false;
};

/// Groups the runs that pass `filter` (text also matches group names); baseline groups first,
/// then by name. Unticked runs (`filter.excluded`) stay in their group's `runs` only if
/// `keepExcluded` (the table lists them, the statistics do not use them).
std::vector<Group> groupRuns(const Snapshot& snapshot, const Filter& filter,
                             bool keepExcluded = false);

/// Readable names for the groups: model and encoder, α/β/γ for Irl4Rec, "no confounder", and
/// every other config value that differs between the groups ("lr=0.01"); the dataset name when
/// the groups span datasets. Equal names get the group hash appended.
void nameGroups(std::vector<Group>& groups, const Snapshot& snapshot);

/// The keys any of `groups` stores in its configuration.
QSet<QString> storedConfigKeys(const std::vector<Group>& groups);
/// A group's configuration with the settings stored only away from their default written out
/// (train::completeConfigJson) where some group stores them (`stored`: storedConfigKeys), so that
/// one group reads "split_batches=on" and the others "=off" rather than missing; without the
/// keys that do not separate groups (train::groupExcludedKeys); as stored when it does not
/// read as a TrainConfig. What group names and sweep axes compare.
QJsonObject completeGroupConfig(const QJsonObject& groupConfig, const QSet<QString>& stored);

/// "test/ndcg@10" -> "test NDCG@10"; per-step keys as they are ("loss/total" -> "loss total").
QString metricLabel(const QString& key);
/// A value with four decimals, "–" when it is not finite.
QString valueText(double v);
/// "mean ± std" of a group (the mean alone for one run, "–" for none).
QString summaryText(const analysis::GroupSummary& s);
/// Compact number for names and labels: 0, 0.1, 1e-4, 2.5e-3, 64.
QString formatWeight(double v);

/// The value one run contributes for `key` (NaN when it has none).
double runValue(const RunRecord& run, const QString& key, ValueMode mode);
/// Mean ± sample std and n over the group's runs not in `excluded`.
analysis::GroupSummary groupValue(const Snapshot& snapshot, const Group& group, const QString& key,
                                  ValueMode mode, const QSet<qint64>& excluded = {});
std::vector<double> groupValues(const Snapshot& snapshot, const Group& group, const QString& key,
                                ValueMode mode, const QSet<qint64>& excluded = {});

/// Mean ± sample std of a curve over the runs of a group at each x (runs without a finite value
/// at an x do not count there; std is NaN where n < 2).
struct Band {
  QVector<double> x, mean, std;
  QVector<int> n;
};
Band groupBand(const Snapshot& snapshot, const Group& group, const QString& key,
               const QSet<qint64>& excluded = {});

/// One row of the ablation comparison.
struct AblationRow {
  int group = -1;  ///< index into the groups
  QString metric;
  analysis::WelchResult welch;  ///< group vs reference
};
std::vector<AblationRow> ablation(const Snapshot& snapshot, const std::vector<Group>& groups,
                                  int reference, const QStringList& metrics, ValueMode mode,
                                  const QSet<qint64>& excluded = {});
/// "+12% (p = 0.03, n = 5)"; "+3% (p undefined: n = 1 in the group)"; "reference (n = 3)".
QString ablationLabel(const AblationRow& row, bool isReference);
/// p with two significant digits, "< 0.001" below.
QString formatP(double p);

/// The α/β/γ sweep: mean over seeds of `key` per (x weight, y weight) with the third weight fixed.
struct SweepCell {
  int xi = 0, yi = 0;
  analysis::GroupSummary value;
};
struct Sweep {
  QString xWeight, yWeight, fixedWeight;  ///< "alpha" | "beta" | "gamma"
  QVector<double> xs, ys;                 ///< distinct values, ascending
  QVector<double> fixedValues;            ///< every value of the fixed weight in the runs
  double fixedValue = std::numeric_limits<double>::quiet_NaN();
  std::vector<SweepCell> cells;  ///< only cells with runs
  int runsUsed = 0;
  QString message;  ///< why it is empty or what was left out
};
/// Uses the Irl4Rec runs (confounder on) of `groups`; when they differ in more than α/β/γ the
/// largest family of identical other settings is used and `message` says so. `fixedValue` NaN =
/// the first value of the fixed weight.
Sweep sweep(const Snapshot& snapshot, const std::vector<Group>& groups, const QString& xWeight,
            const QString& yWeight, double fixedValue, const QString& key, ValueMode mode,
            const QSet<qint64>& excluded = {});

// ---- CSV --------------------------------------------------------------------------------------
using irl4rec::csvField;  ///< core/common/csv.h
/// A metric column of the groups table: a key, and whether it always shows the best-validation
/// value (e.g. "best val NDCG@10" next to the last one) instead of following the mode.
struct MetricColumn {
  QString key;
  bool best = false;
};
/// Groups and their runs: level, group, run, uuid, seed, n, then mean and std per column.
QString groupsCsv(const Snapshot& snapshot, const std::vector<Group>& groups,
                  const std::vector<MetricColumn>& columns, ValueMode mode,
                  const QSet<qint64>& excluded = {});
QString ablationCsv(const std::vector<Group>& groups, int reference,
                    const std::vector<AblationRow>& rows);
QString sweepCsv(const Sweep& sweep, const QString& key);

}  // namespace irl4rec::application
