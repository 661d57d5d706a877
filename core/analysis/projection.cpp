#include "core/analysis/projection.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

namespace irl4rec::analysis {
namespace {

Status checkFinite(const MatrixRef& x, const char* what) {
  const int64_t total = x.rows * x.dim;
  for (int64_t i = 0; i < total; ++i) {
    if (!std::isfinite(x.data[i])) {
      return Error::general(QStringLiteral("%1: non-finite value in row %2, column %3")
                                .arg(QLatin1String(what))
                                .arg(i / x.dim)
                                .arg(i % x.dim));
    }
  }
  return {};
}

Status checkShape(const MatrixRef& x, const char* what) {
  if (x.data == nullptr || x.rows < 3) {
    return Error::general(
        QStringLiteral("%1: needs at least 3 rows (got %2)").arg(QLatin1String(what)).arg(x.rows));
  }
  if (x.dim < 2) {
    return Error::general(QStringLiteral("%1: needs at least 2 columns (got %2)")
                              .arg(QLatin1String(what))
                              .arg(x.dim));
  }
  return checkFinite(x, what);
}

// SplitMix64: a tiny generator whose output is the same on every platform and standard library
// (std::*_distribution is implementation-defined), so a seed gives the same layout everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  uint64_t below(uint64_t n) { return next() % n; }
  double normal() {  // Box–Muller
    double u1 = uniform();
    while (u1 <= 0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  uint64_t state_;
};

// Symmetric joint probabilities P in compressed sparse rows.
struct SparseP {
  std::vector<int64_t> rowStart;  // n + 1
  std::vector<int32_t> col;
  std::vector<double> val;
};

// Exact K nearest neighbours (squared Euclidean) of every row, self excluded, in row blocks.
void nearestNeighbours(const torch::Tensor& x, int64_t k, std::vector<int32_t>& index,
                       std::vector<double>& dist2) {
  const int64_t n = x.size(0);
  index.resize(size_t(n * k));
  dist2.resize(size_t(n * k));
  const auto sq = (x * x).sum(1);
  constexpr int64_t kBlock = 1024;
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t end = std::min(n, begin + kBlock);
    auto block = x.slice(0, begin, end);
    auto d = (sq.slice(0, begin, end).unsqueeze(1) + sq.unsqueeze(0) - 2 * block.mm(x.t()))
                 .clamp_min_(0);
    auto self = torch::arange(begin, end, torch::kLong);
    d.index_put_({torch::arange(end - begin, torch::kLong), self},
                 std::numeric_limits<float>::infinity());
    auto [values, indices] = d.topk(k, 1, /*largest=*/false, /*sorted=*/true);
    values = values.to(torch::kFloat64).contiguous();
    indices = indices.contiguous();
    const double* v = values.data_ptr<double>();
    const int64_t* ix = indices.data_ptr<int64_t>();
    for (int64_t i = 0; i < (end - begin) * k; ++i) {
      dist2[size_t(begin * k + i)] = v[i];
      index[size_t(begin * k + i)] = int32_t(ix[i]);
    }
  }
}

// Conditional p_{j|i} over the K neighbours with the bandwidth matching the perplexity
// (bisection on beta = 1 / 2σ², entropy in nats), then P = (P + Pᵀ) / sum.
SparseP jointProbabilities(const std::vector<int32_t>& index, const std::vector<double>& dist2,
                           int64_t n, int64_t k, double perplexity) {
  const double targetEntropy = std::log(perplexity);
  std::vector<double> cond(size_t(n * k));
  std::vector<double> p(static_cast<size_t>(k));
  for (int64_t i = 0; i < n; ++i) {
    const double* d = &dist2[size_t(i * k)];
    const double d0 = d[0];
    double beta = 1.0;
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    for (int iter = 0; iter < 200; ++iter) {
      double sum = 0;
      double weighted = 0;
      for (int64_t j = 0; j < k; ++j) {
        p[size_t(j)] = std::exp(-beta * (d[j] - d0));
        sum += p[size_t(j)];
        weighted += (d[j] - d0) * p[size_t(j)];
      }
      const double entropy = beta * weighted / sum + std::log(sum);
      const double diff = entropy - targetEntropy;
      if (std::fabs(diff) < 1e-5) break;
      if (diff > 0) {  // too flat: sharpen
        lo = beta;
        beta = std::isinf(hi) ? beta * 2 : 0.5 * (beta + hi);
      } else {
        hi = beta;
        beta = std::isinf(lo) ? beta / 2 : 0.5 * (beta + lo);
      }
    }
    double sum = 0;
    for (int64_t j = 0; j < k; ++j) {
      p[size_t(j)] = std::exp(-beta * (d[j] - d0));
      sum += p[size_t(j)];
    }
    for (int64_t j = 0; j < k; ++j) cond[size_t(i * k + j)] = p[size_t(j)] / sum;
  }

  // Symmetrise through sorted (row, col) keys; duplicates (i in j's list and j in i's) merge.
  std::vector<std::pair<int64_t, double>> entries;
  entries.reserve(size_t(2 * n * k));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      const int64_t c = index[size_t(i * k + j)];
      const double v = cond[size_t(i * k + j)];
      entries.emplace_back(i * n + c, v);
      entries.emplace_back(c * n + i, v);
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  SparseP out;
  out.rowStart.assign(size_t(n + 1), 0);
  double total = 0;
  for (size_t e = 0; e < entries.size();) {
    const int64_t key = entries[e].first;
    double v = 0;
    for (; e < entries.size() && entries[e].first == key; ++e) v += entries[e].second;
    out.col.push_back(int32_t(key % n));
    out.val.push_back(v);
    ++out.rowStart[size_t(key / n + 1)];
    total += v;
  }
  for (int64_t i = 0; i < n; ++i) out.rowStart[size_t(i + 1)] += out.rowStart[size_t(i)];
  for (double& v : out.val) v /= total;
  return out;
}

// A point-region quadtree over the current layout, flat, rebuilt every iteration.
class QuadTree {
 public:
  struct Node {
    double cx = 0, cy = 0, width = 0;  // centre and full side length of the cell
    double comX = 0, comY = 0;         // centre of mass
    int32_t count = 0;
    int32_t child[4] = {-1, -1, -1, -1};
    int32_t begin = 0, end = 0;  // range in order_ (leaves)
    bool leaf = true;
  };

  void build(const std::vector<double>& y, int64_t n) {
    y_ = &y;
    nodes_.clear();
    order_.resize(size_t(n));
    for (int64_t i = 0; i < n; ++i) order_[size_t(i)] = int32_t(i);
    double minX = y[0], maxX = y[0], minY = y[1], maxY = y[1];
    for (int64_t i = 1; i < n; ++i) {
      minX = std::min(minX, y[size_t(2 * i)]);
      maxX = std::max(maxX, y[size_t(2 * i)]);
      minY = std::min(minY, y[size_t(2 * i + 1)]);
      maxY = std::max(maxY, y[size_t(2 * i + 1)]);
    }
    const double width = std::max(maxX - minX, maxY - minY) * (1 + 1e-9) + 1e-12;
    buildNode(0, int32_t(n), 0.5 * (minX + maxX), 0.5 * (minY + maxY), width, 0);
    // The traversal reads a compact copy: fewer cache misses than the build nodes.
    hot_.resize(nodes_.size());
    for (size_t k = 0; k < nodes_.size(); ++k) {
      const Node& node = nodes_[k];
      Hot& h = hot_[k];
      h.comX = node.comX;
      h.comY = node.comY;
      h.width2 = node.width * node.width;
      h.count = node.count;
      if (!node.leaf) {
        h.point = -1;
        std::copy_n(node.child, 4, h.child);
      } else if (node.count == 1) {
        h.point = order_[size_t(node.begin)];
      } else {
        h.point = -2;
        h.child[0] = node.begin;
        h.child[1] = node.end;
      }
    }
  }

  // Repulsive force numerator (sum q² (yi - yj)) and the contribution to Z = sum q of point i.
  void repulsion(int32_t i, double theta2, double& fx, double& fy, double& z) const {
    const std::vector<double>& y = *y_;
    const double xi = y[size_t(2 * i)], yi = y[size_t(2 * i + 1)];
    int32_t stack[256];
    int depth = 0;
    stack[depth++] = 0;
    while (depth > 0) {
      const Hot& node = hot_[size_t(stack[--depth])];
      const double dx = xi - node.comX, dy = yi - node.comY;
      const double d2 = dx * dx + dy * dy;
      if (node.point >= 0) {  // a leaf with one point: its centre of mass is the point
        if (node.point == i) continue;
        const double q = 1.0 / (1.0 + d2);
        z += q;
        fx += q * q * dx;
        fy += q * q * dy;
        continue;
      }
      if (node.point == -2) {  // coincident points at the depth limit
        for (int32_t e = node.child[0]; e < node.child[1]; ++e) {
          const int32_t j = order_[size_t(e)];
          if (j == i) continue;
          const double ex = xi - y[size_t(2 * j)], ey = yi - y[size_t(2 * j + 1)];
          const double q = 1.0 / (1.0 + ex * ex + ey * ey);
          z += q;
          fx += q * q * ex;
          fy += q * q * ey;
        }
        continue;
      }
      if (node.width2 < theta2 * d2) {
        const double q = 1.0 / (1.0 + d2);
        const double mult = node.count * q;
        z += mult;
        fx += mult * q * dx;
        fy += mult * q * dy;
        continue;
      }
      for (int32_t c : node.child) {
        if (c >= 0) stack[depth++] = c;
      }
    }
  }

 private:
  static constexpr int kMaxDepth = 50;  // coincident points end up together in one leaf

  int32_t buildNode(int32_t begin, int32_t end, double cx, double cy, double width, int depth) {
    const std::vector<double>& y = *y_;
    const int32_t id = int32_t(nodes_.size());
    nodes_.emplace_back();
    Node node;
    node.cx = cx;
    node.cy = cy;
    node.width = width;
    node.begin = begin;
    node.end = end;
    node.count = end - begin;
    for (int32_t e = begin; e < end; ++e) {
      node.comX += y[size_t(2 * order_[size_t(e)])];
      node.comY += y[size_t(2 * order_[size_t(e)] + 1)];
    }
    node.comX /= node.count;
    node.comY /= node.count;
    if (node.count > 1 && depth < kMaxDepth) {
      node.leaf = false;
      auto first = order_.begin() + begin, last = order_.begin() + end;
      auto midY = std::partition(first, last, [&](int32_t p) { return y[size_t(2 * p + 1)] < cy; });
      auto midX0 = std::partition(first, midY, [&](int32_t p) { return y[size_t(2 * p)] < cx; });
      auto midX1 = std::partition(midY, last, [&](int32_t p) { return y[size_t(2 * p)] < cx; });
      const int32_t bounds[5] = {begin, int32_t(midX0 - order_.begin()),
                                 int32_t(midY - order_.begin()), int32_t(midX1 - order_.begin()),
                                 end};
      const double h = 0.25 * width;
      const double offX[4] = {-h, h, -h, h};
      const double offY[4] = {-h, -h, h, h};
      for (int q = 0; q < 4; ++q) {
        if (bounds[q + 1] > bounds[q]) {
          node.child[q] = buildNode(bounds[q], bounds[q + 1], cx + offX[q], cy + offY[q],
                                    0.5 * width, depth + 1);
        }
      }
    }
    nodes_[size_t(id)] = node;
    return id;
  }

  struct Hot {
    double comX = 0, comY = 0;
    double width2 = 0;  // squared side length
    int32_t count = 0;
    int32_t point = -1;  // >= 0: leaf with this one point; -1: internal; -2: multi-point leaf
    int32_t child[4] = {-1, -1, -1, -1};  // internal: children; -2 leaf: [begin, end) of order_
  };

  const std::vector<double>* y_ = nullptr;
  std::vector<Node> nodes_;
  std::vector<Hot> hot_;
  std::vector<int32_t> order_;
};

// Runs body(block) for blocks 0..blocks-1 on `threads` threads; each block writes its own slots.
template <typename Body>
void parallelBlocks(int blocks, int threads, const Body& body) {
  if (threads <= 1) {
    for (int b = 0; b < blocks; ++b) body(b);
    return;
  }
  std::atomic<int> next{0};
  auto worker = [&]() {
    for (int b = next++; b < blocks; b = next++) body(b);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace

Expected<PcaResult> pca(const MatrixRef& x) {
  if (Status s = checkShape(x, "PCA"); !s) return s.error();
  torch::NoGradGuard noGrad;
  const int64_t d = x.dim;
  auto m = torch::from_blob(const_cast<float*>(x.data), {x.rows, d}, torch::kFloat32)
               .to(torch::kFloat64);
  auto mean = m.mean(0);
  auto centred = m - mean;
  auto cov = centred.t().mm(centred) / double(x.rows - 1);
  auto [eigenvalues, eigenvectors] = torch::linalg_eigh(cov, "L");  // ascending
  auto axes = eigenvectors.index_select(1, torch::tensor({d - 1, d - 2}, torch::kLong))
                  .contiguous();  // D x 2
  // Deterministic signs: the largest-magnitude coefficient of each axis is positive.
  auto pick = axes.abs().argmax(0);
  auto signs = axes.gather(0, pick.unsqueeze(0)).sign();
  signs = torch::where(signs == 0, torch::ones_like(signs), signs);
  axes = axes * signs;
  auto xy = centred.mm(axes).to(torch::kFloat32).contiguous();

  PcaResult r;
  r.xy.assign(xy.data_ptr<float>(), xy.data_ptr<float>() + xy.numel());
  auto meanF = mean.to(torch::kFloat32).contiguous();
  r.mean.assign(meanF.data_ptr<float>(), meanF.data_ptr<float>() + d);
  auto comps = axes.t().to(torch::kFloat32).contiguous();
  r.components.assign(comps.data_ptr<float>(), comps.data_ptr<float>() + 2 * d);
  const double total = eigenvalues.clamp_min(0).sum().item<double>();
  for (int c = 0; c < 2; ++c) {
    r.explainedVariance[size_t(c)] = std::max(0.0, eigenvalues[d - 1 - c].item<double>());
    r.explainedVarianceRatio[size_t(c)] = total > 0 ? r.explainedVariance[size_t(c)] / total : 0;
  }
  return r;
}

QJsonObject TsneOptions::toJson() const {
  return QJsonObject{
      {QStringLiteral("perplexity"), perplexity},
      {QStringLiteral("iterations"), iterations},
      {QStringLiteral("learning_rate"), learningRate},
      {QStringLiteral("early_exaggeration"), earlyExaggeration},
      {QStringLiteral("exaggeration_iterations"), exaggerationIterations},
      {QStringLiteral("theta"), theta},
      {QStringLiteral("seed"), QString::number(seed)},
      {QStringLiteral("max_points"), qint64(maxPoints)},
      {QStringLiteral("init"), pcaInit ? QStringLiteral("pca") : QStringLiteral("random")}};
}

Expected<TsneResult> tsne(const MatrixRef& x, const TsneOptions& options,
                          const TsneProgress& progress) {
  const auto started = std::chrono::steady_clock::now();
  if (Status s = checkShape(x, "t-SNE"); !s) return s.error();
  if (!(options.perplexity > 0) || options.iterations < 1 || !(options.theta >= 0) ||
      !(options.earlyExaggeration > 0) || options.exaggerationIterations < 0 ||
      options.maxPoints < 3 || !std::isfinite(options.learningRate)) {
    return Error::general(
        QStringLiteral("t-SNE: invalid options (perplexity > 0, iterations >= 1, theta >= 0, "
                       "early exaggeration > 0, max points >= 3 required)"));
  }

  // Seeded sample without replacement (partial Fisher–Yates), kept in ascending row order.
  SplitMix64 rng(options.seed);
  TsneResult result;
  const int64_t n = std::min(x.rows, options.maxPoints);
  result.rows.resize(size_t(x.rows));
  for (int64_t i = 0; i < x.rows; ++i) result.rows[size_t(i)] = i;
  if (n < x.rows) {
    for (int64_t i = 0; i < n; ++i) {
      std::swap(result.rows[size_t(i)],
                result.rows[size_t(i + int64_t(rng.below(uint64_t(x.rows - i))))]);
    }
    result.rows.resize(size_t(n));
    std::sort(result.rows.begin(), result.rows.end());
  }
  if (3 * options.perplexity > double(n - 1)) {
    return Error::general(QStringLiteral("t-SNE: perplexity %1 is too large for %2 points "
                                         "(needs 3 * perplexity <= n - 1)")
                              .arg(options.perplexity)
                              .arg(n));
  }

  // Input rows, as float, for the neighbour search and the PCA start.
  std::vector<float> sample(size_t(n * x.dim));
  for (int64_t i = 0; i < n; ++i) {
    std::copy_n(x.row(result.rows[size_t(i)]), x.dim, sample.begin() + i * x.dim);
  }
  const int64_t k = std::min<int64_t>(n - 1, int64_t(3 * options.perplexity));
  SparseP p;
  {
    torch::NoGradGuard noGrad;
    auto xs = torch::from_blob(sample.data(), {n, x.dim}, torch::kFloat32);
    std::vector<int32_t> index;
    std::vector<double> dist2;
    nearestNeighbours(xs, k, index, dist2);
    p = jointProbabilities(index, dist2, n, k, options.perplexity);
  }

  std::vector<double> y(size_t(2 * n));
  bool initialised = false;
  if (options.pcaInit) {
    auto start = pca(MatrixRef{sample.data(), n, x.dim});
    if (!start) return start.error();
    double mean = 0, sq = 0;
    for (int64_t i = 0; i < n; ++i) mean += start.value().xy[size_t(2 * i)];
    mean /= double(n);
    for (int64_t i = 0; i < n; ++i) {
      const double v = start.value().xy[size_t(2 * i)] - mean;
      sq += v * v;
    }
    const double sd = std::sqrt(sq / double(n));
    if (sd > 0) {
      for (int64_t i = 0; i < 2 * n; ++i) y[size_t(i)] = start.value().xy[size_t(i)] * 1e-4 / sd;
      initialised = true;
    }
  }
  if (!initialised) {  // random start, also when all rows coincide (a PCA start would be a point)
    for (auto& v : y) v = 1e-4 * rng.normal();
  }
  sample.clear();
  sample.shrink_to_fit();

  const double learningRate = options.learningRate > 0
                                  ? options.learningRate
                                  : std::max(double(n) / options.earlyExaggeration / 4.0, 50.0);
  const double theta2 = options.theta * options.theta;
  const int blocks = int(std::min<int64_t>(64, n));
  const int threads = std::max(1, options.threads);
  const int reportEvery = std::max(1, options.reportEvery);

  std::vector<double> gradient(size_t(2 * n)), update(size_t(2 * n), 0.0),
      gains(size_t(2 * n), 1.0);
  std::vector<double> repulsive(size_t(2 * n)), attractive(size_t(2 * n));
  std::vector<double> blockZ(static_cast<size_t>(blocks)), blockKl(static_cast<size_t>(blocks));
  QuadTree tree;

  for (int it = 0; it < options.iterations; ++it) {
    const bool exaggerating = it < options.exaggerationIterations;
    const double exaggeration = exaggerating ? options.earlyExaggeration : 1.0;
    const double momentum = exaggerating ? 0.5 : 0.8;
    const bool report = progress && ((it + 1) % reportEvery == 0 || it + 1 == options.iterations);
    const bool wantCost = report || it + 1 == options.iterations;

    tree.build(y, n);
    parallelBlocks(blocks, threads, [&](int b) {
      const int64_t begin = n * b / blocks, end = n * (b + 1) / blocks;
      double z = 0, kl = 0;
      for (int64_t i = begin; i < end; ++i) {
        double fx = 0, fy = 0;
        tree.repulsion(int32_t(i), theta2, fx, fy, z);
        repulsive[size_t(2 * i)] = fx;
        repulsive[size_t(2 * i + 1)] = fy;
        double ax = 0, ay = 0;
        const double xi = y[size_t(2 * i)], yi = y[size_t(2 * i + 1)];
        for (int64_t e = p.rowStart[size_t(i)]; e < p.rowStart[size_t(i + 1)]; ++e) {
          const int32_t j = p.col[size_t(e)];
          const double dx = xi - y[size_t(2 * j)], dy = yi - y[size_t(2 * j + 1)];
          const double q = 1.0 / (1.0 + dx * dx + dy * dy);
          ax += p.val[size_t(e)] * q * dx;
          ay += p.val[size_t(e)] * q * dy;
          if (wantCost) kl += p.val[size_t(e)] * std::log(std::max(p.val[size_t(e)], 1e-300) / q);
        }
        attractive[size_t(2 * i)] = ax;
        attractive[size_t(2 * i + 1)] = ay;
      }
      blockZ[size_t(b)] = z;
      blockKl[size_t(b)] = kl;
    });
    double z = 0, klPart = 0;
    for (int b = 0; b < blocks; ++b) {
      z += blockZ[size_t(b)];
      klPart += blockKl[size_t(b)];
    }
    // KL = sum p log(p / (q / Z)) = sum p log(p / q) + log Z (sum p = 1).
    if (wantCost) result.cost = klPart + std::log(z);

    for (int64_t c = 0; c < 2 * n; ++c) {
      const double g = 4.0 * (exaggeration * attractive[size_t(c)] - repulsive[size_t(c)] / z);
      double& gain = gains[size_t(c)];
      gain = ((g > 0) != (update[size_t(c)] > 0)) ? gain + 0.2 : gain * 0.8;
      gain = std::max(gain, 0.01);
      update[size_t(c)] = momentum * update[size_t(c)] - learningRate * gain * g;
      y[size_t(c)] += update[size_t(c)];
    }
    double mx = 0, my = 0;
    for (int64_t i = 0; i < n; ++i) {
      mx += y[size_t(2 * i)];
      my += y[size_t(2 * i + 1)];
    }
    mx /= double(n);
    my /= double(n);
    for (int64_t i = 0; i < n; ++i) {
      y[size_t(2 * i)] -= mx;
      y[size_t(2 * i + 1)] -= my;
    }
    result.iterations = it + 1;
    if (report && !progress(it + 1, options.iterations, result.cost)) {
      result.cancelled = true;
      break;
    }
  }

  result.xy.resize(size_t(2 * n));
  for (int64_t i = 0; i < 2 * n; ++i) result.xy[size_t(i)] = float(y[size_t(i)]);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace irl4rec::analysis
