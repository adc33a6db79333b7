#include "api/funding_run.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/statistics.hpp"
#include "api/detail/run_folder.hpp"
#include "api/progress.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/funding.hpp"
#include "sim/interrupt.hpp"
#include "sim/json.hpp"
#include "sim/parallel.hpp"

namespace qvsim {
namespace fs = std::filesystem;
namespace {

// runs.csv's metrics, in column order after replicate, arm and rule; with funding.detect, the
// detector's scores follow.
constexpr const char* kMetrics[] = {
    "contributions",    "contributors", "attacker_cost", "bribed",     "matching",
    "captured",         "gain",         "gain_per_cost", "efficiency", "detection_precision",
    "detection_recall", "detection_f1"};
constexpr std::size_t kAllMetrics = std::size(kMetrics);
// The columns the terminal table shows.
constexpr std::size_t kCost = 2, kMatching = 4, kCaptured = 5, kGain = 6, kEfficiency = 8;

// How many of kMetrics a scenario's runs.csv holds.
std::size_t metric_count(const FundingSpec& f) noexcept { return f.detect ? kAllMetrics : 9; }

std::string cell(double x) { return std::isnan(x) ? std::string("NA") : format_double(x); }

// One row's metrics, in kMetrics order. gain_per_cost: the subsidy gained over giving openly, per
// unit of money the attackers spent (NaN when they spent nothing).
std::array<double, kAllMetrics> metrics_of(const FundingArmOutcome& a,
                                           const FundingRuleOutcome& r) {
  const double per_cost =
      a.attacker_cost > 0.0 ? r.gain / a.attacker_cost : std::numeric_limits<double>::quiet_NaN();
  return {a.contributions,
          static_cast<double>(a.contributors),
          a.attacker_cost,
          static_cast<double>(a.bribed),
          r.matching,
          r.captured,
          r.gain,
          per_cost,
          r.efficiency,
          a.detection_precision,
          a.detection_recall,
          a.detection_f1};
}

void write_rows(const Scenario& s, const FundingOutcome& o, std::ostream& runs,
                std::ostream& projects) {
  const FundingSpec& f = s.funding;
  for (std::size_t a = 0; a < f.arms.size(); ++a) {
    const FundingArmOutcome& arm = o.arms[a];
    for (const FundingRuleOutcome& r : arm.rules) {
      runs << o.replicate << ',' << f.arms[a].name << ',' << to_string(r.rule);
      const auto m = metrics_of(arm, r);
      for (std::size_t k = 0; k < metric_count(f); ++k) runs << ',' << cell(m[k]);
      runs << '\n';
      for (std::uint32_t p = 0; p < f.projects; ++p) {
        projects << o.replicate << ',' << f.arms[a].name << ',' << to_string(r.rule) << ',' << p
                 << ',' << cell(o.value_totals[p]) << ',' << cell(arm.contributed[p]) << ','
                 << cell(r.subsidy[p]) << ',' << cell(r.funding[p]) << '\n';
      }
    }
  }
}

std::string manifest_json(const Model& model, const std::string& scenario_json, unsigned threads,
                          double seconds, const std::string& started,
                          const run_detail::FileList& files) {
  JsonWriter w;
  w.begin_object();
  run_detail::write_manifest_head(w, model, scenario_json, threads, seconds, started);
  w.key("files").begin_array();
  for (const auto& f : files) w.value(f.first);
  w.value("manifest.json");
  w.end_array();
  run_detail::write_checksums(w, files);
  w.end_object();
  return w.str();
}

void refuse_voting_options(const RunRequest& req) {
  const char* option = req.proposals         ? "--proposals"
                       : req.rounds          ? "--rounds"
                       : !req.agents.empty() ? "--agents"
                       : req.graphml         ? "--graphml"
                                             : nullptr;
  if (option != nullptr) {
    throw InputError("", 0, option,
                     std::string(option) +
                         " is for voting scenarios; a kind: funding run always writes "
                         "projects.csv and has no rounds, agent table or graph output",
                     ErrorKind::usage);
  }
}

}  // namespace

fs::path run_funding(const Model& model, const RunRequest& req, std::ostream& out,
                     std::ostream& err) {
  refuse_voting_options(req);
  const Scenario& s = model.scenario;
  const unsigned threads = resolve_threads(req.threads);
  check_run_memory(estimate_replicate_bytes(model), std::min<std::uint64_t>(threads, s.replicates),
                   s, req.max_memory, req.scenario_file.string());
  const std::string scenario_json = scenario_to_json(s);
  run_detail::RunOutput output(req, s.name);
  const std::string& unchanged = output.unchanged();
  const std::string started = utc_now();
  const auto t0 = std::chrono::steady_clock::now();
  AtomicFile& runs = output.add("runs.csv");
  AtomicFile& projects = output.add("projects.csv");
  runs.stream() << "replicate,arm,rule";
  const std::size_t metrics = metric_count(s.funding);
  for (std::size_t k = 0; k < metrics; ++k) runs.stream() << ',' << kMetrics[k];
  runs.stream() << '\n';
  projects.stream() << "replicate,arm,rule,project,value_total,contributions,subsidy,funding\n";

  const FundingSpec& f = s.funding;
  const std::size_t cells = f.arms.size() * f.rules.size();
  std::vector<analysis::RunningStats> stats(cells * metrics);
  ProgressBar bar(err, req.progress_bar && !req.quiet, "replicates");
  // Replicates in batches, run in parallel, then written and summarized in replicate order: the
  // bits do not depend on the thread count, and memory holds one batch.
  const std::uint64_t batch = 16 * static_cast<std::uint64_t>(threads);
  std::vector<FundingOutcome> outcomes;
  for (std::uint64_t first = 0; first < s.replicates; first += batch) {
    throw_if_interrupted(unchanged);
    const std::uint64_t count = std::min(batch, s.replicates - first);
    outcomes.assign(count, FundingOutcome{});
    with_threads(req.threads, [&] {
      parallel_for_index(std::uint64_t{0}, count, [&](std::uint64_t i) {
        outcomes[i] = run_funding_replicate(model, first + i);
      });
    });
    for (const FundingOutcome& o : outcomes) {
      write_rows(s, o, runs.stream(), projects.stream());
      for (std::size_t a = 0; a < f.arms.size(); ++a) {
        for (std::size_t r = 0; r < f.rules.size(); ++r) {
          const auto m = metrics_of(o.arms[a], o.arms[a].rules[r]);
          for (std::size_t k = 0; k < metrics; ++k)
            stats[(a * f.rules.size() + r) * metrics + k].add(m[k]);
        }
      }
    }
    bar.update(first + count, s.replicates);
  }
  bar.finish();
  runs.commit();
  projects.commit();

  AtomicFile& summary = output.add("summary.csv");
  std::ostringstream table;
  summary.stream() << "arm,rule,metric,n,missing,mean,sd,se,ci95_low,ci95_high\n";
  char line[160];
  std::snprintf(line, sizeof line, "%-16s %-9s %13s %13s %13s %13s %10s\n", "arm", "rule",
                "matching", "captured", "gain", "attacker_cost", "efficiency");
  table << line;
  for (std::size_t a = 0; a < f.arms.size(); ++a) {
    for (std::size_t r = 0; r < f.rules.size(); ++r) {
      std::array<analysis::Summary, kAllMetrics> sum;
      for (std::size_t k = 0; k < metrics; ++k) {
        sum[k] = stats[(a * f.rules.size() + r) * metrics + k].summary();
        const analysis::Summary& x = sum[k];
        summary.stream() << f.arms[a].name << ',' << to_string(f.rules[r]) << ',' << kMetrics[k]
                         << ',' << x.n << ',' << x.missing << ',' << cell(x.mean) << ','
                         << cell(x.sd) << ',' << cell(x.se) << ',' << cell(x.ci_low) << ','
                         << cell(x.ci_high) << '\n';
      }
      std::snprintf(line, sizeof line, "%-16s %-9s %13.6g %13.6g %13.6g %13.6g %10.4f\n",
                    f.arms[a].name.c_str(), to_string(f.rules[r]), sum[kMatching].mean,
                    sum[kCaptured].mean, sum[kGain].mean, sum[kCost].mean, sum[kEfficiency].mean);
      table << line;
    }
  }
  summary.commit();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  output.publish(manifest_json(model, scenario_json, threads, seconds, started, output.files()));
  if (!req.quiet) {
    out << table.str();
    out << "wrote " << output.dir().string()
        << "/{runs.csv,projects.csv,summary.csv,manifest.json}\n";
  } else if (!req.out_dir) {
    out << output.dir().string() << '\n';
  }
  return output.dir();
}

}  // namespace qvsim
