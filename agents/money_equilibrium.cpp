#include "agents/money_equilibrium.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>
#include <variant>

#include "agents/honest.hpp"
#include "agents/money_family.hpp"
#include "agents/traits.hpp"
#include "sim/belief.hpp"
#include "sim/distributions.hpp"
#include "sim/electorate.hpp"

namespace qvsim::agents {

using money_family::cell_midpoint;
using money_family::cell_probability;
using money_family::Family;
using money_family::Item;
using money_family::items_of;

// The belief about the others' sum of N - 1 voters whose votes have these moments.
TallyBelief others_sum(const Moments& m, double others) {
  const double spread = std::sqrt(others) * m.sd;
  const double one_vote = std::hypot(m.mean, m.sd);
  return TallyBelief{others * m.mean, std::max(spread, one_vote)};
}

namespace {

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

// Money QV's finite-population equilibrium for one proposal group (docs/model.md). Two unknowns:
// the moderates' slope alpha and how far into the side behind the jumping reaches, t (items
// from the most extreme, fractional at a mixing type). For each alpha, t is the first point,
// coming in from the most extreme type, where jumping stops paying for the marginal type (the
// branch that starts at "only the most extreme jump" and moves inward continuously as alpha
// falls), found by a scan and bisection; then alpha is the root of log(g(0) / (2 alpha)), by
// illinois() from the price-taking prior's slope.
double money_equilibrium(const MoneyTypes& types, double others, const TallyBelief& prior,
                         FamilyBelief& out, std::uint32_t& evaluations) {
  std::vector<Item> items = items_of(types);
  // The side behind is the one the others' sum leans against: the prior's, or where its slope
  // underflowed (a race lopsided past z of about 38 makes phi(z) = 0 and every price-taking
  // vote 0), the sign of the ratios' mean.
  double lean = prior.mean;
  double spread = 0.0;  // the ratios' sd
  if (!(prior.sd > 0.0)) {
    double w = 0.0, r2 = 0.0;
    lean = 0.0;
    for (const Item& it : items) {
      w += it.w;
      lean += it.w * it.r;
      r2 += it.w * it.r * it.r;
    }
    if (w > 0.0) spread = std::sqrt(std::max(0.0, r2 / w - (lean / w) * (lean / w)));
  }
  const double side = lean > 0.0 ? -1.0 : (lean < 0.0 ? 1.0 : 0.0);
  const Family family(std::move(items), types.values, side, others);
  const std::size_t jumpable = family.jumpable();
  // t for this alpha and whether the solution is interior to a type (indifference must hold).
  struct Reach {
    double t;
    bool interior;
  };
  const auto reach_of = [&](auto&& gain) {
    if (jumpable == 0 || !(gain(0.0) > 0.0)) return Reach{0.0, false};
    // Scan inward: one type at a time over the first 8, then steps growing by half.
    double lo = 0.0, hi = 0.0, step = 1.0;
    for (;;) {
      hi = std::min(static_cast<double>(jumpable), lo + step);
      if (!(gain(hi) > 0.0)) break;
      if (hi >= static_cast<double>(jumpable)) return Reach{hi, false};
      lo = hi;
      if (lo >= 8.0) step = std::ceil(step * 1.5);
    }
    for (int i = 0; i < 200 && hi - lo > 1e-13 * std::max(1.0, hi); ++i) {
      const double mid = 0.5 * (lo + hi);
      (gain(mid) > 0.0 ? lo : hi) = mid;
    }
    const double t = 0.5 * (lo + hi);
    return Reach{t, std::floor(lo) == std::floor(hi)};
  };
  const auto reach = [&](double alpha) {
    return reach_of([&](double t) { return family.at(alpha, t).gain; });
  };
  double last_t = 0.0;  // the reach at the last slope tried
  const auto residual_at = [&](double log_alpha) {
    ++evaluations;
    const double alpha = std::exp(log_alpha);
    const Reach rr = reach(alpha);
    last_t = rr.t;
    const Family::State st = family.at(alpha, rr.t);
    // A density that underflows to 0 counts as e^-800 (a finite value, for the root search).
    return st.g0 > 0.0 ? std::log(st.g0 / (2.0 * alpha)) : -800.0;
  };
  // The prior's slope: its pivot density at 0, halved.
  const double g_prior = prior.sd > 0.0 ? normal_pdf(prior.mean / prior.sd) / prior.sd : 0.0;
  // Where the prior's slope underflowed, the search starts from votes 1e-12 times the ratios'
  // sd, far below any root (the residual does not change with the slope there: votes, race and
  // jumps all scale with it).
  double alpha =
      g_prior > 0.0 ? g_prior / 2.0 : (side != 0.0 && spread > 0.0 ? 1e-12 / spread : 0.0);
  if (alpha > 0.0 && others >= 1.0) {
    // The root continuous with the price-taking one. Up by factors of 2 from the prior's slope
    // to the first change from + to -: the residual is positive where votes are too small for
    // the density they create, negative past the root as a larger slope makes the race
    // lopsided and nobody jumps (g(0) falls like 1 / alpha). At the prior's slope itself it can
    // be negative: votes so small that jumping is cheap for much of the side behind, the jumps
    // piling up far past a tie, which gives another, smaller root that is not that equilibrium;
    // the search passes it. It stops at a negative residual with nobody jumping (from there on
    // the residual only falls), or one that has fallen by more than log 2 with each of 20
    // doublings in a row (votes too large for the density they create, g(0) shrinking like
    // 1 / alpha, in a race close enough that the strongest voters' large votes never stop
    // paying, so that nobody-jumps never comes; where votes are tiny the residual barely moves
    // with the slope, as votes, race and jumps all scale with it). Without a change by then,
    // down from the prior's slope to the first positive residual.
    const double step = std::log(2.0);
    std::optional<Bracket> found;
    const double start = std::log(alpha);
    double x = start;
    double fx = residual_at(x);
    int falling = 0;  // doublings in a row over which a negative residual fell
    for (int i = 0;
         i < 2000 && !found && !(fx < 0.0 && last_t == 0.0) && falling < 20 && x < start + 700.0;
         ++i) {
      const double next = x + step;
      const double fn = residual_at(next);
      if (fx > 0.0 && fn <= 0.0) found = Bracket{x, next, fx, fn};
      falling = fn < 0.0 && fn < fx - step ? falling + 1 : 0;
      x = next;
      fx = fn;
    }
    x = start;
    fx = residual_at(x);
    for (int i = 0; !found && i < 2000 && fx <= 0.0; ++i) {
      const double next = x - step;
      const double fn = residual_at(next);
      if (fn > 0.0) found = Bracket{next, x, fn, fx};
      x = next;
      fx = fn;
    }
    if (found) {
      const Bracket b = illinois(residual_at, *found, 1e-13);
      alpha = std::exp(0.5 * (b.lo + b.hi));
    }
  }
  Reach r = alpha > 0.0 ? reach(alpha) : Reach{0.0, false};
  Family::State st = family.at(alpha, r.t);
  double residual = alpha > 0.0 ? std::fabs(st.g0 / (2.0 * alpha) - 1.0) : 0.0;
  // Exact moderates: from the linear solution, the moderates' vote moments (z = mean / sd,
  // log sd) whose near_money_vote votes against the mixture they imply (with the jumpers they
  // leave) have those moments. The residual in the mean is far stiffer than the one in the sd
  // (the race's position moves with the mean), so the two are nested roots, each bracketed by
  // widening steps and narrowed by illinois(): z for each sd inside, log sd outside.
  if (alpha > 0.0 && others >= 1.0 && st.mod.sd > 0.0) {
    struct Eval {
      double dz = 0.0, dlog = 0.0;  // the residuals
      Reach reach{0.0, false};
      Family::State st;
    };
    const auto eval = [&](double z, double log_sd) {
      ++evaluations;
      Eval e;
      const Moments mod{z * std::exp(log_sd), std::exp(log_sd)};
      std::vector<double> jumps(jumpable, std::numeric_limits<double>::quiet_NaN());
      e.reach = reach_of([&](double t) { return family.at_exact(mod, t, &jumps).gain; });
      e.st = family.at_exact(mod, e.reach.t, &jumps);
      const Moments next = family.moderates(e.reach.t, e.st);
      e.dz = (next.mean - mod.mean) / mod.sd;
      e.dlog = next.sd > 0.0 ? std::log(next.sd / mod.sd) : -800.0;
      return e;
    };
    // A root of decreasing f near x: steps of `step` widened by doubling up to 60 times, then
    // illinois(); x itself when no sign change is found.
    const auto root_near = [](auto&& f, double x, double step) {
      double lo = x, hi = x, flo = f(x), fhi = flo;
      if (flo == 0.0) return x;
      for (int i = 0; i < 60 && (flo > 0.0) == (fhi > 0.0); ++i, step *= 2.0) {
        if (flo > 0.0) {
          lo = hi;
          flo = fhi;
          hi += step;
          fhi = f(hi);
        } else {
          hi = lo;
          fhi = flo;
          lo -= step;
          flo = f(lo);
        }
      }
      if (!(flo > 0.0 && fhi <= 0.0)) return x;
      const Bracket b = illinois(f, Bracket{lo, hi, flo, fhi}, 1e-14 * std::max(1.0, std::fabs(x)));
      return 0.5 * (b.lo + b.hi);
    };
    double z = st.mod.mean / st.mod.sd;
    const auto z_at = [&](double log_sd) {
      z = root_near([&](double zz) { return eval(zz, log_sd).dz; }, z, 1e-4 * std::fabs(z) + 1e-9);
      return z;
    };
    const double log_sd =
        root_near([&](double ls) { return eval(z_at(ls), ls).dlog; }, std::log(st.mod.sd), 1e-4);
    Eval e = eval(z_at(log_sd), log_sd);
    r = e.reach;
    st = std::move(e.st);
    alpha = st.g0 / 2.0;
    residual = std::max(std::fabs(e.dz), std::fabs(e.dlog));
  }
  if (!(alpha > 0.0) || !(st.race.sd > 0.0) || !std::isfinite(st.g0)) {
    // Nothing to solve (every value 0, or all alike with a prior that underflowed): the prior,
    // nobody jumps, moderates vote alpha r with alpha its density at 0 halved.
    out.family = MoneyFamily{g_prior / 2.0, 0.0, std::numeric_limits<double>::infinity(), prior};
    out.mixture.clear();
    out.moments = prior;
    return 0.0;
  }
  out.family = MoneyFamily{alpha, side, family.threshold(r.t), st.race};
  out.mixture = st.mixture;
  double mean = 0.0, second = 0.0;
  for (const BeliefComponent& c : st.mixture) {
    mean += c.weight * c.mean;
    second += c.weight * (c.sd * c.sd + c.mean * c.mean);
  }
  out.moments = TallyBelief{mean, std::sqrt(std::max(0.0, second - mean * mean))};
  if (r.interior) {
    const double scale = st.jump * st.jump + st.stay * st.stay;
    if (scale > 0.0) residual = std::max(residual, std::fabs(st.gain) / scale);
  }
  return residual;
}

}  // namespace qvsim::agents
