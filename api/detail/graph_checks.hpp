#pragma once
// Checks of a resolved scenario's graph block (api/scenario_checks.cpp runs them): parameters in
// range, and a generated graph no larger than a Graph holds.

#include <string>

#include "sim/error.hpp"
#include "sim/scenario.hpp"

namespace qvsim::yaml_detail {

// Throws InputError naming the offending graph key and its line.
void validate_graph(const Scenario& s, const std::string& label);

// For checks on the resolved scenario: throws InputError at the key's line (or its nearest
// enclosing key's), shared with scenario_checks.cpp.
[[noreturn]] void invalid(const Scenario& s, const std::string& label, const std::string& key,
                          std::string message, ErrorKind kind = ErrorKind::invalid);

inline bool in_unit(double x) { return x >= 0.0 && x <= 1.0; }

}  // namespace qvsim::yaml_detail
