#pragma once
// Provenance of the files derived from a result folder (docs/outputs.md, "Provenance of derived
// files"): analysis/, plots/ and report.html record the hash of the results they were made from,
// so that `report` redraws, or leaves out, whatever was made from other results.
//
// The results of a folder DIR are the files DIR/runs.csv, DIR/summary.csv and DIR/threshold*.csv
// that exist. Their results hash is the FNV-1a 64 (sim/hash.hpp) of one line "NAME HASH\n" per
// results file, in the order runs.csv, summary.csv, then the threshold*.csv files by name (byte
// order), where HASH is the FNV-1a 64 of the file's bytes as 16 lowercase hex digits. A folder
// with none of them has no results hash.

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace qvsim {

// `h` as 16 lowercase hex digits.
std::string hex64(std::uint64_t h);

// FNV-1a 64 of a regular file's bytes, read in chunks (any size). Throws InputError (io) naming
// the file when it is missing, unreadable or not a regular file (a FIFO is refused, not waited on).
std::uint64_t file_fnv1a64(const std::filesystem::path& file);

// DIR/threshold*.csv (written there by `qvsim threshold ... --out`), regular files, by name.
std::vector<std::filesystem::path> threshold_files(const std::filesystem::path& dir);

struct ResultsHash {
  std::string hex;  // the results hash; "" when the folder holds no results file
  std::vector<std::pair<std::string, std::string>> files;  // (name, its own hash), in hash order
};

// The results hash of `dir` as defined above. Throws InputError (io) for a results file that
// cannot be read.
ResultsHash results_hash(const std::filesystem::path& dir);

// The results hash a figure file written by analysis/plots.py records in its own bytes (a PNG
// tEXt chunk or an SVG dc:source element, "qvsim results fnv1a64 HASH"); "" when it records none
// or cannot be read.
std::string figure_results_hash(const std::filesystem::path& figure);

// Removes what was derived from an earlier run of `dir`: plots/, analysis/, report.html and any
// plot staging folder. Call while holding the folder's lock. Errors are ignored (a file that
// stays is found stale later by its hash).
void remove_derived_files(const std::filesystem::path& dir);

// Throws InputError (invalid) when `dir` holds a quadratic funding run (its manifest.json says
// kind: funding): `command` (analyze, plot, report) reads voting runs and sweeps; a funding run's
// summary.csv is its analysis (docs/funding.md).
void refuse_funding_results(const std::filesystem::path& dir, const std::string& command);

// Name prefix of the folders `qvsim plot` draws into before they replace DIR/plots.
inline constexpr const char* kPlotStagingPrefix = ".qvsim-plots-";

}  // namespace qvsim
