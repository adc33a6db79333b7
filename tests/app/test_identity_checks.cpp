// Identity checks (scenario key `identity`; docs/model.md, "Identity checks"): with detect 1 the
// sybils change nothing, with detect 0 nothing changes from a scenario without checks, and the
// checks' costs are counted; bad settings name the line and key.

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "agents/behaviours.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/error.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"
#include "support/outcomes.hpp"

using namespace qvsim;

namespace {

// Two arms, honest and a sybil arm (organizers, so that coalitions form too, and sybils).
std::string text(const std::string& identity, double share = 0.1) {
  return "name: id\nseed: 9\nreplicates: 6\n"
         "electorate: {agents: 400, proposals: 3, values: {distribution: normal, mean: 0.05},\n"
         "             budget: {credits: 100}}\n"
         "graph: {model: barabasi_albert, m: 3}\n"
         "mechanisms: [quadratic, one_person_one_vote, linear]\n" +
         identity +
         "arms:\n  honest: {}\n  sybils:\n    collusion:\n      organizers: {share: 0.02}\n"
         "      internalization: 1.0\n"
         "      sybils: {share: " +
         std::to_string(share) + ", identities: 4, identity_cost: 0.5}\n";
}

std::vector<ReplicateOutcome> run(const std::string& t) {
  return test::run_outcomes(parse_scenario(t, "s.yaml", "."));
}

double metric(const std::string& t, const ReplicateOutcome& o, const std::string& name) {
  const Scenario s = parse_scenario(t, "s.yaml", ".");
  const auto b = agents::make_behaviours(s);
  const auto names = b[1]->metric_names();
  const auto it = std::find(names.begin(), names.end(), name);
  REQUIRE(it != names.end());
  return o.arms[1].mechanisms[0].arm_metrics[static_cast<std::size_t>(it - names.begin())];
}

}  // namespace

TEST_CASE("identity checks with detect 1: sybils change no tally") {
  const auto none = run(text("", 0.0));
  const auto caught = run(text("identity: {detect: 1, cost: 0.25}\n"));
  REQUIRE(none.size() == caught.size());
  for (std::size_t r = 0; r < none.size(); ++r)
    for (std::size_t m = 0; m < 3; ++m) {
      CHECK(caught[r].arms[1].mechanisms[m].tally == none[r].arms[1].mechanisms[m].tally);
      CHECK(caught[r].arms[1].mechanisms[m].decision == none[r].arms[1].mechanisms[m].decision);
    }
  // Without checks the same sybils do change tallies (the test above is not vacuous).
  const auto sybils = run(text(""));
  bool changed = false;
  for (std::size_t r = 0; r < none.size(); ++r)
    changed =
        changed || sybils[r].arms[1].mechanisms[0].tally != none[r].arms[1].mechanisms[0].tally;
  CHECK(changed);
  // Every extra identity was caught.
  const std::string t = text("identity: {detect: 1, cost: 0.25}\n");
  for (const ReplicateOutcome& o : caught)
    CHECK(metric(t, o, "identities_caught") == metric(t, o, "sybil_identities"));
}

TEST_CASE("identity checks with detect 0: nothing changes; the checks' costs are counted") {
  const auto plain = run(text(""));
  const std::string t = text("identity: {detect: 0, cost: 0.5}\n");
  const auto checked = run(t);
  for (std::size_t r = 0; r < plain.size(); ++r) {
    for (std::size_t a = 0; a < 2; ++a)
      for (std::size_t m = 0; m < 3; ++m) {
        CHECK(checked[r].arms[a].mechanisms[m].tally == plain[r].arms[a].mechanisms[m].tally);
        CHECK(checked[r].arms[a].mechanisms[m].spent == plain[r].arms[a].mechanisms[m].spent);
      }
    const double sybils = metric(t, checked[r], "sybils");
    const double extra = metric(t, checked[r], "sybil_identities");
    CHECK(extra == 3.0 * sybils);
    CHECK(metric(t, checked[r], "identities_caught") == 0.0);
    // Every identity checked pays 0.5: 400 agents plus the extra identities.
    CHECK(metric(t, checked[r], "identity_check_cost") == Approx(0.5 * (400.0 + extra)));
    CHECK(metric(t, checked[r], "honest_check_cost") == Approx(0.5 * (400.0 - sybils)));
  }
}

TEST_CASE("identity checks with detect 1/2 catch some identities, and bad settings are refused") {
  const std::string t = text("identity: {detect: 0.5}\n", 0.3);
  double caught = 0.0, extra = 0.0;
  for (const ReplicateOutcome& o : run(t)) {
    caught += metric(t, o, "identities_caught");
    extra += metric(t, o, "sybil_identities");
  }
  // About 6 x 400 x 0.3 x 3 = 2160 extra identities, each caught with probability 1/2: the share
  // caught has sd about 0.011; 0.4..0.6 is 9 sd either way.
  CHECK(caught / extra > 0.4);
  CHECK(caught / extra < 0.6);

  auto error_of = [&](const std::string& bad) {
    try {
      parse_scenario(bad, "s.yaml", ".");
    } catch (const InputError& e) {
      return e;
    }
    FAIL("expected an InputError");
    throw;
  };
  InputError e = error_of(text("identity: {detect: 1.5}\n"));
  CHECK(e.key() == "identity.detect");
  CHECK(e.line() == 8);
  e = error_of(text("identity: {cost: 1}\n"));
  CHECK(e.key() == "identity.detect");
  e = error_of(text("identity: {detect: 0.5, cost: -1}\n"));
  CHECK(e.key() == "identity.cost");
  e = error_of(text("identity: {detect: 0.5, detection: 1}\n"));
  CHECK(e.key() == "identity.detection");
  // No collusion arm: nothing to catch, no arm to report the cost.
  std::string honest_only = text("identity: {detect: 0.5}\n");
  honest_only.erase(honest_only.find("  sybils:"));
  e = error_of(honest_only);
  CHECK(e.key() == "identity");
  CHECK(e.line() == 8);
}
