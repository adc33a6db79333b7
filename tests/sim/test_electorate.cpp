
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "sim/electorate.hpp"
#include "sim/graph.hpp"
#include "sim/graph_generators.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

using namespace qvsim;

namespace {

// Ring lattice: each agent linked to the `half` nearest on each side.
Graph ring(AgentId n, AgentId half) {
  std::vector<std::pair<AgentId, AgentId>> edges;
  for (AgentId a = 0; a < n; ++a)
    for (AgentId j = 1; j <= half; ++j) edges.emplace_back(a, (a + j) % n);
  return Graph::from_edges(n, std::move(edges));
}

ValuesSpec normal_values(double mean, double sd, double h) {
  ValuesSpec v;
  v.distribution = NormalDist{mean, sd};
  v.homophily = h;
  return v;
}

// Expected correlation of neighbours' latent values under the copula (see electorate.hpp):
// cov(z_a, z_b) = sqrt(h(1-h)) (1/sqrt(d_a) + 1/sqrt(d_b)) + h |N(a) & N(b)| / sqrt(d_a d_b).
double expected_corr(const Graph& g, double h) {
  double sum = 0.0;
  for (AgentId a = 0; a < g.num_agents(); ++a) {
    for (AgentId b : g.neighbors(a)) {
      const auto na = g.neighbors(a);
      const auto nb = g.neighbors(b);
      std::size_t common = 0;
      for (AgentId x : na)
        for (AgentId y : nb) common += x == y;
      const auto da = static_cast<double>(na.size());
      const auto db = static_cast<double>(nb.size());
      sum += std::sqrt(h * (1 - h)) * (1 / std::sqrt(da) + 1 / std::sqrt(db)) +
             h * static_cast<double>(common) / std::sqrt(da * db);
    }
  }
  return sum / static_cast<double>(g.directed_edges());
}

}  // namespace

TEST_CASE("values without homophily are the keyed normal draws", "[electorate]") {
  const Graph g = ring(50, 2);
  const Electorate e = draw_electorate(normal_values(2.0, 3.0, 0.0), 3, g, 99, 4);
  REQUIRE(e.agents == 50);
  REQUIRE(e.proposals == 3);
  for (AgentId a = 0; a < 50; ++a) {
    Stream s(StreamKey{99, 4, 0, 0, a, Purpose::values});
    for (std::uint32_t k = 0; k < 3; ++k) CHECK(e.of(a)[k] == 2.0 + 3.0 * s.normal());
  }
  for (std::uint32_t k = 0; k < 3; ++k) {
    double sum = 0.0;
    for (AgentId a = 0; a < 50; ++a) sum += e.of(a)[k];
    CHECK(e.totals[k] == Approx(sum).epsilon(1e-12));
  }
}

TEST_CASE("electorate is bit-identical at any thread count", "[electorate]") {
  const Graph g = ring(30000, 3);  // several agent chunks
  const ValuesSpec v = normal_values(0.0, 1.0, 0.4);
  Electorate one;
  Electorate two;
  qvsim::with_threads(1, [&] { one = draw_electorate(v, 4, g, 5, 0); });
  qvsim::with_threads(2, [&] { two = draw_electorate(v, 4, g, 5, 0); });
  CHECK(one.values == two.values);
  CHECK(one.totals == two.totals);
  CHECK(neighbor_value_correlation(one, g) == neighbor_value_correlation(two, g));
}

TEST_CASE("homophily correlates neighbours as the copula predicts", "[electorate]") {
  const Graph g = ring(20000, 5);
  for (double h : {0.0, 0.3, 0.7}) {
    const Electorate e = draw_electorate(normal_values(1.0, 2.0, h), 4, g, 2026, 0);
    const double measured = neighbor_value_correlation(e, g);
    // 80,000 values per h. Over seeds 0-19 the largest deviation from the prediction was 0.007,
    // so 0.02 is a safe bound that still separates the h values (predicted 0, 0.47, 0.71).
    CHECK(measured == Approx(expected_corr(g, h)).margin(0.02));
  }
}

TEST_CASE("the neighbour correlation is Pearson's over every directed edge", "[electorate]") {
  // Written out: over each proposal k and each directed edge (a, b), the pairs (u_ak, u_bk),
  // pooled with each proposal's own mean (the same at both ends, as every edge is read both
  // ways). The engine reads each undirected edge once; the formula reads every directed one.
  const Graph g = GENERATE(Graph::from_edges(6, {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {0, 2}, {4, 1}}),
                           ring(3001, 4));
  const Electorate e = draw_electorate(normal_values(0.5, 2.0, 0.3), 3, g, 17, 2);
  double cov = 0.0;
  double var = 0.0;
  const auto m = static_cast<double>(g.directed_edges());
  for (std::uint32_t k = 0; k < 3; ++k) {
    double mean = 0.0;
    for (AgentId a = 0; a < g.num_agents(); ++a)
      for (AgentId b : g.neighbors(a)) {
        (void)b;
        mean += e.of(a)[k] / m;
      }
    for (AgentId a = 0; a < g.num_agents(); ++a)
      for (AgentId b : g.neighbors(a)) {
        cov += (e.of(a)[k] - mean) * (e.of(b)[k] - mean) / m;
        var += (e.of(a)[k] - mean) * (e.of(a)[k] - mean) / m;
      }
  }
  CHECK(neighbor_value_correlation(e, g) == Approx(cov / var).epsilon(1e-9));
}

TEST_CASE("isolated agents keep independent values", "[electorate]") {
  const Graph empty = Graph::from_edges(40, {});
  const Electorate with = draw_electorate(normal_values(0, 1, 0.8), 2, empty, 3, 1);
  const Electorate without = draw_electorate(normal_values(0, 1, 0.0), 2, empty, 3, 1);
  CHECK(with.values == without.values);
  CHECK(std::isnan(neighbor_value_correlation(with, empty)));
}

TEST_CASE("block models share a block factor", "[electorate]") {
  // Two blocks of 5000 agents and no edges: z = sqrt(1-h) e + sqrt(h) f_block, so within one
  // block the variance is 1 - h around a shared block mean.
  const AgentId n = 10000;
  std::vector<std::uint32_t> blocks(n);
  for (AgentId a = 0; a < n; ++a) blocks[a] = a < n / 2 ? 0 : 1;
  const Graph g = Graph::from_edges(n, {}, blocks);
  const double h = 0.6;
  const Electorate e = draw_electorate(normal_values(0, 1, h), 1, g, 8, 0);
  for (std::uint32_t b = 0; b < 2; ++b) {
    double sum = 0.0;
    double sq = 0.0;
    for (AgentId a = b * n / 2; a < (b + 1) * n / 2; ++a) {
      sum += e.of(a)[0];
      sq += e.of(a)[0] * e.of(a)[0];
    }
    const double mean = sum / (n / 2);
    const double var = sq / (n / 2) - mean * mean;
    // Sample variance of 5000 normals with variance 0.4 has sd 0.4 * sqrt(2/5000) = 0.008.
    CHECK(var == Approx(1 - h).margin(0.04));
    Stream f(StreamKey{8, 0, 0, 0, b, Purpose::block_values});
    // The block mean is sqrt(h) f_b up to noise of sd sqrt(0.4 / 5000) = 0.009.
    CHECK(mean == Approx(std::sqrt(h) * f.normal()).margin(0.045));
  }
}

TEST_CASE("marginals follow the named distribution", "[electorate]") {
  const Graph g = ring(20000, 4);
  SECTION("uniform stays in range with the right mean") {
    ValuesSpec v;
    v.distribution = UniformDist{-2.0, 6.0};
    v.homophily = 0.5;
    const Electorate e = draw_electorate(v, 2, g, 1, 0);
    double sum = 0.0;
    for (double x : e.values) {
      REQUIRE(x >= -2.0);
      REQUIRE(x <= 6.0);
      sum += x;
    }
    // Mean 2, sd 8/sqrt(12) = 2.31; 40,000 values positively correlated along the ring, so
    // allow a wide 0.15 (about 6 naive standard errors).
    CHECK(sum / static_cast<double>(e.values.size()) == Approx(2.0).margin(0.15));
  }
  SECTION("passionate minority has the configured share") {
    ValuesSpec v;
    v.distribution = PassionateMinorityDist{0.2, NormalDist{3.0, 0.5}, NormalDist{-0.5, 0.2}};
    const Electorate e = draw_electorate(v, 2, g, 1, 0);
    double minority = 0.0;
    for (double x : e.values) minority += x > 1.0 ? 1.0 : 0.0;  // modes 3 and -0.5 are far apart
    // Binomial share of 40,000: standard error 0.002; five of them.
    CHECK(minority / static_cast<double>(e.values.size()) == Approx(0.2).margin(0.01));
  }
  SECTION("mixture weights give the component shares") {
    ValuesSpec v;
    MixtureDist m;
    m.components.push_back({1.0, NormalDist{-5.0, 0.1}});
    m.components.push_back({3.0, UniformDist{4.0, 6.0}});
    v.distribution = m;
    const Electorate e = draw_electorate(v, 2, g, 1, 0);
    double low = 0.0;
    for (double x : e.values) {
      REQUIRE((x < -4.0 || (x >= 4.0 && x <= 6.0)));
      low += x < 0.0 ? 1.0 : 0.0;
    }
    // Weight 1 of 4; binomial standard error 0.0022 for 40,000 values; five of them.
    CHECK(low / static_cast<double>(e.values.size()) == Approx(0.25).margin(0.011));
  }
}

TEST_CASE("latent to value transform", "[electorate]") {
  CHECK(value_from_latent(NormalDist{1.0, 2.0}, 0.5) == 2.0);
  CHECK(value_from_latent(UniformDist{0.0, 10.0}, 0.0) == Approx(5.0));
  // Passionate minority: the lowest `share` of latents form the minority.
  const PassionateMinorityDist pm{0.2, NormalDist{3.0, 0.5}, NormalDist{-0.5, 0.2}};
  CHECK(value_from_latent(pm, -3.0) > 1.0);
  CHECK(value_from_latent(pm, 0.0) < 0.0);
}

TEST_CASE("a discrete distribution draws its values with their weights", "[electorate]") {
  // 20,000 agents x 5 proposals = 100,000 independent draws (no edges, no homophily).
  const Graph g = Graph::from_edges(20000, {});
  ValuesSpec v;
  v.distribution = DiscreteDist{{-1.0, 0.5, 3.0}, {2.0, 1.0, 1.0}};
  const Electorate e = draw_electorate(v, 5, g, 2026, 0);
  double count[3] = {0.0, 0.0, 0.0};
  for (double x : e.values) {
    REQUIRE((x == -1.0 || x == 0.5 || x == 3.0));  // only the listed values, exactly
    count[x == -1.0 ? 0 : x == 0.5 ? 1 : 2] += 1.0;
  }
  const auto n = static_cast<double>(e.values.size());
  // Shares 1/2, 1/4, 1/4; binomial standard error at most sqrt(0.25 / 100,000) = 0.0016. Over
  // seeds 0-199 the largest deviation of any share was 0.0051, so 0.01 (6 standard errors) is
  // safe and still tells the weights apart.
  CHECK(count[0] / n == Approx(0.5).margin(0.01));
  CHECK(count[1] / n == Approx(0.25).margin(0.01));
  CHECK(count[2] / n == Approx(0.25).margin(0.01));
}

TEST_CASE("discrete latent to value: inversion of the cumulative weights", "[electorate]") {
  const DiscreteDist d{{-2.0, 1.0, 4.0}, {1.0, 2.0, 1.0}};  // cumulative 1/4, 3/4, 1
  CHECK(value_from_latent(d, -8.0) == -2.0);
  CHECK(value_from_latent(d, -1.0) == -2.0);  // Phi = 0.16
  CHECK(value_from_latent(d, -0.5) == 1.0);   // Phi = 0.31
  CHECK(value_from_latent(d, 0.0) == 1.0);
  CHECK(value_from_latent(d, 0.5) == 1.0);  // Phi = 0.69
  CHECK(value_from_latent(d, 1.0) == 4.0);  // Phi = 0.84
  CHECK(value_from_latent(d, 8.0) == 4.0);
  // One value: everybody holds it.
  const DiscreteDist one{{0.7}, {3.0}};
  for (double z : {-8.0, 0.0, 8.0}) CHECK(value_from_latent(one, z) == 0.7);
}

TEST_CASE("electorate_from_values sums totals as draw_electorate does", "[electorate]") {
  const Graph g = ring(30000, 2);  // several agent chunks
  const Electorate drawn = draw_electorate(normal_values(0.3, 2.0, 0.2), 3, g, 17, 2);
  Electorate one;
  Electorate two;
  qvsim::with_threads(1, [&] { one = electorate_from_values(drawn.values, 30000, 3); });
  qvsim::with_threads(2, [&] { two = electorate_from_values(drawn.values, 30000, 3); });
  CHECK(one.agents == 30000);
  CHECK(one.proposals == 3);
  CHECK(one.values == drawn.values);
  // Bit-identical: the same fixed chunks, combined in the same order, at any thread count.
  CHECK(one.totals == drawn.totals);
  CHECK(two.totals == drawn.totals);
  // And the totals are the sums (up to rounding).
  for (std::uint32_t k = 0; k < 3; ++k) {
    double sum = 0.0;
    for (AgentId a = 0; a < 30000; ++a) sum += one.of(a)[k];
    CHECK(one.totals[k] == Approx(sum).epsilon(1e-12));
  }
  // Small values by hand.
  const Electorate small =
      electorate_from_values(std::vector<double>{1.0, -2.0, 3.5, 0.5, -1.0, 4.0}, 3, 2);
  CHECK(small.totals == std::vector<double>{3.5, 2.5});
  CHECK(small.of(1)[0] == 3.5);
}

// The formula tests' graph: 600 agents, 1,500 random edges among the first 590 (the last ten
// stay isolated), and, with `blocks`, three blocks (agent a in block a % 3).
constexpr AgentId kFormulaAgents = 600;
static Graph formula_graph(bool blocks) {
  std::vector<std::pair<AgentId, AgentId>> edges;
  Stream pick(StreamKey{3, 0, 0, 0, 0, Purpose::graph});
  for (int i = 0; i < 1500; ++i) {
    const auto a = static_cast<AgentId>(pick.uniform() * 590);  // agents 590.. stay isolated
    const auto b = static_cast<AgentId>(pick.uniform() * 590);
    edges.emplace_back(a, b);
  }
  std::vector<std::uint32_t> block_of;
  if (blocks) {
    block_of.resize(kFormulaAgents);
    for (AgentId a = 0; a < kFormulaAgents; ++a) block_of[a] = a % 3;
  }
  return Graph::from_edges(kFormulaAgents, std::move(edges), std::move(block_of));
}

TEST_CASE("homophily smoothing equals its formula, one proposal at a time, bit for bit",
          "[electorate]") {
  // The electorate smooths blocks of proposals at once (sim/electorate.cpp); here z_ak is written
  // out as electorate.hpp states it, proposal by proposal, neighbours in ascending order. Proposal
  // counts below, at and above one block, and past several, with and without a block model and
  // with isolated agents, must give the same bits.
  const AgentId n = kFormulaAgents;
  const double h = 0.35;
  for (const bool blocks : {false, true}) {
    const Graph g = formula_graph(blocks);
    for (const std::uint32_t kc : {1u, 15u, 16u, 17u, 40u}) {
      const Electorate e = draw_electorate(normal_values(0.0, 1.0, h), kc, g, 21, 2);
      std::vector<double> draws(std::size_t{n} * kc);
      for (AgentId a = 0; a < n; ++a) {
        Stream s(StreamKey{21, 2, 0, 0, a, Purpose::values});
        for (std::uint32_t k = 0; k < kc; ++k) draws[a * kc + k] = s.normal();
      }
      std::size_t differ = 0;
      for (std::uint32_t k = 0; k < kc; ++k) {
        for (AgentId a = 0; a < n; ++a) {
          const auto nb = g.neighbors(a);
          double z = draws[a * kc + k];
          double f = 0.0;
          if (blocks) {
            Stream s(StreamKey{21, 2, 0, 0, a % 3, Purpose::block_values});
            s.seek(k);
            f = s.normal();
          }
          if (!nb.empty()) {
            double sum = 0.0;
            for (const AgentId b : nb) sum += draws[b * kc + k];
            double sm = sum / std::sqrt(static_cast<double>(nb.size()));
            if (blocks) sm = std::sqrt(0.5) * sm + std::sqrt(0.5) * f;
            z = std::sqrt(1.0 - h) * draws[a * kc + k] + std::sqrt(h) * sm;
          } else if (blocks) {
            z = std::sqrt(1.0 - h) * draws[a * kc + k] + std::sqrt(h) * f;
          }
          differ += e.of(a)[k] != z;
        }
      }
      INFO("proposals " << kc << (blocks ? ", blocks" : ""));
      CHECK(differ == 0);
    }
  }
}

TEST_CASE("blocked smoothing on a block model is bit-identical at 1 and 2 threads",
          "[electorate]") {
  // Several chunks of agents (20,000), two blocks of proposals and a remainder (37 = 16 + 16 + 5),
  // a block model's shared factors and a values distribution that takes the third pass.
  const AgentId n = 20000;
  std::vector<std::pair<AgentId, AgentId>> edges;
  for (AgentId a = 0; a + 1 < n; ++a) edges.emplace_back(a, (a * 7919 + 13) % n);
  std::vector<std::uint32_t> block_of(n);
  for (AgentId a = 0; a < n; ++a) block_of[a] = a % 4;
  const Graph g = Graph::from_edges(n, std::move(edges), block_of);
  ValuesSpec v;
  v.distribution = UniformDist{-1.0, 2.0};
  v.homophily = 0.5;
  Electorate one;
  Electorate two;
  qvsim::with_threads(1, [&] { one = draw_electorate(v, 37, g, 12, 3); });
  qvsim::with_threads(2, [&] { two = draw_electorate(v, 37, g, 12, 3); });
  CHECK(one.values == two.values);
  CHECK(one.totals == two.totals);
  CHECK(neighbor_value_correlation(one, g) == neighbor_value_correlation(two, g));
  CHECK(sampled_neighbor_value_correlation(one, g, 50000, 12, 3) ==
        sampled_neighbor_value_correlation(two, g, 50000, 12, 3));
}

TEST_CASE("a sampled neighbour correlation estimates the exact one within its error",
          "[electorate]") {
  const Graph g =
      generate_graph(BarabasiAlbertSpec{4}, 30000, StreamKey{31, 0, 0, 0, 0, Purpose::graph});
  ValuesSpec v;
  v.homophily = 0.3;
  const Electorate e = draw_electorate(v, 5, g, 31, 0);
  const double exact = neighbor_value_correlation(e, g);
  const double sampled = sampled_neighbor_value_correlation(e, g, 200000, 31, 0);
  // Standard error about (1 - r^2) / sqrt(edges x proposals) = 0.95 / sqrt(10^6) < 0.001
  // (docs/model.md): 0.005 is five of them.
  CHECK(exact > 0.1);  // homophily shows
  CHECK(sampled == Approx(exact).margin(0.005));
  // Keyed by replicate: another replicate's sample differs; no edges, no correlation.
  CHECK(sampled_neighbor_value_correlation(e, g, 200000, 31, 1) != sampled);
  const Graph none = Graph::from_edges(10, {});
  const Electorate alone = draw_electorate(v, 2, none, 1, 0);
  CHECK(std::isnan(sampled_neighbor_value_correlation(alone, none, 100, 1, 0)));
}

// ---- values.precision: float32 (docs/model.md, "Values in 32-bit floats") ----------------------

TEST_CASE("float32 values follow the smoothing formula with every stored number a float",
          "[electorate][float32]") {
  // The contract: each latent normal is stored as the nearest float; the neighbour sum, the
  // block mix and the weights are computed in double from those floats, in the same order as in
  // float64; z is stored as the nearest float; the third pass maps float z in double and stores
  // the nearest float. Written out here proposal by proposal, it must give the same bits.
  const AgentId n = kFormulaAgents;
  const double h = 0.35;
  for (const bool blocks : {false, true}) {
    const Graph g = formula_graph(blocks);
    for (const std::uint32_t kc : {1u, 16u, 17u, 40u}) {
      for (const bool uniform : {false, true}) {
        ValuesSpec v = normal_values(0.0, 1.0, h);
        if (uniform) v.distribution = UniformDist{-1.0, 3.0};
        v.float32 = true;
        const Electorate e = draw_electorate(v, kc, g, 21, 2);
        REQUIRE(e.float32);
        REQUIRE(e.values.empty());
        REQUIRE(e.values32.size() == std::size_t{n} * kc);
        std::vector<float> draws(std::size_t{n} * kc);
        for (AgentId a = 0; a < n; ++a) {
          Stream s(StreamKey{21, 2, 0, 0, a, Purpose::values});
          for (std::uint32_t k = 0; k < kc; ++k) draws[a * kc + k] = static_cast<float>(s.normal());
        }
        std::size_t differ = 0;
        for (std::uint32_t k = 0; k < kc; ++k) {
          for (AgentId a = 0; a < n; ++a) {
            const auto nb = g.neighbors(a);
            float z = draws[a * kc + k];
            double f = 0.0;
            if (blocks) {
              Stream s(StreamKey{21, 2, 0, 0, a % 3, Purpose::block_values});
              s.seek(k);
              f = s.normal();
            }
            const double own = draws[a * kc + k];
            if (!nb.empty()) {
              double sum = 0.0;
              for (const AgentId b : nb) sum += static_cast<double>(draws[b * kc + k]);
              double sm = sum / std::sqrt(static_cast<double>(nb.size()));
              if (blocks) sm = std::sqrt(0.5) * sm + std::sqrt(0.5) * f;
              z = static_cast<float>(std::sqrt(1.0 - h) * own + std::sqrt(h) * sm);
            } else if (blocks) {
              z = static_cast<float>(std::sqrt(1.0 - h) * own + std::sqrt(h) * f);
            }
            const float u = uniform ? static_cast<float>(value_from_latent(v.distribution, z)) : z;
            differ += e.values32[a * kc + k] != u;
            differ += e.value(a, k) != static_cast<double>(u);
            const auto row = e.of(a);
            differ += row[k] != static_cast<double>(u);
          }
        }
        INFO("proposals " << kc << (blocks ? ", blocks" : "") << (uniform ? ", uniform" : ""));
        CHECK(differ == 0);
      }
    }
  }
}

TEST_CASE("float32 values stay within their rounding bound of float64 values",
          "[electorate][float32]") {
  // Bound, per value of a standard normal electorate (u = z): storing e_a, each e_b and z as
  // floats moves each by at most 2^-24 of its magnitude, so
  //   |z32 - z64| <= 2^-24 (sqrt(1-h) |e_a| + sqrt(h) sum_b |e_b| / sqrt(d_a) + |z32|),
  // the double arithmetic adding only ~2^-52 relative (a 1% margin covers it). The e's are the
  // float64 values at homophily 0: the same keyed draws.
  const Graph g =
      generate_graph(BarabasiAlbertSpec{3}, 5000, StreamKey{8, 0, 0, 0, 0, Purpose::graph});
  const double h = 0.4;
  const std::uint32_t kc = 5;
  ValuesSpec v = normal_values(0.0, 1.0, h);
  const Electorate e64 = draw_electorate(v, kc, g, 8, 1);
  v.float32 = true;
  const Electorate e32 = draw_electorate(v, kc, g, 8, 1);
  const Electorate latent = draw_electorate(normal_values(0.0, 1.0, 0.0), kc, g, 8, 1);
  const double unit = std::ldexp(1.0, -24);
  std::size_t outside = 0;
  std::size_t moved = 0;
  double largest = 0.0;
  for (AgentId a = 0; a < g.num_agents(); ++a) {
    const auto nb = g.neighbors(a);
    for (std::uint32_t k = 0; k < kc; ++k) {
      double spread = 0.0;
      for (const AgentId b : nb) spread += std::fabs(latent.value(b, k));
      const double bound =
          1.01 * unit *
          (std::sqrt(1.0 - h) * std::fabs(latent.value(a, k)) +
           (nb.empty() ? 0.0 : std::sqrt(h) * spread / std::sqrt(static_cast<double>(nb.size()))) +
           std::fabs(e32.value(a, k)));
      const double diff = std::fabs(e32.value(a, k) - e64.value(a, k));
      outside += diff > bound;
      moved += diff > 0.0;
      largest = std::max(largest, diff);
    }
  }
  CHECK(outside == 0);
  CHECK(moved > 0);       // the floats are not the doubles (the test is not vacuous)
  CHECK(largest < 1e-5);  // and the bound keeps them close
  // Totals sum the floats; the correlation reads them, close to float64's.
  for (std::uint32_t k = 0; k < kc; ++k) {
    double sum = 0.0;
    for (AgentId a = 0; a < g.num_agents(); ++a) sum += e32.value(a, k);
    CHECK(e32.totals[k] == Approx(sum).epsilon(1e-12));
    CHECK(e32.totals[k] == Approx(e64.totals[k]).margin(1e-3));
  }
  CHECK(neighbor_value_correlation(e32, g) ==
        Approx(neighbor_value_correlation(e64, g)).margin(1e-6));
  CHECK(sampled_neighbor_value_correlation(e32, g, 20000, 8, 1) ==
        Approx(sampled_neighbor_value_correlation(e64, g, 20000, 8, 1)).margin(1e-6));
}

TEST_CASE("float32 values are bit-identical at 1 and 2 threads", "[electorate][float32]") {
  const AgentId n = 20000;
  std::vector<std::pair<AgentId, AgentId>> edges;
  for (AgentId a = 0; a + 1 < n; ++a) edges.emplace_back(a, (a * 7919 + 13) % n);
  const Graph g = Graph::from_edges(n, std::move(edges));
  ValuesSpec v;
  v.distribution = UniformDist{-1.0, 2.0};
  v.homophily = 0.5;
  v.float32 = true;
  Electorate one;
  Electorate two;
  qvsim::with_threads(1, [&] { one = draw_electorate(v, 37, g, 12, 3); });
  qvsim::with_threads(2, [&] { two = draw_electorate(v, 37, g, 12, 3); });
  CHECK(one.values32 == two.values32);
  CHECK(one.totals == two.totals);
  CHECK(neighbor_value_correlation(one, g) == neighbor_value_correlation(two, g));
}

TEST_CASE("float32 values from a file are each the nearest float", "[electorate][float32]") {
  const std::vector<double> u{0.1, -2.0, 1.0 / 3.0, 1e-40, 3e38, -0.0};
  const Electorate e = electorate_from_values(u, 3, 2, true);
  REQUIRE(e.float32);
  for (std::size_t i = 0; i < u.size(); ++i) {
    CHECK(e.values32[i] == static_cast<float>(u[i]));
    CHECK(e.value(static_cast<AgentId>(i / 2), static_cast<std::uint32_t>(i % 2)) ==
          static_cast<double>(static_cast<float>(u[i])));
  }
  CHECK(e.value(0, 0) != 0.1);  // 0.1 is not a float
  CHECK(e.totals[0] == static_cast<double>(0.1f) + static_cast<double>(1.0f / 3.0f) + 3e38f);
  // A row wider than ValueRow's inline copy converts on the heap, the same way.
  std::vector<double> wide(100);
  for (std::size_t k = 0; k < wide.size(); ++k) wide[k] = 0.1 * static_cast<double>(k);
  const Electorate w = electorate_from_values(wide, 1, 100, true);
  const auto row = w.of(0);
  REQUIRE(row.size() == 100);
  static_assert(ValueRow::kInline < 100);
  for (std::size_t k = 0; k < 100; ++k)
    CHECK(row[k] == static_cast<double>(static_cast<float>(wide[k])));
}
