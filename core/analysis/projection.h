#pragma once
/// 2-D projections of embedding matrices for the embedding explorer (DESIGN.md §2 analysis/):
/// PCA (always, fast) and Barnes–Hut t-SNE (on demand, on a sample, with progress and cancel).
/// Torch-free header; both are deterministic (PCA always, t-SNE for a given seed).

#include "core/analysis/matrix_ref.h"
#include "core/common/error.h"

#include <QJsonObject>

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

namespace irl4rec::analysis {

/// PCA of the rows onto their first two principal components.
struct PcaResult {
  std::vector<float> xy;                           ///< rows * 2, x0 y0 x1 y1 ... (centred scores)
  std::vector<float> mean;                         ///< dim, the column means that were subtracted
  std::vector<float> components;                   ///< 2 * dim, unit principal axes, row-major
  std::array<double, 2> explainedVariance{};       ///< eigenvalues of the sample covariance
  std::array<double, 2> explainedVarianceRatio{};  ///< share of the total variance
};

/// Centres the rows and projects them on the two leading eigenvectors of the D x D covariance
/// (computed in double precision). Sign convention: each axis is flipped so that its
/// largest-magnitude coefficient is positive, so the result does not depend on the solver.
/// Errors: fewer than 3 rows, dim < 2, or a non-finite value (with its row and column).
Expected<PcaResult> pca(const MatrixRef& x);

/// t-SNE settings; the defaults are those of van der Maaten's bhtsne / scikit-learn.
struct TsneOptions {
  double perplexity = 30;   ///< effective number of neighbours; needs 3 * perplexity < n - 1
  int iterations = 1000;    ///< total gradient steps, early exaggeration included
  double learningRate = 0;  ///< <= 0: auto = max(n / earlyExaggeration / 4, 50) (Belkina 2019)
  double earlyExaggeration = 12;
  int exaggerationIterations = 250;  ///< steps with exaggerated P (momentum 0.5, then 0.8)
  double theta = 0.5;                ///< Barnes–Hut opening angle; 0 = exact repulsion (slow)
  uint64_t seed = 1;                 ///< sample and initialisation
  int64_t maxPoints = 10000;         ///< larger inputs are embedded on a seeded random sample
  bool pcaInit = true;   ///< start from the PCA layout (scaled to std 1e-4), else Gaussian noise
  int threads = 2;       ///< worker threads for the gradient; results do not depend on it
  int reportEvery = 10;  ///< call the progress callback every this many iterations (and last)

  /// The parameters that identify a stored projection (store::Projection::parameters).
  QJsonObject toJson() const;
};

/// Progress of a running t-SNE. Return false to cancel; called on the computing thread.
/// `cost` is the KL divergence KL(P || Q) of the current layout (Barnes–Hut estimate of Q's
/// normaliser, un-exaggerated P).
using TsneProgress = std::function<bool(int iteration, int total, double cost)>;

struct TsneResult {
  std::vector<int64_t> rows;  ///< input rows embedded, ascending (all rows unless sampled)
  std::vector<float> xy;      ///< rows.size() * 2, x0 y0 x1 y1 ...
  double cost = 0;            ///< final KL(P || Q)
  int iterations = 0;         ///< iterations completed
  bool cancelled = false;     ///< the callback returned false: xy is the unfinished layout
  double seconds = 0;
};

/// Barnes–Hut t-SNE (van der Maaten 2014): sparse P from the exact 3*perplexity nearest
/// neighbours (Euclidean, LibTorch), repulsion from a quadtree, gains + momentum descent.
/// Deterministic for a given seed and input (independent of `threads`). Errors: fewer than 3
/// rows, a perplexity too large for the (sampled) number of rows, non-finite input, bad options.
Expected<TsneResult> tsne(const MatrixRef& x, const TsneOptions& options = {},
                          const TsneProgress& progress = {});

}  // namespace irl4rec::analysis
