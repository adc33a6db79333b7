#include "sim/graph_generators.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "sim/distributions.hpp"
#include "sim/memory.hpp"
#include "sim/parallel.hpp"

namespace qvsim {
namespace {

using EdgeVector = std::vector<std::pair<AgentId, AgentId>>;

// Barabasi-Albert: the fewest agents in a chunk that attach in parallel, and in one task.
constexpr std::uint64_t kAttachChunk = 4096;
constexpr AgentId kAttachGrain = 512;

// Calls emit(w) for each w in [lo, hi), each independently with probability p, in ascending
// order, by geometric skipping (Batagelj & Brandes 2005): one draw per w emitted plus one to
// finish (none when p <= 0 or the range is empty). log_q is log1p(-p), computed once.
template <class Emit>
void bernoulli_range(AgentId lo, AgentId hi, double p, double log_q, Stream& rng, Emit&& emit) {
  if (!(p > 0.0) || hi <= lo) return;
  const std::uint64_t n = hi - lo;
  // No wrap: a skip saturates at 2^63 and k < n < 2^32 before it is added.
  for (std::uint64_t k = geometric_skip_log(rng.uniform_open(), log_q); k < n;
       k += 1 + geometric_skip_log(rng.uniform_open(), log_q)) {
    emit(static_cast<AgentId>(lo + k));
  }
}

// A block model (Erdos-Renyi is one block), drawn row by row: row v holds the pairs {v, w},
// w < v, each an edge independently, with probability p_out for w below the first agent of v's
// block and p_in from there (`start` holds each block's first agent, then the agent count). Row v
// draws from its own stream (the key's seed, replicate, arm and round, agent v,
// Purpose::graph_rows): p_out's range first, then p_in's. Chunks of rows are drawn in parallel,
// each into its own array, then copied in chunk order into one, so the edges are in row order
// whatever the thread count. The peak, 16 bytes per edge while copying, is the graph builder's.
LargeVector<Graph::Edge> block_model_edges(const std::vector<AgentId>& start, double p_in,
                                           double p_out, const StreamKey& key) {
  const AgentId agents = start.back();
  const auto log_q = [](double p) {
    return p >= 1.0 ? -std::numeric_limits<double>::infinity() : std::log1p(-p);
  };
  const double log_in = log_q(p_in), log_out = log_q(p_out);
  std::vector<LargeVector<Graph::Edge>> parts(num_chunks(agents));
  std::vector<std::uint64_t> offset(parts.size() + 1, 0);
  parallel_for_agent_chunks(agents, [&](std::size_t c, AgentId begin, AgentId end) {
    // The block of `begin`, then of each agent in turn (blocks are consecutive ranges).
    std::size_t b = static_cast<std::size_t>(std::upper_bound(start.begin(), start.end(), begin) -
                                             start.begin() - 1);
    LargeVector<Graph::Edge>& part = parts[c];
    // Room for the expected count plus six standard deviations, so that it rarely grows.
    double expected = 0.0;
    for (AgentId v = begin, bb = static_cast<AgentId>(b); v < end; ++v) {
      while (v >= start[bb + 1]) ++bb;
      expected +=
          static_cast<double>(start[bb]) * p_out + static_cast<double>(v - start[bb]) * p_in;
    }
    part.reserve(static_cast<std::size_t>(expected + 6.0 * std::sqrt(expected) + 16.0));
    for (AgentId v = begin; v < end; ++v) {
      while (v >= start[b + 1]) ++b;
      Stream rng(StreamKey{key.seed, key.replicate, key.arm, key.round, v, Purpose::graph_rows});
      const auto emit = [&](AgentId w) { part.push_back(Graph::Edge{v, w}); };
      bernoulli_range(0, start[b], p_out, log_out, rng, emit);
      bernoulli_range(start[b], v, p_in, log_in, rng, emit);
    }
    offset[c + 1] = part.size();
  });
  for (std::size_t c = 1; c < offset.size(); ++c) offset[c] += offset[c - 1];
  if (offset.back() > Graph::kMaxEdges) {
    // Validation refuses parameters whose expected edge count is near the bound; this is the rare
    // draw beyond it.
    throw std::length_error("a random graph drew " + std::to_string(offset.back()) +
                            " edges, more than the " + std::to_string(Graph::kMaxEdges) +
                            " a graph can hold");
  }
  LargeVector<Graph::Edge> edges;
  resize_large(edges, offset.back());
  parallel_for_blocks(std::size_t{0}, parts.size(), std::size_t{1},
                      [&](std::size_t lo, std::size_t hi) {
                        for (std::size_t c = lo; c != hi; ++c) {
                          std::copy(parts[c].begin(), parts[c].end(), edges.begin() + offset[c]);
                          LargeVector<Graph::Edge>().swap(parts[c]);
                        }
                      });
  return edges;
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

Graph erdos_renyi(AgentId agents, double mean_degree, const StreamKey& key) {
  assert(mean_degree >= 0.0 && (agents < 2 || mean_degree <= static_cast<double>(agents - 1)));
  const double p = agents >= 2 ? std::min(1.0, mean_degree / static_cast<double>(agents - 1)) : 0.0;
  return Graph::from_edge_array(agents, block_model_edges({0, agents}, p, 0.0, key));
}

Graph watts_strogatz(AgentId agents, std::uint32_t degree, double rewire, Stream& rng) {
  assert(degree % 2 == 0 && degree >= 2 && degree < agents);
  assert(rewire >= 0.0 && rewire <= 1.0);
  const std::uint32_t half = degree / 2;
  // Agent a owns the edges it starts, edges[a * half + j - 1] = (a, a + j) on the lattice, and
  // keeps owning them when their far end moves. So {a, w} is an edge exactly when w is among a's
  // owned far ends or a among w's: a neighbour test scans 2 * half slots and needs no adjacency
  // sets, and the graph is never held twice.
  EdgeVector edges(static_cast<std::size_t>(agents) * half);
  for (AgentId a = 0; a < agents; ++a)
    for (std::uint32_t j = 1; j <= half; ++j)
      edges[static_cast<std::size_t>(a) * half + j - 1] = {
          a, static_cast<AgentId>((static_cast<std::uint64_t>(a) + j) % agents)};
  const auto owns_edge_to = [&](AgentId a, AgentId w) {
    const std::size_t base = static_cast<std::size_t>(a) * half;
    for (std::size_t i = base; i < base + half; ++i)
      if (edges[i].second == w) return true;
    return false;
  };
  std::vector<std::uint32_t> deg(agents, degree);
  // Rewire lattice distance by distance, as in Watts & Strogatz (1998).
  for (std::uint32_t j = 1; j <= half; ++j) {
    for (AgentId a = 0; a < agents; ++a) {
      if (!rng.bernoulli(rewire)) continue;
      // An agent already linked to everyone has nowhere to go; its edge stays.
      if (deg[a] + 1 >= agents) continue;
      AgentId w;
      do {
        w = static_cast<AgentId>(rng.below(agents));
      } while (w == a || owns_edge_to(a, w) || owns_edge_to(w, a));
      auto& e = edges[static_cast<std::size_t>(a) * half + j - 1];
      --deg[e.second];
      ++deg[w];
      e.second = w;
    }
  }
  return Graph::from_edges(agents, std::move(edges));
}

Graph barabasi_albert(AgentId agents, std::uint32_t m, const StreamKey& key) {
  assert(m >= 1 && agents > m + 1);
  using Edge = Graph::Edge;
  const std::uint64_t clique = std::uint64_t{m} * (m + 1) / 2;
  LargeVector<Edge> edges;
  resize_large(edges, clique + static_cast<std::uint64_t>(agents - m - 1) * m);
  std::uint64_t i = 0;
  for (AgentId a = 0; a <= m; ++a)
    for (AgentId b = a + 1; b <= m; ++b) edges[i++] = Edge{a, b};
  // Agent v (> m) owns edges first_edge(v) + t, t < m, each (v, its t-th target).
  const auto first_edge = [&](AgentId v) {
    return clique + static_cast<std::uint64_t>(v - m - 1) * m;
  };

  // The edge list doubles as the repeated-nodes list of Batagelj & Brandes (2005): every endpoint
  // slot names an agent once per unit of degree, so a uniform slot among the 2 * first_edge(v)
  // before v's edges is a degree-proportional agent. Agent v's targets are the first m distinct
  // agents so named by v's own keyed stream: m slots drawn first (their cache misses overlap), then
  // a replacement for each slot naming an agent already chosen, in order. A slot's first endpoint
  // is its edge's owner, known without looking; its second is a target of an earlier agent.
  //
  // attach(v, ready, chosen, slot) writes v's edges, reading only the edges before `ready`, which
  // must be final; it returns false (writing nothing) when a slot needs a later one.
  const auto attach = [&](AgentId v, std::uint64_t ready, std::vector<AgentId>& chosen,
                          std::vector<std::uint64_t>& slot) {
    Stream rng(
        StreamKey{key.seed, key.replicate, key.arm, key.round, v, Purpose::graph_attachment});
    const std::uint64_t base = first_edge(v);
    const std::uint64_t slots = 2 * base;
    for (std::uint32_t t = 0; t < m; ++t) {
      slot[t] = rng.below(slots);
      if ((slot[t] & 1) != 0 && (slot[t] >> 1) < ready) __builtin_prefetch(&edges[slot[t] >> 1]);
    }
    for (std::uint32_t t = 0; t < m; ++t) {
      std::uint64_t r = slot[t];
      for (;;) {
        const std::uint64_t e = r >> 1;
        AgentId x;
        if (e < clique) {
          x = (r & 1) != 0 ? edges[e].second : edges[e].first;
        } else if ((r & 1) == 0) {
          x = static_cast<AgentId>(m + 1 + (e - clique) / m);
        } else {
          if (e >= ready) return false;
          x = edges[e].second;
        }
        if (std::find(chosen.begin(), chosen.begin() + t, x) == chosen.begin() + t) {
          chosen[t] = x;
          break;
        }
        r = rng.below(slots);
      }
    }
    for (std::uint32_t t = 0; t < m; ++t) edges[base + t] = Edge{v, chosen[t]};
    return true;
  };

  // Agents attach in chunks [lo, hi). Within a chunk they run in parallel against the edges before
  // the chunk; an agent whose slot names a target inside the chunk (about 1 in 32, as a chunk is
  // lo / (8m) agents) is redone after, in order, when every earlier agent's edges are final. So
  // each agent's edges are those of attaching the agents one by one, at any thread count.
  std::vector<std::uint8_t> done;
  std::vector<AgentId> chosen(m);
  std::vector<std::uint64_t> slot(m);
  for (AgentId lo = m + 1; lo < agents;) {
    const std::uint64_t width = std::max<std::uint64_t>(kAttachChunk, lo / (8 * std::uint64_t{m}));
    const auto hi = static_cast<AgentId>(std::min<std::uint64_t>(agents, lo + width));
    const std::uint64_t ready = first_edge(lo);
    done.assign(hi - lo, 0);
    parallel_for_blocks(lo, hi, kAttachGrain, [&](AgentId a, AgentId b) {
      std::vector<AgentId> c(m);
      std::vector<std::uint64_t> sl(m);
      for (AgentId v = a; v < b; ++v) done[v - lo] = attach(v, ready, c, sl) ? 1 : 0;
    });
    for (AgentId v = lo; v < hi; ++v)
      if (done[v - lo] == 0) {
        [[maybe_unused]] const bool ok = attach(v, first_edge(v), chosen, slot);
        assert(ok);
      }
    lo = hi;
  }
  return Graph::from_edge_array(agents, std::move(edges));
}

Graph stochastic_block(const std::vector<std::uint64_t>& sizes, double p_in, double p_out,
                       const StreamKey& key) {
  assert(p_in >= 0.0 && p_in <= 1.0 && p_out >= 0.0 && p_out <= 1.0);
  std::vector<AgentId> start(sizes.size() + 1, 0);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    assert(sizes[i] >= 1 && start[i] + sizes[i] <= std::numeric_limits<AgentId>::max());
    start[i + 1] = static_cast<AgentId>(start[i] + sizes[i]);
  }
  const AgentId agents = start.back();
  std::vector<std::uint32_t> blocks(agents);
  for (std::size_t i = 0; i < sizes.size(); ++i)
    std::fill(blocks.begin() + start[i], blocks.begin() + start[i + 1],
              static_cast<std::uint32_t>(i));
  return Graph::from_edge_array(agents, block_model_edges(start, p_in, p_out, key),
                                std::move(blocks));
}

Graph generate_graph(const GraphSpec& spec, AgentId agents, const StreamKey& key) {
  Stream rng(key);
  return std::visit(
      Overloaded{
          [&](const ErdosRenyiSpec& s) { return erdos_renyi(agents, s.mean_degree, key); },
          [&](const WattsStrogatzSpec& s) {
            return watts_strogatz(agents, s.degree, s.rewire, rng);
          },
          [&](const BarabasiAlbertSpec& s) { return barabasi_albert(agents, s.m, key); },
          [&](const StochasticBlockSpec& s) {
            Graph g = stochastic_block(s.sizes, s.p_in, s.p_out, key);
            assert(g.num_agents() == agents);
            return g;
          },
          [&](const EdgeListSpec&) -> Graph {
            assert(false && "edge-list graphs are loaded with load_edge_list, not generated");
            throw std::logic_error("generate_graph: edge-list specs are loaded, not generated");
          },
      },
      spec);
}

}  // namespace qvsim
