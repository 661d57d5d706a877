#include "ui/explorer/explorer_data.h"

#include "core/analysis/probe.h"
#include "core/analysis/run_projections.h"
#include "core/store/run_store.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <map>

namespace irl4rec::ui {

namespace {

bool hasKind(const std::vector<store::EmbeddingInfo>& kinds, const QString& kind) {
  return std::any_of(kinds.begin(), kinds.end(),
                     [&](const store::EmbeddingInfo& k) { return k.kind == kind; });
}

/// Loads one kind; a damaged or unreadable kind becomes `note` and an empty matrix.
store::EmbeddingMatrix loadKind(store::RunStore& store, qint64 runId, const QString& kind,
                                const QString& what, QString* note) {
  auto m = store.loadEmbeddings(runId, kind);
  if (!m) {
    *note = QObject::tr("The stored %1 cannot be read: %2").arg(what, m.error().message());
    return {};
  }
  if (Status s = analysis::checkMatrix(m.value(), kind); !s) {
    *note = QObject::tr("The stored %1 are damaged: %2").arg(what, s.error().message());
    return {};
  }
  return std::move(m).value();
}

}  // namespace

Expected<std::shared_ptr<ExplorerRun>> loadExplorerRun(const QString& storePath, qint64 runId,
                                                      int* computedPca) {
  if (computedPca) *computedPca = 0;
  store::RunStore store;
  if (Status s = store.open(storePath, store::RunStore::OpenMode::MustExist); !s) return s.error();
  auto info = store.run(runId);
  if (!info) return info.error();
  auto out = std::make_shared<ExplorerRun>();
  out->info = info.value();
  const QString name = out->info.name.isEmpty() ? out->info.uuid.left(8) : out->info.name;
  if (out->info.datasetId > 0) {
    auto ds = store.dataset(out->info.datasetId);
    if (ds) out->dataset = ds.value();
  }
  auto kinds = store.embeddingKinds(runId);
  if (!kinds) return kinds.error();
  if (!hasKind(kinds.value(), store::kind::kAdjustment)) {
    return Error::general(
        QObject::tr("Run '%1' (%2) has no stored embeddings: only runs that finished with "
                    "embeddings saved can be explored.")
            .arg(name, store::toString(out->info.status)));
  }
  QString tNote;
  out->t = loadKind(store, runId, store::kind::kAdjustment, QObject::tr("adjustment embeddings t"), &tNote);
  if (!tNote.isEmpty()) return Error::general(tNote);
  for (int64_t r = 0; r < out->t.rows; ++r) out->userRow.insert(out->t.ids[size_t(r)], r);
  if (out->userRow.size() != out->t.rows) {
    out->notes << QObject::tr("t has %1 rows but only %2 distinct user ids; duplicates are shown once "
                              "in lookups.")
                      .arg(out->t.rows)
                      .arg(out->userRow.size());
  }

  // s, aligned to t by user id.
  out->sRow.assign(size_t(out->t.rows), -1);
  if (hasKind(kinds.value(), store::kind::kSpurious)) {
    out->s = loadKind(store, runId, store::kind::kSpurious, QObject::tr("spurious embeddings s"), &out->sNote);
    if (out->s.rows > 0) {
      QHash<int64_t, int64_t> sRows;
      for (int64_t r = 0; r < out->s.rows; ++r) sRows.insert(out->s.ids[size_t(r)], r);
      int64_t matched = 0;
      for (int64_t r = 0; r < out->t.rows; ++r) {
        out->sRow[size_t(r)] = sRows.value(out->t.ids[size_t(r)], -1);
        if (out->sRow[size_t(r)] >= 0) ++matched;
      }
      if (matched == 0) {
        out->sNote = QObject::tr("t and s of this run have no user id in common (%1 and %2 rows): "
                                 "the stored embeddings do not belong together.")
                         .arg(out->t.rows)
                         .arg(out->s.rows);
        out->s = {};
        out->sRow.assign(size_t(out->t.rows), -1);
      } else if (matched != out->t.rows || out->s.rows != out->t.rows) {
        out->notes << QObject::tr("t and s have different users: %1 of t's %2 users are in s (%3 "
                                  "rows); the others are not drawn in s.")
                          .arg(matched)
                          .arg(out->t.rows)
                          .arg(out->s.rows);
      }
    }
  } else {
    out->sNote = QObject::tr("This run has no spurious embeddings s (a baseline, or Irl4Rec without "
                             "the confounder branch): only t is shown.");
  }
  if (hasKind(kinds.value(), store::kind::kItem)) {
    out->items = loadKind(store, runId, store::kind::kItem, QObject::tr("item embeddings"), &out->itemsNote);
  } else {
    out->itemsNote = QObject::tr("This run has no stored item embeddings.");
  }

  // Test ranks, aligned to t.
  out->ranks.assign(size_t(out->t.rows), -1);
  if (hasKind(kinds.value(), analysis::kTestRankKind)) {
    auto m = store.loadEmbeddings(runId, analysis::kTestRankKind);
    auto ranks = m ? analysis::ranksFromMatrix(m.value()) : Expected<std::vector<int64_t>>(m.error());
    if (ranks) {
      int64_t matched = 0;
      for (size_t i = 0; i < ranks.value().size(); ++i) {
        const int64_t row = out->userRow.value(m.value().ids[i], -1);
        if (row < 0) continue;
        out->ranks[size_t(row)] = ranks.value()[i];
        ++matched;
      }
      out->hasRanks = matched > 0;
      if (!out->hasRanks) out->ranksNote = QObject::tr("The stored test ranks belong to no user of t.");
    } else {
      out->ranksNote = QObject::tr("The stored test ranks cannot be read: %1").arg(ranks.error().message());
    }
  } else {
    out->ranksNote = QObject::tr("Test ranks are unavailable: this run was recorded before the "
                                 "workbench stored them (train it again to colour by top-10 "
                                 "correctness).");
  }

  // Labels stored with the dataset (tokens, dominant attribute), for use without the dataset.
  if (out->info.datasetId > 0) {
    auto alignedLabels = [&](const QString& key, std::vector<QString>& to) {
      auto column = store.loadLabels(out->info.datasetId, store::EntityKind::User, key);
      if (!column || qsizetype(column.value().ids.size()) != column.value().values.size()) return;
      to.assign(size_t(out->t.rows), QString());
      for (size_t i = 0; i < column.value().ids.size(); ++i) {
        const int64_t row = out->userRow.value(column.value().ids[i], -1);
        if (row >= 0) to[size_t(row)] = column.value().values[qsizetype(i)];
      }
    };
    alignedLabels(QStringLiteral("token"), out->storedToken);
    alignedLabels(QStringLiteral("dominant_attribute"), out->storedDominant);
  }

  // Projections; PCA computed and stored for the kinds that lack it.
  auto projections = store.projections(runId, true);
  if (!projections) return projections.error();
  for (store::Projection& p : projections.value()) {
    if (p.xy.size() != p.ids.size() * 2) {
      out->notes << QObject::tr("The stored %1 projection of %2 is damaged and was skipped.")
                        .arg(p.method, p.kind);
      continue;
    }
    out->projections.push_back(std::move(p));
  }
  const std::pair<QString, const store::EmbeddingMatrix*> wanted[] = {
      {store::kind::kAdjustment, &out->t}, {store::kind::kSpurious, &out->s}, {store::kind::kItem, &out->items}};
  for (const auto& [kind, matrix] : wanted) {
    if (matrix->rows == 0 || analysis::findProjection(out->projections, kind, analysis::kPca)) continue;
    auto p = analysis::pcaProjection(*matrix, kind);
    if (!p) {
      out->notes << QObject::tr("No PCA of %1: %2").arg(kind, p.error().message());
      continue;
    }
    auto saved = store.saveProjection(runId, p.value());
    if (saved) p.value().id = saved.value();
    else out->notes << QObject::tr("The PCA of %1 could not be stored: %2").arg(kind, saved.error().message());
    out->projections.push_back(std::move(p).value());
    if (computedPca) ++*computedPca;
  }
  if (computedPca && *computedPca > 0) {
    out->notes << QObject::tr("PCA computed now (this run was recorded before projections were "
                              "stored); it is saved for next time.");
  }
  return out;
}

DatasetLabels computeDatasetLabels(const data::Dataset& dataset) {
  DatasetLabels labels;
  labels.fingerprint = dataset.stats().fingerprint;
  labels.dominantAttribute = analysis::dominantAttributes(dataset);
  const int32_t numItems = dataset.numItems();
  // Item share of each attribute: ignore those on more than half of the items (the Amazon root
  // category), as dominantAttributes does, then take the item's most common remaining one.
  std::vector<int64_t> count(size_t(dataset.numAttributes()) + 1, 0);
  for (int32_t j = 1; j <= numItems && size_t(j) < dataset.itemAttributes.size(); ++j)
    for (int32_t a : dataset.itemAttributes[size_t(j)])
      if (a > 0 && a < int32_t(count.size())) ++count[size_t(a)];
  labels.itemAttribute.assign(size_t(numItems) + 1, 0);
  for (int32_t j = 1; j <= numItems && size_t(j) < dataset.itemAttributes.size(); ++j) {
    int32_t best = 0;
    for (int32_t a : dataset.itemAttributes[size_t(j)]) {
      if (a <= 0 || a >= int32_t(count.size()) || count[size_t(a)] * 2 > numItems) continue;
      if (best == 0 || count[size_t(a)] > count[size_t(best)] ||
          (count[size_t(a)] == count[size_t(best)] && a < best))
        best = a;
    }
    labels.itemAttribute[size_t(j)] = best;
  }
  if (!dataset.itemCluster.empty()) {
    labels.dominantCluster.assign(size_t(dataset.numUsers()), 0);
    for (size_t u = 0; u < dataset.sequences.size(); ++u) {
      const auto& seq = dataset.sequences[u];
      std::map<int32_t, int> c;
      for (size_t i = 0; i + 1 < seq.size(); ++i)
        if (size_t(seq[i]) < dataset.itemCluster.size()) ++c[dataset.itemCluster[size_t(seq[i])]];
      int bestCount = 0;
      for (const auto& [cluster, n] : c)
        if (n > bestCount) {
          bestCount = n;
          labels.dominantCluster[u] = cluster;
        }
    }
  }
  return labels;
}

QStringList lengthBuckets() {
  return {QStringLiteral("1–4"), QStringLiteral("5–9"), QStringLiteral("10–19"),
          QStringLiteral("20–49"), QStringLiteral("≥ 50")};
}

QString lengthBucket(int64_t n) {
  const QStringList b = lengthBuckets();
  if (n < 5) return b[0];
  if (n < 10) return b[1];
  if (n < 20) return b[2];
  if (n < 50) return b[3];
  return b[4];
}

QColor paletteColour(int i) {
  static const QRgb kColours[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b,
                                  0xe377c2, 0x17becf, 0xbcbd22, 0x393b79, 0xaec7e8, 0xffbb78,
                                  0x98df8a, 0xff9896, 0xc5b0d5, 0xc49c94, 0xf7b6d2, 0x9edae5,
                                  0xdbdb8d, 0x637939};
  constexpr int n = int(sizeof(kColours) / sizeof(kColours[0]));
  return QColor(kColours[((i % n) + n) % n]);
}

Grouping groupLabels(const QStringList& labels, int topK, const QString& missingName,
                     const QStringList& fixedOrder) {
  Grouping g;
  QHash<QString, int64_t> counts;
  for (const QString& l : labels)
    if (!l.isEmpty()) ++counts[l];
  g.distinctLabels = int(counts.size());
  QStringList order;
  if (!fixedOrder.isEmpty()) {
    for (const QString& l : fixedOrder)
      if (counts.contains(l)) order << l;
    for (auto it = counts.begin(); it != counts.end(); ++it)
      if (!fixedOrder.contains(it.key())) order << it.key();
  } else {
    order = counts.keys();
    std::sort(order.begin(), order.end(), [&](const QString& a, const QString& b) {
      return counts[a] != counts[b] ? counts[a] > counts[b] : a < b;
    });
  }
  const int kept = std::min(int(order.size()), std::max(topK, 1));
  QHash<QString, int> index;
  for (int i = 0; i < kept; ++i) {
    index.insert(order[i], i);
    g.names << order[i];
    g.colours << paletteColour(i);
  }
  const int others = int(order.size()) - kept;
  const int otherGroup = others > 0 ? int(g.names.size()) : -1;
  if (others > 0) {
    g.names << QObject::tr("other (%1 labels)").arg(others);
    g.colours << QColor(190, 190, 190);
  }
  int missingGroup = -1;
  if (labels.contains(QString())) {
    missingGroup = int(g.names.size());
    g.names << missingName;
    g.colours << QColor(120, 120, 120);
  }
  g.group.reserve(size_t(labels.size()));
  for (const QString& l : labels)
    g.group.push_back(l.isEmpty() ? missingGroup : index.value(l, otherGroup));
  return g;
}

}  // namespace irl4rec::ui
