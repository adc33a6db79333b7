#include "sim/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <streambuf>
#include <system_error>

#include "sim/error.hpp"
#include "sim/hash.hpp"

namespace qvsim {
namespace fs = std::filesystem;
namespace {

constexpr const char* kListFile = "files";  // inside the commit record: the set's names

InputError errno_error(const fs::path& shown, const std::string& what, int err) {
  errno = err;
  return io_error(shown.string(), what);
}

// A per-process unique suffix: the pid, and 32 random bits against pid reuse on another host
// sharing the folder.
std::string unique_suffix() {
  static std::random_device rd;
  static unsigned counter = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%ld-%08x-%u", static_cast<long>(::getpid()), rd(), counter++);
  return buf;
}

// Removes a file or an empty folder; reports nothing (cleanup on a failure path).
void remove_quietly(const fs::path& p) noexcept {
  std::error_code ec;
  fs::remove(p, ec);
}

bool exists_no_follow(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() != fs::file_type::not_found && !ec;
}

}  // namespace

// An output buffer over a file descriptor that hashes what it writes and keeps the first error.
class AtomicFile::Buffer : public std::streambuf {
 public:
  explicit Buffer(int fd) : fd_(fd) { setp(data_.data(), data_.data() + data_.size()); }
  ~Buffer() override {
    if (fd_ >= 0) ::close(fd_);
  }
  int error() const noexcept { return error_; }
  std::uint64_t bytes() const noexcept { return bytes_; }
  std::uint64_t hash() const noexcept { return hash_; }
  // Flushes, fsyncs and closes; returns 0 or the errno of the first failure.
  int finish() {
    if (drain() != 0 && error_ == 0) error_ = EIO;
    if (error_ == 0 && ::fsync(fd_) != 0) error_ = errno;
    if (::close(fd_) != 0 && error_ == 0) error_ = errno;
    fd_ = -1;
    return error_;
  }

 protected:
  int_type overflow(int_type ch) override {
    if (drain() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain(); }
  // A piece at least as large as the buffer goes straight to the file after what is buffered,
  // without being copied into the buffer first (agents.csv writes pieces of megabytes).
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n < static_cast<std::streamsize>(data_.size())) return std::streambuf::xsputn(s, n);
    if (drain() != 0 || put(s, static_cast<std::size_t>(n)) != 0) return 0;
    return n;
  }

 private:
  int drain() {
    if (error_ != 0) return -1;
    if (put(pbase(), static_cast<std::size_t>(pptr() - pbase())) != 0) return -1;
    setp(data_.data(), data_.data() + data_.size());
    return 0;
  }
  // Hashes and writes n bytes at p; returns -1 (error_ set) when the write fails.
  int put(const char* p, std::size_t n) {
    hash_ = qvsim::fnv1a64(std::string_view(p, n), hash_);
    std::size_t done = 0;
    while (done < n) {
      const ssize_t w = ::write(fd_, p + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = w < 0 ? errno : ENOSPC;
        return -1;
      }
      done += static_cast<std::size_t>(w);
    }
    bytes_ += n;
    start_writeback();
    return 0;
  }
  // Hands every whole 8 MiB written so far to the kernel's writeback as it comes, so that
  // finish()'s fsync waits for the tail, not for the whole file (a gigabyte of agents.csv took
  // 0.6 s of fsync at the end). Only a hint: errors surface at the fsync.
  void start_writeback() noexcept {
#ifdef SYNC_FILE_RANGE_WRITE
    constexpr std::uint64_t kStep = std::uint64_t{8} << 20;
    if (bytes_ - queued_ < kStep) return;
    const std::uint64_t end = bytes_ / kStep * kStep;
    ::sync_file_range(fd_, static_cast<off_t>(queued_), static_cast<off_t>(end - queued_),
                      SYNC_FILE_RANGE_WRITE);
    queued_ = end;
#endif
  }

  int fd_;
  int error_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t queued_ = 0;  // bytes handed to writeback
  std::uint64_t hash_ = kFnv1a64Basis;
  std::array<char, 1 << 16> data_{};
};

AtomicFile::AtomicFile(fs::path target, fs::path shown)
    : target_(std::move(target)), shown_(shown.empty() ? target_ : std::move(shown)) {
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    temp_ = target_;
    temp_ += "." + unique_suffix() + ".partial";
    fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) throw io_error(shown_.string(), "cannot write file");
  }
  if (fd < 0) throw errno_error(shown_, "cannot create a temporary file", EEXIST);
  buffer_ = std::make_unique<Buffer>(fd);
  stream_ = std::make_unique<std::ostream>(buffer_.get());
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    stream_.reset();
    buffer_.reset();
    remove_quietly(temp_);
  }
}

void AtomicFile::commit() {
  stream_->flush();
  const int err = buffer_->finish();
  if (err != 0) {
    remove_quietly(temp_);
    committed_ = true;  // nothing left to remove
    throw errno_error(shown_, "cannot write file", err);
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    const int e = errno;
    remove_quietly(temp_);
    committed_ = true;
    throw errno_error(shown_, "cannot rename the finished file into place", e);
  }
  committed_ = true;
}

std::uint64_t AtomicFile::bytes() const noexcept { return buffer_->bytes(); }
std::uint64_t AtomicFile::fnv1a64() const noexcept { return buffer_->hash(); }

void write_file_atomically(const fs::path& target, const std::string& text) {
  AtomicFile f(target);
  f.stream() << text;
  f.commit();
}

void write_file_atomically(const fs::path& target, const std::function<void(std::ostream&)>& body) {
  AtomicFile f(target);
  body(f.stream());
  f.commit();
}

void sync_folder(const fs::path& dir) noexcept {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// ---- FolderLock ---------------------------------------------------------------------------------

// Opens `file` (created if missing, never through a link, a regular file only) and takes an
// exclusive flock on it, waiting for it with `wait`. Returns the descriptor, or -1 with `busy`
// set when another holder has it and `wait` is false.
int lock_file(const fs::path& file, bool wait, bool& busy) {
  busy = false;
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == ELOOP)
      throw InputError(file.string(), 0, "", "is a symbolic link; remove it", ErrorKind::io);
    throw io_error(file.string(), "cannot create the lock file");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(file.string(), 0, "", "lock file is not a regular file", ErrorKind::io);
  }
  while (::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno == EINTR) continue;
    const int e = errno;
    ::close(fd);
    if (e == EWOULDBLOCK) {
      busy = true;
      return -1;
    }
    throw errno_error(file, "cannot lock", e);
  }
  return fd;
}

FileLock::FileLock(const fs::path& file, bool wait, const std::string& busy_message) {
  bool busy = false;
  fd_ = lock_file(file, wait, busy);
  if (busy) throw InputError(file.string(), 0, "", busy_message, ErrorKind::io);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the lock
}

int FolderLock::acquire(const fs::path& dir, bool& busy) {
  return lock_file(dir / kFileName, false, busy);
}

FolderLock::FolderLock(const fs::path& dir) : dir_(dir) {
  bool busy = false;
  fd_ = acquire(dir, busy);
  if (busy) {
    throw InputError(dir.string(), 0, "",
                     "another qvsim process is writing to this folder (it holds " +
                         (dir / kFileName).string() +
                         "); wait for it to finish, or choose another folder",
                     ErrorKind::io);
  }
}

std::optional<FolderLock> FolderLock::try_lock(const fs::path& dir) {
  bool busy = false;
  const int fd = acquire(dir, busy);
  if (busy) return std::nullopt;
  return FolderLock(dir, fd);
}

FolderLock::FolderLock(FolderLock&& other) noexcept : dir_(std::move(other.dir_)), fd_(other.fd_) {
  other.fd_ = -1;
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the lock
}

// ---- FileSet ------------------------------------------------------------------------------------

FileSet::FileSet(fs::path dir, std::vector<std::string> replaces)
    : dir_(std::move(dir)), replaces_(std::move(replaces)) {
  for (int attempt = 0; staging_.empty() && attempt < 100; ++attempt) {
    const fs::path s = dir_ / (kStagingPrefix + unique_suffix());
    if (::mkdir(s.c_str(), 0755) == 0) {
      staging_ = s;
    } else if (errno != EEXIST) {
      throw io_error(dir_.string(), "cannot create a staging folder");
    }
  }
  if (staging_.empty()) throw errno_error(dir_, "cannot create a staging folder", EEXIST);
}

FileSet::~FileSet() {
  if (!committed_) {
    files_.clear();
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

AtomicFile& FileSet::add(const std::string& name) {
  names_.push_back(name);
  files_.push_back(std::make_unique<AtomicFile>(staging_ / name, dir_ / name));
  return *files_.back();
}

void FileSet::commit() {
  {
    AtomicFile list(staging_ / kListFile, dir_ / kCommitDir / kListFile);
    for (const auto& n : names_) list.stream() << "put " << n << '\n';
    for (const auto& n : replaces_)
      if (std::find(names_.begin(), names_.end(), n) == names_.end())
        list.stream() << "drop " << n << '\n';
    list.commit();
  }
  sync_folder(staging_);
  fault_point("file-set:staged");
  const fs::path commit = dir_ / kCommitDir;
  if (::rename(staging_.c_str(), commit.c_str()) != 0)
    throw io_error(commit.string(), "cannot commit the new files");
  committed_ = true;  // from here on the set is published, by us or by finish_file_set()
  sync_folder(dir_);
  fault_point("file-set:committed");
  finish_file_set(dir_);
}

void finish_file_set(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(FileSet::kStagingPrefix, 0) == 0) fs::remove_all(e.path(), ec);
  }
  const fs::path commit = dir / FileSet::kCommitDir;
  if (!exists_no_follow(commit)) return;
  if (fs::symlink_status(commit, ec).type() != fs::file_type::directory) {
    throw InputError(commit.string(), 0, "",
                     "is not a folder qvsim made (a link or a file in its place); remove it",
                     ErrorKind::io);
  }
  std::vector<std::string> put, drop;
  {
    std::ifstream list(commit / kListFile);
    std::string line;
    while (std::getline(list, line)) {
      if (line.rfind("put ", 0) == 0) put.push_back(line.substr(4));
      if (line.rfind("drop ", 0) == 0) drop.push_back(line.substr(5));
    }
  }
  auto move_in = [&](const std::string& name) {
    const fs::path from = commit / name;
    if (!exists_no_follow(from)) return;  // moved before
    if (::rename(from.c_str(), (dir / name).c_str()) != 0)
      throw io_error((dir / name).string(), "cannot move the new file into place");
    fault_point(("file-set:moved " + name).c_str());
  };
  if (!put.empty()) {
    // The last file (the manifest) goes first, so that no reader trusts it during the switch.
    if (exists_no_follow(commit / put.back())) remove_quietly(dir / put.back());
    fault_point("file-set:last-removed");
    for (std::size_t i = 0; i + 1 < put.size(); ++i) move_in(put[i]);
    for (const auto& name : drop) remove_quietly(dir / name);
    move_in(put.back());
  }
  sync_folder(dir);
  remove_quietly(commit / kListFile);
  if (::rmdir(commit.c_str()) != 0 && errno != ENOENT)
    throw io_error(commit.string(), "cannot remove the finished commit record");
  sync_folder(dir);
}

void fault_point(const char* point) {
  static const char* const wanted = std::getenv("QVSIM_FAULT_INJECT");
  if (wanted != nullptr && std::strcmp(wanted, point) == 0) ::raise(SIGKILL);
}

}  // namespace qvsim
