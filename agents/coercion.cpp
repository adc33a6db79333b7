#include "agents/coercion.hpp"

#include <stdexcept>

// Transitional: the coercion model is being written.
namespace qvsim::agents {
std::unique_ptr<const ComponentFactory> make_coercion(const CoercionSpec&) {
  throw std::logic_error("coercion is not available in this version");
}
}  // namespace qvsim::agents
