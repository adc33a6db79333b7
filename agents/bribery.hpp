#pragma once
// Bribery: a briber with a budget buys votes for an agenda, cheapest sellers first.

#include <memory>

#include "agents/attack.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

std::unique_ptr<const ComponentFactory> make_bribery(const BriberySpec& spec);

}  // namespace qvsim::agents
