#pragma once
// Invariant checks of the attack models' bookkeeping: coalitions, threats and bribes.
//
// Like the engine's checks (sim/invariants.hpp, which says when they run), these are always
// compiled and called by the components only when kInvariantsEnabled, once per replicate and arm
// (or mechanism) when the state they check is final. Each throws InvariantViolation at the first
// violation, naming the invariant, the site, the agent where there is one, and the numbers. All
// are O(agents) at most and thread-safe (pure reads).

#include <cstdint>
#include <span>

#include "agents/bribery.hpp"
#include "agents/coercion.hpp"
#include "agents/collusion.hpp"
#include "sim/electorate.hpp"
#include "sim/invariants.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

// Coalitions of one mechanism after formation and exit (form_coalitions). Checks:
//   coalition.shape      one coalition id per agent; one member list, gain and loss list (as long
//                        as the member list), organizer, proposal and direction per coalition;
//                        proposals x coalitions causes and totals;
//   coalition.organizer  every organizer is an agent; one who stayed is listed first;
//   coalition.unique     every listed member is an agent whose coalition id is that coalition, and
//                        is listed once: no agent belongs to two coalitions, and every agent with
//                        a coalition id is listed (list sizes sum to the colluding count);
//   coalition.size       no coalition has more than max_size members;
//   coalition.cause      each founding cause is a proposal, its direction +1 or -1, and a cause;
//   coalition.totals     totals are the sums of the members' values (within the order bound of
//                        sim/invariants.hpp);
//   coalition.rational   every member's gain and loss are finite and her trade pays (gain >=
//                        loss up to rounding, trade_pays: the exit rule's own comparison).
void check_coalitions(const Coalitions& coalitions, const Electorate& electorate,
                      std::uint32_t max_size, const InvariantSite& site);

// What the collusion component counted under one mechanism (counter sums from the engine):
//   collusion.members    members counted = sum of coalition sizes (every member voted as one);
//   collusion.defectors  0 <= sanctioned <= defectors <= members; nobody is sanctioned under a
//                        secret ballot or with sanction 0; under public with sanction > 0 every
//                        defector is.
void check_collusion_counts(const Coalitions& coalitions, double members, double defectors,
                            double sanctioned, Ballot ballot, double sanction,
                            const InvariantSite& site);

// The coercion plan of one replicate and arm, for `agents` agents and `proposals` proposals.
// Checks:
//   threat.coercers    coercers are distinct agents in ascending id, each with an agenda on a
//                      proposal (direction +1 or -1) and a finite severity >= 0;
//   threat.shape       per mechanism, one coercer, complied, punished, credibility and loss per
//                      threatened agent, spec.rounds + 1 compliance counts;
//   threat.threatened  threatened agents are distinct, in ascending id, and not coercers; each
//                      one's coercer exists;
//   threat.capacity    no coercer threatens more than spec.capacity agents;
//   threat.compliance  complied and punished are 0 or 1, nobody who complied is punished, nobody
//                      is punished under a secret ballot, credibility is in [0, 1];
//                      complied_count and punished_count count them, harm is the sum of the
//                      punished agents' severities, and compliance per round never decreases and
//                      ends at complied_count.
void check_coercion(const CoercionPlan& plan, const CoercionSpec& spec, Ballot ballot,
                    AgentId agents, std::uint32_t proposals, const InvariantSite& site);

// The lookup the coercion component votes by, for one mechanism: agent a obeys coercer
// obey[slot[a]] when slot[a] != kNoSlot and that entry != kNoSlot; an empty `slot` means nobody
// obeys (then `obey` is ignored). Checks
//   threat.compliers   exactly the threatened agents who complied in `mechanism` obey, each the
//                      coercer who threatened her: compliers are a subset of the threatened.
inline constexpr std::uint32_t kNoSlot = 0xffffffffu;
void check_compliers(const CoercionMechanism& mechanism, std::span<const std::uint32_t> slot,
                     std::span<const std::uint32_t> obey, AgentId agents,
                     const InvariantSite& site);

// What the briber bought under one mechanism with `spec`, and the component's per-agent delivery
// flags `deliver` (empty when nobody delivers). Checks:
//   bribery.shape     one loss, votes moved, identity count, price, delivery and audit flag per
//                     seller;
//   bribery.sellers   sellers are distinct agents, bought in purchase order (individual: loss per
//                     vote moved ascending; posted: loss per identity ascending; then agent id),
//                     at finite prices and losses >= 0, moving > 0 votes; a budget of 0 buys
//                     nothing;
//   bribery.price     individual: each price is the seller's loss; posted: each is her identities
//                     times the largest loss per identity bought; contingent: divided by
//                     target_confidence (so never less than her loss);
//   bribery.budget    spent is the sum of the prices, and that sum is within the budget;
//   bribery.target    a purchase starts below target_confidence, reaches it, and would not have
//                     without its last seller; buying nothing leaves the belief where it was;
//   bribery.delivery  delivery and audit flags are 0 or 1, only provable ballots audit and an
//                     audited seller delivers (every one with audit 1), reneged and audits count
//                     the flags, nobody reneges under a public ballot, and `deliver` flags exactly
//                     the delivering sellers.
void check_bribery(const BriberyMechanism& bought, const BriberySpec& spec, Ballot ballot,
                   std::span<const std::uint8_t> deliver, AgentId agents,
                   const InvariantSite& site);

}  // namespace qvsim::agents
