#pragma once
// Reading and writing a quadratic-funding scenario (`kind: funding`, docs/funding.md): its
// `funding` block and its arms. Errors as in yaml_reader.hpp.

#include "api/detail/yaml_reader.hpp"
#include "sim/json.hpp"
#include "sim/scenario.hpp"

namespace qvsim::yaml_detail {

// Reads what a funding scenario adds to the keys every scenario shares (name, seed, replicates,
// electorate.agents and values, graph, clusters, already in `s`): the `funding` block and the
// arms, and refuses the voting keys (mechanisms, ballot, ..., electorate.proposals, budget and
// pivot) at their lines. Sets s.kind, s.funding and s.proposals (= projects).
void read_funding(const Context& ctx, const MapView& root, Scenario& s);

// The `funding` block and the arms, as JSON (scenario_to_json).
void write_funding(JsonWriter& w, const Scenario& s);

}  // namespace qvsim::yaml_detail
