#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using qvsim::run_cli;

namespace {

using qvsim::test::cli;
using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;

// The plotting script is the source tree's, whatever the test binary's location.
bool have_matplotlib() {
  ::setenv("QVSIM_ANALYSIS_DIR", QVSIM_SOURCE_DIR "/analysis", 1);
  static const bool ok =
      std::system("/usr/bin/python3 -c 'import matplotlib, pandas, numpy' >/dev/null 2>&1") == 0;
  return ok;
}

const char* const kRunScenario = R"(name: plot-run
seed: 31337
replicates: 4
electorate:
  agents: 300
  proposals: 4
  values: {distribution: normal, mean: 0.05, homophily: 0.2}
  budget: {credits: 100}
graph: {model: watts_strogatz, degree: 4, rewire: 0.1}
mechanisms: [quadratic, one_person_one_vote]
ballot: public
arms:
  honest: {}
  bloc:
    collusion: {organizers: 4, max_size: 20, loyalty: 0.5}
  threats:
    coercion: {coercers: 3, agenda: {proposal: 1}}
)";

const char* const kSweepScenario = R"(name: plot-sweep
seed: 777
replicates: 3
electorate:
  agents: 300
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
    arms.bloc.collusion.organizers: [2, 8]
    ballot: [public, secret]
)";

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

// name -> (width, height) from plots/figures.tsv, the sizes the script declares.
std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> declared(const fs::path& plots) {
  std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> out;
  std::istringstream in(read(plots / "figures.tsv"));
  std::string line;
  std::getline(in, line);
  CHECK(line == "name\twidth_px\theight_px\ttitle\tresults_fnv1a64\tinputs");
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    std::string name, w, h;
    std::getline(cells, name, '\t');
    std::getline(cells, w, '\t');
    std::getline(cells, h, '\t');
    out[name] = {static_cast<std::uint32_t>(std::stoul(w)),
                 static_cast<std::uint32_t>(std::stoul(h))};
  }
  return out;
}

// Every declared figure exists as a PNG of its declared size and as an SVG.
void check_figures(const fs::path& plots,
                   const std::map<std::string, std::pair<std::uint32_t, std::uint32_t>>& figs) {
  for (const auto& [name, size] : figs) {
    INFO(name);
    const std::string png = read(plots / (name + ".png"));
    REQUIRE(png.size() > 24);
    CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
    CHECK(png.compare(12, 4, "IHDR") == 0);
    CHECK(be32(png, 16) == size.first);
    CHECK(be32(png, 20) == size.second);
    CHECK(size.first >= 600);
    CHECK(size.second >= 400);
    const std::string svg = read(plots / (name + ".svg"));
    CHECK((svg.rfind("<?xml", 0) == 0 || svg.rfind("<svg", 0) == 0));
    CHECK(svg.find("</svg>") != std::string::npos);
  }
}

void check_report(const fs::path& dir,
                  const std::map<std::string, std::pair<std::uint32_t, std::uint32_t>>& figs,
                  const std::vector<std::string>& arms) {
  const std::string html = read(dir / "report.html");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  for (const auto& [name, size] : figs) {
    INFO(name);
    CHECK(html.find("id=\"fig-" + name + "\">\n<img alt=") != std::string::npos);
  }
  std::size_t images = 0;
  for (std::size_t p = 0;
       (p = html.find("src=\"data:image/png;base64,iVBORw0KGgo", p)) != std::string::npos; ++p)
    ++images;
  CHECK(images == figs.size());
  for (const auto& arm : arms) CHECK(html.find("<td>" + arm + "</td>") != std::string::npos);
  CHECK(html.find("<td>quadratic</td>") != std::string::npos);
  CHECK(html.find("efficiency (pooled)") != std::string::npos);
  // Fits 1280 px: a table wider or longer than the page scrolls in its own box (issue 16: an
  // 80-row sweep table overflowed).
  CHECK(html.find("display:block;overflow:auto;\nmax-width:100%") != std::string::npos);
  // No network: nothing is fetched from elsewhere.
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
}

// Rows of the body of the first table after `heading`.
std::size_t table_rows_after(const std::string& html, const std::string& heading) {
  const std::size_t start = html.find(heading);
  if (start == std::string::npos) return 0;
  const std::size_t end = html.find("</tbody>", start);
  std::size_t rows = 0;
  for (std::size_t p = html.find("<tbody>", start); (p = html.find("<tr>", p + 1)) < end;) ++rows;
  return rows;
}

// Rows of the main comparison's table of levels.
std::size_t main_table_rows(const std::string& html) {
  return table_rows_after(html, "<h3>Levels</h3>");
}

}  // namespace

TEST_CASE("plot and report a single run", "[plot][report]") {
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  TempDir tmp;
  write(tmp.path / "s.yaml", kRunScenario);
  const fs::path dir = tmp.path / "run";
  REQUIRE(cli({"run", (tmp.path / "s.yaml").string(), "--out", dir.string(), "--quiet"}).code == 0);

  const auto plot = cli({"plot", dir.string()});
  INFO(plot.err);
  REQUIRE(plot.code == 0);
  const auto figs = declared(dir / "plots");
  CHECK(figs.count("arms") == 1);
  CHECK(figs.count("distribution_coalition_size_mean") == 1);
  CHECK(figs.count("distribution_compliance") == 1);
  check_figures(dir / "plots", figs);

  // Same input, same bytes.
  const std::string svg = read(dir / "plots" / "arms.svg");
  const std::string png = read(dir / "plots" / "arms.png");
  REQUIRE(cli({"plot", dir.string()}).code == 0);
  CHECK(read(dir / "plots" / "arms.svg") == svg);
  CHECK(read(dir / "plots" / "arms.png") == png);

  const auto report = cli({"report", dir.string()});
  INFO(report.err);
  REQUIRE(report.code == 0);
  check_report(dir, figs, {"honest", "bloc", "threats"});
  const std::string html = read(dir / "report.html");
  CHECK(html.find("plot-run") != std::string::npos);
  CHECK(html.find("31337") != std::string::npos);
  CHECK(html.find("scenario hash") != std::string::npos);
  // The scenario, stated near the top (issue 16): agents, graph model, ballot, each arm's blocks.
  const std::size_t scenario = html.find("<h2>Scenario</h2>");
  REQUIRE(scenario != std::string::npos);
  CHECK(scenario < html.find("<h2>Main comparison</h2>"));
  CHECK_THAT(html, Catch::Contains("<tr><th>agents</th><td>300</td></tr>"));
  CHECK_THAT(html, Catch::Contains("<tr><th>proposals</th><td>4</td></tr>"));
  CHECK_THAT(html, Catch::Contains("<th>graph</th><td>watts_strogatz (degree = 4, rewire = 0.1"));
  CHECK_THAT(html, Catch::Contains("<tr><th>ballot</th><td>public</td></tr>"));
  CHECK_THAT(html, Catch::Contains("<th>mechanisms</th><td>[quadratic, one_person_one_vote]"));
  CHECK_THAT(html, Catch::Contains("<td>bloc</td><td>collusion</td><td>"));
  CHECK_THAT(html, Catch::Contains("max_size = 20"));
  CHECK_THAT(html, Catch::Contains("<td>threats</td><td>coercion</td><td>"));
  CHECK_THAT(html, Catch::Contains("<td>honest</td><td>none</td>"));
  // Effects first (issue 16): per attack arm (bloc, threats) x metric (efficiency, wrong rate),
  // the effect under each mechanism and the QV - 1p1v contrast; then the levels.
  const std::size_t comparison = html.find("<h2>Main comparison</h2>");
  const std::size_t effects = html.find("<h3>Effects of each attack</h3>");
  REQUIRE(effects != std::string::npos);
  CHECK(comparison < effects);
  CHECK(effects < html.find("<h3>Levels</h3>"));
  CHECK(table_rows_after(html, "<h3>Effects of each attack</h3>") == 4);
  CHECK_THAT(html, Catch::Contains("<th>arm</th><th>metric</th><th>effect, QV</th><th>effect, "
                                   "1p1v</th><th>QV &minus; 1p1v</th></tr>"));
  CHECK_THAT(html, Catch::Contains("<td>bloc</td><td>efficiency</td><td class=\"num\">"));
  CHECK_THAT(html, Catch::Contains("t interval clipped to [-2, 2]"));
  // The levels: one row per arm x mechanism (3 x 2), d_efficiency with its CI.
  CHECK(main_table_rows(html) == 6);
  CHECK_THAT(html, Catch::Contains("<th>d_efficiency [95% CI]</th>"));
  CHECK(html.find("Flagged arms") == std::string::npos);  // public ballot: the bloc obeys

  // A figure the index does not name gets a caption read from its file name, not the raw name.
  fs::copy_file(dir / "plots" / "arms.png", dir / "plots" / "my_extra-figure_vs_size.png");
  REQUIRE(cli({"report", dir.string()}).code == 0);
  CHECK_THAT(read(dir / "report.html"),
             Catch::Contains("<figcaption>My extra figure against size <span"));

  SECTION("--x on a single run is bad input") {
    const auto r = cli({"plot", dir.string(), "--x", "ballot"});
    CHECK(r.code == 2);
    CHECK(r.err.find("--x") != std::string::npos);
  }
}

TEST_CASE("plot and report a sweep; report runs plot when plots/ is missing", "[plot][report]") {
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  TempDir tmp;
  write(tmp.path / "s.yaml", kSweepScenario);
  const fs::path dir = tmp.path / "sweep";
  REQUIRE(cli({"sweep", (tmp.path / "s.yaml").string(), "--out", dir.string(), "--quiet"}).code ==
          0);

  // report first: it makes the figures itself.
  const auto report = cli({"report", dir.string()});
  INFO(report.err);
  REQUIRE(report.code == 0);
  const auto figs = declared(dir / "plots");
  for (const char* f : {"efficiency_vs_arms_bloc_collusion_organizers",
                        "flip_rate_vs_arms_bloc_collusion_organizers",
                        "efficiency_vs_arms_bloc_collusion_organizers_by_ballot",
                        "flip_rate_vs_arms_bloc_collusion_organizers_by_ballot",
                        "d_efficiency_vs_arms_bloc_collusion_organizers",
                        "contrast_d_efficiency_vs_arms_bloc_collusion_organizers",
                        "distribution_coalition_size_mean"}) {
    INFO(f);
    CHECK(figs.count(f) == 1);
  }
  check_figures(dir / "plots", figs);
  check_report(dir, figs, {"honest", "bloc"});
  const std::string html = read(dir / "report.html");
  CHECK(html.find("spec hash") != std::string::npos);
  CHECK(html.find("<th>ballot</th>") != std::string::npos);
  // The sweep's scenario as written, its sweep block included.
  CHECK_THAT(html, Catch::Contains("<tr><th>master seed</th><td>777</td></tr>"));
  CHECK_THAT(html, Catch::Contains("<tr><th>agents</th><td>300</td></tr>"));
  CHECK_THAT(html, Catch::Contains("<th>sweep</th><td>design = grid, parameters ("));
  CHECK(main_table_rows(html) == 4 * 2 * 2);  // points x arms x mechanisms
  // Effects: points x attack arms x metrics (efficiency, wrong rate).
  CHECK(table_rows_after(html, "<h3>Effects of each attack</h3>") == 4 * 1 * 2);

  SECTION("--x picks another swept parameter") {
    const auto r = cli({"plot", dir.string(), "--x", "ballot", "--format", "png"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(fs::exists(dir / "plots" / "efficiency_vs_ballot.png"));
    CHECK_FALSE(fs::exists(dir / "plots" / "efficiency_vs_ballot.svg"));
  }
  SECTION("the effect is drawn for the attack arm only, panels share their y axis") {
    // One panel per row (the baseline's effect is 0 and is not drawn): 600 px wide.
    CHECK(figs.at("d_efficiency_vs_arms_bloc_collusion_organizers").first == 600);
    CHECK(figs.at("contrast_d_efficiency_vs_arms_bloc_collusion_organizers").first == 600);
    CHECK(figs.at("efficiency_vs_arms_bloc_collusion_organizers").first == 1200);
    // Text in SVG stays text (editable), not paths.
    const std::string svg =
        read(dir / "plots" / "d_efficiency_vs_arms_bloc_collusion_organizers.svg");
    CHECK(svg.find("<text") != std::string::npos);
  }
  SECTION("--y, --where and --facet choose what is drawn") {
    const auto r = cli(
        {"plot", dir.string(), "--y", "wrong_rate", "--where", "ballot=public", "--format", "png"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto only = declared(dir / "plots");
    CHECK(only.count("wrong_rate_vs_arms_bloc_collusion_organizers") == 1);
    CHECK(only.count("efficiency_vs_arms_bloc_collusion_organizers") == 0);
    // ballot is fixed by --where: one row of panels, and no by-ballot figure.
    CHECK(only.count("wrong_rate_vs_arms_bloc_collusion_organizers_by_ballot") == 0);
    CHECK(only.at("wrong_rate_vs_arms_bloc_collusion_organizers").second == 525);
    const auto f = cli({"plot", dir.string(), "--facet", "ballot", "--format", "png"});
    INFO(f.err);
    REQUIRE(f.code == 0);
    const auto faceted = declared(dir / "plots");
    // One row per ballot: 2 x 450 px + the legend strip.
    CHECK(faceted.at("efficiency_vs_arms_bloc_collusion_organizers_by_ballot").second == 975);
  }
  SECTION("bad --y, --where and --facet exit 2 with a suggestion") {
    const auto y = cli({"plot", dir.string(), "--y", "flip_rat"});
    CHECK(y.code == 2);
    CHECK_THAT(y.err, Catch::Contains("did you mean 'flip_rate'?"));
    const auto w = cli({"plot", dir.string(), "--where", "ballot=secrte"});
    CHECK(w.code == 2);
    CHECK_THAT(w.err, Catch::Contains("did you mean 'secret'?"));
    const auto k = cli({"plot", dir.string(), "--where", "balot=public"});
    CHECK(k.code == 2);
    CHECK_THAT(k.err, Catch::Contains("did you mean 'ballot'?"));
    CHECK(cli({"plot", dir.string(), "--where", "ballot"}).code == 2);
    const auto fc = cli({"plot", dir.string(), "--facet", "graph.degree"});
    CHECK(fc.code == 2);
  }
  SECTION("an unknown --x exits 2 with a suggestion") {
    const auto r = cli({"plot", dir.string(), "--x", "organisers"});
    CHECK(r.code == 2);
    CHECK(r.err.find("did you mean 'arms.bloc.collusion.organizers'?") != std::string::npos);
    const auto f = cli({"plot", dir.string(), "--format", "jpg"});
    CHECK(f.code == 2);
  }
}

TEST_CASE("plots of a Latin-hypercube sweep: one figure per metric and parameter",
          "[plot][sweep]") {
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  std::string text = kSweepScenario;
  text.replace(text.find("sweep:"), std::string::npos, R"(sweep:
  design: latin_hypercube
  samples: 12
  parameters:
    arms.bloc.collusion.organizers: [1, 2, 4, 8]
    electorate.values.homophily: {uniform: [0.0, 0.4]}
)");
  TempDir tmp;
  write(tmp.path / "lhs.yaml", text);
  const fs::path dir = tmp.path / "lhs";
  REQUIRE(cli({"sweep", (tmp.path / "lhs.yaml").string(), "--out", dir.string(), "--quiet",
               "--replicates", "2"})
              .code == 0);
  const auto r = cli({"plot", dir.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto figs = declared(dir / "plots");
  // 3 metrics (pooled efficiency, flip rate, effect on efficiency) x 2 parameters, plus the
  // distribution of coalition sizes pooled over the points.
  std::size_t sampled = 0;
  for (const char* metric : {"efficiency", "flip_rate", "d_efficiency"}) {
    for (const char* param : {"arms_bloc_collusion_organizers", "electorate_values_homophily"}) {
      const std::string name = std::string(metric) + "_vs_" + param + "_sampled";
      INFO(name);
      REQUIRE(figs.count(name) == 1);
      ++sampled;
      // One panel per arm (two for levels, one for the effect), never one per sample.
      const std::uint32_t width = std::string(metric) == "d_efficiency" ? 600 : 1200;
      CHECK(figs.at(name) == std::pair<std::uint32_t, std::uint32_t>{width, 525});
    }
  }
  CHECK(sampled == 6);
  CHECK(figs.size() == 7);
  CHECK(figs.count("distribution_coalition_size_mean") == 1);
  check_figures(dir / "plots", figs);
}

// A coalition under a secret ballot with no sanction (and by default no member obeying
// unconditionally): obeying never pays, every member defects, the arm changes no ballot (as in
// tests/agents/test_arm_flags.cpp).
TEST_CASE("the report warns of an inert arm", "[plot][report]") {
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  TempDir tmp;
  write(tmp.path / "s.yaml", R"(name: inert-report
seed: 7
replicates: 3
electorate:
  agents: 400
  proposals: 3
  values: {distribution: normal, mean: 0.1, sd: 1.0}
  budget: {credits: 100}
graph: {model: watts_strogatz, degree: 6, rewire: 0.1}
mechanisms: [quadratic, one_person_one_vote]
ballot: secret
arms:
  honest: {}
  collusion:
    collusion: {organizers: 20, sanction: 0}
)");
  const fs::path dir = tmp.path / "run";
  const auto run = cli({"run", (tmp.path / "s.yaml").string(), "--out", dir.string(), "--quiet"});
  REQUIRE(run.code == 0);
  const auto report = cli({"report", dir.string()});
  INFO(report.err);
  REQUIRE(report.code == 0);
  const std::string html = read(dir / "report.html");
  const std::size_t box = html.find("<div class=\"warn\">");
  REQUIRE(box != std::string::npos);
  CHECK(box < html.find("<h2>Main comparison</h2>"));
  CHECK_THAT(html, Catch::Contains("<li>arm &#39;collusion&#39; under quadratic: inert in 3 of 3 "
                                   "replicates"));
  CHECK_THAT(html, Catch::Contains("<li>arm &#39;collusion&#39; under one_person_one_vote: inert "
                                   "in 3 of 3 replicates"));
  CHECK(html.find("under quadratic: inert", html.find("under one_person_one_vote: inert")) ==
        std::string::npos);  // one line per arm x mechanism, in summary order
  CHECK_THAT(html, Catch::Contains("<tr><th>ballot</th><td>secret</td></tr>"));
  CHECK_THAT(html, Catch::Contains("sanction = 0"));
}

// Eleven agents on a complete graph, each coercer threatening everyone else on a provable
// ballot (as in test_threshold_command.cpp): the threshold is 1 coercer under a public ballot and
// is not reached under a secret one, so the figure has a found bar and a hatched one.
const char* const kThresholdScenario = R"(name: plot-threshold
seed: 5
replicates: 3
electorate:
  agents: 11
  proposals: 1
  values: {distribution: uniform, low: 0.999, high: 1.001}
  budget: {credits: 100}
graph: {model: watts_strogatz, degree: 10, rewire: 0}
mechanisms: [one_person_one_vote, quadratic]
ballot: provable
arms:
  honest: {}
  threats:
    coercion:
      coercers: 0
      agenda: {proposal: 0, direction: fail}
      reach: 1
      capacity: 10
      severity: 1
)";

TEST_CASE("plot and report threshold CSVs, without a summary.csv", "[plot][report][threshold]") {
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  TempDir tmp;
  write(tmp.path / "s.yaml", kThresholdScenario);
  const fs::path dir = tmp.path / "thr";
  fs::create_directories(dir);
  const auto t = cli({"threshold", (tmp.path / "s.yaml").string(), "--attack",
                      "arms.threats.coercion.coercers", "--range", "0:5", "--target",
                      "flip_rate=0.5", "--replicates", "3", "--ballot", "public", "--ballot",
                      "secret", "--out", (dir / "threshold.csv").string()});
  INFO(t.err);
  REQUIRE(t.code == 0);
  REQUIRE(read(dir / "threshold.csv").find("not_reached") != std::string::npos);

  const auto plot = cli({"plot", dir.string()});
  INFO(plot.err);
  REQUIRE(plot.code == 0);
  const auto figs = declared(dir / "plots");
  CHECK(figs.size() == 1);
  REQUIRE(figs.count("thresholds") == 1);
  check_figures(dir / "plots", figs);

  // Same input, same bytes.
  const std::string png = read(dir / "plots" / "thresholds.png");
  const std::string svg = read(dir / "plots" / "thresholds.svg");
  REQUIRE(cli({"plot", dir.string()}).code == 0);
  CHECK(read(dir / "plots" / "thresholds.png") == png);
  CHECK(read(dir / "plots" / "thresholds.svg") == svg);

  const auto report = cli({"report", dir.string()});
  INFO(report.err);
  REQUIRE(report.code == 0);
  const std::string html = read(dir / "report.html");
  CHECK(html.find("id=\"fig-thresholds\">\n<img alt=") != std::string::npos);
  CHECK(html.find("src=\"data:image/png;base64,iVBORw0KGgo") != std::string::npos);
  CHECK(html.find("<h2>Attack thresholds</h2>") != std::string::npos);
  CHECK(html.find("<td>arms.threats.coercion.coercers</td>") != std::string::npos);
  CHECK(html.find("<td>not_reached</td>") != std::string::npos);
  CHECK(html.find("Main comparison") == std::string::npos);

  SECTION("undecided and not-reached searches are drawn unlike found ones") {
    // The same searches with the first row made undecided in [1, 3] (as a search stopped at its
    // replicate cap reports it): the legend names both styles, as text in the SVG.
    std::istringstream in(read(dir / "threshold.csv"));
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    const auto cells = [](const std::string& line) {  // fields, quoted ones kept as written
      std::vector<std::string> out(1);
      bool quoted = false;
      for (const char c : line) {
        if (c == '"') quoted = !quoted;
        if (c == ',' && !quoted) {
          out.emplace_back();
        } else {
          out.back() += c;
        }
      }
      return out;
    };
    const auto names = cells(header);
    auto values = cells(row);
    REQUIRE(values.size() == names.size());
    const auto set = [&](const std::string& col, const std::string& v) {
      const auto at = std::find(names.begin(), names.end(), col);
      REQUIRE(at != names.end());
      values[static_cast<std::size_t>(at - names.begin())] = v;
    };
    set("status", "undecided");
    set("threshold", "2");
    set("interval_low", "1");
    set("interval_high", "3");
    set("ballot", "provable");
    std::string edited;
    for (std::size_t i = 0; i < values.size(); ++i) edited += (i ? "," : "") + values[i];
    write(dir / "threshold-undecided.csv", header + "\n" + edited + "\n");
    const auto r = cli({"plot", dir.string(), "--format", "svg"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const std::string drawn = read(dir / "plots" / "thresholds.svg");
    CHECK_THAT(drawn, Catch::Contains("undecided at the replicate cap"));
    CHECK_THAT(drawn, Catch::Contains("not reached in the range"));
  }
  SECTION("--x needs a summary.csv") {
    const auto r = cli({"plot", dir.string(), "--x", "ballot"});
    CHECK(r.code == 2);
    CHECK(r.err.find("--x") != std::string::npos);
  }
  SECTION("a threshold CSV without its columns exits 2") {
    write(dir / "threshold-bad.csv", "a,b\n1,2\n");
    const auto r = cli({"plot", dir.string()});
    CHECK(r.code == 2);
    CHECK(r.err.find("threshold-bad.csv") != std::string::npos);
  }
}

TEST_CASE("a run's figures and a threshold CSV in the same folder", "[plot][report][threshold]") {
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  TempDir tmp;
  write(tmp.path / "s.yaml", kRunScenario);
  write(tmp.path / "t.yaml", kThresholdScenario);
  const fs::path dir = tmp.path / "run";
  REQUIRE(cli({"run", (tmp.path / "s.yaml").string(), "--out", dir.string(), "--quiet"}).code == 0);
  REQUIRE(cli({"threshold", (tmp.path / "t.yaml").string(), "--attack",
               "arms.threats.coercion.coercers", "--range", "0:5", "--target", "flip_rate=0.5",
               "--replicates", "3", "--out", (dir / "threshold-coercers.csv").string()})
              .code == 0);
  const auto plot = cli({"plot", dir.string(), "--format", "png"});
  INFO(plot.err);
  REQUIRE(plot.code == 0);
  const auto figs = declared(dir / "plots");
  CHECK(figs.count("arms") == 1);
  CHECK(figs.count("thresholds") == 1);
  REQUIRE(cli({"report", dir.string()}).code == 0);
  const std::string html = read(dir / "report.html");
  CHECK(html.find("id=\"fig-thresholds\"") != std::string::npos);
  CHECK(html.find("Main comparison") != std::string::npos);
  CHECK(html.find("<td>threshold-coercers.csv</td>") != std::string::npos);
}

TEST_CASE("plot and report without summary.csv exit 2 and write nothing", "[plot][report]") {
  TempDir tmp;
  const fs::path dir = tmp.path / "empty";
  fs::create_directories(dir);
  for (const char* command : {"plot", "report"}) {
    INFO(command);
    const auto r = cli({command, dir.string()});
    CHECK(r.code == 2);
    CHECK(r.err.find("summary.csv") != std::string::npos);
    CHECK(fs::is_empty(dir));
  }
  CHECK(cli({"plot", (tmp.path / "missing").string()}).code == 2);
  CHECK_FALSE(fs::exists(tmp.path / "missing"));
  CHECK(cli({"plot"}).code == 2);
  CHECK(cli({"report", dir.string(), "--x", "a"}).code == 2);
}

TEST_CASE("a missing Python interpreter is a clear error, exit 1", "[plot]") {
  TempDir tmp;
  write(tmp.path / "summary.csv", "arm,mechanism,metric,n,missing,mean,sd,se,ci95_low,ci95_high\n");
  ::setenv("QVSIM_PYTHON", (tmp.path / "no-python").c_str(), 1);
  const auto r = cli({"plot", tmp.path.string()});
  ::unsetenv("QVSIM_PYTHON");
  CHECK(r.code == 1);
  CHECK(r.err.find("Python") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp.path / "plots"));
}

TEST_CASE("the report renders in headless Chromium", "[report][chromium]") {
  if (!fs::exists("/usr/bin/chromium")) {
    WARN("skipped: /usr/bin/chromium is not installed");
    return;
  }
  if (!have_matplotlib()) {
    WARN("skipped: /usr/bin/python3 cannot import matplotlib, pandas and numpy");
    return;
  }
  TempDir tmp;
  write(tmp.path / "s.yaml", kRunScenario);
  const fs::path dir = tmp.path / "run";
  REQUIRE(cli({"run", (tmp.path / "s.yaml").string(), "--out", dir.string(), "--quiet"}).code == 0);
  REQUIRE(cli({"report", dir.string()}).code == 0);
  const fs::path shot = tmp.path / "shot.png";
  const std::string command =
      "timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu "
      "--disable-background-networking --disable-component-update --disable-sync --no-first-run "
      "--user-data-dir=" +
      (tmp.path / "profile").string() + " --screenshot=" + shot.string() +
      " --window-size=1200,900 file://" + fs::absolute(dir / "report.html").string() + " >" +
      (tmp.path / "chromium.log").string() + " 2>&1";
  const int rc = std::system(command.c_str());
  INFO(read(tmp.path / "chromium.log"));
  CHECK(rc == 0);
  const std::string png = read(shot);
  REQUIRE(png.size() > 24);
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  CHECK(be32(png, 16) == 1200);
  CHECK(be32(png, 20) == 900);
}
