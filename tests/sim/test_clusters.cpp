// Clusters and the connection-oriented discount (sim/clusters.hpp; docs/model.md,
// "Connection-oriented QV"): hand-computed discounts, label propagation on a planted structure,
// and bit-identity at 1 and 2 threads.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "sim/clusters.hpp"
#include "sim/error.hpp"
#include "sim/graph.hpp"
#include "sim/graph_generators.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"
#include "support/test_support.hpp"

using namespace qvsim;

TEST_CASE("clusters_from_labels numbers large labels by a sort, in the same order") {
  // Labels far above the agent count take the sort path; the numbering is the same.
  const Clusters big =
      clusters_from_labels(std::vector<std::uint32_t>{4000000000u, 3, 4000000000u, 9, 3});
  const Clusters small = clusters_from_labels(std::vector<std::uint32_t>{11, 3, 11, 9, 3});
  CHECK(big.count == 3);
  CHECK(big.of == small.of);
  CHECK(big.members == small.members);
  CHECK(big.start == small.start);
}

TEST_CASE("clusters_from_labels groups agents by label, clusters by ascending label") {
  const std::vector<std::uint32_t> labels{5, 3, 5, 9, 3};
  const Clusters c = clusters_from_labels(labels);
  CHECK(c.count == 3);
  CHECK(c.of == std::vector<std::uint32_t>{1, 0, 1, 2, 0});
  CHECK(c.members == std::vector<AgentId>{1, 4, 0, 2, 3});
  CHECK(c.start == std::vector<std::uint64_t>{0, 2, 4, 5});
}

TEST_CASE("the discount: a side's votes in a cluster add up to the root of their squares") {
  // Agents 0, 1, 2 share a cluster; 3 is alone. One proposal: votes 3, 4, -2, 5.
  // Cluster 0's for side: sqrt(9 + 16) = 5 from 3 + 4 = 7, so each counts 5/7; the against side
  // has one voter (-2, kept). Agent 3 alone keeps 5. Tally 5 - 2 + 5 = 8 against a plain 10.
  const Clusters c = clusters_from_labels(std::vector<std::uint32_t>{0, 0, 0, 1});
  std::vector<double> votes{3.0, 4.0, -2.0, 5.0};
  discount_votes(c, 1, votes);
  CHECK(votes[0] == Approx(15.0 / 7.0).epsilon(1e-15));
  CHECK(votes[1] == Approx(20.0 / 7.0).epsilon(1e-15));
  CHECK(votes[2] == -2.0);
  CHECK(votes[3] == 5.0);
  CHECK(votes[0] + votes[1] + votes[2] + votes[3] == Approx(8.0).epsilon(1e-15));
  // Two proposals, agent-major: the discount is per proposal. n equal votes count 1/sqrt(n).
  std::vector<double> two{1.0, 2.0, 1.0, 0.0, 1.0, -2.0, 7.0, 7.0};
  discount_votes(c, 2, two);
  const double third = 1.0 / std::sqrt(3.0);
  for (const std::size_t i : {0u, 2u, 4u}) CHECK(two[i] == Approx(third).epsilon(1e-15));
  CHECK(two[1] == 2.0);  // proposal 1: agent 0 alone on the for side, agent 2 alone against
  CHECK(two[3] == 0.0);
  CHECK(two[5] == -2.0);
  CHECK(two[6] == 7.0);
  CHECK(two[7] == 7.0);
  // Every agent alone: nothing changes, bit for bit.
  const Clusters alone = clusters_from_labels(std::vector<std::uint32_t>{0, 1, 2, 3});
  std::vector<double> same{0.1, -0.3, 1e-300, 7.5};
  const std::vector<double> before = same;
  discount_votes(alone, 1, same);
  CHECK(same == before);
}

TEST_CASE("the discount: a sybil's extra identities sit alone, her own identity in her cluster") {
  // The case above with agent 1 a sybil of 2 identities casting 4 in all (2 each). Her own
  // identity's 2 is discounted with agent 0's 3: the side counts sqrt(9 + 4) = sqrt(13) from
  // 3 + 2 = 5. Her extra identity's 2 is alone and counts in full. Tally sqrt(13) + 2 - 2 + 5.
  const Clusters c = clusters_from_labels(std::vector<std::uint32_t>{0, 0, 0, 1});
  std::vector<double> votes{3.0, 4.0, -2.0, 5.0};
  const std::vector<std::uint32_t> identities{1, 2, 1, 1};
  discount_votes(c, 1, votes, identities);
  const double r = std::sqrt(13.0) / 5.0;
  CHECK(votes[0] == Approx(3.0 * r).epsilon(1e-15));
  CHECK(votes[1] == Approx(2.0 * r + 2.0).epsilon(1e-15));
  CHECK(votes[2] == -2.0);
  CHECK(votes[3] == 5.0);
  CHECK(votes[0] + votes[1] + votes[2] + votes[3] == Approx(std::sqrt(13.0) + 5.0).epsilon(1e-15));
  // A sybil alone on her side keeps her whole vote, bit for bit; identities of 1 change nothing.
  std::vector<double> lone{3.0, -4.0, 1.0, 5.0}, plain = lone;
  discount_votes(c, 1, lone, std::vector<std::uint32_t>{1, 3, 1, 1});
  discount_votes(c, 1, plain, std::vector<std::uint32_t>{1, 1, 1, 1});
  CHECK(lone[1] == -4.0);
  std::vector<double> reference{3.0, -4.0, 1.0, 5.0};
  discount_votes(c, 1, reference);
  CHECK(plain == reference);

  // Against the identities listed apart: 300 agents in 20 clusters, 2 proposals, a fifth of them
  // sybils with 2 to 5 identities; listed apart, each extra identity is an agent alone in a
  // cluster of its own. The discounted votes of a sybil's identities add up to hers (to
  // rounding: 1e-12 relative).
  Stream rng(StreamKey{11, 0, 0, 0, 0, Purpose::test});
  const std::size_t n = 300, kc = 2;
  std::vector<std::uint32_t> labels(n), ids(n), apart_labels;
  std::vector<double> counted(n * kc), apart;
  std::vector<std::size_t> first(n);  // each agent's first row among those listed apart
  for (std::size_t a = 0; a < n; ++a) {
    labels[a] = static_cast<std::uint32_t>(rng.below(20));
    ids[a] = rng.uniform() < 0.2 ? 2 + static_cast<std::uint32_t>(rng.below(4)) : 1;
    for (std::size_t k = 0; k < kc; ++k)
      counted[a * kc + k] = rng.uniform() < 0.1 ? 0.0 : 10.0 * (rng.uniform() - 0.5);
  }
  std::uint32_t next_label = 20;
  for (std::size_t a = 0; a < n; ++a) {
    first[a] = apart_labels.size();
    for (std::uint32_t i = 0; i < ids[a]; ++i) {
      apart_labels.push_back(i == 0 ? labels[a] : next_label++);
      for (std::size_t k = 0; k < kc; ++k) apart.push_back(counted[a * kc + k] / ids[a]);
    }
  }
  discount_votes(clusters_from_labels(labels), kc, counted, ids);
  discount_votes(clusters_from_labels(apart_labels), kc, apart);
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t k = 0; k < kc; ++k) {
      double sum = 0.0;
      for (std::uint32_t i = 0; i < ids[a]; ++i) sum += apart[(first[a] + i) * kc + k];
      CHECK(counted[a * kc + k] == Approx(sum).epsilon(1e-12).margin(1e-12));
    }
  }
}

namespace {

// Two cliques of `size` agents (0..size-1 and size..2size-1) joined by one edge.
Graph two_cliques(AgentId size) {
  std::vector<std::pair<AgentId, AgentId>> edges;
  for (AgentId base : {AgentId{0}, size})
    for (AgentId a = 0; a < size; ++a)
      for (AgentId b = a + 1; b < size; ++b) edges.emplace_back(base + a, base + b);
  edges.emplace_back(0, size);
  return Graph::from_edges(2 * size, std::move(edges));
}

}  // namespace

TEST_CASE("label propagation finds two cliques joined by one edge") {
  const Graph g = two_cliques(10);
  std::uint32_t rounds = 0;
  const Clusters c =
      clusters_from_labels(label_propagation(g, 3, 0, kLabelPropagationRounds, &rounds));
  CHECK(c.count == 2);
  for (AgentId a = 0; a < 20; ++a) CHECK(c.of[a] == c.of[a < 10 ? 0 : 10]);
  CHECK(c.of[0] != c.of[10]);
  CHECK(rounds < kLabelPropagationRounds);  // it settled
  // An isolated agent keeps a community of her own.
  const Graph lone = Graph::from_edges(3, {{0, 1}});
  const Clusters l = clusters_from_labels(label_propagation(lone, 1, 0));
  CHECK(l.of[2] != l.of[0]);
}

TEST_CASE("label propagation is bit-identical at 1 and 2 threads, and keyed by replicate") {
  const StreamKey key{11, 0, 0, 0, 0, Purpose::graph};
  const Graph g = generate_graph(BarabasiAlbertSpec{3}, 20000, key);
  std::vector<std::uint32_t> one, two;
  with_threads(1, [&] { one = label_propagation(g, 5, 2); });
  with_threads(2, [&] { two = label_propagation(g, 5, 2); });
  CHECK(one == two);
  // Keyed by replicate: another replicate's draws give other communities on the same graph.
  CHECK(label_propagation(g, 5, 3) != one);
}

TEST_CASE("clusters files: every agent once, clear errors naming the line") {
  test::TempDir dir;
  const auto file = dir.path / "clusters.csv";
  test::write(file, "# a comment\nagent,cluster\n0,7\n2, 7\n1,3\n");
  CHECK(load_clusters_file(file, 3, {}) == std::vector<std::uint32_t>{7, 3, 7});
  // An edge list's own ids name the agents.
  CHECK(load_clusters_file(file, 3, {0, 1, 2}) == std::vector<std::uint32_t>{7, 3, 7});

  auto error_of = [&](const std::string& text, AgentId agents) {
    test::write(file, text);
    try {
      load_clusters_file(file, agents, {});
    } catch (const InputError& e) {
      return std::pair<std::uint64_t, std::string>{e.line(), e.what()};
    }
    FAIL("expected an InputError for:\n" << text);
    return std::pair<std::uint64_t, std::string>{};
  };
  auto [line, what] = error_of("agent,cluster\n0,1\n5,1\n", 2);
  CHECK(line == 3);
  CHECK_THAT(what, Catch::Contains("agent 5 is not an agent"));
  std::tie(line, what) = error_of("agent,cluster\n0,1\n", 2);
  CHECK_THAT(what, Catch::Contains("agent 1 has no row"));
  std::tie(line, what) = error_of("agent,group\n0,1\n", 1);
  CHECK(line == 1);
  CHECK_THAT(what, Catch::Contains("agent,cluster"));
  std::tie(line, what) = error_of("agent,cluster\n0,1.5\n", 1);
  CHECK(line == 2);
  std::tie(line, what) = error_of("agent,cluster\n0,1\n0,2\n", 1);
  CHECK(line == 3);
  CHECK_THAT(what, Catch::Contains("second row"));
  std::tie(line, what) = error_of("agent,cluster\n0,1,2\n", 1);
  CHECK(line == 2);
  CHECK_THAT(what, Catch::Contains("expected 2 comma-separated fields (agent, cluster), got 3"));
  // A long field is shown cut short, not whole.
  std::tie(line, what) = error_of("agent,cluster\n" + std::string(5000, 'x') + ",1\n", 1);
  CHECK(line == 2);
  CHECK(what.size() < 400);
}

TEST_CASE("label propagation recovers the blocks of a planted block model") {
  // Five blocks of 200, mean degree about 10 inside a block and 0.8 across.
  const StreamKey key{17, 0, 0, 0, 0, Purpose::graph};
  const Graph g =
      generate_graph(StochasticBlockSpec{{200, 200, 200, 200, 200}, 0.05, 0.001}, 1000, key);
  std::uint32_t rounds = 0;
  const Clusters c =
      clusters_from_labels(label_propagation(g, 17, 0, kLabelPropagationRounds, &rounds));
  // Purity: each community's share of its most common block, weighted by size.
  std::uint64_t agree = 0;
  for (std::uint32_t x = 0; x < c.count; ++x) {
    std::vector<std::uint64_t> per_block(5, 0);
    for (std::uint64_t i = c.start[x]; i < c.start[x + 1]; ++i)
      ++per_block[g.blocks()[c.members[i]]];
    agree += *std::max_element(per_block.begin(), per_block.end());
  }
  // On this seeded case it settles (in 33 rounds) on the five blocks exactly.
  CAPTURE(rounds, c.count);
  CHECK(rounds < kLabelPropagationRounds);
  CHECK(agree == 1000);
  CHECK(c.count == 5);
}

TEST_CASE("pair scores: a hand case, a detector that flags nobody, a planted clique") {
  // Clusters {0, 1, 2}, {3, 4}, {5}; true groups {0, 1}, {2, 3}, agents 4 and 5 in none.
  // Flagged pairs: 3 + 1 = 4; true pairs: 1 + 1 = 2; both: (0, 1) only.
  const Clusters c = clusters_from_labels(std::vector<std::uint32_t>{0, 0, 0, 1, 1, 2});
  constexpr std::uint32_t kNone = 99;
  const std::vector<std::uint32_t> truth{7, 7, 8, 8, kNone, kNone};
  const PairScore s = score_pairs(c, truth, kNone);
  CHECK(s.flagged == 4.0);
  CHECK(s.truth == 2.0);
  CHECK(s.both == 1.0);
  CHECK(s.precision == 0.25);
  CHECK(s.recall == 0.5);
  CHECK(s.f1 == Approx(2 * 0.25 * 0.5 / 0.75));
  // A detector that flags nobody (everyone alone): recall 0, precision undefined.
  const Clusters alone = clusters_from_labels(std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5});
  const PairScore none = score_pairs(alone, truth, kNone);
  CHECK(none.recall == 0.0);
  CHECK(std::isnan(none.precision));

  // A clique of 20 planted in a sparse random graph of 2000 (mean degree 3) is found whole by
  // label propagation: recall 1 (seeded case).
  const StreamKey key{23, 0, 0, 0, 0, Purpose::graph};
  const Graph er = generate_graph(ErdosRenyiSpec{3.0}, 2000, key);
  std::vector<std::pair<AgentId, AgentId>> edges;
  for (AgentId a = 0; a < 2000; ++a)
    for (const AgentId b : er.neighbors(a))
      if (a < b) edges.emplace_back(a, b);
  std::vector<std::uint32_t> planted(2000, kNone);
  for (AgentId a = 100; a < 120; ++a) {
    planted[a] = 0;
    for (AgentId b = a + 1; b < 120; ++b) edges.emplace_back(a, b);
  }
  const Graph g = Graph::from_edges(2000, std::move(edges));
  const PairScore found =
      score_pairs(clusters_from_labels(label_propagation(g, 23, 0)), planted, kNone);
  CHECK(found.recall == 1.0);
  CHECK(found.precision > 0.0);
}

TEST_CASE("ballot clusters: neighbours whose ballots point the same way, a hand case") {
  // A path 0 - 1 - 2 - 3 - 4 and agent 5 joined to 0. Ballots on two proposals:
  //   0 = (1, 0), 1 = (1, 0.1), 2 = (0, 1), 3 = (0, 2), 4 = (0, 0) (abstains), 5 = (1, 0).
  // cos(0, 1) = 1 / sqrt(1.01) = 0.99504, cos(1, 2) = 0.1 / sqrt(1.01) = 0.0995, cos(2, 3) = 1,
  // agent 4 is linked to nobody, cos(0, 5) = 1.
  const Graph g = Graph::from_edges(6, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 5}});
  const std::vector<double> ballots{1, 0, 1, 0.1, 0, 1, 0, 2, 0, 0, 1, 0};
  const auto groups = [&](double similarity) {
    const Clusters c = ballot_clusters(g, ballots, 2, similarity);
    std::vector<std::vector<AgentId>> out;
    for (std::uint32_t x = 0; x < c.count; ++x)
      out.emplace_back(c.members.begin() + static_cast<std::ptrdiff_t>(c.start[x]),
                       c.members.begin() + static_cast<std::ptrdiff_t>(c.start[x + 1]));
    return out;
  };
  using Groups = std::vector<std::vector<AgentId>>;
  // At 0.99 the links are 0-1, 0-5 and 2-3: clusters {0, 1, 5}, {2, 3}, {4}, numbered by their
  // lowest agent.
  CHECK(groups(0.99) == Groups{{0, 1, 5}, {2, 3}, {4}});
  // At 0.996 agent 1 is cut off from 0; at 0.09 she links 0's group to 2's.
  CHECK(groups(0.996) == Groups{{0, 5}, {1}, {2, 3}, {4}});
  CHECK(groups(0.09) == Groups{{0, 1, 2, 3, 5}, {4}});
  // Identical ballots that are not neighbours are not linked: the observer compares ballots
  // along the graph only (agents 2 and 5 are far apart; 3 and 2 are parallel, 5 and 0 equal).
  const Graph cut = Graph::from_edges(6, {{0, 1}, {2, 3}});
  const Clusters c = ballot_clusters(cut, ballots, 2, 0.5);
  CHECK(c.count == 4);  // {0, 1}, {2, 3}, {4}, {5}
  CHECK(c.of[5] != c.of[0]);
  // At similarity 1, identical and proportional ballots are linked whatever the rounding of a
  // norm's root: (1, 1) with (1, 1), (1, 2) with (2, 4), and sign ballots of many proposals, as
  // one person one vote casts them; (1, 2) with (2, 4.000001) is not.
  const Graph pairs = Graph::from_edges(8, {{0, 1}, {2, 3}, {4, 5}, {6, 7}});
  // Agents 0 to 5 vote on the first two of ten proposals; 6 and 7 cast the same ten signs.
  const std::vector<double> first_two{1, 1, 1, 1, 1, 2, 2, 4, 1, 2, 2, 4.000001};
  std::vector<double> exact(8 * 10, 0.0);
  for (int a = 0; a < 6; ++a)
    for (int k = 0; k < 2; ++k) exact[a * 10 + k] = first_two[a * 2 + k];
  for (int a = 6; a < 8; ++a)
    for (int k = 0; k < 10; ++k) exact[a * 10 + k] = k % 3 == 0 ? -1.0 : 1.0;
  const Clusters one = ballot_clusters(pairs, exact, 10, 1.0);
  CHECK(one.of[0] == one.of[1]);
  CHECK(one.of[2] == one.of[3]);
  CHECK(one.of[4] != one.of[5]);
  CHECK(one.of[6] == one.of[7]);
}

TEST_CASE("ballot clusters are bit-identical at 1 and 2 threads") {
  const StreamKey key{17, 0, 0, 0, 0, Purpose::graph};
  const Graph g = generate_graph(BarabasiAlbertSpec{3}, 30000, key);
  std::vector<double> ballots(30000 * 3);
  Stream draws(StreamKey{17, 0, 0, 0, 1, Purpose::graph});
  for (double& b : ballots) b = draws.normal();
  Clusters one, two;
  with_threads(1, [&] { one = ballot_clusters(g, ballots, 3, 0.9); });
  with_threads(2, [&] { two = ballot_clusters(g, ballots, 3, 0.9); });
  CHECK(one.of == two.of);
  CHECK(one.count == two.count);
  // Random ballots in three dimensions: some neighbours pass 0.9, far from all of them.
  CHECK(one.count > 1000);
  CHECK(one.count < 30000);
  // Linking identical ballots too: ballots rounded to whole votes, so that many coincide across
  // the graph, a tenth of the agents sybils of 2 or 3 identities, a tenth abstaining.
  std::vector<std::uint32_t> ids(30000);
  for (std::size_t a = 0; a < ids.size(); ++a) {
    ids[a] = draws.uniform() < 0.1 ? 2 + static_cast<std::uint32_t>(draws.below(2)) : 1;
    const bool abstains = draws.uniform() < 0.1;
    for (std::size_t k = 0; k < 3; ++k)
      ballots[a * 3 + k] = abstains ? 0.0 : std::round(ballots[a * 3 + k]) * ids[a];
  }
  with_threads(1, [&] { one = ballot_clusters(g, ballots, 3, 0.9, ids, true); });
  with_threads(2, [&] { two = ballot_clusters(g, ballots, 3, 0.9, ids, true); });
  CHECK(one.of == two.of);
  CHECK(one.placed == two.placed);
  const Clusters apart = ballot_clusters(g, ballots, 3, 0.9, ids, false);
  CHECK(one.count < apart.count);  // identical whole-vote ballots far apart were linked
  CHECK(std::count(one.placed.begin(), one.placed.end(), 1) > 2000);  // voting sybils placed
}

TEST_CASE("identical ballots: a sybil's identities found and placed, scored over identities") {
  // A path 0 - 1 - 2; agents 3 and 4 have no neighbours. Two proposals: ballots 0 = (1, 0),
  // 1 = (0, 1), 2 = (0, 2), 3 = (2, 4) cast by 2 identities (shares (1, 2)), 4 = (1, 0).
  // Neighbours: only 1 and 2 point the same way (S = 0.99).
  const Graph g = Graph::from_edges(5, {{0, 1}, {1, 2}});
  const std::vector<double> ballots{1, 0, 0, 1, 0, 2, 2, 4, 1, 0};
  const std::vector<std::uint32_t> identities{1, 1, 1, 2, 1};
  const Clusters plain = ballot_clusters(g, ballots, 2, 0.99, identities, false);
  CHECK(plain.of == std::vector<std::uint32_t>{0, 1, 1, 2, 3});
  CHECK(plain.placed.empty());
  // Identical ballots anywhere: 0 and 4 cast (1, 0); sybil 3's two shares (1, 2) are identical,
  // so her extra identity sits with her. 3's shares match nobody else's.
  const Clusters same = ballot_clusters(g, ballots, 2, 0.99, identities, true);
  CHECK(same.of == std::vector<std::uint32_t>{0, 1, 1, 2, 0});
  CHECK(same.placed == std::vector<std::uint8_t>{0, 0, 0, 1, 0});
  // Without identities (each agent one voter) the same agents are linked and nobody is placed.
  const Clusters unsplit = ballot_clusters(g, ballots, 2, 0.99, {}, true);
  CHECK(unsplit.of == same.of);
  CHECK(unsplit.placed == std::vector<std::uint8_t>{0, 0, 0, 0, 0});

  // Scores over identities: a coalition {0, 1}; sybil 3 outside it. Flagged pairs: {0, 4} 1,
  // {1, 2} 1, sybil 3's two identities 1: 3. True pairs: (0, 1) and 3's pair: 2. Both: 3's pair.
  constexpr std::uint32_t kNone = 99;
  const std::vector<std::uint32_t> truth{5, 5, kNone, kNone, kNone};
  const PairScore s = score_pairs(same, truth, kNone, identities);
  CHECK(s.flagged == 3.0);
  CHECK(s.truth == 2.0);
  CHECK(s.both == 1.0);
  CHECK(s.f1 == Approx(0.4).epsilon(1e-15));  // 2 (1/3)(1/2) / (5/6)
  // Without identical ballots her identities are alone: her pair is true and never flagged.
  const PairScore p = score_pairs(plain, truth, kNone, identities);
  CHECK(p.flagged == 1.0);
  CHECK(p.truth == 2.0);
  CHECK(p.both == 0.0);
  // A sybil inside a coalition: coalitions {0, 1} and {3, 4}. True pairs: 1, and 3 among sybil
  // 3's two identities and agent 4; flagged within them: her own pair only (4 sits with 0).
  const std::vector<std::uint32_t> member{5, 5, kNone, 6, 6};
  const PairScore m = score_pairs(same, member, kNone, identities);
  CHECK(m.flagged == 3.0);
  CHECK(m.truth == 4.0);
  CHECK(m.both == 1.0);
  const PairScore mp = score_pairs(plain, member, kNone, identities);
  CHECK(mp.truth == 4.0);  // her identities are true pairs even when nobody places them
  CHECK(mp.both == 0.0);
  // Identities of 1 each score as agents do, bit for bit.
  const PairScore a = score_pairs(plain, truth, kNone, std::vector<std::uint32_t>(5, 1));
  const PairScore b = score_pairs(plain, truth, kNone);
  CHECK(a.flagged == b.flagged);
  CHECK(a.truth == b.truth);
  CHECK(a.both == b.both);
}

TEST_CASE("the discount: a placed sybil's identities all count in her cluster") {
  // Cluster {0, 1}: votes 3 and 4, agent 1 a sybil of 2 identities placed with her (2 each).
  // The side counts sqrt(9 + 4 + 4) = sqrt(17) from 7; agent 2 alone keeps 5.
  Clusters c = clusters_from_labels(std::vector<std::uint32_t>{0, 0, 1});
  c.placed = {0, 1, 0};
  std::vector<double> votes{3.0, 4.0, 5.0};
  discount_votes(c, 1, votes, std::vector<std::uint32_t>{1, 2, 1});
  CHECK(votes[0] == Approx(3.0 * std::sqrt(17.0) / 7.0).epsilon(1e-15));
  CHECK(votes[1] == Approx(4.0 * std::sqrt(17.0) / 7.0).epsilon(1e-15));
  CHECK(votes[2] == 5.0);
  // A placed sybil alone in her cluster: her 4 identities casting 2 each count sqrt(16) = 4.
  Clusters lone = clusters_from_labels(std::vector<std::uint32_t>{0, 1});
  lone.placed = {1, 0};
  std::vector<double> two{8.0, 1.0};
  discount_votes(lone, 1, two, std::vector<std::uint32_t>{4, 1});
  CHECK(two[0] == Approx(4.0).epsilon(1e-15));
  CHECK(two[1] == 1.0);
}
