#include "analysis/proposals.hpp"

#include <cmath>

#include "sim/json.hpp"

namespace qvsim::analysis {
namespace {

std::string cell(double x) { return std::isnan(x) ? std::string("NA") : format_double(x); }

}  // namespace

std::string proposals_csv_header() {
  return "replicate,arm,mechanism,proposal,value_total,tally,decision,margin,belief_mean,"
         "belief_sd,pivot_density\n";
}

void write_proposal_rows(const Model& model, const ReplicateOutcome& o, std::ostream& out) {
  const Scenario& s = model.scenario;
  const double na = std::nan("");
  std::string line;
  for (std::size_t a = 0; a < o.arms.size(); ++a) {
    for (std::size_t mi = 0; mi < o.arms[a].mechanisms.size(); ++mi) {
      const MechanismOutcome& m = o.arms[a].mechanisms[mi];
      const MechanismBelief& b = belief_for(o.beliefs, m.mechanism);
      const bool fixed = b.model == PivotModel::fixed;
      for (std::size_t k = 0; k < m.tally.size(); ++k) {
        line = std::to_string(o.replicate);
        line += ',' + s.arms[a].name + ',' + to_string(m.mechanism) + ',' + std::to_string(k);
        line += ',' + cell(o.value_totals[k]) + ',' + cell(m.tally[k]);
        line += m.decision[k] > 0 ? ",1," : ",-1,";
        line += cell(std::fabs(m.tally[k]));
        line += ',' + cell(fixed ? na : b.proposals[k].mean);
        line += ',' + cell(fixed ? na : b.proposals[k].sd);
        line += ',' + cell(b.pivot_density(k)) + '\n';
        out << line;
      }
    }
  }
}

RowTable::RowTable(const Model& model, std::ostream& out, OutcomeSink& next,
                   const std::string& header, Writer write)
    : model_(model), out_(out), next_(next), write_(write) {
  out_ << header;
}

void RowTable::consume(ReplicateOutcome&& outcome) {
  write_(model_, outcome, out_);
  next_.consume(std::move(outcome));
}

}  // namespace qvsim::analysis
