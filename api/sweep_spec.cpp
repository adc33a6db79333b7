// Expanding a sweep file into its design points (parse_sweep, load_sweep, api/sweep_spec.hpp):
// the design's picks along each axis, each point's key and seed, and its scenario built from the
// base document. The sweep block is read in sweep_block.cpp, its values and paths in
// sweep_values.cpp.

#include "api/sweep_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "analysis/sensitivity.hpp"
#include "api/detail/scenario_node.hpp"
#include "api/detail/sweep_spec.hpp"
#include "api/detail/yaml_reader.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/error.hpp"
#include "sim/hash.hpp"
#include "sim/json.hpp"
#include "sim/rng.hpp"

namespace qvsim {
namespace {

using namespace yaml_detail;
using namespace sweep_spec_detail;

// ---- design points --------------------------------------------------------------------------

// Where a point sits along one axis: a value index, or a position u in [0, 1) for a continuous
// distribution.
struct Pick {
  std::uint64_t index = 0;
  double u = 0.0;
};

StreamKey design_key(std::uint64_t master, std::uint64_t stream, std::uint32_t round) {
  StreamKey k;
  k.seed = master;
  k.round = round;
  k.agent = stream;
  k.purpose = Purpose::sweep_design;
  return k;
}

std::uint64_t index_at(double u, std::uint64_t count) {
  const auto i = static_cast<std::uint64_t>(u * static_cast<double>(count));
  return std::min(i, count - 1);
}

Value draw(const Param& p, double u) {
  double x = p.lo;
  if (p.lo < p.hi) {
    x = p.kind == Kind::uniform ? p.lo + u * (p.hi - p.lo)
                                : std::exp(std::log(p.lo) + u * (std::log(p.hi) - std::log(p.lo)));
    x = std::clamp(x, p.lo, p.hi);
  }
  const YAML::Node n(format_double(x));
  return {n, canonical(n)};
}

// The picks of every point, in design order. Random designs draw the n-th uniform of each axis's
// stream for sample n, so more samples extend a design without changing its first points. A
// Latin hypercube shuffles the strata of each axis (round 1) and jitters inside them (round 2).
std::vector<std::vector<Pick>> design(const Spec& spec, std::uint64_t master) {
  const std::size_t axes = spec.axes.size();
  std::vector<std::vector<Pick>> picks(spec.points, std::vector<Pick>(axes));
  switch (spec.design) {
    case SweepDesign::grid:
      for (std::uint64_t i = 0; i < spec.points; ++i) {
        std::uint64_t rest = i;
        for (std::size_t a = axes; a-- > 0;) {
          picks[i][a].index = rest % spec.axes[a].count;
          rest /= spec.axes[a].count;
        }
      }
      break;
    case SweepDesign::random:
      for (std::size_t a = 0; a < axes; ++a) {
        const Axis& ax = spec.axes[a];
        const StreamKey key = design_key(master, ax.stream, 0);
        for (std::uint64_t i = 0; i < spec.points; ++i) {
          const double u = uniform_open_at(key, i);
          picks[i][a] = {ax.count > 0 ? index_at(u, ax.count) : 0, u};
        }
      }
      break;
    case SweepDesign::latin_hypercube: {
      const std::uint64_t n = spec.points;
      const double dn = static_cast<double>(n);
      for (std::size_t a = 0; a < axes; ++a) {
        const Axis& ax = spec.axes[a];
        std::vector<std::uint64_t> stratum(n);
        std::iota(stratum.begin(), stratum.end(), std::uint64_t{0});
        Stream shuffle(design_key(master, ax.stream, 1));
        for (std::uint64_t i = n; i-- > 1;) std::swap(stratum[i], stratum[shuffle.below(i + 1)]);
        const StreamKey jitter = design_key(master, ax.stream, 2);
        for (std::uint64_t i = 0; i < n; ++i) {
          const double j = uniform_open_at(jitter, i);
          const double s = static_cast<double>(stratum[i]);
          // Rounding must never carry a point into the next stratum.
          const double u = std::clamp((s + j) / dn, s / dn, std::nextafter((s + 1.0) / dn, 0.0));
          // floor((stratum + j) * count / n) in integers: exact at the strata's edges.
          std::uint64_t index = 0;
          if (ax.count > 0) {
            const std::uint64_t part = index_at(j, ax.count);
            index = std::min((stratum[i] * ax.count + part) / n, ax.count - 1);
          }
          picks[i][a] = {index, u};
        }
      }
      break;
    }
    case SweepDesign::sobol:
    case SweepDesign::morris: {
      // The unit coordinate of axis a is input a of analysis/sensitivity's design; a discrete
      // axis of k values takes index floor(u k) (u = 1, a Morris grid's top level, the last).
      const StreamKey key = sensitivity_design_key(master, spec.design);
      std::vector<double> unit;
      if (spec.design == SweepDesign::sobol) {
        unit = analysis::saltelli_design(spec.samples, axes, key).unit;
      } else {
        unit = analysis::morris_design(spec.trajectories, axes, spec.levels, key).unit;
      }
      for (std::uint64_t i = 0; i < spec.points; ++i) {
        for (std::size_t a = 0; a < axes; ++a) {
          const double u = unit[i * axes + a];
          const std::uint64_t count = spec.axes[a].count;
          picks[i][a] = {count > 0 ? index_at(u, count) : 0, u};
        }
      }
      break;
    }
  }
  return picks;
}

// FNV-1a over "path=value\n" for each pair sorted by path, then "#sample=<index>\n" for drawn
// designs. Documented in docs/sweeps.md: changing it changes every sweep's seeds.
std::uint64_t point_key(const std::vector<std::pair<std::string, std::string>>& values,
                        const SweepDesign design, std::uint64_t index) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  for (const auto& v : values) sorted.push_back(&v);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::uint64_t h = kFnv1a64Basis;
  for (const auto* v : sorted) h = fnv1a64(v->first + "=" + v->second + "\n", h);
  if (design != SweepDesign::grid) h = fnv1a64("#sample=" + u64_str(index) + "\n", h);
  return h;
}

void apply_overrides(Scenario& s, std::optional<std::uint64_t> replicates,
                     const std::string& label) {
  if (!replicates) return;
  s.replicates = *replicates;
  validate_scenario(s, label);
}

// Reports a point's scenario error at the sweep parameter that produced the offending value, so
// the line points into the sweep block.
[[noreturn]] void fail_point(const Context& ctx, const Spec& spec, const SweepPoint& point,
                             const InputError& e) {
  std::string msg = "point " + u64_str(point.index) + " (";
  for (std::size_t i = 0; i < point.values.size(); ++i) {
    msg += (i > 0 ? ", " : "") + point.values[i].first + "=" + point.values[i].second;
  }
  msg += "): " + (e.key().empty() ? std::string() : e.key() + ": ") + e.message();
  for (const Param& p : spec.params) {
    if (within(e.key(), p.path)) throw InputError(ctx.label, p.line, p.key, msg);
  }
  // No line: the error is in a map the sweep created (say electorate.values, which then lacks its
  // distribution); blame the parameter that created it.
  if (e.line() == 0) {
    const std::size_t cut = e.key().find_last_of(".[");
    const std::string parent = cut == std::string::npos ? std::string() : e.key().substr(0, cut);
    for (const Param& p : spec.params) {
      if (!parent.empty() && within(p.path, parent)) {
        throw InputError(ctx.label, p.line, p.key, msg);
      }
    }
  }
  throw InputError(ctx.label, e.line() > 0 ? e.line() : spec.line, e.key(), msg);
}

}  // namespace

const char* to_string(SweepDesign d) noexcept {
  switch (d) {
    case SweepDesign::grid: return "grid";
    case SweepDesign::random: return "random";
    case SweepDesign::latin_hypercube: return "latin_hypercube";
    case SweepDesign::sobol: return "sobol";
    case SweepDesign::morris: return "morris";
  }
  return "?";
}

StreamKey sensitivity_design_key(std::uint64_t master_seed, SweepDesign design) noexcept {
  StreamKey k;
  k.seed = master_seed;
  k.round = design == SweepDesign::morris ? 4 : 3;
  k.purpose = Purpose::sweep_design;
  return k;
}

std::uint64_t point_seed(std::uint64_t master_seed, std::uint64_t point_key) noexcept {
  auto mix = [](std::uint64_t z) {  // splitmix64's finalizer: a bijection
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  return mix(master_seed ^ mix(point_key + 0x9e3779b97f4a7c15ULL));
}

void refuse_funding(const Scenario& s, const std::string& label, const std::string& command) {
  if (s.kind != ScenarioKind::funding) return;
  throw InputError(label, s.line_of("kind"), "kind",
                   command +
                       " takes voting scenarios; quadratic funding scenarios (kind: funding) run "
                       "with 'qvsim run' (docs/funding.md)",
                   ErrorKind::invalid);
}

SweepPlan parse_sweep(const std::string& text, const std::string& label,
                      const std::filesystem::path& base_dir, std::optional<std::uint64_t> seed,
                      std::optional<std::uint64_t> replicates) {
  const Context ctx{label, base_dir};
  const YAML::Node root = load_one_document(ctx, text);
  std::optional<Field> sweep;
  std::optional<Field> file_seed;
  if (root.IsMap()) {
    const MapView top(ctx, Field{root, "", line_of(root)}, {}, true);
    sweep = top.get("sweep");
    file_seed = top.get("seed");
  }

  SweepPlan plan;
  if (!sweep) {
    Scenario s = parse_scenario_node(ctx, root);
    if (seed) s.seed = *seed;
    apply_overrides(s, replicates, label);
    plan.name = s.name;
    plan.master_seed = s.seed;
    plan.replicates = s.replicates;
    plan.spec_json = "null\n";
    plan.points.push_back(SweepPoint{0, 0, {}, std::move(s)});
    return plan;
  }

  // The block's mistakes are collected (as a scenario's are) and reported together; the points'
  // scenarios are read only once the block itself is right.
  Spec spec;
  {
    ErrorList errors;
    Context collecting = ctx;
    collecting.errors = &errors;
    attempt(collecting, [&] { spec = read_spec(collecting, *sweep, text); });
    errors.sort_from(0);  // top to bottom, not in the order the checks run
    errors.throw_if_any();
  }
  plan.has_sweep = true;
  plan.design = spec.design;
  plan.spec_json = spec_to_json(spec);
  for (const Param& p : spec.params) plan.parameters.push_back(p.path);
  plan.samples = spec.design == SweepDesign::morris ? 0 : spec.samples;
  plan.trajectories = spec.trajectories;
  plan.levels = spec.levels;
  plan.axes = spec.axes.size();
  for (const Axis& a : spec.axes) {
    plan.axis_paths.emplace_back();
    for (const std::size_t m : a.members) plan.axis_paths.back().push_back(spec.params[m].path);
  }
  if (seed) {
    plan.master_seed = *seed;
  } else if (file_seed) {
    plan.master_seed = get_uint(ctx, *file_seed, 0, kMaxU64);
  } else {
    plan.master_seed = 0;  // every point reports the missing seed below
  }

  const std::vector<std::vector<Pick>> picks = design(spec, plan.master_seed);
  plan.points.reserve(picks.size());
  for (std::uint64_t i = 0; i < picks.size(); ++i) {
    std::vector<Value> chosen(spec.params.size());
    for (std::size_t a = 0; a < spec.axes.size(); ++a) {
      for (const std::size_t m : spec.axes[a].members) {
        const Param& p = spec.params[m];
        chosen[m] = p.kind == Kind::discrete ? p.values[picks[i][a].index] : draw(p, picks[i][a].u);
      }
    }
    SweepPoint point;
    point.index = i;
    for (std::size_t m = 0; m < spec.params.size(); ++m) {
      point.values.emplace_back(spec.params[m].path, chosen[m].text);
    }
    point.key = point_key(point.values, spec.design, i);

    // A fresh parse per point keeps the base document's marks (lines) for error messages; a clone
    // of each value keeps points from sharing nodes.
    YAML::Node doc = YAML::Load(text);
    doc.remove("sweep");
    for (std::size_t m = 0; m < spec.params.size(); ++m) {
      const std::string why = set_path(doc, spec.params[m].segments, YAML::Clone(chosen[m].node));
      if (!why.empty()) throw std::logic_error("sweep path checked but not settable: " + why);
    }
    try {
      point.scenario = parse_scenario_node(ctx, doc);
    } catch (const InputError& e) {
      fail_point(ctx, spec, point, e);
    }
    point.scenario.seed =
        spec.common_random_numbers ? plan.master_seed : point_seed(plan.master_seed, point.key);
    apply_overrides(point.scenario, replicates, label);
    plan.points.push_back(std::move(point));
  }
  refuse_funding(plan.points.front().scenario, label, "a sweep: block");
  plan.name = plan.points.front().scenario.name;
  plan.replicates = plan.points.front().scenario.replicates;
  const std::uint64_t points = plan.points.size();
  if (plan.replicates > kMaxSweepItems / points) {
    const Scenario& s = plan.points.front().scenario;
    throw InputError(
        label, replicates ? 0 : s.line_of("replicates"), replicates ? "--replicates" : "replicates",
        u64_str(points) + " point(s) x " + u64_str(plan.replicates) + " replicates is more than " +
            u64_str(kMaxSweepItems) + " work items; use fewer replicates",
        ErrorKind::range);
  }
  return plan;
}

SweepPlan load_sweep(const std::filesystem::path& file, std::optional<std::uint64_t> seed,
                     std::optional<std::uint64_t> replicates) {
  const std::string label = file.string();
  SweepPlan plan =
      parse_sweep(read_scenario_text(file), label, file.parent_path(), seed, replicates);
  for (SweepPoint& p : plan.points) p.scenario.source_file = file;
  return plan;
}

}  // namespace qvsim
