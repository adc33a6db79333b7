#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "agents/honest.hpp"
#include "sim/distributions.hpp"

using namespace qvsim;
using namespace qvsim::agents;

namespace {

MechanismBelief fixed_belief(Mechanism m, double price) {
  MechanismBelief b;
  b.mechanism = m;
  b.model = PivotModel::fixed;
  b.price = price;
  return b;
}

MechanismBelief normal_belief(Mechanism m, std::vector<TallyBelief> proposals,
                              PivotModel model = PivotModel::normal) {
  MechanismBelief b;
  b.mechanism = m;
  b.model = model;
  b.proposals = std::move(proposals);
  return b;
}

BudgetSpec credits_budget() { return BudgetSpec{}; }

BudgetSpec money_budget() {
  BudgetSpec b;
  b.kind = BudgetKind::money;
  return b;
}

}  // namespace

TEST_CASE("QV with credits: v_k = u_k sqrt(B / sum u^2) by hand", "[honest]") {
  std::vector<double> out(2);
  // u = (3, -4): sum u^2 = 25, B = 100, scale 2.
  CHECK(quadratic_credit_votes(std::vector<double>{3, -4}, {}, 100, false, out) == Approx(100.0));
  CHECK(out == std::vector<double>{6, -8});
  // u = (1, 2, 2), B = 9: scale 1.
  std::vector<double> out3(3);
  CHECK(quadratic_credit_votes(std::vector<double>{1, 2, 2}, {}, 9, false, out3) == Approx(9.0));
  CHECK(out3 == std::vector<double>{1, 2, 2});
  // No values: no votes, no spending, never NaN.
  CHECK(quadratic_credit_votes(std::vector<double>{0, 0, 0}, {}, 9, false, out3) == 0.0);
  CHECK(out3 == std::vector<double>{0, 0, 0});
}

TEST_CASE("QV with credits weights proposals by their pivot density", "[honest]") {
  // u = (3, 4), weights (1, 0.75): a = (3, 3), sum a^2 = 18, B = 72: scale 2, votes (6, 6).
  std::vector<double> out(2);
  CHECK(quadratic_credit_votes(std::vector<double>{3, 4}, std::vector<double>{1, 0.75}, 72, false,
                               out) == Approx(72.0));
  CHECK(out[0] == Approx(6.0));
  CHECK(out[1] == Approx(6.0));
  // A proposal nobody can swing (weight 0) gets nothing.
  CHECK(quadratic_credit_votes(std::vector<double>{3, 4}, std::vector<double>{1, 0}, 9, false,
                               out) == Approx(9.0));
  CHECK(out == std::vector<double>{3, 0});
}

TEST_CASE("QV with credits keeps relative intensity under equal pivotality", "[honest]") {
  const std::vector<double> u{0.5, -1.5, 2.0, 0.1};
  std::vector<double> out(4);
  quadratic_credit_votes(u, {}, 100, false, out);
  for (std::size_t k = 1; k < u.size(); ++k) CHECK(out[k] / out[0] == Approx(u[k] / u[0]));
  // The same with a normal belief equal on every proposal.
  const auto b = normal_belief(Mechanism::quadratic, std::vector<TallyBelief>(4, {3.0, 10.0}));
  std::vector<double> same(4);
  honest_votes(Mechanism::quadratic, credits_budget(), b, Voter{u, 100.0, 1.0}, same);
  for (std::size_t k = 0; k < u.size(); ++k) CHECK(same[k] == Approx(out[k]));
}

TEST_CASE("integer QV votes: the best whole ballot, never over budget", "[honest]") {
  std::vector<double> out(3);
  // u = (1,1,1), B = 10: most votes within 10 credits is 5, (2,2,1) at 9 credits; among the three
  // orders the most votes at the lowest index.
  CHECK(quadratic_credit_votes(std::vector<double>{1, 1, 1}, {}, 10, true, out) == 9.0);
  CHECK(out == std::vector<double>{2, 2, 1});
  // u = (5, 0, -1), B = 100: (10, 0, 0) is worth 50; the old rounding's (9, 0, -2) only 47.
  CHECK(quadratic_credit_votes(std::vector<double>{5, 0, -1}, {}, 100, true, out) == 100.0);
  CHECK(out == std::vector<double>{10, 0, 0});
  // A single proposal gets exactly sqrt(B) when B is a square, floor(sqrt(B)) otherwise.
  std::vector<double> one(1);
  CHECK(quadratic_credit_votes(std::vector<double>{-0.3}, {}, 100, true, one) == 100.0);
  CHECK(one[0] == -10.0);
  CHECK(quadratic_credit_votes(std::vector<double>{0.3}, {}, 99.9, true, one) == 81.0);
  CHECK(one[0] == 9.0);
}

TEST_CASE("QV with money, fixed price: v = p u / (2 lambda)", "[honest]") {
  std::vector<double> out(2);
  const std::vector<double> u{10, -4};
  const auto b = fixed_belief(Mechanism::quadratic, 0.02);
  double spent = honest_votes(Mechanism::quadratic, money_budget(), b, Voter{u, 0.0, 1.0}, out);
  CHECK(out[0] == Approx(0.1));
  CHECK(out[1] == Approx(-0.04));
  CHECK(spent == Approx(0.0116));
  // Twice the marginal utility of money: half the votes.
  spent = honest_votes(Mechanism::quadratic, money_budget(), b, Voter{u, 0.0, 2.0}, out);
  CHECK(out[0] == Approx(0.05));
  CHECK(out[1] == Approx(-0.02));
}

TEST_CASE("QV with money, normal belief: v = u g / (2 lambda), g the pivot density", "[honest]") {
  // mean 3, sd 10: g = phi(0.3) / 10 = 0.0381387...
  const auto b = normal_belief(Mechanism::quadratic, {{3.0, 10.0}});
  const double g = std::exp(-0.045) / std::sqrt(2.0 * M_PI) / 10.0;
  CHECK(b.pivot_density(0) == Approx(g).epsilon(1e-14));
  std::vector<double> out(1);
  honest_votes(Mechanism::quadratic, money_budget(), b, Voter{std::vector<double>{2.0}, 0.0, 0.5},
               out);
  CHECK(out[0] == Approx(2.0 * g / (2.0 * 0.5)).epsilon(1e-14));
}

TEST_CASE("money QV jump: the best vote from one sd short of a tie on", "[honest]") {
  // Wide belief (mean 0, sd 50): she is not behind, so the jump is her global best vote, the one
  // root of the first-order condition v = u phi((m+v)/s)/(2 lambda s).
  const TallyBelief wide{0.0, 50.0};
  const double v = jump_money_vote(3.0, 1.0, wide);
  CHECK(v == Approx(3.0 * normal_pdf(v / 50.0) / (2.0 * 50.0)).epsilon(1e-12));
  CHECK(jump_money_vote(-3.0, 1.0, wide) == Approx(-v).epsilon(1e-12));
  // A lopsided race against her (mean -20, sd 2): the jump is the best vote from 18 (one sd
  // short of a tie) on, compared with a brute-force scan of the objective there; a voter for
  // whom no maximum lies past 18 stays at 18; lambda scales like 1/u.
  const TallyBelief against{-20.0, 2.0};
  for (const double u : {1.0, 50.0, 400.0, 2000.0}) {
    const double jump = jump_money_vote(u, 1.0, against);
    const auto objective = [&](double x) { return u * normal_cdf((x - 20.0) / 2.0) - x * x; };
    double scan_best = objective(18.0);
    for (int i = 1; i <= 200000; ++i) scan_best = std::max(scan_best, objective(18.0 + i * 5e-4));
    INFO("u " << u << ": jump " << jump);
    CHECK(jump >= 18.0);
    CHECK(objective(jump) >= scan_best - 1e-9 * (1.0 + std::fabs(scan_best)));
    CHECK(jump_money_vote(u, 2.0, against) == Approx(jump_money_vote(u / 2.0, 1.0, against)));
  }
  CHECK(jump_money_vote(1.0, 1.0, against) == 18.0);
  CHECK(jump_money_vote(2000.0, 1.0, against) > 20.0);
  CHECK(jump_money_vote(-50.0, 1.0, TallyBelief{20.0, 2.0}) ==
        Approx(-jump_money_vote(50.0, 1.0, against)).epsilon(1e-12));
  CHECK(jump_money_vote(0.0, 1.0, against) == 0.0);
}

TEST_CASE("money QV moderate vote: the root of v = r G(v) / 2 nearest 0", "[honest]") {
  // One wide normal N(0, 50^2): the condition has one root, that of the jump test above.
  const std::vector<BeliefComponent> wide{{1.0, 0.0, 50.0}};
  const double v = near_money_vote(3.0, 0.01, wide);
  CHECK(v == Approx(3.0 * normal_pdf(v / 50.0) / (2.0 * 50.0)).epsilon(1e-12));
  CHECK(near_money_vote(-3.0, -0.01, wide) == Approx(-v).epsilon(1e-12));
  CHECK(near_money_vote(0.0, 0.0, wide) == 0.0);
  // A race led by 1.2 (sd 0.25) with a 5% chance that a jumper has sunk it (mean -0.25): G(v)
  // is the density of the others' sum at -v. Votes satisfy the condition, and a poor guess
  // gives the same root.
  const std::vector<BeliefComponent> race{{0.95, 1.2, 0.25}, {0.05, -0.25, 0.26}};
  const auto density = [&](double x) {
    double g = 0.0;
    for (const auto& c : race) g += c.weight * normal_pdf((c.mean + x) / c.sd) / c.sd;
    return g;
  };
  const double g0 = density(0.0);
  for (const double r : {-2.0, -0.5, 0.5, 2.0}) {
    const double near = near_money_vote(r, g0 / 2.0 * r, race);
    INFO("r " << r << ": " << near);
    CHECK(near == Approx(r * density(near) / 2.0).epsilon(1e-12));
    CHECK(near_money_vote(r, 10.0 * r, race) == Approx(near).epsilon(1e-12));
  }
  // Supporters vote more here: where a jumper may have sunk the race (the second component) the
  // density rises on their side. Without that component, opponents (toward the race's centre)
  // vote more than supporters.
  CHECK(near_money_vote(2.0, g0, race) > -near_money_vote(-2.0, -g0, race));
  const std::vector<BeliefComponent> plain{{1.0, 1.2, 0.25}};
  CHECK(-near_money_vote(-2.0, -g0, plain) > near_money_vote(2.0, g0, plain));
}

TEST_CASE("money QV family vote: alpha u / lambda, or the jump past the threshold", "[honest]") {
  // With no mixture, moderates vote alpha u / lambda (the linear family).
  MoneyFamily f;
  f.alpha = 0.1;
  f.side = -1.0;  // opponents are behind
  f.threshold = 5.0;
  f.race = TallyBelief{20.0, 2.0};
  CHECK(family_money_vote(2.0, 1.0, f, {}) == Approx(0.2));
  CHECK(family_money_vote(-4.0, 1.0, f, {}) == Approx(-0.4));
  CHECK(family_money_vote(50.0, 1.0, f, {}) == Approx(5.0));  // supporters never jump
  CHECK(family_money_vote(-50.0, 1.0, f, {}) == jump_money_vote(-50.0, 1.0, f.race));
  // The threshold is on u / lambda: lambda 20 brings u = -50 inside it.
  CHECK(family_money_vote(-50.0, 20.0, f, {}) == Approx(-0.25));
  f.side = 0.0;  // nobody jumps
  CHECK(family_money_vote(-50.0, 1.0, f, {}) == Approx(-5.0));
}

TEST_CASE("a mixture belief: probabilities and densities are the components' weighted sums",
          "[honest]") {
  // 0.75 N(2, 1) + 0.25 N(-3, 0.5^2), by hand from Phi and phi.
  MechanismBelief b = normal_belief(Mechanism::quadratic, {{0.75, 2.5}});
  b.mixture = {{{0.75, 2.0, 1.0}, {0.25, -3.0, 0.5}}};
  for (const double v : {-4.0, 0.0, 1.0, 3.5}) {
    const double pass = 0.75 * normal_cdf(2.0 + v) + 0.25 * normal_cdf((v - 3.0) / 0.5);
    const double density = 0.75 * normal_pdf(2.0 + v) + 0.25 * normal_pdf((v - 3.0) / 0.5) / 0.5;
    CHECK(b.pass_probability(0, v) == Approx(pass).epsilon(1e-14));
    CHECK(b.pivot_density(0, v) == Approx(density).epsilon(1e-14));
    CHECK(b.log_pivot_density(0, v) == Approx(std::log(density)).epsilon(1e-14));
    CHECK(b.gain(0, v, v + 0.5) == Approx(b.pass_probability(0, v + 0.5) - pass).epsilon(1e-12));
    // The side against: P(-S + x > 0) = 1 - P(S + (-x) > 0) (to rounding: 1 - p cancels).
    CHECK(b.win_probability(0, -1.0, v) ==
          Approx(1.0 - b.pass_probability(0, -v)).epsilon(0).margin(1e-15));
  }
  // Far in the tails the log density still compares where the density underflows.
  CHECK(b.pivot_density(0, 60.0) == 0.0);
  CHECK(std::isfinite(b.log_pivot_density(0, 60.0)));
  CHECK(b.log_pivot_density(0, 60.0) > b.log_pivot_density(0, 61.0));
  // One component of weight 1 is the normal belief itself.
  MechanismBelief one = normal_belief(Mechanism::quadratic, {{2.0, 1.5}});
  MechanismBelief as_mixture = one;
  as_mixture.mixture = {{{1.0, 2.0, 1.5}}};
  for (const double v : {-5.0, -2.0, 0.0, 4.0}) {
    CHECK(as_mixture.pass_probability(0, v) == one.pass_probability(0, v));
    CHECK(as_mixture.gain(0, v, v + 1.0) == one.gain(0, v, v + 1.0));
    CHECK(as_mixture.pivot_density(0, v) == Approx(one.pivot_density(0, v)).epsilon(1e-15));
  }
}

TEST_CASE("1p1v: v = sign(u) under any belief", "[honest]") {
  std::vector<double> out(3);
  const std::vector<double> u{0.3, -2, 0};
  const auto b =
      normal_belief(Mechanism::one_person_one_vote, std::vector<TallyBelief>(3, {50, 1}));
  CHECK(honest_votes(Mechanism::one_person_one_vote, credits_budget(), b, Voter{u, 100, 1}, out) ==
        2.0);
  CHECK(out == std::vector<double>{1, -1, 0});
}

TEST_CASE("linear: the whole budget where it is worth most", "[honest]") {
  std::vector<double> out(3);
  const auto fixed = fixed_belief(Mechanism::linear, 0.02);
  // |u| ties between index 1 and 2: the lower index wins.
  CHECK(honest_votes(Mechanism::linear, credits_budget(), fixed,
                     Voter{std::vector<double>{1, -5, 5}, 100, 1}, out) == 100.0);
  CHECK(out == std::vector<double>{0, -100, 0});
  CHECK(honest_votes(Mechanism::linear, credits_budget(), fixed,
                     Voter{std::vector<double>{0, 0, 0}, 100, 1}, out) == 0.0);
  CHECK(out == std::vector<double>{0, 0, 0});
  // Normal belief: proposal 1 is a lopsided race (g tiny), so the budget goes to proposal 0 even
  // though she cares more about 1.
  const auto b = normal_belief(Mechanism::linear, {{0.0, 100.0}, {5000.0, 100.0}, {0.0, 100.0}});
  honest_votes(Mechanism::linear, credits_budget(), b, Voter{std::vector<double>{1, -5, 0}, 100, 1},
               out);
  CHECK(out == std::vector<double>{100, 0, 0});
}

TEST_CASE("private loss: value times the change of belief, plus money", "[honest]") {
  const std::vector<double> u{2.0, -1.0};
  const std::vector<double> from{1.0, -1.0};
  const std::vector<double> to{-1.0, -1.0};
  // Fixed price 0.1: 0.1 * 2 * (1 - (-1)) = 0.4 (credits: no money).
  CHECK(private_loss(Mechanism::quadratic, credits_budget(),
                     fixed_belief(Mechanism::quadratic, 0.1), Voter{u, 100, 1}, from,
                     to) == Approx(0.4));
  // Normal belief mean 0, sd 10: 2 (Phi(0.1) - Phi(-0.1)).
  const auto b = normal_belief(Mechanism::quadratic, {{0.0, 10.0}, {0.0, 10.0}});
  const double expected = 2.0 * (normal_cdf(0.1) - normal_cdf(-0.1));
  CHECK(private_loss(Mechanism::quadratic, credits_budget(), b, Voter{u, 100, 1}, from, to) ==
        Approx(expected).epsilon(1e-14));
  // Money: plus lambda (sum to^2 - sum from^2) = 0 here; with to = (3, -1): 2 (Phi(.1) - Phi(.3))
  // + 0.5 * (10 - 2).
  const std::vector<double> more{3.0, -1.0};
  CHECK(private_loss(Mechanism::quadratic, money_budget(), b, Voter{u, 0, 0.5}, from, more) ==
        Approx(2.0 * (normal_cdf(0.1) - normal_cdf(0.3)) + 4.0).epsilon(1e-14));
}

TEST_CASE("belief arithmetic: pass probability, gain, density", "[honest]") {
  const auto b = normal_belief(Mechanism::quadratic, {{-5.0, 2.0}, {0.0, 0.0}});
  CHECK(b.pass_probability(0, 0.0) == Approx(normal_cdf(-2.5)));
  CHECK(b.gain(0, 0.0, 5.0) == Approx(0.5 - normal_cdf(-2.5)));
  // Far in the upper tail the gain keeps its relative precision.
  // Far in the upper tail (1 - Phi(30) = 4.9e-198) the gain keeps its relative precision, where
  // Phi(31) - Phi(30) computed directly would be 1 - 1 = 0.
  const auto far = normal_belief(Mechanism::quadratic, {{30.0, 1.0}});
  CHECK(far.gain(0, 0.0, 1.0) > 0.0);
  CHECK(far.gain(0, 0.0, 1.0) == Approx(normal_cdf(-30.0) - normal_cdf(-31.0)).epsilon(1e-12));
  // sd 0: a step, 1/2 at a tie; no density.
  CHECK(b.pass_probability(1, 0.0) == 0.5);
  CHECK(b.pass_probability(1, 1.0) == 1.0);
  CHECK(b.pass_probability(1, -1.0) == 0.0);
  CHECK(b.pivot_density(1) == 0.0);
  const auto f = fixed_belief(Mechanism::quadratic, 0.02);
  CHECK(f.gain(0, 1.0, 3.0) == Approx(0.04));
  CHECK(f.pivot_density(0) == 0.02);
}
