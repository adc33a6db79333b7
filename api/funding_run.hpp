#pragma once
// The `run` command for `kind: funding` scenarios (docs/funding.md), as a library call.

#include <filesystem>
#include <iosfwd>

#include "api/run_command.hpp"
#include "sim/model.hpp"

namespace qvsim {

// Runs every replicate of a funding scenario (model.scenario.kind == funding) and writes
// runs.csv (a row per replicate, arm and matching rule), projects.csv (a row per replicate, arm,
// rule and project), summary.csv (every runs.csv metric summarized per arm and rule) and
// manifest.json into the output folder, published together as one FileSet exactly as run_scenario
// does; prints the summary to `out` unless request.quiet. Rows come in replicate order and are
// the same bits at any thread count. Throws InputError (usage) for the voting run's options that
// mean nothing here (--proposals, --rounds, --agents, --graphml), before anything is written.
std::filesystem::path run_funding(const Model& model, const RunRequest& request, std::ostream& out,
                                  std::ostream& err);

}  // namespace qvsim
