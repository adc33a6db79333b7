#pragma once
// `qvsim analyze` on a sobol or morris sweep: sensitivity indices of every metric, per arm x
// mechanism, from the per-point means over replicates of a sweep's runs.csv. Writes
// DIR/analysis/sensitivity.csv (columns in docs/outputs.md); the estimators are those of
// analysis/sensitivity.hpp.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "analysis/sensitivity.hpp"
#include "sim/model.hpp"
#include "sim/rng.hpp"

namespace qvsim::analysis {

// What the sweep's design was, as its manifest records it.
struct SensitivitySpec {
  enum class Design { sobol, morris } design = Design::sobol;
  std::uint64_t samples = 0;        // sobol: base rows N
  std::uint64_t trajectories = 0;   // morris: r
  std::uint32_t levels = 0;         // morris: p
  std::vector<std::string> inputs;  // the design's inputs in order (a zip group's paths joined
                                    // by '+'); d = inputs.size()
  StreamKey design_key;             // morris: the key its design was drawn with
  std::uint64_t seed = 0;           // bootstrap seed (sobol)
  std::uint64_t resamples = 0;      // bootstrap resamples (sobol), >= 1
};

struct SensitivityRow {
  std::string arm;
  Mechanism mechanism = Mechanism::quadratic;
  std::string metric;
  std::size_t input = 0;  // index into SensitivitySpec::inputs
  SobolIndex first;       // sobol
  SobolIndex total;
  std::uint64_t rows = 0;  // sobol: base rows used
  MorrisIndex morris;      // morris
};

// Reads `runs_csv` (a sweep's, whose rows start with point and the swept columns) and computes
// per arm x mechanism x metric x input the indices, from each point's mean over its replicates
// (NA values skipped; a point with no value is missing: its Sobol' base row, or its Morris
// effects, are left out). Rows are in order of first appearance of arm and mechanism, then
// metric (runs.csv's order), then input. Throws InputError naming the file and line for a
// malformed runs.csv, or when its points do not match the design's size. Identical at any thread
// count (analysis/sensitivity.hpp).
std::vector<SensitivityRow> sensitivity_from_runs(const std::filesystem::path& runs_csv,
                                                  const SensitivitySpec& spec);

void write_sensitivity_csv(const SensitivitySpec& spec, const std::vector<SensitivityRow>& rows,
                           std::ostream& out);

}  // namespace qvsim::analysis
