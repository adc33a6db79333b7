#pragma once
// Errors qvsim reports to users.
//
// InputError is the one typed error for bad input of any kind: a scenario file, an edge-list file,
// a command-line argument, or a place to write results that cannot take them. It carries its class
// (ErrorKind) and where the problem is (file, 1-based line, key path), so that the CLI prints
// "qvsim: error (range): scenario.yaml:12: graph.degree: must be >= 2, got 1" and exits with
// code 2. Anything else that escapes is an internal error (exit code 1). docs/errors.md lists
// every class with an example.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace qvsim {

// What kind of mistake an InputError reports. The names are part of the CLI's output.
enum class ErrorKind : std::uint8_t {
  invalid,      // a value or combination of values the model does not allow
  syntax,       // text that does not parse (YAML syntax, an edge list's line)
  encoding,     // binary data where text belongs: NUL bytes or invalid UTF-8
  empty,        // a file with nothing in it
  type,         // a value of the wrong type: a list where a number belongs, a word for a number
  unknown_key,  // a key qvsim does not know (with a suggestion for a near miss)
  missing_key,  // a required key that is absent
  range,        // a number outside its allowed range, including counts too large to hold
  not_finite,   // NaN or an infinity
  too_complex,  // a document that expands beyond what a scenario needs (YAML alias bombs, nesting)
  resources,    // a run that needs more memory than the machine has
  io,           // a file that cannot be read or written: missing, not writable, disk full
  usage,        // a command line qvsim cannot make sense of
};

std::string_view to_string(ErrorKind kind) noexcept;

class InputError;

// An io InputError for `file` whose message is `what` followed by the system's reason (errno),
// when it gives one: "cannot write file: No space left on device".
InputError io_error(const std::string& file, const std::string& what, std::string key = {});

class InputError : public std::runtime_error {
 public:
  // `line` is 1-based; 0 means "no particular line". `key` is a dotted key path, or empty.
  InputError(std::string file, std::size_t line, std::string key, std::string message,
             ErrorKind kind = ErrorKind::invalid);

  ErrorKind kind() const noexcept { return kind_; }
  const std::string& file() const noexcept { return file_; }
  std::size_t line() const noexcept { return line_; }
  const std::string& key() const noexcept { return key_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string key_;
  std::string message_;
  ErrorKind kind_;
};

}  // namespace qvsim
