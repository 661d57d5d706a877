#pragma once
/// Plain value types read from and written to the run store (DESIGN.md §3).
/// No Qt SQL here: these are what the GUI models, the CLI and the trainer exchange with RunStore.

#include "core/common/run_values.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace irl4rec::store {

/// The life cycle and the matrices are common to the trainer and the store
/// (core/common/run_values.h).
using irl4rec::EmbeddingMatrix;
using irl4rec::isTerminal;
using irl4rec::parseRunStatus;
using irl4rec::RunStatus;
using irl4rec::toString;


/// A dataset as recorded by the store; upserted by content fingerprint.
struct DatasetRecord {
  qint64 id = 0;
  QString name;         ///< e.g. "Beauty"
  QString path;         ///< where it was last read from
  QString format;       ///< data::formatName(), e.g. "sequence-text"
  QString fingerprint;  ///< data::DatasetStats::fingerprint; unique key
  QJsonObject stats;    ///< statistics as shown by `irl4rec data stats --json`
};

/// Which process wrote a run; used to tell a live run from one whose process died.
struct RunOwner {
  QString host;
  qint64 pid = 0;
  QString token;  ///< boot id + process start time (Linux), guards against pid reuse
};

/// What the caller supplies to create a run.
struct NewRun {
  QString name;          ///< free text; empty -> the first 8 characters of the uuid
  QJsonObject config;    ///< the full training configuration (TrainConfig::toJson())
  qint64 datasetId = 0;  ///< 0 = no dataset recorded
  RunStatus status = RunStatus::Queued;  ///< Queued or Running
  QString notes;
  QStringList tags;
  /// Empty: a random uuid. Otherwise this (lower-case) uuid, e.g. a sweep's stable run id; a
  /// uuid already in the store is an Error. (Last, so that brace-initialised NewRuns keep
  /// their meaning.)
  QString uuid{};
  /// The run's seed group (train::groupKey: its configuration without seed and operational
  /// settings, with the dataset's fingerprint). Empty: the whole configuration, so the run
  /// groups only with identical configurations — the store applies no rule of its own.
  QString groupKey{};
};

/// One row of the runs table plus its metric summaries when listed.
struct RunInfo {
  qint64 id = 0;  ///< row id, stable for the life of the file; used by every call
  QString uuid;   ///< globally unique, what the user sees
  QString name;
  RunStatus status = RunStatus::Queued;
  QString message;     ///< reason for failed / diverged / interrupted, free text
  QDateTime created;   ///< UTC
  QDateTime started;   ///< invalid until the run starts
  QDateTime finished;  ///< invalid until the run ends
  qint64 datasetId = 0;
  QString datasetName;  ///< joined from datasets, empty without a dataset
  QJsonObject config;   ///< empty when listed with includeConfig = false
  QString groupKey;     ///< canonical JSON of the config without seed (train::groupKey, given with NewRun)
  QString groupHash;    ///< short stable hash of groupKey for display and grouping
  QString notes;
  QStringList tags;
  RunOwner owner;
};

/// Whether the best value of a metric is its maximum or its minimum. The writer says which
/// (train::metric::direction); the store keeps it with the series' summary.
enum class MetricDirection { Minimize, Maximize };

/// One logged scalar. NaN is stored as NULL and read back as NaN (a diverged loss stays visible).
struct MetricRow {
  QString key;       ///< e.g. "train/loss", "val/ndcg@10"
  qint64 step = 0;   ///< global optimisation step (or epoch for per-epoch metrics)
  qint32 epoch = 0;  ///< 0 = not tied to an epoch
  double value = 0;
  double wallTime = 0;  ///< seconds since the Unix epoch; 0 = "now" when written
  /// Which way the series' best goes, fixed by its first row (losses: Minimize, the default;
  /// ranking metrics: Maximize — train::metric::direction).
  MetricDirection direction = MetricDirection::Minimize;
};

/// A point of a metric curve as read back.
struct MetricPoint {
  qint64 seq = 0;  ///< insertion order (row id): use metricsAfter(seq) to poll for new rows
  qint64 step = 0;
  qint32 epoch = 0;
  double value = 0;
  double wallTime = 0;
};

/// Latest and best value of one key of one run, maintained on every write.
struct MetricSummary {
  QString key;
  qint64 count = 0;
  MetricDirection direction = MetricDirection::Minimize;
  qint64 lastStep = 0;
  qint32 lastEpoch = 0;
  double lastValue = std::numeric_limits<double>::quiet_NaN();
  double lastWallTime = 0;
  double bestValue = std::numeric_limits<double>::quiet_NaN();  ///< NaN when no finite value yet
  qint64 bestStep = 0;
  qint32 bestEpoch = 0;
};

/// A listed run with the summaries of all its metric keys (for the runs table).
struct RunListEntry {
  RunInfo run;
  std::vector<MetricSummary> metrics;
  const MetricSummary* metric(const QString& key) const;
};

struct CheckpointRecord {
  qint64 id = 0;
  QString path;  ///< absolute; the file is removed when the run is deleted
  qint32 epoch = 0;
  qint64 step = 0;
  bool isBest = false;  ///< at most one per run
  QDateTime created;
};


/// Well-known embedding kinds (any lower-case [a-z0-9_] name is accepted).
namespace kind {
inline const QString kAdjustment = QStringLiteral("adjustment");         ///< t = μ per user
inline const QString kSpurious = QStringLiteral("spurious");             ///< s per user
inline const QString kItem = QStringLiteral("item");                     ///< item embedding table
inline const QString kItemAttribute = QStringLiteral("item_attribute");  ///< a_j per item
}  // namespace kind

/// Size of a stored embedding kind without reading its vectors.
struct EmbeddingInfo {
  QString kind;
  int64_t rows = 0;
  int64_t dim = 0;
};

/// A 2-D projection of one embedding kind (PCA, t-SNE, ...).
struct Projection {
  qint64 id = 0;
  QString kind;            ///< embedding kind it was computed from
  QString method;          ///< "pca", "tsne", ...
  QJsonObject parameters;  ///< method parameters (perplexity, seed, ...); part of the identity
  std::vector<int64_t> ids;
  std::vector<float> xy;  ///< ids.size() * 2, x0 y0 x1 y1 ...
  QDateTime created;
};

/// Which entities a label column describes.
enum class EntityKind { User, Item, Attribute };
QString toString(EntityKind kind);  ///< "user" | "item" | "attribute"
std::optional<EntityKind> parseEntityKind(const QString& name);

/// One label per entity of a dataset, for colouring and hover text: original tokens, a user's
/// dominant attribute, an item's attributes (multi-valued labels joined by the caller, "a; b").
struct LabelColumn {
  EntityKind entity = EntityKind::User;
  QString key;  ///< "token", "dominant_attribute", "attributes", "cluster", ...
  std::vector<int64_t> ids;
  QStringList values;  ///< same length as ids
};

}  // namespace irl4rec::store
