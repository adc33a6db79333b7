// qvsim threshold: the smallest attack size at which a metric reaches a target, per mechanism and
// ballot regime, by adaptive bisection on a scenario or by interpolation on a finished sweep
// (docs/threshold.md).

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "agents/behaviours.hpp"
#include "analysis/run_table.hpp"
#include "analysis/statistics.hpp"
#include "analysis/threshold.hpp"
#include "api/analysis_commands.hpp"
#include "api/detail/threshold_rows.hpp"
#include "api/run_command.hpp"
#include "api/scenario_yaml.hpp"
#include "api/sweep_spec.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/json.hpp"
#include "sim/parallel.hpp"
#include "sim/runner.hpp"
#include "sim/text.hpp"

namespace qvsim {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kDefaultReplicates = 20;
constexpr std::uint64_t kDefaultMaxFactor = 16;
// Arm columns reported at the threshold, where the attack arm has them.
const char* const kSpendColumns[] = {"bribe_spent", "credits_saved", "complied"};

using Options = ThresholdRequest;
using namespace threshold_detail;

// ---- small helpers -------------------------------------------------------------------------

bool is_integer_text(const std::string& t) {
  std::size_t i = (!t.empty() && t[0] == '-') ? 1 : 0;
  if (i >= t.size()) return false;
  for (; i < t.size(); ++i)
    if (t[i] < '0' || t[i] > '9') return false;
  return true;
}

std::string value_text(double x, bool integer) {
  if (integer) return std::to_string(static_cast<long long>(x));
  return format_double(x);
}

std::string cell(double x) { return std::isnan(x) ? std::string() : format_double(x); }

// ---- arguments -----------------------------------------------------------------------------

// What a request must satisfy beyond its types (keys named as the command line's options).
void check_request(const Options& o) {
  if (o.attack.empty())
    throw InputError("", 0, "--attack", "is required (a dotted scenario key)", ErrorKind::usage);
  if (o.metric.empty())
    throw InputError("", 0, "--target", "is required (METRIC=VALUE)", ErrorKind::usage);
  for (char c : o.attack) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                    c == '.' || c == '[' || c == ']';
    if (!ok)
      throw InputError("", 0, "--attack", "not a dotted key path: '" + o.attack + "'",
                       ErrorKind::usage);
  }
  if (o.width && !(*o.width > 0))
    throw InputError("", 0, "--width", "must be > 0", ErrorKind::usage);
  if (o.replicates && *o.replicates < 2) {
    throw InputError("", 0, "--replicates", "must be >= 2 (an interval needs two)",
                     ErrorKind::usage);
  }
  if (o.replicates && *o.replicates > kMaxReplicates) {
    throw InputError("", 0, "--replicates", "must be <= " + std::to_string(kMaxReplicates),
                     ErrorKind::usage);
  }
  if (o.max_replicates && *o.max_replicates > kMaxReplicates) {
    throw InputError("", 0, "--max-replicates", "must be <= " + std::to_string(kMaxReplicates),
                     ErrorKind::usage);
  }
  if (o.max_replicates && *o.max_replicates < o.replicates.value_or(kDefaultReplicates))
    throw InputError("", 0, "--max-replicates", "must be >= --replicates", ErrorKind::usage);
  if (o.threads > 4096)
    throw InputError("", 0, "--threads", "must be in [1, 4096]", ErrorKind::usage);
}

// ---- output rows ---------------------------------------------------------------------------

void write_csv(const Options& o, const std::vector<Row>& rows, std::ostream& f) {
  f << "method,arm,mechanism,ballot,group,attack,metric,target,direction,status,threshold,"
       "interval_low,interval_high,replicates,evaluations,spent_per_agent,bribe_spent,"
       "credits_saved,complied,low_value,low_mean,low_ci95_low,low_ci95_high,high_value,"
       "high_mean,high_ci95_low,high_ci95_high,note\n";
  for (const Row& r : rows) {
    f << csv_field(r.method) << ',' << csv_field(r.arm) << ',' << r.mechanism << ','
      << csv_field(r.ballot) << ',' << csv_field(r.group) << ',' << csv_field(o.attack) << ','
      << o.metric << ',' << format_double(o.target) << ',' << r.direction << ',' << r.status << ','
      << cell(r.threshold) << ',' << cell(r.interval_low) << ',' << cell(r.interval_high) << ','
      << r.replicates << ',' << r.evaluations << ',' << cell(r.spent_per_agent);
    for (double s : r.spend) f << ',' << cell(s);
    for (double x : {r.low_value, r.low_mean, r.low_ci_low, r.low_ci_high, r.high_value,
                     r.high_mean, r.high_ci_low, r.high_ci_high})
      f << ',' << cell(x);
    f << ',' << csv_field(r.note) << '\n';
  }
}

void print_table(const Options& o, const std::vector<Row>& rows, std::ostream& out) {
  out << "threshold of " << o.attack << " for " << o.metric << " = " << format_double(o.target)
      << " (" << (rows.empty() ? std::string("no rows") : rows.front().method) << ")\n";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-19s %-9s %-20s %-14s %-11s %-23s %5s %5s %10s\n", "mechanism",
                "ballot", "group", "status", "threshold", "interval", "reps", "evals", "spent/agt");
  out << buf;
  for (const Row& r : rows) {
    const std::string interval = "[" + fmt(r.interval_low) + ", " + fmt(r.interval_high) + "]";
    std::snprintf(buf, sizeof buf, "%-19s %-9s %-20s %-14s %-11s %-23s %5llu %5llu %10s\n",
                  r.mechanism.c_str(), r.ballot.empty() ? "-" : r.ballot.c_str(),
                  r.group.empty() ? "-" : r.group.c_str(), r.status.c_str(),
                  r.status == "not_reached" ? "-" : fmt(r.threshold).c_str(), interval.c_str(),
                  static_cast<unsigned long long>(r.replicates),
                  static_cast<unsigned long long>(r.evaluations), fmt(r.spent_per_agent).c_str());
    out << buf;
    out << "    " << r.note;
    for (std::size_t i = 0; i < 3; ++i)
      if (!std::isnan(r.spend[i])) out << "; " << kSpendColumns[i] << " " << fmt(r.spend[i]);
    out << '\n';
  }
}

void write_out(const Options& o, const std::vector<Row>& rows, std::ostream& out) {
  if (!o.out_file) return;
  try {
    write_file_atomically(*o.out_file, [&](std::ostream& f) { write_csv(o, rows, f); });
  } catch (const InputError& e) {
    throw InputError(e.file(), e.line(), "--out", e.message(), e.kind());
  }
  out << "wrote " << o.out_file->string() << '\n';
}

// ---- bisection on a scenario ---------------------------------------------------------------

// A scenario at one attack value, ready to run, with the attack arm's metrics per replicate.
struct Point {
  Point(Scenario s, const LoadOptions& load)
      : model(freeze(std::move(s), load)),
        behaviours(agents::make_behaviours(model.scenario)),
        columns(arm_columns(behaviours)) {}
  Model model;
  ArmBehaviours behaviours;
  analysis::ArmColumns columns;
  std::vector<std::vector<double>> per_replicate;  // [replicate][metric], the attack arm's
};

class ScenarioSearch {
 public:
  ScenarioSearch(const Options& o, std::string text, std::string label, fs::path base_dir)
      : o_(o), text_(std::move(text)), label_(std::move(label)), base_dir_(std::move(base_dir)) {
    const SweepPlan plan = parse_sweep(text_, label_, base_dir_, o.seed, std::nullopt);
    if (plan.has_sweep)
      throw InputError(label_, 0, "sweep",
                       "'threshold' takes a scenario without a sweep: block; for a finished sweep "
                       "pass its output folder");
    base_ = plan.points.front().scenario;
    refuse_funding(base_, label_, "'threshold'");
    seed_ = plan.master_seed;
    arm_ = o.arm.empty() ? arm_of_key(o.attack) : o.arm;
    if (arm_.empty()) {
      for (const auto& a : base_.arms)
        if (a.name != base_.baseline_arm) {
          arm_ = a.name;
          break;
        }
    }
    std::vector<std::string> names;
    for (const auto& a : base_.arms) names.push_back(a.name);
    if (arm_.empty()) throw InputError(label_, 0, "arms", "has no arm besides the baseline");
    if (std::find(names.begin(), names.end(), arm_) == names.end())
      throw InputError(label_, 0, "--arm", "no arm '" + arm_ + "'" + did_you_mean(arm_, names));
    if (arm_ == base_.baseline_arm)
      throw InputError(label_, 0, "--arm",
                       "'" + arm_ + "' is the baseline arm; name an attack arm");
    // The attack changes no sizes, so the base scenario's estimate holds at every point.
    const std::uint64_t most =
        std::max<std::uint64_t>({base_.replicates, o.replicates.value_or(kDefaultReplicates),
                                 o.max_replicates.value_or(0)});
    check_run_memory(
        estimate_replicate_bytes(freeze(base_, {memory_limit(o.max_memory), &shared_})),
        std::min<std::uint64_t>(resolve_threads(o.threads), most), base_, o.max_memory, label_);
  }

  const std::string& arm() const { return arm_; }
  const Scenario& base() const { return base_; }

  // The scenario with KEY = x, one mechanism and ballot, and only the baseline and attack arms
  // (streams are keyed by arm name and the tie coin by replicate, so dropping arms and
  // mechanisms changes no draw). The seed is the master seed at every x: common random numbers.
  Scenario scenario_at(double x, bool integer, Mechanism m, Ballot b) const {
    const std::string v = value_text(x, integer);
    const std::string text =
        text_ + "\nsweep:\n  parameters:\n    \"" + o_.attack + "\": [" + v + "]\n";
    Scenario s;
    try {
      s = parse_sweep(text, label_, base_dir_, o_.seed, std::nullopt).points.front().scenario;
    } catch (const InputError& e) {
      throw InputError(label_, 0, "--attack", o_.attack + " = " + v + ": " + e.message());
    }
    s.seed = seed_;
    s.mechanisms = {m};
    s.ballot = b;
    std::vector<ArmSpec> arms;
    for (auto& a : s.arms)
      if (a.name == s.baseline_arm || a.name == arm_) arms.push_back(std::move(a));
    s.arms = std::move(arms);
    return s;
  }

  // Integer keys: both ends written as integers, and the key refuses a fractional value.
  bool integer_key(double lo, double hi) const {
    if (!is_integer_text(o_.range_text_low) || !is_integer_text(o_.range_text_high)) return false;
    const Mechanism m = base_.mechanisms.front();
    (void)scenario_at(lo, true, m, base_.ballot);  // surfaces errors of the key itself
    (void)scenario_at(hi, true, m, base_.ballot);
    try {
      (void)scenario_at(lo + 0.5, false, m, base_.ballot);
    } catch (const InputError&) {
      return true;
    }
    return false;
  }

  Row run(Mechanism m, Ballot b, std::ostream& err) {
    const bool integer = integer_key(o_.range->first, o_.range->second);
    std::map<double, std::unique_ptr<Point>> cache;
    std::size_t metric = 0;
    std::vector<std::string> metric_names;
    auto point = [&](double x) -> Point& {
      auto& p = cache[x];
      if (!p) {
        p = std::make_unique<Point>(scenario_at(x, integer, m, b),
                                    LoadOptions{memory_limit(o_.max_memory), &shared_});
        analysis::RunTable t(p->model, p->columns, nullptr);
        metric_names = t.metric_names();
        const auto it = std::find(metric_names.begin(), metric_names.end(), o_.metric);
        if (it == metric_names.end())
          throw InputError("", 0, "--target",
                           "unknown metric '" + o_.metric + "' for arm '" + arm_ + "'" +
                               did_you_mean(o_.metric, metric_names) +
                               " (metrics: " + join(metric_names) + ")");
        metric = static_cast<std::size_t>(it - metric_names.begin());
      }
      return *p;
    };
    auto attack_index = [&](const Point& p) {
      for (std::size_t a = 0; a < p.model.scenario.arms.size(); ++a)
        if (p.model.scenario.arms[a].name == arm_) return a;
      return std::size_t{0};
    };
    auto summary = [&](const Point& p, std::size_t col, std::uint64_t n) {
      analysis::RunningStats st;
      for (std::uint64_t r = 0; r < n; ++r) st.add(p.per_replicate[r][col]);
      return st.summary();
    };
    const PointEvaluatorFn evaluate = [&](double x, std::uint64_t n) {
      Point& p = point(x);
      const std::uint64_t have = p.per_replicate.size();
      if (n > have) {
        p.per_replicate.resize(n);
        const std::size_t ai = attack_index(p);
        with_threads(o_.threads, [&] {
          parallel_for_index(have, n, [&](std::uint64_t rep) {
            p.per_replicate[rep] = replicate_metrics(p, ai, rep);
          });
        });
      }
      const analysis::Summary s = summary(p, metric, n);
      analysis::PointEstimate e;
      e.mean = s.n == 0 ? kNaN : s.mean;
      e.ci_low = s.ci_low;
      e.ci_high = s.ci_high;
      err << "  " << short_label(m) << ' ' << to_string(b) << ": " << o_.attack << " = "
          << value_text(x, integer) << ", " << n << " replicates: " << o_.metric << " = "
          << fmt(e.mean) << " [" << fmt(e.ci_low) << ", " << fmt(e.ci_high) << "]\n";
      return e;
    };

    analysis::ThresholdOptions opts;
    opts.low = o_.range->first;
    opts.high = o_.range->second;
    opts.target = o_.target;
    opts.integer = integer;
    opts.width = o_.width.value_or(integer ? 1.0 : (opts.high - opts.low) / 100.0);
    opts.replicates = o_.replicates.value_or(kDefaultReplicates);
    opts.max_replicates = o_.max_replicates.value_or(
        std::max(opts.replicates, std::min(opts.replicates * kDefaultMaxFactor, kMaxReplicates)));
    const analysis::ThresholdResult res = analysis::find_threshold(opts, evaluate);

    Row row;
    row.method = "bisection";
    row.arm = arm_;
    row.mechanism = to_string(m);
    row.ballot = to_string(b);
    row.status = analysis::to_string(res.status);
    row.direction = analysis::to_string(res.direction);
    row.threshold = res.estimate;
    row.interval_low = res.interval_low;
    row.interval_high = res.interval_high;
    row.replicates = res.replicates;
    row.evaluations = res.evaluations;
    row.note = res.note;
    if (integer) row.note += "; integer key";
    auto last_step = [&](double x) -> const analysis::ThresholdStep* {
      for (auto it = res.steps.rbegin(); it != res.steps.rend(); ++it)
        if (it->x == x) return &*it;
      return nullptr;
    };
    if (const auto* s = last_step(res.interval_low)) {
      row.low_value = s->x;
      row.low_mean = s->estimate.mean;
      row.low_ci_low = s->estimate.ci_low;
      row.low_ci_high = s->estimate.ci_high;
    }
    if (const auto* s = last_step(res.interval_high)) {
      row.high_value = s->x;
      row.high_mean = s->estimate.mean;
      row.high_ci_low = s->estimate.ci_low;
      row.high_ci_high = s->estimate.ci_high;
    }
    if (res.status != analysis::ThresholdStatus::not_reached) {
      // What the attack spent at the estimate, over the replicates run there.
      const Point& p = *cache.at(res.estimate);
      const std::uint64_t n = p.per_replicate.size();
      auto mean_of = [&](const std::string& name) {
        const auto it = std::find(metric_names.begin(), metric_names.end(), name);
        if (it == metric_names.end()) return kNaN;
        const auto s = summary(p, static_cast<std::size_t>(it - metric_names.begin()), n);
        return s.n == 0 ? kNaN : s.mean;
      };
      row.spent_per_agent = mean_of("spent_per_agent");
      for (std::size_t i = 0; i < 3; ++i) row.spend[i] = mean_of(kSpendColumns[i]);
    }
    return row;
  }

 private:
  using PointEvaluatorFn = analysis::PointEvaluator;

  // Every summarized metric of the attack arm in one replicate (RunTable's names and order: one
  // value summarized is the value itself, bit for bit).
  static std::vector<double> replicate_metrics(const Point& p, std::size_t attack,
                                               std::uint64_t rep) {
    const ReplicateOutcome outcome = run_replicate(p.model, p.behaviours, rep);
    analysis::RunTable t(p.model, p.columns, nullptr);
    t.add_rows(analysis::make_rows(p.model, p.columns, outcome));
    const auto groups = t.summaries();
    std::vector<double> v;
    for (const auto& s : groups[attack].metrics) v.push_back(s.n == 0 ? kNaN : s.mean);
    return v;
  }

  const Options& o_;
  std::string text_, label_;
  fs::path base_dir_;
  Scenario base_;
  SharedFiles shared_;  // an edge list or values file, loaded once for every point
  std::uint64_t seed_ = 0;
  std::string arm_;
};

Ballot parse_ballot(const std::string& t) {
  for (Ballot b : {Ballot::public_ballot, Ballot::provable, Ballot::secret, Ballot::maci})
    if (t == to_string(b)) return b;
  throw InputError("", 0, "--ballot", "unknown ballot '" + t + "' (public, provable, secret, maci)",
                   ErrorKind::usage);
}

std::vector<Row> search_scenario(const Options& o, std::ostream& err) {
  if (!o.range)
    throw InputError("", 0, "--range", "is required for a scenario FILE (LO:HI)", ErrorKind::usage);
  ScenarioSearch search(o, read_scenario_text(o.input), o.input.string(), o.input.parent_path());
  std::vector<Mechanism> mechs;
  for (const auto& t : o.mechanisms) mechs.push_back(parse_mechanism(t));
  if (mechs.empty()) mechs = search.base().mechanisms;
  for (const Mechanism m : mechs) {
    // The defences' tallies take their settings from the scenario.
    if (m == Mechanism::connection_oriented && search.base().clusters.source == ClusterSource::none)
      throw InputError("", 0, "--mechanism",
                       "connection_oriented needs the scenario to set clusters (docs/scenario.md)",
                       ErrorKind::usage);
    if (m == Mechanism::pairwise_bounded && !(search.base().pairwise_m > 0.0))
      throw InputError("", 0, "--mechanism",
                       "pairwise_bounded needs the scenario to set pairwise_m (docs/scenario.md)",
                       ErrorKind::usage);
  }
  std::vector<Ballot> ballots;
  for (const auto& t : o.ballots) ballots.push_back(parse_ballot(t));
  if (ballots.empty()) ballots = {search.base().ballot};
  std::vector<Row> rows;
  for (Mechanism m : mechs)
    for (Ballot b : ballots) rows.push_back(search.run(m, b, err));
  return rows;
}

}  // namespace

void set_threshold_range(ThresholdRequest& o, const std::string& key, const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos)
    throw InputError("", 0, key, "must be LO:HI, got '" + text + "'", ErrorKind::usage);
  o.range_text_low = text.substr(0, colon);
  o.range_text_high = text.substr(colon + 1);
  const double lo = parse_number(key, o.range_text_low);
  const double hi = parse_number(key, o.range_text_high);
  if (!(lo < hi))
    throw InputError("", 0, key, "must be LO:HI with LO < HI, got '" + text + "'",
                     ErrorKind::usage);
  o.range = {lo, hi};
}

void set_threshold_target(ThresholdRequest& o, const std::string& key, const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw InputError("", 0, key, "must be METRIC=VALUE (e.g. flip_rate=0.5), got '" + text + "'",
                     ErrorKind::usage);
  }
  o.metric = text.substr(0, eq);
  o.target = parse_number(key, text.substr(eq + 1));
}

int find_thresholds(const ThresholdRequest& o, std::ostream& out, std::ostream& err) {
  check_request(o);
  const std::vector<Row> rows =
      fs::is_directory(o.input) ? interpolate_sweep(o) : search_scenario(o, err);
  print_table(o, rows, out);
  write_out(o, rows, out);
  return 0;
}

namespace threshold_detail {

std::optional<double> to_number(const std::string& t) {
  double v = 0.0;
  const auto* end = t.data() + t.size();
  const auto res = std::from_chars(t.data(), end, v);
  if (t.empty() || res.ec != std::errc() || res.ptr != end || !std::isfinite(v))
    return std::nullopt;
  return v;
}

std::string arm_of_key(const std::string& key) {
  if (key.rfind("arms.", 0) != 0) return "";
  const auto dot = key.find('.', 5);
  return key.substr(5, dot == std::string::npos ? std::string::npos : dot - 5);
}

std::string fmt(double x) {
  if (std::isnan(x)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

Mechanism parse_mechanism(const std::string& t) {
  if (const auto m = mechanism_named(t)) return *m;
  throw InputError(
      "", 0, "--mechanism",
      "unknown mechanism '" + t +
          "' (quadratic, one_person_one_vote, linear, connection_oriented, pairwise_bounded; or "
          "qv, 1p1v, coqv, pbqv)",
      ErrorKind::usage);
}

}  // namespace threshold_detail

}  // namespace qvsim
