// qvsim analyze on sobol and morris sweeps: analysis/sensitivity.csv (docs/outputs.md).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/sensitivity.hpp"
#include "api/sweep_spec.hpp"
#include "app/cli.hpp"
#include "sim/json.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;

namespace {

using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;

int cli(const std::vector<std::string>& args, std::string* out_text = nullptr) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = qvsim::run_cli(args, out, err);
  if (out_text) *out_text = out.str();
  INFO(err.str());
  return code;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

std::vector<std::vector<std::string>> csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) rows.push_back(split(l));
  return rows;
}

std::string scenario(const std::string& sweep) {
  return R"(name: sensitivity-test
seed: 4242
replicates: 2
electorate:
  agents: 60
  proposals: 2
  values: {distribution: normal}
graph: {model: watts_strogatz, degree: 4, rewire: 0.1}
mechanisms: [quadratic, one_person_one_vote]
arms:
  honest: {}
  bloc:
    collusion: {organizers: 2, max_size: 10}
sweep:
)" + sweep;
}

}  // namespace

TEST_CASE("analyze on a sobol sweep writes S1 and ST per arm, mechanism, metric, parameter",
          "[sensitivity][cli]") {
  TempDir tmp;
  write(tmp.path / "s.yaml", scenario(R"(  design: sobol
  samples: 6
  parameters:
    electorate.values.homophily: {uniform: [0.0, 0.6]}
    arms.bloc.collusion.organizers: [0, 1, 2, 3]
)"));
  const fs::path out = tmp.path / "out";
  REQUIRE(cli({"sweep", (tmp.path / "s.yaml").string(), "--out", out.string(), "--quiet"}) == 0);
  std::string said;
  REQUIRE(cli({"analyze", out.string(), "--resamples", "50"}, &said) == 0);
  CHECK_THAT(said, Catch::Contains("sensitivity.csv"));
  const auto rows = csv(read(out / "analysis" / "sensitivity.csv"));
  REQUIRE(rows.size() > 1);
  CHECK(rows[0] == std::vector<std::string>{"arm", "mechanism", "metric", "parameter", "rows", "s1",
                                            "s1_low", "s1_high", "s1_se", "st", "st_low", "st_high",
                                            "st_se"});
  // 2 arms x 2 mechanisms x metrics x 2 parameters, parameters innermost.
  CHECK((rows.size() - 1) % 8 == 0);
  std::size_t finite = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    REQUIRE(rows[r].size() == 13);
    CHECK(rows[r][3] ==
          (r % 2 == 1 ? "electorate.values.homophily" : "arms.bloc.collusion.organizers"));
    // A base row counts when all its points have the metric: an arm's own metrics are NA for the
    // honest arm and where the bloc has no organizers, so fewer (or no) rows count there.
    CHECK(std::stoul(rows[r][4]) <= 6);
    if (rows[r][4] == "0") CHECK(rows[r][5] == "NA");
    if (rows[r][2] == "efficiency") CHECK(rows[r][4] == "6");
    if (rows[r][0] == "honest" && rows[r][2] == "efficiency" && rows[r][5] != "NA") ++finite;
  }
  CHECK(finite == 4);  // honest efficiency varies: both mechanisms, both parameters
  // Analyzing again gives the same bytes.
  const std::string first = read(out / "analysis" / "sensitivity.csv");
  REQUIRE(cli({"analyze", out.string(), "--resamples", "50"}) == 0);
  CHECK(read(out / "analysis" / "sensitivity.csv") == first);
}

TEST_CASE("analyze on a morris sweep writes the elementary effects of the per-point means",
          "[sensitivity][cli]") {
  TempDir tmp;
  write(tmp.path / "s.yaml", scenario(R"(  design: morris
  trajectories: 4
  levels: 4
  parameters:
    electorate.values.homophily: {uniform: [0.0, 0.6]}
    arms.bloc.collusion.organizers: [0, 1, 2, 3]
)"));
  const fs::path out = tmp.path / "out";
  REQUIRE(cli({"sweep", (tmp.path / "s.yaml").string(), "--out", out.string(), "--quiet"}) == 0);
  REQUIRE(cli({"analyze", out.string(), "--resamples", "20"}) == 0);
  const auto rows = csv(read(out / "analysis" / "sensitivity.csv"));
  REQUIRE(rows.size() > 1);
  CHECK(rows[0] == std::vector<std::string>{"arm", "mechanism", "metric", "parameter", "effects",
                                            "mu", "mu_star", "sigma"});

  // Recompute honest x quadratic x efficiency from runs.csv: per-point means over replicates,
  // then morris_indices on the design the sweep ran.
  const auto runs = csv(read(out / "runs.csv"));
  std::size_t arm_col = 0, mech_col = 0, eff_col = 0;
  for (std::size_t c = 0; c < runs[0].size(); ++c) {
    if (runs[0][c] == "arm") arm_col = c;
    if (runs[0][c] == "mechanism") mech_col = c;
    if (runs[0][c] == "efficiency") eff_col = c;
  }
  std::vector<double> sum(12, 0.0);
  std::vector<int> count(12, 0);
  for (std::size_t r = 1; r < runs.size(); ++r) {
    if (runs[r][arm_col] != "honest" || runs[r][mech_col] != "quadratic") continue;
    const auto p = std::stoul(runs[r][0]);
    sum.at(p) += std::stod(runs[r][eff_col]);
    ++count.at(p);
  }
  std::vector<double> y(12);
  for (std::size_t p = 0; p < 12; ++p) y[p] = sum[p] / count[p];
  const auto design = qvsim::analysis::morris_design(
      4, 2, 4, qvsim::sensitivity_design_key(4242, qvsim::SweepDesign::morris));
  const auto expected = qvsim::analysis::morris_indices(design, y);
  int matched = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (rows[r][0] != "honest" || rows[r][1] != "quadratic" || rows[r][2] != "efficiency") continue;
    const std::size_t i = rows[r][3] == "electorate.values.homophily" ? 0 : 1;
    CHECK(rows[r][4] == "4");
    CHECK(std::stod(rows[r][6]) == Approx(expected[i].mu_star).epsilon(1e-12));
    CHECK(std::stod(rows[r][7]) == Approx(expected[i].sigma).epsilon(1e-12));
    ++matched;
  }
  CHECK(matched == 2);
}

TEST_CASE("a sobol sweep without samples exits 2 naming the file, line and key",
          "[sensitivity][cli]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file,
        scenario("  design: sobol\n  parameters:\n    graph.rewire: {uniform: [0.1, 0.5]}\n"));
  std::ostringstream out;
  std::ostringstream err;
  CHECK(qvsim::run_cli({"sweep", file.string(), "--out", (tmp.path / "out").string(), "--quiet"},
                       out, err) == 2);
  CHECK_THAT(err.str(), Catch::Contains("s.yaml:15: sweep.samples: missing required key"));
  CHECK_FALSE(fs::exists(tmp.path / "out" / "runs.csv"));
}

TEST_CASE("analyze refuses a manifest.json that is not a regular file, without hanging",
          "[sensitivity][analyze]") {
  // A FIFO in the manifest's place would block a plain read forever; it is an io error, exit 2.
  TempDir tmp;
  write(tmp.path / "runs.csv", "point,replicate\n");
  REQUIRE(::mkfifo((tmp.path / "manifest.json").c_str(), 0600) == 0);
  CHECK(cli({"analyze", tmp.path.string()}) == 2);
  CHECK_FALSE(std::filesystem::exists(tmp.path / "analysis"));
}
