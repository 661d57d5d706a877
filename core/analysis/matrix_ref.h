#pragma once
/// A non-owning view of a row-major float matrix, the input type of every analysis function.
/// Torch-free so that the GUI can pass stored embeddings without copying them.

#include <cstdint>

namespace irl4rec::analysis {

/// `rows` x `dim` floats at `data`, row-major. The caller keeps the storage alive for the call.
struct MatrixRef {
  const float* data = nullptr;
  int64_t rows = 0;
  int64_t dim = 0;

  const float* row(int64_t r) const { return data + r * dim; }
};

/// A view of anything with `values`, `rows` and `dim` members (store::EmbeddingMatrix,
/// train::EmbeddingMatrix).
template <typename Matrix>
MatrixRef viewOf(const Matrix& m) {
  return MatrixRef{m.values.data(), m.rows, m.dim};
}

}  // namespace irl4rec::analysis
