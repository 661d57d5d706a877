#pragma once
/// Internal to core/store: what a run leaves besides metrics: checkpoint records, embeddings
/// (float32 blobs in chunks), 2-D projections and dataset label columns.
/// RunStore (run_store.h) is the public face; it forwards to this repository.

#include "core/store/connection.h"
#include "core/store/run_store.h"

namespace irl4rec::store::detail {

class ArtifactRepository {
 public:
  explicit ArtifactRepository(Connection& connection) : c_(connection) {}
  Expected<qint64> addCheckpoint(qint64 runId, const QString& path, qint32 epoch, qint64 step, bool isBest);
  Expected<std::vector<CheckpointRecord>> checkpoints(qint64 runId);
  Status saveEmbeddings(qint64 runId, const QString& kind, const EmbeddingMatrix& m);
  Expected<EmbeddingMatrix> loadEmbeddings(qint64 runId, const QString& kind);
  Expected<std::vector<EmbeddingInfo>> embeddingKinds(qint64 runId);
  Expected<qint64> saveProjection(qint64 runId, const Projection& p);
  Expected<std::vector<Projection>> projections(qint64 runId, bool withCoordinates);
  Status saveLabels(qint64 datasetId, const LabelColumn& labels);
  Expected<LabelColumn> loadLabels(qint64 datasetId, EntityKind entity, const QString& key);
  Expected<std::vector<std::pair<EntityKind, QString>>> labelKeys(qint64 datasetId);

 private:
  Connection& c_;
};

}  // namespace irl4rec::store::detail
