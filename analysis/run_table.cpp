#include "analysis/run_table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "analysis/metrics.hpp"
#include "sim/json.hpp"

namespace qvsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

const std::vector<MetricField>& summary_metric_fields() {
  static const std::vector<MetricField> fields = {
      {"efficiency", [](const RunRow& r) { return r.efficiency; }},
      {"wrong_rate", [](const RunRow& r) { return r.wrong_rate; }},
      {"intensity_accuracy", [](const RunRow& r) { return r.intensity_accuracy; }},
      {"flip_rate", [](const RunRow& r) { return r.flip_rate; }},
      {"ties", [](const RunRow& r) { return static_cast<double>(r.ties); }},
      {"spent_per_agent", [](const RunRow& r) { return r.spent_per_agent; }},
      {"turnout", [](const RunRow& r) { return r.turnout; }},
      {"d_efficiency", [](const RunRow& r) { return r.d_efficiency; }},
      {"d_wrong_rate", [](const RunRow& r) { return r.d_wrong_rate; }},
      {"d_intensity_accuracy", [](const RunRow& r) { return r.d_intensity_accuracy; }},
  };
  return fields;
}

ValueRange metric_range(std::string_view m) noexcept {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (const char* share :
       {"efficiency", "efficiency_pooled", "wrong_rate", "flip_rate", "turnout", "colluding_share",
        "defection_rate", "coerced_vote_share", "arm_inert", "saturated", "bribe_confidence"})
    if (m == share) return {0.0, 1.0};
  if (m == "intensity_accuracy" || m == "d_efficiency" || m == "d_wrong_rate") return {-1.0, 1.0};
  if (m == "d_intensity_accuracy") return {-2.0, 2.0};
  if (m == "ties" || m == "spent_per_agent") return {0.0, kInf};
  return {};
}

namespace {

// CSV cell for a double: shortest round-trip digits, NA where undefined.
std::string cell(double x) { return std::isnan(x) ? std::string("NA") : format_double(x); }

}  // namespace

ArmColumns ArmColumns::from(const std::vector<std::vector<std::string>>& per_arm) {
  ArmColumns c;
  for (const auto& names : per_arm) {
    std::vector<std::size_t> idx;
    for (const auto& n : names) {
      const auto it = std::find(c.names.begin(), c.names.end(), n);
      idx.push_back(static_cast<std::size_t>(it - c.names.begin()));
      if (it == c.names.end()) c.names.push_back(n);
    }
    c.index.push_back(std::move(idx));
  }
  return c;
}

std::vector<RunRow> make_rows(const Model& model, const ArmColumns& columns,
                              const ReplicateOutcome& outcome) {
  const Scenario& s = model.scenario;
  std::vector<RunRow> rows;
  const auto& baseline = outcome.arms[model.baseline_arm];
  for (std::size_t a = 0; a < s.arms.size(); ++a) {
    for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
      const MechanismOutcome& mo = outcome.arms[a].mechanisms[m];
      RunRow r;
      r.replicate = outcome.replicate;
      r.arm = s.arms[a].name;
      r.mechanism = mo.mechanism;
      r.agents = outcome.agents;
      r.edges = outcome.edges;
      r.neighbor_value_corr = outcome.neighbor_value_correlation;
      r.welfare_achieved = welfare_achieved(mo.decision, outcome.value_totals);
      r.welfare_max = welfare_max(outcome.value_totals);
      r.efficiency = efficiency(mo.decision, outcome.value_totals);
      r.wrong_rate = wrong_decision_rate(mo.decision, outcome.value_totals);
      r.intensity_accuracy = intensity_accuracy(mo.tally, outcome.value_totals);
      const MechanismOutcome& base = baseline.mechanisms[m];
      r.flip_rate = flip_rate(mo.decision, base.decision);
      r.d_efficiency = r.efficiency - efficiency(base.decision, outcome.value_totals);
      r.d_wrong_rate = r.wrong_rate - wrong_decision_rate(base.decision, outcome.value_totals);
      r.d_intensity_accuracy =
          r.intensity_accuracy - intensity_accuracy(base.tally, outcome.value_totals);
      r.ties = mo.ties;
      const auto n = static_cast<double>(outcome.agents);
      r.spent_per_agent = mo.spent / n;
      r.turnout = static_cast<double>(mo.voters) / n;
      for (auto d : mo.decision) r.decisions += d > 0 ? '+' : '-';
      r.arm_metrics.assign(columns.names.size(), kNaN);
      if (a < columns.index.size()) {
        for (std::size_t i = 0; i < columns.index[a].size() && i < mo.arm_metrics.size(); ++i)
          r.arm_metrics[columns.index[a][i]] = mo.arm_metrics[i];
      }
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

RunTable::RunTable(const Model& model, ArmColumns columns, std::ostream* runs_csv)
    : model_(model), columns_(std::move(columns)), runs_csv_(runs_csv) {
  for (const auto& f : summary_metric_fields()) metric_names_.emplace_back(f.name);
  for (const auto& n : columns_.names) metric_names_.push_back(n);
  const std::size_t groups = model.scenario.arms.size() * model.scenario.mechanisms.size();
  stats_.assign(groups, std::vector<RunningStats>(metric_names_.size()));
  pooled_.assign(groups, RatioStats{});
  if (runs_csv_ != nullptr) write_runs_csv_header(columns_, *runs_csv_);
}

void RunTable::consume(ReplicateOutcome&& outcome) {
  add_rows(make_rows(model_, columns_, outcome));
}

void RunTable::add_rows(const std::vector<RunRow>& rows) {
  if (rows.empty()) return;
  ++replicates_;
  neighbor_corr_.add(rows.front().neighbor_value_corr);
  const std::size_t fixed = summary_metric_fields().size();
  for (std::size_t g = 0; g < rows.size(); ++g) {
    const RunRow& r = rows[g];
    if (runs_csv_ != nullptr) write_runs_csv_row(r, *runs_csv_);
    for (std::size_t f = 0; f < fixed; ++f) stats_[g][f].add(summary_metric_fields()[f].get(r));
    for (std::size_t i = 0; i < r.arm_metrics.size(); ++i)
      stats_[g][fixed + i].add(r.arm_metrics[i]);
    pooled_[g].add(r.welfare_achieved, r.welfare_max);
  }
}

std::vector<GroupSummary> RunTable::summaries() const {
  const Scenario& s = model_.scenario;
  std::vector<GroupSummary> out;
  for (std::size_t a = 0; a < s.arms.size(); ++a) {
    for (std::size_t m = 0; m < s.mechanisms.size(); ++m) {
      const std::size_t g = a * s.mechanisms.size() + m;
      GroupSummary gs;
      gs.arm = s.arms[a].name;
      gs.mechanism = s.mechanisms[m];
      for (std::size_t i = 0; i < stats_[g].size(); ++i) {
        gs.metrics.push_back(stats_[g][i].summary());
        clip_interval(gs.metrics.back(), metric_range(metric_names_[i]));
      }
      gs.efficiency_pooled = pooled_[g].summary();
      clip_interval(gs.efficiency_pooled, metric_range("efficiency_pooled"));
      out.push_back(std::move(gs));
    }
  }
  return out;
}

std::string runs_csv_header(const ArmColumns& columns) {
  std::string out =
      "replicate,arm,mechanism,agents,edges,neighbor_value_corr,welfare_achieved,welfare_max,"
      "efficiency,wrong_rate,intensity_accuracy,flip_rate,d_efficiency,d_wrong_rate,"
      "d_intensity_accuracy,ties,spent_per_agent,turnout,decisions";
  for (const auto& n : columns.names) out += ',' + n;
  return out;
}

void write_runs_csv_header(const ArmColumns& columns, std::ostream& out) {
  out << runs_csv_header(columns) << '\n';
}

std::string runs_csv_row(const RunRow& r) {
  std::string out;
  out.reserve(256);
  auto add = [&out](const std::string& x) {
    out += x;
    out += ',';
  };
  add(std::to_string(r.replicate));
  add(r.arm);
  add(to_string(r.mechanism));
  add(std::to_string(r.agents));
  add(std::to_string(r.edges));
  for (double x :
       {r.neighbor_value_corr, r.welfare_achieved, r.welfare_max, r.efficiency, r.wrong_rate,
        r.intensity_accuracy, r.flip_rate, r.d_efficiency, r.d_wrong_rate, r.d_intensity_accuracy})
    add(cell(x));
  add(std::to_string(r.ties));
  add(cell(r.spent_per_agent));
  add(cell(r.turnout));
  out += r.decisions;
  for (double x : r.arm_metrics) {
    out += ',';
    out += cell(x);
  }
  return out;
}

void write_runs_csv_row(const RunRow& r, std::ostream& out) { out << runs_csv_row(r) << '\n'; }

namespace {

double parse_cell(std::string_view t) {
  if (t == "NA") return kNaN;
  if (t == "nan") return kNaN;
  if (t == "inf") return std::numeric_limits<double>::infinity();
  if (t == "-inf") return -std::numeric_limits<double>::infinity();
  double x = 0.0;
  const auto res = std::from_chars(t.data(), t.data() + t.size(), x);
  if (res.ec != std::errc() || res.ptr != t.data() + t.size())
    throw std::invalid_argument("not a number: '" + std::string(t) + "'");
  return x;
}

template <class T>
T parse_int(std::string_view t) {
  T x = 0;
  const auto res = std::from_chars(t.data(), t.data() + t.size(), x);
  if (res.ec != std::errc() || res.ptr != t.data() + t.size())
    throw std::invalid_argument("not an integer: '" + std::string(t) + "'");
  return x;
}

Mechanism parse_mechanism(std::string_view t) {
  if (const auto m = mechanism_named(t); m && t == to_string(*m)) return *m;
  throw std::invalid_argument("not a mechanism: '" + std::string(t) + "'");
}

}  // namespace

RunRow parse_runs_csv_row(std::string_view line) {
  std::vector<std::string_view> f;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    f.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  constexpr std::size_t kFixed = kRunsCsvFixedColumns;
  if (f.size() < kFixed) throw std::invalid_argument("a runs.csv row has too few fields");
  RunRow r;
  r.replicate = parse_int<std::uint64_t>(f[0]);
  r.arm = std::string(f[1]);
  r.mechanism = parse_mechanism(f[2]);
  r.agents = parse_int<AgentId>(f[3]);
  r.edges = parse_int<std::uint64_t>(f[4]);
  double* doubles[] = {&r.neighbor_value_corr, &r.welfare_achieved, &r.welfare_max,
                       &r.efficiency,          &r.wrong_rate,       &r.intensity_accuracy,
                       &r.flip_rate,           &r.d_efficiency,     &r.d_wrong_rate,
                       &r.d_intensity_accuracy};
  for (std::size_t i = 0; i < 10; ++i) *doubles[i] = parse_cell(f[5 + i]);
  r.ties = parse_int<std::uint32_t>(f[15]);
  r.spent_per_agent = parse_cell(f[16]);
  r.turnout = parse_cell(f[17]);
  r.decisions = std::string(f[18]);
  for (std::size_t i = kFixed; i < f.size(); ++i) r.arm_metrics.push_back(parse_cell(f[i]));
  return r;
}

namespace {

void summary_line(std::ostream& out, const GroupSummary& g, const std::string& metric,
                  const Summary& s) {
  out << g.arm << ',' << to_string(g.mechanism) << ',' << metric << ',' << s.n << ',' << s.missing
      << ',' << cell(s.mean) << ',' << cell(s.sd) << ',' << cell(s.se) << ',' << cell(s.ci_low)
      << ',' << cell(s.ci_high) << '\n';
}

void summary_json(JsonWriter& w, const Summary& s) {
  w.begin_object();
  summary_fields_json(w, s);
  w.end_object();
}

}  // namespace

void write_summary_csv(const RunTable& table, std::ostream& out) {
  out << "arm,mechanism,metric,n,missing,mean,sd,se,ci95_low,ci95_high\n";
  const auto& names = table.metric_names();
  for (const auto& g : table.summaries()) {
    for (std::size_t i = 0; i < names.size(); ++i) summary_line(out, g, names[i], g.metrics[i]);
    summary_line(out, g, "efficiency_pooled", g.efficiency_pooled);
  }
}

void write_summary_json(const Model& model, const RunTable& table, std::ostream& out) {
  JsonWriter w;
  w.begin_object();
  w.key("scenario").value(model.scenario.name);
  w.key("seed").value(model.scenario.seed);
  w.key("replicates").value(table.replicates());
  w.key("baseline_arm").value(model.scenario.baseline_arm);
  w.key("neighbor_value_corr");
  summary_json(w, table.neighbor_correlation());
  w.key("groups").begin_array();
  const auto& names = table.metric_names();
  for (const auto& g : table.summaries()) {
    w.begin_object();
    w.key("arm").value(g.arm);
    w.key("mechanism").value(to_string(g.mechanism));
    w.key("metrics").begin_object();
    for (std::size_t i = 0; i < names.size(); ++i) {
      w.key(names[i]);
      summary_json(w, g.metrics[i]);
    }
    w.key("efficiency_pooled");
    summary_json(w, g.efficiency_pooled);
    w.end_object();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out << w.str();
}

std::string format_summary_table(const Model& model, const RunTable& table) {
  std::ostringstream out;
  const auto groups = table.summaries();
  const auto nc = table.neighbor_correlation();
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s: %llu replicates, %llu agents, %u proposals; neighbour value "
                "correlation %.3f\n",
                model.scenario.name.c_str(), static_cast<unsigned long long>(table.replicates()),
                static_cast<unsigned long long>(model.scenario.agents), model.scenario.proposals,
                nc.mean);
  out << buf;
  int arm_width = 12;
  for (const auto& g : groups) arm_width = std::max(arm_width, static_cast<int>(g.arm.size()));
  std::snprintf(buf, sizeof buf, "%-*s %-7s %-22s %-24s %-18s %-18s %-12s\n", arm_width, "arm",
                "mech", "efficiency pooled", "efficiency mean [95% CI]", "wrong decisions",
                "intensity acc.", "flips");
  out << buf;
  auto ci = [](const Summary& s) {
    char b[64];
    if (std::isnan(s.mean)) return std::string("n/a");
    if (std::isnan(s.ci_low)) {
      std::snprintf(b, sizeof b, "%.4f", s.mean);
    } else {
      std::snprintf(b, sizeof b, "%.4f [%.4f, %.4f]", s.mean, s.ci_low, s.ci_high);
    }
    return std::string(b);
  };
  auto pm = [](const Summary& s) {
    char b[64];
    if (std::isnan(s.mean)) return std::string("n/a");
    if (std::isnan(s.se)) {
      std::snprintf(b, sizeof b, "%.4f", s.mean);
    } else {
      std::snprintf(b, sizeof b, "%.4f +/- %.4f", s.mean, s.ci_high - s.mean);
    }
    return std::string(b);
  };
  for (const auto& g : groups) {
    // metrics order: efficiency, wrong_rate, intensity_accuracy, flip_rate, ...
    std::snprintf(buf, sizeof buf, "%-*s %-7s %-22s %-24s %-18s %-18s %-12s\n", arm_width,
                  g.arm.c_str(), short_label(g.mechanism), pm(g.efficiency_pooled).c_str(),
                  ci(g.metrics[0]).c_str(), pm(g.metrics[1]).c_str(), pm(g.metrics[2]).c_str(),
                  pm(g.metrics[3]).c_str());
    out << buf;
  }
  return out.str();
}

}  // namespace qvsim::analysis

namespace qvsim::analysis {

std::vector<std::string> arm_flag_lines(const std::string& where, const FlagCount& inert,
                                        const FlagCount& saturated) {
  std::vector<std::string> lines;
  if (inert.n > 0 && inert.flagged > 0) {
    lines.push_back(where + ": inert in " + std::to_string(inert.flagged) + " of " +
                    std::to_string(inert.n) +
                    " replicates (it changed no ballot, or one of its attacks did nothing: no "
                    "coalition member obeyed, nobody complied or no bought vote was "
                    "delivered); see arm_inert in runs.csv and docs/model.md, \"Inert and "
                    "saturated arms\"");
  }
  if (saturated.n > 0 && saturated.flagged > 0) {
    lines.push_back(where + ": every coalition reached collusion.max_size in " +
                    std::to_string(saturated.flagged) + " of " + std::to_string(saturated.n) +
                    " replicates; its effect is capped by max_size, not by the agents' "
                    "choices (see saturated in runs.csv)");
  }
  return lines;
}

FlagCount flag_count(double mean, std::uint64_t n) {
  // A flag is 0 or 1 per replicate, so mean x n counts the flagged replicates exactly.
  if (n == 0 || std::isnan(mean)) return {};
  return {static_cast<std::uint64_t>(std::llround(mean * static_cast<double>(n))), n};
}

std::vector<std::string> flagged_arm_warnings(const RunTable& table) {
  const auto& names = table.metric_names();
  const auto at = [&](const char* name) -> std::ptrdiff_t {
    const auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? -1 : it - names.begin();
  };
  const std::ptrdiff_t inert = at("arm_inert");
  const std::ptrdiff_t saturated = at("saturated");
  const auto count = [](const GroupSummary& g, std::ptrdiff_t m) {
    if (m < 0) return FlagCount{};
    const Summary& s = g.metrics[static_cast<std::size_t>(m)];
    return flag_count(s.mean, s.n);
  };
  std::vector<std::string> lines;
  for (const GroupSummary& g : table.summaries()) {
    const std::string where = "arm '" + g.arm + "' under " + to_string(g.mechanism);
    for (auto& l : arm_flag_lines(where, count(g, inert), count(g, saturated)))
      lines.push_back(std::move(l));
  }
  return lines;
}

std::vector<std::string> split_quoted(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace qvsim::analysis
