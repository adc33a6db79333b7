#include "sim/belief.hpp"

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
  if (model == PivotModel::fixed) return 0.5 + price * v;
  assert(k < proposals.size());
  const TallyBelief& b = proposals[k];
  if (!(b.sd > 0.0)) return step(b.mean + v);
  return normal_cdf((b.mean + v) / b.sd);
}

double MechanismBelief::gain(std::size_t k, double v, double w) const noexcept {
  if (model == PivotModel::fixed) return price * (w - v);
  const TallyBelief& b = proposals[k];
  if (!(b.sd > 0.0)) return step(b.mean + w) - step(b.mean + v);
  const double tv = (b.mean + v) / b.sd;
  const double tw = (b.mean + w) / b.sd;
  // Both in the upper tail: difference of the lower tails of the mirrored arguments, which keeps
  // its precision where 1 - Phi underflows relative to 1.
  if (tv > 0.0 && tw > 0.0) return normal_cdf(-tv) - normal_cdf(-tw);
  return normal_cdf(tw) - normal_cdf(tv);
}

double MechanismBelief::pivot_density(std::size_t k, double v) const noexcept {
  if (model == PivotModel::fixed) return price;
  const TallyBelief& b = proposals[k];
  if (!(b.sd > 0.0)) return 0.0;
  return normal_pdf((b.mean + v) / b.sd) / b.sd;
}

double MechanismBelief::log_pivot_density(std::size_t k, double v) const noexcept {
  if (model == PivotModel::fixed) return std::log(price);
  const TallyBelief& b = proposals[k];
  if (!(b.sd > 0.0)) return -std::numeric_limits<double>::infinity();
  const double t = (b.mean + v) / b.sd;
  return -0.5 * t * t - kLogSqrt2Pi - std::log(b.sd);
}

}  // namespace qvsim
