#pragma once
// Coercion: threats that spread along the social graph (docs/coercion.md has the user's view).
//
// Per replicate, before any vote:
//
// Coercers. spec.coercers.resolve(agents) agents become coercers (at most the agents available):
// `random` placement draws them uniformly (stream: seed, replicate, arm, round 0, agent 0,
// purpose::coercers); `degree` takes the highest-degree agents (ties: lower id); `block` draws
// them uniformly among the agents of graph block spec.block (none when the graph has no such
// block). A coercer's id is her agent id; coercers are kept in ascending id. Each has an agenda:
// spec.agenda when shared_agenda, otherwise her own top proposal (largest |u|, lowest index among
// equals) in the direction of her value's sign (pass when her values are all 0), and a severity
// drawn from spec.severity (stream: seed, replicate, arm, 0, agent = coercer id,
// purpose::severity). Coercers are never threatened and coercion leaves their ballots alone.
//
// Reach. Each coercer threatens the agents within graph distance `reach` of her, found level by
// level (breadth first), nearest first and, within a level, lower id first, skipping other
// coercers, until `capacity` agents are threatened (the search stops there). reach 0 or
// capacity 0 threatens nobody. An agent on several coercers' lists obeys the strongest threat:
// the largest severity x credibility, that is the largest severity since the base credibility is
// common to all coercers; ties go to the lower coercer id. A coercer's capacity counts the agents
// actually assigned to her.
//
// Compliance, per mechanism m (what obeying costs differs by mechanism). A threatened agent i
// complies in round t when her expected sanction is positive and exceeds her private loss:
//   severity_c * credibility_i(t) * detection_i > max(0, private_loss(m, budget, belief, voter_i,
//                                                                    honest_i, instructed_i))
// with detection_i = 1 under a public ballot; `audit` under provable (the coercer demands proof
// from that share of those it threatens; refusing counts as defying); under maci 1 for an agent
// who hands her coercer her key when asked (her key_surrender draw), else 0; under secret, her
// perceived_detection trait (stream: seed, replicate, arm 0 so that an agent holds the same
// belief in every arm, round 0, agent, purpose::belief). The max(0, .) guards against rounding:
// an agent never obeys a threat that carries no expected sanction.
//
// Fear. Round 0 uses the base credibility. Then `rounds` synchronous rounds:
//   credibility_i(t+1) = min(1, credibility + fear_response * (complying neighbours of i at t) /
//                                                             deg(i))
// (0 share for an isolated agent). With extend_reach, each agent complying at t extends her
// coercer's threat to her neighbours that are neither threatened nor coercers, effective at t+1:
// candidates are granted in ascending agent id, each to the strongest proposing coercer with
// capacity left. Rounds are synchronous (every agent reads state t; the states of t+1 are applied
// once all are computed) and parallel over threatened agents, so results do not depend on
// threads. Threats only grow and credibility only rises, so compliance never decreases from round
// to round. Only agents whose inputs changed (threatened neighbours of agents who began
// complying, and the newly threatened) are recomputed, and the rounds stop at a fixed point;
// both give exactly the result of recomputing everyone in every round.
//
// Voting. An agent complying after the last round casts the instructed votes (instructed_votes
// below) whatever earlier components (collusion, bribery) made of her ballot; a defiant agent's
// ballot is left as it was.
//
// Sanctions. After the vote, a threatened agent who defied is punished when her coercer's
// severity is positive, her defiance is detected under the true regime (public: always;
// provable: when her audit coin, stream seed, replicate, arm, round kAuditCoercer, agent,
// purpose::audit, is below `audit`; maci: when she handed over her key; secret: never) and a coin
// with chance credibility_i (her final credibility) comes up (stream: seed, replicate, arm, 0,
// agent, purpose::obey_coin; the same coin under every mechanism). Harm is the sum of the
// severities (utility) of punished agents.
//
// Metrics (runs.csv columns, per mechanism): threatened, complied, defied (= threatened -
// complied), punished, harm, coerced_vote_share, coercion_audit_cost (provable: audit_cost times
// the threatened agents checked, each by her audit coin; 0 under the other ballots).
// coerced_vote_share is the sum of |votes| that complying agents cast as instructed, divided by
// the sum of |votes| of all agents (0 when nobody votes); it counts the instructed votes as
// coercion writes them, before later components (a complying sybil's extra identities are not in
// the numerator, though they are in the denominator).
//
// Thread-safety: everything here is a pure function of its arguments; plan_coercion runs parallel
// loops internally and gives the same result at any thread count.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "agents/attack.hpp"
#include "sim/graph.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

// The votes an attacker instructs (coercion) or buys (bribery) on `agenda` under mechanism m,
// written into `out` (one per proposal); returns their cost under m's cost rule. `credits` is
// the agent's own budget B (credits budgets).
//   quadratic, credits: the whole budget on the agenda, direction * sqrt(B) (with integer_votes,
//                       direction * the largest n with n^2 <= B, largest_whole_vote: all votes on
//                       one proposal, so already the exact whole-vote best), 0 elsewhere; cost v^2.
//   quadratic, money:   direction * demanded_votes on the agenda, 0 elsewhere; cost v^2.
//   one person one vote: `base` (her ballot so far) with the agenda's vote set to direction; cost
//                       the number of nonzero votes.
//   linear:             the whole budget, direction * B, on the agenda, 0 elsewhere; cost B.
// `base` and `out` may be the same span.
double instructed_votes(Mechanism m, const BudgetSpec& budget, double credits, const Agenda& agenda,
                        double demanded_votes, std::span<const double> base, std::span<double> out);

// The K-proposal agent's own agenda: largest |u| (lowest index among equals) in the direction of
// its sign; {0, pass} when every value is 0.
Agenda top_agenda(std::span<const double> u) noexcept;

// The agents `source` threatens: within distance `reach`, breadth first, ascending id within a
// level, skipping agents flagged in `is_coercer` (indexed by agent), at most `capacity` of them,
// in that order.
std::vector<AgentId> threat_targets(const Graph& graph, AgentId source, std::uint32_t reach,
                                    std::uint32_t capacity,
                                    std::span<const std::uint8_t> is_coercer);

// What coercion did under one mechanism of one replicate.
struct CoercionMechanism {
  Mechanism mechanism = Mechanism::quadratic;
  // Threatened agents, ascending, and per threatened agent (parallel vectors):
  std::vector<AgentId> threatened;
  std::vector<std::uint32_t> coercer;  // index into CoercionPlan::coercers
  std::vector<std::uint8_t> complied;  // 1 when she votes as instructed
  std::vector<std::uint8_t> punished;  // 1 when she defied and was punished
  std::vector<double> credibility;     // her final perceived credibility, in [0, 1]
  std::vector<double> loss;            // her private loss from obeying (utility)
  // Agents complying after round t, t = 0..rounds (rounds + 1 entries; later rounds repeat the
  // fixed point when the rounds stopped early).
  std::vector<std::uint64_t> complied_by_round;
  // Agents under a threat after round 0 and after each round that ran before the fixed point
  // (rounds.csv; compliance over those rounds is complied_by_round's first entries).
  std::vector<std::uint64_t> threatened_by_round;
  std::uint64_t complied_count = 0;
  std::uint64_t punished_count = 0;
  std::uint64_t checked = 0;  // provable: threatened agents whose proof was demanded
  double harm = 0.0;          // sum of severities of punished agents (utility)
};

// What coercion prepared for one replicate.
struct CoercionPlan {
  std::vector<AgentId> coercers;              // ascending agent id
  std::vector<Agenda> agendas;                // per coercer
  std::vector<double> severity;               // per coercer, >= 0 (utility)
  std::vector<CoercionMechanism> mechanisms;  // in model.scenario.mechanisms order
};

// Places coercers, spreads threats and decides compliance and sanctions for every mechanism of
// the scenario. `spec` must be valid (see CoercionSpec); runs parallel loops internally.
// `prior`: the arm's earlier components (a coalition, a briber): each threatened agent's loss is
// measured against the ballot she would otherwise cast in this arm, plus what holds her to it
// (agents/attack.hpp, Prior; infinite when loyalty does); empty: against her honest votes.
CoercionPlan plan_coercion(const CoercionSpec& spec, const ReplicateContext& context,
                           const Prior& prior = Prior{});

// The coercion component of an arm (agents/attack.hpp). Metric names: threatened, complied,
// defied, punished, harm, coerced_vote_share, coercion_audit_cost.
std::unique_ptr<const ComponentFactory> make_coercion(const CoercionSpec& spec);

}  // namespace qvsim::agents
