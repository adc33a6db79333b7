#include "agents/money_equilibrium.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>
#include <variant>

#include "agents/honest.hpp"
#include "agents/traits.hpp"
#include "sim/distributions.hpp"
#include "sim/electorate.hpp"

namespace qvsim::agents {

// The belief about the others' sum of N - 1 voters whose votes have these moments.
TallyBelief others_sum(const Moments& m, double others) {
  const double spread = std::sqrt(others) * m.sd;
  const double one_vote = std::hypot(m.mean, m.sd);
  return TallyBelief{others * m.mean, std::max(spread, one_vote)};
}

namespace {

// P(a < Z < b) for a standard normal, and the z splitting that probability in half, both taken
// in the nearer tail so that neither cancels.
double cell_probability(double a, double b) {
  return a > 0.0 ? normal_cdf(-a) - normal_cdf(-b) : normal_cdf(b) - normal_cdf(a);
}
double cell_midpoint(double a, double b) {
  return a > 0.0 ? -normal_quantile(0.5 * (normal_cdf(-a) + normal_cdf(-b)))
                 : normal_quantile(0.5 * (normal_cdf(a) + normal_cdf(b)));
}

// Where finite_money_vote jumps on one side (sign +1: supporters, -1: opponents) for a voter with
// lambda = 1: the ratio r = |u| / lambda above which her vote lies past t = (mean' + v) / sd = -1,
// mean' her side's view of the mean (the vote depends on |u| / lambda only, is nondecreasing in
// it, and its two local maxima, when there are two, lie on either side of t = -1, where the
// Gaussian's slope peaks). Infinity when her side is not behind by more than one sd, so that no
// vote of hers lies below t = -1 and none jumps.
double jump_ratio(double sign, const TallyBelief& b) {
  const double behind = sign * b.mean;
  if (!(behind / b.sd < -1.0)) return std::numeric_limits<double>::infinity();
  const auto past = [&](double r) {
    return (behind + std::fabs(finite_money_vote(sign * r, 1.0, b))) / b.sd > -1.0;
  };
  const double reach = -behind - b.sd;  // the vote that reaches t = -1
  double lo = reach * reach, hi = lo;
  for (int i = 0; i < 400 && past(lo); ++i) lo /= 4.0;
  for (int i = 0; i < 400 && !past(hi); ++i) hi *= 4.0;
  for (int i = 0; i < 200 && hi > lo * (1.0 + 1e-15); ++i) {
    const double mid = std::sqrt(lo * hi);
    (past(mid) ? hi : lo) = mid;
  }
  return hi;
}

// The latent z at which the values reach u (value_from_latent is nondecreasing in z), by
// bisection within the cells' range (the distributions have no common inverse).
double latent_of(const ValueDistribution& d, double u) {
  double lo = -kMoneyLatentRange, hi = kMoneyLatentRange;
  for (int i = 0; i < 64; ++i) {
    const double mid = 0.5 * (lo + hi);
    (value_from_latent(d, mid) < u ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// Raw moments E[v], E[v^2] of one voter's finite_money_vote when everyone holds belief b.
struct Raw {
  double e1 = 0.0;
  double e2 = 0.0;
};

Raw money_raw_moments(const MoneyTypes& types, const TallyBelief& b) {
  Raw r;
  const auto add = [&r](double w, double v) {
    r.e1 += w * v;
    r.e2 += w * v * v;
  };
  if (types.values == nullptr) {
    const double w = 1.0 / static_cast<double>(types.rows.size());
    for (const auto& t : types.rows) add(w, finite_money_vote(t.u, t.lambda, b));
    return r;
  }
  // Each cell at its midpoint, except the (at most two) cells where the vote jumps: there the
  // cell splits at the jump, each part at its own midpoint, so that the moments move
  // continuously with the belief instead of jumping by a whole cell's weight times a vote that
  // flips the race (the finite-population equilibrium needs that continuity).
  const std::size_t cells = types.u.size();
  const double share = 1.0 / static_cast<double>(types.lambdas.size());
  const double ratio[2] = {jump_ratio(1.0, b), jump_ratio(-1.0, b)};
  for (const double lambda : types.lambdas) {
    std::size_t split[2] = {cells, cells};
    double at[2] = {0.0, 0.0};
    for (int side = 0; side < 2; ++side) {
      if (!std::isfinite(ratio[side])) continue;
      at[side] = latent_of(*types.values, (side == 0 ? 1.0 : -1.0) * ratio[side] * lambda);
      const auto cell = std::upper_bound(types.edges.begin(), types.edges.end(), at[side]);
      if (cell != types.edges.begin() && cell != types.edges.end()) {
        split[side] = static_cast<std::size_t>(cell - types.edges.begin()) - 1;
      }
    }
    for (std::size_t i = 0; i < cells; ++i) {
      const int side = i == split[0] ? 0 : (i == split[1] ? 1 : -1);
      if (side < 0) {
        add(share * types.weight[i], finite_money_vote(types.u[i], lambda, b));
        continue;
      }
      for (const auto& [lo, hi] :
           {std::pair{types.edges[i], at[side]}, std::pair{at[side], types.edges[i + 1]}}) {
        if (!(hi > lo)) continue;
        const double u = value_from_latent(*types.values, cell_midpoint(lo, hi));
        add(share * cell_probability(lo, hi), finite_money_vote(u, lambda, b));
      }
    }
  }
  return r;
}

// A root bracket of f: f(lo) > 0 > f(hi) (lo may exceed hi).
struct Bracket {
  double lo, hi, flo, fhi;
};

// Narrows `b` by the Illinois method (regula falsi that halves a stale end's value), with a
// bisection every fourth step so that a jump in f cannot make it crawl, until the ends are within
// `tol` of each other or f is exactly 0 (then both ends are that point).
template <class F>
Bracket illinois(F&& f, Bracket b, double tol) {
  int stale = 0;
  for (int i = 0; i < 400 && std::fabs(b.hi - b.lo) > tol; ++i) {
    const double x =
        i % 4 == 3 ? 0.5 * (b.lo + b.hi) : (b.lo * b.fhi - b.hi * b.flo) / (b.fhi - b.flo);
    const double fx = f(x);
    if (fx == 0.0) return Bracket{x, x, fx, fx};
    if (fx > 0.0) {
      b.lo = x;
      b.flo = fx;
      if (stale == 1) b.fhi /= 2.0;
      stale = 1;
    } else {
      b.hi = x;
      b.fhi = fx;
      if (stale == -1) b.flo /= 2.0;
      stale = -1;
    }
  }
  return b;
}

// Widens [x - step, x + step] by doubling until f(lo) > 0 > f(hi) (f decreasing overall), the
// ends clamped to [lo_limit, hi_limit]. nullopt when f keeps one sign up to the limits.
template <class F>
std::optional<Bracket> bracket_around(F&& f, double x, double step, double lo_limit,
                                      double hi_limit) {
  Bracket b{std::max(lo_limit, x - step), std::min(hi_limit, x + step), 0.0, 0.0};
  b.flo = f(b.lo);
  b.fhi = f(b.hi);
  for (int i = 0; i < 200 && b.flo <= 0.0 && b.lo > lo_limit; ++i) {
    b.hi = b.lo;
    b.fhi = b.flo;
    step *= 2.0;
    b.lo = std::max(lo_limit, b.lo - step);
    b.flo = f(b.lo);
  }
  for (int i = 0; i < 200 && b.fhi >= 0.0 && b.hi < hi_limit; ++i) {
    b.lo = b.hi;
    b.flo = b.fhi;
    step *= 2.0;
    b.hi = std::min(hi_limit, b.hi + step);
    b.fhi = f(b.hi);
  }
  if (b.flo <= 0.0 || b.fhi >= 0.0) return std::nullopt;
  return b;
}

}  // namespace

MoneyTypes money_types(const Scenario& s) {
  MoneyTypes out;
  out.values = &s.values.distribution;
  for (std::uint32_t i = 0; i <= kMoneyValueCells; ++i) {
    out.edges.push_back(kMoneyLatentRange * (2.0 * i / kMoneyValueCells - 1.0));
  }
  for (std::uint32_t i = 0; i < kMoneyValueCells; ++i) {
    const double a = out.edges[i], b = out.edges[i + 1];
    out.weight.push_back(cell_probability(a, b));
    out.u.push_back(value_from_latent(s.values.distribution, cell_midpoint(a, b)));
  }
  const bool constant = std::holds_alternative<ConstantTrait>(s.budget.wealth);
  const std::uint32_t wealth_points = constant ? 1 : 16;
  for (std::uint32_t j = 0; j < wealth_points; ++j) {
    const double wealth = trait_value(s.budget.wealth, (j + 0.5) / wealth_points);
    out.lambdas.push_back(std::pow(wealth, -s.budget.eta));
  }
  return out;
}

// Money QV's finite-population equilibrium for one proposal group: the belief (mean, sd) whose
// finite_money_vote votes have exactly that mean and sd as the others' sum. Searched in
// z = mean / sd: for each z the sd is the root of log(sd_T / sd) (votes measured in units of sd
// shrink as sd grows, since a vote of x sd costs lambda x^2 sd^2, so sd_T / sd falls from
// infinity to 0), and z is the root of mean_T / sd - z within [-40, 40] (a race believed lost
// makes supporters buy, one believed won makes opponents buy), both by illinois() from the last
// root. The moments move continuously with the belief (money_raw_moments splits the cell where
// the vote jumps); only a values file's finite set of types can leave a jump. In the search for
// the sd a root inside one is met by mixing (the share of the jumping types' weight that buys the
// large vote is interpolated to meet it, as an equilibrium over finitely many types needs); a
// jump in the search for z is not resolved and shows in the residual (docs/model.md).
// Counts evaluations of the moments in `evaluations`; returns the residual.
double money_equilibrium(const MoneyTypes& types, double others, TallyBelief& belief,
                         std::uint32_t& evaluations) {
  const auto raw = [&](const TallyBelief& b) {
    ++evaluations;
    return money_raw_moments(types, b);
  };
  const auto sum_of = [&](const Raw& r) {
    return others_sum(Moments{r.e1, std::sqrt(std::max(0.0, r.e2 - r.e1 * r.e1))}, others);
  };
  const auto mix = [](const Raw& a, const Raw& b, double fa, double fb) {
    const double f = fa > 0.0 && fb < 0.0 ? fa / (fa - fb) : (fa > 0.0 ? 1.0 : 0.0);
    return Raw{(1.0 - f) * a.e1 + f * b.e1, (1.0 - f) * a.e2 + f * b.e2};
  };
  constexpr double kTolerance = 1e-12;  // on z and log sd: residuals far below 1e-9
  double last_log_sd = std::log(belief.sd);
  // For this z: the sd of the fixed point and the (mixed) raw moments there.
  struct Solved {
    double sd;
    Raw at;
  };
  const auto sd_at = [&](double z) {
    const auto r = [&](double log_sd) {
      const double sd = std::exp(log_sd);
      return std::log(sum_of(raw({z * sd, sd})).sd / sd);
    };
    const double start = last_log_sd;
    const auto found = bracket_around(r, start, std::log(2.0), start - 700.0, start + 700.0);
    if (!found) return Solved{std::exp(start), raw({z * std::exp(start), std::exp(start)})};
    const Bracket b = illinois(r, *found, kTolerance);
    last_log_sd = 0.5 * (b.lo + b.hi);
    const double sd = std::exp(last_log_sd);
    const Raw lo = raw({z * std::exp(b.lo), std::exp(b.lo)});
    const Raw hi = raw({z * std::exp(b.hi), std::exp(b.hi)});
    return Solved{sd, mix(lo, hi, std::log(sum_of(lo).sd / sd), std::log(sum_of(hi).sd / sd))};
  };
  const auto h = [&](double z) {
    const Solved s = sd_at(z);
    return sum_of(s.at).mean / s.sd - z;
  };
  double z = belief.mean / belief.sd;
  if (const auto found = bracket_around(h, z, 0.25, -40.0, 40.0)) {
    const Bracket b = illinois(h, *found, kTolerance);
    z = 0.5 * (b.lo + b.hi);
  } else {
    z = std::fabs(h(40.0) + 40.0) < std::fabs(h(-40.0) - 40.0) ? 40.0 : -40.0;
  }
  const Solved solved = sd_at(z);
  belief = TallyBelief{z * solved.sd, solved.sd};
  const TallyBelief t = sum_of(solved.at);
  return (std::fabs(t.mean - belief.mean) + std::fabs(t.sd - belief.sd)) / belief.sd;
}

}  // namespace qvsim::agents
