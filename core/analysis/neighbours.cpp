#include "core/analysis/neighbours.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace irl4rec::analysis {
namespace {

constexpr int64_t kQueryBlock = 512;

// Unit rows (an all-zero row stays zero, so its cosine with anything is 0).
torch::Tensor unitRows(const MatrixRef& x) {
  auto m = torch::from_blob(const_cast<float*>(x.data), {x.rows, x.dim}, torch::kFloat32);
  auto norms = m.norm(2, 1, true).clamp_min(1e-12);
  return m / norms;
}

std::vector<Neighbour> topK(const float* sims, int64_t n, int64_t self, int k) {
  std::vector<int64_t> order;
  order.reserve(size_t(n));
  for (int64_t j = 0; j < n; ++j) {
    if (j != self) order.push_back(j);
  }
  const auto better = [sims](int64_t a, int64_t b) {
    // NaN cannot occur: rows are checked finite and norms clamped.
    return sims[a] > sims[b] || (sims[a] == sims[b] && a < b);
  };
  const size_t kk = std::min<size_t>(size_t(k), order.size());
  std::partial_sort(order.begin(), order.begin() + kk, order.end(), better);
  std::vector<Neighbour> out(kk);
  for (size_t i = 0; i < kk; ++i) out[i] = Neighbour{order[i], sims[order[i]]};
  return out;
}

Status checkMatrix(const MatrixRef& x) {
  if (x.rows < 1 || x.dim < 1 || x.data == nullptr) {
    return Error::general(QStringLiteral("neighbours: empty matrix"));
  }
  const int64_t total = x.rows * x.dim;
  for (int64_t i = 0; i < total; ++i) {
    if (!std::isfinite(x.data[i])) {
      return Error::general(QStringLiteral("neighbours: non-finite value in row %1, column %2")
                                .arg(i / x.dim)
                                .arg(i % x.dim));
    }
  }
  return {};
}

}  // namespace

Expected<std::vector<std::vector<Neighbour>>> nearestByCosine(const MatrixRef& x,
                                                              const std::vector<int64_t>& rows,
                                                              int k) {
  if (Status s = checkMatrix(x); !s) return s.error();
  if (k < 1) return Error::general(QStringLiteral("neighbours: k must be >= 1 (got %1)").arg(k));
  for (int64_t r : rows) {
    if (r < 0 || r >= x.rows) {
      return Error::general(
          QStringLiteral("neighbours: row %1 out of range [0, %2)").arg(r).arg(x.rows));
    }
  }
  torch::NoGradGuard noGrad;
  const auto unit = unitRows(x);
  std::vector<std::vector<Neighbour>> out;
  out.reserve(rows.size());
  for (size_t begin = 0; begin < rows.size(); begin += kQueryBlock) {
    const size_t end = std::min(rows.size(), begin + size_t(kQueryBlock));
    auto index =
        torch::tensor(std::vector<int64_t>(rows.begin() + begin, rows.begin() + end), torch::kLong);
    auto sims = torch::matmul(unit.index_select(0, index), unit.t()).contiguous();
    const float* p = sims.data_ptr<float>();
    for (size_t q = begin; q < end; ++q) {
      out.push_back(topK(p + int64_t(q - begin) * x.rows, x.rows, rows[q], k));
    }
  }
  return out;
}

Expected<std::vector<Neighbour>> nearestByCosine(const MatrixRef& x, int64_t row, int k) {
  auto batch = nearestByCosine(x, std::vector<int64_t>{row}, k);
  if (!batch) return batch.error();
  return std::move(batch.value().front());
}

}  // namespace irl4rec::analysis
