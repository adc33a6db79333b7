#pragma once
// Beliefs about the tally: the one utility scale on which every agent's decision is made.
//
// An agent with values u over proposals values casting w instead of v on proposal k at
// u_k * (P_k(w) - P_k(v)), where P_k(v) is her belief that k passes when she casts v. That is
// value times probability, the same unit under every mechanism whatever a vote is worth there.
// Agents hold one belief per mechanism and proposal, computed by agents/beliefs.hpp; this header
// is only the value type and its arithmetic (pure, thread-safe).

#include <cstdint>
#include <span>
#include <vector>

#include "sim/scenario.hpp"

namespace qvsim {

// The others' summed votes S on one proposal, in the mechanism's own vote units: believed normal
// N(mean, sd^2). sd = 0 means S is believed to be exactly `mean`.
struct TallyBelief {
  double mean = 0.0;
  double sd = 0.0;  // >= 0
};

// One part of a mixture belief: with probability `weight`, S ~ N(mean, sd^2).
struct BeliefComponent {
  double weight = 0.0;
  double mean = 0.0;
  double sd = 0.0;  // 0: S is exactly `mean` (a step, no density)
};

// Money QV's finite-population equilibrium votes on one proposal (docs/model.md,
// "Finite-population equilibrium"): a voter with ratio r = u / lambda votes alpha r, except that
// on the side behind (`side` -1: opponents, +1: supporters, 0: none) a voter with side * r past
// `threshold` buys her way into the race: the jump vote against `race`, the others' sum without
// any other such voter (agents/honest.hpp, jump_money_vote).
struct MoneyFamily {
  double alpha = 0.0;
  double side = 0.0;
  double threshold = 0.0;  // infinity: nobody jumps
  TallyBelief race;
};

struct MechanismBelief {
  Mechanism mechanism = Mechanism::quadratic;
  PivotModel model = PivotModel::normal;
  double price = 0.0;                  // fixed only: dP/dv, in (0, 1]
  std::vector<TallyBelief> proposals;  // normal, equilibrium: one per proposal (overall moments)
  // Money QV under equilibrium: per proposal, the votes' family and the belief about S as a
  // mixture of normals (moderates plus a binomial count of voters who jump), which then replaces
  // the normal N(mean, sd^2) of `proposals` in every probability below. Empty otherwise.
  std::vector<MoneyFamily> family;
  std::vector<std::vector<BeliefComponent>> mixture;
  // The fixed point's report (equilibrium: iterations run and the final residual, the largest
  // change of a belief's mean or sd over one iteration relative to the sd; 0 otherwise).
  std::uint32_t iterations = 0;
  double residual = 0.0;

  // P_k(v), her belief that k passes when she casts v (others' sum S, passes when S + v > 0):
  //   fixed:  1/2 + price * v, a linear stand-in (not a probability; only differences are used);
  //   normal, equilibrium: Phi((mean + v) / sd); with sd = 0 a step: 1, 1/2 at a tie, 0;
  //   a mixture: the weighted sum of its components' Phi.
  double pass_probability(std::size_t k, double v) const noexcept;
  // P(direction * S + x > 0), direction +1 or -1: the belief that the side `direction` favours
  // wins when it gains x votes (pass_probability(k, v) is win_probability(k, +1, v)).
  double win_probability(std::size_t k, double direction, double x) const noexcept;
  // P_k(w) - P_k(v), computed without cancellation when both are near 1.
  double gain(std::size_t k, double v, double w) const noexcept;
  // dP_k/dv at v, the density of the others' sum at -v ("pivot density"): fixed: price;
  // normal: phi((mean + v)/sd)/sd (0 when sd = 0); a mixture: the weighted sum of its
  // components' densities.
  double pivot_density(std::size_t k, double v = 0.0) const noexcept;
  // log of pivot_density(k, v) (-inf when it is 0); used to compare densities that underflow.
  double log_pivot_density(std::size_t k, double v = 0.0) const noexcept;
};

// The belief held under mechanism m among `beliefs` (m must be among them).
const MechanismBelief& belief_for(std::span<const MechanismBelief> beliefs, Mechanism m) noexcept;

// The standard normal density.
double normal_pdf(double x) noexcept;

}  // namespace qvsim
