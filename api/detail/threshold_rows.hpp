#pragma once
// Internal to the threshold search (api/threshold_command.cpp, bisection on a scenario, and
// api/threshold_sweep.cpp, interpolation on a finished sweep): the table's rows and the helpers
// both use.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "api/analysis_commands.hpp"
#include "sim/scenario.hpp"

namespace qvsim::threshold_detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One line of the table: a mechanism, ballot and group's threshold, how it was found, and the
// response on either side of it.
struct Row {
  std::string method;  // "bisection" | "interpolated from a sweep"
  std::string arm, mechanism, ballot, group;
  std::string status, direction;
  double threshold = kNaN, interval_low = kNaN, interval_high = kNaN;
  std::uint64_t replicates = 0, evaluations = 0;
  double spent_per_agent = kNaN;
  double spend[3] = {kNaN, kNaN, kNaN};
  double low_value = kNaN, low_mean = kNaN, low_ci_low = kNaN, low_ci_high = kNaN;
  double high_value = kNaN, high_mean = kNaN, high_ci_low = kNaN, high_ci_high = kNaN;
  std::string note;
};

// `t` as a finite number, or nullopt.
std::optional<double> to_number(const std::string& t);
// The arm named by the key (arms.NAME....), or "".
std::string arm_of_key(const std::string& key);
// A number for the table and notes: "%.4g", "-" for NaN.
std::string fmt(double x);
// A mechanism's name or alias, or InputError (usage) naming --mechanism.
Mechanism parse_mechanism(const std::string& t);

// The thresholds interpolated from a finished sweep's folder (request.input).
std::vector<Row> interpolate_sweep(const ThresholdRequest& request);

}  // namespace qvsim::threshold_detail
