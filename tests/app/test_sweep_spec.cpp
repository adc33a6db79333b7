#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "api/scenario_yaml.hpp"
#include "api/sweep_spec.hpp"
#include "sim/edge_list.hpp"
#include "sim/error.hpp"
#include "sim/model.hpp"
#include "support/test_support.hpp"

namespace {

using qvsim::test::TempDir;

namespace fs = std::filesystem;
using qvsim::InputError;
using qvsim::Scenario;
using qvsim::SweepDesign;
using qvsim::SweepPlan;
using qvsim::SweepPoint;

constexpr const char* kLabel = "sweep.yaml";
using Opt = std::optional<std::uint64_t>;

SweepPlan plan(const std::string& text, Opt seed = std::nullopt, Opt replicates = std::nullopt) {
  return qvsim::parse_sweep(text, kLabel, "/base", seed, replicates);
}

// Parses `text`, which must fail, and checks the error names the file, the line and the key path
// and that its message contains `fragment`.
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

std::uint32_t degree(const Scenario& s) {
  return std::get<qvsim::WattsStrogatzSpec>(s.graph).degree;
}
double rewire(const Scenario& s) { return std::get<qvsim::WattsStrogatzSpec>(s.graph).rewire; }
// Each agent's voice-credit budget, where it is a constant trait.
double credits_of(const Scenario& s) {
  return std::get<qvsim::ConstantTrait>(s.budget.credits).value;
}

std::vector<std::string> texts(const SweepPlan& p, std::size_t param) {
  std::vector<std::string> out;
  for (const SweepPoint& pt : p.points) out.push_back(pt.values.at(param).second);
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

// ---- expansion ------------------------------------------------------------------------------

TEST_CASE("a grid is the product of its axes, the last varying fastest", "[sweep]") {
  const SweepPlan p = plan(kBase + R"(sweep:
  parameters:
    graph.degree: [4, 6, 8]
    ballot: [public, secret]
)");
  CHECK(p.has_sweep);
  CHECK(p.design == SweepDesign::grid);
  CHECK(p.name == "t");
  CHECK(p.master_seed == 7);
  CHECK(p.replicates == 2);
  CHECK(p.parameters == Strings{"graph.degree", "ballot"});
  REQUIRE(p.points.size() == 6);
  const std::uint32_t degrees[] = {4, 4, 6, 6, 8, 8};
  const qvsim::Ballot ballots[] = {qvsim::Ballot::public_ballot, qvsim::Ballot::secret};
  for (std::size_t i = 0; i < 6; ++i) {
    const SweepPoint& pt = p.points[i];
    CHECK(pt.index == i);
    CHECK(degree(pt.scenario) == degrees[i]);
    CHECK(pt.scenario.ballot == ballots[i % 2]);
    CHECK(pt.scenario.replicates == 2);
    CHECK(pt.scenario.name == "t");
    CHECK(pt.scenario.seed == qvsim::point_seed(7, pt.key));
  }
  CHECK(p.points[3].values == std::vector<std::pair<std::string, std::string>>{
                                  {"graph.degree", "6"}, {"ballot", "\"secret\""}});
  std::set<std::uint64_t> keys;
  for (const SweepPoint& pt : p.points) keys.insert(pt.key);
  CHECK(keys.size() == 6);
}

TEST_CASE("the resolved sweep block is canonical JSON", "[sweep]") {
  const SweepPlan p = plan(kBase + R"(sweep:
  parameters:
    graph.degree: {from: 4, to: 8, step: 2}
    ballot: [public, "secret"]
  zip:
    - {electorate.proposals: [1, 2], graph.rewire: [0.1, 2e-1]}
)");
  CHECK(p.spec_json == R"({
  "design": "grid",
  "samples": null,
  "parameters": [
    {"path":"graph.degree","values":[4,6,8]},
    {"path":"ballot","values":["public","secret"]},
    {"path":"electorate.proposals","zip":0,"values":[1,2]},
    {"path":"graph.rewire","zip":0,"values":[0.1,0.2]}
  ]
}
)");
  const SweepPlan r = plan(kBase + R"(sweep:
  design: latin_hypercube
  samples: 4
  parameters:
    ballot: [public, secret]
    graph.rewire: {uniform: [0, 0.5]}
    electorate.budget.credits: {log_uniform: [1e1, 1000]}
)");
  CHECK(r.spec_json == R"({
  "design": "latin_hypercube",
  "samples": 4,
  "parameters": [
    {"path":"ballot","choice":["public","secret"]},
    {"path":"graph.rewire","uniform":[0,0.5]},
    {"path":"electorate.budget.credits","log_uniform":[10,1000]}
  ]
}
)");
}

TEST_CASE("ranges include their end when it lands on a step", "[sweep]") {
  SECTION("integers stay integers") {
    const SweepPlan p = plan(kBase + R"(sweep:
  parameters:
    electorate.agents: {from: 1000000, to: 3000000, step: 1000000}
    graph.degree: {from: 4, to: 9.5, step: 2}
)");
    CHECK(texts(p, 0) == Strings{"1000000", "1000000", "1000000", "2000000", "2000000", "2000000",
                                 "3000000", "3000000", "3000000"});
    CHECK(texts(p, 1) == Strings{"4", "6", "8", "4", "6", "8", "4", "6", "8"});
    CHECK(p.points[8].scenario.agents == 3000000);
    CHECK(degree(p.points[8].scenario) == 8);
  }
  SECTION("an end between steps is left out") {
    const SweepPlan p = plan(kBase + R"(sweep:
  parameters:
    electorate.agents: {from: 100, to: 125, step: 10}
)");
    CHECK(texts(p, 0) == Strings{"100", "110", "120"});
  }
  SECTION("decimal steps give the decimals written") {
    const SweepPlan p = plan(kBase + R"(sweep:
  parameters:
    graph.rewire: {from: 0, to: 0.3, step: 0.1}
)");
    CHECK(texts(p, 0) == Strings{"0", "0.1", "0.2", "0.3"});
    CHECK(rewire(p.points[3].scenario) == 0.3);
    CHECK(rewire(p.points[1].scenario) == 0.1);
  }
  SECTION("a one-value range") {
    const SweepPlan p = plan(kBase + R"(sweep:
  parameters:
    graph.rewire: {from: 0.25, to: 0.25, step: 1}
)");
    CHECK(texts(p, 0) == Strings{"0.25"});
  }
}

TEST_CASE("zip groups move together as one axis", "[sweep]") {
  const SweepPlan p = plan(kBase + R"(sweep:
  parameters:
    ballot: [public, secret]
  zip:
    - graph.degree: [4, 6]
      graph.rewire: [0.1, 0.2]
)");
  CHECK(p.parameters == Strings{"ballot", "graph.degree", "graph.rewire"});
  REQUIRE(p.points.size() == 4);
  CHECK(texts(p, 0) == Strings{"\"public\"", "\"public\"", "\"secret\"", "\"secret\""});
  CHECK(texts(p, 1) == Strings{"4", "6", "4", "6"});
  CHECK(texts(p, 2) == Strings{"0.1", "0.2", "0.1", "0.2"});
  CHECK(degree(p.points[3].scenario) == 6);
  CHECK(rewire(p.points[3].scenario) == 0.2);

  // A zipped list may repeat a value as long as the rows differ.
  const SweepPlan q = plan(kBase + R"(sweep:
  zip:
    - {graph.degree: [4, 4, 6], graph.rewire: [0.1, 0.2, 0.1]}
)");
  REQUIRE(q.points.size() == 3);
  CHECK(texts(q, 0) == Strings{"4", "4", "6"});
  CHECK(texts(q, 1) == Strings{"0.1", "0.2", "0.1"});
}

TEST_CASE("a value may be any YAML value, and a path may be new or inside a list", "[sweep]") {
  SECTION("lists as values") {
    const SweepPlan p = plan(kBase + R"(sweep:
  parameters:
    mechanisms: [[quadratic], [quadratic, one_person_one_vote]]
)");
    REQUIRE(p.points.size() == 2);
    CHECK(texts(p, 0) == Strings{"[\"quadratic\"]", "[\"quadratic\",\"one_person_one_vote\"]"});
    CHECK(p.points[0].scenario.mechanisms.size() == 1);
    CHECK(p.points[1].scenario.mechanisms.size() == 2);
  }
  SECTION("keys the base omits are created, a null arm becomes a map") {
    const SweepPlan p = plan(R"(name: t
seed: 7
replicates: 2
electorate: {agents: 101}
arms:
  honest: {}
  coal:
sweep:
  parameters:
    arms.coal.collusion.organizers: {from: 0, to: 10, step: 5}
    electorate.budget.credits: [50, 200]
)");
    REQUIRE(p.points.size() == 6);
    const Scenario& s = p.points[5].scenario;
    REQUIRE(s.arms.size() == 2);
    CHECK(s.arms[1].name == "coal");
    REQUIRE(s.arms[1].collusion);
    CHECK(s.arms[1].collusion->organizers.count == 10);
    CHECK(credits_of(s) == 200.0);
  }
  SECTION("beliefs and budgets: electorate.pivot and the budget's traits") {
    const SweepPlan p = plan(R"(name: t
seed: 7
replicates: 2
electorate:
  agents: 101
  pivot: {model: fixed}
arms: {honest: {}}
sweep:
  parameters:
    electorate.pivot.price: [0.01, 0.5]
    electorate.budget.credits: [100, {uniform: [50, 150]}]
)");
    REQUIRE(p.points.size() == 4);
    const Scenario& s = p.points[3].scenario;
    CHECK(s.pivot.model == qvsim::PivotModel::fixed);
    CHECK(s.pivot.price == 0.5);
    const auto& u = std::get<qvsim::UniformTrait>(s.budget.credits);
    CHECK(u.low == 50.0);
    CHECK(u.high == 150.0);
    CHECK(credits_of(p.points[0].scenario) == 100.0);
    CHECK(p.points[0].scenario.pivot.price == 0.01);

    // Keys the base omits are created: electorate.pivot (model normal by default) and money's.
    const SweepPlan q = plan(R"(name: t
seed: 7
replicates: 2
electorate:
  agents: 101
  budget: {money: {}}
arms: {honest: {}}
sweep:
  parameters:
    electorate.pivot.poll_noise: [0.5, 2]
    electorate.budget.money.eta: [0, 1.5]
)");
    REQUIRE(q.points.size() == 4);
    const Scenario& t = q.points[3].scenario;
    CHECK(t.pivot.model == qvsim::PivotModel::normal);
    CHECK(t.pivot.poll_noise == 2.0);
    CHECK(t.budget.kind == qvsim::BudgetKind::money);
    CHECK(t.budget.eta == 1.5);
    CHECK(q.points[0].scenario.budget.eta == 0.0);
  }
  SECTION("a swept price without model fixed is blamed on the sweep key") {
    check_error(kBase + R"(sweep:
  parameters:
    electorate.pivot.price: [0.01, 0.5]
)",
                11, "sweep.parameters.electorate.pivot.price", "only with model fixed");
  }
  SECTION("an element of a list") {
    const SweepPlan p = plan(R"(name: t
seed: 7
replicates: 2
electorate:
  agents: 101
  values:
    distribution: mixture
    components:
      - {weight: 1, distribution: normal}
      - {weight: 1, distribution: uniform, low: -1, high: 1}
arms: {honest: {}}
sweep:
  parameters:
    electorate.values.components[1].weight: [0.5, 2]
)");
    REQUIRE(p.points.size() == 2);
    const auto& mix = std::get<qvsim::MixtureDist>(p.points[1].scenario.values.distribution);
    CHECK(mix.components.at(1).weight == 2.0);
  }
}

// ---- random designs -------------------------------------------------------------------------

namespace {

const std::string kRandom = kBase + R"(sweep:
  design: random
  samples: 200
  parameters:
    electorate.values.homophily: {uniform: [0.1, 0.5]}
    electorate.budget.credits: {log_uniform: [10, 1000]}
    ballot: {choice: [public, secret]}
    graph.degree: [4, 6, 8]
)";

}  // namespace

TEST_CASE("a random design draws within bounds, from the sets given", "[sweep]") {
  const SweepPlan p = plan(kRandom);
  CHECK(p.design == SweepDesign::random);
  REQUIRE(p.points.size() == 200);
  std::set<std::uint32_t> degrees;
  std::set<qvsim::Ballot> ballots;
  int low_credits = 0;
  for (const SweepPoint& pt : p.points) {
    const Scenario& s = pt.scenario;
    CHECK(s.values.homophily >= 0.1);
    CHECK(s.values.homophily <= 0.5);
    CHECK(credits_of(s) >= 10.0);
    CHECK(credits_of(s) <= 1000.0);
    if (credits_of(s) < 100.0) ++low_credits;
    degrees.insert(degree(s));
    ballots.insert(s.ballot);
    CHECK(s.ballot != qvsim::Ballot::provable);
  }
  CHECK(degrees == std::set<std::uint32_t>{4, 6, 8});
  CHECK(ballots.size() == 2);
  // Log-uniform: about half below the geometric midpoint 100 (binomial sd 7: the bounds are 4 sd).
  CHECK(low_credits > 70);
  CHECK(low_credits < 130);
}

TEST_CASE("a random design is fixed by the seed", "[sweep]") {
  const SweepPlan a = plan(kRandom);
  const SweepPlan b = plan(kRandom);
  const SweepPlan c = plan(kRandom, 8);
  REQUIRE(c.points.size() == a.points.size());
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    CHECK(a.points[i].values == b.points[i].values);
    CHECK(a.points[i].key == b.points[i].key);
    CHECK(qvsim::scenario_to_json(a.points[i].scenario) ==
          qvsim::scenario_to_json(b.points[i].scenario));
    if (a.points[i].values == c.points[i].values) ++same;
  }
  CHECK(same == 0);
  CHECK(c.master_seed == 8);
  // More samples extend the design: the first points stay.
  std::string longer = kRandom;
  longer.replace(longer.find("samples: 200"), 12, "samples: 250");
  const SweepPlan d = plan(longer);
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    CHECK(d.points[i].values == a.points[i].values);
    CHECK(d.points[i].key == a.points[i].key);
  }
}

TEST_CASE("a Latin hypercube hits every stratum of every parameter once", "[sweep]") {
  const SweepPlan p = plan(kBase + R"(sweep:
  design: latin_hypercube
  samples: 10
  parameters:
    electorate.values.homophily: {uniform: [0, 0.5]}
    electorate.budget.credits: {log_uniform: [10, 1000]}
    graph.degree: [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    electorate.proposals: {from: 1, to: 5, step: 1}
)");
  REQUIRE(p.points.size() == 10);
  std::multiset<int> homophily, credits, degrees, proposals;
  for (const SweepPoint& pt : p.points) {
    const Scenario& s = pt.scenario;
    homophily.insert(static_cast<int>(std::floor(s.values.homophily / 0.5 * 10)));
    credits.insert(
        static_cast<int>(std::floor(std::log(credits_of(s) / 10) / std::log(100.0) * 10)));
    degrees.insert(static_cast<int>(degree(s)));
    proposals.insert(static_cast<int>(s.proposals));
  }
  const std::multiset<int> strata{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  CHECK(homophily == strata);
  CHECK(credits == strata);
  CHECK(degrees == std::multiset<int>{2, 4, 6, 8, 10, 12, 14, 16, 18, 20});
  // Five values over ten strata: each value twice.
  CHECK(proposals == std::multiset<int>{1, 1, 2, 2, 3, 3, 4, 4, 5, 5});
  // The strata are shuffled independently per parameter: not all in the same order.
  std::vector<int> order_h, order_d;
  for (const SweepPoint& pt : p.points) {
    order_h.push_back(static_cast<int>(std::floor(pt.scenario.values.homophily / 0.05)));
    order_d.push_back(static_cast<int>(degree(pt.scenario)) / 2 - 1);
  }
  CHECK(order_h != order_d);
}

// ---- keys and seeds -------------------------------------------------------------------------

TEST_CASE("point seeds are pinned", "[sweep]") {
  CHECK(qvsim::point_seed(0, 0) == 0x48218226ff3cd4bfULL);
  CHECK(qvsim::point_seed(7, 1) == 0xb3f2e391ee2ab8a6ULL);
  CHECK(qvsim::point_seed(20261126, 0x0123456789abcdefULL) == 0xc3036ec37a991341ULL);
  CHECK(qvsim::point_seed(7, 1) != qvsim::point_seed(7, 2));
  CHECK(qvsim::point_seed(7, 1) != qvsim::point_seed(8, 1));
  // The key of a point is FNV-1a of "path=value\n" lines sorted by path: pinned as well.
  const SweepPlan p = plan(kBase + R"(sweep:
  parameters:
    graph.degree: [4]
    ballot: [secret]
)");
  CHECK(p.points.at(0).key == 0xc3d54b2beb21c3cbULL);
}

TEST_CASE("common_random_numbers gives every point the master seed", "[sweep]") {
  const std::string params = R"(
  parameters:
    graph.degree: [4, 6]
    ballot: [public, secret]
)";
  const SweepPlan plain = plan(kBase + "sweep:" + params);
  const SweepPlan common = plan(kBase + "sweep:\n  common_random_numbers: true" + params);
  const SweepPlan off = plan(kBase + "sweep:\n  common_random_numbers: false" + params);
  REQUIRE(plain.points.size() == 4);
  REQUIRE(common.points.size() == 4);
  std::set<std::uint64_t> seeds;
  for (std::size_t i = 0; i < 4; ++i) {
    // Without it (or with false) each point keeps its own pinned seed; with it, the master's.
    CHECK(plain.points[i].scenario.seed == qvsim::point_seed(7, plain.points[i].key));
    CHECK(off.points[i].scenario.seed == plain.points[i].scenario.seed);
    CHECK(common.points[i].scenario.seed == 7);
    CHECK(common.points[i].key == plain.points[i].key);  // keys still name the points
    seeds.insert(plain.points[i].scenario.seed);
  }
  CHECK(seeds.size() == 4);
  // The spec of a sweep without it is unchanged (so its hash, and resuming it, are too); with it,
  // the spec differs, so a store started one way is not resumed the other.
  CHECK(plain.spec_json == off.spec_json);
  CHECK(plain.spec_json.find("common_random_numbers") == std::string::npos);
  CHECK(common.spec_json.find("common_random_numbers") != std::string::npos);
  CHECK_THROWS_AS(plan(kBase + "sweep:\n  common_random_numbers: sometimes" + params), InputError);
}

TEST_CASE("a point's key and seed depend only on its own values", "[sweep]") {
  const SweepPlan small = plan(kBase + R"(sweep:
  parameters:
    graph.degree: [4, 6]
    ballot: [public, secret]
)");
  const SweepPlan large = plan(kBase + R"(sweep:
  parameters:
    graph.degree: [4, 8, 6]
    ballot: [public, secret]
)");
  const SweepPlan reordered = plan(kBase + R"(sweep:
  parameters:
    ballot: [secret, public]
    graph.degree: [6, 4]
)");
  REQUIRE(large.points.size() == 6);
  for (const SweepPoint& a : small.points) {
    auto find_in = [&a](const SweepPlan& other) -> const SweepPoint* {
      for (const SweepPoint& b : other.points) {
        if (degree(b.scenario) == degree(a.scenario) && b.scenario.ballot == a.scenario.ballot) {
          return &b;
        }
      }
      return nullptr;
    };
    for (const SweepPlan* other : {&large, &reordered}) {
      const SweepPoint* b = find_in(*other);
      REQUIRE(b != nullptr);
      CHECK(b->key == a.key);
      CHECK(b->scenario.seed == a.scenario.seed);
      CHECK(qvsim::scenario_to_json(b->scenario) == qvsim::scenario_to_json(a.scenario));
    }
  }
}

// ---- files without a sweep, overrides -------------------------------------------------------

TEST_CASE("a file without a sweep is one point: the scenario itself", "[sweep]") {
  TempDir tmp;
  const fs::path file = tmp.path / "plain.yaml";
  std::ofstream(file, std::ios::binary) << kBase;
  const Scenario s = qvsim::load_scenario(file);
  const SweepPlan p = qvsim::load_sweep(file, std::nullopt, std::nullopt);
  CHECK_FALSE(p.has_sweep);
  CHECK(p.name == "t");
  CHECK(p.master_seed == 7);
  CHECK(p.replicates == 2);
  CHECK(p.parameters.empty());
  CHECK(p.spec_json == "null\n");
  REQUIRE(p.points.size() == 1);
  CHECK(p.points[0].index == 0);
  CHECK(p.points[0].key == 0);
  CHECK(p.points[0].values.empty());
  CHECK(p.points[0].scenario.source_file == s.source_file);
  CHECK(qvsim::scenario_to_json(p.points[0].scenario) == qvsim::scenario_to_json(s));

  const SweepPlan o = qvsim::load_sweep(file, 99, 5);
  CHECK(o.master_seed == 99);
  CHECK(o.points[0].scenario.seed == 99);
  CHECK(o.points[0].scenario.replicates == 5);
}

TEST_CASE("seed and replicates overrides apply to every point", "[sweep]") {
  const std::string text = kBase + R"(sweep:
  parameters:
    graph.degree: [4, 6]
)";
  const SweepPlan base = plan(text);
  const SweepPlan p = plan(text, 99, 5);
  CHECK(p.master_seed == 99);
  CHECK(p.replicates == 5);
  for (std::size_t i = 0; i < p.points.size(); ++i) {
    CHECK(p.points[i].key == base.points[i].key);
    CHECK(p.points[i].scenario.seed == qvsim::point_seed(99, p.points[i].key));
    CHECK(p.points[i].scenario.seed != base.points[i].scenario.seed);
    CHECK(p.points[i].scenario.replicates == 5);
  }
  try {
    plan(text, std::nullopt, 0);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.key() == "replicates");
  }
}

TEST_CASE("load_sweep reads files and names them in errors", "[sweep]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  std::ofstream(file, std::ios::binary)
      << kBase + "sweep:\n  parameters:\n    graph.degree: [4, 5]\n";
  try {
    qvsim::load_sweep(file, std::nullopt, std::nullopt);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.file() == file.string());
    CHECK(e.line() == 11);
  }
  CHECK_THROWS_AS(qvsim::load_sweep(tmp.path / "missing.yaml", std::nullopt, std::nullopt),
                  InputError);
}

// ---- errors ---------------------------------------------------------------------------------

TEST_CASE("every point is validated before anything runs", "[sweep]") {
  SECTION("a bad value at a late point is reported with its index") {
    check_error(kBase + R"(sweep:
  parameters:
    ballot: [public, secret]
    graph.degree: [4, 6, 8, 10, 7]
)",
                12, "sweep.parameters.graph.degree",
                "point 4 (ballot=\"public\", graph.degree=7): graph.degree: must be an even");
  }
  SECTION("an unknown path is the scenario's unknown key, at the sweep entry") {
    check_error(kBase + R"(sweep:
  parameters:
    graph.degre: [4]
)",
                11, "sweep.parameters.graph.degre", "did you mean 'degree'?");
  }
  SECTION("an error elsewhere keeps its own key and line") {
    check_error(kBase + R"(sweep:
  parameters:
    electorate.agents: [101, 8]
)",
                7, "graph.degree", "point 1 (electorate.agents=8): graph.degree:");
  }
  SECTION("a map the sweep created and left incomplete is blamed on the parameter") {
    check_error(R"(name: t
seed: 7
replicates: 2
electorate: {agents: 101}
arms: {honest: {}}
sweep:
  parameters:
    electorate.values.homophily: [0, 0.5]
)",
                8, "sweep.parameters.electorate.values.homophily",
                "point 0 (electorate.values.homophily=0): electorate.values.distribution: "
                "missing required key");
  }
  SECTION("a random draw outside what the scenario allows") {
    check_error(kBase + R"(sweep:
  design: random
  samples: 5
  parameters:
    graph.rewire: {uniform: [0.5, 3]}
)",
                13, "sweep.parameters.graph.rewire", "graph.rewire: must be in [0, 1]");
  }
}

TEST_CASE("bad sweep blocks name the line and key", "[sweep]") {
  auto with = [](const std::string& block) { return kBase + "sweep:\n" + block; };
  // The sweep block's first line inside is line 10.
  SECTION("the block") {
    check_error(kBase + "sweep: [1]\n", 9, "sweep", "must be a map");
    check_error(with("  paramters: {graph.degree: [4]}\n"), 10, "sweep.paramters",
                "did you mean 'parameters'?");
    check_error(with("  design: grid\n"), 10, "sweep.parameters", "nothing to sweep");
    check_error(with("  parameters: {}\n"), 10, "sweep.parameters", "nothing to sweep");
  }
  SECTION("design and samples") {
    check_error(with("  design: grdi\n  parameters: {graph.degree: [4]}\n"), 10, "sweep.design",
                "did you mean 'grid'?");
    check_error(with("  design: random\n  parameters: {graph.degree: [4]}\n"), 10, "sweep.samples",
                "missing required key");
    check_error(
        with("  design: latin_hypercube\n  samples: 0\n  parameters: {graph.degree: [4]}\n"), 11,
        "sweep.samples", "must be an integer >= 1");
    check_error(with("  samples: 10\n  parameters: {graph.degree: [4]}\n"), 10, "sweep.samples",
                "not allowed with design grid");
  }
  SECTION("lists") {
    check_error(with("  parameters:\n    graph.degree: []\n"), 11, "sweep.parameters.graph.degree",
                "empty list");
    check_error(with("  parameters:\n    graph.degree: 4\n"), 11, "sweep.parameters.graph.degree",
                "write [4]");
    check_error(with("  parameters:\n    graph.degree:\n      - 4\n      - 4\n"), 13,
                "sweep.parameters.graph.degree[1]", "listed twice");
  }
  SECTION("ranges") {
    const std::string key = "sweep.parameters.graph.degree";
    check_error(with("  parameters:\n    graph.degree: {from: 4, to: 8, step: 0}\n"), 11,
                key + ".step", "must be > 0, got 0");
    check_error(with("  parameters:\n    graph.degree: {from: 4, to: 8, step: -2}\n"), 11,
                key + ".step", "must be > 0, got -2");
    check_error(with("  parameters:\n    graph.degree: {from: 8, to: 4, step: 2}\n"), 11, key,
                "from (8) must be <= to (4)");
    check_error(with("  parameters:\n    graph.degree: {from: 4, to: 8}\n"), 11, key + ".step",
                "missing required key");
    check_error(with("  parameters:\n    graph.degree: {from: 4, to: 8, stpe: 2}\n"), 11,
                key + ".stpe", "did you mean 'step'?");
    check_error(with("  parameters:\n    graph.degree: {from: 0, to: 1e7, step: 1}\n"), 11, key,
                "at most 1000000");
  }
  SECTION("distributions") {
    const std::string drawn = "  design: random\n  samples: 5\n  parameters:\n";  // lines 10-12
    const std::string key = "sweep.parameters.graph.rewire";
    check_error(with(drawn + "    graph.rewire: {uniform: [0.5, 0.1]}\n"), 13, key + ".uniform",
                "low (0.5) must be <= high (0.1)");
    check_error(with(drawn + "    graph.rewire: {log_uniform: [0.5, 0.1]}\n"), 13,
                key + ".log_uniform", "must be <= high");
    check_error(with(drawn + "    graph.rewire: {log_uniform: [0, 0.1]}\n"), 13,
                key + ".log_uniform", "must be > 0");
    check_error(with(drawn + "    graph.rewire: {uniform: [0.5]}\n"), 13, key + ".uniform",
                "two numbers");
    check_error(with(drawn + "    graph.rewire: {uniform: [0.1, 0.5], choice: [1]}\n"), 13,
                key + ".choice", "cannot be combined");
    check_error(with("  parameters:\n    graph.rewire: {uniform: [0.1, 0.5]}\n"), 11,
                key + ".uniform", "needs design random or latin_hypercube");
    check_error(with("  parameters:\n    ballot: {choice: [public, secret]}\n"), 11,
                "sweep.parameters.ballot.choice", "needs design random or latin_hypercube");
    check_error(with("  parameters:\n    graph: {model: erdos_renyi}\n"), 11,
                "sweep.parameters.graph.model", "to sweep over maps, list them");
  }
  SECTION("zip") {
    check_error(with("  zip:\n    - {graph.degree: [4, 6], graph.rewire: [0.1]}\n"), 11,
                "sweep.zip[0].graph.rewire", "equal length");
    check_error(with("  zip:\n    - {graph.degree: [4, 4], graph.rewire: [0.1, 0.1]}\n"), 11,
                "sweep.zip[0]", "row 1 repeats row 0: the same point twice");
    check_error(with("  zip: {graph.degree: [4]}\n"), 10, "sweep.zip", "non-empty list");
    check_error(
        with("  design: random\n  samples: 3\n  zip:\n    - {graph.rewire: {uniform: [0, 1]}}\n"),
        13, "sweep.zip[0].graph.rewire.uniform", "zipped parameters take lists or ranges");
  }
  SECTION("a path listed twice or overlapping") {
    check_error(with("  parameters:\n    graph.degree: [4]\n  zip:\n    - {graph.degree: [6]}\n"),
                13, "sweep.zip[0].graph.degree",
                "swept twice (also sweep.parameters.graph.degree on line 11)");
    check_error(with("  parameters:\n    graph.degree: [4]\n    graph.degree: [6]\n"), 12,
                "sweep.parameters.graph.degree", "duplicate key");
    check_error(with("  parameters:\n    graph.degree: [4]\n    graph: [{model: erdos_renyi}]\n"),
                12, "sweep.parameters.graph", "overlaps sweep.parameters.graph.degree");
  }
  SECTION("paths that cannot be swept") {
    for (const char* path : {"name", "seed", "replicates", "sweep.design"}) {
      check_error(with(std::string("  parameters:\n    ") + path + ": [1]\n"), 11,
                  std::string("sweep.parameters.") + path, "cannot be swept");
    }
    check_error(with("  parameters:\n    graph..degree: [4]\n"), 11,
                "sweep.parameters.graph..degree", "is not a scenario key path");
    check_error(with("  parameters:\n    graph.degree.x: [4]\n"), 11,
                "sweep.parameters.graph.degree.x", "graph.degree holds the value '10'");
    check_error(with("  parameters:\n    mechanisms[0]: [linear]\n"), 11,
                "sweep.parameters.mechanisms[0]", "mechanisms is not in the scenario");
    check_error(with("  parameters:\n    arms.honest[1]: [linear]\n"), 11,
                "sweep.parameters.arms.honest[1]", "not a list");
  }
  SECTION("a grid too large") {
    std::string block = "  parameters:\n";
    for (int i = 0; i < 7; ++i) {
      block += "    arms.a" + std::to_string(i) + ".collusion.rounds: [1, 2, 3, 4, 5, 6, 7, 8]\n";
    }
    check_error(with(block), 9, "sweep", "the grid has 2097152 points");
  }
}

TEST_CASE("a sweep over an edge-list graph loads the graph once for every point", "[sweep]") {
  TempDir tmp;
  qvsim::test::write(tmp.path / "edges.txt", "0 1\n1 2\n2 3\n3 0\n");
  const SweepPlan p = qvsim::parse_sweep(
      "name: t\nseed: 1\nreplicates: 1\nelectorate: {proposals: 2}\n"
      "graph: {model: edge_list, file: edges.txt}\narms: {honest: {}}\n"
      "sweep:\n  parameters:\n    electorate.proposals: [1, 2, 3]\n",
      kLabel, tmp.path, std::nullopt, std::nullopt);
  REQUIRE(p.points.size() == 3);
  qvsim::SharedFiles shared;
  std::vector<qvsim::Model> models;
  for (const SweepPoint& pt : p.points)
    models.push_back(qvsim::freeze(pt.scenario, {1 << 20, &shared}));
  REQUIRE(models[0].fixed_graph);
  CHECK(shared.edge_lists.size() == 1);
  for (const auto& m : models) {
    CHECK(m.fixed_graph.get() == models[0].fixed_graph.get());
    CHECK(m.scenario.agents == 4);
  }
  // Four owners: the three models and the shared table; no copy of the graph.
  CHECK(models[0].fixed_graph.use_count() == 4);
  // Without the table each point would load its own copy.
  CHECK(qvsim::freeze(p.points[0].scenario).fixed_graph.get() != models[0].fixed_graph.get());
}

TEST_CASE("an edge list needing more memory than allowed is refused while it is read", "[sweep]") {
  TempDir tmp;
  std::string edges;
  for (int i = 0; i < 100; ++i) edges += std::to_string(i) + " " + std::to_string(i + 1) + "\n";
  qvsim::test::write(tmp.path / "edges.txt", edges);
  // 50 edge lines fit in 50 x kEdgeLoadBytes; the 51st is refused, naming its line.
  try {
    qvsim::load_edge_list(tmp.path / "edges.txt", 50 * qvsim::kEdgeLoadBytes);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.kind() == qvsim::ErrorKind::resources);
    CHECK(e.line() == 51);
    CHECK_THAT(e.message(), Catch::Contains("more than 50 edge lines"));
  }
  CHECK(qvsim::load_edge_list(tmp.path / "edges.txt", 100 * qvsim::kEdgeLoadBytes)
            .graph.num_agents() == 101);
}

TEST_CASE("coercion rounds count in the memory estimate", "[sweep]") {
  auto bytes = [](const std::string& rounds) {
    const SweepPlan p = plan(
        "name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 100, proposals: 2}\n"
        "graph: {model: erdos_renyi, mean_degree: 4}\nballot: public\n"
        "mechanisms: [quadratic, one_person_one_vote]\n"
        "arms:\n  honest: {}\n  t:\n    coercion: {coercers: 2, fear_response: 0.5, agenda: "
        "{proposal: 0, direction: pass}, rounds: " +
        rounds + "}\n");
    return qvsim::estimate_replicate_bytes(qvsim::describe(p.points[0].scenario));
  };
  // Two mechanisms x 8 bytes per round.
  CHECK(bytes("20000000") - bytes("0") == 20000000ull * 2 * 8);
}

namespace {

// Parses `text`, which must fail, and returns the error's lines: the first as the InputError's
// what(), each further one as the CLI prints it.
std::vector<std::string> error_lines(const std::string& text) {
  INFO("sweep text:\n" << text);
  try {
    plan(text);
  } catch (const InputError& e) {
    std::vector<std::string> out;
    std::istringstream in(e.what());
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  FAIL("expected an InputError");
  return {};
}

}  // namespace

TEST_CASE("mistakes inside the sweep block are all reported, each with its line and key",
          "[sweep][errors]") {
  // The block starts on line 9.
  const auto lines = error_lines(kBase + R"(sweep:
  design: grid
  parameters:
    graph.degree: []
    graph.rewire: {from: 0.1, to: 0.5}
    ballot: [public, secret]
)");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] ==
        "sweep.yaml:12: sweep.parameters.graph.degree: an empty list: give at least one value");
  CHECK(lines[1] ==
        "qvsim: error (missing_key): sweep.yaml:13: sweep.parameters.graph.rewire.step: missing "
        "required key");

  SECTION("in design, parameters and zip alike") {
    const auto more = error_lines(kBase + R"(sweep:
  design: grdi
  parameters:
    graph.degree: 4
  zip:
    - {graph.rewire: [0.1, 0.2], ballot: [public, sekret, secret]}
    - {electorate.agents: []}
)");
    REQUIRE(more.size() == 4);
    CHECK_THAT(more[0], Catch::StartsWith("sweep.yaml:10: sweep.design: must be one of grid, "));
    CHECK_THAT(more[1], Catch::StartsWith("qvsim: error (invalid): sweep.yaml:12: "
                                          "sweep.parameters.graph.degree: must be a list"));
    CHECK_THAT(more[2], Catch::StartsWith("qvsim: error (invalid): sweep.yaml:14: "
                                          "sweep.zip[0].ballot: has 3 values but "
                                          "sweep.zip[0].graph.rewire has 2"));
    CHECK_THAT(more[3], Catch::StartsWith("qvsim: error (invalid): sweep.yaml:15: "
                                          "sweep.zip[1].electorate.agents: an empty list"));
  }
}

TEST_CASE("a sweep check that depends on a part that could not be read is skipped",
          "[sweep][errors]") {
  SECTION("samples depend on the design") {
    // With the design misspelled, 'samples: 10' is not called "not allowed with design grid".
    const auto lines = error_lines(
        kBase + "sweep:\n  design: randm\n  samples: 10\n  parameters: {graph.degree: [4]}\n");
    REQUIRE(lines.size() == 1);
    CHECK_THAT(lines[0], Catch::StartsWith("sweep.yaml:10: sweep.design: "));
    CHECK_THAT(lines[0], Catch::Contains("did you mean 'random'?"));
  }
  SECTION("a distribution's design check depends on the design") {
    const auto lines = error_lines(kBase +
                                   "sweep:\n  design: randm\n  samples: 10\n  parameters:\n"
                                   "    graph.rewire: {uniform: [0.1, 0.5]}\n");
    REQUIRE(lines.size() == 1);
    CHECK_THAT(lines[0], Catch::StartsWith("sweep.yaml:10: sweep.design: "));
  }
  SECTION("a zipped list's length depends on its group's first list") {
    // The first list is empty; the second is not compared with it.
    const auto lines =
        error_lines(kBase + "sweep:\n  zip:\n    - {graph.degree: [], graph.rewire: [0.1, 0.2]}\n");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] ==
          "sweep.yaml:11: sweep.zip[0].graph.degree: an empty list: give at least one "
          "value");
  }
  SECTION("the grid's size depends on every parameter") {
    std::string block = "sweep:\n  parameters:\n    graph.degree: []\n";
    for (int i = 0; i < 7; ++i) {
      block += "    arms.a" + std::to_string(i) + ".collusion.rounds: [1, 2, 3, 4, 5, 6, 7, 8]\n";
    }
    const auto lines = error_lines(kBase + block);
    REQUIRE(lines.size() == 1);
    CHECK_THAT(lines[0], Catch::StartsWith("sweep.yaml:11: sweep.parameters.graph.degree: "));
  }
}

TEST_CASE("mistakes in the sweep block count toward the limit of 20", "[sweep][errors]") {
  std::string block = "sweep:\n  parameters:\n";  // lines 9, 10
  for (int i = 0; i < 25; ++i)
    block += "    arms.a" + std::to_string(i) + ".collusion.rounds: []\n";
  const auto lines = error_lines(kBase + block);
  REQUIRE(lines.size() == 21);
  CHECK_THAT(lines[0], Catch::StartsWith("sweep.yaml:11: sweep.parameters.arms.a0."));
  CHECK_THAT(lines[19], Catch::StartsWith(
                            "qvsim: error (invalid): sweep.yaml:30: sweep.parameters.arms.a19."));
  CHECK(lines[20] == "... and 5 more");
}

TEST_CASE("shape mistakes in the sweep block get the line to write instead", "[sweep][errors]") {
  auto with = [](const std::string& block) { return kBase + "sweep:\n" + block; };
  check_error(with("  parameters: graph.degree\n"), 10, "sweep.parameters",
              "got 'graph.degree'; write {graph.degree: [value, value]}");
  check_error(with("  zip: {graph.degree: [4, 6], graph.rewire: [0.1, 0.2]}\n"), 10, "sweep.zip",
              "got a map; write each group as an item of the list");
  // What the hints say to write is a valid sweep.
  CHECK(plan(with("  parameters: {graph.degree: [4, 6]}\n")).points.size() == 2);
  CHECK(plan(with("  zip: [{graph.degree: [4, 6], graph.rewire: [0.1, 0.2]}]\n")).points.size() ==
        2);
}

TEST_CASE("a misspelt sweep key is reported once, not again as missing", "[sweep][errors]") {
  const auto lines = error_lines(
      kBase + "sweep:\n  design: random\n  sampels: 5\n  paramters: {graph.degree: [4]}\n");
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::StartsWith("sweep.yaml:11: sweep.sampels: unknown key; did you mean "
                                         "'samples'?"));
  CHECK_THAT(lines[1], Catch::StartsWith("qvsim: error (unknown_key): sweep.yaml:12: "
                                         "sweep.paramters: unknown key; did you mean "
                                         "'parameters'?"));
}
