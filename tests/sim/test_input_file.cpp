#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <string>

#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "support/test_support.hpp"

namespace {

using qvsim::ErrorKind;
using qvsim::InputError;
using qvsim::InputFile;
using qvsim::read_input_file;
using qvsim::test::TempDir;
using qvsim::test::write;

void check_refused(const std::filesystem::path& p, ErrorKind kind, const std::string& fragment,
                   std::uint64_t max_bytes = 1 << 20) {
  INFO(p.string());
  try {
    read_input_file(p, max_bytes, "test file");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.kind() == kind);
    CHECK(e.file() == p.string());
    CHECK_THAT(e.message(), Catch::Contains(fragment));
  }
}

}  // namespace

TEST_CASE("input files: a regular file is read whole", "[input_file]") {
  TempDir dir;
  write(dir.path / "a.txt", "line 1\nline 2\n");
  CHECK(read_input_file(dir.path / "a.txt", 14, "test file") == "line 1\nline 2\n");
  InputFile f(dir.path / "a.txt", 100, "test file");
  CHECK(f.size() == 14);
  std::string line;
  REQUIRE(std::getline(f.stream(), line));
  CHECK(line == "line 1");
}

TEST_CASE("input files: only regular files are opened, and nothing blocks", "[input_file]") {
  TempDir dir;
  check_refused(dir.path / "missing", ErrorKind::io, "cannot open test file: No such file");
  check_refused(dir.path, ErrorKind::io, "it is a folder, not a regular file");
  // A FIFO with no writer: a blocking open would wait forever.
  REQUIRE(mkfifo((dir.path / "pipe").c_str(), 0600) == 0);
  check_refused(dir.path / "pipe", ErrorKind::io, "it is a FIFO (named pipe), not a regular file");
  // A device that never ends.
  check_refused("/dev/zero", ErrorKind::io, "it is a character device, not a regular file");
  // A socket cannot be opened at all; its error still names it.
  const int s = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock = (dir.path / "sock").string();
  if (sock.size() < sizeof addr.sun_path) {
    std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
    REQUIRE(bind(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    check_refused(dir.path / "sock", ErrorKind::io, "test file");
  }
  close(s);
}

TEST_CASE("input files: the size limit holds before and while reading", "[input_file]") {
  TempDir dir;
  write(dir.path / "a.txt", std::string(101, 'x'));
  check_refused(dir.path / "a.txt", ErrorKind::range,
                "test file is 101 bytes, more than the 100 bytes allowed", 100);
  try {
    InputFile f(dir.path / "a.txt", 100, "test file", ErrorKind::resources);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::resources);
  }
  // A file that grows after it was opened is stopped at the limit, not read to its end.
  write(dir.path / "grows.txt", std::string(100, 'x'));
  InputFile f(dir.path / "grows.txt", 100, "test file");
  {
    std::ofstream more(dir.path / "grows.txt", std::ios::app);
    more << std::string(1 << 20, 'y');
  }
  try {
    f.read_all();
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::range);
    CHECK_THAT(e.message(), Catch::Contains("more than the 100 bytes allowed"));
  }
}
