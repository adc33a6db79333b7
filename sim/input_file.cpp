#include "sim/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

namespace qvsim {
namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

InputError too_large(const std::string& label, std::string_view what, std::uint64_t size,
                     std::uint64_t max_bytes, ErrorKind kind) {
  return InputError(label, 0, "",
                    std::string(what) + " is " + std::to_string(size) + " bytes, more than the " +
                        std::to_string(max_bytes) + " bytes allowed",
                    kind);
}

// A read-only stream buffer over a descriptor that refuses to deliver more than a limit.
class FdBuf : public std::streambuf {
 public:
  FdBuf(int fd, std::string label, std::string what, std::uint64_t max_bytes, ErrorKind kind)
      : fd_(fd),
        label_(std::move(label)),
        what_(std::move(what)),
        max_bytes_(max_bytes),
        kind_(kind) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    ssize_t got = 0;
    do {
      errno = 0;
      got = ::read(fd_, buf_.data(), buf_.size());
    } while (got < 0 && errno == EINTR);
    if (got < 0) throw io_error(label_, "cannot read " + what_);
    if (got == 0) return traits_type::eof();
    read_ += static_cast<std::uint64_t>(got);
    if (read_ > max_bytes_) throw too_large(label_, what_, read_, max_bytes_, kind_);
    setg(buf_.data(), buf_.data(), buf_.data() + got);
    return traits_type::to_int_type(*gptr());
  }

 private:
  int fd_;
  std::string label_;
  std::string what_;
  std::uint64_t max_bytes_;
  ErrorKind kind_;
  std::uint64_t read_ = 0;
  std::array<char, 1 << 16> buf_{};
};

}  // namespace

struct InputFile::Impl {
  int fd = -1;
  std::uint64_t size = 0;
  std::unique_ptr<FdBuf> buf;
  std::unique_ptr<std::istream> in;
  ~Impl() {
    if (fd >= 0) ::close(fd);
  }
};

InputFile::InputFile(const std::filesystem::path& file, std::uint64_t max_bytes,
                     std::string_view what, ErrorKind too_large_kind)
    : impl_(std::make_unique<Impl>()) {
  const std::string label = file.string();
  errno = 0;
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  impl_->fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (impl_->fd < 0) throw io_error(label, "cannot open " + std::string(what));
  struct stat st {};
  errno = 0;
  if (::fstat(impl_->fd, &st) != 0) throw io_error(label, "cannot open " + std::string(what));
  if (!S_ISREG(st.st_mode)) {
    throw InputError(label, 0, "",
                     "cannot read " + std::string(what) + ": it is " + kind_of(st.st_mode) +
                         ", not a regular file",
                     ErrorKind::io);
  }
  impl_->size = static_cast<std::uint64_t>(st.st_size);
  if (impl_->size > max_bytes) throw too_large(label, what, impl_->size, max_bytes, too_large_kind);
  // Regular files never block; reads are plain blocking reads from here on.
  if (const int flags = ::fcntl(impl_->fd, F_GETFL); flags >= 0)
    ::fcntl(impl_->fd, F_SETFL, flags & ~O_NONBLOCK);
  impl_->buf =
      std::make_unique<FdBuf>(impl_->fd, label, std::string(what), max_bytes, too_large_kind);
  impl_->in = std::make_unique<std::istream>(impl_->buf.get());
  // Errors thrown by the buffer (read errors, a file growing past its limit) reach the caller.
  impl_->in->exceptions(std::ios::badbit);
}

InputFile::~InputFile() = default;
InputFile::InputFile(InputFile&&) noexcept = default;
InputFile& InputFile::operator=(InputFile&&) noexcept = default;

std::istream& InputFile::stream() { return *impl_->in; }

std::uint64_t InputFile::size() const noexcept { return impl_->size; }

std::string InputFile::read_all() {
  std::string out;
  out.reserve(static_cast<std::size_t>(impl_->size));
  std::array<char, 1 << 16> chunk{};
  std::istream& in = *impl_->in;
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0)
    out.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  return out;
}

std::string read_input_file(const std::filesystem::path& file, std::uint64_t max_bytes,
                            std::string_view what) {
  InputFile f(file, max_bytes, what);
  return f.read_all();
}

}  // namespace qvsim
