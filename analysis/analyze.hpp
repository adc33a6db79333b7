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
#include <functional>
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
  // false: no resampling, every bootstrap interval NaN (the report, which shows t intervals only,
  // so that a large sweep's report is not held up by resampling it).
  bool bootstrap = true;
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

// One row of effects.csv (docs/outputs.md, "effects.csv"). An effect is the paired difference of
// an attack arm against the baseline arm under one mechanism (the diff of summary.csv); a contrast
// is the difference of two mechanisms' effects, paired on (point, replicate):
// (m1 - baseline under m1) - (m2 - baseline under m2). Intervals are clipped to `range`.
// A defence cost is what a defence mechanism (connection_oriented, pairwise_bounded) changes in
// the baseline arm itself against plain quadratic voting, paired on (point, replicate):
// baseline under the defence - baseline under quadratic (its cost to honest voters).
enum class EffectKind { effect, contrast, defence_cost };

struct EffectRow {
  std::size_t group = 0;  // index into Analysis::groups
  std::string arm;        // an attack arm; the baseline arm for a defence cost
  EffectKind kind = EffectKind::effect;
  Mechanism mechanism =
      Mechanism::quadratic;  // the effect's mechanism; a contrast's m1; the defence
  Mechanism minus_mechanism = Mechanism::quadratic;  // a contrast's m2 (quadratic for a defence
                                                     // cost); unused for an effect
  std::size_t metric = 0;                            // index into Analysis::metric_names
  Summary stats;                                     // over replicates, t interval clipped
  BootstrapInterval boot;                            // clipped to `range`
  ValueRange range;  // what the effect can be: difference_range (effect) or twice it (contrast)
};

// One mechanism's effect per replicate, the input of a contrast.
struct EffectSeries {
  std::vector<std::uint64_t> keys;  // point << 32 | replicate, one per row, no key twice
  std::vector<double> values;       // row-major, keys.size() x metrics; NaN where undefined
};

struct EffectSummary {
  Summary stats;  // n, missing, mean, sd, se, t interval clipped to the range
  BootstrapInterval boot;
};

// The contrast of `a` minus `b` for each metric (ranges.size() metrics): per row of `a`, a's value
// minus b's value at the same key; a row whose key `b` lacks, or where either value is NaN, counts
// as missing. Mean, sd, se and t interval in double; bootstrap intervals (bootstrap.hpp) from the
// differences as floats, resampled jointly over rows with streams keyed by `key` (resamples 0:
// no resampling, NaN bootstrap intervals). Every interval
// is clipped to its metric's range. contrast(a, a) is exactly 0 with zero-width intervals wherever
// a has 2 or more values. Throws std::invalid_argument when values.size() != keys.size() x
// metrics. Thread-safe.
std::vector<EffectSummary> contrast(const EffectSeries& a, const EffectSeries& b,
                                    const std::vector<ValueRange>& ranges, std::uint64_t resamples,
                                    StreamKey key);

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
  // By group, then attack arm; per arm the effects (by mechanism, then metric), then the contrasts
  // (by pair of mechanisms in order of appearance, m1 first, then metric). Metrics: every one but
  // the d_* columns; rows with no value (n = 0) are left out.
  std::vector<EffectRow> effects;
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
// effects.csv and effects.json (docs/outputs.md).
void write_effects_csv(const Analysis& analysis, std::ostream& out);
void write_effects_json(const Analysis& analysis, std::ostream& out);
// Appends to `rows` one row per metric with a value (n > 0): `head`'s group, arm, kind and
// mechanisms, metric metrics[e], sums[e] and ranges[e].
void append_effect_rows(std::vector<EffectRow>& rows, const EffectRow& head,
                        const std::vector<EffectSummary>& sums,
                        const std::vector<std::size_t>& metrics,
                        const std::vector<ValueRange>& ranges);

const char* to_string(EffectKind kind) noexcept;

// analyze_runs(dir / "runs.csv") and writes dir/analysis/summary.csv, summary.json (which
// records runs_csv_fnv1a64, the hash of the runs.csv analyzed), effects.csv and effects.json
// (which records it too), each through an AtomicFile
// (sim/atomic_file.hpp), so an earlier analysis is never left half-overwritten and nothing is
// written when the input is bad. Holds dir's FolderLock throughout: throws InputError (io) at once
// when another qvsim process is writing dir. `also`, when given, is called with dir/analysis
// after those files are written and while the lock is still held, to write further derived
// files of the same runs.csv (a sweep's sensitivity.csv).
Analysis analyze_directory(const std::filesystem::path& dir, const AnalyzeOptions& options,
                           const std::function<void(const std::filesystem::path&)>& also = {});

}  // namespace qvsim::analysis
