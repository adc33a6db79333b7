#pragma once
// The tidy per-run table (runs.csv) and the per arm x mechanism summaries (summary.csv,
// summary.json, the terminal table).
//
// RunTable is the engine's OutcomeSink: it turns each replicate's outcome into one row per
// arm x mechanism with every metric, writes the rows as they arrive, and folds them into streaming
// summaries. Memory stays flat in the number of replicates.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/statistics.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"

namespace qvsim::analysis {

// One replicate x arm x mechanism.
struct RunRow {
  std::uint64_t replicate = 0;
  std::string arm;
  Mechanism mechanism = Mechanism::quadratic;
  AgentId agents = 0;
  std::uint64_t edges = 0;
  double neighbor_value_corr = 0.0;  // measured correlation of neighbours' values (homophily)
  double welfare_achieved = 0.0;     // sum |U_k| over correctly decided proposals
  double welfare_max = 0.0;          // sum |U_k|
  double efficiency = 0.0;           // welfare_achieved / welfare_max
  double wrong_rate = 0.0;           // share of proposals decided against sign(U_k)
  double intensity_accuracy = 0.0;   // corr(V_k, U_k) over proposals; NaN if undefined
  double flip_rate = 0.0;            // share decided differently from the baseline arm
  // Paired differences against the baseline arm, same replicate and mechanism (0 for itself).
  double d_efficiency = 0.0;
  double d_wrong_rate = 0.0;
  double d_intensity_accuracy = 0.0;
  std::uint32_t ties = 0;        // proposals decided by the tie coin
  double spent_per_agent = 0.0;  // mean cost paid per agent (credits, money or votes)
  double turnout = 0.0;          // share of agents casting a nonzero vote
  std::string decisions;         // one character per proposal: '+' passes, '-' fails
  // Arms' own metrics, one per ArmColumns::names; NaN where the row's arm does not have it.
  std::vector<double> arm_metrics;
};

// Columns of runs.csv before the arms' own: replicate ... decisions.
inline constexpr std::size_t kRunsCsvFixedColumns = 19;

// The engine's metrics that summaries cover, in output order (the paired differences last), each
// a RunRow field of the same name; arms' own metrics follow them in RunTable::metric_names().
struct MetricField {
  const char* name;
  double (*get)(const RunRow&);
};
const std::vector<MetricField>& summary_metric_fields();

// The range of a summarized metric's values (docs/outputs.md): [0, 1] for the shares
// (`efficiency`, `efficiency_pooled`, `wrong_rate`, `flip_rate`, `turnout`, `colluding_share`,
// `defection_rate`, `coerced_vote_share`, and the 0/1 flags `arm_inert`, `saturated`), [-1, 1]
// for `intensity_accuracy`, [-1, 1] for `d_efficiency` and `d_wrong_rate` and [-2, 2] for
// `d_intensity_accuracy` (differences of those), [0, 1] for `bribe_confidence`, [0, inf) for
// the counts and costs of the engine (`ties`, `spent_per_agent`); unbounded for any other name.
ValueRange metric_range(std::string_view metric) noexcept;

// The union of the arms' own metric columns, in order of first appearance over the arms.
struct ArmColumns {
  std::vector<std::string> names;
  std::vector<std::vector<std::size_t>> index;  // [arm][arm's metric] -> position in names

  // From each arm's ArmBehaviour::metric_names(), in scenario.arms order.
  static ArmColumns from(const std::vector<std::vector<std::string>>& per_arm);
};

// Rows of one replicate; the baseline arm is the reference for flips and paired differences.
std::vector<RunRow> make_rows(const Model& model, const ArmColumns& columns,
                              const ReplicateOutcome& outcome);

struct GroupSummary {
  std::string arm;
  Mechanism mechanism = Mechanism::quadratic;
  std::vector<Summary> metrics;  // parallel to RunTable::metric_names()
  Summary efficiency_pooled;     // ratio of sums of welfare_achieved / welfare_max
};

class RunTable final : public OutcomeSink {
 public:
  // Writes runs.csv rows to `runs_csv` (header first) when it is not null.
  RunTable(const Model& model, ArmColumns columns, std::ostream* runs_csv);

  void consume(ReplicateOutcome&& outcome) override;
  // Folds in the rows of one replicate (every arm x mechanism, in make_rows order), as read back
  // from a store; writes them to runs_csv when set.
  void add_rows(const std::vector<RunRow>& rows);

  // The metrics summarized per group, in output order: the engine's, the paired differences,
  // then the arms' own.
  const std::vector<std::string>& metric_names() const noexcept { return metric_names_; }

  std::uint64_t replicates() const noexcept { return replicates_; }
  // Mean measured neighbour value correlation over replicates.
  Summary neighbor_correlation() const { return neighbor_corr_.summary(); }
  std::vector<GroupSummary> summaries() const;

 private:
  const Model& model_;
  ArmColumns columns_;
  std::vector<std::string> metric_names_;
  std::ostream* runs_csv_;
  std::uint64_t replicates_ = 0;
  RunningStats neighbor_corr_;
  std::vector<std::vector<RunningStats>> stats_;  // [group][metric]
  std::vector<RatioStats> pooled_;                // [group]
};

void write_runs_csv_header(const ArmColumns& columns, std::ostream& out);
void write_runs_csv_row(const RunRow& row, std::ostream& out);
// The header line (no newline) and a row (no newline) as text.
std::string runs_csv_header(const ArmColumns& columns);
std::string runs_csv_row(const RunRow& row);
// Parses a row written by write_runs_csv_row (without its newline) back into the same values, bit
// for bit; `arm_metrics` columns as many as the text holds. Throws std::invalid_argument on text
// that is not such a row.
RunRow parse_runs_csv_row(std::string_view line);

// Splits a CSV line into fields, honouring double quotes ("" inside quotes is one quote; swept
// string values may be quoted); a carriage return outside quotes (a CRLF line end) is dropped.
std::vector<std::string> split_quoted(std::string_view line);

// Tidy: arm,mechanism,metric,n,missing,mean,sd,se,ci95_low,ci95_high; efficiency_pooled last.
void write_summary_csv(const RunTable& table, std::ostream& out);
void write_summary_json(const Model& model, const RunTable& table, std::ostream& out);
// A table a person reads on the terminal.
std::string format_summary_table(const Model& model, const RunTable& table);

// One line per arm x mechanism whose arm was flagged in some replicate: arm_inert (it changed no
// ballot, or one of its attacks did nothing) or saturated (every coalition reached max_size), with
// the count of replicates and what to change. Empty when nothing was flagged. The run command
// prints them as warnings and the report shows them, so that a null or capped effect is not
// published as a finding.
std::vector<std::string> flagged_arm_warnings(const RunTable& table);

// How many replicates of one arm x mechanism raised a flag, out of the n that recorded it (n = 0:
// the arm has no such flag).
struct FlagCount {
  std::uint64_t flagged = 0;
  std::uint64_t n = 0;
};
// From a flag's summary: a flag is 0 or 1 per replicate, so mean x n counts the flagged ones.
FlagCount flag_count(double mean, std::uint64_t n);
// The lines flagged_arm_warnings writes for one arm x mechanism, `where` naming it ("arm 'x'
// under quadratic"); the report builds the same lines from summary.csv.
std::vector<std::string> arm_flag_lines(const std::string& where, const FlagCount& inert,
                                        const FlagCount& saturated);

}  // namespace qvsim::analysis
