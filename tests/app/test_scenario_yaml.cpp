#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "agents/behaviours.hpp"
#include "api/scenario_yaml.hpp"
#include "api/sweep_spec.hpp"
#include "sim/error.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"

namespace {

using qvsim::InputError;
using qvsim::Scenario;

constexpr const char* kLabel = "scenario.yaml";

Scenario parse(const std::string& text) { return qvsim::parse_scenario(text, kLabel, "/base"); }

// Parses `text`, which must fail, and checks the error names the file, the line and the key path
// and that its message contains `fragment`.
void check_error(const std::string& text, std::size_t line, const std::string& key,
                 const std::string& fragment) {
  INFO("scenario text:\n" << text);
  try {
    parse(text);
  } catch (const InputError& e) {
    INFO("error: " << e.what());
    CHECK(e.file() == kLabel);
    CHECK(e.line() == line);
    CHECK(e.key() == key);
    CHECK_THAT(e.message(), Catch::Contains(fragment));
    std::string prefix = std::string(kLabel) + (line > 0 ? ":" + std::to_string(line) : "") + ": ";
    if (!key.empty()) prefix += key + ": ";
    CHECK_THAT(e.what(), Catch::StartsWith(prefix));
    return;
  }
  FAIL("expected an InputError");
}

// A small valid scenario; tests that need another shape write theirs out in full so that line
// numbers stay visible.
const std::string kMinimal = R"(name: t
seed: 1
replicates: 2
electorate:
  agents: 101
arms:
  honest: {}
)";

}  // namespace

// ---- valid scenarios ------------------------------------------------------------------------

TEST_CASE("a full scenario parses to the values written", "[scenario]") {
  const Scenario s = parse(R"(# a comment
name: qv-vs-majority.v1
seed: 18446744073709551615
replicates: 500
electorate:
  agents: 10001
  proposals: 8
  values:
    distribution: normal
    mean: -0.5
    sd: 2
    homophily: 0.3
  budget: {credits: 50, integer_votes: true}
graph: {model: watts_strogatz, degree: 6, rewire: 0.1}
mechanisms: [linear, quadratic]
ballot: provable
arms:
  honest: {}
  other:
baseline_arm: other
)");
  CHECK(s.name == "qv-vs-majority.v1");
  CHECK(s.seed == 18446744073709551615ULL);
  CHECK(s.replicates == 500);
  CHECK(s.agents == 10001);
  CHECK(s.proposals == 8);
  const auto& n = std::get<qvsim::NormalDist>(s.values.distribution);
  CHECK(n.mean == -0.5);
  CHECK(n.sd == 2.0);
  CHECK(s.values.homophily == 0.3);
  CHECK(s.budget.kind == qvsim::BudgetKind::credits);
  CHECK(std::get<qvsim::ConstantTrait>(s.budget.credits).value == 50.0);
  CHECK(s.budget.integer_votes);
  const auto& ws = std::get<qvsim::WattsStrogatzSpec>(s.graph);
  CHECK(ws.degree == 6);
  CHECK(ws.rewire == 0.1);
  CHECK(s.mechanisms ==
        std::vector<qvsim::Mechanism>{qvsim::Mechanism::linear, qvsim::Mechanism::quadratic});
  CHECK(s.ballot == qvsim::Ballot::provable);
  REQUIRE(s.arms.size() == 2);
  CHECK(s.arms[0].name == "honest");
  CHECK(s.arms[1].name == "other");
  CHECK(s.baseline_arm == "other");
}

TEST_CASE("defaults are filled in", "[scenario]") {
  const Scenario s = parse(kMinimal);
  CHECK(s.proposals == 1);
  const auto& n = std::get<qvsim::NormalDist>(s.values.distribution);
  CHECK(n.mean == 0.0);
  CHECK(n.sd == 1.0);
  CHECK(s.values.homophily == 0.0);
  CHECK(s.budget.kind == qvsim::BudgetKind::credits);
  CHECK(std::get<qvsim::ConstantTrait>(s.budget.credits).value == 100.0);
  CHECK_FALSE(s.budget.integer_votes);
  CHECK(s.pivot.model == qvsim::PivotModel::normal);
  CHECK(s.pivot.poll_noise == 0.0);
  CHECK(s.values.file.empty());
  const auto& ws = std::get<qvsim::WattsStrogatzSpec>(s.graph);
  CHECK(ws.degree == 10);
  CHECK(ws.rewire == 0.05);
  CHECK(s.mechanisms == std::vector<qvsim::Mechanism>{qvsim::Mechanism::quadratic,
                                                      qvsim::Mechanism::one_person_one_vote,
                                                      qvsim::Mechanism::linear});
  CHECK(s.ballot == qvsim::Ballot::secret);
  REQUIRE(s.arms.size() == 1);
  CHECK(s.baseline_arm == "honest");
  CHECK(s.source_file.empty());
}

TEST_CASE("arms keep the file's order", "[scenario]") {
  const Scenario s = parse(R"(name: t
seed: 1
replicates: 1
electorate: {agents: 101}
arms: {zeta: {}, honest: {}, alpha: null, mid_1: {}}
)");
  REQUIRE(s.arms.size() == 4);
  CHECK(s.arms[0].name == "zeta");
  CHECK(s.arms[1].name == "honest");
  CHECK(s.arms[2].name == "alpha");
  CHECK(s.arms[3].name == "mid_1");
}

TEST_CASE("mechanisms take the command line's aliases, and a duplicate via an alias is caught",
          "[scenario]") {
  const auto with = [](const std::string& list) {
    return "name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 101}\nmechanisms: " + list +
           "\narms: {honest: {}}\n";
  };
  const Scenario aliased = parse(with("[qv, 1p1v, linear]"));
  const Scenario named = parse(with("[quadratic, one_person_one_vote, linear]"));
  CHECK(aliased.mechanisms == named.mechanisms);
  CHECK(parse(with("[QV]")).mechanisms ==
        std::vector<qvsim::Mechanism>{qvsim::Mechanism::quadratic});
  // Aliases are the same mechanism as their names: listing both is a repeat.
  check_error(with("[quadratic, qv]"), 5, "mechanisms[1]", "'quadratic' is listed twice");
  // Anything else is still an unknown name, with its suggestion.
  check_error(with("[quadratc]"), 5, "mechanisms[0]", "did you mean 'quadratic'?");
  // Options accept exactly the same names (api/threshold_command.cpp, --mechanism).
  for (const char* name : {"quadratic", "qv", "QV"}) {
    CHECK(qvsim::mechanism_named(name) == qvsim::Mechanism::quadratic);
  }
  CHECK(qvsim::mechanism_named("1p1v") == qvsim::Mechanism::one_person_one_vote);
  CHECK_FALSE(qvsim::mechanism_named("Quadratic").has_value());
}

TEST_CASE("each value distribution parses", "[scenario]") {
  auto with_values = [](const std::string& values) {
    return parse("name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  values: " +
                 values + "\narms: {honest: {}}\n");
  };
  SECTION("uniform") {
    const Scenario s = with_values("{distribution: uniform, low: -3, high: 2.5, homophily: 1}");
    const auto& u = std::get<qvsim::UniformDist>(s.values.distribution);
    CHECK(u.low == -3.0);
    CHECK(u.high == 2.5);
    CHECK(s.values.homophily == 1.0);
  }
  SECTION("mixture") {
    const Scenario s = with_values(
        "{distribution: mixture, components: [{weight: 0.7, distribution: normal, mean: 1},"
        " {weight: 0.3, distribution: uniform, low: -3, high: 3}]}");
    const auto& m = std::get<qvsim::MixtureDist>(s.values.distribution);
    REQUIRE(m.components.size() == 2);
    CHECK(m.components[0].weight == 0.7);
    CHECK(std::get<qvsim::NormalDist>(m.components[0].dist).mean == 1.0);
    CHECK(std::get<qvsim::NormalDist>(m.components[0].dist).sd == 1.0);
    CHECK(m.components[1].weight == 0.3);
    CHECK(std::get<qvsim::UniformDist>(m.components[1].dist).low == -3.0);
    CHECK(std::get<qvsim::UniformDist>(m.components[1].dist).high == 3.0);
  }
  SECTION("passionate minority with partial groups") {
    const Scenario s = with_values(
        "{distribution: passionate_minority, share: 0.15, minority: {mean: 4.0}, homophily: 0.2}");
    const auto& p = std::get<qvsim::PassionateMinorityDist>(s.values.distribution);
    CHECK(p.share == 0.15);
    CHECK(p.minority.mean == 4.0);
    CHECK(p.minority.sd == 0.5);
    CHECK(p.majority.mean == -0.5);
    CHECK(p.majority.sd == 0.2);
    CHECK(s.values.homophily == 0.2);
  }
  SECTION("passionate minority defaults") {
    const Scenario s = with_values("{distribution: passionate_minority}");
    const auto& p = std::get<qvsim::PassionateMinorityDist>(s.values.distribution);
    CHECK(p.share == 0.2);
    CHECK(p.minority.mean == 3.0);
    CHECK(p.majority.sd == 0.2);
  }
}

TEST_CASE("each graph model parses", "[scenario]") {
  auto with_graph = [](const std::string& graph, const std::string& agents = "  agents: 101\n") {
    return parse("name: t\nseed: 1\nreplicates: 1\nelectorate:\n" + agents + "  proposals: 2\n" +
                 "graph: " + graph + "\narms: {honest: {}}\n");
  };
  SECTION("erdos_renyi") {
    CHECK(
        std::get<qvsim::ErdosRenyiSpec>(with_graph("{model: erdos_renyi, mean_degree: 100}").graph)
            .mean_degree == 100.0);
    CHECK(std::get<qvsim::ErdosRenyiSpec>(with_graph("{model: erdos_renyi}").graph).mean_degree ==
          10.0);
  }
  SECTION("barabasi_albert") {
    CHECK(std::get<qvsim::BarabasiAlbertSpec>(with_graph("{model: barabasi_albert, m: 99}").graph)
              .m == 99);
    CHECK(std::get<qvsim::BarabasiAlbertSpec>(with_graph("{model: barabasi_albert}").graph).m == 5);
  }
  SECTION("stochastic_block with a block count") {
    const auto g = std::get<qvsim::StochasticBlockSpec>(
        with_graph("{model: stochastic_block, blocks: 3, p_in: 0.5}").graph);
    CHECK(g.sizes == std::vector<std::uint64_t>{34, 34, 33});
    CHECK(g.p_in == 0.5);
    CHECK(g.p_out == 0.001);
  }
  SECTION("stochastic_block with sizes") {
    const auto g = std::get<qvsim::StochasticBlockSpec>(
        with_graph("{model: stochastic_block, sizes: [1, 50, 50], p_out: 0}").graph);
    CHECK(g.sizes == std::vector<std::uint64_t>{1, 50, 50});
    CHECK(g.p_in == 0.05);
    CHECK(g.p_out == 0.0);
  }
  SECTION("edge_list resolves relative paths against the base folder") {
    const Scenario s = with_graph("{model: edge_list, file: nets/karate.txt}", "");
    CHECK(std::get<qvsim::EdgeListSpec>(s.graph).file ==
          std::filesystem::path("/base/nets/karate.txt"));
    CHECK(s.agents == 0);
    CHECK(s.proposals == 2);
    const std::string json = qvsim::scenario_to_json(s);
    CHECK_THAT(json, Catch::Contains("\"file\": \"karate.txt\""));
    CHECK_THAT(json, Catch::Contains("\"agents\": null"));
    CHECK_THAT(json, !Catch::Contains("/base"));
  }
  SECTION("edge_list keeps absolute paths and needs no electorate") {
    const Scenario s = parse(
        "name: t\nseed: 1\nreplicates: 1\ngraph: {model: edge_list, file: /data/g.txt}\n"
        "arms: {honest: {}}\n");
    CHECK(std::get<qvsim::EdgeListSpec>(s.graph).file == std::filesystem::path("/data/g.txt"));
  }
}

TEST_CASE("a money budget parses and drops linear from the default mechanisms", "[scenario]") {
  const Scenario s = parse(R"(name: t
seed: 1
replicates: 1
electorate:
  agents: 101
  budget: {money: {wealth: {uniform: [0.5, 2]}, eta: 1.5}}
arms: {honest: {}}
)");
  CHECK(s.budget.kind == qvsim::BudgetKind::money);
  const auto& w = std::get<qvsim::UniformTrait>(s.budget.wealth);
  CHECK(w.low == 0.5);
  CHECK(w.high == 2.0);
  CHECK(s.budget.eta == 1.5);
  CHECK(s.mechanisms == std::vector<qvsim::Mechanism>{qvsim::Mechanism::quadratic,
                                                      qvsim::Mechanism::one_person_one_vote});
}

TEST_CASE("money's short forms take wealth 1 and eta 1", "[scenario][yaml]") {
  for (const char* budget : {"{money: {}}", "{money: }", "{money: null}", "money"}) {
    INFO(budget);
    const Scenario s = parse(std::string("name: t\nseed: 1\nreplicates: 1\nelectorate:\n") +
                             "  agents: 101\n  budget: " + budget + "\narms: {honest: {}}\n");
    CHECK(s.budget.kind == qvsim::BudgetKind::money);
    CHECK(std::get<qvsim::ConstantTrait>(s.budget.wealth).value == 1.0);
    CHECK(s.budget.eta == 1.0);
    CHECK_THAT(qvsim::scenario_to_json(s),
               Catch::Contains("\"money\": {\n        \"wealth\": 1,\n        \"eta\": 1\n"));
  }
}

TEST_CASE("credits are a per-agent trait", "[scenario][yaml]") {
  auto with_budget = [](const std::string& budget) {
    return parse("name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  budget: " +
                 budget + "\narms: {honest: {}}\n");
  };
  SECTION("a number is the same for everyone") {
    const Scenario s = with_budget("{credits: 250.5}");
    CHECK(std::get<qvsim::ConstantTrait>(s.budget.credits).value == 250.5);
  }
  SECTION("uniform") {
    const Scenario s = with_budget("{credits: {uniform: [50, 150]}, integer_votes: true}");
    const auto& u = std::get<qvsim::UniformTrait>(s.budget.credits);
    CHECK(u.low == 50.0);
    CHECK(u.high == 150.0);
    CHECK(s.budget.integer_votes);
    CHECK_THAT(qvsim::scenario_to_json(s), Catch::Contains("\"uniform\": [\n"));
  }
  SECTION("two_point, with low given (0 is not a budget)") {
    const Scenario s = with_budget("{credits: {two_point: {share: 0.1, high: 1000, low: 10}}}");
    const auto& t = std::get<qvsim::TwoPointTrait>(s.budget.credits);
    CHECK(t.share == 0.1);
    CHECK(t.high == 1000.0);
    CHECK(t.low == 10.0);
  }
}

TEST_CASE("electorate.pivot parses each model", "[scenario][yaml]") {
  auto with_pivot = [](const std::string& pivot) {
    return parse("name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  pivot: " + pivot +
                 "\narms: {honest: {}}\n");
  };
  SECTION("fixed, with and without a price") {
    Scenario s = with_pivot("{model: fixed, price: 0.25}");
    CHECK(s.pivot.model == qvsim::PivotModel::fixed);
    CHECK(s.pivot.price == 0.25);
    std::string json = qvsim::scenario_to_json(s);
    CHECK_THAT(json, Catch::Contains("\"model\": \"fixed\",\n      \"price\": 0.25\n"));
    CHECK_THAT(json, !Catch::Contains("poll_noise"));
    s = with_pivot("{model: fixed}");
    CHECK(s.pivot.price == 0.02);
    s = with_pivot("{model: fixed, price: 1}");
    CHECK(s.pivot.price == 1.0);
  }
  SECTION("normal, with and without a poll") {
    Scenario s = with_pivot("{model: normal}");
    CHECK(s.pivot.model == qvsim::PivotModel::normal);
    CHECK(s.pivot.poll_noise == 0.0);
    s = with_pivot("{model: normal, poll_noise: 0.5}");
    CHECK(s.pivot.poll_noise == 0.5);
    const std::string json = qvsim::scenario_to_json(s);
    CHECK_THAT(json, Catch::Contains("\"model\": \"normal\",\n      \"poll_noise\": 0.5\n"));
    CHECK_THAT(json, !Catch::Contains("\"price\""));
    s = with_pivot("{poll_noise: 2}");  // model normal is the default
    CHECK(s.pivot.model == qvsim::PivotModel::normal);
    CHECK(s.pivot.poll_noise == 2.0);
  }
  SECTION("equilibrium") {
    const Scenario s = with_pivot("{model: equilibrium, poll_noise: 1e-3}");
    CHECK(s.pivot.model == qvsim::PivotModel::equilibrium);
    CHECK(s.pivot.poll_noise == 0.001);
  }
  SECTION("an empty block and an absent one are the same scenario") {
    const std::string absent = qvsim::scenario_to_json(
        parse("name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\narms: {honest: {}}\n"));
    CHECK(qvsim::scenario_to_json(with_pivot("{}")) == absent);
    CHECK(qvsim::scenario_to_json(with_pivot("{model: normal}")) == absent);
    CHECK(qvsim::scenario_to_json(with_pivot("{model: equilibrium}")) != absent);
  }
}

TEST_CASE("pivot_price is refused with the place it moved to", "[scenario][yaml]") {
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  budget: {credits: 100, pivot_price: 0.05}\narms: {honest: {}}\n",
      6, "electorate.budget.pivot_price",
      "moved: write electorate.pivot: {model: fixed, price: 0.05}");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  budget:\n"
      "    money:\n      pivot_price: 0.02\narms: {honest: {}}\n",
      8, "electorate.budget.money.pivot_price",
      "moved: write electorate.pivot: {model: fixed, price: 0.02}");
  try {
    parse(
        "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
        "  budget: {credits: 100, pivot_price: 0.02}\narms: {honest: {}}\n");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.kind() == qvsim::ErrorKind::unknown_key);
    CHECK_THAT(e.message(), Catch::Contains("now defaults to model normal"));
  }
}

TEST_CASE("a discrete distribution parses", "[scenario][yaml]") {
  auto with_values = [](const std::string& values) {
    return parse("name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  values: " +
                 values + "\narms: {honest: {}}\n");
  };
  SECTION("with weights") {
    const Scenario s = with_values(
        "{distribution: discrete, values: [-1, 0.5, 3], weights: [2, 1, 0.5], homophily: 0.1}");
    const auto& d = std::get<qvsim::DiscreteDist>(s.values.distribution);
    CHECK(d.values == std::vector<double>{-1.0, 0.5, 3.0});
    CHECK(d.weights == std::vector<double>{2.0, 1.0, 0.5});
    CHECK(s.values.homophily == 0.1);
    CHECK_THAT(qvsim::scenario_to_json(s), Catch::Contains("\"distribution\": \"discrete\""));
  }
  SECTION("weights default to equal") {
    const Scenario s = with_values("{distribution: discrete, values: [-2, 2]}");
    const auto& d = std::get<qvsim::DiscreteDist>(s.values.distribution);
    CHECK(d.weights == std::vector<double>{1.0, 1.0});
    // Writing the default weights out is the same scenario.
    CHECK(qvsim::scenario_to_json(s) ==
          qvsim::scenario_to_json(
              with_values("{distribution: discrete, values: [-2, 2], weights: [1, 1]}")));
  }
  SECTION("one value") {
    const Scenario s = with_values("{distribution: discrete, values: [1]}");
    CHECK(std::get<qvsim::DiscreteDist>(s.values.distribution).values.size() == 1);
  }
}

TEST_CASE("values.precision chooses 32- or 64-bit values", "[scenario][float32]") {
  const auto text = [](const std::string& values) {
    return "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  values: " + values +
           "\narms: {honest: {}}\n";
  };
  const Scenario plain = parse(text("{distribution: normal, homophily: 0.2}"));
  CHECK_FALSE(plain.values.float32);
  const Scenario f64 = parse(text("{distribution: normal, homophily: 0.2, precision: float64}"));
  CHECK_FALSE(f64.values.float32);
  const Scenario f32 = parse(text("{distribution: normal, homophily: 0.2, precision: float32}"));
  CHECK(f32.values.float32);
  // Every distribution takes it, and so does a values file.
  CHECK(parse(text("{distribution: uniform, low: 0, high: 1, precision: float32}")).values.float32);
  CHECK(parse(text("{distribution: discrete, values: [1, 2], precision: float32}")).values.float32);
  CHECK(parse(text("{distribution: passionate_minority, precision: float32}")).values.float32);
  CHECK(parse(text("{distribution: mixture, precision: float32, components: [{weight: 1, "
                   "distribution: normal}]}"))
            .values.float32);
  const Scenario file = parse(text("{file: v.csv, precision: float32}"));
  CHECK(file.values.float32);
  // The canonical JSON names it only when set: the hash of every scenario without it is unchanged.
  CHECK(qvsim::scenario_to_json(f64) == qvsim::scenario_to_json(plain));
  CHECK_THAT(qvsim::scenario_to_json(plain), !Catch::Contains("precision"));
  CHECK_THAT(qvsim::scenario_to_json(f32), Catch::Contains("\"precision\": \"float32\""));
  CHECK_THAT(qvsim::scenario_to_json(file), Catch::Contains("\"precision\": \"float32\""));
  // Anything else is refused with its line and key.
  check_error(text("{distribution: normal, precision: float16}"), 6, "electorate.values.precision",
              "float32");
  check_error(text("{distribution: normal, precision: 32}"), 6, "electorate.values.precision",
              "float64");
}

TEST_CASE("values from a file resolve against the scenario's folder", "[scenario][yaml]") {
  const Scenario s = parse(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  values: {file: data/values.csv}\narms: {honest: {}}\n");
  CHECK(s.values.file == std::filesystem::path("/base/data/values.csv"));
  const std::string json = qvsim::scenario_to_json(s);
  CHECK_THAT(json, Catch::Contains("\"values\": {\n      \"file\": \"values.csv\"\n    }"));
  CHECK_THAT(json, !Catch::Contains("/base"));
  CHECK_THAT(json, !Catch::Contains("homophily"));
  const Scenario a = parse(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  values: {file: /abs/v.csv}\narms: {honest: {}}\n");
  CHECK(a.values.file == std::filesystem::path("/abs/v.csv"));
}

TEST_CASE("numbers accept YAML's plain forms", "[scenario]") {
  const Scenario s = parse(R"(name: t
seed: +7
replicates: 1
electorate:
  agents: 101
  values: {distribution: normal, mean: 1e-3, sd: .5}
arms: {honest: {}}
)");
  CHECK(s.seed == 7);
  CHECK(std::get<qvsim::NormalDist>(s.values.distribution).mean == 0.001);
  CHECK(std::get<qvsim::NormalDist>(s.values.distribution).sd == 0.5);
}

// ---- bad input: structure -------------------------------------------------------------------

TEST_CASE("unknown keys are reported with a suggestion", "[scenario]") {
  SECTION("top level") {
    check_error(
        "name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 101}\nballots: public\n"
        "arms: {honest: {}}\n",
        5, "ballots", "unknown key; did you mean 'ballot'?");
  }
  SECTION("nested") {
    check_error(
        "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  proposals: 2\n  agnets: 101\n"
        "arms: {honest: {}}\n",
        6, "electorate.agnets", "unknown key; did you mean 'agents'?");
  }
  SECTION("case-insensitive match") {
    check_error("name: t\nSeed: 1\n", 2, "Seed", "did you mean 'seed'?");
  }
  SECTION("deep inside a list") {
    check_error(R"(name: t
seed: 1
replicates: 1
electorate:
  agents: 101
  values:
    distribution: mixture
    components:
      - {weight: 1, distribution: normal}
      - weight: 1
        distribution: uniform
        low: 0
        hihg: 1
arms: {honest: {}}
)",
                13, "electorate.values.components[1].hihg", "did you mean 'high'?");
  }
  SECTION("no near miss") {
    check_error(kMinimal + "colour: blue\n", 8, "colour", "unknown key (known keys: name,");
  }
  SECTION("a key that belongs to another distribution") {
    check_error(
        "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  values:\n"
        "    distribution: normal\n    low: 1\narms: {honest: {}}\n",
        8, "electorate.values.low", "not a setting of distribution 'normal'");
  }
}

TEST_CASE("wrong types are reported", "[scenario]") {
  SECTION("integer") {
    check_error("name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: ten\n", 5,
                "electorate.agents", "must be an integer, got 'ten'");
  }
  SECTION("fractional integer") {
    check_error("name: t\nseed: 1\nreplicates: 10.5\n", 3, "replicates",
                "must be an integer, got '10.5'");
  }
  SECTION("exponent integer") {
    check_error("name: t\nseed: 1e6\n", 2, "seed", "must be an integer, got '1e6'");
  }
  SECTION("negative unsigned") {
    check_error("name: t\nseed: -3\n", 2, "seed", "must be an integer >= 0, got -3");
  }
  SECTION("integer out of range of the type") {
    check_error("name: t\nseed: 18446744073709551616\n", 2, "seed",
                "must be an integer <= 18446744073709551615");
    check_error(
        "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
        "  proposals: 4294967296\n",
        6, "electorate.proposals", "must be an integer <= 4294967295");
  }
  SECTION("quoted number") {
    check_error("name: t\nseed: \"1\"\n", 2, "seed", "quoted string '1'");
  }
  SECTION("number") {
    check_error(kMinimal + "graph: {model: watts_strogatz, rewire: lots}\n", 8, "graph.rewire",
                "must be a number, got 'lots'");
  }
  SECTION("non-finite number") {
    check_error(kMinimal + "graph: {model: watts_strogatz, rewire: .nan}\n", 8, "graph.rewire",
                "must be a finite number");
    check_error(
        "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
        "  budget: {credits: .inf}\n",
        6, "electorate.budget.credits", "must be a finite number");
  }
  SECTION("boolean") {
    check_error(
        "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
        "  budget: {credits: 10, integer_votes: yes}\n",
        6, "electorate.budget.integer_votes", "must be true or false, got 'yes'");
  }
  SECTION("map") {
    check_error("name: t\nseed: 1\nreplicates: 1\nelectorate: 101\n", 4, "electorate",
                "must be a map, got '101'");
  }
  SECTION("null value") {
    check_error("name: t\nseed:\nreplicates: 1\n", 2, "seed", "must be an integer, got nothing");
  }
  SECTION("enum value") {
    check_error(
        kMinimal + "ballot: secrte\n", 8, "ballot",
        "must be one of public, provable, secret, maci, got 'secrte'; did you mean 'secret'?");
  }
  SECTION("top level not a map") {
    check_error("- name: t\n", 1, "", "the top level must be a map");
  }
}

TEST_CASE("out-of-range values are reported", "[scenario]") {
  check_error(kMinimal + "graph: {model: watts_strogatz, rewire: 1.5}\n", 8, "graph.rewire",
              "must be in [0, 1], got 1.5");
  check_error("name: t\nseed: 1\nreplicates: 0\n", 3, "replicates",
              "must be an integer >= 1, got 0");
  check_error("name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 1\n", 5, "electorate.agents",
              "must be an integer >= 2, got 1");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  values: {distribution: normal, sd: 0}\n",
      6, "electorate.values.sd", "must be > 0, got 0");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  values: {distribution: passionate_minority, share: 1}\n",
      6, "electorate.values.share", "must be in (0, 1), got 1");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  values: {distribution: uniform, low: 2, high: 1}\n",
      6, "electorate.values.high", "must be greater than low (2), got 1");
  check_error(kMinimal + "graph: {model: erdos_renyi, mean_degree: 101}\n", 8, "graph.mean_degree",
              "must be <= electorate.agents - 1 (100), got 101");
  check_error(kMinimal + "graph: {model: barabasi_albert, m: 100}\n", 8, "graph.m",
              "must be less than electorate.agents - 1 (100), got 100");
  // Generated graphs over 2^31 - 1 edges, which a Graph cannot hold, are refused before any is
  // drawn: 15 + (6e8 - 6) x 5 and 1e9 x 6 / 2.
  const std::string big =
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 600000000\n"
      "arms:\n  honest: {}\n";
  check_error(big + "graph: {model: barabasi_albert, m: 5}\n", 8, "graph.m",
              "gives 2999999985 edges on 600000000 agents; a graph holds at most 2147483647");
  std::string huge = big;
  huge.replace(huge.find("600000000"), 9, "1000000000");
  check_error(huge + "graph: {model: watts_strogatz, degree: 6, rewire: 0.1}\n", 8, "graph.degree",
              "gives 3000000000 edges on 1000000000 agents; a graph holds at most 2147483647");
  // Random graphs by their mean count: 1e8 x 50 / 2, and two blocks of 100,000 fully linked
  // inside (2 x 100,000 x 99,999 / 2) with the default p_out 0.001 across (1e10 pairs).
  std::string many = big;
  many.replace(many.find("600000000"), 9, "100000000");
  check_error(many + "graph: {model: erdos_renyi, mean_degree: 50}\n", 8, "graph.mean_degree",
              "expects about 2500000000 edges on 100000000 agents; a graph holds at most "
              "2147483647");
  std::string blocks = big;
  blocks.replace(blocks.find("600000000"), 9, "200000");
  check_error(blocks + "graph: {model: stochastic_block, sizes: [100000, 100000], p_in: 1}\n", 8,
              "graph.p_in", "expects about 10009900000 edges on 200000 agents");
  check_error("name: bad name\n", 1, "name", "may use only letters");
  check_error("name: ..\n", 1, "name", "a plain folder name: not '.' or '..'");
  check_error("name: .\n", 1, "name", "a plain folder name: not '.' or '..'");
  check_error("name: -x\n", 1, "name", "not starting with '-'");
}

TEST_CASE("missing required keys name the key and the enclosing map's line", "[scenario]") {
  check_error("# header\nname: t\nreplicates: 1\n", 2, "seed", "missing required key");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  proposals: 3\n"
      "arms: {honest: {}}\n",
      5, "electorate.agents", "missing required key");
  check_error("name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 101}\n", 1, "arms",
              "missing required key");
  check_error(kMinimal + "graph:\n  degree: 4\n", 9, "graph.model", "missing required key");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  values:\n"
      "    distribution: uniform\n    low: 0\narms: {honest: {}}\n",
      7, "electorate.values.high", "missing required key");
}

TEST_CASE("empty and comment-only text are reported as empty", "[scenario]") {
  check_error("", 0, "", "scenario file is empty");
  check_error("# nothing here\n\n   # nor here\n", 0, "", "scenario file is empty");
  check_error("---\n", 0, "", "scenario file is empty");
}

TEST_CASE("malformed YAML reports the parser's line", "[scenario]") {
  check_error("name: t\nseed: 1\nmechanisms: [quadratic, linear\nballot: secret\n", 4, "",
              "end of sequence flow not found");
}

TEST_CASE("more than one document is an error", "[scenario]") {
  check_error(kMinimal + "---\nname: u\n", 8, "", "more than one YAML document");  // the --- line
}

TEST_CASE("a missing file is reported", "[scenario]") {
  const std::filesystem::path file = "/nonexistent/qvsim/scenario.yaml";
  try {
    qvsim::load_scenario(file);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.file() == file.string());
    CHECK(e.line() == 0);
    CHECK_THAT(e.what(), Catch::Contains("cannot open scenario file"));
    CHECK_THAT(e.what(), Catch::StartsWith(file.string()));
  }
}

TEST_CASE("duplicate keys are reported at the second occurrence", "[scenario]") {
  check_error("name: t\nseed: 1\nreplicates: 1\nseed: 2\n", 4, "seed",
              "duplicate key (first given on line 2)");
  check_error(kMinimal + "  honest: {}\n", 8, "arms.honest", "duplicate key");
}

// ---- bad input: cross-field rules -----------------------------------------------------------

TEST_CASE("linear voting with a money budget names the mechanism", "[scenario]") {
  check_error(R"(name: t
seed: 1
replicates: 1
electorate:
  agents: 101
  budget:
    money: {}
mechanisms:
  - quadratic
  - linear
arms: {honest: {}}
)",
              10, "mechanisms[1]", "linear voting needs budget.credits");
}

TEST_CASE("budget rules", "[scenario]") {
  const std::string head = "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n";
  check_error(head + "  budget: {credits: 1, money: {}}\n", 6, "electorate.budget.money",
              "not both");
  check_error(head + "  budget: {integer_votes: true}\n", 6, "electorate.budget",
              "must give credits");
  check_error(head + "  budget: {money: {}, integer_votes: false}\n", 6,
              "electorate.budget.integer_votes", "only allowed with budget.credits");
  check_error(head + "  budget: credits\n", 6, "electorate.budget",
              "must be a map such as {credits: 100} or {money: {}}, or the word money");
  check_error(head + "  budget: {money: {welth: 2}}\n", 6, "electorate.budget.money.welth",
              "did you mean 'wealth'?");
}

TEST_CASE("budget values out of range name the key", "[scenario][yaml]") {
  const std::string head = "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n";
  check_error(head + "  budget: {credits: 0}\n", 6, "electorate.budget.credits",
              "must be > 0, got 0");
  check_error(head + "  budget: {credits: -5}\n", 6, "electorate.budget.credits",
              "must be > 0, got -5");
  check_error(head + "  budget: {credits: {uniform: [0, 100]}}\n", 6,
              "electorate.budget.credits.uniform[0]", "must be > 0, got 0");
  check_error(head + "  budget: {credits: {uniform: [150, 50]}}\n", 6,
              "electorate.budget.credits.uniform", "high must be >= low");
  check_error(head + "  budget: {credits: {two_point: {share: 0.5, high: 10}}}\n", 6,
              "electorate.budget.credits.two_point.low", "missing required key");
  check_error(head + "  budget: {credits: {normal: 3}}\n", 6, "electorate.budget.credits.normal",
              "unknown key");
  check_error(head + "  budget:\n    money:\n      wealth: 0\n", 8,
              "electorate.budget.money.wealth", "must be > 0, got 0");
  check_error(head + "  budget:\n    money:\n      wealth: {uniform: [-1, 2]}\n", 8,
              "electorate.budget.money.wealth.uniform[0]", "must be > 0, got -1");
  check_error(head + "  budget:\n    money:\n      eta: -0.5\n", 8, "electorate.budget.money.eta",
              "must be >= 0, got -0.5");
  check_error(head + "  budget:\n    money:\n      eta: .nan\n", 8, "electorate.budget.money.eta",
              "must be a finite number");
}

TEST_CASE("pivot rules name the key", "[scenario][yaml]") {
  const std::string head = "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n";
  check_error(head + "  pivot: {model: fixd}\n", 6, "electorate.pivot.model",
              "must be one of fixed, normal, equilibrium, got 'fixd'; did you mean 'fixed'?");
  check_error(head + "  pivot: {model: equilibrum}\n", 6, "electorate.pivot.model",
              "did you mean 'equilibrium'?");
  check_error(head + "  pivot: {model: fixed, price: 0}\n", 6, "electorate.pivot.price",
              "must be in (0, 1], got 0");
  check_error(head + "  pivot: {model: fixed, price: 1.5}\n", 6, "electorate.pivot.price",
              "must be in (0, 1], got 1.5");
  check_error(head + "  pivot: {model: normal, poll_noise: 0}\n", 6, "electorate.pivot.poll_noise",
              "must be > 0, got 0");
  check_error(head + "  pivot: {model: equilibrium, poll_noise: -1}\n", 6,
              "electorate.pivot.poll_noise", "must be > 0, got -1");
  check_error(head + "  pivot:\n    model: normal\n    price: 0.02\n", 8, "electorate.pivot.price",
              "only with model fixed (model normal");
  check_error(head + "  pivot: {price: 0.02}\n", 6, "electorate.pivot.price",
              "only with model fixed");
  check_error(head + "  pivot: {model: equilibrium, price: 0.02}\n", 6, "electorate.pivot.price",
              "only with model fixed (model equilibrium");
  check_error(head + "  pivot: {model: fixed, poll_noise: 1}\n", 6, "electorate.pivot.poll_noise",
              "only with model normal or equilibrium");
  check_error(head + "  pivot: {model: fixed, prize: 1}\n", 6, "electorate.pivot.prize",
              "did you mean 'price'?");
  check_error(head + "  pivot: fixed\n", 6, "electorate.pivot", "must be a map");
}

TEST_CASE("discrete and file values are checked", "[scenario][yaml]") {
  const std::string head = "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n";
  check_error(head + "  values: {distribution: discrete}\n", 6, "electorate.values.values",
              "missing required key");
  check_error(head + "  values: {distribution: discrete, values: []}\n", 6,
              "electorate.values.values", "must be a non-empty list of numbers");
  check_error(head + "  values: {distribution: discrete, values: 3}\n", 6,
              "electorate.values.values", "must be a non-empty list of numbers, got '3'");
  check_error(head + "  values:\n    distribution: discrete\n    values: [1, 3, 2]\n", 8,
              "electorate.values.values[2]", "must be greater than the value before it (3), got 2");
  check_error(head + "  values: {distribution: discrete, values: [1, 1]}\n", 6,
              "electorate.values.values[1]", "each once");
  check_error(head + "  values: {distribution: discrete, values: [1, x]}\n", 6,
              "electorate.values.values[1]", "must be a number, got 'x'");
  check_error(head + "  values: {distribution: discrete, values: [1, .inf]}\n", 6,
              "electorate.values.values[1]", "must be a finite number");
  check_error(head + "  values: {distribution: discrete, values: [1, 2], weights: [1]}\n", 6,
              "electorate.values.weights", "has 1 weight(s) but values has 2");
  check_error(head + "  values: {distribution: discrete, values: [1, 2], weights: [1, 0]}\n", 6,
              "electorate.values.weights[1]", "must be > 0, got 0");
  check_error(
      head + "  values: {distribution: discrete, values: [1, 2], weights: [1e308, 1e308]}\n", 6,
      "electorate.values.weights[0]", "must be at most 1e50 in magnitude");
  check_error(head + "  values: {distribution: discrete, values: [1], mean: 0}\n", 6,
              "electorate.values.mean", "not a setting of distribution 'discrete'");
  check_error(head + "  values: {distribution: discret, values: [1]}\n", 6,
              "electorate.values.distribution", "did you mean 'discrete'?");
  check_error(head + "  values:\n    file: v.csv\n    homophily: 0.2\n", 8,
              "electorate.values.homophily", "not allowed together with file");
  check_error(head + "  values:\n    distribution: normal\n    file: v.csv\n", 7,
              "electorate.values.distribution", "not allowed together with file");
  check_error(head + "  values: {file: ''}\n", 6, "electorate.values.file",
              "must be a non-empty path");
}

TEST_CASE("baseline_arm must name an arm", "[scenario]") {
  check_error(kMinimal + "baseline_arm: honst\n", 8, "baseline_arm",
              "no arm named 'honst' (arms are: honest)");
  check_error("name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 101}\narms:\n  a: {}\n", 5,
              "arms", "no arm named 'honest' to compare against; add one or set baseline_arm");
}

TEST_CASE("agents may not be given with an edge list", "[scenario]") {
  check_error(R"(name: t
seed: 1
replicates: 1
electorate:
  agents: 34
graph: {model: edge_list, file: karate.txt}
arms: {honest: {}}
)",
              5, "electorate.agents", "set by the edge-list file; remove it");
  check_error("name: t\nseed: 1\nreplicates: 1\ngraph: {model: edge_list, file: ''}\n", 4,
              "graph.file", "must be a non-empty path");
}

TEST_CASE("watts_strogatz degree must be even and below the agent count", "[scenario]") {
  check_error(kMinimal + "graph: {model: watts_strogatz, degree: 3}\n", 8, "graph.degree",
              "must be an even integer >= 2, got 3");
  check_error(kMinimal + "graph: {model: watts_strogatz, degree: 102}\n", 8, "graph.degree",
              "must be less than electorate.agents (101), got 102");
  check_error("name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 10\narms: {honest: {}}\n", 5,
              "electorate.agents", "default graph");
}

TEST_CASE("stochastic_block sizes must sum to the agent count", "[scenario]") {
  check_error(kMinimal + "graph:\n  model: stochastic_block\n  sizes: [50, 50]\n", 10,
              "graph.sizes", "must sum to electorate.agents (101), got a sum of 100");
  check_error(kMinimal + "graph:\n  model: stochastic_block\n  sizes: [101, 0]\n", 10,
              "graph.sizes[1]", "must be an integer >= 1, got 0");
  check_error(kMinimal + "graph: {model: stochastic_block, blocks: 102}\n", 8, "graph.blocks",
              "must be <= electorate.agents (101)");
  check_error(kMinimal + "graph: {model: stochastic_block, blocks: 2, sizes: [1, 100]}\n", 8,
              "graph.sizes", "not both");
}

TEST_CASE("mixture weights must be positive", "[scenario]") {
  check_error(R"(name: t
seed: 1
replicates: 1
electorate:
  agents: 101
  values:
    distribution: mixture
    components:
      - {weight: 1, distribution: normal}
      - {weight: 0, distribution: uniform, low: 0, high: 1}
arms: {honest: {}}
)",
              10, "electorate.values.components[1].weight", "must be > 0, got 0");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  values: {distribution: mixture, components: []}\n",
      6, "electorate.values.components", "must be a non-empty list");
}

TEST_CASE("arm names and blocks are checked", "[scenario]") {
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 101}\narms:\n"
      "  honest: {}\n  bad.name: {}\n",
      7, "arms.bad.name", "arm names may use only letters, digits, '_' and '-'");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 101}\narms:\n"
      "  honest:\n    colusion: {organizers: 3}\n",
      7, "arms.honest.colusion", "unknown key; did you mean 'collusion'?");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 101}\narms:\n"
      "  honest:\n    collusion: {share: 0.1}\n",
      7, "arms.honest.collusion.share", "unknown key");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 101}\narms:\n"
      "  honest: yes\n",
      6, "arms.honest", "must be a map");
  check_error("name: t\nseed: 1\nreplicates: 1\nelectorate: {agents: 101}\narms: {}\n", 5, "arms",
              "must name at least one arm");
}

TEST_CASE("mechanisms may not repeat", "[scenario]") {
  check_error(kMinimal + "mechanisms: [quadratic, one_person_one_vote, quadratic]\n", 8,
              "mechanisms[2]", "'quadratic' is listed twice");
  check_error(kMinimal + "mechanisms: []\n", 8, "mechanisms", "must be a non-empty list");
  check_error(kMinimal + "mechanisms: [quadratc]\n", 8, "mechanisms[0]",
              "did you mean 'quadratic'?");
}

// ---- canonical JSON and re-validation -------------------------------------------------------

TEST_CASE("scenario_to_json is canonical", "[scenario]") {
  const std::string a = qvsim::scenario_to_json(parse(kMinimal));
  const std::string b = qvsim::scenario_to_json(parse(kMinimal));
  CHECK(a == b);
  CHECK(a.back() == '\n');
  // Writing a default out explicitly is the same scenario.
  CHECK(qvsim::scenario_to_json(parse(kMinimal + "ballot: secret\n")) == a);
  // Changing a value changes the bytes.
  CHECK(qvsim::scenario_to_json(parse(kMinimal + "ballot: public\n")) != a);
  std::string reseeded = kMinimal;
  reseeded.replace(reseeded.find("seed: 1"), 7, "seed: 2");
  CHECK(qvsim::scenario_to_json(parse(reseeded)) != a);
  // Every default is written out.
  for (const char* key :
       {"\"proposals\": 1", "\"homophily\": 0", "\"credits\": 100", "\"integer_votes\": false",
        "\"pivot\": {\n      \"model\": \"normal\",\n      \"poll_noise\": 0\n",
        "\"model\": \"watts_strogatz\"", "\"rewire\": 0.05", "\"ballot\": \"secret\"",
        "\"baseline_arm\": \"honest\"", "\"one_person_one_vote\""}) {
    CHECK_THAT(a, Catch::Contains(key));
  }
}

TEST_CASE("validate_scenario catches overrides that break the rules", "[scenario]") {
  Scenario s = parse(kMinimal);
  CHECK_NOTHROW(qvsim::validate_scenario(s, "cli"));
  s.replicates = 0;
  try {
    qvsim::validate_scenario(s, "cli");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.file() == "cli");
    CHECK(e.line() == 3);  // the replicates key of kMinimal
    CHECK(e.key() == "replicates");
  }
  s = parse(kMinimal);
  s.agents = 8;  // below the default watts_strogatz degree
  CHECK_THROWS_AS(qvsim::validate_scenario(s, "cli"), InputError);
  s = parse(kMinimal);
  s.baseline_arm = "nobody";
  CHECK_THROWS_AS(qvsim::validate_scenario(s, "cli"), InputError);
  s = parse(kMinimal);
  s.budget.kind = qvsim::BudgetKind::money;
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"),
                    Catch::Contains("linear voting needs budget.credits"));
  // The rules the reader enforces hold for a scenario built or changed in code too.
  s = parse(kMinimal);
  s.budget.credits = qvsim::UniformTrait{0.0, 10.0};
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"),
                    Catch::Contains("electorate.budget.credits.uniform: bounds must be > 0"));
  s = parse(kMinimal);
  s.pivot.model = qvsim::PivotModel::fixed;
  s.pivot.price = 0.0;
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"),
                    Catch::Contains("electorate.pivot.price: must be in (0, 1], got 0"));
  s.pivot.price = 0.5;
  s.pivot.poll_noise = 1.0;
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"),
                    Catch::Contains("electorate.pivot.poll_noise"));
  s = parse(kMinimal);
  s.pivot.poll_noise = -1.0;
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"), Catch::Contains("must be > 0, got -1"));
  s = parse(kMinimal);
  s.values.distribution = qvsim::DiscreteDist{{1.0, 0.5}, {1.0, 1.0}};
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"), Catch::Contains("ascending"));
  s.values.distribution = qvsim::DiscreteDist{{1.0, 2.0}, {1.0}};
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"), Catch::Contains("one weight per value"));
  s = parse(kMinimal);
  s.values.file = "v.csv";
  s.values.homophily = 0.5;
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"), Catch::Contains("together with file"));
  s = parse(kMinimal);
  s.budget.kind = qvsim::BudgetKind::money;
  s.mechanisms.pop_back();  // linear
  s.budget.eta = -1.0;
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"),
                    Catch::Contains("electorate.budget.money.eta: must be >= 0"));
  s.budget.eta = 0.0;
  s.budget.wealth = qvsim::ConstantTrait{0.0};
  CHECK_THROWS_WITH(qvsim::validate_scenario(s, "cli"),
                    Catch::Contains("electorate.budget.money.wealth: must be > 0, got 0"));
}

TEST_CASE("the example scenarios are valid", "[scenario]") {
  const std::filesystem::path dir = std::filesystem::path(QVSIM_SOURCE_DIR) / "scenarios";
  // Every example, as the folder holds them (a new one cannot be forgotten here).
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names.size() >= 20);
  std::size_t sweeps = 0;
  for (const std::string& name : names) {
    INFO(name);
    // A file with a sweep: block is read as a sweep, every point validated.
    qvsim::SweepPlan plan;
    REQUIRE_NOTHROW(plan = qvsim::load_sweep(dir / name, std::nullopt, std::nullopt));
    if (plan.has_sweep) {
      ++sweeps;
      CHECK(plan.points.size() > 1);
      continue;
    }
    Scenario s;
    REQUIRE_NOTHROW(s = qvsim::load_scenario(dir / name));
    CHECK(s.source_file == dir / name);
    CHECK_NOTHROW(qvsim::validate_scenario(s, name));
  }
  CHECK(sweeps == 2);  // sweep_example.yaml and defence_matrix.yaml
  const Scenario national = qvsim::load_scenario(dir / "national.yaml");
  CHECK(national.agents == 100000000);
  CHECK(national.proposals == 10);
  CHECK(national.values.homophily > 0.0);
  const Scenario d = qvsim::load_scenario(dir / "default.yaml");
  CHECK(d.name == "qv-vs-majority");
  CHECK(d.agents == 10001);
  CHECK(d.proposals == 8);
  const Scenario m = qvsim::load_scenario(dir / "million.yaml");
  CHECK(m.agents == 1000000);
  CHECK(std::holds_alternative<qvsim::BarabasiAlbertSpec>(m.graph));
}

TEST_CASE("the bad-input test file fails with an unknown key", "[scenario]") {
  const std::filesystem::path file =
      std::filesystem::path(QVSIM_TEST_DATA_DIR) / "bad_unknown_key.yaml";
  try {
    qvsim::load_scenario(file);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.line() > 0);
    CHECK_THAT(e.message(), Catch::Contains("unknown key"));
  }
}

TEST_CASE("shape mistakes get the line to write instead", "[scenario][errors]") {
  // Issue 16: `budget: 100` and `organizers: 0.05` were refused with no hint.
  const std::string head = "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n";
  check_error(head + "  budget: 100\n", 6, "electorate.budget", "; write {credits: 100}");
  // A word other than money gets no credits hint (it is not a count of credits).
  check_error(head + "  budget: credits\n", 6, "electorate.budget",
              "or the word money, got 'credits'");
  check_error(head + "arms:\n  bloc:\n    collusion: {organizers: 0.05}\n", 8,
              "arms.bloc.collusion.organizers", "; write {share: 0.05} for that share");
  // A whole count is still a count.
  CHECK_NOTHROW(parse(head + "arms:\n  honest: {}\n  bloc:\n    collusion: {organizers: 5}\n"));
  // A single value where a map is expected: the keys that map takes.
  check_error("name: t\nseed: 1\nreplicates: 1\nelectorate: 101\n", 4, "electorate",
              "must be a map, got '101'; write it as {key: value} with a key among agents, ");
}

TEST_CASE("shape mistakes inside arm blocks get the line to write instead", "[scenario][errors]") {
  // Issue 16, item 6: a number where an arm's block or a sub-block belongs.
  const std::string head =
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  proposals: 2\narms:\n"
      "  honest: {}\n  bloc:\n";  // the arm's settings start on line 10
  check_error(head + "    collusion: {sybils: 0.1}\n", 10, "arms.bloc.collusion.sybils",
              "got '0.1'; write {share: 0.1} to split that share of the agents into identities");
  check_error(head + "    coercion: {coercers: 3, shared_agenda: true, agenda: 1}\n", 10,
              "arms.bloc.coercion.agenda",
              "must be a map {proposal, direction}, got '1'; write {proposal: 1, direction: pass}");
  check_error(head + "    bribery: {budget: 50, agenda: 0}\n", 10, "arms.bloc.bribery.agenda",
              "write {proposal: 0, direction: pass}");
  check_error(head + "    coercion: 5\n", 10, "arms.bloc.coercion",
              "got '5'; write {coercers: 5} for that many coercers");
  check_error(head + "    bribery: 100\n", 10, "arms.bloc.bribery",
              "got '100'; write {budget: 100, agenda: {proposal: 0}}");
  // A word is not read as a count: the map's keys are named instead.
  check_error(head + "    collusion: {sybils: many}\n", 10, "arms.bloc.collusion.sybils",
              "must be a map, got 'many'; write it as {key: value} with a key among share, ");
  // The written lines are valid.
  CHECK_NOTHROW(parse(head + "    collusion: {sybils: {share: 0.1}}\n"));
  CHECK_NOTHROW(parse(head +
                      "    coercion: {coercers: 5, shared_agenda: true, agenda: {proposal: 1, "
                      "direction: pass}}\n"));
  CHECK_NOTHROW(parse(head + "    bribery: {budget: 100, agenda: {proposal: 0}}\n"));
}

TEST_CASE("electorate.neighbor_correlation: exact or a sample of edges", "[scenario][yaml]") {
  auto with = [](const std::string& c) {
    return "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n  neighbor_correlation: " +
           c + "\narms: {honest: {}}\n";
  };
  CHECK(parse(kMinimal).correlation_sample == 0);
  CHECK(parse(with("exact")).correlation_sample == 0);
  const Scenario s = parse(with("{sample_edges: 5000}"));
  CHECK(s.correlation_sample == 5000);
  // In the scenario's identity only when sampled: exact scenarios keep their hash.
  CHECK_THAT(qvsim::scenario_to_json(s), Catch::Contains("\"sample_edges\": 5000"));
  CHECK_THAT(qvsim::scenario_to_json(parse(with("exact"))),
             !Catch::Contains("neighbor_correlation"));
  check_error(with("{sample_edges: 0}"), 6, "electorate.neighbor_correlation.sample_edges", ">= 1");
  check_error(with("sampled"), 6, "electorate.neighbor_correlation", "exact");
  check_error(with("[1]"), 6, "electorate.neighbor_correlation", "must be exact or");
  // The run uses it: a sampled correlation differs from the exact one, and repeats itself.
  const Scenario exact = parse(with("exact"));
  const auto e =
      qvsim::run_replicate(qvsim::freeze(exact), qvsim::agents::make_behaviours(exact), 0);
  const auto a = qvsim::run_replicate(qvsim::freeze(s), qvsim::agents::make_behaviours(s), 0);
  const auto b = qvsim::run_replicate(qvsim::freeze(s), qvsim::agents::make_behaviours(s), 0);
  CHECK(a.neighbor_value_correlation == b.neighbor_value_correlation);
  CHECK(a.neighbor_value_correlation != e.neighbor_value_correlation);
  CHECK(a.arms[0].mechanisms[0].tally == e.arms[0].mechanisms[0].tally);  // a diagnostic only
}
