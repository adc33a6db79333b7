#include "sim/invariants.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kMaxDouble = std::numeric_limits<double>::max();

std::string num(double x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

// a and b agree up to rounding: every term behind them is non-negative, so there is no
// cancellation and a relative tolerance is enough.
bool close(double a, double b) {
  return std::fabs(a - b) <= kInvariantTolerance * std::max(std::fabs(a), std::fabs(b));
}

// Two sums of the same n terms taken in different orders differ by at most about
// 2 (n - 1) (eps / 2) sum |x| (Higham, Accuracy and Stability, sec. 4.2); n eps sum|x| covers it.
double order_tolerance(AgentId n, double sum_abs) {
  return static_cast<double>(n) * kEps * sum_abs;
}

}  // namespace

InvariantViolation::InvariantViolation(std::string invariant, const std::string& message)
    : std::logic_error("invariant violated: " + invariant + ": " + message),
      invariant_(std::move(invariant)) {}

InvariantSite invariant_site(const ReplicateContext& context,
                             std::optional<Mechanism> mechanism) noexcept {
  InvariantSite site;
  site.replicate = context.replicate;
  const auto& arms = context.model.scenario.arms;
  if (context.arm_index < arms.size()) site.arm = arms[context.arm_index].name;
  site.mechanism = mechanism;
  return site;
}

void invariant_failed(std::string_view invariant, const InvariantSite& site, AgentId agent,
                      const std::string& details) {
  std::string where;
  auto part = [&where](const std::string& s) {
    if (!where.empty()) where += ", ";
    where += s;
  };
  if (site.replicate != InvariantSite::kNoReplicate) {
    part("replicate " + std::to_string(site.replicate));
  }
  if (!site.arm.empty()) part("arm '" + std::string(site.arm) + "'");
  if (site.mechanism) part(short_label(*site.mechanism));
  if (agent != kNoAgent) part("agent " + std::to_string(agent));
  throw InvariantViolation(std::string(invariant),
                           where.empty() ? details : where + ": " + details);
}

void check_ballot(Mechanism m, BudgetKind budget, double credits, std::span<const double> votes,
                  double cost, std::uint32_t identities, double identity_fee, AgentId agent,
                  const InvariantSite& site) {
  // Called for every ballot: written to stay cheap at -O0 too (raw loop, no calls on the way).
  auto fail = [&](std::string_view invariant, const std::string& details) {
    InvariantSite at = site;
    at.mechanism = m;
    invariant_failed(invariant, at, agent, details);
  };
  if (!(cost >= 0.0 && cost <= kMaxDouble)) {
    fail("ballot.finite", "cost " + num(cost) + " is not finite and >= 0");
  }
  if (identities == 0) fail("ballot.cost", "cast by 0 identities");
  const bool quadratic = ballot_rule(m) == Mechanism::quadratic;
  const double* v = votes.data();
  const std::size_t kc = votes.size();
  // c(votes) and the largest |vote|, then per identity. One pass, one operation per vote.
  double sum = 0.0;
  double largest = 0.0;
  if (quadratic) {
    for (std::size_t p = 0; p < kc; ++p) sum += v[p] * v[p];
  } else {
    for (std::size_t p = 0; p < kc; ++p) {
      const double a = v[p] < 0.0 ? -v[p] : v[p];
      sum += a;
      if (a > largest) largest = a;
    }
  }
  if (!(sum <= kMaxDouble)) {  // a NaN or infinite vote makes the sum one
    for (std::size_t p = 0; p < kc; ++p) {
      if (!std::isfinite(v[p])) {
        fail("ballot.finite", "vote on proposal " + std::to_string(p) + " is " + num(v[p]));
      }
    }
    fail("ballot.finite", "the votes' cost overflows: " + num(sum));
  }
  const auto k = static_cast<double>(identities);
  const double per_identity = quadratic ? sum / (k * k) : sum / k;  // c(votes / identities)
  largest /= k;
  const double expected = k * per_identity + identity_fee;
  if (!close(cost, expected)) {
    fail("ballot.cost", "cost " + num(cost) + " but " + std::to_string(identities) +
                            " identities casting these votes pay " + num(expected) +
                            " (identity fee " + num(identity_fee) + ")");
  }
  const bool capped = m == Mechanism::linear || (quadratic && budget == BudgetKind::credits);
  if (capped && per_identity > credits * (1.0 + kInvariantTolerance)) {
    fail("ballot.budget", "spends " + num(per_identity) +
                              " credits per identity, over the budget of " + num(credits));
  }
  if (m == Mechanism::one_person_one_vote && largest > 1.0) {
    fail("ballot.budget",
         "casts " + num(largest) + " votes per identity on one proposal, more than 1");
  }
}

void check_decisions(const Model& model, const MechanismOutcome& outcome, std::uint64_t replicate,
                     const InvariantSite& site) {
  const std::size_t kc = model.scenario.proposals;
  if (outcome.tally.size() != kc || outcome.decision.size() != kc) {
    invariant_failed("tally.shape", site, kNoAgent,
                     std::to_string(outcome.tally.size()) + " tallies and " +
                         std::to_string(outcome.decision.size()) + " decisions for " +
                         std::to_string(kc) + " proposals");
  }
  std::uint32_t ties = 0;
  for (std::size_t k = 0; k < kc; ++k) {
    const double v = outcome.tally[k];
    int expected = v > 0.0 ? 1 : (v < 0.0 ? -1 : 0);
    if (expected == 0) {
      // The engine's tie-break coin (sim/runner.cpp): shared by all arms and mechanisms.
      Stream coin(StreamKey{model.scenario.seed, replicate, 0, 0, k, Purpose::tie_break});
      expected = coin.bernoulli(0.5) ? 1 : -1;
      ++ties;
    }
    if (outcome.decision[k] != expected) {
      invariant_failed("tally.decision", site, kNoAgent,
                       "proposal " + std::to_string(k) + " has tally " + num(v) + " but decision " +
                           std::to_string(outcome.decision[k]) + ", expected " +
                           std::to_string(expected) +
                           (v > 0.0 || v < 0.0 ? "" : " (tie-break coin)"));
    }
  }
  if (outcome.ties != ties) {
    invariant_failed("tally.decision", site, kNoAgent,
                     "ties is " + std::to_string(outcome.ties) + " but " + std::to_string(ties) +
                         " tallies are exactly 0");
  }
}

void check_tally(const Model& model, const Electorate& electorate, const ArmPlan& plan,
                 const MechanismOutcome& outcome, std::uint64_t replicate,
                 const InvariantSite& site) {
  const std::size_t kc = electorate.proposals;
  const AgentId n = electorate.agents;
  check_decisions(model, outcome, replicate, site);
  // Recount. Per chunk: sum of votes and of |votes| per proposal, then cost, |cost|, voters,
  // |votes| over all proposals, then the arm's counters (cast adds to them; not compared).
  const std::size_t nc = plan.counter_count();
  // After those, sum of squares of positive and of negative votes per proposal, each identity's
  // share apart (the bounds of a connection-oriented or pairwise-bounded tally).
  const std::size_t width = 4 * kc + 4 + nc;
  const std::size_t chunks = num_chunks(n);
  std::vector<double> partial(chunks * width, 0.0);
  parallel_for_agent_chunks(n, [&](std::size_t c, AgentId begin, AgentId end) {
    std::vector<double> votes(kc);
    double* acc = partial.data() + c * width;
    for (AgentId a = begin; a < end; ++a) {
      std::uint32_t identities = 1;
      const double cost = plan.cast_counted(outcome.mechanism, a, votes,
                                            std::span(acc + 4 * kc + 4, nc), identities);
      double abs = 0.0;
      bool voted = false;
      for (std::size_t k = 0; k < kc; ++k) {
        acc[k] += votes[k];
        acc[kc + k] += std::fabs(votes[k]);
        // Her identities cast v / identities each: sum of their squares v^2 / identities.
        acc[2 * kc + 4 + (votes[k] > 0.0 ? 0 : kc) + k] +=
            votes[k] * votes[k] / static_cast<double>(identities);
        abs += std::fabs(votes[k]);
        voted = voted || votes[k] != 0.0;
      }
      acc[2 * kc] += cost;
      acc[2 * kc + 1] += std::fabs(cost);
      acc[2 * kc + 2] += voted ? 1.0 : 0.0;
      acc[2 * kc + 3] += abs;
    }
  });
  std::vector<double> total(width, 0.0);
  for (std::size_t c = 0; c < chunks; ++c) {
    for (std::size_t w = 0; w < 4 * kc + 4; ++w) total[w] += partial[c * width + w];
  }

  // `what` names the quantity; for a tally, `k` is its proposal.
  auto compare = [&](const char* what, std::size_t k, double engine, double recount,
                     double sum_abs) {
    const double tol = order_tolerance(n, sum_abs);
    if (!(std::fabs(engine - recount) <= tol)) {
      invariant_failed("tally.sum", site, kNoAgent,
                       what + (k < kc ? " " + std::to_string(k) : std::string()) + " is " +
                           num(engine) + " but the agents' ballots sum to " + num(recount) +
                           " (tolerance " + num(tol) + ")");
    }
  };
  for (std::size_t k = 0; k < kc; ++k) {
    if (outcome.mechanism != Mechanism::connection_oriented &&
        outcome.mechanism != Mechanism::pairwise_bounded) {
      compare("tally of proposal", k, outcome.tally[k], total[k], total[kc + k]);
      continue;
    }
    // Each side's discounted votes add up to between the root of its sum of squares over
    // identities (one cluster; every pair fully bounded) and its sum (every voter alone; no
    // bound): the tally
    // lies in [sqrt(Q+) - A-, A+ - sqrt(Q-)].
    const double for_sum = (total[kc + k] + total[k]) / 2.0;
    const double against_sum = (total[kc + k] - total[k]) / 2.0;
    const double lo = std::sqrt(total[2 * kc + 4 + k]) - against_sum;
    const double hi = for_sum - std::sqrt(total[3 * kc + 4 + k]);
    const double tol = order_tolerance(n, total[kc + k]);
    if (!(outcome.tally[k] >= lo - tol && outcome.tally[k] <= hi + tol)) {
      invariant_failed("tally.sum", site, kNoAgent,
                       std::string(to_string(outcome.mechanism)) + " tally of proposal " +
                           std::to_string(k) + " is " + num(outcome.tally[k]) +
                           ", outside the bounds [" + num(lo) + ", " + num(hi) +
                           "] the agents' ballots allow (tolerance " + num(tol) + ")");
    }
  }
  compare("spent", kc, outcome.spent, total[2 * kc], total[2 * kc + 1]);
  compare("abs_votes", kc, outcome.abs_votes, total[2 * kc + 3], total[2 * kc + 3]);
  if (static_cast<double>(outcome.voters) != total[2 * kc + 2]) {
    invariant_failed("tally.sum", site, kNoAgent,
                     "voters is " + std::to_string(outcome.voters) + " but " +
                         num(total[2 * kc + 2]) + " agents cast a nonzero vote");
  }
}

}  // namespace qvsim
