#pragma once
// Reading scenario files: the only code in qvsim that sees YAML.
//
// The whole document is validated before anything runs. Every problem is reported as one
// InputError naming the file, the 1-based line and the dotted key path, e.g.
//   "scenario.yaml:12: graph.degree: must be an even integer >= 2, got 3".
// Unknown keys are errors, with a "did you mean 'x'?" suggestion for a near miss.
// Independent problems are reported together: the InputError carries the first problem's file,
// line, key and kind, and its message lists each further one on a line of its own, as the CLI
// prints a single one ("qvsim: error (range): scenario.yaml:3: replicates: ..."), at most 20 in
// all, then "... and N more" (docs/errors.md, "Several mistakes at once").

#include <filesystem>
#include <string>

#include "sim/scenario.hpp"

namespace qvsim {

// Reads and validates a scenario file. Missing, unreadable or empty files, malformed YAML,
// unknown keys, wrong types and out-of-range values all throw InputError.
Scenario load_scenario(const std::filesystem::path& file);

// The whole text of a scenario file, or InputError (io) saying why it cannot be read.
std::string read_scenario_text(const std::filesystem::path& file);

// Same, from text; `label` is used as the file name in messages and `base_dir` resolves relative
// paths inside the scenario (edge-list files).
Scenario parse_scenario(const std::string& text, const std::string& label,
                        const std::filesystem::path& base_dir);

// The scenario fully resolved (every default filled in) as canonical JSON: the same scenario
// always gives the same bytes. Manifests record it and hash it.
std::string scenario_to_json(const Scenario& scenario);

// Checks a resolved scenario's cross-field rules again (used after command-line overrides such
// as --replicates); throws InputError naming `label`.
void validate_scenario(const Scenario& scenario, const std::string& label);

}  // namespace qvsim
