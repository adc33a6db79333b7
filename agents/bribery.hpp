#pragma once
// Bribery: a briber with a budget buys votes for an agenda, cheapest sellers first
// (docs/coercion.md has the user's view).
//
// Per replicate and mechanism m, before any vote:
//
// Offers. The briber wants every agent to cast the instructed votes on spec.agenda
// (instructed_votes in agents/coercion.hpp: under QV with credits the whole budget on the agenda,
// with money spec.demanded_votes, under 1p1v her vote on it set to the agenda's direction, under
// linear the whole budget). An agent whose honest votes already equal the instructed votes is not
// offered anything. Every other agent's price is what delivering costs her, her private loss
//   price = max(0, private_loss(m, budget, belief, voter, honest, instructed))
// (agents/honest.hpp; utility: her values times the change of her belief that each proposal
// passes, plus money; max(0, .) absorbs rounding and the linearization of price-taking votes),
// and the briber pays exactly that price.
//
// Purchase. Offers are sorted by price, ascending, ties by lower agent id, and bought in that
// order while the money spent stays within spec.budget; the first offer that does not fit ends
// the purchase (every later one costs at least as much, so skipping it could buy nothing more).
// A budget of 0 buys nothing, even offers priced 0.
//
// Delivery. Under public and provable ballots the briber checks every vote, so every seller
// delivers. Under secret, a seller delivers when a coin with chance her honesty trait comes up,
// and otherwise keeps the money and votes as she would have (she reneged). Honesty and its coin
// are the agent's own disposition, the same in every arm and under every mechanism: the stream
// (seed, replicate, arm 0, round 0, agent, purpose::honesty) gives the trait's uniform draw
// first and the coin second.
//
// Voting. A delivering seller's ballot is replaced by the instructed votes (under 1p1v, her
// ballot so far with the agenda's vote set); coercion, which comes later, may override it.
//
// Metrics (runs.csv columns, per mechanism): bribe_spent (money paid), votes_bought (sellers
// paid, reneging ones included), reneged (sellers who took the money and voted their own way).
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

// An agent's price for casting the briber's instructed votes instead of `honest` (her honest
// votes under m), or a negative number when she is not offered (her honest votes already are the
// instructed votes). `scratch` must hold one double per proposal.
double bribe_price(const BriberySpec& spec, Mechanism m, const BudgetSpec& budget,
                   const MechanismBelief& belief, const Voter& voter,
                   std::span<const double> honest, std::span<double> scratch);

// What the briber bought under one mechanism of one replicate.
struct BriberyMechanism {
  Mechanism mechanism = Mechanism::quadratic;
  std::vector<AgentId> sellers;         // in purchase order (price ascending, then agent id)
  std::vector<double> prices;           // what each seller was paid
  std::vector<std::uint8_t> delivered;  // 1 when the seller votes as bought
  double spent = 0.0;                   // sum of prices, <= spec.budget
  std::uint64_t reneged = 0;            // sellers who did not deliver
};

struct BriberyPlan {
  std::vector<BriberyMechanism> mechanisms;  // in model.scenario.mechanisms order
};

// Prices every agent and buys, for every mechanism of the scenario. `spec` must be valid (see
// BriberySpec); runs parallel loops internally.
BriberyPlan plan_bribery(const BriberySpec& spec, const ReplicateContext& context);

// The bribery component of an arm (agents/attack.hpp). Metric names: bribe_spent, votes_bought,
// reneged.
std::unique_ptr<const ComponentFactory> make_bribery(const BriberySpec& spec);

}  // namespace qvsim::agents
