#include "api/run_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "agents/behaviours.hpp"
#include "agents/beliefs.hpp"
#include "analysis/agent_table.hpp"
#include "analysis/graphml.hpp"
#include "analysis/proposals.hpp"
#include "analysis/round_table.hpp"
#include "analysis/run_table.hpp"
#include "api/build_info.hpp"
#include "api/detail/run_folder.hpp"
#include "api/funding_run.hpp"
#include "api/progress.hpp"
#include "api/provenance.hpp"
#include "api/scenario_yaml.hpp"
#include "api/sweep_spec.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/hash.hpp"
#include "sim/interrupt.hpp"
#include "sim/json.hpp"
#include "sim/parallel.hpp"
#include "sim/runner.hpp"

namespace qvsim {
namespace fs = std::filesystem;
namespace {

void write_beliefs(JsonWriter& w, const std::vector<MechanismBelief>& beliefs) {
  w.begin_array();
  for (const MechanismBelief& b : beliefs) {
    w.begin_object();
    w.key("mechanism").value(to_string(b.mechanism));
    w.key("model").value(to_string(b.model));
    if (b.model == PivotModel::fixed) {
      w.key("price").value(b.price);
    } else {
      w.key("iterations").value(static_cast<std::uint64_t>(b.iterations));
      w.key("residual").value(b.residual);
      w.key("proposals").begin_array();
      for (std::size_t k = 0; k < b.proposals.size(); ++k) {
        w.begin_object();
        w.key("mean").value(b.proposals[k].mean);
        w.key("sd").value(b.proposals[k].sd);
        w.key("pivot_density").value(b.pivot_density(k));
        if (k < b.family.size()) {
          // Money QV's equilibrium family (docs/model.md): who jumps, from where, into what race.
          const MoneyFamily& f = b.family[k];
          w.key("alpha").value(f.alpha);
          w.key("jumpers").value(f.side < 0.0 ? "opponents"
                                              : (f.side > 0.0 ? "supporters" : "none"));
          if (std::isfinite(f.threshold)) w.key("jump_threshold").value(f.threshold);
          w.key("race_mean").value(f.race.mean);
          w.key("race_sd").value(f.race.sd);
          w.key("mixture_components").value(static_cast<std::uint64_t>(b.mixture[k].size()));
        }
        w.end_object();
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();
}

// An equilibrium that did not reach its tolerance is reported, not hidden: its residual is in the
// manifest, and the user is told before the run.
void warn_unconverged(const std::vector<MechanismBelief>& beliefs, std::ostream& err) {
  for (const MechanismBelief& b : beliefs) {
    if (b.model == PivotModel::equilibrium && !(b.residual < agents::kEquilibriumTolerance)) {
      err << "qvsim: warning: equilibrium beliefs under " << to_string(b.mechanism)
          << " did not converge (residual " << b.residual
          << "); see docs/model.md, \"Finite-population equilibrium\"\n";
    }
  }
}

// Clusters from ballots under a ballot nobody can read find nothing; a sweep over the ballot may
// mean it, a single run most likely does not.
void warn_unread_ballots(const Scenario& s, std::ostream& err) {
  if (s.clusters.source == ClusterSource::ballots && s.ballot != Ballot::public_ballot) {
    err << "qvsim: warning: clusters from ballots read public ballots; under a "
        << to_string(s.ballot)
        << " ballot nobody can, so every agent is alone (detection recall 0, connection_oriented "
           "equal to quadratic); set ballot: public\n";
  }
}

std::string manifest_json(const Model& model, const std::string& scenario_json, unsigned threads,
                          double seconds, const std::string& started,
                          const std::vector<MechanismBelief>& beliefs, bool proposals, bool rounds,
                          bool agents, bool graphml, const run_detail::FileList& files) {
  JsonWriter w;
  w.begin_object();
  run_detail::write_manifest_head(w, model, scenario_json, threads, seconds, started);
  if (model.edge_list_stats) {
    const auto& e = *model.edge_list_stats;
    w.key("edge_list").begin_object();
    w.key("agents").value(static_cast<std::uint64_t>(model.scenario.agents));
    w.key("edges").value(model.fixed_graph->num_edges());
    w.key("lines").value(e.lines);
    w.key("self_loops_removed").value(e.self_loops_removed);
    w.key("duplicates_removed").value(e.duplicates_removed);
    w.end_object();
  }
  w.key("prior_beliefs");
  write_beliefs(w, beliefs);
  w.key("files").begin_array();
  for (const char* f : run_detail::kRunFiles) w.value(f);
  if (proposals) w.value("proposals.csv");
  if (rounds) w.value("rounds.csv");
  if (agents) w.value("agents.csv");
  if (graphml) w.value("graph.graphml");
  w.end_array();
  run_detail::write_checksums(w, files);
  w.end_object();
  return w.str();
}

}  // namespace

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

analysis::ArmColumns arm_columns(const ArmBehaviours& behaviours) {
  std::vector<std::vector<std::string>> names;
  for (const auto& b : behaviours) names.push_back(b->metric_names());
  return analysis::ArmColumns::from(names);
}

std::string scenario_hash(const std::string& scenario_json) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(fnv1a64(scenario_json)));
  return buf;
}

Model load_model(const fs::path& scenario_file, std::optional<std::uint64_t> seed,
                 std::optional<std::uint64_t> replicates, const MemoryCap& max_memory) {
  Scenario s = load_scenario(scenario_file);
  if (seed) s.seed = *seed;
  if (replicates) s.replicates = *replicates;
  validate_scenario(s, scenario_file.string());
  return freeze(std::move(s), {memory_limit(max_memory)});
}

Model load_model(const RunRequest& req) {
  if (!req.scenario_text)
    return load_model(req.scenario_file, req.seed, req.replicates, req.max_memory);
  const std::string label = req.scenario_file.string();
  Scenario s = parse_scenario(*req.scenario_text, label, req.base_dir);
  if (req.seed) s.seed = *req.seed;
  if (req.replicates) s.replicates = *req.replicates;
  validate_scenario(s, label);
  return freeze(std::move(s), {memory_limit(req.max_memory)});
}

namespace {

// Bytes estimated in doubles, saturated at 2^63 (an estimate past it means "too much").
std::uint64_t saturating_bytes(double need) {
  return need >= 9223372036854775808.0 ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(need);
}

}  // namespace

void check_run_memory(std::uint64_t replicate_bytes, std::uint64_t concurrent,
                      const Scenario& scenario, const MemoryCap& max_memory,
                      const std::string& file) {
  const std::uint64_t bytes =
      saturating_bytes(static_cast<double>(replicate_bytes) * static_cast<double>(concurrent));
  // A funding scenario's size is agents x projects: the larger of the two is blamed.
  const bool projects =
      scenario.kind == ScenarioKind::funding && scenario.proposals > scenario.agents;
  const std::string key = projects ? "funding.projects" : "electorate.agents";
  const std::string size = std::to_string(scenario.agents) + " agents" +
                           (scenario.kind == ScenarioKind::funding
                                ? " x " + std::to_string(scenario.proposals) + " projects"
                                : std::string());
  check_memory(bytes, max_memory, file, scenario.line_of(key), key,
               std::to_string(concurrent) + " replicate(s) at once of " + size + ", " +
                   format_bytes(replicate_bytes) + " each");
}

fs::path run_scenario(const RunRequest& req, std::ostream& out, std::ostream& err) {
  const Model model = load_model(req);
  if (model.scenario.kind == ScenarioKind::funding) return run_funding(model, req, out, err);
  std::vector<std::uint64_t> agent_replicates = req.agents;
  std::sort(agent_replicates.begin(), agent_replicates.end());
  agent_replicates.erase(std::unique(agent_replicates.begin(), agent_replicates.end()),
                         agent_replicates.end());
  const auto in_run = [&](const char* option, std::uint64_t r) {
    if (r >= model.scenario.replicates) {
      throw InputError("", 0, option,
                       "replicate " + std::to_string(r) +
                           " is not in the run: its replicates are 0 to " +
                           std::to_string(model.scenario.replicates - 1),
                       ErrorKind::usage);
    }
  };
  if (!agent_replicates.empty()) in_run("--agents", agent_replicates.back());
  if (req.graphml) {
    in_run("--graphml", *req.graphml);
    // The GraphML pass replays one replicate and holds its graph and attributes once more.
    check_memory(
        saturating_bytes(
            static_cast<double>(estimate_replicate_bytes(model)) +
            analysis::graphml_extra_bytes(model, agents::make_behaviours(model.scenario))),
        req.max_memory, req.scenario_file.string(), 0, "--graphml",
        "the GraphML of one replicate of " + std::to_string(model.scenario.agents) + " agents");
  }
  // Before anything is allocated or written: refuse a run the machine cannot hold.
  check_run_memory(estimate_replicate_bytes(model),
                   std::min<std::uint64_t>(resolve_threads(req.threads), model.scenario.replicates),
                   model.scenario, req.max_memory, req.scenario_file.string());
  const std::string scenario_json = scenario_to_json(model.scenario);
  run_detail::RunOutput output(req, model.scenario.name);
  const fs::path& dir = output.dir();
  const std::string& unchanged = output.unchanged();
  const auto add = [&output](const char* name) -> AtomicFile& { return output.add(name); };

  const unsigned threads = resolve_threads(req.threads);
  const std::string started = utc_now();
  const auto t0 = std::chrono::steady_clock::now();
  AtomicFile& runs = add("runs.csv");
  const auto behaviours = agents::make_behaviours(model.scenario);
  warn_unconverged(behaviours.beliefs->prior(model), err);
  warn_unread_ballots(model.scenario, err);
  analysis::RunTable table(model, arm_columns(behaviours), &runs.stream());
  ProgressBar bar(err, req.progress_bar && !req.quiet, "replicates");
  RunOptions opts;
  opts.rounds = req.rounds;
  opts.threads = req.threads;
  opts.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  opts.before_replicate = [&unchanged] { throw_if_interrupted(unchanged); };
  {
    // Optional tables see each outcome before runs.csv's: proposals, then rounds, then runs.
    OutcomeSink* sink = &table;
    AtomicFile* rounds_file = req.rounds ? &add("rounds.csv") : nullptr;
    std::optional<analysis::RowTable> rounds;
    if (rounds_file != nullptr) {
      sink = &rounds.emplace(model, rounds_file->stream(), *sink, analysis::rounds_csv_header(),
                             analysis::write_round_rows);
    }
    AtomicFile* proposals_file = req.proposals ? &add("proposals.csv") : nullptr;
    std::optional<analysis::RowTable> races;
    if (proposals_file != nullptr) {
      sink = &races.emplace(model, proposals_file->stream(), *sink,
                            analysis::proposals_csv_header(), analysis::write_proposal_rows);
    }
    run_replicates(model, behaviours, opts, *sink);
    if (rounds_file != nullptr) rounds_file->commit();
    if (proposals_file != nullptr) proposals_file->commit();
  }
  bar.finish();
  runs.commit();
  if (!agent_replicates.empty()) {
    AtomicFile& agents = add("agents.csv");
    agents.stream() << analysis::agents_csv_header(model, behaviours);
    // Each replicate is run again to record its agents: seconds apiece for a million agents.
    ProgressBar agents_bar(err, req.progress_bar && !req.quiet, "agents.csv replicates");
    for (std::size_t i = 0; i < agent_replicates.size(); ++i) {
      throw_if_interrupted(unchanged);
      with_threads(req.threads, [&] {
        analysis::write_agent_rows(model, behaviours, agent_replicates[i], agents.stream());
      });
      agents_bar.update(i + 1, agent_replicates.size());
    }
    agents_bar.finish();
    agents.commit();
  }
  if (req.graphml) {
    throw_if_interrupted(unchanged);
    AtomicFile& graph = add("graph.graphml");
    with_threads(req.threads,
                 [&] { analysis::write_graphml(model, behaviours, *req.graphml, graph.stream()); });
    graph.commit();
  }

  std::ostringstream csv;
  analysis::write_summary_csv(table, csv);
  AtomicFile& summary_csv = add("summary.csv");
  summary_csv.stream() << csv.str();
  summary_csv.commit();
  std::ostringstream json;
  analysis::write_summary_json(model, table, json);
  AtomicFile& summary_json = add("summary.json");
  summary_json.stream() << json.str();
  summary_json.commit();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string manifest =
      manifest_json(model, scenario_json, threads, seconds, started,
                    behaviours.beliefs->prior(model), req.proposals, req.rounds,
                    !agent_replicates.empty(), req.graphml.has_value(), output.files());
  output.publish(manifest);
  for (const std::string& line : analysis::flagged_arm_warnings(table))
    err << "qvsim: warning: " << line << '\n';
  if (!req.quiet) {
    out << analysis::format_summary_table(model, table);
    out << "wrote " << dir.string() << "/{runs.csv,summary.csv,summary.json,manifest.json"
        << (req.proposals ? ",proposals.csv" : "") << (req.rounds ? ",rounds.csv" : "")
        << (agent_replicates.empty() ? "" : ",agents.csv") << (req.graphml ? ",graph.graphml" : "")
        << "}\n";
  } else if (!req.out_dir) {
    // Quiet, but the folder was numbered here (results/<name>-2, ...): say which one.
    out << dir.string() << '\n';
  }
  return dir;
}

void validate_scenario_file(const fs::path& scenario_file, unsigned threads,
                            const MemoryCap& max_memory, std::ostream& out) {
  // A sweep file validates every point; a plain scenario is a sweep of one point.
  const SweepPlan plan = load_sweep(scenario_file, std::nullopt, std::nullopt);
  const unsigned t = resolve_threads(threads);
  std::uint64_t rows = 0;
  std::uint64_t largest = 0;
  const Scenario* largest_scenario = &plan.points.front().scenario;
  // An edge list or values file is loaded once for every point, within the memory budget.
  LoadOptions load{memory_limit(max_memory)};
  SharedFiles shared;
  load.shared = &shared;
  // The agent count of an edge-list or values-file scenario is known only once it is loaded.
  std::uint64_t first_agents = 0;
  for (const SweepPoint& p : plan.points) {
    const Model model = freeze(p.scenario, load);
    const Scenario& s = model.scenario;
    if (&p == &plan.points.front()) first_agents = s.agents;
    rows += s.replicates * (s.kind == ScenarioKind::funding
                                ? s.funding.arms.size() * s.funding.rules.size()
                                : s.arms.size() * s.mechanisms.size());
    const std::uint64_t bytes = estimate_replicate_bytes(model);
    if (bytes > largest) {
      largest = bytes;
      largest_scenario = &p.scenario;
    }
  }
  const Scenario& s = plan.points.front().scenario;
  const std::uint64_t concurrent = std::min<std::uint64_t>(t, plan.points.size() * plan.replicates);
  check_run_memory(largest, concurrent, *largest_scenario, max_memory, scenario_file.string());
  char buf[640];
  if (plan.has_sweep) {
    std::snprintf(buf, sizeof buf,
                  "%s: valid sweep (%s design)\n"
                  "  %zu points x %llu replicates = %llu work items; %llu rows of runs.csv\n",
                  plan.name.c_str(), to_string(plan.design), plan.points.size(),
                  static_cast<unsigned long long>(plan.replicates),
                  static_cast<unsigned long long>(plan.points.size() * plan.replicates),
                  static_cast<unsigned long long>(rows));
  } else if (s.kind == ScenarioKind::funding) {
    std::snprintf(buf, sizeof buf,
                  "%s: valid (quadratic funding)\n"
                  "  %llu replicates x %zu arm(s) x %zu matching rule(s) = %llu rows of runs.csv\n"
                  "  %llu agents, %u projects\n",
                  s.name.c_str(), static_cast<unsigned long long>(s.replicates),
                  s.funding.arms.size(), s.funding.rules.size(),
                  static_cast<unsigned long long>(rows),
                  static_cast<unsigned long long>(first_agents), s.funding.projects);
  } else {
    std::snprintf(buf, sizeof buf,
                  "%s: valid\n"
                  "  %llu replicates x %zu arm(s) x %zu mechanism(s) = %llu runs (rows of "
                  "runs.csv)\n"
                  "  %llu agents, %u proposals\n",
                  s.name.c_str(), static_cast<unsigned long long>(s.replicates), s.arms.size(),
                  s.mechanisms.size(), static_cast<unsigned long long>(rows),
                  static_cast<unsigned long long>(first_agents), s.proposals);
  }
  out << buf;
  const double all = static_cast<double>(largest) * static_cast<double>(concurrent);
  std::snprintf(buf, sizeof buf, "  estimated peak memory: %s per replicate, %s with %u threads\n",
                format_bytes(largest).c_str(),
                format_bytes(all >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max()
                                           : static_cast<std::uint64_t>(all))
                    .c_str(),
                t);
  out << buf;
}

}  // namespace qvsim
