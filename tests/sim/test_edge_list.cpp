#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "sim/edge_list.hpp"
#include "sim/error.hpp"
#include "sim/graph_generators.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim {
namespace {

EdgeListLoad read_text(const std::string& text) {
  std::istringstream in(text);
  return read_edge_list(in, "edges.txt");
}

std::vector<AgentId> neighbors_of(const Graph& g, AgentId a) {
  return {g.neighbors(a).begin(), g.neighbors(a).end()};
}

bool same_adjacency(const Graph& x, const Graph& y) {
  return x.csr().m_forward.m_rowstart == y.csr().m_forward.m_rowstart &&
         x.csr().m_forward.m_column == y.csr().m_forward.m_column;
}

}  // namespace

TEST_CASE("edge list with comments, blank lines, duplicates and self-loops", "[edge_list]") {
  const EdgeListLoad load = read_text(
      "# a SNAP-style header\n"
      "10 20\n"
      "20 10   # the same edge reversed\n"
      "\n"
      "10 20\n"
      "1000000000000 10\n"
      "   \n"
      "30 30\n"
      "\t20\t1000000000000\r\n"
      "# trailing comment");
  const Graph& g = load.graph;
  CHECK(load.lines == 10);
  CHECK(load.edge_lines == 6);
  CHECK(load.self_loops_removed == 1);
  CHECK(load.duplicates_removed == 2);
  // Ids are ranked ascending: 10 -> 0, 20 -> 1, 30 -> 2, 10^12 -> 3. Id 30 appears only on a
  // self-loop, so its agent has no edges.
  REQUIRE(g.num_agents() == 4);
  CHECK(g.original_ids() == std::vector<std::uint64_t>{10, 20, 30, 1000000000000});
  CHECK(g.num_edges() == 3);
  CHECK(neighbors_of(g, 0) == std::vector<AgentId>{1, 3});
  CHECK(neighbors_of(g, 1) == std::vector<AgentId>{0, 3});
  CHECK(neighbors_of(g, 2).empty());
  CHECK(neighbors_of(g, 3) == std::vector<AgentId>{0, 1});
}

TEST_CASE("edge list ids are ranked ascending whether dense or sparse", "[edge_list]") {
  SECTION("small ids with gaps") {
    const EdgeListLoad load = read_text("9 5\n7 9\n");
    CHECK(load.graph.original_ids() == std::vector<std::uint64_t>{5, 7, 9});
    CHECK(neighbors_of(load.graph, 2) == std::vector<AgentId>{0, 1});
  }
  SECTION("ids up to the 64-bit maximum") {
    const EdgeListLoad load = read_text("18446744073709551615 0\n0 4294967296\n");
    CHECK(load.graph.original_ids() ==
          std::vector<std::uint64_t>{0, 4294967296, 18446744073709551615u});
    CHECK(neighbors_of(load.graph, 0) == std::vector<AgentId>{1, 2});
  }
}

TEST_CASE("malformed edge lines name the line and the problem", "[edge_list]") {
  struct Case {
    std::string text;
    std::size_t line;
    std::string message;
  };
  const Case c = GENERATE(
      Case{"1 2\nfoo bar\n", 2, "expected two non-negative integer ids, got 'foo bar'"},
      Case{"1 2\n\n# comment\n3\n", 4, "expected two non-negative integer ids, got '3'"},
      Case{"3 # only one id\n", 1, "expected two non-negative integer ids, got '3'"},
      Case{"1 2\n1 -2\n", 2, "expected two non-negative integer ids, got '1 -2'"},
      Case{"1 2.5\n", 1, "expected two non-negative integer ids, got '1 2.5'"},
      Case{"1 2abc\n", 1, "expected two non-negative integer ids, got '1 2abc'"},
      Case{"1 +2\n", 1, "expected two non-negative integer ids, got '1 +2'"},
      Case{"1 2\n2 3\n1 2 x\n", 3, "third field 'x' on an edge line"},
      Case{"1 2 3 # weighted\n", 1, "third field '3' on an edge line"},
      Case{"1 18446744073709551616\n", 1, "id '18446744073709551616' is out of the 64-bit range"});
  CAPTURE(c.text);
  try {
    read_text(c.text);
    FAIL("no InputError thrown");
  } catch (const InputError& e) {
    CHECK(e.file() == "edges.txt");
    CHECK(e.line() == c.line);
    CHECK_THAT(e.message(), Catch::Contains(c.message));
    CHECK_THAT(std::string(e.what()),
               Catch::StartsWith("edges.txt:" + std::to_string(c.line) + ": "));
  }
}

TEST_CASE("edge lists are read in blocks: lines across block ends, long lines, last lines",
          "[edge_list]") {
  // The reader takes the input in blocks growing to 1 MiB; these inputs are several blocks long,
  // with lines of every shape (plain, tabbed, \r\n, comments, a 20-digit id the fast path leaves to
  // the full parser), so lines straddle block ends at many offsets. Expected: the edges as written.
  std::string text;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> written;
  std::uint64_t lines = 0;
  Stream rng(StreamKey{3, 0, 0, 0, 0, Purpose::test});
  while (text.size() < 3'500'000) {
    const std::uint64_t a = rng.below(5000);
    const std::uint64_t b = rng.below(5000);
    switch (rng.below(6)) {
      case 0: text += std::to_string(a) + " " + std::to_string(b) + "\n"; break;
      case 1: text += std::to_string(a) + "\t\t" + std::to_string(b) + "  \n"; break;
      case 2: text += std::to_string(a) + " " + std::to_string(b) + "\r\n"; break;
      case 3: text += "  " + std::to_string(a) + " " + std::to_string(b) + " # note\n"; break;
      case 4: text += "# comment " + std::string(rng.below(200), 'x') + "\n"; break;
      default: text += "\n"; break;
    }
    ++lines;
  }
  // Recount what was written from the text itself, line by line.
  {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line.substr(0, line.find('#')));
      std::uint64_t a = 0;
      std::uint64_t b = 0;
      if (fields >> a >> b) written.emplace_back(a, b);
    }
  }
  // A line longer than two blocks, then a 20-digit id, then a last line without its newline.
  text += "# " + std::string(2'500'000, 'y') + "\n";
  text += "18446744073709551615 7\n";
  text += "4999 0";
  lines += 3;
  written.emplace_back(18446744073709551615u, 7);
  written.emplace_back(4999, 0);

  // Blocks of whole lines from 256 KiB on are parsed in pieces in parallel: the same load at
  // any thread count.
  const EdgeListLoad load = read_text(text);
  for (unsigned threads : {1u, 3u}) {
    CAPTURE(threads);
    EdgeListLoad other;
    with_threads(threads, [&] { other = read_text(text); });
    CHECK(other.lines == load.lines);
    CHECK(same_adjacency(other.graph, load.graph));
    CHECK(other.graph.original_ids() == load.graph.original_ids());
  }
  CHECK(load.lines == lines);
  CHECK(load.edge_lines == written.size());
  // The same edges as a from_edges of the ids, ranked.
  std::vector<std::uint64_t> ids;
  for (const auto& [a, b] : written) {
    ids.push_back(a);
    ids.push_back(b);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  CHECK(load.graph.original_ids() == ids);
  std::vector<std::pair<AgentId, AgentId>> ranked;
  const auto rank = [&](std::uint64_t id) {
    return static_cast<AgentId>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
  };
  for (const auto& [a, b] : written) ranked.emplace_back(rank(a), rank(b));
  const Graph expected = Graph::from_edges(static_cast<AgentId>(ids.size()), ranked);
  CHECK(same_adjacency(load.graph, expected));
  CHECK(load.self_loops_removed == expected.build_stats().self_loops_removed);
  CHECK(load.duplicates_removed == expected.build_stats().duplicates_removed);

  // An error past the first block still names its line.
  try {
    read_text(text + "\n5 5 5\n");
    FAIL("no InputError thrown");
  } catch (const InputError& e) {
    CHECK(e.line() == lines + 1);
    CHECK_THAT(e.message(), Catch::Contains("third field '5' on an edge line"));
  }
}

TEST_CASE("edge lists parsed in parallel pieces report the first bad line and the memory bound",
          "[edge_list]") {
  // 300,000 plain lines (about 3 MB) are parsed in pieces of 128 KiB. Two bad lines sit in
  // different pieces of one block; the first is reported, at any thread count.
  std::string text;
  for (int i = 0; i < 300000; ++i) {
    if (i == 150000) text += "1 x\n";  // line 150,001
    if (i == 150000 + 20000) text += "7 8 9\n";
    text += std::to_string(i) + " " + std::to_string(i + 1) + "\n";
  }
  for (unsigned threads : {1u, 2u, 3u}) {
    CAPTURE(threads);
    try {
      with_threads(threads, [&] { read_text(text); });
      FAIL("no InputError thrown");
    } catch (const InputError& e) {
      CHECK(e.line() == 150001);
      CHECK_THAT(e.message(), Catch::Contains("expected two non-negative integer ids, got '1 x'"));
    }
  }
  // The memory guard's bound on edge lines names the first line past it.
  std::string plain;
  for (int i = 0; i < 200000; ++i) plain += std::to_string(i) + " 0\n";
  for (unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    try {
      with_threads(threads, [&] {
        std::istringstream in(plain);
        read_edge_list(in, "edges.txt", 123457 * kEdgeLoadBytes);
      });
      FAIL("no InputError thrown");
    } catch (const InputError& e) {
      CHECK(e.line() == 123458);
      CHECK(e.kind() == ErrorKind::resources);
      CHECK_THAT(e.message(), Catch::Contains("more than 123457 edge lines"));
    }
  }
}

TEST_CASE("an edge list without edges is an error", "[edge_list]") {
  const std::string text = GENERATE(std::string(""), std::string("# only a comment\n\n   \n"));
  CAPTURE(text);
  try {
    read_text(text);
    FAIL("no InputError thrown");
  } catch (const InputError& e) {
    CHECK(e.file() == "edges.txt");
    CHECK(e.line() == 0);
    CHECK_THAT(e.message(), Catch::Contains("no edges"));
  }
}

TEST_CASE("load_edge_list reads a file and names a missing one", "[edge_list]") {
  const std::string dir = QVSIM_TEST_DATA_DIR;
  const EdgeListLoad load = load_edge_list(dir + "/edges_triangle_tail.txt");
  CHECK(load.graph.num_agents() == 4);
  CHECK(load.graph.num_edges() == 4);
  CHECK(load.edge_lines == 4);
  CHECK(load.graph.original_ids() == std::vector<std::uint64_t>{1, 2, 3, 4});

  const std::string missing = dir + "/edges_does_not_exist.txt";
  try {
    load_edge_list(missing);
    FAIL("no InputError thrown");
  } catch (const InputError& e) {
    CHECK(e.file() == missing);
    CHECK_THAT(e.message(), Catch::Contains("cannot open edge list: No such file or directory"));
  }
}

TEST_CASE("write_edge_list output reads back as the same graph", "[edge_list]") {
  SECTION("a generated graph") {
    // Every Barabasi-Albert agent has an edge, so none is lost in the file.
    const Graph g = barabasi_albert(300, 3, StreamKey{31, 0, 0, 0, 0, Purpose::test});
    std::ostringstream out;
    write_edge_list(g, out);
    const std::string text = out.str();
    CHECK(text.rfind("# ", 0) == 0);
    std::istringstream in(text);
    const EdgeListLoad load = read_edge_list(in, "roundtrip");
    CHECK(load.edge_lines == g.num_edges());
    CHECK(load.duplicates_removed == 0);
    CHECK(same_adjacency(load.graph, g));
    REQUIRE(load.graph.original_ids().size() == 300);
    for (AgentId a = 0; a < 300; ++a) REQUIRE(load.graph.original_ids()[a] == a);
  }
  SECTION("a loaded graph keeps its original ids") {
    const EdgeListLoad first = read_text("1000000000000 10\n10 20\n20 77\n77 10\n5 20\n");
    std::ostringstream out;
    write_edge_list(first.graph, out);
    // Lines are "a b" with a < b, in ascending order, in original ids.
    CHECK(out.str().substr(out.str().find('\n') + 1) ==
          "5 20\n10 20\n10 77\n10 1000000000000\n20 77\n");
    std::istringstream in(out.str());
    const EdgeListLoad second = read_edge_list(in, "roundtrip");
    CHECK(same_adjacency(second.graph, first.graph));
    CHECK(second.graph.original_ids() == first.graph.original_ids());
  }
}

}  // namespace qvsim
