// The stages of a replicate that scale with agents x proposals, timed apart on one generated
// graph (issue: scale): the Barabasi-Albert (or Erdos-Renyi) graph, the electorate (keyed draws,
// homophily smoothing over neighbours, values), and the neighbour value correlation, against the
// machine's keyed-draw bound for the same agents x proposals normals (bench/bench_bounds.hpp).
//
//   bench_electorate [--agents N] [--proposals K] [--m M] [--homophily-percent H] [--repeat R]
//                    [--threads T] [--sample-edges S] [--er-mean-degree D] [--float32 1]
//
// Defaults: 1,000,000 agents, 100 proposals, m = 5, homophily 0.2, 3 repetitions, all threads,
// Barabasi-Albert (an Erdos-Renyi graph of mean degree D with --er-mean-degree D > 0),
// and the correlation also estimated from 100,000 sampled edges (electorate.neighbor_correlation);
// values stored as floats with --float32 1 (electorate.values.precision: float32).
// Prints each repetition, the medians, the electorate's ratio to the bound and its cost per
// agent x proposal in nanoseconds.

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cstdio>
#include <vector>

#include "bench/bench_bounds.hpp"
#include "bench/bench_common.hpp"
#include "sim/electorate.hpp"
#include "sim/graph_generators.hpp"
#include "sim/rng.hpp"

using namespace qvsim;

int main(int argc, char** argv) {
  const auto agents = static_cast<AgentId>(bench::arg_or(argc, argv, "--agents", 1000000));
  const auto proposals = static_cast<std::uint32_t>(bench::arg_or(argc, argv, "--proposals", 100));
  const auto m = static_cast<std::uint32_t>(bench::arg_or(argc, argv, "--m", 5));
  const double homophily =
      static_cast<double>(bench::arg_or(argc, argv, "--homophily-percent", 20)) / 100.0;
  const long repeat = bench::arg_or(argc, argv, "--repeat", 3);
  const long threads = bench::arg_or(argc, argv, "--threads", tbb::info::default_concurrency());
  const auto sample =
      static_cast<std::uint64_t>(bench::arg_or(argc, argv, "--sample-edges", 100000));
  const long er_degree = bench::arg_or(argc, argv, "--er-mean-degree", 0);
  const bool float32 = bench::arg_or(argc, argv, "--float32", 0) != 0;
  const GraphSpec spec = er_degree > 0 ? GraphSpec{ErdosRenyiSpec{static_cast<double>(er_degree)}}
                                       : GraphSpec{BarabasiAlbertSpec{m}};
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));

  ValuesSpec values;
  values.homophily = homophily;
  values.float32 = float32;
  std::vector<double> graph_s, electorate_s, correlation_s, sampled_s, bound_s;
  for (long r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    const Graph g = generate_graph(
        spec, agents, StreamKey{1, static_cast<std::uint64_t>(r), 0, 0, 0, Purpose::graph});
    graph_s.push_back(bench::seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    const Electorate e = draw_electorate(values, proposals, g, 1, static_cast<std::uint64_t>(r));
    electorate_s.push_back(bench::seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    const double corr = neighbor_value_correlation(e, g);
    correlation_s.push_back(bench::seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    const double est =
        sampled_neighbor_value_correlation(e, g, sample, 1, static_cast<std::uint64_t>(r));
    sampled_s.push_back(bench::seconds_since(t0));
    bound_s.push_back(bench::keyed_draw_seconds(agents, proposals));
    std::printf(
        "run %ld: graph %.3f s, electorate %.3f s, correlation %.3f s (%.4f), sampled %.3f s "
        "(%.4f), bound %.3f s\n",
        r, graph_s.back(), electorate_s.back(), correlation_s.back(), corr, sampled_s.back(), est,
        bound_s.back());
  }
  const double cells = static_cast<double>(agents) * proposals;
  const double e = bench::median(electorate_s), b = bench::median(bound_s);
  std::printf(
      "agents %u x proposals %u (%s values), threads %ld, medians of %ld: graph %.3f s, electorate "
      "%.3f s "
      "(%.2f ns per agent x proposal; %.1fx the keyed-draw bound of %.3f s), correlation %.3f s "
      "(%.2f ns per agent x proposal), sampled correlation over %llu edges %.3f s\n",
      agents, proposals, float32 ? "float32" : "float64", threads, repeat, bench::median(graph_s),
      e, 1e9 * e / cells, e / b, b, bench::median(correlation_s),
      1e9 * bench::median(correlation_s) / cells, static_cast<unsigned long long>(sample),
      bench::median(sampled_s));
  return 0;
}
