#pragma once
// The analysis commands: analyze, plot, report, threshold. Each is a library call with a typed
// request (analyze_results, plot_results, write_report, find_thresholds), and a *_main that turns
// the command line's words after the command name into that request (CLI11, --help included)
// and returns the exit code (0 success, 2 bad input, 1 internal error); bad input is thrown as
// InputError, which run_cli reports.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/analyze.hpp"
#include "api/resources.hpp"

namespace qvsim {

// What `qvsim analyze` is asked: a run's or sweep's folder and the analysis options.
struct AnalyzeRequest {
  std::filesystem::path dir;
  analysis::AnalyzeOptions options;
};

// Writes DIR/analysis/ (summary, effects, and for a sobol or morris sweep sensitivity.csv) and
// says what it wrote on `out`. Returns 0; throws InputError for bad input.
int analyze_results(const AnalyzeRequest& request, std::ostream& out);

// qvsim analyze DIR [--by KEY...] [--seed S] [--resamples B]   (api/analyze_command.cpp)
int analyze_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// What `qvsim plot` is asked (docs/plots.md).
struct PlotRequest {
  std::filesystem::path dir;
  std::optional<std::string> x;      // the swept column on the x axis
  std::vector<std::string> y;        // metrics (checked by the script)
  std::optional<std::string> facet;  // one panel per value of this column
  std::vector<std::string> where;    // KEY=VALUE row filters
  std::string format = "both";       // png, svg or both
};

// Figures of DIR's summaries into DIR/plots/ (python3-matplotlib); returns the script's exit code.
int plot_results(const PlotRequest& request, std::ostream& out, std::ostream& err);

// DIR/report.html, drawing the figures it needs first; returns 0 or the plot script's exit code.
int write_report(const std::filesystem::path& dir, std::ostream& out, std::ostream& err);

// qvsim plot DIR ...                                             (api/plot_command.cpp)
int plot_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// qvsim report DIR ...                                           (api/report_command.cpp)
int report_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// What `qvsim threshold` is asked (api/threshold_command.cpp, docs/threshold.md).
struct ThresholdRequest {
  std::filesystem::path input;  // a scenario file (bisection) or a finished sweep's folder
  std::string attack;           // the dotted key of the attack's size
  std::optional<std::pair<double, double>> range;  // set_threshold_range: bisection's LO:HI
  std::string range_text_low, range_text_high;     // as written (integer keys stay integers)
  std::string metric;                              // set_threshold_target: METRIC=VALUE
  double target = 0.0;
  std::string arm;  // default: the arm the key names
  std::vector<std::string> mechanisms;
  std::vector<std::string> ballots;
  std::optional<double> width;
  std::optional<std::uint64_t> replicates, max_replicates, seed;
  unsigned threads = 0;  // 0: all cores
  std::optional<std::filesystem::path> out_file;
  MemoryCap max_memory;
};

// Set a request's range from "LO:HI" and its target from "METRIC=VALUE"; InputError (usage)
// naming `key` when the text is not one.
void set_threshold_range(ThresholdRequest& request, const std::string& key,
                         const std::string& text);
void set_threshold_target(ThresholdRequest& request, const std::string& key,
                          const std::string& text);

// Flip thresholds by bisection on a scenario, or interpolated from a finished sweep: the table
// to `out` (and the CSV to request.out_file), progress lines to `err`. Returns 0; throws
// InputError for a bad request (keys named as the command line's options).
int find_thresholds(const ThresholdRequest& request, std::ostream& out, std::ostream& err);

// qvsim threshold FILE|DIR --attack KEY --target METRIC=VALUE ... (api/threshold_command.cpp)
// Flip thresholds by bisection on a scenario, or interpolated from a finished sweep
// (docs/threshold.md). Progress lines go to `err`, the table to `out`.
int threshold_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace qvsim
