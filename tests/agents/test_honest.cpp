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

TEST_CASE("finite-population money vote: the global maximum of u P(v) - lambda v^2", "[honest]") {
  // Wide belief: the first-order condition v = u phi((m+v)/s)/(2 lambda s) has one root.
  const TallyBelief wide{0.0, 50.0};
  const double v = finite_money_vote(3.0, 1.0, wide);
  CHECK(v == Approx(3.0 * normal_pdf(v / 50.0) / (2.0 * 50.0)).epsilon(1e-12));
  CHECK(finite_money_vote(-3.0, 1.0, wide) == Approx(-v).epsilon(1e-12));
  // A lopsided race against her (mean -20, sd 2): a moderate voter buys next to nothing, an
  // extremist buys her way to the edge of the race (the jump of Chandar and Weyl). Compare with
  // a brute-force scan of the objective.
  const TallyBelief against{-20.0, 2.0};
  for (const double u : {1.0, 50.0, 400.0, 2000.0}) {
    const double best = finite_money_vote(u, 1.0, against);
    const auto objective = [&](double x) { return u * normal_cdf((x - 20.0) / 2.0) - x * x; };
    double scan_best = objective(0.0);
    for (int i = 1; i <= 200000; ++i) scan_best = std::max(scan_best, objective(i * 1e-3 * 0.5));
    CHECK(objective(best) >= scan_best - 1e-9 * (1.0 + std::fabs(scan_best)));
  }
  CHECK(finite_money_vote(1.0, 1.0, against) < 1e-6);
  CHECK(finite_money_vote(2000.0, 1.0, against) > 18.0);
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
