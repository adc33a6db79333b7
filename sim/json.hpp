#pragma once
// A small JSON writer for qvsim's outputs (manifests, summaries). qvsim only writes JSON, never
// reads it, and none of the chosen libraries writes JSON, so this stays a few dozen lines.
// Doubles are written in shortest round-trip form (std::to_chars), so the same value always gives
// the same bytes; NaN and infinities, which JSON cannot hold, are written as null.

#include <cstdint>
#include <string>
#include <string_view>

namespace qvsim {

// Formats a double in shortest round-trip form ("0.1", "1e+300", "nan", "inf", "-inf").
std::string format_double(double x);

class JsonWriter {
 public:
  explicit JsonWriter(int indent = 2) : indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double x);
  JsonWriter& value(std::int64_t x);
  JsonWriter& value(std::uint64_t x);
  JsonWriter& value(int x) { return value(static_cast<std::int64_t>(x)); }
  JsonWriter& value(unsigned x) { return value(static_cast<std::uint64_t>(x)); }
  JsonWriter& value(bool b);
  JsonWriter& null();
  // Inserts an already serialized JSON value (for example another writer's document) verbatim.
  JsonWriter& raw(std::string_view json);

  // The document so far, with a trailing newline once the outermost value is closed.
  const std::string& str() const noexcept { return out_; }

 private:
  void before_value();
  void newline();

  std::string out_;
  int indent_;
  int depth_ = 0;
  bool first_in_container_ = true;
  bool after_key_ = false;
};

std::string json_escape(std::string_view s);

}  // namespace qvsim
