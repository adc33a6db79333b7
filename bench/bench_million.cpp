// One replicate of a 1,000,000-agent electorate on a Barabasi-Albert graph (m = 5), 10 proposals,
// three mechanisms: wall time (graph generation included) and peak memory per agent.
//
//   bench_million [--agents N] [--repeat R] [--threads T] [--pivot fixed|normal|equilibrium]
//                 [--integer-votes] [--money MEAN] [--mechanism NAME]
//
// --pivot picks the agents' beliefs (electorate.pivot; default normal). The prior is computed
// once per model, inside the first run's time. --integer-votes casts whole votes (budget
// integer_votes: the exact best response, agents/integer_votes.hpp). --money MEAN runs QV alone
// with a money budget on Normal(MEAN, 1) values (a lopsided race for MEAN != 0: under
// equilibrium the jump family of docs/model.md). --mechanism NAME runs that mechanism alone
// (quadratic, connection_oriented, ...); connection_oriented takes its clusters from the
// replicate's communities (label propagation), and the bench also times label propagation alone.
//
// Prints each repetition and the median. Peak memory is the process's peak RSS, in total and
// less the RSS before the first replicate, per agent after subtracting 10 bytes per directed edge.

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "agents/behaviours.hpp"
#include "bench/bench_bounds.hpp"
#include "bench/bench_common.hpp"
#include "sim/clusters.hpp"
#include "sim/graph_generators.hpp"
#include "sim/model.hpp"
#include "sim/rng.hpp"
#include "sim/runner.hpp"

using namespace qvsim;

int main(int argc, char** argv) {
  const auto agents = static_cast<std::uint64_t>(bench::arg_or(argc, argv, "--agents", 1000000));
  const long repeat = bench::arg_or(argc, argv, "--repeat", 5);
  const long threads = bench::arg_or(argc, argv, "--threads", tbb::info::default_concurrency());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));

  Scenario s;
  s.name = "bench-million";
  s.seed = 20261126;
  s.replicates = 1;
  s.agents = agents;
  s.proposals = 10;
  s.values.distribution = NormalDist{0.0, 1.0};
  s.values.homophily = 0.2;
  s.budget.credits = ConstantTrait{100};
  s.graph = BarabasiAlbertSpec{5};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote, Mechanism::linear};
  s.arms = {ArmSpec{"honest"}};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--integer-votes") s.budget.integer_votes = true;
  }
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a != "--pivot") continue;
    if (v == "fixed") s.pivot = PivotSpec{PivotModel::fixed, 0.02, 0.0};
    if (v == "equilibrium") s.pivot.model = PivotModel::equilibrium;
  }
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) != "--money") continue;
    char* end = nullptr;
    const double mean = std::strtod(argv[i + 1], &end);
    if (end == argv[i + 1] || *end != '\0' || !std::isfinite(mean)) {
      std::fprintf(stderr, "bench_million: --money needs a finite number, got '%s'\n", argv[i + 1]);
      return 2;
    }
    s.values.distribution = NormalDist{mean, 1.0};
    s.budget.kind = BudgetKind::money;
    s.mechanisms = {Mechanism::quadratic};
  }
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) != "--mechanism") continue;
    const auto m = mechanism_named(argv[i + 1]);
    if (!m || *m == Mechanism::pairwise_bounded) {
      std::fprintf(stderr,
                   "bench_million: --mechanism needs a mechanism name (not "
                   "pairwise_bounded, which takes at most 20000 agents), got '%s'\n",
                   argv[i + 1]);
      return 2;
    }
    s.mechanisms = {*m};
    if (*m == Mechanism::connection_oriented) s.clusters.source = ClusterSource::communities;
  }
  const Model model = freeze(s);
  const auto behaviours = agents::make_behaviours(s);
  if (s.clusters.source == ClusterSource::communities) {
    const Graph g = generate_graph(s.graph, static_cast<AgentId>(agents),
                                   StreamKey{s.seed, 0, 0, 0, 0, Purpose::graph});
    std::vector<double> lpa;
    std::uint32_t rounds = 0;
    Clusters c;
    for (int r = 0; r < 3; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      c = clusters_from_labels(label_propagation(g, s.seed, 0, kLabelPropagationRounds, &rounds));
      lpa.push_back(bench::seconds_since(t0));
    }
    std::uint64_t largest = 0;
    for (std::uint32_t x = 0; x < c.count; ++x) largest = std::max(largest, c.size(x));
    std::printf(
        "label propagation (replicate 0's graph): median %.3f s of 3, %u rounds, %u "
        "communities, the largest %llu agents\n",
        bench::median(lpa), rounds, c.count, static_cast<unsigned long long>(largest));
  }

  const double rss_before = bench::peak_rss_bytes();
  std::vector<double> times;
  std::uint64_t edges = 0;
  for (long r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const ReplicateOutcome o = run_replicate(model, behaviours, static_cast<std::uint64_t>(r));
    times.push_back(bench::seconds_since(t0));
    edges = o.edges;
    std::printf("run %ld: %.3f s (edges %llu, neighbour value corr %.3f)\n", r, times.back(),
                static_cast<unsigned long long>(edges), o.neighbor_value_correlation);
  }
  const double peak = bench::peak_rss_bytes() - rss_before;
  const double directed = 2.0 * static_cast<double>(edges);
  std::printf("agents %llu, threads %ld, median %.3f s over %ld runs\n",
              static_cast<unsigned long long>(agents), threads, bench::median(times), repeat);
  // The bound for the same work (bench/bench_bounds.hpp): the electorate's keyed normal draws
  // alone, agents x proposals, on the same threads, median of 3.
  std::vector<double> bound;
  for (int r = 0; r < 3; ++r) bound.push_back(bench::keyed_draw_seconds(agents, s.proposals));
  std::printf("keyed-draw bound (agents x proposals normals): %.3f s; run / bound = %.1f\n",
              bench::median(bound), bench::median(times) / bench::median(bound));
  std::printf(
      "peak RSS of the process: %.1f MiB; above the start-up baseline: %.1f MiB = "
      "%.1f bytes/agent, or %.1f bytes/agent after 10 bytes per directed edge\n",
      bench::peak_rss_bytes() / 1048576.0, peak / 1048576.0, peak / static_cast<double>(agents),
      (peak - 10.0 * directed) / static_cast<double>(agents));
  return 0;
}
