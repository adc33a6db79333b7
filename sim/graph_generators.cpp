#include "sim/graph_generators.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>
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

// Room for the expected count plus six standard deviations, so that the vector almost never
// reallocates (a reallocation would briefly double the peak memory).
std::size_t expected_edges_with_slack(double pairs, double p) {
  const double mean = pairs * p;
  return static_cast<std::size_t>(mean + 6.0 * std::sqrt(mean) + 16.0);
}

// Appends each pair (v, w), lo <= w < v < hi, independently with probability p.
// Batagelj & Brandes (2005), algorithm 1: one draw per edge plus one to finish.
void triangle_edges(AgentId lo, AgentId hi, double p, Stream& rng, EdgeVector& edges) {
  if (!(p > 0.0) || hi - lo < 2) return;
  const std::uint64_t n = hi - lo;
  // 64-bit so that a saturated skip (2^63) cannot wrap; the loop below then walks v to n.
  std::uint64_t v = 1;
  std::uint64_t w = 0;
  bool first = true;
  while (v < n) {
    const std::uint64_t skip = geometric_skip(rng.uniform_open(), p);
    w = first ? skip : w + 1 + skip;
    first = false;
    while (w >= v && v < n) {
      w -= v;
      ++v;
    }
    if (v < n) edges.emplace_back(static_cast<AgentId>(lo + v), static_cast<AgentId>(lo + w));
  }
}

// Appends each pair (a, b), a in [a_lo, a_hi), b in [b_lo, b_hi), independently with probability
// p, by skipping over the row-major index of the rectangle.
void rectangle_edges(AgentId a_lo, AgentId a_hi, AgentId b_lo, AgentId b_hi, double p, Stream& rng,
                     EdgeVector& edges) {
  if (!(p > 0.0) || a_hi == a_lo || b_hi == b_lo) return;
  const std::uint64_t width = b_hi - b_lo;
  const std::uint64_t cells = (a_hi - a_lo) * width;
  std::uint64_t k = geometric_skip(rng.uniform_open(), p);
  while (k < cells) {
    edges.emplace_back(static_cast<AgentId>(a_lo + k / width),
                       static_cast<AgentId>(b_lo + k % width));
    const std::uint64_t skip = geometric_skip(rng.uniform_open(), p);
    // No wrap: skip <= 2^63 and k < cells <= 2^62, as the two blocks hold < 2^32 agents together.
    k += 1 + skip;
  }
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

Graph erdos_renyi(AgentId agents, double mean_degree, Stream& rng) {
  assert(mean_degree >= 0.0 && (agents < 2 || mean_degree <= static_cast<double>(agents - 1)));
  EdgeVector edges;
  if (agents >= 2 && mean_degree > 0.0) {
    const double p = std::min(1.0, mean_degree / static_cast<double>(agents - 1));
    const double pairs = static_cast<double>(agents) * static_cast<double>(agents - 1) / 2.0;
    edges.reserve(expected_edges_with_slack(pairs, p));
    triangle_edges(0, agents, p, rng, edges);
  }
  return Graph::from_edges(agents, std::move(edges));
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
                       Stream& rng) {
  assert(p_in >= 0.0 && p_in <= 1.0 && p_out >= 0.0 && p_out <= 1.0);
  std::vector<AgentId> start(sizes.size() + 1, 0);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    assert(sizes[i] >= 1 && start[i] + sizes[i] <= std::numeric_limits<AgentId>::max());
    start[i + 1] = static_cast<AgentId>(start[i] + sizes[i]);
  }
  const AgentId agents = start.back();

  double within_pairs = 0.0;
  for (std::uint64_t s : sizes)
    within_pairs += static_cast<double>(s) * static_cast<double>(s - 1) / 2.0;
  const double all_pairs = static_cast<double>(agents) * (static_cast<double>(agents) - 1.0) / 2.0;
  EdgeVector edges;
  edges.reserve(expected_edges_with_slack(within_pairs, p_in) +
                expected_edges_with_slack(all_pairs - within_pairs, p_out));

  for (std::size_t i = 0; i < sizes.size(); ++i) {
    triangle_edges(start[i], start[i + 1], p_in, rng, edges);
    for (std::size_t j = i + 1; j < sizes.size(); ++j)
      rectangle_edges(start[i], start[i + 1], start[j], start[j + 1], p_out, rng, edges);
  }

  std::vector<std::uint32_t> blocks(agents);
  for (std::size_t i = 0; i < sizes.size(); ++i)
    std::fill(blocks.begin() + start[i], blocks.begin() + start[i + 1],
              static_cast<std::uint32_t>(i));
  return Graph::from_edges(agents, std::move(edges), std::move(blocks));
}

Graph generate_graph(const GraphSpec& spec, AgentId agents, const StreamKey& key) {
  Stream rng(key);
  return std::visit(
      Overloaded{
          [&](const ErdosRenyiSpec& s) { return erdos_renyi(agents, s.mean_degree, rng); },
          [&](const WattsStrogatzSpec& s) {
            return watts_strogatz(agents, s.degree, s.rewire, rng);
          },
          [&](const BarabasiAlbertSpec& s) { return barabasi_albert(agents, s.m, key); },
          [&](const StochasticBlockSpec& s) {
            Graph g = stochastic_block(s.sizes, s.p_in, s.p_out, rng);
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
