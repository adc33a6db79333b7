#pragma once
// Collusion: coalitions that form along the social graph as trades of votes, and sybils.
// docs/model.md, "Collusion", states every rule with a worked example.
//
// Coalitions are formed per mechanism (what a member gives and gets depends on the mechanism's
// votes and beliefs), once per replicate and arm, before any vote.
//
// Causes. An organizer founds a coalition around her top proposal (largest |u|, lowest index
// among equals) in its direction: the founding cause, a cause for as long as the coalition
// exists. With logrolling, each member's own top proposal is a cause too while she is a member
// (she votes for theirs, they vote for hers).
//
// Ballots. Member i's coalition ballot b_i is her honest strategy (agents/honest.hpp), under her
// own budget, on her values internalized on the causes only:
//   u~_k = u_k + internalization * (U_C,k - u_k) for k a cause, u_k elsewhere,
// U_C,k the sum of the current members' values (coalition_values below).
//
// Trade. With h_i her honest ballot and D_k = sum over the other members j of (b_jk - h_jk):
//   loss_i = private_loss(m, h_i -> b_i)                        (what she gives),
//   gain_i = sum_k u_ik (P_k(b_ik + D_k) - P_k(b_ik))          (what the others add),
// so gain_i - loss_i is exactly her expected utility inside minus outside, under her belief,
// when every member obeys.
//
// Recruitment. In synchronous rounds, every agent outside any coalition who has a neighbour in a
// coalition with room estimates gain and loss for each such coalition from the state of the
// previous round: her ballot exactly (with her values added to the totals and her top proposal
// added to the causes under logrolling); the others' shift as their current D plus, on each of
// her causes, the change of their internalized values times her own honest votes per unit of
// value there (h_k / u_k, 0 where u_k = 0). She asks to join the coalition with the largest
// estimated gain - loss among those whose trade pays (ties: lower id). Requests are granted in
// ascending agent id while the coalition has room. Only agents next to a coalition that changed
// are re-evaluated (the others would decide as before). Recruitment stops after `rounds` rounds,
// when nobody joins or when every coalition is full.
//
// Exit. Then, until nobody leaves: every coalition's ballots, gains and losses are recomputed
// exactly (only coalitions that changed), and every member whose trade does not pay
// (trade_pays: gain < loss beyond rounding) leaves, all at once, and votes honestly; nobody
// rejoins. At the end every member's trade pays (Coalitions::gain, ::loss).
//
// Obeying (collusion component, per mechanism). A member obeys (casts b_i) when her loyalty draw
// succeeds (stream: seed, replicate, arm, 0, agent, purpose::loyalty; the same in every
// mechanism) or when detection x sanction > max(loss_i, 0) (no sanction, no enforcement), with
// detection 1 under public, `audit` under provable (she is asked to prove her vote with that
// chance; refusing counts as defecting), under maci 1 when she hands the organizer her key (her
// key_surrender draw) and 0 otherwise, and her perceived_detection trait under secret (arm 0,
// purpose::belief). Otherwise she defects and votes honestly, keeping the others' gain: a member
// for whom the trade pays may still free-ride. After the vote a defection is detected under public
// always, under provable when her audit coin (seed, replicate, arm, round kAuditCoalition, agent,
// purpose::audit) is below `audit`, under maci when she handed over her key, under secret never;
// detected defectors are sanctioned when
// sanction > 0. Under provable the coalition pays audit_cost per member checked (the same coin):
// the coalition_audit_cost metric.
//
// Sybils: an agent splits with probability sybils.share into `identities` identities, each with
// her full credit budget (credits) or each buying her price-taking votes (money), so her votes and
// what they cost scale by `identities`; identity_cost is paid per extra identity.

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "agents/attack.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

inline constexpr std::uint32_t kNoCoalition = std::numeric_limits<std::uint32_t>::max();

// The coalitions of one replicate, arm and mechanism.
struct Coalitions {
  Mechanism mechanism = Mechanism::quadratic;
  std::vector<std::uint32_t> coalition_of;    // per agent: coalition id, or kNoCoalition
  std::vector<std::vector<AgentId>> members;  // per coalition, in join order (may be empty)
  std::vector<AgentId> organizer;             // per coalition: its founder (may have left)
  std::vector<std::uint32_t> proposal;        // per coalition: the founding cause
  std::vector<int> direction;                 // per coalition: +1 pass, -1 fail
  std::vector<std::uint8_t> causes;           // per coalition x proposal: 1 for a cause
  std::vector<double> totals;                 // per coalition x proposal: sum of members' values
  std::vector<std::vector<double>> gain;      // per coalition, per member (utility)
  std::vector<std::vector<double>> loss;      // per coalition, per member (utility)
  std::uint32_t rounds_run = 0;               // recruitment rounds in which somebody could join
  std::uint32_t exit_rounds = 0;              // exit rounds in which somebody left
  std::uint64_t left = 0;                     // members who left
  // Members and non-empty coalitions after founding, after each of the rounds_run recruitment
  // rounds and after each of the exit_rounds exit rounds, in that order (rounds.csv).
  std::vector<std::uint64_t> members_by_round;
  std::vector<std::uint32_t> coalitions_by_round;
};

// How recruitment treats a candidate whose neighbouring coalitions are all full by her turn:
// skip_full does not evaluate her (she could join nothing), evaluate_all does (the plain rule,
// for tests: both give the same coalitions).
enum class Recruiting { skip_full, evaluate_all };

// Runs formation and exit under mechanism m as described above. Thread-count independent.
Coalitions form_coalitions(const CollusionSpec& spec, const ReplicateContext& context, Mechanism m,
                           Recruiting how = Recruiting::skip_full);

// Whether a trade pays: gain >= loss up to rounding (relative kTradeTolerance), so that a trade
// worth exactly what it costs (a tie in exact arithmetic) is kept whatever the rounding of either
// side; the same rule under every mechanism (one proposal with credits QV and 1p1v decide alike).
inline constexpr double kTradeTolerance = 1e-9;
inline bool trade_pays(double gain, double loss) noexcept {
  return gain >= loss - kTradeTolerance * (std::fabs(gain) + std::fabs(loss));
}

// u~ = u + internalization (totals - u) where causes[k] != 0, u elsewhere, into `out`.
void coalition_values(std::span<const double> u, std::span<const double> totals,
                      std::span<const std::uint8_t> causes, double internalization,
                      std::span<double> out) noexcept;

// Metrics (runs.csv columns): coalitions, coalition_size_mean, coalition_size_max,
// colluding_share, defection_rate, credits_saved, influence_ratio, left, sanctioned,
// coalition_audit_cost (provable: audit_cost times the members checked), saturated.
//   credits_saved (QV): per coalition, sum_k (members' vote shift on k)^2 -- what one voter would
//     pay to move the tally as the coalition did -- minus what its members paid beyond their
//     honest ballots; summed over coalitions. 0 when collusion changes no vote.
//   influence_ratio: members' share of all |votes| over their share of all identities, a sybil
//     member counting her identities in both (votes as collusion writes them, times identities):
//     1 when every agent is a member and an equal sybil.
//   saturated: 1 when there is a coalition and every coalition reached max_size.
// The component is inert (agents/attack.hpp, arm_inert) when it was asked to found coalitions
// (organizers > 0) and no agent is a member or every member defected.
// With `detect` (the scenario sets clusters), its metrics end with how well the replicate's
// clusters find its coalitions (and its sybils' identities, with sybils: pairs of identities):
// detection_precision, detection_recall, detection_f1 (sim/clusters.hpp, score_pairs), per
// mechanism.
std::unique_ptr<const ComponentFactory> make_collusion(const CollusionSpec& spec,
                                                       bool detect = false);

// Metrics: sybils, sybil_identities, sybil_identity_cost.
// With identity checks (scenario.identity), caught identities are removed before the tally.
std::unique_ptr<const ComponentFactory> make_sybils(const SybilSpec& spec,
                                                    const IdentitySpec& identity = {});

}  // namespace qvsim::agents
