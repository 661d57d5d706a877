#pragma once
/// The data behind the Explorer tab, read and prepared off the UI thread: a run's stored
/// embeddings (t, s, items), test ranks and projections, checked for damage, with PCA computed
/// (and stored) on demand for runs recorded before projections were stored; per-user and
/// per-item labels from the run's dataset; colour groups with a top-k + "other" legend.
/// No widgets.

#include "core/common/error.h"
#include "core/data/dataset.h"
#include "core/store/store_types.h"

#include <QColor>
#include <QHash>
#include <QStringList>
#include <QVector>

#include <cstdint>
#include <memory>
#include <vector>

namespace irl4rec::ui {

/// Everything the explorer shows for one run. Users are the rows of t (`t.ids`); the s plot,
/// ranks and labels are aligned to them by user id.
struct ExplorerRun {
  store::RunInfo info;
  store::DatasetRecord dataset;  ///< the run's dataset as recorded (fingerprint, path)
  store::EmbeddingMatrix t, s, items;
  std::vector<int64_t> sRow;   ///< per user: row of s with the same id, -1 when s lacks it
  std::vector<int64_t> ranks;  ///< per user: 0-based test rank, -1 when unknown
  bool hasRanks = false;
  QString ranksNote;           ///< why ranks are unavailable
  QString sNote;               ///< why there is no s plot ("baseline run: ..."), empty if s exists
  QString itemsNote;
  std::vector<store::Projection> projections;  ///< every stored projection with coordinates
  QStringList notes;                           ///< what the user should know (PCA computed now, ...)
  QHash<int64_t, int64_t> userRow;             ///< user id -> row of t
  /// Per user (row of t), from the store's label columns of the run's dataset (written when a
  /// run finishes): used when the dataset itself is not loaded. Empty vectors without them.
  std::vector<QString> storedToken;
  std::vector<QString> storedDominant;
};

/// Reads run `runId` through a new store connection at `storePath` (call on a worker thread).
/// A missing/damaged kind, mismatched ids or a non-finite value become notes or an Error with
/// a message for the user, never a crash. PCA projections missing from the store are computed
/// and saved (so the next open is instant); `computedPca` counts them.
Expected<std::shared_ptr<ExplorerRun>> loadExplorerRun(const QString& storePath, qint64 runId,
                                                      int* computedPca = nullptr);

/// Labels of a dataset used for colours and hover text (computed once per dataset).
struct DatasetLabels {
  QString fingerprint;
  std::vector<int32_t> dominantAttribute;  ///< per user (analysis::dominantAttributes)
  std::vector<int32_t> dominantCluster;    ///< per user, synthetic data only (else empty)
  std::vector<int32_t> itemAttribute;      ///< per item id: its most common attribute below
                                           ///< the 50 % item share (0 = none)
};
DatasetLabels computeDatasetLabels(const data::Dataset& dataset);

/// History length bucket of a user as shown in the legend ("1–4", "5–9", ...).
QString lengthBucket(int64_t historyLength);
/// Buckets in legend order.
QStringList lengthBuckets();

/// Colour groups for one label per point: the `topK` most frequent labels keep their own colour
/// (legend order: by count), the rest become "other (N labels)"; an empty label becomes
/// `missingName` in grey. `fixedOrder` keeps labels in that order instead (short categorical
/// scales such as length buckets).
struct Grouping {
  std::vector<int> group;  ///< per point
  QStringList names;
  QVector<QColor> colours;
  int distinctLabels = 0;
};
Grouping groupLabels(const QStringList& labels, int topK, const QString& missingName,
                     const QStringList& fixedOrder = {});

/// A qualitative palette (Tableau 20 order), `i` wraps.
QColor paletteColour(int i);

}  // namespace irl4rec::ui
