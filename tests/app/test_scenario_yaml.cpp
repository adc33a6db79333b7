#include <catch2/catch.hpp>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <variant>

#include "app/scenario_yaml.hpp"
#include "sim/error.hpp"

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
  CHECK(s.budget.credits == 50.0);
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
  CHECK(s.budget.credits == 100.0);
  CHECK_FALSE(s.budget.integer_votes);
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
  budget: {money: {pivot_price: 0.001}}
arms: {honest: {}}
)");
  CHECK(s.budget.kind == qvsim::BudgetKind::money);
  CHECK(s.budget.pivot_price == 0.001);
  CHECK(s.mechanisms == std::vector<qvsim::Mechanism>{qvsim::Mechanism::quadratic,
                                                      qvsim::Mechanism::one_person_one_vote});
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
    check_error(kMinimal + "ballot: secrte\n", 8, "ballot",
                "must be one of public, provable, secret, got 'secrte'; did you mean 'secret'?");
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
  check_error("name: bad name\n", 1, "name", "may use only letters");
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
    money: {pivot_price: 0.01}
mechanisms:
  - quadratic
  - linear
arms: {honest: {}}
)",
              10, "mechanisms[1]", "linear voting needs budget.credits");
}

TEST_CASE("budget rules", "[scenario]") {
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  budget: {credits: 1, money: {pivot_price: 0.1}}\n",
      6, "electorate.budget.money", "not both");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  budget: {integer_votes: true}\n",
      6, "electorate.budget", "must give credits");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  budget: {money: {pivot_price: 0.1}, integer_votes: false}\n",
      6, "electorate.budget.integer_votes", "only allowed with budget.credits");
  check_error(
      "name: t\nseed: 1\nreplicates: 1\nelectorate:\n  agents: 101\n"
      "  budget: {money: {pivot_price: 0}}\n",
      6, "electorate.budget.money.pivot_price", "must be in (0, 1], got 0");
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
}

TEST_CASE("the example scenarios are valid", "[scenario]") {
  const std::filesystem::path dir = std::filesystem::path(QVSIM_SOURCE_DIR) / "scenarios";
  for (const char* name : {"default.yaml", "passionate_minority.yaml", "million.yaml"}) {
    INFO(name);
    Scenario s;
    REQUIRE_NOTHROW(s = qvsim::load_scenario(dir / name));
    CHECK(s.source_file == dir / name);
    CHECK_NOTHROW(qvsim::validate_scenario(s, name));
  }
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
