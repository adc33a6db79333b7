#include "app/analysis_commands.hpp"

#include "sim/error.hpp"

// Transitional: being written.
namespace qvsim {
int threshold_main(const std::vector<std::string>&, std::ostream&, std::ostream&) {
  throw InputError("", 0, "", "'threshold' is not available in this version");
}
}  // namespace qvsim
