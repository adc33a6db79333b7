// The sobol and morris sweep designs (docs/sweeps.md): points from analysis/sensitivity's designs,
// keyed by the master seed, and their input errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "analysis/sensitivity.hpp"
#include "api/sweep_spec.hpp"
#include "sim/error.hpp"
#include "sim/model.hpp"

namespace {

using qvsim::InputError;
using qvsim::SweepDesign;
using qvsim::SweepPlan;

constexpr const char* kLabel = "sweep.yaml";

SweepPlan plan(const std::string& text, std::optional<std::uint64_t> seed = std::nullopt) {
  return qvsim::parse_sweep(text, kLabel, "/base", seed, std::nullopt);
}

void check_error(const std::string& text, std::size_t line, const std::string& key,
                 const std::string& fragment) {
  INFO("sweep text:\n" << text);
  try {
    plan(text);
  } catch (const InputError& e) {
    INFO("error: " << e.what());
    CHECK(e.file() == kLabel);
    CHECK(e.line() == line);
    CHECK(e.key() == key);
    CHECK_THAT(e.message(), Catch::Contains(fragment));
    return;
  }
  FAIL("expected an InputError");
}

// Eight lines; a sweep block appended to it starts on line 9.
const std::string kBase = R"(name: t
seed: 7
replicates: 2
electorate:
  agents: 101
  values: {distribution: normal}
graph: {model: watts_strogatz, degree: 10, rewire: 0.05}
arms: {honest: {}}
)";

const std::string kSobol = kBase + R"(sweep:
  design: sobol
  samples: 20
  parameters:
    electorate.values.homophily: {uniform: [0.1, 0.5]}
    electorate.budget.credits: {log_uniform: [10, 1000]}
    graph.degree: [4, 6, 8]
)";

double homophily(const qvsim::Scenario& s) { return s.values.homophily; }

}  // namespace

TEST_CASE("a sobol sweep runs a Saltelli design: blocks A, B, A_B^(i)", "[sweep][sensitivity]") {
  const SweepPlan p = plan(kSobol);
  CHECK(p.design == SweepDesign::sobol);
  CHECK(p.samples == 20);
  CHECK(p.axes == 3);
  REQUIRE(p.points.size() == 20 * 5);
  // The unit coordinates are analysis::saltelli_design's, keyed by the master seed.
  const qvsim::analysis::SaltelliDesign d =
      qvsim::analysis::saltelli_design(20, 3, qvsim::sensitivity_design_key(7, SweepDesign::sobol));
  std::set<std::uint64_t> seeds;
  for (std::uint64_t j = 0; j < 20; ++j) {
    const auto& a = p.points[j * 5];
    const auto& b = p.points[j * 5 + 1];
    for (std::size_t m = 0; m < 3; ++m) {
      const auto& ab = p.points[j * 5 + 2 + m];
      for (std::size_t i = 0; i < 3; ++i)
        CHECK(ab.values[i].second == (i == m ? b.values[i].second : a.values[i].second));
    }
    for (std::size_t k = 0; k < 5; ++k) {
      const auto& pt = p.points[j * 5 + k];
      CHECK(homophily(pt.scenario) == Approx(0.1 + 0.4 * d.at(j * 5 + k, 0)).margin(1e-12));
      const std::uint32_t degree = std::get<qvsim::WattsStrogatzSpec>(pt.scenario.graph).degree;
      CHECK(degree == 4 + 2 * static_cast<std::uint32_t>(std::floor(d.at(j * 5 + k, 2) * 3.0)));
      seeds.insert(pt.scenario.seed);
    }
  }
  CHECK(seeds.size() == p.points.size());  // #sample keeps equal settings' seeds apart
  CHECK_THAT(p.spec_json, Catch::Contains("\"design\": \"sobol\""));
  // Fixed by the seed.
  const SweepPlan again = plan(kSobol);
  const SweepPlan other = plan(kSobol, 8);
  CHECK(again.points[7].values == p.points[7].values);
  CHECK(other.points[7].values != p.points[7].values);
}

TEST_CASE("a morris sweep runs trajectories on the level grid", "[sweep][sensitivity]") {
  const SweepPlan p = plan(kBase + R"(sweep:
  design: morris
  trajectories: 6
  levels: 4
  parameters:
    electorate.values.homophily: {uniform: [0, 0.3]}
    ballot: [public, secret]
)");
  CHECK(p.design == SweepDesign::morris);
  CHECK(p.trajectories == 6);
  CHECK(p.levels == 4);
  REQUIRE(p.points.size() == 6 * 3);
  CHECK_THAT(p.spec_json, Catch::Contains("\"trajectories\": 6"));
  for (std::uint64_t t = 0; t < 6; ++t) {
    for (std::size_t s = 0; s < 3; ++s) {
      // On the 4-level grid 0, 0.1, 0.2, 0.3 (to rounding: 1/3 of 0.3 is not exact).
      const double h = std::stod(p.points[t * 3 + s].values[0].second);
      CHECK(std::abs(h * 10.0 - std::round(h * 10.0)) < 1e-9);
      CHECK(h >= 0.0);
      CHECK(h <= 0.3);
    }
    for (std::size_t s = 0; s < 2; ++s) {
      // Each step changes exactly one input.
      const auto& x = p.points[t * 3 + s].values;
      const auto& y = p.points[t * 3 + s + 1].values;
      CHECK((x[0].second != y[0].second) + (x[1].second != y[1].second) == 1);
    }
  }
}

TEST_CASE("sobol and morris sweeps: bad blocks are errors at their line and key",
          "[sweep][sensitivity]") {
  auto with = [](const std::string& block) { return kBase + "sweep:\n" + block; };
  const std::string params = "  parameters:\n    graph.rewire: {uniform: [0.1, 0.5]}\n";
  check_error(with("  design: sobol\n" + params), 10, "sweep.samples",
              "missing required key (design sobol runs that many base rows");
  check_error(with("  design: morris\n" + params), 10, "sweep.trajectories",
              "missing required key (design morris");
  check_error(with("  design: morris\n  trajectories: 4\n  levels: 5\n" + params), 12,
              "sweep.levels", "must be even");
  check_error(with("  design: morris\n  trajectories: 4\n  samples: 5\n" + params), 12,
              "sweep.samples", "not allowed with design morris");
  check_error(with("  design: sobol\n  samples: 4\n  levels: 4\n" + params), 12, "sweep.levels",
              "not allowed with design sobol");
  check_error(with("  design: sobol\n  samples: 4\n  parameters:\n    graph.degree: [4]\n"), 13,
              "sweep.parameters.graph.degree", "takes a single value, so design sobol");
  check_error(
      with("  design: morris\n  trajectories: 4\n  parameters:\n    graph.rewire: {uniform: "
           "[0.2, 0.2]}\n"),
      13, "sweep.parameters.graph.rewire", "takes a single value, so design morris");
  check_error(with("  design: sobol\n  samples: 500000\n" + params), 11, "sweep.samples",
              "500000 x 3 (inputs + 2) points is more than");
}
