#include "agents/money_equilibrium.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>
#include <variant>

#include "agents/honest.hpp"
#include "agents/traits.hpp"
#include "sim/belief.hpp"
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

namespace {

// One type of voter: her ratio r = u / lambda (her vote depends on nothing else) and its weight.
struct Item {
  double r;
  double w;
  // A pooled cell: its latent edges and lambda (0 for a values file's row, which cannot split).
  double zlo = 0.0;
  double zhi = 0.0;
  double lambda = 0.0;
};

// The family at (alpha, t): the side's items in order of decreasing side * r; the first
// floor(t) of them jump, the next one with share t - floor(t) (a mixed strategy), everybody else
// votes alpha r. Evaluates the mixture belief and the marginal type's gain from jumping.
class Family {
 public:
  Family(std::vector<Item> items, const ValueDistribution* values, double side, double others)
      : items_(std::move(items)), values_(values), side_(side), others_(others) {
    // The side's items first, most extreme first; ties keep their order.
    std::stable_sort(items_.begin(), items_.end(),
                     [&](const Item& a, const Item& b) { return side_ * a.r > side_ * b.r; });
    jumpable_ = 0;
    while (jumpable_ < items_.size() && side_ * items_[jumpable_].r > 0.0) ++jumpable_;
    if (side_ == 0.0) jumpable_ = 0;
    p0_.assign(items_.size() + 1, 0.0);
    p1_ = p2_ = p0_;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const Item& it = items_[i];
      p0_[i + 1] = p0_[i] + it.w;
      p1_[i + 1] = p1_[i] + it.w * it.r;
      p2_[i + 1] = p2_[i] + it.w * it.r * it.r;
    }
  }

  std::size_t jumpable() const noexcept { return jumpable_; }
  double side() const noexcept { return side_; }

  struct State {
    Moments mod;  // one moderate's vote: mean and sd
    TallyBelief race;
    std::vector<BeliefComponent> mixture;
    double g0 = 0.0;        // the mixture's density at 0
    double gain = 0.0;      // the marginal type's payoff from jumping less staying (/ lambda)
    double marginal = 0.0;  // the marginal type's ratio (0: none)
    double jump = 0.0;      // its jump vote
    double stay = 0.0;      // and her vote if she stays
  };

  // Linear moderates: each votes alpha r.
  State at(double alpha, double t) const {
    const Cut c = cut(t);
    const std::size_t n = items_.size();
    // The moderates: items past the marginal one, and the marginal item's staying part.
    const double m0 = p0_[n] - p0_[c.past] + c.ws;
    const double m1 = p1_[n] - p1_[c.past] + c.ws * c.sp.stay;
    const double m2 = p2_[n] - p2_[c.past] + c.ws * c.sp.stay * c.sp.stay;
    Moments mod;
    if (m0 > 0.0) {
      const double e = m1 / m0;
      mod.mean = alpha * e;
      mod.sd = alpha * std::sqrt(std::max(0.0, m2 / m0 - e * e));
    }
    return build(mod, c, alpha);
  }

  // Exact moderates whose votes have moments `mod`: each votes near_money_vote.
  // `jumps`, when given, caches the whole items' jump votes (the race does not depend on t
  // here): size jumpable(), NaN where not yet computed.
  State at_exact(const Moments& mod, double t, std::vector<double>* jumps = nullptr) const {
    return build(mod, cut(t), -1.0, jumps);
  }

  // The moments of the exact moderates' votes against `st`'s mixture, for reach t.
  Moments moderates(double t, const State& st) const {
    const Cut c = cut(t);
    const double slope = st.g0 / 2.0;
    double w0 = 0.0, e1 = 0.0, e2 = 0.0;
    const auto add = [&](double w, double r) {
      const double v = near_money_vote(r, slope * r, st.mixture);
      w0 += w;
      e1 += w * v;
      e2 += w * v * v;
    };
    if (c.ws > 0.0) add(c.ws, c.sp.stay);
    for (std::size_t i = c.past; i < items_.size(); ++i) add(items_[i].w, items_[i].r);
    if (!(w0 > 0.0)) return Moments{};
    const double mean = e1 / w0;
    return Moments{mean, std::sqrt(std::max(0.0, e2 / w0 - mean * mean))};
  }

  // The ratio at and past which the side jumps for a solution at t: where the marginal cell
  // splits; for a values file's row, the row's own ratio when she mixes, halfway to the next
  // row at a boundary (every ratio between gives the same votes).
  double threshold(double t) const noexcept {
    const auto whole = static_cast<std::size_t>(t);
    if (jumpable_ == 0 || t <= 0.0) return std::numeric_limits<double>::infinity();
    if (whole >= jumpable_) return 0.0;
    const double f = t - static_cast<double>(whole);
    if (items_[whole].lambda > 0.0) return side_ * split(whole, f).at;
    const double here = side_ * items_[whole].r;
    if (f > 0.0) return here;
    return 0.5 * (here + side_ * items_[whole - 1].r);
  }

 private:
  // The marginal item i with share f of its weight jumping. A pooled cell splits at the latent z
  // that leaves probability f of the cell on the side's extreme (low z for opponents), each part
  // then at its own probability midpoint, so that the jumping mass is exactly what a threshold
  // on the ratio gives real voters and the belief moves continuously with f; `at` is the ratio
  // at the split. A values file's row votes both ways at its own ratio (a mixed strategy).
  struct Split {
    double share = 0.0;
    double jump = 0.0;
    double stay = 0.0;
    double at = 0.0;
  };
  Split split(std::size_t i, double f) const noexcept {
    const Item& it = items_[i];
    if (!(it.lambda > 0.0)) return Split{f, it.r, it.r, it.r};
    const double a = it.zlo, b = it.zhi;
    const double cell = cell_probability(a, b);
    double z = 0.0;
    if (side_ < 0.0) {  // the low part [a, z] jumps
      z = a > 0.0 ? -normal_quantile(normal_cdf(-a) - f * cell)
                  : normal_quantile(normal_cdf(a) + f * cell);
      z = std::clamp(z, a, b);
      return Split{f, ratio(cell_midpoint(a, z), it.lambda), ratio(cell_midpoint(z, b), it.lambda),
                   ratio(z, it.lambda)};
    }
    z = b > 0.0 ? -normal_quantile(normal_cdf(-b) + f * cell)
                : normal_quantile(normal_cdf(b) - f * cell);
    z = std::clamp(z, a, b);
    return Split{f, ratio(cell_midpoint(z, b), it.lambda), ratio(cell_midpoint(a, z), it.lambda),
                 ratio(z, it.lambda)};
  }
  double ratio(double z, double lambda) const noexcept {
    return value_from_latent(*values_, z) / lambda;
  }

  // Where reach t cuts the items: the first `whole` jump, the marginal one (index `whole`) splits
  // into a jumping share and a staying one, moderates start at `past`.
  struct Cut {
    std::size_t whole = 0;
    bool marginal = false;
    Split sp;
    double wj = 0.0;  // the marginal item's weight that jumps
    double ws = 0.0;  // and that stays
    std::size_t past = 0;
  };
  Cut cut(double t) const noexcept {
    Cut c;
    c.whole = std::min(static_cast<std::size_t>(t), jumpable_);
    c.marginal = c.whole < jumpable_;
    if (c.marginal) {
      c.sp = split(c.whole, t - static_cast<double>(c.whole));
      c.wj = c.sp.share * items_[c.whole].w;
      c.ws = items_[c.whole].w - c.wj;
    }
    c.past = c.marginal ? c.whole + 1 : c.whole;
    return c;
  }

  // The race, the jumpers, the mixture and the marginal type's gain from jumping, for moderates
  // whose votes have moments `mod`; the marginal type would stay at alpha r, or (alpha < 0) at
  // her exact moderate vote.
  State build(const Moments& mod, const Cut& c, double alpha,
              std::vector<double>* cache = nullptr) const {
    State st;
    st.mod = mod;
    st.race = others_sum(mod, others_);
    // The jumpers' votes, each her best jump against the race without other jumpers.
    double q = 0.0, j1 = 0.0, j2 = 0.0;
    for (std::size_t i = 0; i <= c.whole && i < jumpable_; ++i) {
      const double w = i < c.whole ? items_[i].w : c.wj;
      if (!(w > 0.0)) continue;
      double v = 0.0;
      if (i < c.whole && cache != nullptr) {
        double& slot = (*cache)[i];
        if (std::isnan(slot)) slot = jump_money_vote(items_[i].r, 1.0, st.race);
        v = slot;
      } else {
        v = jump_money_vote(i < c.whole ? items_[i].r : c.sp.jump, 1.0, st.race);
      }
      q += w;
      j1 += w * v;
      j2 += w * v * v;
    }
    const double total = p0_[items_.size()];
    q /= total;
    Moments jumps;
    if (q > 0.0) {
      jumps.mean = j1 / (q * total);
      jumps.sd = std::sqrt(std::max(0.0, j2 / (q * total) - jumps.mean * jumps.mean));
    }
    st.mixture = mixture(q, mod, jumps, st.race);
    for (const BeliefComponent& m : st.mixture) {
      st.g0 += m.weight * normal_pdf(m.mean / m.sd) / m.sd;
    }
    if (c.marginal) {
      const double rm = c.sp.at;
      st.marginal = rm;
      st.jump = jump_money_vote(rm, 1.0, st.race);
      const double stay =
          alpha >= 0.0 ? alpha * rm : near_money_vote(rm, st.g0 / 2.0 * rm, st.mixture);
      st.stay = stay;
      double gained = 0.0;
      for (const BeliefComponent& m : st.mixture) {
        gained += m.weight * cdf_gain((m.mean + stay) / m.sd, (m.mean + st.jump) / m.sd);
      }
      st.gain = rm * gained - (st.jump * st.jump - stay * stay);
    }
    return st;
  }

  // Phi(tw) - Phi(tv) without cancellation in the upper tail.
  static double cdf_gain(double tv, double tw) noexcept {
    if (tv > 0.0 && tw > 0.0) return normal_cdf(-tv) - normal_cdf(-tw);
    return normal_cdf(tw) - normal_cdf(tv);
  }

  // The others' sum when each of them jumps with probability q: j ~ Binomial(others, q) jumpers,
  // and given j, normal with mean (others - j) m + j e and variance (others - j) s^2 + j d^2 (m, s
  // the moderates' moments, e, d the jumpers'), never sharper than the race's own floor (one
  // typical vote). Counts of weight below 1e-17 of the mode's are left out (at most
  // kMaxComponents, around the mode), the rest renormalized.
  std::vector<BeliefComponent> mixture(double q, const Moments& mod, const Moments& jumps,
                                       const TallyBelief& race) const {
    constexpr double kMaxComponents = 512.0;
    const double n = others_;
    const double floor_sd = std::hypot(mod.mean, mod.sd);
    const auto component = [&](double j) {
      const double var = (n - j) * mod.sd * mod.sd + j * jumps.sd * jumps.sd;
      return BeliefComponent{0.0, (n - j) * mod.mean + j * jumps.mean,
                             std::max(std::sqrt(var), floor_sd)};
    };
    std::vector<BeliefComponent> out;
    if (!(q > 0.0)) {
      out.push_back(BeliefComponent{1.0, race.mean, race.sd});
      return out;
    }
    const double spread = std::sqrt(n * q * (1.0 - q));
    const double mode = std::floor((n + 1.0) * q);
    const double lo = std::max(0.0, std::floor(mode - 40.0 - 12.0 * spread));
    const double hi = std::min({n, std::ceil(mode + 40.0 + 12.0 * spread), lo + kMaxComponents});
    const auto log_weight = [&](double j) {
      return std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) +
             j * std::log(q) + (n - j) * std::log1p(-q);
    };
    const double top = log_weight(std::min(std::max(mode, lo), hi));
    double sum = 0.0;
    for (double j = lo; j <= hi; j += 1.0) {
      const double w = std::exp(log_weight(j) - top);
      if (w < 1e-17) continue;
      BeliefComponent c = component(j);
      c.weight = w;
      sum += w;
      out.push_back(c);
    }
    for (BeliefComponent& c : out) c.weight /= sum;
    return out;
  }

  std::vector<Item> items_;
  const ValueDistribution* values_;
  double side_;
  double others_;
  std::size_t jumpable_ = 0;
  std::vector<double> p0_, p1_, p2_;  // prefix sums of w, w r, w r^2
};

std::vector<Item> items_of(const MoneyTypes& types) {
  std::vector<Item> out;
  if (types.values == nullptr) {
    const double w = 1.0 / static_cast<double>(types.rows.size());
    for (const auto& t : types.rows) out.push_back({t.u / t.lambda, w});
    return out;
  }
  const double share = 1.0 / static_cast<double>(types.lambdas.size());
  for (const double lambda : types.lambdas) {
    for (std::size_t i = 0; i < types.u.size(); ++i) {
      if (types.weight[i] > 0.0) {
        out.push_back({types.u[i] / lambda, share * types.weight[i], types.edges[i],
                       types.edges[i + 1], lambda});
      }
    }
  }
  return out;
}

}  // namespace

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
      for (int i = 0; i < 60 && flo > 0.0 == fhi > 0.0; ++i, step *= 2.0) {
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
  out.family = MoneyFamily{alpha, side, family.threshold(r.t), st.race};
  out.mixture = st.mixture;
  double mean = 0.0, second = 0.0;
  for (const BeliefComponent& c : st.mixture) {
    mean += c.weight * c.mean;
    second += c.weight * (c.sd * c.sd + c.mean * c.mean);
  }
  out.moments = TallyBelief{mean, std::sqrt(std::max(0.0, second - mean * mean))};
  if (!(alpha > 0.0)) return 0.0;
  if (r.interior) {
    const double scale = st.jump * st.jump + st.stay * st.stay;
    if (scale > 0.0) residual = std::max(residual, std::fabs(st.gain) / scale);
  }
  return residual;
}

}  // namespace qvsim::agents
