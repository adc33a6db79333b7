#include <catch2/catch.hpp>
#include <cmath>

#include "analysis/statistics.hpp"

using namespace qvsim::analysis;

TEST_CASE("t quantiles match tables", "[statistics]") {
  CHECK(t_quantile_975(1) == Approx(12.706204736174698).epsilon(1e-12));
  CHECK(t_quantile_975(3) == Approx(3.182446305284263).epsilon(1e-12));
  CHECK(t_quantile_975(1e7) == Approx(1.959963984540054).epsilon(1e-6));
}

TEST_CASE("running mean, sd and t interval by hand", "[statistics]") {
  RunningStats s;
  for (double x : {1.0, 2.0, 3.0, 4.0}) s.add(x);
  s.add(std::nan(""));
  const Summary r = s.summary();
  CHECK(r.n == 4);
  CHECK(r.missing == 1);
  CHECK(r.mean == Approx(2.5));
  CHECK(r.sd == Approx(std::sqrt(5.0 / 3.0)));
  CHECK(r.se == Approx(std::sqrt(5.0 / 3.0) / 2.0));
  const double half = 3.182446305284263 * std::sqrt(5.0 / 3.0) / 2.0;
  CHECK(r.ci_low == Approx(2.5 - half));
  CHECK(r.ci_high == Approx(2.5 + half));
}

TEST_CASE("one value has no interval and none has no mean", "[statistics]") {
  RunningStats one;
  one.add(7.0);
  CHECK(one.summary().mean == 7.0);
  CHECK(std::isnan(one.summary().sd));
  CHECK(std::isnan(one.summary().ci_low));
  CHECK(std::isnan(RunningStats{}.summary().mean));
}

TEST_CASE("pooled ratio with a delta-method interval by hand", "[statistics]") {
  RatioStats r;
  r.add(1, 2);
  r.add(2, 2);
  const Summary s = r.summary();
  // R = 3/4; residuals a - R b = -0.5, 0.5; se = sqrt(0.5 / (2 * 1)) / mean(b) = 0.5 / 2.
  CHECK(s.mean == 0.75);
  CHECK(s.se == Approx(0.25));
  CHECK(s.ci_low == Approx(0.75 - 12.706204736174698 * 0.25));
  CHECK(std::isnan(s.sd));
  RatioStats none;
  none.add(0, 0);
  none.add(0, 0);
  CHECK(none.summary().mean == 1.0);
}

TEST_CASE("intervals clipped to a range stay in it; NaN stays NaN", "[statistics]") {
  // Shares {0, 0, 1}: mean 1/3, t interval about [-1.10, 1.77] before clipping.
  RunningStats s;
  for (double x : {0.0, 0.0, 1.0}) s.add(x);
  Summary r = s.summary();
  REQUIRE(r.ci_low < 0.0);
  REQUIRE(r.ci_high > 1.0);
  clip_interval(r, ValueRange{0.0, 1.0});
  CHECK(r.ci_low == 0.0);
  CHECK(r.ci_high == 1.0);
  CHECK(r.mean == Approx(1.0 / 3.0));
  // A difference of shares lies in [-1, 1].
  const ValueRange d = difference_range(ValueRange{0.0, 1.0});
  CHECK(d.low == -1.0);
  CHECK(d.high == 1.0);
  // One value: no interval, and clipping keeps it undefined.
  RunningStats one;
  one.add(1.0);
  Summary o = one.summary();
  clip_interval(o, ValueRange{0.0, 1.0});
  CHECK(std::isnan(o.ci_low));
  CHECK(std::isnan(o.ci_high));
  // The default range leaves an interval as it is.
  Summary u = s.summary();
  const double low = u.ci_low;
  clip_interval(u, ValueRange{});
  CHECK(u.ci_low == low);
}
