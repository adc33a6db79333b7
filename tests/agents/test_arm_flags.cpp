// Flags that keep a null or capped attack from being read as a finding: ballots_changed,
// arm_inert (agents/attack.hpp) and the warnings built from them (analysis/run_table.hpp).

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "agents/behaviours.hpp"
#include "analysis/run_table.hpp"
#include "sim/model.hpp"
#include "support/outcomes.hpp"

using namespace qvsim;

namespace {

Scenario flag_scenario() {
  Scenario s;
  s.name = "flags";
  s.seed = 7;
  s.replicates = 3;
  s.agents = 400;
  s.proposals = 3;
  s.values.distribution = NormalDist{0.1, 1.0};
  s.budget.credits = ConstantTrait{100};
  s.graph = WattsStrogatzSpec{6, 0.1};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote};
  s.ballot = Ballot::secret;
  return s;
}

double metric(const std::vector<std::string>& names, const MechanismOutcome& m, const char* name) {
  const auto it = std::find(names.begin(), names.end(), name);
  REQUIRE(it != names.end());
  return m.arm_metrics.at(static_cast<std::size_t>(it - names.begin()));
}

}  // namespace

TEST_CASE("a collusion arm whose members all defect is flagged inert", "[arm_flags]") {
  // Secret ballot, no sanction, no loyalty: obeying never pays, so every member defects and votes
  // honestly; the arm changes no ballot.
  Scenario s = flag_scenario();
  ArmSpec arm{"collusion"};
  arm.collusion = CollusionSpec{};
  arm.collusion->organizers.count = 20;
  s.arms = {ArmSpec{"honest"}, arm};
  const auto names = agents::make_behaviours(s)[1]->metric_names();
  const auto outcomes = test::run_outcomes(s);
  REQUIRE(outcomes.size() == s.replicates);
  for (const auto& o : outcomes) {
    for (const auto& m : o.arms[1].mechanisms) {
      REQUIRE(metric(names, m, "colluding_share") > 0.0);  // coalitions did form
      CHECK(metric(names, m, "ballots_changed") == 0.0);
      CHECK(metric(names, m, "arm_inert") == 1.0);
    }
  }
}

TEST_CASE("an arm that changes ballots counts them and is not inert", "[arm_flags]") {
  // Every agent splits into 2 identities: every agent with a nonzero ballot casts a changed one
  // (her votes doubled); under 1p1v and QV with credits, every agent with a nonzero value votes.
  Scenario s = flag_scenario();
  ArmSpec arm{"sybils"};
  arm.collusion = CollusionSpec{};
  arm.collusion->organizers.count = 0;
  arm.collusion->sybils.share = 1.0;
  s.arms = {ArmSpec{"honest"}, arm};
  const auto names = agents::make_behaviours(s)[1]->metric_names();
  const auto outcomes = test::run_outcomes(s);
  for (const auto& o : outcomes) {
    for (const auto& m : o.arms[1].mechanisms) {
      const auto& honest = o.arms[0].mechanisms[&m - o.arms[1].mechanisms.data()];
      CHECK(metric(names, m, "ballots_changed") == static_cast<double>(honest.voters));
      CHECK(metric(names, m, "ballots_changed") > 0.0);
      // Its collusion block founds no coalition (organizers 0): that is not an attack that did
      // nothing.
      CHECK(metric(names, m, "arm_inert") == 0.0);
    }
  }
}

TEST_CASE("flagged arms produce one warning per arm and mechanism", "[arm_flags]") {
  Scenario s = flag_scenario();
  ArmSpec arm{"collusion"};
  arm.collusion = CollusionSpec{};
  arm.collusion->organizers.count = 20;
  s.arms = {ArmSpec{"honest"}, arm};
  const Model model = freeze(s);
  const auto behaviours = agents::make_behaviours(s);
  std::vector<std::vector<std::string>> per_arm;
  for (const auto& b : behaviours) per_arm.push_back(b->metric_names());
  analysis::RunTable table(model, analysis::ArmColumns::from(per_arm), nullptr);
  run_replicates(model, behaviours, RunOptions{}, table);
  const auto lines = analysis::flagged_arm_warnings(table);
  REQUIRE(lines.size() == 2);  // collusion under qv and under 1p1v; the honest arm has no flag
  CHECK(lines[0].find("arm 'collusion' under quadratic: inert in 3 of 3 replicates") == 0);
  CHECK(lines[1].find("arm 'collusion' under one_person_one_vote: inert in 3 of 3 replicates") ==
        0);
}
