#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "agents/attack.hpp"
#include "agents/behaviours.hpp"
#include "agents/coercion.hpp"
#include "agents/honest.hpp"
#include "agents/traits.hpp"
#include "analysis/run_table.hpp"
#include "sim/electorate.hpp"
#include "sim/graph_generators.hpp"
#include "sim/model.hpp"
#include "sim/rng.hpp"
#include "sim/runner.hpp"
#include "support/beliefs.hpp"
#include "support/outcomes.hpp"

using namespace qvsim;
using qvsim::test::Collected;
using namespace qvsim::agents;

namespace {

Scenario base_scenario() {
  Scenario s;
  s.name = "coercion-test";
  s.seed = 4242;
  s.replicates = 4;
  s.agents = 2000;
  s.proposals = 4;
  s.values.distribution = NormalDist{0.0, 1.0};
  s.values.homophily = 0.2;
  s.budget.credits = ConstantTrait{100};
  s.pivot = PivotSpec{PivotModel::fixed, 0.02};  // the hand computations below use p = 0.02
  s.graph = WattsStrogatzSpec{8, 0.1};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote, Mechanism::linear};
  s.ballot = Ballot::public_ballot;
  s.arms = {ArmSpec{"honest"}};
  return s;
}

CoercionSpec threat_spec() {
  CoercionSpec c;
  c.coercers.count = 20;
  c.placement = Selection::random;
  c.agenda = Agenda{1, -1};
  c.reach = 2;
  c.capacity = 30;
  c.severity = ConstantTrait{1e9};
  c.credibility = 1.0;
  return c;
}

// One replicate's graph and electorate, drawn as the engine draws them.
struct Draw {
  Model model;
  Graph graph;
  Electorate electorate;
  std::vector<MechanismBelief> beliefs;
  Draw(Scenario s, std::uint64_t replicate) : model(freeze(std::move(s))) {
    graph = generate_graph(model.scenario.graph, static_cast<AgentId>(model.scenario.agents),
                           StreamKey{model.scenario.seed, replicate, 0, 0, 0, Purpose::graph});
    electorate = draw_electorate(model.scenario.values, model.scenario.proposals, graph,
                                 model.scenario.seed, replicate);
    beliefs = test::beliefs_of(model, electorate, replicate);
  }
  ReplicateContext context(std::size_t arm, std::uint64_t replicate = 0) const {
    return ReplicateContext{model,  graph, electorate, replicate, arm, model.arm_keys.at(arm),
                            beliefs};
  }
};

MechanismOutcome tally_with(const Draw& d, const CoercionSpec& spec, Mechanism m,
                            std::size_t arm = 1) {
  std::vector<std::unique_ptr<const ComponentFactory>> parts;
  parts.push_back(make_coercion(spec));
  const AttackBehaviour b(std::move(parts));
  return tally(d.model, d.electorate, *b.plan(d.context(arm)), m, 0);
}

MechanismOutcome tally_honest(const Draw& d, Mechanism m) {
  const AttackBehaviour b({});
  return tally(d.model, d.electorate, *b.plan(d.context(0)), m, 0);
}

// runs.csv of a run, split into rows of cells.
std::vector<std::vector<std::string>> runs_csv(const Scenario& s) {
  const Model model = freeze(s);
  const auto behaviours = make_behaviours(s);
  std::vector<std::vector<std::string>> per_arm;
  for (const auto& b : behaviours) per_arm.push_back(b->metric_names());
  std::ostringstream out;
  analysis::RunTable table(model, analysis::ArmColumns::from(per_arm), &out);
  run_replicates(model, behaviours, RunOptions{}, table);
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(out.str());
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

// Every arm after the first must match the first arm in every engine column of runs.csv (all
// columns up to `decisions`) except the arm's name.
void check_engine_columns_equal(const Scenario& s) {
  const auto rows = runs_csv(s);
  REQUIRE(rows.size() > 1);
  const auto& header = rows[0];
  const auto last = std::find(header.begin(), header.end(), "decisions");
  REQUIRE(last != header.end());
  const auto engine = static_cast<std::size_t>(last - header.begin()) + 1;
  const std::size_t arms = s.arms.size();
  const std::size_t mechs = s.mechanisms.size();
  REQUIRE(rows.size() == 1 + s.replicates * arms * mechs);
  for (std::size_t r = 0; r < s.replicates; ++r) {
    for (std::size_t a = 1; a < arms; ++a) {
      for (std::size_t m = 0; m < mechs; ++m) {
        const auto& base = rows[1 + (r * arms) * mechs + m];
        const auto& row = rows[1 + (r * arms + a) * mechs + m];
        CHECK(row[1] == s.arms[a].name);
        for (std::size_t c = 0; c < engine; ++c) {
          if (c == 1) continue;
          INFO("replicate " << r << " arm " << s.arms[a].name << " column " << header[c]);
          CHECK(row[c] == base[c]);
        }
      }
    }
  }
}

double sum(const std::vector<double>& v) {
  double t = 0.0;
  for (double x : v) t += x;
  return t;
}

}  // namespace

TEST_CASE("instructed votes follow each mechanism's rule", "[coercion]") {
  BudgetSpec credits;
  credits.credits = ConstantTrait{50};
  const std::vector<double> base{0.5, -1.0, 1.0};
  std::vector<double> out(3);
  const Agenda agenda{1, 1};
  CHECK(instructed_votes(Mechanism::quadratic, credits, 50.0, agenda, 1.0, base, out) ==
        Approx(50.0));
  CHECK(out == std::vector<double>{0.0, std::sqrt(50.0), 0.0});
  credits.integer_votes = true;
  CHECK(instructed_votes(Mechanism::quadratic, credits, 50.0, agenda, 1.0, base, out) == 49.0);
  CHECK(out == std::vector<double>{0.0, 7.0, 0.0});
  CHECK(instructed_votes(Mechanism::linear, credits, 50.0, Agenda{2, -1}, 1.0, base, out) == 50.0);
  CHECK(out == std::vector<double>{0.0, 0.0, -50.0});
  CHECK(instructed_votes(Mechanism::one_person_one_vote, credits, 50.0, agenda, 1.0, base, out) ==
        2.5);
  CHECK(out == std::vector<double>{0.5, 1.0, 1.0});
  BudgetSpec money;
  money.kind = BudgetKind::money;
  CHECK(instructed_votes(Mechanism::quadratic, money, 0.0, Agenda{0, -1}, 3.0, base, out) == 9.0);
  CHECK(out == std::vector<double>{-3.0, 0.0, 0.0});
  // In place, as components call it.
  std::vector<double> ballot{1.0, -1.0, 0.0};
  instructed_votes(Mechanism::one_person_one_vote, credits, 50.0, Agenda{2, -1}, 1.0, ballot,
                   ballot);
  CHECK(ballot == std::vector<double>{1.0, -1.0, -1.0});

  CHECK(top_agenda(std::vector<double>{0.5, -2.0, 2.0}).proposal == 1);
  CHECK(top_agenda(std::vector<double>{0.5, -2.0, 2.0}).direction == -1);
  CHECK(top_agenda(std::vector<double>{0.0, 0.0}).proposal == 0);
  CHECK(top_agenda(std::vector<double>{0.0, 0.0}).direction == 1);
}

TEST_CASE("severity 0 or no coercers: the arm equals honest bit for bit", "[coercion]") {
  Scenario s = base_scenario();
  ArmSpec mild{"mild"};
  mild.coercion = threat_spec();
  mild.coercion->severity = ConstantTrait{0.0};
  mild.coercion->rounds = 5;
  mild.coercion->fear_response = 3.0;
  mild.coercion->extend_reach = true;
  ArmSpec none{"none"};
  none.coercion = threat_spec();
  none.coercion->coercers.count = 0;
  ArmSpec no_share{"no_share"};
  no_share.coercion = threat_spec();
  no_share.coercion->coercers = CountOrShare{true, 0, 0.0};
  s.arms = {ArmSpec{"honest"}, mild, none, no_share};

  for (const Ballot ballot : {Ballot::public_ballot, Ballot::provable, Ballot::secret}) {
    s.ballot = ballot;
    const Model model = freeze(s);
    Collected c;
    run_replicates(model, make_behaviours(s), RunOptions{}, c);
    for (const auto& o : c.outcomes) {
      for (std::size_t a = 1; a < s.arms.size(); ++a) {
        for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
          const auto& base = o.arms[0].mechanisms[m];
          const auto& arm = o.arms[a].mechanisms[m];
          CHECK(arm.tally == base.tally);
          CHECK(arm.decision == base.decision);
          CHECK(arm.spent == base.spent);
          CHECK(arm.abs_votes == base.abs_votes);
          // The coercion metrics, then ballots_changed and arm_inert (agents/attack.hpp).
          REQUIRE(arm.arm_metrics.size() == 9);
          CHECK(arm.arm_metrics[7] == 0.0);  // no ballot changed
          CHECK(arm.arm_metrics[8] == 1.0);  // flagged inert
          CHECK(arm.arm_metrics[1] == 0.0);  // complied
          CHECK(arm.arm_metrics[3] == 0.0);  // punished: no sanction to carry out
          CHECK(arm.arm_metrics[4] == 0.0);  // harm
          CHECK(arm.arm_metrics[5] == 0.0);  // coerced share
        }
      }
      // Severity 0 still threatens (and is defied): the count is reported.
      CHECK(o.arms[1].mechanisms[0].arm_metrics[0] > 0.0);
      CHECK(o.arms[2].mechanisms[0].arm_metrics[0] == 0.0);
    }
  }
  s.ballot = Ballot::public_ballot;
  check_engine_columns_equal(s);
}

TEST_CASE("certain compliance moves the agenda's tally by sqrt(B) - v per complier", "[coercion]") {
  Scenario s = base_scenario();
  ArmSpec arm{"threat"};
  arm.coercion = threat_spec();
  s.arms = {ArmSpec{"honest"}, arm};
  for (const bool integer : {false, true}) {
    s.budget.integer_votes = integer;
    INFO("integer votes " << integer);
    const Draw d(s, 0);
    const CoercionPlan plan = plan_coercion(*arm.coercion, d.context(1));
    REQUIRE(plan.coercers.size() == 20);
    const double root = integer ? 10.0 : std::sqrt(100.0);
    const std::uint32_t k = arm.coercion->agenda.proposal;
    const double dir = arm.coercion->agenda.direction;

    // QV with credits: every threatened agent complies (the sanction dwarfs any loss).
    const CoercionMechanism& qv = plan.mechanisms[0];
    REQUIRE(qv.mechanism == Mechanism::quadratic);
    REQUIRE(qv.threatened.size() > 100);
    CHECK(qv.complied_count == qv.threatened.size());
    CHECK(qv.punished_count == 0);
    std::vector<double> expected(s.proposals, 0.0);
    std::vector<double> honest(s.proposals);
    for (const AgentId a : qv.threatened) {
      const auto u = d.electorate.of(a);
      honest_votes(Mechanism::quadratic, s.budget, belief_for(d.beliefs, Mechanism::quadratic),
                   voter_of(s, 0, a, u), honest);
      for (std::uint32_t p = 0; p < s.proposals; ++p) {
        expected[p] += (p == k ? dir * root : 0.0) - honest[p];
      }
    }
    const auto base = tally_honest(d, Mechanism::quadratic);
    const auto attacked = tally_with(d, *arm.coercion, Mechanism::quadratic);
    for (std::uint32_t p = 0; p < s.proposals; ++p) {
      if (integer) {
        CHECK(attacked.tally[p] - base.tally[p] == expected[p]);  // whole numbers: exact
      } else {
        CHECK(attacked.tally[p] - base.tally[p] == Approx(expected[p]).margin(1e-9));
      }
    }
    // The agenda moved by sqrt(B) - v per complier, v her honest vote signed in its direction.
    double moved = 0.0;
    for (const AgentId a : qv.threatened) {
      const auto u = d.electorate.of(a);
      honest_votes(Mechanism::quadratic, s.budget, belief_for(d.beliefs, Mechanism::quadratic),
                   voter_of(s, 0, a, u), honest);
      moved += root - dir * honest[k];
    }
    CHECK(dir * (attacked.tally[k] - base.tally[k]) == Approx(moved).margin(1e-9));

    // 1p1v: 2 per agent who switches sides, nothing for those already on the agenda's side.
    const CoercionMechanism& one = plan.mechanisms[1];
    CHECK(one.complied_count == one.threatened.size());
    double switched = 0.0;
    for (const AgentId a : one.threatened) switched += d.electorate.of(a)[k] * dir < 0.0 ? 1 : 0;
    const auto base1 = tally_honest(d, Mechanism::one_person_one_vote);
    const auto attacked1 = tally_with(d, *arm.coercion, Mechanism::one_person_one_vote);
    CHECK(attacked1.tally[k] - base1.tally[k] == 2.0 * dir * switched);
    for (std::uint32_t p = 0; p < s.proposals; ++p) {
      if (p != k) CHECK(attacked1.tally[p] == base1.tally[p]);
    }
    // coerced_vote_share: |votes| of compliers over all |votes|.
    CHECK(attacked1.arm_metrics[5] ==
          Approx(static_cast<double>(one.complied_count * s.proposals) / attacked1.abs_votes));
  }
}

TEST_CASE("on a star the hub threatens its leaves up to capacity", "[coercion]") {
  const AgentId leaves = 12;
  std::vector<std::pair<AgentId, AgentId>> edges;
  for (AgentId a = 1; a <= leaves; ++a) edges.emplace_back(0, a);
  Scenario s = base_scenario();
  s.agents = leaves + 1;
  s.proposals = 2;
  ArmSpec arm{"threat"};
  arm.coercion = threat_spec();
  arm.coercion->coercers.count = 1;
  arm.coercion->placement = Selection::degree;
  arm.coercion->agenda = Agenda{0, 1};
  s.arms = {ArmSpec{"honest"}, arm};
  const Model model = freeze(s);
  const Graph star = Graph::from_edges(leaves + 1, edges);
  const Electorate e = draw_electorate(s.values, s.proposals, star, s.seed, 0);
  const auto beliefs_ctx = test::beliefs_of(model, e, 0);
  const ReplicateContext ctx{model, star, e, 0, 1, model.arm_keys[1], beliefs_ctx};

  auto threatened = [&](std::uint32_t reach, std::uint32_t capacity) {
    CoercionSpec c = *arm.coercion;
    c.reach = reach;
    c.capacity = capacity;
    const CoercionPlan plan = plan_coercion(c, ctx);
    REQUIRE(plan.coercers == std::vector<AgentId>{0});
    for (const auto& cm : plan.mechanisms) CHECK(cm.threatened == plan.mechanisms[0].threatened);
    return plan.mechanisms[0].threatened;
  };
  std::vector<AgentId> all(leaves);
  for (AgentId a = 0; a < leaves; ++a) all[a] = a + 1;
  CHECK(threatened(1, 1000) == all);
  CHECK(threatened(3, 1000) == all);
  CHECK(threatened(0, 1000).empty());
  CHECK(threatened(1, 0).empty());
  CHECK(threatened(1, 5) == std::vector<AgentId>{1, 2, 3, 4, 5});
  CHECK(threatened(1, leaves) == all);

  // From a leaf: the hub first (distance 1), then the lowest other leaves (distance 2).
  std::vector<std::uint8_t> coercer(leaves + 1, 0);
  coercer[7] = 1;
  CHECK(threat_targets(star, 7, 2, 3, coercer) == std::vector<AgentId>{0, 1, 2});
  CHECK(threat_targets(star, 7, 1, 3, coercer) == std::vector<AgentId>{0});
  // Other coercers are passed through but never threatened.
  coercer[1] = 1;
  CHECK(threat_targets(star, 7, 2, 3, coercer) == std::vector<AgentId>{0, 2, 3});
}

TEST_CASE("an agent on several lists obeys the strongest coercer", "[coercion]") {
  // Two hubs of degree 4 sharing leaf 5.
  const std::vector<std::pair<AgentId, AgentId>> edges{{0, 2}, {0, 3}, {0, 4}, {0, 5},
                                                       {1, 5}, {1, 6}, {1, 7}, {1, 8}};
  const Graph g = Graph::from_edges(9, edges);
  Scenario s = base_scenario();
  s.agents = 9;
  s.arms = {ArmSpec{"honest"}, ArmSpec{"threat"}};
  const Model model = freeze(s);
  const Electorate e = draw_electorate(s.values, s.proposals, g, s.seed, 0);
  CoercionSpec c = threat_spec();
  c.coercers.count = 2;
  c.placement = Selection::degree;
  c.reach = 1;
  c.capacity = 10;
  int wins_for_1 = 0;
  for (std::uint64_t rep = 0; rep < 20; ++rep) {
    const auto beliefs_ctx = test::beliefs_of(model, e, rep);
    const ReplicateContext ctx{model, g, e, rep, 1, model.arm_keys[1], beliefs_ctx};
    c.severity = UniformTrait{0.0, 10.0};
    const CoercionPlan plan = plan_coercion(c, ctx);
    REQUIRE(plan.coercers == std::vector<AgentId>{0, 1});
    const auto& cm = plan.mechanisms[0];
    REQUIRE(cm.threatened == std::vector<AgentId>{2, 3, 4, 5, 6, 7, 8});
    const std::uint32_t strongest = plan.severity[1] > plan.severity[0] ? 1 : 0;
    CHECK(cm.coercer[3] == strongest);  // agent 5
    wins_for_1 += static_cast<int>(strongest);
    // Equal severities: the lower coercer id.
    c.severity = ConstantTrait{2.0};
    CHECK(plan_coercion(c, ctx).mechanisms[0].coercer[3] == 0);
  }
  CHECK(wins_for_1 > 0);
  CHECK(wins_for_1 < 20);
}

TEST_CASE("secret ballot: no belief in detection, no compliance; full belief equals provable",
          "[coercion]") {
  Scenario s = base_scenario();
  s.replicates = 3;
  ArmSpec arm{"threat"};
  arm.coercion = threat_spec();
  arm.coercion->shared_agenda = false;
  arm.coercion->severity = UniformTrait{0.0, 3.0};
  arm.coercion->credibility = 0.6;
  arm.coercion->rounds = 4;
  arm.coercion->fear_response = 1.0;
  arm.coercion->extend_reach = true;
  s.arms = {ArmSpec{"honest"}, arm};

  auto run = [](const Scenario& sc) {
    const Model model = freeze(sc);
    Collected c;
    run_replicates(model, make_behaviours(sc), RunOptions{}, c);
    return std::move(c.outcomes);
  };

  s.ballot = Ballot::secret;
  s.arms[1].coercion->perceived_detection = ConstantTrait{0.0};
  for (const auto& o : run(s)) {
    for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
      CHECK(o.arms[1].mechanisms[m].tally == o.arms[0].mechanisms[m].tally);
      CHECK(o.arms[1].mechanisms[m].arm_metrics[0] > 0.0);   // threatened
      CHECK(o.arms[1].mechanisms[m].arm_metrics[1] == 0.0);  // complied
      CHECK(o.arms[1].mechanisms[m].arm_metrics[3] == 0.0);  // never punished under secret
    }
  }

  s.arms[1].coercion->perceived_detection = ConstantTrait{1.0};
  const auto secret = run(s);
  s.ballot = Ballot::provable;
  const auto provable = run(s);
  double complied = 0.0;
  for (std::size_t r = 0; r < secret.size(); ++r) {
    for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
      const auto& a = secret[r].arms[1].mechanisms[m];
      const auto& b = provable[r].arms[1].mechanisms[m];
      CHECK(a.tally == b.tally);
      CHECK(a.decision == b.decision);
      CHECK(a.spent == b.spent);
      for (std::size_t i = 0; i < 3; ++i) CHECK(a.arm_metrics[i] == b.arm_metrics[i]);
      CHECK(a.arm_metrics[5] == b.arm_metrics[5]);
      complied += a.arm_metrics[1];
      CHECK(a.arm_metrics[3] == 0.0);  // the truth: under secret nobody can be caught
    }
  }
  CHECK(complied > 0.0);
}

TEST_CASE("fear spreads: compliance never decreases from round to round", "[coercion]") {
  Scenario s = base_scenario();
  CoercionSpec c = threat_spec();
  c.coercers.count = 40;
  c.reach = 1;
  c.capacity = 8;
  c.severity = UniformTrait{0.0, 1.0};
  c.credibility = 0.3;
  c.fear_response = 2.0;
  c.rounds = 8;
  s.arms = {ArmSpec{"honest"}, ArmSpec{"threat"}};
  for (const bool extend : {false, true}) {
    INFO("extend_reach " << extend);
    c.extend_reach = extend;
    std::uint64_t grew = 0;
    for (std::uint64_t rep = 0; rep < 3; ++rep) {
      const Draw d(s, rep);
      const CoercionPlan plan = plan_coercion(c, d.context(1, rep));
      CoercionSpec still = c;
      still.fear_response = 0.0;
      still.extend_reach = false;
      const CoercionPlan calm = plan_coercion(still, d.context(1, rep));
      for (std::size_t m = 0; m < plan.mechanisms.size(); ++m) {
        const auto& by_round = plan.mechanisms[m].complied_by_round;
        REQUIRE(by_round.size() == c.rounds + 1);
        for (std::size_t t = 1; t < by_round.size(); ++t) CHECK(by_round[t] >= by_round[t - 1]);
        CHECK(by_round.back() == plan.mechanisms[m].complied_count);
        // Round 0 is the no-fear compliance.
        CHECK(by_round[0] == calm.mechanisms[m].complied_count);
        grew += by_round.back() - by_round[0];
        // Capacity holds even as threats extend.
        std::vector<std::uint32_t> per(plan.coercers.size(), 0);
        for (const auto co : plan.mechanisms[m].coercer) ++per[co];
        for (const auto n : per) CHECK(n <= c.capacity);
        if (!extend) CHECK(plan.mechanisms[m].threatened == calm.mechanisms[m].threatened);
        for (const double cr : plan.mechanisms[m].credibility) {
          CHECK(cr >= c.credibility);
          CHECK(cr <= 1.0);
        }
      }
      if (extend) {
        CHECK(plan.mechanisms[0].threatened.size() > calm.mechanisms[0].threatened.size());
      }
    }
    CHECK(grew > 0);
  }
}

TEST_CASE("sanctions fall on detected defiers only, and harm adds their severities", "[coercion]") {
  Scenario s = base_scenario();
  CoercionSpec c = threat_spec();
  c.coercers.count = 30;
  c.severity = UniformTrait{0.0, 1.0};
  c.credibility = 0.5;
  s.arms = {ArmSpec{"honest"}, ArmSpec{"threat"}};
  const Draw d(s, 0);
  const CoercionPlan plan = plan_coercion(c, d.context(1));
  std::uint64_t defied = 0;
  for (const auto& cm : plan.mechanisms) {
    double harm = 0.0;
    for (std::size_t j = 0; j < cm.threatened.size(); ++j) {
      if (cm.complied[j] != 0) CHECK(cm.punished[j] == 0);
      defied += cm.complied[j] == 0 ? 1 : 0;
      if (cm.punished[j] != 0) harm += plan.severity[cm.coercer[j]];
    }
    CHECK(cm.harm == harm);
    CHECK(std::is_sorted(cm.threatened.begin(), cm.threatened.end()));
  }
  REQUIRE(defied > 20);
  std::uint64_t punished = 0;
  for (const auto& cm : plan.mechanisms) punished += cm.punished_count;
  // Each defier is punished with chance 1/2 (about 0.5 * defied).
  CHECK(punished > 0);
  CHECK(punished < defied);
  s.ballot = Ballot::secret;
  const Draw ds(s, 0);
  for (const auto& cm : plan_coercion(c, ds.context(1)).mechanisms) CHECK(cm.punished_count == 0);
}

TEST_CASE("coercion metrics add up", "[coercion]") {
  Scenario s = base_scenario();
  ArmSpec arm{"threat"};
  arm.coercion = threat_spec();
  arm.coercion->severity = UniformTrait{0.0, 1.0};
  arm.coercion->credibility = 0.8;
  s.arms = {ArmSpec{"honest"}, arm};
  const Model model = freeze(s);
  const auto behaviours = make_behaviours(s);
  CHECK(behaviours[1]->metric_names() ==
        std::vector<std::string>{"threatened", "complied", "defied", "punished", "harm",
                                 "coerced_vote_share", "coercion_audit_cost", "ballots_changed",
                                 "arm_inert"});
  Collected c;
  run_replicates(model, behaviours, RunOptions{}, c);
  for (const auto& o : c.outcomes) {
    for (const auto& mo : o.arms[1].mechanisms) {
      const auto& x = mo.arm_metrics;
      CHECK(x[0] == x[1] + x[2]);
      CHECK(x[3] <= x[2]);
      CHECK(x[5] >= 0.0);
      CHECK(x[5] <= 1.0);
      CHECK(x[6] == 0.0);  // public ballot: nothing to audit
    }
  }
  (void)sum;
}

namespace {

// The rounds computed the plain way: every threatened agent recomputed every round from the whole
// previous state, and every complying agent proposing her neighbours every round.
struct Reference {
  std::vector<std::uint32_t> coercer;  // by agent; kNone when not threatened
  std::vector<std::uint8_t> complied;  // by agent
  std::vector<double> credibility;     // by agent
  std::vector<std::uint64_t> by_round;
};

Reference reference_rounds(const CoercionSpec& spec, const ReplicateContext& ctx,
                           const CoercionPlan& plan, Mechanism m) {
  constexpr std::uint32_t kNone = 0xffffffffu;
  const Scenario& s = ctx.model.scenario;
  const Graph& g = ctx.graph;
  const AgentId n = g.num_agents();
  auto stronger = [&](std::uint32_t a, std::uint32_t b) {
    return plan.severity[a] != plan.severity[b] ? plan.severity[a] > plan.severity[b] : a < b;
  };
  std::vector<std::uint8_t> is_coercer(n, 0);
  for (const AgentId c : plan.coercers) is_coercer[c] = 1;
  Reference r;
  r.coercer.assign(n, kNone);
  for (std::uint32_t i = 0; i < plan.coercers.size(); ++i) {
    for (const AgentId t :
         threat_targets(g, plan.coercers[i], spec.reach, spec.capacity, is_coercer)) {
      if (r.coercer[t] == kNone || stronger(i, r.coercer[t])) r.coercer[t] = i;
    }
  }
  std::vector<std::uint32_t> room(plan.coercers.size(), spec.capacity);
  for (AgentId a = 0; a < n; ++a) {
    if (r.coercer[a] != kNone) --room[r.coercer[a]];
  }
  std::vector<double> honest(s.proposals), told(s.proposals);
  auto complies = [&](AgentId a, double credibility) {
    const auto u = ctx.electorate.of(a);
    const Voter voter = voter_of(s, ctx.replicate, a, u);
    const MechanismBelief& belief = ctx.belief(m);
    honest_votes(m, s.budget, belief, voter, honest);
    instructed_votes(m, s.budget, voter.credits, plan.agendas[r.coercer[a]], spec.demanded_votes,
                     honest, told);
    const double loss = private_loss(m, s.budget, belief, voter, honest, told);
    const double detection =
        s.ballot == Ballot::secret
            ? agent_trait(spec.perceived_detection,
                          StreamKey{s.seed, ctx.replicate, 0, 0, a, purpose::belief})
            : 1.0;
    const double sanction = plan.severity[r.coercer[a]] * credibility * detection;
    return sanction > 0.0 && sanction > std::max(0.0, loss);
  };
  r.credibility.assign(n, spec.credibility);
  r.complied.assign(n, 0);
  for (AgentId a = 0; a < n; ++a) {
    if (r.coercer[a] != kNone) r.complied[a] = complies(a, spec.credibility) ? 1 : 0;
  }
  auto count = [&] {
    std::uint64_t c = 0;
    for (const auto x : r.complied) c += x;
    return c;
  };
  r.by_round.push_back(count());
  for (std::uint32_t round = 1; round <= spec.rounds; ++round) {
    if (spec.extend_reach) {
      std::vector<std::vector<std::uint32_t>> proposals(n);
      for (AgentId a = 0; a < n; ++a) {
        if (r.complied[a] == 0) continue;
        for (const AgentId b : g.neighbors(a)) {
          if (is_coercer[b] == 0 && r.coercer[b] == kNone) proposals[b].push_back(r.coercer[a]);
        }
      }
      for (AgentId b = 0; b < n; ++b) {
        auto& p = proposals[b];
        std::sort(p.begin(), p.end(), stronger);
        for (const auto c : p) {
          if (room[c] > 0) {
            --room[c];
            r.coercer[b] = c;
            break;
          }
        }
      }
    }
    std::vector<std::uint8_t> next(n, 0);
    for (AgentId a = 0; a < n; ++a) {
      if (r.coercer[a] == kNone) continue;
      std::uint32_t scared = 0;
      for (const AgentId b : g.neighbors(a)) scared += r.complied[b];
      const double share = g.degree(a) > 0 ? static_cast<double>(scared) / g.degree(a) : 0.0;
      r.credibility[a] = std::min(1.0, spec.credibility + spec.fear_response * share);
      next[a] = complies(a, r.credibility[a]) ? 1 : 0;
    }
    r.complied = next;
    r.by_round.push_back(count());
  }
  return r;
}

}  // namespace

TEST_CASE("the planner's rounds match a plain reference computation", "[coercion]") {
  Scenario s = base_scenario();
  s.agents = 1200;
  s.arms = {ArmSpec{"honest"}, ArmSpec{"threat"}};
  CoercionSpec c = threat_spec();
  c.shared_agenda = false;
  c.severity = UniformTrait{0.0, 1.5};
  c.credibility = 0.3;
  c.perceived_detection = UniformTrait{0.2, 1.0};
  c.rounds = 7;
  std::uint64_t grew = 0;
  std::int64_t extended = 0;  // threatened with extension minus without
  const std::vector<GraphSpec> graphs{WattsStrogatzSpec{6, 0.2}, BarabasiAlbertSpec{3}};
  for (const GraphSpec& graph : graphs) {
    s.graph = graph;
    for (const Ballot ballot : {Ballot::public_ballot, Ballot::secret}) {
      s.ballot = ballot;
      const Draw d(s, 1);
      for (const bool extend : {false, true}) {
        for (const std::uint32_t capacity : {3u, 25u}) {
          for (const double fear : {0.0, 1.5}) {
            c.extend_reach = extend;
            c.capacity = capacity;
            c.fear_response = fear;
            c.coercers.count = 15;
            c.reach = capacity == 3 ? 1 : 2;
            INFO("extend " << extend << " capacity " << capacity << " fear " << fear << " secret "
                           << (ballot == Ballot::secret));
            const auto ctx = d.context(1);
            const CoercionPlan plan = plan_coercion(c, ctx);
            for (const auto& cm : plan.mechanisms) {
              const Reference r = reference_rounds(c, ctx, plan, cm.mechanism);
              CHECK(cm.complied_by_round == r.by_round);
              grew += r.by_round.back() - r.by_round.front();
              const auto size = static_cast<std::int64_t>(cm.threatened.size());
              extended += extend ? size : -size;
              std::vector<AgentId> threatened;
              for (AgentId a = 0; a < d.graph.num_agents(); ++a) {
                if (r.coercer[a] != 0xffffffffu) threatened.push_back(a);
              }
              REQUIRE(cm.threatened == threatened);
              for (std::size_t j = 0; j < threatened.size(); ++j) {
                const AgentId a = threatened[j];
                CHECK(cm.coercer[j] == r.coercer[a]);
                CHECK(cm.complied[j] == r.complied[a]);
                CHECK(cm.credibility[j] == r.credibility[a]);
              }
            }
          }
        }
      }
    }
  }
  CHECK(grew > 0);      // fear and extension did change compliance
  CHECK(extended > 0);  // and extension threatened more agents than reach alone
}

TEST_CASE("coercers are placed at random, by degree or within a block", "[coercion]") {
  Scenario s = base_scenario();
  s.agents = 600;
  s.graph = StochasticBlockSpec{{200, 250, 150}, 0.05, 0.002};
  s.arms = {ArmSpec{"honest"}, ArmSpec{"threat"}};
  const Draw d(s, 0);
  CoercionSpec c = threat_spec();
  c.coercers = CountOrShare{true, 0, 0.05};  // 30 of 600
  c.placement = Selection::block;
  c.block = 2;
  const CoercionPlan in_block = plan_coercion(c, d.context(1));
  REQUIRE(in_block.coercers.size() == 30);
  CHECK(std::is_sorted(in_block.coercers.begin(), in_block.coercers.end()));
  for (const AgentId a : in_block.coercers) CHECK(d.graph.blocks()[a] == 2);
  // Coercers are never threatened.
  for (const auto& cm : in_block.mechanisms) {
    for (const AgentId a : cm.threatened) {
      CHECK_FALSE(std::binary_search(in_block.coercers.begin(), in_block.coercers.end(), a));
    }
  }
  // The same arm key and replicate give the same coercers; another arm, others.
  CHECK(plan_coercion(c, d.context(1)).coercers == in_block.coercers);
  CHECK(plan_coercion(c, d.context(0)).coercers != in_block.coercers);

  c.placement = Selection::degree;
  const CoercionPlan top = plan_coercion(c, d.context(1));
  std::uint32_t weakest = 0xffffffffu;
  for (const AgentId a : top.coercers) weakest = std::min(weakest, d.graph.degree(a));
  std::uint32_t above = 0;
  for (AgentId a = 0; a < d.graph.num_agents(); ++a) above += d.graph.degree(a) > weakest ? 1 : 0;
  CHECK(above < 30);  // nobody left out has a higher degree than a chosen coercer

  c.placement = Selection::random;
  c.coercers = CountOrShare{false, 600, 0.0};
  const CoercionPlan everyone = plan_coercion(c, d.context(1));
  CHECK(everyone.coercers.size() == 600);
  CHECK(everyone.mechanisms[0].threatened.empty());  // nobody left to threaten
}

TEST_CASE("compliance: public >= provable >= secret, strictly, with audit < 1; none at severity 0",
          "[coercion][ballot]") {
  // Compliance needs severity x credibility x detection > loss: detection 1 (public), audit 0.4
  // (provable), 0.1 (secret, everyone's belief). Severities spread over [0, 2] put threatened
  // agents on both sides of each threshold (fixed seed; the gaps are tens of agents).
  Scenario s = base_scenario();
  s.replicates = 2;
  ArmSpec arm{"threat"};
  arm.coercion = threat_spec();
  arm.coercion->severity = UniformTrait{0.0, 2.0};
  arm.coercion->audit = 0.4;
  arm.coercion->audit_cost = 0.5;
  arm.coercion->perceived_detection = ConstantTrait{0.1};
  s.arms = {ArmSpec{"honest"}, arm};
  std::vector<double> complied;
  for (const Ballot ballot : {Ballot::public_ballot, Ballot::provable, Ballot::secret}) {
    s.ballot = ballot;
    double sum = 0.0;
    for (const auto& o : test::run_outcomes(s)) {
      for (const auto& mo : o.arms[1].mechanisms) {
        const auto& x = mo.arm_metrics;
        sum += x[1];
        if (ballot == Ballot::provable) {
          CHECK(x[6] > 0.0);         // audit cost: 0.5 per threatened agent checked
          CHECK(x[6] < 0.5 * x[0]);  // not all of them
          CHECK(x[3] < x[2]);        // only checked defiers can be punished
        } else {
          CHECK(x[6] == 0.0);
        }
        if (ballot == Ballot::secret) CHECK(x[3] == 0.0);
      }
    }
    complied.push_back(sum);
    // Severity 0: nobody complies under any ballot.
    Scenario mild = s;
    mild.arms[1].coercion->severity = ConstantTrait{0.0};
    for (const auto& o : test::run_outcomes(mild)) {
      for (const auto& mo : o.arms[1].mechanisms) {
        CHECK(mo.arm_metrics[0] > 0.0);
        CHECK(mo.arm_metrics[1] == 0.0);
      }
    }
  }
  INFO(complied[0] << " " << complied[1] << " " << complied[2]);
  CHECK(complied[0] > complied[1]);
  CHECK(complied[1] > complied[2]);
  CHECK(complied[2] > 0.0);
}
