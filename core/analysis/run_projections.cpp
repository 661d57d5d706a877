#include "core/analysis/run_projections.h"

#include "core/analysis/probe.h"
#include "core/data/dataset.h"
#include "core/store/run_store.h"

#include <QJsonArray>

#include <algorithm>

#include <cmath>

namespace irl4rec::analysis {

Status checkMatrix(const store::EmbeddingMatrix& m, const QString& kind) {
  if (m.rows < 0 || m.dim < 1 || int64_t(m.ids.size()) != m.rows ||
      int64_t(m.values.size()) != m.rows * m.dim) {
    return Error::general(QStringLiteral("the stored '%1' embeddings are damaged: %2 rows x %3 "
                                         "dimensions, but %4 ids and %5 values")
                              .arg(kind)
                              .arg(m.rows)
                              .arg(m.dim)
                              .arg(m.ids.size())
                              .arg(m.values.size()));
  }
  return Status();
}

Expected<store::Projection> pcaProjection(const store::EmbeddingMatrix& m, const QString& kind) {
  if (Status s = checkMatrix(m, kind); !s) return s.error();
  auto p = pca(viewOf(m));
  if (!p) return Error::general(QStringLiteral("PCA of '%1': %2").arg(kind, p.error().message()));
  store::Projection out;
  out.kind = kind;
  out.method = kPca;
  out.parameters = QJsonObject{
      {QStringLiteral("components"), 2},
      {QStringLiteral("explained_variance_ratio"),
       QJsonArray{p.value().explainedVarianceRatio[0], p.value().explainedVarianceRatio[1]}}};
  out.ids = m.ids;
  out.xy = std::move(p.value().xy);
  return out;
}

Status savePcaProjections(store::RunStore& store, qint64 runId,
                          const std::vector<std::pair<QString, const store::EmbeddingMatrix*>>& kinds) {
  for (const auto& [kind, matrix] : kinds) {
    if (!matrix || matrix->rows == 0) continue;
    auto p = pcaProjection(*matrix, kind);
    if (!p) return p.error();
    auto saved = store.saveProjection(runId, p.value());
    if (!saved) return saved.error();
  }
  return Status();
}

Expected<TsneProjection> tsneProjection(const store::EmbeddingMatrix& m, const QString& kind,
                                        const TsneOptions& options, const TsneProgress& progress) {
  if (Status s = checkMatrix(m, kind); !s) return s.error();
  auto t = tsne(viewOf(m), options, progress);
  if (!t) return Error::general(QStringLiteral("t-SNE of '%1': %2").arg(kind, t.error().message()));
  TsneProjection out;
  out.cancelled = t.value().cancelled;
  out.cost = t.value().cost;
  out.seconds = t.value().seconds;
  out.projection.kind = kind;
  out.projection.method = kTsne;
  out.projection.parameters = options.toJson();
  out.projection.ids.reserve(t.value().rows.size());
  for (int64_t r : t.value().rows) out.projection.ids.push_back(m.ids[size_t(r)]);
  out.projection.xy = std::move(t.value().xy);
  return out;
}

const store::Projection* findProjection(const std::vector<store::Projection>& projections,
                                        const QString& kind, const QString& method,
                                        const QJsonObject& parameters) {
  const store::Projection* found = nullptr;
  for (const store::Projection& p : projections) {
    if (p.kind != kind || p.method != method) continue;
    bool match = true;
    for (auto it = parameters.begin(); it != parameters.end() && match; ++it) {
      match = p.parameters.value(it.key()) == it.value();
    }
    if (match && (!found || p.id > found->id)) found = &p;
  }
  return found;
}

store::EmbeddingMatrix ranksToMatrix(const std::vector<int64_t>& users,
                                     const std::vector<int64_t>& ranks) {
  store::EmbeddingMatrix m;
  m.rows = int64_t(std::min(users.size(), ranks.size()));
  m.dim = 1;
  m.ids.assign(users.begin(), users.begin() + m.rows);
  m.values.reserve(size_t(m.rows));
  for (int64_t i = 0; i < m.rows; ++i) m.values.push_back(float(ranks[size_t(i)]));
  return m;
}

Status saveDatasetLabels(store::RunStore& store, qint64 datasetId, const data::Dataset& dataset) {
  store::LabelColumn users{store::EntityKind::User, QStringLiteral("token"), {}, {}};
  store::LabelColumn dominant{store::EntityKind::User, QStringLiteral("dominant_attribute"), {}, {}};
  const std::vector<int32_t> attribute = dominantAttributes(dataset);
  for (int64_t u = 0; u < dataset.numUsers(); ++u) {
    users.ids.push_back(u);
    users.values << dataset.userTokens.value(int(u));
    dominant.ids.push_back(u);
    const int32_t a = attribute[size_t(u)];
    dominant.values << (a > 0 ? dataset.attributeTokens.value(a) : QString());
  }
  store::LabelColumn items{store::EntityKind::Item, QStringLiteral("token"), {}, {}};
  store::LabelColumn attributes{store::EntityKind::Item, QStringLiteral("attributes"), {}, {}};
  for (int32_t j = 1; j <= dataset.numItems(); ++j) {
    items.ids.push_back(j);
    items.values << dataset.itemTokens.value(j);
    QStringList names;
    if (size_t(j) < dataset.itemAttributes.size())
      for (int32_t a : dataset.itemAttributes[size_t(j)]) names << dataset.attributeTokens.value(a);
    attributes.ids.push_back(j);
    attributes.values << names.join(QStringLiteral("; "));
  }
  for (const store::LabelColumn* c : {&users, &dominant, &items, &attributes}) {
    if (c->key == QLatin1String("dominant_attribute") && !dataset.hasAttributes()) continue;
    if (c->key == QLatin1String("attributes") && !dataset.hasAttributes()) continue;
    if (Status s = store.saveLabels(datasetId, *c); !s) return s;
  }
  return Status();
}

Expected<std::vector<int64_t>> ranksFromMatrix(const store::EmbeddingMatrix& m) {
  if (Status s = checkMatrix(m, kTestRankKind); !s) return s.error();
  if (m.dim != 1) {
    return Error::general(
        QStringLiteral("the stored test ranks have %1 columns instead of 1").arg(m.dim));
  }
  std::vector<int64_t> ranks;
  ranks.reserve(size_t(m.rows));
  for (int64_t i = 0; i < m.rows; ++i) {
    const float v = m.values[size_t(i)];
    if (!std::isfinite(v) || v < 0 || v != std::floor(v)) {
      return Error::general(
          QStringLiteral("the stored test rank of row %1 is %2, not a rank").arg(i).arg(v));
    }
    ranks.push_back(int64_t(v));
  }
  return ranks;
}

}  // namespace irl4rec::analysis
