#include "agents/coercion.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "agents/beliefs.hpp"
#include "agents/honest.hpp"
#include "agents/integer_votes.hpp"
#include "agents/invariants.hpp"
#include "agents/traits.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim::agents {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

std::vector<AgentId> place_coercers(const CoercionSpec& spec, const ReplicateContext& ctx) {
  const Graph& g = ctx.graph;
  const AgentId n = g.num_agents();
  const std::uint64_t count = spec.coercers.resolve(n);
  const StreamKey key{ctx.model.scenario.seed, ctx.replicate, ctx.arm_key, 0, 0, purpose::coercers};
  std::vector<AgentId> out;
  if (count == 0) return out;
  switch (spec.placement) {
    case Selection::random: {
      Stream rng(key);
      out = choose_random(n, count, rng);
      break;
    }
    case Selection::degree: out = choose_by_degree(g, count); break;
    case Selection::listed: break;  // not a coercer placement: the scenario reader refuses it
    case Selection::block: {
      std::vector<AgentId> pool;
      const auto& blocks = g.blocks();
      for (std::size_t a = 0; a < blocks.size(); ++a) {
        if (blocks[a] == spec.block) pool.push_back(static_cast<AgentId>(a));
      }
      // An empty pool would mean "all agents" to choose_random: no such block, no coercers.
      if (!pool.empty()) {
        Stream rng(key);
        out = choose_random(n, count, rng, pool);
      }
      break;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Agent-major scratch for one agent's honest and instructed votes.
struct Scratch {
  std::vector<double> honest;
  std::vector<double> instructed;
  explicit Scratch(std::size_t k) : honest(k), instructed(k) {}
};

// Everything the rounds need about one threatened agent under one mechanism (struct of arrays).
struct Threats {
  std::vector<AgentId> agent;
  std::vector<std::uint32_t> coercer;
  std::vector<double> loss;
  std::vector<double> detection;
  std::vector<double> credibility;

  std::size_t size() const noexcept { return agent.size(); }
  void push(AgentId a, std::uint32_t c) {
    agent.push_back(a);
    coercer.push_back(c);
    loss.push_back(0.0);
    detection.push_back(1.0);
    credibility.push_back(0.0);
  }
};

class Planner {
 public:
  Planner(const CoercionSpec& spec, const ReplicateContext& ctx, const Prior& prior)
      : spec_(spec),
        ctx_(ctx),
        prior_(prior),
        s_(ctx.model.scenario),
        g_(ctx.graph),
        n_(ctx.graph.num_agents()) {}

  CoercionPlan run() {
    CoercionPlan plan;
    plan.coercers = place_coercers(spec_, ctx_);
    const std::size_t nc = plan.coercers.size();
    for (const AgentId c : plan.coercers) {
      const auto u = ctx_.electorate.of(c);
      plan.agendas.push_back(spec_.shared_agenda ? spec_.agenda : top_agenda(u));
      plan.severity.push_back(
          agent_trait(spec_.severity,
                      StreamKey{s_.seed, ctx_.replicate, ctx_.arm_key, 0, c, purpose::severity}));
    }
    plan_ = &plan;
    for (const Mechanism m : s_.mechanisms) {
      CoercionMechanism cm;
      cm.mechanism = m;
      cm.complied_by_round.assign(std::size_t{spec_.rounds} + 1, 0);
      plan.mechanisms.push_back(std::move(cm));
    }
    if (nc == 0 || spec_.reach == 0 || spec_.capacity == 0) {
      for (auto& cm : plan.mechanisms) cm.threatened_by_round.assign(1, 0);  // round 0: nobody
      return plan;
    }

    is_coercer_.assign(n_, 0);
    for (const AgentId c : plan.coercers) is_coercer_[c] = 1;
    initial_threats();
    cur_.assign(n_, 0);
    if (spec_.rounds > 0 && (spec_.fear_response > 0.0 || spec_.extend_reach)) {
      entry_of_.assign(n_, kNone);
    }
    for (std::size_t mi = 0; mi < s_.mechanisms.size(); ++mi) mechanism(plan.mechanisms[mi]);
    return plan;
  }

 private:
  // Coercers ranked by the strength of their threat: largest severity first, then lower id.
  void rank_coercers() {
    const auto& sev = plan_->severity;
    by_rank_.resize(sev.size());
    std::iota(by_rank_.begin(), by_rank_.end(), std::uint32_t{0});
    std::sort(by_rank_.begin(), by_rank_.end(), [&sev](std::uint32_t a, std::uint32_t b) {
      return sev[a] != sev[b] ? sev[a] > sev[b] : a < b;
    });
    rank_.resize(sev.size());
    for (std::uint32_t r = 0; r < by_rank_.size(); ++r) rank_[by_rank_[r]] = r;
  }

  // A (target, coercer) proposal as one sortable key: by target, then strongest coercer first.
  std::uint64_t proposal(AgentId target, std::uint32_t coercer) const {
    return std::uint64_t{target} << 32 | rank_[coercer];
  }
  static AgentId target_of(std::uint64_t key) { return static_cast<AgentId>(key >> 32); }
  std::uint32_t coercer_of(std::uint64_t key) const {
    return by_rank_[static_cast<std::uint32_t>(key & 0xffffffffu)];
  }
  static void sort_unique(std::vector<std::uint64_t>& keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }

  void initial_threats() {
    const std::size_t nc = plan_->coercers.size();
    std::vector<std::vector<AgentId>> lists(nc);
    // Each coercer's search is independent and writes only its own list.
    parallel_for_index(
        std::size_t{0}, nc,
        [&](std::size_t i) {
          lists[i] =
              threat_targets(g_, plan_->coercers[i], spec_.reach, spec_.capacity, is_coercer_);
        },
        std::size_t{16});
    rank_coercers();
    std::vector<std::uint64_t> keys;
    for (std::size_t i = 0; i < nc; ++i) {
      for (const AgentId t : lists[i]) keys.push_back(proposal(t, static_cast<std::uint32_t>(i)));
    }
    sort_unique(keys);
    assigned_.assign(nc, 0);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i > 0 && target_of(keys[i]) == target_of(keys[i - 1])) continue;  // a weaker threat
      const std::uint32_t c = coercer_of(keys[i]);
      initial_.push(target_of(keys[i]), c);
      ++assigned_[c];
    }
  }

  bool complies(const Threats& t, std::size_t j) const {
    const double sanction = plan_->severity[t.coercer[j]] * t.credibility[j] * t.detection[j];
    return sanction > 0.0 && sanction > std::max(0.0, t.loss[j]);
  }

  // Loss and detection of entries [from, size) under mechanism m.
  void describe(Mechanism m, Threats& t, std::size_t from) const {
    const MechanismBelief& belief = ctx_.belief(m);
    const std::size_t count = t.size() - from;
    parallel_for_agent_chunks(static_cast<AgentId>(count), [&](std::size_t, AgentId b, AgentId e) {
      Scratch x(s_.proposals);
      for (AgentId i = b; i < e; ++i) {
        const std::size_t j = from + i;
        const AgentId a = t.agent[j];
        const auto u = ctx_.electorate.of(a);
        const Voter voter = voter_of(s_, ctx_.replicate, a, u);
        // Against the ballot she would otherwise cast in this arm (her honest one, her
        // coalition's, the one she was paid for), giving up what holds her to it.
        honest_votes(m, s_.budget, belief, voter, x.honest);
        const Hold hold = prior_.otherwise(m, a, voter, belief, x.honest);
        instructed_votes(m, s_.budget, voter.credits, plan_->agendas[t.coercer[j]],
                         spec_.demanded_votes, x.honest, x.instructed);
        t.loss[j] = private_loss(m, s_.budget, belief, voter, x.honest, x.instructed) + hold.stake;
        t.detection[j] = detection(a);
      }
    });
  }

  // The detection agent a faces: 1 under public, the audit share under provable, her belief under
  // secret, and under maci 1 if she hands the coercer her key (a refusal is seen), else 0: she
  // knows a key change overrides whatever she is made to cast.
  double detection(AgentId a) const {
    switch (s_.ballot) {
      case qvsim::Ballot::public_ballot: return 1.0;
      case qvsim::Ballot::provable: return spec_.audit;
      case qvsim::Ballot::maci: return maci_detection(spec_.key_surrender, s_, ctx_.replicate, a);
      case qvsim::Ballot::secret: break;
    }
    return agent_trait(spec_.perceived_detection,
                       StreamKey{s_.seed, ctx_.replicate, 0, 0, a, purpose::belief});
  }

  // Threats extended by the agents who began complying in the last round, effective now.
  // Agents complying earlier already proposed their neighbours: the coercers that could not take
  // them then are still full, so proposing again would change nothing.
  void extend(Mechanism m, Threats& t, std::vector<std::uint32_t>& room,
              const std::vector<AgentId>& fresh) {
    std::vector<std::uint64_t> keys;
    for (const AgentId a : fresh) {
      const std::uint32_t c = t.coercer[entry_of_[a]];
      for (const AgentId b : g_.neighbors(a)) {
        if (is_coercer_[b] == 0 && entry_of_[b] == kNone) keys.push_back(proposal(b, c));
      }
    }
    sort_unique(keys);
    const std::size_t before = t.size();
    AgentId last = kNone;
    for (const std::uint64_t key : keys) {
      const AgentId b = target_of(key);
      const std::uint32_t c = coercer_of(key);
      if (b == last || room[c] == 0) continue;  // taken, or this coercer is full: try the next
      last = b;
      --room[c];
      entry_of_[b] = static_cast<std::uint32_t>(t.size());
      t.push(b, c);
    }
    describe(m, t, before);
  }

  void mechanism(CoercionMechanism& out) {
    const Mechanism m = out.mechanism;
    Threats t = initial_;
    std::vector<std::uint32_t> room(assigned_.size());
    for (std::size_t i = 0; i < room.size(); ++i) room[i] = spec_.capacity - assigned_[i];
    describe(m, t, 0);

    // Round 0, at the base credibility. `fresh`: agents who began complying in the last round.
    std::vector<AgentId> fresh;
    std::uint64_t count = 0;
    for (std::size_t j = 0; j < t.size(); ++j) {
      t.credibility[j] = spec_.credibility;
      if (complies(t, j)) {
        cur_[t.agent[j]] = 1;
        fresh.push_back(t.agent[j]);
        ++count;
      }
    }
    out.complied_by_round[0] = count;
    out.threatened_by_round.push_back(t.size());

    // Rounds. An agent's next state depends only on her own threat and her neighbours'
    // compliance, so only the threatened neighbours of agents who changed, and the newly
    // threatened, can change: the others are carried over (the same result as recomputing every
    // agent). Compliance only ever switches on: threats only grow and credibility only rises.
    const bool moving = spec_.fear_response > 0.0 || spec_.extend_reach;
    if (moving && spec_.rounds > 0) {
      for (std::size_t j = 0; j < t.size(); ++j) {
        entry_of_[t.agent[j]] = static_cast<std::uint32_t>(j);
      }
    }
    std::vector<std::uint32_t> active;
    std::vector<std::uint8_t> marked;  // by entry: already in `active`
    std::vector<std::uint8_t> next;
    for (std::uint32_t round = 1; round <= spec_.rounds; ++round) {
      if (!moving || fresh.empty()) {  // a fixed point: every later round is the same
        out.complied_by_round[round] = count;
        continue;
      }
      const std::size_t before = t.size();
      if (spec_.extend_reach) extend(m, t, room, fresh);
      // Each once, in an order fixed by `fresh` (itself in a fixed order), never by threads.
      active.clear();
      marked.resize(t.size(), 0);
      if (spec_.fear_response > 0.0) {
        for (const AgentId a : fresh) {
          for (const AgentId b : g_.neighbors(a)) {
            const std::uint32_t e = entry_of_[b];
            if (e < before && marked[e] == 0) {
              marked[e] = 1;
              active.push_back(e);
            }
          }
        }
      }
      for (const std::uint32_t e : active) marked[e] = 0;
      for (std::size_t j = before; j < t.size(); ++j) {
        active.push_back(static_cast<std::uint32_t>(j));
      }
      // Synchronous: every agent reads the last round's state (cur_) and writes her own slot;
      // the new states are applied only after all are computed.
      next.assign(active.size(), 0);
      parallel_for_agents(static_cast<AgentId>(active.size()), [&](AgentId i) {
        const std::uint32_t j = active[i];
        const AgentId a = t.agent[j];
        const std::uint32_t deg = g_.degree(a);
        std::uint32_t scared = 0;
        for (const AgentId b : g_.neighbors(a)) scared += cur_[b];
        const double share = deg > 0 ? static_cast<double>(scared) / deg : 0.0;
        t.credibility[j] = std::min(1.0, spec_.credibility + spec_.fear_response * share);
        next[i] = complies(t, j) ? 1 : 0;
      });
      fresh.clear();
      for (std::size_t i = 0; i < active.size(); ++i) {
        const AgentId a = t.agent[active[i]];
        assert(next[i] >= cur_[a]);
        if (next[i] != cur_[a]) {
          cur_[a] = 1;
          fresh.push_back(a);
          ++count;
        }
      }
      out.complied_by_round[round] = count;
      out.threatened_by_round.push_back(t.size());
    }

    // Sanctions, then the output in ascending agent order. A defiance is seen under public,
    // under provable when the coercer checks her (her audit coin), under maci when she handed him
    // her key (he holds her ballot, so he sees her defiance), never under secret.
    const bool provable = s_.ballot == qvsim::Ballot::provable;
    std::vector<std::size_t> order(t.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&t](std::size_t x, std::size_t y) { return t.agent[x] < t.agent[y]; });
    for (const std::size_t j : order) {
      const AgentId a = t.agent[j];
      const std::uint8_t obeyed = cur_[a];
      std::uint8_t punished = 0;
      bool detected = s_.ballot == qvsim::Ballot::public_ballot ||
                      surrenders_key(spec_.key_surrender, s_, ctx_.replicate, a);
      if (provable) {
        Stream coin(StreamKey{s_.seed, ctx_.replicate, ctx_.arm_key, purpose::kAuditCoercer, a,
                              purpose::audit});
        detected = coin.uniform() < spec_.audit;
        out.checked += detected ? 1 : 0;
      }
      // A threat of severity 0 carries no sanction to carry out.
      if (obeyed == 0 && detected && plan_->severity[t.coercer[j]] > 0.0) {
        Stream coin(StreamKey{s_.seed, ctx_.replicate, ctx_.arm_key, 0, a, purpose::obey_coin});
        punished = coin.bernoulli(t.credibility[j]) ? 1 : 0;
      }
      out.threatened.push_back(a);
      out.coercer.push_back(t.coercer[j]);
      out.complied.push_back(obeyed);
      out.punished.push_back(punished);
      out.credibility.push_back(t.credibility[j]);
      out.loss.push_back(t.loss[j]);
      out.complied_count += obeyed;
      out.punished_count += punished;
      if (punished != 0) out.harm += plan_->severity[t.coercer[j]];
    }
    // Leave the dense buffers clean for the next mechanism.
    for (const AgentId a : t.agent) cur_[a] = 0;
    if (!entry_of_.empty()) {
      for (const AgentId a : t.agent) entry_of_[a] = kNone;
    }
  }

  const CoercionSpec& spec_;
  const ReplicateContext& ctx_;
  const Prior& prior_;
  const Scenario& s_;
  const Graph& g_;
  AgentId n_;
  CoercionPlan* plan_ = nullptr;
  std::vector<std::uint8_t> is_coercer_;
  std::vector<std::uint8_t> cur_;        // complying now, by agent
  std::vector<std::uint32_t> entry_of_;  // agent -> index in the threats, kNone (rounds only)
  Threats initial_;
  std::vector<std::uint32_t> assigned_;  // agents initially assigned to each coercer
  std::vector<std::uint32_t> rank_;      // coercer -> strength rank (0: strongest)
  std::vector<std::uint32_t> by_rank_;   // strength rank -> coercer
};

}  // namespace

double instructed_votes(Mechanism m, const BudgetSpec& budget, double credits, const Agenda& agenda,
                        double demanded_votes, std::span<const double> base,
                        std::span<double> out) {
  assert(agenda.proposal < out.size());
  const double dir = agenda.direction < 0 ? -1.0 : 1.0;
  if (m == Mechanism::one_person_one_vote) {
    assert(base.size() == out.size());
    if (out.data() != base.data()) std::copy(base.begin(), base.end(), out.begin());
    out[agenda.proposal] = dir;
    double cast = 0.0;
    for (const double v : out) cast += std::fabs(v);
    return cast;
  }
  std::fill(out.begin(), out.end(), 0.0);
  if (m == Mechanism::linear) {
    out[agenda.proposal] = dir * credits;
    return credits;
  }
  double v = demanded_votes;
  if (budget.kind == BudgetKind::credits) {
    // With whole votes, all on one proposal, the largest n with n^2 <= B is the best there is.
    v = budget.integer_votes ? largest_whole_vote(credits) : std::sqrt(credits);
  }
  out[agenda.proposal] = dir * v;
  return v * v;
}

Agenda top_agenda(std::span<const double> u) noexcept {
  Agenda a{0, 1};
  double best = -1.0;
  for (std::size_t k = 0; k < u.size(); ++k) {
    if (std::fabs(u[k]) > best) {
      best = std::fabs(u[k]);
      a.proposal = static_cast<std::uint32_t>(k);
      a.direction = u[k] < 0.0 ? -1 : 1;
    }
  }
  return a;
}

std::vector<AgentId> threat_targets(const Graph& graph, AgentId source, std::uint32_t reach,
                                    std::uint32_t capacity,
                                    std::span<const std::uint8_t> is_coercer) {
  std::vector<AgentId> targets;
  if (reach == 0 || capacity == 0) return targets;
  std::vector<AgentId> seen{source};  // sorted: every agent found so far
  std::vector<AgentId> frontier{source};
  std::vector<AgentId> level;
  std::vector<AgentId> merged;
  for (std::uint32_t d = 1; d <= reach && !frontier.empty(); ++d) {
    level.clear();
    for (const AgentId x : frontier) {
      const auto nb = graph.neighbors(x);
      level.insert(level.end(), nb.begin(), nb.end());
    }
    std::sort(level.begin(), level.end());
    level.erase(std::unique(level.begin(), level.end()), level.end());
    level.erase(std::remove_if(
                    level.begin(), level.end(),
                    [&seen](AgentId y) { return std::binary_search(seen.begin(), seen.end(), y); }),
                level.end());
    for (const AgentId y : level) {
      if (is_coercer[y] != 0) continue;
      targets.push_back(y);
      if (targets.size() == capacity) return targets;
    }
    if (d == reach) break;
    merged.clear();
    std::merge(seen.begin(), seen.end(), level.begin(), level.end(), std::back_inserter(merged));
    seen.swap(merged);
    frontier.swap(level);
  }
  return targets;
}

CoercionPlan plan_coercion(const CoercionSpec& spec, const ReplicateContext& context,
                           const Prior& prior) {
  return Planner(spec, context, prior).run();
}

}  // namespace qvsim::agents
