#pragma once
// The pairwise-bounded QV tally (docs/model.md, "Pairwise-bounded QV"): Buterin's pairwise bound
// on coordination subsidies applied to votes. Each proposal has two options, for and against;
// with c_iq = v^2 the credits voter i puts on option q,
//   F_q = sum_i c_iq + sum_{i != j} sqrt(c_iq c_jq) M / (M + k_ij),
//   k_ij = sum_q' sqrt(c_iq' c_jq')   (over every option of every proposal),
// and the tally of proposal k is sqrt(F_for) - sqrt(F_against). Pairs that agree on much count
// little; as M grows the tally tends to plain QV's.

#include <cstdint>
#include <span>
#include <vector>

namespace qvsim {

// The tallies of `proposals` proposals from every agent's ballot (agent a's vote on proposal k
// at a * proposals + k), for M > 0. Cost: every pair of agents, times the proposals. Parallel
// over agents; bit-identical at any thread count.
//
// `identities` (empty: 1 each) gives how many identities cast each agent's ballot, each an equal
// share b = v / identities: every identity is a voter of its own, so the tally is the one of the
// ballots with each sybil's identities listed apart, without listing them. Agent a's k identities
// add k c_aq to F_q, their k (k - 1) pairs with each other c_aq M / (M + |b_a|^2) (identical
// ballots agree on every option), and with agent j's identities k k_j sqrt(c_aq c_jq) M /
// (M + k_aj), every c and k_aj computed on the shares.
std::vector<double> pairwise_bounded_tally(std::span<const double> ballots, std::uint32_t proposals,
                                           double m,
                                           std::span<const std::uint32_t> identities = {});

}  // namespace qvsim
