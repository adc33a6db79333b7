// Quadratic funding scenarios (`kind: funding`, docs/funding.md): the subsidy each attack captures
// against its closed form, the honest rule's efficiency, the capped rule's pool, the bribe's
// budget and prices, bit-identical files at 1 and 2 threads, and bad input.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "api/scenario_yaml.hpp"
#include "sim/error.hpp"
#include "sim/funding.hpp"
#include "sim/invariants.hpp"
#include "sim/model.hpp"
#include "support/test_support.hpp"

using namespace qvsim;

namespace {

// A funding scenario of `agents` voters with values normal(mean, sd) over `projects` projects.
std::string text(const std::string& values, const std::string& rules, const std::string& arms,
                 std::uint32_t projects = 3, const std::string& extra = "") {
  return "name: qf\nseed: 5\nreplicates: 3\n"
         "electorate: {agents: 200, values: " +
         values +
         "}\n"
         "graph: {model: stochastic_block, blocks: 10, p_in: 0.3, p_out: 0.01}\n" +
         extra +
         "kind: funding\n"
         "funding: {projects: " +
         std::to_string(projects) + ", rules: " + rules +
         "}\n"
         "arms:\n"
         "  honest: {}\n" +
         arms;
}

Model model_of(const std::string& t) {
  Scenario s = parse_scenario(t, "s.yaml", ".");
  validate_scenario(s, "s.yaml");
  return freeze(std::move(s));
}

// Every voter values every project below 0 (50 sd away): nobody contributes honestly.
const std::string kNobody = "{distribution: normal, mean: -5, sd: 0.1}";
// Every voter values every project above 0.
const std::string kEveryone = "{distribution: normal, mean: 1, sd: 0.15}";

// Closed forms are sums of a few hundred square roots: 1e-9 relative covers their rounding.
constexpr double kTol = 1e-9;

}  // namespace

TEST_CASE("a sybil split of 100 into k accounts captures (k-1) 100 with no honest contributor",
          "[funding]") {
  const Model m = model_of(text(kNobody, "[standard]",
                                "  k2: {sybils: {project: 1, amount: 100, accounts: 2}}\n"
                                "  k4: {sybils: {project: 1, amount: 100, accounts: 4}}\n"
                                "  k10: {sybils: {project: 1, amount: 100, accounts: 10}}\n"
                                "  k100: {sybils: {project: 1, amount: 100, accounts: 100}}\n"));
  const FundingOutcome o = run_funding_replicate(m, 0);
  REQUIRE(o.arms.size() == 5);
  CHECK(o.arms[0].contributions == 0.0);
  CHECK(o.arms[0].rules[0].matching == 0.0);
  const double expected[] = {100, 300, 900, 9900};
  for (std::size_t a = 1; a < 5; ++a) {
    INFO("arm " << a);
    CHECK(o.arms[a].rules[0].captured == Approx(expected[a - 1]).epsilon(kTol));
    // Given openly from one account, 100 alone draws no subsidy: all of it is the split's gain.
    CHECK(o.arms[a].rules[0].gain == Approx(expected[a - 1]).epsilon(kTol));
    CHECK(o.arms[a].attacker_cost == 100.0);
    CHECK(o.arms[a].rules[0].subsidy[0] == 0.0);
  }
}

TEST_CASE("a sybil split among honest contributors captures (S + sqrt(kA))^2 - A - S^2",
          "[funding]") {
  // S^2 is the project's honest funding under the rule (standard: sqrt of every contribution
  // summed; cluster: of every cluster's sum). Ungrouped, each account is a group of its own under
  // the cluster rule; grouped, the k accounts count as one contributor of A: 2 S sqrt(A).
  const Model m = model_of(text(kEveryone, "[standard, cluster]",
                                "  split: {sybils: {project: 2, amount: 9, accounts: 16}}\n"
                                "  grouped: {sybils: {project: 2, amount: 9, accounts: 16,\n"
                                "            grouped: true}}\n",
                                3, "clusters: blocks\n"));
  for (std::uint64_t r = 0; r < 3; ++r) {
    const FundingOutcome o = run_funding_replicate(m, r);
    for (std::size_t rule = 0; rule < 2; ++rule) {
      INFO("replicate " << r << " rule " << rule);
      const double s = std::sqrt(o.arms[0].rules[rule].funding[2]);
      REQUIRE(s > 0.0);
      const double split = std::pow(s + std::sqrt(16.0 * 9.0), 2) - 9.0 - s * s;
      CHECK(o.arms[1].rules[rule].captured == Approx(split).epsilon(kTol));
      // Under standard QF grouping means nothing; under cluster the group is one contributor.
      const double grouped = rule == 0 ? split : 2.0 * s * 3.0;
      CHECK(o.arms[2].rules[rule].captured == Approx(grouped).epsilon(kTol));
      // The gain over giving 9 from one account, (S + sqrt 9)^2 - 9 - S^2 = 6 S: the split's
      // (S + 12)^2 - (S + 3)^2; grouped under cluster, nothing.
      const double gain = std::pow(s + 12.0, 2) - std::pow(s + 3.0, 2);
      CHECK(o.arms[1].rules[rule].gain == Approx(gain).epsilon(kTol));
      if (rule == 1) CHECK(std::abs(o.arms[2].rules[rule].gain) < 1e-9 * s * s);
      // The other projects' funding is untouched.
      CHECK(o.arms[1].rules[rule].funding[0] == o.arms[0].rules[rule].funding[0]);
    }
  }
}

TEST_CASE(
    "a ring of two owners captures 100 per project; pairwise bounds it; grouped, cluster "
    "and cocm give it nothing",
    "[funding]") {
  const std::string t =
      "name: qf\nseed: 5\nreplicates: 2\n"
      "electorate: {agents: 200, values: " +
      kNobody +
      "}\n"
      "graph: {model: stochastic_block, blocks: 10, p_in: 0.3, p_out: 0.01}\n"
      "clusters: blocks\n"
      "kind: funding\n"
      "funding: {projects: 3, rules: [standard, pairwise, cluster, cocm],\n"
      "          pairwise_m: 100}\n"
      "arms:\n"
      "  ring: {ring: {projects: [0, 1], amount: 100}}\n"
      "  grouped: {ring: {projects: [0, 1], amount: 100, grouped: true}}\n";
  const FundingOutcome o = run_funding_replicate(model_of(t), 1);
  const auto& ring = o.arms[0].rules;
  const auto& grouped = o.arms[1].rules;
  // Two members give 50 to each of two projects: F = (2 sqrt 50)^2 = 200, subsidy 100 each.
  CHECK(ring[0].captured == Approx(200.0).epsilon(kTol));
  CHECK(ring[0].subsidy[0] == Approx(100.0).epsilon(kTol));
  CHECK(ring[0].subsidy[2] == 0.0);
  // Pairwise: k_ij = 2 sqrt(50 * 50) = 100, so each project's subsidy is 100 M / (M + 100) = 50.
  CHECK(ring[1].captured == Approx(100.0).epsilon(kTol));
  // Ungrouped, each member is a group of her own: cluster and cocm equal standard.
  CHECK(ring[2].captured == Approx(200.0).epsilon(kTol));
  CHECK(ring[3].captured == Approx(200.0).epsilon(kTol));
  // Grouped: one group, nothing matched under cluster and cocm; standard still pays 200.
  CHECK(grouped[0].captured == Approx(200.0).epsilon(kTol));
  CHECK(std::abs(grouped[2].captured) < 1e-9);
  CHECK(std::abs(grouped[3].captured) < 1e-9);
  CHECK(o.arms[0].attacker_cost == 200.0);
  // Each owner giving her 100 to her own project alone draws nothing: the ring's whole capture
  // is its gain, and grouped, the cluster rules leave it none.
  for (std::size_t r = 0; r < 4; ++r) {
    CHECK(ring[r].gain == Approx(ring[r].captured).epsilon(kTol));
    CHECK(grouped[r].gain == Approx(grouped[r].captured).margin(1e-9));
  }
}

TEST_CASE("honest standard QF with nonnegative values is fully efficient; capped pays the pool",
          "[funding]") {
  const std::string t =
      "name: qf\nseed: 9\nreplicates: 3\n"
      "electorate: {agents: 300, values: " +
      kEveryone +
      "}\n"
      "graph: {model: erdos_renyi, mean_degree: 6}\n"
      "kind: funding\n"
      "funding: {projects: 4, rules: [standard, capped], pool: 50}\n"
      "arms: {honest: {}}\n";
  const Model m = model_of(t);
  for (std::uint64_t r = 0; r < 3; ++r) {
    const FundingOutcome o = run_funding_replicate(m, r);
    const auto& standard = o.arms[0].rules[0];
    const auto& capped = o.arms[0].rules[1];
    INFO("replicate " << r);
    // F_p = (sum_i u_ip)^2 = U_p^2: the best allocation of its own total.
    CHECK(standard.efficiency == Approx(1.0).epsilon(1e-12));
    for (std::uint32_t p = 0; p < 4; ++p)
      CHECK(standard.funding[p] == Approx(o.value_totals[p] * o.value_totals[p]).epsilon(kTol));
    // 300 voters' standard subsidy is in the thousands: the pool of 50 binds.
    REQUIRE(standard.matching > 50.0);
    CHECK(capped.matching == Approx(50.0).epsilon(kTol));
    CHECK(capped.efficiency < 1.0);
  }
}

TEST_CASE("allocative efficiency reproduces the docs' worked example", "[funding]") {
  // Values 1, 2, -1 on one project: U = 2, contributions 1 and 4, F = 9; one project is its own
  // best allocation. A second project valued 1 by one voter (F = 1): QF's (9, 1) is worth
  // 2 (2 * 3 + 1) = 14 against 2 sqrt(10 * 5) for the best split (8, 2).
  const std::vector<double> one_u = {2.0}, one_f = {9.0};
  CHECK(allocative_efficiency(one_u, one_f) == Approx(1.0).epsilon(1e-15));
  const std::vector<double> u = {2.0, 1.0}, f = {9.0, 1.0};
  CHECK(allocative_efficiency(u, f) == Approx(14.0 / (2.0 * std::sqrt(50.0))).epsilon(1e-15));
  CHECK(allocative_efficiency(u, std::vector<double>{8.0, 2.0}) == Approx(1.0).epsilon(1e-15));
  // Undefined with no money or no positive value.
  CHECK(std::isnan(allocative_efficiency(u, std::vector<double>{0.0, 0.0})));
  CHECK(std::isnan(allocative_efficiency(std::vector<double>{-1.0, 0.0}, f)));
}

TEST_CASE("the briber pays each voter her price, cheapest first, within the budget", "[funding]") {
  // Every voter values the project at u = 1 (sd 1e-9): her honest contribution is 1, and adding 1
  // costs her 1 - 2 (sqrt 2 - 1) = 0.171573 of value; a budget of 1 buys 5 (0.858) and not 6
  // (1.029).
  const std::string t =
      "name: qf\nseed: 9\nreplicates: 1\n"
      "electorate: {agents: 100, values: {distribution: normal, mean: 1, "
      "sd: 1e-9}}\n"
      "graph: {model: erdos_renyi, mean_degree: 4}\n"
      "kind: funding\n"
      "funding: {projects: 2}\n"
      "arms:\n"
      "  honest: {}\n"
      "  bribe: {bribe: {project: 1, budget: 1, amount: 1}}\n";
  const FundingOutcome o = run_funding_replicate(model_of(t), 0);
  const double price = 1.0 - 2.0 * (std::sqrt(2.0) - 1.0);
  CHECK(o.arms[1].bribed == 5);
  CHECK(o.arms[1].attacker_cost == Approx(5.0 * price).epsilon(1e-6));
  CHECK(o.arms[1].contributed[1] == Approx(o.arms[0].contributed[1] + 5.0).epsilon(kTol));
  CHECK(o.arms[1].contributed[0] == o.arms[0].contributed[0]);
  CHECK(o.arms[1].rules[0].captured > 0.0);
  // Its gain is the capture beyond what the 0.858 it spent would draw given openly, 2 S sqrt(0.858)
  // (plus the rounding of S^2): positive, and less than the capture.
  const double s = std::sqrt(o.arms[0].rules[0].funding[1]);
  const double spent = o.arms[1].attacker_cost;
  const double open = std::pow(s + std::sqrt(spent), 2) - spent - s * s;
  CHECK(o.arms[1].rules[0].gain == Approx(o.arms[1].rules[0].captured - open).epsilon(1e-9));
  CHECK(o.arms[1].rules[0].gain > 0.0);
}

TEST_CASE("a funding run writes the same bytes at 1 and 2 threads", "[funding][cli]") {
  test::TempDir dir;
  const auto file = dir.path / "qf.yaml";
  test::write(file,
              "name: qf\nseed: 3\nreplicates: 40\n"
              "electorate: {agents: 400, values: {distribution: normal, mean: 0.2, sd: 1}}\n"
              "graph: {model: stochastic_block, blocks: 8, p_in: 0.1, p_out: 0.005}\n"
              "clusters: communities\n"
              "kind: funding\n"
              "funding: {projects: 3, rules: [standard, capped, pairwise, cluster, cocm],\n"
              "          pool: 500, pairwise_m: 2}\n"
              "arms:\n"
              "  honest: {}\n"
              "  all: {sybils: {project: 0, amount: 5, accounts: 5},\n"
              "        ring: {projects: [1, 2], amount: 4}, bribe: {project: 2, budget: 3}}\n");
  const auto one = test::cli(
      {"run", file.string(), "--threads", "1", "--quiet", "--out", (dir.path / "a").string()});
  REQUIRE(one.code == 0);
  const auto two = test::cli(
      {"run", file.string(), "--threads", "2", "--quiet", "--out", (dir.path / "b").string()});
  REQUIRE(two.code == 0);
  for (const char* f : {"runs.csv", "projects.csv", "summary.csv"}) {
    INFO(f);
    const std::string a = test::read(dir.path / "a" / f);
    CHECK(a.size() > 100);
    CHECK(a == test::read(dir.path / "b" / f));
  }
  // 40 replicates x 2 arms x 5 rules rows, plus the header; projects.csv three rows each.
  const std::string runs = test::read(dir.path / "a" / "runs.csv");
  CHECK(std::count(runs.begin(), runs.end(), '\n') == 401);
  CHECK(runs.rfind("replicate,arm,rule,contributions,contributors,attacker_cost,bribed,matching,"
                   "captured,gain,gain_per_cost,efficiency\n",
                   0) == 0);
  // summary.csv summarizes runs.csv: the mean and count of one arm, rule and metric.
  {
    std::istringstream in(runs);
    std::string line;
    double sum = 0.0;
    int n = 0;
    while (std::getline(in, line)) {
      if (line.find(",all,cluster,") == std::string::npos) continue;
      std::istringstream cells(line);
      std::string cell;
      for (int c = 0; c <= 10; ++c) std::getline(cells, cell, ',');  // gain_per_cost
      sum += std::stod(cell);
      ++n;
    }
    REQUIRE(n == 40);
    const std::string summary = test::read(dir.path / "a" / "summary.csv");
    const auto at = summary.find("\nall,cluster,gain_per_cost,40,0,");
    REQUIRE(at != std::string::npos);
    const double mean = std::stod(summary.substr(at + 32));
    CHECK(mean == Approx(sum / n).epsilon(1e-12));
  }
  const std::string projects = test::read(dir.path / "a" / "projects.csv");
  CHECK(std::count(projects.begin(), projects.end(), '\n') == 1201);
  CHECK(test::read(dir.path / "a" / "manifest.json").find("\"kind\": \"funding\"") !=
        std::string::npos);
  const auto v = test::cli({"validate", file.string()});
  CHECK(v.code == 0);
  CHECK(v.out.find("valid (quadratic funding)") != std::string::npos);
  // The voting commands refuse a funding run or scenario, and leave the run as it was.
  const std::string runs_before = test::read(dir.path / "a" / "runs.csv");
  for (const char* command : {"analyze", "plot", "report"}) {
    INFO(command);
    const auto r = test::cli({command, (dir.path / "a").string()});
    CHECK(r.code == 2);
    CHECK(r.err.find("holds a quadratic funding run (kind: funding)") != std::string::npos);
  }
  CHECK(test::read(dir.path / "a" / "runs.csv") == runs_before);
  CHECK(!std::filesystem::exists(dir.path / "a" / "analysis"));
  const auto sweep = test::cli({"sweep", file.string(), "--out", (dir.path / "s").string()});
  CHECK(sweep.code == 2);
  CHECK(sweep.err.find("qf.yaml:7: kind: 'sweep' takes voting scenarios") != std::string::npos);
  const auto threshold = test::cli({"threshold", file.string(), "--attack", "bribery.budget",
                                    "--target", "flip_rate=0.5", "--range", "0:10"});
  CHECK(threshold.code == 2);
  CHECK(threshold.err.find("'threshold' takes voting scenarios") != std::string::npos);
}

TEST_CASE("bad funding input names file, line and key and exits 2", "[funding][cli]") {
  test::TempDir dir;
  const auto file = dir.path / "bad.yaml";
  const std::string head =
      "name: qf\nseed: 3\nreplicates: 2\n"
      "electorate: {agents: 50, values: {distribution: normal}}\n"
      "graph: {model: erdos_renyi, mean_degree: 4}\n"
      "kind: funding\n";
  const auto fails = [&](const std::string& body, const std::string& expected,
                         std::vector<std::string> extra = {}) {
    test::write(file, head + body);
    std::vector<std::string> args = {"run", file.string(), "--quiet", "--out",
                                     (dir.path / "out").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = test::cli(args);
    INFO(body);
    CHECK(r.code == 2);
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK(!std::filesystem::exists(dir.path / "out" / "runs.csv"));
  };
  fails("funding: {rules: [standard]}\narms: {honest: {}}\n",
        "bad.yaml:7: funding.projects: missing required key");
  fails("funding: {projects: 2}\narms: {a: {sybils: {project: 2, amount: 1}}}\n",
        "bad.yaml:8: arms.a.sybils.project: must be a project index < funding.projects (2), got 2");
  fails("funding: {projects: 2, pool: 10}\narms: {honest: {}}\n",
        "funding.pool: only rule capped uses pool");
  fails("funding: {projects: 2, rules: [capped]}\narms: {honest: {}}\n",
        "funding.pool: rule capped needs pool");
  fails("mechanisms: [quadratic]\nfunding: {projects: 2}\narms: {honest: {}}\n",
        "bad.yaml:7: mechanisms: does not apply to a funding scenario");
  {
    // A voting diagnostic in the electorate block: refused where it stands.
    std::string t = head + "funding: {projects: 2}\narms: {honest: {}}\n";
    t.replace(t.find("values:"), 7, "neighbor_correlation: exact, values:");
    test::write(file, t);
    const auto r = test::cli({"run", file.string(), "--quiet", "--out", (dir.path / "o").string()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("bad.yaml:4: electorate.neighbor_correlation: does not apply "
                                      "to a funding scenario"));
  }
  fails("funding: {projects: 3}\narms: {r: {ring: {projects: [1, 1], amount: 2}}}\n",
        "project 1 is listed twice");
  fails("funding: {projects: 2, rules: [cluster]}\narms: {honest: {}}\n",
        "cluster and cocm need clusters");
  fails(
      "funding: {projects: 2, rules: [cluster]}\nclusters: {ballots: {similarity: 0.9}}\n"
      "arms: {honest: {}}\n",
      "bad.yaml:8: clusters: a funding scenario has no ballots to find clusters in");
  // Attacker accounts are bounded, and count among the pairwise rule's contributors.
  fails(
      "funding: {projects: 2}\n"
      "arms: {a: {sybils: {project: 0, amount: 1, accounts: 100000, attackers: 101}}}\n",
      "bad.yaml:8: arms.a.sybils: accounts x attackers is 10100000; an arm may add at most "
      "10000000 attacker accounts");
  fails(
      "funding: {projects: 2, rules: [pairwise], pairwise_m: 1}\n"
      "arms: {a: {sybils: {project: 0, amount: 1, accounts: 19951}}}\n",
      "bad.yaml:7: funding.rules: the pairwise rule sums over every pair of contributors and "
      "takes at most 20000 (voters plus an arm's attacker accounts), and contributors^2 x "
      "projects at most 4e10; this scenario has 20001 contributors and 2 projects");
  fails(
      "funding: {projects: 200, rules: [pairwise], pairwise_m: 1}\n"
      "arms: {a: {sybils: {project: 0, amount: 1, accounts: 14950}}}\n",
      "this scenario has 15000 contributors and 200 projects");
  fails("funding: {projects: 2}\narms: {honest: {}}\n", "--proposals is for voting scenarios",
        {"--proposals"});
}

TEST_CASE("the funding invariants catch a broken outcome", "[funding]") {
  FundingSpec spec;
  spec.projects = 1;
  spec.rules = {MatchingRule::capped};
  spec.pool = 10.0;
  FundingArm arm{"a"};
  arm.bribe = FundingBribe{0, 5.0, 1.0};
  FundingArmOutcome good;
  good.contributed = {4.0};
  good.contributions = 4.0;
  good.attacker_cost = 5.0;
  FundingRuleOutcome r;
  r.rule = MatchingRule::capped;
  r.funding = {14.0};
  r.subsidy = {10.0};
  r.matching = 10.0;
  r.efficiency = 1.0;
  good.rules = {r};
  const std::vector<double> standard = {16.0};
  CHECK_NOTHROW(check_funding_arm(spec, arm, good, standard, 0));
  const auto broken = [&](auto change, const std::string& invariant) {
    FundingArmOutcome o = good;
    change(o);
    try {
      check_funding_arm(spec, arm, o, standard, 0);
      FAIL("expected " << invariant);
    } catch (const InvariantViolation& e) {
      CHECK(e.invariant() == invariant);
    }
  };
  broken([](FundingArmOutcome& o) { o.rules[0].matching = 10.5; }, "funding.pool");
  broken([](FundingArmOutcome& o) { o.rules[0].funding[0] = 3.0; }, "funding.subsidy");
  broken([](FundingArmOutcome& o) { o.rules[0].funding[0] = 16.5; }, "funding.bound");
  broken([](FundingArmOutcome& o) { o.rules[0].efficiency = 1.01; }, "funding.efficiency");
  broken([](FundingArmOutcome& o) { o.attacker_cost = 5.5; }, "funding.budget");
}

TEST_CASE(
    "the identical-contributions detector finds split accounts and rings, and grouping them "
    "takes their gain under cluster match",
    "[funding]") {
  // Voters' values are continuous, so no two voters give identical contributions: the detector
  // flags exactly the attackers' accounts. Two sybil attackers with equal splits look alike to
  // it: their accounts are flagged as one group, half of whose pairs are true.
  const std::string t =
      "name: qf\nseed: 5\nreplicates: 2\n"
      "electorate: {agents: 200, values: " +
      kEveryone +
      "}\n"
      "graph: {model: stochastic_block, blocks: 10, p_in: 0.3, p_out: 0.01}\n"
      "clusters: blocks\n"
      "kind: funding\n"
      "funding: {projects: 3, rules: [standard, cluster], detect: identical}\n"
      "arms:\n"
      "  honest: {}\n"
      "  split: {sybils: {project: 2, amount: 9, accounts: 16}}\n"
      "  ring: {ring: {projects: [0, 1], amount: 10}}\n"
      "  twins: {sybils: {project: 2, amount: 9, accounts: 4, attackers: 2}}\n"
      "  bribe: {bribe: {project: 1, budget: 5}}\n";
  const Model m = model_of(t);
  for (std::uint64_t r = 0; r < 2; ++r) {
    const FundingOutcome o = run_funding_replicate(m, r);
    INFO("replicate " << r);
    // Nobody flagged and nothing true in the honest arm: precision and recall undefined.
    CHECK(std::isnan(o.arms[0].detection_precision));
    CHECK(std::isnan(o.arms[0].detection_recall));
    for (const std::size_t a : {std::size_t{1}, std::size_t{2}}) {
      CHECK(o.arms[a].detection_precision == 1.0);
      CHECK(o.arms[a].detection_recall == 1.0);
      // Flagged, the accounts are one group under cluster match: giving openly gains as much.
      CHECK(std::abs(o.arms[a].rules[1].gain) < 1e-9 * o.arms[a].rules[1].captured);
      CHECK(o.arms[a].rules[0].gain > 0.0);  // standard QF ignores groups
    }
    // 8 accounts in one flagged group: 28 pairs flagged, 2 x 6 true.
    CHECK(o.arms[3].detection_precision == Approx(12.0 / 28.0).epsilon(1e-12));
    CHECK(o.arms[3].detection_recall == 1.0);
    // Bribed voters give their own amounts: nobody is flagged, no attacker account exists.
    CHECK(std::isnan(o.arms[4].detection_precision));
  }
  // Without the detector the columns are not written and the scores are NaN.
  std::string off = t;
  off.replace(off.find(", detect: identical"), 19, "");
  const FundingOutcome o = run_funding_replicate(model_of(off), 0);
  CHECK(std::isnan(o.arms[1].detection_recall));
  CHECK(o.arms[1].rules[1].gain > 0.0);
}
