#include "sim/model.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>
#include <variant>

#include "sim/clusters.hpp"
#include "sim/electorate.hpp"
#include "sim/error.hpp"
#include "sim/json.hpp"
#include "sim/rng.hpp"
#include "sim/values_file.hpp"

namespace qvsim {

namespace {

void derive_arms(Model& m, const Scenario& scenario) {
  for (const auto& arm : scenario.arms)
    m.arm_keys.push_back(arm_key(arm.name.data(), arm.name.size()));
  const auto it = std::find_if(scenario.arms.begin(), scenario.arms.end(),
                               [&](const ArmSpec& a) { return a.name == scenario.baseline_arm; });
  m.baseline_arm = static_cast<std::size_t>(it - scenario.arms.begin());
}

}  // namespace

Model describe(Scenario scenario) {
  Model m;
  derive_arms(m, scenario);
  m.scenario = std::move(scenario);
  return m;
}

Model freeze(Scenario scenario, const LoadOptions& options) {
  Model m;
  if (const auto* el = std::get_if<EdgeListSpec>(&scenario.graph)) {
    if (std::error_code ec; !std::filesystem::is_regular_file(el->file, ec)) {
      // Blame the scenario's key: the user fixes the path there.
      const std::string why = ec                                      ? ec.message()
                              : std::filesystem::exists(el->file, ec) ? "not a regular file"
                                                                      : "no such file";
      throw InputError(scenario.source_file.string(), scenario.line_of("graph.file"), "graph.file",
                       "cannot open edge list '" + el->file.string() + "': " + why, ErrorKind::io);
    }
    SharedFiles::EdgeList loaded;
    if (options.shared != nullptr) {
      if (const auto it = options.shared->edge_lists.find(el->file);
          it != options.shared->edge_lists.end())
        loaded = it->second;
    }
    if (!loaded.graph) {
      EdgeListLoad load = load_edge_list(el->file, options.memory_bytes);
      if (load.graph.num_agents() < 2) {
        throw InputError(el->file.string(), 0, "", "an edge list needs at least 2 agents");
      }
      loaded.graph = std::make_shared<const Graph>(std::move(load.graph));
      load.graph = Graph();
      loaded.stats = std::move(load);
      if (options.shared != nullptr) options.shared->edge_lists.emplace(el->file, loaded);
    }
    scenario.agents = loaded.graph->num_agents();
    const auto& ids = loaded.graph->original_ids();
    for (const auto& arm : scenario.arms) {
      if (!arm.collusion || arm.collusion->selection != Selection::listed) continue;
      for (const std::uint64_t id : arm.collusion->organizer_ids) {
        if (!std::binary_search(ids.begin(), ids.end(), id)) {
          const std::string key = "arms." + arm.name + ".collusion.organizer_ids";
          throw InputError(scenario.source_file.string(), scenario.line_of(key), key,
                           "organizer " + std::to_string(id) + " is not a node of the edge list " +
                               el->file.filename().string());
        }
      }
    }
    m.fixed_graph = loaded.graph;
    m.edge_list_stats = std::move(loaded.stats);
  }
  if (const auto& file = scenario.values.file; !file.empty()) {
    // After the edge list: its ids name the rows, and it sets the agent count.
    if (std::error_code ec; !std::filesystem::is_regular_file(file, ec)) {
      const std::string why = ec                                  ? ec.message()
                              : std::filesystem::exists(file, ec) ? "not a regular file"
                                                                  : "no such file";
      throw InputError(scenario.source_file.string(), scenario.line_of("electorate.values.file"),
                       "electorate.values.file",
                       "cannot open values file '" + file.string() + "': " + why, ErrorKind::io);
    }
    const SharedFiles::ValuesKey key{file, scenario.agents, scenario.proposals,
                                     m.fixed_graph.get()};
    if (options.shared != nullptr) {
      if (const auto it = options.shared->values.find(key); it != options.shared->values.end())
        m.fixed_values = it->second;
    }
    if (!m.fixed_values) {
      // The values as doubles, twice while rows are put in agent order.
      const double need = 2.0 * static_cast<double>(scenario.agents) *
                          static_cast<double>(scenario.proposals) * sizeof(double);
      if (need > static_cast<double>(options.memory_bytes)) {
        throw InputError(scenario.source_file.string(), scenario.line_of("electorate.values.file"),
                         "electorate.values.file",
                         "loading values for " + std::to_string(scenario.agents) + " agents and " +
                             std::to_string(scenario.proposals) + " proposals needs about " +
                             (need >= 18446744073709551616.0
                                  ? std::string("2^64")
                                  : std::to_string(static_cast<std::uint64_t>(need))) +
                             " bytes, more than the " + std::to_string(options.memory_bytes) +
                             " this run may use (see --max-memory)",
                         ErrorKind::resources);
      }
      static const std::vector<std::uint64_t> kNoIds;
      m.fixed_values = std::make_shared<const std::vector<double>>(
          load_values_file(file, static_cast<AgentId>(scenario.agents), scenario.proposals,
                           m.fixed_graph ? m.fixed_graph->original_ids() : kNoIds));
      if (options.shared != nullptr) options.shared->values.emplace(key, m.fixed_values);
    }
    if (scenario.values.float32) {
      // float32 stores values up to FLT_MAX; the file may hold up to 1e50 (docs/scenario.md).
      const auto& u = *m.fixed_values;
      for (std::size_t i = 0; i < u.size(); ++i) {
        if (!(std::fabs(u[i]) <= kMaxFloat32Value)) {
          throw InputError(
              scenario.source_file.string(), scenario.line_of("electorate.values.precision"),
              "electorate.values.precision",
              "float32 stores values up to 3.4e38 in magnitude, and the values file holds " +
                  format_double(u[i]) + " (agent row " + std::to_string(i / scenario.proposals) +
                  ", proposal " + std::to_string(i % scenario.proposals) +
                  "): use float64, the default",
              ErrorKind::range);
        }
      }
    }
  }
  if (scenario.clusters.source == ClusterSource::file) {
    const auto& file = scenario.clusters.file;
    if (std::error_code ec; !std::filesystem::is_regular_file(file, ec)) {
      const std::string why = ec                                  ? ec.message()
                              : std::filesystem::exists(file, ec) ? "not a regular file"
                                                                  : "no such file";
      throw InputError(scenario.source_file.string(), scenario.line_of("clusters.file"),
                       "clusters.file", "cannot open clusters file '" + file.string() + "': " + why,
                       ErrorKind::io);
    }
    static const std::vector<std::uint64_t> kNoIds;
    m.fixed_clusters = std::make_shared<const std::vector<std::uint32_t>>(
        load_clusters_file(file, static_cast<AgentId>(scenario.agents),
                           m.fixed_graph ? m.fixed_graph->original_ids() : kNoIds));
  }
  if (std::find(scenario.mechanisms.begin(), scenario.mechanisms.end(),
                Mechanism::pairwise_bounded) != scenario.mechanisms.end() &&
      scenario.agents > kMaxPairwiseAgents) {
    throw InputError(scenario.source_file.string(), scenario.line_of("mechanisms"), "mechanisms",
                     "pairwise_bounded sums over every pair of voters and takes at most " +
                         std::to_string(kMaxPairwiseAgents) + " agents; this electorate has " +
                         std::to_string(scenario.agents),
                     ErrorKind::range);
  }
  const auto& rules = scenario.funding.rules;
  // Contributors: the voters and the most accounts any arm's attackers add.
  const std::uint64_t contributors = scenario.kind == ScenarioKind::funding
                                         ? scenario.agents + max_attacker_accounts(scenario.funding)
                                         : 0;
  // Its work is a dot product over the projects for every pair of contributors: at most
  // 20,000^2 x 100 (tens of seconds per matching in a release build).
  const double pair_work = static_cast<double>(contributors) * static_cast<double>(contributors) *
                           static_cast<double>(scenario.proposals);
  if ((contributors > kMaxPairwiseAgents || pair_work > kMaxPairwiseWork) &&
      std::find(rules.begin(), rules.end(), MatchingRule::pairwise) != rules.end()) {
    throw InputError(scenario.source_file.string(), scenario.line_of("funding.rules"),
                     "funding.rules",
                     "the pairwise rule sums over every pair of contributors and takes at most " +
                         std::to_string(kMaxPairwiseAgents) +
                         " (voters plus an arm's attacker accounts), and contributors^2 x "
                         "projects at most 4e10; this scenario has " +
                         std::to_string(contributors) + " contributors and " +
                         std::to_string(scenario.proposals) + " projects",
                     ErrorKind::range);
  }
  derive_arms(m, scenario);
  m.scenario = std::move(scenario);
  return m;
}

double expected_edges(const Model& model) {
  const auto& s = model.scenario;
  const auto nd = static_cast<double>(s.agents);
  // Expected undirected edges per model; the edge list's are known exactly.
  double edges = 0.0;
  std::visit(
      [&](const auto& g) {
        using T = std::decay_t<decltype(g)>;
        if constexpr (std::is_same_v<T, ErdosRenyiSpec>) edges = nd * g.mean_degree / 2.0;
        if constexpr (std::is_same_v<T, WattsStrogatzSpec>) edges = nd * g.degree / 2.0;
        if constexpr (std::is_same_v<T, BarabasiAlbertSpec>) edges = nd * g.m;
        if constexpr (std::is_same_v<T, StochasticBlockSpec>) {
          double in = 0.0;
          for (auto b : g.sizes) in += static_cast<double>(b) * static_cast<double>(b - 1) / 2.0;
          const double all = nd * (nd - 1.0) / 2.0;
          edges = in * g.p_in + (all - in) * g.p_out;
        }
        if constexpr (std::is_same_v<T, EdgeListSpec>) {
          edges = model.fixed_graph ? static_cast<double>(model.fixed_graph->num_edges()) : 0.0;
        }
      },
      s.graph);
  return edges;
}

std::uint64_t estimate_replicate_bytes(const Model& model) {
  const auto& s = model.scenario;
  const std::uint64_t n = s.agents;
  const double edges = expected_edges(model);
  // In doubles: the largest scenarios (2^32 agents, 2^32 proposals) overflow 64-bit products,
  // and the estimate must then say "too much", not wrap around to a small number.
  const auto nd = static_cast<double>(n);
  // Each replicate's own copy of the values; values from a file are held once more, for all
  // replicates together and already loaded (like an edge-list graph), so not counted here.
  const double value_bytes = s.values.float32 ? sizeof(float) : sizeof(double);
  const double values = nd * static_cast<double>(s.proposals) * value_bytes;
  // The homophily smoothing's block of values (sim/electorate.hpp), freed before any arm runs.
  const bool smoothing = s.values.homophily > 0.0 && s.values.file.empty();
  const double smooth = smoothing ? nd * value_bytes *
                                        static_cast<double>(std::min<std::size_t>(
                                            kSmoothBlock, std::max<std::uint32_t>(s.proposals, 1)))
                                  : 0.0;
  // Scratch: what attack arms hold per agent while they prepare (coalition ids and marks; threat
  // slots and beliefs; bribe losses, votes moved, identities, ranking and sale flags per
  // mechanism), and what tallies hold; the smoothing's, if larger, before them.
  double scratch = 0.0;
  for (const auto& arm : s.arms) {
    double per_agent = 0;
    if (arm.collusion) per_agent += 5;
    if (arm.coercion) per_agent += 9;
    if (arm.bribery) per_agent += 32.0 + static_cast<double>(s.mechanisms.size());
    scratch += nd * per_agent;
  }
  // Coercion keeps a count of complying agents per round and mechanism.
  for (const auto& arm : s.arms) {
    if (arm.coercion) {
      scratch += (static_cast<double>(arm.coercion->rounds) + 1.0) *
                 static_cast<double>(s.mechanisms.size()) * sizeof(std::uint64_t);
    }
  }
  // Clusters (connection-oriented tallies, detection scores) hold label, id, member and start
  // per agent (4 x 8 bytes with the sort's copy) and every ballot (a double per agent and
  // proposal) ...
  if (s.clusters.source != ClusterSource::none) scratch += 32.0 * nd;
  // ... and finding them from ballots a squared norm, a parent and a label per agent and a link
  // flag per directed edge; linking identical ballots too, every agent's share of her ballot,
  // a hash and an id per voter and a placed flag per agent.
  if (s.clusters.source == ClusterSource::ballots) scratch += 16.0 * nd + 2.0 * edges;
  if (s.clusters.source == ClusterSource::ballots && s.clusters.identical)
    scratch += nd * static_cast<double>(s.proposals) * sizeof(double) + 17.0 * nd;
  if (s.clusters.source != ClusterSource::none || s.pairwise_m > 0.0) {
    // ... and pairwise_bounded tallies every ballot plus two sums per agent and option, and with
    // sybils every identity's share of a ballot; both count each agent's identities.
    scratch +=
        nd * static_cast<double>(s.proposals) * sizeof(double) * (s.pairwise_m > 0.0 ? 4 : 1) +
        4.0 * nd;
  }
  // Funding: every contribution (contributor, project, amount: 16 bytes with padding) for the
  // honest contributions and an arm's, with the matching rules' sorted copies and sums.
  // Attacker accounts hold one contribution each (a ring member one per ring project) and a group.
  if (s.kind == ScenarioKind::funding) {
    scratch += nd * static_cast<double>(s.proposals) * 64.0 +
               static_cast<double>(max_attacker_accounts(s.funding)) * 64.0;
  }
  // Graph: row starts plus 4 bytes per directed edge; building needs about twice that.
  const double graph_build = 4.0 * 2.0 * edges * 2.0 + 8.0 * nd;
  const double graph = model.fixed_graph ? 0.0 : graph_build;
  scratch = std::max(scratch, smooth);
  const double bytes = std::max(graph, values + scratch + graph_build / 2.0);
  // 2^64 itself is not representable as uint64; anything from 2^63 up is "more than any machine".
  constexpr double kCap = 9223372036854775808.0;
  return bytes >= kCap ? static_cast<std::uint64_t>(kCap) : static_cast<std::uint64_t>(bytes);
}

}  // namespace qvsim
