
#include <catch2/catch.hpp>
#include <cmath>
#include <deque>
#include <sstream>

#include "agents/attack.hpp"
#include "agents/behaviours.hpp"
#include "agents/collusion.hpp"
#include "agents/honest.hpp"
#include "analysis/run_table.hpp"
#include "sim/graph_generators.hpp"
#include "sim/model.hpp"
#include "sim/parallel.hpp"
#include "sim/runner.hpp"
#include "support/beliefs.hpp"
#include "support/outcomes.hpp"

using namespace qvsim;
using qvsim::test::Collected;
using qvsim::test::run_outcomes;
using namespace qvsim::agents;

namespace {

Graph complete(AgentId n) {
  std::vector<std::pair<AgentId, AgentId>> edges;
  for (AgentId a = 0; a < n; ++a)
    for (AgentId b = a + 1; b < n; ++b) edges.emplace_back(a, b);
  return Graph::from_edges(n, std::move(edges));
}

Electorate identical_values(AgentId n, std::vector<double> u) {
  Electorate e;
  e.agents = n;
  e.proposals = static_cast<std::uint32_t>(u.size());
  for (AgentId a = 0; a < n; ++a) e.values.insert(e.values.end(), u.begin(), u.end());
  e.totals.assign(u.size(), 0.0);
  for (std::size_t k = 0; k < u.size(); ++k) e.totals[k] = static_cast<double>(n) * u[k];
  return e;
}

Scenario base_scenario() {
  Scenario s;
  s.name = "collusion-test";
  s.seed = 99;
  s.replicates = 6;
  s.agents = 3000;
  s.proposals = 5;
  s.values.distribution = NormalDist{0.1, 1.0};
  s.values.homophily = 0.3;
  s.budget.credits = ConstantTrait{100};
  s.pivot = PivotSpec{PivotModel::fixed, 0.02};  // the hand computations below use p = 0.02
  s.graph = WattsStrogatzSpec{8, 0.1};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote, Mechanism::linear};
  s.ballot = Ballot::public_ballot;
  s.arms = {ArmSpec{"honest"}};
  return s;
}

CollusionSpec bloc_spec(std::uint32_t max_size) {
  CollusionSpec c;
  c.organizers.count = 1;
  c.selection = Selection::degree;
  c.max_size = max_size;
  c.rounds = 3;
  c.internalization = 1.0;
  return c;
}

}  // namespace

TEST_CASE("an enforced money-QV bloc of k casts k times its honest total", "[collusion]") {
  const AgentId k = 5;
  Scenario s = base_scenario();
  s.budget.kind = BudgetKind::money;
  s.pivot = PivotSpec{PivotModel::fixed, 0.1};
  s.mechanisms = {Mechanism::quadratic};
  const Model model = freeze(s);
  const Graph g = complete(k);
  const std::vector<double> u{1.0, -0.5, 0.25};
  const Electorate e = identical_values(k, u);
  const auto beliefs_ctx = test::beliefs_of(model, e, 0);
  const ReplicateContext ctx{model, g, e, 0, 0, 1, beliefs_ctx};

  const auto bloc_spec_k = bloc_spec(k);
  const Coalitions c = form_coalitions(bloc_spec_k, ctx);
  REQUIRE(c.members.size() == 1);
  REQUIRE(c.members[0].size() == k);

  std::vector<std::unique_ptr<const ComponentFactory>> parts;
  parts.push_back(make_collusion(bloc_spec_k));
  const AttackBehaviour bloc(std::move(parts));
  const AttackBehaviour honest({});
  const auto attacked = tally(model, e, *bloc.plan(ctx), Mechanism::quadratic, 0);
  const auto base = tally(model, e, *honest.plan(ctx), Mechanism::quadratic, 0);
  for (std::size_t p = 0; p < u.size(); ++p) {
    CHECK(base.tally[p] == Approx(k * 0.1 * u[p] / 2));
    CHECK(attacked.tally[p] == Approx(k * base.tally[p]));
  }

  // Each member's private loss from obeying is (k-1)^2 (p u)^2 / 4 per proposal.
  std::vector<double> hv(u.size()), w(u.size()), internal(u.size());
  for (std::size_t p = 0; p < u.size(); ++p) internal[p] = k * u[p];
  const MechanismBelief& belief = ctx.belief(Mechanism::quadratic);
  honest_votes(Mechanism::quadratic, s.budget, belief, Voter{u, 0.0, 1.0}, hv);
  honest_votes(Mechanism::quadratic, s.budget, belief, Voter{internal, 0.0, 1.0}, w);
  double expected = 0.0;
  for (double x : u) expected += (k - 1.0) * (k - 1.0) * (0.1 * x) * (0.1 * x) / 4.0;
  CHECK(private_loss(Mechanism::quadratic, s.budget, belief, Voter{u, 0.0, 1.0}, hv, w) ==
        Approx(expected));

  // Spreading V votes over k members costs V^2 / k: credits_saved = sum V^2 (1 - 1/k).
  const auto names = bloc.metric_names();
  const auto saved_at = std::find(names.begin(), names.end(), "credits_saved") - names.begin();
  double v2 = 0.0;
  for (double v : attacked.tally) v2 += v * v;
  CHECK(attacked.spent == Approx(v2 / k));
  CHECK(attacked.arm_metrics.at(static_cast<std::size_t>(saved_at)) ==
        Approx(v2 * (1.0 - 1.0 / k)));
}

TEST_CASE("k identities of one sybil pay V^2 / k", "[collusion][sybil]") {
  Scenario s = base_scenario();
  s.budget.kind = BudgetKind::money;
  s.pivot = PivotSpec{PivotModel::fixed, 0.2};
  const Model model = freeze(s);
  const Graph g = complete(3);
  const std::vector<double> u{2.0, -1.0};
  const Electorate e = identical_values(3, u);
  const auto beliefs_ctx = test::beliefs_of(model, e, 0);
  const ReplicateContext ctx{model, g, e, 0, 0, 1, beliefs_ctx};
  SybilSpec sy;
  sy.share = 1.0;
  sy.identities = 4;
  std::vector<std::unique_ptr<const ComponentFactory>> parts;
  parts.push_back(make_sybils(sy));
  const AttackBehaviour arm(std::move(parts));
  const auto plan = arm.plan(ctx);
  std::vector<double> votes(2), counters(plan->counter_count(), 0.0);
  const double cost = plan->cast(Mechanism::quadratic, 0, votes, counters);
  double v2 = 0.0;
  for (std::size_t p = 0; p < 2; ++p) {
    CHECK(votes[p] == Approx(4 * 0.2 * u[p] / 2));
    v2 += votes[p] * votes[p];
  }
  CHECK(cost == Approx(v2 / 4));
  CHECK(counters == std::vector<double>{1.0, 3.0, 0.0});
  // Credits: each identity has the whole budget, so votes and credits scale by 4.
  Scenario sc = base_scenario();
  const Model mc = freeze(sc);
  const auto beliefs_cc = test::beliefs_of(mc, e, 0);
  const ReplicateContext cc{mc, g, e, 0, 0, 1, beliefs_cc};
  sy.identity_cost = 1.5;
  std::vector<std::unique_ptr<const ComponentFactory>> p2;
  p2.push_back(make_sybils(sy));
  const AttackBehaviour arm2(std::move(p2));
  std::vector<double> c2(3, 0.0);
  CHECK(arm2.plan(cc)->cast(Mechanism::quadratic, 1, votes, c2) == Approx(4 * 100.0 + 3 * 1.5));
}

TEST_CASE("no organizers or no internalization reproduce the honest arm bit for bit",
          "[collusion]") {
  Scenario s = base_scenario();
  s.ballot = Ballot::secret;
  ArmSpec none{"none"};
  none.collusion = CollusionSpec{};
  none.collusion->organizers.count = 0;
  ArmSpec flat{"flat"};
  flat.collusion = CollusionSpec{};
  flat.collusion->organizers.count = 40;
  flat.collusion->internalization = 0.0;
  flat.collusion->sanction = 10.0;
  flat.collusion->perceived_detection = ConstantTrait{1.0};
  s.arms = {ArmSpec{"honest"}, none, flat};
  for (const auto& o : run_outcomes(s)) {
    for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
      CHECK(o.arms[1].mechanisms[m].tally == o.arms[0].mechanisms[m].tally);
      CHECK(o.arms[2].mechanisms[m].tally == o.arms[0].mechanisms[m].tally);
      CHECK(o.arms[2].mechanisms[m].spent == o.arms[0].mechanisms[m].spent);
    }
    CHECK(o.arms[2].mechanisms[0].arm_metrics[0] == 40.0);  // coalitions formed all the same
  }
}

TEST_CASE("secret ballot: defect without cooperation or fear, obey with full cooperation",
          "[collusion]") {
  Scenario s = base_scenario();
  ArmSpec bloc{"bloc"};
  bloc.collusion = CollusionSpec{};
  bloc.collusion->organizers.count = 60;
  bloc.collusion->max_size = 30;
  s.arms = {ArmSpec{"honest"}, bloc};

  Scenario public_s = s;
  Scenario secret_none = s;
  secret_none.ballot = Ballot::secret;  // cooperation 0, detection 0
  Scenario secret_all = secret_none;
  secret_all.arms[1].collusion->cooperation = ConstantTrait{1.0};

  const auto pub = run_outcomes(public_s);
  const auto none = run_outcomes(secret_none);
  const auto all = run_outcomes(secret_all);
  std::size_t changed = 0;
  for (std::size_t r = 0; r < pub.size(); ++r) {
    for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
      CHECK(none[r].arms[1].mechanisms[m].tally == none[r].arms[0].mechanisms[m].tally);
      CHECK(all[r].arms[1].mechanisms[m].tally == pub[r].arms[1].mechanisms[m].tally);
      changed += pub[r].arms[1].mechanisms[m].tally != pub[r].arms[0].mechanisms[m].tally;
      // defection_rate is the 5th collusion metric.
      CHECK(none[r].arms[1].mechanisms[m].arm_metrics[4] == 1.0);
      CHECK(all[r].arms[1].mechanisms[m].arm_metrics[4] == 0.0);
    }
  }
  CHECK(changed > 0);  // the enforced coalitions did move tallies
}

TEST_CASE("cooperation disposition sets the defection rate", "[collusion]") {
  Scenario s = base_scenario();
  s.ballot = Ballot::secret;
  s.replicates = 4;
  ArmSpec bloc{"bloc"};
  bloc.collusion = CollusionSpec{};
  bloc.collusion->organizers.is_share = true;
  bloc.collusion->organizers.share = 0.02;
  bloc.collusion->cooperation = ConstantTrait{0.3};
  s.arms = {ArmSpec{"honest"}, bloc};
  double members = 0.0;
  double defectors = 0.0;
  for (const auto& o : run_outcomes(s)) {
    const auto& q = o.arms[1].mechanisms[0];
    const double colluders = q.arm_metrics[3] * 3000.0;
    members += colluders;
    defectors += q.arm_metrics[4] * colluders;
  }
  REQUIRE(members > 500);
  // Members whose obeying costs them something defect unless their coin (chance 0.3) says obey:
  // rate 0.7, binomial standard error under 0.02 for > 500 members; 0.08 is four of them.
  CHECK(defectors / members == Approx(0.7).margin(0.08));
}

TEST_CASE("coalitions are connected, disjoint and never over size", "[collusion]") {
  Scenario s = base_scenario();
  s.agents = 20000;
  const Model model = freeze(s);
  Stream rng(StreamKey{5, 0, 0, 0, 0, Purpose::graph});
  const Graph g = barabasi_albert(20000, 3, rng);
  const Electorate e = draw_electorate(s.values, s.proposals, g, 5, 0);
  const auto beliefs_ctx = test::beliefs_of(model, e, 0);
  const ReplicateContext ctx{model, g, e, 0, 0, 7, beliefs_ctx};
  CollusionSpec spec;
  spec.organizers.count = 80;
  spec.max_size = 25;
  spec.rounds = 10;
  Coalitions one;
  Coalitions two;
  qvsim::with_threads(1, [&] { one = form_coalitions(spec, ctx); });
  qvsim::with_threads(2, [&] { two = form_coalitions(spec, ctx); });
  CHECK(one.coalition_of == two.coalition_of);
  CHECK(one.members == two.members);
  REQUIRE(one.members.size() == 80);
  std::size_t total = 0;
  std::size_t grown = 0;
  for (std::uint32_t id = 0; id < one.members.size(); ++id) {
    const auto& m = one.members[id];
    CHECK(m.size() <= 25);
    total += m.size();
    grown += m.size() > 1;
    std::vector<AgentId> sorted = m;
    std::sort(sorted.begin(), sorted.end());
    CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
    for (AgentId a : m) CHECK(one.coalition_of[a] == id);
    // Connected: a search from the organizer inside the coalition reaches every member.
    std::vector<AgentId> reached{m[0]};
    std::deque<AgentId> queue{m[0]};
    while (!queue.empty()) {
      const AgentId a = queue.front();
      queue.pop_front();
      for (AgentId b : g.neighbors(a)) {
        if (one.coalition_of[b] == id &&
            std::find(reached.begin(), reached.end(), b) == reached.end()) {
          reached.push_back(b);
          queue.push_back(b);
        }
      }
    }
    CHECK(reached.size() == m.size());
  }
  std::size_t assigned = 0;
  for (auto c : one.coalition_of) assigned += c != kNoCoalition;
  CHECK(assigned == total);
  CHECK(grown > 40);  // recruitment really happened

  spec.rounds = 0;
  for (const auto& m : form_coalitions(spec, ctx).members) CHECK(m.size() == 1);
  spec.rounds = 10;
  spec.max_size = 1;
  for (const auto& m : form_coalitions(spec, ctx).members) CHECK(m.size() == 1);
}

TEST_CASE("logrolling lets an opposed neighbour join to trade support", "[collusion]") {
  Scenario s = base_scenario();
  const Model model = freeze(s);
  const Graph g = Graph::from_edges(2, {{0, 1}});
  Electorate e;
  e.agents = 2;
  e.proposals = 2;
  e.values = {3.0, 0.0,    // organizer: cares about proposal 0 passing
              -0.5, 2.0};  // neighbour: mildly against 0, strongly for 1
  e.totals = {2.5, 2.0};
  const auto beliefs_ctx = test::beliefs_of(model, e, 0);
  const ReplicateContext ctx{model, g, e, 0, 0, 1, beliefs_ctx};
  CollusionSpec spec = bloc_spec(10);  // one organizer by degree: equal degrees, so agent 0
  spec.logrolling = true;
  CHECK(form_coalitions(spec, ctx).members.at(0) == std::vector<AgentId>{0, 1});
  spec.logrolling = false;
  CHECK(form_coalitions(spec, ctx).members.at(0) == std::vector<AgentId>{0});
}

TEST_CASE("collusion arms are identical at 1 and 2 threads", "[collusion][determinism]") {
  Scenario s = base_scenario();
  s.agents = 20000;
  s.replicates = 3;
  s.ballot = Ballot::secret;
  ArmSpec bloc{"bloc"};
  bloc.collusion = CollusionSpec{};
  bloc.collusion->organizers.is_share = true;
  bloc.collusion->organizers.share = 0.01;
  bloc.collusion->cooperation = UniformTrait{0.0, 1.0};
  bloc.collusion->perceived_detection = TwoPointTrait{0.25, 1.0, 0.0};
  bloc.collusion->sanction = 0.5;
  bloc.collusion->sybils.share = 0.05;
  bloc.collusion->sybils.identities = 3;
  s.arms = {ArmSpec{"honest"}, bloc};
  const Model model = freeze(s);
  const auto behaviours = make_behaviours(s);
  std::vector<std::vector<std::string>> names;
  for (const auto& b : behaviours) names.push_back(b->metric_names());
  auto bytes = [&](unsigned threads) {
    std::ostringstream runs;
    analysis::RunTable table(model, analysis::ArmColumns::from(names), &runs);
    RunOptions opts;
    opts.threads = threads;
    run_replicates(model, behaviours, opts, table);
    return runs.str();
  };
  const std::string one = bytes(1);
  CHECK(one == bytes(2));
  CHECK(one.find("coalitions,coalition_size_mean") != std::string::npos);
  CHECK(one.find("sybil_identity_cost") != std::string::npos);
}

TEST_CASE("influence ratio and colluding share by hand", "[collusion]") {
  // Three identical agents, money QV; a coalition of two (max_size 2) with full
  // internalization: each member casts 2 p u / 2, the outsider p u / 2. Members hold 4/5 of all
  // |votes| and 2/3 of the agents: influence ratio (4/5) / (2/3) = 1.2.
  Scenario s = base_scenario();
  s.budget.kind = BudgetKind::money;
  s.pivot = PivotSpec{PivotModel::fixed, 0.1};
  const Model model = freeze(s);
  const Graph g = complete(3);
  const Electorate e = identical_values(3, {1.0, -0.5});
  const auto beliefs_ctx = test::beliefs_of(model, e, 0);
  const ReplicateContext ctx{model, g, e, 0, 0, 1, beliefs_ctx};
  std::vector<std::unique_ptr<const ComponentFactory>> parts;
  parts.push_back(make_collusion(bloc_spec(2)));
  const AttackBehaviour arm(std::move(parts));
  const auto out = tally(model, e, *arm.plan(ctx), Mechanism::quadratic, 0);
  const auto names = arm.metric_names();
  auto metric = [&](const char* name) {
    const auto i = std::find(names.begin(), names.end(), name) - names.begin();
    return out.arm_metrics.at(static_cast<std::size_t>(i));
  };
  CHECK(metric("coalitions") == 1.0);
  CHECK(metric("coalition_size_max") == 2.0);
  CHECK(metric("colluding_share") == Approx(2.0 / 3.0));
  CHECK(metric("defection_rate") == 0.0);
  CHECK(metric("influence_ratio") == Approx(1.2));
}
