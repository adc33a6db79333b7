#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "api/result_store.hpp"
#include "app/cli.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace fs = std::filesystem;
using qvsim::run_cli;

namespace {

using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;

int cli(const std::vector<std::string>& args, std::string* out_text = nullptr,
        std::string* err_text = nullptr) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_cli(args, out, err);
  if (out_text) *out_text = out.str();
  if (err_text) *err_text = err.str();
  return code;
}

// A small sweep: 2 x 2 grid points (one of them over a collusion arm's setting), 6 replicates.
std::string sweep_scenario(const std::string& degrees = "[4, 6]") {
  return R"(name: sweep-test
seed: 777
replicates: 6
electorate:
  agents: 400
  proposals: 4
  values: {distribution: normal, mean: 0.05, homophily: 0.2}
  budget: {credits: 100}
graph: {model: watts_strogatz, degree: 4, rewire: 0.1}
mechanisms: [quadratic, one_person_one_vote]
ballot: secret
arms:
  honest: {}
  bloc:
    collusion: {organizers: 4, max_size: 20, loyalty: 0.5}
sweep:
  design: grid
  parameters:
    graph.degree: )" +
         degrees + R"(
    arms.bloc.collusion.organizers: [2, 8]
)";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("a sweep run whole, in shards, and at 1 or 2 threads gives the same bytes",
          "[sweep][determinism]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, sweep_scenario());
  const fs::path whole = tmp.path / "whole";
  REQUIRE(cli({"sweep", file.string(), "--out", whole.string(), "--quiet", "--threads", "2"}) == 0);
  const std::string runs = read(whole / "runs.csv");
  const std::string summary = read(whole / "summary.csv");
  // Header + 4 points x 6 replicates x 2 arms x 2 mechanisms.
  CHECK(lines(runs).size() == 1 + 4 * 6 * 2 * 2);
  CHECK(lines(runs)[0].rfind("point,graph.degree,arms.bloc.collusion.organizers,replicate,arm,",
                             0) == 0);
  CHECK(summary.find("coalitions") != std::string::npos);
  // summary.json is one JSON document: the sweep, then one entry per point.
  const std::string json = read(whole / "summary.json");
  YAML::Node doc;
  REQUIRE_NOTHROW(doc = YAML::Load(json));  // JSON is YAML; a stray "]}" is a parse error
  REQUIRE(doc.IsMap());
  CHECK(doc["points"].size() == 4);
  CHECK(doc["points"][3]["point"].as<int>() == 3);
  CHECK(json.size() >= 4);
  CHECK(json.substr(json.size() - 4) == "\n]}\n");
  CHECK(json.find("]}\n\n]}") == std::string::npos);
  // What this process ran is recorded beside its store.
  const std::string ran = read(whole / "shard-0-of-1.json");
  CHECK_THAT(ran, Catch::Contains("\"items_written\": 24"));
  CHECK_THAT(ran, Catch::Contains("\"items_failed\": 0"));

  const fs::path one = tmp.path / "one";
  REQUIRE(cli({"sweep", file.string(), "--out", one.string(), "--quiet", "--threads", "1"}) == 0);
  CHECK(read(one / "runs.csv") == runs);
  CHECK(read(one / "summary.csv") == summary);

  // Three shards into three folders, then merged.
  std::vector<std::string> merge_args{"merge", (tmp.path / "merged").string()};
  for (int i = 0; i < 3; ++i) {
    const fs::path dir = tmp.path / ("shard" + std::to_string(i));
    REQUIRE(cli({"sweep", file.string(), "--out", dir.string(), "--quiet", "--shard",
                 std::to_string(i) + "/3"}) == 0);
    CHECK_FALSE(fs::exists(dir / "runs.csv"));  // a shard alone is incomplete
    merge_args.push_back(dir.string());
  }
  REQUIRE(cli(merge_args) == 0);
  CHECK(read(tmp.path / "merged" / "runs.csv") == runs);
  CHECK(read(tmp.path / "merged" / "summary.csv") == summary);

  // Three shards into one folder: the last to finish exports.
  const fs::path shared = tmp.path / "shared";
  for (int i = 0; i < 3; ++i) {
    REQUIRE(cli({"sweep", file.string(), "--out", shared.string(), "--quiet", "--shard",
                 std::to_string(i) + "/3"}) == 0);
  }
  CHECK(read(shared / "runs.csv") == runs);

  std::string status;
  REQUIRE(cli({"status", shared.string()}, &status) == 0);
  CHECK_THAT(status, Catch::Contains("24/24 items done"));
  CHECK_THAT(status, Catch::Contains("complete"));
}

TEST_CASE("adding a point leaves the other points' results unchanged", "[sweep]") {
  TempDir tmp;
  write(tmp.path / "a.yaml", sweep_scenario("[4, 6]"));
  write(tmp.path / "b.yaml", sweep_scenario("[4, 6, 8]"));
  REQUIRE(cli({"sweep", (tmp.path / "a.yaml").string(), "--out", (tmp.path / "a").string(),
               "--quiet"}) == 0);
  REQUIRE(cli({"sweep", (tmp.path / "b.yaml").string(), "--out", (tmp.path / "b").string(),
               "--quiet"}) == 0);
  // Rows without the point index: those of degrees 4 and 6 must all appear in b as they are in a.
  auto strip = [](const std::string& l) { return l.substr(l.find(',') + 1); };
  std::set<std::string> in_b;
  for (const auto& l : lines(read(tmp.path / "b" / "runs.csv"))) in_b.insert(strip(l));
  const auto a = lines(read(tmp.path / "a" / "runs.csv"));
  for (std::size_t i = 1; i < a.size(); ++i) CHECK(in_b.count(strip(a[i])) == 1);
}

TEST_CASE("common random numbers: the honest arm is the same at every point of an attack sweep",
          "[sweep]") {
  // Points differ only in the bloc's organizers. With common_random_numbers every point draws
  // the same electorates, so the honest arm's rows (all but the point's own columns) are equal
  // across points; without it they differ, and the attack arm differs in both.
  const auto scenario = [](bool common) {
    std::string text = sweep_scenario("[4]");
    const std::string block = "sweep:\n";
    text.replace(text.find(block), block.size(),
                 block + (common ? "  common_random_numbers: true\n" : ""));
    text.replace(text.find("[2, 8]"), 6, "[2, 8, 16]");
    return text;
  };
  TempDir tmp;
  for (const bool common : {true, false}) {
    const fs::path file = tmp.path / (common ? "crn.yaml" : "own.yaml");
    const fs::path out = tmp.path / (common ? "crn" : "own");
    write(file, scenario(common));
    REQUIRE(cli({"sweep", file.string(), "--out", out.string(), "--quiet"}) == 0);
    const auto rows = lines(read(out / "runs.csv"));
    REQUIRE(rows.size() > 1);
    // Columns: point, the swept values, then replicate, arm, ... (docs/outputs.md).
    const auto header = rows.front();
    std::vector<std::string> names;
    for (std::size_t at = 0, next; at != std::string::npos;
         at = next == std::string::npos ? next : next + 1) {
      next = header.find(',', at);
      names.push_back(header.substr(at, next == std::string::npos ? next : next - at));
    }
    const auto replicate_col = std::find(names.begin(), names.end(), "replicate") - names.begin();
    REQUIRE(replicate_col < static_cast<long>(names.size()));
    const auto rest = [&](const std::string& l) {
      std::size_t at = 0;
      for (long c = 0; c < replicate_col; ++c) at = l.find(',', at) + 1;
      return l.substr(at);
    };
    std::map<std::string, std::set<std::string>> by_arm;  // arm -> distinct rows over points
    std::map<std::string, std::size_t> count;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const std::string r = rest(rows[i]);
      const std::string arm =
          r.substr(r.find(',') + 1, r.find(',', r.find(',') + 1) - r.find(',') - 1);
      by_arm[arm].insert(r);
      ++count[arm];
    }
    REQUIRE(by_arm.count("honest") == 1);
    REQUIRE(by_arm.count("bloc") == 1);
    // 3 points x 6 replicates x 2 mechanisms of each arm.
    CHECK(count["honest"] == 36);
    if (common) {
      CHECK(by_arm["honest"].size() == 12);  // the same 12 rows at every point
    } else {
      CHECK(by_arm["honest"].size() == 36);
    }
    CHECK(by_arm["bloc"].size() > 12);  // the attack itself still changes from point to point
  }
}

TEST_CASE("a sweep killed with SIGKILL and resumed equals an uninterrupted one", "[sweep]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  std::string text = sweep_scenario();
  text.replace(text.find("replicates: 6"), 13, "replicates: 500");
  text.replace(text.find("agents: 400"), 11, "agents: 3000");
  write(file, text);
  const fs::path full = tmp.path / "full";
  REQUIRE(cli({"sweep", file.string(), "--out", full.string(), "--quiet"}) == 0);

  const fs::path killed = tmp.path / "killed";
  const std::string binary = QVSIM_BINARY;
  std::vector<std::string> args{binary,          "sweep",   file.string(), "--out",
                                killed.string(), "--quiet", "--threads",   "2"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(), environ) == 0);
  // Wait until some items are committed, then kill without warning.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool some = false;
  while (!some && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const auto& f : qvsim::store_files(killed)) {
      try {
        const auto [id, origin] = qvsim::read_store_header(f);
        const auto s = qvsim::read_items({f}, id, origin.points, origin.replicates, nullptr);
        some = s.done >= 20;
      } catch (...) {
        // The file may be half-created at this instant; look again.
      }
    }
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(some);
  const bool finished_before_kill = fs::exists(killed / "runs.csv");
  INFO("the sweep finished before it could be killed: make it longer");
  CHECK_FALSE(finished_before_kill);

  // Without --resume the folder is refused; with it the sweep completes.
  std::string err;
  CHECK(cli({"sweep", file.string(), "--out", killed.string(), "--quiet"}, nullptr, &err) == 2);
  CHECK_THAT(err, Catch::Contains("--resume"));
  REQUIRE(cli({"sweep", file.string(), "--out", killed.string(), "--quiet", "--resume"}) == 0);
  CHECK(read(killed / "runs.csv") == read(full / "runs.csv"));
  CHECK(read(killed / "summary.csv") == read(full / "summary.csv"));
}

TEST_CASE("bad sweep commands exit 2 and write nothing", "[sweep]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, sweep_scenario("[4, 5]"));  // degree 5 is odd: point 2 is invalid
  const fs::path out = tmp.path / "out";
  std::string err;
  CHECK(cli({"sweep", file.string(), "--out", out.string()}, nullptr, &err) == 2);
  CHECK_THAT(err, Catch::Contains("graph.degree"));
  CHECK_FALSE(fs::exists(out));
  write(file, sweep_scenario());
  CHECK(cli({"sweep", file.string(), "--out", out.string(), "--shard", "4/3"}, nullptr, &err) == 2);
  CHECK_THAT(err, Catch::Contains("--shard"));
  CHECK(cli({"sweep", file.string(), "--out", out.string(), "--shard", "x"}) == 2);
  CHECK_FALSE(fs::exists(out));
  // A store of another sweep is refused.
  REQUIRE(cli({"sweep", file.string(), "--out", out.string(), "--quiet"}) == 0);
  write(file, sweep_scenario("[4, 8]"));
  CHECK(cli({"sweep", file.string(), "--out", out.string(), "--quiet", "--resume"}, nullptr,
            &err) == 2);
  CHECK_THAT(err, Catch::Contains("another sweep"));
}

TEST_CASE("dry run prints the plan and writes nothing", "[sweep]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, sweep_scenario());
  std::string out;
  REQUIRE(cli({"sweep", file.string(), "--out", (tmp.path / "o").string(), "--dry-run"}, &out) ==
          0);
  CHECK_THAT(out, Catch::Contains("4 points x 6 replicates = 24 work items"));
  CHECK_THAT(out, Catch::Contains("estimated time"));
  CHECK_FALSE(fs::exists(tmp.path / "o"));
}

TEST_CASE("a scenario without a sweep block is a one-point sweep equal to run", "[sweep]") {
  TempDir tmp;
  std::string text = sweep_scenario();
  text = text.substr(0, text.find("sweep:"));
  write(tmp.path / "s.yaml", text);
  REQUIRE(cli({"sweep", (tmp.path / "s.yaml").string(), "--out", (tmp.path / "sw").string(),
               "--quiet"}) == 0);
  REQUIRE(cli({"run", (tmp.path / "s.yaml").string(), "--out", (tmp.path / "run").string(),
               "--quiet"}) == 0);
  // Same rows, each prefixed with point 0.
  const auto sw = lines(read(tmp.path / "sw" / "runs.csv"));
  const auto run = lines(read(tmp.path / "run" / "runs.csv"));
  REQUIRE(sw.size() == run.size());
  for (std::size_t i = 1; i < sw.size(); ++i) CHECK(sw[i] == "0," + run[i]);
}

namespace {

// A tiny sweep for the tests that start many processes: 2 x 2 points, 3 replicates, 12 items.
std::string tiny_sweep() {
  return R"(name: tiny
seed: 5
replicates: 3
electorate:
  agents: 30
  proposals: 2
graph: {model: erdos_renyi, mean_degree: 4}
mechanisms: [quadratic]
arms:
  honest: {}
  bloc:
    collusion: {organizers: 2, max_size: 5, loyalty: 0.5}
sweep:
  design: grid
  parameters:
    graph.mean_degree: [4, 6]
    arms.bloc.collusion.organizers: [1, 2]
)";
}

struct Spawned {
  pid_t pid = 0;
  fs::path err;
};

// Starts QVSIM_BINARY with `args`, its stdout and stderr in `log` and `log`.err.
Spawned spawn_qvsim(const std::vector<std::string>& args, const fs::path& log) {
  const std::string binary = QVSIM_BINARY;
  std::vector<std::string> all{binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  Spawned s;
  s.err = log.string() + ".err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, s.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc = posix_spawn(&s.pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  return s;
}

// Waits for a spawned process; its exit code, or -signal when a signal ended it.
int wait_for(const Spawned& s) {
  int status = 0;
  REQUIRE(waitpid(s.pid, &status, 0) == s.pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace

TEST_CASE("8 shards started together into one folder always complete, equal to the whole sweep",
          "[sweep][shards]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, tiny_sweep());
  const fs::path whole = tmp.path / "whole";
  REQUIRE(cli({"sweep", file.string(), "--out", whole.string(), "--quiet", "--threads", "1"}) == 0);
  const std::string runs = read(whole / "runs.csv");
  const std::string summary = read(whole / "summary.csv");
  REQUIRE(lines(runs).size() == 1 + 12 * 2);
  // The README's job array: every shard --out the same folder, started at once, with --resume.
  for (int trial = 0; trial < 20; ++trial) {
    const fs::path dir = tmp.path / ("trial" + std::to_string(trial));
    std::vector<Spawned> shards;
    for (int i = 0; i < 8; ++i) {
      shards.push_back(spawn_qvsim({"sweep", file.string(), "--shard", std::to_string(i) + "/8",
                                    "--resume", "--threads", "1", "--quiet", "--out", dir.string()},
                                   tmp.path / ("log" + std::to_string(i))));
    }
    for (int i = 0; i < 8; ++i) {
      const int code = wait_for(shards[i]);
      INFO("trial " << trial << " shard " << i << ": " << read(shards[i].err));
      CHECK(code == 0);
    }
    INFO("trial " << trial);
    REQUIRE(fs::exists(dir / "runs.csv"));
    CHECK(read(dir / "runs.csv") == runs);
    CHECK(read(dir / "summary.csv") == summary);
    std::string status;
    CHECK(cli({"status", dir.string()}, &status) == 0);
    CHECK_THAT(status, Catch::Contains("12/12 items done"));
    CHECK_THAT(status, Catch::EndsWith("  complete\n"));
    for (const auto& e : fs::directory_iterator(dir))
      CHECK(e.path().string().find(".partial") == std::string::npos);
  }
}

TEST_CASE("the same shard started twice at once: one completes, the other exits 2",
          "[sweep][shards]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  std::string text = tiny_sweep();
  text.replace(text.find("replicates: 3"), 13, "replicates: 200");
  write(file, text);
  const fs::path whole = tmp.path / "whole";
  REQUIRE(cli({"sweep", file.string(), "--out", whole.string(), "--quiet"}) == 0);
  const fs::path dir = tmp.path / "out";
  // The first holds the store's lock from its start until it ends; the second, started while
  // the first runs, is refused.
  const Spawned first = spawn_qvsim(
      {"sweep", file.string(), "--resume", "--threads", "1", "--quiet", "--out", dir.string()},
      tmp.path / "first");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (qvsim::store_files(dir).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::string err;
  const int second =
      cli({"sweep", file.string(), "--resume", "--quiet", "--out", dir.string()}, nullptr, &err);
  const int code = wait_for(first);
  INFO(read(first.err));
  CHECK(code == 0);
  INFO("the first finished before the second started: make the sweep longer");
  REQUIRE(second == 2);
  CHECK_THAT(err, Catch::Contains("shard-0-of-1.lock: another qvsim process is writing "
                                  "shard-0-of-1.sqlite"));
  CHECK(read(dir / "runs.csv") == read(whole / "runs.csv"));
  CHECK(read(dir / "summary.csv") == read(whole / "summary.csv"));
}

TEST_CASE("merge reads a writer killed after its last commit, -wal file included",
          "[sweep][merge]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, tiny_sweep());
  const fs::path whole = tmp.path / "whole";
  REQUIRE(cli({"sweep", file.string(), "--out", whole.string(), "--quiet"}) == 0);
  const fs::path s0 = tmp.path / "s0";
  const fs::path s1 = tmp.path / "s1";
  REQUIRE(cli({"sweep", file.string(), "--out", s0.string(), "--quiet", "--shard", "0/2"}) == 0);
  REQUIRE(cli({"sweep", file.string(), "--out", s1.string(), "--quiet", "--shard", "1/2"}) == 0);
  // Shard 1's items, rewritten by a process that is killed right after its last commit.
  const fs::path store1 = s1 / "shard-1-of-2.sqlite";
  const auto [id, origin] = qvsim::read_store_header(store1);
  std::vector<qvsim::ItemResult> items;
  qvsim::for_each_row(
      {store1}, id, origin.points, origin.replicates,
      [&](const fs::path&, std::uint64_t p, std::uint64_t r, const std::string& row) {
        if (items.empty() || items.back().point != p || items.back().replicate != r)
          items.push_back({p, r, true, "", 0.0, ""});
        items.back().rows += row + "\n";
      });
  REQUIRE(items.size() == 6);
  const fs::path killed = tmp.path / "killed";
  fs::create_directories(killed);
  const fs::path store = killed / "shard-1-of-2.sqlite";
  const pid_t pid = fork();
  if (pid == 0) {
    try {
      qvsim::ResultStore st(store, id, origin);
      st.put(items);
      raise(SIGKILL);  // with the store still open: nothing checkpointed, its -wal left behind
    } catch (...) {
      _exit(3);
    }
    _exit(4);
  }
  REQUIRE(pid > 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  // The items are in the -wal file only: the .sqlite's bytes alone hold none of them.
  REQUIRE(fs::exists(killed / "shard-1-of-2.sqlite-wal"));
  REQUIRE(fs::file_size(killed / "shard-1-of-2.sqlite-wal") > 0);
  const fs::path bytes_only = tmp.path / "bytes-only";
  fs::create_directories(bytes_only);
  fs::copy_file(store, bytes_only / store.filename());
  CHECK(qvsim::store_files(bytes_only).empty());

  const fs::path merged = tmp.path / "merged";
  std::string out;
  REQUIRE(cli({"merge", merged.string(), s0.string(), killed.string()}, &out) == 0);
  CHECK_THAT(out, Catch::Contains("12 items"));
  CHECK(read(merged / "runs.csv") == read(whole / "runs.csv"));
  CHECK(read(merged / "summary.csv") == read(whole / "summary.csv"));
  // Nothing of the stores is copied into the output folder.
  for (const auto& e : fs::directory_iterator(merged)) {
    INFO(e.path());
    CHECK(e.path().string().find(".sqlite") == std::string::npos);
  }
  // `status` on the merged folder points at the folders that hold the stores.
  std::string status_err;
  CHECK(cli({"status", merged.string()}, nullptr, &status_err) == 2);
  CHECK_THAT(status_err, Catch::Contains("run `qvsim status` on the folders that were merged"));
  // Merging again into the same sweep's folder is allowed, into another sweep's is not.
  REQUIRE(cli({"merge", merged.string(), s0.string(), killed.string()}) == 0);
  CHECK(read(merged / "runs.csv") == read(whole / "runs.csv"));
  write(tmp.path / "other.yaml", sweep_scenario());
  const fs::path other = tmp.path / "other";
  REQUIRE(cli({"sweep", (tmp.path / "other.yaml").string(), "--out", other.string(), "--quiet"}) ==
          0);
  const std::string other_runs = read(other / "runs.csv");
  std::string err;
  CHECK(cli({"merge", other.string(), s0.string(), killed.string()}, nullptr, &err) == 2);
  CHECK_THAT(err, Catch::Contains("holds results of another sweep"));
  CHECK(read(other / "runs.csv") == other_runs);
}

TEST_CASE(
    "40 random byte flips in a store: exit 2 naming it, or a resume that gives the same bytes",
    "[sweep][store]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, tiny_sweep());
  const fs::path good = tmp.path / "good";
  REQUIRE(cli({"sweep", file.string(), "--out", good.string(), "--quiet", "--threads", "1"}) == 0);
  const std::string runs = read(good / "runs.csv");
  const std::string summary = read(good / "summary.csv");
  const std::string store = read(good / "shard-0-of-1.sqlite");
  REQUIRE(!fs::exists(good / "shard-0-of-1.sqlite-wal"));  // closed: everything in the file
  std::mt19937_64 rng(20261205);
  int refused = 0;
  for (int i = 0; i < 40; ++i) {
    const fs::path dir = tmp.path / ("flip" + std::to_string(i));
    fs::create_directories(dir);
    std::string bytes = store;
    const std::size_t at = rng() % bytes.size();
    const auto mask = static_cast<char>(1 + rng() % 255);
    bytes[at] = static_cast<char>(bytes[at] ^ mask);
    write(dir / "shard-0-of-1.sqlite", bytes);
    INFO("flip " << i << " at byte " << at);
    const Spawned resume = spawn_qvsim(
        {"sweep", file.string(), "--out", dir.string(), "--resume", "--quiet", "--threads", "1"},
        tmp.path / "resume");
    const int code = wait_for(resume);
    const std::string err = read(resume.err);
    INFO("stderr: " << err);
    REQUIRE(code >= 0);  // not a signal
    if (code == 0) {
      CHECK(read(dir / "runs.csv") == runs);
      CHECK(read(dir / "summary.csv") == summary);
    } else {
      ++refused;
      CHECK(code == 2);
      CHECK_THAT(err, Catch::Contains("shard-0-of-1.sqlite"));
      CHECK_FALSE(fs::exists(dir / "runs.csv"));
    }
    const Spawned status = spawn_qvsim({"status", dir.string()}, tmp.path / "status");
    const int status_code = wait_for(status);
    INFO("status: " << read(tmp.path / "status") << read(status.err));
    CHECK((status_code == 0 || status_code == 2));
  }
  // Most flips land in the rows (the bulk of the file) and are caught.
  CHECK(refused > 0);
}
