// values.precision: float32 on the example scenarios (docs/model.md, "Values in 32-bit floats"):
// the efficiency of every replicate, arm and mechanism moves by no more than the stated bound,
// and no decision changes.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/metrics.hpp"
#include "api/scenario_yaml.hpp"
#include "support/outcomes.hpp"

using namespace qvsim;

TEST_CASE("float32 values move the example scenarios' efficiency by less than 1e-6",
          "[float32][scenario]") {
  const std::filesystem::path dir = std::filesystem::path(QVSIM_SOURCE_DIR) / "scenarios";
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  std::size_t run = 0;
  for (const std::string& name : names) {
    // The sweeps run these scenarios' models at other points; million.yaml and national.yaml
    // are too large for a test (their release runs are in docs/model.md).
    if (name == "sweep_example.yaml" || name == "defence_matrix.yaml" || name == "million.yaml" ||
        name == "national.yaml")
      continue;
    INFO(name);
    Scenario s = load_scenario(dir / name);
    s.replicates = std::min<std::uint64_t>(s.replicates, 3);
    REQUIRE_FALSE(s.values.float32);
    const auto f64 = test::run_outcomes(s);
    s.values.float32 = true;
    const auto f32 = test::run_outcomes(s);
    REQUIRE(f64.size() == f32.size());
    double largest = 0.0;
    std::size_t rounded = 0;
    for (std::size_t r = 0; r < f64.size(); ++r) {
      // Totals of rounded values: close, and not the same numbers (the option took effect).
      for (std::size_t k = 0; k < f64[r].value_totals.size(); ++k) {
        rounded += f32[r].value_totals[k] != f64[r].value_totals[k];
        CHECK(std::fabs(f32[r].value_totals[k] - f64[r].value_totals[k]) <=
              1e-5 * std::max(1.0, std::fabs(f64[r].value_totals[k])));
      }
      REQUIRE(f64[r].arms.size() == f32[r].arms.size());
      for (std::size_t arm = 0; arm < f64[r].arms.size(); ++arm) {
        const auto& a = f64[r].arms[arm].mechanisms;
        const auto& b = f32[r].arms[arm].mechanisms;
        REQUIRE(a.size() == b.size());
        for (std::size_t m = 0; m < a.size(); ++m) {
          CHECK(a[m].decision == b[m].decision);
          const double ea = analysis::efficiency(a[m].decision, f64[r].value_totals);
          const double eb = analysis::efficiency(b[m].decision, f32[r].value_totals);
          if (std::isfinite(ea)) largest = std::max(largest, std::fabs(ea - eb));
        }
      }
    }
    // The bound docs/model.md states: the full examples moved by at most 4.9e-7.
    CHECK(largest < 1e-6);
    CHECK(rounded > 0);
    ++run;
  }
  CHECK(run >= 16);
}
