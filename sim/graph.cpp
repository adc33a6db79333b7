#include "sim/graph.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <stdexcept>

namespace qvsim {
namespace {

using EdgeIndex = std::uint32_t;

constexpr std::uint64_t kMaxInputEdges = std::numeric_limits<EdgeIndex>::max() / 2;

}  // namespace

Graph::Graph() = default;

Graph Graph::from_edges(AgentId agents, std::vector<std::pair<AgentId, AgentId>> edges,
                        std::vector<std::uint32_t> blocks) {
  Graph g;
  g.n_ = agents;
  g.stats_.input_edges = edges.size();
  // Checked on the raw input (before removing duplicates) so that no 32-bit count below can wrap.
  if (edges.size() > kMaxInputEdges)
    throw std::length_error("Graph::from_edges: more than 2^31 - 1 edges offered");

  // Counting sort into both directions. Counts go to offsets[a + 2] so that after the prefix sum
  // offsets[a + 1] is a's start, and using it as a's insertion cursor leaves it at a's end, which
  // is a + 1's start: one array serves as counts, cursors and row starts.
  std::vector<EdgeIndex> offsets(static_cast<std::size_t>(agents) + 2, 0);
  std::uint64_t self_loops = 0;
  for (const auto& [a, b] : edges) {
    assert(a < agents && b < agents);
    if (a == b) {
      ++self_loops;
      continue;
    }
    ++offsets[std::size_t{a} + 2];
    ++offsets[std::size_t{b} + 2];
  }
  for (std::size_t i = 2; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
  std::vector<AgentId> targets(offsets.back());
  for (const auto& [a, b] : edges) {
    if (a == b) continue;
    targets[offsets[std::size_t{a} + 1]++] = b;
    targets[offsets[std::size_t{b} + 1]++] = a;
  }
  offsets.pop_back();
  // The input is no longer needed; releasing it now keeps the peak at input + one directed copy.
  std::vector<std::pair<AgentId, AgentId>>().swap(edges);

  // Sort and dedupe each row, compacting in place (rows only ever move left).
  EdgeIndex write = 0;
  for (AgentId a = 0; a < agents; ++a) {
    const EdgeIndex begin = offsets[a];
    const EdgeIndex end = offsets[a + 1];
    offsets[a] = write;
    auto* first = targets.data() + begin;
    auto* last = targets.data() + end;
    std::sort(first, last);
    last = std::unique(first, last);
    if (write != begin) std::copy(first, last, targets.data() + write);
    write += static_cast<EdgeIndex>(last - first);
  }
  offsets[agents] = write;
  const std::uint64_t removed_directed = targets.size() - write;
  assert(removed_directed % 2 == 0);
  targets.resize(write);
  // Shrinking copies, so only pay for it when many duplicates left real slack.
  if (targets.capacity() - targets.size() > targets.size() / 8) targets.shrink_to_fit();

  g.stats_.self_loops_removed = self_loops;
  g.stats_.duplicates_removed = removed_directed / 2;

  // The arrays are already in Boost's final form. Its constructors would copy or re-sort them and
  // would also fill a vector of empty edge properties (one byte per directed edge), so the rows
  // are installed directly into an n-vertex graph instead: same m_rowstart and m_column, lower
  // peak memory.
  g.csr_ = Csr(agents);
  g.csr_.m_forward.m_rowstart = std::move(offsets);
  g.csr_.m_forward.m_column = std::move(targets);
  assert(g.csr_.m_forward.m_rowstart.size() == static_cast<std::size_t>(agents) + 1);
  assert(g.csr_.m_forward.m_rowstart.back() == g.csr_.m_forward.m_column.size());

  if (!blocks.empty()) {
    assert(blocks.size() == agents);
    g.num_blocks_ = *std::max_element(blocks.begin(), blocks.end()) + 1;
    g.blocks_ = std::move(blocks);
  }
  return g;
}

std::uint32_t Graph::max_degree() const noexcept {
  std::uint32_t best = 0;
  for (AgentId a = 0; a < n_; ++a) best = std::max(best, degree(a));
  return best;
}

std::uint32_t Graph::min_degree() const noexcept {
  if (n_ == 0) return 0;
  std::uint32_t best = std::numeric_limits<std::uint32_t>::max();
  for (AgentId a = 0; a < n_; ++a) best = std::min(best, degree(a));
  return best;
}

std::uint64_t Graph::memory_bytes() const noexcept {
  const auto& f = csr_.m_forward;
  return sizeof(Graph) + f.m_rowstart.capacity() * sizeof(EdgeIndex) +
         f.m_column.capacity() * sizeof(AgentId) +
         csr_.m_vertex_properties.capacity() * sizeof(boost::no_property) +
         f.m_edge_properties.capacity() * sizeof(boost::no_property) +
         blocks_.capacity() * sizeof(std::uint32_t) +
         original_ids_.capacity() * sizeof(std::uint64_t);
}

}  // namespace qvsim
