#include "analysis/metrics.hpp"

#include <cassert>
#include <cmath>
#include <limits>

namespace qvsim::analysis {
namespace {

int sign(double x) { return x > 0.0 ? 1 : (x < 0.0 ? -1 : 0); }

}  // namespace

double welfare_achieved(std::span<const std::int8_t> decisions, std::span<const double> totals) {
  assert(decisions.size() == totals.size());
  double w = 0.0;
  for (std::size_t k = 0; k < totals.size(); ++k)
    if (decisions[k] == sign(totals[k])) w += std::fabs(totals[k]);
  return w;
}

double welfare_max(std::span<const double> totals) {
  double w = 0.0;
  for (double u : totals) w += std::fabs(u);
  return w;
}

double efficiency(std::span<const std::int8_t> decisions, std::span<const double> totals) {
  const double best = welfare_max(totals);
  if (best == 0.0) return 1.0;
  return welfare_achieved(decisions, totals) / best;
}

double wrong_decision_rate(std::span<const std::int8_t> decisions, std::span<const double> totals) {
  assert(decisions.size() == totals.size());
  if (totals.empty()) return 0.0;
  std::size_t wrong = 0;
  for (std::size_t k = 0; k < totals.size(); ++k)
    if (sign(totals[k]) != 0 && decisions[k] != sign(totals[k])) ++wrong;
  return static_cast<double>(wrong) / static_cast<double>(totals.size());
}

double pearson(std::span<const double> x, std::span<const double> y) {
  assert(x.size() == y.size());
  const std::size_t n = x.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double mx = 0.0;
  double my = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0.0;
  double sxx = 0.0;
  double syy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (!(sxx > 0.0) || !(syy > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return sxy / std::sqrt(sxx * syy);
}

double intensity_accuracy(std::span<const double> tallies, std::span<const double> totals) {
  return pearson(tallies, totals);
}

double flip_rate(std::span<const std::int8_t> decisions, std::span<const std::int8_t> baseline) {
  assert(decisions.size() == baseline.size());
  if (decisions.empty()) return 0.0;
  std::size_t flips = 0;
  for (std::size_t k = 0; k < decisions.size(); ++k)
    if (decisions[k] != baseline[k]) ++flips;
  return static_cast<double>(flips) / static_cast<double>(decisions.size());
}

}  // namespace qvsim::analysis
