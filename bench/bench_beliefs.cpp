// The cost of agents' prior beliefs (electorate.pivot): for each scenario file given, the time to
// compute the prior once per model, with the model the file names and with `equilibrium`, and
// the fixed point's iterations and residual per mechanism.
//
//   bench_beliefs [--repeat R] FILE...
//
// Prints each file's median over R repetitions (default 3), and that median against the
// keyed-draw bound of drawing one electorate of the scenario (agents x proposals normals).

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "agents/beliefs.hpp"
#include "api/scenario_yaml.hpp"
#include "bench/bench_bounds.hpp"
#include "bench/bench_common.hpp"

using namespace qvsim;

int main(int argc, char** argv) try {
  const long repeat = bench::arg_or(argc, argv, "--repeat", 3);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeat") {
      ++i;
      continue;
    }
    for (const PivotModel model : {PivotModel::normal, PivotModel::equilibrium}) {
      Scenario s = load_scenario(arg);
      if (s.pivot.model == PivotModel::fixed) s.pivot = PivotSpec{};
      s.pivot.model = model;
      const Model m = freeze(std::move(s));
      std::vector<double> times;
      std::vector<MechanismBelief> prior;
      for (long r = 0; r < repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        prior = agents::prior_beliefs(m);
        times.push_back(bench::seconds_since(t0));
      }
      std::printf("%s %s: median %.3f s over %ld runs;", arg.c_str(), to_string(model),
                  bench::median(times), repeat);
      for (const MechanismBelief& b : prior) {
        std::printf(" %s %u it, residual %.2g", short_label(b.mechanism), b.iterations, b.residual);
        if (!b.proposals.empty()) {
          std::printf(" (mean %.4g, sd %.4g)", b.proposals[0].mean, b.proposals[0].sd);
        }
        std::printf(";");
      }
      std::printf("\n");
      // Against drawing the electorate the beliefs are about: agents x proposals normals.
      const std::uint64_t draws = m.scenario.agents * m.scenario.proposals;
      bench::print_draw_ratio(
          ("  " + arg + " " + to_string(model)).c_str(), bench::median(times),
          bench::draw_bound_seconds(draws, m.scenario.proposals, 0), draws,
          "one electorate's values, which the prior does not draw: its cost in electorates");
    }
  }
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_beliefs: %s\n", e.what());
  return 2;
}
