#pragma once
// The family of money QV's finite-population equilibrium (docs/model.md, "Finite-population
// equilibrium"): the voter types, where a reach of the jumping cuts them, and the belief and
// marginal gain that a family's moderates and jumpers imply. Internal to
// agents/money_equilibrium.cpp, which solves for the family's unknowns; split out to keep each
// file small.
//
// Thread-safety: a Family is immutable after construction; its const members may be called
// concurrently (each call's scratch is its own, or the caller's).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include "agents/honest.hpp"
#include "agents/money_equilibrium.hpp"
#include "sim/belief.hpp"
#include "sim/distributions.hpp"
#include "sim/electorate.hpp"

namespace qvsim::agents::money_family {

// P(a < Z < b) for a standard normal, and the z splitting that probability in half, both taken
// in the nearer tail so that neither cancels.
inline double cell_probability(double a, double b) {
  return a > 0.0 ? normal_cdf(-a) - normal_cdf(-b) : normal_cdf(b) - normal_cdf(a);
}
inline double cell_midpoint(double a, double b) {
  return a > 0.0 ? -normal_quantile(0.5 * (normal_cdf(-a) + normal_cdf(-b)))
                 : normal_quantile(0.5 * (normal_cdf(a) + normal_cdf(b)));
}

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
    // An atom of the values (a discrete distribution) spans many cells of one ratio: it is one
    // type, which mixes as a values file's row does (it cannot split at a latent z).
    std::vector<Item> merged;
    for (const Item& it : items_) {
      if (!merged.empty() && merged.back().r == it.r) {
        merged.back() = Item{it.r, merged.back().w + it.w};
      } else {
        merged.push_back(it);
      }
    }
    items_ = std::move(merged);
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
  // typical vote). The counts within 40 + 12 sds of the mode whose weight is at least 1e-17 of
  // the mode's are kept and renormalized; the weights come from the ratio of consecutive binomial
  // probabilities, (n - j) q / ((j + 1)(1 - q)), outward from the mode. Past kMaxComponents counts
  // (a spread of about 20 jumpers, far from any equilibrium's) the count is one normal with the
  // same mean and variance.
  std::vector<BeliefComponent> mixture(double q, const Moments& mod, const Moments& jumps,
                                       const TallyBelief& race) const {
    constexpr double kMaxComponents = 512.0;
    const double n = others_;
    const double floor_sd = std::hypot(mod.mean, mod.sd);
    const auto component = [&](double j, double extra_var) {
      const double var = (n - j) * mod.sd * mod.sd + j * jumps.sd * jumps.sd + extra_var;
      return BeliefComponent{0.0, (n - j) * mod.mean + j * jumps.mean,
                             std::max(std::sqrt(var), floor_sd)};
    };
    std::vector<BeliefComponent> out;
    if (!(q > 0.0)) {
      out.push_back(BeliefComponent{1.0, race.mean, race.sd});
      return out;
    }
    const double spread = std::sqrt(n * q * (1.0 - q));
    const double mode = std::min(n, std::floor((n + 1.0) * q));
    const double lo = std::max(0.0, std::floor(mode - 40.0 - 12.0 * spread));
    const double hi = std::min(n, std::ceil(mode + 40.0 + 12.0 * spread));
    if (hi - lo > kMaxComponents) {
      const double gap = jumps.mean - mod.mean;
      BeliefComponent c = component(n * q, spread * spread * gap * gap);
      c.weight = 1.0;
      out.push_back(c);
      return out;
    }
    const double odds = q / (1.0 - q);
    std::vector<double> weight(static_cast<std::size_t>(hi - lo) + 1, 0.0);
    const auto at = [&](double j) -> double& { return weight[static_cast<std::size_t>(j - lo)]; };
    at(mode) = 1.0;
    for (double j = mode; j < hi; j += 1.0) at(j + 1.0) = at(j) * (n - j) / (j + 1.0) * odds;
    for (double j = mode; j > lo; j -= 1.0) at(j - 1.0) = at(j) * j / ((n - j + 1.0) * odds);
    double sum = 0.0;
    for (double j = lo; j <= hi; j += 1.0) {
      const double w = at(j);
      if (!(w >= 1e-17)) continue;
      BeliefComponent c = component(j, 0.0);
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

inline std::vector<Item> items_of(const MoneyTypes& types) {
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

}  // namespace qvsim::agents::money_family
