#pragma once
// agents.csv: every agent's ballot in chosen replicates, one row per replicate x arm x mechanism x
// agent, so that a user can follow single voters and tests can check that the rows add up to
// runs.csv (docs/outputs.md defines the columns):
//   replicate, arm, mechanism, agent,
//   value_0 .. value_{K-1}   her values u_ak (utility); under values.precision float32, each in
//                            the shortest form of the stored float;
//   vote_0 .. vote_{K-1}     the votes she cast on each proposal (the mechanism's vote units,
//                            every identity of a sybil included): they sum to the tally;
//   cost                     what her ballot cost her (credits or money, identity fees
//                            included): summed, runs.csv's spent_per_agent x agents;
//   then what the arms record about her (ArmBehaviour::agent_field_names), the union over the
//   scenario's arms in order of first appearance, NA where her arm does not record it or it does
//   not apply to her: coalition, obeyed, sanctioned (collusion); bribed, reneged (bribery);
//   threatened, coercer, complied, punished (coercion); identities (sybils); ballot_changed
//   (any attack arm: her final ballot differs from her honest one).
//
// The rows replay the replicate with the same keyed draws as the run (sim/runner.hpp,
// replay_replicate), so they are those of the run, bit for bit, at any thread count.

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "sim/arm.hpp"
#include "sim/model.hpp"

namespace qvsim::analysis {

// The columns after `cost`: the arms' agent fields, each once, in order of first appearance.
std::vector<std::string> agent_field_columns(const ArmBehaviours& behaviours);

std::string agents_csv_header(const Model& model, const ArmBehaviours& behaviours);

// Appends the rows of replicate r (< model.scenario.replicates), holding about 64 MiB of text at
// a time beyond the replayed replicate (a batch being formatted by parallel loops over agents,
// the one before being written to `out` on a thread of its own); the text does not depend on the
// thread count. What writing to `out` throws is rethrown here.
void write_agent_rows(const Model& model, const ArmBehaviours& behaviours, std::uint64_t replicate,
                      std::ostream& out);

}  // namespace qvsim::analysis
