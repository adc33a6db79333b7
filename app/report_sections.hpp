#pragma once
// Parts of `qvsim report` (app/plot_command.cpp) read from the folder's own records: the scenario
// as a reader sees it, and the arms flagged inert or saturated. HTML out, escaped here.

#include <string>
#include <string_view>
#include <vector>

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

}  // namespace qvsim::report_detail
