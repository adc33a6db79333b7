#pragma once
// Parts of `qvsim report` (api/report_command.cpp) read from the folder's own records: the scenario
// as a reader sees it, and the arms flagged inert or saturated. HTML out, escaped here.

#include <string>
#include <string_view>
#include <vector>

#include "analysis/analyze.hpp"

namespace qvsim::report_detail {

std::string html_escape(std::string_view s);

// The scenario stated in full as HTML (a definition table, then one table row per arm block with
// its keys), from manifest.json's text: its "scenario" object (a run: every default filled in) or
// its "scenario_text" (a sweep: the file as written, with its sweep block). A note when the
// manifest holds neither or cannot be read; never throws.
std::string scenario_html(const std::string& manifest_json);

// The warnings analysis::flagged_arm_warnings prints for a run, built from summary.csv's rows
// (header first): one per arm x mechanism (x point, for a sweep: "point 3: arm ...") whose
// arm_inert or saturated mean x n counts a flagged replicate. Rows without those metrics give
// nothing.
std::vector<std::string> flagged_arm_lines(const std::vector<std::vector<std::string>>& summary);

// The effects-first main table: one row per group x attack arm x metric (efficiency, wrong_rate),
// with the arm's effect under each mechanism (in order of appearance) and the contrast of the first
// mechanism's effect with each other's (quadratic minus one_person_one_vote when the scenario lists
// them so), each as mean [95% t interval clipped to the effect's range]. At most `max_rows` rows;
// `total_rows` is set to how many there are. "" when the analysis has no effects.
std::string effects_table_html(const analysis::Analysis& analysis, std::size_t max_rows,
                               std::size_t& total_rows);

// A mechanism's short name in tables: QV, 1p1v, linear.
std::string mechanism_label(Mechanism m);

}  // namespace qvsim::report_detail
