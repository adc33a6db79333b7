// qvsim analyze DIR [--by KEY ...] [--seed S] [--resamples B] [--baseline ARM]
#include <charconv>
#include <ostream>

#include "analysis/analyze.hpp"
#include "app/analysis_commands.hpp"
#include "sim/error.hpp"

namespace qvsim {
namespace {

std::uint64_t parse_u64(const std::string& option, const std::string& text) {
  std::uint64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto res = std::from_chars(text.data(), end, v);
  if (text.empty() || res.ec != std::errc() || res.ptr != end) {
    throw InputError("", 0, option, "must be a non-negative integer, got '" + text + "'",
                     ErrorKind::usage);
  }
  return v;
}

}  // namespace

int analyze_main(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  analysis::AnalyzeOptions options;
  std::vector<std::string> dirs;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw InputError("", 0, a, "needs a value", ErrorKind::usage);
      return args[++i];
    };
    if (a == "--by") {
      options.by.push_back(value());
    } else if (a == "--seed") {
      options.seed = parse_u64(a, value());
    } else if (a == "--resamples") {
      options.resamples = parse_u64(a, value());
      if (options.resamples < 1 || options.resamples > 10'000'000) {
        throw InputError("", 0, a,
                         "must be in [1, 10000000], got " + std::to_string(options.resamples),
                         ErrorKind::usage);
      }
    } else if (a == "--baseline") {
      options.baseline = value();
    } else if (a == "--help" || a == "-h") {
      out << "Usage: qvsim analyze DIR [--by KEY ...] [--seed S] [--resamples B] [--baseline ARM]\n"
             "  Reads DIR/runs.csv and writes DIR/analysis/summary.csv and summary.json: per group "
             "x\n"
             "  arm x mechanism, every metric's mean with t and bootstrap (percentile, BCa) 95%\n"
             "  intervals, pooled efficiency, and paired differences against the baseline arm\n"
             "  (default honest). effects.csv and effects.json: each attack arm's paired effect\n"
             "  per mechanism and the contrast of every two mechanisms' effects, with intervals.\n"
             "  Groups: every swept column, or only the --by columns.\n"
             "  --seed S (default 20261126) and --resamples B (default 2000) fix the bootstrap.\n"
             "  Columns: docs/outputs.md.\n";
      return 0;
    } else if (a.rfind("--", 0) == 0) {
      throw InputError("", 0, a, "unknown option for 'analyze'; try 'qvsim analyze --help'",
                       ErrorKind::usage);
    } else {
      dirs.push_back(a);
    }
  }
  if (dirs.empty())
    throw InputError("", 0, "", "'analyze' needs a results folder DIR", ErrorKind::usage);
  if (dirs.size() > 1)
    throw InputError("", 0, "", "unexpected argument '" + dirs[1] + "'", ErrorKind::usage);
  const auto a = analysis::analyze_directory(dirs[0], options);
  out << "analyze: " << a.rows << " rows, " << a.groups.size() << " group(s), " << a.cells.size()
      << " group x arm x mechanism cells; wrote "
      << (std::filesystem::path(dirs[0]) / "analysis").string()
      << "/summary.csv, summary.json, effects.csv and effects.json (" << a.effects.size()
      << " effect and contrast rows)\n";
  return 0;
}

}  // namespace qvsim
