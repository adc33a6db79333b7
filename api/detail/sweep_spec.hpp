#pragma once
// Internal to the sweep spec (api/sweep_spec.hpp): key paths and parameter values
// (api/sweep_values.cpp), the sweep block read and checked (api/sweep_block.cpp), and its
// expansion into design points (api/sweep_spec.cpp). Errors are thrown or collected as in
// api/detail/yaml_reader.hpp.

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/detail/yaml_reader.hpp"
#include "api/sweep_spec.hpp"

namespace qvsim::sweep_spec_detail {

// ---- key paths (api/sweep_values.cpp) -------------------------------------------------------

// One step of a dotted path: a map key, or (key empty) a list index.
struct Segment {
  std::string key;
  std::size_t index = 0;
};
using Path = std::vector<Segment>;

// `a.b[2].c`: names of letters, digits, '_' and '-', each followed by any number of [i]. Indices
// have no leading zeros so that one element has one spelling (overlap checks compare text).
std::optional<Path> parse_path(std::string_view text);

// Whether `key` is `path` or lies inside it (a key path of an error, or another swept path).
bool within(std::string_view key, std::string_view path);

// Sets `path` in the map `root` to `value`, creating maps for keys the document lacks and turning
// a null on the way into a map. Returns what blocks the path, or an empty string.
std::string set_path(const YAML::Node& root, const Path& path, const YAML::Node& value);

// ---- parameter values (api/sweep_values.cpp) ------------------------------------------------

// A value's JSON form on one line: numbers in shortest round-trip form (integers as integers),
// true/false, null, strings quoted, lists and maps as JSON arrays and objects.
std::string canonical(const YAML::Node& n);

struct Value {
  YAML::Node node;   // what is put into the point's document
  std::string text;  // canonical(node)
};

// Element `i` of the list `list`, with its own line (the list's when it has none).
yaml_detail::Field element(const yaml_detail::Field& list, std::size_t i);

// A parameter's list of values. A zipped list may repeat values (its group's rows must differ,
// checked by the caller); any other list may not, as that would be the same point twice.
std::vector<Value> read_list(const yaml_detail::Context& ctx, const yaml_detail::Field& f,
                             bool zipped);

// The values of a range {from, to, step} (the map `m` of field `f`), from `from` up to `to`:
// decimals step exactly through the decimals written (0.1, 0.2, 0.3), integers stay integers.
std::vector<Value> read_range(const yaml_detail::Context& ctx, const yaml_detail::Field& f,
                              const yaml_detail::MapView& m);

// ---- the sweep block (api/sweep_block.cpp) --------------------------------------------------

enum class Kind { discrete, uniform, log_uniform };

struct Param {
  std::string path;
  Path segments;
  std::string key;  // where it is written: sweep.parameters.<path> or sweep.zip[g].<path>
  std::size_t line = 0;
  Kind kind = Kind::discrete;
  std::vector<Value> values;  // discrete
  double lo = 0.0;            // uniform, log_uniform
  double hi = 0.0;
  int group = -1;  // its zip group, or -1
};

// One dimension of the design: a parameter, or a zip group whose members move together.
struct Axis {
  std::vector<std::size_t> members;  // indices into Spec::params
  std::uint64_t count = 0;           // values along it; 0 for a continuous distribution
  std::uint64_t stream = 0;          // the agent field of its random streams
};

struct Spec {
  SweepDesign design = SweepDesign::grid;
  std::uint64_t samples = 0;
  std::uint64_t trajectories = 0;  // morris
  std::uint32_t levels = 0;        // morris
  std::size_t line = 0;            // the sweep key's
  std::vector<Param> params;
  std::vector<Axis> axes;
  std::uint64_t points = 0;
  bool common_random_numbers = false;  // every point runs with the master seed
};

// Reads the block with every key, parameter and zip group on its own (attempt), so a collecting
// parse reports each one's problem; a check that depends on a part that could not be read (the
// samples on the design, a zipped list's length on its group's first list, the design's size on
// every parameter) is skipped. The design is built only when the whole block was read.
Spec read_spec(const yaml_detail::Context& ctx, const yaml_detail::Field& f,
               const std::string& text);

// The resolved block as canonical JSON (SweepPlan::spec_json).
std::string spec_to_json(const Spec& spec);

}  // namespace qvsim::sweep_spec_detail
