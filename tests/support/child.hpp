#pragma once
// Running the built qvsim (QVSIM_BINARY) in a child process, as a user or a script does: exit
// code and output as they would see them.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace qvsim::test {

struct Exit {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs the built qvsim with `args` in `cwd`, its output captured through files there. The
// environment variable QVSIM_TEST_BINARY, when set, names another binary: an older build, to see
// a test fail before the change it checks.
inline Exit run_qvsim(const std::vector<std::string>& args, const fs::path& cwd) {
  const char* other = std::getenv("QVSIM_TEST_BINARY");
  const std::string binary = other != nullptr && *other != '\0' ? other : QVSIM_BINARY;
  std::vector<std::string> all{binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const fs::path out = cwd / "child.stdout";
  const fs::path err = cwd / "child.stderr";
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (chdir(cwd.c_str()) != 0 || o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(127);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  REQUIRE(pid > 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  Exit x;
  if (WIFEXITED(status)) x.code = WEXITSTATUS(status);
  x.out = read(out);
  x.err = read(err);
  fs::remove(out);
  fs::remove(err);
  return x;
}

}  // namespace qvsim::test
