// A scenario's independent mistakes are reported together (docs/errors.md, "Several mistakes at
// once"): one InputError whose first line is the first mistake, exactly as a reader stopping there
// reports it, then one line per further mistake as the CLI prints a single one, at most
// ErrorList::kShown in all.

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/detail/yaml_reader.hpp"
#include "app/scenario_yaml.hpp"
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
                               "public, provable, secret, got 'sekret'"));
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
