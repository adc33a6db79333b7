#pragma once
// The behaviour of each arm of a scenario, for the engine's ArmBehaviour interface.

#include "sim/arm.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

// One behaviour per arm of the scenario, in order: an AttackBehaviour (agents/attack.hpp) with a
// component per block of the arm -- collusion, bribery, coercion, then sybils. An arm without
// blocks is honest: every agent votes her honest strategy.
ArmBehaviours make_behaviours(const Scenario& scenario);

}  // namespace qvsim::agents
