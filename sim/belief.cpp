#include "sim/belief.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "sim/distributions.hpp"

namespace qvsim {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

double step(double x) noexcept { return x > 0.0 ? 1.0 : (x < 0.0 ? 0.0 : 0.5); }

}  // namespace

const MechanismBelief& belief_for(std::span<const MechanismBelief> beliefs, Mechanism m) noexcept {
  for (const MechanismBelief& b : beliefs) {
    if (b.mechanism == m) return b;
  }
  assert(false && "no belief for the mechanism");
  return beliefs.front();
}

double normal_pdf(double x) noexcept { return std::exp(-0.5 * x * x - kLogSqrt2Pi); }

double MechanismBelief::pass_probability(std::size_t k, double v) const noexcept {
  return win_probability(k, 1.0, v);
}

double MechanismBelief::win_probability(std::size_t k, double direction, double x) const noexcept {
  if (model == PivotModel::fixed) return 0.5 + price * x;
  assert(k < proposals.size());
  if (k < mixture.size() && !mixture[k].empty()) {
    double p = 0.0;
    for (const BeliefComponent& c : mixture[k]) {
      const double t = direction * c.mean + x;
      p += c.weight * (c.sd > 0.0 ? normal_cdf(t / c.sd) : step(t));
    }
    return p;
  }
  const TallyBelief& b = proposals[k];
  if (!(b.sd > 0.0)) return step(direction * b.mean + x);
  return normal_cdf((direction * b.mean + x) / b.sd);
}

namespace {

// Phi(tw) - Phi(tv), computed without cancellation when both are in the upper tail (difference
// of the lower tails of the mirrored arguments, which keeps its precision where 1 - Phi
// underflows relative to 1).
double cdf_difference(double tv, double tw) noexcept {
  if (tv > 0.0 && tw > 0.0) return normal_cdf(-tv) - normal_cdf(-tw);
  return normal_cdf(tw) - normal_cdf(tv);
}

}  // namespace

double MechanismBelief::gain(std::size_t k, double v, double w) const noexcept {
  if (model == PivotModel::fixed) return price * (w - v);
  if (k < mixture.size() && !mixture[k].empty()) {
    double g = 0.0;
    for (const BeliefComponent& c : mixture[k]) {
      g += c.weight * (c.sd > 0.0 ? cdf_difference((c.mean + v) / c.sd, (c.mean + w) / c.sd)
                                  : step(c.mean + w) - step(c.mean + v));
    }
    return g;
  }
  const TallyBelief& b = proposals[k];
  if (!(b.sd > 0.0)) return step(b.mean + w) - step(b.mean + v);
  return cdf_difference((b.mean + v) / b.sd, (b.mean + w) / b.sd);
}

double MechanismBelief::pivot_density(std::size_t k, double v) const noexcept {
  if (model == PivotModel::fixed) return price;
  if (k < mixture.size() && !mixture[k].empty()) {
    double g = 0.0;
    for (const BeliefComponent& c : mixture[k]) {
      if (c.sd > 0.0) g += c.weight * normal_pdf((c.mean + v) / c.sd) / c.sd;
    }
    return g;
  }
  const TallyBelief& b = proposals[k];
  if (!(b.sd > 0.0)) return 0.0;
  return normal_pdf((b.mean + v) / b.sd) / b.sd;
}

double MechanismBelief::log_pivot_density(std::size_t k, double v) const noexcept {
  if (model == PivotModel::fixed) return std::log(price);
  if (k < mixture.size() && !mixture[k].empty()) {
    // log-sum-exp over the components, so that densities below the smallest double compare.
    double top = -std::numeric_limits<double>::infinity();
    const auto log_part = [&](const BeliefComponent& c) {
      if (!(c.sd > 0.0)) return -std::numeric_limits<double>::infinity();  // a step: no density
      const double t = (c.mean + v) / c.sd;
      return std::log(c.weight) - 0.5 * t * t - kLogSqrt2Pi - std::log(c.sd);
    };
    for (const BeliefComponent& c : mixture[k]) top = std::max(top, log_part(c));
    if (!std::isfinite(top)) return top;
    double sum = 0.0;
    for (const BeliefComponent& c : mixture[k]) sum += std::exp(log_part(c) - top);
    return top + std::log(sum);
  }
  const TallyBelief& b = proposals[k];
  if (!(b.sd > 0.0)) return -std::numeric_limits<double>::infinity();
  const double t = (b.mean + v) / b.sd;
  return -0.5 * t * t - kLogSqrt2Pi - std::log(b.sd);
}

}  // namespace qvsim
