// Reading and checking a sweep file's `sweep:` block (docs/sweeps.md) into a Spec, and the spec
// as canonical JSON (api/detail/sweep_spec.hpp). Split from sweep_spec.cpp, which expands the
// spec into design points.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/detail/scenario_node.hpp"
#include "api/detail/sweep_spec.hpp"
#include "api/detail/yaml_reader.hpp"
#include "sim/error.hpp"
#include "sim/json.hpp"
#include "sim/text.hpp"

namespace qvsim::sweep_spec_detail {

using namespace yaml_detail;

namespace {

constexpr const char* kForms =
    "a list of values, a range {from, to, step}, {uniform: [a, b]}, {log_uniform: [a, b]} or "
    "{choice: [...]}";

// `design` is empty when the design could not be read: what depends on it is then not checked.
Param read_param(const Context& ctx, const std::string& path, const Field& f,
                 std::optional<SweepDesign> design, int group) {
  Param p;
  p.path = path;
  p.key = f.path;
  p.line = f.line;
  p.group = group;
  const std::optional<Path> segments = parse_path(path);
  if (!segments) {
    fail(ctx, f.line, f.path,
         "is not a scenario key path: give dotted keys, with [i] for a list element (for example "
         "graph.degree or electorate.values.components[0].weight)");
  }
  p.segments = *segments;
  const std::string& top = p.segments.front().key;
  if (top == "name" || top == "replicates") {
    fail(ctx, f.line, f.path, "cannot be swept: every point shares the scenario's " + top);
  }
  if (top == "seed") {
    fail(ctx, f.line, f.path,
         "cannot be swept: every point derives its own seed from the scenario's seed");
  }
  if (top == "sweep")
    fail(ctx, f.line, f.path, "cannot be swept: the sweep block cannot sweep itself");

  const YAML::Node& n = f.node;
  if (n.IsSequence()) {
    p.values = read_list(ctx, f, group >= 0);
    return p;
  }
  if (!n.IsMap()) {
    std::string msg = std::string("must be ") + kForms + ", got " + describe(n);
    if (n.IsScalar()) msg += "; to sweep one value, write [" + n.Scalar() + "]";
    fail(ctx, f.line, f.path, msg);
  }
  const MapView m(ctx, f, {}, true);
  const Keys kKnown = {"from", "to", "step", "uniform", "log_uniform", "choice"};
  for (const auto& [name, field] : m.entries()) {
    if (std::find(kKnown.begin(), kKnown.end(), name) != kKnown.end()) continue;
    std::string msg = "unknown key";
    msg += did_you_mean(name, kKnown);
    fail(
        ctx, field.line, field.path, ErrorKind::unknown_key,
        msg + " (a parameter takes " + kForms + "; to sweep over maps, list them: [{...}, {...}])");
  }
  const bool distribution = m.has("uniform") || m.has("log_uniform") || m.has("choice");
  if (!distribution) {
    p.values = read_range(ctx, f, m);
    return p;
  }
  if (m.entries().size() > 1) {
    const Field& extra = m.entries()[1].second;
    fail(ctx, extra.line, extra.path,
         "cannot be combined with " + m.entries()[0].first + ": a parameter takes one form");
  }
  const auto& [name, g] = m.entries()[0];
  if (design == SweepDesign::grid) {  // false when the design is not known
    fail(ctx, g.line, g.path,
         "a distribution needs design random or latin_hypercube (or sobol, morris); a grid takes "
         "a list or a range {from, to, step}");
  }
  if (group >= 0) fail(ctx, g.line, g.path, "zipped parameters take lists or ranges");
  if (name == "choice") {
    if (!g.node.IsSequence()) {
      fail(ctx, g.line, g.path, ErrorKind::type, "must be a list, got " + describe(g.node));
    }
    p.values = read_list(ctx, g, false);
    return p;
  }
  p.kind = name == "uniform" ? Kind::uniform : Kind::log_uniform;
  if (!g.node.IsSequence() || g.node.size() != 2) {
    fail(ctx, g.line, g.path, ErrorKind::type,
         "must be a list of two numbers [low, high], got " + describe(g.node));
  }
  const Number lo = get_number(ctx, element(g, 0));
  const Number hi = get_number(ctx, element(g, 1));
  if (lo.value > hi.value) {
    fail(ctx, g.line, g.path, "low (" + lo.text + ") must be <= high (" + hi.text + ")");
  }
  if (p.kind == Kind::log_uniform && !(lo.value > 0.0)) {
    fail(ctx, g.line, g.path, "low must be > 0 (values are drawn on a log scale), got " + lo.text);
  }
  p.lo = lo.value;
  p.hi = hi.value;
  return p;
}

// One zip group: each of its parameters read on its own; their lengths are compared with the
// group's first list, and its rows with each other, only when those lists could be read. The
// group's parameters are appended to `params`, tagged with `group`.
void read_zip_group(const Context& ctx, const Field& f, std::optional<SweepDesign> design,
                    int group, std::vector<Param>& params) {
  const MapView gm(ctx, f, {}, true);
  if (gm.entries().empty()) fail(ctx, gm.line(), gm.path(), "an empty group: give paths");
  const std::size_t first = params.size();
  bool all_read = true;
  for (const auto& entry : gm.entries()) {
    const bool read = attempt(
        ctx, [&] { params.push_back(read_param(ctx, entry.first, entry.second, design, group)); });
    all_read = all_read && read;
    if (!read || params.size() == first + 1 || params[first].path != gm.entries()[0].first) {
      continue;  // nothing to compare with: it is the first list, or the first was not read
    }
    const Param& p = params.back();
    const Param& lead = params[first];
    if (p.values.size() != lead.values.size()) {
      all_read = false;
      report(ctx, p.line, p.key, ErrorKind::invalid,
             "has " + std::to_string(p.values.size()) + " values but " + lead.key + " has " +
                 std::to_string(lead.values.size()) +
                 "; zipped parameters need lists of equal length");
    }
  }
  if (!all_read) return;
  // Two equal rows would be two identical points.
  const std::size_t rows = params[first].values.size();
  std::vector<std::string> seen;
  for (std::size_t r = 0; r < rows; ++r) {
    std::string row;
    for (std::size_t i = first; i < params.size(); ++i) row += params[i].values[r].text + "\n";
    if (const auto it = std::find(seen.begin(), seen.end(), row); it != seen.end()) {
      fail(ctx, gm.line(), gm.path(),
           "row " + std::to_string(r) + " repeats row " + std::to_string(it - seen.begin()) +
               ": the same point twice");
    }
    seen.push_back(row);
  }
}

}  // namespace

Spec read_spec(const Context& ctx, const Field& f, const std::string& text) {
  const MapView m(ctx, f,
                  {"design", "samples", "trajectories", "levels", "parameters", "zip",
                   "common_random_numbers"});
  const std::size_t errors_before = ctx.errors != nullptr ? ctx.errors->size() : 0;
  Spec spec;
  spec.line = f.line;
  attempt(ctx, [&] {
    if (const auto c = m.get("common_random_numbers"))
      spec.common_random_numbers = get_bool(ctx, *c);
  });
  const bool design_ok = attempt(ctx, [&] {
    if (const auto d = m.get("design")) {
      constexpr SweepDesign kDesigns[] = {SweepDesign::grid, SweepDesign::random,
                                          SweepDesign::latin_hypercube, SweepDesign::sobol,
                                          SweepDesign::morris};
      spec.design =
          kDesigns[get_choice(ctx, *d, {"grid", "random", "latin_hypercube", "sobol", "morris"})];
    }
  });
  const std::optional<SweepDesign> design =
      design_ok ? std::optional<SweepDesign>(spec.design) : std::nullopt;
  const auto samples = m.get("samples");
  if (design_ok) {
    for (const char* key : {"trajectories", "levels"}) {
      attempt(ctx, [&] {
        if (const auto g = m.get(key); g && spec.design != SweepDesign::morris) {
          fail(ctx, g->line, g->path,
               std::string("not allowed with design ") + to_string(spec.design) +
                   " (it sizes a morris design)");
        }
      });
    }
    attempt(ctx, [&] {
      if (spec.design == SweepDesign::morris) {
        if (samples) {
          fail(ctx, samples->line, samples->path,
               "not allowed with design morris, which runs `trajectories` trajectories of "
               "(inputs + 1) points each");
        }
      } else if (spec.design == SweepDesign::grid) {
        if (samples) {
          fail(ctx, samples->line, samples->path,
               "not allowed with design grid (a grid runs every combination of its values); use "
               "design random or latin_hypercube to draw samples");
        }
      } else if (!samples) {
        if (m.misspelt("samples")) throw AlreadyReported{};
        fail(ctx, m.line(), child_path(m.path(), "samples"), ErrorKind::missing_key,
             std::string("missing required key (design ") + to_string(spec.design) +
                 (spec.design == SweepDesign::sobol
                      ? " runs that many base rows of (inputs + 2) points each)"
                      : " draws that many points)"));
      } else {
        spec.samples = get_uint(ctx, *samples, 1, kMaxSweepPoints);
      }
    });
    if (spec.design == SweepDesign::morris) {
      attempt(ctx, [&] {
        const auto t = m.get("trajectories");
        if (!t) {
          if (m.misspelt("trajectories")) throw AlreadyReported{};
          fail(ctx, m.line(), child_path(m.path(), "trajectories"), ErrorKind::missing_key,
               "missing required key (design morris runs that many trajectories)");
        }
        spec.trajectories = get_uint(ctx, *t, 2, kMaxSweepPoints);
      });
      attempt(ctx, [&] {
        spec.levels = 4;
        if (const auto l = m.get("levels")) {
          const std::uint64_t p = get_uint(ctx, *l, 2, 1000);
          if (p % 2 != 0) {
            fail(ctx, l->line, l->path,
                 "must be even (each move spans half the levels, Delta = p / (2 (p - 1))), got " +
                     u64_str(p));
          }
          spec.levels = static_cast<std::uint32_t>(p);
        }
      });
    }
  }

  const auto parameters = m.get("parameters");
  const auto zip = m.get("zip");
  if (!parameters && !zip) {
    if (m.misspelt("parameters") || m.misspelt("zip")) throw AlreadyReported{};
    fail(ctx, m.line(), child_path(m.path(), "parameters"), ErrorKind::missing_key,
         "missing required key: nothing to sweep");
  }
  if (parameters) {
    attempt(ctx, [&] {
      // The usual shape mistake: the path alone, `parameters: graph.degree`.
      if (parameters->node.IsScalar() && !parameters->node.Scalar().empty()) {
        fail(ctx, parameters->line, parameters->path, ErrorKind::type,
             "must be a map from scenario key paths to their values, got " +
                 describe(parameters->node) + "; write {" + parameters->node.Scalar() +
                 ": [value, value]}");
      }
      const MapView pm(ctx, *parameters, {}, true);
      if (pm.entries().empty() && !zip) {
        fail(ctx, parameters->line, parameters->path, "is empty: nothing to sweep");
      }
      for (const auto& entry : pm.entries()) {
        attempt(ctx, [&] {
          spec.params.push_back(read_param(ctx, entry.first, entry.second, design, -1));
        });
      }
    });
  }
  int groups = 0;
  if (zip) {
    attempt(ctx, [&] {
      // The usual shape mistake: one group written as the map itself, without the list around it.
      if (zip->node.IsMap()) {
        fail(ctx, zip->line, zip->path, ErrorKind::type,
             "must be a non-empty list of groups, got a map; write each group as an item of "
             "the list: zip: [{path: [values], path: [values]}]");
      }
      if (!zip->node.IsSequence() || zip->node.size() == 0) {
        fail(ctx, zip->line, zip->path,
             "must be a non-empty list of groups, each a map from paths to lists of equal "
             "length, got " +
                 describe(zip->node));
      }
      for (std::size_t g = 0; g < zip->node.size(); ++g) {
        attempt(ctx, [&] { read_zip_group(ctx, element(*zip, g), design, groups, spec.params); });
        ++groups;
      }
    });
  }

  // Each path once, and never a map together with a key inside it: the later would silently
  // overwrite part of the earlier.
  for (std::size_t j = 0; j < spec.params.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      const Param& a = spec.params[i];
      const Param& b = spec.params[j];
      if (a.path == b.path) {
        report(ctx, b.line, b.key, ErrorKind::invalid,
               "is swept twice (also " + a.key + " on line " + std::to_string(a.line) + ")");
      } else if (within(a.path, b.path) || within(b.path, a.path)) {
        report(ctx, b.line, b.key, ErrorKind::invalid,
               "overlaps " + a.key + " (line " + std::to_string(a.line) +
                   "): sweep a map or keys inside it, not both");
      }
    }
  }
  // Every path must lead somewhere in the base scenario; checked on one copy in order, exactly as
  // each point's document will be built.
  const YAML::Node probe = YAML::Load(text);
  for (const Param& p : spec.params) {
    if (const std::string why = set_path(probe, p.segments, YAML::Node()); !why.empty()) {
      report(ctx, p.line, p.key, ErrorKind::invalid, "cannot be set: " + why);
    }
  }
  // The design's size needs every parameter; with a mistake anywhere it is not built.
  if (ctx.errors != nullptr && ctx.errors->size() > errors_before) return spec;

  for (std::size_t i = 0; i < spec.params.size(); ++i) {
    const Param& p = spec.params[i];
    if (p.group >= 0) continue;
    spec.axes.push_back({{i}, p.kind == Kind::discrete ? p.values.size() : 0, i});
  }
  for (int g = 0; g < groups; ++g) {
    Axis a;
    for (std::size_t i = 0; i < spec.params.size(); ++i) {
      if (spec.params[i].group == g) a.members.push_back(i);
    }
    a.count = spec.params[a.members.front()].values.size();
    a.stream = a.members.front();
    spec.axes.push_back(std::move(a));
  }

  if (spec.design == SweepDesign::grid) {
    std::uint64_t total = 1;
    std::string shape;
    bool overflow = false;
    for (const Axis& a : spec.axes) {
      shape += (shape.empty() ? "" : " x ") + u64_str(a.count);
      overflow = overflow || __builtin_mul_overflow(total, a.count, &total);
    }
    if (overflow || total > kMaxSweepPoints) {
      fail(ctx, f.line, f.path,
           "the grid has " + (overflow ? "more than " + u64_str(kMaxU64) : u64_str(total)) +
               " points (" + shape + "); a sweep may have at most " + u64_str(kMaxSweepPoints));
    }
    spec.points = total;
  } else if (spec.design == SweepDesign::sobol || spec.design == SweepDesign::morris) {
    // Every input must be able to move, or its index is undefined.
    for (const Axis& a : spec.axes) {
      const Param& p = spec.params[a.members.front()];
      const bool fixed = a.count == 1 || (a.count == 0 && !(p.lo < p.hi));
      if (fixed) {
        fail(ctx, p.line, p.key,
             std::string("takes a single value, so design ") + to_string(spec.design) +
                 " has no effect of it to measure; give at least 2 values (or low < high), or "
                 "set it in the base scenario");
      }
    }
    const std::uint64_t d = spec.axes.size();
    const bool sobol = spec.design == SweepDesign::sobol;
    const std::uint64_t size = sobol ? spec.samples : spec.trajectories;
    const std::uint64_t per = sobol ? d + 2 : d + 1;
    if (size > kMaxSweepPoints / per) {
      const Field& at = sobol ? *samples : *m.get("trajectories");
      fail(ctx, at.line, at.path,
           u64_str(size) + " x " + u64_str(per) + " (inputs + " + (sobol ? "2" : "1") +
               ") points is more than a sweep's " + u64_str(kMaxSweepPoints));
    }
    spec.points = size * per;
  } else {
    spec.points = spec.samples;
  }
  return spec;
}

std::string spec_to_json(const Spec& spec) {
  JsonWriter w;
  w.begin_object();
  w.key("design").value(to_string(spec.design));
  w.key("samples");
  if (spec.design == SweepDesign::grid || spec.design == SweepDesign::morris) {
    w.null();
  } else {
    w.value(spec.samples);
  }
  if (spec.design == SweepDesign::morris) {
    w.key("trajectories").value(spec.trajectories);
    w.key("levels").value(static_cast<std::uint64_t>(spec.levels));
  }
  // Written only when set, so that the specs (and hashes) of sweeps without it are unchanged.
  if (spec.common_random_numbers) w.key("common_random_numbers").value(true);
  w.key("parameters").begin_array();
  for (const Param& p : spec.params) {
    JsonWriter one(0);
    one.begin_object();
    one.key("path").value(p.path);
    if (p.group >= 0) one.key("zip").value(p.group);
    if (p.kind == Kind::discrete) {
      const bool drawn = spec.design != SweepDesign::grid && p.group < 0;
      one.key(drawn ? "choice" : "values").begin_array();
      for (const Value& v : p.values) one.raw(v.text);
      one.end_array();
    } else {
      one.key(p.kind == Kind::uniform ? "uniform" : "log_uniform").begin_array();
      one.value(p.lo).value(p.hi).end_array();
    }
    one.end_object();
    w.raw(one.str());
  }
  w.end_array();
  w.end_object();
  return w.str();
}

}  // namespace qvsim::sweep_spec_detail
