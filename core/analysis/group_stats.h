#pragma once
/// Seed-group statistics for the compare view: mean ± sample std per group, relative change
/// against a reference group and Welch's unequal-variance t-test, so "+12% (p = 0.03, n = 5)"
/// and "+3% (p = 0.4, n = 2)" can be told apart. Plain C++, no external libraries.

#include <QString>

#include <cstdint>
#include <limits>
#include <vector>

namespace irl4rec::analysis {

/// Summary of one group of values (e.g. HR@10 of the runs of one seed group).
struct GroupSummary {
  int64_t n = 0;                                           ///< finite values used
  double mean = std::numeric_limits<double>::quiet_NaN();  ///< NaN when n = 0
  double std = std::numeric_limits<double>::quiet_NaN();   ///< sample std (n - 1); NaN if n < 2
  int64_t skipped = 0;  ///< non-finite values left out (e.g. a diverged run's NaN)
};

/// Mean, sample standard deviation and n of the finite values.
GroupSummary summarize(const std::vector<double>& values);

/// A named group's summary, as produced by summarizeGroups().
struct NamedGroupSummary {
  QString key;
  GroupSummary summary;
};

/// Groups `values` by `keys` (same length) and summarises each group, in order of first
/// appearance. Use the store's group key to get one entry per configuration.
std::vector<NamedGroupSummary> summarizeGroups(const std::vector<QString>& keys,
                                               const std::vector<double>& values);

/// 100 * (mean - referenceMean) / |referenceMean|; NaN when the reference mean is 0 or NaN.
double relativeChangePercent(double mean, double referenceMean);

/// Welch's t-test of a group against a reference group.
struct WelchResult {
  GroupSummary group;
  GroupSummary reference;
  double meanDifference = std::numeric_limits<double>::quiet_NaN();  ///< group - reference
  double relativeChangePercent = std::numeric_limits<double>::quiet_NaN();
  double t = std::numeric_limits<double>::quiet_NaN();
  double df = std::numeric_limits<double>::quiet_NaN();  ///< Welch–Satterthwaite
  double p = std::numeric_limits<double>::quiet_NaN();   ///< two-sided
  QString reason;  ///< why t / p are NaN ("n < 2 in ...", "zero variance ..."); empty if valid

  bool valid() const { return reason.isEmpty(); }
};

/// Two-sided Welch t-test (scipy.stats.ttest_ind(group, reference, equal_var=False)). Needs
/// n >= 2 in both groups and a non-zero variance in at least one; otherwise t, df and p are NaN
/// and `reason` says why. The means and the relative change are filled whenever defined.
WelchResult welchTest(const std::vector<double>& group, const std::vector<double>& reference);

/// Two-sided p-value of Student's t distribution: P(|T| >= |t|) = I_{df/(df+t²)}(df/2, 1/2).
double studentTwoSidedP(double t, double df);

/// Regularized incomplete beta function I_x(a, b) (continued fraction, Numerical Recipes §6.4).
/// NaN for a <= 0, b <= 0 or x outside [0, 1].
double regularizedIncompleteBeta(double a, double b, double x);

}  // namespace irl4rec::analysis
