#include "agents/bribery.hpp"

#include <stdexcept>

// Transitional: the bribery model is being written.
namespace qvsim::agents {
std::unique_ptr<const ComponentFactory> make_bribery(const BriberySpec&) {
  throw std::logic_error("bribery is not available in this version");
}
}  // namespace qvsim::agents
