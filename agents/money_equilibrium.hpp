#pragma once
// Money QV's finite-population equilibrium (docs/model.md, "Finite-population equilibrium"):
// moderates vote alpha u / lambda, the strongest voters of the side behind jump into the race,
// and the belief about the others' sum is the mixture those votes imply. Internal to
// agents/beliefs.cpp; split out to keep each file small.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <vector>

#include "sim/belief.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

// Mean and sd of one proposal's votes over the population.
struct Moments {
  double mean = 0.0;
  double sd = 0.0;
};

// The belief about the others' sum of N - 1 voters whose votes have these moments: mean
// (N - 1) m, sd max(sqrt(N - 1) s, sqrt(m^2 + s^2)) (never sharper than one typical vote).
TallyBelief others_sum(const Moments& m, double others);

// The voter types a money-QV belief is taken over, for one proposal group. Pooled: cells of the
// values' latent normal z, kMoneyValueCells of equal width on [-kMoneyLatentRange, +range] (the
// mass outside is below 1e-16), each weighted by its exact probability and represented by its
// probability midpoint, times the wealth trait's quantiles (one point when constant). Cells of
// equal width in z, not in probability, resolve the tails, where the extreme voters who decide a
// lopsided race live. Otherwise a values file's rows with the virtual voters' lambdas.
struct MoneyTypes {
  struct Row {
    double u;
    double lambda;
  };
  std::vector<Row> rows;  // values file: one type per agent, equal weights
  const ValueDistribution* values = nullptr;
  std::vector<double> edges;    // pooled: cell edges in z, kMoneyValueCells + 1
  std::vector<double> weight;   // pooled: each cell's probability
  std::vector<double> u;        // pooled: the value at each cell's probability midpoint
  std::vector<double> lambdas;  // pooled: one per wealth point, equal weights
};

inline constexpr std::uint32_t kMoneyValueCells = 1024;
inline constexpr double kMoneyLatentRange = 8.5;

// The pooled types of scenario s: its value distribution's latent cells and wealth quantiles.
MoneyTypes money_types(const Scenario& s);

// Money QV's equilibrium for one proposal group: the votes' family and the mixture belief about
// the others' sum they imply.
struct FamilyBelief {
  MoneyFamily family;
  std::vector<BeliefComponent> mixture;
  TallyBelief moments;  // the mixture's mean and sd
};

// Solves the equilibrium family (docs/model.md, "Finite-population equilibrium") for voters of
// these types among `others` + 1, starting from `prior` (the price-taking normal belief), into
// `out`; adds the evaluations of the residuals to `evaluations` and returns the residual: the
// larger change of the moderates' vote mean (relative to their sd) and log sd, and the marginal
// type's indifference when she lies inside a cell (0 and the prior itself, with nobody jumping,
// when there is nothing to solve: every value 0, or all alike).
double money_equilibrium(const MoneyTypes& types, double others, const TallyBelief& prior,
                         FamilyBelief& out, std::uint32_t& evaluations);

}  // namespace qvsim::agents
