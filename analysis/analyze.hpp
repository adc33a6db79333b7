#pragma once
// `qvsim analyze`: grouped summaries of a run's or a sweep's runs.csv, with t and bootstrap
// intervals and paired differences against a baseline arm. The columns written are defined in
// docs/outputs.md.
//
// runs.csv is streamed (no line is kept). Per group x arm x mechanism the analysis keeps streaming
// statistics (RunningStats, RatioStats) in double and, for the bootstrap and the pairing, every
// metric value as a float (4 bytes; see analysis/bootstrap.hpp) plus an 8-byte (point, replicate)
// key per row: about 4 x metrics + 8 bytes a row, a fraction of the row's text.
//
// Reproducibility: bootstrap resamples come from Streams keyed by (seed, group index, arm name,
// mechanism, resample chunk), so the output is a pure function of (runs.csv, options), identical at
// any thread count.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "analysis/bootstrap.hpp"
#include "analysis/statistics.hpp"
#include "sim/model.hpp"

namespace qvsim::analysis {

inline constexpr std::uint64_t kDefaultAnalysisSeed = 20261126;

struct AnalyzeOptions {
  // Swept columns to group by; empty: every swept column (a run has none: one group).
  std::vector<std::string> by;
  std::uint64_t seed = kDefaultAnalysisSeed;
  std::uint64_t resamples = 2000;   // bootstrap resamples, >= 1
  std::string baseline = "honest";  // the arm paired differences are taken against
};

struct MetricSummary {
  Summary stats;           // n, missing, mean, sd, se, 95% t interval
  BootstrapInterval boot;  // 95% percentile and BCa intervals for the mean
  Summary diff;            // mean of (value - baseline's value), same point/replicate/mechanism
  BootstrapInterval diff_boot;  // its bootstrap intervals
};

struct CellSummary {
  std::size_t group = 0;  // index into Analysis::groups
  std::string arm;
  Mechanism mechanism = Mechanism::quadratic;
  std::vector<MetricSummary> metrics;  // parallel to Analysis::metric_names
  Summary efficiency_pooled;           // sum welfare_achieved / sum welfare_max, delta-method CI
};

struct Analysis {
  std::string source;                            // the runs.csv read
  std::uint64_t rows = 0;                        // data rows read
  std::vector<std::string> group_columns;        // the swept columns grouped by
  std::vector<std::vector<std::string>> groups;  // each group's values of group_columns
  std::vector<std::string> metric_names;
  std::string baseline_arm;
  std::uint64_t seed = 0;
  std::uint64_t resamples = 0;
  std::vector<CellSummary> cells;  // by group, then arm and mechanism in order of appearance
  // FNV-1a 64 of the bytes of the runs.csv read, 16 hex digits (analyze_directory only; ""
  // otherwise): the results this analysis was made from (docs/outputs.md, "Provenance of derived
  // files").
  std::string runs_csv_fnv1a64;
};

// Reads and summarizes `runs_csv` (written by `qvsim run` or `qvsim sweep`). Throws InputError
// naming the file (and line) when it is missing or not a runs.csv, when a --by key is not a swept
// column (with a suggestion), or when the baseline arm is absent. Uses oneTBB for the bootstrap.
Analysis analyze_runs(const std::filesystem::path& runs_csv, const AnalyzeOptions& options);

void write_analysis_csv(const Analysis& analysis, std::ostream& out);
void write_analysis_json(const Analysis& analysis, std::ostream& out);

// analyze_runs(dir / "runs.csv") and writes dir/analysis/summary.csv and summary.json (which
// records runs_csv_fnv1a64, the hash of the runs.csv analyzed), each through an AtomicFile
// (sim/atomic_file.hpp), so an earlier analysis is never left half-overwritten and nothing is
// written when the input is bad. Holds dir's FolderLock throughout: throws InputError (io) at once
// when another qvsim process is writing dir.
Analysis analyze_directory(const std::filesystem::path& dir, const AnalyzeOptions& options);

}  // namespace qvsim::analysis
