#pragma once
/// The run store: every run, metric, checkpoint, embedding and projection in one SQLite file
/// (DESIGN.md §3, docs/STORE.md).
///
/// One RunStore per thread: each instance owns its own Qt SQL connection (unique connection
/// name) and must only be used from the thread that called open(). Several instances, in one
/// process or in several, may use the same file at once: WAL journal, a busy timeout and
/// `BEGIN IMMEDIATE` with retries make concurrent writers wait for each other instead of
/// failing with "database is locked".
///
/// Every call that touches the file returns Status / Expected: a locked, damaged, foreign or
/// too-new file is an Error with a message for the user, never an exception.

#include "core/common/error.h"
#include "core/store/store_types.h"

#include <QList>
#include <QPair>
#include <QJsonObject>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace irl4rec::store {

/// Options for RunStore::listRuns().
struct ListOptions {
  bool includeConfig = false;  ///< parse and return each run's config (slower for big lists)
  bool includeMetrics = true;  ///< attach the latest/best summaries of every metric key
  QString groupKey;            ///< only runs of this group (empty = all)
  qint64 datasetId = 0;        ///< only runs on this dataset (0 = all)
  int limit = 0;               ///< newest first; 0 = no limit
};

class RunStore {
 public:
  /// The schema this build writes. Older files are migrated forward on open; newer files are
  /// refused untouched.
  static constexpr int kSchemaVersion = 2;
  /// `PRAGMA application_id` of every store ("IRL4"): tells our files from other programs'.
  static constexpr qint32 kApplicationId = 0x49524C34;

  enum class OpenMode {
    CreateIfMissing,  ///< create the file (and its directory) when it does not exist
    MustExist,        ///< a missing file is an Error (read-only CLI commands on --db)
  };

  RunStore();
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  /// `$IRL4REC_DB` if set, else `<XDG data dir>/irl4rec/runs.sqlite` (e.g.
  /// ~/.local/share/irl4rec/runs.sqlite), shared by the GUI and the CLI.
  static QString defaultPath();
  /// ("store", path and whether it exists) and ("store schema", version) rows for
  /// `irl4rec --version` and the About box; does not open the file.
  static QList<QPair<QString, QString>> describe(const QString& path);

  /// Opens (or creates) the store, checks it is ours and not from a newer build, migrates it,
  /// then marks runs whose owning process is gone as interrupted. Refused files (not SQLite,
  /// damaged, another program's, newer schema) are left byte-identical.
  Status open(const QString& path, OpenMode mode = OpenMode::CreateIfMissing);
  void close();
  bool isOpen() const;
  QString path() const;
  /// Runs marked interrupted by the last open() / recoverInterruptedRuns().
  int interruptedOnOpen() const { return interruptedOnOpen_; }
  /// True when this process cannot write the file or its directory (permissions, a read-only
  /// mount): open() still succeeds for reading — a file in a read-only directory is opened
  /// immutable, since no writer can create its WAL there — and every write fails. Runs of dead
  /// processes are then left as they are (not marked interrupted).
  bool isReadOnly() const { return readOnly_; }
  /// An Error naming the file when isReadOnly(): what `train` checks before it starts.
  Status checkWritable() const;

  // ---- datasets ------------------------------------------------------------------------------
  /// Inserts the dataset or updates name/path/format/stats of the one with the same fingerprint.
  Expected<qint64> upsertDataset(const DatasetRecord& dataset);
  Expected<DatasetRecord> dataset(qint64 datasetId);
  Expected<std::vector<DatasetRecord>> datasets();

  // ---- runs ----------------------------------------------------------------------------------
  /// New run owned by this process, with its params (flattened config) and group key.
  Expected<RunInfo> createRun(const NewRun& run);
  /// Moves a run to `status`: Running stamps the start time and takes ownership for this
  /// process; terminal states stamp the finish time. `message` replaces the previous one.
  Status setStatus(qint64 runId, RunStatus status, const QString& message = {});
  Status rename(qint64 runId, const QString& name);
  Status setTags(qint64 runId, const QStringList& tags);
  Status setNotes(qint64 runId, const QString& notes);
  /// Deletes the run with its params, metrics, checkpoints, embeddings and projections, then
  /// removes its checkpoint files from disk. Refuses a run still running in a live process.
  Status deleteRun(qint64 runId);

  Expected<RunInfo> run(qint64 runId);
  /// RUN as the user types it: a full uuid, a unique uuid prefix (>= 4 characters) or a name.
  Expected<RunInfo> findRun(const QString& ref);
  /// Newest first, with metric summaries: what the runs table shows.
  Expected<std::vector<RunListEntry>> listRuns(const ListOptions& options = {});
  /// Flattened config of a run ("a.b" keys, values as JSON text).
  Expected<QJsonObject> params(qint64 runId);

  /// Marks queued/running runs whose owner process no longer exists on this host as
  /// interrupted (open() calls it). Runs of live processes and of other hosts are left alone.
  Expected<int> recoverInterruptedRuns();

  // ---- metrics -------------------------------------------------------------------------------
  /// Appends rows in one transaction and updates the latest/best summaries. For per-step
  /// logging from a training loop use MetricWriter, which batches these calls.
  Status logMetrics(qint64 runId, const std::vector<MetricRow>& rows);
  Status logMetric(qint64 runId, const QString& key, qint64 step, qint32 epoch, double value,
                   MetricDirection direction = MetricDirection::Minimize);
  Expected<QStringList> metricKeys(qint64 runId);
  /// The curve of one key in insertion order; afterSeq > 0 returns only rows written after it
  /// (poll a run another process is writing).
  Expected<std::vector<MetricPoint>> metrics(qint64 runId, const QString& key, qint64 afterSeq = 0);
  /// Every row of a run (all keys), in insertion order.
  Expected<std::vector<MetricRow>> allMetrics(qint64 runId);
  Expected<std::vector<MetricSummary>> metricSummaries(qint64 runId);

  // ---- checkpoints ---------------------------------------------------------------------------
  /// Records a checkpoint file; isBest clears the flag on the run's other checkpoints.
  Expected<qint64> addCheckpoint(qint64 runId, const QString& path, qint32 epoch, qint64 step,
                                 bool isBest);
  Expected<std::vector<CheckpointRecord>> checkpoints(qint64 runId);

  // ---- embeddings ----------------------------------------------------------------------------
  /// Replaces the run's matrix of `kind` (float32, stored in chunks of ~4 MiB).
  Status saveEmbeddings(qint64 runId, const QString& kind, const EmbeddingMatrix& matrix);
  Expected<EmbeddingMatrix> loadEmbeddings(qint64 runId, const QString& kind);
  Expected<std::vector<EmbeddingInfo>> embeddingKinds(qint64 runId);

  // ---- projections ---------------------------------------------------------------------------
  /// Saves a 2-D projection; replaces one with the same kind, method and parameters.
  Expected<qint64> saveProjection(qint64 runId, const Projection& projection);
  /// All projections of a run; withCoordinates = false leaves ids/xy empty (for menus).
  Expected<std::vector<Projection>> projections(qint64 runId, bool withCoordinates = true);

  // ---- labels --------------------------------------------------------------------------------
  /// Replaces the dataset's label column (entity, key).
  Status saveLabels(qint64 datasetId, const LabelColumn& labels);
  Expected<LabelColumn> loadLabels(qint64 datasetId, EntityKind entity, const QString& key);
  /// (entity, key) of every label column of a dataset.
  Expected<std::vector<std::pair<EntityKind, QString>>> labelKeys(qint64 datasetId);

  // ---- pure helpers --------------------------------------------------------------------------
  // Which runs form a seed group and which way a metric improves are domain rules, not the
  // store's: train::groupKey (core/train/config_fields.h) and train::metric::direction
  // (core/train/metric_keys.h) decide; the store keeps NewRun::groupKey and
  // MetricRow::direction as given.
  /// First 12 hex digits of SHA-1(groupKey).
  static QString groupHash(const QString& groupKey);
  /// {"model": {"hidden": 64}} -> {"model.hidden": "64"}; values as compact JSON text.
  static QJsonObject flattenConfig(const QJsonObject& config);
  /// This process, as recorded in runs it owns.
  static RunOwner currentOwner();
  /// False only when the owner is certainly gone: same host, and a different boot or no
  /// process with that pid and start time. Owners on other hosts count as alive.
  static bool ownerAlive(const RunOwner& owner);

 private:
  struct Impl;
  std::unique_ptr<Impl> d_;
  int interruptedOnOpen_ = 0;
  bool readOnly_ = false;
};

}  // namespace irl4rec::store
