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
  std::vector<double> contributed;  // per project, everyone's contributions
  double contributions = 0.0;       // their sum
  std::uint64_t contributors = 0;   // voters and attacker accounts contributing anything
  double attacker_cost = 0.0;       // attackers' contributions plus bribes paid
  std::uint64_t bribed = 0;         // voters paid to contribute
  // funding.detect: the identical-contributions detector scored over pairs of contributors
  // against the attackers' accounts (a true pair: two accounts of one sybil attacker, or two
  // members of one ring); NaN without detect, and as score_pairs (sim/clusters.hpp) gives them.
  double detection_precision = 0.0, detection_recall = 0.0, detection_f1 = 0.0;
  std::vector<FundingRuleOutcome> rules;  // in scenario.funding.rules order
};

struct FundingOutcome {
  std::uint64_t replicate = 0;
  std::vector<double> value_totals;     // U_p, every voter's value summed
  std::vector<FundingArmOutcome> arms;  // in scenario.funding.arms order
};

// One replicate: graph, values and clusters as a voting replicate draws them, then every arm under
// every rule. A pure function of (model, replicate). In builds with invariants
// (sim/invariants.hpp) every arm is checked by check_funding_arm before it is returned.
FundingOutcome run_funding_replicate(const Model& model, std::uint64_t replicate);

// Invariants of one arm's outcome (throws InvariantViolation on the first broken one):
//   funding.subsidy  every rule's F_p is at least the project's contributions (no rule taxes);
//   funding.bound    no rule funds a project more than standard QF does, `standard` (the F_p of
//                    the same contributions): capping, the pairwise bound and grouping only
//                    remove matching ((sum of roots)^2 >= any grouping's, M/(M+k) <= 1);
//   funding.pool     capped pays at most funding.pool;
//   funding.efficiency  efficiency <= 1 (Cauchy-Schwarz: sum 2 U sqrt F <= 2 sqrt(T Q));
//   funding.budget   bribes paid within the bribe's budget.
// Comparisons allow a relative kInvariantTolerance for rounding.
void check_funding_arm(const FundingSpec& spec, const FundingArm& arm,
                       const FundingArmOutcome& outcome, std::span<const double> standard,
                       std::uint64_t replicate);

}  // namespace qvsim
