// Provenance, with the real binary in child processes (issue 16, items 1-3): derived files record
// the results they were made from and `report` never shows a figure of other results; a merged
// or sharded sweep carries a whole sweep's manifest and summary.json; shard records are appended;
// a resume reuses the overrides a sweep was started with, and `status` says how to continue.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "api/provenance.hpp"
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

bool have_matplotlib() {
  ::setenv("QVSIM_ANALYSIS_DIR", QVSIM_SOURCE_DIR "/analysis", 1);
  static const bool ok =
      std::system("/usr/bin/python3 -c 'import matplotlib, pandas, numpy' >/dev/null 2>&1") == 0;
  return ok;
}

std::string hex(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// The results hash as docs/outputs.md defines it, computed here independently of qvsim's code.
std::string results_hash(const fs::path& dir) {
  std::vector<std::string> names;
  for (const char* n : {"runs.csv", "summary.csv"})
    if (fs::exists(dir / n)) names.emplace_back(n);
  std::vector<std::string> thresholds;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("threshold", 0) == 0 && e.path().extension() == ".csv") thresholds.push_back(n);
  }
  std::sort(thresholds.begin(), thresholds.end());
  names.insert(names.end(), thresholds.begin(), thresholds.end());
  std::string lines;
  for (const auto& n : names) lines += n + " " + hex(qvsim::fnv1a64(read(dir / n))) + "\n";
  return hex(qvsim::fnv1a64(lines));
}

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (const char c : in) {
    const auto at = kAlphabet.find(c);
    if (at == std::string::npos) break;  // '=' padding
    v = (v << 6) | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

// The results hash each figure embedded in a report records in its own bytes ("" when none).
std::vector<std::string> report_figure_hashes(const std::string& html) {
  std::vector<std::string> out;
  const std::string tag = "qvsim results fnv1a64 ";
  for (std::size_t at = 0; (at = html.find(";base64,", at)) != std::string::npos;) {
    at += 8;
    const std::string figure = base64_decode(html.substr(at, html.find('"', at) - at));
    const auto h = figure.find(tag);
    out.push_back(h == std::string::npos ? "" : figure.substr(h + tag.size(), 16));
  }
  return out;
}

// The value of a column of plots/figures.tsv for the figure `name`.
std::string figure_cell(const fs::path& plots, const std::string& name, const std::string& col) {
  std::istringstream in(read(plots / "figures.tsv"));
  auto cells = [](const std::string& line) {
    std::vector<std::string> c;
    std::istringstream s(line);
    for (std::string x; std::getline(s, x, '\t');) c.push_back(x);
    return c;
  };
  std::string line;
  std::getline(in, line);
  const auto header = cells(line);
  const auto at = std::find(header.begin(), header.end(), col) - header.begin();
  while (std::getline(in, line)) {
    const auto c = cells(line);
    if (!c.empty() && c[0] == name && static_cast<std::size_t>(at) < c.size()) return c[at];
  }
  return "<none>";
}

std::string scenario(int replicates) {
  return "name: prov\nseed: 5\nreplicates: " + std::to_string(replicates) +
         "\nelectorate:\n  agents: 150\n  proposals: 3\n  budget: {credits: 100}\n"
         "graph: {model: erdos_renyi, mean_degree: 4}\nmechanisms: [quadratic, "
         "one_person_one_vote]\narms:\n  honest: {}\n  bloc:\n    collusion: {organizers: 3, "
         "max_size: 20}\n";
}

const char* const kThresholdCsv =
    "method,arm,mechanism,ballot,group,attack,metric,direction,target,status,threshold,"
    "interval_low,interval_high,note\n"
    "bisection,threats,quadratic,public,,arms.threats.coercion.coercers,flip_rate,increasing,0.5,"
    "found,3,2,4,\n";

}  // namespace

TEST_CASE("the results hash of docs/outputs.md's worked example", "[provenance]") {
  TempDir tmp;
  write(tmp.path / "runs.csv", "x\n");
  write(tmp.path / "summary.csv", "y\n");
  const auto r = qvsim::results_hash(tmp.path);
  CHECK(r.hex == "d3993613b7d0949a");
  REQUIRE(r.files.size() == 2);
  CHECK(r.files[0].second == "08f0de07b58d2b17");
  CHECK(r.files[1].second == "08ed7c07b58a4eba");
  CHECK(r.hex == results_hash(tmp.path));  // the test's own reading of the definition
  // A threshold CSV is a result too; a file of another name is not.
  write(tmp.path / "threshold-b.csv", "b\n");
  write(tmp.path / "threshold-a.csv", "a\n");
  write(tmp.path / "notes.csv", "n\n");
  CHECK(qvsim::results_hash(tmp.path).hex == results_hash(tmp.path));
  CHECK(qvsim::results_hash(tmp.path).files.back().first == "threshold-b.csv");
}

TEST_CASE("report after run --overwrite shows only figures made from the new results",
          "[provenance][report]") {
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  TempDir tmp;
  write(tmp.path / "a.yaml", scenario(8));
  write(tmp.path / "b.yaml", scenario(3));
  const fs::path dir = tmp.path / "out";
  REQUIRE(run_qvsim({"run", "a.yaml", "--out", "out", "--quiet"}, tmp.path).code == 0);
  REQUIRE(run_qvsim({"analyze", "out", "--resamples", "50"}, tmp.path).code == 0);
  REQUIRE(run_qvsim({"report", "out"}, tmp.path).code == 0);
  const std::string first = results_hash(dir);
  // Every derived file records the results it was made from.
  CHECK(figure_cell(dir / "plots", "arms", "results_fnv1a64") == first);
  CHECK_THAT(read(dir / "report.html"), Catch::Contains("content=\"" + first + "\""));
  CHECK_THAT(read(dir / "analysis" / "summary.json"),
             Catch::Contains("\"runs_csv_fnv1a64\": \"" +
                             hex(qvsim::fnv1a64(read(dir / "runs.csv"))) + "\""));
  const fs::path kept = tmp.path / "old-plots";
  fs::copy(dir / "plots", kept);

  // The new run removes what was derived from the old one.
  REQUIRE(run_qvsim({"run", "b.yaml", "--out", "out", "--overwrite", "--quiet"}, tmp.path).code ==
          0);
  CHECK_FALSE(fs::exists(dir / "plots"));
  CHECK_FALSE(fs::exists(dir / "analysis"));
  CHECK_FALSE(fs::exists(dir / "report.html"));
  const std::string second = results_hash(dir);
  REQUIRE(second != first);

  SECTION("a report of the new run") {}
  SECTION("old figures put back (as an older qvsim left them) are drawn again") {
    fs::copy(kept, dir / "plots");
  }
  const Exit report = run_qvsim({"report", "out"}, tmp.path);
  INFO(report.err);
  REQUIRE(report.code == 0);
  const std::string html = read(dir / "report.html");
  const auto hashes = report_figure_hashes(html);
  CHECK(hashes.size() >= 2);  // the arms figure and the coalition sizes
  for (const auto& h : hashes) CHECK(h == second);
  CHECK_THAT(html, Catch::Contains("content=\"" + second + "\""));
  CHECK(figure_cell(dir / "plots", "arms", "results_fnv1a64") == second);
}

TEST_CASE("a second threshold CSV is drawn in the figure, not only listed in the table",
          "[provenance][report][threshold]") {
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  TempDir tmp;
  const fs::path dir = tmp.path / "thr";
  fs::create_directories(dir);
  write(dir / "threshold.csv", kThresholdCsv);
  REQUIRE(run_qvsim({"report", "thr"}, tmp.path).code == 0);
  CHECK(figure_cell(dir / "plots", "thresholds", "inputs") == "threshold.csv");
  std::string second = kThresholdCsv;
  second.replace(second.find("quadratic"), 9, "one_person_one_vote");
  write(dir / "threshold-1p1v.csv", second);
  const Exit report = run_qvsim({"report", "thr"}, tmp.path);
  INFO(report.err);
  REQUIRE(report.code == 0);
  CHECK(figure_cell(dir / "plots", "thresholds", "inputs") == "threshold-1p1v.csv threshold.csv");
  CHECK(figure_cell(dir / "plots", "thresholds", "results_fnv1a64") == results_hash(dir));
  const auto hashes = report_figure_hashes(read(dir / "report.html"));
  REQUIRE(hashes.size() == 1);
  CHECK(hashes[0] == results_hash(dir));
}

TEST_CASE("report says when analysis/ was made from another runs.csv", "[provenance][report]") {
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  TempDir tmp;
  write(tmp.path / "a.yaml", scenario(4));
  write(tmp.path / "b.yaml", scenario(3));
  REQUIRE(run_qvsim({"run", "a.yaml", "--out", "out", "--quiet"}, tmp.path).code == 0);
  REQUIRE(run_qvsim({"analyze", "out", "--resamples", "50"}, tmp.path).code == 0);
  fs::copy(tmp.path / "out" / "analysis", tmp.path / "old-analysis");
  REQUIRE(run_qvsim({"run", "b.yaml", "--out", "out", "--overwrite", "--quiet"}, tmp.path).code ==
          0);
  fs::copy(tmp.path / "old-analysis", tmp.path / "out" / "analysis");
  const Exit report = run_qvsim({"report", "out"}, tmp.path);
  REQUIRE(report.code == 0);
  CHECK_THAT(report.err, Catch::Contains("analysis/ is stale"));
  CHECK_THAT(read(tmp.path / "out" / "report.html"),
             Catch::Contains("stale: made from another runs.csv"));
}
