#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "agents/honest.hpp"
#include "agents/integer_votes.hpp"

using namespace qvsim;
using namespace qvsim::agents;

namespace {

using Ballot = std::vector<std::int64_t>;

double value_of(const std::vector<double>& a, const Ballot& x) {
  double v = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) v += std::fabs(a[k]) * static_cast<double>(x[k]);
  return v;
}

std::int64_t credits_of(const Ballot& x) {
  std::int64_t c = 0;
  for (const std::int64_t v : x) c += v * v;
  return c;
}

// Every whole ballot within `credits` (|v_k| only; zero where a_k = 0), then the header's rule:
// the best value, ties within kWholeVoteTolerance broken by fewest credits, then by most votes at
// the lowest index.
std::vector<double> brute_force(const std::vector<double>& a, std::int64_t credits) {
  std::vector<Ballot> all;
  Ballot x(a.size(), 0);
  std::function<void(std::size_t, std::int64_t)> visit = [&](std::size_t k, std::int64_t left) {
    if (k == a.size()) {
      all.push_back(x);
      return;
    }
    for (std::int64_t v = 0; v * v <= left && (v == 0 || a[k] != 0.0); ++v) {
      x[k] = v;
      visit(k + 1, left - v * v);
    }
    x[k] = 0;
  };
  visit(0, credits);
  double best = 0.0;
  for (const Ballot& b : all) best = std::max(best, value_of(a, b));
  const Ballot* pick = nullptr;
  for (const Ballot& b : all) {
    if (value_of(a, b) < best * (1.0 - kWholeVoteTolerance)) continue;
    if (pick == nullptr || credits_of(b) < credits_of(*pick) ||
        (credits_of(b) == credits_of(*pick) && b > *pick)) {
      pick = &b;
    }
  }
  std::vector<double> out(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double v = static_cast<double>((*pick)[k]);
    out[k] = v == 0.0 ? 0.0 : std::copysign(v, a[k]);
  }
  return out;
}

// The best value within `credits`, exactly, by dynamic programming over credits spent
// (K * B * sqrt(B) steps: the slower reference for larger budgets).
double best_value_by_dp(const std::vector<double>& a, std::int64_t credits) {
  const auto n = static_cast<std::size_t>(credits) + 1;
  std::vector<double> best(n, 0.0), next(n);
  for (const double ak : a) {
    for (std::size_t c = 0; c < n; ++c) {
      double top = 0.0;
      for (std::size_t v = 0; v * v <= c; ++v) {
        top = std::max(top, std::fabs(ak) * static_cast<double>(v) + best[c - v * v]);
      }
      next[c] = top;
    }
    best.swap(next);
  }
  return best.back();
}

// The best value within `credits` for K <= 3: every count on all but the last proposal, the
// most votes that fit on the last (more votes there are always worth more).
double best_value_by_enumeration(const std::vector<double>& a, std::int64_t credits) {
  double best = 0.0;
  std::function<void(std::size_t, std::int64_t, double)> visit = [&](std::size_t k,
                                                                     std::int64_t left, double v) {
    if (k + 1 == a.size()) {
      auto r = static_cast<std::int64_t>(std::sqrt(static_cast<double>(left)));
      while (r * r > left) --r;
      while ((r + 1) * (r + 1) <= left) ++r;
      best = std::max(best, v + std::fabs(a[k]) * static_cast<double>(r));
      return;
    }
    for (std::int64_t x = 0; x * x <= left; ++x) {
      visit(k + 1, left - x * x, v + std::fabs(a[k]) * static_cast<double>(x));
    }
  };
  visit(0, credits, 0.0);
  return best;
}

double ballot_value(const std::vector<double>& a, const std::vector<double>& v) {
  double s = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) s += std::fabs(a[k]) * std::fabs(v[k]);
  return s;
}

double ballot_credits(const std::vector<double>& v) {
  double s = 0.0;
  for (const double x : v) s += x * x;
  return s;
}

// Value vectors: ties (equal entries, sums of others), zeros, negatives, tiny, unequal scales.
std::vector<std::vector<double>> value_sets() {
  return {{1.0},
          {-0.3},
          {0.0},
          {1.0, 0.1},
          {1.0, 1.0},
          {-2.0, 1.0},
          {0.0, 3.0},
          {3.0, -4.0},
          {1.0, 1e-13},
          {1.0, 1.0, 1.0},
          {2.0, 1.0, 1.0},
          {0.1, 0.2, 0.3},
          {5.0, 0.0, -1.0},
          {-1.0, 0.5, 0.5},
          {0.0, 0.0, 1.0},
          {0.7, -0.7, 0.2},
          {1e-3, 2.0, 1e3},
          {0.31, 0.29, -0.3},
          {4.0, 2.0, 1.0},
          {-1.0, -1.0, 2.0}};
}

}  // namespace

TEST_CASE("whole votes: u = (1, 0.1), B = 100 casts (10, 0), worth 10 > 9.1", "[integer_votes]") {
  std::vector<double> out(2);
  CHECK(quadratic_credit_votes(std::vector<double>{1.0, 0.1}, {}, 100, true, out) == 100.0);
  CHECK(out == std::vector<double>{10, 0});
  // Signs follow u; a non-integer budget uses its whole credits.
  CHECK(quadratic_credit_votes(std::vector<double>{-1.0, 0.1}, {}, 100.9, true, out) == 100.0);
  CHECK(out == std::vector<double>{-10, 0});
}

TEST_CASE("whole votes equal a brute-force optimum for every budget up to 60, K <= 3",
          "[integer_votes]") {
  for (const auto& a : value_sets()) {
    for (std::int64_t b = 0; b <= 60; ++b) {
      std::vector<double> out(a.size());
      const double spent = whole_credit_votes(a, static_cast<double>(b), out);
      INFO("a[0] = " << a[0] << ", K = " << a.size() << ", B = " << b);
      CHECK(out == brute_force(a, b));
      CHECK(spent == ballot_credits(out));
      // Half a credit more buys nothing.
      std::vector<double> half(a.size());
      whole_credit_votes(a, static_cast<double>(b) + 0.5, half);
      CHECK(half == out);
    }
  }
}

TEST_CASE("whole votes with unequal weights: the best ballot for a_k = u_k w_k",
          "[integer_votes]") {
  const std::vector<double> u{3.0, -4.0, 1.0};
  const std::vector<double> w{1.0, 0.75, 0.0};  // a = (3, -3, 0): the third cannot move its tally
  for (std::int64_t b = 0; b <= 60; ++b) {
    std::vector<double> out(3);
    quadratic_credit_votes(u, w, static_cast<double>(b), true, out);
    CHECK(out == brute_force({3.0, -3.0, 0.0}, b));
    CHECK(out[2] == 0.0);
  }
}

TEST_CASE("whole votes at large budgets match slower exact references", "[integer_votes]") {
  const std::vector<std::vector<double>> small{{1.0, 0.1},        {0.37, 0.61},
                                               {1.0, 0.999, 0.3}, {0.2, -0.45, 0.9},
                                               {1.0, 1.0, 1.0},   {0.123, 0.456, 0.789}};
  for (const double b : {1e4, 1e6}) {
    for (const auto& a : small) {
      std::vector<double> out(a.size());
      whole_credit_votes(a, b, out);
      INFO("B = " << b << ", a[1] = " << a[1]);
      CHECK(ballot_credits(out) <= b);
      const double best = best_value_by_enumeration(a, static_cast<std::int64_t>(b));
      CHECK(ballot_value(a, out) >= best * (1.0 - kWholeVoteTolerance));
    }
  }
  // Six proposals, 10^4 credits, against the dynamic program over credits.
  const std::vector<std::vector<double>> wide{{0.9, 0.5, 0.31, 0.3, 0.07, 0.02},
                                              {1.0, 1.0, 1.0, 1.0, 1.0, 1.0},
                                              {0.8, -0.6, 0.45, 0.44, -0.2, 0.15}};
  for (const auto& a : wide) {
    std::vector<double> out(a.size());
    whole_credit_votes(a, 1e4, out);
    CHECK(ballot_credits(out) <= 1e4);
    CHECK(ballot_value(a, out) >= best_value_by_dp(a, 10000) * (1.0 - kWholeVoteTolerance));
  }
}

TEST_CASE("under a fixed belief no whole ballot is worth more than the honest one",
          "[integer_votes]") {
  MechanismBelief belief;
  belief.mechanism = Mechanism::quadratic;
  belief.model = PivotModel::fixed;
  belief.price = 0.01;
  BudgetSpec budget;
  budget.integer_votes = true;
  for (const auto& u : value_sets()) {
    for (const double b : {1.0, 7.0, 30.0}) {
      const Voter voter{u, b, 1.0};
      std::vector<double> honest(u.size());
      honest_votes(Mechanism::quadratic, budget, belief, voter, honest);
      const double scale = belief.price * ballot_value(u, honest);
      // Every feasible whole ballot, any signs.
      std::vector<double> other(u.size(), 0.0);
      std::function<void(std::size_t, double)> visit = [&](std::size_t k, double left) {
        if (k == u.size()) {
          // Ballots within the tie tolerance may be worth a rounding error more.
          CHECK(private_loss(Mechanism::quadratic, budget, belief, voter, honest, other) >=
                -kWholeVoteTolerance * scale - 1e-15);
          return;
        }
        for (double v = -std::floor(std::sqrt(left)); v * v <= left; v += 1.0) {
          other[k] = v;
          visit(k + 1, left - v * v);
        }
        other[k] = 0.0;
      };
      visit(0, b);
    }
  }
}

TEST_CASE("whole votes: exact square roots, tiny values, huge budgets", "[integer_votes]") {
  CHECK(largest_whole_vote(0.99) == 0.0);
  CHECK(largest_whole_vote(1.0) == 1.0);
  CHECK(largest_whole_vote(99.99) == 9.0);
  const double n = 67108864.0;  // 2^26
  CHECK(largest_whole_vote(n * n) == n);
  CHECK(largest_whole_vote(n * n - 1.0) == n - 1.0);
  const double huge = largest_whole_vote(1e50);
  CHECK(huge * huge <= 1e50);
  CHECK(std::nextafter(huge, 1e300) * std::nextafter(huge, 1e300) > 1e50);
  // A vote worth less than the tolerance is not cast: it only costs credits.
  std::vector<double> out(2);
  whole_credit_votes(std::vector<double>{1.0, 1e-13}, 101, out);
  CHECK(out == std::vector<double>{10, 0});
  // Beyond 2^52 credits: finite votes within the budget.
  whole_credit_votes(std::vector<double>{1.0, -2.0}, 1e50, out);
  CHECK(std::isfinite(out[0]));
  CHECK(out[1] < 0.0);
  CHECK(ballot_credits(out) <= 1e50);
}
