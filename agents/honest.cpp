#include "agents/honest.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <vector>

namespace qvsim::agents {

double quadratic_credit_votes(std::span<const double> u, double budget, bool integer_votes,
                              std::span<double> out) {
  assert(out.size() == u.size());
  double sum_sq = 0.0;
  for (double x : u) sum_sq += x * x;
  if (sum_sq == 0.0) {
    std::fill(out.begin(), out.end(), 0.0);
    return 0.0;
  }
  const double scale = std::sqrt(budget / sum_sq);
  double spent = 0.0;
  if (!integer_votes) {
    for (std::size_t k = 0; k < u.size(); ++k) {
      out[k] = u[k] * scale;
      spent += out[k] * out[k];
    }
    return spent;
  }
  // Whole votes: round |v| down, then spend what is left one vote at a time, largest fractional
  // part first. Order is fixed (stable on index) so results do not depend on sort internals.
  std::vector<double> frac(u.size());
  for (std::size_t k = 0; k < u.size(); ++k) {
    const double exact = std::fabs(u[k] * scale);
    const double whole = std::floor(exact);
    out[k] = std::copysign(whole, u[k]);
    frac[k] = exact - whole;
    spent += whole * whole;
  }
  std::vector<std::size_t> order(u.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return frac[a] > frac[b]; });
  for (std::size_t k : order) {
    if (frac[k] <= 0.0) break;
    const double whole = std::fabs(out[k]);
    const double marginal = 2.0 * whole + 1.0;
    if (spent + marginal <= budget) {
      out[k] = std::copysign(whole + 1.0, u[k]);
      spent += marginal;
    }
  }
  return spent;
}

double quadratic_money_votes(std::span<const double> u, double pivot_price, std::span<double> out) {
  assert(out.size() == u.size());
  double spent = 0.0;
  for (std::size_t k = 0; k < u.size(); ++k) {
    out[k] = pivot_price * u[k] / 2.0;
    spent += out[k] * out[k];
  }
  return spent;
}

double one_person_one_vote_votes(std::span<const double> u, std::span<double> out) {
  assert(out.size() == u.size());
  double cast = 0.0;
  for (std::size_t k = 0; k < u.size(); ++k) {
    out[k] = u[k] > 0.0 ? 1.0 : (u[k] < 0.0 ? -1.0 : 0.0);
    cast += std::fabs(out[k]);
  }
  return cast;
}

double linear_votes(std::span<const double> u, double budget, std::span<double> out) {
  assert(out.size() == u.size());
  std::fill(out.begin(), out.end(), 0.0);
  std::size_t top = u.size();
  double best = 0.0;
  for (std::size_t k = 0; k < u.size(); ++k) {
    if (std::fabs(u[k]) > best) {
      best = std::fabs(u[k]);
      top = k;
    }
  }
  if (top == u.size()) return 0.0;
  out[top] = std::copysign(budget, u[top]);
  return budget;
}

double honest_votes(Mechanism m, const BudgetSpec& budget, std::span<const double> u,
                    std::span<double> out) {
  switch (m) {
    case Mechanism::quadratic:
      return budget.kind == BudgetKind::credits
                 ? quadratic_credit_votes(u, budget.credits, budget.integer_votes, out)
                 : quadratic_money_votes(u, budget.pivot_price, out);
    case Mechanism::one_person_one_vote: return one_person_one_vote_votes(u, out);
    case Mechanism::linear:
      assert(budget.kind == BudgetKind::credits);
      return linear_votes(u, budget.credits, out);
  }
  return 0.0;
}

double private_loss(Mechanism m, const BudgetSpec& budget, std::span<const double> u,
                    std::span<const double> honest, std::span<const double> w) {
  assert(u.size() == honest.size() && u.size() == w.size());
  double value = 0.0;
  for (std::size_t k = 0; k < u.size(); ++k) value += u[k] * (honest[k] - w[k]);
  double loss = budget.pivot_price * value;
  if (m == Mechanism::quadratic && budget.kind == BudgetKind::money) {
    for (std::size_t k = 0; k < u.size(); ++k) loss += w[k] * w[k] - honest[k] * honest[k];
  }
  return loss;
}

}  // namespace qvsim::agents
