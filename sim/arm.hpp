#pragma once
// Arms: the treatments every replicate's electorate votes under.
//
// The engine knows arms only through this interface; their behaviour (honest voting, collusion,
// coercion) lives in agents/. For each replicate and arm the engine asks the arm's behaviour for a
// plan, then asks the plan for every agent's votes under every mechanism. A plan may hold state it
// computed for the replicate (coalitions, threats), but it is immutable once made.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sim/belief.hpp"
#include "sim/electorate.hpp"
#include "sim/graph.hpp"
#include "sim/model.hpp"
#include "sim/scenario.hpp"

namespace qvsim {

struct ReplicateContext {
  const Model& model;
  const Graph& graph;
  const Electorate& electorate;
  std::uint64_t replicate;
  std::size_t arm_index;  // into model.scenario.arms
  std::uint32_t arm_key;  // stream key field for this arm's own randomness
  // Every agent's beliefs about the tally, one per mechanism in model.scenario.mechanisms order
  // (the same for every arm of the replicate).
  std::span<const MechanismBelief> beliefs;

  // The belief held under mechanism m (which must be one of the scenario's).
  const MechanismBelief& belief(Mechanism m) const;
};

struct MechanismOutcome;

// One round of an arm's process in one replicate under one mechanism (rounds.csv): recruitment
// and exit of coalitions, the spread of threats and compliance. NaN where a count does not belong
// to the process.
struct RoundRecord {
  const char* process = "";  // "collusion" or "coercion" (static strings)
  const char* stage = "";    // collusion: "found", "recruit", "exit"; coercion: "threat"
  std::uint32_t round = 0;   // from 0, counted over the process's stages in order
  double members = 0.0;      // coalition members after the round
  double coalitions = 0.0;   // coalitions with at least one member after the round
  double threatened = 0.0;   // agents under a threat after the round
  double complied = 0.0;     // threatened agents complying after the round
};

class ArmPlan {
 public:
  virtual ~ArmPlan() = default;

  // Number of per-agent counters cast() adds to (summed over agents by the engine, per mechanism,
  // in a fixed order).
  virtual std::size_t counter_count() const { return 0; }

  // Writes agent a's votes on every proposal under mechanism m into out (one per proposal;
  // positive for, negative against, 0 abstains) and returns what casting them cost her under m's
  // cost rule (credits or money). May add to `counters` (counter_count() of them, zeroed by the
  // engine per chunk of agents). Called concurrently for different agents: must not mutate
  // shared state.
  virtual double cast(Mechanism m, AgentId a, std::span<double> out,
                      std::span<double> counters) const = 0;

  // As cast(), and also writes into `fields` (ArmBehaviour::agent_field_names() of them, NaN where
  // one does not apply to her) what the arm did with agent a: her coalition, whether she obeyed,
  // was threatened, complied... (agents.csv). Must agree with cast() exactly. The default records
  // nothing (an arm without agent fields).
  virtual double cast_recorded(Mechanism m, AgentId a, std::span<double> out,
                               std::span<double> counters, std::span<double> fields) const {
    (void)fields;
    return cast(m, a, out, counters);
  }

  // As cast(), and also sets `identities` to how many identities reach the tally with agent a's
  // ballot, each casting an equal share of `out` (a sybil's identities that the identity checks
  // kept; 1 for everyone else). Tallies that count voters apart (connection_oriented,
  // pairwise_bounded) count each identity as a voter. The default is 1 for every agent.
  virtual double cast_counted(Mechanism m, AgentId a, std::span<double> out,
                              std::span<double> counters, std::uint32_t& identities) const {
    identities = 1;
    return cast(m, a, out, counters);
  }

  // How the arm's processes unfolded under mechanism m, round by round (empty: none).
  virtual std::vector<RoundRecord> rounds(Mechanism m) const {
    (void)m;
    return {};
  }

  // Whether metrics() reads outcome.clusters (a collusion arm's detection scores). With clusters
  // found from ballots, the tally keeps its ballots and finds them only for a mechanism that
  // discounts by them or an arm that reads them.
  virtual bool reads_clusters() const { return false; }

  // The arm's own metrics under mechanism m (one per ArmBehaviour::metric_names()), from the
  // counter sums and the tallied outcome. May run parallel loops.
  virtual std::vector<double> metrics(Mechanism m, std::span<const double> counter_sums,
                                      const MechanismOutcome& outcome) const {
    (void)m;
    (void)counter_sums;
    (void)outcome;
    return {};
  }
};

class ArmBehaviour {
 public:
  virtual ~ArmBehaviour() = default;
  // Names of the arm's own metrics (columns of runs.csv), fixed for the behaviour.
  virtual std::vector<std::string> metric_names() const { return {}; }
  // Names of what the arm records about each agent (ArmPlan::cast_recorded; columns of
  // agents.csv), fixed for the behaviour.
  virtual std::vector<std::string> agent_field_names() const { return {}; }
  // Prepares the arm for one replicate. May run parallel loops over agents internally.
  virtual std::unique_ptr<const ArmPlan> plan(const ReplicateContext& context) const = 0;
};

// How agents form beliefs about the tally (sim/belief.hpp). Thread-safe: called concurrently for
// different replicates.
class BeliefModel {
 public:
  virtual ~BeliefModel() = default;
  // The beliefs of one replicate, one per mechanism in model.scenario.mechanisms order. May run
  // parallel loops over agents.
  virtual std::vector<MechanismBelief> beliefs(const Model& model, const Electorate& electorate,
                                               std::uint64_t replicate) const = 0;
  // The prior beliefs (before any replicate's poll), one per mechanism, as the model computes
  // them once; for manifests and reports.
  virtual std::vector<MechanismBelief> prior(const Model& model) const = 0;
};

// One behaviour per arm, in scenario.arms order, and the belief model all arms share.
struct ArmBehaviours {
  std::vector<std::unique_ptr<const ArmBehaviour>> arms;
  std::shared_ptr<const BeliefModel> beliefs;  // required to run replicates

  std::size_t size() const noexcept { return arms.size(); }
  const std::unique_ptr<const ArmBehaviour>& operator[](std::size_t i) const { return arms[i]; }
  auto begin() const noexcept { return arms.begin(); }
  auto end() const noexcept { return arms.end(); }
};

}  // namespace qvsim
