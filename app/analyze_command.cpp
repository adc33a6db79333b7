// qvsim analyze DIR [--by KEY ...] [--seed S] [--resamples B] [--baseline ARM]
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <optional>
#include <ostream>
#include <sstream>

#include "analysis/analyze.hpp"
#include "analysis/sensitivity_table.hpp"
#include "app/analysis_commands.hpp"
#include "app/sweep_spec.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"

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

// The design of a sobol or morris sweep from DIR/manifest.json (its resolved `sweep` and
// master_seed); nullopt for a run, another design, or a folder without a manifest.
std::optional<analysis::SensitivitySpec> sensitivity_spec(const std::filesystem::path& dir,
                                                          const analysis::AnalyzeOptions& o) {
  const std::filesystem::path file = dir / "manifest.json";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  // Bounded, and never a hang on a FIFO or device put in its place (sim/input_file.hpp).
  const std::string text = read_input_file(file, kMaxIdFileBytes, "manifest.json");
  YAML::Node m;
  try {
    m = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(file.string(), 0, "", std::string("cannot be read: ") + e.what());
  }
  const YAML::Node sweep = m["sweep"];
  if (!sweep || !sweep.IsMap() || !sweep["design"]) return std::nullopt;
  const std::string design = sweep["design"].as<std::string>();
  if (design != "sobol" && design != "morris") return std::nullopt;
  try {
    analysis::SensitivitySpec spec;
    const auto master = m["master_seed"].as<std::uint64_t>();
    if (design == "sobol") {
      spec.design = analysis::SensitivitySpec::Design::sobol;
      spec.samples = sweep["samples"].as<std::uint64_t>();
    } else {
      spec.design = analysis::SensitivitySpec::Design::morris;
      spec.trajectories = sweep["trajectories"].as<std::uint64_t>();
      spec.levels = sweep["levels"].as<std::uint32_t>();
      spec.design_key = sensitivity_design_key(master, SweepDesign::morris);
    }
    // The design's inputs: each parameter outside a zip group, then each group (SweepPlan::axes).
    std::vector<std::string> groups;
    for (const YAML::Node& p : sweep["parameters"]) {
      const auto path = p["path"].as<std::string>();
      if (!p["zip"]) {
        spec.inputs.push_back(path);
        continue;
      }
      const auto g = p["zip"].as<std::size_t>();
      if (groups.size() <= g) groups.resize(g + 1);
      groups[g] += (groups[g].empty() ? "" : "+") + path;
    }
    spec.inputs.insert(spec.inputs.end(), groups.begin(), groups.end());
    spec.seed = o.seed;
    spec.resamples = o.resamples;
    return spec;
  } catch (const YAML::Exception& e) {
    throw InputError(file.string(), 0, "sweep",
                     "does not describe a " + design + " design: " + e.what());
  }
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
             "  A sobol or morris sweep also gets analysis/sensitivity.csv: per arm x mechanism x\n"
             "  metric x parameter, S1 and ST with bootstrap intervals, or Morris mu* and sigma.\n"
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
  // A sobol or morris sweep also gets its sensitivity indices, written under the same lock.
  const std::filesystem::path dir(dirs[0]);
  const auto spec = sensitivity_spec(dir, options);
  std::size_t sensitivity_rows = 0;
  const auto sensitivity = [&](const std::filesystem::path& out_dir) {
    const auto rows = analysis::sensitivity_from_runs(dir / "runs.csv", *spec);
    std::ostringstream csv;
    analysis::write_sensitivity_csv(*spec, rows, csv);
    write_file_atomically(out_dir / "sensitivity.csv", csv.str());
    sensitivity_rows = rows.size();
  };
  const auto a = spec ? analysis::analyze_directory(dir, options, sensitivity)
                      : analysis::analyze_directory(dir, options);
  out << "analyze: " << a.rows << " rows, " << a.groups.size() << " group(s), " << a.cells.size()
      << " group x arm x mechanism cells; wrote " << (dir / "analysis").string()
      << "/summary.csv, summary.json, effects.csv and effects.json (" << a.effects.size()
      << " effect and contrast rows)\n";
  if (spec) {
    out << "analyze: " << sensitivity_rows << " sensitivity rows ("
        << (spec->design == analysis::SensitivitySpec::Design::sobol ? "Sobol' S1, ST"
                                                                     : "Morris mu*, sigma")
        << "); wrote " << (dir / "analysis").string() << "/sensitivity.csv\n";
  }
  return 0;
}

}  // namespace qvsim
