#include "sim/error.hpp"

#include <cerrno>
#include <system_error>
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

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::invalid: return "invalid";
    case ErrorKind::syntax: return "syntax";
    case ErrorKind::encoding: return "encoding";
    case ErrorKind::empty: return "empty";
    case ErrorKind::type: return "type";
    case ErrorKind::unknown_key: return "unknown_key";
    case ErrorKind::missing_key: return "missing_key";
    case ErrorKind::range: return "range";
    case ErrorKind::not_finite: return "not_finite";
    case ErrorKind::too_complex: return "too_complex";
    case ErrorKind::resources: return "resources";
    case ErrorKind::io: return "io";
    case ErrorKind::usage: return "usage";
  }
  return "invalid";
}

InputError::InputError(std::string file, std::size_t line, std::string key, std::string message,
                       ErrorKind kind)
    : std::runtime_error(format(file, line, key, message)),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)),
      message_(std::move(message)),
      kind_(kind) {}

InputError io_error(const std::string& file, const std::string& what, std::string key) {
  const int err = errno;
  std::string message = what;
  if (err != 0) message += ": " + std::generic_category().message(err);
  return InputError(file, 0, std::move(key), std::move(message), ErrorKind::io);
}

}  // namespace qvsim
