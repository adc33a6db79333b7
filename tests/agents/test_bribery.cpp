#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "agents/attack.hpp"
#include "agents/behaviours.hpp"
#include "agents/bribery.hpp"
#include "agents/coercion.hpp"
#include "agents/honest.hpp"
#include "sim/electorate.hpp"
#include "sim/graph_generators.hpp"
#include "sim/model.hpp"
#include "sim/rng.hpp"
#include "sim/runner.hpp"
#include "support/beliefs.hpp"
#include "support/outcomes.hpp"

using namespace qvsim;
using qvsim::test::Collected;
using qvsim::test::run_outcomes;
using namespace qvsim::agents;

namespace {

Scenario base_scenario() {
  Scenario s;
  s.name = "bribery-test";
  s.seed = 777;
  s.replicates = 4;
  s.agents = 1500;
  s.proposals = 3;
  s.values.distribution = NormalDist{0.0, 1.0};
  s.values.homophily = 0.2;
  s.budget.credits = ConstantTrait{100};
  s.pivot = PivotSpec{PivotModel::fixed, 0.02};  // the hand computations below use p = 0.02
  s.graph = WattsStrogatzSpec{6, 0.1};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote, Mechanism::linear};
  s.ballot = Ballot::public_ballot;
  s.arms = {ArmSpec{"honest"}};
  return s;
}

BriberySpec bribe(double budget) {
  BriberySpec b;
  b.budget = budget;
  b.agenda = Agenda{2, 1};
  return b;
}

struct Draw {
  Model model;
  Graph graph;
  Electorate electorate;
  std::vector<MechanismBelief> beliefs;
  Draw(Scenario s, std::uint64_t replicate) : model(freeze(std::move(s))) {
    Stream rng(StreamKey{model.scenario.seed, replicate, 0, 0, 0, Purpose::graph});
    graph = generate_graph(model.scenario.graph, static_cast<AgentId>(model.scenario.agents), rng);
    electorate = draw_electorate(model.scenario.values, model.scenario.proposals, graph,
                                 model.scenario.seed, replicate);
    beliefs = test::beliefs_of(model, electorate, replicate);
  }
  ReplicateContext context(std::size_t arm) const {
    return ReplicateContext{model, graph, electorate, 0, arm, model.arm_keys.at(arm), beliefs};
  }
};

}  // namespace

TEST_CASE("a bribe budget of 0 leaves the arm equal to honest bit for bit", "[bribery]") {
  Scenario s = base_scenario();
  ArmSpec broke{"broke"};
  broke.bribery = bribe(0.0);
  s.arms = {ArmSpec{"honest"}, broke};
  for (const Ballot ballot : {Ballot::public_ballot, Ballot::secret}) {
    s.ballot = ballot;
    for (const auto& o : run_outcomes(s)) {
      for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
        const auto& base = o.arms[0].mechanisms[m];
        const auto& arm = o.arms[1].mechanisms[m];
        CHECK(arm.tally == base.tally);
        CHECK(arm.decision == base.decision);
        CHECK(arm.spent == base.spent);
        CHECK(arm.voters == base.voters);
        CHECK(arm.abs_votes == base.abs_votes);
        CHECK(arm.arm_metrics == std::vector<double>{0.0, 0.0, 0.0});
      }
    }
  }
}

TEST_CASE("the cheapest-first bribe stays within budget and buys in order of price", "[bribery]") {
  Scenario s = base_scenario();
  s.arms = {ArmSpec{"honest"}, ArmSpec{"bribe"}};
  for (const BudgetKind kind : {BudgetKind::credits, BudgetKind::money}) {
    s.budget.kind = kind;
    s.pivot = PivotSpec{PivotModel::fixed, 0.05};
    s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote};
    if (kind == BudgetKind::credits) s.mechanisms.push_back(Mechanism::linear);
    const Draw d(s, 0);
    for (const double budget : {0.5, 5.0, 40.0}) {
      INFO("budget " << budget << " money " << (kind == BudgetKind::money));
      BriberySpec spec = bribe(budget);
      spec.demanded_votes = 2.0;
      const BriberyPlan plan = plan_bribery(spec, d.context(1));
      REQUIRE(plan.mechanisms.size() == s.mechanisms.size());
      for (const BriberyMechanism& bm : plan.mechanisms) {
        INFO(to_string(bm.mechanism));
        const Mechanism m = bm.mechanism;
        // Every agent's price, recomputed.
        std::vector<double> price(d.electorate.agents);
        std::vector<double> honest(s.proposals);
        std::vector<double> scratch(s.proposals);
        const MechanismBelief& belief = belief_for(d.beliefs, m);
        for (AgentId a = 0; a < d.electorate.agents; ++a) {
          const Voter voter = voter_of(s, 0, a, d.electorate.of(a));
          honest_votes(m, s.budget, belief, voter, honest);
          price[a] = bribe_price(spec, m, s.budget, belief, voter, honest, scratch);
          if (price[a] >= 0.0) {
            instructed_votes(m, s.budget, voter.credits, spec.agenda, spec.demanded_votes, honest,
                             scratch);
            CHECK(price[a] ==
                  std::max(0.0, private_loss(m, s.budget, belief, voter, honest, scratch)));
          }
        }
        double spent = 0.0;
        std::vector<std::uint8_t> sold(d.electorate.agents, 0);
        for (std::size_t i = 0; i < bm.sellers.size(); ++i) {
          const AgentId a = bm.sellers[i];
          CHECK(bm.prices[i] == price[a]);
          REQUIRE(price[a] >= 0.0);  // only agents who were offered
          spent += price[a];
          sold[a] = 1;
          if (i > 0) {
            const AgentId b = bm.sellers[i - 1];
            CHECK((price[b] < price[a] || (price[b] == price[a] && b < a)));
          }
        }
        CHECK(bm.spent == spent);
        CHECK(bm.spent <= budget);
        // The cheapest offer left unbought would not have fit.
        double next = std::numeric_limits<double>::infinity();
        for (AgentId a = 0; a < d.electorate.agents; ++a) {
          if (sold[a] == 0 && price[a] >= 0.0) {
            next = std::min(next, price[a]);
            if (!bm.prices.empty()) CHECK(price[a] >= bm.prices.back());
          }
        }
        if (std::isfinite(next)) CHECK(bm.spent + next > budget);
        if (budget == 40.0) CHECK(bm.sellers.size() >= 5);
        CHECK(bm.reneged == 0);  // public ballot: every seller delivers
        if (m == Mechanism::one_person_one_vote) {
          // Only agents who would vote otherwise are offered anything.
          for (const AgentId a : bm.sellers) CHECK(d.electorate.of(a)[2] <= 0.0);
        }
      }
    }
  }
}

TEST_CASE("bought votes move the tallies as instructed", "[bribery]") {
  Scenario s = base_scenario();
  ArmSpec arm{"bribe"};
  arm.bribery = bribe(20.0);
  arm.bribery->agenda = Agenda{0, -1};
  s.arms = {ArmSpec{"honest"}, arm};
  const Draw d(s, 0);
  const BriberyPlan plan = plan_bribery(*arm.bribery, d.context(1));
  std::vector<std::unique_ptr<const ComponentFactory>> parts;
  parts.push_back(make_bribery(*arm.bribery));
  const AttackBehaviour bribed(std::move(parts));
  const AttackBehaviour honest({});
  const auto bribed_plan = bribed.plan(d.context(1));
  const auto honest_plan = honest.plan(d.context(0));

  // QV with credits: each seller puts -sqrt(B) on proposal 0 and nothing elsewhere.
  const auto& qv = plan.mechanisms[0];
  std::vector<double> expected(s.proposals, 0.0);
  std::vector<double> h(s.proposals);
  for (const AgentId a : qv.sellers) {
    honest_votes(Mechanism::quadratic, s.budget, belief_for(d.beliefs, Mechanism::quadratic),
                 voter_of(s, 0, a, d.electorate.of(a)), h);
    for (std::uint32_t p = 0; p < s.proposals; ++p) expected[p] += (p == 0 ? -10.0 : 0.0) - h[p];
  }
  const auto base = tally(d.model, d.electorate, *honest_plan, Mechanism::quadratic, 0);
  const auto after = tally(d.model, d.electorate, *bribed_plan, Mechanism::quadratic, 0);
  for (std::uint32_t p = 0; p < s.proposals; ++p) {
    CHECK(after.tally[p] - base.tally[p] == Approx(expected[p]).margin(1e-9));
  }
  CHECK(after.arm_metrics ==
        std::vector<double>{qv.spent, static_cast<double>(qv.sellers.size()), 0.0});

  // 1p1v: each seller switches her vote on proposal 0 from +1 to -1.
  const auto& one = plan.mechanisms[1];
  const auto base1 = tally(d.model, d.electorate, *honest_plan, Mechanism::one_person_one_vote, 0);
  const auto after1 = tally(d.model, d.electorate, *bribed_plan, Mechanism::one_person_one_vote, 0);
  CHECK(after1.tally[0] - base1.tally[0] == -2.0 * static_cast<double>(one.sellers.size()));
  CHECK(after1.tally[1] == base1.tally[1]);
}

TEST_CASE("under secret, sellers renege by their honesty", "[bribery]") {
  Scenario s = base_scenario();
  s.replicates = 3;
  ArmSpec arm{"bribe"};
  arm.bribery = bribe(30.0);
  s.arms = {ArmSpec{"honest"}, arm};

  s.ballot = Ballot::secret;
  s.arms[1].bribery->honesty = ConstantTrait{0.0};
  for (const auto& o : run_outcomes(s)) {
    for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
      const auto& x = o.arms[1].mechanisms[m];
      CHECK(x.tally == o.arms[0].mechanisms[m].tally);
      CHECK(x.arm_metrics[1] > 0.0);
      CHECK(x.arm_metrics[2] == x.arm_metrics[1]);  // every seller reneged
    }
  }

  s.arms[1].bribery->honesty = ConstantTrait{1.0};
  const auto secret = run_outcomes(s);
  s.ballot = Ballot::provable;
  const auto provable = run_outcomes(s);
  for (std::size_t r = 0; r < secret.size(); ++r) {
    for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
      CHECK(secret[r].arms[1].mechanisms[m].tally == provable[r].arms[1].mechanisms[m].tally);
      CHECK(secret[r].arms[1].mechanisms[m].arm_metrics ==
            provable[r].arms[1].mechanisms[m].arm_metrics);
    }
  }

  // Honesty one half: about half renege.
  s.ballot = Ballot::secret;
  s.arms[1].bribery->honesty = UniformTrait{0.0, 1.0};
  double bought = 0.0;
  double reneged = 0.0;
  for (const auto& o : run_outcomes(s)) {
    for (const auto& x : o.arms[1].mechanisms) {
      bought += x.arm_metrics[1];
      reneged += x.arm_metrics[2];
    }
  }
  REQUIRE(bought > 100.0);
  CHECK(reneged / bought == Approx(0.5).margin(0.15));
}
