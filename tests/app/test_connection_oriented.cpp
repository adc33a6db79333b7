// Connection-oriented QV end to end (docs/model.md, "Connection-oriented QV"): with every voter
// alone it is plain QV bit for bit; with clusters its tally is the clusters' roots of squares,
// recomputed here independently from the ballots; scenario mistakes name file, line and key.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <sstream>
#include <string>

#include "agents/behaviours.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/clusters.hpp"
#include "sim/error.hpp"
#include "sim/model.hpp"
#include "sim/pairwise.hpp"
#include "sim/runner.hpp"
#include "support/outcomes.hpp"
#include "support/test_support.hpp"

using namespace qvsim;

namespace {

// A collusion arm on a block model: coalitions pile votes into one cluster.
std::string scenario_text(const std::string& clusters) {
  return "name: co\nseed: 5\nreplicates: 4\n"
         "electorate: {agents: 300, proposals: 3, values: {distribution: normal, mean: 0.1},\n"
         "             budget: {credits: 100}}\n"
         "graph: {model: stochastic_block, sizes: [100, 100, 100], p_in: 0.08, p_out: 0.005}\n"
         "mechanisms: [quadratic, connection_oriented]\n" +
         clusters +
         "arms:\n  honest: {}\n  coalitions:\n    collusion:\n      organizers: {share: 0.02}\n"
         "      rounds: 6\n      max_size: 30\n      internalization: 1.0\n";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> out(1);
  for (const char c : line) {
    if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

Model model_of(const std::string& text, const test::TempDir& dir) {
  return freeze(parse_scenario(text, (dir.path / "s.yaml").string(), dir.path));
}

// The InputError that freezing scenario `text` must throw.
InputError error_in(const std::string& text, const test::TempDir& dir) {
  try {
    model_of(text, dir);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("expected an InputError for:\n" << text);
  throw;
}

}  // namespace

TEST_CASE("connection-oriented QV with every voter alone equals plain QV exactly") {
  test::TempDir dir;
  std::string rows = "agent,cluster\n";
  for (int a = 0; a < 300; ++a) rows += std::to_string(a) + "," + std::to_string(1000 - a) + "\n";
  test::write(dir.path / "alone.csv", rows);
  // Prior beliefs, then beliefs updated by a poll in every replicate (both mechanisms' voters
  // cast the same ballots, so their beliefs are computed once and shared).
  for (const std::string pivot : {"", ", pivot: {model: normal, poll_noise: 0.5}"}) {
    std::string text = scenario_text("clusters: {file: alone.csv}\n");
    text.insert(text.find("budget: {credits: 100}") + 22, pivot);
    const Model model = model_of(text, dir);
    test::Collected c;
    run_replicates(model, agents::make_behaviours(model.scenario), RunOptions{}, c);
    REQUIRE(c.outcomes.size() == 4);
    for (const ReplicateOutcome& o : c.outcomes) {
      REQUIRE(o.beliefs.size() == 2);
      CHECK(o.beliefs[1].mechanism == Mechanism::connection_oriented);
      for (std::size_t k = 0; k < 3; ++k) {
        CHECK(o.beliefs[1].proposals[k].mean == o.beliefs[0].proposals[k].mean);
        CHECK(o.beliefs[1].proposals[k].sd == o.beliefs[0].proposals[k].sd);
      }
      for (const ArmOutcome& arm : o.arms) {
        const MechanismOutcome& qv = arm.mechanisms[0];
        const MechanismOutcome& co = arm.mechanisms[1];
        CHECK(co.mechanism == Mechanism::connection_oriented);
        CHECK(co.tally == qv.tally);  // bit for bit
        CHECK(co.decision == qv.decision);
        CHECK(co.spent == qv.spent);
        CHECK(co.abs_votes == qv.abs_votes);
      }
    }
  }
}

TEST_CASE("connection-oriented QV on blocks: the tally is each block's root of squares") {
  test::TempDir dir;
  const Model model = model_of(scenario_text("clusters: blocks\n"), dir);
  const auto behaviours = agents::make_behaviours(model.scenario);
  const Scenario& s = model.scenario;
  std::size_t discounted = 0;
  for (std::uint64_t r = 0; r < 2; ++r) {
    const ReplicateOutcome o = run_replicate(model, behaviours, r);
    replay_replicate(model, behaviours, r, [&](const ReplicateContext& ctx, const ArmPlan& plan) {
      // Independently: per block and side, sqrt(sum of squares) of the QV ballots.
      std::map<std::pair<std::uint32_t, int>, double> squares;
      std::vector<double> votes(s.proposals), counters(plan.counter_count());
      std::vector<double> expected(s.proposals, 0.0), plain(s.proposals, 0.0);
      for (std::uint32_t k = 0; k < s.proposals; ++k) {
        squares.clear();
        for (AgentId a = 0; a < ctx.electorate.agents; ++a) {
          plan.cast(Mechanism::quadratic, a, votes, counters);
          if (votes[k] != 0.0)
            squares[{ctx.graph.blocks()[a], votes[k] > 0 ? 1 : -1}] += votes[k] * votes[k];
          plain[k] += votes[k];
        }
        for (const auto& [key, q] : squares) expected[k] += key.second * std::sqrt(q);
      }
      const MechanismOutcome& co = o.arms[ctx.arm_index].mechanisms[1];
      const MechanismOutcome& qv = o.arms[ctx.arm_index].mechanisms[0];
      for (std::uint32_t k = 0; k < s.proposals; ++k) {
        // Sums of a few hundred terms of size <= 10 in another order: 1e-9 absolute is far above
        // their rounding (about 300 * 10 * 2^-52) and far below any real difference.
        CHECK(co.tally[k] == Approx(expected[k]).margin(1e-9));
        CHECK(qv.tally[k] == Approx(plain[k]).margin(1e-9));
        if (std::fabs(co.tally[k] - qv.tally[k]) > 1.0) ++discounted;
      }
      CHECK(co.spent == qv.spent);  // the same ballots cost the same
    });
  }
  CHECK(discounted > 0);  // clusters of 100 voters shrink tallies a lot
}

TEST_CASE("connection-oriented QV runs bit-identically at 1 and 2 threads with communities") {
  // 20,000 agents: three chunks of agents, so that label propagation, the discount, the tally
  // and the detection scores run in parallel inside a replicate, not only across replicates.
  test::TempDir dir;
  std::string text = scenario_text("clusters: communities\n");
  const auto graph = text.find("{model: stochastic_block");
  text.replace(graph, text.find('\n', graph) - graph, "{model: barabasi_albert, m: 3}");
  text.replace(text.find("agents: 300, proposals: 3"), 25, "agents: 20000, proposals: 2");
  text.replace(text.find("replicates: 4"), 13, "replicates: 2");
  const Scenario s = parse_scenario(text, (dir.path / "s.yaml").string(), dir.path);
  const auto one = test::run_outcomes(s, 1);
  const auto two = test::run_outcomes(s, 2);
  REQUIRE(one.size() == two.size());
  for (std::size_t r = 0; r < one.size(); ++r)
    for (std::size_t i = 0; i < one[r].arms.size(); ++i)
      for (std::size_t m = 0; m < 2; ++m) {
        CHECK(one[r].arms[i].mechanisms[m].tally == two[r].arms[i].mechanisms[m].tally);
        const auto& a = one[r].arms[i].mechanisms[m].arm_metrics;
        const auto& b = two[r].arms[i].mechanisms[m].arm_metrics;
        REQUIRE(a.size() == b.size());
        for (std::size_t k = 0; k < a.size(); ++k)  // NaN-aware: detection scores may be NA
          CHECK((a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k]))));
      }
}

TEST_CASE("connection-oriented scenario mistakes name the line and key") {
  test::TempDir dir;
  auto error_of = [&](const std::string& t) { return error_in(t, dir); };
  // connection_oriented without clusters: at mechanisms (line 7).
  InputError e = error_of(scenario_text(""));
  CHECK(e.line() == 7);
  CHECK(e.key() == "mechanisms");
  CHECK_THAT(e.message(), Catch::Contains("needs clusters"));
  // Clusters that nothing uses: no connection_oriented tally, no collusion arm to score.
  std::string text = scenario_text("clusters: blocks\n");
  text.replace(text.find("quadratic, connection_oriented"), 30, "quadratic");
  text.erase(text.find("  coalitions:"));
  e = error_of(text);
  CHECK(e.line() == 8);
  CHECK(e.key() == "clusters");
  CHECK_THAT(e.message(), Catch::Contains("nothing uses clusters"));
  // Blocks without a block model.
  text = scenario_text("clusters: blocks\n");
  const auto graph = text.find("{model: stochastic_block");
  text.replace(graph, text.find('\n', graph) - graph, "{model: erdos_renyi, mean_degree: 6}");
  e = error_of(text);
  CHECK(e.key() == "clusters");
  CHECK_THAT(e.message(), Catch::Contains("stochastic_block"));
  // A source that does not exist, and a mechanism that does not.
  e = error_of(scenario_text("clusters: louvain\n"));
  CHECK(e.key() == "clusters");
  // A list is neither a source nor a file: the message names all three forms.
  e = error_of(scenario_text("clusters: [0, 1]\n"));
  CHECK(e.key() == "clusters");
  CHECK(e.message() ==
        "must be blocks, communities, {file: PATH} or {ballots: {similarity: S}}, got a list");
  // Clusters from ballots: a similarity in (0, 1], and not beside a file.
  e = error_of(scenario_text("clusters: {ballots: {similarity: 0}}\n"));
  CHECK(e.line() == 8);
  CHECK(e.key() == "clusters.ballots.similarity");
  CHECK_THAT(e.message(), Catch::Contains("(0, 1]"));
  e = error_of(scenario_text("clusters: {ballots: {}}\n"));
  CHECK(e.key() == "clusters.ballots.similarity");
  e = error_of(scenario_text("clusters: {file: a.csv, ballots: {similarity: 0.9}}\n"));
  CHECK(e.key() == "clusters.ballots");
  CHECK_THAT(e.message(), Catch::Contains("not both"));
  // identical: a boolean, false by default, named in the canonical JSON only when true (so the
  // hash of every scenario without it stands).
  e = error_of(scenario_text("clusters: {ballots: {similarity: 0.9, identical: maybe}}\n"));
  CHECK(e.line() == 8);
  CHECK(e.key() == "clusters.ballots.identical");
  e = error_of(scenario_text("clusters: {ballots: {similarity: 0.9, identicl: true}}\n"));
  CHECK(e.key() == "clusters.ballots.identicl");
  CHECK_THAT(e.message(), Catch::Contains("identical"));
  const Scenario off =
      parse_scenario(scenario_text("clusters: {ballots: {similarity: 0.9}}\n"), "s.yaml", dir.path);
  const Scenario on =
      parse_scenario(scenario_text("clusters: {ballots: {similarity: 0.9, identical: true}}\n"),
                     "s.yaml", dir.path);
  CHECK(!off.clusters.identical);
  CHECK(on.clusters.identical);
  CHECK(scenario_to_json(off).find("identical") == std::string::npos);
  CHECK(scenario_to_json(on).find("\"identical\": true") != std::string::npos);
  text = scenario_text("clusters: blocks\n");
  text.replace(text.find("connection_oriented"), 19, "connection_orientd");
  e = error_of(text);
  CHECK(e.key() == "mechanisms[1]");
  CHECK_THAT(e.message(), Catch::Contains("connection_oriented"));
  // A clusters file naming an agent the electorate does not have: the file and its line.
  std::string rows = "agent,cluster\n";
  for (int a = 0; a <= 300; ++a) rows += std::to_string(a) + ",0\n";
  test::write(dir.path / "extra.csv", rows);
  e = error_of(scenario_text("clusters: {file: extra.csv}\n"));
  CHECK(e.file() == (dir.path / "extra.csv").string());
  CHECK(e.line() == 302);
  CHECK_THAT(e.message(), Catch::Contains("agent 300 is not an agent"));
  // A missing file: the scenario's key.
  e = error_of(scenario_text("clusters: {file: none.csv}\n"));
  CHECK(e.key() == "clusters.file");
  CHECK(e.line() == 8);
}

TEST_CASE("pairwise-bounded QV: tallies from the ballots, and its scenario mistakes") {
  test::TempDir dir;
  std::string text = scenario_text("pairwise_m: 5\n");
  text.replace(text.find("connection_oriented"), 19, "pairwise_bounded");
  const Model model = model_of(text, dir);
  CHECK(model.scenario.pairwise_m == 5.0);
  const auto behaviours = agents::make_behaviours(model.scenario);
  const ReplicateOutcome o = run_replicate(model, behaviours, 0);
  replay_replicate(model, behaviours, 0, [&](const ReplicateContext& ctx, const ArmPlan& plan) {
    std::vector<double> ballots(ctx.electorate.agents * model.scenario.proposals);
    std::vector<double> counters(plan.counter_count());
    for (AgentId a = 0; a < ctx.electorate.agents; ++a)
      plan.cast(Mechanism::quadratic, a,
                std::span<double>(ballots.data() + a * model.scenario.proposals,
                                  model.scenario.proposals),
                counters);
    // The engine's tally is the library's tally of the QV ballots.
    CHECK(o.arms[ctx.arm_index].mechanisms[1].tally ==
          pairwise_bounded_tally(ballots, model.scenario.proposals, 5.0));
  });

  auto error_of = [&](const std::string& t) { return error_in(t, dir); };
  std::string bad = text;
  bad.replace(bad.find("pairwise_m: 5"), 13, "pairwise_m: 0");
  InputError e = error_of(bad);
  CHECK(e.key() == "pairwise_m");
  CHECK(e.line() == 8);
  CHECK_THAT(e.message(), Catch::Contains("> 0"));
  bad.replace(bad.find("pairwise_m: 0"), 13, "pairwise_m: -1");
  CHECK(error_of(bad).key() == "pairwise_m");
  bad.replace(bad.find("pairwise_m: -1"), 14, "");
  e = error_of(bad);
  CHECK(e.key() == "mechanisms");
  CHECK_THAT(e.message(), Catch::Contains("needs pairwise_m"));
  // Too many agents for a sum over pairs.
  bad = text;
  bad.replace(bad.find("agents: 300"), 11, "agents: 30000");
  bad.replace(bad.find("sizes: [100, 100, 100]"), 22, "sizes: [10000, 10000, 10000]");
  e = error_of(bad);
  CHECK(e.key() == "mechanisms");
  CHECK_THAT(e.message(), Catch::Contains("at most 20000 agents"));
}

TEST_CASE("collusion arms score the scenario's clusters as a detector of their coalitions") {
  test::TempDir dir;
  std::string text = scenario_text("clusters: blocks\n");
  text.replace(text.find("quadratic, connection_oriented"), 30, "quadratic");  // scoring only
  const Model model = model_of(text, dir);
  const auto behaviours = agents::make_behaviours(model.scenario);
  const auto names = behaviours[1]->metric_names();
  const auto at = [&](const char* n) {
    const auto it = std::find(names.begin(), names.end(), n);
    REQUIRE(it != names.end());
    return static_cast<std::size_t>(it - names.begin());
  };
  const std::size_t precision = at("detection_precision"), recall = at("detection_recall"),
                    f1 = at("detection_f1");
  // The honest arm has no coalitions to score.
  CHECK(behaviours[0]->metric_names().size() == 0);
  const ReplicateOutcome o = run_replicate(model, behaviours, 1);
  const auto& m = o.arms[1].mechanisms[0].arm_metrics;
  // Coalitions recruit along the graph, mostly inside a block: most of their pairs share a
  // block, while a block's pairs are mostly not coalition mates.
  CHECK(m[recall] > 0.5);
  CHECK(m[recall] <= 1.0);
  CHECK(m[precision] > 0.0);
  CHECK(m[precision] < 0.5);
  CHECK(m[f1] == Approx(2 * m[precision] * m[recall] / (m[precision] + m[recall])));
}

TEST_CASE("clusters from public ballots: found per arm and mechanism, scored and discounted") {
  test::TempDir dir;
  // Members held to their coalition ballots (loyalty 1), so that the coalitions show in them.
  const std::string loyal = "      loyalty: 1.0\n";
  const Model model = model_of(
      scenario_text("clusters: {ballots: {similarity: 0.99}}\nballot: public\n") + loyal, dir);
  const Scenario& s = model.scenario;
  const auto behaviours = agents::make_behaviours(model.scenario);
  const auto names = behaviours[1]->metric_names();
  const auto fields = behaviours[1]->agent_field_names();
  const auto index_of = [](const std::vector<std::string>& v, const char* n) {
    const auto it = std::find(v.begin(), v.end(), n);
    REQUIRE(it != v.end());
    return static_cast<std::size_t>(it - v.begin());
  };
  const std::size_t precision = index_of(names, "detection_precision");
  const std::size_t recall = index_of(names, "detection_recall");
  const std::size_t coalition = index_of(fields, "coalition");
  constexpr std::uint32_t kNone = 0xFFFFFFFF;
  for (std::uint64_t r = 0; r < 2; ++r) {
    const ReplicateOutcome o = run_replicate(model, behaviours, r);
    replay_replicate(model, behaviours, r, [&](const ReplicateContext& ctx, const ArmPlan& plan) {
      // Only the collusion arm reads clusters: the honest arm's plain QV tally finds none (and
      // keeps no ballots for them); its connection_oriented tally still does, checked below.
      CHECK(plan.reads_clusters() == (ctx.arm_index == 1));
      for (std::size_t m = 0; m < 2; ++m) {
        // Independently: every ballot, the clusters they give, the discount and the scores.
        const Mechanism mech = s.mechanisms[m];
        const AgentId n = ctx.electorate.agents;
        std::vector<double> ballots(std::size_t{n} * s.proposals), counters(plan.counter_count());
        std::vector<double> f(ctx.arm_index == 1 ? fields.size() : 0);
        std::vector<std::uint32_t> truth(n, kNone);
        for (AgentId a = 0; a < n; ++a) {
          const std::span<double> votes(ballots.data() + std::size_t{a} * s.proposals, s.proposals);
          plan.cast_recorded(mech, a, votes, counters, f);
          if (!f.empty() && !std::isnan(f[coalition]))
            truth[a] = static_cast<std::uint32_t>(f[coalition]);
        }
        const Clusters c = ballot_clusters(ctx.graph, ballots, s.proposals, 0.99);
        const MechanismOutcome& out = o.arms[ctx.arm_index].mechanisms[m];
        if (mech == Mechanism::connection_oriented) {
          discount_votes(c, s.proposals, ballots);
          for (std::uint32_t k = 0; k < s.proposals; ++k) {
            double sum = 0.0;
            for (AgentId a = 0; a < n; ++a) sum += ballots[std::size_t{a} * s.proposals + k];
            // A few hundred terms of size <= 10 in another order (as in the blocks case above).
            CHECK(out.tally[k] == Approx(sum).margin(1e-9));
          }
        }
        if (ctx.arm_index != 1) continue;  // the honest arm has no coalitions to score
        const PairScore p = score_pairs(c, truth, kNone);
        CHECK(out.arm_metrics[precision] == p.precision);  // the same clusters, the same pairs
        CHECK(out.arm_metrics[recall] == p.recall);
        // Seeded case: loyal members cast ballots concentrated on their causes, which few honest
        // neighbours match to 0.99: measured recall 0.63 and 0.68, precision 0.97 and 0.98 in
        // these two replicates under both tallies (the bounds allow another build's rounding of
        // a borderline cosine, not a detector that finds nothing or flags at random; the blocks
        // detector on this scenario has precision below 0.5).
        CHECK(p.recall > 0.5);
        CHECK(p.precision > 0.9);
      }
    });
  }
}

TEST_CASE("a collusion arm reads clusters only when the scenario has them") {
  test::TempDir dir;
  std::string text = scenario_text("");
  text.replace(text.find("connection_oriented"), 19, "linear");
  const Model without = model_of(text, dir);
  const Model with = model_of(scenario_text("clusters: blocks\n"), dir);
  for (const Model* model : {&without, &with}) {
    const auto behaviours = agents::make_behaviours(model->scenario);
    replay_replicate(*model, behaviours, 0, [&](const ReplicateContext& ctx, const ArmPlan& plan) {
      CHECK(plan.reads_clusters() == (ctx.arm_index == 1 && model == &with));
    });
  }
}

TEST_CASE("clusters from ballots: nothing to see under a secret ballot, the tally untouched") {
  test::TempDir dir;
  const std::string loyal = "      loyalty: 1.0\n";
  // Under a secret ballot the observer links no two voters: recall 0, no precision, and the
  // connection-oriented tally is plain QV bit for bit.
  const Model secret = model_of(
      scenario_text("clusters: {ballots: {similarity: 0.5}}\nballot: secret\n") + loyal, dir);
  const auto behaviours = agents::make_behaviours(secret.scenario);
  const auto names = behaviours[1]->metric_names();
  const auto recall = static_cast<std::size_t>(
      std::find(names.begin(), names.end(), "detection_recall") - names.begin());
  REQUIRE(recall < names.size());
  const ReplicateOutcome o = run_replicate(secret, behaviours, 0);
  // The command line says so before it runs.
  test::write(dir.path / "secret.yaml",
              scenario_text("clusters: {ballots: {similarity: 0.5}}\nballot: secret\n") + loyal);
  const auto cli = test::cli({"run", (dir.path / "secret.yaml").string(), "--quiet", "--out",
                              (dir.path / "out").string()});
  CHECK(cli.code == 0);
  CHECK_THAT(cli.err, Catch::Contains("warning: clusters from ballots read public ballots; under "
                                      "a secret ballot nobody can"));
  for (const ArmOutcome& arm : o.arms) CHECK(arm.mechanisms[1].tally == arm.mechanisms[0].tally);
  CHECK(o.arms[1].mechanisms[0].arm_metrics[recall] == 0.0);
  CHECK(std::isnan(o.arms[1].mechanisms[0].arm_metrics[recall - 1]));
  // A detector reads the ballots and changes none: a QV tally and the arm's own metrics are the
  // same bytes with and without it.
  std::string with = scenario_text("clusters: {ballots: {similarity: 0.9}}\nballot: public\n");
  with.replace(with.find("quadratic, connection_oriented"), 30, "quadratic");
  std::string without = with;
  without.erase(without.find("clusters:"),
                without.find("ballot: public") - without.find("clusters:"));
  const Model a = model_of(with + loyal, dir), b = model_of(without + loyal, dir);
  const ReplicateOutcome oa = run_replicate(a, agents::make_behaviours(a.scenario), 0);
  const ReplicateOutcome ob = run_replicate(b, agents::make_behaviours(b.scenario), 0);
  const auto names_a = agents::make_behaviours(a.scenario)[1]->metric_names();
  const auto names_b = agents::make_behaviours(b.scenario)[1]->metric_names();
  for (std::size_t i = 0; i < 2; ++i) {
    const MechanismOutcome& x = oa.arms[i].mechanisms[0];
    const MechanismOutcome& y = ob.arms[i].mechanisms[0];
    CHECK(x.tally == y.tally);
    CHECK(x.spent == y.spent);
    if (i == 0) continue;  // the honest arm has no metrics of its own
    // Every metric of the arm without the detector, by name, and the detector's three more.
    REQUIRE(names_a.size() == names_b.size() + 3);
    for (std::size_t k = 0; k < names_b.size(); ++k) {
      const auto at = static_cast<std::size_t>(
          std::find(names_a.begin(), names_a.end(), names_b[k]) - names_a.begin());
      REQUIRE(at < names_a.size());
      CHECK((x.arm_metrics[at] == y.arm_metrics[k] ||
             (std::isnan(x.arm_metrics[at]) && std::isnan(y.arm_metrics[k]))));
    }
  }
}

TEST_CASE("analyze pairs every defence mechanism with its own baseline cell") {
  // Five mechanisms: each effect row must be the mean of the engine's own paired difference
  // (summary.csv's d_efficiency) for the same arm and mechanism. A cell key with too few bits for
  // the mechanism would pair pairwise_bounded with another arm's cell.
  test::TempDir dir;
  std::string text = scenario_text("clusters: blocks\npairwise_m: 50\n");
  text.replace(text.find("quadratic, connection_oriented"), 30,
               "quadratic, one_person_one_vote, linear, connection_oriented, pairwise_bounded");
  text.replace(text.find("replicates: 4"), 13, "replicates: 6");
  test::write(dir.path / "s.yaml", text);
  const auto out = dir.path / "o";
  REQUIRE(
      test::cli({"run", (dir.path / "s.yaml").string(), "--out", out.string(), "--quiet"}).code ==
      0);
  REQUIRE(test::cli({"analyze", out.string(), "--resamples", "50"}).code == 0);
  std::map<std::string, double> engine, analyzed;
  for (const std::string& line : lines_of(test::read(out / "summary.csv"))) {
    const auto f = fields_of(line);
    if (f.size() > 5 && f[2] == "d_efficiency") engine[f[0] + "/" + f[1]] = std::stod(f[5]);
  }
  for (const std::string& line : lines_of(test::read(out / "analysis" / "effects.csv"))) {
    const auto f = fields_of(line);
    if (f.size() > 7 && f[0] == "effect" && f[4] == "efficiency")
      analyzed[f[1] + "/" + f[2]] = std::stod(f[7]);
  }
  REQUIRE(analyzed.size() == 5);
  // Defence costs: the honest arm under each defence minus under quadratic, from runs.csv.
  const auto runs = lines_of(test::read(out / "runs.csv"));
  const auto head = fields_of(runs.front());
  const auto col = [&](const char* n) {
    return static_cast<std::size_t>(std::find(head.begin(), head.end(), n) - head.begin());
  };
  std::map<std::string, std::map<std::string, double>> honest;  // mechanism -> replicate -> eff
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const auto f = fields_of(runs[i]);
    if (f[col("arm")] == "honest")
      honest[f[col("mechanism")]][f[col("replicate")]] = std::stod(f[col("efficiency")]);
  }
  std::map<std::string, double> costs;
  for (const std::string& line : lines_of(test::read(out / "analysis" / "effects.csv"))) {
    const auto f = fields_of(line);
    if (f.size() > 7 && f[0] == "defence_cost" && f[4] == "efficiency") {
      CHECK(f[1] == "honest");
      CHECK(f[3] == "quadratic");
      costs[f[2]] = std::stod(f[7]);
    }
  }
  REQUIRE(costs.size() == 2);
  for (const auto& [m, mean] : costs) {
    double sum = 0.0;
    for (const auto& [rep, e] : honest[m]) sum += e - honest["quadratic"][rep];
    // Means of 6 differences of efficiencies stored as floats for the bootstrap: 1e-6.
    CHECK(mean == Approx(sum / 6.0).margin(1e-6));
  }
  for (const auto& [cell, mean] : analyzed) {
    INFO(cell);
    REQUIRE(engine.count(cell) == 1);
    // The same paired differences summed in the same order, one in float storage: 1e-6.
    CHECK(mean == Approx(engine[cell]).margin(1e-6));
  }
}
