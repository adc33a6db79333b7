#pragma once
// The analysis commands of the CLI: analyze, plot, report. Each takes the arguments
// after its command name and returns an exit code (0 success, 2 bad input, 1 internal error);
// bad input is thrown as InputError, which run_cli reports.

#include <iosfwd>
#include <string>
#include <vector>

namespace qvsim {

// qvsim analyze DIR [--by KEY...] [--seed S] [--resamples B]   (app/analyze_command.cpp)
int analyze_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// qvsim plot DIR ...                                             (app/plot_command.cpp)
int plot_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// qvsim report DIR ...                                           (app/plot_command.cpp)
int report_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// qvsim threshold FILE|DIR --attack KEY --target METRIC=VALUE ... (app/threshold_command.cpp)
// Flip thresholds by bisection on a scenario, or interpolated from a finished sweep
// (docs/threshold.md). Progress lines go to `err`, the table to `out`.
int threshold_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace qvsim
