#pragma once
// proposals.csv: one row per replicate x arm x mechanism x proposal, so that a user can see each
// race and tests can check the arithmetic (docs/outputs.md defines the columns):
//   replicate, arm, mechanism, proposal,
//   value_total    U_k, the sum of every agent's value for k passing (utility);
//   tally          V_k, the sum of every vote on k (the mechanism's vote units);
//   decision       +1 passes, -1 fails (a tie is decided by the replicate's coin);
//   margin         |V_k|, the votes the losing side lacked (the cost to flip with one attacker
//                  is margin^2 under QV);
//   belief_mean, belief_sd, pivot_density
//                  the agents' belief about the others' sum on k under the mechanism
//                  (sim/belief.hpp): its mean and sd and its density at 0, g_k, the marginal
//                  chance that one more vote decides k (fixed beliefs: NA, NA, the price).

#include <ostream>
#include <string>

#include "sim/model.hpp"
#include "sim/runner.hpp"

namespace qvsim::analysis {

std::string proposals_csv_header();

// Appends the rows of one replicate's outcome.
void write_proposal_rows(const Model& model, const ReplicateOutcome& outcome, std::ostream& out);

// A sink that writes rows of each outcome (proposals.csv's, rounds.csv's: write_proposal_rows,
// write_round_rows), then hands the outcome on to `next`. Writes `header` first.
class RowTable final : public OutcomeSink {
 public:
  using Writer = void (*)(const Model&, const ReplicateOutcome&, std::ostream&);
  RowTable(const Model& model, std::ostream& out, OutcomeSink& next, const std::string& header,
           Writer write);
  void consume(ReplicateOutcome&& outcome) override;

 private:
  const Model& model_;
  std::ostream& out_;
  OutcomeSink& next_;
  Writer write_;
};

}  // namespace qvsim::analysis
