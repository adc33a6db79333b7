#pragma once
// Bribery: a briber with a budget buys votes for an agenda until it believes its side wins
// (docs/coercion.md has the user's view and a worked example of every rule).
//
// Per replicate and mechanism m, before any vote:
//
// Offers. The briber wants agents to cast the instructed votes on spec.agenda = (proposal k,
// direction d) (instructed_votes in agents/coercion.hpp: under QV with credits the whole budget on
// the agenda, with money spec.demanded_votes, under 1p1v her vote on it set to d, under linear
// the whole budget). An agent is offered a bribe only when casting the instructed votes instead
// of her honest ones moves the tally on k towards d: one identity moves it by
//   moved = d * (instructed_k - honest_k) > 0
// (an agent already voting as instructed, or whose instructed vote is smaller than her honest one
// in d's direction, is worth nothing to the briber). One identity's loss is what delivering costs
// her, max(0, private_loss(m, budget, belief, voter, honest, instructed)) (agents/honest.hpp:
// her values times the change of her belief that each proposal passes, plus money).
//
// Sybils. An agent who is a sybil in this arm (the arm's collusion.sybils: the coin of the Sybils
// component in agents/collusion.cpp, stream (seed, replicate, arm key, round 0, agent,
// purpose::sybil), first uniform below sybils.share) casts `identities` ballots, so what she sells
// is `identities` times one identity's: loss and moved both scale by it.
//
// The briber's belief. The briber's chance that its side wins when the tally on k moves by x
// votes towards d, win(x):
//   normal, equilibrium: the voters' own belief about the others' sum on k, N(mean, sd^2) in m's
//     vote units (electorate.pivot, agents/beliefs.hpp): win(x) = Phi((d mean + x) / sd) (a step
//     when sd = 0: 1 above 0, 1/2 at 0, 0 below);
//   fixed: the voters' belief has no distribution; the briber knows the realized honest tally T
//     on k in this arm (every agent's honest vote times her identities, summed in agent order by
//     chunk; it does not foresee coalitions or threats): win(x) = 1 when d T + x > 0, 1/2 at 0
//     (a tie is decided by a coin), 0 below.
// A bought identity moves the tally by `moved` only when she delivers; the briber counts it with
// the chance it believes she delivers, rho: 1 under public ballots; under provable
// audit + (1 - audit) h; under secret h, with h the mean of the honesty trait (the briber knows
// the population, not the person); under maci 1, since only a voter who hands over her key (her
// key_surrender draw) is offered a sale, and the briber then holds her ballot. Bought sellers give
// x = rho * sum of their moved; delivery is not otherwise random in the briber's belief.
//
// Purchase. Offers are ranked: individual pricing by loss per vote moved (loss / moved), posted
// pricing by one identity's loss; ties by lower agent id. If win(0) >= spec.target_confidence the
// briber buys nothing (the decision is already as secure as it wants). Otherwise it takes the
// shortest prefix of the ranking whose belief reaches the target, and buys it when what it pays
// (or promises) fits spec.budget; when no prefix reaches the target, or the shortest one does not
// fit, it buys nothing: a rational briber does not pay for votes that cannot reach its goal. A
// budget of 0 buys nothing.
//
// Prices. individual: each seller is offered her loss; posted: one price per identity, the
// largest one-identity loss among the sellers bought, so a seller with i identities is offered
// i times it (never less than her loss). Contingent (spec.contingent): the offer is a promise
// paid only if the briber's side wins; a seller accepts a promise q when
// target_confidence * q >= what she is offered above (she believes the briber's announced
// target, the least chance it settles for), so q = offer / target_confidence. The sum of the
// offers (promises) fits the budget.
//
// Delivery. Under public ballots, and under maci (the briber holds her key), every seller
// delivers (she is paid on what everyone sees). A collective bribe (spec.collective) runs no
// market at all: every voter is promised the same payment on the outcome (docs/model.md,
// "Collective bribes"). Under
// provable, the briber asks a seller for proof when a coin with chance spec.audit comes up
// (stream: seed, replicate, arm key, round purpose::kAuditBriber = 2, agent, purpose::audit); an
// asked seller delivers (she is paid on proof), each proof costs spec.audit_cost; an unasked one
// behaves as under secret. Under secret a seller delivers when a coin with chance her honesty
// trait comes up, and otherwise keeps the money and votes as she would have (she reneged).
// Honesty and its coin are the agent's own disposition, the same in every arm and under every
// mechanism: the stream (seed, replicate, arm 0, round 0, agent, purpose::honesty) gives the
// trait's uniform draw first and the coin second.
//
// Voting. A delivering seller's ballot is replaced by the instructed votes (under 1p1v, her
// ballot so far with the agenda's vote set); the sybil component, later, multiplies them by her
// identities; coercion, also later, may override them.
//
// Metrics (runs.csv columns, per mechanism): bribe_spent (money paid: the offers, or with
// `contingent` the promises when the side won and 0 when it lost, decided by the tally),
// votes_bought (sellers bought, reneging ones included), reneged (sellers who did not deliver),
// bribe_price (the largest payment or promise per identity: under posted pricing the posted
// price; 0 when nothing is bought), bribe_confidence
// (the briber's belief that its side wins after its purchase), bribe_audits (proofs asked for),
// bribe_audit_cost (bribe_audits * audit_cost, money outside the budget).
//
// Thread-safety: pure functions; plan_bribery runs parallel loops internally and gives the same
// result at any thread count.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "agents/attack.hpp"
#include "agents/honest.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

// One identity's price for casting the briber's instructed votes instead of `base`, the ballot
// she would otherwise cast (her honest votes under m, in an arm with bribery alone): her loss
//   max(0, private_loss(m, budget, belief, voter, base, instructed) + forgone)
// where `forgone` is any further utility she gives up by selling (a sanction she would otherwise
// avoid; 0 when none). Returns a negative number when she is not offered: the instructed votes
// would not move the agenda proposal towards the briber's direction (see the header comment). On
// return `scratch` (one double per proposal) holds the instructed votes.
double bribe_price(const BriberySpec& spec, Mechanism m, const BudgetSpec& budget,
                   const MechanismBelief& belief, const Voter& voter, std::span<const double> base,
                   std::span<double> scratch, double forgone = 0.0);

// The chance rho that the briber believes a bought identity delivers under `ballot`.
double believed_delivery(const BriberySpec& spec, Ballot ballot) noexcept;

// What the briber bought under one mechanism of one replicate.
struct BriberyMechanism {
  Mechanism mechanism = Mechanism::quadratic;
  // Per seller, in purchase order (parallel vectors):
  std::vector<AgentId> sellers;
  std::vector<double> losses;             // her loss, identities included (utility)
  std::vector<double> moved;              // votes she moves towards the side, identities incl.
  std::vector<std::uint32_t> identities;  // 1, or the sybil's identities
  std::vector<double> prices;             // what she is paid, or promised when contingent
  std::vector<std::uint8_t> delivered;    // 1 when the seller votes as bought
  std::vector<std::uint8_t> audited;      // 1 when asked for proof (provable only)
  double spent = 0.0;                     // sum of prices (promised when contingent), <= budget
  double unit_price = 0.0;                // the largest price per identity (bribe_price)
  double confidence_before = 0.0;         // win(0)
  double confidence = 0.0;                // win after the purchase (= before when none)
  double confidence_short = 0.0;          // win without the last seller (0 when none bought)
  std::uint64_t reneged = 0;              // sellers who did not deliver
  std::uint64_t audits = 0;               // proofs asked for
};

struct BriberyPlan {
  std::vector<BriberyMechanism> mechanisms;  // in model.scenario.mechanisms order
};

// Prices every agent and buys, for every mechanism of the scenario. `spec` must be valid (see
// BriberySpec); `sybils` is the arm's sybil spec (share 0 when the arm has none). Runs parallel
// loops internally.
// `prior`: the arm's earlier components (a coalition): each agent is priced against the ballot
// she would otherwise cast in this arm and what holds her to it (agents/attack.hpp, Prior);
// empty: against her honest votes.
BriberyPlan plan_bribery(const BriberySpec& spec, const ReplicateContext& context,
                         const SybilSpec& sybils = SybilSpec{}, const Prior& prior = Prior{});

// The bribery component of an arm (agents/attack.hpp). Metric names: bribe_spent, votes_bought,
// reneged, bribe_price, bribe_confidence, bribe_audits, bribe_audit_cost.
std::unique_ptr<const ComponentFactory> make_bribery(const BriberySpec& spec,
                                                     const SybilSpec& sybils = SybilSpec{});

}  // namespace qvsim::agents
