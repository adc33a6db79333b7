#pragma once
// Whole votes under quadratic voting with credits (budget.integer_votes): the exact best
// response. Pure functions, safe to call concurrently (scratch is per thread).
//
// The problem. With a_k = |u_k| w_k (the weighted values of honest.hpp), find whole x_k >= 0
// maximizing V(x) = sum_k a_k x_k subject to C(x) = sum_k x_k^2 <= B, B = floor(credits); the
// ballot is v_k = sign(u_k) x_k. The j-th vote on k costs 2j - 1 credits and is worth a_k, so this
// is a knapsack: rounding the real optimum, or buying votes greedily by a_k / (2 x_k + 1), is not
// optimal in general. Example: a = (1, 0.1), B = 100: the real optimum (9.95, 0.995) rounds to
// (9, 1), worth 9.1; (10, 0) is worth 10.
//
// Ties. Ballots worth at least (1 - kWholeVoteTolerance) times the best value count as equally
// valued (a difference below that is rounding, or a vote worth nothing); among them the ballot
// spending the fewest credits, then the one with more votes at the lowest index where they
// differ. So a vote that adds less than the tolerance is never bought.
//
// The search (exact). Proposals with a_k = 0 get 0. The rest, largest a first (lowest index among
// equals), are searched depth first, one proposal per level, x_p tried outward from the peak of
// the bound below. Two facts make pruning safe:
//  (1) Bound. For the proposals after p with R credits left, any ballot, whole or real, has
//      sum a_j x_j <= |a_rest| sqrt(R) (Cauchy-Schwarz, |a_rest| = sqrt(sum a_j^2)). So a node
//      whose value so far plus that bound is below a threshold has no completion reaching it.
//      Where it does not prune, the Lagrangian bound, for any nu > 0,
//        sum a_j x_j <= nu R + sum_j max over whole y in [0, floor(sqrt(R))] of (a_j y - nu y^2)
//      (add nu (R - sum x_j^2) >= 0 to each feasible ballot), tried with nu = |a_rest| / (2
//      sqrt(R)), prunes single children.
//  (2) Interval. f(x) = a_p x + |a_rest| sqrt(R - x^2) is concave in x, largest at
//      x* = a_p sqrt(R) / |a_p..|, so the x_p passing bound (1) form an interval around x*: the
//      scan down from floor(x*) stops at the first pruned count below it, the scan up at the first
//      above floor(x*) + 1 (one count of margin for the rounding of x*).
// The last proposal takes the most votes that fit (more votes there are always worth more) in
// phase 1, and the fewest that reach the target in phase 2. Proposals with equal a are
// interchangeable: swapping their votes keeps value and credits and the tie rule prefers the
// larger count first, so their votes are searched non-increasing.
//   Phase 1 starts from the greedy ballot (the real optimum rounded down, then one vote at a time
// where a_k / (2 x_k + 1) is largest while it fits) and prunes nodes that cannot beat the best so
// far by more than kWholeVoteTolerance / 64: it ends with V1 >= (1 - tolerance / 64) V*.
//   Phase 2 looks for the tie rule's ballot among those worth at least (1 - tolerance) V1 (phase
//   1's
// ballot is one), with credits capped by the best ballot's so far: the bound (1) uses
// R = min(credits left, best credits - credits spent), which also prunes every costlier ballot.
// Every bound is inflated by a relative rounding slack of a few ulps per term, so rounding never
// prunes a ballot that could qualify. Cost: about 40 nodes for 10 proposals and 100 credits,
// growing between B^(1/4) (3 proposals) and B^(1/3) (10) over budgets 10^2 to 10^6.
//
// Budgets beyond kMaxWholeCredits (2^52; votes beyond 2^26, where a whole vote is below the
// rounding of the budget): the real allocation with each |v_k| rounded down, not searched.

#include <span>

namespace qvsim::agents {

// Ballots whose values differ by at most this share of the best value count as equally valued.
inline constexpr double kWholeVoteTolerance = 1e-12;
// Budgets up to 2^52 credits are searched exactly (every credit and vote count is a whole double).
inline constexpr double kMaxWholeCredits = 4503599627370496.0;

// The largest whole n >= 0 with n^2 <= credits (0 below 1 credit), exactly.
double largest_whole_vote(double credits) noexcept;

// Whole votes v maximizing sum_k |a_k| |v_k| subject to sum_k v_k^2 <= floor(budget), with
// sign(v_k) = sign(a_k), v_k = 0 where a_k = 0, ties as above (+0.0 for no votes). Returns the
// credits spent, sum v_k^2 (0 below one credit).
double whole_credit_votes(std::span<const double> a, double budget, std::span<double> out);

}  // namespace qvsim::agents
