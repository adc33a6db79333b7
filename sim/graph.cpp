#include "sim/graph.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <limits>
#include <stdexcept>

#include "sim/memory.hpp"
#include "sim/parallel.hpp"

namespace qvsim {
namespace {

using EdgeIndex = std::uint32_t;

static_assert(Graph::kMaxEdges == std::numeric_limits<EdgeIndex>::max() / 2);
// Edges and rows a task of the parallel build takes.
constexpr std::uint64_t kEdgeGrain = std::uint64_t{1} << 16;
constexpr AgentId kRowGrain = AgentId{1} << 14;
// How many edges ahead the counting and scattering passes prefetch the counters they will bump:
// an atomic increment waits for its cache line and keeps later ones from overlapping, so
// random rows are fetched early instead (speed only).
constexpr std::uint64_t kAhead = 16;

}  // namespace

Graph::Graph() = default;

// The builder behind from_edges and from_edge_array: a counting sort into both directions, in
// parallel. Counts and cursors are bumped with atomic increments, so the order in which edges land
// in a row depends on the threads; each row is then sorted, which makes the graph the same bits
// at any thread count.
template <class Edges>
Graph Graph::build(AgentId agents, Edges edges, std::vector<std::uint32_t> blocks) {
  Graph g;
  g.n_ = agents;
  const std::uint64_t m = edges.size();
  g.stats_.input_edges = m;
  // Checked on the raw input (before removing duplicates) so that no 32-bit count below can wrap.
  if (m > kMaxEdges) throw std::length_error("Graph::from_edges: more than 2^31 - 1 edges offered");

  // Counts go to offsets[a + 2] so that after the prefix sum offsets[a + 1] is a's start, and
  // using it as a's insertion cursor leaves it at a's end, which is a + 1's start: one array
  // serves as counts, cursors and row starts.
  std::vector<EdgeIndex> offsets;
  resize_large(offsets, static_cast<std::size_t>(agents) + 2);
  std::atomic<std::uint64_t> self_loops{0};
  parallel_for_blocks(std::uint64_t{0}, m, kEdgeGrain, [&](std::uint64_t lo, std::uint64_t hi) {
    std::uint64_t loops = 0;
    for (std::uint64_t i = lo; i < hi; ++i) {
      if (i + kAhead < hi) {
        __builtin_prefetch(&offsets[std::size_t{edges[i + kAhead].first} + 2], 1);
        __builtin_prefetch(&offsets[std::size_t{edges[i + kAhead].second} + 2], 1);
      }
      const AgentId a = edges[i].first;
      const AgentId b = edges[i].second;
      assert(a < agents && b < agents);
      if (a == b) {
        ++loops;
        continue;
      }
      std::atomic_ref<EdgeIndex>(offsets[std::size_t{a} + 2])
          .fetch_add(1, std::memory_order_relaxed);
      std::atomic_ref<EdgeIndex>(offsets[std::size_t{b} + 2])
          .fetch_add(1, std::memory_order_relaxed);
    }
    self_loops.fetch_add(loops, std::memory_order_relaxed);
  });
  for (std::size_t i = 2; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
  std::vector<AgentId> targets;
  resize_large(targets, offsets.back());
  parallel_for_blocks(std::uint64_t{0}, m, kEdgeGrain, [&](std::uint64_t lo, std::uint64_t hi) {
    for (std::uint64_t i = lo; i < hi; ++i) {
      if (i + kAhead < hi) {
        __builtin_prefetch(&offsets[std::size_t{edges[i + kAhead].first} + 1], 1);
        __builtin_prefetch(&offsets[std::size_t{edges[i + kAhead].second} + 1], 1);
      }
      const AgentId a = edges[i].first;
      const AgentId b = edges[i].second;
      if (a == b) continue;
      targets[std::atomic_ref<EdgeIndex>(offsets[std::size_t{a} + 1])
                  .fetch_add(1, std::memory_order_relaxed)] = b;
      targets[std::atomic_ref<EdgeIndex>(offsets[std::size_t{b} + 1])
                  .fetch_add(1, std::memory_order_relaxed)] = a;
    }
  });
  offsets.pop_back();
  // The input is no longer needed; releasing it now keeps the peak at input + one directed copy.
  Edges().swap(edges);

  // Sort and dedupe each row in place, in parallel; a row's new end goes to `ends`.
  std::vector<EdgeIndex> ends;
  resize_large(ends, agents);
  std::atomic<bool> shrunk{false};
  parallel_for_blocks(AgentId{0}, agents, kRowGrain, [&](AgentId lo, AgentId hi) {
    bool any = false;
    for (AgentId a = lo; a < hi; ++a) {
      auto* first = targets.data() + offsets[a];
      auto* last = targets.data() + offsets[a + 1];
      std::sort(first, last);
      auto* kept = std::unique(first, last);
      ends[a] = static_cast<EdgeIndex>(kept - targets.data());
      any = any || kept != last;
    }
    if (any) shrunk.store(true, std::memory_order_relaxed);
  });
  // Compacting moves rows left over rows not yet moved, so it runs in order, and only when some
  // row lost duplicates (never for the generators, whose edges are distinct).
  if (shrunk.load()) {
    EdgeIndex write = 0;
    for (AgentId a = 0; a < agents; ++a) {
      const EdgeIndex begin = offsets[a];
      const EdgeIndex end = ends[a];
      offsets[a] = write;
      if (write != begin)
        std::copy(targets.data() + begin, targets.data() + end, targets.data() + write);
      write += end - begin;
    }
    offsets[agents] = write;
  }
  std::vector<EdgeIndex>().swap(ends);
  const EdgeIndex kept_directed = offsets[agents];
  const std::uint64_t removed_directed = targets.size() - kept_directed;
  assert(removed_directed % 2 == 0);
  targets.resize(kept_directed);
  // Shrinking copies, so only pay for it when many duplicates left real slack.
  if (targets.capacity() - targets.size() > targets.size() / 8) targets.shrink_to_fit();

  g.stats_.self_loops_removed = self_loops.load();
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

Graph Graph::from_edges(AgentId agents, std::vector<std::pair<AgentId, AgentId>> edges,
                        std::vector<std::uint32_t> blocks) {
  return build(agents, std::move(edges), std::move(blocks));
}

Graph Graph::from_edge_array(AgentId agents, LargeVector<Edge> edges,
                             std::vector<std::uint32_t> blocks) {
  return build(agents, std::move(edges), std::move(blocks));
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
