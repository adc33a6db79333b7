#include "sim/clusters.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <charconv>
#include <cmath>
#include <istream>
#include <limits>
#include <memory>
#include <string>

#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/model.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"
#include "sim/text.hpp"

namespace qvsim {

Clusters clusters_from_labels(std::span<const std::uint32_t> labels) {
  Clusters c;
  c.of.resize(labels.size());
  const std::uint32_t top = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end());
  if (top <= 4 * labels.size()) {
    // Labels no larger than a few times the agents (agent ids, as label propagation gives):
    // numbered through a table instead of a sort, in the same ascending order.
    std::vector<std::uint32_t> id(std::size_t{top} + 1, 0);
    for (const std::uint32_t x : labels) id[x] = 1;
    for (std::uint32_t& x : id) {
      const std::uint32_t present = x;
      x = c.count;
      c.count += present;
    }
    parallel_for_agents(static_cast<AgentId>(labels.size()),
                        [&](AgentId a) { c.of[a] = id[labels[a]]; });
  } else {
    std::vector<std::uint32_t> sorted(labels.begin(), labels.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    c.count = static_cast<std::uint32_t>(sorted.size());
    parallel_for_agents(static_cast<AgentId>(labels.size()), [&](AgentId a) {
      c.of[a] = static_cast<std::uint32_t>(
          std::lower_bound(sorted.begin(), sorted.end(), labels[a]) - sorted.begin());
    });
  }
  c.start.assign(std::size_t{c.count} + 1, 0);
  for (const std::uint32_t x : c.of) ++c.start[x + 1];
  for (std::uint32_t x = 0; x < c.count; ++x) c.start[x + 1] += c.start[x];
  c.members.resize(labels.size());
  std::vector<std::uint64_t> next(c.start.begin(), c.start.end() - 1);
  for (AgentId a = 0; a < labels.size(); ++a) c.members[next[c.of[a]]++] = a;
  return c;
}

std::vector<std::uint32_t> label_propagation(const Graph& graph, std::uint64_t seed,
                                             std::uint64_t replicate, std::uint32_t max_rounds,
                                             std::uint32_t* rounds) {
  const AgentId n = graph.num_agents();
  std::vector<std::uint32_t> label(n), next(n);
  for (AgentId a = 0; a < n; ++a) label[a] = a;
  std::uint32_t r = 0;
  // Which agents to look at in a round: those unsettled in the last one, and the neighbours of
  // those who moved in it (a settled agent none of whose neighbours moved is still settled).
  // Flags are only ever set to 1 within a round, by relaxed atomic stores: the same at any
  // thread count.
  std::vector<std::uint8_t> unsettled(n, 1), next_unsettled(n, 0);
  std::unique_ptr<std::atomic<std::uint8_t>[]> touched(new std::atomic<std::uint8_t>[n]);
  for (AgentId a = 0; a < n; ++a) touched[a].store(0, std::memory_order_relaxed);
  for (; r < max_rounds; ++r) {
    const std::size_t chunks = num_chunks(n);
    std::vector<std::uint8_t> any(chunks, 0);
    std::vector<std::vector<AgentId>> movers(chunks);
    parallel_for_agent_chunks(n, [&](std::size_t c, AgentId begin, AgentId end) {
      std::vector<std::uint32_t> seen;
      for (AgentId a = begin; a < end; ++a) {
        next[a] = label[a];
        next_unsettled[a] = 0;
        if (graph.degree(a) == 0) continue;
        if (!unsettled[a] && touched[a].load(std::memory_order_relaxed) == 0) continue;
        if (r == 0) {
          // Every label is still her own, so every neighbour's is among the most common (once):
          // the same draws as below pick the pick-th neighbour in ascending order, without
          // gathering or sorting labels.
          any[c] = 1;
          next_unsettled[a] = 1;
          Stream draws(StreamKey{seed, replicate, 0, r, a, Purpose::communities});
          if (!draws.bernoulli(0.5)) continue;
          next[a] = graph.neighbors(a)[draws.below(graph.degree(a))];
          movers[c].push_back(a);
          continue;
        }
        seen.clear();
        for (const AgentId b : graph.neighbors(a)) seen.push_back(label[b]);
        std::sort(seen.begin(), seen.end());
        std::size_t best = 0, own = 0;
        for (std::size_t i = 0; i < seen.size();) {
          std::size_t j = i;
          while (j < seen.size() && seen[j] == seen[i]) ++j;
          best = std::max(best, j - i);
          if (seen[i] == label[a]) own = j - i;
          i = j;
        }
        if (own == best) continue;  // settled: her label is among her neighbours' most common
        any[c] = 1;
        next_unsettled[a] = 1;
        Stream draws(StreamKey{seed, replicate, 0, r, a, Purpose::communities});
        if (!draws.bernoulli(0.5)) continue;  // half the unsettled move per round
        std::size_t ties = 0;
        for (std::size_t i = 0; i < seen.size();) {
          std::size_t j = i;
          while (j < seen.size() && seen[j] == seen[i]) ++j;
          ties += j - i == best ? 1 : 0;
          i = j;
        }
        std::uint64_t pick = draws.below(ties);  // uniform among the most common labels
        for (std::size_t i = 0; i < seen.size();) {
          std::size_t j = i;
          while (j < seen.size() && seen[j] == seen[i]) ++j;
          if (j - i == best && pick-- == 0) {
            next[a] = seen[i];
            break;
          }
          i = j;
        }
        if (next[a] != label[a]) movers[c].push_back(a);
      }
    });
    label.swap(next);
    unsettled.swap(next_unsettled);
    parallel_for_agents(n, [&](AgentId a) { touched[a].store(0, std::memory_order_relaxed); });
    parallel_for_blocks(std::size_t{0}, chunks, std::size_t{1},
                        [&](std::size_t lo, std::size_t hi) {
                          for (std::size_t c = lo; c != hi; ++c)
                            for (const AgentId a : movers[c])
                              for (const AgentId b : graph.neighbors(a))
                                touched[b].store(1, std::memory_order_relaxed);
                        });
    if (std::find(any.begin(), any.end(), 1) == any.end()) {
      ++r;
      break;
    }
  }
  if (rounds != nullptr) *rounds = r;
  return label;
}

namespace {

bool parse_u64(std::string_view s, std::uint64_t& x) {
  const auto res = std::from_chars(s.data(), s.data() + s.size(), x);
  return res.ec == std::errc() && res.ptr == s.data() + s.size() && !s.empty();
}

}  // namespace

std::vector<std::uint32_t> load_clusters_file(const std::filesystem::path& file, AgentId agents,
                                              const std::vector<std::uint64_t>& original_ids) {
  const std::string label = file.string();
  // 64 bytes a row, and 1 MiB for comments: far beyond a real file, a guard against endless input.
  const std::uint64_t max_bytes = (std::uint64_t{agents} + 1) * 64 + (std::uint64_t{1} << 20);
  InputFile f(file, max_bytes, "clusters file", ErrorKind::invalid);
  std::istream& in = f.stream();
  auto fail = [&](std::uint64_t line, const std::string& msg, ErrorKind kind) {
    throw InputError(label, line, "", msg, kind);
  };
  constexpr std::uint32_t kNone = 0xffffffffu;
  std::vector<std::uint32_t> cluster(agents, kNone);
  std::vector<std::uint64_t> row_line(agents, 0);
  bool header = false;
  std::string text;
  std::vector<std::string_view> fields;
  std::uint64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    const std::string_view t = trim_blanks(text);
    if (t.empty() || t.front() == '#') continue;
    split_fields(t, fields);
    if (fields.size() != 2) {
      fail(line,
           "expected 2 comma-separated fields (agent, cluster), got " +
               std::to_string(fields.size()),
           ErrorKind::syntax);
    }
    const std::string_view first = fields[0], second = fields[1];
    if (!header) {
      if (first != "agent" || second != "cluster") {
        fail(line, "the header must be 'agent,cluster', got " + quoted_excerpt(t, 40),
             ErrorKind::invalid);
      }
      header = true;
      continue;
    }
    std::uint64_t id = 0;
    if (!parse_u64(first, id)) {
      fail(line, "agent " + quoted_excerpt(first, 40) + " is not a non-negative integer id",
           ErrorKind::syntax);
    }
    std::uint64_t a = id;
    if (!original_ids.empty()) {
      const auto it = std::lower_bound(original_ids.begin(), original_ids.end(), id);
      a = it != original_ids.end() && *it == id
              ? static_cast<std::uint64_t>(it - original_ids.begin())
              : agents;
    }
    if (a >= agents) {
      fail(line,
           "agent " + std::to_string(id) +
               (original_ids.empty()
                    ? " is not an agent (ids are 0.." + std::to_string(agents - 1) + ")"
                    : " is not a node of the edge list"),
           ErrorKind::invalid);
    }
    std::uint64_t c = 0;
    if (!parse_u64(second, c) || c >= kNone) {
      fail(line,
           "cluster " + quoted_excerpt(second, 40) + " is not an integer in [0, " +
               std::to_string(kNone - 1) + "]",
           ErrorKind::syntax);
    }
    if (cluster[a] != kNone) {
      fail(line,
           "a second row for agent " + std::to_string(id) + " (first on line " +
               std::to_string(row_line[a]) + ")",
           ErrorKind::invalid);
    }
    cluster[a] = static_cast<std::uint32_t>(c);
    row_line[a] = line;
  }
  if (!header) fail(0, "no header 'agent,cluster' and no rows", ErrorKind::empty);
  const auto missing = std::find(cluster.begin(), cluster.end(), kNone);
  if (missing != cluster.end()) {
    const auto a = static_cast<std::size_t>(missing - cluster.begin());
    const std::uint64_t id = original_ids.empty() ? a : original_ids[a];
    const auto count =
        static_cast<std::uint64_t>(std::count(cluster.begin(), cluster.end(), kNone));
    fail(0,
         "agent " + std::to_string(id) + " has no row (" + std::to_string(count) +
             " agent(s) missing; every agent needs one)",
         ErrorKind::invalid);
  }
  return cluster;
}

Clusters replicate_clusters(const Model& model, const Graph& graph, std::uint64_t replicate) {
  const Scenario& s = model.scenario;
  switch (s.clusters.source) {
    case ClusterSource::blocks: return clusters_from_labels(graph.blocks());
    case ClusterSource::communities:
      return clusters_from_labels(label_propagation(graph, s.seed, replicate));
    case ClusterSource::file: return clusters_from_labels(*model.fixed_clusters);
    case ClusterSource::none:
    case ClusterSource::ballots: break;
  }
  return singleton_clusters(graph.num_agents());
}

Clusters singleton_clusters(AgentId agents) {
  std::vector<std::uint32_t> alone(agents);
  for (AgentId a = 0; a < agents; ++a) alone[a] = a;
  return clusters_from_labels(alone);
}

PairScore score_pairs(const Clusters& flagged, std::span<const std::uint32_t> truth,
                      std::uint32_t none, std::span<const std::uint32_t> identities) {
  assert(truth.size() == flagged.of.size());
  assert(identities.empty() || identities.size() == truth.size());
  const auto pairs = [](double n) { return n * (n - 1.0) / 2.0; };
  // Agent a's identities, and those of them in her cluster.
  const auto all = [&](AgentId a) {
    return identities.empty() ? 1.0 : static_cast<double>(identities[a]);
  };
  const auto in_cluster = [&](AgentId a) {
    return !flagged.placed.empty() && flagged.placed[a] != 0 ? all(a) : 1.0;
  };
  PairScore s;
  for (std::uint32_t c = 0; c < flagged.count; ++c) {
    if (flagged.placed.empty()) {
      s.flagged += pairs(static_cast<double>(flagged.size(c)));
      continue;
    }
    double size = 0.0;
    for (std::uint64_t i = flagged.start[c]; i < flagged.start[c + 1]; ++i)
      size += in_cluster(flagged.members[i]);
    s.flagged += pairs(size);
  }
  // A sybil outside any group is a true group of her own identities.
  for (AgentId a = 0; a < truth.size(); ++a) {
    if (truth[a] != none || all(a) == 1.0) continue;
    s.truth += pairs(all(a));
    s.both += pairs(in_cluster(a));
  }
  // Members of true groups by (group, cluster): runs of equal keys after a sort; each key also
  // carries its agent, so that her identities can be looked up.
  struct Key {
    std::uint64_t group_cluster;
    AgentId agent;
    bool operator<(const Key& o) const noexcept {
      return group_cluster < o.group_cluster ||
             (group_cluster == o.group_cluster && agent < o.agent);
    }
  };
  std::vector<Key> keys;
  for (AgentId a = 0; a < truth.size(); ++a)
    if (truth[a] != none) keys.push_back({std::uint64_t{truth[a]} << 32 | flagged.of[a], a});
  std::sort(keys.begin(), keys.end());
  for (std::size_t i = 0; i < keys.size();) {
    std::size_t j = i, k = i;
    double group = 0.0;
    while (j < keys.size() && keys[j].group_cluster >> 32 == keys[i].group_cluster >> 32)
      group += all(keys[j++].agent);  // one group
    s.truth += pairs(group);
    while (k < j) {
      std::size_t l = k;
      double together = 0.0;
      while (l < j && keys[l].group_cluster == keys[k].group_cluster)
        together += in_cluster(keys[l++].agent);  // one group within one cluster
      s.both += pairs(together);
      k = l;
    }
    i = j;
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.precision = s.flagged > 0.0 ? s.both / s.flagged : nan;
  s.recall = s.truth > 0.0 ? s.both / s.truth : nan;
  s.f1 = std::isnan(s.precision) || std::isnan(s.recall) ? nan
         : s.precision + s.recall > 0.0 ? 2.0 * s.precision * s.recall / (s.precision + s.recall)
                                        : 0.0;
  return s;
}

void discount_votes(const Clusters& clusters, std::uint32_t proposals, std::span<double> votes,
                    std::span<const std::uint32_t> identities) {
  const std::size_t kc = proposals;
  assert(identities.empty() || identities.size() * kc == votes.size());
  // The part of agent a's vote v cast in her cluster: all of it when her identities are placed
  // there with her, else her own identity's share v / identities.
  const auto own = [&](AgentId a, double v) {
    const bool whole = identities.empty() || identities[a] == 1 ||
                       (!clusters.placed.empty() && clusters.placed[a] != 0);
    return whole ? v : v / static_cast<double>(identities[a]);
  };
  // The voters her part stands for: her identities when placed, else one.
  const auto voters = [&](AgentId a) -> std::uint64_t {
    return !identities.empty() && !clusters.placed.empty() && clusters.placed[a] != 0
               ? identities[a]
               : 1;
  };
  parallel_for_blocks(std::uint32_t{0}, clusters.count, std::uint32_t{64},
                      [&](std::uint32_t lo, std::uint32_t hi) {
                        for (std::uint32_t c = lo; c != hi; ++c) {
                          const AgentId* m = clusters.members.data() + clusters.start[c];
                          // Alone (with no identities of hers placed): her votes count in full.
                          if (clusters.size(c) < 2 && voters(m[0]) < 2) continue;
                          const std::uint64_t size = clusters.size(c);
                          for (std::size_t k = 0; k < kc; ++k) {
                            double sq[2] = {0.0, 0.0}, abs[2] = {0.0, 0.0};
                            std::uint64_t n[2] = {0, 0};
                            for (std::uint64_t i = 0; i < size; ++i) {
                              const double v = own(m[i], votes[m[i] * kc + k]);
                              if (v == 0.0) continue;
                              const int side = v > 0.0 ? 0 : 1;
                              // w identities casting v / w each: squares v^2 / w.
                              const std::uint64_t w = voters(m[i]);
                              sq[side] += w == 1 ? v * v : v * v / static_cast<double>(w);
                              abs[side] += std::fabs(v);
                              n[side] += w;
                            }
                            double ratio[2];
                            for (int side = 0; side < 2; ++side)
                              ratio[side] = n[side] < 2 ? 1.0 : std::sqrt(sq[side]) / abs[side];
                            if (ratio[0] == 1.0 && ratio[1] == 1.0) continue;
                            for (std::uint64_t i = 0; i < size; ++i) {
                              double& v = votes[m[i] * kc + k];
                              const double r = ratio[v > 0.0 ? 0 : 1];
                              const double b = own(m[i], v);
                              // Her own share discounted, her extra identities' shares in full.
                              v = b == v ? v * r : r == 1.0 ? v : b * r + (v - b);
                            }
                          }
                        }
                      });
}

}  // namespace qvsim
