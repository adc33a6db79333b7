#pragma once
// Honest voting strategies: what a price-taking voter casts given only her own values.
//
// Each takes the agent's values u (one per proposal; money or utility units, positive = wants the
// proposal to pass), writes one vote per proposal into `out` (same size as u) and returns the
// cost of those votes under the mechanism's cost rule. All are pure functions.

#include <span>

#include "sim/scenario.hpp"

namespace qvsim::agents {

// Quadratic voting with a budget of B voice credits over K proposals of equal pivotality:
// v_k = u_k * sqrt(B / sum_j u_j^2), which spends the whole budget (sum v_k^2 = B) and keeps the
// voter's relative intensities. All-zero values cast nothing. With `integer_votes`, each |v_k| is
// first rounded down, then leftover credits buy one more vote on proposals in order of largest
// fractional part while the marginal cost 2|v| + 1 still fits: never over budget.
// Returns credits spent, sum v_k^2.
double quadratic_credit_votes(std::span<const double> u, double budget, bool integer_votes,
                              std::span<double> out);

// Quadratic voting with money: v_k = p * u_k / 2, where p is the pivot price (the chance a
// marginal vote decides). Returns money spent, sum v_k^2.
double quadratic_money_votes(std::span<const double> u, double pivot_price, std::span<double> out);

// One person one vote: v_k = sign(u_k) (0 abstains when u_k = 0). Returns the number of votes cast.
double one_person_one_vote_votes(std::span<const double> u, std::span<double> out);

// Linear (cumulative) voting with budget B and cost |v|: the whole budget on the proposal she
// cares most about (largest |u_k|; the lowest index among equals), in the direction of sign(u_k).
// All-zero values cast nothing. Returns credits spent (B or 0).
double linear_votes(std::span<const double> u, double budget, std::span<double> out);

// The honest strategy of mechanism m under `budget` (linear needs a credits budget: a scenario
// that pairs linear with money does not validate).
double honest_votes(Mechanism m, const BudgetSpec& budget, std::span<const double> u,
                    std::span<double> out);

// What casting `w` instead of her honest votes `honest` costs an agent with values u, in utility:
// p * sum_k u_k (honest_k - w_k), the expected value of the decisions she gives up at pivot price
// p = budget.pivot_price, plus (with money) the extra money spent, sum w^2 - sum honest^2. Credits
// and one-person-one-vote ballots have no value outside the vote. Never negative when `honest`
// are her honest votes (they maximize her utility) up to rounding.
double private_loss(Mechanism m, const BudgetSpec& budget, std::span<const double> u,
                    std::span<const double> honest, std::span<const double> w);

}  // namespace qvsim::agents
