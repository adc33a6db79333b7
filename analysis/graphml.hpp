#pragma once
// run --graphml R: replicate R's graph as GraphML (Boost.Graph's writer), for Gephi, networkx or
// igraph. Undirected; node ids n0, n1, ... are the agent indices. Node attributes (all doubles):
//   block                          the agent's block (stochastic block models only);
//   value_k                        her value for proposal k passing;
//   ARM.MECHANISM.vote_k, ARM.MECHANISM.cost
//                                  her votes and cost in each arm under each mechanism;
//   ARM.MECHANISM.FIELD            what an attack arm records about her (analysis/agent_table.hpp:
//                                  coalition, obeyed, threatened, complied...), NaN where it does
//                                  not apply to her (written NaN, as XML Schema spells it).
// The same numbers as agents.csv, from the same replay of the replicate's keys.

#include <cstdint>
#include <ostream>

#include "sim/arm.hpp"
#include "sim/model.hpp"

namespace qvsim::analysis {

// Estimated peak bytes of write_graphml beyond the replicate it replays: the adjacency list
// (about 80 bytes per undirected edge: the edge and both directions' entries, plus the edge pairs
// it is built from) and one double per agent and attribute.
double graphml_extra_bytes(const Model& model, const ArmBehaviours& behaviours);

// Writes replicate r's graph and attributes. Holds the graph once more as an adjacency list and
// one double per agent and attribute while writing.
void write_graphml(const Model& model, const ArmBehaviours& behaviours, std::uint64_t replicate,
                   std::ostream& out);

}  // namespace qvsim::analysis
