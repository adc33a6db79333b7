#pragma once
// The frozen model every replicate shares: a validated scenario plus what is loaded once for all
// replicates (an edge-list graph, a values file). Built once by freeze(), then only read
// (thread-safe).

#include <cstdint>
#include <memory>
#include <optional>
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
  std::vector<std::uint32_t> arm_keys;  // arm_key() of each arm's name, in scenario.arms order
  std::size_t baseline_arm = 0;         // index of scenario.baseline_arm in scenario.arms
};

// Freezes a validated scenario: loads an edge-list graph (setting scenario.agents to its vertex
// count), then a values file (into fixed_values, rows named by the edge list's ids when there is
// one), and derives the arm keys. Throws InputError for an unreadable or malformed edge list or
// values file (sim/values_file.hpp), or a graph with fewer than 2 agents.
Model freeze(Scenario scenario);

// The model of a validated scenario without loading anything (no edge-list graph): enough to
// label and summarize results, not to run replicates.
Model describe(Scenario scenario);

// Estimated peak bytes one replicate of this model holds (graph, values, scratch), for `validate`.
std::uint64_t estimate_replicate_bytes(const Model& model);

}  // namespace qvsim
