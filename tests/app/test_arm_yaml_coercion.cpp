#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/scenario_yaml.hpp"
#include "app/cli.hpp"
#include "sim/error.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using namespace qvsim;

namespace {

using qvsim::test::cli;
using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;

constexpr const char* kHead =
    "name: t\nseed: 1\nreplicates: 2\nelectorate: {agents: 101, proposals: 3}\narms:\n"
    "  honest: {}\n  c:\n";

Scenario parse_block(const std::string& block, const std::string& head = kHead) {
  return parse_scenario(head + block, "s.yaml", ".");
}

// The block (lines from 8 on) must fail at `line` with the key and message fragment.
void check_error(const std::string& block, std::size_t line, const std::string& key,
                 const std::string& fragment, const std::string& head = kHead) {
  INFO(block);
  try {
    parse_block(block, head);
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

// Canonical JSON without its layout (names never hold spaces), for substring checks.
std::string compact(const std::string& json) {
  std::string out;
  for (const char ch : json) {
    if (ch != ' ' && ch != '\n') out += ch;
  }
  return out;
}

}  // namespace

TEST_CASE("a coercion block parses with every key", "[scenario][coercion]") {
  const Scenario s = parse_block(
      "    coercion:\n"
      "      coercers: {share: 0.05}\n"
      "      placement: degree\n"
      "      agenda: {proposal: 2, direction: fail}\n"
      "      reach: 2\n"
      "      capacity: 25\n"
      "      severity: {uniform: [0.5, 2]}\n"
      "      credibility: 0.7\n"
      "      perceived_detection: {two_point: {share: 0.25, high: 0.9}}\n"
      "      rounds: 6\n"
      "      fear_response: 0.4\n"
      "      extend_reach: true\n"
      "      demanded_votes: 3\n");
  REQUIRE(s.arms[1].coercion);
  const CoercionSpec& c = *s.arms[1].coercion;
  CHECK(c.coercers.is_share);
  CHECK(c.coercers.share == 0.05);
  CHECK(c.placement == Selection::degree);
  CHECK(c.shared_agenda);
  CHECK(c.agenda.proposal == 2);
  CHECK(c.agenda.direction == -1);
  CHECK(c.reach == 2);
  CHECK(c.capacity == 25);
  CHECK(std::get<UniformTrait>(c.severity).high == 2.0);
  CHECK(c.credibility == 0.7);
  CHECK(std::get<TwoPointTrait>(c.perceived_detection).share == 0.25);
  CHECK(c.rounds == 6);
  CHECK(c.fear_response == 0.4);
  CHECK(c.extend_reach);
  CHECK(c.demanded_votes == 3.0);

  const std::string json = compact(scenario_to_json(s));
  CHECK_THAT(json,
             Catch::Contains("\"coercion\":{\"coercers\":{\"share\":0.05},\"placement\":\"degree\","
                             "\"block\":null,\"shared_agenda\":true,\"agenda\":{\"proposal\":2,"
                             "\"direction\":\"fail\"},\"reach\":2,\"capacity\":25,\"severity\":"
                             "{\"uniform\":[0.5,2]},\"credibility\":0.7,\"perceived_detection\":"
                             "{\"two_point\":{\"share\":0.25,\"high\":0.9,\"low\":0}},\"audit\":1,"
                             "\"audit_cost\":0,\"rounds\":6,"
                             "\"fear_response\":0.4,\"extend_reach\":true,\"demanded_votes\":3}"));
}

TEST_CASE("coercion defaults and canonical JSON", "[scenario][coercion]") {
  const Scenario a = parse_block("    coercion: {coercers: 3, agenda: {proposal: 1}}\n");
  const CoercionSpec& c = *a.arms[1].coercion;
  CHECK(c.coercers.count == 3);
  CHECK(c.placement == Selection::random);
  CHECK(c.agenda.direction == 1);
  CHECK(c.reach == 1);
  CHECK(c.capacity == 10);
  CHECK(std::get<ConstantTrait>(c.severity).value == 1.0);
  CHECK(c.rounds == 0);
  CHECK_FALSE(c.extend_reach);
  // Writing the defaults out gives the same bytes.
  const Scenario b = parse_block(
      "    coercion:\n"
      "      coercers: 3\n"
      "      placement: random\n"
      "      shared_agenda: true\n"
      "      agenda: {proposal: 1, direction: pass}\n"
      "      reach: 1\n"
      "      capacity: 10\n"
      "      severity: 1\n"
      "      credibility: 1\n"
      "      perceived_detection: 0\n"
      "      audit: 1\n"
      "      audit_cost: 0\n"
      "      rounds: 0\n"
      "      fear_response: 0\n"
      "      extend_reach: false\n"
      "      demanded_votes: 1\n");
  CHECK(scenario_to_json(a) == scenario_to_json(b));

  const Scenario own = parse_block("    coercion: {coercers: 2, shared_agenda: false}\n");
  CHECK_FALSE(own.arms[1].coercion->shared_agenda);
  CHECK_THAT(compact(scenario_to_json(own)),
             Catch::Contains("\"shared_agenda\":false,\"agenda\":null"));

  const Scenario blocks = parse_block(
      "    coercion: {coercers: 2, placement: block, block: 1, agenda: {proposal: 0}}\n",
      "name: t\nseed: 1\nreplicates: 2\nelectorate: {agents: 101, proposals: 3}\n"
      "graph: {model: stochastic_block, sizes: [50, 51]}\narms:\n  honest: {}\n  c:\n");
  CHECK(blocks.arms[1].coercion->placement == Selection::block);
  CHECK(blocks.arms[1].coercion->block == 1);
  CHECK_THAT(compact(scenario_to_json(blocks)),
             Catch::Contains("\"placement\":\"block\",\"block\":1,"));
}

TEST_CASE("a bribery block parses and writes every key", "[scenario][bribery]") {
  const Scenario s = parse_block(
      "    bribery:\n"
      "      budget: 250\n"
      "      agenda: {proposal: 1, direction: fail}\n"
      "      honesty: {uniform: [0.2, 0.9]}\n"
      "      demanded_votes: 4\n");
  REQUIRE(s.arms[1].bribery);
  const BriberySpec& b = *s.arms[1].bribery;
  CHECK(b.budget == 250.0);
  CHECK(b.agenda.proposal == 1);
  CHECK(b.agenda.direction == -1);
  CHECK(std::get<UniformTrait>(b.honesty).low == 0.2);
  CHECK(b.demanded_votes == 4.0);
  CHECK_THAT(compact(scenario_to_json(s)),
             Catch::Contains("\"bribery\":{\"budget\":250,\"agenda\":{\"proposal\":1,"
                             "\"direction\":\"fail\"},\"honesty\":{\"uniform\":[0.2,0.9]},"
                             "\"demanded_votes\":4,"));
  const Scenario d = parse_block("    bribery: {budget: 0, agenda: {proposal: 0}}\n");
  CHECK_THAT(compact(scenario_to_json(d)), Catch::Contains("\"honesty\":1,\"demanded_votes\":1,"));
}

TEST_CASE("bad coercion and bribery blocks name file, line and key", "[scenario][coercion]") {
  const std::string c = "    coercion:\n";
  const std::string ok = "      coercers: 3\n      agenda: {proposal: 0}\n";
  check_error(c + ok + "      reach: -1\n", 11, "arms.c.coercion.reach", "must be an integer >= 0");
  check_error(c + ok + "      capacity: 2.5\n", 11, "arms.c.coercion.capacity",
              "must be an integer");
  check_error(c + ok + "      credibility: 1.5\n", 11, "arms.c.coercion.credibility",
              "must be in [0, 1], got 1.5");
  check_error(c + ok + "      severity: -2\n", 11, "arms.c.coercion.severity", "must be >= 0");
  check_error(c + ok + "      perceived_detection: {uniform: [0.5, 1.2]}\n", 11,
              "arms.c.coercion.perceived_detection.uniform[1]", "must be in [0, 1]");
  check_error(c + ok + "      audit: 1.2\n", 11, "arms.c.coercion.audit", "must be in [0, 1]");
  check_error(c + ok + "      audit_cost: -3\n", 11, "arms.c.coercion.audit_cost", "must be >= 0");
  check_error(c + ok + "      fear_response: -0.1\n", 11, "arms.c.coercion.fear_response",
              "must be >= 0");
  check_error(c + ok + "      demanded_votes: 0\n", 11, "arms.c.coercion.demanded_votes",
              "must be > 0");
  check_error(c + ok + "      extend_reach: yes\n", 11, "arms.c.coercion.extend_reach",
              "must be true or false");
  check_error(c + ok + "      placement: clustered\n", 11, "arms.c.coercion.placement",
              "must be one of random, degree, block");
  check_error(c + ok + "      capacty: 4\n", 11, "arms.c.coercion.capacty",
              "unknown key; did you mean 'capacity'?");
  check_error(c + ok + "      block: 1\n", 11, "arms.c.coercion.block",
              "only allowed with placement: block");
  check_error(c + "      coercers: {share: 1.5}\n      agenda: {proposal: 0}\n", 9,
              "arms.c.coercion.coercers.share", "must be in [0, 1], got 1.5");
  check_error(c + "      coercers: -4\n      agenda: {proposal: 0}\n", 9,
              "arms.c.coercion.coercers", "must be an integer >= 0");
  check_error(c + "      coercers: 3\n      agenda: {proposal: 3}\n", 10,
              "arms.c.coercion.agenda.proposal", "must be a proposal index < electorate.proposals");
  check_error(c + "      coercers: 3\n      agenda: {proposal: 1, direction: up}\n", 10,
              "arms.c.coercion.agenda.direction", "must be one of pass, fail");
  check_error(c + "      agenda: {proposal: 1}\n", 9, "arms.c.coercion.coercers",
              "missing required key");
  check_error(c + "      coercers: 3\n      reach: 2\n", 9, "arms.c.coercion.agenda",
              "missing required key");
  check_error(c + "      coercers: 3\n      shared_agenda: false\n      agenda: {proposal: 1}\n",
              11, "arms.c.coercion.agenda", "only allowed with shared_agenda: true");
  check_error(c + "      coercers: 3\n      placement: block\n      agenda: {proposal: 1}\n", 9,
              "arms.c.coercion.block", "missing required key");

  const std::string b = "    bribery:\n";
  check_error(b + "      budget: -5\n      agenda: {proposal: 0}\n", 9, "arms.c.bribery.budget",
              "must be >= 0, got -5");
  check_error(b + "      agenda: {proposal: 0}\n", 9, "arms.c.bribery.budget",
              "missing required key");
  check_error(b + "      budget: 5\n", 9, "arms.c.bribery.agenda", "missing required key");
  check_error(
      b + "      budget: 5\n      agenda: {proposal: 0}\n      honesty: {uniform: [0, 2]}\n", 11,
      "arms.c.bribery.honesty.uniform[1]", "must be in [0, 1]");
  check_error(b + "      budget: 5\n      agenda: {proposal: 0}\n      honest: 0.5\n", 11,
              "arms.c.bribery.honest", "did you mean 'honesty'?");
}

TEST_CASE("coercion settings that depend on other keys are checked", "[scenario][coercion]") {
  auto check_cross = [](const std::string& head, const std::string& block, const std::string& key,
                        const std::string& fragment) {
    INFO(block);
    try {
      parse_block(block, head);
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(e.file() == "s.yaml");
      CHECK(e.key() == key);
      CHECK_THAT(e.message(), Catch::Contains(fragment));
      return;
    }
    FAIL("expected an InputError");
  };
  check_cross(kHead,
              "    coercion: {coercers: 2, placement: block, block: 0, agenda: {proposal: 0}}\n",
              "arms.c.coercion.placement", "needs graph.model: stochastic_block");
  check_cross(
      "name: t\nseed: 1\nreplicates: 2\nelectorate: {agents: 101, proposals: 3}\n"
      "graph: {model: stochastic_block, blocks: 2}\narms:\n  honest: {}\n  c:\n",
      "    coercion: {coercers: 2, placement: block, block: 2, agenda: {proposal: 0}}\n",
      "arms.c.coercion.block", "must be a block index < the number of blocks (2), got 2");
  check_cross(kHead, "    coercion: {coercers: 102, agenda: {proposal: 0}}\n",
              "arms.c.coercion.coercers", "must be at most electorate.agents (101), got 102");
}

TEST_CASE("a bad coercion scenario exits 2 on the command line", "[cli][coercion]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file,
        std::string(kHead) + "    coercion: {coercers: 3, reach: -1, agenda: {proposal: 0}}\n");
  const auto r = cli({"validate", file.string()});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("s.yaml:8: arms.c.coercion.reach: must be an integer >= 0"));
  write(file, std::string(kHead) +
                  "    coercion: {coercers: 3, audit_cost: -1, agenda: {proposal: 0}}\n");
  const auto cost = cli({"validate", file.string()});
  CHECK(cost.code == 2);
  CHECK_THAT(cost.err, Catch::Contains("s.yaml:8: arms.c.coercion.audit_cost: must be >= 0"));
  write(file,
        std::string(kHead) + "    coercion: {coercers: 3, audit: 2, agenda: {proposal: 0}}\n");
  const auto share = cli({"validate", file.string()});
  CHECK(share.code == 2);
  CHECK_THAT(share.err, Catch::Contains("s.yaml:8: arms.c.coercion.audit: must be in [0, 1]"));
  write(file, std::string(kHead) + "    bribery: {budget: 1, agenda: {proposal: 0}, honsty: 1}\n");
  const auto q = cli({"run", file.string(), "--out", (tmp.path / "o").string()});
  CHECK(q.code == 2);
  CHECK_THAT(q.err, Catch::Contains("s.yaml:8: arms.c.bribery.honsty: unknown key; did you mean "
                                    "'honesty'?"));
}

TEST_CASE("coercion and bribery runs are identical at 1 and 2 threads",
          "[cli][coercion][bribery]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, R"(name: threats-threads
seed: 31337
replicates: 3
electorate:
  agents: 9000
  proposals: 4
  values: {distribution: normal, mean: 0.1, sd: 1.0, homophily: 0.3}
  budget: {credits: 100}
graph: {model: watts_strogatz, degree: 6, rewire: 0.1}
ballot: secret
arms:
  honest: {}
  threats:
    coercion:
      coercers: {share: 0.02}
      shared_agenda: false
      reach: 2
      capacity: 60
      severity: {uniform: [0, 2]}
      credibility: 0.4
      perceived_detection: {two_point: {share: 0.25, high: 1.0, low: 0.2}}
      rounds: 5
      fear_response: 1.5
      extend_reach: true
  bribe:
    bribery: {budget: 300, agenda: {proposal: 0, direction: fail}, honesty: {uniform: [0, 1]}}
  both:
    coercion: {coercers: 40, placement: degree, agenda: {proposal: 1}, severity: 5, rounds: 3, fear_response: 1}
    bribery: {budget: 100, agenda: {proposal: 1}}
)");
  const auto one =
      cli({"run", file.string(), "--out", (tmp.path / "t1").string(), "--threads", "1", "--quiet"});
  REQUIRE(one.code == 0);
  const auto two =
      cli({"run", file.string(), "--out", (tmp.path / "t2").string(), "--threads", "2", "--quiet"});
  REQUIRE(two.code == 0);
  for (const char* f : {"runs.csv", "summary.csv", "summary.json"}) {
    INFO(f);
    CHECK(read(tmp.path / "t1" / f) == read(tmp.path / "t2" / f));
  }
  const std::string runs = read(tmp.path / "t1" / "runs.csv");
  CHECK_THAT(runs,
             Catch::Contains(
                 "threatened,complied,defied,punished,harm,coerced_vote_share,coercion_audit_cost,"
                 "ballots_changed,arm_inert,bribe_spent,votes_bought,reneged,bribe_price,"
                 "bribe_confidence,bribe_audits,bribe_audit_cost"));
}

TEST_CASE("the coercion and bribery example scenarios validate", "[cli][coercion][bribery]") {
  const fs::path dir = fs::path(QVSIM_SOURCE_DIR) / "scenarios";
  for (const char* name : {"coercion_public.yaml", "coercion_provable.yaml", "coercion_secret.yaml",
                           "bribery.yaml", "threats_and_collusion.yaml"}) {
    INFO(name);
    const auto r = cli({"validate", (dir / name).string()});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
  }
}
