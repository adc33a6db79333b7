#pragma once
// Reading one scenario from an already loaded YAML document, for readers that build documents
// themselves (the sweep expander injects each point's values into a copy of the base document).

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "api/detail/yaml_reader.hpp"
#include "sim/scenario.hpp"

namespace qvsim {
namespace yaml_detail {

inline constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
inline constexpr std::uint64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
// Agents are indexed by a uint32 AgentId.
inline constexpr std::uint64_t kMaxAgents = kMaxU32;

// The name becomes a folder under results/ (results/<name>): a plain file name only, never a
// path ('..', '.'), nor one that reads as a command-line option.
inline bool is_folder_name(std::string_view name) {
  return is_name(name, true) && name != "." && name != ".." && name.front() != '-';
}

inline std::string folder_name_error(const std::string& name) {
  return "may use only letters, digits, '_', '.' and '-' (a plain folder name: not '.' or '..', "
         "not starting with '-'), got '" +
         name + "'";
}

}  // namespace yaml_detail

// Validates `root` as a whole scenario document exactly as parse_scenario does after loading the
// text (unknown keys, types, ranges, cross-field rules). `ctx.label` names the file in messages
// and `ctx.base_dir` resolves relative paths. source_file is left empty. Throws InputError.
Scenario parse_scenario_node(const yaml_detail::Context& ctx, const YAML::Node& root);

}  // namespace qvsim
