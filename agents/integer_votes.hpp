#pragma once
// Whole votes under quadratic voting with credits (budget.integer_votes): the exact best
// response. Pure functions, safe to call concurrently.

#include <span>

namespace qvsim::agents {

// Ballots whose values differ by at most this share of the best value count as equally valued.
inline constexpr double kWholeVoteTolerance = 1e-12;
// Budgets up to 2^52 credits are searched exactly (every credit and vote count is a whole double).
inline constexpr double kMaxWholeCredits = 4503599627370496.0;

// The largest whole n >= 0 with n^2 <= credits (0 below 1 credit), exactly.
double largest_whole_vote(double credits) noexcept;

// Whole votes v maximizing sum_k |a_k| |v_k| subject to sum_k v_k^2 <= floor(budget), with
// sign(v_k) = sign(a_k) and v_k = 0 where a_k = 0. Returns the credits spent, sum v_k^2.
double whole_credit_votes(std::span<const double> a, double budget, std::span<double> out);

}  // namespace qvsim::agents
