#include "sim/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "sim/error.hpp"

namespace qvsim {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const std::size_t subst = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, subst});
      diag = up;
    }
  }
  return row[b.size()];
}

std::optional<std::size_t> nearest_name(std::string_view got,
                                        std::span<const std::string_view> known) {
  const std::string g = lower(got);
  for (std::size_t i = 0; i < known.size(); ++i) {
    if (lower(known[i]) == g) return i;
  }
  std::optional<std::size_t> best;
  std::size_t best_d = 3;
  for (std::size_t i = 0; i < known.size(); ++i) {
    const std::string k = lower(known[i]);
    const auto dot = k.rfind('.');
    const std::string tail = dot == std::string::npos ? k : k.substr(dot + 1);
    const std::size_t d = std::min(edit_distance(g, k), edit_distance(g, tail));
    if (d < best_d && d < std::max(g.size(), tail.size())) {
      best = i;
      best_d = d;
    }
  }
  if (best) return best;
  if (g.size() >= 2) {
    for (std::size_t i = 0; i < known.size(); ++i) {
      const std::string k = lower(known[i]);
      if (k.starts_with(g) || g.starts_with(k)) return i;
    }
  }
  return std::nullopt;
}

std::optional<std::size_t> nearest_name(std::string_view got,
                                        const std::vector<std::string>& known) {
  const std::vector<std::string_view> views(known.begin(), known.end());
  return nearest_name(got, std::span<const std::string_view>(views));
}

std::string did_you_mean(std::string_view got, std::span<const std::string_view> known) {
  const auto i = nearest_name(got, known);
  return i ? "; did you mean '" + std::string(known[*i]) + "'?" : std::string();
}

std::string did_you_mean(std::string_view got, const std::vector<std::string>& known) {
  const std::vector<std::string_view> views(known.begin(), known.end());
  return did_you_mean(got, std::span<const std::string_view>(views));
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (const std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

std::string join(const std::vector<std::string>& words) {
  const std::vector<std::string_view> views(words.begin(), words.end());
  return join(std::span<const std::string_view>(views));
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quoted_excerpt(std::string_view s, std::size_t max) {
  std::string out = "'";
  out += s.substr(0, max);
  if (s.size() > max) out += "...";
  out += "'";
  return out;
}

std::string_view trim_blanks(std::string_view s) noexcept {
  const auto blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  while (true) {
    const std::size_t comma = line.find(',');
    fields.push_back(trim_blanks(line.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    line.remove_prefix(comma + 1);
  }
}

std::uint64_t parse_count(const std::string& option, const std::string& text) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto res = std::from_chars(text.data(), end, v);
  if (text.empty() || res.ec != std::errc() || res.ptr != end) {
    throw InputError("", 0, option, "must be a non-negative integer, got '" + text + "'",
                     ErrorKind::usage);
  }
  return v;
}

double parse_number(const std::string& option, const std::string& text) {
  double v = 0.0;
  const char* end = text.data() + text.size();
  const auto res = std::from_chars(text.data(), end, v);
  if (text.empty() || res.ec != std::errc() || res.ptr != end || !std::isfinite(v))
    throw InputError("", 0, option, "must be a number, got '" + text + "'", ErrorKind::usage);
  return v;
}

void append_shortest(std::string& out, double x) {
  char buf[32];
  // An integer below 10^5 in magnitude is printed as its digits, which is the shortest round-trip
  // form's choice too: fixed notation wins ties, and 10^5 ("1e+05") is the first integer whose
  // scientific form is shorter than its digits. Integer formatting is several times faster than
  // the shortest-form search. -0 keeps its sign, as to_chars does.
  if (std::fabs(x) < 1e5 && x == std::trunc(x)) {
    if (std::signbit(x)) out += '-';
    const auto res = std::to_chars(buf, buf + sizeof buf, static_cast<std::int32_t>(std::fabs(x)));
    out.append(buf, res.ptr);
    return;
  }
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, res.ptr);
}

void append_shortest_float(std::string& out, float x) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, res.ptr);
}

}  // namespace qvsim
