// What a sweep folder records and says, with the real binary in child processes (issue 16, items
// 2-3): a merged or sharded sweep carries a whole sweep's manifest, summary.json and provenance;
// merge leaves no SQLite side files; shard records are appended; a resume reuses the overrides a
// sweep was started with; `status` gives the exact command that continues each shard.

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "sim/hash.hpp"
#include "support/child.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using qvsim::test::Exit;
using qvsim::test::read;
using qvsim::test::run_qvsim;
using qvsim::test::TempDir;
using qvsim::test::write;

const char* const kSweep = R"(name: prov-sweep
seed: 99
replicates: 2
electorate:
  agents: 120
  proposals: 3
  budget: {credits: 100}
graph: {model: erdos_renyi, mean_degree: 4}
mechanisms: [quadratic]
arms:
  honest: {}
  bloc:
    collusion: {organizers: 3, max_size: 20}
sweep:
  design: grid
  parameters:
    arms.bloc.collusion.organizers: [2, 6]
)";

// The text of `text` between the first `from` and the next `to` after it ("" when absent).
std::string between(const std::string& text, const std::string& from, const std::string& to) {
  const auto a = text.find(from);
  if (a == std::string::npos) return {};
  const auto b = text.find(to, a + from.size());
  return b == std::string::npos ? std::string() : text.substr(a, b - a);
}

// Files SQLite leaves beside a store it did not close cleanly, anywhere under `dir`.
std::vector<std::string> side_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.size() > 4 && (n.substr(n.size() - 4) == "-shm" || n.substr(n.size() - 4) == "-wal"))
      out.push_back(fs::relative(e.path(), dir).string());
  }
  return out;
}

// The words of the command `status` prints after `lead` (in single quotes), without "qvsim".
std::vector<std::string> printed_command(const std::string& status, const std::string& lead) {
  const auto a = status.find(lead + "'qvsim ");
  REQUIRE(a != std::string::npos);
  const auto start = a + lead.size() + 7;
  std::istringstream words(status.substr(start, status.find('\'', start) - start));
  std::vector<std::string> out;
  for (std::string w; words >> w;) out.push_back(w);
  return out;
}

std::string hex(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

TEST_CASE("a merged sweep carries a whole sweep's manifest, summary.json and provenance",
          "[sweep][provenance]") {
  TempDir tmp;
  write(tmp.path / "s.yaml", kSweep);
  const std::vector<std::string> common{"s.yaml", "--quiet", "--replicates", "3"};
  auto sweep = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args{"sweep"};
    args.insert(args.end(), common.begin(), common.end());
    args.insert(args.end(), {"--out", out});
    args.insert(args.end(), extra.begin(), extra.end());
    const Exit x = run_qvsim(args, tmp.path);
    INFO(x.err);
    REQUIRE(x.code == 0);
  };
  sweep("whole", {});
  sweep("s0", {"--shard", "0/2"});
  sweep("s1", {"--shard", "1/2"});
  const Exit merge = run_qvsim({"merge", "merged", "s0", "s1"}, tmp.path);
  INFO(merge.err);
  REQUIRE(merge.code == 0);
  REQUIRE(run_qvsim({"status", "s0"}, tmp.path).code == 0);
  CHECK(side_files(tmp.path).empty());

  const fs::path whole = tmp.path / "whole";
  const fs::path merged = tmp.path / "merged";
  REQUIRE(fs::exists(whole / "summary.json"));
  CHECK(read(merged / "summary.json") == read(whole / "summary.json"));
  CHECK_THAT(read(whole / "summary.json"), Catch::Contains("\"scenario\": \"prov-sweep\""));
  const std::string m = read(whole / "manifest.json");
  const std::string n = read(merged / "manifest.json");
  for (const char* key :
       {"\"name\": \"prov-sweep\"", "\"qvsim_version\"", "\"git_commit\"",
        "\"scenario_file\": \"s.yaml\"", "\"scenario_text\"", "\"replicates\": 3"}) {
    CHECK_THAT(m, Catch::Contains(key));
  }
  // The same manifest but for how it was run (threads, shards, the stores and their records).
  CHECK(between(m, "{", "\"shards\"") == between(n, "{", "\"shards\""));
  CHECK(between(m, "\"point_list\"", "\"stores\"") == between(n, "\"point_list\"", "\"stores\""));
  CHECK(m.substr(m.find("\"files\"")) == n.substr(n.find("\"files\"")));
  CHECK_THAT(m, Catch::Contains("\"fnv1a64\": \"" + hex(qvsim::fnv1a64(read(whole / "runs.csv")))));
  CHECK_THAT(n, Catch::Contains("s1/shard-1-of-2.sqlite"));
  // `report` on the merged folder calls it a sweep, with its scenario file.
  ::setenv("QVSIM_ANALYSIS_DIR", QVSIM_SOURCE_DIR "/analysis", 1);
  if (std::system("/usr/bin/python3 -c 'import matplotlib, pandas, numpy' >/dev/null 2>&1") == 0) {
    REQUIRE(run_qvsim({"report", "merged"}, tmp.path).code == 0);
    const std::string html = read(merged / "report.html");
    CHECK_THAT(html, Catch::Contains("<dt>kind</dt><dd>sweep</dd>"));
    CHECK_THAT(html, Catch::Contains("<dt>scenario file</dt><dd>s.yaml</dd>"));
  }
  // Each shard folder's manifest has the same provenance.
  CHECK(between(read(tmp.path / "s0" / "manifest.json"), "{", "\"shards\"") ==
        between(m, "{", "\"shards\""));
}

TEST_CASE("a no-op --resume appends its record and keeps the first run's", "[sweep][provenance]") {
  TempDir tmp;
  write(tmp.path / "s.yaml", kSweep);
  REQUIRE(run_qvsim({"sweep", "s.yaml", "--out", "out", "--quiet"}, tmp.path).code == 0);
  const fs::path log = tmp.path / "out" / "shard-0-of-1.json";
  const std::string before = read(log);
  const std::string first = between(before, "\"runs\"", "}");
  REQUIRE_THAT(first, Catch::Contains("\"items_written\": 4"));
  REQUIRE(run_qvsim({"sweep", "s.yaml", "--out", "out", "--quiet", "--resume"}, tmp.path).code ==
          0);
  const std::string after = read(log);
  CHECK(between(after, "\"runs\"", "}") == first);  // start and wall time kept
  CHECK_THAT(after, Catch::Contains("\"items_written\": 0"));
  CHECK_THAT(after, Catch::Contains("\"resumed\": true"));

  // A record file of an older qvsim (one run's object) becomes the first record.
  write(log, "{\n  \"store\": \"shard-0-of-1.sqlite\",\n  \"items_written\": 77\n}\n");
  REQUIRE(run_qvsim({"sweep", "s.yaml", "--out", "out", "--quiet", "--resume"}, tmp.path).code ==
          0);
  const std::string now = read(log);
  CHECK_THAT(between(now, "\"runs\"", "}"), Catch::Contains("\"items_written\": 77"));
  CHECK_THAT(now, Catch::Contains("\"items_written\": 0"));
}

TEST_CASE("a resume after an override-started sweep continues it to an uninterrupted one's bytes",
          "[sweep][resume]") {
  TempDir tmp;
  write(tmp.path / "s.yaml", kSweep);
  REQUIRE(run_qvsim({"sweep", "s.yaml", "--out", "full", "--quiet", "--replicates", "5"}, tmp.path)
              .code == 0);
  REQUIRE(run_qvsim({"sweep", "s.yaml", "--out", "part", "--quiet", "--replicates", "5"}, tmp.path)
              .code == 0);
  // Cut the sweep short as an interruption does: only the first two replicates of each point
  // are stored, nothing is exported.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((tmp.path / "part" / "shard-0-of-1.sqlite").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "DELETE FROM items WHERE replicate >= 2;"
                         "DELETE FROM runs WHERE replicate >= 2;",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    for (const char* f : {"runs.csv", "summary.csv", "summary.json"})
      fs::remove(tmp.path / "part" / f);
  }
  const Exit status = run_qvsim({"status", "part"}, tmp.path);
  INFO(status.out << status.err);
  REQUIRE(status.code == 0);
  CHECK_THAT(status.out, Catch::Contains("incomplete"));

  SECTION("following status literally") {
    const auto cmd = printed_command(status.out, "continue with ");
    CHECK(cmd == std::vector<std::string>{"sweep", "s.yaml", "--out", "part", "--replicates", "5",
                                          "--resume"});
    const Exit resume = run_qvsim(cmd, tmp.path);
    INFO(resume.err);
    REQUIRE(resume.code == 0);
  }
  SECTION("--resume alone reuses the overrides the store recorded") {
    const Exit resume = run_qvsim({"sweep", "s.yaml", "--out", "part", "--resume"}, tmp.path);
    INFO(resume.err);
    REQUIRE(resume.code == 0);
    CHECK_THAT(resume.err, Catch::Contains("resuming with --replicates 5"));
  }
  SECTION("other overrides are refused with the command that continues") {
    const Exit resume =
        run_qvsim({"sweep", "s.yaml", "--out", "part", "--resume", "--replicates", "4"}, tmp.path);
    CHECK(resume.code == 2);
    CHECK_THAT(resume.err, Catch::Contains("started with --replicates 5"));
    CHECK_THAT(resume.err,
               Catch::Contains("qvsim sweep s.yaml --out part --replicates 5 --resume"));
    return;
  }
  CHECK(read(tmp.path / "part" / "runs.csv") == read(tmp.path / "full" / "runs.csv"));
  CHECK(read(tmp.path / "part" / "summary.csv") == read(tmp.path / "full" / "summary.csv"));
  CHECK(read(tmp.path / "part" / "summary.json") == read(tmp.path / "full" / "summary.json"));
}

TEST_CASE("status says a finished shard is done and how to run the one missing",
          "[sweep][resume]") {
  TempDir tmp;
  write(tmp.path / "s.yaml", kSweep);
  REQUIRE(
      run_qvsim({"sweep", "s.yaml", "--out", "a", "--quiet", "--replicates", "3", "--shard", "0/2"},
                tmp.path)
          .code == 0);
  const Exit status = run_qvsim({"status", "a"}, tmp.path);
  INFO(status.out);
  REQUIRE(status.code == 0);
  CHECK_THAT(status.out, Catch::Contains("shard 0/2: 3/3 items done; done\n"));
  CHECK_THAT(status.out, Catch::Contains("shard 1/2: 0/3 items done; not run in this folder"));
  const auto cmd = printed_command(status.out, "run it with ");
  CHECK(cmd == std::vector<std::string>{"sweep", "s.yaml", "--out", "a", "--shard", "1/2",
                                        "--replicates", "3", "--resume"});
  REQUIRE(run_qvsim(cmd, tmp.path).code == 0);
  const Exit done = run_qvsim({"status", "a"}, tmp.path);
  CHECK_THAT(done.out, Catch::Contains("shard 1/2: 3/3 items done; done\n"));
  CHECK_THAT(done.out, Catch::EndsWith("  complete\n"));
}
