#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "analysis/metrics.hpp"

using namespace qvsim::analysis;

TEST_CASE("efficiency, wrong decisions and flips by hand", "[metrics]") {
  const std::vector<double> totals{3, -1, 0, 2};
  const std::vector<std::int8_t> decisions{1, 1, -1, -1};
  // Right on proposal 0 (|U| = 3) only; proposal 2 has no welfare at stake.
  CHECK(welfare_achieved(decisions, totals) == 3.0);
  CHECK(welfare_max(totals) == 6.0);
  CHECK(efficiency(decisions, totals) == 0.5);
  CHECK(wrong_decision_rate(decisions, totals) == 0.5);  // proposals 1 and 3 of 4
  const std::vector<std::int8_t> baseline{1, -1, -1, -1};
  CHECK(flip_rate(decisions, baseline) == 0.25);
  CHECK(flip_rate(decisions, decisions) == 0.0);
}

TEST_CASE("efficiency is 1 when nothing is at stake", "[metrics]") {
  const std::vector<double> totals{0, 0};
  const std::vector<std::int8_t> decisions{1, -1};
  CHECK(efficiency(decisions, totals) == 1.0);
  CHECK(wrong_decision_rate(decisions, totals) == 0.0);
}

TEST_CASE("intensity accuracy is the Pearson correlation", "[metrics]") {
  CHECK(intensity_accuracy(std::vector<double>{2, 4, 6}, std::vector<double>{1, 2, 3}) ==
        Approx(1.0));
  CHECK(intensity_accuracy(std::vector<double>{3, 2, 1}, std::vector<double>{1, 2, 3}) ==
        Approx(-1.0));
  // x = (1, 2, 3, 4), y = (1, 3, 2, 4): sxy = 4, sxx = syy = 5, r = 0.8.
  CHECK(pearson(std::vector<double>{1, 2, 3, 4}, std::vector<double>{1, 3, 2, 4}) == Approx(0.8));
  CHECK(std::isnan(intensity_accuracy(std::vector<double>{1, 1}, std::vector<double>{1, 2})));
  CHECK(std::isnan(intensity_accuracy(std::vector<double>{1}, std::vector<double>{1})));
}
