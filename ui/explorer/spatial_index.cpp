#include "ui/explorer/spatial_index.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace irl4rec::ui {

void SpatialIndex::build(const std::vector<double>& x, const std::vector<double>& y,
                         int pointsPerCell) {
  x_ = x;
  y_ = y;
  x_.resize(std::min(x.size(), y.size()));
  y_.resize(x_.size());
  indexed_ = 0;
  double maxX = -std::numeric_limits<double>::infinity(), maxY = maxX;
  minX_ = minY_ = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < x_.size(); ++i) {
    if (!std::isfinite(x_[i]) || !std::isfinite(y_[i])) continue;
    ++indexed_;
    minX_ = std::min(minX_, x_[i]);
    maxX = std::max(maxX, x_[i]);
    minY_ = std::min(minY_, y_[i]);
    maxY = std::max(maxY, y_[i]);
  }
  if (indexed_ == 0) {
    cols_ = rows_ = 0;
    start_.assign(1, 0);
    points_.clear();
    return;
  }
  const double w = std::max(maxX - minX_, 1e-12), h = std::max(maxY - minY_, 1e-12);
  // Square-ish cells with about pointsPerCell points each if the points filled the box.
  const double cells = std::max(1.0, double(indexed_) / std::max(1, pointsPerCell));
  const double side = std::sqrt(w * h / cells);
  cols_ = std::clamp(int(std::ceil(w / side)), 1, 4096);
  rows_ = std::clamp(int(std::ceil(h / side)), 1, 4096);
  cellW_ = w / cols_;
  cellH_ = h / rows_;
  start_.assign(size_t(cols_) * rows_ + 1, 0);
  for (size_t i = 0; i < x_.size(); ++i) {
    if (!std::isfinite(x_[i]) || !std::isfinite(y_[i])) continue;
    ++start_[size_t(cellY(y_[i])) * cols_ + cellX(x_[i]) + 1];
  }
  for (size_t c = 1; c < start_.size(); ++c) start_[c] += start_[c - 1];
  points_.assign(size_t(indexed_), 0);
  std::vector<int64_t> fill(start_.begin(), start_.end() - 1);
  for (size_t i = 0; i < x_.size(); ++i) {
    if (!std::isfinite(x_[i]) || !std::isfinite(y_[i])) continue;
    points_[size_t(fill[size_t(cellY(y_[i])) * cols_ + cellX(x_[i])]++)] = int64_t(i);
  }
}

int SpatialIndex::cellX(double x) const {
  return std::clamp(int(std::floor((x - minX_) / cellW_)), 0, cols_ - 1);
}

int SpatialIndex::cellY(double y) const {
  return std::clamp(int(std::floor((y - minY_) / cellH_)), 0, rows_ - 1);
}

int64_t SpatialIndex::nearest(double px, double py, double sx, double sy,
                              double maxDistance) const {
  if (indexed_ == 0 || !std::isfinite(px) || !std::isfinite(py)) return -1;
  sx = std::abs(sx);
  sy = std::abs(sy);
  double best = maxDistance * maxDistance;
  int64_t bestIndex = -1;
  auto visit = [&](int cx, int cy) {
    const size_t c = size_t(cy) * cols_ + cx;
    for (int64_t k = start_[c]; k < start_[c + 1]; ++k) {
      const int64_t i = points_[size_t(k)];
      const double dx = (x_[size_t(i)] - px) * sx, dy = (y_[size_t(i)] - py) * sy;
      const double d = dx * dx + dy * dy;
      if (d < best || (d == best && bestIndex >= 0 && i < bestIndex)) {
        best = d;
        bestIndex = i;
      }
    }
  };
  // Rings of cells around the query's cell (clamped into the grid), until no unvisited cell can
  // hold a closer point: the gap between the query and ring r is at least (r - 1) cells plus
  // the distance from the query to its cell's edge, bounded below by (r - 1) cells.
  const int qx = cellX(px), qy = cellY(py);
  // Distance from the query to the grid box (0 inside).
  const double outX = std::max({minX_ - px, px - (minX_ + cols_ * cellW_), 0.0}) * sx;
  const double outY = std::max({minY_ - py, py - (minY_ + rows_ * cellH_), 0.0}) * sy;
  const double outside = outX * outX + outY * outY;
  if (outside > best) return -1;
  const int maxRing = std::max(cols_, rows_);
  for (int r = 0; r <= maxRing; ++r) {
    if (r >= 2) {
      const double gx = (r - 1) * cellW_ * sx, gy = (r - 1) * cellH_ * sy;
      const double gap = std::min(gx, gy);
      if (gap * gap + outside > best) break;
    }
    const int x0 = qx - r, x1 = qx + r, y0 = qy - r, y1 = qy + r;
    for (int cy = std::max(y0, 0); cy <= std::min(y1, rows_ - 1); ++cy) {
      if (cy == y0 || cy == y1) {
        for (int cx = std::max(x0, 0); cx <= std::min(x1, cols_ - 1); ++cx) visit(cx, cy);
      } else {
        if (x0 >= 0) visit(x0, cy);
        if (x1 < cols_ && x1 != x0) visit(x1, cy);
      }
    }
  }
  return bestIndex;
}

int64_t SpatialIndex::nearestLinear(double px, double py, double sx, double sy,
                                    double maxDistance) const {
  double best = maxDistance * maxDistance;
  int64_t bestIndex = -1;
  for (size_t i = 0; i < x_.size(); ++i) {
    if (!std::isfinite(x_[i]) || !std::isfinite(y_[i])) continue;
    const double dx = (x_[i] - px) * sx, dy = (y_[i] - py) * sy;
    const double d = dx * dx + dy * dy;
    if (d < best) {
      best = d;
      bestIndex = int64_t(i);
    }
  }
  return bestIndex;
}

std::vector<int64_t> SpatialIndex::candidates(double x0, double x1, double y0, double y1) const {
  std::vector<int64_t> out;
  if (indexed_ == 0 || !(x0 <= x1) || !(y0 <= y1)) return out;
  if (x1 < minX_ || y1 < minY_ || x0 > minX_ + cols_ * cellW_ || y0 > minY_ + rows_ * cellH_)
    return out;
  const int cx0 = cellX(x0), cx1 = cellX(x1), cy0 = cellY(y0), cy1 = cellY(y1);
  for (int cy = cy0; cy <= cy1; ++cy) {
    const size_t a = size_t(cy) * cols_ + cx0, b = size_t(cy) * cols_ + cx1 + 1;
    out.insert(out.end(), points_.begin() + start_[a], points_.begin() + start_[b]);
  }
  return out;
}

std::vector<int64_t> SpatialIndex::inRect(const QRectF& rect) const {
  const QRectF r = rect.normalized();
  std::vector<int64_t> out;
  for (int64_t i : candidates(r.left(), r.right(), r.top(), r.bottom())) {
    const double x = x_[size_t(i)], y = y_[size_t(i)];
    if (x >= r.left() && x <= r.right() && y >= r.top() && y <= r.bottom()) out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> SpatialIndex::inPolygon(const QPolygonF& polygon) const {
  std::vector<int64_t> out;
  if (polygon.size() < 3) return out;
  const QRectF box = polygon.boundingRect();
  for (int64_t i : candidates(box.left(), box.right(), box.top(), box.bottom())) {
    if (polygon.containsPoint(QPointF(x_[size_t(i)], y_[size_t(i)]), Qt::OddEvenFill))
      out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace irl4rec::ui
