#pragma once
// Random graph models. Watts-Strogatz draws from the one Stream it is given (the caller keys it
// by seed, replicate and Purpose::graph), serially; the others draw from streams keyed per agent
// (the key's seed, replicate, arm and round, and the agent), in parallel, so that their graph
// does not depend on the thread count. Either way a graph is a pure function of that key and its
// parameters. All return simple undirected graphs (see Graph).

#include <cstdint>
#include <vector>

#include "sim/graph.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace qvsim {

// G(n, p) with p = mean_degree / (agents - 1): each pair independently. Row v (its pairs with
// agents below it) draws from its own stream (agent v, Purpose::graph_rows) by geometric skipping
// (Batagelj & Brandes 2005): O(agents + edges), in parallel. Requires 0 <= mean_degree <=
// agents - 1.
Graph erdos_renyi(AgentId agents, double mean_degree, const StreamKey& key);

// Ring lattice where each agent links to its degree/2 nearest neighbours on each side; then each
// lattice edge (a, a+j) has its far end rewired with probability `rewire` to a uniformly chosen
// agent that is neither a nor already a neighbour of a. Edge count stays agents * degree / 2.
// Requires degree even, 2 <= degree < agents, 0 <= rewire <= 1.
Graph watts_strogatz(AgentId agents, std::uint32_t degree, double rewire, Stream& rng);

// Preferential attachment: starts from a complete graph on m + 1 agents; each later agent links
// to m distinct earlier agents chosen with probability proportional to degree. Edge count is
// m(m+1)/2 + (agents - m - 1) * m; every degree is >= m. Requires m >= 1 and agents > m + 1.
// Counter-keyed and parallel: agent v draws from its own stream (the key's seed, replicate, arm
// and round, agent v, Purpose::graph_attachment), so the graph does not depend on the threads.
Graph barabasi_albert(AgentId agents, std::uint32_t m, const StreamKey& key);

// Stochastic block model: consecutive agent ranges form blocks of the given sizes; each pair
// within a block is linked with probability p_in, each pair across blocks with p_out. Drawn as
// erdos_renyi is, row by row: row v skips over the agents below its block (p_out), then over
// those of its block below v (p_in). Block labels are kept in the graph.
Graph stochastic_block(const std::vector<std::uint64_t>& sizes, double p_in, double p_out,
                       const StreamKey& key);

// Builds the graph a GraphSpec describes for a replicate. Edge-list specs are not handled here
// (they are loaded once; see load_edge_list) and are a precondition violation.
Graph generate_graph(const GraphSpec& spec, AgentId agents, const StreamKey& key);

}  // namespace qvsim
