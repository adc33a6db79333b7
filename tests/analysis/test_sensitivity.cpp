#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <set>
#include <stdexcept>
#include <vector>

#include "analysis/sensitivity.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

using namespace qvsim;
using namespace qvsim::analysis;

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kA = 7.0;  // Ishigami's a and b
constexpr double kB = 0.1;

StreamKey design_key(std::uint64_t seed) {
  StreamKey k;
  k.seed = seed;
  k.purpose = Purpose::test;
  return k;
}

StreamKey boot_key(std::uint64_t seed) {
  StreamKey k;
  k.seed = seed;
  return k;
}

// Ishigami on unit coordinates, x_i = -pi + 2 pi u_i.
double ishigami(const double* u) {
  const double x1 = -kPi + 2.0 * kPi * u[0];
  const double x2 = -kPi + 2.0 * kPi * u[1];
  const double x3 = -kPi + 2.0 * kPi * u[2];
  return std::sin(x1) + kA * std::sin(x2) * std::sin(x2) + kB * std::pow(x3, 4) * std::sin(x1);
}

template <class Design>
std::vector<double> evaluate(const Design& d, double (*f)(const double*)) {
  std::vector<double> y(d.points());
  for (std::uint64_t p = 0; p < d.points(); ++p) y[p] = f(&d.unit[p * d.dims]);
  return y;
}

// Closed forms (Ishigami and Homma 1990; Sobol' and Levitan 1999): V1 = (1 + b pi^4 / 5)^2 / 2,
// V2 = a^2 / 8, V13 = b^2 pi^8 (1/18 - 1/50), V = V1 + V2 + V13.
struct IshigamiIndices {
  double s1[3];
  double st[3];
};

IshigamiIndices ishigami_closed_form() {
  const double pi4 = std::pow(kPi, 4);
  const double v1 = 0.5 * std::pow(1.0 + kB * pi4 / 5.0, 2);
  const double v2 = kA * kA / 8.0;
  const double v13 = kB * kB * pi4 * pi4 * (1.0 / 18.0 - 1.0 / 50.0);
  const double v = v1 + v2 + v13;
  return {{v1 / v, v2 / v, 0.0}, {(v1 + v13) / v, v2 / v, v13 / v}};
}

bool same(const SobolIndex& a, const SobolIndex& b) {
  auto eq = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  return eq(a.estimate, b.estimate) && eq(a.low, b.low) && eq(a.high, b.high) && eq(a.se, b.se);
}

}  // namespace

TEST_CASE("the Ishigami closed forms are the published values", "[sensitivity]") {
  const IshigamiIndices c = ishigami_closed_form();
  CHECK(c.s1[0] == Approx(0.3139).margin(5e-5));
  CHECK(c.s1[1] == Approx(0.4424).margin(5e-5));
  CHECK(c.st[0] == Approx(0.5576).margin(5e-5));
  CHECK(c.st[1] == Approx(0.4424).margin(5e-5));
  CHECK(c.st[2] == Approx(0.2437).margin(5e-5));
}

TEST_CASE("a Saltelli design is blocks A, B, A_B^(1..d) of keyed uniforms", "[sensitivity]") {
  const SaltelliDesign d = saltelli_design(50, 3, design_key(5));
  REQUIRE(d.points() == 250);
  REQUIRE(d.unit.size() == 250 * 3);
  for (std::uint64_t j = 0; j < 50; ++j) {
    const std::uint64_t a = j * 5;
    const std::uint64_t b = a + 1;
    for (std::size_t m = 0; m < 3; ++m) {
      for (std::size_t i = 0; i < 3; ++i) {
        CHECK(d.at(a + 2 + m, i) == (i == m ? d.at(b, i) : d.at(a, i)));
      }
    }
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(d.at(a, i) > 0.0);
      CHECK(d.at(a, i) < 1.0);
      CHECK(d.at(a, i) != d.at(b, i));
      // The documented stream: A_j is draw 2j of coordinate i's stream, B_j draw 2j + 1.
      StreamKey k = design_key(5);
      k.agent = i;
      CHECK(d.at(a, i) == uniform_open_at(k, 2 * j));
      CHECK(d.at(b, i) == uniform_open_at(k, 2 * j + 1));
    }
  }
  // More samples extend the design; another key gives another design.
  const SaltelliDesign more = saltelli_design(80, 3, design_key(5));
  CHECK(std::equal(d.unit.begin(), d.unit.end(), more.unit.begin()));
  CHECK(saltelli_design(50, 3, design_key(6)).unit != d.unit);
  CHECK_THROWS_AS(saltelli_design(0, 3, design_key(5)), std::invalid_argument);
  CHECK_THROWS_AS(saltelli_design(5, 0, design_key(5)), std::invalid_argument);
}

TEST_CASE("Sobol indices of the Ishigami function match the closed forms", "[sensitivity]") {
  // N = 2^14 base rows (81,920 evaluations), 1,000 resamples. The estimators converge as
  // 1/sqrt(N); at this N the bootstrap standard errors are 0.007-0.008 for S1 and 0.004-0.012 for
  // ST (largest for ST_1). Over 200 design seeds the largest error of any index was 0.039 (ST_1;
  // the others below 0.023), so 0.05 is about 4 to 6 standard errors: a failure means a wrong
  // estimator, not bad luck. The 95% percentile intervals covered the closed forms in 189-193 of
  // the 200 seeds per index (nominal 190); with the fixed seeds here all six cover.
  const SaltelliDesign d = saltelli_design(16384, 3, design_key(1000));
  const std::vector<double> y = evaluate(d, ishigami);
  const SobolResult r = sobol_indices(y, 3, 1000, boot_key(7));
  const IshigamiIndices c = ishigami_closed_form();
  REQUIRE(r.rows == 16384);
  constexpr double kTolerance = 0.05;
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("input x" << i + 1);
    CHECK(r.first[i].estimate == Approx(c.s1[i]).margin(kTolerance));
    CHECK(r.total[i].estimate == Approx(c.st[i]).margin(kTolerance));
    CHECK(r.first[i].low <= c.s1[i]);
    CHECK(c.s1[i] <= r.first[i].high);
    CHECK(r.total[i].low <= c.st[i]);
    CHECK(c.st[i] <= r.total[i].high);
    CHECK(r.first[i].se > 0.0);
    CHECK(r.first[i].se < 0.02);
    CHECK(r.total[i].se < 0.02);
    CHECK(r.first[i].low <= r.first[i].estimate);
    CHECK(r.first[i].estimate <= r.first[i].high);
  }
  // V is the variance of the Ishigami function, V = 13.845 (closed form above).
  CHECK(r.variance == Approx(13.845).epsilon(0.03));
}

TEST_CASE("an input a function ignores has S1 and ST exactly 0", "[sensitivity]") {
  // f = u1 + u1 u2: x3 never enters, so f_A - f_AB3 is exactly 0 in every row.
  const SaltelliDesign d = saltelli_design(500, 3, design_key(11));
  const std::vector<double> y = evaluate(d, [](const double* u) { return u[0] + u[0] * u[1]; });
  const SobolResult r = sobol_indices(y, 3, 200, boot_key(3));
  CHECK(r.first[2].estimate == 0.0);
  CHECK(r.total[2].estimate == 0.0);
  CHECK(r.total[2].low == 0.0);
  CHECK(r.total[2].high == 0.0);
  CHECK(r.total[0].estimate > 0.5);
  CHECK(r.first[1].estimate < r.total[1].estimate);
}

TEST_CASE("Sobol indices: constant output, missing rows, bad sizes", "[sensitivity]") {
  const SaltelliDesign d = saltelli_design(100, 2, design_key(12));
  std::vector<double> y(d.points(), 3.5);
  const SobolResult flat = sobol_indices(y, 2, 50, boot_key(1));
  CHECK(flat.variance == 0.0);
  CHECK(std::isnan(flat.first[0].estimate));
  CHECK(std::isnan(flat.total[1].high));

  std::vector<double> lin = evaluate(d, [](const double* u) { return u[0] + 2.0 * u[1]; });
  const SobolResult whole = sobol_indices(lin, 2, 50, boot_key(1));
  lin[4 * 4 + 2] = std::nan("");  // row 4's A_B^(1) output (blocks of 4)
  lin[9 * 4] = INFINITY;          // row 9's A output
  const SobolResult holed = sobol_indices(lin, 2, 50, boot_key(1));
  CHECK(whole.rows == 100);
  CHECK(holed.rows == 98);
  CHECK(std::isfinite(holed.first[0].estimate));
  CHECK(holed.first[0].estimate != whole.first[0].estimate);

  CHECK_THROWS_AS(sobol_indices(std::vector<double>(11), 3, 10, boot_key(1)),
                  std::invalid_argument);
  CHECK_THROWS_AS(sobol_indices(std::vector<double>(8), 2, 0, boot_key(1)), std::invalid_argument);
  CHECK_THROWS_AS(sobol_indices(std::vector<double>(8), 0, 10, boot_key(1)), std::invalid_argument);
}

TEST_CASE("Sobol indices and intervals are identical at 1 and 2 threads", "[sensitivity]") {
  const SaltelliDesign d = saltelli_design(3000, 3, design_key(21));
  const std::vector<double> y = evaluate(d, ishigami);
  SobolResult one, two;
  // 1,000 resamples: four chunks of 256, so two threads really split them.
  with_threads(1, [&] { one = sobol_indices(y, 3, 1000, boot_key(9)); });
  with_threads(2, [&] { two = sobol_indices(y, 3, 1000, boot_key(9)); });
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(same(one.first[i], two.first[i]));
    CHECK(same(one.total[i], two.total[i]));
  }
  // Another bootstrap seed moves the intervals but not the estimates.
  const SobolResult other = sobol_indices(y, 3, 1000, boot_key(10));
  CHECK(other.first[0].estimate == one.first[0].estimate);
  CHECK(other.first[0].low != one.first[0].low);
}

TEST_CASE("Morris trajectories move one coordinate by exactly Delta per step", "[sensitivity]") {
  const MorrisDesign d = morris_design(40, 5, 6, design_key(31));
  REQUIRE(d.points() == 40 * 6);
  CHECK(d.delta == 3.0 / 5.0);
  for (std::uint64_t t = 0; t < 40; ++t) {
    std::set<std::uint32_t> moved;
    for (std::size_t s = 0; s < 5; ++s) {
      const std::uint64_t p = t * 6 + s;
      const std::uint32_t i = d.moved[t * 5 + s];
      moved.insert(i);
      for (std::size_t k = 0; k < 5; ++k) {
        // Every coordinate is a grid level l / (p - 1).
        const double level = d.at(p, k) * 5.0;
        CHECK(level == std::round(level));
        if (k == i) {
          const double step = std::round(d.at(p + 1, k) * 5.0) - std::round(level);
          CHECK(step == 3.0 * d.sign[t * 5 + s]);
        } else {
          CHECK(d.at(p + 1, k) == d.at(p, k));
        }
      }
    }
    CHECK(moved.size() == 5);  // each input moves exactly once
  }
  CHECK(morris_design(40, 5, 6, design_key(32)).unit != d.unit);
  CHECK_THROWS_AS(morris_design(10, 3, 5, design_key(1)), std::invalid_argument);
  CHECK_THROWS_AS(morris_design(10, 3, 0, design_key(1)), std::invalid_argument);
  CHECK_THROWS_AS(morris_design(0, 3, 4, design_key(1)), std::invalid_argument);
}

TEST_CASE("Morris mu of a linear function is its coefficients", "[sensitivity]") {
  // f(u) = sum c_i u_i: every elementary effect is c_i, whatever the start and direction. With
  // p = 2 the grid is {0, 1} and Delta = 1, so every difference is exact: f(x + s e_i) - f(x) is
  // c_i s (the coefficient times the signed step) bit for bit, and mu = c_i, sigma = 0 exactly.
  const double c[4] = {3.0, -2.0, 0.5, 0.0};
  auto f = [](const double* u) { return 3.0 * u[0] - 2.0 * u[1] + 0.5 * u[2] + 0.0 * u[3]; };
  const MorrisDesign d2 = morris_design(25, 4, 2, design_key(41));
  const std::vector<double> y2 = evaluate(d2, f);
  for (std::uint64_t t = 0; t < 25; ++t) {
    for (std::size_t s = 0; s < 4; ++s) {
      const std::uint64_t p = t * 5 + s;
      CHECK(y2[p + 1] - y2[p] == c[d2.moved[t * 4 + s]] * d2.sign[t * 4 + s] * d2.delta);
    }
  }
  const std::vector<MorrisIndex> m2 = morris_indices(d2, y2);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(m2[i].effects == 25);
    CHECK(m2[i].mu == c[i]);
    CHECK(m2[i].mu_star == std::abs(c[i]));
    CHECK(m2[i].sigma == 0.0);
  }
  // With p = 8 (Delta = 4/7) the levels are not binary fractions: equal to rounding.
  const MorrisDesign d8 = morris_design(25, 4, 8, design_key(42));
  const std::vector<MorrisIndex> m8 = morris_indices(d8, evaluate(d8, f));
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(m8[i].mu == Approx(c[i]).margin(1e-12));
    CHECK(m8[i].sigma == Approx(0.0).margin(1e-12));
  }
}

TEST_CASE("Morris ranks Ishigami's inputs as the design's exact expectation does",
          "[sensitivity]") {
  // With p = 4 the levels are x = -pi, -pi/3, pi/3, pi and Delta moves a coordinate two levels.
  // The expected mu* of this design is an average over the grid, computed here by enumeration
  // (every start level of the moved input, every level of the others; all are equally likely, see
  // morris_design): 7.704 (x1), 7.875 (x2), 6.249 (x3). x2 changes sin^2 between 0 and 3/4 on
  // every move, so every |EE_2| is 7 * 0.75 / Delta = 7.875 while EE_2's sign alternates: mu* is
  // exact, mu is near 0 and sigma large, the case mu* (Campolongo 2007) exists for. x1 and x2 are
  // ranked above x3, as by the closed-form ST (0.558, 0.442 vs 0.244); this grid does not separate
  // x1 from x2 (7.70 vs 7.88), so their order is not asserted. With r = 1,000 the standard error
  // of mu*_1 and mu*_3 is 6.25 / sqrt(1000) = 0.20; over 500 design seeds the largest error was
  // 0.60 and x3 ranked last in all 500, so 0.8 (4 standard errors) is the tolerance.
  const std::uint32_t p = 4;
  const double delta = 2.0 / 3.0;
  double expected[3] = {0.0, 0.0, 0.0};
  for (std::size_t i = 0; i < 3; ++i) {
    double sum = 0.0;
    int count = 0;
    for (std::uint32_t a = 0; a < p; ++a) {
      for (std::uint32_t b = 0; b < p; ++b) {
        for (std::uint32_t k = 0; k < p / 2; ++k) {
          double lo[3], hi[3];
          const std::uint32_t others[2] = {a, b};
          for (std::size_t j = 0, o = 0; j < 3; ++j) {
            lo[j] = j == i ? k / 3.0 : others[o] / 3.0;
            hi[j] = j == i ? (k + 2) / 3.0 : others[o++] / 3.0;
          }
          sum += std::abs(ishigami(hi) - ishigami(lo)) / delta;
          ++count;
        }
      }
    }
    expected[i] = sum / count;
  }
  CHECK(expected[0] == Approx(7.704).margin(1e-3));
  CHECK(expected[1] == Approx(7.875).margin(1e-9));
  CHECK(expected[2] == Approx(6.249).margin(1e-3));

  const MorrisDesign d = morris_design(1000, 3, p, design_key(1000));
  const std::vector<MorrisIndex> m = morris_indices(d, evaluate(d, ishigami));
  CHECK(m[0].mu_star == Approx(expected[0]).margin(0.8));
  CHECK(m[1].mu_star == Approx(7.875).margin(1e-9));
  CHECK(m[2].mu_star == Approx(expected[2]).margin(0.8));
  CHECK(m[0].mu_star > m[2].mu_star);
  CHECK(m[1].mu_star > m[2].mu_star);
  CHECK(std::abs(m[1].mu) < 1.0);  // the alternating sign cancels in mu
  CHECK(m[1].sigma > 7.0);
}

TEST_CASE("Morris indices skip effects with a missing output", "[sensitivity]") {
  const MorrisDesign d = morris_design(10, 2, 4, design_key(51));
  std::vector<double> y = evaluate(d, [](const double* u) { return u[0] - u[1]; });
  y[1] = std::nan("");  // trajectory 0's middle point: both of its effects are lost
  const std::vector<MorrisIndex> m = morris_indices(d, y);
  CHECK(m[0].effects == 9);
  CHECK(m[1].effects == 9);
  CHECK(m[0].mu == Approx(1.0).margin(1e-12));
  CHECK(m[1].mu == Approx(-1.0).margin(1e-12));
  CHECK_THROWS_AS(morris_indices(d, std::vector<double>(5)), std::invalid_argument);
}
