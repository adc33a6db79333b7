#pragma once
// The frozen model every replicate shares: a validated scenario plus what is loaded once for all
// replicates (an edge-list graph, a values file). Built once by freeze(), then only read
// (thread-safe).

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "sim/edge_list.hpp"
#include "sim/graph.hpp"
#include "sim/scenario.hpp"

namespace qvsim {

struct Model {
  Scenario scenario;
  // Set when the graph comes from an edge-list file: loaded once, the same in every replicate.
  std::shared_ptr<const Graph> fixed_graph;
  std::optional<EdgeListLoad> edge_list_stats;  // counts from loading it (graph moved out)
  // Set when values come from a file (scenario.values.file): agent-major, agents x proposals,
  // loaded once, the same in every replicate.
  std::shared_ptr<const std::vector<double>> fixed_values;
  // Set when clusters come from a clusters file: each agent's cluster label (sim/clusters.hpp).
  std::shared_ptr<const std::vector<std::uint32_t>> fixed_clusters;
  std::vector<std::uint32_t> arm_keys;  // arm_key() of each arm's name, in scenario.arms order
  std::size_t baseline_arm = 0;         // index of scenario.baseline_arm in scenario.arms
};

// Files freeze() loaded, kept to be shared by later freeze() calls (the points of a sweep): an
// edge list is read once per path and its graph shared by every model that names it; a values
// file once per path, agent count, proposal count and graph. Not thread-safe.
struct SharedFiles {
  struct EdgeList {
    std::shared_ptr<const Graph> graph;
    EdgeListLoad stats;  // graph moved out
  };
  std::map<std::filesystem::path, EdgeList> edge_lists;
  using ValuesKey = std::tuple<std::filesystem::path, std::uint64_t, std::uint32_t, const Graph*>;
  std::map<ValuesKey, std::shared_ptr<const std::vector<double>>> values;
};

struct LoadOptions {
  // Bytes loading a file may take (the memory guard's cap, api/resources.hpp): an edge list or a
  // values file that needs more is refused (InputError, resources) before, or while, it is read.
  std::uint64_t memory_bytes = std::numeric_limits<std::uint64_t>::max();
  // When set, files are loaded at most once and shared through it.
  SharedFiles* shared = nullptr;
};

// Freezes a validated scenario: loads an edge-list graph (setting scenario.agents to its vertex
// count), then a values file (into fixed_values, rows named by the edge list's ids when there is
// one), and derives the arm keys. Throws InputError for an unreadable or malformed edge list or
// values file (sim/values_file.hpp), a graph with fewer than 2 agents, or a file that needs more
// memory than `options.memory_bytes` (resources).
Model freeze(Scenario scenario, const LoadOptions& options = {});

// The model of a validated scenario without loading anything (no edge-list graph): enough to
// label and summarize results, not to run replicates.
Model describe(Scenario scenario);

// Estimated peak bytes one replicate of this model holds (graph, values, scratch, and what grows
// with coercion rounds), for `validate` and the memory guard. Files loaded once for all
// replicates (an edge-list graph, a values file) are already in memory and not counted.
std::uint64_t estimate_replicate_bytes(const Model& model);

// The undirected edges a replicate's graph is expected to have (exact for an edge list).
double expected_edges(const Model& model);

}  // namespace qvsim
