#include "app/analysis_commands.hpp"

#include "sim/error.hpp"

// Transitional: being written.
namespace qvsim {
int plot_main(const std::vector<std::string>&, std::ostream&, std::ostream&) {
  throw InputError("", 0, "", "'plot' is not available in this version");
}
int report_main(const std::vector<std::string>&, std::ostream&, std::ostream&) {
  throw InputError("", 0, "", "'report' is not available in this version");
}
}  // namespace qvsim
