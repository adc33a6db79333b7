#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "app/cli.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using qvsim::run_cli;

namespace {

using qvsim::test::cli;
using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;

const char* const kScenario = R"(name: cli-test
seed: 424242
replicates: 8
electorate:
  agents: 9000
  proposals: 5
  values: {distribution: normal, mean: 0.1, sd: 1.0, homophily: 0.3}
  budget: {credits: 100}
graph: {model: watts_strogatz, degree: 6, rewire: 0.1}
mechanisms: [quadratic, one_person_one_vote, linear]
ballot: secret
arms:
  honest: {}
  same: {}
)";

}  // namespace

TEST_CASE("run writes every output and is identical at 1 and 2 threads", "[cli][determinism]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, kScenario);
  const auto one =
      cli({"run", file.string(), "--out", (tmp.path / "t1").string(), "--threads", "1"});
  REQUIRE(one.code == 0);
  const auto two =
      cli({"run", file.string(), "--out", (tmp.path / "t2").string(), "--threads", "2", "--quiet"});
  REQUIRE(two.code == 0);
  CHECK(two.out.empty());
  for (const char* f : {"runs.csv", "summary.csv", "summary.json"}) {
    INFO(f);
    CHECK(read(tmp.path / "t1" / f) == read(tmp.path / "t2" / f));
  }
  const std::string runs = read(tmp.path / "t1" / "runs.csv");
  // Header plus 8 replicates x 2 arms x 3 mechanisms.
  CHECK(std::count(runs.begin(), runs.end(), '\n') == 1 + 8 * 2 * 3);
  CHECK(runs.rfind("replicate,arm,mechanism,", 0) == 0);
  const std::string manifest = read(tmp.path / "t1" / "manifest.json");
  CHECK(manifest.find("\"seed\": 424242") != std::string::npos);
  CHECK(manifest.find("\"threads\": 1") != std::string::npos);
  CHECK(manifest.find("\"scenario_hash\": \"") != std::string::npos);
  CHECK(manifest.find("\"git_commit\"") != std::string::npos);
  // The terminal table names every arm and mechanism.
  CHECK(one.out.find("honest") != std::string::npos);
  CHECK(one.out.find("1p1v") != std::string::npos);
  // No temporary files are left behind.
  for (const auto& e : fs::directory_iterator(tmp.path / "t1"))
    CHECK(e.path().extension() != ".partial");
}

TEST_CASE("seed and replicates options override the scenario", "[cli]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, kScenario);
  REQUIRE(cli({"run", file.string(), "--out", (tmp.path / "a").string(), "--quiet"}).code == 0);
  REQUIRE(cli({"run", file.string(), "--out", (tmp.path / "b").string(), "--quiet", "--seed", "5"})
              .code == 0);
  CHECK(read(tmp.path / "a" / "runs.csv") != read(tmp.path / "b" / "runs.csv"));
  REQUIRE(cli({"run", file.string(), "--out", (tmp.path / "c").string(), "--quiet", "--replicates",
               "2"})
              .code == 0);
  const std::string runs = read(tmp.path / "c" / "runs.csv");
  CHECK(std::count(runs.begin(), runs.end(), '\n') == 1 + 2 * 2 * 3);
  // The first replicates do not depend on how many follow.
  const std::string full = read(tmp.path / "a" / "runs.csv");
  CHECK(full.rfind(runs, 0) == 0);
}

TEST_CASE("an output folder holding a run is never clobbered", "[cli]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, kScenario);
  const fs::path out = tmp.path / "out";
  REQUIRE(cli({"run", file.string(), "--out", out.string(), "--quiet"}).code == 0);
  const std::string before = read(out / "runs.csv");
  const auto again = cli({"run", file.string(), "--out", out.string(), "--quiet", "--seed", "9"});
  CHECK(again.code == 2);
  CHECK(again.err.find("--out") != std::string::npos);
  CHECK(read(out / "runs.csv") == before);

  // A failing run (bad scenario) with --overwrite leaves the earlier run intact too.
  const fs::path bad = tmp.path / "bad.yaml";
  write(bad, std::string(kScenario) + "bogus: 1\n");
  CHECK(cli({"run", bad.string(), "--out", out.string(), "--overwrite"}).code == 2);
  CHECK(read(out / "runs.csv") == before);

  REQUIRE(
      cli({"run", file.string(), "--out", out.string(), "--quiet", "--seed", "9", "--overwrite"})
          .code == 0);
  CHECK(read(out / "runs.csv") != before);
}

TEST_CASE("bad input exits 2 with one clear message", "[cli]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, kScenario);
  SECTION("missing file") {
    const auto r = cli({"run", (tmp.path / "nope.yaml").string()});
    CHECK(r.code == 2);
    CHECK(r.err.find("nope.yaml") != std::string::npos);
  }
  SECTION("unknown option") {
    const auto r = cli({"run", file.string(), "--thread", "2"});
    CHECK(r.code == 2);
    CHECK(r.err.find("--thread") != std::string::npos);
  }
  SECTION("bad option value") {
    const auto r = cli({"run", file.string(), "--threads", "two"});
    CHECK(r.code == 2);
    CHECK(r.err.find("--threads: must be a non-negative integer, got 'two'") != std::string::npos);
    CHECK(cli({"run", file.string(), "--replicates", "0"}).code == 2);
    CHECK(cli({"run", file.string(), "--seed"}).code == 2);
  }
  SECTION("unknown command and missing file argument") {
    CHECK(cli({"frobnicate"}).code == 2);
    CHECK(cli({"run"}).code == 2);
    CHECK(cli({"run", file.string(), "extra"}).code == 2);
  }
  SECTION("a bad scenario key names file, line and key") {
    write(file, std::string(kScenario) + "ballot_kind: public\n");
    const auto r = cli({"validate", file.string()});
    CHECK(r.code == 2);
    CHECK(r.err.find("s.yaml:15: ballot_kind: unknown key") != std::string::npos);
  }
}

TEST_CASE("validate reports run count and memory, help and version work", "[cli]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, kScenario);
  const auto r = cli({"validate", file.string()});
  CHECK(r.code == 0);
  CHECK(r.out.find("8 replicates x 2 arm(s) x 3 mechanism(s) = 48 runs") != std::string::npos);
  CHECK(r.out.find("estimated peak memory") != std::string::npos);
  const auto help = cli({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("qvsim run FILE") != std::string::npos);
  const auto version = cli({"--version"});
  CHECK(version.code == 0);
  CHECK(version.out.rfind("qvsim 0.1.0", 0) == 0);
}

TEST_CASE("an edge-list scenario runs on the file's graph", "[cli]") {
  TempDir tmp;
  std::string edges = "# a ring of 300 with chords\n";
  for (int a = 0; a < 300; ++a)
    edges += std::to_string(a * 10) + " " + std::to_string(((a + 1) % 300) * 10) + "\n";
  edges += "0 0\n10 0\n";  // a self-loop and a duplicate, both removed
  write(tmp.path / "edges.txt", edges);
  write(tmp.path / "s.yaml", R"(name: edges
seed: 1
replicates: 3
electorate:
  proposals: 3
graph: {model: edge_list, file: edges.txt}
arms: {honest: {}}
)");
  const auto r =
      cli({"run", (tmp.path / "s.yaml").string(), "--out", (tmp.path / "o").string(), "--quiet"});
  REQUIRE(r.code == 0);
  const std::string runs = read(tmp.path / "o" / "runs.csv");
  CHECK(runs.find(",300,300,") != std::string::npos);  // agents and edges columns
  const std::string manifest = read(tmp.path / "o" / "manifest.json");
  CHECK(manifest.find("\"self_loops_removed\": 1") != std::string::npos);
  CHECK(manifest.find("\"duplicates_removed\": 1") != std::string::npos);
  // validate counts the file's agents and their memory (issue 16: "0 agents, 0.0 MiB").
  const auto v = cli({"validate", (tmp.path / "s.yaml").string()});
  REQUIRE(v.code == 0);
  CHECK_THAT(v.out, Catch::Contains("  300 agents, 3 proposals"));
  CHECK_THAT(v.out, !Catch::Contains(" 0.0 "));  // small memory in KiB, not 0.0 MiB
}

TEST_CASE("golden run reproduces its pinned outputs", "[cli][golden]") {
  // See tests/data/golden_small.yaml for how to regenerate the pinned files deliberately.
  TempDir tmp;
  const fs::path data = QVSIM_TEST_DATA_DIR;
  REQUIRE(cli({"run", (data / "golden_small.yaml").string(), "--out", tmp.path.string(), "--quiet"})
              .code == 0);
  CHECK(read(tmp.path / "runs.csv") == read(data / "golden_small" / "runs.csv"));
  CHECK(read(tmp.path / "summary.csv") == read(data / "golden_small" / "summary.csv"));
}

// The README's usage synopsis (the block under "## Using it"): each command and the options it
// lists, continuation lines included.
std::map<std::string, std::set<std::string>> readme_synopsis() {
  const std::string readme = read(fs::path(QVSIM_SOURCE_DIR) / "README.md");
  const auto start = readme.find("<!-- not-run: usage synopsis -->");
  REQUIRE(start != std::string::npos);
  const auto open = readme.find("```text\n", start);
  const auto close = readme.find("```", open + 8);
  std::istringstream block(readme.substr(open + 8, close - open - 8));
  std::map<std::string, std::set<std::string>> options;
  std::string line;
  std::string command;
  while (std::getline(block, line)) {
    if (line.rfind("qvsim ", 0) == 0) {
      std::istringstream words(line.substr(6));
      words >> command;
    }
    // qvsim --help | --version, and qvsim COMMAND --help: not one command's options.
    if (command.rfind("--", 0) == 0 || command == "COMMAND") continue;
    for (std::size_t at = line.find("--"); at != std::string::npos; at = line.find("--", at + 2)) {
      std::size_t end = at + 2;
      while (end < line.size() &&
             (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '-'))
        ++end;
      options[command].insert(line.substr(at, end - at));
    }
    options[command];  // commands with no options (merge, status, report) are listed too
  }
  return options;
}

TEST_CASE("every command's --help exits 0 and names every option the README lists", "[cli]") {
  const auto synopsis = readme_synopsis();
  REQUIRE(synopsis.size() == 9);  // run validate sweep merge status analyze plot report threshold
  for (const auto& [command, options] : synopsis) {
    for (const char* flag : {"--help", "-h"}) {
      const auto r = cli({command, flag});
      INFO(command << ' ' << flag << '\n' << r.out << r.err);
      CHECK(r.code == 0);
      CHECK_THAT(r.out, Catch::Contains("qvsim " + command));
      for (const std::string& o : options) CHECK_THAT(r.out, Catch::Contains(o));
    }
  }
  CHECK(synopsis.at("run").count("--agents") == 1);  // the parse of the synopsis itself
  CHECK(synopsis.at("threshold").count("--max-replicates") == 1);
}

TEST_CASE("options take --opt value and --opt=value; mistakes get a did-you-mean", "[cli]") {
  TempDir tmp;
  const fs::path file = tmp.path / "s.yaml";
  write(file, kScenario);
  const auto spaced = cli({"run", file.string(), "--out", (tmp.path / "a").string(), "--quiet",
                           "--replicates", "2", "--seed", "5"});
  const auto joined = cli({"run", file.string(), "--out=" + (tmp.path / "b").string(), "--quiet",
                           "--replicates=2", "--seed=5"});
  REQUIRE(spaced.code == 0);
  REQUIRE(joined.code == 0);
  CHECK(read(tmp.path / "a" / "runs.csv") == read(tmp.path / "b" / "runs.csv"));
  CHECK(read(tmp.path / "a" / "runs.csv").find("\n1,") != std::string::npos);  // replicate 1 ran
  // An option given twice keeps its last value.
  const auto twice = cli({"run", file.string(), "--out", (tmp.path / "c").string(), "--quiet",
                          "--replicates", "7", "--replicates=2", "--seed", "5"});
  REQUIRE(twice.code == 0);
  CHECK(read(tmp.path / "c" / "runs.csv") == read(tmp.path / "a" / "runs.csv"));

  const auto typo = cli({"run", file.string(), "--thread", "2"});
  CHECK(typo.code == 2);
  CHECK_THAT(typo.err, Catch::Contains("--thread: unknown option for 'run'; did you mean "
                                       "'--threads'?"));
  const auto joined_typo = cli({"sweep", file.string(), "--replicate=2"});
  CHECK(joined_typo.code == 2);
  CHECK_THAT(joined_typo.err, Catch::Contains("--replicate: unknown option for 'sweep'; did you "
                                              "mean '--replicates'?"));
  const auto command = cli({"rnu", file.string()});
  CHECK(command.code == 2);
  CHECK_THAT(command.err, Catch::Contains("unknown command 'rnu'; did you mean 'run'?"));
  const auto analyze = cli({"analyze", tmp.path.string(), "--resample", "10"});
  CHECK(analyze.code == 2);
  CHECK_THAT(analyze.err, Catch::Contains("did you mean '--resamples'?"));
  const auto no_value = cli({"run", file.string(), "--seed"});
  CHECK(no_value.code == 2);
  CHECK_THAT(no_value.err, Catch::Contains("--seed: needs a value"));
  const auto missing = cli({"merge", (tmp.path / "m").string()});
  CHECK(missing.code == 2);
  CHECK_THAT(missing.err, Catch::Contains("'merge' needs OUT and at least one input DIR"));
  // A repeatable option takes one value per occurrence: DIR after --by is the folder.
  const auto by = cli({"analyze", "--by", "ballot", (tmp.path / "nothing").string()});
  CHECK(by.code == 2);
  CHECK_THAT(by.err, Catch::Contains("nothing"));
  CHECK_THAT(by.err, !Catch::Contains("needs DIR"));
}
