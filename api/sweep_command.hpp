#pragma once
// What the `sweep`, `merge` and `status` commands do, as library calls.
//
// A sweep's work items are (point, replicate) pairs, numbered item = replicate * points + point,
// so items run in an interleaved order: a sweep stopped halfway is an even sample of the space.
// Shard I of N runs the items with item % N == I. Every item's rows are committed to the
// output folder's result store (one SQLite file per shard or MPI rank) together with the item's
// record; --resume skips the items already stored. runs.csv and summary.csv are exported from the
// store once every item of the sweep is done. A --resume reuses the --seed and --replicates the
// sweep was started with (recorded in its stores) unless they are given again.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "api/resources.hpp"

namespace qvsim {

struct SweepRequest {
  std::filesystem::path scenario_file;
  std::optional<std::filesystem::path> out_dir;  // default results/<name>-sweep
  unsigned threads = 0;                          // 0: all cores
  std::optional<std::uint64_t> seed;             // overrides the master seed
  std::optional<std::uint64_t> replicates;       // overrides replicates per point
  std::uint64_t shard = 0;                       // this shard, < shards
  std::uint64_t shards = 1;
  bool resume = false;        // continue a sweep in out_dir (required when it holds one)
  bool dry_run = false;       // print the plan and an estimate, write nothing
  bool quiet = false;         // no progress, no final report
  bool fail_fast = false;     // stop at the first failed item (exit 1)
  bool progress_bar = false;  // a bar on `err` (a terminal); otherwise plain lines unless quiet
  MemoryCap max_memory;       // --max-memory; unset: what the machine has available
};

// Runs (this shard of) a sweep. Returns the exit code: 0 when every item of this run succeeded,
// 1 when an item failed (recorded in the store; with fail_fast the sweep stopped). Throws
// InputError for bad input (the scenario, the sweep spec, --shard, an output folder holding
// another sweep, or one holding this sweep without --resume).
int run_sweep(const SweepRequest& request, std::ostream& out, std::ostream& err);

// What `qvsim sweep` runs: when the build has MPI (QVSIM_WITH_MPI) and the process was started by
// mpirun with more than one rank, the ranks take items from a shared counter (dynamic
// distribution; oneTBB threads inside each rank), each rank writes its own store file, and rank 0
// exports once all ranks are done. Otherwise run_sweep.
int run_sweep_command(const SweepRequest& request, std::ostream& out, std::ostream& err);

// Combines the result stores found in `inputs` (output folders of the shards of one sweep), read
// where they are (no store is copied, and no SQLite -wal or -shm file is left beside them), and
// exports runs.csv, summary.csv and summary.json into `out_dir`: identical to an unsharded
// sweep's, with the manifest an unsharded sweep writes (api/sweep_records.hpp). Each store records
// the scenario it came from, so no scenario file is needed. Throws InputError when the inputs
// belong to different sweeps or items are missing.
void merge_sweep(const std::filesystem::path& out_dir,
                 const std::vector<std::filesystem::path>& inputs, std::ostream& out);

// Prints how much of the sweep in `dir` is done: items done, failed and pending, per store file,
// and per shard "done" or the exact command that continues it; the last line is "  complete" or
// "  incomplete: ...". Throws InputError for a folder without stores or with damaged items.
// (api/sweep_records.cpp)
void sweep_status(const std::filesystem::path& dir, std::ostream& out);

}  // namespace qvsim
