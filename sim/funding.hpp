#pragma once
// Quadratic funding as a kind of scenario (`kind: funding`, docs/funding.md): the electorate
// contributes to the projects it values by the honest rule, attack arms add sybil accounts,
// collusion rings and bribed contributions, and every matching rule (sim/matching.hpp) matches the
// same contributions. Each replicate draws the same graph and values as a voting scenario with the
// same seed would (projects in place of proposals), so the two kinds share their electorates.

#include <cstdint>
#include <span>
#include <vector>

#include "sim/matching.hpp"
#include "sim/model.hpp"

namespace qvsim {

// The honest contribution of a voter who values a project's funding F at 2 u sqrt(F): u^2 when
// u > 0, else 0 (the contribution that maximizes 2 u sqrt(F) - c under standard QF, taking the
// others' contributions as given; docs/funding.md).
inline double honest_contribution(double u) noexcept { return u > 0.0 ? u * u : 0.0; }

// Value of an allocation, sum_p 2 U_p sqrt(F_p), over the value of the best allocation of the
// same money, 2 sqrt(T Q) with T = sum_p F_p and Q = sum over U_p > 0 of U_p^2 (docs/funding.md).
// NaN when T or Q is 0.
double allocative_efficiency(std::span<const double> value_totals, std::span<const double> funding);

struct FundingRuleOutcome {
  MatchingRule rule = MatchingRule::standard;
  std::vector<double> funding;  // F_p: contributions plus subsidy
  std::vector<double> subsidy;  // F_p minus its contributions: what the pool pays
  double matching = 0.0;        // sum of subsidies
  double captured = 0.0;        // attackers' projects' subsidy minus theirs without the attack
  // captured minus what the attackers' money would have drawn given openly: each attacker's
  // amount (the briber's spending) from one account of her own to her own project.
  double gain = 0.0;
  double efficiency = 0.0;  // allocative_efficiency of `funding`
};

struct FundingArmOutcome {
  std::vector<double> contributed;        // per project, everyone's contributions
  double contributions = 0.0;             // their sum
  std::uint64_t contributors = 0;         // voters and attacker accounts contributing anything
  double attacker_cost = 0.0;             // attackers' contributions plus bribes paid
  std::uint64_t bribed = 0;               // voters paid to contribute
  std::vector<FundingRuleOutcome> rules;  // in scenario.funding.rules order
};

struct FundingOutcome {
  std::uint64_t replicate = 0;
  std::vector<double> value_totals;     // U_p, every voter's value summed
  std::vector<FundingArmOutcome> arms;  // in scenario.funding.arms order
};

// One replicate: graph, values and clusters as a voting replicate draws them, then every arm under
// every rule. A pure function of (model, replicate); loops inside run in parallel.
FundingOutcome run_funding_replicate(const Model& model, std::uint64_t replicate);

}  // namespace qvsim
