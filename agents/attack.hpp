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
#include <utility>
#include <vector>

#include "agents/honest.hpp"
#include "sim/arm.hpp"
#include "sim/runner.hpp"

namespace qvsim::agents {

// Parties that instruct an agent, as bits of Cast::instructed.
enum Party : std::uint8_t { kPartyCoalition = 1, kPartyBriber = 2, kPartyCoercer = 4 };

// What holds an agent to the ballot a party gave her: leaving it for another party's costs her
// `stake` in utility -- the coalition's expected sanction, the payment a seller gives up -- or
// infinity when a trait the user set (loyalty) says she keeps to it whatever she is offered.
struct Hold {
  std::uint8_t party = 0;  // 0: nobody holds her (her ballot is her own)
  double stake = 0.0;
};

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
  // Which parties instructed her (Party bits) and whose ballot she casts (0: her own), set by
  // the components; an arm with more than one party records the agents instructed by several.
  std::uint8_t instructed = 0;
  std::uint8_t followed = 0;
  // While agents.csv is written (ArmPlan::cast_recorded), the component's own fields (its
  // factory's agent_field_names(), NaN before it writes them); empty otherwise, when a component
  // records nothing.
  std::span<double> fields{};
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
  // Whether metrics() reads outcome.clusters (ArmPlan::reads_clusters); no by default.
  virtual bool reads_clusters() const { return false; }
  // Appends its rounds under mechanism m (ArmPlan::rounds); none by default.
  virtual void rounds(Mechanism m, std::vector<RoundRecord>& out) const { (void)m, (void)out; }
  // Whether this attack did nothing under the mechanism whose counter sums are `sums` (no coalition
  // member obeyed, nobody complied, no bought vote was delivered...): flags the arm (arm_inert).
  virtual bool inert(std::span<const double> sums) const {
    (void)sums;
    return false;
  }
  // The ballot this component has agent a cast when she arrives with `votes` (rewritten in place,
  // as apply() would) and what holds her to it; Hold{} with `votes` unchanged when it gives her
  // none. Later components price their instructions against it (combined arms, below).
  virtual Hold held(Mechanism m, AgentId a, const Voter& voter, const MechanismBelief& belief,
                    std::span<double> votes) const {
    (void)m, (void)a, (void)voter, (void)belief, (void)votes;
    return {};
  }
};

// Combined arms. The ballot an agent would otherwise cast in this arm, when a later party
// instructs her: her honest votes passed through the earlier components' held(), in order, and
// the stake of the last party holding her. A later party's instruction costs her the private loss
// from that ballot to its instructed one plus that stake, so she follows whichever party leaves
// her best off: the coalition's sanction, the briber's payment and the coercer's threat are
// weighed on one utility scale (docs/model.md, "Combined arms").
class Prior {
 public:
  Prior() = default;
  explicit Prior(std::vector<const Component*> earlier) : earlier_(std::move(earlier)) {}
  bool empty() const noexcept { return earlier_.empty(); }
  // `votes` holds her honest votes on entry and her otherwise ballot on return.
  Hold otherwise(Mechanism m, AgentId a, const Voter& voter, const MechanismBelief& belief,
                 std::span<double> votes) const {
    Hold last;
    for (const Component* c : earlier_) {
      const Hold h = c->held(m, a, voter, belief, votes);
      if (h.party != 0) last = h;
    }
    return last;
  }

 private:
  std::vector<const Component*> earlier_;
};

// Builds a component for a replicate; one per kind of block. A component may refer to its
// factory's spec: the factory must outlive it.
class ComponentFactory {
 public:
  virtual ~ComponentFactory() = default;
  virtual std::vector<std::string> metric_names() const = 0;
  // `prior`: the arm's components built before this one (empty for the first).
  virtual std::unique_ptr<const Component> make(const ReplicateContext& context,
                                                const Prior& prior) const = 0;
  // What its components record about each agent in Cast::fields (agents.csv columns).
  virtual std::vector<std::string> agent_field_names() const { return {}; }
  // Whether this kind of block instructs agents (a Party bit), 0 otherwise (sybils).
  virtual std::uint8_t party() const { return 0; }
};

// An arm whose agents vote honestly except where its components intervene. With no components it
// is the honest arm. An arm with components adds two metrics after theirs:
//   ballots_changed: agents whose final ballot differs from their honest one (any proposal);
//   arm_inert:       1 when ballots_changed is 0 or when one of its attacks did nothing
//                    (Component::inert), else 0 -- so a null result is visible, not mistaken for
//                    an attack that failed to bend the vote.
// An arm with more than one instructing party (coalition, briber, coercer) adds four more:
//   contested: agents instructed by more than one party; contested_coalition,
//   contested_briber, contested_coercer: those of them who cast that party's ballot (the rest
//   cast their own).
class AttackBehaviour final : public ArmBehaviour {
 public:
  explicit AttackBehaviour(std::vector<std::unique_ptr<const ComponentFactory>> factories);
  std::vector<std::string> metric_names() const override;
  // The components' agent fields, in order, then ballot_changed (1 when her final ballot differs
  // from her honest one); none for the honest arm.
  std::vector<std::string> agent_field_names() const override;
  std::unique_ptr<const ArmPlan> plan(const ReplicateContext& context) const override;

 private:
  std::vector<std::unique_ptr<const ComponentFactory>> factories_;
  std::vector<std::size_t> field_counts_;  // per factory: its agent fields
  bool contested_ = false;                 // more than one instructing party
};

}  // namespace qvsim::agents
