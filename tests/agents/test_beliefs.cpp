// Beliefs about the tally: the one utility scale (docs/model.md, "One utility scale").
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <vector>

#include "agents/attack.hpp"
#include "agents/behaviours.hpp"
#include "agents/beliefs.hpp"
#include "agents/bribery.hpp"
#include "agents/coercion.hpp"
#include "agents/honest.hpp"
#include "agents/money_equilibrium.hpp"
#include "analysis/run_table.hpp"
#include "api/scenario_yaml.hpp"
#include "api/sweep_spec.hpp"
#include "sim/distributions.hpp"
#include "sim/graph_generators.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"
#include "support/outcomes.hpp"

using namespace qvsim;
using qvsim::test::Collected;
using qvsim::test::run_outcomes;
using namespace qvsim::agents;

namespace {

Scenario base(std::uint64_t agents, std::uint32_t proposals) {
  Scenario s;
  s.name = "beliefs";
  s.seed = 4242;
  s.replicates = 1;
  s.agents = agents;
  s.proposals = proposals;
  s.values.distribution = NormalDist{0.0, 1.0};
  s.budget.credits = ConstantTrait{100};
  s.graph = ErdosRenyiSpec{6.0};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote};
  s.ballot = Ballot::public_ballot;
  s.arms = {ArmSpec{"honest"}};
  return s;
}

// The outcomes of scenario s's model m run at 1 and at 2 threads.
std::vector<std::vector<ReplicateOutcome>> at_1_and_2_threads(const Model& m, const Scenario& s) {
  std::vector<std::vector<ReplicateOutcome>> runs;
  for (const unsigned threads : {1u, 2u}) {
    Collected c;
    RunOptions options;
    options.threads = threads;
    run_replicates(m, make_behaviours(s), options, c);
    runs.push_back(std::move(c.outcomes));
  }
  return runs;
}

}  // namespace

TEST_CASE("normal prior: 1p1v belief is N((N-1)(2q-1), 4(N-1)q(1-q))", "[beliefs]") {
  // Values N(0.3, 1): q = P(u > 0) = Phi(0.3). The prior is taken over 32768 virtual voters, so q
  // is known to about sqrt(q(1-q)/32768) = 0.0027; the tolerances below allow 4 of those.
  Scenario s = base(1001, 1);
  s.values.distribution = NormalDist{0.3, 1.0};
  const auto prior = prior_beliefs(freeze(s));
  const double q = normal_cdf(0.3);
  const TallyBelief& b = belief_for(prior, Mechanism::one_person_one_vote).proposals[0];
  const double dq = 4.0 * std::sqrt(q * (1 - q) / kPriorVoters);
  CHECK(b.mean == Approx(1000.0 * (2.0 * q - 1.0)).margin(1000.0 * 2.0 * dq));
  CHECK(b.sd == Approx(std::sqrt(4000.0 * q * (1.0 - q))).epsilon(0.01));
  // Credits QV with one proposal votes sqrt(B) sign(u): its belief is the 1p1v belief times 10.
  const TallyBelief& qv = belief_for(prior, Mechanism::quadratic).proposals[0];
  CHECK(qv.mean == Approx(10.0 * b.mean).epsilon(1e-12));
  CHECK(qv.sd == Approx(10.0 * b.sd).epsilon(1e-12));
}

TEST_CASE("money QV, normal beliefs: the price-taking fixed point c = g / 2", "[beliefs]") {
  Scenario s = base(101, 3);
  s.budget.kind = BudgetKind::money;
  s.values.distribution = NormalDist{0.2, 1.0};
  s.mechanisms = {Mechanism::quadratic};
  const Model model = freeze(s);
  const auto prior = prior_beliefs(model);
  const MechanismBelief& b = prior[0];
  for (std::uint32_t k = 0; k < 3; ++k) {
    const double g = b.pivot_density(k);
    const double c = g / 2.0;
    // The belief is about N - 1 others voting c u: mean 100 c m, sd 10 c s, with (m, s) the
    // values' moments (0.2, 1) up to Monte Carlo error (0.6% for s, 0.006 absolute for m).
    CHECK(b.proposals[k].mean / (100.0 * c) == Approx(0.2).margin(0.02));
    CHECK(b.proposals[k].sd / (10.0 * c) == Approx(1.0).epsilon(0.02));
    // The closed form: c^2 = phi(z) / (2 S), S = 10 s, z = 100 m / S: the fixed point exactly.
    const double S = b.proposals[k].sd / c;
    const double z = b.proposals[k].mean / b.proposals[k].sd;
    CHECK(c * c == Approx(normal_pdf(z) / (2.0 * S)).epsilon(1e-12));
  }
}

TEST_CASE("money QV with normal beliefs stays exactly efficient in every replicate",
          "[beliefs][runner]") {
  Scenario s = base(400, 6);
  s.budget.kind = BudgetKind::money;
  s.values.homophily = 0.3;
  s.values.distribution = NormalDist{0.1, 1.0};
  s.replicates = 30;
  const Model model = freeze(s);
  std::size_t one_p_one_v_errors = 0;
  for (const auto& o : run_outcomes(s)) {
    const MechanismBelief& b = belief_for(o.beliefs, Mechanism::quadratic);
    for (std::size_t k = 1; k < 6; ++k) {
      // One c for every voter on each proposal (pooled prior: the same on every proposal).
      CHECK(b.pivot_density(k) == b.pivot_density(0));
    }
    for (const auto& row : analysis::make_rows(model, analysis::ArmColumns{}, o)) {
      if (row.mechanism == Mechanism::quadratic) {
        CHECK(row.efficiency == 1.0);
        CHECK(row.wrong_rate == 0.0);
      } else {
        one_p_one_v_errors += row.wrong_rate > 0.0;
      }
    }
  }
  CHECK(one_p_one_v_errors > 0);  // the check can fail: 1p1v is blind to intensity
}

TEST_CASE("with a poll, money QV keeps one c per proposal and stays efficient", "[beliefs]") {
  Scenario s = base(300, 4);
  s.budget.kind = BudgetKind::money;
  s.pivot.poll_noise = 0.5;
  s.replicates = 10;
  const Model model = freeze(s);
  for (const auto& o : run_outcomes(s)) {
    const MechanismBelief& b = belief_for(o.beliefs, Mechanism::quadratic);
    // The poll makes each race's belief its own: densities differ across proposals.
    CHECK(b.pivot_density(0) != b.pivot_density(1));
    for (const auto& row : analysis::make_rows(model, analysis::ArmColumns{}, o)) {
      if (row.mechanism == Mechanism::quadratic) CHECK(row.efficiency == 1.0);
    }
  }
}

TEST_CASE("calibration: an honest voter is pivotal as often as her belief predicts",
          "[beliefs][statistical]") {
  // 2000 replicates of 101 agents with independent N(0, 1) values on 3 proposals (independent
  // races). Agent 0 is pivotal on k when her vote changes the decision: the others' sum S lies
  // between -v and 0. Her belief predicts that with probability |P_k(v) - P_k(0)|. Over the 6000
  // (replicate, proposal) trials the count of pivotal events must lie in the binomial 95%
  // interval around the summed predictions, sqrt(sum p (1 - p)) * 1.96. The belief's own Monte
  // Carlo error (32768 virtual voters: 0.4% in sd) moves the prediction by far less than that.
  for (const BudgetKind kind : {BudgetKind::money, BudgetKind::credits}) {
    INFO("money " << (kind == BudgetKind::money));
    Scenario s = base(101, 3);
    s.budget.kind = kind;
    s.graph = ErdosRenyiSpec{4.0};
    s.mechanisms = {Mechanism::quadratic};
    s.replicates = 2000;
    const Model model = freeze(s);
    Collected c;
    run_replicates(model, make_behaviours(s), RunOptions{}, c);
    double predicted = 0.0, variance = 0.0, events = 0.0;
    std::vector<double> v(3);
    for (const auto& o : c.outcomes) {
      const MechanismBelief& b = o.beliefs[0];
      // Agent 0's values, redrawn as the engine drew them.
      const Graph g =
          generate_graph(s.graph, 101, StreamKey{s.seed, o.replicate, 0, 0, 0, Purpose::graph});
      const Electorate e = draw_electorate(s.values, 3, g, s.seed, o.replicate);
      const auto u = e.of(0);
      honest_votes(Mechanism::quadratic, s.budget, b, voter_of(s, o.replicate, 0, u), v);
      for (std::size_t k = 0; k < 3; ++k) {
        const double p = std::fabs(b.gain(k, 0.0, v[k]));
        predicted += p;
        variance += p * (1.0 - p);
        const double others = o.arms[0].mechanisms[0].tally[k] - v[k];
        events += (others + v[k] > 0.0) != (others > 0.0) ? 1.0 : 0.0;
      }
    }
    INFO("events " << events << ", predicted " << predicted);
    CHECK(predicted > 50.0);  // enough events for the interval to mean something
    CHECK(std::fabs(events - predicted) <= 1.96 * std::sqrt(variance));
  }
}

TEST_CASE("one proposal with credits: QV and 1p1v decide every attack identically",
          "[beliefs][attacks]") {
  // With one proposal, credits QV casts sqrt(B) sign(u) = 10 sign(u): 1p1v votes times 10, and
  // beliefs scale the same way, so every decision that weighs votes must agree between them.
  Scenario s = base(301, 1);  // odd: a 1p1v tally is never 0
  s.replicates = 8;
  s.ballot = Ballot::secret;
  s.graph = WattsStrogatzSpec{6, 0.1};
  ArmSpec collusion{"collusion"};
  collusion.collusion = CollusionSpec{};
  collusion.collusion->organizers.count = 6;
  collusion.collusion->sanction = 0.05;
  collusion.collusion->perceived_detection = UniformTrait{0.0, 1.0};
  ArmSpec threats{"threats"};
  threats.coercion = CoercionSpec{};
  threats.coercion->coercers.count = 8;
  threats.coercion->agenda = Agenda{0, -1};
  threats.coercion->reach = 2;
  threats.coercion->capacity = 30;
  threats.coercion->severity = UniformTrait{0.0, 0.1};
  threats.coercion->perceived_detection = UniformTrait{0.0, 1.0};
  ArmSpec bribes{"bribes"};
  bribes.bribery = BriberySpec{};
  bribes.bribery->budget = 1.0;
  bribes.bribery->agenda = Agenda{0, -1};
  bribes.bribery->honesty = UniformTrait{0.0, 1.0};
  ArmSpec all{"all"};
  all.collusion = collusion.collusion;
  all.coercion = threats.coercion;
  all.bribery = bribes.bribery;
  s.arms = {ArmSpec{"honest"}, collusion, threats, bribes, all};
  const Model model = freeze(s);
  const ArmBehaviours behaviours = make_behaviours(s);
  std::size_t complied = 0, bought = 0, flips = 0;
  for (std::uint64_t r = 0; r < s.replicates; ++r) {
    const ReplicateOutcome o = run_replicate(model, behaviours, r);
    for (std::size_t arm = 0; arm < s.arms.size(); ++arm) {
      INFO("replicate " << r << ", arm " << s.arms[arm].name);
      const MechanismOutcome& qv = o.arms[arm].mechanisms[0];
      const MechanismOutcome& pv = o.arms[arm].mechanisms[1];
      CHECK(qv.decision == pv.decision);
      REQUIRE(qv.arm_metrics.size() == pv.arm_metrics.size());
      const auto names = behaviours[arm]->metric_names();
      for (std::size_t i = 0; i < names.size(); ++i) {
        INFO(names[i]);
        if (names[i] == "credits_saved" || names[i] == "influence_ratio" ||
            names[i] == "coerced_vote_share") {
          continue;  // in each mechanism's own units, or QV-only
        }
        // Coalitions form per mechanism from gains and losses on each mechanism's beliefs, which
        // agree with the other's only to rounding: a member whose trade is worth what it costs
        // can stay under one and leave under the other. Decisions are still compared above.
        if (names[i] == "coalition_size_mean" || names[i] == "coalition_size_max" ||
            names[i] == "colluding_share" || names[i] == "defection_rate" || names[i] == "left" ||
            names[i] == "sanctioned") {
          continue;
        }
        if (names[i] == "bribe_spent") {
          CHECK(qv.arm_metrics[i] == Approx(pv.arm_metrics[i]).epsilon(1e-9));
        } else {
          CHECK(qv.arm_metrics[i] == pv.arm_metrics[i]);  // counts: exactly equal
        }
        if (names[i] == "complied") complied += static_cast<std::size_t>(qv.arm_metrics[i]);
        if (names[i] == "votes_bought") bought += static_cast<std::size_t>(qv.arm_metrics[i]);
      }
    }
    // The minimal bribe that flips the decision: buy the cheapest sellers until the tally turns.
    std::vector<MechanismBelief> beliefs = o.beliefs;
    const Graph g = generate_graph(s.graph, 301, StreamKey{s.seed, r, 0, 0, 0, Purpose::graph});
    const Electorate e = draw_electorate(s.values, 1, g, s.seed, r);
    BriberySpec rich = *bribes.bribery;
    rich.budget = 1e9;
    const ReplicateContext ctx{model, g, e, r, 3, model.arm_keys[3], beliefs};
    const BriberyPlan plan = plan_bribery(rich, ctx);
    std::vector<double> minimal;
    for (std::size_t mi = 0; mi < 2; ++mi) {
      const auto& bm = plan.mechanisms[mi];
      double tally = o.arms[0].mechanisms[mi].tally[0];
      const double step = 2.0 * (mi == 0 ? 10.0 : 1.0);  // a seller moves 2 votes' worth
      double paid = 0.0;
      double flip = -1.0;
      for (std::size_t i = 0; i < bm.sellers.size() && tally > 0.0; ++i) {
        paid += bm.prices[i];
        tally -= step;
        if (tally < 0.0) flip = paid;
      }
      minimal.push_back(flip);
    }
    CHECK(minimal[0] == Approx(minimal[1]).epsilon(1e-9));
    flips += minimal[0] > 0.0 ? 1 : 0;
  }
  CHECK(flips > 0);
  // The comparison is not vacuous: people complied and sold.
  CHECK(complied > 0);
  CHECK(bought > 0);
}

TEST_CASE("equilibrium converges on every example scenario", "[beliefs][equilibrium]") {
  // Every scenarios/*.yaml with electorate.pivot set to equilibrium: the fixed point's residual
  // (largest change of a belief's mean or sd over one iteration, relative to the sd) must fall
  // below kEquilibriumTolerance = 1e-9 within kEquilibriumIterations.
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(QVSIM_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 8);
  for (const fs::path& f : files) {
    Scenario s = load_sweep(f, std::nullopt, std::nullopt).points.front().scenario;
    s.pivot = PivotSpec{PivotModel::equilibrium, 0.02, 0.0};
    const auto prior = prior_beliefs(freeze(std::move(s)));
    for (const MechanismBelief& b : prior) {
      INFO(f.filename().string() << " " << to_string(b.mechanism) << ": " << b.iterations
                                 << " iterations, residual " << b.residual);
      CHECK(b.residual < kEquilibriumTolerance);
      CHECK(b.iterations < kEquilibriumIterations);
    }
  }
}

TEST_CASE("money QV equilibrium in lopsided races is a fixed point", "[beliefs][equilibrium]") {
  // Normal(mu, 1) values, money, N = 11, 101, 1001: the race grows lopsided with N and the
  // strongest opponents jump into it. The solver must converge, and its belief must be what the
  // votes it implies give, checked by an independent quadrature of family_money_vote (the
  // midpoint rule over 2^14 value quantiles on each side of the threshold, where the vote jumps,
  // so that each side's integrand is smooth): (1) moderates vote a root of Chandar and Weyl's
  // v = u g(-v) / 2, g the belief's density; (2) the mixture's mean and sd are those of the
  // others' sum,
  // (N - 1) E[v] and sqrt((N - 1) Var v) (a binomial mixture of normals has exactly these
  // moments); (3) a voter just past the threshold gains from jumping and one just short of it
  // does not. The solver's own rule, each of 1,024 cells of width h = 17 / 1,024 in the latent z
  // at its probability midpoint, errs by O(h^2) relative to the votes' scale (the jump votes are
  // smooth but far from linear in u), so the tolerance is h^2 = 2.8e-4 plus 1e-6 for the
  // quadrature here.
  for (const double mu : {0.2, 0.5}) {
    for (const std::uint64_t n : {11u, 101u, 1001u}) {
      Scenario s = base(n, 1);
      s.values.distribution = NormalDist{mu, 1.0};
      s.budget.kind = BudgetKind::money;
      s.pivot = PivotSpec{PivotModel::equilibrium, 0.02, 0.0};
      s.mechanisms = {Mechanism::quadratic};
      const MechanismBelief b = prior_beliefs(freeze(s))[0];
      INFO("mu " << mu << ", N " << n << ": " << b.iterations << " evaluations, residual "
                 << b.residual);
      CHECK(b.residual < kEquilibriumTolerance);
      REQUIRE(b.family.size() == 1);
      const MoneyFamily& f = b.family[0];
      CHECK(f.side == -1.0);  // mu > 0: the opponents are behind
      const std::span<const BeliefComponent> mix(b.mixture[0]);
      for (const double u : {-1.0, -0.2, 0.3, 1.0, 2.5}) {
        if (std::fabs(u) >= f.threshold) continue;
        const double v = family_money_vote(u, 1.0, f, mix);
        CHECK(v == Approx(u * b.pivot_density(0, v) / 2.0).epsilon(1e-12));
      }
      // The probability below the threshold value u = -threshold (0 when nobody jumps).
      const double split = std::isfinite(f.threshold) ? normal_cdf(-f.threshold - mu) : 0.0;
      constexpr int kCells = 1 << 14;
      double e1 = 0.0, e2 = 0.0;
      for (const auto& [lo, hi] : {std::pair{0.0, split}, std::pair{split, 1.0}}) {
        for (int i = 0; i < kCells && hi > lo; ++i) {
          const double u = mu + normal_quantile(lo + (hi - lo) * (i + 0.5) / kCells);
          const double v = family_money_vote(u, 1.0, f, mix);
          e1 += (hi - lo) * v / kCells;
          e2 += (hi - lo) * v * v / kCells;
        }
      }
      const double others = static_cast<double>(n - 1);
      const TallyBelief& belief = b.proposals[0];
      const double mean = others * e1;
      const double sd = std::sqrt(others * (e2 - e1 * e1));
      const double h = 2.0 * kMoneyLatentRange / kMoneyValueCells;
      const double tolerance = h * h + 1e-6;
      CHECK(std::fabs(mean - belief.mean) / belief.sd < tolerance);
      CHECK(std::fabs(sd - belief.sd) / belief.sd < tolerance);
      if (std::isfinite(f.threshold)) {
        // Her payoff from jumping less from staying, under the belief (per unit of lambda).
        const auto jump_gain = [&](double u) {
          const double jump = jump_money_vote(u, 1.0, f.race);
          const double stay = near_money_vote(u, f.alpha * u, mix);
          return u * b.gain(0, stay, jump) - (jump * jump - stay * stay);
        };
        // In a race within about one sd of a tie the jump is her ordinary best vote, which the
        // moderates' condition also gives near the threshold, so the gain can be 0 to rounding.
        CHECK(jump_gain(-f.threshold * 1.02) >= -1e-12);
        CHECK(jump_gain(-f.threshold * 0.98) <= 1e-12);
        if (f.race.mean > 2.0 * f.race.sd) {
          CHECK(jump_gain(-f.threshold * 1.02) > 0.0);
          CHECK(jump_gain(-f.threshold * 0.98) < 0.0);
        }
      }
    }
  }
}

TEST_CASE("money QV equilibrium: inefficiency falls as the electorate grows",
          "[beliefs][equilibrium]") {
  // Chandar and Weyl: in a lopsided race the strongest voters of the minority jump into it and
  // sometimes overturn a majority that values the outcome more; as N grows the jumps grow
  // costlier and rarer, so the welfare lost vanishes. Normal(0.5, 1) values, money, one
  // proposal, N = 11, 101 and 1,001 (seed fixed; 20,000, 20,000 and 2,000 replicates): welfare
  // lost, sum of |U| over wrong decisions / sum of |U|, about 0.039, 0.033 and 0.008. Each fall
  // must exceed three standard errors of the difference (the ratio estimator's, from the
  // replicates themselves), a one-sided test at about 0.1%; under `normal` (price-taking)
  // beliefs the same runs lose nothing.
  struct Loss {
    double value;
    double se;
  };
  std::vector<Loss> lost;
  for (const auto& [n, replicates] :
       {std::pair<std::uint64_t, std::uint64_t>{11, 20000}, {101, 20000}, {1001, 2000}}) {
    Scenario s = base(n, 1);
    s.values.distribution = NormalDist{0.5, 1.0};
    s.budget.kind = BudgetKind::money;
    s.pivot = PivotSpec{PivotModel::equilibrium, 0.02, 0.0};
    s.mechanisms = {Mechanism::quadratic};
    s.graph = ErdosRenyiSpec{2.0};
    s.replicates = replicates;
    std::vector<double> wrong_u, all_u;
    for (const auto& o : run_outcomes(s)) {
      const double u = o.value_totals[0];
      const bool right = (u > 0.0) == (o.arms[0].mechanisms[0].decision[0] > 0);
      all_u.push_back(std::fabs(u));
      wrong_u.push_back(right ? 0.0 : std::fabs(u));
    }
    const double a = std::accumulate(wrong_u.begin(), wrong_u.end(), 0.0);
    const double b = std::accumulate(all_u.begin(), all_u.end(), 0.0);
    const double ratio = a / b;
    double spread = 0.0;
    for (std::size_t i = 0; i < all_u.size(); ++i) {
      const double d = wrong_u[i] - ratio * all_u[i];
      spread += d * d;
    }
    lost.push_back(Loss{ratio, std::sqrt(spread) / b});
    INFO("N " << n << ": welfare lost " << ratio << " +/- " << lost.back().se);
    CHECK(a > 0.0);  // the check can fail: the jumps do overturn majorities
  }
  for (std::size_t i = 1; i < lost.size(); ++i) {
    INFO("welfare lost " << lost[i - 1].value << " +/- " << lost[i - 1].se << " then "
                         << lost[i].value << " +/- " << lost[i].se);
    CHECK(lost[i - 1].value - lost[i].value > 3.0 * std::hypot(lost[i - 1].se, lost[i].se));
  }
}

TEST_CASE("two wealth types by hand: the rich buy more votes", "[beliefs][wealth]") {
  // docs/model.md, "Unequal means": fixed price p = 0.1, eta = 1; three poor voters (wealth 1)
  // with u = +3, three rich (wealth 4) with u = -1. Poor vote 0.1 * 3 / 2 = 0.15, rich
  // 0.1 * (-1) * 4 / 2 = -0.2; the tally 0.45 - 0.6 = -0.15 fails a proposal worth U = +6.
  Scenario s = base(6, 1);
  s.budget.kind = BudgetKind::money;
  s.budget.wealth = TwoPointTrait{0.5, 4.0, 1.0};
  s.budget.eta = 1.0;
  s.pivot = PivotSpec{PivotModel::fixed, 0.1, 0.0};
  s.mechanisms = {Mechanism::quadratic};
  const MechanismBelief belief = prior_beliefs(freeze(s))[0];
  std::vector<double> tally_terms;
  double tally = 0.0, total = 0.0;
  for (AgentId a = 0; a < 60; ++a) {
    const Voter who = voter_of(s, 0, a, {});
    const bool rich = who.lambda < 1.0;
    CHECK(who.lambda == (rich ? 0.25 : 1.0));  // lambda = wealth^-eta
    const std::vector<double> u{rich ? -1.0 : 3.0};
    std::vector<double> v(1);
    const double spent =
        honest_votes(Mechanism::quadratic, s.budget, belief, Voter{u, 0.0, who.lambda}, v);
    CHECK(v[0] == Approx(rich ? -0.2 : 0.15).epsilon(1e-15));
    CHECK(spent == Approx(v[0] * v[0]).epsilon(1e-15));
  }
  for (int i = 0; i < 3; ++i) {
    tally += 0.1 * 3.0 / 2.0 + 0.1 * -1.0 * 4.0 / 2.0;
    total += 3.0 - 1.0;
  }
  CHECK(tally == Approx(-0.15));
  CHECK(total == 6.0);
  // The normal belief's closed form over the same two types: w = u / lambda. With a values
  // file of three +3 and three -1 rows and wealth (1, 1, 1, 4, 4, 4) the population is exact;
  // here the trait is drawn, so check the fixed point's identity c^2 = phi(z) / (2 S) instead.
  s.pivot = PivotSpec{};
  s.agents = 101;
  s.values.distribution = DiscreteDist{{-1.0, 3.0}, {1.0, 1.0}};
  const MechanismBelief normal = prior_beliefs(freeze(s))[0];
  // E[w] = E[u] E[wealth] = 1 * 2.5, E[w^2] = E[u^2] E[wealth^2] = 5 * 8.5 (u, wealth independent,
  // exact by quadrature up to O(1/Q) at the distribution's step).
  const double mw = 2.5, sw = std::sqrt(5.0 * 8.5 - 2.5 * 2.5);
  const double S = std::max(10.0 * sw, std::hypot(mw, sw));
  const double z = 100.0 * mw / S;
  const double c = std::sqrt(normal_pdf(z) / (2.0 * S));
  CHECK(normal.pivot_density(0) == Approx(2.0 * c).epsilon(1e-3));
  CHECK(normal.proposals[0].mean == Approx(100.0 * c * mw).epsilon(1e-3));
  CHECK(normal.proposals[0].sd == Approx(c * S).epsilon(1e-3));
}

TEST_CASE("credits traits: every agent spends at most her own credits", "[beliefs][credits]") {
  for (const bool integer : {false, true}) {
    Scenario s = base(500, 4);
    s.budget.credits = UniformTrait{10.0, 200.0};
    s.budget.integer_votes = integer;
    s.mechanisms = {Mechanism::quadratic, Mechanism::linear, Mechanism::one_person_one_vote};
    ArmSpec threats{"threats"};
    threats.coercion = CoercionSpec{};
    threats.coercion->coercers.count = 10;
    threats.coercion->reach = 2;
    ArmSpec bribes{"bribes"};
    bribes.bribery = BriberySpec{};
    bribes.bribery->budget = 5.0;
    s.arms = {ArmSpec{"honest"}, threats, bribes};
    const Model model = freeze(s);
    const ArmBehaviours behaviours = make_behaviours(s);
    const Graph g = generate_graph(s.graph, 500, StreamKey{s.seed, 0, 0, 0, 0, Purpose::graph});
    const Electorate e = draw_electorate(s.values, 4, g, s.seed, 0);
    const auto beliefs = behaviours.beliefs->beliefs(model, e, 0);
    double lowest = 1e9, highest = 0.0;
    for (std::size_t arm = 0; arm < s.arms.size(); ++arm) {
      const auto plan = behaviours[arm]->plan(
          ReplicateContext{model, g, e, 0, arm, model.arm_keys[arm], beliefs});
      std::vector<double> v(4), counters(plan->counter_count());
      for (const Mechanism m : s.mechanisms) {
        for (AgentId a = 0; a < 500; ++a) {
          const auto u = e.of(a);
          const double credits = voter_of(s, 0, a, u).credits;
          lowest = std::min(lowest, credits);
          highest = std::max(highest, credits);
          const double cost = plan->cast(m, a, v, counters);
          if (m != Mechanism::one_person_one_vote) CHECK(cost <= credits * (1.0 + 1e-12));
          if (m == Mechanism::linear && cost > 0.0) CHECK(cost == credits);
        }
      }
    }
    // The trait varies: the check is not of one constant budget.
    CHECK(lowest < 30.0);
    CHECK(highest > 180.0);
  }
}

TEST_CASE("beliefs, polls and equilibria are identical at 1 and 2 threads",
          "[beliefs][determinism]") {
  for (const PivotModel model : {PivotModel::normal, PivotModel::equilibrium}) {
    Scenario s = base(20000, 3);  // more than two chunks of agents
    s.values.distribution = NormalDist{0.05, 1.0};
    s.budget.credits = UniformTrait{50.0, 150.0};
    s.pivot = PivotSpec{model, 0.02, 0.7};
    s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote, Mechanism::linear};
    s.replicates = 3;
    const Model m = freeze(s);
    const auto runs = at_1_and_2_threads(m, s);
    for (std::size_t r = 0; r < 3; ++r) {
      for (std::size_t mi = 0; mi < 3; ++mi) {
        const MechanismBelief& one = runs[0][r].beliefs[mi];
        const MechanismBelief& two = runs[1][r].beliefs[mi];
        CHECK(one.iterations == two.iterations);
        for (std::size_t k = 0; k < 3; ++k) {
          CHECK(one.proposals[k].mean == two.proposals[k].mean);
          CHECK(one.proposals[k].sd == two.proposals[k].sd);
        }
        CHECK(runs[0][r].arms[0].mechanisms[mi].tally == runs[1][r].arms[0].mechanisms[mi].tally);
      }
    }
  }
}

TEST_CASE("money QV equilibrium after a poll: Bayes' rule on the mixture, alpha = g(0) / 2",
          "[beliefs][equilibrium]") {
  // Normal(0.5, 1), money, 101 agents, poll noise 0.5: each replicate's belief is the prior
  // mixture's posterior given its poll. Checked for every replicate: the weights sum to 1, each
  // component is sharper than the prior's (precision adds), the reported mean and sd are the
  // mixture's, each component's weight, mean and sd follow Bayes' rule; and the whole run is the
  // same at 1 and 2 threads.
  Scenario s = base(101, 1);
  s.values.distribution = NormalDist{0.5, 1.0};
  s.budget.kind = BudgetKind::money;
  s.pivot = PivotSpec{PivotModel::equilibrium, 0.02, 0.5};
  s.mechanisms = {Mechanism::quadratic};
  s.replicates = 20;
  const Model m = freeze(s);
  const MechanismBelief prior = prior_beliefs(m)[0];
  REQUIRE(prior.mixture.size() == 1);
  REQUIRE(prior.mixture[0].size() > 1);  // jumpers are possible: a real mixture
  const auto runs = at_1_and_2_threads(m, s);
  for (std::size_t r = 0; r < 20; ++r) {
    const MechanismBelief& b = runs[0][r].beliefs[0];
    REQUIRE(b.mixture.size() == 1);
    REQUIRE(b.mixture[0].size() == prior.mixture[0].size());
    double weight = 0.0, mean = 0.0, second = 0.0;
    for (std::size_t j = 0; j < b.mixture[0].size(); ++j) {
      const BeliefComponent& c = b.mixture[0][j];
      weight += c.weight;
      mean += c.weight * c.mean;
      second += c.weight * (c.sd * c.sd + c.mean * c.mean);
      CHECK(c.sd < prior.mixture[0][j].sd);
    }
    CHECK(weight == Approx(1.0).epsilon(1e-12));
    CHECK(b.proposals[0].mean == Approx(mean).epsilon(1e-12));
    CHECK(b.proposals[0].sd == Approx(std::sqrt(second - mean * mean)).epsilon(1e-9));
    // Bayes' rule: the poll y, recovered from the first component's posterior mean
    // (m' = (m / s^2 + y / tau^2) / (1 / s^2 + 1 / tau^2)), reweights each component by its
    // predictive density N(y; m, s^2 + tau^2), and its posterior mean is the same formula.
    const double tau = 0.5 * prior.proposals[0].sd;
    const auto& before = prior.mixture[0];
    const auto& after = b.mixture[0];
    const auto precision = [&](double sd) { return 1.0 / (sd * sd) + 1.0 / (tau * tau); };
    const double y =
        (after[0].mean * precision(before[0].sd) - before[0].mean / (before[0].sd * before[0].sd)) *
        tau * tau;
    double norm = 0.0;
    for (const BeliefComponent& c : before) {
      const double spread = std::hypot(c.sd, tau);
      norm += c.weight * normal_pdf((y - c.mean) / spread) / spread;
    }
    for (std::size_t j = 0; j < before.size(); ++j) {
      const BeliefComponent& c = before[j];
      const double spread = std::hypot(c.sd, tau);
      CHECK(after[j].weight == Approx(c.weight * normal_pdf((y - c.mean) / spread) / spread / norm)
                                   .epsilon(1e-9)
                                   .margin(1e-15));
      CHECK(after[j].mean ==
            Approx((c.mean / (c.sd * c.sd) + y / (tau * tau)) / precision(c.sd)).epsilon(1e-9));
      CHECK(after[j].sd == Approx(1.0 / std::sqrt(precision(c.sd))).epsilon(1e-12));
    }
    CHECK(runs[1][r].beliefs[0].proposals[0].mean == b.proposals[0].mean);
    CHECK(runs[1][r].arms[0].mechanisms[0].tally == runs[0][r].arms[0].mechanisms[0].tally);
  }
}

TEST_CASE("money QV equilibrium over a values file's voters", "[beliefs][equilibrium]") {
  // A values file gives finitely many types: the votes' moments are sums over its rows. 101
  // voters with values 0.1 + Phi^-1((j + 1/2) / 101) (z about 0.5). A row's vote can jump as the
  // belief moves (where her moderate root gives way), which finitely many types cannot smooth, so
  // the nested roots can close on such a jump and stop with a residual of its size: 2.9e-8 here.
  // docs/model.md states the bound for values files, 1e-6.
  Scenario s = base(101, 1);
  s.budget.kind = BudgetKind::money;
  s.pivot = PivotSpec{PivotModel::equilibrium, 0.02, 0.0};
  s.mechanisms = {Mechanism::quadratic};
  std::vector<double> values;
  for (int j = 0; j < 101; ++j) values.push_back(0.1 + normal_quantile((j + 0.5) / 101.0));
  Model model = freeze(s);
  model.fixed_values = std::make_shared<const std::vector<double>>(values);
  const MechanismBelief b = prior_beliefs(model)[0];
  INFO(b.iterations << " evaluations, residual " << b.residual << ", z "
                    << b.proposals[0].mean / b.proposals[0].sd);
  CHECK(b.residual < 1e-6);
}
