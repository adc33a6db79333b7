// The briber's choices (agents/bribery.hpp): it stops at its target, refuses a goal out of reach,
// pays contingent promises only on a win, posts one price, pays sybils per identity, and audits
// provable ballots. Small electorates whose purchases can be checked by hand.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "agents/attack.hpp"
#include "agents/beliefs.hpp"
#include "agents/bribery.hpp"
#include "agents/honest.hpp"
#include "sim/distributions.hpp"
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
using qvsim::test::run_outcomes;

namespace {

// One proposal, 1p1v, a public ballot: every bought vote moves the tally from -1 to +1.
Scenario one_vote(PivotModel pivot, std::uint64_t agents, double mean) {
  Scenario s;
  s.name = "bribery-rules";
  s.seed = 4242;
  s.replicates = 1;
  s.agents = agents;
  s.proposals = 1;
  s.values.distribution = NormalDist{mean, 1.0};
  s.budget.credits = ConstantTrait{100};
  s.pivot = PivotSpec{pivot, 0.02};
  s.graph = ErdosRenyiSpec{4.0};
  s.mechanisms = {Mechanism::one_person_one_vote};
  s.ballot = Ballot::public_ballot;
  s.arms = {ArmSpec{"honest"}, ArmSpec{"bribe"}};
  return s;
}

BriberySpec for_pass(double budget) {
  BriberySpec b;
  b.budget = budget;
  b.agenda = Agenda{0, 1};
  return b;
}

// The draw of tests/support/draw.hpp, and the honest 1p1v tally on proposal 0: those for minus
// those against.
struct Draw : test::Draw {
  using test::Draw::Draw;
  double tally() const {
    double t = 0.0;
    for (AgentId a = 0; a < electorate.agents; ++a) t += electorate.of(a)[0] > 0.0 ? 1.0 : -1.0;
    return t;
  }
};

// The arm "bribe" of `s` with `spec`, run: its outcome and the honest arm's.
std::pair<MechanismOutcome, MechanismOutcome> run_arm(Scenario s, const BriberySpec& spec) {
  s.arms[1].bribery = spec;
  const auto o = run_outcomes(s);
  return {o.at(0).arms[0].mechanisms[0], o.at(0).arms[1].mechanisms[0]};
}

}  // namespace

// By hand: with a fixed belief the briber knows the honest tally T < 0; each bought vote moves it
// by 2, so it needs the smallest n with T + 2n > 0, n = floor(-T / 2) + 1, and buys no more.
TEST_CASE("the briber buys exactly the votes that flip a known tally, and no more", "[bribery]") {
  const Scenario s = one_vote(PivotModel::fixed, 101, -0.3);
  const Draw d(s);
  const double t = d.tally();
  REQUIRE(t < 0.0);
  const auto n = static_cast<std::size_t>(std::floor(-t / 2.0)) + 1;
  const BriberyMechanism bm = plan_bribery(for_pass(1e6), d.context()).mechanisms[0];
  CHECK(bm.sellers.size() == n);
  CHECK(bm.confidence_before == 0.0);
  CHECK(bm.confidence == 1.0);
  CHECK(bm.confidence_short == (std::fmod(-t, 2.0) == 0.0 ? 0.5 : 0.0));  // a tie, or short
  for (const double v : bm.moved) CHECK(v == 2.0);
  const auto [honest, bribed] = run_arm(s, for_pass(1e6));
  CHECK(bribed.tally[0] == t + 2.0 * static_cast<double>(n));
  CHECK(bribed.decision[0] == 1);
  CHECK(honest.decision[0] == -1);

  // A budget half a price short of those n sellers buys nothing at all: the decision stands.
  const double short_budget = bm.spent - bm.prices.back() / 2.0;
  CHECK(plan_bribery(for_pass(short_budget), d.context()).mechanisms[0].sellers.empty());
  const auto [honest2, refused] = run_arm(s, for_pass(short_budget));
  CHECK(refused.tally == honest2.tally);
  CHECK(refused.decision[0] == -1);
  CHECK(refused.arm_metrics[0] == 0.0);  // bribe_spent
  CHECK(refused.arm_metrics[1] == 0.0);  // votes_bought
  // Exactly their cost is enough.
  CHECK(plan_bribery(for_pass(bm.spent), d.context()).mechanisms[0].sellers.size() == n);
  // A side already winning buys nothing.
  BriberySpec against = for_pass(1e6);
  against.agenda.direction = -1;
  const BriberyMechanism none = plan_bribery(against, d.context()).mechanisms[0];
  CHECK(none.sellers.empty());
  CHECK(none.confidence == 1.0);
}

// By hand: under a normal belief the briber believes the tally N(mean, sd^2) (the voters' belief
// about the others' sum) and stops at the smallest n with Phi((mean + 2n) / sd) >= target.
TEST_CASE("under a normal belief the briber buys until its belief reaches the target",
          "[bribery]") {
  const Scenario s = one_vote(PivotModel::normal, 1001, -0.05);
  const Draw d(s);
  const TallyBelief b = belief_for(d.beliefs, Mechanism::one_person_one_vote).proposals[0];
  // 1p1v: mean = (N - 1)(2q - 1), sd = 2 sqrt((N - 1) q (1 - q)), q = Phi(-0.05) = 0.48006.
  const double q = normal_cdf(-0.05);
  // The belief takes q by quadrature over the value distribution (agents/beliefs.hpp): 1e-3.
  CHECK(b.mean == Approx(1000.0 * (2.0 * q - 1.0)).epsilon(1e-3));
  CHECK(b.sd == Approx(2.0 * std::sqrt(1000.0 * q * (1.0 - q))).epsilon(1e-3));
  std::size_t last = 0;
  for (const double target : {0.6, 0.95, 0.99}) {
    INFO("target " << target);
    std::size_t n = 0;
    while (normal_cdf((b.mean + 2.0 * static_cast<double>(n)) / b.sd) < target) ++n;
    BriberySpec spec = for_pass(1e6);
    spec.target_confidence = target;
    const BriberyMechanism bm = plan_bribery(spec, d.context()).mechanisms[0];
    CHECK(bm.sellers.size() == n);
    CHECK(bm.confidence == normal_cdf((b.mean + 2.0 * static_cast<double>(n)) / b.sd));
    CHECK(bm.confidence_short < target);
    CHECK(n > last);  // a surer briber buys more
    last = n;
  }
}

// The seller believes the announced target: she accepts a promise q with target * q >= loss, so
// q = loss / target; the promise is paid only when the tally decides the agenda the briber's way.
TEST_CASE("a contingent bribe costs nothing when its side loses", "[bribery]") {
  Scenario s = one_vote(PivotModel::fixed, 101, -0.3);
  BriberySpec spec = for_pass(1e6);
  spec.contingent = true;
  spec.target_confidence = 0.8;
  const Draw d(s);
  const BriberyMechanism bm = plan_bribery(spec, d.context()).mechanisms[0];
  REQUIRE(!bm.sellers.empty());
  double promised = 0.0;
  for (std::size_t i = 0; i < bm.sellers.size(); ++i) {
    CHECK(bm.prices[i] == bm.losses[i] * (1.0 / 0.8));
    CHECK(bm.prices[i] * 0.8 == Approx(bm.losses[i]));
    promised += bm.prices[i];
  }
  CHECK(bm.spent == promised);

  // The component reads the outcome: a loss pays nothing, a win pays the promises.
  const auto component = make_bribery(spec)->make(d.context(), Prior{});
  MechanismOutcome outcome;
  outcome.mechanism = Mechanism::one_person_one_vote;
  outcome.decision = {-1};
  std::vector<double> lost;
  component->metrics(Mechanism::one_person_one_vote, {}, outcome, lost);
  CHECK(lost[0] == 0.0);
  CHECK(lost[1] == static_cast<double>(bm.sellers.size()));
  outcome.decision = {1};
  std::vector<double> won;
  component->metrics(Mechanism::one_person_one_vote, {}, outcome, won);
  CHECK(won[0] == promised);

  // In a run: alone, the bribe flips the decision and is paid; with coercers in the same arm
  // forcing the proposal down (they act after the briber), it is not.
  const auto [honest, paid] = run_arm(s, spec);
  CHECK(paid.decision[0] == 1);
  CHECK(paid.arm_metrics[0] == promised);
  s.graph = WattsStrogatzSpec{10, 0.0};
  CoercionSpec threat;
  threat.coercers.count = 10;
  threat.agenda = Agenda{0, -1};
  threat.reach = 5;
  threat.capacity = 100;
  threat.severity = ConstantTrait{10.0};
  s.arms[1].coercion = threat;
  const auto [honest2, beaten] = run_arm(s, spec);
  REQUIRE(beaten.decision[0] == -1);
  CHECK(beaten.arm_metrics[1] > 0.0);   // it bought votes
  CHECK(beaten.arm_metrics[0] == 0.0);  // and paid nothing
}

TEST_CASE("posted pricing pays every seller the same, never less than her loss", "[bribery]") {
  Scenario s = one_vote(PivotModel::fixed, 1500, -0.2);
  s.proposals = 3;
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote};
  const Draw d(s);
  BriberySpec spec = for_pass(1e6);
  spec.pricing = BribePricing::posted;
  const BriberyPlan posted = plan_bribery(spec, d.context());
  spec.pricing = BribePricing::individual;
  const BriberyPlan individual = plan_bribery(spec, d.context());
  for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
    const BriberyMechanism& bm = posted.mechanisms[m];
    INFO(to_string(bm.mechanism));
    REQUIRE(bm.sellers.size() > 5);
    const double price = *std::max_element(bm.losses.begin(), bm.losses.end());
    for (std::size_t i = 0; i < bm.sellers.size(); ++i) {
      CHECK(bm.prices[i] == price);
      CHECK(bm.prices[i] >= bm.losses[i]);
      if (i > 0) CHECK(bm.losses[i] >= bm.losses[i - 1]);  // willing at the lowest price first
    }
    CHECK(bm.unit_price == price);
    CHECK(bm.spent == Approx(price * static_cast<double>(bm.sellers.size())));
  }
  // 1p1v: every seller moves 2 votes, so both buy the same number of sellers, and one price for
  // all costs at least what each seller's own price does.
  CHECK(posted.mechanisms[1].sellers.size() == individual.mechanisms[1].sellers.size());
  CHECK(posted.mechanisms[1].spent >= individual.mechanisms[1].spent);
}

// Every agent a 3-identity sybil: the known tally is 3 T, each seller moves 3 x 2 votes, so the
// briber buys floor(-3T / 6) + 1 sellers and pays each three times one identity's loss.
TEST_CASE("a sybil is paid per identity and delivers every identity's vote", "[bribery]") {
  Scenario s = one_vote(PivotModel::fixed, 101, -0.3);
  SybilSpec sybils;
  sybils.share = 1.0;
  sybils.identities = 3;
  const Draw d(s);
  const double t = d.tally();
  const BriberySpec spec = for_pass(1e6);
  const BriberyMechanism bm = plan_bribery(spec, d.context(), sybils).mechanisms[0];
  const auto n = static_cast<std::size_t>(std::floor(-3.0 * t / 6.0)) + 1;
  REQUIRE(bm.sellers.size() == n);
  std::vector<double> honest(1);
  std::vector<double> scratch(1);
  const MechanismBelief& belief = belief_for(d.beliefs, Mechanism::one_person_one_vote);
  for (std::size_t i = 0; i < n; ++i) {
    const AgentId a = bm.sellers[i];
    const auto u = d.electorate.of(a);
    const Voter voter = voter_of(s, 0, a, u);
    honest_votes(Mechanism::one_person_one_vote, s.budget, belief, voter, honest);
    const double one =
        bribe_price(spec, Mechanism::one_person_one_vote, s.budget, belief, voter, honest, scratch);
    CHECK(bm.identities[i] == 3);
    CHECK(bm.prices[i] == 3.0 * one);
    CHECK(bm.moved[i] == 6.0);
  }
  // In a run, against the same sybils without a briber: the tally moves by 6 per seller.
  CollusionSpec c;
  c.organizers.count = 0;
  c.sybils = sybils;
  s.arms = {ArmSpec{"honest"}, ArmSpec{"bribe"}, ArmSpec{"sybils"}};
  s.arms[1].collusion = c;
  s.arms[1].bribery = spec;
  s.arms[2].collusion = c;
  const auto o = run_outcomes(s).at(0);
  const MechanismOutcome& bribed = o.arms[1].mechanisms[0];
  const MechanismOutcome& plain = o.arms[2].mechanisms[0];
  CHECK(plain.tally[0] == 3.0 * t);
  CHECK(bribed.tally[0] - plain.tally[0] == 6.0 * static_cast<double>(n));
  CHECK(bribed.decision[0] == 1);
}

// Honesty 0.3 for everyone. public: nobody reneges; secret: a share 0.7 of sellers should;
// provable with audit 0.5: half are asked for proof and deliver, the other half renege with
// chance 0.7, about 0.35 in all. The briber counts a vote with rho = 1, 0.65 and 0.3, so it buys
// about 240, 365 and 790 sellers. Tolerances: 0.1 is four binomial sds at 365 sellers.
TEST_CASE("audits under provable ballots put reneging between public and secret", "[bribery]") {
  Scenario s = one_vote(PivotModel::fixed, 2001, -0.3);
  BriberySpec spec = for_pass(1e6);
  spec.honesty = ConstantTrait{0.3};
  spec.audit = 0.5;
  spec.audit_cost = 0.25;
  std::vector<double> share;
  for (const Ballot ballot : {Ballot::public_ballot, Ballot::provable, Ballot::secret}) {
    s.ballot = ballot;
    const auto [honest, x] = run_arm(s, spec);
    INFO(to_string(ballot));
    const double bought = x.arm_metrics[1];
    REQUIRE(bought > 200.0);
    share.push_back(x.arm_metrics[2] / bought);
    const double audits = x.arm_metrics[5];
    CHECK(x.arm_metrics[6] == audits * 0.25);
    if (ballot == Ballot::provable) {
      CHECK(audits / bought == Approx(0.5).margin(0.1));
    } else {
      CHECK(audits == 0.0);
    }
  }
  CHECK(share[0] == 0.0);
  CHECK(share[1] == Approx(0.35).margin(0.1));
  CHECK(share[2] == Approx(0.7).margin(0.1));
  CHECK(share[0] < share[1]);
  CHECK(share[1] < share[2]);
  // With audit 1 a provable ballot is a public one for the briber.
  s.ballot = Ballot::provable;
  spec.audit = 1.0;
  const auto [honest, all] = run_arm(s, spec);
  CHECK(all.arm_metrics[2] == 0.0);
  CHECK(all.arm_metrics[5] == all.arm_metrics[1]);
}
