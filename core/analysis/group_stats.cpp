#include "core/analysis/group_stats.h"

#include <QHash>

#include <cmath>

namespace irl4rec::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Continued fraction of the incomplete beta function (modified Lentz), Numerical Recipes §6.4.
double betaContinuedFraction(double a, double b, double x) {
  constexpr int kMaxIterations = 300;
  constexpr double kEps = 1e-15;
  constexpr double kTiny = 1e-300;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return h;
}

}  // namespace

GroupSummary summarize(const std::vector<double>& values) {
  GroupSummary s;
  double sum = 0;
  for (double v : values) {
    if (std::isfinite(v)) {
      sum += v;
      ++s.n;
    } else {
      ++s.skipped;
    }
  }
  if (s.n == 0) return s;
  s.mean = sum / double(s.n);
  if (s.n < 2) return s;
  double squares = 0;  // two-pass: exact for values with a large common offset
  for (double v : values) {
    if (std::isfinite(v)) squares += (v - s.mean) * (v - s.mean);
  }
  s.std = std::sqrt(squares / double(s.n - 1));
  return s;
}

std::vector<NamedGroupSummary> summarizeGroups(const std::vector<QString>& keys,
                                               const std::vector<double>& values) {
  std::vector<NamedGroupSummary> out;
  if (keys.size() != values.size()) return out;
  QHash<QString, size_t> index;
  std::vector<std::vector<double>> members;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = index.find(keys[i]);
    if (it == index.end()) {
      it = index.insert(keys[i], members.size());
      members.emplace_back();
      out.push_back(NamedGroupSummary{keys[i], {}});
    }
    members[*it].push_back(values[i]);
  }
  for (size_t g = 0; g < out.size(); ++g) out[g].summary = summarize(members[g]);
  return out;
}

double relativeChangePercent(double mean, double referenceMean) {
  if (!std::isfinite(mean) || !std::isfinite(referenceMean) || referenceMean == 0) return kNaN;
  return 100.0 * (mean - referenceMean) / std::fabs(referenceMean);
}

double regularizedIncompleteBeta(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return kNaN;
  if (x == 0) return 0;
  if (x == 1) return 1;
  const double logFront =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(logFront);
  // The continued fraction converges quickly for x < (a + 1) / (a + b + 2); use the symmetry
  // I_x(a, b) = 1 - I_{1-x}(b, a) on the other side.
  if (x < (a + 1.0) / (a + b + 2.0)) return front * betaContinuedFraction(a, b, x) / a;
  return 1.0 - front * betaContinuedFraction(b, a, 1.0 - x) / b;
}

double studentTwoSidedP(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return kNaN;
  if (std::isinf(t)) return 0;
  return regularizedIncompleteBeta(0.5 * df, 0.5, df / (df + t * t));
}

WelchResult welchTest(const std::vector<double>& group, const std::vector<double>& reference) {
  WelchResult r;
  r.group = summarize(group);
  r.reference = summarize(reference);
  if (r.group.n > 0 && r.reference.n > 0) {
    r.meanDifference = r.group.mean - r.reference.mean;
    r.relativeChangePercent = relativeChangePercent(r.group.mean, r.reference.mean);
  }
  if (r.group.n < 2 || r.reference.n < 2) {
    r.reason = r.group.n < 2 ? QStringLiteral("n < 2 in the group (n = %1)").arg(r.group.n)
                             : QStringLiteral("n < 2 in the reference (n = %1)").arg(r.reference.n);
    return r;
  }
  const double va = r.group.std * r.group.std / double(r.group.n);
  const double vb = r.reference.std * r.reference.std / double(r.reference.n);
  const double se2 = va + vb;
  if (!(se2 > 0)) {
    r.reason = QStringLiteral("zero variance in both groups");
    return r;
  }
  r.t = r.meanDifference / std::sqrt(se2);
  r.df = se2 * se2 / (va * va / double(r.group.n - 1) + vb * vb / double(r.reference.n - 1));
  r.p = studentTwoSidedP(r.t, r.df);
  return r;
}

}  // namespace irl4rec::analysis
