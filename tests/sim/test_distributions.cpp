#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "sim/distributions.hpp"
#include "sim/rng.hpp"

using namespace qvsim;

TEST_CASE("normal quantile matches reference values", "[distributions]") {
  // Reference quantiles to 16 significant digits (tables of the standard normal); AS241 is
  // accurate to about 1e-16 relative, so 1e-14 leaves room for the last bits only.
  CHECK(normal_quantile(0.5) == 0.0);
  CHECK(normal_quantile(0.975) == Approx(1.959963984540054).epsilon(1e-14));
  CHECK(normal_quantile(0.001) == Approx(-3.090232306167814).epsilon(1e-14));
  CHECK(normal_quantile(0.3) == Approx(-0.5244005127080407).epsilon(1e-14));
  // Deep tail: the reference is a Newton solve of log Phi(x) = log 1e-300 in doubles.
  CHECK(normal_quantile(1e-300) == Approx(-37.0470962993612).epsilon(1e-12));
  CHECK(std::isinf(normal_quantile(0.0)));
  CHECK(std::isinf(normal_quantile(1.0)));
  CHECK(std::isnan(normal_quantile(-0.1)));
  CHECK(std::isnan(normal_quantile(std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("normal quantile golden bits are pinned", "[distributions]") {
  // Exact bits: draws of every scenario depend on them. Update only deliberately.
  CHECK(normal_quantile(0.975) == 1.9599639845400536);
  CHECK(normal_quantile(0.001) == -3.0902323061678132);
  CHECK(normal_quantile(0.3) == -0.52440051270804067);
}

TEST_CASE("normal quantile inverts the CDF and is symmetric", "[distributions]") {
  for (double p = 0.0005; p < 1.0; p += 0.0137) {
    CHECK(normal_cdf(normal_quantile(p)) == Approx(p).epsilon(1e-12));
    CHECK(normal_quantile(1.0 - p) == Approx(-normal_quantile(p)).margin(1e-12));
  }
  CHECK(normal_cdf(-1.0) == Approx(0.15865525393145707).epsilon(1e-15));
}

TEST_CASE("normal draws have mean 0 and variance 1", "[distributions]") {
  Stream s(StreamKey{11, 0, 0, 0, 0, Purpose::test});
  const int n = 200000;
  double sum = 0.0;
  double sq = 0.0;
  for (int i = 0; i < n; ++i) {
    const double z = s.normal();
    sum += z;
    sq += z * z;
  }
  const double mean = sum / n;
  const double var = sq / n - mean * mean;
  // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; five of each.
  CHECK(std::fabs(mean) < 0.0112);
  CHECK(std::fabs(var - 1.0) < 0.016);
}

TEST_CASE("geometric skip by inversion", "[distributions]") {
  CHECK(geometric_skip(0.5, 1.0) == 0);
  CHECK(geometric_skip(0.5, 0.1) == 6);        // floor(log 0.5 / log 0.9) = floor(6.58)
  CHECK(geometric_skip(0.01, 0.001) == 4602);  // floor(log 0.01 / log 0.999) = floor(4602.9)
  CHECK(geometric_skip(1e-300, 1e-300) == std::uint64_t{1} << 63);  // saturates
  // Mean of Geometric(p) failures is (1 - p) / p.
  Stream s(StreamKey{12, 0, 0, 0, 0, Purpose::test});
  const double p = 0.2;
  const int n = 100000;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(geometric_skip(s.uniform_open(), p));
  // Variance (1-p)/p^2 = 20, sd of the mean sqrt(20/n) = 0.0141; five sd.
  CHECK(std::fabs(sum / n - 4.0) < 0.071);
  // With log1p(-p) computed by the caller, the same values (the generators' loops use it).
  int differ = 0;
  for (const double q : {1.0, 0.5, 0.1, 1e-3, 1e-7, 1e-300}) {
    for (int i = 0; i < 1000; ++i) {
      const double u = s.uniform_open();
      differ += geometric_skip_log(u, std::log1p(-q)) != geometric_skip(u, q) ? 1 : 0;
    }
  }
  CHECK(differ == 0);
}
