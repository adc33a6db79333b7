#pragma once
// The qvsim command line, as a function tests can call in-process.

#include <iosfwd>
#include <string>
#include <vector>

namespace qvsim {

// Runs the command line `args` (without the program name). Returns the exit code: 0 success,
// 2 bad input (scenario, edge list or arguments; one message on `err`), 1 internal error.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace qvsim
