#pragma once
// Honest voting strategies: what a voter casts given her own values, her means and her belief
// about the tally (sim/belief.hpp). docs/model.md, "Honest strategies", states each rule with a
// worked example.
//
// Each writes one vote per proposal into `out` (same size as the values) and returns the cost of
// those votes under the mechanism's cost rule. All are pure functions, safe to call concurrently.

#include <span>

#include "sim/belief.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

// One voter as a strategy sees her: values (one per proposal; utility of the proposal passing,
// positive = wants it to pass) and means.
struct Voter {
  std::span<const double> u;
  double credits = 0.0;  // B_i: her voice credits (credits budgets; linear voting), > 0
  double lambda = 1.0;   // her marginal utility of money (money budgets), > 0
};

// Quadratic voting with B credits, weighting proposal k by w_k >= 0 (her marginal value of a vote
// there relative to the others, u_k g_k / u_k): v_k = a_k sqrt(B / sum_j a_j^2), a_k = u_k w_k.
// That maximizes sum_k u_k g_k v_k subject to sum_k v_k^2 <= B; with equal weights it is
// v_k = u_k sqrt(B / sum_j u_j^2), computed as (a_k / |a|) sqrt(B), so that one proposal gets
// exactly sqrt(B) sign(u). All-zero a casts nothing. With `integer_votes`, the whole votes that
// maximize sum_k |a_k| |v_k| subject to sum_k v_k^2 <= floor(B) (whole_credit_votes,
// agents/integer_votes.hpp: the exact best response, never over budget).
// Returns credits spent, sum v_k^2. Empty `weights` means all equal.
double quadratic_credit_votes(std::span<const double> u, std::span<const double> weights,
                              double budget, bool integer_votes, std::span<double> out);

// One person one vote: v_k = sign(u_k) (0 abstains when u_k = 0), whatever she believes (voting
// her side is dominant). Returns the number of votes cast.
double one_person_one_vote_votes(std::span<const double> u, std::span<double> out);

// The jump of money QV's equilibrium family (sim/belief.hpp, MoneyFamily): the best vote of a
// voter with value u behind in `race` among votes that reach at least one sd short of a tie,
// |v| >= -sign(u) mean - sd, i.e. the local maximum of u * Phi((mean + v) / sd) - lambda v^2 on
// the far side of where the Gaussian is steepest (the point one sd short when no maximum lies
// beyond it; from 0 when she is less than one sd behind). 0 when u = 0 or race.sd = 0.
double jump_money_vote(double u, double lambda, const TallyBelief& race) noexcept;

// A moderate's money-QV vote for ratio r = u / lambda under a mixture belief: the root of
// Chandar and Weyl's finite-population condition v = r G(v) / 2, G(v) the mixture's density of
// the others' sum at -v (MechanismBelief::pivot_density), on her side of 0, reached from `start`
// (G(0) r / 2): in [0, start] when the condition is negative at `start`, else beyond it by
// doublings; so the root nearest 0 unless the condition dips below 0 and back between 0 and
// `start`. 0 when r = 0 or G vanishes.
double near_money_vote(double r, double start, std::span<const BeliefComponent> mixture) noexcept;

// Money QV's equilibrium vote for value u and lambda under `family` and the belief's `mixture`
// (sim/belief.hpp): the jump past the threshold, near_money_vote otherwise (alpha u / lambda
// when the mixture is empty).
double family_money_vote(double u, double lambda, const MoneyFamily& family,
                         std::span<const BeliefComponent> mixture) noexcept;

// The honest strategy of mechanism m for `voter` holding `belief` (docs/model.md):
//   quadratic, money:   fixed, normal: v_k = u_k g_k / (2 lambda), g_k = belief.pivot_density(k)
//                       (price-taking); equilibrium: family_money_vote per proposal.
//   quadratic, credits: quadratic_credit_votes weighted by g_k (normal, fixed), or by
//                       g_k(-v_k) iterated to the first-order condition's fixed point
//                       (equilibrium).
//   one_person_one_vote: one_person_one_vote_votes.
//   linear (credits):   the whole budget B on the proposal where a vote is worth most, the
//                       largest |u_k| g_k (the lowest index among equals), in every model.
// A scenario never pairs linear with money (it does not validate).
double honest_votes(Mechanism m, const BudgetSpec& budget, const MechanismBelief& belief,
                    const Voter& voter, std::span<double> out);

// What casting `to` instead of `from` costs the voter, in utility (the one scale of every
// decision): sum_k u_k (P_k(from_k) - P_k(to_k)) plus, with money under QV, the money
// lambda * (sum to^2 - sum from^2). Credits and one-person-one-vote ballots have no value outside
// the vote. Never negative when `from` are her honest votes under a `fixed` belief (whole votes
// included, up to kWholeVoteTolerance of her ballot's value, which counts as a tie); under the
// others it can be slightly negative where votes are large against the belief's sd (the
// price-taking strategy maximizes the linearized utility), so rules that price a loss clamp at 0.
double private_loss(Mechanism m, const BudgetSpec& budget, const MechanismBelief& belief,
                    const Voter& voter, std::span<const double> from, std::span<const double> to);

}  // namespace qvsim::agents
