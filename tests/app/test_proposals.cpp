// proposals.csv (qvsim run --proposals): one row per replicate x arm x mechanism x proposal.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace fs = std::filesystem;

namespace {

using qvsim::test::cli;
using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;

const char* const kScenario = R"(name: races
seed: 99
replicates: 4
electorate:
  agents: 301
  proposals: 3
  values: {distribution: normal, mean: 0.0, sd: 1.0}
  budget: {money: {}}
  pivot: {model: normal, poll_noise: 0.5}
graph: {model: erdos_renyi, mean_degree: 6}
mechanisms: [quadratic, one_person_one_vote]
arms:
  honest: {}
  also: {}
)";

std::vector<std::vector<std::string>> rows_of(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(csv);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream l(line);
    while (std::getline(l, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace

TEST_CASE("run --proposals writes every race with its arithmetic", "[cli][proposals]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, kScenario);
  const fs::path out = tmp.path / "out";
  const auto r = cli({"run", file.string(), "--out", out.string(), "--proposals", "--quiet"});
  REQUIRE(r.code == 0);
  const auto rows = rows_of(read(out / "proposals.csv"));
  REQUIRE(rows.size() == 1 + 4 * 2 * 2 * 3);
  CHECK(rows[0] == std::vector<std::string>{"replicate", "arm", "mechanism", "proposal",
                                            "value_total", "tally", "decision", "margin",
                                            "belief_mean", "belief_sd", "pivot_density"});
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    REQUIRE(row.size() == 11);
    const double tally = std::stod(row[5]);
    const double value = std::stod(row[4]);
    CHECK(std::stod(row[7]) == std::fabs(tally));
    CHECK(row[6] == (tally > 0 ? "1" : "-1"));
    const double g = std::stod(row[10]);
    CHECK(g > 0.0);
    if (row[2] == "quadratic") {
      // Money QV with equal means votes c u with c = g / 2 on each proposal: V = (g / 2) U.
      CHECK(tally == Approx(g / 2.0 * value).epsilon(1e-9).margin(1e-9 * g));
    }
  }
  // Both arms are honest: their races are identical.
  CHECK(rows[1][5] == rows[1 + 2 * 3][5]);
  const std::string manifest = read(out / "manifest.json");
  CHECK(manifest.find("\"prior_beliefs\"") != std::string::npos);
  CHECK(manifest.find("\"proposals.csv\"") != std::string::npos);

  // Overwriting without --proposals removes the old file: it would not match the new run.
  REQUIRE(cli({"run", file.string(), "--out", out.string(), "--overwrite", "--quiet"}).code == 0);
  CHECK_FALSE(fs::exists(out / "proposals.csv"));
}

TEST_CASE("manifest: money QV's equilibrium family, as docs/model.md's worked example gives it",
          "[cli][proposals][equilibrium]") {
  // docs/model.md, "Finite-population equilibrium": 101 agents, Normal(0.5, 1), money, one
  // proposal. The manifest's family fields are those of the worked example (rounded there to the
  // digits checked here), the slope is half the pivot density, and proposals.csv shows the same
  // density.
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, R"(name: worked
seed: 7
replicates: 2
electorate:
  agents: 101
  proposals: 1
  values: {distribution: normal, mean: 0.5, sd: 1.0}
  budget: {money: {}}
  pivot: {model: equilibrium}
graph: {model: erdos_renyi, mean_degree: 4}
mechanisms: [quadratic]
arms: {honest: {}}
)");
  const fs::path out = tmp.path / "out";
  const auto r = cli({"run", file.string(), "--out", out.string(), "--proposals", "--quiet"});
  REQUIRE(r.code == 0);
  const std::string manifest = read(out / "manifest.json");
  const auto number = [&](const std::string& key) {
    const std::size_t at = manifest.find("\"" + key + "\": ");
    REQUIRE(at != std::string::npos);
    return std::stod(manifest.substr(at + key.size() + 4));
  };
  CHECK(manifest.find("\"jumpers\": \"opponents\"") != std::string::npos);
  CHECK(number("alpha") == Approx(0.01991).margin(5e-6));
  CHECK(number("jump_threshold") == Approx(2.823).margin(5e-4));
  CHECK(number("race_mean") == Approx(1.282).margin(5e-4));
  CHECK(number("race_sd") == Approx(0.230).margin(5e-4));
  CHECK(number("mixture_components") > 1.0);
  CHECK(number("alpha") == Approx(number("pivot_density") / 2.0).epsilon(1e-12));
  const auto rows = rows_of(read(out / "proposals.csv"));
  REQUIRE(rows.size() == 3);
  CHECK(std::stod(rows[1][10]) == Approx(number("pivot_density")).epsilon(1e-15));
}
