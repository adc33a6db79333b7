// The command line of the analysis commands: analyze, plot, report and threshold. Each turns the
// words after its command name into its typed request (app/analysis_commands.hpp) with CLI11 and
// calls the library; nothing here does the work.

#include <CLI/CLI.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "api/analysis_commands.hpp"
#include "app/detail/command_line.hpp"
#include "sim/error.hpp"
#include "sim/text.hpp"

namespace qvsim {
namespace {

// Parses plot's arguments (report's, without plot_options); nullopt when --help printed help.
std::optional<PlotRequest> parse_plot_args(const std::string& command,
                                           const std::vector<std::string>& args, bool plot_options,
                                           std::ostream& out) {
  PlotRequest p;
  std::vector<std::string> dirs;
  std::optional<std::string> format;
  CLI::App app{plot_options ? "Figures of DIR's summaries into DIR/plots/ (needs "
                              "python3-matplotlib; see docs/plots.md)."
                            : "One self-contained HTML page, DIR/report.html (see docs/plots.md).",
               "qvsim " + command};
  app.add_option("DIR", dirs, "a run's, sweep's or threshold's output folder")
      ->required()
      ->type_name("");
  if (plot_options) {
    app.add_option("--x", p.x, "the swept column on the x axis")->type_name("KEY");
    detail::add_repeatable(app, "--y", p.y, "a metric to draw (repeatable)", "METRIC");
    app.add_option("--facet", p.facet, "one panel per value of this column")->type_name("KEY");
    detail::add_repeatable(app, "--where", p.where, "keep only these rows (repeatable)",
                           "KEY=VALUE");
    app.add_option("--format", format, "png, svg or both (default both)")
        ->type_name("png|svg|both");
  }
  if (!detail::parse_command(app, args, out)) return std::nullopt;
  if (format) p.format = *format;
  p.dir = dirs[0];
  return p;
}

// Parses threshold's arguments into a request; nullopt when --help printed its help.
std::optional<ThresholdRequest> parse_threshold_args(const std::vector<std::string>& args,
                                                     std::ostream& out) {
  ThresholdRequest o;
  std::vector<std::string> files;
  std::optional<std::string> range, target, width, replicates, max_replicates, seed, threads,
      out_file, max_memory;
  CLI::App app{
      "Smallest attack size reaching the target per mechanism and ballot: adaptive bisection on "
      "a scenario FILE over --range, or interpolated from a finished sweep's DIR (see "
      "docs/threshold.md).",
      "qvsim threshold"};
  app.add_option("FILE|DIR", files, "a scenario file, or a finished sweep's folder")
      ->required()
      ->type_name("");
  app.add_option("--attack", o.attack, "the attack's size: a dotted scenario key")
      ->type_name("KEY");
  app.add_option("--range", range, "the sizes to search, on a scenario")->type_name("LO:HI");
  app.add_option("--target", target, "the metric and the value it must reach (flip_rate=0.5)")
      ->type_name("METRIC=VALUE");
  app.add_option("--arm", o.arm, "the attack arm (default: the one the key names)")
      ->type_name("ARM");
  detail::add_repeatable(app, "--mechanism", o.mechanisms, "only this mechanism (repeatable)", "M");
  detail::add_repeatable(app, "--ballot", o.ballots, "only this ballot (repeatable)", "B");
  app.add_option("--width", width, "stop bisecting when the interval is this narrow")
      ->type_name("W");
  app.add_option("--replicates", replicates, "replicates per evaluation at first (>= 2)")
      ->type_name("R0");
  app.add_option("--max-replicates", max_replicates,
                 "the most replicates an evaluation may grow to")
      ->type_name("RMAX");
  app.add_option("--seed", seed, "override the scenario's seed")->type_name("S");
  app.add_option("--threads", threads, "worker threads (default: all cores)")->type_name("N");
  app.add_option("--out", out_file, "also write the table as CSV")->type_name("FILE.csv");
  app.add_option("--max-memory", max_memory,
                 "refuse a run whose estimated memory exceeds SIZE, or 'unlimited'")
      ->type_name("SIZE");
  if (!detail::parse_command(app, args, out)) return std::nullopt;
  o.input = files[0];
  if (range) set_threshold_range(o, "--range", *range);
  if (target) set_threshold_target(o, "--target", *target);
  if (width) o.width = parse_number("--width", *width);
  if (replicates) o.replicates = parse_count("--replicates", *replicates);
  if (max_replicates) o.max_replicates = parse_count("--max-replicates", *max_replicates);
  if (seed) o.seed = parse_count("--seed", *seed);
  if (threads) {
    const auto t = parse_count("--threads", *threads);
    if (t < 1 || t > 4096)
      throw InputError("", 0, "--threads", "must be in [1, 4096]", ErrorKind::usage);
    o.threads = static_cast<unsigned>(t);
  }
  if (out_file) o.out_file = *out_file;
  if (max_memory) o.max_memory = parse_memory_cap("--max-memory", *max_memory);
  return o;
}

}  // namespace

int analyze_main(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  analysis::AnalyzeOptions options;
  std::vector<std::string> dirs;
  std::optional<std::string> seed;
  std::optional<std::string> resamples;
  std::optional<std::string> baseline;
  CLI::App app{
      "Reads DIR/runs.csv and writes DIR/analysis/summary.csv and summary.json: per group x arm x "
      "mechanism, every metric's mean with t and bootstrap (percentile, BCa) 95% intervals, "
      "pooled efficiency, and paired differences against the baseline arm (default honest). "
      "effects.csv and effects.json: each attack arm's paired effect per mechanism and the "
      "contrast of every two mechanisms' effects, with intervals. Groups: every swept column, or "
      "only the --by columns. A sobol or morris sweep also gets analysis/sensitivity.csv: per arm "
      "x mechanism x metric x parameter, S1 and ST with bootstrap intervals, or Morris mu* and "
      "sigma. Columns: docs/outputs.md.",
      "qvsim analyze"};
  app.add_option("DIR", dirs, "a run's or sweep's output folder")->required()->type_name("");
  detail::add_repeatable(app, "--by", options.by, "group by this column (repeatable)", "KEY");
  app.add_option("--seed", seed, "the bootstrap's seed (default 20261126)")->type_name("S");
  app.add_option("--resamples", resamples, "bootstrap resamples (default 2000)")->type_name("B");
  app.add_option("--baseline", baseline, "the arm effects are paired against (default honest)")
      ->type_name("ARM");
  if (!detail::parse_command(app, args, out)) return 0;
  if (seed) options.seed = parse_count("--seed", *seed);
  if (resamples) options.resamples = parse_count("--resamples", *resamples);
  if (baseline) options.baseline = *baseline;
  return analyze_results(AnalyzeRequest{dirs[0], options}, out);
}

int plot_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::optional<PlotRequest> parsed = parse_plot_args("plot", args, true, out);
  if (!parsed) return 0;  // --help
  return plot_results(*parsed, out, err);
}

int report_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::optional<PlotRequest> parsed = parse_plot_args("report", args, false, out);
  if (!parsed) return 0;  // --help
  return write_report(parsed->dir, out, err);
}

int threshold_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::optional<ThresholdRequest> parsed = parse_threshold_args(args, out);
  if (!parsed) return 0;  // --help
  return find_thresholds(*parsed, out, err);
}

}  // namespace qvsim
