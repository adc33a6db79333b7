#include "api/detail/yaml_reader.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <string_view>
#include <vector>

#include "sim/error.hpp"
#include "sim/json.hpp"
#include "sim/text.hpp"

namespace qvsim::yaml_detail {

// ---- small text helpers ---------------------------------------------------------------------

std::optional<std::string_view> suggest(std::string_view got, Keys known) {
  const std::vector<std::string_view> names(known.begin(), known.end());
  if (const auto i = nearest_name(got, std::span<const std::string_view>(names))) return names[*i];
  return std::nullopt;
}

bool is_name(std::string_view s, bool allow_dot) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [allow_dot](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' ||
           (allow_dot && c == '.');
  });
}

std::string u64_str(std::uint64_t x) { return std::to_string(x); }

void check_arm_name(const Context& ctx, const std::string& name, const Field& f) {
  if (!is_name(name, false)) {
    report(ctx, f.line, f.path, ErrorKind::invalid,
           "arm names may use only letters, digits, '_' and '-', got '" + name + "'");
  }
}

// ---- where a value sits in the document ----------------------------------------------------

[[noreturn]] void fail(const Context& ctx, std::size_t line, const std::string& path,
                       std::string message) {
  throw InputError(ctx.label, line, path, std::move(message));
}

[[noreturn]] void fail(const Context& ctx, std::size_t line, const std::string& path,
                       ErrorKind kind, std::string message) {
  throw InputError(ctx.label, line, path, std::move(message), kind);
}

void report(const Context& ctx, std::size_t line, const std::string& path, ErrorKind kind,
            std::string message) {
  InputError e(ctx.label, line, path, std::move(message), kind);
  if (ctx.errors == nullptr) throw e;
  ctx.errors->add(std::move(e));
}

void ErrorList::sort_from(std::size_t first) {
  if (first >= errors_.size()) return;
  std::stable_sort(errors_.begin() + static_cast<std::ptrdiff_t>(first), errors_.end(),
                   [](const InputError& a, const InputError& b) { return a.line() < b.line(); });
}

void ErrorList::throw_if_any() const {
  if (errors_.empty()) return;
  const InputError& first = errors_.front();
  std::string message = first.message();
  const std::size_t shown = std::min(errors_.size(), kShown);
  for (std::size_t i = 1; i < shown; ++i) {
    const InputError& e = errors_[i];
    message += "\nqvsim: error (" + std::string(to_string(e.kind())) + "): " + e.what();
  }
  if (errors_.size() > shown) {
    message += "\n... and " + std::to_string(errors_.size() - shown) + " more";
  }
  throw InputError(first.file(), first.line(), first.key(), std::move(message), first.kind());
}

namespace {

// The 1-based line of the first byte that is not valid UTF-8 text (or a NUL), or 0 when all is.
std::size_t first_bad_text_line(std::string_view s) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') ++line;
    if (c == 0) return line;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
    } else {
      return line;
    }
    if (i + len > s.size()) return line;
    std::uint32_t cp = c & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return line;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return line;
    i += len;
  }
  return 0;
}

// Counts the nodes of `root` with every alias expanded, stopping once the count passes `limit`.
// yaml-cpp shares aliased nodes, so the parse is cheap; anything that walks or clones the tree
// (a sweep copies values into each point) pays for the expansion. An explicit stack, not
// recursion: a self-referencing alias must hit the limit, not the end of the call stack.
std::size_t expanded_nodes(const YAML::Node& root, std::size_t limit) {
  std::size_t count = 0;
  std::vector<YAML::Node> stack{root};
  while (!stack.empty() && count <= limit) {
    const YAML::Node n = stack.back();
    stack.pop_back();
    ++count;
    if (n.IsSequence()) {
      for (const YAML::Node& child : n) stack.push_back(child);
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        stack.push_back(kv.first);
        stack.push_back(kv.second);
      }
    }
  }
  return count;
}

// Where each document of a YAML stream starts; nothing is built.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

std::size_t line_of(const YAML::Mark& m) {
  return m.is_null() ? 0 : static_cast<std::size_t>(m.line) + 1;
}

}  // namespace

YAML::Node load_one_document(const Context& ctx, const std::string& text) {
  if (const std::size_t bad = first_bad_text_line(text); bad > 0) {
    fail(ctx, bad, "", ErrorKind::encoding,
         "is not UTF-8 text (binary data or another encoding at this line)");
  }
  // First count the documents without building them. yaml-cpp 0.7 does not consume a stray
  // ',' at the top level: it yields empty documents at that same place without end, so
  // YAML::LoadAll never returns (found by fuzzing: tests/fuzz/regressions/scenario). A document
  // that starts where the one before it started is that case.
  YAML::Node doc;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts counter;
    while (counter.starts.size() < 3 && parser.HandleNextDocument(counter)) {
      const std::size_t n = counter.starts.size();
      if (n >= 2 && counter.starts[n - 1].pos == counter.starts[n - 2].pos) {
        // Mark::pos does not count a UTF-8 byte-order mark; name the character only when it is
        // plain ASCII.
        const std::size_t bom = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
        const auto pos = static_cast<std::size_t>(std::max(0, counter.starts[n - 1].pos)) + bom;
        const bool plain = pos < text.size() && std::isgraph(static_cast<unsigned char>(text[pos]));
        const std::string what = plain ? "'" + text.substr(pos, 1) + "'" : "text";
        fail(ctx, line_of(counter.starts[n - 1]), "", ErrorKind::syntax,
             "unexpected " + what + " outside a list or map");
      }
    }
    if (counter.starts.size() > 1) {
      fail(ctx, line_of(counter.starts[1]), "",
           "holds more than one YAML document; put one scenario in each file");
    }
    doc = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    fail(ctx, line_of(e.mark), "", ErrorKind::too_complex,
         "nested deeper than " + std::to_string(e.depth()) + " levels");
  } catch (const YAML::Exception& e) {
    fail(ctx, line_of(e.mark), "", ErrorKind::syntax, e.msg);
  }
  if (doc.IsNull()) fail(ctx, 0, "", ErrorKind::empty, "scenario file is empty");
  // Without aliases a document has fewer nodes than bytes; the allowance on top is far beyond
  // what a scenario's aliases could reasonably reuse.
  const std::size_t limit = text.size() + 1'000'000;
  if (expanded_nodes(doc, limit) > limit) {
    fail(ctx, 0, "", ErrorKind::too_complex,
         "its aliases (*name) expand to more than " + std::to_string(limit) +
             " YAML nodes; write the values out instead of nesting aliases");
  }
  return doc;
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
    fail(ctx, f.line, f.path, ErrorKind::type,
         std::string("must be ") + what + ", got " + describe(n));
  if (n.Tag() == "!") {
    fail(ctx, f.line, f.path, ErrorKind::type,
         std::string("must be ") + what + ", got the quoted string '" + n.Scalar() + "'");
  }
  return n.Scalar();
}

std::string get_string(const Context& ctx, const Field& f) {
  if (!f.node.IsScalar())
    fail(ctx, f.line, f.path, ErrorKind::type, "must be a string, got " + describe(f.node));
  return f.node.Scalar();
}

fs::path parse_file(const Context& ctx, const Field& file) {
  const std::string text = file.node.IsScalar() ? file.node.Scalar() : std::string();
  if (text.empty()) {
    fail(ctx, file.line, file.path, "must be a non-empty path, got " + describe(file.node));
  }
  fs::path p(text);
  if (p.is_relative() && !ctx.base_dir.empty()) p = ctx.base_dir / p;
  return p.lexically_normal();
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
  if (!syntax_ok)
    fail(ctx, f.line, f.path, ErrorKind::type, "must be an integer, got '" + text + "'");
  const bool is_zero = digits.find_first_not_of('0') == std::string_view::npos;
  if (negative && !is_zero) {
    fail(ctx, f.line, f.path, ErrorKind::range,
         "must be an integer >= " + u64_str(lo) + ", got " + text);
  }
  std::uint64_t x = 0;
  const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), x);
  if (res.ec == std::errc::result_out_of_range || x > hi) {
    fail(ctx, f.line, f.path, ErrorKind::range,
         "must be an integer <= " + u64_str(hi) + ", got " + text);
  }
  if (x < lo) {
    fail(ctx, f.line, f.path, ErrorKind::range,
         "must be an integer >= " + u64_str(lo) + ", got " + text);
  }
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
    fail(ctx, f.line, f.path, ErrorKind::not_finite, "must be a finite number, got '" + text + "'");
  }
  if (!whole || res.ec != std::errc())
    fail(ctx, f.line, f.path, ErrorKind::type, "must be a number, got '" + text + "'");
  // Beyond this, products and squares of credits, money and values could overflow to inf or NaN.
  if (std::fabs(x) > kMaxMagnitude) {
    fail(ctx, f.line, f.path, ErrorKind::range,
         "must be at most 1e50 in magnitude (qvsim's bound on every number), got '" + text + "'");
  }
  return {x, text};
}

double get_number(const Context& ctx, const Field& f, const Range& r) {
  const Number n = get_number(ctx, f);
  if (!r.contains(n.value)) {
    fail(ctx, f.line, f.path, ErrorKind::range, "must be " + r.text() + ", got " + n.text);
  }
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
  fail(ctx, f.line, f.path, ErrorKind::type, "must be true or false, got '" + text + "'");
}

// One of a fixed set of words; returns its index in `options`.
std::size_t get_choice(const Context& ctx, const Field& f, Keys options) {
  if (!f.node.IsScalar()) {
    fail(ctx, f.line, f.path, ErrorKind::type,
         "must be one of " + join(options) + ", got " + describe(f.node));
  }
  const std::string& text = f.node.Scalar();
  std::size_t i = 0;
  for (std::string_view o : options) {
    if (o == text) return i;
    ++i;
  }
  std::string msg = "must be one of " + join(options) + ", got '" + text + "'";
  msg += did_you_mean(text, options);
  fail(ctx, f.line, f.path, msg);
}

bool looks_numeric(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() == "!") return false;
  const std::string& text = node.Scalar();
  return !text.empty() && text.find_first_of("0123456789") != std::string::npos &&
         text.find_first_not_of("0123456789.eE+-") == std::string::npos;
}

std::string not_a_map(const YAML::Node& node, Keys known) {
  std::string msg = "must be a map, got " + describe(node);
  if (!node.IsScalar() || known.size() == 0) return msg;
  msg += "; write it as {key: value} with a key among ";
  const char* sep = "";
  for (const std::string_view k : known) {
    msg += sep;
    msg += k;
    sep = ", ";
  }
  return msg;
}

}  // namespace qvsim::yaml_detail
