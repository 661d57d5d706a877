#pragma once
/// What the embedding explorer reads from the run store besides the embeddings themselves: the
/// PCA projection of each embedding kind (stored when a run finishes, computed on demand for
/// older runs), t-SNE projections with their parameters, and each user's test rank. Torch-free.

#include "core/analysis/projection.h"
#include "core/common/error.h"
#include "core/store/store_types.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace irl4rec::data {
struct Dataset;
}

namespace irl4rec::store {
class RunStore;
}

namespace irl4rec::analysis {

/// Embedding kind holding the test rank of each evaluated user: one column, the 0-based
/// pessimistic rank of the user's test item under full ranking with the history masked
/// (train::RunController::ranks), stored as float (exact below 2^24 items). Runs recorded
/// before this kind existed simply do not have it.
inline const QString kTestRankKind = QStringLiteral("test_rank");

/// Method names of stored projections.
inline const QString kPca = QStringLiteral("pca");
inline const QString kTsne = QStringLiteral("tsne");

/// The PCA projection of a stored matrix as the store keeps it: ids copied from the matrix,
/// parameters {"components": 2, "explained_variance_ratio": [r1, r2]}. Errors as pca() (too
/// few rows, a non-finite value with its row) or a matrix whose sizes do not agree.
Expected<store::Projection> pcaProjection(const store::EmbeddingMatrix& m, const QString& kind);

/// Computes and saves the PCA projection of each (kind, matrix) pair whose matrix has rows.
/// Stops at the first error.
Status savePcaProjections(store::RunStore& store, qint64 runId,
                          const std::vector<std::pair<QString, const store::EmbeddingMatrix*>>& kinds);

/// t-SNE of a stored matrix as a projection: ids of the embedded (possibly sampled) rows,
/// parameters = options.toJson(). A cancelled run is returned with `cancelled` set and must not
/// be stored.
struct TsneProjection {
  store::Projection projection;
  bool cancelled = false;
  double cost = 0;
  double seconds = 0;
};
Expected<TsneProjection> tsneProjection(const store::EmbeddingMatrix& m, const QString& kind,
                                        const TsneOptions& options, const TsneProgress& progress = {});

/// The newest projection of `kind` by `method` whose parameters contain every key of `parameters`
/// with an equal value (empty = any); nullptr if none.
const store::Projection* findProjection(const std::vector<store::Projection>& projections,
                                        const QString& kind, const QString& method,
                                        const QJsonObject& parameters = {});

/// The ranks as a one-column matrix of kind kTestRankKind.
store::EmbeddingMatrix ranksToMatrix(const std::vector<int64_t>& users,
                                     const std::vector<int64_t>& ranks);
/// Ranks read back from a kTestRankKind matrix, one per row (its ids are the users). Errors: a
/// matrix that is not one column, sizes that do not agree, a negative or non-integer value.
Expected<std::vector<int64_t>> ranksFromMatrix(const store::EmbeddingMatrix& m);

/// Saves the dataset's label columns for colouring and exports without the dataset file
/// (replacing earlier ones): user "token" and "dominant_attribute" (dominantAttributes(), as
/// attribute tokens, empty for none), item "token" and "attributes" ("a; b").
Status saveDatasetLabels(store::RunStore& store, qint64 datasetId, const data::Dataset& dataset);

/// A matrix is usable when rows * dim values and rows ids are present; otherwise the reason.
Status checkMatrix(const store::EmbeddingMatrix& m, const QString& kind);

}  // namespace irl4rec::analysis
