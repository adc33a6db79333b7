// Thresholds interpolated from a finished sweep's summary.csv (qvsim threshold DIR,
// docs/threshold.md). Split from threshold_command.cpp, which searches a scenario by bisection.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_table.hpp"
#include "api/analysis_commands.hpp"
#include "api/detail/threshold_rows.hpp"
#include "api/sweep_spec.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/text.hpp"

namespace qvsim::threshold_detail {
namespace fs = std::filesystem;
namespace {

struct SweepValue {
  double x = 0.0;
  double mean = kNaN, ci_low = kNaN, ci_high = kNaN;
  std::uint64_t n = 0;
};

}  // namespace

std::vector<Row> interpolate_sweep(const ThresholdRequest& o) {
  const fs::path file = o.input / "summary.csv";
  // A regular file of bounded size: a FIFO or device in its place must not hang the read.
  std::optional<InputFile> opened;
  try {
    opened.emplace(file, kMaxIdFileBytes, "summary.csv");
  } catch (const InputError& e) {
    throw InputError(file.string(), 0, "",
                     "cannot read a sweep's summary.csv (is the sweep finished?): " + e.message(),
                     e.kind());
  }
  std::istream& f = opened->stream();
  if (o.range)
    throw InputError("", 0, "--range", "applies to a scenario FILE, not a sweep DIR",
                     ErrorKind::usage);
  std::string line;
  if (!std::getline(f, line))
    throw InputError(file.string(), 1, "", "empty file", ErrorKind::empty);
  const std::vector<std::string> header = analysis::split_quoted(line);
  auto col = [&](const std::string& name) -> std::size_t {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      throw InputError(file.string(), 1, "", "not a sweep's summary.csv: no column '" + name + "'");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t c_point = col("point"), c_arm = col("arm"), c_mech = col("mechanism"),
                    c_metric = col("metric"), c_n = col("n"), c_mean = col("mean"),
                    c_lo = col("ci95_low"), c_hi = col("ci95_high");
  std::vector<std::string> params(header.begin() + static_cast<std::ptrdiff_t>(c_point) + 1,
                                  header.begin() + static_cast<std::ptrdiff_t>(c_arm));
  const auto key_it = std::find(params.begin(), params.end(), o.attack);
  if (key_it == params.end())
    throw InputError(file.string(), 1, "--attack",
                     "'" + o.attack + "' is not a swept parameter" +
                         did_you_mean(o.attack, params) + " (swept: " + join(params) + ")");
  const std::size_t c_key = c_point + 1 + static_cast<std::size_t>(key_it - params.begin());
  const auto ballot_it = std::find(params.begin(), params.end(), "ballot");
  const std::string arm = o.arm.empty() ? arm_of_key(o.attack) : o.arm;
  if (arm.empty())
    throw InputError("", 0, "--arm", "is required when --attack is not under arms.",
                     ErrorKind::usage);

  // group label -> (mechanism, ballot, values)
  struct Group {
    std::string mechanism, ballot, label;
    std::vector<SweepValue> values;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> metrics_seen, arms_seen;
  std::size_t line_no = 1;
  while (std::getline(f, line)) {
    ++line_no;
    if (line.empty()) continue;
    const auto cells = analysis::split_quoted(line);
    if (cells.size() != header.size())
      throw InputError(file.string(), line_no, "",
                       "expected " + std::to_string(header.size()) + " fields, got " +
                           std::to_string(cells.size()));
    if (std::find(arms_seen.begin(), arms_seen.end(), cells[c_arm]) == arms_seen.end())
      arms_seen.push_back(cells[c_arm]);
    if (std::find(metrics_seen.begin(), metrics_seen.end(), cells[c_metric]) == metrics_seen.end())
      metrics_seen.push_back(cells[c_metric]);
    if (cells[c_arm] != arm || cells[c_metric] != o.metric) continue;
    const std::string& mech = cells[c_mech];
    if (!o.mechanisms.empty() &&
        std::find_if(o.mechanisms.begin(), o.mechanisms.end(), [&](const std::string& m) {
          return to_string(parse_mechanism(m)) == mech;
        }) == o.mechanisms.end())
      continue;
    std::string ballot;
    if (ballot_it != params.end())
      ballot = cells[c_point + 1 + static_cast<std::size_t>(ballot_it - params.begin())];
    if (!o.ballots.empty() &&
        std::find(o.ballots.begin(), o.ballots.end(), ballot) == o.ballots.end())
      continue;
    std::string label;
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (params[i] == o.attack || params[i] == "ballot") continue;
      label += (label.empty() ? "" : ";") + params[i] + "=" + cells[c_point + 1 + i];
    }
    const auto x = to_number(cells[c_key]);
    if (!x)
      throw InputError(file.string(), line_no, o.attack,
                       "swept value '" + cells[c_key] + "' is not a number");
    SweepValue v;
    v.x = *x;
    auto num = [](const std::string& t) { return to_number(t).value_or(kNaN); };
    v.mean = num(cells[c_mean]);
    v.ci_low = num(cells[c_lo]);
    v.ci_high = num(cells[c_hi]);
    v.n = static_cast<std::uint64_t>(num(cells[c_n]));
    Group& g = groups[mech + "\x1f" + ballot + "\x1f" + label];
    g.mechanism = mech;
    g.ballot = ballot;
    g.label = label;
    g.values.push_back(v);
  }
  if (std::find(arms_seen.begin(), arms_seen.end(), arm) == arms_seen.end())
    throw InputError(file.string(), 0, "--arm",
                     "no arm '" + arm + "'" + did_you_mean(arm, arms_seen));
  if (std::find(metrics_seen.begin(), metrics_seen.end(), o.metric) == metrics_seen.end())
    throw InputError(file.string(), 0, "--target",
                     "unknown metric '" + o.metric + "'" + did_you_mean(o.metric, metrics_seen));

  std::vector<Row> rows;
  for (auto& [_, g] : groups) {
    std::sort(g.values.begin(), g.values.end(),
              [](const SweepValue& a, const SweepValue& b) { return a.x < b.x; });
    Row r;
    r.method = "interpolated from a sweep";
    r.arm = arm;
    r.mechanism = g.mechanism;
    r.ballot = g.ballot;
    r.group = g.label;
    r.replicates = g.values.empty() ? 0 : g.values.front().n;
    r.evaluations = g.values.size();
    const auto& v = g.values;
    if (v.size() < 2) {
      r.status = "not_reached";
      r.note = "fewer than two swept values of " + o.attack + " in this group";
      rows.push_back(r);
      continue;
    }
    const bool up = v.back().mean >= v.front().mean;
    r.direction = up ? "increasing" : "decreasing";
    const auto reaches = [&](double m) { return up ? m >= o.target : m <= o.target; };
    r.note = "interpolated from a sweep: response " + r.direction + " (mean " +
             fmt(v.front().mean) + " at " + fmt(v.front().x) + ", " + fmt(v.back().mean) + " at " +
             fmt(v.back().x) + ")";
    std::size_t j = 0;
    while (j < v.size() && !reaches(v[j].mean)) ++j;
    if (j == 0) {
      r.status = "reached_at_low";
      r.threshold = r.interval_low = r.interval_high = v[0].x;
      r.high_value = v[0].x, r.high_mean = v[0].mean, r.high_ci_low = v[0].ci_low,
      r.high_ci_high = v[0].ci_high;
      r.note += "; target already reached at the lowest swept value";
    } else if (j == v.size()) {
      r.status = "not_reached";
      r.note += "; not reached in [" + fmt(v.front().x) + ", " + fmt(v.back().x) + "]";
    } else {
      const SweepValue& a = v[j - 1];
      const SweepValue& b = v[j];
      r.status = "interpolated";
      r.threshold = a.x + (o.target - a.mean) / (b.mean - a.mean) * (b.x - a.x);
      r.interval_low = a.x;
      r.interval_high = b.x;
      r.low_value = a.x, r.low_mean = a.mean, r.low_ci_low = a.ci_low, r.low_ci_high = a.ci_high;
      r.high_value = b.x, r.high_mean = b.mean, r.high_ci_low = b.ci_low,
      r.high_ci_high = b.ci_high;
      for (std::size_t k = j + 1; k < v.size(); ++k)
        if (!reaches(v[k].mean)) {
          r.note += "; not monotone: falls back short of the target at " + fmt(v[k].x);
          break;
        }
      r.note += "; the interval is the bracketing swept values";
    }
    rows.push_back(r);
  }
  if (rows.empty())
    throw InputError(file.string(), 0, "", "no rows for arm '" + arm + "' and the given filters");
  return rows;
}

}  // namespace qvsim::threshold_detail
