#pragma once
/// A sweep: a grid or random search over TrainConfig settings, seeds and datasets, written as a
/// JSON spec (docs/SWEEPS.md), and its deterministic plan: the same spec always gives the same
/// list of runs with the same stable ids, so a sweep can be resumed and extended without
/// training a finished run twice. Qt Core only: no store, no LibTorch, no processes.
///
///     {
///       "name": "irl-weights",
///       "base": {"model": "irl4rec", "epochs": 30, "hidden_size": 64},
///       "datasets": ["../datasets/synthetic/iid.txt"],
///       "seeds": [1, 2, 3],
///       "axes": {
///         "beta": [0, 0.01, 0.1],
///         "gamma": {"log_uniform": [0.001, 1], "count": 4}
///       },
///       "sample_seed": 7,
///       "select": "val/ndcg@10"
///     }

#include "core/common/error.h"
#include "core/train/metric_keys.h"
#include "core/train/train_config.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <functional>
#include <vector>

namespace irl4rec::train {

/// One searched setting: explicit values, or a range sampled uniformly or log-uniformly.
struct SweepAxis {
  enum class Kind { Values, Uniform, LogUniform };
  QString key;  ///< a TrainConfig JSON key ("beta", "lr", "hidden_size", ...)
  Kind kind = Kind::Values;
  QJsonArray values;          ///< Kind::Values, as written
  double low = 0, high = 0;   ///< ranges, inclusive
  int count = 0;              ///< ranges in a grid search: how many values to sample
  bool integer = false;       ///< the key takes integers: sampled values are rounded
  qint64 line = 0;            ///< line of the axis in the spec, for messages
};

enum class SweepSearch {
  Grid,    ///< every combination of the axes' values (ranges contribute `count` samples each)
  Random,  ///< `trials` points, each axis drawn independently (values uniformly, ranges sampled)
};

/// A parsed spec. Parsing checks the shape (known fields, types, non-empty axes); planning
/// checks that every resulting configuration is valid.
struct SweepSpec {
  QString path;              ///< the spec file; relative dataset paths resolve against its folder
  QString name;              ///< default: the file's base name
  QString description;
  QJsonObject base;          ///< TrainConfig JSON keys every run starts from
  /// A named recipe (resources/recipes/, or a recipe file "x.json" relative to the spec) as the
  /// base, overridden by `base`. Resolved by the planner's RecipeResolver (default: findRecipe).
  QString recipe;
  std::vector<SweepAxis> axes;  ///< in the spec's key order (sorted by key)
  /// Hand-picked configurations ({"loss": "ce", "dropout": 0.3}, ...), each overriding the base;
  /// a grid crosses them with the axes. Empty = the base alone.
  std::vector<QJsonObject> points;
  std::vector<uint64_t> seeds;  ///< empty = the base config's seed
  QStringList datasets;         ///< as written
  /// The shift benchmark (`irl4rec train --test-data`): every run also reports its test metrics
  /// on this dataset's test targets (users and items matched by token) as shift/* metrics.
  /// Relative to the spec; empty = none. It does not change what is trained, so it does not
  /// enter the run ids.
  QString testData;
  SweepSearch search = SweepSearch::Grid;
  int trials = 0;               ///< random search: how many points
  uint64_t sampleSeed = 0;      ///< seeds the sampling of ranges (and random search)
  /// The validation metric that picks the best configuration ("val/ndcg@10"): a key the run
  /// store holds, always a validation one.
  QString selectMetric = metric::kSelection;

  // Lines of the top-level fields, for the planner's messages (0 = absent).
  qint64 baseLine = 0, recipeLine = 0, datasetsLine = 0, axesLine = 0, seedsLine = 0, pointsLine = 0,
         testDataLine = 0;

  /// Reads and parses a spec file. Errors are "file:line: cause".
  static Expected<SweepSpec> read(const QString& path);
  /// Parses spec text; `path` names it in errors and anchors relative dataset paths.
  static Expected<SweepSpec> parse(const QByteArray& bytes, const QString& path);
};

/// One run of a plan.
struct PlannedRun {
  int index = 0;         ///< position in the plan
  QString id;            ///< stable run id (a name-based UUID): the run's uuid in the store
  QString dataset;       ///< as written in the spec
  QString dataPath;      ///< absolute path of the dataset
  QString testDataPath;  ///< absolute path of the spec's test_data, empty = none
  TrainConfig config;    ///< the full configuration, data_path set, seed set
  QJsonObject point;     ///< this run's point and axis values {"beta": 0.01, ...} (no seed)
  QString name;          ///< "<sweep> beta=0.01 gamma=0.1 seed=2"
};

struct SweepPlan {
  QString specPath;
  QString name;
  QString selectMetric;
  QStringList axisKeys;
  std::vector<PlannedRun> runs;

  /// The run with this id, or nullptr.
  const PlannedRun* find(const QString& id) const;
};

/// The base JSON config of a named recipe, or an Error.
using RecipeResolver = std::function<Expected<QJsonObject>(const QString& name)>;

/// The runs of `spec`, in a fixed order (datasets, then points and axis values, then seeds).
/// Errors name the spec file and the line of the field at fault. `recipes` resolves "recipe"
/// (empty: the built-in recipes).
Expected<SweepPlan> planSweep(const SweepSpec& spec, const RecipeResolver& recipes = {});

/// The stable id of a run: a name-based (v5) UUID of the dataset as written in the spec and the
/// canonical JSON of the full configuration (with its seed; without data_path and
/// checkpoint_path, which depend on where the sweep runs).
QString sweepRunId(const QString& dataset, const TrainConfig& config);

/// Tag put on every run of the sweep named `name` in the store ("sweep:<name>").
QString sweepTag(const QString& name);

}  // namespace irl4rec::train
