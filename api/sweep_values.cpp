// The values a sweep parameter takes and where they go: dotted key paths set in a scenario
// document, the canonical text of a value, and the lists and ranges {from, to, step} of the sweep
// block (api/detail/sweep_spec.hpp). Split from sweep_spec.cpp, which expands the sweep.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "api/detail/scenario_node.hpp"
#include "api/detail/sweep_spec.hpp"
#include "api/detail/yaml_reader.hpp"
#include "sim/error.hpp"
#include "sim/json.hpp"

namespace qvsim::sweep_spec_detail {

using namespace yaml_detail;

namespace {

std::string what_it_is(const YAML::Node& n) {
  if (n.IsSequence()) return "a list";
  if (n.IsScalar()) return "the value '" + n.Scalar() + "'";
  return "a map";
}

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

}  // namespace

// ---- paths ----------------------------------------------------------------------------------

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

bool within(std::string_view key, std::string_view path) {
  if (!key.starts_with(path)) return false;
  return key.size() == path.size() || key[path.size()] == '.' || key[path.size()] == '[';
}

// Handles are rebound with reset(): assigning one yaml-cpp handle to another would rewrite the
// tree.
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

// ---- values ---------------------------------------------------------------------------------

std::string canonical(const YAML::Node& n) {
  JsonWriter w(0);
  write_canonical(w, n);
  std::string s = w.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

Field element(const Field& list, std::size_t i) {
  const YAML::Node n = list.node[i];
  const std::size_t line = line_of(n);
  return Field{n, list.path + "[" + std::to_string(i) + "]", line > 0 ? line : list.line};
}

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

}  // namespace qvsim::sweep_spec_detail
