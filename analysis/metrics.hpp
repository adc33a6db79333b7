#pragma once
// Decision metrics: pure functions of one replicate's outcome.
//
// U_k is the total value of proposal k passing (sum of agents' values), V_k its tally and d_k the
// decision (+1 pass, -1 fail). Proposals with U_k = 0 carry no welfare either way and never count
// as wrong.

#include <cstdint>
#include <span>

namespace qvsim::analysis {

// Welfare a set of decisions realizes, sum_k |U_k| * [d_k == sign U_k]: the numerator of
// efficiency. Summed over replicates it gives the pooled (ratio-of-sums) efficiency.
double welfare_achieved(std::span<const std::int8_t> decisions, std::span<const double> totals);
// The best achievable, sum_k |U_k|: the denominator of efficiency.
double welfare_max(std::span<const double> totals);
// welfare_achieved / welfare_max, in [0, 1]; 1 when welfare_max is 0 (nothing can be lost).
double efficiency(std::span<const std::int8_t> decisions, std::span<const double> totals);
// Share of proposals with U_k != 0 decided against sign(U_k), over all proposals; in [0, 1].
double wrong_decision_rate(std::span<const std::int8_t> decisions, std::span<const double> totals);
// Pearson correlation of tallies with totals over proposals; NaN with fewer than 2 proposals or
// when either does not vary.
double intensity_accuracy(std::span<const double> tallies, std::span<const double> totals);
// Share of proposals decided differently from the baseline decisions; in [0, 1].
double flip_rate(std::span<const std::int8_t> decisions, std::span<const std::int8_t> baseline);

// Pearson correlation of two equally long series; NaN when undefined.
double pearson(std::span<const double> x, std::span<const double> y);

}  // namespace qvsim::analysis
