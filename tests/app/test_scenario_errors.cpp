// A scenario's independent mistakes are reported together (docs/errors.md, "Several mistakes at
// once"): one InputError whose first line is the first mistake, exactly as a reader stopping there
// reports it, then one line per further mistake as the CLI prints a single one, at most
// ErrorList::kShown in all.

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api/detail/yaml_reader.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/error.hpp"

namespace {

using qvsim::ErrorKind;
using qvsim::InputError;

constexpr const char* kLabel = "scenario.yaml";

// Parses `text`, which must fail, and returns the error.
InputError error_of(const std::string& text) {
  INFO("scenario text:\n" << text);
  try {
    qvsim::parse_scenario(text, kLabel, "/base");
  } catch (const InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw;  // not reached
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("three independent mistakes are reported in one run, each with its line and key",
          "[scenario][errors]") {
  // An unknown key, a bad value and a missing required key (seed).
  const InputError e = error_of(R"(name: t
replicates: 0
electorate:
  agents: 101
colour: red
arms:
  honest: {}
)");
  // The first line is what a reader stopping at the first mistake printed.
  CHECK(e.file() == kLabel);
  CHECK(e.line() == 5);
  CHECK(e.key() == "colour");
  CHECK(e.kind() == ErrorKind::unknown_key);
  const auto lines = lines_of(e.what());
  REQUIRE(lines.size() == 3);
  CHECK_THAT(lines[0], Catch::StartsWith("scenario.yaml:5: colour: unknown key"));
  CHECK(lines[1] == "qvsim: error (missing_key): scenario.yaml:1: seed: missing required key");
  CHECK(lines[2] ==
        "qvsim: error (range): scenario.yaml:2: replicates: must be an integer >= 1, got 0");
}

TEST_CASE("mistakes inside blocks and duplicate keys are collected in the order found",
          "[scenario][errors]") {
  // The top-level map's structure is checked first (the duplicate seed), then each key in turn.
  const InputError e = error_of(R"(name: t
seed: 1
replicates: 2
electorate:
  agents: 101
  agnts: 5
  budget: {credits: 0}
ballot: sekret
arms:
  honest: {}
seed: 2
)");
  CHECK(e.line() == 11);
  CHECK(e.key() == "seed");
  const auto lines = lines_of(e.what());
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "scenario.yaml:11: seed: duplicate key (first given on line 2)");
  CHECK(lines[1] ==
        "qvsim: error (unknown_key): scenario.yaml:6: electorate.agnts: unknown key; did you "
        "mean 'agents'?");
  CHECK(lines[2] ==
        "qvsim: error (range): scenario.yaml:7: electorate.budget.credits: must be > 0, got 0");
  CHECK_THAT(lines[3],
             Catch::StartsWith("qvsim: error (invalid): scenario.yaml:8: ballot: must be one of "
                               "public, provable, secret, maci, got 'sekret'"));
}

TEST_CASE("a check against a key that could not be read is skipped", "[scenario][errors]") {
  // mean_degree 4 is above agents - 1 for agents 1, but agents itself is wrong: only it is named.
  const InputError e = error_of(R"(name: t
seed: 1
replicates: 2
electorate:
  agents: 1
graph:
  model: erdos_renyi
  mean_degree: 4
arms:
  honest: {}
)");
  CHECK(e.key() == "electorate.agents");
  CHECK(lines_of(e.what()).size() == 1);
  CHECK(e.message() == "must be an integer >= 2, got 1");
}

TEST_CASE("at most 20 mistakes are listed, then how many more", "[scenario][errors]") {
  const std::string valid =
      "name: t\nseed: 1\nreplicates: 2\nelectorate:\n  agents: 101\n"
      "arms:\n  honest: {}\n";
  auto with_unknown_keys = [&valid](int n) {
    std::string text = valid;
    for (int i = 0; i < n; ++i) text += "zz" + std::to_string(i) + ": 1\n";
    return text;
  };
  static_assert(qvsim::yaml_detail::ErrorList::kShown == 20);

  const auto twenty = lines_of(error_of(with_unknown_keys(20)).what());
  REQUIRE(twenty.size() == 20);
  CHECK_THAT(twenty.back(),
             Catch::StartsWith("qvsim: error (unknown_key): scenario.yaml:27: zz19:"));

  const auto many = lines_of(error_of(with_unknown_keys(25)).what());
  REQUIRE(many.size() == 21);
  CHECK_THAT(many[19], Catch::StartsWith("qvsim: error (unknown_key): scenario.yaml:27: zz19:"));
  CHECK(many[20] == "... and 5 more");
}

TEST_CASE("a single mistake is reported as before, on one line", "[scenario][errors]") {
  const InputError e = error_of(
      "name: t\nseed: 1\nreplicates: 2\nelectorate:\n  agents: 101\n"
      "arms:\n  honest: {}\nbaseline_arm: nope\n");
  CHECK(e.line() == 8);
  CHECK(e.key() == "baseline_arm");
  CHECK(std::string(e.what()) ==
        "scenario.yaml:8: baseline_arm: no arm named 'nope' (arms are: honest)");
}

namespace {

// A valid scenario with two attacked arms; the cases below break keys inside them. Lines:
// 1 name, 2 seed, 3 replicates, 4 electorate, 5 agents, 6 proposals, 7 arms, 8 honest, 9 bloc,
// 10 collusion, 11-13 its keys, 14 threat, 15 coercion, 16-20 its keys.
const std::string kArms = R"(name: t
seed: 1
replicates: 2
electorate:
  agents: 101
  proposals: 2
arms:
  honest: {}
  bloc:
    collusion:
      organizers: 5
      internalization: 0.5
      rounds: 3
  threat:
    coercion:
      coercers: 3
      credibility: 0.5
      reach: 2
      placement: random
      agenda: {proposal: 1}
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("mistakes inside arm blocks are all reported, each with its line and key",
          "[scenario][errors]") {
  REQUIRE_NOTHROW(qvsim::parse_scenario(kArms, kLabel, "/base"));
  // Two mistakes in one arm's collusion block and one in another arm's coercion block.
  std::string text = replace(kArms, "internalization: 0.5", "internalization: 1.5");
  text = replace(text, "rounds: 3", "rounds: many");
  text = replace(text, "credibility: 0.5", "credibility: -1");
  const InputError e = error_of(text);
  CHECK(e.file() == kLabel);
  CHECK(e.line() == 12);
  CHECK(e.key() == "arms.bloc.collusion.internalization");
  CHECK(e.kind() == ErrorKind::range);
  const auto lines = lines_of(e.what());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] ==
        "scenario.yaml:12: arms.bloc.collusion.internalization: must be in [0, 1], got 1.5");
  CHECK(lines[1] ==
        "qvsim: error (type): scenario.yaml:13: arms.bloc.collusion.rounds: must be an integer, "
        "got 'many'");
  CHECK(lines[2] ==
        "qvsim: error (range): scenario.yaml:17: arms.threat.coercion.credibility: must be in "
        "[0, 1], got -1");
}

TEST_CASE("checks against the graph and the electorate's size are reported for every arm",
          "[scenario][errors]") {
  // Every key reads well, but both arms recruit more agents than the electorate has: both are
  // reported, in the file's order (each is found only after reading, against electorate.agents).
  std::string text = replace(kArms, "organizers: 5", "organizers: 500");
  text = replace(text, "coercers: 3", "coercers: 300");
  const InputError e = error_of(text);
  CHECK(e.line() == 11);
  CHECK(e.key() == "arms.bloc.collusion.organizers");
  const auto lines = lines_of(e.what());
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] ==
        "scenario.yaml:11: arms.bloc.collusion.organizers: must be at most "
        "electorate.agents (101), got 500");
  CHECK(lines[1] ==
        "qvsim: error (invalid): scenario.yaml:16: arms.threat.coercion.coercers: "
        "must be at most electorate.agents (101), got 300");
}

TEST_CASE("a top-level mistake and one inside an arm are both reported", "[scenario][errors]") {
  const InputError e =
      error_of(replace(replace(kArms, "replicates: 2", "replicates: 0"), "reach: 2", "reach: -2"));
  CHECK(e.line() == 3);
  CHECK(e.key() == "replicates");
  const auto lines = lines_of(e.what());
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "scenario.yaml:3: replicates: must be an integer >= 1, got 0");
  CHECK(lines[1] ==
        "qvsim: error (range): scenario.yaml:18: arms.threat.coercion.reach: must be an integer "
        ">= 0, got -2");
}

TEST_CASE("an arm's check that depends on a key that could not be read is skipped",
          "[scenario][errors]") {
  SECTION("block depends on placement") {
    // `block` is only allowed with placement: block; placement itself is misspelled, so only
    // placement is named (not also "block: only allowed with placement: block").
    const InputError e =
        error_of(replace(kArms, "placement: random", "placement: blok\n      block: 1"));
    CHECK(e.key() == "arms.threat.coercion.placement");
    CHECK(lines_of(e.what()).size() == 1);
    CHECK_THAT(e.message(), Catch::Contains("did you mean 'block'?"));
  }
  SECTION("agenda depends on shared_agenda") {
    // agenda is allowed only with shared_agenda: true (the default), misspelled here.
    const InputError e =
        error_of(replace(kArms, "reach: 2", "reach: 2\n      shared_agenda: maybe"));
    CHECK(e.key() == "arms.threat.coercion.shared_agenda");
    CHECK(lines_of(e.what()).size() == 1);
  }
  SECTION("the listed organizers depend on selection") {
    const InputError e = error_of(replace(kArms, "rounds: 3",
                                          "rounds: 3\n      selection: listd\n      "
                                          "organizer_ids: [1, 2]"));
    CHECK(e.key() == "arms.bloc.collusion.selection");
    CHECK(lines_of(e.what()).size() == 1);
    CHECK_THAT(e.message(), Catch::Contains("did you mean 'listed'?"));
  }
  SECTION("a mistake inside the sybils block leaves its other keys read") {
    const InputError e =
        error_of(replace(kArms, "rounds: 3", "rounds: 3\n      sybils: {share: 2, identities: 1}"));
    CHECK(e.key() == "arms.bloc.collusion.sybils.share");
    const auto lines = lines_of(e.what());
    REQUIRE(lines.size() == 2);
    CHECK_THAT(lines[1], Catch::StartsWith("qvsim: error (range): scenario.yaml:14: "
                                           "arms.bloc.collusion.sybils.identities: must be an "
                                           "integer >= 2, got 1"));
  }
}

TEST_CASE("mistakes in arms count toward the limit of 20", "[scenario][errors]") {
  std::string text = kArms;
  for (int i = 0; i < 13; ++i) {
    // Two mistakes per arm: 26 in all.
    text += "  a" + std::to_string(i) + ": {bribery: {budget: -1, agenda: {proposal: 9}}}\n";
  }
  const auto lines = lines_of(error_of(text).what());
  REQUIRE(lines.size() == 21);
  CHECK(lines[0] == "scenario.yaml:21: arms.a0.bribery.budget: must be >= 0, got -1");
  CHECK_THAT(lines[1], Catch::StartsWith("qvsim: error (invalid): scenario.yaml:21: "
                                         "arms.a0.bribery.agenda.proposal: must be a proposal "
                                         "index < electorate.proposals (2), got 9"));
  CHECK_THAT(lines[19],
             Catch::StartsWith("qvsim: error (invalid): scenario.yaml:30: arms.a9.bribery.agenda"));
  CHECK(lines[20] == "... and 6 more");
}

TEST_CASE("a misspelt required key is reported once, not again as missing", "[scenario][errors]") {
  SECTION("at the top level") {
    const InputError e = error_of(replace(kArms, "electorate:", "electorat:"));
    CHECK(e.key() == "electorat");
    CHECK(lines_of(e.what()).size() == 1);
    CHECK_THAT(e.message(), Catch::Contains("did you mean 'electorate'?"));
  }
  SECTION("one of two alternatives: credits or money") {
    const InputError e =
        error_of(replace(kArms, "  proposals: 2\n", "  proposals: 2\n  budget: {credts: 100}\n"));
    CHECK(e.key() == "electorate.budget.credts");
    CHECK(lines_of(e.what()).size() == 1);
    CHECK_THAT(e.message(), Catch::Contains("did you mean 'credits'?"));
  }
  SECTION("inside an arm") {
    const InputError e = error_of(replace(kArms, "coercers: 3", "coercrs: 3"));
    CHECK(e.line() == 16);
    CHECK(e.key() == "arms.threat.coercion.coercrs");
    CHECK(lines_of(e.what()).size() == 1);
    CHECK_THAT(e.message(), Catch::Contains("did you mean 'coercers'?"));
  }
}
