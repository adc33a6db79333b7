#include "agents/collusion.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "agents/beliefs.hpp"
#include "agents/honest.hpp"
#include "agents/invariants.hpp"
#include "agents/traits.hpp"
#include "sim/parallel.hpp"

namespace qvsim::agents {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Largest |u_k|, lowest index among equals; 0 when all values are 0.
std::uint32_t top_proposal(std::span<const double> u) {
  std::uint32_t top = 0;
  for (std::uint32_t k = 1; k < u.size(); ++k)
    if (std::fabs(u[k]) > std::fabs(u[top])) top = k;
  return top;
}

// How much agent `u` wants to join coalition (k, dir): aligned offers beat trades; within a kind
// the larger stake wins. `none` when she declines.
struct Offer {
  int kind = -1;  // 1 aligned, 0 trade, -1 none
  double stake = 0.0;
  bool better_than(const Offer& o) const {
    return kind != o.kind ? kind > o.kind : stake > o.stake;
  }
};

Offer evaluate(std::span<const double> u, std::uint32_t k, int dir, bool logrolling) {
  const double support = dir * u[k];
  if (support >= 0.0) return {1, support};
  if (!logrolling) return {};
  const std::uint32_t own = top_proposal(u);
  const double gain = std::fabs(u[own]);
  if (own != k && gain > -support) return {0, gain + support};
  return {};
}

}  // namespace

Coalitions form_coalitions(const CollusionSpec& spec, const ReplicateContext& ctx) {
  const Graph& g = ctx.graph;
  const Electorate& e = ctx.electorate;
  const Scenario& s = ctx.model.scenario;
  const AgentId n = g.num_agents();
  Coalitions c;
  c.coalition_of.assign(n, kNoCoalition);

  const std::uint64_t count = spec.organizers.resolve(n);
  std::vector<AgentId> organizers;
  if (spec.selection == Selection::degree) {
    organizers = choose_by_degree(g, count);
  } else if (spec.selection == Selection::listed) {
    // Edge-list ids were remapped in ascending order, so an id's agent is its rank; freeze()
    // checked that every listed id is a node.
    const auto& ids = g.original_ids();
    for (const std::uint64_t id : spec.organizer_ids) {
      const auto it = std::lower_bound(ids.begin(), ids.end(), id);
      if (it != ids.end() && *it == id)
        organizers.push_back(static_cast<AgentId>(it - ids.begin()));
    }
  } else {
    Stream rng(StreamKey{s.seed, ctx.replicate, ctx.arm_key, 0, 0, purpose::organizers});
    organizers = choose_random(n, count, rng);
  }
  for (AgentId o : organizers) {
    const auto u = e.of(o);
    const std::uint32_t k = top_proposal(u);
    c.coalition_of[o] = static_cast<std::uint32_t>(c.members.size());
    c.members.push_back({o});
    c.proposal.push_back(k);
    c.direction.push_back(u[k] < 0.0 ? -1 : 1);
  }

  std::vector<std::uint8_t> seen(n, 0);
  std::vector<AgentId> candidates;
  std::vector<std::uint32_t> choice;
  for (std::uint32_t round = 0; round < spec.rounds; ++round) {
    // Invitations go from members of coalitions with room to their free neighbours (state t).
    candidates.clear();
    for (std::size_t id = 0; id < c.members.size(); ++id) {
      if (c.members[id].size() >= spec.max_size) continue;
      for (AgentId m : c.members[id]) {
        for (AgentId j : g.neighbors(m)) {
          if (c.coalition_of[j] == kNoCoalition && !seen[j]) {
            seen[j] = 1;
            candidates.push_back(j);
          }
        }
      }
    }
    if (candidates.empty()) break;
    std::sort(candidates.begin(), candidates.end());
    for (AgentId j : candidates) seen[j] = 0;

    // Every candidate decides in parallel, reading only state t.
    choice.assign(candidates.size(), kNoCoalition);
    parallel_for_index(std::size_t{0}, candidates.size(), [&](std::size_t i) {
      const AgentId a = candidates[i];
      const auto u = e.of(a);
      Offer best;
      std::uint32_t pick = kNoCoalition;
      for (AgentId b : g.neighbors(a)) {
        const std::uint32_t id = c.coalition_of[b];
        if (id == kNoCoalition || c.members[id].size() >= spec.max_size) continue;
        const Offer o = evaluate(u, c.proposal[id], c.direction[id], spec.logrolling);
        if (o.kind < 0) continue;
        if (pick == kNoCoalition || o.better_than(best) || (!best.better_than(o) && id < pick)) {
          best = o;
          pick = id;
        }
      }
      choice[i] = pick;
    });

    // Joins gathered as messages and granted in ascending agent id while there is room.
    bool joined = false;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const std::uint32_t id = choice[i];
      if (id == kNoCoalition || c.members[id].size() >= spec.max_size) continue;
      c.coalition_of[candidates[i]] = id;
      c.members[id].push_back(candidates[i]);
      joined = true;
    }
    c.rounds_run = round + 1;
    if (!joined) break;
  }

  const std::size_t kc = e.proposals;
  c.totals.assign(c.members.size() * kc, 0.0);
  parallel_for_index(std::size_t{0}, c.members.size(), [&](std::size_t id) {
    double* t = c.totals.data() + id * kc;
    for (AgentId m : c.members[id]) {
      const auto u = e.of(m);
      for (std::size_t k = 0; k < kc; ++k) t[k] += u[k];
    }
  });
  return c;
}

namespace {

// Counters: members, defectors, |votes| cast by members.
enum CollusionCounter : std::size_t { kMembers, kDefectors, kMemberAbsVotes, kCollusionCounters };

class Collusion final : public Component {
 public:
  Collusion(const CollusionSpec& spec, const ReplicateContext& ctx)
      : spec_(spec),
        electorate_(ctx.electorate),
        scenario_(ctx.model.scenario),
        budget_(ctx.model.scenario.budget),
        beliefs_(ctx.beliefs),
        enforced_(ctx.model.scenario.ballot != qvsim::Ballot::secret),
        seed_(ctx.model.scenario.seed),
        replicate_(ctx.replicate),
        arm_key_(ctx.arm_key),
        coalitions_(form_coalitions(spec, ctx)),
        site_(kInvariantsEnabled ? invariant_site(ctx) : InvariantSite{}) {
    if constexpr (kInvariantsEnabled) {
      check_coalitions(coalitions_, electorate_, spec_.max_size, site_);
    }
  }

  std::size_t counter_count() const override { return kCollusionCounters; }

  // A member's votes as a coalition member (internalized values, her own budget) when she obeys;
  // her honest votes when she defects. Returns whether she obeyed.
  bool member_votes(Mechanism m, AgentId a, const MechanismBelief& belief, const Voter& voter,
                    std::span<const double> honest, double honest_cost, std::span<double> out,
                    double& cost) const {
    const std::size_t kc = electorate_.proposals;
    const auto u = voter.u;
    const double* total = coalitions_.totals.data() + coalitions_.coalition_of[a] * kc;
    thread_local std::vector<double> internal;
    internal.resize(kc);
    const double lambda = spec_.internalization;
    for (std::size_t k = 0; k < kc; ++k) internal[k] = u[k] + lambda * (total[k] - u[k]);
    const double w_cost =
        honest_votes(m, budget_, belief, Voter{internal, voter.credits, voter.lambda}, out);
    if (obeys(m, a, belief, voter, honest, out)) {
      cost = w_cost;
      return true;
    }
    std::copy(honest.begin(), honest.end(), out.begin());
    cost = honest_cost;
    return false;
  }

  void apply(Cast& b, std::span<double> counters) const override {
    if (coalitions_.coalition_of[b.agent] == kNoCoalition) return;
    const bool obeyed =
        member_votes(b.mechanism, b.agent, b.belief, b.voter, b.honest, b.cost, b.votes, b.cost);
    counters[kMembers] += 1.0;
    counters[kDefectors] += obeyed ? 0.0 : 1.0;
    double abs = 0.0;
    for (double v : b.votes) abs += std::fabs(v);
    counters[kMemberAbsVotes] += abs;
  }

  void metrics(Mechanism m, std::span<const double> sums, const MechanismOutcome& outcome,
               std::vector<double>& out) const override {
    if constexpr (kInvariantsEnabled) {
      InvariantSite site = site_;
      site.mechanism = m;
      check_collusion_counts(coalitions_, sums[kMembers], sums[kDefectors], enforced_, site);
    }
    const auto& members = coalitions_.members;
    std::size_t largest = 0;
    for (const auto& c : members) largest = std::max(largest, c.size());
    const double n = static_cast<double>(electorate_.agents);
    const double colluders = sums[kMembers];
    out.push_back(static_cast<double>(members.size()));
    out.push_back(members.empty() ? kNaN : colluders / static_cast<double>(members.size()));
    out.push_back(static_cast<double>(largest));
    out.push_back(colluders / n);
    out.push_back(colluders > 0 ? sums[kDefectors] / colluders : kNaN);
    out.push_back(m == Mechanism::quadratic ? credits_saved(m) : kNaN);
    const double vote_share =
        outcome.abs_votes > 0 ? sums[kMemberAbsVotes] / outcome.abs_votes : kNaN;
    out.push_back(colluders > 0 ? vote_share / (colluders / n) : kNaN);
  }

 private:
  bool obeys(Mechanism m, AgentId a, const MechanismBelief& belief, const Voter& voter,
             std::span<const double> honest, std::span<const double> w) const {
    if (enforced_) return true;
    // The same draws in every mechanism: a disposition does not depend on the ballot's rule.
    Stream coop(StreamKey{seed_, replicate_, arm_key_, 0, a, purpose::cooperation});
    const double disposition = trait_value(spec_.cooperation, coop.uniform());
    if (coop.uniform() < disposition) return true;
    const double detection = agent_trait(spec_.perceived_detection,
                                         StreamKey{seed_, replicate_, 0, 0, a, purpose::belief});
    return detection * spec_.sanction > private_loss(m, budget_, belief, voter, honest, w);
  }

  // Sum over coalitions of what one voter would pay for the coalition's summed votes, minus what
  // its members paid (quadratic cost).
  double credits_saved(Mechanism m) const {
    const std::size_t kc = electorate_.proposals;
    std::vector<double> saved(coalitions_.members.size(), 0.0);
    const MechanismBelief& belief = belief_for(beliefs_, m);
    parallel_for_index(std::size_t{0}, saved.size(), [&](std::size_t id) {
      std::vector<double> sum(kc, 0.0), honest(kc), votes(kc);
      double paid = 0.0;
      for (AgentId a : coalitions_.members[id]) {
        const Voter voter = voter_of(scenario_, replicate_, a, electorate_.of(a));
        const double hc = honest_votes(m, budget_, belief, voter, honest);
        double cost = 0.0;
        member_votes(m, a, belief, voter, honest, hc, votes, cost);
        paid += cost;
        for (std::size_t k = 0; k < kc; ++k) sum[k] += votes[k];
      }
      double single = 0.0;
      for (double v : sum) single += v * v;
      saved[id] = single - paid;
    });
    double total = 0.0;
    for (double x : saved) total += x;
    return total;
  }

  const CollusionSpec& spec_;
  const Electorate& electorate_;
  const Scenario& scenario_;
  const BudgetSpec& budget_;
  std::span<const MechanismBelief> beliefs_;
  bool enforced_;
  std::uint64_t seed_;
  std::uint64_t replicate_;
  std::uint32_t arm_key_;
  Coalitions coalitions_;
  InvariantSite site_;
};

class CollusionFactory final : public ComponentFactory {
 public:
  explicit CollusionFactory(const CollusionSpec& spec) : spec_(spec) {}
  std::vector<std::string> metric_names() const override {
    return {"coalitions",     "coalition_size_mean", "coalition_size_max", "colluding_share",
            "defection_rate", "credits_saved",       "influence_ratio"};
  }
  std::unique_ptr<const Component> make(const ReplicateContext& ctx) const override {
    return std::make_unique<Collusion>(spec_, ctx);
  }

 private:
  CollusionSpec spec_;
};

// Counters: sybils, extra identities, identity cost paid.
enum SybilCounter : std::size_t { kSybils, kIdentities, kIdentityCost, kSybilCounters };

class Sybils final : public Component {
 public:
  Sybils(const SybilSpec& spec, const ReplicateContext& ctx)
      : spec_(spec),
        seed_(ctx.model.scenario.seed),
        replicate_(ctx.replicate),
        arm_key_(ctx.arm_key) {}

  std::size_t counter_count() const override { return kSybilCounters; }

  void apply(Cast& b, std::span<double> counters) const override {
    Stream coin(StreamKey{seed_, replicate_, arm_key_, 0, b.agent, purpose::sybil});
    if (!(coin.uniform() < spec_.share)) return;
    const auto k = static_cast<double>(spec_.identities);
    for (double& v : b.votes) v *= k;
    const double extra = (k - 1.0) * spec_.identity_cost;
    b.cost = b.cost * k + extra;
    counters[kSybils] += 1.0;
    counters[kIdentities] += k - 1.0;
    counters[kIdentityCost] += extra;
    b.identities = spec_.identities;
    b.identity_fee = extra;
  }

  void metrics(Mechanism, std::span<const double> sums, const MechanismOutcome&,
               std::vector<double>& out) const override {
    out.push_back(sums[kSybils]);
    out.push_back(sums[kIdentities]);
    out.push_back(sums[kIdentityCost]);
  }

 private:
  const SybilSpec& spec_;
  std::uint64_t seed_;
  std::uint64_t replicate_;
  std::uint32_t arm_key_;
};

class SybilFactory final : public ComponentFactory {
 public:
  explicit SybilFactory(const SybilSpec& spec) : spec_(spec) {}
  std::vector<std::string> metric_names() const override {
    return {"sybils", "sybil_identities", "sybil_identity_cost"};
  }
  std::unique_ptr<const Component> make(const ReplicateContext& ctx) const override {
    return std::make_unique<Sybils>(spec_, ctx);
  }

 private:
  SybilSpec spec_;
};

}  // namespace

std::unique_ptr<const ComponentFactory> make_collusion(const CollusionSpec& spec) {
  return std::make_unique<CollusionFactory>(spec);
}

std::unique_ptr<const ComponentFactory> make_sybils(const SybilSpec& spec) {
  return std::make_unique<SybilFactory>(spec);
}

}  // namespace qvsim::agents
