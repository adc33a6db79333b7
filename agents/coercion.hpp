#pragma once
// Coercion: threats that spread along the social graph (see agents/coercion.cpp's header
// comment for the model).

#include <memory>

#include "agents/attack.hpp"
#include "sim/scenario.hpp"

namespace qvsim::agents {

std::unique_ptr<const ComponentFactory> make_coercion(const CoercionSpec& spec);

}  // namespace qvsim::agents
