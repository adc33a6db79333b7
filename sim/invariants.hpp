#pragma once
// Invariant checks: internal consistency of a run's state, for debug and sanitizer builds.
//
// These are not input validation (bad input is an InputError at the boundary): a violation means
// a bug in qvsim. The check functions are always compiled, so tests can call them in any build,
// but the engine calls them only when kInvariantsEnabled, that is when the build defines
// QVSIM_INVARIANTS=1 (the CMake option QVSIM_INVARIANTS: on in Debug and RelWithDebInfo, off in
// Release). Call sites use `if constexpr (kInvariantsEnabled)`, so a Release build carries no
// code for them.
//
// Every check throws InvariantViolation on the first violation it finds; it never changes state.
// The engine-level checks live here; the attack models' bookkeeping checks (coalitions, threats,
// bribes) are in agents/invariants.hpp. All are thread-safe (pure reads).

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/arm.hpp"
#include "sim/electorate.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"
#include "sim/scenario.hpp"

namespace qvsim {

#if defined(QVSIM_INVARIANTS) && QVSIM_INVARIANTS
inline constexpr bool kInvariantsEnabled = true;
#else
inline constexpr bool kInvariantsEnabled = false;
#endif

// Relative tolerance of comparisons between floating-point quantities that agree in exact
// arithmetic but are rounded differently (a budget the honest strategy spends exactly, a cost
// recomputed from the votes). Rounding differences are a few ulps per term, below K * 2.2e-16
// relative for K terms: 1e-9 leaves room for a million terms and is still far below any real
// error (one credit over a budget below 1e9 credits, a vote off by one).
inline constexpr double kInvariantTolerance = 1e-9;

// A broken invariant. what() reads
//   "invariant violated: <invariant>: replicate R, arm 'A', QV, agent I: <details with numbers>"
// (the parts of the site that are known).
class InvariantViolation : public std::logic_error {
 public:
  InvariantViolation(std::string invariant, const std::string& message);
  // The invariant's short name, e.g. "ballot.budget", "tally.sum", "coalition.unique".
  const std::string& invariant() const noexcept { return invariant_; }

 private:
  std::string invariant_;
};

// Where a check looks; unknown parts are left out of messages. Cheap to copy (no allocation).
struct InvariantSite {
  static constexpr std::uint64_t kNoReplicate = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t replicate = kNoReplicate;
  std::string_view arm;  // the arm's name, empty when unknown; must outlive the site
  std::optional<Mechanism> mechanism;
};

// The site of one replicate and arm (and mechanism, when given).
InvariantSite invariant_site(const ReplicateContext& context,
                             std::optional<Mechanism> mechanism = std::nullopt) noexcept;

// Throws InvariantViolation(invariant, "<site>[, agent A]: <details>"). `agent` is left out when
// it is kNoAgent.
inline constexpr AgentId kNoAgent = std::numeric_limits<AgentId>::max();
[[noreturn]] void invariant_failed(std::string_view invariant, const InvariantSite& site,
                                   AgentId agent, const std::string& details);

// One agent's final ballot under mechanism m, as the engine tallies it: `votes` (one per
// proposal) and `cost`, what casting them cost her. `identities` >= 1 is how many identities cast
// them (a sybil's votes are her identities' votes summed, each identity voting votes/identities)
// and `identity_fee` what she paid for the extra identities. Checks:
//   ballot.finite   every vote and the cost are finite, the cost >= 0;
//   ballot.cost     cost = identities * c(votes / identities) + identity_fee, where c is m's cost
//                   rule (quadratic: sum v^2; one person one vote: sum |v|; linear: sum |v|);
//   ballot.budget   each identity stays within its budget: quadratic with credits and linear,
//                   c(votes / identities) <= credits (hers); one person one vote, every
//                   |vote / identities| <= 1. Quadratic with money has no budget.
// Coalitions pool no credits (each member votes her own budget), so this per-agent check is the
// whole budget invariant for them. Messages name mechanism m (site.mechanism is not read).
// Allocation-free; called for every ballot.
void check_ballot(Mechanism m, BudgetKind budget, double credits, std::span<const double> votes,
                  double cost, std::uint32_t identities, double identity_fee, AgentId agent,
                  const InvariantSite& site);

// The decisions of a tallied outcome, from its tallies alone (O(proposals)). Checks:
//   tally.shape     one tally and one decision per proposal;
//   tally.decision  decision[k] = sign(tally[k]) when nonzero; a zero tally is a tie, decided by
//                   the replicate's tie-break coin exactly as the engine draws it, and counted
//                   in `ties`.
void check_decisions(const Model& model, const MechanismOutcome& outcome, std::uint64_t replicate,
                     const InvariantSite& site);

// check_decisions, and the tallied outcome of `plan` under outcome.mechanism against an
// independent recount that casts every agent's votes again (in parallel, fixed chunks; the
// tally's own loop is not reused). Checks, besides check_decisions':
//   tally.sum       tally[k] = sum over agents of their votes on k (connection_oriented and
//                   pairwise_bounded: within [sqrt(Q+) - A-, A+ - sqrt(Q-)], Q the squares of
//                   every identity's share); likewise spent (sum of costs), abs_votes (sum of
//                   |votes|) and voters (agents with a nonzero vote, exact).
//                   Sums of doubles in another order differ by at most (n - 1) * eps/2 * sum|x|
//                   (Higham's bound for recursive summation), so they must agree within twice
//                   that; the recount uses the same fixed chunks, so today they agree exactly.
// Costs one more pass of plan.cast_counted over all agents: as much as the tally itself. The engine
// therefore recounts every kTallyRecountPeriod-th replicate (0, P, 2P, ...: the same ones in
// every run, so a failure reproduces) and checks the decisions of all others.
inline constexpr std::uint64_t kTallyRecountPeriod = 16;
void check_tally(const Model& model, const Electorate& electorate, const ArmPlan& plan,
                 const MechanismOutcome& outcome, std::uint64_t replicate,
                 const InvariantSite& site);

}  // namespace qvsim
