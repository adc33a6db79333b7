// Many small replicates: 10,000 replicates of a 1,000-agent, 5-proposal scenario (Watts-Strogatz
// degree 10), three mechanisms, with runs.csv rows formatted; at 1 thread and at 2 threads,
// each against the keyed-draw bound for the values of every replicate (bench/bench_bounds.hpp).
//
//   bench_replicates [--replicates N] [--repeat R] [--max-threads T]

#include <cstdio>
#include <sstream>
#include <string>

#include "agents/behaviours.hpp"
#include "analysis/run_table.hpp"
#include "bench/bench_bounds.hpp"
#include "bench/bench_common.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"

using namespace qvsim;

int main(int argc, char** argv) {
  const long replicates = bench::arg_or(argc, argv, "--replicates", 10000);
  const long repeat = bench::arg_or(argc, argv, "--repeat", 5);
  const long max_threads = bench::arg_or(argc, argv, "--max-threads", 2);

  Scenario s;
  s.name = "bench-replicates";
  s.seed = 20261126;
  s.replicates = static_cast<std::uint64_t>(replicates);
  s.agents = 1000;
  s.proposals = 5;
  s.values.distribution = NormalDist{0.0, 1.0};
  s.values.homophily = 0.3;
  s.budget.credits = ConstantTrait{100};
  s.graph = WattsStrogatzSpec{10, 0.05};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote, Mechanism::linear};
  s.arms = {ArmSpec{"honest"}};
  const Model model = freeze(s);
  const auto behaviours = agents::make_behaviours(s);

  std::vector<double> medians;
  for (long t = 1; t <= max_threads; t *= 2) {
    std::vector<double> times;
    std::size_t bytes = 0;
    for (long r = 0; r < repeat; ++r) {
      std::ostringstream runs;
      analysis::RunTable table(model, analysis::ArmColumns{}, &runs);
      RunOptions opts;
      opts.threads = static_cast<unsigned>(t);
      const auto t0 = std::chrono::steady_clock::now();
      run_replicates(model, behaviours, opts, table);
      times.push_back(bench::seconds_since(t0));
      bytes = runs.str().size();
    }
    medians.push_back(bench::median(times));
    std::printf(
        "threads %ld: median %.3f s over %ld runs (%.0f replicates/s, runs.csv %zu bytes)\n", t,
        medians.back(), repeat, static_cast<double>(replicates) / medians.back(), bytes);
    // The values alone: agents x proposals normals per replicate, one stream per agent.
    const std::uint64_t draws = static_cast<std::uint64_t>(replicates) * s.agents * s.proposals;
    bench::print_draw_ratio(("  threads " + std::to_string(t)).c_str(), medians.back(),
                            bench::draw_bound_seconds(draws, s.proposals, static_cast<unsigned>(t)),
                            draws, "the values of every replicate");
  }
  for (std::size_t i = 1; i < medians.size(); ++i)
    std::printf("speedup %zu threads vs 1: %.2fx\n", std::size_t{1} << i, medians[0] / medians[i]);
  return 0;
}
