#include "sim/runner.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "sim/clusters.hpp"
#include "sim/graph_generators.hpp"
#include "sim/invariants.hpp"
#include "sim/memory.hpp"
#include "sim/pairwise.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim {

MechanismOutcome tally(const Model& model, const Electorate& electorate, const ArmPlan& plan,
                       Mechanism mechanism, std::uint64_t replicate, const Clusters* clusters,
                       const Graph* graph) {
  const std::size_t kc = electorate.proposals;
  const std::size_t nc = plan.counter_count();
  // Accumulators: V_0..V_{K-1}, spent, voters (a count, exact in a double below 2^53), |votes|,
  // then the arm's counters.
  const std::size_t width = kc + 3 + nc;
  const std::size_t chunks = num_chunks(electorate.agents);
  std::vector<double> partial(chunks * width, 0.0);
  // A connection-oriented tally keeps every ballot, discounts them by cluster, then adds them up
  // in the same order as a plain tally: with every agent alone, the two tallies are equal.
  const bool co = mechanism == Mechanism::connection_oriented;
  const bool pairwise = mechanism == Mechanism::pairwise_bounded;
  const bool discounted = co || pairwise;
  // Clusters found from this tally's ballots: every ballot is kept, a plain tally still adds them
  // up as it casts them (the same sums, in the same order, as without the detector).
  const bool from_ballots = model.scenario.clusters.source == ClusterSource::ballots;
  if (from_ballots && (graph == nullptr || graph->num_agents() != electorate.agents))
    throw std::logic_error("clusters from ballots need the replicate's graph");
  if (co && !from_ballots && (clusters == nullptr || clusters->of.size() != electorate.agents))
    throw std::logic_error("a connection_oriented tally needs the replicate's clusters");
  // Only a public ballot can be read: under any other the clusters are every agent alone, and
  // nothing needs the ballots kept for them. Nor when nothing reads them: a plain tally of an arm
  // without detection scores (the honest arm under plain QV, say).
  const bool wanted = from_ballots && (co || plan.reads_clusters());
  const bool readable = wanted && model.scenario.ballot == Ballot::public_ballot;
  const bool keep = discounted || readable;
  // Not zeroed (sim/memory.hpp): cast() writes every proposal of every agent's ballot.
  LargeVector<double> ballots;
  resize_large(ballots, keep ? electorate.agents * kc : 0);
  // A tally that counts voters apart counts each of a sybil's identities as one (ArmPlan::
  // cast_counted), and detection scores count pairs of identities; the others do not need to
  // know.
  const bool counted = discounted || plan.reads_clusters();
  LargeVector<std::uint32_t> identities;
  resize_large(identities, counted ? electorate.agents : 0);
  parallel_for_agent_chunks(electorate.agents, [&](std::size_t c, AgentId begin, AgentId end) {
    std::vector<double> own(keep ? 0 : kc);
    double* acc = partial.data() + c * width;
    const std::span<double> counters(acc + kc + 3, nc);
    for (AgentId a = begin; a < end; ++a) {
      const std::span<double> votes =
          keep ? std::span<double>(ballots.data() + a * kc, kc) : std::span<double>(own);
      acc[kc] += counted ? plan.cast_counted(mechanism, a, votes, counters, identities[a])
                         : plan.cast(mechanism, a, votes, counters);
      bool voted = false;
      double abs = 0.0;
      for (std::size_t k = 0; k < kc; ++k) {
        if (!discounted) acc[k] += votes[k];
        abs += std::fabs(votes[k]);
        voted = voted || votes[k] != 0.0;
      }
      acc[kc + 1] += voted ? 1.0 : 0.0;
      acc[kc + 2] += abs;
    }
  });
  std::optional<Clusters> found;
  if (wanted) {
    found = readable ? ballot_clusters(*graph, ballots, electorate.proposals,
                                       model.scenario.clusters.similarity, identities,
                                       model.scenario.clusters.identical)
                     : singleton_clusters(electorate.agents);
    clusters = &*found;
  }
  std::vector<double> pairwise_tally;
  if (pairwise) {
    pairwise_tally = pairwise_bounded_tally(ballots, electorate.proposals,
                                            model.scenario.pairwise_m, identities);
  } else if (co) {
    discount_votes(*clusters, electorate.proposals, ballots, identities);
    parallel_for_agent_chunks(electorate.agents, [&](std::size_t c, AgentId begin, AgentId end) {
      double* acc = partial.data() + c * width;
      for (AgentId a = begin; a < end; ++a)
        for (std::size_t k = 0; k < kc; ++k) acc[k] += ballots[a * kc + k];
    });
  }
  std::vector<double> total(width, 0.0);
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t w = 0; w < width; ++w) total[w] += partial[c * width + w];

  MechanismOutcome out;
  out.mechanism = mechanism;
  if (pairwise) {
    out.tally = std::move(pairwise_tally);
  } else {
    out.tally.assign(total.begin(), total.begin() + static_cast<std::ptrdiff_t>(kc));
  }
  out.spent = total[kc];
  out.voters = static_cast<std::uint64_t>(total[kc + 1]);
  out.abs_votes = total[kc + 2];
  out.decision.resize(kc);
  for (std::size_t k = 0; k < kc; ++k) {
    const double v = out.tally[k];
    if (v > 0.0) {
      out.decision[k] = 1;
    } else if (v < 0.0) {
      out.decision[k] = -1;
    } else {
      // The same coin for every arm and mechanism of the replicate (common random numbers), so
      // a tie in two arms is never counted as a flip.
      Stream coin(StreamKey{model.scenario.seed, replicate, 0, 0, k, Purpose::tie_break});
      out.decision[k] = coin.bernoulli(0.5) ? 1 : -1;
      ++out.ties;
    }
  }
  out.clusters = clusters;
  out.identities = identities;
  out.arm_metrics =
      plan.metrics(mechanism, std::span<const double>(total).subspan(kc + 3, nc), out);
  out.clusters = nullptr;
  out.identities = {};
  return out;
}

const MechanismBelief& ReplicateContext::belief(Mechanism m) const {
  return belief_for(beliefs, m);
}

namespace {

// One replicate's draws and beliefs, shared by run_replicate and replay_replicate.
struct Draw : ReplicateDraw {
  std::vector<MechanismBelief> beliefs;
};

void draw(const Model& model, const ArmBehaviours& behaviours, std::uint64_t replicate, Draw& d) {
  assert(behaviours.size() == model.scenario.arms.size());
  draw_replicate(model, replicate, d);
  assert(behaviours.beliefs != nullptr);
  d.beliefs = behaviours.beliefs->beliefs(model, d.electorate, replicate);
}

}  // namespace

void draw_replicate(const Model& model, std::uint64_t replicate, ReplicateDraw& d) {
  const Scenario& s = model.scenario;
  d.graph = model.fixed_graph.get();
  if (d.graph == nullptr) {
    d.generated = generate_graph(s.graph, static_cast<AgentId>(s.agents),
                                 StreamKey{s.seed, replicate, 0, 0, 0, Purpose::graph});
    d.graph = &d.generated;
  }
  d.electorate = model.fixed_values
                     ? electorate_from_values(*model.fixed_values, d.graph->num_agents(),
                                              s.proposals, s.values.float32)
                     : draw_electorate(s.values, s.proposals, *d.graph, s.seed, replicate);
}

ReplicateOutcome run_replicate(const Model& model, const ArmBehaviours& behaviours,
                               std::uint64_t replicate, bool rounds) {
  const Scenario& s = model.scenario;
  Draw d;
  draw(model, behaviours, replicate, d);
  const Graph& graph = *d.graph;
  const Electorate& electorate = d.electorate;

  ReplicateOutcome out;
  out.replicate = replicate;
  out.agents = graph.num_agents();
  out.edges = graph.num_edges();
  out.value_totals = electorate.totals;
  out.neighbor_value_correlation =
      s.correlation_sample > 0 ? sampled_neighbor_value_correlation(
                                     electorate, graph, s.correlation_sample, s.seed, replicate)
                               : neighbor_value_correlation(electorate, graph);
  out.beliefs = std::move(d.beliefs);
  out.arms.resize(s.arms.size());
  std::optional<Clusters> clusters;
  if (replicate_wide(s.clusters)) clusters = replicate_clusters(model, graph, replicate);
  for (std::size_t i = 0; i < s.arms.size(); ++i) {
    const ReplicateContext ctx{model,      graph, electorate, replicate, i, model.arm_keys[i],
                               out.beliefs};
    const auto plan = behaviours[i]->plan(ctx);
    for (const Mechanism m : s.mechanisms) {
      out.arms[i].mechanisms.push_back(
          tally(model, electorate, *plan, m, replicate, clusters ? &*clusters : nullptr, &graph));
      if (rounds) out.arms[i].mechanisms.back().rounds = plan->rounds(m);
      if constexpr (kInvariantsEnabled) {
        const MechanismOutcome& o = out.arms[i].mechanisms.back();
        if (replicate % kTallyRecountPeriod == 0) {
          check_tally(model, electorate, *plan, o, replicate, invariant_site(ctx, m));
        } else {
          check_decisions(model, o, replicate, invariant_site(ctx, m));
        }
      }
    }
  }
  return out;
}

void replay_replicate(const Model& model, const ArmBehaviours& behaviours, std::uint64_t replicate,
                      const std::function<void(const ReplicateContext&, const ArmPlan&)>& visit) {
  Draw d;
  draw(model, behaviours, replicate, d);
  for (std::size_t i = 0; i < model.scenario.arms.size(); ++i) {
    const ReplicateContext ctx{model, *d.graph,          d.electorate, replicate,
                               i,     model.arm_keys[i], d.beliefs};
    const auto plan = behaviours[i]->plan(ctx);
    visit(ctx, *plan);
  }
}

void run_replicates(const Model& model, const ArmBehaviours& behaviours, const RunOptions& options,
                    OutcomeSink& sink) {
  const std::uint64_t total = model.scenario.replicates;
  // Outcomes finish out of order; a reorder buffer hands them to the sink in replicate order.
  std::mutex mutex;
  std::map<std::uint64_t, ReplicateOutcome> pending;
  std::uint64_t next = 0;

  with_threads(options.threads, [&] {
    parallel_for_blocks(
        std::uint64_t{0}, total, std::uint64_t{1}, [&](std::uint64_t lo, std::uint64_t hi) {
          for (std::uint64_t rep = lo; rep != hi; ++rep) {
            if (options.before_replicate) options.before_replicate();
            ReplicateOutcome outcome = run_replicate(model, behaviours, rep, options.rounds);
            std::lock_guard lock(mutex);
            pending.emplace(rep, std::move(outcome));
            while (!pending.empty() && pending.begin()->first == next) {
              sink.consume(std::move(pending.begin()->second));
              pending.erase(pending.begin());
              ++next;
              if (options.progress) options.progress(next, total);
            }
          }
        });
  });
}

}  // namespace qvsim
