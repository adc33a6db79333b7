#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>

#include "analysis/threshold.hpp"

using namespace qvsim::analysis;

namespace {

// A synthetic monotone response: mean = clamp((x - t0) / s + 0.5) around a known threshold t0,
// observed with a CI of half-width c / sqrt(n) that shrinks as replicates are added.
struct Synthetic {
  double t0 = 3.7;
  double slope = 4.0;  // the mean goes from 0 to 1 over [t0 - 2, t0 + 2]
  double c = 0.6;
  bool increasing = true;
  PointEstimate operator()(double x, std::uint64_t n) const {
    double m = std::clamp((x - t0) / slope + 0.5, 0.0, 1.0);
    if (!increasing) m = 1.0 - m;
    const double h = c / std::sqrt(static_cast<double>(n));
    return {m, m - h, m + h};
  }
};

}  // namespace

TEST_CASE("threshold: recovers a known threshold within the width", "[threshold]") {
  Synthetic f;
  ThresholdOptions o;
  o.low = 0.0;
  o.high = 10.0;
  o.target = 0.5;  // reached exactly at t0
  o.width = 0.05;
  o.replicates = 4;
  o.max_replicates = 1u << 20;
  const ThresholdResult r = find_threshold(o, f);
  CHECK(r.status == ThresholdStatus::found);
  CHECK(r.direction == Direction::increasing);
  CHECK(r.interval_high - r.interval_low <= o.width);
  CHECK(r.interval_low <= f.t0);
  CHECK(r.interval_high >= f.t0);
  CHECK(std::abs(r.estimate - f.t0) <= o.width);
  CHECK(r.estimate == r.interval_high);
  // Near the threshold the CI straddles the target at R0, so replicates were doubled.
  CHECK(r.replicates > o.replicates);
  bool doubled = false;
  for (std::size_t i = 1; i < r.steps.size(); ++i)
    if (r.steps[i].x == r.steps[i - 1].x) {
      CHECK(r.steps[i].replicates == 2 * r.steps[i - 1].replicates);
      doubled = true;
    }
  CHECK(doubled);
  CHECK(r.evaluations == r.steps.size());
}

TEST_CASE("threshold: a decreasing response is detected from the ends", "[threshold]") {
  Synthetic f;
  f.increasing = false;
  ThresholdOptions o;
  o.low = 0.0;
  o.high = 10.0;
  o.target = 0.25;  // reached (mean <= 0.25) from t0 + 1 on
  o.width = 0.01;
  o.replicates = 4;
  o.max_replicates = 1u << 22;
  const ThresholdResult r = find_threshold(o, f);
  CHECK(r.direction == Direction::decreasing);
  CHECK(r.status == ThresholdStatus::found);
  CHECK(std::abs(r.estimate - (f.t0 + 1.0)) <= o.width);
  CHECK(r.note.find("decreasing") != std::string::npos);
}

TEST_CASE("threshold: a target never reached is reported as such", "[threshold]") {
  Synthetic f;
  ThresholdOptions o;
  o.low = 0.0;
  o.high = 2.0;  // the mean is 0 throughout
  o.target = 0.5;
  o.replicates = 4;
  o.max_replicates = 64;
  const ThresholdResult r = find_threshold(o, f);
  CHECK(r.status == ThresholdStatus::not_reached);
  CHECK(r.evaluations == 2);
  CHECK(r.note.find("not reached in [0, 2]") != std::string::npos);
}

TEST_CASE("threshold: a target reached at the low end", "[threshold]") {
  Synthetic f;
  ThresholdOptions o;
  o.low = 5.0;
  o.high = 9.0;
  o.target = 0.5;
  o.replicates = 4;
  o.max_replicates = 64;
  const ThresholdResult r = find_threshold(o, f);
  CHECK(r.status == ThresholdStatus::at_low);
  CHECK(r.estimate == 5.0);
}

TEST_CASE("threshold: integer keys give integer thresholds", "[threshold]") {
  // A step response: the metric is 1 from 37 organizers on, 0 below (no noise).
  auto step = [](double x, std::uint64_t) {
    CHECK(x == std::floor(x));
    const double m = x >= 37 ? 1.0 : 0.0;
    return PointEstimate{m, m, m};
  };
  ThresholdOptions o;
  o.low = 0;
  o.high = 100;
  o.target = 0.5;
  o.width = 0.01;  // taken as 1 for integer keys
  o.integer = true;
  o.replicates = 2;
  o.max_replicates = 2;
  const ThresholdResult r = find_threshold(o, step);
  CHECK(r.status == ThresholdStatus::found);
  CHECK(r.estimate == 37.0);
  CHECK(r.interval_low == 36.0);
  CHECK(r.interval_high == 37.0);
  CHECK(r.replicates == 2);
}

TEST_CASE("threshold: undecided at the replicate cap reports the bracket", "[threshold]") {
  // The CI never shrinks: every midpoint straddles the target.
  auto flat = [](double x, std::uint64_t) {
    const double m = x / 10.0;
    return PointEstimate{m, m - 10.0, m + 10.0};
  };
  ThresholdOptions o;
  o.low = 0;
  o.high = 10;
  o.target = 0.5;
  o.width = 0.1;
  o.replicates = 4;
  o.max_replicates = 16;
  const ThresholdResult r = find_threshold(o, flat);
  CHECK(r.status == ThresholdStatus::undecided);
  CHECK(r.interval_low == 0.0);
  CHECK(r.interval_high == 10.0);
  CHECK(r.replicates == 16);
  CHECK(r.evaluations == 2 + 3);  // ends, then 4, 8, 16 at the midpoint
  CHECK(r.note.find("undecided at 5 with 16 replicates") != std::string::npos);
}

TEST_CASE("threshold: options outside their ranges are refused", "[threshold]") {
  auto f = [](double, std::uint64_t) { return PointEstimate{}; };
  ThresholdOptions o;
  o.low = 1;
  o.high = 1;
  CHECK_THROWS_AS(find_threshold(o, f), std::invalid_argument);
  o.high = 2;
  o.replicates = 1;
  CHECK_THROWS_AS(find_threshold(o, f), std::invalid_argument);
}
