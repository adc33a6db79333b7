#pragma once
// Attack arms: collusion, coercion and bribery as components of one arm behaviour.
//
// Each replicate, every component of the arm prepares its state (coalitions, threats, bought
// votes) from the graph and electorate. Then, for each mechanism and agent, the agent's honest
// votes pass through the components in a fixed order -- collusion, bribery, coercion, sybils --
// each of which may replace or scale them: a coerced agent who complies votes as instructed
// whatever her coalition wanted; a sybil's identities all vote as she does. Components count
// what they did in per-agent counters that the engine sums; each turns its sums into metrics.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agents/honest.hpp"
#include "sim/arm.hpp"
#include "sim/runner.hpp"

namespace qvsim::agents {

// One agent's votes under one mechanism while they pass through the components.
struct Cast {
  Mechanism mechanism;
  AgentId agent;
  Voter voter;                     // her own values u and means
  const MechanismBelief& belief;   // what she believes of the tally under this mechanism
  std::span<const double> honest;  // her honest votes under this mechanism
  std::span<double> votes;         // votes so far (components may rewrite them)
  double cost;                     // what the votes so far cost her (may be rewritten)
  // How many identities cast `votes` (summed) and what the extra ones cost her; set by the sybil
  // component, read by the invariant checks (sim/invariants.hpp, check_ballot).
  std::uint32_t identities = 1;
  double identity_fee = 0.0;
};

// One component's state for one replicate. Immutable once built; apply() runs concurrently.
class Component {
 public:
  virtual ~Component() = default;
  virtual std::size_t counter_count() const = 0;
  // Adjusts the ballot; adds to its own counters (counter_count() of them).
  virtual void apply(Cast& ballot, std::span<double> counters) const = 0;
  // Appends its metrics (as many as its metric names) from its counter sums.
  virtual void metrics(Mechanism m, std::span<const double> sums, const MechanismOutcome& outcome,
                       std::vector<double>& out) const = 0;
  // Whether this attack did nothing under the mechanism whose counter sums are `sums` (no coalition
  // member obeyed, nobody complied, no bought vote was delivered...): flags the arm (arm_inert).
  virtual bool inert(std::span<const double> sums) const {
    (void)sums;
    return false;
  }
};

// Builds a component for a replicate; one per kind of block.
class ComponentFactory {
 public:
  virtual ~ComponentFactory() = default;
  virtual std::vector<std::string> metric_names() const = 0;
  virtual std::unique_ptr<const Component> make(const ReplicateContext& context) const = 0;
};

// An arm whose agents vote honestly except where its components intervene. With no components it
// is the honest arm. An arm with components adds two metrics after theirs:
//   ballots_changed: agents whose final ballot differs from their honest one (any proposal);
//   arm_inert:       1 when ballots_changed is 0 or when one of its attacks did nothing
//                    (Component::inert), else 0 -- so a null result is visible, not mistaken for
//                    an attack that failed to bend the vote.
class AttackBehaviour final : public ArmBehaviour {
 public:
  explicit AttackBehaviour(std::vector<std::unique_ptr<const ComponentFactory>> factories);
  std::vector<std::string> metric_names() const override;
  std::unique_ptr<const ArmPlan> plan(const ReplicateContext& context) const override;

 private:
  std::vector<std::unique_ptr<const ComponentFactory>> factories_;
};

}  // namespace qvsim::agents
