// qvsim analyze DIR [--by KEY ...] [--seed S] [--resamples B] [--baseline ARM]
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <optional>
#include <ostream>
#include <sstream>

#include "analysis/analyze.hpp"
#include "analysis/sensitivity_table.hpp"
#include "api/analysis_commands.hpp"
#include "api/provenance.hpp"
#include "api/sweep_spec.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"

namespace qvsim {
namespace {

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

int analyze_results(const AnalyzeRequest& request, std::ostream& out) {
  const analysis::AnalyzeOptions& options = request.options;
  if (options.resamples < 1 || options.resamples > 10'000'000) {
    throw InputError("", 0, "--resamples",
                     "must be in [1, 10000000], got " + std::to_string(options.resamples),
                     ErrorKind::usage);
  }
  // A sobol or morris sweep also gets its sensitivity indices, written under the same lock.
  const std::filesystem::path& dir = request.dir;
  refuse_funding_results(dir, "analyze");
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
