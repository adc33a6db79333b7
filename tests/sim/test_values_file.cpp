#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "sim/error.hpp"
#include "sim/model.hpp"
#include "sim/values_file.hpp"
#include "support/test_support.hpp"

using namespace qvsim;

namespace {

using qvsim::test::TempDir;
using qvsim::test::write;

constexpr const char* kLabel = "values.csv";
constexpr std::uint64_t kMaxBytes = 1 << 20;
const std::vector<std::uint64_t> kNoIds;

std::vector<double> read(const std::string& text, AgentId agents, std::uint32_t proposals,
                         const std::vector<std::uint64_t>& ids = kNoIds,
                         std::uint64_t max_bytes = kMaxBytes) {
  std::istringstream in(text);
  return read_values_file(in, kLabel, agents, proposals, ids, max_bytes);
}

// Reads `text`, which must fail, and checks the class, the line and a part of the message.
void check_error(const std::string& text, AgentId agents, std::uint32_t proposals, ErrorKind kind,
                 std::size_t line, const std::string& fragment,
                 const std::vector<std::uint64_t>& ids = kNoIds) {
  INFO("values file:\n" << text);
  try {
    read(text, agents, proposals, ids);
  } catch (const InputError& e) {
    INFO("error: " << e.what());
    CHECK(e.kind() == kind);
    CHECK(e.file() == kLabel);
    CHECK(e.line() == line);
    CHECK(e.key().empty());
    CHECK_THAT(e.message(), Catch::Contains(fragment));
    const std::string prefix =
        std::string(kLabel) + (line > 0 ? ":" + std::to_string(line) : "") + ": ";
    CHECK_THAT(e.what(), Catch::StartsWith(prefix));
    return;
  }
  FAIL("expected an InputError");
}

// A scenario for freeze(): 4 agents on a ring (or an edge list), 2 proposals, values from a file.
Scenario values_scenario(const std::filesystem::path& file) {
  Scenario s;
  s.name = "t";
  s.seed = 1;
  s.replicates = 1;
  s.agents = 4;
  s.proposals = 2;
  s.values.file = file;
  s.graph = WattsStrogatzSpec{2, 0.0};
  s.mechanisms = {Mechanism::quadratic};
  s.arms = {ArmSpec{"honest"}};
  s.source_file = "s.yaml";
  s.key_lines = {{"electorate", 4}, {"electorate.values", 6}, {"electorate.values.file", 7}};
  return s;
}

}  // namespace

TEST_CASE("a values file gives agent-major values in agent order", "[values_file]") {
  const std::vector<double> v = read(
      "# who cares about what\n"
      "agent,road, park \n"
      "\n"
      "0,1.5,-0.25\n"
      "  # an indented comment\n"
      "1 , -2 , +3e-1\r\n"
      "2,0,7",
      3, 2);
  CHECK(v == std::vector<double>{1.5, -0.25, -2.0, 0.3, 0.0, 7.0});
}

TEST_CASE("rows may come in any order", "[values_file]") {
  CHECK(read("agent,x\n2,20\n0,0\n1,10\n", 3, 1) == std::vector<double>{0.0, 10.0, 20.0});
  // A UTF-8 byte-order mark before the header is skipped.
  CHECK(read("\xEF\xBB\xBF"
             "agent,x,y\n1,3,4\n0,1,2\n",
             2, 2) == std::vector<double>{1.0, 2.0, 3.0, 4.0});
}

TEST_CASE("edge-list ids name the rows", "[values_file]") {
  // Agents 0, 1, 2 had ids 10, 20, 35 in the edge list.
  const std::vector<std::uint64_t> ids{10, 20, 35};
  CHECK(read("agent,x\n35,3\n10,1\n20,2\n", 3, 1, ids) == std::vector<double>{1.0, 2.0, 3.0});
  check_error("agent,x\n10,1\n2,2\n", 3, 1, ErrorKind::invalid, 3,
              "agent 2 is not a node of the edge list", ids);
  check_error("agent,x\n10,1\n35,3\n", 3, 1, ErrorKind::invalid, 0, "no row for agent 20", ids);
}

TEST_CASE("values file errors name the line", "[values_file]") {
  SECTION("a row with the wrong number of fields") {
    check_error("agent,a,b\n0,1,2\n1,3\n", 2, 2, ErrorKind::syntax, 3,
                "expected 3 comma-separated fields (agent, 2 value(s)), got 2");
    check_error("agent,a,b\n0,1,2,3\n", 1, 2, ErrorKind::syntax, 2, "got 4");
  }
  SECTION("a cell that is not a number names its column") {
    check_error("agent,a,b\n0,1,2\n1,3,lots\n", 2, 2, ErrorKind::syntax, 3,
                "column 'b': expected a number, got 'lots'");
    check_error("agent,a,b\n0,1,\n", 1, 2, ErrorKind::syntax, 2,
                "column 'b': expected a number, got ''");
    // An unnamed column is named by its position.
    check_error("agent,,b\n0,x,1\n", 1, 2, ErrorKind::syntax, 2, "column 2: expected a number");
  }
  SECTION("a cell that is not finite") {
    for (const char* cell : {"inf", "-inf", "nan", "1e999"}) {
      check_error(std::string("agent,a\n0,") + cell + "\n", 1, 1, ErrorKind::not_finite, 2,
                  std::string("column 'a': must be a finite number, got '") + cell + "'");
    }
  }
  SECTION("an id that is not a non-negative integer") {
    check_error("agent,a\n0,1\nx,1\n", 2, 1, ErrorKind::syntax, 3,
                "column 'agent': expected a non-negative integer id, got 'x'");
    check_error("agent,a\n-1,1\n", 2, 1, ErrorKind::syntax, 2, "got '-1'");
    check_error("agent,a\n1.0,1\n", 2, 1, ErrorKind::syntax, 2, "got '1.0'");
    check_error("agent,a\n99999999999999999999,1\n", 2, 1, ErrorKind::range, 2,
                "out of the 64-bit range");
  }
  SECTION("a second row for one agent, at the second row") {
    check_error("agent,a\n0,1\n1,2\n0,3\n", 3, 1, ErrorKind::invalid, 4,
                "agent 0 has a second row (the first is on line 2)");
    // More rows than agents stop the reading at the first repeat; the earliest one is named.
    check_error("agent,a\n1,1\n0,1\n1,2\n0,2\nzzz\n", 2, 1, ErrorKind::invalid, 4,
                "agent 1 has a second row (the first is on line 2)");
  }
  SECTION("an agent the scenario does not have") {
    check_error("agent,a\n0,1\n5,2\n", 3, 1, ErrorKind::invalid, 3,
                "agent 5 is not an agent: ids run from 0 to 2 (electorate.agents is 3)");
  }
  SECTION("a missing agent, the smallest one named, at line 0") {
    check_error("agent,a\n0,1\n3,1\n", 4, 1, ErrorKind::invalid, 0,
                "no row for agent 1 (2 of 4 agents have none");
    check_error("agent,a\n1,1\n0,1\n", 3, 1, ErrorKind::invalid, 0, "no row for agent 2");
  }
  SECTION("a header whose columns do not match the proposals") {
    check_error(
        "# c\nagent,a,b,c\n0,1,2,3\n", 1, 2, ErrorKind::invalid, 2,
        "has 3 proposal column(s) after 'agent', but the scenario has 2 (electorate.proposals; "
        "funding.projects in a funding scenario)");
    check_error("agent\n0\n", 1, 1, ErrorKind::invalid, 1, "has 0 proposal column(s)");
  }
  SECTION("a file without its header") {
    check_error("0,1,2\n1,3,4\n", 2, 2, ErrorKind::invalid, 1,
                "the header must start with 'agent', then name one column per proposal; got '0'");
  }
  SECTION("an empty file, or one without rows") {
    check_error("", 2, 1, ErrorKind::empty, 0, "is empty");
    check_error("# only a comment\n\n", 2, 1, ErrorKind::empty, 0, "is empty");
    check_error("agent,a\n# no rows\n", 2, 1, ErrorKind::empty, 0, "has a header but no rows");
  }
  SECTION("binary junk") {
    check_error(std::string("agent,a\n\x00\x01,\xff\n", 13), 2, 1, ErrorKind::syntax, 2,
                "column 'agent'");
  }
}

TEST_CASE("a values file larger than its shape can need is refused", "[values_file]") {
  // In memory: reading stops at the line that passes the limit.
  std::string text = "agent,a\n";
  for (int i = 0; i < 100; ++i) text += "# padding padding padding padding\n";
  std::istringstream in(text + "0,1\n1,1\n");
  try {
    read_values_file(in, kLabel, 2, 1, kNoIds, 1000);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::invalid);
    CHECK(e.line() > 1);
    CHECK(e.line() < 100);
    CHECK_THAT(e.message(), Catch::Contains("is larger than a values file for 2 agents"));
  }
  // On disk: the size is checked before anything is read.
  TempDir dir;
  const auto file = dir.path / "big.csv";
  write(file, std::string(max_values_file_bytes(2, 1) + 1, '#'));
  CHECK_THROWS_WITH(load_values_file(file, 2, 1, kNoIds), Catch::Contains("bytes, more than the"));
  // The limit grows with the shape and saturates instead of overflowing.
  CHECK(max_values_file_bytes(10, 1) > 10 * 64);
  CHECK(max_values_file_bytes(4294967295u, 4294967295u) == UINT64_MAX);
}

TEST_CASE("only regular files are read as values files", "[values_file]") {
  TempDir dir;
  const auto check_io = [](const std::filesystem::path& p, const std::string& fragment) {
    try {
      load_values_file(p, 2, 1, kNoIds);
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      CHECK(e.kind() == ErrorKind::io);
      CHECK(e.file() == p.string());
      CHECK_THAT(e.message(), Catch::Contains(fragment));
    }
  };
  check_io(dir.path / "missing.csv", "No such file or directory");
  check_io(dir.path, "not a regular file");
  // Neither a FIFO (which would block) nor an endless device is opened.
  const auto fifo = dir.path / "fifo.csv";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  check_io(fifo, "not a regular file");
  check_io("/dev/zero", "not a regular file");
  write(dir.path / "ok.csv", "agent,a\n1,2\n0,1\n");
  CHECK(load_values_file(dir.path / "ok.csv", 2, 1, kNoIds) == std::vector<double>{1.0, 2.0});
}

TEST_CASE("freeze loads the values file once into the model", "[values_file]") {
  TempDir dir;
  SECTION("a generated graph: ids are agent numbers") {
    write(dir.path / "v.csv", "agent,p0,p1\n3,7,8\n0,1,2\n1,3,4\n2,5,6\n");
    const Model m = freeze(values_scenario(dir.path / "v.csv"));
    REQUIRE(m.fixed_values);
    CHECK(*m.fixed_values == std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8});
  }
  SECTION("an edge list: ids are the file's node ids") {
    write(dir.path / "edges.txt", "10 20\n20 30\n30 45\n");
    write(dir.path / "v.csv", "agent,p0,p1\n45,7,8\n10,1,2\n20,3,4\n30,5,6\n");
    Scenario s = values_scenario(dir.path / "v.csv");
    s.graph = EdgeListSpec{dir.path / "edges.txt"};
    s.agents = 0;
    const Model m = freeze(s);
    CHECK(m.scenario.agents == 4);
    REQUIRE(m.fixed_values);
    CHECK(*m.fixed_values == std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8});
  }
  SECTION("no file, no fixed values") {
    Scenario s = values_scenario("");
    CHECK_FALSE(freeze(s).fixed_values);
    CHECK_FALSE(describe(values_scenario(dir.path / "v.csv")).fixed_values);
  }
  SECTION("a missing file is blamed on the scenario's key") {
    try {
      freeze(values_scenario(dir.path / "nope.csv"));
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      CHECK(e.kind() == ErrorKind::io);
      CHECK(e.file() == "s.yaml");
      CHECK(e.line() == 7);
      CHECK(e.key() == "electorate.values.file");
      CHECK_THAT(e.message(), Catch::Contains("cannot open values file"));
      CHECK_THAT(e.message(), Catch::Contains("No such file or directory"));
    }
  }
  SECTION("an error inside the file names the file and its line") {
    write(dir.path / "v.csv", "agent,p0,p1\n0,1,2\n1,3,4\n1,5,6\n");
    try {
      freeze(values_scenario(dir.path / "v.csv"));
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      CHECK(e.file() == (dir.path / "v.csv").string());
      CHECK(e.line() == 4);
      CHECK_THAT(e.message(), Catch::Contains("agent 1 has a second row"));
    }
  }
}
