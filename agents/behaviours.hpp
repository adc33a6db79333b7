#pragma once
// The behaviour of each arm of a scenario, for the engine's ArmBehaviour interface.

#include "sim/arm.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

// Every agent votes by her honest strategy (agents/honest.hpp) under her own values.
class HonestBehaviour final : public ArmBehaviour {
 public:
  std::unique_ptr<const ArmPlan> plan(const ReplicateContext& context) const override;
};

// One behaviour per arm of the scenario, in order. An arm without behaviour blocks is honest.
ArmBehaviours make_behaviours(const Scenario& scenario);

}  // namespace qvsim::agents
