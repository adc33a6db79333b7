// Sybils under the tallies that count voters apart (docs/model.md, "Sybils under both tallies"
// and "Sybils seen in public ballots"): the engine's connection_oriented and pairwise_bounded
// tallies against the same ballots with every identity listed apart, and an observer of public
// ballots who links identical ones.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "agents/behaviours.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/clusters.hpp"
#include "sim/model.hpp"
#include "sim/pairwise.hpp"
#include "sim/runner.hpp"
#include "support/test_support.hpp"

using namespace qvsim;

namespace {

Model model_of(const std::string& text, const test::TempDir& dir) {
  return freeze(parse_scenario(text, (dir.path / "s.yaml").string(), dir.path));
}

}  // namespace

TEST_CASE("sybils under both tallies: each identity the checks keep is a voter of its own") {
  // Sybils with 3 identities, half of the extra ones caught, on blocks: the engine's tallies
  // against the same ballots with every identity listed apart (docs/model.md, "Sybils under
  // both tallies"): her own identity in her block, each extra one alone.
  test::TempDir dir;
  const Model model = model_of(
      "name: sy\nseed: 8\nreplicates: 2\n"
      "electorate: {agents: 300, proposals: 3, values: {distribution: normal, mean: 0.1},\n"
      "             budget: {credits: 100}}\n"
      "graph: {model: stochastic_block, sizes: [100, 100, 100], p_in: 0.08, p_out: 0.005}\n"
      "mechanisms: [quadratic, connection_oriented, pairwise_bounded]\n"
      "clusters: blocks\npairwise_m: 20\nidentity: {detect: 0.5, cost: 0.1}\n"
      "arms:\n  honest: {}\n  sybils:\n    collusion:\n      organizers: {share: 0.02}\n"
      "      internalization: 1.0\n      sybils: {share: 0.2, identities: 3}\n",
      dir);
  const auto behaviours = agents::make_behaviours(model.scenario);
  const std::size_t kc = model.scenario.proposals;
  const auto names = behaviours[1]->agent_field_names();
  const auto field =
      static_cast<std::size_t>(std::find(names.begin(), names.end(), "identities") - names.begin());
  REQUIRE(field < names.size());
  std::size_t split = 0, moved = 0;
  for (std::uint64_t r = 0; r < 2; ++r) {
    const ReplicateOutcome o = run_replicate(model, behaviours, r);
    replay_replicate(model, behaviours, r, [&](const ReplicateContext& ctx, const ArmPlan& plan) {
      for (const std::size_t mi : {std::size_t{1}, std::size_t{2}}) {
        const Mechanism m = model.scenario.mechanisms[mi];
        std::vector<double> votes(kc), counters(plan.counter_count()), fields(names.size());
        std::vector<double> merged, apart;
        std::vector<std::uint32_t> labels, apart_labels, ids;
        std::uint32_t next = 3;  // blocks are 0, 1, 2
        for (AgentId a = 0; a < ctx.electorate.agents; ++a) {
          std::uint32_t k = 0;
          plan.cast_counted(m, a, votes, counters, k);
          if (ctx.arm_index == 1) {
            plan.cast_recorded(m, a, votes, counters, fields);
            CHECK(static_cast<double>(k) == fields[field]);  // agents.csv's identities
          } else {
            CHECK(k == 1);
          }
          if (k > 1 && mi == 1) ++split;
          ids.push_back(k);
          labels.push_back(ctx.graph.blocks()[a]);
          merged.insert(merged.end(), votes.begin(), votes.end());
          for (std::uint32_t i = 0; i < k; ++i) {
            apart_labels.push_back(i == 0 ? ctx.graph.blocks()[a] : next++);
            for (const double v : votes) apart.push_back(v / k);
          }
        }
        std::vector<double> expected(kc, 0.0), lumped(kc, 0.0);
        if (m == Mechanism::pairwise_bounded) {
          expected = pairwise_bounded_tally(apart, static_cast<std::uint32_t>(kc), 20.0);
          lumped = pairwise_bounded_tally(merged, static_cast<std::uint32_t>(kc), 20.0);
        } else {
          discount_votes(clusters_from_labels(apart_labels), static_cast<std::uint32_t>(kc), apart);
          discount_votes(clusters_from_labels(labels), static_cast<std::uint32_t>(kc), merged);
          for (std::size_t i = 0; i < apart.size(); ++i) expected[i % kc] += apart[i];
          for (std::size_t i = 0; i < merged.size(); ++i) lumped[i % kc] += merged[i];
        }
        const MechanismOutcome& got = o.arms[ctx.arm_index].mechanisms[mi];
        for (std::size_t k = 0; k < kc; ++k) {
          // Sums of some 10^4 (pairwise: 10^5) terms of size <= 10 in another order: 1e-7 is
          // far above their rounding and far below the identities' effect counted below.
          CHECK(got.tally[k] == Approx(expected[k]).margin(1e-7));
          if (std::fabs(lumped[k] - expected[k]) > 1e-3) ++moved;
        }
      }
    });
  }
  CHECK(split > 0);  // sybils kept more than one identity
  CHECK(moved > 0);  // and counting them apart is not counting their ballot as one voter's
}

TEST_CASE("identical public ballots: sybils found, placed and discounted whole") {
  // Sybils with 3 identities and no coalitions under a public ballot, clusters from ballots.
  const auto text = [](const std::string& identical) {
    return "name: sy\nseed: 12\nreplicates: 2\nballot: public\n"
           "electorate: {agents: 300, proposals: 3, values: {distribution: normal, mean: 0.1},\n"
           "             budget: {credits: 100}}\n"
           "graph: {model: stochastic_block, sizes: [100, 100, 100], p_in: 0.08, p_out: 0.005}\n"
           "mechanisms: [quadratic, connection_oriented]\n"
           "clusters: {ballots: {similarity: 0.99" +
           identical +
           "}}\n"
           "arms:\n  honest: {}\n  sybils:\n    collusion:\n      organizers: 0\n"
           "      sybils: {share: 0.2, identities: 3}\n";
  };
  test::TempDir dir;
  const Model model = model_of(text(", identical: true"), dir);
  const Model unseen = model_of(text(""), dir);
  const auto behaviours = agents::make_behaviours(model.scenario);
  const auto names = behaviours[1]->metric_names();
  const auto at = [&](const char* name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  REQUIRE(at("detection_recall") < names.size());
  const std::size_t kc = model.scenario.proposals;
  for (std::uint64_t r = 0; r < 2; ++r) {
    const ReplicateOutcome o = run_replicate(model, behaviours, r);
    const ReplicateOutcome u = run_replicate(unseen, behaviours, r);
    REQUIRE(o.arms[1].mechanisms[0].arm_metrics[at("sybils")] > 0.0);
    // Every sybil votes (credits QV), so her identical shares give her away: recall 1. Unseen,
    // her identities are true pairs nobody flags: recall 0. Both tallies count the same ballots
    // under quadratic.
    CHECK(o.arms[1].mechanisms[0].arm_metrics[at("detection_recall")] == 1.0);
    CHECK(u.arms[1].mechanisms[0].arm_metrics[at("detection_recall")] == 0.0);
    CHECK(o.arms[1].mechanisms[0].tally == u.arms[1].mechanisms[0].tally);
    replay_replicate(model, behaviours, r, [&](const ReplicateContext& ctx, const ArmPlan& plan) {
      // The connection-oriented tally against the ballots listed identity by identity: a
      // placed sybil's identities all in her cluster, anyone else's extra identities alone.
      std::vector<double> votes(kc), counters(plan.counter_count()), ballots, apart;
      std::vector<std::uint32_t> ids, labels;
      for (AgentId a = 0; a < ctx.electorate.agents; ++a) {
        std::uint32_t k = 0;
        plan.cast_counted(Mechanism::connection_oriented, a, votes, counters, k);
        ids.push_back(k);
        ballots.insert(ballots.end(), votes.begin(), votes.end());
      }
      const Clusters c =
          ballot_clusters(ctx.graph, ballots, static_cast<std::uint32_t>(kc), 0.99, ids, true);
      std::uint32_t next = ctx.electorate.agents;  // cluster ids are agent ids or fewer
      for (AgentId a = 0; a < ctx.electorate.agents; ++a) {
        for (std::uint32_t i = 0; i < ids[a]; ++i) {
          labels.push_back(i == 0 || c.placed[a] != 0 ? c.of[a] : next++);
          for (std::size_t k = 0; k < kc; ++k) apart.push_back(ballots[a * kc + k] / ids[a]);
        }
      }
      discount_votes(clusters_from_labels(labels), static_cast<std::uint32_t>(kc), apart);
      std::vector<double> expected(kc, 0.0);
      for (std::size_t i = 0; i < apart.size(); ++i) expected[i % kc] += apart[i];
      const MechanismOutcome& co = o.arms[ctx.arm_index].mechanisms[1];
      for (std::size_t k = 0; k < kc; ++k) {
        // A few hundred terms of size <= 30 in another order: 1e-7 is far above rounding.
        CHECK(co.tally[k] == Approx(expected[k]).margin(1e-7));
      }
    });
  }
}
