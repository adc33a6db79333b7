#include "analysis/statistics.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

#include "sim/json.hpp"

namespace qvsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void fill_interval(Summary& s) {
  if (s.n < 2) {
    s.sd = s.se = s.ci_low = s.ci_high = kNaN;
    return;
  }
  const double half = t_quantile_975(static_cast<double>(s.n - 1)) * s.se;
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
}

}  // namespace

ValueRange difference_range(ValueRange r) noexcept { return {r.low - r.high, r.high - r.low}; }

void clip_interval(Summary& s, ValueRange r) noexcept {
  // std::clamp keeps NaN as NaN (every comparison with it is false).
  if (!std::isnan(s.ci_low)) s.ci_low = std::clamp(s.ci_low, r.low, r.high);
  if (!std::isnan(s.ci_high)) s.ci_high = std::clamp(s.ci_high, r.low, r.high);
}

double t_quantile_975(double df) {
  const boost::math::students_t dist(df);
  return boost::math::quantile(dist, 0.975);
}

void RunningStats::add(double x) noexcept {
  if (std::isnan(x)) {
    ++missing_;
    return;
  }
  ++n_;
  const double delta = x - mean_;
  mean_ += delta / static_cast<double>(n_);
  m2_ += delta * (x - mean_);
}

Summary RunningStats::summary() const {
  Summary s;
  s.n = n_;
  s.missing = missing_;
  s.mean = n_ > 0 ? mean_ : kNaN;
  if (n_ >= 2) {
    s.sd = std::sqrt(std::max(0.0, m2_ / static_cast<double>(n_ - 1)));
    s.se = s.sd / std::sqrt(static_cast<double>(n_));
  }
  fill_interval(s);
  return s;
}

void RatioStats::add(double a, double b) noexcept {
  ++n_;
  sa_ += a;
  sb_ += b;
  saa_ += a * a;
  sbb_ += b * b;
  sab_ += a * b;
}

Summary RatioStats::summary() const {
  Summary s;
  s.n = n_;
  if (n_ == 0) {
    s.mean = s.sd = s.se = s.ci_low = s.ci_high = kNaN;
    return s;
  }
  if (sb_ == 0.0) {
    // No welfare was at stake in any replicate: nothing could be lost.
    s.mean = s.ci_low = s.ci_high = 1.0;
    s.se = 0.0;
    s.sd = kNaN;
    return s;
  }
  const double r = sa_ / sb_;
  s.mean = r;
  if (n_ >= 2) {
    const auto n = static_cast<double>(n_);
    const double resid = std::max(0.0, saa_ - 2.0 * r * sab_ + r * r * sbb_);
    s.se = std::sqrt(resid / (n * (n - 1.0))) / (sb_ / n);
  }
  fill_interval(s);
  s.sd = kNaN;
  return s;
}

void summary_fields_json(JsonWriter& w, const Summary& s) {
  w.key("n").value(s.n);
  w.key("missing").value(s.missing);
  w.key("mean").value(s.mean);
  w.key("sd").value(s.sd);
  w.key("se").value(s.se);
  w.key("ci95_low").value(s.ci_low);
  w.key("ci95_high").value(s.ci_high);
}

}  // namespace qvsim::analysis
