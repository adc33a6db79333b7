#pragma once
// Reading a scenario's electorate block (electorate.agents, proposals, values, budget, pivot) for
// the scenario reader (api/scenario_yaml.cpp). Errors as in yaml_reader.hpp.

#include <cstdint>
#include <optional>

#include "api/detail/yaml_reader.hpp"
#include "sim/scenario.hpp"

namespace qvsim::yaml_detail {

// The electorate block as read, with what the rest of the document is checked against.
struct ElectorateBlock {
  std::uint64_t agents = 0;
  std::optional<Field> agents_field;
  std::uint32_t proposals = 1;
  ValuesSpec values;
  BudgetSpec budget;
  PivotSpec pivot;
  std::uint64_t correlation_sample = 0;  // neighbor_correlation: 0 exact, else sampled edges
  // Which parts were read; a collecting parse skips the checks that depend on one that was not.
  bool agents_ok = false;
  bool proposals_ok = false;
  bool budget_ok = false;
};

// The top-level map's `electorate` into `e`; required unless the graph is an edge list
// (`edge_list`), which then sets the agents itself. Each key is read on its own (attempt), so a
// collecting parse reports every key's problem.
void parse_electorate(const Context& ctx, const MapView& root, bool edge_list, ElectorateBlock& e);

}  // namespace qvsim::yaml_detail
