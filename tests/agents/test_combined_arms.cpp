// Combined arms (agents/attack.hpp, Prior): a later party prices its instruction against the
// ballot the agent would otherwise cast in the arm plus what holds her to it, so an agent
// instructed by several parties follows the one that leaves her best off, and the arm records it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "agents/attack.hpp"
#include "agents/behaviours.hpp"
#include "agents/bribery.hpp"
#include "agents/coercion.hpp"
#include "agents/collusion.hpp"
#include "agents/honest.hpp"
#include "sim/electorate.hpp"
#include "sim/graph_generators.hpp"
#include "sim/model.hpp"
#include "sim/rng.hpp"
#include "sim/runner.hpp"
#include "support/beliefs.hpp"
#include "support/draw.hpp"
#include "support/outcomes.hpp"

using namespace qvsim;
using namespace qvsim::agents;

namespace {

// 1p1v and QV, a fixed belief (losses are the pivot price times values times votes moved, and an
// honest ballot is never worth less than another), a public ballot. Values lean to passing, so
// that a briber against proposal 0 has a decision to buy.
Scenario combined_scenario() {
  Scenario s;
  s.name = "combined";
  s.seed = 9090;
  s.replicates = 1;
  s.agents = 300;
  s.proposals = 3;
  s.values.distribution = NormalDist{0.2, 1.0};
  s.budget.credits = ConstantTrait{100};
  s.pivot = PivotSpec{PivotModel::fixed, 0.02};
  s.graph = WattsStrogatzSpec{8, 0.1};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote};
  s.ballot = Ballot::public_ballot;
  s.arms = {ArmSpec{"honest"}, ArmSpec{"attack"}};
  return s;
}

BriberySpec bribe() {
  BriberySpec b;
  b.budget = 1e6;  // enough to reach the target under both mechanisms
  b.agenda = Agenda{0, -1};
  b.target_confidence = 0.99;
  return b;
}

CoercionSpec threats(double severity) {
  CoercionSpec c;
  c.coercers.count = 15;
  c.agenda = Agenda{0, -1};
  c.reach = 2;
  c.capacity = 40;
  c.severity = ConstantTrait{severity};
  c.credibility = 1.0;
  return c;
}

CollusionSpec coalition(double loyalty, double sanction) {
  CollusionSpec c;
  c.organizers.count = 12;
  c.max_size = 30;
  c.sanction = sanction;
  c.loyalty = ConstantTrait{loyalty};
  return c;
}

using test::Draw;

// A party that holds every third agent to her honest ballot with a known stake.
class StubHold final : public Component {
 public:
  explicit StubHold(double stake) : stake_(stake) {}
  static bool holds(AgentId a) { return a % 3 == 0; }
  std::size_t counter_count() const override { return 0; }
  void apply(Cast&, std::span<double>) const override {}
  void metrics(Mechanism, std::span<const double>, const MechanismOutcome&,
               std::vector<double>&) const override {}
  Hold held(Mechanism, AgentId a, const Voter&, const MechanismBelief&,
            std::span<double>) const override {
    return holds(a) ? Hold{kPartyCoalition, stake_} : Hold{};
  }

 private:
  double stake_;
};

std::vector<AgentId> members_of(const Coalitions& c) {
  std::vector<AgentId> out;
  for (const auto& list : c.members) out.insert(out.end(), list.begin(), list.end());
  std::sort(out.begin(), out.end());
  return out;
}

bool contains(const std::vector<AgentId>& sorted, AgentId a) {
  return std::binary_search(sorted.begin(), sorted.end(), a);
}

}  // namespace

TEST_CASE("a held agent's bribe price is her loss from the held ballot plus its stake",
          "[combined][bribery]") {
  const Draw d(combined_scenario());
  const ReplicateContext ctx = d.context();
  const Scenario& s = d.model.scenario;
  const double stake = 0.05;
  const StubHold stub(stake);
  const BriberySpec spec = bribe();
  const BriberyPlan alone = plan_bribery(spec, ctx);
  const BriberyPlan held = plan_bribery(spec, ctx, SybilSpec{}, Prior({&stub}));
  for (std::size_t mi = 0; mi < s.mechanisms.size(); ++mi) {
    const Mechanism m = s.mechanisms[mi];
    INFO(to_string(m));
    const auto& a0 = alone.mechanisms[mi];
    const auto& a1 = held.mechanisms[mi];
    // Without the stake the briber buys some held agents, so the stake has something to change.
    REQUIRE(std::any_of(a0.sellers.begin(), a0.sellers.end(), StubHold::holds));
    REQUIRE(!a1.sellers.empty());
    std::vector<double> honest(s.proposals), scratch(s.proposals);
    for (std::size_t i = 0; i < a1.sellers.size(); ++i) {
      const AgentId a = a1.sellers[i];
      const auto u = d.electorate.of(a);
      const Voter voter = voter_of(s, 0, a, u);
      honest_votes(m, s.budget, ctx.belief(m), voter, honest);
      // Her price alone: her loss from honest to instructed, never negative under a fixed belief.
      const double own = bribe_price(spec, m, s.budget, ctx.belief(m), voter, honest, scratch);
      REQUIRE(own >= 0.0);
      CHECK(a1.losses[i] == Approx(own + (StubHold::holds(a) ? stake : 0.0)));
    }
    // Dearer held agents are bought later or not at all: the briber pays more in all.
    CHECK(a1.spent >= a0.spent);
  }
}

TEST_CASE("a held agent complies only when the threat beats her loss plus the stake",
          "[combined][coercion]") {
  const Draw d(combined_scenario());
  const ReplicateContext ctx = d.context();
  const double stake = 0.03;
  const StubHold stub(stake);
  const CoercionSpec spec = threats(0.04);
  const CoercionPlan alone = plan_coercion(spec, ctx);
  const CoercionPlan held = plan_coercion(spec, ctx, Prior({&stub}));
  std::uint64_t turned = 0;  // held agents who comply alone but not when held
  for (std::size_t mi = 0; mi < alone.mechanisms.size(); ++mi) {
    const auto& c0 = alone.mechanisms[mi];
    const auto& c1 = held.mechanisms[mi];
    REQUIRE(c0.threatened == c1.threatened);  // who is threatened does not depend on the stake
    for (std::size_t j = 0; j < c1.threatened.size(); ++j) {
      const AgentId a = c1.threatened[j];
      const double expected = c0.loss[j] + (StubHold::holds(a) ? stake : 0.0);
      CHECK(c1.loss[j] == Approx(expected));
      // Public ballot, credibility 1, no rounds: the sanction is the severity.
      const double sanction = held.severity[c1.coercer[j]];
      CHECK((c1.complied[j] != 0) == (sanction > std::max(0.0, c1.loss[j])));
      if (c0.complied[j] != 0 && c1.complied[j] == 0) ++turned;
    }
  }
  CHECK(turned > 0);
}

TEST_CASE("loyal coalition members are neither bought nor coerced", "[combined][collusion]") {
  const Draw d(combined_scenario());
  const ReplicateContext ctx = d.context();
  const auto factory = make_collusion(coalition(1.0, 0.0));  // outlives its component
  const auto collusion = factory->make(ctx, Prior{});
  const Prior prior({collusion.get()});
  const BriberyPlan bought_alone = plan_bribery(bribe(), ctx);
  const BriberyPlan bought = plan_bribery(bribe(), ctx, SybilSpec{}, prior);
  const CoercionPlan coerced_alone = plan_coercion(threats(10.0), ctx);
  const CoercionPlan coerced = plan_coercion(threats(10.0), ctx, prior);
  std::uint64_t members_bought_alone = 0, members_coerced_alone = 0;
  for (std::size_t mi = 0; mi < d.model.scenario.mechanisms.size(); ++mi) {
    const auto members =
        members_of(form_coalitions(coalition(1.0, 0.0), ctx, d.model.scenario.mechanisms[mi]));
    REQUIRE(!members.empty());
    for (const AgentId a : bought_alone.mechanisms[mi].sellers)
      members_bought_alone += contains(members, a) ? 1 : 0;
    for (const AgentId a : bought.mechanisms[mi].sellers) CHECK(!contains(members, a));
    const auto& c0 = coerced_alone.mechanisms[mi];
    const auto& c1 = coerced.mechanisms[mi];
    for (std::size_t j = 0; j < c1.threatened.size(); ++j) {
      if (!contains(members, c1.threatened[j])) continue;
      members_coerced_alone += c0.complied[j];
      CHECK(c1.complied[j] == 0);
      CHECK(std::isinf(c1.loss[j]));
    }
  }
  // Alone, the same briber and coercers do win members over: loyalty is what stops them.
  CHECK(members_bought_alone > 0);
  CHECK(members_coerced_alone > 0);
}

TEST_CASE("the ballot a coalition holds a member to is the one she casts",
          "[combined][collusion]") {
  Scenario s = combined_scenario();
  s.ballot = Ballot::provable;
  const Draw d(s);
  const ReplicateContext ctx = d.context();
  CollusionSpec spec = coalition(0.3, 0.05);  // some obey for loyalty, some for the sanction
  spec.audit = 0.6;
  std::vector<std::unique_ptr<const ComponentFactory>> parts;
  parts.push_back(make_collusion(spec));
  const AttackBehaviour arm(std::move(parts));
  const auto plan = arm.plan(ctx);
  const auto factory = make_collusion(spec);  // outlives its component
  const auto component = factory->make(ctx, Prior{});
  const Prior prior({component.get()});
  std::uint64_t loyal = 0, sanctioned = 0, own = 0;
  for (const Mechanism m : d.model.scenario.mechanisms) {
    std::vector<double> cast(s.proposals), votes(s.proposals);
    std::vector<double> counters(plan->counter_count());
    for (AgentId a = 0; a < d.electorate.agents; ++a) {
      plan->cast(m, a, cast, counters);
      const auto u = d.electorate.of(a);
      const Voter voter = voter_of(d.model.scenario, 0, a, u);
      honest_votes(m, s.budget, ctx.belief(m), voter, votes);
      const Hold h = prior.otherwise(m, a, voter, ctx.belief(m), votes);
      CHECK(votes == cast);
      if (h.party == 0) ++own;
      if (h.party != 0 && std::isinf(h.stake)) ++loyal;
      if (h.party != 0 && !std::isinf(h.stake)) {
        CHECK(h.stake == Approx(0.6 * 0.05));  // audit x sanction
        ++sanctioned;
      }
    }
  }
  CHECK(loyal > 0);
  CHECK(sanctioned > 0);
  CHECK(own > 0);
}

TEST_CASE("an arm with several parties records whom the contested agents followed",
          "[combined][arm_flags]") {
  Scenario s = combined_scenario();
  s.arms[1].collusion = coalition(1.0, 0.0);
  s.arms[1].coercion = threats(10.0);
  ArmSpec single{"threats_only"};
  single.coercion = threats(10.0);
  s.arms.push_back(single);
  const auto behaviours = make_behaviours(s);
  const auto names = behaviours[1]->metric_names();
  const auto single_names = behaviours[2]->metric_names();
  CHECK(std::find(single_names.begin(), single_names.end(), "contested") == single_names.end());
  const auto at = [&](const char* name) {
    const auto it = std::find(names.begin(), names.end(), name);
    REQUIRE(it != names.end());
    return static_cast<std::size_t>(it - names.begin());
  };
  const auto outcomes = test::run_outcomes(s);
  const Draw d(s);
  const ReplicateContext ctx = d.context();
  for (std::size_t mi = 0; mi < s.mechanisms.size(); ++mi) {
    // By hand: members (loyal, so they follow the coalition) who are also threatened.
    const auto members = members_of(form_coalitions(*s.arms[1].collusion, ctx, s.mechanisms[mi]));
    const CoercionPlan plan = plan_coercion(*s.arms[1].coercion, ctx);
    double contested = 0.0;
    for (const AgentId a : plan.mechanisms[mi].threatened) contested += contains(members, a);
    REQUIRE(contested > 0.0);
    const auto& m = outcomes.at(0).arms[1].mechanisms[mi].arm_metrics;
    CHECK(m.at(at("contested")) == contested);
    CHECK(m.at(at("contested_coalition")) == contested);
    CHECK(m.at(at("contested_briber")) == 0.0);
    CHECK(m.at(at("contested_coercer")) == 0.0);
  }
}

TEST_CASE("cast_recorded casts what cast() does and records each party's agent fields",
          "[combined][agents_csv]") {
  Scenario s = combined_scenario();
  s.arms[1].collusion = coalition(0.5, 0.0);
  s.arms[1].collusion->sybils = SybilSpec{0.1, 3, 0.0};
  s.arms[1].coercion = threats(10.0);
  s.arms[1].bribery = bribe();
  const auto behaviours = make_behaviours(s);
  CHECK(behaviours[0]->agent_field_names().empty());  // the honest arm records nothing
  const auto names = behaviours[1]->agent_field_names();
  CHECK(names == std::vector<std::string>{"coalition", "obeyed", "sanctioned", "bribed", "reneged",
                                          "threatened", "coercer", "complied", "punished",
                                          "identities", "ballot_changed"});
  const auto field = [&](const char* name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  const auto outcomes = test::run_outcomes(s);
  const Model model = freeze(s);
  replay_replicate(model, behaviours, 0, [&](const ReplicateContext& ctx, const ArmPlan& plan) {
    if (ctx.arm_index != 1) return;
    for (std::size_t mi = 0; mi < s.mechanisms.size(); ++mi) {
      const Mechanism m = s.mechanisms[mi];
      INFO(to_string(m));
      std::vector<double> a_votes(s.proposals), b_votes(s.proposals), fields(names.size());
      std::vector<double> counters(plan.counter_count());
      std::vector<double> sums(names.size(), 0.0);
      for (AgentId a = 0; a < ctx.electorate.agents; ++a) {
        const double a_cost = plan.cast(m, a, a_votes, counters);
        const double b_cost = plan.cast_recorded(m, a, b_votes, counters, fields);
        REQUIRE(a_cost == b_cost);
        REQUIRE(a_votes == b_votes);
        // Member fields are NA exactly for non-members; seller and threat fields likewise.
        REQUIRE(std::isnan(fields[field("coalition")]) == std::isnan(fields[field("obeyed")]));
        REQUIRE(std::isnan(fields[field("reneged")]) == (fields[field("bribed")] == 0.0));
        REQUIRE(std::isnan(fields[field("complied")]) == (fields[field("threatened")] == 0.0));
        for (std::size_t i = 0; i < names.size(); ++i) {
          if (!std::isnan(fields[i]) && names[i] != "coalition" && names[i] != "coercer") {
            sums[i] += names[i] == "identities" ? fields[i] - 1.0 : fields[i];
          }
        }
      }
      // The fields count what the arm's metrics count.
      const auto metric_names = behaviours[1]->metric_names();
      const auto& metrics = outcomes.at(0).arms[1].mechanisms[mi].arm_metrics;
      const auto metric = [&](const char* name) {
        const auto it = std::find(metric_names.begin(), metric_names.end(), name);
        REQUIRE(it != metric_names.end());
        return metrics.at(static_cast<std::size_t>(it - metric_names.begin()));
      };
      CHECK(sums[field("bribed")] == metric("votes_bought"));
      CHECK(sums[field("reneged")] == metric("reneged"));
      CHECK(sums[field("threatened")] == metric("threatened"));
      CHECK(sums[field("complied")] == metric("complied"));
      CHECK(sums[field("punished")] == metric("punished"));
      CHECK(sums[field("identities")] == metric("sybil_identities"));
      CHECK(sums[field("ballot_changed")] == metric("ballots_changed"));
      CHECK(sums[field("threatened")] > 0.0);
      CHECK(sums[field("ballot_changed")] > 0.0);
    }
  });
}
