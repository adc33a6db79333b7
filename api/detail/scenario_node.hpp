#pragma once
// Reading one scenario from an already loaded YAML document, for readers that build documents
// themselves (the sweep expander injects each point's values into a copy of the base document).

#include <yaml-cpp/yaml.h>

#include "api/detail/yaml_reader.hpp"
#include "sim/scenario.hpp"

namespace qvsim {

// Validates `root` as a whole scenario document exactly as parse_scenario does after loading the
// text (unknown keys, types, ranges, cross-field rules). `ctx.label` names the file in messages
// and `ctx.base_dir` resolves relative paths. source_file is left empty. Throws InputError.
Scenario parse_scenario_node(const yaml_detail::Context& ctx, const YAML::Node& root);

}  // namespace qvsim
