#pragma once
// Collusion: coalitions that form along the social graph and pool or trade votes, and sybils.
//
// Formation (per replicate, before any vote): organizers found one coalition each around their
// top proposal (largest |u|, in the direction of its sign). In each synchronous round, every agent
// not yet in a coalition who has a neighbour in a coalition with room considers the invitations
// of her neighbours' coalitions (read from the state of the previous round). She accepts the
// best deal worth it under her own values: a coalition whose cause she supports (her value on
// its proposal has its direction), preferring the one she cares about most; with logrolling, a
// coalition she opposes when her stake in her own top proposal is larger than her loss on its
// proposal (mates will internalize her value in return). Joins are gathered as messages and
// granted in ascending agent id until a coalition is full, so the result does not depend on
// threads; coalitions stay connected and never exceed max_size.
//
// Voting: a member votes her honest strategy applied to internalized values
//   u~_k = u_k + internalization * (U_C,k - u_k),  U_C,k = sum of her coalition's values,
// under her own budget, when she obeys. Under public and provable ballots the coalition checks
// every vote, so every member obeys. Under secret, a member obeys when her cooperation draw
// succeeds (chance = her cooperation trait) or when her perceived detection times the sanction
// exceeds her private loss from obeying (agents/honest.hpp, private_loss); otherwise she defects
// and votes honestly.
//
// Sybils: an agent splits with probability sybils.share into `identities` identities, each with
// her full credit budget (credits) or each buying her price-taking votes (money), so her votes and
// what they cost scale by `identities`; identity_cost is paid per extra identity.

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "agents/attack.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

inline constexpr std::uint32_t kNoCoalition = std::numeric_limits<std::uint32_t>::max();

// The coalitions of one replicate and arm.
struct Coalitions {
  std::vector<std::uint32_t> coalition_of;    // per agent: coalition id, or kNoCoalition
  std::vector<std::vector<AgentId>> members;  // per coalition, organizer first, in join order
  std::vector<std::uint32_t> proposal;        // per coalition: its cause
  std::vector<int> direction;                 // per coalition: +1 pass, -1 fail
  std::vector<double> totals;                 // per coalition x proposal: sum of members' values
  std::uint32_t rounds_run = 0;               // rounds until nobody joined (or spec.rounds)
};

// Runs coalition formation as described above. Thread-count independent.
Coalitions form_coalitions(const CollusionSpec& spec, const ReplicateContext& context);

// Metrics (runs.csv columns): coalitions, coalition_size_mean, coalition_size_max,
// colluding_share, defection_rate, credits_saved, influence_ratio.
std::unique_ptr<const ComponentFactory> make_collusion(const CollusionSpec& spec);

// Metrics: sybils, sybil_identities, sybil_identity_cost.
std::unique_ptr<const ComponentFactory> make_sybils(const SybilSpec& spec);

}  // namespace qvsim::agents
