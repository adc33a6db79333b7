// Output files under concurrency, kills and signals, with the real binary in child processes:
// two runs or exports into one folder, a run killed at each step of its switch, SIGINT and
// SIGTERM during a run and a sweep, and a file size limit.

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim/hash.hpp"
#include "support/test_support.hpp"

namespace {

using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;
namespace fs = std::filesystem;

struct Spawned {
  pid_t pid = -1;
  fs::path err_file;
};

// Starts QVSIM_BINARY with `args` in `cwd` (stdout and stderr to files named by `tag`), with
// `env` added to the environment and, with `file_size_limit`, RLIMIT_FSIZE set (SIGXFSZ left at
// its default: qvsim itself turns it into an error).
Spawned spawn(const std::vector<std::string>& args, const fs::path& cwd, const std::string& tag,
              const std::vector<std::string>& env = {},
              std::optional<rlim_t> file_size_limit = std::nullopt) {
  const std::string binary = QVSIM_BINARY;
  std::vector<std::string> all{binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = env;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string out_file = (cwd / (tag + ".stdout")).string();
  Spawned s;
  s.err_file = cwd / (tag + ".stderr");
  const std::string err_file = s.err_file.string();
  const std::string dir = cwd.string();
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    const int o = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(127);
    signal(SIGXFSZ, SIG_DFL);
    if (file_size_limit) {
      const rlimit r{*file_size_limit, *file_size_limit};
      if (setrlimit(RLIMIT_FSIZE, &r) != 0) _exit(127);
    }
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  REQUIRE(pid > 0);
  s.pid = pid;
  return s;
}

struct Exit {
  int code = -1;    // exit code, or -1 when killed by a signal
  int signal = 0;   // the signal that killed it, or 0
  std::string err;  // what it wrote on stderr
};

Exit wait_for(const Spawned& s) {
  int status = 0;
  REQUIRE(waitpid(s.pid, &status, 0) == s.pid);
  Exit e;
  if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
  e.err = read(s.err_file);
  return e;
}

Exit run(const std::vector<std::string>& args, const fs::path& cwd,
         const std::vector<std::string>& env = {},
         std::optional<rlim_t> file_size_limit = std::nullopt) {
  return wait_for(spawn(args, cwd, "child", env, file_size_limit));
}

const std::string kScenario = R"(name: t
seed: 1
replicates: 20
electorate:
  agents: 101
  proposals: 2
graph:
  model: erdos_renyi
  mean_degree: 4
arms:
  honest: {}
)";

// Whether every file manifest.json lists in "checksums" has that size and hash.
bool manifest_matches(const fs::path& dir) {
  const std::string m = read(dir / "manifest.json");
  const auto at = m.find("\"checksums\"");
  if (at == std::string::npos) return false;
  int checked = 0;
  for (const char* name : {"runs.csv", "summary.csv", "summary.json", "proposals.csv"}) {
    const auto k = m.find("\"" + std::string(name) + "\"", at);
    if (k == std::string::npos) continue;
    const auto h = m.find("\"fnv1a64\": \"", k);
    if (h == std::string::npos) return false;
    char want[17];
    std::snprintf(want, sizeof want, "%016llx",
                  static_cast<unsigned long long>(qvsim::fnv1a64(read(dir / name))));
    if (m.compare(h + 12, 16, want) != 0) return false;
    ++checked;
  }
  return checked >= 3;
}

// Files left by a writer that did not finish: temporaries, staging folders, commit records.
std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".partial") != std::string::npos || name.rfind(".qvsim-staging-", 0) == 0 ||
        name == ".qvsim-commit")
      out.push_back(fs::relative(e.path(), dir).string());
  }
  return out;
}

// The visible result files of a run folder, with their bytes.
std::map<std::string, std::string> results(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const char* name : {"runs.csv", "summary.csv", "summary.json", "proposals.csv"})
    if (fs::exists(dir / name)) out[name] = read(dir / name);
  return out;
}

}  // namespace

TEST_CASE("two runs into one folder: one wins whole, the other exits 2", "[files][concurrency]") {
  TempDir dir;
  write(dir.path / "s.yaml", kScenario);
  for (const char* seed : {"1", "2"}) {
    const Exit e = run({"run", "s.yaml", "--out", std::string("ref") + seed, "--seed", seed,
                        "--quiet", "--threads", "1"},
                       dir.path);
    REQUIRE(e.code == 0);
  }
  const auto ref1 = results(dir.path / "ref1");
  const auto ref2 = results(dir.path / "ref2");
  REQUIRE(ref1 != ref2);
  int lock_refusals = 0;
  for (int trial = 0; trial < 10; ++trial) {
    const std::string out = "out" + std::to_string(trial);
    const Spawned a = spawn(
        {"run", "s.yaml", "--out", out, "--seed", "1", "--quiet", "--threads", "1"}, dir.path, "a");
    const Spawned b = spawn(
        {"run", "s.yaml", "--out", out, "--seed", "2", "--quiet", "--threads", "1"}, dir.path, "b");
    const Exit ea = wait_for(a);
    const Exit eb = wait_for(b);
    INFO("trial " << trial << "\na: " << ea.err << "\nb: " << eb.err);
    CHECK(ea.signal == 0);
    CHECK(eb.signal == 0);
    REQUIRE(((ea.code == 0 && eb.code == 2) || (ea.code == 2 && eb.code == 0)));
    const Exit& loser = ea.code == 2 ? ea : eb;
    const bool locked =
        loser.err.find("another qvsim process is writing to this folder") != std::string::npos;
    lock_refusals += locked ? 1 : 0;
    CHECK((locked || loser.err.find("already holds a run") != std::string::npos));
    CHECK(loser.err.rfind("qvsim: error (io): ", 0) == 0);
    CHECK(results(dir.path / out) == (ea.code == 0 ? ref1 : ref2));
    CHECK(manifest_matches(dir.path / out));
    CHECK(leftovers(dir.path / out).empty());
  }
  // How often the two overlapped depends on the machine; either refusal is correct.
  WARN(lock_refusals << " of 10 trials refused by the lock, the others by the finished run");
}

TEST_CASE("two runs into the default folder go to results/<name> and results/<name>-2",
          "[files][concurrency]") {
  TempDir dir;
  write(dir.path / "s.yaml", kScenario);
  const Spawned a = spawn({"run", "s.yaml", "--quiet", "--threads", "1"}, dir.path, "a");
  const Spawned b = spawn({"run", "s.yaml", "--quiet", "--threads", "1"}, dir.path, "b");
  const Exit ea = wait_for(a);
  const Exit eb = wait_for(b);
  INFO("a: " << ea.err << "\nb: " << eb.err);
  REQUIRE(ea.code == 0);
  REQUIRE(eb.code == 0);
  const auto one = results(dir.path / "results" / "t");
  CHECK(one.size() == 3);
  CHECK(results(dir.path / "results" / "t-2") == one);
  CHECK(manifest_matches(dir.path / "results" / "t"));
  CHECK(manifest_matches(dir.path / "results" / "t-2"));
  // Quiet, each still says which numbered folder it wrote (issue 16: it said nothing).
  const std::set<std::string> said{read(dir.path / "a.stdout"), read(dir.path / "b.stdout")};
  CHECK(said == std::set<std::string>{"results/t\n", "results/t-2\n"});
}

TEST_CASE("two analyses of one folder at once never corrupt its files", "[files][concurrency]") {
  TempDir dir;
  write(dir.path / "s.yaml", kScenario);
  REQUIRE(run({"run", "s.yaml", "--out", "out", "--quiet", "--threads", "1"}, dir.path).code == 0);
  REQUIRE(run({"analyze", "out", "--resamples", "200"}, dir.path).code == 0);
  const std::string csv = read(dir.path / "out" / "analysis" / "summary.csv");
  const std::string json = read(dir.path / "out" / "analysis" / "summary.json");
  for (int trial = 0; trial < 5; ++trial) {
    const Spawned a = spawn({"analyze", "out", "--resamples", "200"}, dir.path, "a");
    const Spawned b = spawn({"analyze", "out", "--resamples", "200"}, dir.path, "b");
    for (const Exit& e : {wait_for(a), wait_for(b)}) {
      INFO(e.err);
      CHECK(e.signal == 0);
      CHECK((e.code == 0 ||
             (e.code == 2 &&
              e.err.find("another qvsim process is writing to this folder") != std::string::npos)));
    }
    CHECK(read(dir.path / "out" / "analysis" / "summary.csv") == csv);
    CHECK(read(dir.path / "out" / "analysis" / "summary.json") == json);
    CHECK(leftovers(dir.path / "out").empty());
  }
}

TEST_CASE("a run killed at any step of its switch leaves the old result or the new one",
          "[files]") {
  TempDir dir;
  write(dir.path / "s.yaml", kScenario);
  const std::vector<std::string> old_run{"run",         "s.yaml",      "--seed",    "1",
                                         "--quiet",     "--proposals", "--threads", "1",
                                         "--overwrite", "--out"};
  const std::vector<std::string> new_run{"run",       "s.yaml", "--seed",      "2",    "--quiet",
                                         "--threads", "1",      "--overwrite", "--out"};
  auto with_out = [](std::vector<std::string> args, const std::string& out) {
    args.push_back(out);
    return args;
  };
  REQUIRE(run(with_out(old_run, "ref-old"), dir.path).code == 0);
  REQUIRE(run(with_out(new_run, "ref-new"), dir.path).code == 0);
  const auto old_files = results(dir.path / "ref-old");
  const auto new_files = results(dir.path / "ref-new");
  REQUIRE(old_files.count("proposals.csv") == 1);
  // Every step of FileSet::commit and finish_file_set, in order.
  const std::vector<std::pair<std::string, bool>> points{{"file-set:staged", false},
                                                         {"file-set:committed", true},
                                                         {"file-set:last-removed", true},
                                                         {"file-set:moved runs.csv", true},
                                                         {"file-set:moved summary.csv", true},
                                                         {"file-set:moved summary.json", true},
                                                         {"file-set:moved manifest.json", true}};
  for (const auto& [point, is_new] : points) {
    INFO(point);
    REQUIRE(run(with_out(old_run, "out"), dir.path).code == 0);
    const Exit killed = run(with_out(new_run, "out"), dir.path, {"QVSIM_FAULT_INJECT=" + point});
    REQUIRE(killed.signal == SIGKILL);
    // A reader that trusts manifest.json never sees a mix: either no manifest (a switch under
    // way) or one that every file matches.
    if (fs::exists(dir.path / "out" / "manifest.json")) {
      CHECK(manifest_matches(dir.path / "out"));
    }
    // The next writer (here an analysis) completes or discards the switch.
    const Exit next = run({"analyze", "out", "--resamples", "50"}, dir.path);
    INFO(next.err);
    REQUIRE(next.code == 0);
    CHECK(results(dir.path / "out") == (is_new ? new_files : old_files));
    CHECK(manifest_matches(dir.path / "out"));
    CHECK(leftovers(dir.path / "out").empty());
  }
}

TEST_CASE("SIGINT and SIGTERM stop a run cleanly, leaving the earlier run", "[files][signals]") {
  TempDir dir;
  write(dir.path / "s.yaml", kScenario);
  REQUIRE(run({"run", "s.yaml", "--out", "out", "--quiet", "--threads", "1"}, dir.path).code == 0);
  const auto earlier = results(dir.path / "out");
  for (const int sig : {SIGINT, SIGTERM}) {
    INFO("signal " << sig);
    // Far more replicates than could finish: the signal always lands mid-run.
    const Spawned s = spawn({"run", "s.yaml", "--out", "out", "--overwrite", "--quiet", "--threads",
                             "1", "--replicates", "10000000", "--max-memory", "unlimited"},
                            dir.path, "child");
    // Once its staging folder exists, it is writing.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    bool writing = false;
    while (!writing && std::chrono::steady_clock::now() < deadline) {
      for (const auto& e : fs::directory_iterator(dir.path / "out"))
        if (e.path().filename().string().rfind(".qvsim-staging-", 0) == 0) writing = true;
      if (!writing) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(writing);
    REQUIRE(kill(s.pid, sig) == 0);
    const Exit e = wait_for(s);
    INFO(e.err);
    CHECK(e.signal == 0);
    CHECK(e.code == 128 + sig);
    CHECK_THAT(e.err,
               Catch::Contains(sig == SIGINT ? "interrupted by SIGINT: nothing was written"
                                             : "interrupted by SIGTERM: nothing was written"));
    // What to do next: a run is not resumable, so it says to start it over.
    CHECK_THAT(e.err, Catch::Contains("run the same command again"));
    CHECK(results(dir.path / "out") == earlier);
    CHECK(leftovers(dir.path / "out").empty());
  }
}

TEST_CASE("SIGINT and SIGTERM stop a sweep cleanly; --resume completes it to the same bytes",
          "[files][signals][sweep]") {
  TempDir dir;
  write(dir.path / "s.yaml", kScenario + "sweep:\n  parameters:\n    graph.mean_degree: [4, 6]\n");
  const std::vector<std::string> sweep{"sweep", "s.yaml",       "--quiet", "--threads",
                                       "1",     "--replicates", "150"};
  auto with_out = [&](const std::string& out) {
    auto args = sweep;
    args.insert(args.end(), {"--out", out});
    return args;
  };
  REQUIRE(run(with_out("whole"), dir.path).code == 0);
  for (const int sig : {SIGINT, SIGTERM}) {
    const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    const std::string cut = "cut-" + name;
    INFO(name);
    const Spawned s = spawn(with_out(cut), dir.path, "child");
    // Once its store exists, it is storing items.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!fs::exists(dir.path / cut / "shard-0-of-1.sqlite") &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(kill(s.pid, sig) == 0);
    const Exit e = wait_for(s);
    INFO(e.err);
    CHECK(e.signal == 0);
    CHECK(e.code == 128 + sig);
    CHECK_THAT(e.err, Catch::Contains("interrupted by " + name));
    // Unless the signal came as the sweep was finishing, it says how to continue.
    if (e.err.find("as the command finished") == std::string::npos) {
      CHECK_THAT(e.err,
                 Catch::Contains("continue with 'qvsim sweep s.yaml --out " + cut + " --resume'"));
      CHECK_FALSE(fs::exists(dir.path / cut / "runs.csv"));
    }
    CHECK(leftovers(dir.path / cut).empty());
    auto resume = with_out(cut);
    resume.push_back("--resume");
    const Exit again = run(resume, dir.path);
    INFO(again.err);
    REQUIRE(again.code == 0);
    CHECK(read(dir.path / cut / "runs.csv") == read(dir.path / "whole" / "runs.csv"));
    CHECK(read(dir.path / cut / "summary.csv") == read(dir.path / "whole" / "summary.csv"));
  }
}

TEST_CASE("a file size limit is an io error with the earlier run intact", "[files]") {
  TempDir dir;
  write(dir.path / "s.yaml", kScenario);
  REQUIRE(run({"run", "s.yaml", "--out", "out", "--quiet", "--threads", "1"}, dir.path).code == 0);
  const auto earlier = results(dir.path / "out");
  const std::string manifest = read(dir.path / "out" / "manifest.json");
  // SIGXFSZ at its default would kill the process; qvsim turns it into EFBIG.
  const Exit e = run({"run", "s.yaml", "--out", "out", "--overwrite", "--quiet", "--threads", "1",
                      "--replicates", "300"},
                     dir.path, {}, rlim_t{8 * 1024});
  INFO(e.err);
  CHECK(e.signal == 0);
  CHECK(e.code == 2);
  CHECK(e.err.rfind("qvsim: error (io): out/runs.csv: cannot write file: File too large", 0) == 0);
  CHECK(results(dir.path / "out") == earlier);
  CHECK(read(dir.path / "out" / "manifest.json") == manifest);
  CHECK(leftovers(dir.path / "out").empty());
}

TEST_CASE("SIGTERM stops a threshold search at once, writing nothing", "[files][signals]") {
  TempDir dir;
  write(dir.path / "t.yaml", kScenario + "  c:\n    collusion: {organizers: 2, max_size: 5}\n");
  // Far more replicates per evaluation than could finish before the signal.
  const Spawned s =
      spawn({"threshold", "t.yaml", "--attack", "arms.c.collusion.organizers", "--range", "1:10",
             "--target", "flip_rate=0.5", "--replicates", "1000000", "--threads", "1", "--out",
             "th.csv", "--max-memory", "unlimited"},
            dir.path, "child");
  // Long enough for the process to have installed its handlers, even under a sanitizer.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(kill(s.pid, SIGTERM) == 0);
  const Exit e = wait_for(s);
  INFO(e.err);
  CHECK(e.signal == 0);
  CHECK(e.code == 128 + SIGTERM);
  CHECK_THAT(e.err, Catch::Contains("qvsim: interrupted by SIGTERM"));
  // What was saved (nothing) and what to do next (issue 16).
  CHECK_THAT(e.err, Catch::Contains("no file changed; run the command again to start over"));
  CHECK_FALSE(fs::exists(dir.path / "th.csv"));
  CHECK(leftovers(dir.path).empty());
}
