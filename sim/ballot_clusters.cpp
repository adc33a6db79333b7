// Suspected coalitions from public ballots (sim/clusters.hpp, ballot_clusters; docs/model.md,
// "Detection from public ballots" and "Sybils seen in public ballots"): neighbours whose ballots
// point the same way, and with `identical`, identical ballots anywhere.

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/clusters.hpp"
#include "sim/hash.hpp"
#include "sim/memory.hpp"
#include "sim/parallel.hpp"

namespace qvsim {

Clusters ballot_clusters(const Graph& graph, std::span<const double> ballots,
                         std::uint32_t proposals, double similarity,
                         std::span<const std::uint32_t> identities, bool identical) {
  const AgentId n = graph.num_agents();
  const std::size_t kc = proposals;
  assert(ballots.size() == std::size_t{n} * kc);
  assert(identities.empty() || identities.size() == n);
  // Squared norms: the test below takes no root, so that identical (or proportional) ballots,
  // whose cosine is 1 exactly, are linked at similarity 1 whatever the rounding of a root.
  std::vector<double> norm(n);
  parallel_for_agents(n, [&](AgentId a) {
    double s = 0.0;
    for (std::size_t k = 0; k < kc; ++k) s += ballots[a * kc + k] * ballots[a * kc + k];
    norm[a] = s;
  });
  const double s2 = similarity * similarity;
  // Which directed edges (CSR order) link their ends; each undirected edge is judged once, from
  // its lower end, so both directions agree.
  const auto& rowstart = graph.csr().m_forward.m_rowstart;
  std::vector<std::uint8_t> linked(graph.directed_edges(), 0);
  parallel_for_agents(n, [&](AgentId a) {
    if (!(norm[a] > 0.0)) return;
    const auto nb = graph.neighbors(a);
    for (std::size_t i = 0; i < nb.size(); ++i) {
      const AgentId b = nb[i];
      if (b < a || !(norm[b] > 0.0)) continue;
      double dot = 0.0;
      for (std::size_t k = 0; k < kc; ++k) dot += ballots[a * kc + k] * ballots[b * kc + k];
      // cos >= S, S > 0, as dot > 0 and dot^2 >= S^2 |b_a|^2 |b_b|^2.
      linked[rowstart[a] + i] = dot > 0.0 && dot * dot >= s2 * norm[a] * norm[b] ? 1 : 0;
    }
  });
  // Components of the links by union-find, in agent and edge order (one pass, sequential: the
  // union order fixes the labels, so they do not depend on the thread count). Written here
  // rather than with Boost's disjoint_sets, which unites by rank: rooting every set at its lowest
  // agent id makes the labels plain agent ids, the same whatever the order of the links.
  std::vector<AgentId> parent(n);
  for (AgentId a = 0; a < n; ++a) parent[a] = a;
  const auto find = [&](AgentId a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  };
  for (AgentId a = 0; a < n; ++a) {
    const auto nb = graph.neighbors(a);
    for (std::size_t i = 0; i < nb.size(); ++i) {
      if (linked[rowstart[a] + i] == 0) continue;
      const AgentId x = find(a), y = find(nb[i]);
      // The smaller root wins, so a component's label is its lowest agent id.
      if (x < y) {
        parent[y] = x;
      } else if (y < x) {
        parent[x] = y;
      }
    }
  }
  std::vector<std::uint8_t> placed;
  if (identical) {
    // Identical ballots anywhere. The share each identity casts, row by row, with -0 written as
    // 0 so that shares equal as numbers are equal as bytes; each voting agent's row hashed
    // (FNV-1a 64 of its bytes, in parallel); agents sorted by hash; within a run of equal
    // hashes, rows compared exactly (a collision of unequal rows links nobody) and every run of
    // equal rows united (roots are lowest ids, so the order of unions does not matter). A
    // sybil's identities cast identical shares: she is placed with them.
    LargeVector<double> share;
    resize_large(share, std::size_t{n} * kc);
    parallel_for_agents(n, [&](AgentId a) {
      const double k = identities.empty() ? 1.0 : static_cast<double>(identities[a]);
      for (std::size_t i = 0; i < kc; ++i) {
        const double v = k == 1.0 ? ballots[a * kc + i] : ballots[a * kc + i] / k;
        share[a * kc + i] = v == 0.0 ? 0.0 : v;
      }
    });
    std::vector<std::pair<std::uint64_t, AgentId>> keyed;
    for (AgentId a = 0; a < n; ++a)
      if (norm[a] > 0.0) keyed.emplace_back(0, a);
    parallel_for_blocks(
        std::size_t{0}, keyed.size(), std::size_t{4096}, [&](std::size_t lo, std::size_t hi) {
          for (std::size_t i = lo; i != hi; ++i) {
            const double* row = share.data() + keyed[i].second * kc;
            keyed[i].first =
                fnv1a64(std::string_view(reinterpret_cast<const char*>(row), kc * sizeof(double)));
          }
        });
    std::sort(keyed.begin(), keyed.end());
    const auto row = [&](AgentId a) { return share.begin() + static_cast<std::ptrdiff_t>(a * kc); };
    const auto less = [&](AgentId a, AgentId b) {
      return std::lexicographical_compare(row(a), row(a) + static_cast<std::ptrdiff_t>(kc), row(b),
                                          row(b) + static_cast<std::ptrdiff_t>(kc));
    };
    std::vector<AgentId> run;
    for (std::size_t i = 0; i < keyed.size();) {
      std::size_t j = i;
      run.clear();
      while (j < keyed.size() && keyed[j].first == keyed[i].first) run.push_back(keyed[j++].second);
      i = j;
      if (run.size() < 2) continue;
      std::sort(run.begin(), run.end(),
                [&](AgentId a, AgentId b) { return less(a, b) || (!less(b, a) && a < b); });
      for (std::size_t r = 1; r < run.size(); ++r) {
        if (less(run[r - 1], run[r])) continue;  // a new row
        const AgentId x = find(run[r - 1]), y = find(run[r]);
        if (x < y) {
          parent[y] = x;
        } else if (y < x) {
          parent[x] = y;
        }
      }
    }
    placed.assign(n, 0);
    if (!identities.empty())
      for (const auto& [hash, a] : keyed) placed[a] = identities[a] > 1 ? 1 : 0;
  }
  std::vector<std::uint32_t> label(n);
  for (AgentId a = 0; a < n; ++a) label[a] = find(a);
  Clusters out = clusters_from_labels(label);
  out.placed = std::move(placed);
  return out;
}

}  // namespace qvsim
