#pragma once
// Drawing per-agent traits and picking attackers: small helpers shared by the attack models.

#include <cstdint>
#include <span>
#include <vector>

#include "sim/graph.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

// Stream purposes of the attack models. Part of stream keys: never renumber, only append.
namespace purpose {
inline constexpr Purpose organizers = static_cast<Purpose>(16);
inline constexpr Purpose loyalty = static_cast<Purpose>(17);  // a coalition member's loyalty
inline constexpr Purpose belief = static_cast<Purpose>(18);   // perceived detection
inline constexpr Purpose sybil = static_cast<Purpose>(19);
inline constexpr Purpose coercers = static_cast<Purpose>(20);
inline constexpr Purpose severity = static_cast<Purpose>(21);
inline constexpr Purpose obey_coin = static_cast<Purpose>(22);
inline constexpr Purpose honesty = static_cast<Purpose>(23);
inline constexpr Purpose means = static_cast<Purpose>(24);        // credits and wealth traits
inline constexpr Purpose prior_voter = static_cast<Purpose>(25);  // beliefs' virtual voters
inline constexpr Purpose poll = static_cast<Purpose>(26);         // a poll's error, per proposal
// Provable ballots: whether an enforcer checks this voter's proof. Keyed (seed, replicate, arm,
// round = enforcer: 0 coalition, 1 coercer, 2 briber, agent, purpose::audit); one coin per agent
// and enforcer, the same under every mechanism.
inline constexpr Purpose audit = static_cast<Purpose>(27);
inline constexpr std::uint32_t kAuditCoalition = 0;
inline constexpr std::uint32_t kAuditCoercer = 1;
inline constexpr std::uint32_t kAuditBriber = 2;
// Identity checks: whether each extra identity of a sybil is caught (one draw per identity, in
// order, keyed by agent; the same under every mechanism).
inline constexpr Purpose identity_check = static_cast<Purpose>(28);
// Receipt-free ballots: whether an agent hands an attacker her key. Keyed (seed, replicate, 0, 0,
// agent): one disposition per agent, the same in every arm and mechanism.
inline constexpr Purpose key_surrender = static_cast<Purpose>(29);
}  // namespace purpose

// The trait's value for a uniform u in [0, 1): monotone non-decreasing in u.
double trait_value(const TraitSpec& spec, double u) noexcept;

// Agent a's draw of a trait keyed by (seed, replicate, arm, agent, purpose). Beliefs use arm 0 so
// that an agent holds the same belief in every arm of a replicate.
double agent_trait(const TraitSpec& spec, const StreamKey& key) noexcept;

// Under ballot `maci`: whether agent a hands her key to an attacker who asks for it (chance: her
// draw of the trait), so that the attacker can hold her to a ballot. Always false under the other
// ballots, where nobody is asked for a key, and with the default trait 0.
bool surrenders_key(const TraitSpec& trait, const Scenario& s, std::uint64_t replicate,
                    AgentId a) noexcept;

// How surely an enforcer sees agent a's ballot under ballot `maci`: 1 when she surrendered her
// key, else 0 (a key change overrides anything she shows).
inline double maci_detection(const TraitSpec& trait, const Scenario& s, std::uint64_t replicate,
                             AgentId a) noexcept {
  return surrenders_key(trait, s, replicate, a) ? 1.0 : 0.0;
}

// `count` distinct agents chosen uniformly at random from `pool` (all agents when empty), in
// ascending order; a pure function of the stream's key. Partial Fisher-Yates over a copy.
std::vector<AgentId> choose_random(AgentId agents, std::uint64_t count, Stream& rng,
                                   std::span<const AgentId> pool = {});

// The `count` agents of highest degree (ties: lower id first), in that order.
std::vector<AgentId> choose_by_degree(const Graph& graph, std::uint64_t count);

}  // namespace qvsim::agents
