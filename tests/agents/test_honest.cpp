#include <catch2/catch.hpp>
#include <vector>

#include "agents/honest.hpp"

using namespace qvsim;
using namespace qvsim::agents;

namespace {
std::vector<double> votes_of(double (*fn)(std::span<const double>, std::span<double>),
                             std::vector<double> u, double* spent = nullptr) {
  std::vector<double> out(u.size(), 99.0);
  const double s = fn(u, out);
  if (spent) *spent = s;
  return out;
}
}  // namespace

TEST_CASE("QV with credits: v_k = u_k sqrt(B / sum u^2) by hand", "[honest]") {
  std::vector<double> out(2);
  // u = (3, -4): sum u^2 = 25, B = 100, scale 2.
  CHECK(quadratic_credit_votes(std::vector<double>{3, -4}, 100, false, out) == Approx(100.0));
  CHECK(out == std::vector<double>{6, -8});
  // u = (1, 2, 2), B = 9: scale 1.
  std::vector<double> out3(3);
  CHECK(quadratic_credit_votes(std::vector<double>{1, 2, 2}, 9, false, out3) == Approx(9.0));
  CHECK(out3 == std::vector<double>{1, 2, 2});
  // No values: no votes, no spending, never NaN.
  CHECK(quadratic_credit_votes(std::vector<double>{0, 0, 0}, 9, false, out3) == 0.0);
  CHECK(out3 == std::vector<double>{0, 0, 0});
}

TEST_CASE("QV with credits keeps relative intensity", "[honest]") {
  const std::vector<double> u{0.5, -1.5, 2.0, 0.1};
  std::vector<double> out(4);
  quadratic_credit_votes(u, 100, false, out);
  for (std::size_t k = 1; k < u.size(); ++k) CHECK(out[k] / out[0] == Approx(u[k] / u[0]));
}

TEST_CASE("integer QV votes never exceed the budget", "[honest]") {
  std::vector<double> out(3);
  // u = (1,1,1), B = 10: exact 1.826 each; floors cost 3, then +1 on two (3 + 3) = 9; a third
  // would cost 12 > 10.
  CHECK(quadratic_credit_votes(std::vector<double>{1, 1, 1}, 10, true, out) == 9.0);
  CHECK(out == std::vector<double>{2, 2, 1});
  // u = (5, 0, -1), B = 100: exact (9.81, 0, -1.96); floors (9, 0, -1) cost 82; -1 -> -2 costs 3
  // (85); 9 -> 10 would cost 19 (104 > 100).
  CHECK(quadratic_credit_votes(std::vector<double>{5, 0, -1}, 100, true, out) == 85.0);
  CHECK(out == std::vector<double>{9, 0, -2});
  // A single proposal gets exactly sqrt(B) when B is a square.
  std::vector<double> one(1);
  CHECK(quadratic_credit_votes(std::vector<double>{-0.3}, 100, true, one) == 100.0);
  CHECK(one[0] == -10.0);
}

TEST_CASE("QV with money: v = p u / 2", "[honest]") {
  std::vector<double> out(2);
  const double spent = quadratic_money_votes(std::vector<double>{10, -4}, 0.02, out);
  CHECK(out[0] == Approx(0.1));
  CHECK(out[1] == Approx(-0.04));
  CHECK(spent == Approx(0.0116));
}

TEST_CASE("1p1v: v = sign(u)", "[honest]") {
  double spent = 0;
  CHECK(votes_of(one_person_one_vote_votes, {0.3, -2, 0}, &spent) == std::vector<double>{1, -1, 0});
  CHECK(spent == 2.0);
}

TEST_CASE("linear: the whole budget on the top proposal", "[honest]") {
  std::vector<double> out(3);
  // |u| ties between index 1 and 2: the lower index wins.
  CHECK(linear_votes(std::vector<double>{1, -5, 5}, 100, out) == 100.0);
  CHECK(out == std::vector<double>{0, -100, 0});
  CHECK(linear_votes(std::vector<double>{0, 0, 0}, 100, out) == 0.0);
  CHECK(out == std::vector<double>{0, 0, 0});
}

TEST_CASE("honest_votes dispatches on mechanism and budget", "[honest]") {
  const std::vector<double> u{3, -4};
  std::vector<double> out(2);
  BudgetSpec credits;
  credits.credits = 100;
  CHECK(honest_votes(Mechanism::quadratic, credits, u, out) == Approx(100));
  CHECK(out == std::vector<double>{6, -8});
  CHECK(honest_votes(Mechanism::linear, credits, u, out) == 100);
  CHECK(out == std::vector<double>{0, -100});
  CHECK(honest_votes(Mechanism::one_person_one_vote, credits, u, out) == 2);
  BudgetSpec money;
  money.kind = BudgetKind::money;
  money.pivot_price = 0.5;
  honest_votes(Mechanism::quadratic, money, u, out);
  CHECK(out == std::vector<double>{0.75, -1.0});
}
