#pragma once
// Flip thresholds: the smallest attack size at which a metric reaches a target, by adaptive
// bisection with replicates added where the answer is uncertain (docs/threshold.md).
//
// The search is independent of how a point is evaluated: a callback returns the metric's mean and
// 95% confidence interval at an attack value over replicates [0, n). For common random numbers
// the callback should give replicate r the same electorate at every attack value, and reuse the
// replicates it has already run when asked for more at the same value.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qvsim::analysis {

// The target metric at one attack value, over replicates [0, replicates).
struct PointEstimate {
  double mean = 0.0;
  double ci_low = 0.0;  // 95% t interval; NaN when undefined (fewer than 2 values)
  double ci_high = 0.0;
};

// Evaluates the metric at attack value x with the first `replicates` replicates. Any exception it
// throws propagates out of find_threshold.
using PointEvaluator = std::function<PointEstimate(double x, std::uint64_t replicates)>;

struct ThresholdOptions {
  double low = 0.0;  // the range searched; low < high
  double high = 1.0;
  double target = 0.5;
  // The search stops once the bracket is at most this wide: > 0; for integer keys values below 1
  // are taken as 1.
  double width = 0.01;
  bool integer = false;                // integer attack values: integer low/high and midpoints
  std::uint64_t replicates = 10;       // R0, replicates at a first evaluation; >= 2
  std::uint64_t max_replicates = 160;  // RMAX >= R0; doubling stops here
};

enum class Direction { increasing, decreasing };

enum class ThresholdStatus {
  found,        // the bracket is narrower than the width
  undecided,    // a midpoint was still undecided at max_replicates; the bracket is the interval
  at_low,       // the target is already reached at `low`
  not_reached,  // the target is not reached at `high`
};

// One call of the evaluator.
struct ThresholdStep {
  double x = 0.0;
  std::uint64_t replicates = 0;
  PointEstimate estimate;
};

struct ThresholdResult {
  ThresholdStatus status = ThresholdStatus::not_reached;
  // Read from the ends: increasing when the mean at `high` is >= the mean at `low`. "Reaches the
  // target" means mean >= target when increasing, mean <= target when decreasing.
  Direction direction = Direction::increasing;
  // The smallest attack value known to reach the target (the bracket's upper end); `high` when
  // not reached (the value is then meaningless, see status).
  double estimate = 0.0;
  double interval_low = 0.0;         // the bracket: interval_low does not reach (as far as known),
  double interval_high = 0.0;        // interval_high does
  std::uint64_t replicates = 0;      // the most replicates used at any one value
  std::uint64_t evaluations = 0;     // calls of the evaluator
  std::uint64_t replicate_runs = 0;  // new replicates asked for, summed over values
  std::vector<ThresholdStep> steps;  // every call, in order
  std::string note;  // a sentence for the reader: direction, undecided midpoint, not reached
};

// Searches [options.low, options.high] for the smallest value whose mean reaches the target.
// Both ends are evaluated first with R0 replicates and decided by their means. Then bisection: a
// midpoint is decided when its 95% interval lies entirely on one side of the target (touching it
// counts as reaching); otherwise its replicates are doubled (up to max_replicates) and it is
// evaluated again. Equal means at both ends (a flat response) count as not reached unless they
// equal the target. Throws std::invalid_argument for options outside their ranges.
ThresholdResult find_threshold(const ThresholdOptions& options, const PointEvaluator& evaluate);

const char* to_string(Direction d) noexcept;        // "increasing" | "decreasing"
const char* to_string(ThresholdStatus s) noexcept;  // "found" | "undecided" | ...

}  // namespace qvsim::analysis
