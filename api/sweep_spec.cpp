#include "api/sweep_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "analysis/sensitivity.hpp"
#include "api/detail/scenario_node.hpp"
#include "api/detail/yaml_reader.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/error.hpp"
#include "sim/hash.hpp"
#include "sim/json.hpp"
#include "sim/rng.hpp"

namespace qvsim {
namespace {

using namespace yaml_detail;

constexpr const char* kForms =
    "a list of values, a range {from, to, step}, {uniform: [a, b]}, {log_uniform: [a, b]} or "
    "{choice: [...]}";

// ---- paths ----------------------------------------------------------------------------------

// One step of a dotted path: a map key, or (key empty) a list index.
struct Segment {
  std::string key;
  std::size_t index = 0;
};
using Path = std::vector<Segment>;

// `a.b[2].c`: names of letters, digits, '_' and '-', each followed by any number of [i]. Indices
// have no leading zeros so that one element has one spelling (overlap checks compare text).
std::optional<Path> parse_path(std::string_view text) {
  Path out;
  std::size_t i = 0;
  while (true) {
    std::size_t j = i;
    while (j < text.size() && text[j] != '.' && text[j] != '[') ++j;
    const std::string_view name = text.substr(i, j - i);
    if (!is_name(name, false)) return std::nullopt;
    out.push_back({std::string(name), 0});
    i = j;
    while (i < text.size() && text[i] == '[') {
      const std::size_t close = text.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      const std::string_view digits = text.substr(i + 1, close - i - 1);
      if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
      std::size_t index = 0;
      const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (res.ec != std::errc() || res.ptr != digits.data() + digits.size()) return std::nullopt;
      out.push_back({"", index});
      i = close + 1;
    }
    if (i == text.size()) return out;
    if (text[i] != '.') return std::nullopt;
    ++i;
  }
}

// Whether `key` is `path` or lies inside it (a key path of an error, or another swept path).
bool within(std::string_view key, std::string_view path) {
  if (!key.starts_with(path)) return false;
  return key.size() == path.size() || key[path.size()] == '.' || key[path.size()] == '[';
}

std::string what_it_is(const YAML::Node& n) {
  if (n.IsSequence()) return "a list";
  if (n.IsScalar()) return "the value '" + n.Scalar() + "'";
  return "a map";
}

// Sets `path` in the map `root` to `value`, creating maps for keys the document lacks and turning
// a null on the way into a map. Returns what blocks the path, or an empty string. Handles are
// rebound with reset(): assigning one yaml-cpp handle to another would rewrite the tree.
std::string set_path(const YAML::Node& root, const Path& path, const YAML::Node& value) {
  YAML::Node cur = root;
  std::string where;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const Segment& s = path[i];
    const bool last = i + 1 == path.size();
    if (!s.key.empty()) {
      if (!cur.IsDefined() || cur.IsNull()) cur = YAML::Node(YAML::NodeType::Map);
      if (!cur.IsMap()) {
        if (cur.IsSequence()) {
          return where + " is a list in the scenario; name an element, as in " + where + "[0]";
        }
        return where + " holds " + what_it_is(cur) + " in the scenario, not a map";
      }
      where = child_path(where, s.key);
      if (last) {
        cur[s.key] = value;
        return {};
      }
      const YAML::Node next = cur[s.key];
      cur.reset(next);
    } else {
      const std::string element = where + "[" + std::to_string(s.index) + "]";
      if (!cur.IsDefined() || cur.IsNull()) {
        return where + " is not in the scenario, so it has no element " + element;
      }
      if (!cur.IsSequence()) return where + " holds " + what_it_is(cur) + ", not a list";
      if (s.index >= cur.size()) {
        return where + " has " + std::to_string(cur.size()) + " element(s) in the scenario, so " +
               element + " does not exist";
      }
      where = element;
      if (last) {
        cur[s.index] = value;
        return {};
      }
      const YAML::Node next = cur[s.index];
      cur.reset(next);
    }
  }
  return "an empty path";  // parse_path never yields one
}

// ---- canonical value text -------------------------------------------------------------------

bool is_integer_text(std::string_view t) {
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) t.remove_prefix(1);
  return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void write_scalar(JsonWriter& w, const YAML::Node& n) {
  const std::string& t = n.Scalar();
  if (n.Tag() == "!") {  // quoted: always a string
    w.value(t);
    return;
  }
  if (t == "true" || t == "false") {
    w.value(t == "true");
    return;
  }
  std::string_view body = t;
  if (!body.empty() && body.front() == '+') body.remove_prefix(1);
  const char* end = body.data() + body.size();
  if (is_integer_text(t)) {
    std::int64_t i = 0;
    if (auto r = std::from_chars(body.data(), end, i); r.ec == std::errc() && r.ptr == end) {
      w.value(i);
      return;
    }
    std::uint64_t u = 0;
    if (auto r = std::from_chars(body.data(), end, u); r.ec == std::errc() && r.ptr == end) {
      w.value(u);
      return;
    }
  }
  double x = 0.0;
  if (auto r = std::from_chars(body.data(), end, x);
      !body.empty() && r.ec == std::errc() && r.ptr == end && std::isfinite(x)) {
    w.value(x);
    return;
  }
  w.value(t);
}

void write_canonical(JsonWriter& w, const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar: write_scalar(w, n); return;
    case YAML::NodeType::Sequence:
      w.begin_array();
      for (const YAML::Node& e : n) write_canonical(w, e);
      w.end_array();
      return;
    case YAML::NodeType::Map:
      w.begin_object();
      for (auto it = n.begin(); it != n.end(); ++it) {
        w.key(it->first.IsScalar() ? it->first.Scalar() : describe(it->first));
        write_canonical(w, it->second);
      }
      w.end_object();
      return;
    default: w.null(); return;
  }
}

// A value's JSON form on one line: numbers in shortest round-trip form (integers as integers),
// true/false, null, strings quoted, lists and maps as JSON arrays and objects.
std::string canonical(const YAML::Node& n) {
  JsonWriter w(0);
  write_canonical(w, n);
  std::string s = w.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// ---- the sweep block ------------------------------------------------------------------------

struct Value {
  YAML::Node node;   // what is put into the point's document
  std::string text;  // canonical(node)
};

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

Field element(const Field& list, std::size_t i) {
  const YAML::Node n = list.node[i];
  const std::size_t line = line_of(n);
  return Field{n, list.path + "[" + std::to_string(i) + "]", line > 0 ? line : list.line};
}

// A zipped list may repeat values (its group's rows must differ, checked by the caller); any
// other list may not, as that would be the same point twice.
std::vector<Value> read_list(const Context& ctx, const Field& f, bool zipped) {
  if (f.node.size() == 0) fail(ctx, f.line, f.path, "an empty list: give at least one value");
  std::vector<Value> out;
  for (std::size_t i = 0; i < f.node.size(); ++i) {
    const Field e = element(f, i);
    Value v{e.node, canonical(e.node)};
    for (std::size_t j = 0; j < out.size() && !zipped; ++j) {
      if (out[j].text == v.text) {
        fail(ctx, e.line, e.path,
             "the value " + v.text + " is listed twice (also at [" + std::to_string(j) + "])");
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

// value = mantissa * 10^exponent, read exactly from a number's text.
struct Decimal {
  std::int64_t mantissa = 0;
  int exponent = 0;
};

std::optional<Decimal> parse_decimal(std::string_view t) {
  bool negative = false;
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) {
    negative = t.front() == '-';
    t.remove_prefix(1);
  }
  Decimal d;
  bool any = false;
  std::size_t i = 0;
  auto digit = [&](char c) {
    if (d.mantissa > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return false;
    d.mantissa = d.mantissa * 10 + (c - '0');
    any = true;
    return true;
  };
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
    if (!digit(t[i])) return std::nullopt;
  }
  if (i < t.size() && t[i] == '.') {
    for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      if (!digit(t[i])) return std::nullopt;
      --d.exponent;
    }
  }
  if (!any) return std::nullopt;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    std::size_t start = i + 1;
    if (start < t.size() && t[start] == '+') ++start;
    int e = 0;
    const auto res = std::from_chars(t.data() + start, t.data() + t.size(), e);
    if (res.ec != std::errc() || res.ptr != t.data() + t.size() || std::abs(e) > 400) {
      return std::nullopt;
    }
    d.exponent += e;
    i = t.size();
  }
  if (i != t.size()) return std::nullopt;
  while (d.mantissa != 0 && d.mantissa % 10 == 0) {
    d.mantissa /= 10;
    ++d.exponent;
  }
  if (d.mantissa == 0) d.exponent = 0;
  if (negative) d.mantissa = -d.mantissa;
  return d;
}

// 10^k for k in [0, 22]: exact in a double, and in an int64 up to 18.
double pow10(int k) {
  double p = 1.0;
  for (int i = 0; i < k; ++i) p *= 10.0;
  return p;
}

// The three numbers scaled by a common 10^k to integers below 2^53, when they can be, so that a
// range steps exactly through the decimals written (0.1, 0.2, 0.3 rather than 0.30000000000000004).
struct Scaled {
  std::int64_t from = 0, to = 0, step = 0;
  int k = 0;
};

std::optional<Scaled> scale(const Decimal& a, const Decimal& b, const Decimal& s) {
  constexpr std::int64_t kExact = std::int64_t{1} << 53;
  const int k = std::max(0, -std::min({a.exponent, b.exponent, s.exponent}));
  if (k > 22) return std::nullopt;
  auto up = [k](const Decimal& d) -> std::optional<std::int64_t> {
    std::int64_t x = d.mantissa;
    for (int i = 0; i < d.exponent + k; ++i) {
      if (std::abs(x) > kExact / 10) return std::nullopt;
      x *= 10;
    }
    if (std::abs(x) > kExact) return std::nullopt;
    return x;
  };
  const auto f = up(a), t = up(b), st = up(s);
  if (!f || !t || !st) return std::nullopt;
  return Scaled{*f, *t, *st, k};
}

std::vector<Value> read_range(const Context& ctx, const Field& f, const MapView& m) {
  const Field ff = m.require("from"), tf = m.require("to"), sf = m.require("step");
  const Number from = get_number(ctx, ff), to = get_number(ctx, tf), step = get_number(ctx, sf);
  if (!(step.value > 0.0)) fail(ctx, sf.line, sf.path, "must be > 0, got " + step.text);
  if (from.value > to.value) {
    fail(ctx, f.line, f.path, "from (" + from.text + ") must be <= to (" + to.text + ")");
  }
  const bool integers = is_integer_text(from.text) && is_integer_text(step.text);
  auto too_many = [&](const std::string& n) {
    fail(ctx, f.line, f.path,
         "has " + n + " values; a sweep may have at most " + u64_str(kMaxSweepPoints) + " points");
  };

  std::vector<std::string> texts;
  const auto a = parse_decimal(from.text), b = parse_decimal(to.text), s = parse_decimal(step.text);
  const std::optional<Scaled> sc = (a && b && s) ? scale(*a, *b, *s) : std::nullopt;
  if (sc) {
    const auto count = static_cast<std::uint64_t>((sc->to - sc->from) / sc->step) + 1;
    if (count > kMaxSweepPoints) too_many(u64_str(count));
    std::int64_t unit = 1;
    for (int i = 0; i < sc->k && integers; ++i) unit *= 10;  // from, step: multiples of 10^k
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::int64_t x = sc->from + static_cast<std::int64_t>(i) * sc->step;
      texts.push_back(integers ? std::to_string(x / unit)
                               : format_double(static_cast<double>(x) / pow10(sc->k)));
    }
  } else {
    if (integers) {
      fail(ctx, f.line, f.path, "from, to and step are too large to step through exactly");
    }
    const double q = (to.value - from.value) / step.value;
    if (!(q < static_cast<double>(kMaxSweepPoints))) too_many(format_double(std::floor(q) + 1));
    const auto count = static_cast<std::uint64_t>(std::floor(q + 1e-9)) + 1;
    for (std::uint64_t i = 0; i < count; ++i) {
      double x = from.value + static_cast<double>(i) * step.value;
      if (std::abs(x - to.value) <= 1e-9 * step.value) x = to.value;
      texts.push_back(format_double(x));
    }
  }
  std::vector<Value> out;
  out.reserve(texts.size());
  for (const std::string& t : texts) {
    const YAML::Node n(t);
    out.push_back({n, canonical(n)});
  }
  return out;
}

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
    if (const auto s = suggest(name, kKnown)) msg += "; did you mean '" + std::string(*s) + "'?";
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

// Reads the block with every key, parameter and zip group on its own (attempt), so a collecting
// parse reports each one's problem; a check that depends on a part that could not be read (the
// samples on the design, a zipped list's length on its group's first list, the design's size on
// every parameter) is skipped. The design is built only when the whole block was read.
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
