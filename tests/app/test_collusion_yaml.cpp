#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "analysis/run_table.hpp"
#include "api/scenario_yaml.hpp"
#include "app/cli.hpp"
#include "sim/error.hpp"
#include "support/test_support.hpp"

using namespace qvsim;

namespace {

constexpr const char* kHead =
    "name: t\nseed: 1\nreplicates: 2\nelectorate: {agents: 101}\narms:\n  honest: {}\n  c:\n"
    "    collusion:\n";

Scenario parse_block(const std::string& block) {
  return parse_scenario(std::string(kHead) + block, "s.yaml", ".");
}

// The block (lines from 9 on) must fail at `line` with the key and message fragment.
void check_error(const std::string& block, std::size_t line, const std::string& key,
                 const std::string& fragment) {
  INFO(block);
  try {
    parse_block(block);
  } catch (const InputError& e) {
    INFO(e.what());
    CHECK(e.file() == "s.yaml");
    CHECK(e.line() == line);
    CHECK(e.key() == key);
    CHECK_THAT(e.message(), Catch::Contains(fragment));
    return;
  }
  FAIL("expected an InputError");
}

}  // namespace

TEST_CASE("a collusion block parses with every key", "[scenario][collusion]") {
  const Scenario s = parse_block(
      "      organizers: {share: 0.02}\n"
      "      selection: degree\n"
      "      rounds: 4\n"
      "      max_size: 12\n"
      "      internalization: 0.5\n"
      "      logrolling: false\n"
      "      sanction: 2.5\n"
      "      loyalty: {uniform: [0.1, 0.4]}\n"
      "      perceived_detection: {two_point: {share: 0.25, high: 0.9}}\n"
      "      sybils: {share: 0.1, identities: 3, identity_cost: 1}\n");
  REQUIRE(s.arms.size() == 2);
  CHECK_FALSE(s.arms[0].collusion);
  REQUIRE(s.arms[1].collusion);
  const CollusionSpec& c = *s.arms[1].collusion;
  CHECK(c.organizers.is_share);
  CHECK(c.organizers.share == 0.02);
  CHECK(c.organizers.resolve(101) == 2);
  CHECK(c.selection == Selection::degree);
  CHECK(c.rounds == 4);
  CHECK(c.max_size == 12);
  CHECK(c.internalization == 0.5);
  CHECK_FALSE(c.logrolling);
  CHECK(c.sanction == 2.5);
  REQUIRE(std::holds_alternative<UniformTrait>(c.loyalty));
  CHECK(std::get<UniformTrait>(c.loyalty).high == 0.4);
  REQUIRE(std::holds_alternative<TwoPointTrait>(c.perceived_detection));
  CHECK(std::get<TwoPointTrait>(c.perceived_detection).low == 0.0);
  CHECK(c.sybils.share == 0.1);
  CHECK(c.sybils.identities == 3);
  CHECK(c.sybils.identity_cost == 1.0);
  // The resolved JSON records every setting, and differs when one changes.
  const std::string json = scenario_to_json(s);
  CHECK(json.find("\"internalization\": 0.5") != std::string::npos);
  CHECK(json.find("\"two_point\"") != std::string::npos);
  const Scenario t = parse_block("      organizers: {share: 0.02}\n      rounds: 5\n");
  CHECK(scenario_to_json(t) != json);
}

TEST_CASE("collusion defaults are filled in", "[scenario][collusion]") {
  const Scenario s = parse_block("      organizers: 3\n");
  const CollusionSpec& c = *s.arms[1].collusion;
  CHECK_FALSE(c.organizers.is_share);
  CHECK(c.organizers.count == 3);
  CHECK(c.rounds == 10);
  CHECK(c.max_size == 50);
  CHECK(c.internalization == 1.0);
  CHECK(std::get<ConstantTrait>(c.loyalty).value == 0.0);
  CHECK(c.sybils.share == 0.0);
}

TEST_CASE("bad collusion settings name file, line and key", "[scenario][collusion]") {
  check_error("      max_size: -1\n", 9, "arms.c.collusion.max_size", "must be an integer >= 1");
  check_error("      max_size: 0\n", 9, "arms.c.collusion.max_size", "must be an integer >= 1");
  check_error("      organizers: -3\n", 9, "arms.c.collusion.organizers",
              "must be an integer >= 0");
  check_error("      organizers: {share: 1.5}\n", 9, "arms.c.collusion.organizers.share",
              "must be in [0, 1], got 1.5");
  check_error("      internalization: 2\n", 9, "arms.c.collusion.internalization",
              "must be in [0, 1]");
  check_error("      selection: centrality\n", 9, "arms.c.collusion.selection",
              "must be one of random, degree");
  check_error("      selection: degre\n", 9, "arms.c.collusion.selection",
              "did you mean 'degree'?");
  check_error("      organizer: 3\n", 9, "arms.c.collusion.organizer",
              "unknown key; did you mean 'organizers'?");
  check_error("      loyalty: {uniform: [0.5, 0.2]}\n", 9, "arms.c.collusion.loyalty.uniform",
              "high must be >= low");
  check_error("      loyalty: {uniform: [0, 1.5]}\n", 9, "arms.c.collusion.loyalty.uniform[1]",
              "must be in [0, 1]");
  check_error("      perceived_detection: {two_point: {share: 0.5}}\n", 9,
              "arms.c.collusion.perceived_detection.two_point.high", "missing required key");
  check_error("      sybils: {share: -0.1}\n", 9, "arms.c.collusion.sybils.share",
              "must be in [0, 1]");
  check_error("      sybils: {share: 0.1, identities: 1}\n", 9,
              "arms.c.collusion.sybils.identities", "must be an integer >= 2");
  check_error("      sanction: -1\n", 9, "arms.c.collusion.sanction", "must be >= 0");
  check_error("      audit: 1.5\n", 9, "arms.c.collusion.audit", "must be in [0, 1]");
  check_error("      audit: -0.1\n", 9, "arms.c.collusion.audit", "must be in [0, 1]");
  check_error("      audit_cost: -2\n", 9, "arms.c.collusion.audit_cost", "must be >= 0");
  check_error("      cooperation: 0.5\n", 9, "arms.c.collusion.cooperation", "renamed: loyalty");
  // More organizers than agents is an error, not a silent cut to the electorate; a check on the
  // resolved scenario, it still names the line of the key.
  check_error("      organizers: 500\n", 9, "arms.c.collusion.organizers",
              "must be at most electorate.agents (101), got 500");
}

TEST_CASE("bad collusion settings exit 2 from the command line", "[cli][collusion]") {
  const std::string path = "qvsim-test-bad-collusion.yaml";
  {
    std::ofstream f(path);
    f << kHead << "      selection: centrality\n";
  }
  std::ostringstream out;
  std::ostringstream err;
  CHECK(run_cli({"validate", path}, out, err) == 2);
  CHECK_THAT(err.str(),
             Catch::Contains("qvsim-test-bad-collusion.yaml:9: arms.c.collusion.selection"));
  std::remove(path.c_str());
  // The old name of loyalty, audit and audit_cost out of range: exit 2 naming the key.
  const std::pair<const char*, const char*> cases[] = {
      {"      cooperation: 0.3\n", "arms.c.collusion.cooperation: renamed: loyalty"},
      {"      audit: 2\n", "arms.c.collusion.audit"},
      {"      audit_cost: -1\n", "arms.c.collusion.audit_cost"}};
  for (const auto& [block, key] : cases) {
    {
      std::ofstream f(path);
      f << kHead << block;
    }
    std::ostringstream o;
    std::ostringstream e;
    CHECK(run_cli({"validate", path}, o, e) == 2);
    CHECK_THAT(e.str(), Catch::Contains(std::string("qvsim-test-bad-collusion.yaml:9: ") + key));
    std::remove(path.c_str());
  }
}

TEST_CASE("organizers listed by their edge-list ids", "[collusion][cli]") {
  qvsim::test::TempDir tmp;
  // A path 100 - 200 - 300 - ... - 1000 (ten nodes, sparse ids).
  std::string edges;
  for (int i = 1; i < 10; ++i)
    edges += std::to_string(i * 100) + " " + std::to_string(i * 100 + 100) + "\n";
  qvsim::test::write(tmp.path / "edges.txt", edges);
  qvsim::test::write(tmp.path / "orgs.txt", "# organizers\n300\n\n800  # the other end\n");
  const std::string head =
      "name: listed\nseed: 3\nreplicates: 2\nelectorate: {proposals: 2}\n"
      "graph: {model: edge_list, file: edges.txt}\nballot: public\narms:\n  honest: {}\n  c:\n"
      "    collusion:\n      selection: listed\n";
  auto run = [&](const std::string& block) {
    qvsim::test::write(tmp.path / "s.yaml", head + block);
    return qvsim::test::cli({"run", (tmp.path / "s.yaml").string(), "--out",
                             (tmp.path / "out").string(), "--quiet", "--overwrite"});
  };
  REQUIRE(run("      organizer_ids: [300, 800]\n").code == 0);
  const std::string by_list = qvsim::test::read(tmp.path / "out" / "runs.csv");
  {
    std::istringstream rows(by_list);
    std::string line;
    std::getline(rows, line);  // header
    int checked = 0;
    while (std::getline(rows, line)) {
      const auto row = qvsim::analysis::parse_runs_csv_row(line);
      if (row.arm != "c") continue;
      CHECK(row.arm_metrics.at(0) == 2.0);  // coalitions: one per listed organizer
      ++checked;
    }
    CHECK(checked > 0);
  }
  REQUIRE(run("      organizer_file: orgs.txt\n").code == 0);
  CHECK(qvsim::test::read(tmp.path / "out" / "runs.csv") == by_list);
  const Scenario s = load_scenario(tmp.path / "s.yaml");
  CHECK(s.arms[1].collusion->organizer_ids == std::vector<std::uint64_t>{300, 800});

  auto bad = run("      organizer_ids: [300, 301]\n");
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err,
             Catch::Contains("arms.c.collusion.organizer_ids: organizer 301 is not a node"));
  bad = run("      organizer_ids: [300, 300]\n");
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("lists id 300 twice"));
  qvsim::test::write(tmp.path / "orgs.txt", "300\nx4\n");
  bad = run("      organizer_file: orgs.txt\n");
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err,
             Catch::Contains("orgs.txt:2: expected one non-negative integer id, got 'x4'"));
  bad = run("      organizers: 2\n      organizer_ids: [300]\n");
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("with selection: listed the organizers are the listed ids"));
  bad = run("      organizer_ids: [300]\n      organizer_file: orgs.txt\n");
  CHECK(bad.code == 2);
  // Listed needs an edge list.
  std::string text = head + "      organizer_ids: [300]\n";
  auto swap = [&text](const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
  };
  swap("graph: {model: edge_list, file: edges.txt}", "graph: {model: erdos_renyi, mean_degree: 2}");
  swap("electorate: {proposals: 2}", "electorate: {agents: 50, proposals: 2}");
  qvsim::test::write(tmp.path / "er.yaml", text);
  bad = qvsim::test::cli({"validate", (tmp.path / "er.yaml").string()});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("needs graph.model edge_list"));
}
