#include "api/detail/graph_checks.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "api/detail/scenario_node.hpp"
#include "api/detail/yaml_reader.hpp"
#include "sim/error.hpp"
#include "sim/graph.hpp"
#include "sim/text.hpp"

namespace qvsim::yaml_detail {

void invalid(const Scenario& s, const std::string& label, const std::string& key,
             std::string message, ErrorKind kind) {
  throw InputError(label, s.line_of(key), key, std::move(message), kind);
}

namespace {

// A generated graph's edge count, known from its parameters, against what a Graph holds
// (Graph::kMaxEdges): refused here rather than after generating them.
void check_edge_count(const Scenario& s, const std::string& label, const std::string& key,
                      std::uint64_t edges) {
  if (edges > Graph::kMaxEdges) {
    invalid(s, label, key,
            "gives " + std::to_string(edges) + " edges on " + std::to_string(s.agents) +
                " agents; a graph holds at most " + std::to_string(Graph::kMaxEdges) +
                " (lower it or electorate.agents)",
            ErrorKind::range);
  }
}

// The same for a random graph, whose count is drawn: refused when its mean plus six standard
// deviations (binomial, below sqrt(mean)) is over the bound, so that a run practically never
// generates more edges than a graph holds.
void check_expected_edge_count(const Scenario& s, const std::string& label, const std::string& key,
                               double mean) {
  if (mean + 6.0 * std::sqrt(mean) > static_cast<double>(Graph::kMaxEdges)) {
    invalid(s, label, key,
            "expects about " + std::to_string(static_cast<std::uint64_t>(std::round(mean))) +
                " edges on " + std::to_string(s.agents) + " agents; a graph holds at most " +
                std::to_string(Graph::kMaxEdges) + " (lower it or electorate.agents)",
            ErrorKind::range);
  }
}

}  // namespace

void validate_graph(const Scenario& s, const std::string& label) {
  const std::string n = u64_str(s.agents);
  if (const auto* er = std::get_if<ErdosRenyiSpec>(&s.graph)) {
    if (!(er->mean_degree >= 0 && er->mean_degree <= static_cast<double>(s.agents - 1))) {
      invalid(s, label, "graph.mean_degree",
              "must be in [0, electorate.agents - 1], got " + format_double(er->mean_degree));
    }
    check_expected_edge_count(s, label, "graph.mean_degree",
                              static_cast<double>(s.agents) * er->mean_degree / 2.0);
  } else if (const auto* ws = std::get_if<WattsStrogatzSpec>(&s.graph)) {
    if (ws->degree < 2 || ws->degree % 2 != 0) {
      invalid(s, label, "graph.degree",
              "must be an even integer >= 2, got " + std::to_string(ws->degree));
    }
    if (ws->degree >= s.agents) {
      invalid(s, label, "graph.degree",
              "must be less than electorate.agents (" + n + "), got " + std::to_string(ws->degree));
    }
    if (!in_unit(ws->rewire)) invalid(s, label, "graph.rewire", "must be in [0, 1]");
    check_edge_count(s, label, "graph.degree", s.agents * (ws->degree / 2));
  } else if (const auto* ba = std::get_if<BarabasiAlbertSpec>(&s.graph)) {
    if (ba->m < 1) invalid(s, label, "graph.m", "must be an integer >= 1, got 0");
    if (s.agents <= std::uint64_t{ba->m} + 1) {
      invalid(s, label, "graph.m",
              "must be less than electorate.agents - 1, got " + std::to_string(ba->m));
    }
    const std::uint64_t m = ba->m;
    check_edge_count(s, label, "graph.m", m * (m + 1) / 2 + (s.agents - m - 1) * m);
  } else if (const auto* sb = std::get_if<StochasticBlockSpec>(&s.graph)) {
    if (sb->sizes.empty()) invalid(s, label, "graph.sizes", "must not be empty");
    std::uint64_t sum = 0;
    for (std::uint64_t size : sb->sizes) {
      if (size < 1) invalid(s, label, "graph.sizes", "every block size must be >= 1");
      sum = size > kMaxU64 - sum ? kMaxU64 : sum + size;
    }
    if (sum != s.agents) {
      invalid(s, label, "graph.sizes",
              "must sum to electorate.agents (" + n + "), got a sum of " + u64_str(sum));
    }
    if (!in_unit(sb->p_in)) invalid(s, label, "graph.p_in", "must be in [0, 1]");
    if (!in_unit(sb->p_out)) invalid(s, label, "graph.p_out", "must be in [0, 1]");
    double within = 0.0;
    for (std::uint64_t size : sb->sizes)
      within += static_cast<double>(size) * (static_cast<double>(size) - 1.0) / 2.0;
    const auto nd = static_cast<double>(s.agents);
    check_expected_edge_count(s, label, "graph.p_in",
                              sb->p_in * within + sb->p_out * (nd * (nd - 1.0) / 2.0 - within));
  } else if (std::get<EdgeListSpec>(s.graph).file.empty()) {
    invalid(s, label, "graph.file", "must be a non-empty path");
  }
}

}  // namespace qvsim::yaml_detail
