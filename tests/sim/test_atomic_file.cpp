// The atomic-write primitive, the folder lock and the file-set switch (sim/atomic_file.hpp).

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "support/test_support.hpp"

namespace {

using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;
namespace fs = std::filesystem;

std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// Names in `dir`, sorted.
std::vector<std::string> names(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("an atomic file appears whole on commit, with its size and hash", "[files]") {
  TempDir dir;
  const fs::path target = dir.path / "out.csv";
  write(target, "old\n");
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "row " + std::to_string(i) + "\n";  // > one buffer
  {
    qvsim::AtomicFile f(target);
    CHECK(f.temp_path().parent_path() == dir.path);
    CHECK(fs::exists(f.temp_path()));
    f.stream() << text;
    CHECK(read(target) == "old\n");  // not visible before the commit
    f.commit();
    CHECK(f.bytes() == text.size());
    CHECK(f.fnv1a64() == fnv1a64(text));
  }
  CHECK(read(target) == text);
  CHECK(names(dir.path) == std::vector<std::string>{"out.csv"});
}

TEST_CASE("small and large writes to an atomic file keep their order, size and hash", "[files]") {
  // Pieces at least as large as the buffer (64 KiB) go straight to the file after what is
  // buffered; smaller ones are buffered. Mixed, they must come out in the order written, with
  // the hash of the whole. Over 8 MiB in all, so that writeback is started on the way.
  TempDir dir;
  const fs::path target = dir.path / "mixed.csv";
  std::string expected;
  {
    qvsim::AtomicFile f(target);
    for (int i = 0; i < 12; ++i) {
      const std::size_t size = i % 3 == 0 ? 65536u * static_cast<std::size_t>(1 + 9 * i) : 7u + i;
      const std::string piece(size, static_cast<char>('a' + i));
      f.stream().write(piece.data(), static_cast<std::streamsize>(piece.size()));
      expected += piece;
    }
    f.commit();
    CHECK(f.bytes() == expected.size());
    CHECK(f.fnv1a64() == fnv1a64(expected));
  }
  CHECK(read(target) == expected);
}

TEST_CASE("an atomic file dropped before its commit leaves the target and no temporary file",
          "[files]") {
  TempDir dir;
  const fs::path target = dir.path / "out.csv";
  write(target, "old\n");
  {
    qvsim::AtomicFile f(target);
    f.stream() << "new\n";
  }
  CHECK(read(target) == "old\n");
  CHECK(names(dir.path) == std::vector<std::string>{"out.csv"});
}

TEST_CASE("two atomic files for one target never share a temporary file", "[files]") {
  TempDir dir;
  const fs::path target = dir.path / "out.csv";
  qvsim::AtomicFile a(target);
  qvsim::AtomicFile b(target);
  CHECK(a.temp_path() != b.temp_path());
  a.stream() << "a\n";
  b.stream() << "b\n";
  a.commit();
  CHECK(read(target) == "a\n");
  b.commit();
  CHECK(read(target) == "b\n");
}

TEST_CASE("a planted symbolic link is never followed", "[files]") {
  TempDir dir;
  const fs::path outside = dir.path / "outside.txt";
  write(outside, "precious\n");
  fs::create_directories(dir.path / "out");
  // The old fixed temporary names, and a link at the target itself.
  fs::create_symlink(outside, dir.path / "out" / "runs.csv.partial");
  fs::create_symlink(outside, dir.path / "out" / "runs.csv");
  qvsim::write_file_atomically(dir.path / "out" / "runs.csv", std::string("new\n"));
  CHECK(read(outside) == "precious\n");
  CHECK_FALSE(fs::is_symlink(dir.path / "out" / "runs.csv"));
  CHECK(read(dir.path / "out" / "runs.csv") == "new\n");
  // A link as the lock file is refused, not followed.
  fs::create_symlink(outside, dir.path / "out" / qvsim::FolderLock::kFileName);
  CHECK_THROWS_AS(qvsim::FolderLock(dir.path / "out"), qvsim::InputError);
  CHECK(read(outside) == "precious\n");
}

TEST_CASE("a write that fails is an io error naming the file, with nothing left behind",
          "[files]") {
  TempDir dir;
  CHECK_THROWS_WITH(qvsim::write_file_atomically(dir.path / "no" / "such" / "x.csv", "x"),
                    Catch::Contains("no/such/x.csv: cannot write file"));
  try {
    qvsim::write_file_atomically(dir.path / "no" / "x.csv", "x");
    FAIL("no error");
  } catch (const qvsim::InputError& e) {
    CHECK(e.kind() == qvsim::ErrorKind::io);
  }
  CHECK(names(dir.path).empty());
}

TEST_CASE("a folder lock is held by one holder at a time", "[files]") {
  TempDir dir;
  {
    qvsim::FolderLock first(dir.path);
    CHECK_FALSE(qvsim::FolderLock::try_lock(dir.path).has_value());
    try {
      qvsim::FolderLock second(dir.path);
      FAIL("the second lock was granted");
    } catch (const qvsim::InputError& e) {
      CHECK(e.kind() == qvsim::ErrorKind::io);
      CHECK_THAT(e.what(), Catch::Contains("another qvsim process is writing to this folder"));
      CHECK_THAT(e.what(), Catch::StartsWith(dir.path.string() + ": "));
    }
  }
  CHECK(qvsim::FolderLock::try_lock(dir.path).has_value());
}

TEST_CASE("a file set is published together, dropping what it replaces", "[files]") {
  TempDir dir;
  write(dir.path / "a.csv", "old a\n");
  write(dir.path / "extra.csv", "old extra\n");
  write(dir.path / "manifest.json", "old manifest\n");
  {
    qvsim::FileSet set(dir.path, {"a.csv", "extra.csv", "manifest.json"});
    auto& a = set.add("a.csv");
    a.stream() << "new a\n";
    a.commit();
    auto& m = set.add("manifest.json");
    m.stream() << "new manifest\n";
    m.commit();
    CHECK(read(dir.path / "a.csv") == "old a\n");
    set.commit();
  }
  CHECK(read(dir.path / "a.csv") == "new a\n");
  CHECK(read(dir.path / "manifest.json") == "new manifest\n");
  CHECK_FALSE(fs::exists(dir.path / "extra.csv"));
  CHECK(names(dir.path) == std::vector<std::string>{"a.csv", "manifest.json"});
}

TEST_CASE("a file set dropped before its commit leaves the folder as it was", "[files]") {
  TempDir dir;
  write(dir.path / "a.csv", "old a\n");
  {
    qvsim::FileSet set(dir.path, {"a.csv"});
    auto& a = set.add("a.csv");
    a.stream() << "new a\n";
    a.commit();
  }
  CHECK(read(dir.path / "a.csv") == "old a\n");
  CHECK(names(dir.path) == std::vector<std::string>{"a.csv"});
}

TEST_CASE("a switch interrupted after its commit point is completed by the next holder",
          "[files]") {
  TempDir dir;
  // A commit record as a process killed after moving b.csv in leaves it: b.csv moved, a.csv and
  // the manifest not yet, the old manifest already gone; and a stale staging folder.
  write(dir.path / "a.csv", "old a\n");
  write(dir.path / "b.csv", "new b\n");
  write(dir.path / "stale.csv", "old stale\n");
  const fs::path commit = dir.path / qvsim::FileSet::kCommitDir;
  fs::create_directories(commit);
  write(commit / "files", "put b.csv\nput a.csv\nput manifest.json\ndrop stale.csv\n");
  write(commit / "a.csv", "new a\n");
  write(commit / "manifest.json", "new manifest\n");
  fs::create_directories(dir.path / (std::string(qvsim::FileSet::kStagingPrefix) + "1-x"));
  write(dir.path / (std::string(qvsim::FileSet::kStagingPrefix) + "1-x") / "a.csv", "junk\n");
  qvsim::finish_file_set(dir.path);
  CHECK(read(dir.path / "a.csv") == "new a\n");
  CHECK(read(dir.path / "b.csv") == "new b\n");
  CHECK(read(dir.path / "manifest.json") == "new manifest\n");
  CHECK(names(dir.path) == std::vector<std::string>{"a.csv", "b.csv", "manifest.json"});
  qvsim::finish_file_set(dir.path);  // idempotent
  CHECK(names(dir.path) == std::vector<std::string>{"a.csv", "b.csv", "manifest.json"});
}
