#pragma once
// Running replicates: draw a graph and an electorate, let every arm vote under every mechanism on
// that same draw (common random numbers), tally, decide.
//
// Replicates run in parallel (oneTBB), and loops over agents inside a replicate run in parallel
// too; every random draw comes from keyed streams and every sum is taken in a fixed order, so all
// outcomes are bit-identical for any thread count.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "sim/arm.hpp"
#include "sim/model.hpp"

namespace qvsim {

struct Clusters;

struct MechanismOutcome {
  Mechanism mechanism = Mechanism::quadratic;
  std::vector<double> tally;          // V_k: sum of all agents' votes on proposal k
  std::vector<std::int8_t> decision;  // +1 passes (V_k > 0), -1 fails (V_k < 0); ties by coin
  std::uint32_t ties = 0;             // proposals whose tally was exactly 0
  double spent = 0.0;                 // total cost of all votes, under the mechanism's cost rule
  std::uint64_t voters = 0;           // agents casting at least one nonzero vote
  double abs_votes = 0.0;             // sum over agents and proposals of |vote|
  std::vector<double> arm_metrics;    // the arm's own metrics (ArmBehaviour::metric_names())
  std::vector<RoundRecord> rounds;    // the arm's rounds (ArmPlan::rounds) when asked for
  // The clusters this tally used or found from its ballots (a detector's suspected coalitions),
  // set only while the arm computes its metrics (ArmPlan::metrics); null otherwise.
  const Clusters* clusters = nullptr;
  // Likewise, when the arm reads the clusters: how many identities cast each agent's ballot
  // (ArmPlan::cast_counted), for detection scores over identities; empty otherwise.
  std::span<const std::uint32_t> identities;
};

struct ArmOutcome {
  std::vector<MechanismOutcome> mechanisms;  // in scenario.mechanisms order
};

struct ReplicateOutcome {
  std::uint64_t replicate = 0;
  AgentId agents = 0;
  std::uint64_t edges = 0;                // undirected
  std::vector<double> value_totals;       // U_k
  double neighbor_value_correlation = 0;  // see neighbor_value_correlation(); may be NaN
  std::vector<ArmOutcome> arms;           // in scenario.arms order
  std::vector<MechanismBelief> beliefs;   // agents' beliefs, in scenario.mechanisms order
};

// Receives outcomes, one call at a time, in ascending replicate order.
class OutcomeSink {
 public:
  virtual ~OutcomeSink() = default;
  virtual void consume(ReplicateOutcome&& outcome) = 0;
};

struct RunOptions {
  unsigned threads = 0;  // 0: all cores
  // Called after each replicate is delivered with (replicates done, total); serialized.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  // Called before each replicate starts, from any worker thread; may throw to stop the run (a
  // pending interrupt, say): the exception propagates from run_replicates.
  std::function<void()> before_replicate;
  // Whether outcomes carry the arms' rounds (MechanismOutcome::rounds, for rounds.csv).
  bool rounds = false;
};

// One replicate's graph and electorate, as every run draws them: the model's fixed graph or one
// generated from (seed, replicate, purpose graph), and the values file's or drawn values. Voting
// and funding replicates of the same seed share them. `graph` points at `generated` or at the
// model's graph, so a ReplicateDraw is filled in place (draw_replicate), never moved.
struct ReplicateDraw {
  Graph generated;
  const Graph* graph = nullptr;
  Electorate electorate;
};
void draw_replicate(const Model& model, std::uint64_t replicate, ReplicateDraw& d);

// Runs one replicate (the reference path; uses parallel loops over agents internally); with
// `rounds`, its outcome carries the arms' rounds.
ReplicateOutcome run_replicate(const Model& model, const ArmBehaviours& behaviours,
                               std::uint64_t replicate, bool rounds = false);

// Tallies one arm plan under one mechanism; exposed for tests. A connection_oriented tally needs
// the replicate's clusters (sim/clusters.hpp). With clusters from ballots (ClusterSource::ballots)
// the tally keeps every ballot and finds the clusters from them on `graph` (required then) when
// the ballot is public; under any other ballot an observer sees no ballot and every agent is
// alone. Either way the clusters reach the arm's metrics (MechanismOutcome::clusters).
MechanismOutcome tally(const Model& model, const Electorate& electorate, const ArmPlan& plan,
                       Mechanism mechanism, std::uint64_t replicate,
                       const Clusters* clusters = nullptr, const Graph* graph = nullptr);

// Rebuilds replicate r exactly as run_replicate does (graph, electorate, beliefs, every arm's
// plan) and calls visit(context, plan) for each arm in scenario order, so that a caller can read
// each agent's ballot (agents.csv, analysis/agent_table.hpp).
void replay_replicate(const Model& model, const ArmBehaviours& behaviours, std::uint64_t replicate,
                      const std::function<void(const ReplicateContext&, const ArmPlan&)>& visit);

// Runs replicates [0, model.scenario.replicates) and hands each outcome to the sink in order.
// Exceptions from a replicate propagate (the sink has then received a prefix of the replicates).
void run_replicates(const Model& model, const ArmBehaviours& behaviours, const RunOptions& options,
                    OutcomeSink& sink);

}  // namespace qvsim
