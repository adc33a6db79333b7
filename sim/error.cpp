#include "sim/error.hpp"

#include <utility>

namespace qvsim {
namespace {

std::string format(const std::string& file, std::size_t line, const std::string& key,
                   const std::string& message) {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ':';
      out += std::to_string(line);
    }
    out += ": ";
  }
  if (!key.empty()) {
    out += key;
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace

InputError::InputError(std::string file, std::size_t line, std::string key, std::string message)
    : std::runtime_error(format(file, line, key, message)),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)),
      message_(std::move(message)) {}

}  // namespace qvsim
