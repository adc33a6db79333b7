#include "analysis/threshold.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace qvsim::analysis {
namespace {

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

}  // namespace

const char* to_string(Direction d) noexcept {
  return d == Direction::increasing ? "increasing" : "decreasing";
}

const char* to_string(ThresholdStatus s) noexcept {
  switch (s) {
    case ThresholdStatus::found: return "found";
    case ThresholdStatus::undecided: return "undecided";
    case ThresholdStatus::at_low: return "reached_at_low";
    case ThresholdStatus::not_reached: return "not_reached";
  }
  return "?";
}

ThresholdResult find_threshold(const ThresholdOptions& o, const PointEvaluator& evaluate) {
  if (!(o.low < o.high)) throw std::invalid_argument("threshold: low must be < high");
  if (!(o.width > 0.0)) throw std::invalid_argument("threshold: width must be > 0");
  if (o.replicates < 2) throw std::invalid_argument("threshold: replicates must be >= 2");
  if (o.max_replicates < o.replicates)
    throw std::invalid_argument("threshold: max_replicates must be >= replicates");
  if (o.integer && (o.low != std::floor(o.low) || o.high != std::floor(o.high)))
    throw std::invalid_argument("threshold: integer search needs integer ends");
  const double width = o.integer ? std::max(1.0, o.width) : o.width;

  ThresholdResult res;
  auto call = [&](double x, std::uint64_t n) {
    const PointEstimate e = evaluate(x, n);
    ++res.evaluations;
    res.replicates = std::max(res.replicates, n);
    res.steps.push_back({x, n, e});
    return e;
  };

  const PointEstimate at_low = call(o.low, o.replicates);
  const PointEstimate at_high = call(o.high, o.replicates);
  res.replicate_runs = 2 * o.replicates;
  res.direction = at_high.mean >= at_low.mean ? Direction::increasing : Direction::decreasing;
  const bool up = res.direction == Direction::increasing;
  const auto reaches = [&](double m) { return up ? m >= o.target : m <= o.target; };
  const std::string dir_note = std::string("response ") + to_string(res.direction) + " (mean " +
                               number(at_low.mean) + " at " + number(o.low) + ", " +
                               number(at_high.mean) + " at " + number(o.high) + ")";

  if (at_high.mean == at_low.mean && at_low.mean != o.target) {
    res.status = ThresholdStatus::not_reached;
    res.estimate = res.interval_low = res.interval_high = o.high;
    res.note = "flat response (mean " + number(at_low.mean) + " at both ends); not reached in [" +
               number(o.low) + ", " + number(o.high) + "]";
    return res;
  }
  if (reaches(at_low.mean)) {
    res.status = ThresholdStatus::at_low;
    res.estimate = res.interval_low = res.interval_high = o.low;
    res.note = dir_note + "; target already reached at the low end";
    return res;
  }
  if (!reaches(at_high.mean)) {
    res.status = ThresholdStatus::not_reached;
    res.estimate = res.interval_low = res.interval_high = o.high;
    res.note = dir_note + "; not reached in [" + number(o.low) + ", " + number(o.high) + "]";
    return res;
  }

  double lo = o.low;
  double hi = o.high;
  res.status = ThresholdStatus::found;
  res.note = dir_note;
  while (hi - lo > width) {
    const double mid = o.integer ? std::floor((lo + hi) / 2.0) : lo + (hi - lo) / 2.0;
    if (mid <= lo || mid >= hi) break;  // no representable midpoint left
    std::uint64_t n = o.replicates;
    PointEstimate e = call(mid, n);
    res.replicate_runs += n;
    // A NaN interval (NaN metric, or too few values) is never decisive.
    auto side = [&](const PointEstimate& p) {
      if (up ? p.ci_low >= o.target : p.ci_high <= o.target) return 1;  // reaches
      if (up ? p.ci_high < o.target : p.ci_low > o.target) return -1;   // does not
      return 0;
    };
    int s = side(e);
    while (s == 0 && n < o.max_replicates) {
      const std::uint64_t more = std::min(2 * n, o.max_replicates);
      res.replicate_runs += more - n;
      n = more;
      e = call(mid, n);
      s = side(e);
    }
    if (s == 0) {
      res.status = ThresholdStatus::undecided;
      res.note += "; undecided at " + number(mid) + " with " + std::to_string(n) +
                  " replicates (mean " + number(e.mean) + ", 95% CI [" + number(e.ci_low) + ", " +
                  number(e.ci_high) + "]): the interval is the bracket";
      break;
    }
    (s > 0 ? hi : lo) = mid;
  }
  res.estimate = hi;
  res.interval_low = lo;
  res.interval_high = hi;
  return res;
}

}  // namespace qvsim::analysis
