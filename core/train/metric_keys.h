#pragma once
/// The keys under which a run's metrics are stored (store `metrics.key`), written by
/// RecordedRun and read by the GUI's tables and plots, the CLI's listings and the sweeps'
/// selection rule. One place, so a reader and the writer cannot drift. Qt Core only.

#include "core/store/store_types.h"

#include <QString>

namespace irl4rec::train::metric {

// Per optimisation step: the terms of L = L_rec(t) + α·L_rec(s) + β·C(t) + γ·D(t, s).
inline const QString kRecT = QStringLiteral("loss/rec_t");             ///< L_rec(t)
inline const QString kAlphaRecS = QStringLiteral("loss/alpha_rec_s");  ///< α·L_rec(s)
inline const QString kBetaC = QStringLiteral("loss/beta_c");           ///< β·C(t)
inline const QString kGammaD = QStringLiteral("loss/gamma_d");         ///< γ·D(t, s)
inline const QString kTotal = QStringLiteral("loss/total");            ///< L
/// Per epoch.
inline const QString kEpochLoss = QStringLiteral("train/epoch_loss");  ///< mean L per epoch

/// Ranking metrics: prefix "val" (per evaluated epoch) or "test" (once, the best-validation
/// model), then the lower-case metric name and the cut-off: "val/hr@10", "test/ndcg@5".
inline const QString kValPrefix = QStringLiteral("val");
inline const QString kTestPrefix = QStringLiteral("test");
inline QString ranking(const QString& prefix, const QString& name, int k) {
  return QStringLiteral("%1/%2@%3").arg(prefix, name.toLower()).arg(k);
}
inline const QString kValHr10 = QStringLiteral("val/hr@10");
inline const QString kValNdcg10 = QStringLiteral("val/ndcg@10");
inline const QString kTestHr10 = QStringLiteral("test/hr@10");
inline const QString kTestNdcg10 = QStringLiteral("test/ndcg@10");
/// Model selection and early stopping use validation NDCG@10 only (DESIGN.md §1).
inline const QString& kSelection = kValNdcg10;

/// Which way a metric improves, for the store's best-value summaries and the sweeps' choice:
/// Maximize when a token of the key is a ranking metric (ndcg, hr, hit, mrr, recall,
/// precision, auc, acc, accuracy, map, coverage; "val/ndcg@10", "test/hr@5"), Minimize
/// otherwise (losses, terms, seconds, gaps).
store::MetricDirection direction(const QString& key);

}  // namespace irl4rec::train::metric
