#include "analysis/run_table.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "analysis/metrics.hpp"
#include "sim/json.hpp"

namespace qvsim::analysis {
namespace {

struct MetricField {
  const char* name;
  double (*get)(const RunRow&);
};

// The engine's metrics summarized per group, then the paired differences; arms' own follow.
const std::vector<MetricField>& metric_fields() {
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

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
  for (const auto& f : metric_fields()) metric_names_.emplace_back(f.name);
  for (const auto& n : columns_.names) metric_names_.push_back(n);
  const std::size_t groups = model.scenario.arms.size() * model.scenario.mechanisms.size();
  stats_.assign(groups, std::vector<RunningStats>(metric_names_.size()));
  pooled_.assign(groups, RatioStats{});
  if (runs_csv_ != nullptr) write_runs_csv_header(columns_, *runs_csv_);
}

void RunTable::consume(ReplicateOutcome&& outcome) {
  ++replicates_;
  neighbor_corr_.add(outcome.neighbor_value_correlation);
  const auto rows = make_rows(model_, columns_, outcome);
  const std::size_t fixed = metric_fields().size();
  for (std::size_t g = 0; g < rows.size(); ++g) {
    const RunRow& r = rows[g];
    if (runs_csv_ != nullptr) write_runs_csv_row(r, *runs_csv_);
    for (std::size_t f = 0; f < fixed; ++f) stats_[g][f].add(metric_fields()[f].get(r));
    for (std::size_t i = 0; i < r.arm_metrics.size(); ++i) stats_[g][fixed + i].add(r.arm_metrics[i]);
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
      for (const auto& st : stats_[g]) gs.metrics.push_back(st.summary());
      gs.efficiency_pooled = pooled_[g].summary();
      out.push_back(std::move(gs));
    }
  }
  return out;
}

void write_runs_csv_header(const ArmColumns& columns, std::ostream& out) {
  out << "replicate,arm,mechanism,agents,edges,neighbor_value_corr,welfare_achieved,welfare_max,"
         "efficiency,wrong_rate,intensity_accuracy,flip_rate,d_efficiency,d_wrong_rate,"
         "d_intensity_accuracy,ties,spent_per_agent,turnout,decisions";
  for (const auto& n : columns.names) out << ',' << n;
  out << '\n';
}

void write_runs_csv_row(const RunRow& r, std::ostream& out) {
  out << r.replicate << ',' << r.arm << ',' << to_string(r.mechanism) << ',' << r.agents << ','
      << r.edges << ',' << cell(r.neighbor_value_corr) << ',' << cell(r.welfare_achieved) << ','
      << cell(r.welfare_max) << ',' << cell(r.efficiency) << ',' << cell(r.wrong_rate) << ','
      << cell(r.intensity_accuracy) << ',' << cell(r.flip_rate) << ',' << cell(r.d_efficiency)
      << ',' << cell(r.d_wrong_rate) << ',' << cell(r.d_intensity_accuracy) << ',' << r.ties << ','
      << cell(r.spent_per_agent) << ',' << cell(r.turnout) << ',' << r.decisions;
  for (double x : r.arm_metrics) out << ',' << cell(x);
  out << '\n';
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
  w.key("n").value(s.n);
  w.key("missing").value(s.missing);
  w.key("mean").value(s.mean);
  w.key("sd").value(s.sd);
  w.key("se").value(s.se);
  w.key("ci95_low").value(s.ci_low);
  w.key("ci95_high").value(s.ci_high);
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
  std::snprintf(buf, sizeof buf, "%s: %llu replicates, %llu agents, %u proposals; neighbour value "
                "correlation %.3f\n", model.scenario.name.c_str(),
                static_cast<unsigned long long>(table.replicates()),
                static_cast<unsigned long long>(model.scenario.agents), model.scenario.proposals,
                nc.mean);
  out << buf;
  std::snprintf(buf, sizeof buf, "%-12s %-7s %-22s %-24s %-18s %-18s %-12s\n", "arm", "mech",
                "efficiency pooled", "efficiency mean [95% CI]", "wrong decisions", "intensity acc.",
                "flips");
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
      std::snprintf(b, sizeof b, "%.4f ± %.4f", s.mean, s.ci_high - s.mean);
    }
    return std::string(b);
  };
  for (const auto& g : groups) {
    // metrics order: efficiency, wrong_rate, intensity_accuracy, flip_rate, ...
    std::snprintf(buf, sizeof buf, "%-12s %-7s %-22s %-24s %-18s %-18s %-12s\n", g.arm.c_str(),
                  short_label(g.mechanism), pm(g.efficiency_pooled).c_str(),
                  ci(g.metrics[0]).c_str(), pm(g.metrics[1]).c_str(), pm(g.metrics[2]).c_str(),
                  pm(g.metrics[3]).c_str());
    out << buf;
  }
  return out.str();
}

}  // namespace qvsim::analysis
