#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "analysis/analyze.hpp"
#include "analysis/run_table.hpp"
#include "app/cli.hpp"
#include "sim/parallel.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using namespace qvsim;
using namespace qvsim::analysis;

namespace {

using qvsim::test::cli;
using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> f(1);
  for (char c : line) {
    if (c == ',')
      f.emplace_back();
    else
      f.back() += c;
  }
  return f;
}

// summary.csv as rows of column name -> text.
std::vector<std::map<std::string, std::string>> read_table(const fs::path& p) {
  std::istringstream in(read(p));
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto f = split(line);
    REQUIRE(f.size() == header.size());
    std::map<std::string, std::string> r;
    for (std::size_t i = 0; i < f.size(); ++i) r[header[i]] = f[i];
    rows.push_back(std::move(r));
  }
  return rows;
}

double num(const std::string& s) { return s == "NA" ? std::nan("") : std::stod(s); }

const char* const kRunScenario = R"(name: analyze-test
seed: 31337
replicates: 10
electorate:
  agents: 400
  proposals: 4
  values: {distribution: normal, mean: 0.05, sd: 1.0, homophily: 0.2}
  budget: {credits: 100}
graph: {model: watts_strogatz, degree: 4, rewire: 0.1}
mechanisms: [quadratic, one_person_one_vote]
ballot: secret
arms:
  honest: {}
  bloc:
    collusion: {organizers: 6, max_size: 40, loyalty: 0.8}
)";

const char* const kSweepScenario = R"(name: analyze-sweep
seed: 777
replicates: 5
electorate:
  agents: 300
  proposals: 3
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
    graph.degree: [4, 6]
    arms.bloc.collusion.organizers: [2, 8]
)";

// A synthetic runs.csv: one mechanism, arms honest and x, replicates in an order where the
// baseline row comes after the arm's row for replicate 1.
std::string synthetic_runs(const std::vector<double>& honest, const std::vector<double>& x) {
  std::string text = runs_csv_header(ArmColumns{}) + "\n";
  auto row = [](std::uint64_t rep, const char* arm, double eff) {
    RunRow r;
    r.replicate = rep;
    r.arm = arm;
    r.agents = 10;
    r.welfare_achieved = eff;
    r.welfare_max = 1.0;
    r.efficiency = eff;
    r.wrong_rate = 1.0 - eff;
    r.intensity_accuracy = std::nan("");
    r.turnout = 0.5;
    r.decisions = "+";
    return runs_csv_row(r) + "\n";
  };
  for (std::size_t i = 0; i < honest.size(); ++i) {
    if (i == 1) {
      text += row(i, "x", x[i]);
      text += row(i, "honest", honest[i]);
    } else {
      text += row(i, "honest", honest[i]);
      text += row(i, "x", x[i]);
    }
  }
  return text;
}

}  // namespace

TEST_CASE("paired differences are the mean of per-replicate differences", "[analyze]") {
  TempDir tmp;
  const std::vector<double> h{0.5, 0.75, 0.25, 1.0, 0.625};
  const std::vector<double> x{0.25, 0.5, 0.5, 0.5, 0.125};
  write(tmp.path / "runs.csv", synthetic_runs(h, x));
  AnalyzeOptions o;
  o.resamples = 500;
  const Analysis a = analyze_directory(tmp.path, o);
  REQUIRE(a.rows == 10);
  REQUIRE(a.cells.size() == 2);
  CHECK(a.group_columns.empty());
  CHECK(a.cells[0].arm == "honest");
  CHECK(a.cells[1].arm == "x");
  REQUIRE(a.metric_names[0] == "efficiency");
  double want = 0.0;
  for (std::size_t i = 0; i < h.size(); ++i) want += (x[i] - h[i]) / 5.0;
  const MetricSummary& e = a.cells[1].metrics[0];
  CHECK(e.diff.n == 5);
  CHECK(e.diff.mean == Approx(want).margin(1e-7));
  CHECK(e.diff.ci_low < want);
  CHECK(e.diff.ci_high > want);
  CHECK(e.diff_boot.pct_low <= want);
  CHECK(e.diff_boot.pct_high >= want);
  CHECK(e.stats.mean == Approx(0.375));
  // The baseline against itself: exactly zero, zero-width intervals.
  for (const MetricSummary& m : a.cells[0].metrics) {
    if (m.diff.n == 0) continue;  // intensity_accuracy: every value NA
    CHECK(m.diff.mean == 0.0);
    CHECK(m.diff.ci_low == 0.0);
    CHECK(m.diff.ci_high == 0.0);
    CHECK(m.diff_boot.pct_low == 0.0);
    CHECK(m.diff_boot.bca_high == 0.0);
  }
  // Missing values are skipped and counted.
  CHECK(a.cells[1].metrics[2].stats.n == 0);
  CHECK(a.cells[1].metrics[2].stats.missing == 5);
  CHECK(a.cells[1].efficiency_pooled.mean == Approx(0.375));
  CHECK(fs::exists(tmp.path / "analysis" / "summary.json"));

  // The other arm as the baseline: the differences change sign.
  o.baseline = "x";
  const Analysis b = analyze_runs(tmp.path / "runs.csv", o);
  CHECK(b.cells[0].metrics[0].diff.mean == Approx(-want).margin(1e-7));
  CHECK(b.cells[1].metrics[0].diff.mean == 0.0);

  // The same bytes at 1 and 2 threads.
  std::ostringstream one;
  std::ostringstream two;
  qvsim::with_threads(1, [&] { write_analysis_csv(analyze_runs(tmp.path / "runs.csv", o), one); });
  qvsim::with_threads(2, [&] { write_analysis_csv(analyze_runs(tmp.path / "runs.csv", o), two); });
  CHECK(one.str() == two.str());
}

TEST_CASE("analyze a run: means match the run's summary, baseline differences are zero",
          "[analyze]") {
  TempDir tmp;
  write(tmp.path / "s.yaml", kRunScenario);
  const fs::path dir = tmp.path / "run";
  REQUIRE(cli({"run", (tmp.path / "s.yaml").string(), "--out", dir.string(), "--quiet"}).code == 0);
  const auto r = cli({"analyze", dir.string(), "--resamples", "400"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("40 rows"));
  const auto rows = read_table(dir / "analysis" / "summary.csv");
  const auto run_summary = read_table(dir / "summary.csv");
  // Every (arm, mechanism, metric) of the run's summary has the same n and mean here.
  std::size_t matched = 0;
  for (const auto& s : run_summary) {
    for (const auto& a : rows) {
      if (a.at("arm") == s.at("arm") && a.at("mechanism") == s.at("mechanism") &&
          a.at("metric") == s.at("metric")) {
        CHECK(a.at("n") == s.at("n"));
        CHECK(a.at("mean") == s.at("mean"));
        CHECK(a.at("ci95_low") == s.at("ci95_low"));
        ++matched;
      }
    }
  }
  CHECK(matched == run_summary.size());

  // Paired differences from runs.csv by hand.
  std::map<std::pair<std::string, std::string>, double> eff;  // (replicate, mechanism) -> honest
  std::istringstream in(read(dir / "runs.csv"));
  std::string line;
  std::getline(in, line);
  std::vector<RunRow> runs;
  while (std::getline(in, line)) runs.push_back(parse_runs_csv_row(line));
  for (const auto& r0 : runs)
    if (r0.arm == "honest")
      eff[{std::to_string(r0.replicate), to_string(r0.mechanism)}] = r0.efficiency;
  for (const auto& a : rows) {
    if (a.at("metric") != "efficiency") continue;
    double want = 0.0;
    int n = 0;
    for (const auto& r0 : runs) {
      if (r0.arm != a.at("arm") || to_string(r0.mechanism) != a.at("mechanism")) continue;
      want += r0.efficiency - eff.at({std::to_string(r0.replicate), to_string(r0.mechanism)});
      ++n;
    }
    CHECK(num(a.at("diff_n")) == n);
    CHECK(num(a.at("diff_mean")) == Approx(want / n).margin(1e-6));
    if (a.at("arm") == "honest") {
      CHECK(a.at("diff_mean") == "0");
      CHECK(a.at("diff_ci95_low") == "0");
      CHECK(a.at("diff_boot_bca_high") == "0");
    }
  }

  // Reproducible for a seed, different for another.
  const std::string first = read(dir / "analysis" / "summary.csv");
  REQUIRE(cli({"analyze", dir.string(), "--resamples", "400"}).code == 0);
  CHECK(read(dir / "analysis" / "summary.csv") == first);
  REQUIRE(cli({"analyze", dir.string(), "--resamples", "400", "--seed", "5"}).code == 0);
  CHECK(read(dir / "analysis" / "summary.csv") != first);
  CHECK(cli({"analyze", dir.string(), "--by", "graph.degree"}).code == 2);
}

TEST_CASE("analyze a sweep: groups by every swept column, or by --by", "[analyze]") {
  TempDir tmp;
  write(tmp.path / "s.yaml", kSweepScenario);
  const fs::path dir = tmp.path / "sweep";
  REQUIRE(cli({"sweep", (tmp.path / "s.yaml").string(), "--out", dir.string(), "--quiet"}).code ==
          0);

  REQUIRE(cli({"analyze", dir.string(), "--resamples", "300"}).code == 0);
  const auto all = read_table(dir / "analysis" / "summary.csv");
  REQUIRE_FALSE(all.empty());
  CHECK(all[0].count("graph.degree") == 1);
  CHECK(all[0].count("arms.bloc.collusion.organizers") == 1);
  std::set<std::pair<std::string, std::string>> groups;
  for (const auto& r : all) {
    groups.insert({r.at("graph.degree"), r.at("arms.bloc.collusion.organizers")});
    if (r.at("metric") == "efficiency") CHECK(r.at("n") == "5");
  }
  CHECK(groups.size() == 4);

  const auto by = cli({"analyze", dir.string(), "--by", "graph.degree", "--resamples", "300"});
  INFO(by.err);
  REQUIRE(by.code == 0);
  const auto two = read_table(dir / "analysis" / "summary.csv");
  CHECK(two[0].count("arms.bloc.collusion.organizers") == 0);
  std::set<std::string> degrees;
  for (const auto& r : two) {
    degrees.insert(r.at("graph.degree"));
    if (r.at("metric") == "efficiency") CHECK(r.at("n") == "10");
    if (r.at("arm") == "honest" && r.at("metric") == "efficiency") CHECK(r.at("diff_mean") == "0");
  }
  CHECK(degrees == std::set<std::string>{"4", "6"});
  CHECK_THAT(read(dir / "analysis" / "summary.json"), Catch::Contains("\"graph.degree\": 4"));

  const auto typo = cli({"analyze", dir.string(), "--by", "graph.degre"});
  CHECK(typo.code == 2);
  CHECK_THAT(typo.err, Catch::Contains("did you mean 'graph.degree'"));
  const auto arm = cli({"analyze", dir.string(), "--baseline", "honset"});
  CHECK(arm.code == 2);
  CHECK_THAT(arm.err, Catch::Contains("did you mean 'honest'"));
}

TEST_CASE("missing or corrupt runs.csv: exit 2 naming file and line, nothing overwritten",
          "[analyze]") {
  TempDir tmp;
  const auto missing = cli({"analyze", tmp.path.string()});
  CHECK(missing.code == 2);
  CHECK_THAT(missing.err, Catch::Contains("runs.csv"));
  CHECK_FALSE(fs::exists(tmp.path / "analysis"));

  const std::string good = synthetic_runs({0.5, 0.75, 0.25}, {0.25, 0.5, 0.5});
  fs::create_directories(tmp.path / "analysis");
  write(tmp.path / "analysis" / "summary.csv", "earlier analysis\n");

  // Line 3 loses a field.
  std::istringstream in(good);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  auto with_line3 = [&](const std::string& replacement) {
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i) text += (i == 2 ? replacement : lines[i]) + "\n";
    return text;
  };
  write(tmp.path / "runs.csv", with_line3(lines[2].substr(0, lines[2].rfind(','))));
  const auto short_row = cli({"analyze", tmp.path.string()});
  CHECK(short_row.code == 2);
  CHECK_THAT(short_row.err, Catch::Contains("runs.csv:3:"));

  // Line 3's efficiency is not a number.
  auto f = split(lines[2]);
  f[8] = "abc";
  std::string bad;
  for (std::size_t i = 0; i < f.size(); ++i) bad += (i ? "," : "") + f[i];
  write(tmp.path / "runs.csv", with_line3(bad));
  const auto nan_row = cli({"analyze", tmp.path.string()});
  CHECK(nan_row.code == 2);
  CHECK_THAT(nan_row.err, Catch::Contains("runs.csv:3:"));
  CHECK_THAT(nan_row.err, Catch::Contains("abc"));

  write(tmp.path / "runs.csv", "replicate,arm\n");
  const auto header = cli({"analyze", tmp.path.string()});
  CHECK(header.code == 2);
  CHECK_THAT(header.err, Catch::Contains("runs.csv:1:"));

  CHECK(read(tmp.path / "analysis" / "summary.csv") == "earlier analysis\n");
  CHECK_FALSE(fs::exists(tmp.path / "analysis" / "summary.json"));

  CHECK(cli({"analyze", tmp.path.string(), "--resamples", "0"}).code == 2);
  CHECK(cli({"analyze", tmp.path.string(), "--bogus"}).code == 2);
  CHECK(cli({"analyze"}).code == 2);
}
