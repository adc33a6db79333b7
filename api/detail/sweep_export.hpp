#pragma once
// Internal to the sweep driver (api/sweep_command.cpp) and its export and merge
// (api/sweep_export.cpp): a sweep prepared for running or exporting, and what both use.

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_table.hpp"
#include "api/result_store.hpp"
#include "api/sweep_spec.hpp"
#include "sim/arm.hpp"
#include "sim/atomic_file.hpp"
#include "sim/model.hpp"

namespace qvsim::sweep_detail {

// Everything a sweep needs, built and validated before any item runs.
struct Prepared {
  SweepPlan plan;
  std::vector<Model> models;              // per point
  std::vector<ArmBehaviours> behaviours;  // per point
  analysis::ArmColumns columns;           // the same for every point
  StoreIdentity identity;
  StoreOrigin origin;
  std::uint64_t items() const { return plan.points.size() * plan.replicates; }
};

// Builds models and behaviours for every point; `load_graphs` is false when only exporting. Files
// (an edge list, a values file) are loaded once and shared by every point that names them, each
// load bounded by `memory_bytes`.
Prepared prepare(const StoreOrigin& origin, bool load_graphs,
                 std::uint64_t memory_bytes = std::numeric_limits<std::uint64_t>::max());

// Writes runs.csv, summary.csv and summary.json into `dir` from the stores `files`.
void export_results(const Prepared& p, const std::vector<std::filesystem::path>& files,
                    const std::filesystem::path& dir);

// The sweep's manifest: its provenance (api/sweep_records.hpp), the resolved sweep and its points,
// the run records of `stores`, and once exported (`exported`) the size and hash of each file.
std::string sweep_manifest(const Prepared& p, std::uint64_t shards, unsigned threads,
                           const std::vector<std::filesystem::path>& stores,
                           const std::filesystem::path* exported);

// The spec hash a folder's manifest.json names, "" when it has none, nullopt without a manifest.
std::optional<std::string> manifest_spec_hash(const std::filesystem::path& dir);

// The lock every process takes on a sweep folder while it writes the manifest or exports.
FileLock lock_folder(const std::filesystem::path& dir);

}  // namespace qvsim::sweep_detail
