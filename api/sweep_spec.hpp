#pragma once
// Parameter sweeps: a scenario file with an optional top-level `sweep:` block, expanded into
// design points that are each a fully validated Scenario (docs/sweeps.md documents the block).
//
// Everything is checked before anything runs: first the sweep block itself, then every point's
// scenario. Every problem is one InputError naming the file, the 1-based line and a key path, e.g.
//   "sweep.yaml:14: sweep.parameters.graph.degree: point 1 (graph.degree=5): graph.degree: must be
//    an even integer >= 2, got 5".
//
// Seeds: a point's scenario.seed is point_seed(master seed, point key), and the key depends only
// on the point's own settings (and, in random and Latin-hypercube designs, its sample index), so
// a point's results do not depend on which other points are in the sweep.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace qvsim {

enum class SweepDesign {
  grid,             // the cartesian product of the axes
  random,           // `samples` independent draws
  latin_hypercube,  // `samples` draws, each parameter hitting each of `samples` strata once
  sobol,            // a Saltelli design: `samples` base rows of d + 2 points (analysis/sensitivity)
  morris,           // `trajectories` Morris trajectories of d + 1 points on a `levels`-level grid
};

struct SweepPoint {
  // Position in the design order: grid points with the last axis varying fastest; random and
  // Latin-hypercube points by sample number; Sobol' points by base row, then A, B, A_B^(1..d)
  // (SaltelliDesign's order); Morris points by trajectory, then step (MorrisDesign's). 0-based.
  std::uint64_t index = 0;
  // Stable 64-bit FNV-1a hash of the point's (path, canonical value) pairs, sorted by path; in
  // random and Latin-hypercube designs the sample index is hashed too, so two samples that happen
  // to draw the same values are still independent. 0 for the single point of a file without sweep.
  std::uint64_t key = 0;
  // Swept dotted path -> canonical value text (its JSON form: 6, 0.25, "secret", ["quadratic"]),
  // in parameter order (SweepPlan::parameters).
  std::vector<std::pair<std::string, std::string>> values;
  // Fully validated; scenario.seed is the point's derived seed, scenario.replicates the plan's.
  Scenario scenario;
};

struct SweepPlan {
  std::string name;               // the base scenario's name (it cannot be swept)
  std::uint64_t master_seed = 0;  // the file's seed, or the --seed override
  std::uint64_t replicates = 0;   // per point: the file's, or the --replicates override; >= 1
  SweepDesign design = SweepDesign::grid;
  std::vector<std::string> parameters;  // swept paths: `parameters` in file order, then zip groups
  // The design's sizes: `samples` (random, latin_hypercube, sobol: base rows), `trajectories` and
  // `levels` (morris); 0 where the design has none. A Sobol' or Morris design's inputs are its
  // axes (each parameter, each zip group as one), `axes` of them, in parameter order.
  std::uint64_t samples = 0;
  std::uint64_t trajectories = 0;
  std::uint32_t levels = 0;
  std::size_t axes = 0;
  // Per axis, the paths it sets (one, or a zip group's members).
  std::vector<std::vector<std::string>> axis_paths;
  std::vector<SweepPoint> points;  // in design order; at least one
  // The resolved sweep block as canonical JSON (design, samples, every parameter with its values
  // or its distribution; ranges are listed as their values): equal specs give equal bytes, so its
  // hash identifies the sweep. "null\n" when the file has no sweep block.
  std::string spec_json;
  // False when the file has no sweep: block; the plan then has exactly one point, the scenario
  // itself, with key 0 and seed equal to the master seed.
  bool has_sweep = false;
};

// The most points one sweep may expand to (a grid's product, or `samples`).
inline constexpr std::uint64_t kMaxSweepPoints = 1'000'000;

// The most work items (points x replicates) one sweep may have. A sweep keeps a done bit per item
// and a record per item in its store; 2^32 items of at least one replicate each is beyond any
// sweep that can finish, and the bound keeps every count far from 64-bit overflow.
inline constexpr std::uint64_t kMaxSweepItems = std::uint64_t{1} << 32;

// Throws InputError when `s` is a quadratic funding scenario (kind: funding): `command` (sweep,
// threshold) takes voting scenarios only; a funding scenario runs with `qvsim run`.
void refuse_funding(const Scenario& s, const std::string& label, const std::string& command);

// Reads a scenario file with an optional `sweep:` block and expands it into validated points.
// `seed` and `replicates` override the file's values (they apply to the base scenario before
// expansion; replicates must be >= 1). Every point's scenario.source_file is `file`.
// Throws InputError for an unreadable file, malformed YAML, a bad sweep block, or the first
// point (in design order) whose scenario is invalid.
SweepPlan load_sweep(const std::filesystem::path& file, std::optional<std::uint64_t> seed,
                     std::optional<std::uint64_t> replicates);

// Same, from text; `label` names the file in messages and `base_dir` resolves relative paths
// inside the scenario (edge-list files). Points' source_file is left empty.
SweepPlan parse_sweep(const std::string& text, const std::string& label,
                      const std::filesystem::path& base_dir, std::optional<std::uint64_t> seed,
                      std::optional<std::uint64_t> replicates);

// The seed of a point: a splitmix64-style mix of the master seed and the point key. For a fixed
// master seed it is a bijection of the key (distinct keys never share a seed). Part of the
// reproducibility contract: never change it (tests pin golden values).
std::uint64_t point_seed(std::uint64_t master_seed, std::uint64_t point_key) noexcept;

// The stream key of a Sobol' (round 3) or Morris (round 4) design's draws: seed = master seed,
// purpose sweep_design (analysis/sensitivity.hpp keys its draws from it). `qvsim analyze`
// rebuilds the same design from it.
StreamKey sensitivity_design_key(std::uint64_t master_seed, SweepDesign design) noexcept;

// "grid", "random", "latin_hypercube", "sobol" or "morris".
const char* to_string(SweepDesign d) noexcept;

}  // namespace qvsim
