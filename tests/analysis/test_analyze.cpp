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

struct Row {
  std::uint64_t replicate;
  const char* arm;
  Mechanism mechanism;
  double efficiency;
  double flip_rate;
};

// A runs.csv from rows with the given efficiency (wrong_rate 1 - efficiency) and flip rate.
std::string runs_from(const std::vector<Row>& rows) {
  std::string text = runs_csv_header(ArmColumns{}) + "\n";
  for (const Row& x : rows) {
    RunRow r;
    r.replicate = x.replicate;
    r.arm = x.arm;
    r.mechanism = x.mechanism;
    r.agents = 10;
    r.welfare_achieved = x.efficiency;
    r.welfare_max = 1.0;
    r.efficiency = x.efficiency;
    r.wrong_rate = 1.0 - x.efficiency;
    r.intensity_accuracy = std::nan("");
    r.flip_rate = x.flip_rate;
    r.turnout = 0.5;
    r.decisions = "+";
    text += runs_csv_row(r) + "\n";
  }
  return text;
}

const EffectRow* find_effect(const Analysis& a, EffectKind kind, const std::string& arm,
                             Mechanism m, Mechanism minus, const std::string& metric) {
  for (const EffectRow& r : a.effects) {
    if (r.kind == kind && r.arm == arm && r.mechanism == m && a.metric_names[r.metric] == metric &&
        (kind == EffectKind::effect || r.minus_mechanism == minus))
      return &r;
  }
  return nullptr;
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

TEST_CASE("effects and contrasts: means of per-replicate differences (of differences)",
          "[analyze][effects]") {
  constexpr Mechanism kQ = Mechanism::quadratic;
  constexpr Mechanism kP = Mechanism::one_person_one_vote;
  // Efficiency per replicate: honest and x under QV and 1p1v; 1p1v's x lacks replicate 3.
  const std::vector<double> hq{0.5, 0.75, 0.25, 1.0};
  const std::vector<double> xq{0.25, 0.5, 0.5, 0.5};
  const std::vector<double> hp{0.625, 0.5, 0.75, 0.875};
  const std::vector<double> xp{0.5, 0.5, 0.25, 0.0};
  std::vector<Row> rows;
  for (std::uint64_t i = 0; i < 4; ++i) {
    rows.push_back({i, "honest", kQ, hq[i], 0.0});
    rows.push_back({i, "honest", kP, hp[i], 0.0});
    rows.push_back({i, "x", kQ, xq[i], i == 0 ? 1.0 : 0.0});
    if (i < 3) rows.push_back({i, "x", kP, xp[i], 0.0});
  }
  TempDir tmp;
  write(tmp.path / "runs.csv", runs_from(rows));
  AnalyzeOptions o;
  o.resamples = 400;
  const Analysis a = analyze_directory(tmp.path, o);

  // The effect under QV: mean of x - honest over the 4 replicates.
  double effect_q = 0.0;
  for (std::size_t i = 0; i < 4; ++i) effect_q += (xq[i] - hq[i]) / 4.0;
  const EffectRow* e = find_effect(a, EffectKind::effect, "x", kQ, kQ, "efficiency");
  REQUIRE(e != nullptr);
  CHECK(e->stats.n == 4);
  CHECK(e->stats.mean == Approx(effect_q).margin(1e-12));
  // The contrast QV - 1p1v, paired on the replicates both have (0, 1, 2); replicate 3 is missing.
  double did = 0.0;
  for (std::size_t i = 0; i < 3; ++i) did += ((xq[i] - hq[i]) - (xp[i] - hp[i])) / 3.0;
  const EffectRow* c = find_effect(a, EffectKind::contrast, "x", kQ, kP, "efficiency");
  REQUIRE(c != nullptr);
  CHECK(c->stats.n == 3);
  CHECK(c->stats.missing == 1);
  CHECK(c->stats.mean == Approx(did).margin(1e-12));
  CHECK(c->stats.ci_low <= did);
  CHECK(c->stats.ci_high >= did);
  CHECK(c->boot.pct_low <= did);
  CHECK(c->boot.pct_high >= did);
  CHECK(c->range.low == -2.0);
  CHECK(c->range.high == 2.0);
  // wrong_rate = 1 - efficiency: its contrast is the negative.
  const EffectRow* w = find_effect(a, EffectKind::contrast, "x", kQ, kP, "wrong_rate");
  REQUIRE(w != nullptr);
  CHECK(w->stats.mean == Approx(-did).margin(1e-12));
  // Only attack arms, no d_* metrics, one contrast per pair of mechanisms.
  std::size_t contrasts = 0;
  for (const EffectRow& r : a.effects) {
    CHECK(r.arm == "x");
    CHECK(a.metric_names[r.metric].rfind("d_", 0) != 0);
    if (r.kind == EffectKind::contrast) {
      ++contrasts;
      CHECK(r.mechanism == kQ);
      CHECK(r.minus_mechanism == kP);
    }
  }
  CHECK(contrasts > 0);
  CHECK(find_effect(a, EffectKind::contrast, "x", kP, kQ, "efficiency") == nullptr);

  // effects.csv: tidy rows, the contrast as computed; effects.json beside it.
  const auto table = read_table(tmp.path / "analysis" / "effects.csv");
  REQUIRE(table.size() == a.effects.size());
  bool seen = false;
  for (const auto& r : table) {
    if (r.at("kind") == "contrast" && r.at("metric") == "efficiency") {
      CHECK(r.at("mechanism") == "quadratic");
      CHECK(r.at("minus_mechanism") == "one_person_one_vote");
      CHECK(num(r.at("mean")) == Approx(did).margin(1e-12));
      CHECK(r.at("n") == "3");
      seen = true;
    }
    if (r.at("kind") == "effect") CHECK(r.at("minus_mechanism") == "NA");
  }
  CHECK(seen);
  const std::string json = read(tmp.path / "analysis" / "effects.json");
  CHECK_THAT(json, Catch::Contains("\"kind\": \"contrast\""));
  CHECK_THAT(json, Catch::Contains("\"runs_csv_fnv1a64\": \"" + a.runs_csv_fnv1a64 + "\""));

  // The same bytes at 1 and 2 threads.
  std::ostringstream one;
  std::ostringstream two;
  qvsim::with_threads(1, [&] { write_effects_csv(analyze_runs(tmp.path / "runs.csv", o), one); });
  qvsim::with_threads(2, [&] { write_effects_csv(analyze_runs(tmp.path / "runs.csv", o), two); });
  CHECK(one.str() == two.str());
  CHECK(one.str() == read(tmp.path / "analysis" / "effects.csv"));
}

TEST_CASE("a mechanism contrasted with itself is exactly 0", "[analyze][effects]") {
  EffectSeries s;
  s.keys = {0, 1, 2, (std::uint64_t{1} << 32) | 2};
  // Two metrics: an effect on a share and one that is missing in replicate 1.
  s.values = {-0.3, 0.1, 0.2, std::nan(""), 0.7, 0.4, -0.05, 0.9};
  const std::vector<ValueRange> ranges{{-2.0, 2.0}, {-2.0, 2.0}};
  StreamKey key;
  key.seed = 7;
  const auto self = contrast(s, s, ranges, 300, key);
  REQUIRE(self.size() == 2);
  CHECK(self[0].stats.n == 4);
  CHECK(self[1].stats.n == 3);
  CHECK(self[1].stats.missing == 1);
  for (const auto& c : self) {
    CHECK(c.stats.mean == 0.0);
    CHECK(c.stats.ci_low == 0.0);
    CHECK(c.stats.ci_high == 0.0);
    CHECK(c.boot.pct_low == 0.0);
    CHECK(c.boot.pct_high == 0.0);
    CHECK(c.boot.bca_low == 0.0);
    CHECK(c.boot.bca_high == 0.0);
  }
  // Against another series, keyed rows pair whatever their order: b holds a's keys reversed.
  EffectSeries b;
  b.keys = {s.keys[3], s.keys[2], s.keys[1], s.keys[0]};
  b.values = {0.5, 0.5, 0.1, 0.1, 0.0, 0.0, -0.1, -0.1};
  const auto ab = contrast(s, b, ranges, 300, key);
  CHECK(ab[0].stats.mean == Approx(((-0.3 + 0.1) + (0.2 - 0.0) + (0.7 - 0.1) + (-0.05 - 0.5)) / 4));
  CHECK(ab[1].stats.mean == Approx(((0.1 + 0.1) + (0.4 - 0.1) + (0.9 - 0.5)) / 3));
  // A mismatched shape is a contract violation.
  EffectSeries bad = s;
  bad.values.pop_back();
  CHECK_THROWS_AS(contrast(bad, s, ranges, 10, key), std::invalid_argument);
}

TEST_CASE("a share's interval never leaves [0, 1], its effect's never [-1, 1]",
          "[analyze][effects]") {
  constexpr Mechanism kQ = Mechanism::quadratic;
  constexpr Mechanism kP = Mechanism::one_person_one_vote;
  // Flip rates all 0 (honest), all 1 (all), or a rare 1 among zeros (rare, where the t interval
  // would reach below 0 and above 1); n = 1, 2, 3 and 6 replicates.
  for (const std::size_t n : {1U, 2U, 3U, 6U}) {
    INFO("replicates " << n);
    std::vector<Row> rows;
    for (std::uint64_t i = 0; i < n; ++i) {
      for (Mechanism m : {kQ, kP}) {
        rows.push_back({i, "honest", m, i == 0 ? 1.0 : 0.0, 0.0});
        rows.push_back({i, "all", m, m == kQ ? 0.0 : 1.0, 1.0});
        rows.push_back({i, "rare", m, i == 0 ? 0.0 : 1.0, i == 0 && m == kQ ? 1.0 : 0.0});
      }
    }
    TempDir tmp;
    write(tmp.path / "runs.csv", runs_from(rows));
    AnalyzeOptions o;
    o.resamples = 200;
    const Analysis a = analyze_runs(tmp.path / "runs.csv", o);
    auto within = [](double x, double lo, double hi) {
      return std::isnan(x) || (lo <= x && x <= hi);
    };
    std::size_t checked = 0;
    for (const CellSummary& c : a.cells) {
      for (std::size_t m = 0; m < a.metric_names.size(); ++m) {
        const std::string& name = a.metric_names[m];
        if (name != "flip_rate" && name != "efficiency" && name != "wrong_rate") continue;
        const MetricSummary& s = c.metrics[m];
        for (double x : {s.stats.ci_low, s.stats.ci_high, s.boot.pct_low, s.boot.pct_high,
                         s.boot.bca_low, s.boot.bca_high})
          CHECK(within(x, 0.0, 1.0));
        for (double x : {s.diff.ci_low, s.diff.ci_high, s.diff_boot.pct_low, s.diff_boot.pct_high,
                         s.diff_boot.bca_low, s.diff_boot.bca_high})
          CHECK(within(x, -1.0, 1.0));
        if (n >= 2) {
          CHECK_FALSE(std::isnan(s.stats.ci_low));
          ++checked;
        } else {
          CHECK(std::isnan(s.stats.ci_low));
        }
      }
      CHECK(within(c.efficiency_pooled.ci_low, 0.0, 1.0));
      CHECK(within(c.efficiency_pooled.ci_high, 0.0, 1.0));
    }
    CHECK(checked == (n >= 2 ? 18U : 0U));
    for (const EffectRow& r : a.effects) {
      const std::string& name = a.metric_names[r.metric];
      if (name != "flip_rate" && name != "efficiency" && name != "wrong_rate") continue;
      const double bound = r.kind == EffectKind::effect ? 1.0 : 2.0;
      CHECK(r.range.low == -bound);
      CHECK(r.range.high == bound);
      for (double x : {r.stats.ci_low, r.stats.ci_high, r.boot.pct_low, r.boot.pct_high,
                       r.boot.bca_low, r.boot.bca_high})
        CHECK(within(x, -bound, bound));
    }
    // The rare flip under QV: 1 in n replicates; with 3 replicates the t interval is clipped.
    REQUIRE(a.metric_names[3] == "flip_rate");
    const EffectRow* rare = find_effect(a, EffectKind::effect, "rare", kQ, kQ, "flip_rate");
    REQUIRE(rare != nullptr);
    CHECK(rare->stats.mean == Approx(1.0 / static_cast<double>(n)));
    if (n == 3) {
      // Effects {1, 0, 0}: the t interval, about [-1.10, 1.77], is clipped to [-1, 1]; the
      // level's to [0, 1].
      CHECK(rare->stats.ci_low == -1.0);
      CHECK(rare->stats.ci_high == 1.0);
      for (const CellSummary& c : a.cells) {
        if (c.arm != "rare" || c.mechanism != kQ) continue;
        CHECK(c.metrics[3].stats.ci_low == 0.0);
        CHECK(c.metrics[3].stats.ci_high == 1.0);
      }
    }
  }
}

TEST_CASE("split_quoted: quotes, doubled quotes, empty fields and a CRLF line end", "[analyze]") {
  using qvsim::analysis::split_quoted;
  CHECK(split_quoted("a,b,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(split_quoted("\"x,y\",\"say \"\"hi\"\"\",") ==
        std::vector<std::string>{"x,y", "say \"hi\"", ""});
  CHECK(split_quoted("") == std::vector<std::string>{""});
  // A file written on Windows: the carriage return is not part of the last field...
  CHECK(split_quoted("1,2\r") == std::vector<std::string>{"1", "2"});
  // ...but one inside quotes is data.
  CHECK(split_quoted("\"a\rb\",c") == std::vector<std::string>{"a\rb", "c"});
}
