#include "agents/collusion.hpp"

#include <stdexcept>

// Transitional: the collusion model is being written.
namespace qvsim::agents {
std::unique_ptr<const ComponentFactory> make_collusion(const CollusionSpec&) {
  throw std::logic_error("collusion is not available in this version");
}
std::unique_ptr<const ComponentFactory> make_sybils(const SybilSpec&) {
  throw std::logic_error("sybils are not available in this version");
}
}  // namespace qvsim::agents
