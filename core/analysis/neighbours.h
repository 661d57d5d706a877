#pragma once
/// Nearest neighbours by cosine similarity in the original embedding space, for the explorer's
/// "neighbours of the selected user" (t and s side by side). Torch-free header.

#include "core/analysis/matrix_ref.h"
#include "core/common/error.h"

#include <cstdint>
#include <vector>

namespace irl4rec::analysis {

struct Neighbour {
  int64_t row = 0;       ///< row index into the matrix (map through EmbeddingMatrix::ids)
  float similarity = 0;  ///< cosine similarity in [-1, 1]; 0 against an all-zero row
};

/// The k rows most similar to `row` by cosine, the row itself excluded, best first; ties are
/// broken by the smaller row index. Fewer than k when the matrix has fewer than k + 1 rows.
/// Errors: row out of range, k < 1.
Expected<std::vector<Neighbour>> nearestByCosine(const MatrixRef& x, int64_t row, int k);

/// The same for several query rows at once (one matrix product per block of queries).
Expected<std::vector<std::vector<Neighbour>>> nearestByCosine(const MatrixRef& x,
                                                              const std::vector<int64_t>& rows,
                                                              int k);

}  // namespace irl4rec::analysis
