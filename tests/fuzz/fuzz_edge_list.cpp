// libFuzzer target: bytes -> read_edge_list -> a graph, or one clean InputError.
//
// A graph that is read must keep the header's promises: ids ranked ascending, a simple graph with
// sorted neighbour lists, every edge line counted once as an edge, a self-loop or a duplicate; and
// when every agent has an edge, writing it out and reading it back gives the same graph. A broken
// promise, or any exception other than InputError, is a bug.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>

#include "sim/edge_list.hpp"
#include "sim/error.hpp"
#include "sim/graph.hpp"

namespace {

[[noreturn]] void bug(const char* what) {
  std::fprintf(stderr, "fuzz_edge_list: %s\n", what);
  std::fflush(stderr);
  __builtin_trap();
}

void check_graph(const qvsim::EdgeListLoad& load) {
  const qvsim::Graph& g = load.graph;
  const auto& ids = g.original_ids();
  if (ids.size() != g.num_agents()) bug("one original id per agent");
  if (!std::is_sorted(ids.begin(), ids.end()) ||
      std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
    bug("original ids are not strictly ascending");
  }
  if (load.edge_lines == 0 || load.edge_lines > load.lines) bug("edge lines out of range");
  if (g.num_edges() + load.self_loops_removed + load.duplicates_removed != load.edge_lines) {
    bug("edges, self-loops and duplicates do not add up to the edge lines");
  }
  std::uint64_t directed = 0;
  for (qvsim::AgentId a = 0; a < g.num_agents(); ++a) {
    const auto nb = g.neighbors(a);
    directed += nb.size();
    for (std::size_t i = 0; i < nb.size(); ++i) {
      if (nb[i] >= g.num_agents() || nb[i] == a) bug("neighbour out of range or a self-loop");
      if (i > 0 && nb[i - 1] >= nb[i]) bug("neighbours not strictly ascending");
      const auto back = g.neighbors(nb[i]);
      if (!std::binary_search(back.begin(), back.end(), a)) bug("an edge in one direction only");
    }
  }
  if (directed != 2 * g.num_edges()) bug("directed edges are not twice the edges");
}

// write_edge_list's contract: reading its output gives the same graph when no agent is isolated.
void check_round_trip(const qvsim::Graph& g) {
  for (qvsim::AgentId a = 0; a < g.num_agents(); ++a) {
    if (g.degree(a) == 0) return;
  }
  std::stringstream text;
  qvsim::write_edge_list(g, text);
  const qvsim::EdgeListLoad again = qvsim::read_edge_list(text, "written.txt");
  if (again.graph.original_ids() != g.original_ids()) bug("round trip changed the ids");
  if (again.graph.csr().m_forward.m_rowstart != g.csr().m_forward.m_rowstart ||
      again.graph.csr().m_forward.m_column != g.csr().m_forward.m_column) {
    bug("round trip changed the edges");
  }
  if (again.self_loops_removed != 0 || again.duplicates_removed != 0) {
    bug("written edge list holds self-loops or duplicates");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    qvsim::EdgeListLoad load;
    try {
      load = qvsim::read_edge_list(in, "fuzz.txt");
    } catch (const qvsim::InputError&) {
      return 0;
    }
    check_graph(load);
    check_round_trip(load.graph);
  } catch (const qvsim::InputError& e) {
    std::fprintf(stderr, "fuzz_edge_list: %s\n", e.what());
    bug("reading a written edge list failed");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_edge_list: escaped exception: %s\n", e.what());
    bug("an exception other than InputError escaped");
  } catch (...) {
    bug("a non-std exception escaped");
  }
  return 0;
}
