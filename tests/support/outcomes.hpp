#pragma once
// Runs a scenario in-process and keeps every replicate's outcome, for tests of the agents' rules.

#include <utility>
#include <vector>

#include "agents/behaviours.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"

namespace qvsim::test {

// An outcome sink that keeps what it is given, in arrival order.
struct Collected : OutcomeSink {
  std::vector<ReplicateOutcome> outcomes;
  void consume(ReplicateOutcome&& o) override { outcomes.push_back(std::move(o)); }
};

// The outcomes of every replicate of scenario s with the agents' behaviours, at `threads`
// threads (0: the default).
inline std::vector<ReplicateOutcome> run_outcomes(const Scenario& s, unsigned threads = 0) {
  const Model model = freeze(s);
  Collected c;
  RunOptions opts;
  opts.threads = threads;
  run_replicates(model, agents::make_behaviours(s), opts, c);
  return std::move(c.outcomes);
}

}  // namespace qvsim::test
