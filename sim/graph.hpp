#pragma once
// The social graph agents live on.
//
// Graph is a simple undirected graph (no self-loops, no parallel edges) stored as a Boost
// compressed_sparse_row_graph holding both directions of every edge, with neighbours of each agent
// sorted ascending. It owns iteration: use neighbors()/for_neighbors() for one agent and
// parallel_for_agents() (sim/parallel.hpp) for all of them, so the parallel policy lives in one
// place. A Graph is immutable once built and safe to read from any number of threads.
//
// Capacity: up to 2^32 - 1 agents and 2^32 - 1 directed edges (32-bit vertex and edge indices keep
// memory at 4 bytes per agent plus 4 bytes per directed edge).

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "sim/memory.hpp"

namespace qvsim {

using AgentId = std::uint32_t;

class Graph {
 public:
  using Csr =
      boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                         boost::no_property, AgentId, std::uint32_t>;

  // What building removed from the input edges.
  struct BuildStats {
    std::uint64_t input_edges = 0;         // undirected edges offered
    std::uint64_t self_loops_removed = 0;  // edges (a, a)
    std::uint64_t duplicates_removed = 0;  // repeats of an edge already present (either direction)
  };

  // The most undirected edges a graph may be offered (2^31 - 1): its 32-bit edge indices hold
  // both directions of each.
  static constexpr std::uint64_t kMaxEdges = std::numeric_limits<std::uint32_t>::max() / 2;

  // The empty graph on zero agents.
  Graph();

  // Builds the simple undirected graph on `agents` vertices from undirected edges (a, b) given in
  // any order and direction; self-loops and duplicates are removed and counted in build_stats().
  // Every endpoint must be < agents (checked by assert). Built in parallel; the graph does not
  // depend on the thread count (rows are sorted). `blocks`, if not empty, has one block
  // label per agent (stochastic block models). Throws std::length_error when more than 2^31 - 1
  // edges are offered (counted before removal). Peak memory while building is about 16 bytes per
  // offered edge (the input included) plus 9 bytes per agent.
  static Graph from_edges(AgentId agents, std::vector<std::pair<AgentId, AgentId>> edges,
                          std::vector<std::uint32_t> blocks = {});

  // An undirected edge of from_edge_array's input: trivially constructible, so that an array of
  // hundreds of millions of them is not zeroed before a parallel pass writes it.
  struct Edge {
    AgentId first;
    AgentId second;
  };
  // from_edges for a LargeVector of Edge (the generators' parallel output); the same graph.
  static Graph from_edge_array(AgentId agents, LargeVector<Edge> edges,
                               std::vector<std::uint32_t> blocks = {});

  AgentId num_agents() const noexcept { return n_; }
  // Undirected edges.
  std::uint64_t num_edges() const noexcept { return directed_edges() / 2; }
  std::uint64_t directed_edges() const noexcept { return csr_.m_forward.m_column.size(); }

  std::uint32_t degree(AgentId a) const noexcept {
    return csr_.m_forward.m_rowstart[a + 1] - csr_.m_forward.m_rowstart[a];
  }
  // Neighbours of a, sorted ascending.
  std::span<const AgentId> neighbors(AgentId a) const noexcept {
    const auto& f = csr_.m_forward;
    return {f.m_column.data() + f.m_rowstart[a], degree(a)};
  }
  template <class F>
  void for_neighbors(AgentId a, F&& f) const {
    for (AgentId b : neighbors(a)) f(b);
  }

  // Block label of each agent (stochastic block models); empty when the graph has no blocks.
  const std::vector<std::uint32_t>& blocks() const noexcept { return blocks_; }
  std::uint32_t num_blocks() const noexcept { return num_blocks_; }

  const BuildStats& build_stats() const noexcept { return stats_; }
  const Csr& csr() const noexcept { return csr_; }

  // Original ids of agents when loaded from an edge-list file (agent a had id original_ids()[a]);
  // empty otherwise.
  const std::vector<std::uint64_t>& original_ids() const noexcept { return original_ids_; }
  void set_original_ids(std::vector<std::uint64_t> ids) { original_ids_ = std::move(ids); }

  std::uint32_t max_degree() const noexcept;
  std::uint32_t min_degree() const noexcept;

  // Approximate bytes held (CSR arrays and labels), for memory estimates and benchmarks.
  std::uint64_t memory_bytes() const noexcept;

 private:
  template <class Edges>
  static Graph build(AgentId agents, Edges edges, std::vector<std::uint32_t> blocks);

  AgentId n_ = 0;
  Csr csr_;
  std::vector<std::uint32_t> blocks_;
  std::uint32_t num_blocks_ = 0;
  BuildStats stats_;
  std::vector<std::uint64_t> original_ids_;
};

}  // namespace qvsim
