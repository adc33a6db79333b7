#pragma once
// The toolkit for reading validated YAML: every value is read together with its dotted key path
// and line, and every problem becomes one InputError naming file, line and key. Used by the
// scenario reader and the readers of arm blocks; yaml-cpp stays private to app/.
//
// A reader may collect instead of stopping at the first problem: with Context::errors set,
// MapView records unknown and duplicate keys and goes on, and attempt() records the InputError of
// one key's parse so that the caller goes on with the next key (the failed key keeps its default).
// The document is never used then: its reader ends with ErrorList::throw_if_any(), one
// InputError whose first line is the first problem found.
//
// A key that is missing because it was misspelt (an unknown key whose "did you mean" names it) is
// not reported a second time as missing: require() then throws AlreadyReported, which attempt()
// takes as a failed key without recording anything.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/error.hpp"
#include "sim/json.hpp"
#include "sim/scenario.hpp"
#include "sim/text.hpp"

namespace qvsim::yaml_detail {

namespace fs = std::filesystem;
using Keys = std::initializer_list<std::string_view>;

class MapView;

// The problems found in one document, in the order they were found.
class ErrorList {
 public:
  // How many problems the combined message lists; the rest are counted ("... and 3 more").
  static constexpr std::size_t kShown = 20;

  void add(InputError e) { errors_.push_back(std::move(e)); }
  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }
  const std::vector<InputError>& errors() const { return errors_; }

  // Puts the problems recorded from the `first`-th on in the file's order (by line; those on one
  // line in the order found): a block read key by key in the reader's order (an arm's, the sweep
  // block) is listed top to bottom.
  void sort_from(std::size_t first);

  // Returns when no problem was found. Otherwise throws one InputError with the first problem's
  // file, line, key and kind; its message is the first problem's, followed, one a line, by each
  // further problem as the CLI prints a single one ("qvsim: error (range): s.yaml:3: replicates:
  // must be an integer >= 1, got 0"), at most kShown problems in all, then "... and N more".
  void throw_if_any() const;

 private:
  std::vector<InputError> errors_;
};

struct Context {
  std::string label;
  fs::path base_dir;
  // Where MapView records the line of every key it reads (Scenario::key_lines); may be null.
  std::map<std::string, std::size_t, std::less<>>* key_lines = nullptr;
  // Where a collecting reader records its problems (see attempt()); null: the first one throws.
  ErrorList* errors = nullptr;
};

// Thrown by MapView::require() for a required key whose absence is already reported as the
// misspelling that names it; only while collecting (otherwise the misspelling threw first).
struct AlreadyReported {};

// Runs `parse` (one key's parse). Returns true when it succeeded. An InputError it throws is
// recorded in ctx.errors and false returned, so that the caller goes on with the next key; without
// a collector the error propagates. Anything else (an internal error) always propagates.
template <class Parse>
bool attempt(const Context& ctx, Parse&& parse) {
  if (ctx.errors == nullptr) {
    parse();
    return true;
  }
  try {
    parse();
    return true;
  } catch (InputError& e) {
    ctx.errors->add(std::move(e));
    return false;
  } catch (const AlreadyReported&) {
    return false;
  }
}

// A value together with its dotted key path and the line to blame for it. The line is the key's:
// a null value's own mark points past it, at the next token.
struct Field {
  YAML::Node node;
  std::string path;
  std::size_t line = 0;
};

// A finite number; ranges are checked by the callers (check_range) so messages can say which.
struct Number {
  double value = 0.0;
  std::string text;
};

struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;

  bool contains(double x) const {
    const bool above = lo_open ? x > lo : x >= lo;
    const bool below = hi_open ? x < hi : x <= hi;
    return above && below;
  }
  std::string text() const {
    const bool has_lo = std::isfinite(lo);
    const bool has_hi = std::isfinite(hi);
    if (has_lo && has_hi) {
      return std::string("in ") + (lo_open ? "(" : "[") + format_double(lo) + ", " +
             format_double(hi) + (hi_open ? ")" : "]");
    }
    if (has_lo) return std::string(lo_open ? "> " : ">= ") + format_double(lo);
    if (has_hi) return std::string(hi_open ? "< " : "<= ") + format_double(hi);
    return "a number";
  }
};

constexpr Range kPositive{0.0, std::numeric_limits<double>::infinity(), true, false};
constexpr Range kNonNegative{0.0, std::numeric_limits<double>::infinity(), false, false};
constexpr Range kUnit{0.0, 1.0, false, false};
constexpr Range kAny{};

// ---- small text helpers (also sim/text.hpp: lower, join, did_you_mean) ----------------------

// The known word a near miss most likely meant: a case-insensitive match first, then the closest
// within edit distance 2 (never a complete rewrite of a short word), then a prefix either way.
std::optional<std::string_view> suggest(std::string_view got, Keys known);

bool is_name(std::string_view s, bool allow_dot);

std::string u64_str(std::uint64_t x);

// ---- where a value sits in the document ----------------------------------------------------
[[noreturn]] void fail(const Context& ctx, std::size_t line, const std::string& path,
                       std::string message);
[[noreturn]] void fail(const Context& ctx, std::size_t line, const std::string& path,
                       ErrorKind kind, std::string message);

// Records the problem in ctx.errors and returns when ctx collects; throws it otherwise.
void report(const Context& ctx, std::size_t line, const std::string& path, ErrorKind kind,
            std::string message);

std::size_t line_of(const YAML::Node& n);

// Reports an arm name (voting or funding) that is not [A-Za-z0-9_-]+; returns, so that the arm's
// settings are still read (their mistakes do not depend on its name).
void check_arm_name(const Context& ctx, const std::string& name, const Field& f);

// Parses `text` as one YAML document, or throws InputError: encoding (NUL bytes, invalid UTF-8),
// syntax, empty, more than one document, or too_complex (nesting deeper than yaml-cpp's guard, or
// aliases that expand to more nodes than any scenario needs: a "billion laughs" document).
YAML::Node load_one_document(const Context& ctx, const std::string& text);

std::string child_path(const std::string& parent, std::string_view key);

std::string describe(const YAML::Node& n);

// The text of a scalar that is to be read as a number or boolean; quoted strings are not.
std::string plain_scalar(const Context& ctx, const Field& f, const char* what);

std::string get_string(const Context& ctx, const Field& f);

// A path in the scenario (a non-empty string), resolved against the scenario file's folder
// (ctx.base_dir) when relative.
fs::path parse_file(const Context& ctx, const Field& file);

// An exact decimal integer in [lo, hi].
std::uint64_t get_uint(const Context& ctx, const Field& f, std::uint64_t lo, std::uint64_t hi);

std::uint32_t get_u32(const Context& ctx, const Field& f, std::uint32_t lo);

Number get_number(const Context& ctx, const Field& f);

double get_number(const Context& ctx, const Field& f, const Range& r);

// Reads an optional number, keeping `fallback` when the key is absent.
double opt_number(const Context& ctx, const MapView& m, std::string_view key, const Range& r,
                  double fallback);

bool get_bool(const Context& ctx, const Field& f);

// One of a fixed set of words; returns its index in `options`.
std::size_t get_choice(const Context& ctx, const Field& f, Keys options);

// Whether a plain (unquoted) scalar reads as a number: the usual shape mistake is a number where
// a block belongs (`budget: 100`), which gets a hint naming the block to write.
bool looks_numeric(const YAML::Node& node);

// "must be a map, got '100'", with a hint naming the keys the map takes when a single value was
// given (the usual shape mistake): "; write it as {key: value} with a key among credits, money".
std::string not_a_map(const YAML::Node& node, Keys known);

// A YAML map checked once for structure: string keys, no duplicates, only known keys. When ctx
// collects, an unknown or duplicate key (and a key only() refuses) is recorded and left out of
// entries(), and the map is read on; a map that is not a map at all still throws.
class MapView {
 public:
  // `known` lists the keys this map may hold; an empty `known` with open_keys accepts any key
  // (maps keyed by user-chosen names, such as arms).
  MapView(const Context& ctx, Field field, Keys known, bool open_keys = false,
          bool null_is_empty = false)
      : ctx_(&ctx), field_(std::move(field)) {
    const YAML::Node& n = field_.node;
    if (n.IsNull() && null_is_empty) return;
    if (!n.IsMap()) fail(ctx, field_.line, field_.path, ErrorKind::type, not_a_map(n, known));
    if (const std::size_t own = line_of(n); own > 0 && n.size() > 0) map_line_ = own;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node k = it->first;  // a copy: `it->first` lives in a temporary proxy
      const std::size_t kline = line_of(k);
      if (!k.IsScalar()) {
        fail(ctx, kline, field_.path, "keys must be plain names, got " + describe(k));
      }
      const std::string name = k.Scalar();
      const std::string path = child_path(field_.path, name);
      if (ctx.key_lines != nullptr) ctx.key_lines->emplace(path, kline);
      // A hash index keeps the check linear in the number of keys (maps of 100,000 arms).
      if (const auto seen = index_.find(name); seen != index_.end()) {
        report(ctx, kline, path, ErrorKind::invalid,
               "duplicate key (first given on line " +
                   std::to_string(entries_[seen->second].second.line) + ")");
        continue;
      }
      if (!open_keys && std::find(known.begin(), known.end(), name) == known.end()) {
        std::string msg = "unknown key";
        if (const auto s = suggest(name, known)) {
          msg += "; did you mean '" + std::string(*s) + "'?";
          misspelt_.emplace(*s);
        } else if (known.size() > 0) {
          msg += " (known keys: " + join(known) + ")";
        } else {
          msg += " (nothing can be set here)";
        }
        report(ctx, kline, path, ErrorKind::unknown_key, msg);
        continue;
      }
      index_.emplace(name, entries_.size());
      entries_.emplace_back(name, Field{it->second, path, kline});
    }
  }

  const std::string& path() const { return field_.path; }
  // The line of the map itself: its first key, or the key that holds it when it is empty.
  std::size_t line() const { return map_line_ > 0 ? map_line_ : field_.line; }
  const std::vector<std::pair<std::string, Field>>& entries() const { return entries_; }

  std::optional<Field> get(std::string_view key) const {
    if (const auto it = index_.find(std::string(key)); it != index_.end())
      return entries_[it->second].second;
    return std::nullopt;
  }
  bool has(std::string_view key) const { return get(key).has_value(); }

  // Whether the key is absent because an unknown key of this map was reported as its misspelling.
  bool misspelt(std::string_view key) const {
    return !has(key) && misspelt_.count(std::string(key)) > 0;
  }

  Field require(std::string_view key) const {
    if (auto f = get(key)) return *f;
    if (misspelt(key)) throw AlreadyReported{};
    fail(*ctx_, line(), child_path(field_.path, key), ErrorKind::missing_key,
         "missing required key");
  }

  // Exactly one of the keys `a` and `b`: both given fails at `b` ("give either a or b, not
  // both"); neither fails at the map with `neither`, or throws AlreadyReported when one of them
  // was misspelt (reported with its suggestion: not again as missing).
  void require_one_of(std::string_view a, std::string_view b, const std::string& neither) const {
    const auto fb = get(b);
    if (has(a) && fb) {
      fail(*ctx_, fb->line, fb->path,
           "give either " + std::string(a) + " or " + std::string(b) + ", not both");
    }
    if (!has(a) && !fb) {
      if (misspelt(a) || misspelt(b)) throw AlreadyReported{};
      fail(*ctx_, line(), path(), neither);
    }
  }

  // Keys allowed by the map's structure but not by the variant chosen inside it.
  void only(Keys allowed, const std::string& what, Keys params) const {
    for (const auto& e : entries_) {
      if (std::find(allowed.begin(), allowed.end(), e.first) == allowed.end()) {
        std::string msg = "not a setting of " + what;
        msg += params.size() > 0 ? " (it takes " + join(params) + ")" : " (it takes none)";
        report(*ctx_, e.second.line, e.second.path, ErrorKind::unknown_key, msg);
      }
    }
  }

 private:
  const Context* ctx_;
  Field field_;
  std::size_t map_line_ = 0;
  std::vector<std::pair<std::string, Field>> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // key -> its place in entries_
  std::set<std::string> misspelt_;  // known keys named by "did you mean" for an unknown key
};

}  // namespace qvsim::yaml_detail
