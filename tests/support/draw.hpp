#pragma once
// One replicate's graph, electorate and beliefs drawn as the engine draws them (replicate 0), for
// tests that call an attack's planner directly.

#include <cstddef>
#include <utility>
#include <vector>

#include "sim/electorate.hpp"
#include "sim/graph_generators.hpp"
#include "sim/model.hpp"
#include "sim/rng.hpp"
#include "sim/runner.hpp"
#include "support/beliefs.hpp"

namespace qvsim::test {

struct Draw {
  Model model;
  Graph graph;
  Electorate electorate;
  std::vector<MechanismBelief> beliefs;
  explicit Draw(Scenario s) : model(freeze(std::move(s))) {
    graph = generate_graph(model.scenario.graph, static_cast<AgentId>(model.scenario.agents),
                           StreamKey{model.scenario.seed, 0, 0, 0, 0, Purpose::graph});
    electorate = draw_electorate(model.scenario.values, model.scenario.proposals, graph,
                                 model.scenario.seed, 0);
    beliefs = beliefs_of(model, electorate, 0);
  }
  // The context of arm `arm` (default the first after the baseline) in replicate 0.
  ReplicateContext context(std::size_t arm = 1) const {
    return ReplicateContext{model, graph, electorate, 0, arm, model.arm_keys.at(arm), beliefs};
  }
};

}  // namespace qvsim::test
