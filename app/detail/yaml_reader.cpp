#include "app/detail/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "sim/error.hpp"
#include "sim/json.hpp"
#include "sim/text.hpp"

namespace qvsim::yaml_detail {

// ---- small text helpers ---------------------------------------------------------------------

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string_view> suggest(std::string_view got, Keys known) {
  const std::vector<std::string_view> names(known.begin(), known.end());
  if (const auto i = nearest_name(got, std::span<const std::string_view>(names))) return names[*i];
  return std::nullopt;
}

std::string join(Keys words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

bool is_name(std::string_view s, bool allow_dot) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [allow_dot](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' ||
           (allow_dot && c == '.');
  });
}

std::string u64_str(std::uint64_t x) { return std::to_string(x); }

// ---- where a value sits in the document ----------------------------------------------------

[[noreturn]] void fail(const Context& ctx, std::size_t line, const std::string& path,
                       std::string message) {
  throw InputError(ctx.label, line, path, std::move(message));
}

std::size_t line_of(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? 0 : static_cast<std::size_t>(m.line) + 1;
}

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    default: return "nothing";
  }
}

// ---- scalars --------------------------------------------------------------------------------

// The text of a scalar that is to be read as a number or boolean; quoted strings are not.
std::string plain_scalar(const Context& ctx, const Field& f, const char* what) {
  const YAML::Node& n = f.node;
  if (!n.IsScalar())
    fail(ctx, f.line, f.path, std::string("must be ") + what + ", got " + describe(n));
  if (n.Tag() == "!") {
    fail(ctx, f.line, f.path,
         std::string("must be ") + what + ", got the quoted string '" + n.Scalar() + "'");
  }
  return n.Scalar();
}

std::string get_string(const Context& ctx, const Field& f) {
  if (!f.node.IsScalar()) fail(ctx, f.line, f.path, "must be a string, got " + describe(f.node));
  return f.node.Scalar();
}

// An exact decimal integer in [lo, hi].
std::uint64_t get_uint(const Context& ctx, const Field& f, std::uint64_t lo, std::uint64_t hi) {
  const std::string text = plain_scalar(ctx, f, "an integer");
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  const bool syntax_ok = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!syntax_ok) fail(ctx, f.line, f.path, "must be an integer, got '" + text + "'");
  const bool is_zero = digits.find_first_not_of('0') == std::string_view::npos;
  if (negative && !is_zero) {
    fail(ctx, f.line, f.path, "must be an integer >= " + u64_str(lo) + ", got " + text);
  }
  std::uint64_t x = 0;
  const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), x);
  if (res.ec == std::errc::result_out_of_range || x > hi) {
    fail(ctx, f.line, f.path, "must be an integer <= " + u64_str(hi) + ", got " + text);
  }
  if (x < lo) fail(ctx, f.line, f.path, "must be an integer >= " + u64_str(lo) + ", got " + text);
  return x;
}

std::uint32_t get_u32(const Context& ctx, const Field& f, std::uint32_t lo) {
  return static_cast<std::uint32_t>(
      get_uint(ctx, f, lo, std::numeric_limits<std::uint32_t>::max()));
}

Number get_number(const Context& ctx, const Field& f) {
  const std::string text = plain_scalar(ctx, f, "a number");
  std::string_view body = text;
  if (!body.empty() && body.front() == '+') body.remove_prefix(1);
  double x = 0.0;
  const auto res = std::from_chars(body.data(), body.data() + body.size(), x);
  const bool whole = !body.empty() && res.ptr == body.data() + body.size();
  const std::string l = lower(body);
  const bool yaml_special = l == ".inf" || l == "-.inf" || l == ".nan";
  if (yaml_special || (whole && (res.ec == std::errc::result_out_of_range || !std::isfinite(x)))) {
    fail(ctx, f.line, f.path, "must be a finite number, got '" + text + "'");
  }
  if (!whole || res.ec != std::errc())
    fail(ctx, f.line, f.path, "must be a number, got '" + text + "'");
  return {x, text};
}

double get_number(const Context& ctx, const Field& f, const Range& r) {
  const Number n = get_number(ctx, f);
  if (!r.contains(n.value)) fail(ctx, f.line, f.path, "must be " + r.text() + ", got " + n.text);
  return n.value;
}

// Reads an optional number, keeping `fallback` when the key is absent.
double opt_number(const Context& ctx, const MapView& m, std::string_view key, const Range& r,
                  double fallback) {
  if (auto f = m.get(key)) return get_number(ctx, *f, r);
  return fallback;
}

bool get_bool(const Context& ctx, const Field& f) {
  const std::string text = plain_scalar(ctx, f, "true or false");
  if (text == "true") return true;
  if (text == "false") return false;
  fail(ctx, f.line, f.path, "must be true or false, got '" + text + "'");
}

// One of a fixed set of words; returns its index in `options`.
std::size_t get_choice(const Context& ctx, const Field& f, Keys options) {
  if (!f.node.IsScalar()) {
    fail(ctx, f.line, f.path, "must be one of " + join(options) + ", got " + describe(f.node));
  }
  const std::string& text = f.node.Scalar();
  std::size_t i = 0;
  for (std::string_view o : options) {
    if (o == text) return i;
    ++i;
  }
  std::string msg = "must be one of " + join(options) + ", got '" + text + "'";
  if (const auto s = suggest(text, options)) msg += "; did you mean '" + std::string(*s) + "'?";
  fail(ctx, f.line, f.path, msg);
}

}  // namespace qvsim::yaml_detail
