#pragma once
// Writing output files so that nothing a reader trusts is ever half-written, nothing already
// there is lost when a write fails, and two writers never share a temporary file.
//
// AtomicFile writes a new file under a temporary name of its own in the target's folder,
// "<name>.<pid>-<random>.partial", created with O_CREAT | O_EXCL | O_NOFOLLOW: a file or a
// symbolic link planted under any name is never opened, followed or overwritten. commit() flushes,
// fsyncs and renames it over the target; any failure removes it. Errors (a full disk, EFBIG
// under `ulimit -f`, a folder that cannot be written) are InputError(io) naming the target.
//
// FolderLock is an advisory lock (flock(2) on DIR/.qvsim.lock) held by the one process writing
// DIR's results; a second writer fails at once with a clear io error.
//
// FileSet publishes several files into one folder together: they are written into a fresh hidden
// staging folder, which becomes the commit record DIR/.qvsim-commit by one rename (the commit
// point), and are then moved into DIR, the last file (a manifest) last. A process killed at any
// instant leaves either the old files (before the commit point) or a commit record that
// finish_file_set() completes (after it): the old set or the new one, never a mix. Readers that
// trust the last file see no last file while the switch is under way.
//
// None of these classes is thread-safe; each object belongs to one thread.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/interrupt.hpp"

namespace qvsim {

class AtomicFile {
 public:
  // Creates the temporary file beside `target`. `shown` is the name errors give (default: the
  // target), for a file staged somewhere else than where the user will find it.
  explicit AtomicFile(std::filesystem::path target, std::filesystem::path shown = {});
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() noexcept { return *stream_; }
  // Flushes, fsyncs, closes and renames the temporary file over the target. Throws InputError
  // (io) naming the shown file; the temporary file is removed then and the target untouched.
  void commit();

  // After commit(): the file's size and its FNV-1a 64 hash.
  std::uint64_t bytes() const noexcept;
  std::uint64_t fnv1a64() const noexcept;
  const std::filesystem::path& temp_path() const noexcept { return temp_; }

 private:
  class Buffer;
  std::filesystem::path target_, shown_, temp_;
  std::unique_ptr<Buffer> buffer_;
  std::unique_ptr<std::ostream> stream_;
  bool committed_ = false;
  DeferInterrupts defer_;  // a signal while writing is handled once the file is consistent
};

// Writes `text` (or what `body` writes) to `target` through an AtomicFile.
void write_file_atomically(const std::filesystem::path& target, const std::string& text);
void write_file_atomically(const std::filesystem::path& target,
                           const std::function<void(std::ostream&)>& body);

// fsyncs a folder, so that renames in it survive a crash. Errors are ignored (some file systems
// refuse fsync on folders).
void sync_folder(const std::filesystem::path& dir) noexcept;

// An exclusive advisory lock on DIR/.qvsim.lock, released when destroyed (or when the process
// ends, however it ends). The folder must exist.
// An advisory lock (flock) on `file`, created if missing, held until destruction. With `wait`
// the constructor blocks until the lock is free; without, it throws InputError (io) with
// `busy_message` when another process (or another FileLock in this one) holds it. A link or a
// file that is not a regular file in its place is an io error.
class FileLock {
 public:
  FileLock(const std::filesystem::path& file, bool wait, const std::string& busy_message);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

class FolderLock {
 public:
  // Throws InputError(io) naming the folder when another process holds the lock, or when the
  // lock file cannot be created (it is never followed if it is a symbolic link).
  explicit FolderLock(const std::filesystem::path& dir);
  // As above, but returns nothing when another process holds the lock.
  static std::optional<FolderLock> try_lock(const std::filesystem::path& dir);
  ~FolderLock();
  FolderLock(FolderLock&& other) noexcept;
  FolderLock& operator=(FolderLock&&) = delete;
  FolderLock(const FolderLock&) = delete;
  const std::filesystem::path& dir() const noexcept { return dir_; }

  static constexpr const char* kFileName = ".qvsim.lock";

 private:
  FolderLock(std::filesystem::path dir, int fd) : dir_(std::move(dir)), fd_(fd) {}
  static int acquire(const std::filesystem::path& dir, bool& busy);
  std::filesystem::path dir_;
  int fd_ = -1;
};

// The files of one result, published into a folder together. Use while holding the folder's
// FolderLock, after finish_file_set(dir).
class FileSet {
 public:
  // `replaces`: names of files of an earlier set that the new set removes when it does not
  // hold them (a proposals.csv of an earlier run, say).
  FileSet(std::filesystem::path dir, std::vector<std::string> replaces);
  ~FileSet();  // removes the staging folder unless committed
  FileSet(const FileSet&) = delete;
  FileSet& operator=(const FileSet&) = delete;

  // A new file of the set, written in the staging folder; commit() it when written. The file
  // added last is published last.
  AtomicFile& add(const std::string& name);
  // Publishes every added file (each must have been committed). Throws InputError(io); before
  // the commit point a failure leaves the earlier files as they were.
  void commit();

  static constexpr const char* kCommitDir = ".qvsim-commit";
  static constexpr const char* kStagingPrefix = ".qvsim-staging-";

 private:
  std::filesystem::path dir_, staging_;
  std::vector<std::string> replaces_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<AtomicFile>> files_;
  bool committed_ = false;
};

// Completes a switch left by a process killed after its commit point, and removes staging
// folders left by processes killed before it. Call while holding the folder's lock. Idempotent.
// Throws InputError(io) when a file cannot be moved.
void finish_file_set(const std::filesystem::path& dir);

// Tests only: when the environment variable QVSIM_FAULT_INJECT equals `point`, the process kills
// itself with SIGKILL here (a crash at that instant).
void fault_point(const char* point);

}  // namespace qvsim
