#pragma once
// What the `run` and `validate` commands do, as library calls.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_table.hpp"
#include "api/resources.hpp"
#include "sim/arm.hpp"
#include "sim/model.hpp"

namespace qvsim {

struct RunRequest {
  std::filesystem::path scenario_file;  // with scenario_text: only the name messages give it
  // The scenario's YAML itself (the Python package's strings and dicts), read instead of
  // scenario_file; relative paths inside it resolve against base_dir.
  std::optional<std::string> scenario_text;
  std::filesystem::path base_dir;
  std::optional<std::filesystem::path> out_dir;  // default: results/<name>, numbered if taken
  unsigned threads = 0;                          // 0: all cores
  std::optional<std::uint64_t> seed;             // overrides the scenario's seed
  std::optional<std::uint64_t> replicates;       // overrides the scenario's replicates
  bool quiet = false;                            // no progress, no table
  bool overwrite = false;                        // allow --out to name a folder holding a run
  bool proposals = false;                        // also write proposals.csv
  bool rounds = false;                           // also write rounds.csv
  std::vector<std::uint64_t> agents;             // also write agents.csv for these replicates
  std::optional<std::uint64_t> graphml;          // also write graph.graphml of this replicate
  bool progress_bar = false;                     // draw a progress bar on `err`
  MemoryCap max_memory;                          // --max-memory; unset: what is available
};

// Loads, overrides and freezes a scenario, loading its files within `max_memory`; throws
// InputError.
Model load_model(const std::filesystem::path& scenario_file, std::optional<std::uint64_t> seed,
                 std::optional<std::uint64_t> replicates, const MemoryCap& max_memory = {});
// Same for request.scenario_text when it is set, else request.scenario_file, with the request's
// overrides.
Model load_model(const RunRequest& request);

// Runs a scenario and writes runs.csv, summary.csv, summary.json and manifest.json (and, with
// request.proposals, proposals.csv; with request.rounds, rounds.csv; with request.agents,
// agents.csv; with request.graphml, graph.graphml) into the output folder; prints the summary table
// to `out` unless quiet (quiet with no --out, it prints only the folder it chose, a numbered one
// perhaps). Holds the folder's FolderLock throughout, and publishes the files together as one
// FileSet (sim/atomic_file.hpp) only when the run has finished, so a failed, interrupted or killed
// run never leaves a partial file, a mix of two runs, nor replaces an earlier run's files. Once the
// new files are published, what was derived from the earlier run (plots/, analysis/, report.html)
// is removed (api/provenance.hpp). Returns the output folder. Throws InputError for bad input
// (including an output folder already holding a run when !overwrite, or one another process is
// writing), and Interrupted when SIGINT or SIGTERM arrives before the files are published (nothing
// is written then).
std::filesystem::path run_scenario(const RunRequest& request, std::ostream& out, std::ostream& err);

// Validates a scenario and prints what a run would do: run count and estimated memory. Throws
// InputError (resources) when the estimate exceeds `max_memory` or, unset, available memory.
void validate_scenario_file(const std::filesystem::path& scenario_file, unsigned threads,
                            const MemoryCap& max_memory, std::ostream& out);

// Throws InputError (resources) when `concurrent` replicates of the largest model would need more
// memory than `max_memory` allows (unset: what the machine has available).
// The message blames the scenario's electorate.agents line.
void check_run_memory(std::uint64_t replicate_bytes, std::uint64_t concurrent,
                      const Scenario& scenario, const MemoryCap& max_memory,
                      const std::string& file);

// The arms' own metric columns of a scenario's behaviours.
analysis::ArmColumns arm_columns(const ArmBehaviours& behaviours);

// The current time as an ISO 8601 UTC timestamp, for manifests.
std::string utc_now();

// Canonical hash of a scenario: FNV-1a 64 of its resolved JSON, as 16 hex digits.
std::string scenario_hash(const std::string& scenario_json);

}  // namespace qvsim
