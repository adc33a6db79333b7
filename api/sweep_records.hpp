#pragma once
// What a sweep folder records about where its results came from, and what `status` says about it
// (docs/sweeps.md, docs/outputs.md): the provenance keys of a sweep's manifest, the run records
// of each store (appended, one per process that wrote it) and the `<store>.json` beside it, the
// command-line overrides a sweep was started with (which `--resume` reuses), and the per-shard
// status with the exact command that continues each shard (sweep_status, declared in
// api/sweep_command.hpp, is defined in api/sweep_records.cpp).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/result_store.hpp"

namespace qvsim {

class JsonWriter;

// (I, N) of a store named shard-I-of-N.sqlite or rank-R-of-P-shard-I-of-N.sqlite; none otherwise.
std::optional<std::pair<std::uint64_t, std::uint64_t>> store_shard(
    const std::filesystem::path& store);

// Writes the provenance keys every sweep manifest starts with: name, qvsim_version, git_commit,
// compiler, build_flags, scenario_file, scenario_text_fnv1a64, scenario_text and overrides
// ({"seed", "replicates"}: the command-line value, or null).
void write_sweep_provenance(JsonWriter& w, const std::string& name, const StoreOrigin& origin);

// The run records kept beside `store` in `<store>.json` ({"store": NAME, "runs": [...]}), each
// record's JSON text, oldest first; none when there is no such file. A `<store>.json` of the format
// before records were kept (one run's object, no "runs") is read as one record. An unreadable or
// malformed file reads as none (the next run starts a fresh list).
std::vector<std::string> read_run_records(const std::filesystem::path& store);

// Writes `<store>.json` beside `store` with `records` (written atomically). The store itself is
// never touched: a run record never changes a store, damaged or not.
void write_run_records(const std::filesystem::path& store, const std::vector<std::string>& records);

// Writes "stores": per store file, its name (as `stores` gives it) and "runs", its run records.
void write_store_records(JsonWriter& w, const std::vector<std::filesystem::path>& stores);

// For a --resume into `dir`: each override missing from `origin` (seed, replicates) is taken from
// a store in `dir` written from the same scenario text, so that a resume continues the sweep as it
// was started. Returns what was taken, as command-line options ("--replicates 800"), or "".
std::string adopt_overrides(StoreOrigin& origin, const std::filesystem::path& dir);

// Throws InputError naming `dir` when a store in `stores` belongs to another sweep than `identity`.
// When only the overrides differ, the message gives the command that continues the stored sweep.
void check_same_sweep(const std::filesystem::path& dir,
                      const std::vector<std::filesystem::path>& stores,
                      const StoreIdentity& identity, const StoreOrigin& origin);

// The command that continues shard `shard` of `shards` of the sweep whose store header is
// `origin`, writing into `dir`: "qvsim sweep FILE --out DIR [--shard I/N] [overrides] --resume".
std::string continue_command(const StoreOrigin& origin, const std::filesystem::path& dir,
                             std::uint64_t shard, std::uint64_t shards);

}  // namespace qvsim
