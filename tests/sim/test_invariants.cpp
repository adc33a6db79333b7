#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "agents/attack.hpp"
#include "agents/behaviours.hpp"
#include "agents/beliefs.hpp"
#include "agents/bribery.hpp"
#include "agents/coercion.hpp"
#include "agents/collusion.hpp"
#include "agents/honest.hpp"
#include "agents/invariants.hpp"
#include "sim/electorate.hpp"
#include "sim/error.hpp"
#include "sim/graph_generators.hpp"
#include "sim/invariants.hpp"
#include "sim/model.hpp"
#include "sim/rng.hpp"
#include "sim/runner.hpp"
#include "support/beliefs.hpp"

using namespace qvsim;
using namespace qvsim::agents;
using Catch::Matchers::Contains;

namespace {

// Arm indices of scenario() below; the honest arm is index 0.
constexpr std::size_t kCollusion = 1;
constexpr std::size_t kCoercion = 2;
constexpr std::size_t kBribery = 3;

// Every kind of arm, with settings under which each does something: coalitions grow and (under a
// secret ballot) some members defect, some threatened agents comply and some defy, the briber
// buys some votes but not all.
Scenario scenario(Ballot ballot) {
  Scenario s;
  s.name = "invariants-test";
  s.seed = 31;
  s.replicates = 3;
  s.agents = 1500;
  s.proposals = 4;
  s.values.distribution = NormalDist{0.1, 1.0};
  s.values.homophily = 0.3;
  s.budget.credits = ConstantTrait{100};
  s.pivot = PivotSpec{PivotModel::fixed, 0.02};  // the attack setups below are sized for p
  s.graph = WattsStrogatzSpec{8, 0.1};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote, Mechanism::linear};
  s.ballot = ballot;

  ArmSpec collusion{"collusion"};
  CollusionSpec c;
  c.organizers.count = 12;
  c.max_size = 30;
  c.rounds = 5;
  c.loyalty = ConstantTrait{0.5};
  collusion.collusion = c;

  ArmSpec coercion{"coercion"};
  CoercionSpec k;
  k.coercers.count = 8;
  k.reach = 2;
  k.capacity = 20;
  k.severity = UniformTrait{0.0, 0.6};
  k.credibility = 0.6;
  k.perceived_detection = ConstantTrait{0.5};
  k.rounds = 3;
  k.fear_response = 0.5;
  k.extend_reach = true;
  coercion.coercion = k;

  ArmSpec bribery{"bribery"};
  BriberySpec b;
  b.budget = 200.0;
  b.agenda = Agenda{0, -1};  // against a proposal the electorate leans towards (mean 0.1)
  b.honesty = ConstantTrait{0.5};
  bribery.bribery = b;

  s.arms = {ArmSpec{"honest"}, collusion, coercion, bribery};
  return s;
}

// One replicate's draw, as run_replicate makes it, and the arms' behaviours.
struct Draw {
  Model model;
  Graph graph;
  Electorate electorate;
  ArmBehaviours behaviours;
  std::vector<MechanismBelief> beliefs;
  std::uint64_t replicate;

  explicit Draw(const Scenario& s, std::uint64_t r = 0) : model(freeze(s)), replicate(r) {
    graph = generate_graph(s.graph, static_cast<AgentId>(s.agents),
                           StreamKey{s.seed, r, 0, 0, 0, Purpose::graph});
    electorate = draw_electorate(s.values, s.proposals, graph, s.seed, r);
    behaviours = make_behaviours(model.scenario);
    beliefs = test::beliefs_of(model, electorate, r);
  }
  ReplicateContext context(std::size_t arm) const {
    return {model, graph, electorate, replicate, arm, model.arm_keys[arm], beliefs};
  }
  const Scenario& scenario() const { return model.scenario; }
};

// The message of the InvariantViolation that f throws, or "" when it throws none. Any other
// exception escapes and fails the test.
template <class F>
std::string violation(F&& f) {
  try {
    f();
  } catch (const InvariantViolation& e) {
    return e.what();
  }
  return "";
}

InvariantSite site(std::uint64_t replicate = 0) {
  InvariantSite s;
  s.replicate = replicate;
  s.arm = "test-arm";
  return s;
}

// The lookup CoercionComponent builds (agents/coercion.cpp): slot per agent, coercer per slot.
struct Lookup {
  std::vector<std::uint32_t> slot;
  std::vector<std::uint32_t> obey;
};
Lookup lookup_of(const CoercionMechanism& cm, AgentId agents) {
  Lookup l;
  for (std::size_t j = 0; j < cm.threatened.size(); ++j) {
    if (cm.complied[j] == 0) continue;
    if (l.slot.empty()) l.slot.assign(agents, kNoSlot);
    l.slot[cm.threatened[j]] = static_cast<std::uint32_t>(l.obey.size());
    l.obey.push_back(cm.coercer[j]);
  }
  return l;
}

// The delivery flags BriberyComponent keeps: per agent, empty when nobody delivers.
std::vector<std::uint8_t> deliver_of(const BriberyMechanism& bm, AgentId agents) {
  std::vector<std::uint8_t> d;
  if (std::find(bm.delivered.begin(), bm.delivered.end(), 1) == bm.delivered.end()) return d;
  d.assign(agents, 0);
  for (std::size_t i = 0; i < bm.sellers.size(); ++i) d[bm.sellers[i]] = bm.delivered[i];
  return d;
}

}  // namespace

TEST_CASE("an invariant violation names the invariant and is an internal error", "[invariants]") {
  InvariantSite at = site(4);
  at.mechanism = Mechanism::quadratic;
  const std::string what =
      violation([&] { invariant_failed("ballot.budget", at, 17, "spends 101 credits"); });
  CHECK(what ==
        "invariant violated: ballot.budget: replicate 4, arm 'test-arm', QV, agent 17: spends 101 "
        "credits");
  // A logic error, not an InputError: the CLI reports it as an internal error (exit 1, not 2).
  const InvariantViolation e("tally.sum", "x");
  const std::logic_error& base = e;
  CHECK(std::string(base.what()) == "invariant violated: tally.sum: x");
  CHECK(e.invariant() == "tally.sum");
  CHECK(dynamic_cast<const InputError*>(static_cast<const std::exception*>(&e)) == nullptr);
}

TEST_CASE("ballot check passes on every arm's real ballots", "[invariants]") {
  for (const Ballot ballot : {Ballot::public_ballot, Ballot::secret}) {
    const Draw d(scenario(ballot));
    const Scenario& s = d.scenario();
    for (std::size_t arm = 0; arm < s.arms.size(); ++arm) {
      INFO("arm " << s.arms[arm].name << ", ballot " << to_string(ballot));
      const auto plan = d.behaviours[arm]->plan(d.context(arm));
      std::vector<double> votes(s.proposals);
      std::vector<double> counters(plan->counter_count());
      std::size_t full = 0;
      for (const Mechanism m : s.mechanisms) {
        CHECK(violation([&] {
                for (AgentId a = 0; a < d.electorate.agents; ++a) {
                  const double cost = plan->cast(m, a, votes, counters);
                  check_ballot(m, s.budget.kind, 100.0, votes, cost, 1, 0.0, a, site());
                  full += m == Mechanism::quadratic && std::fabs(cost - 100.0) < 1e-9 * 100.0;
                }
              }) == "");
      }
      // The budget bound is tight: most QV ballots spend the whole budget.
      CHECK(full > d.electorate.agents / 2);
    }
  }
}

TEST_CASE("ballot check rejects overspent, mispriced and non-finite ballots", "[invariants]") {
  const BudgetKind credits = BudgetKind::credits;
  const std::vector<double> u{0.8, -0.3, 0.1};
  std::vector<double> v(3);
  const double cost = quadratic_credit_votes(u, {}, 100, false, v);
  REQUIRE(cost == Approx(100));
  CHECK(violation([&] {
          check_ballot(Mechanism::quadratic, credits, 100.0, v, cost, 1, 0.0, 7, site());
        }).empty());

  SECTION("overspent credits") {
    v[0] += 1.0;
    double spent = 0.0;
    for (const double x : v) spent += x * x;
    CHECK_THAT(
        violation([&] {
          check_ballot(Mechanism::quadratic, credits, 100.0, v, spent, 1, 0.0, 7, site(2));
        }),
        Contains("invariant violated: ballot.budget: replicate 2, arm 'test-arm', QV, agent 7") &&
            Contains("over the budget of 100"));
  }
  SECTION("cost disagrees with the votes") {
    CHECK_THAT(violation([&] {
                 check_ballot(Mechanism::quadratic, credits, 100.0, v, cost - 1.0, 1, 0.0, 7,
                              site());
               }),
               Contains("ballot.cost") && Contains("cost 98.99") && Contains("pay 99.99"));
  }
  SECTION("a vote is not finite") {
    v[2] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THAT(violation([&] {
                 check_ballot(Mechanism::quadratic, credits, 100.0, v, cost, 1, 0.0, 7, site());
               }),
               Contains("ballot.finite") && Contains("proposal 2"));
  }
  SECTION("one person casts two votes on a proposal") {
    const std::vector<double> w{2.0, -1.0, 0.0};
    CHECK_THAT(violation([&] {
                 check_ballot(Mechanism::one_person_one_vote, credits, 100.0, w, 3.0, 1, 0.0, 3,
                              site());
               }),
               Contains("ballot.budget") && Contains("casts 2 votes"));
    // Two identities may cast 2 votes: one each.
    CHECK(violation([&] {
            check_ballot(Mechanism::one_person_one_vote, credits, 100.0, w, 3.0, 2, 0.0, 3, site());
          }).empty());
  }
  SECTION("linear votes over the budget") {
    const std::vector<double> w{0.0, 100.5, 0.0};
    CHECK_THAT(violation([&] {
                 check_ballot(Mechanism::linear, credits, 100.0, w, 100.5, 1, 0.0, 3, site());
               }),
               Contains("ballot.budget") && Contains("100.5"));
  }
  SECTION("a sybil's identities each have a budget") {
    std::vector<double> w = v;
    for (double& x : w) x *= 3.0;
    const double paid = 3.0 * cost + 2.0 * 1.5;
    CHECK(violation([&] {
            check_ballot(Mechanism::quadratic, credits, 100.0, w, paid, 3, 3.0, 9, site());
          }).empty());
    // Counted as one identity, the same votes cost 9 budgets.
    CHECK_THAT(violation([&] {
                 check_ballot(Mechanism::quadratic, credits, 100.0, w, 9.0 * cost, 1, 0.0, 9,
                              site());
               }),
               Contains("ballot.budget") && Contains("agent 9"));
    // The identity fee is part of the cost.
    CHECK_THAT(violation([&] {
                 check_ballot(Mechanism::quadratic, credits, 100.0, w, paid, 3, 0.0, 9, site());
               }),
               Contains("ballot.cost"));
  }
  SECTION("money has no budget but the cost must match") {
    const BudgetKind money = BudgetKind::money;
    const std::vector<double> w{30.0, 0.0, -40.0};
    CHECK(violation([&] {
            check_ballot(Mechanism::quadratic, money, 0.0, w, 2500.0, 1, 0.0, 1, site());
          }).empty());
    CHECK_THAT(violation([&] {
                 check_ballot(Mechanism::quadratic, money, 0.0, w, 2400.0, 1, 0.0, 1, site());
               }),
               Contains("ballot.cost") && Contains("2500"));
  }
}

TEST_CASE("tally check passes on every arm's real outcomes and fails on corrupted copies",
          "[invariants]") {
  const Draw d(scenario(Ballot::secret), 1);
  const Scenario& s = d.scenario();
  for (std::size_t arm = 0; arm < s.arms.size(); ++arm) {
    const auto plan = d.behaviours[arm]->plan(d.context(arm));
    for (const Mechanism m : s.mechanisms) {
      INFO("arm " << s.arms[arm].name << ", " << short_label(m));
      const MechanismOutcome real = tally(d.model, d.electorate, *plan, m, d.replicate);
      const InvariantSite at = invariant_site(d.context(arm), m);
      auto check = [&](const MechanismOutcome& o) {
        return violation([&] { check_tally(d.model, d.electorate, *plan, o, d.replicate, at); });
      };
      CHECK(check(real).empty());
      CHECK(violation([&] { check_decisions(d.model, real, d.replicate, at); }).empty());

      MechanismOutcome off = real;
      // One vote too many, on the side the tally already leans to (so the decision still holds).
      off.tally[2] += off.decision[2] > 0 ? 1.0 : -1.0;
      CHECK_THAT(check(off), Contains("tally.sum") && Contains("replicate 1") &&
                                 Contains("'" + s.arms[arm].name + "'") &&
                                 Contains(short_label(m)) && Contains("tally of proposal 2"));
      off = real;
      off.decision[1] = static_cast<std::int8_t>(-off.decision[1]);
      CHECK_THAT(check(off), Contains("tally.decision") && Contains("proposal 1"));
      CHECK_THAT(violation([&] { check_decisions(d.model, off, d.replicate, at); }),
                 Contains("tally.decision") && Contains("proposal 1"));
      off = real;
      off.spent += 1.0;
      CHECK_THAT(check(off), Contains("tally.sum") && Contains("spent"));
      off = real;
      off.voters += 1;
      CHECK_THAT(check(off), Contains("tally.sum") && Contains("voters"));
      off = real;
      off.ties += 1;
      CHECK_THAT(check(off), Contains("tally.decision") && Contains("ties"));
      off = real;
      off.tally.pop_back();
      CHECK_THAT(check(off), Contains("tally.shape"));
    }
  }
}

TEST_CASE("tally check decides an exact tie by the engine's coin", "[invariants]") {
  Scenario s = scenario(Ballot::secret);
  s.agents = 2;
  s.proposals = 2;
  s.arms = {ArmSpec{"honest"}};
  const Model model = freeze(s);
  const Graph g = Graph::from_edges(2, {{0, 1}});
  Electorate e;
  e.agents = 2;
  e.proposals = 2;
  e.values = {1.0, 0.5, -1.0, -0.5};  // opposite voters: every tally is exactly 0
  e.totals = {0.0, 0.0};
  const ArmBehaviours behaviours = make_behaviours(s);
  const auto beliefs_ctx = test::beliefs_of(model, e, 5);
  const ReplicateContext ctx{model, g, e, 5, 0, model.arm_keys[0], beliefs_ctx};
  const auto plan = behaviours[0]->plan(ctx);
  const MechanismOutcome o = tally(model, e, *plan, Mechanism::quadratic, 5);
  REQUIRE(o.ties == 2);
  const InvariantSite at = invariant_site(ctx, Mechanism::quadratic);
  CHECK(violation([&] { check_tally(model, e, *plan, o, 5, at); }).empty());
  MechanismOutcome flipped = o;
  flipped.decision[0] = static_cast<std::int8_t>(-flipped.decision[0]);
  CHECK_THAT(violation([&] { check_tally(model, e, *plan, flipped, 5, at); }),
             Contains("tally.decision") && Contains("tie-break coin"));
}

TEST_CASE("coalition check passes on formed coalitions and fails on corrupted bookkeeping",
          "[invariants][collusion]") {
  const Draw d(scenario(Ballot::secret));
  const CollusionSpec& spec = *d.scenario().arms[kCollusion].collusion;
  const Coalitions real = form_coalitions(spec, d.context(kCollusion), Mechanism::quadratic);
  REQUIRE(real.members.size() == 12);
  std::size_t grown = 0;
  for (const auto& m : real.members) grown += m.size() > 1;
  REQUIRE(grown > 6);
  const InvariantSite at = invariant_site(d.context(kCollusion));
  auto check = [&](const Coalitions& c, std::uint32_t max_size) {
    return violation([&] { check_coalitions(c, d.electorate, max_size, at); });
  };
  CHECK(check(real, spec.max_size).empty());

  SECTION("an agent in two coalitions") {
    Coalitions c = real;
    const AgentId twice = c.members[0].back();
    c.members[1].push_back(twice);
    c.gain[1].push_back(0.0);
    c.loss[1].push_back(0.0);
    // One more than max_size allowed, so that the size check does not speak first.
    CHECK_THAT(check(c, spec.max_size + 1),
               Contains("coalition.unique") && Contains("agent " + std::to_string(twice)) &&
                   Contains("listed in coalition 1") && Contains("her coalition id is 0"));
  }
  SECTION("a coalition id without a member list") {
    Coalitions c = real;
    const auto free =
        static_cast<AgentId>(std::find(c.coalition_of.begin(), c.coalition_of.end(), kNoCoalition) -
                             c.coalition_of.begin());
    REQUIRE(free < d.electorate.agents);
    c.coalition_of[free] = 3;
    CHECK_THAT(check(c, spec.max_size),
               Contains("coalition.unique") && Contains("in no coalition's member list"));
  }
  SECTION("an organizer listed after another member") {
    Coalitions c = real;
    std::size_t id = 0;
    while (c.members[id].size() < 2 || c.members[id][0] != c.organizer[id]) ++id;
    std::swap(c.members[id][0], c.members[id][1]);
    CHECK_THAT(check(c, spec.max_size),
               Contains("coalition.organizer") && Contains("coalition " + std::to_string(id)));
  }
  SECTION("a member who gives more than she gets") {
    Coalitions c = real;
    c.loss[5][0] = c.gain[5][0] + 1.0;
    CHECK_THAT(check(c, spec.max_size), Contains("coalition.rational") && Contains("coalition 5"));
  }
  SECTION("a coalition over max_size") {
    std::size_t largest = 0;
    for (const auto& m : real.members) largest = std::max(largest, m.size());
    CHECK_THAT(check(real, static_cast<std::uint32_t>(largest - 1)),
               Contains("coalition.size") && Contains(std::to_string(largest) + " members"));
  }
  SECTION("totals that are not the members' values") {
    Coalitions c = real;
    c.totals[1] += 1.0;
    CHECK_THAT(check(c, spec.max_size),
               Contains("coalition.totals") && Contains("coalition 0 total on proposal 1"));
  }
  SECTION("a cause without a direction") {
    Coalitions c = real;
    c.direction[2] = 0;
    CHECK_THAT(check(c, spec.max_size), Contains("coalition.cause") && Contains("coalition 2"));
  }
}

TEST_CASE("collusion counts from the engine pass and fail when corrupted",
          "[invariants][collusion]") {
  for (const Ballot ballot : {Ballot::public_ballot, Ballot::secret}) {
    const Draw d(scenario(ballot));
    const Scenario& s = d.scenario();
    const auto plan = d.behaviours[kCollusion]->plan(d.context(kCollusion));
    const double n = d.electorate.agents;
    double defected = 0.0;
    for (const Mechanism m : s.mechanisms) {
      INFO(to_string(ballot) << ", " << short_label(m));
      const Coalitions c = form_coalitions(*s.arms[kCollusion].collusion, d.context(kCollusion), m);
      const MechanismOutcome o = tally(d.model, d.electorate, *plan, m, d.replicate);
      // colluding_share and defection_rate (agents/collusion.hpp) give back the counter sums.
      const double members = std::round(o.arm_metrics[3] * n);
      REQUIRE(std::fabs(members - o.arm_metrics[3] * n) < 1e-6);
      const double defectors = std::round(o.arm_metrics[4] * members);
      defected += defectors;
      const InvariantSite at = invariant_site(d.context(kCollusion), m);
      auto check = [&](double mem, double def, double sanctioned, double sanction) {
        return violation(
            [&] { check_collusion_counts(c, mem, def, sanctioned, ballot, sanction, at); });
      };
      // The scenario has no sanction: nobody is sanctioned.
      CHECK(check(members, defectors, 0.0, 0.0).empty());
      CHECK_THAT(check(members + 1, defectors, 0.0, 0.0),
                 Contains("collusion.members") && Contains(short_label(m)));
      CHECK_THAT(check(members, members + 1, 0.0, 0.0), Contains("collusion.defectors"));
      CHECK_THAT(check(members, defectors, 1.0, 0.0),
                 Contains("collusion.defectors") && Contains("sanction 0"));
      if (ballot == Ballot::public_ballot && defectors > 0) {
        CHECK_THAT(check(members, defectors, 0.0, 1.0),
                   Contains("collusion.defectors") && Contains("sanctioned"));
      }
    }
    // With no sanction, members whose obeying costs something and whose loyalty coin fails
    // defect under every ballot.
    CHECK(defected > 0);
  }
}

TEST_CASE("threat check passes on planned coercion and fails on corrupted bookkeeping",
          "[invariants][coercion]") {
  const Draw d(scenario(Ballot::public_ballot));
  const Scenario& s = d.scenario();
  const CoercionSpec& spec = *s.arms[kCoercion].coercion;
  const ReplicateContext ctx = d.context(kCoercion);
  const CoercionPlan real = plan_coercion(spec, ctx);
  const CoercionMechanism& qv = real.mechanisms[0];
  REQUIRE(qv.threatened.size() > 40);
  REQUIRE(qv.complied_count > 0);
  REQUIRE(qv.complied_count < qv.threatened.size());
  REQUIRE(qv.punished_count > 0);
  const AgentId n = d.electorate.agents;
  const InvariantSite at = invariant_site(ctx);
  auto check = [&](const CoercionPlan& p, const CoercionSpec& sp, Ballot b) {
    return violation([&] { check_coercion(p, sp, b, n, s.proposals, at); });
  };
  CHECK(check(real, spec, s.ballot).empty());
  for (const CoercionMechanism& cm : real.mechanisms) {
    const Lookup l = lookup_of(cm, n);
    CHECK(violation([&] { check_compliers(cm, l.slot, l.obey, n, at); }).empty());
  }

  SECTION("a threat from a coercer who does not exist") {
    CoercionPlan p = real;
    p.mechanisms[0].coercer[3] = static_cast<std::uint32_t>(p.coercers.size());
    CHECK_THAT(check(p, spec, s.ballot),
               Contains("threat.threatened") && Contains("QV") &&
                   Contains("agent " + std::to_string(p.mechanisms[0].threatened[3])) &&
                   Contains("coercer 8 of 8"));
  }
  SECTION("a coercer over capacity") {
    CoercionSpec tight = spec;
    tight.capacity = 1;
    CHECK_THAT(check(real, tight, s.ballot), Contains("threat.capacity") && Contains("capacity 1"));
  }
  SECTION("a coercer who is threatened") {
    CoercionPlan p = real;
    const AgentId a = p.mechanisms[0].threatened[0];
    const auto at_pos = std::lower_bound(p.coercers.begin(), p.coercers.end(), a);
    const auto i = at_pos - p.coercers.begin();
    p.coercers.insert(at_pos, a);
    p.agendas.insert(p.agendas.begin() + i, Agenda{});
    p.severity.insert(p.severity.begin() + i, 1.0);
    CHECK_THAT(check(p, spec, s.ballot),
               Contains("threat.threatened") && Contains("a coercer is threatened"));
  }
  SECTION("a complier who is punished") {
    CoercionPlan p = real;
    auto& cm = p.mechanisms[0];
    const auto j = static_cast<std::size_t>(std::find(cm.complied.begin(), cm.complied.end(), 1) -
                                            cm.complied.begin());
    cm.punished[j] = 1;
    CHECK_THAT(check(p, spec, s.ballot),
               Contains("threat.compliance") && Contains("complied 1, punished 1"));
  }
  SECTION("punishment under a secret ballot") {
    CHECK_THAT(check(real, spec, Ballot::secret),
               Contains("threat.compliance") && Contains("secret ballot"));
  }
  SECTION("counts that disagree with the agents") {
    CoercionPlan p = real;
    p.mechanisms[1].complied_count += 1;
    CHECK_THAT(check(p, spec, s.ballot),
               Contains("threat.compliance") && Contains("1p1v") && Contains("complied_count"));
    p = real;
    p.mechanisms[0].complied_by_round.back() -= 1;
    CHECK_THAT(check(p, spec, s.ballot),
               Contains("threat.compliance") && Contains("complying after round"));
  }
  SECTION("a complier who is not threatened") {
    const Lookup real_lookup = lookup_of(qv, n);
    REQUIRE(!real_lookup.slot.empty());
    Lookup l = real_lookup;
    AgentId outsider = 0;
    while (std::binary_search(qv.threatened.begin(), qv.threatened.end(), outsider)) ++outsider;
    l.slot[outsider] = 0;
    CHECK_THAT(violation([&] { check_compliers(qv, l.slot, l.obey, n, at); }),
               Contains("threat.compliers") && Contains("agent " + std::to_string(outsider)) &&
                   Contains("she is not threatened"));
    // And a complier the lookup forgot.
    l = real_lookup;
    const auto j = static_cast<std::size_t>(std::find(qv.complied.begin(), qv.complied.end(), 1) -
                                            qv.complied.begin());
    l.slot[qv.threatened[j]] = kNoSlot;
    CHECK_THAT(violation([&] { check_compliers(qv, l.slot, l.obey, n, at); }),
               Contains("threat.compliers") && Contains("obeys nobody") &&
                   Contains("her threat says coercer " + std::to_string(qv.coercer[j])));
  }
}

TEST_CASE("bribery check passes on bought votes and fails on corrupted purchases",
          "[invariants][bribery]") {
  for (const Ballot ballot : {Ballot::public_ballot, Ballot::secret}) {
    const Draw d(scenario(ballot));
    const Scenario& s = d.scenario();
    const BriberySpec& spec = *s.arms[kBribery].bribery;
    const BriberyPlan real = plan_bribery(spec, d.context(kBribery));
    const AgentId n = d.electorate.agents;
    const InvariantSite at = invariant_site(d.context(kBribery));
    auto check = [&](const BriberyMechanism& bm, const BriberySpec& sp,
                     const std::vector<std::uint8_t>& deliver) {
      return violation([&] { check_bribery(bm, sp, ballot, deliver, n, at); });
    };
    for (const BriberyMechanism& bm : real.mechanisms) {
      INFO(to_string(ballot) << ", " << short_label(bm.mechanism));
      CHECK(check(bm, spec, deliver_of(bm, n)).empty());
    }
    const BriberyMechanism& qv = real.mechanisms[0];
    REQUIRE(qv.sellers.size() > 3);
    REQUIRE(qv.spent <= spec.budget);
    const auto deliver = deliver_of(qv, n);
    BriberySpec poorer = spec;
    poorer.budget = 0.5 * qv.spent;
    CHECK_THAT(check(qv, poorer, deliver),
               Contains("bribery.budget") && Contains("over the budget"));
    poorer.budget = 0.0;
    CHECK_THAT(check(qv, poorer, deliver), Contains("bribery.sellers") && Contains("budget of 0"));
    BriberyMechanism bm = qv;
    bm.spent += 0.25;
    CHECK_THAT(check(bm, spec, deliver), Contains("bribery.budget") && Contains("spent is"));
    // One seller more than the target needed, or a purchase that never reached it.
    bm = qv;
    bm.confidence_short = bm.confidence;
    CHECK_THAT(check(bm, spec, deliver), Contains("bribery.target") && Contains("stop once"));
    bm = qv;
    bm.confidence = 0.5 * spec.target_confidence;
    CHECK_THAT(check(bm, spec, deliver), Contains("bribery.target"));
    // A seller paid less than her loss, or a posted price that differs between sellers.
    bm = qv;
    bm.prices[1] *= 0.5;
    bm.spent = 0.0;
    for (const double p : bm.prices) bm.spent += p;
    CHECK_THAT(check(bm, spec, deliver),
               Contains("bribery.price") && Contains("agent " + std::to_string(qv.sellers[1])));
    BriberySpec posted = spec;
    posted.pricing = BribePricing::posted;
    const BriberyMechanism pq = plan_bribery(posted, d.context(kBribery)).mechanisms[0];
    CHECK(check(pq, posted, deliver_of(pq, n)).empty());
    bm = pq;
    bm.prices[0] = bm.losses[0];
    bm.spent = 0.0;
    for (const double p : bm.prices) bm.spent += p;
    if (bm.prices[0] != pq.prices[0]) {
      CHECK_THAT(check(bm, posted, deliver_of(pq, n)), Contains("bribery.price"));
    }
    bm = qv;
    bm.sellers.push_back(bm.sellers[0]);
    bm.losses.push_back(bm.losses.back());
    bm.moved.push_back(bm.moved.back());
    bm.identities.push_back(1);
    bm.prices.push_back(bm.prices.back());
    bm.delivered.push_back(bm.delivered[0]);
    bm.audited.push_back(0);
    BriberySpec richer = spec;
    richer.budget = 10 * spec.budget;
    CHECK_THAT(check(bm, richer, deliver), Contains("bribery.sellers") && Contains("bought twice"));
    bm = qv;
    std::reverse(bm.sellers.begin(), bm.sellers.end());
    std::reverse(bm.losses.begin(), bm.losses.end());
    std::reverse(bm.moved.begin(), bm.moved.end());
    std::reverse(bm.prices.begin(), bm.prices.end());
    std::reverse(bm.delivered.begin(), bm.delivered.end());
    std::reverse(bm.audited.begin(), bm.audited.end());
    CHECK_THAT(check(bm, spec, deliver),
               Contains("bribery.sellers") && Contains("not in purchase order"));
    bm = qv;
    bm.audited.pop_back();
    CHECK_THAT(check(bm, spec, deliver), Contains("bribery.shape"));
    if (ballot == Ballot::public_ballot) {
      REQUIRE(qv.reneged == 0);
      bm = qv;
      bm.delivered[0] = 0;
      bm.reneged = 1;
      CHECK_THAT(check(bm, spec, deliver_of(bm, n)),
                 Contains("bribery.delivery") && Contains("none may"));
      bm = qv;
      bm.audited[0] = 1;
      bm.audits = 1;
      CHECK_THAT(check(bm, spec, deliver),
                 Contains("bribery.delivery") && Contains("only provable asks for proof"));
      auto wrong = deliver;
      wrong[qv.sellers[1]] = 0;
      CHECK_THAT(check(qv, spec, wrong), Contains("bribery.delivery") &&
                                             Contains("agent " + std::to_string(qv.sellers[1])) &&
                                             Contains("the ballot lookup says 0"));
    } else {
      REQUIRE(qv.reneged > 0);  // some sellers renege: the flags are not all 1
      auto wrong = deliver;
      const auto free =
          static_cast<AgentId>(std::find(wrong.begin(), wrong.end(), 0) - wrong.begin());
      REQUIRE(std::find(qv.sellers.begin(), qv.sellers.end(), free) == qv.sellers.end());
      wrong[free] = 1;  // a non-seller votes as bought
      CHECK_THAT(check(qv, spec, wrong),
                 Contains("bribery.delivery") && Contains("flagged to deliver"));
    }
  }
}

namespace {

// An arm whose agents cast one vote on the first call for each agent and two afterwards: the
// engine's tally and an independent recount disagree.
class Fickle final : public ArmPlan {
 public:
  explicit Fickle(AgentId agents) : agents_(agents) {}
  double cast(Mechanism, AgentId, std::span<double> out, std::span<double>) const override {
    std::fill(out.begin(), out.end(), 0.0);
    out[0] = calls_.fetch_add(1) < agents_ ? 1.0 : 2.0;
    return out[0] * out[0];
  }

 private:
  AgentId agents_;
  mutable std::atomic<std::uint64_t> calls_{0};
};

class FickleBehaviour final : public ArmBehaviour {
 public:
  std::unique_ptr<const ArmPlan> plan(const ReplicateContext& ctx) const override {
    return std::make_unique<Fickle>(ctx.electorate.agents);
  }
};

struct Count : OutcomeSink {
  std::uint64_t outcomes = 0;
  void consume(ReplicateOutcome&&) override { ++outcomes; }
};

}  // namespace

TEST_CASE("the engine checks invariants in builds that enable them", "[invariants][runner]") {
  Scenario s = scenario(Ballot::secret);
  s.mechanisms = {Mechanism::quadratic};
  s.arms = {ArmSpec{"honest"}};
  const Model model = freeze(s);
  ArmBehaviours fickle;
  fickle.arms.push_back(std::make_unique<FickleBehaviour>());
  fickle.beliefs = agents::make_belief_model();
  const std::string what = violation([&] { run_replicate(model, fickle, 0); });
  if constexpr (kInvariantsEnabled) {
    CHECK_THAT(what, Contains("tally.sum") && Contains("replicate 0") && Contains("arm 'honest'") &&
                         Contains("tally of proposal 0"));
  } else {
    CHECK(what.empty());  // Release: the checks are not compiled into the engine
  }
}

TEST_CASE("full runs of every arm pass the engine's invariant checks", "[invariants][runner]") {
  if (!kInvariantsEnabled) {
    WARN("invariants are off in this build (QVSIM_INVARIANTS): nothing to exercise");
    return;
  }
  for (const Ballot ballot : {Ballot::public_ballot, Ballot::provable, Ballot::secret}) {
    // Credits, whole-vote credits, money.
    for (int budget = 0; budget < 3; ++budget) {
      Scenario s = scenario(ballot);
      s.budget.integer_votes = budget == 1;
      if (budget == 2) {
        s.budget.kind = BudgetKind::money;
        s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote};
      }
      // Collusion with sybils and bribery and coercion in one arm: every component at once.
      ArmSpec all{"all"};
      all.collusion = s.arms[kCollusion].collusion;
      all.collusion->sybils = SybilSpec{0.3, 3, 2.0};
      all.coercion = s.arms[kCoercion].coercion;
      all.bribery = s.arms[kBribery].bribery;
      s.arms.push_back(all);
      INFO(to_string(ballot) << ", " << to_string(s.budget.kind)
                             << (s.budget.integer_votes ? ", whole votes" : ""));
      const Model model = freeze(s);
      Count sink;
      CHECK(violation([&] {
              run_replicates(model, make_behaviours(model.scenario), RunOptions{}, sink);
            }) == "");
      CHECK(sink.outcomes == s.replicates);
    }
  }
}
