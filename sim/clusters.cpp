#include "sim/clusters.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <istream>
#include <string>

#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/model.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim {

Clusters clusters_from_labels(std::span<const std::uint32_t> labels) {
  Clusters c;
  std::vector<std::uint32_t> sorted(labels.begin(), labels.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  c.count = static_cast<std::uint32_t>(sorted.size());
  c.of.resize(labels.size());
  c.start.assign(std::size_t{c.count} + 1, 0);
  parallel_for_agents(static_cast<AgentId>(labels.size()), [&](AgentId a) {
    c.of[a] = static_cast<std::uint32_t>(std::lower_bound(sorted.begin(), sorted.end(), labels[a]) -
                                         sorted.begin());
  });
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
  for (; r < max_rounds; ++r) {
    const std::size_t chunks = num_chunks(n);
    std::vector<std::uint8_t> changed(chunks, 0);
    parallel_for_agent_chunks(n, [&](std::size_t c, AgentId begin, AgentId end) {
      std::vector<std::uint32_t> seen;
      for (AgentId a = begin; a < end; ++a) {
        seen.clear();
        seen.push_back(label[a]);
        for (const AgentId b : graph.neighbors(a)) seen.push_back(label[b]);
        std::sort(seen.begin(), seen.end());
        // The most common labels; the agent's own wins among them, else the smallest keyed draw.
        std::size_t best = 0;
        for (std::size_t i = 0; i < seen.size();) {
          std::size_t j = i;
          while (j < seen.size() && seen[j] == seen[i]) ++j;
          best = std::max(best, j - i);
          i = j;
        }
        std::uint32_t pick = label[a];
        bool own_best = false;
        double draw = 2.0;
        const StreamKey key{seed, replicate, 0, r, a, Purpose::communities};
        for (std::size_t i = 0; i < seen.size();) {
          std::size_t j = i;
          while (j < seen.size() && seen[j] == seen[i]) ++j;
          if (j - i == best) {
            // From the second round on, an agent keeps her label while it is among the most
            // common: in the first every label is unique, and keeping would freeze them all.
            if (seen[i] == label[a] && r > 0) own_best = true;
            if (!own_best) {
              const double u = uniform_open_at(key, seen[i]);
              if (u < draw) {
                draw = u;
                pick = seen[i];
              }
            }
          }
          i = j;
        }
        next[a] = own_best ? label[a] : pick;
        if (next[a] != label[a]) changed[c] = 1;
      }
    });
    label.swap(next);
    if (std::find(changed.begin(), changed.end(), 1) == changed.end()) {
      ++r;
      break;
    }
  }
  if (rounds != nullptr) *rounds = r;
  return label;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

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
  std::uint64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    const std::string_view t = trim(text);
    if (t.empty() || t.front() == '#') continue;
    const auto comma = t.find(',');
    const std::string_view first = trim(t.substr(0, comma));
    const std::string_view second =
        comma == std::string_view::npos ? std::string_view() : trim(t.substr(comma + 1));
    if (comma == std::string_view::npos || second.find(',') != std::string_view::npos) {
      fail(line, "expected 2 comma-separated fields (agent, cluster)", ErrorKind::syntax);
    }
    if (!header) {
      if (first != "agent" || second != "cluster") {
        fail(line, "the header must be 'agent,cluster', got '" + std::string(t) + "'",
             ErrorKind::invalid);
      }
      header = true;
      continue;
    }
    std::uint64_t id = 0;
    if (!parse_u64(first, id)) {
      fail(line, "agent '" + std::string(first) + "' is not a non-negative integer id",
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
           "cluster '" + std::string(second) + "' is not an integer in [0, " +
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
    case ClusterSource::none: break;
  }
  std::vector<std::uint32_t> alone(graph.num_agents());
  for (AgentId a = 0; a < alone.size(); ++a) alone[a] = a;
  return clusters_from_labels(alone);
}

void discount_votes(const Clusters& clusters, std::uint32_t proposals, std::span<double> votes) {
  const std::size_t kc = proposals;
  parallel_for_blocks(std::uint32_t{0}, clusters.count, std::uint32_t{64},
                      [&](std::uint32_t lo, std::uint32_t hi) {
                        for (std::uint32_t c = lo; c != hi; ++c) {
                          if (clusters.size(c) < 2) continue;  // alone: her votes count in full
                          const AgentId* m = clusters.members.data() + clusters.start[c];
                          const std::uint64_t size = clusters.size(c);
                          for (std::size_t k = 0; k < kc; ++k) {
                            double sq[2] = {0.0, 0.0}, abs[2] = {0.0, 0.0};
                            std::uint64_t n[2] = {0, 0};
                            for (std::uint64_t i = 0; i < size; ++i) {
                              const double v = votes[m[i] * kc + k];
                              if (v == 0.0) continue;
                              const int side = v > 0.0 ? 0 : 1;
                              sq[side] += v * v;
                              abs[side] += std::fabs(v);
                              ++n[side];
                            }
                            double ratio[2];
                            for (int side = 0; side < 2; ++side)
                              ratio[side] = n[side] < 2 ? 1.0 : std::sqrt(sq[side]) / abs[side];
                            if (ratio[0] == 1.0 && ratio[1] == 1.0) continue;
                            for (std::uint64_t i = 0; i < size; ++i) {
                              double& v = votes[m[i] * kc + k];
                              v *= ratio[v > 0.0 ? 0 : 1];
                            }
                          }
                        }
                      });
}

}  // namespace qvsim
