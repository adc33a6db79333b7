#include "analysis/round_table.hpp"

#include <cmath>

#include "sim/json.hpp"

namespace qvsim::analysis {
namespace {

std::string cell(double x) { return std::isnan(x) ? std::string("NA") : format_double(x); }

}  // namespace

std::string rounds_csv_header() {
  return "replicate,arm,mechanism,process,stage,round,members,coalitions,threatened,complied\n";
}

void write_round_rows(const Model& model, const ReplicateOutcome& o, std::ostream& out) {
  const Scenario& s = model.scenario;
  std::string line;
  for (std::size_t a = 0; a < o.arms.size(); ++a) {
    for (const MechanismOutcome& m : o.arms[a].mechanisms) {
      for (const RoundRecord& r : m.rounds) {
        line = std::to_string(o.replicate);
        line += ',' + s.arms[a].name + ',' + to_string(m.mechanism) + ',' + r.process + ',' +
                r.stage + ',' + std::to_string(r.round);
        line += ',' + cell(r.members) + ',' + cell(r.coalitions) + ',' + cell(r.threatened) + ',' +
                cell(r.complied) + '\n';
        out << line;
      }
    }
  }
}

}  // namespace qvsim::analysis
