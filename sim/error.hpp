#pragma once
// Errors qvsim reports to users.
//
// InputError is the one typed error for bad input of any kind: a scenario file, an edge-list file
// or a command-line argument. It carries where the problem is (file, 1-based line, key path) so
// that the message reads like "scenario.yaml:12: graph.degree: must be >= 2, got 1". The CLI maps
// it to exit code 2. Anything else that escapes is an internal error (exit code 1).

#include <cstddef>
#include <stdexcept>
#include <string>

namespace qvsim {

class InputError : public std::runtime_error {
 public:
  // `line` is 1-based; 0 means "no particular line". `key` is a dotted key path, or empty.
  InputError(std::string file, std::size_t line, std::string key, std::string message);

  const std::string& file() const noexcept { return file_; }
  std::size_t line() const noexcept { return line_; }
  const std::string& key() const noexcept { return key_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string key_;
  std::string message_;
};

}  // namespace qvsim
