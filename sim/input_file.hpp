#pragma once
// Reading input files safely: every file qvsim reads as input (a scenario, an organizer-id file,
// an edge list, a values file) is opened through InputFile, which accepts regular files only and
// bounds how many bytes are read. A FIFO, a socket, a device such as /dev/zero or a folder is an
// io error naming the file, never a hang or an endless read; a file beyond its size limit is an
// error naming the file and the limit, before it is read (and again if it grows while read).

#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <streambuf>
#include <string>
#include <string_view>

#include "sim/error.hpp"

namespace qvsim {

// Size limits of the small input files, far beyond any real one (docs/errors.md). Edge lists and
// values files are bounded by the memory a run may use instead (sim/model.hpp, LoadOptions).
constexpr std::uint64_t kMaxScenarioFileBytes = std::uint64_t{64} << 20;  // 64 MiB
constexpr std::uint64_t kMaxIdFileBytes = std::uint64_t{1} << 30;         // 1 GiB

// An open input file and a stream over it. The file is opened without blocking (O_NONBLOCK, so a
// FIFO with no writer cannot hang the open) and checked on the opened descriptor (fstat), so a
// file swapped for a FIFO between a check and the open is still refused. Reads go through a
// 64 KiB buffer over read(2). Not thread-safe; movable only.
class InputFile {
 public:
  // Opens `file`; `what` names it in messages ("scenario file", "edge list"). Throws InputError
  // naming the file: io when it is missing, unreadable or not a regular file (a folder, FIFO,
  // socket or device); `too_large` (range by default) when it holds more than `max_bytes` bytes.
  // The stream throws the same InputError if the file grows beyond `max_bytes` while it is read,
  // and an io InputError for a read error (the stream's badbit raises exceptions).
  InputFile(const std::filesystem::path& file, std::uint64_t max_bytes, std::string_view what,
            ErrorKind too_large = ErrorKind::range);
  ~InputFile();
  InputFile(InputFile&&) noexcept;
  InputFile& operator=(InputFile&&) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  std::istream& stream();
  std::uint64_t size() const noexcept;  // bytes when opened
  // The rest of the file as one string.
  std::string read_all();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The whole of a regular file of at most `max_bytes` bytes (InputFile's checks and errors).
std::string read_input_file(const std::filesystem::path& file, std::uint64_t max_bytes,
                            std::string_view what);

}  // namespace qvsim
