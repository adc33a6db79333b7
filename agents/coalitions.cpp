// Coalition formation as trades, and exit (agents/collusion.hpp states the rules).
#include <algorithm>
#include <cmath>
#include <utility>

#include "agents/beliefs.hpp"
#include "agents/collusion.hpp"
#include "agents/honest.hpp"
#include "agents/traits.hpp"
#include "sim/parallel.hpp"

namespace qvsim::agents {
namespace {

// Largest |u_k|, lowest index among equals; 0 when all values are 0.
std::uint32_t top_proposal(std::span<const double> u) {
  std::uint32_t top = 0;
  for (std::uint32_t k = 1; k < u.size(); ++k)
    if (std::fabs(u[k]) > std::fabs(u[top])) top = k;
  return top;
}

class Former {
 public:
  Former(const CollusionSpec& spec, const ReplicateContext& ctx, Mechanism m, Recruiting how)
      : how_(how),
        spec_(spec),
        ctx_(ctx),
        s_(ctx.model.scenario),
        e_(ctx.electorate),
        g_(ctx.graph),
        m_(m),
        belief_(ctx.belief(m)),
        kc_(ctx.electorate.proposals),
        lambda_(spec.internalization) {}

  Coalitions run() {
    found();
    record_round();  // the founders
    recruit();
    leave();
    return std::move(c_);
  }

 private:
  std::span<const double> row(const std::vector<double>& v, std::size_t id) const {
    return {v.data() + id * kc_, kc_};
  }

  void found() {
    const AgentId n = g_.num_agents();
    c_.mechanism = m_;
    c_.coalition_of.assign(n, kNoCoalition);
    const std::uint64_t count = spec_.organizers.resolve(n);
    std::vector<AgentId> organizers;
    if (spec_.selection == Selection::degree) {
      organizers = choose_by_degree(g_, count);
    } else if (spec_.selection == Selection::listed) {
      // Edge-list ids were remapped in ascending order, so an id's agent is its rank; freeze()
      // checked that every listed id is a node.
      const auto& ids = g_.original_ids();
      for (const std::uint64_t id : spec_.organizer_ids) {
        const auto it = std::lower_bound(ids.begin(), ids.end(), id);
        if (it != ids.end() && *it == id)
          organizers.push_back(static_cast<AgentId>(it - ids.begin()));
      }
    } else {
      Stream rng(StreamKey{s_.seed, ctx_.replicate, ctx_.arm_key, 0, 0, purpose::organizers});
      organizers = choose_random(n, count, rng);
    }
    const std::size_t nc = organizers.size();
    c_.members.resize(nc);
    c_.gain.resize(nc);
    c_.loss.resize(nc);
    count_.assign(nc * kc_, 0);
    honest_.resize(nc);
    ballot_.resize(nc);
    shift_.assign(nc * kc_, 0.0);
    dirty_.assign(nc, 1);
    for (std::size_t id = 0; id < nc; ++id) {
      const AgentId o = organizers[id];
      const auto u = e_.of(o);
      const std::uint32_t k = top_proposal(u);
      c_.coalition_of[o] = static_cast<std::uint32_t>(id);
      c_.members[id].push_back(o);
      c_.organizer.push_back(o);
      c_.proposal.push_back(k);
      c_.direction.push_back(u[k] < 0.0 ? -1 : 1);
      ++count_[id * kc_ + k];  // the founding cause, for good
      if (spec_.logrolling) ++count_[id * kc_ + k];
    }
    c_.causes.assign(nc * kc_, 0);
    c_.totals.assign(nc * kc_, 0.0);
  }

  // Totals, causes, every member's honest and coalition ballots and the coalition's shift, from
  // its member list; for the coalitions flagged dirty (then clean).
  void refresh() {
    parallel_for_index(std::size_t{0}, c_.members.size(), [&](std::size_t id) {
      if (dirty_[id] == 0) return;
      const auto& list = c_.members[id];
      double* t = c_.totals.data() + id * kc_;
      std::fill(t, t + kc_, 0.0);
      for (const AgentId a : list) {
        const auto u = e_.of(a);
        for (std::size_t k = 0; k < kc_; ++k) t[k] += u[k];
      }
      for (std::size_t k = 0; k < kc_; ++k) c_.causes[id * kc_ + k] = count_[id * kc_ + k] > 0;
      auto& h = honest_[id];
      auto& b = ballot_[id];
      const std::size_t known = h.size() / kc_;  // members whose honest ballot is cached
      h.resize(list.size() * kc_);
      b.resize(list.size() * kc_);
      std::vector<double> internal(kc_);
      double* d = shift_.data() + id * kc_;
      std::fill(d, d + kc_, 0.0);
      for (std::size_t i = 0; i < list.size(); ++i) {
        const auto u = e_.of(list[i]);
        const Voter voter = voter_of(s_, ctx_.replicate, list[i], u);
        const std::span<double> hi(h.data() + i * kc_, kc_);
        const std::span<double> bi(b.data() + i * kc_, kc_);
        if (i >= known) honest_votes(m_, s_.budget, belief_, voter, hi);
        coalition_values(u, row(c_.totals, id), row_causes(id), lambda_, internal);
        honest_votes(m_, s_.budget, belief_, Voter{internal, voter.credits, voter.lambda}, bi);
        for (std::size_t k = 0; k < kc_; ++k) d[k] += bi[k] - hi[k];
      }
    });
  }

  std::span<const std::uint8_t> row_causes(std::size_t id) const {
    return {c_.causes.data() + id * kc_, kc_};
  }

  // What agent a estimates she would gain minus lose in coalition id (state of the last round);
  // sets `ok` when the estimated gain is at least the loss.
  double estimate(std::span<const double> u, const Voter& voter, std::span<const double> h,
                  std::uint32_t own, std::size_t id, std::vector<double>& internal,
                  std::vector<double>& b, bool& ok) const {
    const double* t = c_.totals.data() + id * kc_;
    const double* d = shift_.data() + id * kc_;
    const auto n = static_cast<double>(c_.members[id].size());
    for (std::size_t k = 0; k < kc_; ++k) {
      const bool cause = c_.causes[id * kc_ + k] != 0 || (spec_.logrolling && k == own);
      internal[k] = cause ? u[k] + lambda_ * t[k] : u[k];
    }
    honest_votes(m_, s_.budget, belief_, Voter{internal, voter.credits, voter.lambda}, b);
    const double loss = private_loss(m_, s_.budget, belief_, voter, h, b);
    double gain = 0.0;
    for (std::size_t k = 0; k < kc_; ++k) {
      double shift = d[k];
      const bool was = c_.causes[id * kc_ + k] != 0;
      if ((was || (spec_.logrolling && k == own)) && u[k] != 0.0) {
        // Change of the current members' summed internalized values once she is in.
        const double more = was ? lambda_ * n * u[k] : lambda_ * ((n - 1.0) * t[k] + n * u[k]);
        shift += h[k] / u[k] * more;
      }
      if (u[k] != 0.0 && shift != 0.0) gain += u[k] * belief_.gain(k, b[k], b[k] + shift);
    }
    ok = trade_pays(gain, loss);
    return gain - loss;
  }

  // Candidates decided in parallel between checks of which coalitions are full; a fixed size, so
  // the blocks do not depend on the thread count (nor does the result: see recruit()).
  static constexpr std::size_t kCandidateBlock = 4096;

  // The coalition candidate a would join, judged on the state at the start of the round
  // (`size`: members then), or kNoCoalition: among her neighbours' coalitions that had room,
  // the one whose trade she estimates best (lowest id among equals), if it pays.
  std::uint32_t pick(AgentId a, std::span<const std::uint32_t> size) const {
    const auto u = e_.of(a);
    const Voter voter = voter_of(s_, ctx_.replicate, a, u);
    thread_local std::vector<double> h, b, internal;  // scratch only
    h.resize(kc_);
    b.resize(kc_);
    internal.resize(kc_);
    honest_votes(m_, s_.budget, belief_, voter, h);
    const std::uint32_t own = top_proposal(u);
    thread_local std::vector<std::uint32_t> tried;
    tried.clear();
    double best = 0.0;
    std::uint32_t pick = kNoCoalition;
    for (const AgentId x : g_.neighbors(a)) {
      const std::uint32_t id = c_.coalition_of[x];
      if (id == kNoCoalition || size[id] >= spec_.max_size ||
          std::find(tried.begin(), tried.end(), id) != tried.end()) {
        continue;
      }
      tried.push_back(id);
      bool ok = false;
      const double surplus = estimate(u, voter, h, own, id, internal, b, ok);
      if (ok && (pick == kNoCoalition || surplus > best || (surplus == best && id < pick))) {
        best = surplus;
        pick = id;
      }
    }
    return pick;
  }

  void recruit() {
    const AgentId n = g_.num_agents();
    std::vector<std::uint8_t> seen(n, 0);
    std::vector<AgentId> candidates;
    std::vector<std::uint32_t> choice;
    std::vector<std::pair<AgentId, std::uint32_t>> joins;  // (candidate, coalition) in order
    for (std::uint32_t round = 0; round < spec_.rounds; ++round) {
      // Only a coalition that changed can change a free neighbour's decision: the others offer
      // what they offered (and have no more room than) last round. A coalition that filled up
      // changed too: its neighbours who wanted it may now want their next best.
      // Nobody can join once every coalition is full: the round would change nothing.
      const bool any_room = std::any_of(c_.members.begin(), c_.members.end(),
                                        [&](const auto& l) { return l.size() < spec_.max_size; });
      if (!any_room) break;
      candidates.clear();
      for (std::size_t id = 0; id < c_.members.size(); ++id) {
        if (dirty_[id] == 0) continue;
        for (const AgentId m : c_.members[id]) {
          for (const AgentId j : g_.neighbors(m)) {
            if (c_.coalition_of[j] == kNoCoalition && seen[j] == 0) {
              seen[j] = 1;
              candidates.push_back(j);
            }
          }
        }
      }
      refresh();
      if (candidates.empty()) break;
      if (candidates.size() > n / 32) {
        // Many: ascending order by one pass over the flags, cheaper than sorting them.
        candidates.clear();
        for (AgentId j = 0; j < n; ++j) {
          if (seen[j] != 0) candidates.push_back(j);
        }
      } else {
        std::sort(candidates.begin(), candidates.end());
      }
      for (const AgentId j : candidates) seen[j] = 0;

      // Every candidate decides in parallel, reading only the state at the start of this round;
      // then, in ascending id, each joins the coalition she picked while it has room. A
      // candidate whose neighbouring coalitions are all full by her turn joins nothing whatever
      // she picks, so candidates are taken in fixed blocks and such ones are not evaluated: the
      // same joins as deciding all of them, at any thread count, at a fraction of the cost once
      // coalitions fill (most candidates of a round neighbour a few large hubs).
      const std::size_t nc = c_.members.size();
      std::vector<std::uint32_t> size(nc);  // members at the start of the round
      for (std::size_t id = 0; id < nc; ++id)
        size[id] = static_cast<std::uint32_t>(c_.members[id].size());
      std::vector<std::uint32_t> taken(nc, 0);  // joins so far this round
      const auto room = [&](std::uint32_t id) { return size[id] + taken[id] < spec_.max_size; };
      joins.clear();
      for (std::size_t start = 0; start < candidates.size(); start += kCandidateBlock) {
        const std::size_t end = std::min(candidates.size(), start + kCandidateBlock);
        choice.assign(end - start, kNoCoalition);
        parallel_for_index(start, end, [&](std::size_t i) {
          const AgentId a = candidates[i];
          bool open = false;
          for (const AgentId x : g_.neighbors(a)) {
            const std::uint32_t id = c_.coalition_of[x];
            if (id != kNoCoalition && room(id)) {
              open = true;
              break;
            }
          }
          if (open || how_ == Recruiting::evaluate_all) choice[i - start] = pick(a, size);
        });
        for (std::size_t i = start; i < end; ++i) {
          const std::uint32_t id = choice[i - start];
          if (id == kNoCoalition || !room(id)) continue;
          ++taken[id];
          joins.emplace_back(candidates[i], id);
        }
      }

      std::fill(dirty_.begin(), dirty_.end(), 0);
      for (const auto& [a, id] : joins) {
        c_.coalition_of[a] = id;
        c_.members[id].push_back(a);
        if (spec_.logrolling) {
          const auto u = e_.of(a);
          ++count_[id * kc_ + top_proposal(u)];
        }
        dirty_[id] = 1;
      }
      const bool joined = !joins.empty();
      c_.rounds_run = round + 1;
      record_round();
      if (!joined) break;
    }
  }

  // Exact gain and loss of every member of the dirty coalitions (refreshed first).
  void trades() {
    refresh_all_dirty();
    parallel_for_index(std::size_t{0}, c_.members.size(), [&](std::size_t id) {
      if (stale_[id] == 0) return;
      const auto& list = c_.members[id];
      const auto& h = honest_[id];
      const auto& b = ballot_[id];
      const double* d = shift_.data() + id * kc_;
      c_.gain[id].assign(list.size(), 0.0);
      c_.loss[id].assign(list.size(), 0.0);
      for (std::size_t i = 0; i < list.size(); ++i) {
        const auto u = e_.of(list[i]);
        const Voter voter = voter_of(s_, ctx_.replicate, list[i], u);
        const std::span<const double> hi(h.data() + i * kc_, kc_);
        const std::span<const double> bi(b.data() + i * kc_, kc_);
        double gain = 0.0;
        for (std::size_t k = 0; k < kc_; ++k) {
          const double others = d[k] - (bi[k] - hi[k]);
          if (u[k] != 0.0 && others != 0.0) gain += u[k] * belief_.gain(k, bi[k], bi[k] + others);
        }
        c_.gain[id][i] = gain;
        c_.loss[id][i] = private_loss(m_, s_.budget, belief_, voter, hi, bi);
      }
    });
  }

  void refresh_all_dirty() {
    stale_ = dirty_;
    refresh();
    std::fill(dirty_.begin(), dirty_.end(), 0);
  }

  void leave() {
    std::fill(dirty_.begin(), dirty_.end(), 1);
    for (;;) {
      trades();
      bool any = false;
      for (std::size_t id = 0; id < c_.members.size(); ++id) {
        if (stale_[id] == 0) continue;
        auto& list = c_.members[id];
        std::size_t keep = 0;
        std::vector<double> h;
        for (std::size_t i = 0; i < list.size(); ++i) {
          const AgentId a = list[i];
          if (!trade_pays(c_.gain[id][i], c_.loss[id][i])) {
            c_.coalition_of[a] = kNoCoalition;
            if (spec_.logrolling) {
              const auto u = e_.of(a);
              --count_[id * kc_ + top_proposal(u)];
            }
            ++c_.left;
            dirty_[id] = 1;
            continue;
          }
          list[keep] = a;
          h.insert(h.end(), honest_[id].begin() + static_cast<std::ptrdiff_t>(i * kc_),
                   honest_[id].begin() + static_cast<std::ptrdiff_t>((i + 1) * kc_));
          ++keep;
        }
        if (dirty_[id] != 0) {
          list.resize(keep);
          honest_[id] = std::move(h);
          any = true;
        }
      }
      if (!any) break;
      ++c_.exit_rounds;
      record_round();
    }
  }

  void record_round() {
    std::uint64_t members = 0;
    std::uint32_t coalitions = 0;
    for (const auto& list : c_.members) {
      members += list.size();
      coalitions += list.empty() ? 0 : 1;
    }
    c_.members_by_round.push_back(members);
    c_.coalitions_by_round.push_back(coalitions);
  }

  Recruiting how_;
  const CollusionSpec& spec_;
  const ReplicateContext& ctx_;
  const Scenario& s_;
  const Electorate& e_;
  const Graph& g_;
  Mechanism m_;
  const MechanismBelief& belief_;
  std::size_t kc_;
  double lambda_;
  Coalitions c_;
  std::vector<std::uint32_t> count_;         // coalition x proposal: members bringing the cause
  std::vector<std::vector<double>> honest_;  // per coalition: members x proposals
  std::vector<std::vector<double>> ballot_;  // per coalition: members x proposals
  std::vector<double> shift_;                // coalition x proposal: sum of (ballot - honest)
  std::vector<std::uint8_t> dirty_;          // per coalition: changed since its last refresh
  std::vector<std::uint8_t> stale_;          // per coalition: trades to recompute
};

}  // namespace

void coalition_values(std::span<const double> u, std::span<const double> totals,
                      std::span<const std::uint8_t> causes, double internalization,
                      std::span<double> out) noexcept {
  for (std::size_t k = 0; k < u.size(); ++k) {
    out[k] = causes[k] != 0 ? u[k] + internalization * (totals[k] - u[k]) : u[k];
  }
}

Coalitions form_coalitions(const CollusionSpec& spec, const ReplicateContext& context, Mechanism m,
                           Recruiting how) {
  return Former(spec, context, m, how).run();
}

}  // namespace qvsim::agents
