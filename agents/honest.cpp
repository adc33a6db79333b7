#include "agents/honest.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

#include "agents/integer_votes.hpp"
#include "sim/distributions.hpp"

namespace qvsim::agents {
namespace {

// Weights g_k (or g_k(-v_k)) relative to the largest, from log densities, so that densities far
// in a tail (which underflow) still rank the proposals. A proposal whose density is exactly 0
// (sd 0) gets weight 0; all zero: equal weights (no vote moves any belief, any split is as good).
void relative_weights(std::span<const double> log_g, std::span<double> w) {
  double top = -std::numeric_limits<double>::infinity();
  for (double x : log_g) top = std::max(top, x);
  if (!std::isfinite(top)) {
    std::fill(w.begin(), w.end(), 1.0);
    return;
  }
  for (std::size_t k = 0; k < log_g.size(); ++k) w[k] = std::exp(log_g[k] - top);
}

// Every proposal believed alike (the prior of a value distribution): pivot densities are equal,
// so weighting by them changes nothing and the logs and exps can be skipped.
bool alike(const MechanismBelief& belief) noexcept {
  for (const TallyBelief& t : belief.proposals) {
    if (t.mean != belief.proposals.front().mean || t.sd != belief.proposals.front().sd) {
      return false;
    }
  }
  return true;
}

double money_votes(const MechanismBelief& belief, const Voter& voter, std::span<double> out) {
  double spent = 0.0;
  for (std::size_t k = 0; k < voter.u.size(); ++k) {
    out[k] = k < belief.family.size()
                 ? family_money_vote(voter.u[k], voter.lambda, belief.family[k],
                                     k < belief.mixture.size()
                                         ? std::span<const BeliefComponent>(belief.mixture[k])
                                         : std::span<const BeliefComponent>())
                 : voter.u[k] * belief.pivot_density(k) / (2.0 * voter.lambda);
    spent += out[k] * out[k];
  }
  return spent;
}

double credit_votes(const BudgetSpec& budget, const MechanismBelief& belief, const Voter& voter,
                    std::span<double> out) {
  const std::size_t kc = voter.u.size();
  if (belief.model == PivotModel::fixed || (belief.model == PivotModel::normal && alike(belief))) {
    return quadratic_credit_votes(voter.u, {}, voter.credits, budget.integer_votes, out);
  }
  thread_local std::vector<double> log_g, w, exact;
  log_g.resize(kc);
  w.resize(kc);
  exact.resize(kc);
  for (std::size_t k = 0; k < kc; ++k) log_g[k] = belief.log_pivot_density(k);
  relative_weights(log_g, w);
  double spent = quadratic_credit_votes(voter.u, w, voter.credits, false, exact);
  if (belief.model == PivotModel::equilibrium) {
    // The first-order condition u_k g_k(-v_k) = 2 nu v_k: weights at the votes themselves,
    // iterated from the price-taking allocation. Votes are small against the belief's sd except
    // in tiny electorates, so a few rounds reach the fixed point.
    thread_local std::vector<double> previous;
    for (int round = 0; round < 4; ++round) {
      previous.assign(exact.begin(), exact.end());
      for (std::size_t k = 0; k < kc; ++k) log_g[k] = belief.log_pivot_density(k, exact[k]);
      relative_weights(log_g, w);
      spent = quadratic_credit_votes(voter.u, w, voter.credits, false, exact);
      double moved = 0.0;
      for (std::size_t k = 0; k < kc; ++k)
        moved = std::max(moved, std::fabs(exact[k] - previous[k]));
      if (moved <= 1e-12 * std::sqrt(voter.credits)) break;
    }
  }
  if (!budget.integer_votes) {
    std::copy(exact.begin(), exact.end(), out.begin());
    return spent;
  }
  // The exact whole-vote best response with the weights of the real allocation (at its fixed
  // point under equilibrium).
  for (std::size_t k = 0; k < kc; ++k) exact[k] = voter.u[k] * w[k];
  return whole_credit_votes(exact, voter.credits, out);
}

double linear_votes(const MechanismBelief& belief, const Voter& voter, std::span<double> out) {
  std::fill(out.begin(), out.end(), 0.0);
  const std::size_t kc = voter.u.size();
  std::size_t top = kc;
  double best_log = -std::numeric_limits<double>::infinity();
  const bool equal = belief.model == PivotModel::fixed || alike(belief);
  for (std::size_t k = 0; k < kc; ++k) {
    if (equal) {  // equal densities: the largest |u_k|
      if (voter.u[k] != 0.0 && (top == kc || std::fabs(voter.u[k]) > std::fabs(voter.u[top]))) {
        top = k;
      }
      continue;
    }
    const double u = voter.u[k];
    if (u == 0.0) continue;
    // |u_k| g_k compared in logs (densities far in a tail underflow).
    const double lg = std::log(std::fabs(u)) + belief.log_pivot_density(k);
    if (top == kc || lg > best_log) {
      best_log = lg;
      top = k;
    }
  }
  if (top == kc) return 0.0;
  out[top] = std::copysign(voter.credits, voter.u[top]);
  return voter.credits;
}

}  // namespace

double quadratic_credit_votes(std::span<const double> u, std::span<const double> weights,
                              double budget, bool integer_votes, std::span<double> out) {
  assert(out.size() == u.size());
  assert(weights.empty() || weights.size() == u.size());
  if (integer_votes) {
    if (weights.empty()) return whole_credit_votes(u, budget, out);
    thread_local std::vector<double> a;
    a.resize(u.size());
    for (std::size_t k = 0; k < u.size(); ++k) a[k] = u[k] * weights[k];
    return whole_credit_votes(a, budget, out);
  }
  double sum_sq = 0.0;
  for (std::size_t k = 0; k < u.size(); ++k) {
    const double a = weights.empty() ? u[k] : u[k] * weights[k];
    sum_sq += a * a;
  }
  if (sum_sq == 0.0) {
    std::fill(out.begin(), out.end(), 0.0);
    return 0.0;
  }
  // v_k = (a_k / |a|) sqrt(B): with one proposal a / |a| is exactly +-1 (the square root of a
  // correctly rounded square is exact), so the vote is exactly sqrt(B) sign(u), as the
  // cross-mechanism comparisons with 1p1v require.
  const double norm = std::sqrt(sum_sq);
  const double root = std::sqrt(budget);
  double spent = 0.0;
  for (std::size_t k = 0; k < u.size(); ++k) {
    out[k] = (weights.empty() ? u[k] : u[k] * weights[k]) / norm * root;
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

double jump_money_vote(double u, double lambda, const TallyBelief& race) noexcept {
  if (u == 0.0 || !(race.sd > 0.0)) return 0.0;
  const double a = std::fabs(u);
  const double mean = u > 0.0 ? race.mean : -race.mean;  // her side's view of the race
  const double sd = race.sd;
  const auto objective = [&](double v) { return a * normal_cdf((mean + v) / sd) - lambda * v * v; };
  const auto foc = [&](double v) {
    return a * normal_pdf((mean + v) / sd) / sd - 2.0 * lambda * v;
  };
  // Her votes from one sd short of a tie (t = -1), or from 0 when she is not that far behind.
  const double lo = std::max(0.0, -mean - sd);
  double best_v = lo;
  double best = objective(lo);
  // Fast path. From x0 = max(lo, -mean), where t = (mean + v) / sd >= 0, the first-order
  // condition decreases strictly (its slope is -a t phi(t) / sd^2 - 2 lambda), so if it is
  // positive at x0 it has one root past x0, the only maximum there; on [lo, x0] (t in [-1, 0])
  // phi is concave, so the condition cannot cross from + to - and back to + before x0: the only
  // other candidate is lo itself.
  const double x0 = std::max(lo, -mean);
  if (foc(x0) > 0.0) {
    double l = x0, h = x0 + sd;
    for (int i = 0; i < 60 && foc(h) > 0.0; ++i) {
      l = h;
      h = x0 + (h - x0) * 2.0;
    }
    double v = 0.5 * (l + h);
    for (int i = 0; i < 200 && h - l > 1e-15 * h; ++i) {
      const double f = foc(v);
      (f > 0.0 ? l : h) = v;
      const double t = (mean + v) / sd;
      const double d = -a * t * normal_pdf(t) / (sd * sd) - 2.0 * lambda;
      double next = d < 0.0 ? v - f / d : 0.5 * (l + h);
      if (!(next > l && next < h)) next = 0.5 * (l + h);
      const bool settled = std::fabs(next - v) <= 1e-15 * v;
      v = next;
      if (settled) break;
    }
    if (foc(lo) <= 0.0 && objective(lo) >= objective(v)) v = lo;
    return std::copysign(v, u);
  }
  // Otherwise every + to - crossing of the first-order condition on a grid in t, dense
  // up to t = 8 and sparse to t = 30 (past which phi(t) < 1e-195 and the marginal gain is nil),
  // each narrowed by bisection to rounding level; the best is kept (ties: the smaller vote).
  constexpr double kTs[] = {-1.0, -0.75, -0.5, -0.25, 0.0,  0.25, 0.5,  0.75, 1.0,  1.25, 1.5,
                            1.75, 2.0,   2.25, 2.5,   2.75, 3.0,  3.5,  4.0,  4.5,  5.0,  5.5,
                            6.0,  6.5,   7.0,  7.5,   8.0,  10.0, 12.0, 15.0, 20.0, 25.0, 30.0};
  double prev_v = lo;
  double prev_f = foc(lo);
  for (const double t : kTs) {
    const double v = -mean + t * sd;
    if (!(v > prev_v)) continue;
    const double f = foc(v);
    if (prev_f > 0.0 && f <= 0.0) {
      double l = prev_v, h = v;
      for (int i = 0; i < 100 && h - l > 1e-15 * h; ++i) {
        const double mid = 0.5 * (l + h);
        (foc(mid) > 0.0 ? l : h) = mid;
      }
      const double r = 0.5 * (l + h);
      const double value = objective(r);
      if (value > best) {
        best = value;
        best_v = r;
      }
    }
    prev_v = v;
    prev_f = f;
  }
  return std::copysign(best_v, u);
}

double near_money_vote(double r, double start, std::span<const BeliefComponent> mixture) noexcept {
  if (r == 0.0 || mixture.empty()) return 0.0;
  // In her direction: x = sign(r) v >= 0, h(x) = |r| G(sign(r) x) / 2 - x, h(0) >= 0.
  const double sign = r > 0.0 ? 1.0 : -1.0;
  const double a = std::fabs(r);
  const auto h = [&](double x, double* slope) {
    double g = 0.0, dg = 0.0;
    for (const BeliefComponent& c : mixture) {
      const double t = (c.mean + sign * x) / c.sd;
      const double p = c.weight * normal_pdf(t) / c.sd;
      g += p;
      dg -= p * t / c.sd;  // dG/dv; dh/dx = |r| sign dG/dv / 2 - 1
    }
    if (slope != nullptr) *slope = a * sign * dg / 2.0 - 1.0;
    return a * g / 2.0 - x;
  };
  if (!(h(0.0, nullptr) > 0.0)) return 0.0;
  // A bracket [lo, hi] with h(lo) > 0 >= h(hi): from the guess, down to 0 when h is already
  // negative there, else up by doublings (h(x) <= |r| max G / 2 - x, so they end).
  double lo = 0.0, hi = std::fabs(start);
  if (!(hi > 0.0) || h(hi, nullptr) > 0.0) {
    lo = hi;
    hi = hi > 0.0 ? 2.0 * hi : a * 1e-300;
    for (int i = 0; i < 2200 && h(hi, nullptr) > 0.0; ++i) {
      lo = hi;
      hi *= 2.0;
    }
  }
  // Newton steps kept inside the bracket, bisection where Newton would leave it.
  double x = 0.5 * (lo + hi);
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    double slope = 0.0;
    const double f = h(x, &slope);
    (f > 0.0 ? lo : hi) = x;
    double next = slope < 0.0 ? x - f / slope : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const bool settled = std::fabs(next - x) <= 1e-15 * x;
    x = next;
    if (settled) break;
  }
  return sign * x;
}

double family_money_vote(double u, double lambda, const MoneyFamily& family,
                         std::span<const BeliefComponent> mixture) noexcept {
  const double r = u / lambda;
  if (family.side != 0.0 && family.side * r >= family.threshold) {
    return jump_money_vote(u, lambda, family.race);
  }
  if (mixture.empty()) return family.alpha * r;
  return near_money_vote(r, family.alpha * r, mixture);
}

double honest_votes(Mechanism m, const BudgetSpec& budget, const MechanismBelief& belief,
                    const Voter& voter, std::span<double> out) {
  assert(out.size() == voter.u.size());
  switch (ballot_rule(m)) {
    case Mechanism::quadratic:
      return budget.kind == BudgetKind::credits ? credit_votes(budget, belief, voter, out)
                                                : money_votes(belief, voter, out);
    case Mechanism::one_person_one_vote: return one_person_one_vote_votes(voter.u, out);
    case Mechanism::linear:
      assert(budget.kind == BudgetKind::credits);
      return linear_votes(belief, voter, out);
    case Mechanism::connection_oriented:
    case Mechanism::pairwise_bounded: break;  // ballot_rule() maps them to quadratic
  }
  return 0.0;
}

double private_loss(Mechanism m, const BudgetSpec& budget, const MechanismBelief& belief,
                    const Voter& voter, std::span<const double> from, std::span<const double> to) {
  assert(voter.u.size() == from.size() && voter.u.size() == to.size());
  double loss = 0.0;
  for (std::size_t k = 0; k < voter.u.size(); ++k) {
    if (from[k] != to[k]) loss += voter.u[k] * belief.gain(k, to[k], from[k]);
  }
  if (ballot_rule(m) == Mechanism::quadratic && budget.kind == BudgetKind::money) {
    double extra = 0.0;
    for (std::size_t k = 0; k < voter.u.size(); ++k) extra += to[k] * to[k] - from[k] * from[k];
    loss += voter.lambda * extra;
  }
  return loss;
}

}  // namespace qvsim::agents
