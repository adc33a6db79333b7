#pragma once
// rounds.csv: how each attack unfolded round by round, one row per replicate x arm x mechanism x
// process x round (docs/outputs.md defines the columns), so that recruitment and the spread of
// fear can be plotted over rounds:
//   replicate, arm, mechanism, process (collusion | coercion), stage, round,
//   members, coalitions   collusion: members and non-empty coalitions after the round (stage
//                         found: the founders; recruit: a recruitment round; exit: a round in
//                         which members who lose by their trade left);
//   threatened, complied  coercion: agents under a threat and those complying after the round
//                         (round 0 at the base credibility; the rows stop at the fixed point).
// NA where a count does not belong to the process. Each process's last row equals runs.csv's
// totals for it (colluders, threatened, complied). Written during a run by a RowTable
// (analysis/proposals.hpp).

#include <ostream>
#include <string>

#include "sim/model.hpp"
#include "sim/runner.hpp"

namespace qvsim::analysis {

std::string rounds_csv_header();

// Appends the rows of one replicate's outcome.
void write_round_rows(const Model& model, const ReplicateOutcome& outcome, std::ostream& out);

}  // namespace qvsim::analysis
