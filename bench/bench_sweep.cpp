// A sweep at scale: 200 points x 100 replicates of a 1,000-agent, 5-proposal scenario with an
// honest and a collusion arm, through `qvsim sweep` (durable store, export) at 1 and 2 threads;
// and the same items computed without the store, to measure the store's overhead. The sweep's
// time is printed against the keyed-draw bound for the values of every item.
//
//   bench_sweep [--replicates R] [--repeat N]
//
// Points: a grid of 20 organizer counts x 10 coalition sizes = 200.

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agents/behaviours.hpp"
#include "analysis/run_table.hpp"
#include "api/sweep_command.hpp"
#include "api/sweep_spec.hpp"
#include "bench/bench_bounds.hpp"
#include "bench/bench_common.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"

using namespace qvsim;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  const long replicates = bench::arg_or(argc, argv, "--replicates", 100);
  const long repeat = bench::arg_or(argc, argv, "--repeat", 3);
  const fs::path dir =
      fs::temp_directory_path() / ("qvsim-bench-sweep-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "sweep.yaml";
  {
    std::ofstream f(file);
    f << "name: bench-sweep\nseed: 20261126\nreplicates: " << replicates << "\n"
      << "electorate:\n  agents: 1000\n  proposals: 5\n"
      << "  values: {distribution: normal, homophily: 0.3}\n  budget: {credits: 100}\n"
      << "graph: {model: watts_strogatz, degree: 10, rewire: 0.05}\n"
      << "mechanisms: [quadratic, one_person_one_vote, linear]\nballot: secret\n"
      << "arms:\n  honest: {}\n  bloc:\n"
      << "    collusion: {organizers: 5, max_size: 30, rounds: 10, loyalty: 0.5}\n"
      << "sweep:\n  parameters:\n"
      << "    arms.bloc.collusion.organizers: {from: 0, to: 19, step: 1}\n"
      << "    arms.bloc.collusion.max_size: {from: 5, to: 50, step: 5}\n";
  }
  std::vector<double> medians;
  for (unsigned threads : {1u, 2u}) {
    std::vector<double> times;
    for (long r = 0; r < repeat; ++r) {
      const fs::path out = dir / ("out-" + std::to_string(threads) + "-" + std::to_string(r));
      SweepRequest req;
      req.scenario_file = file;
      req.out_dir = out;
      req.threads = threads;
      req.quiet = true;
      std::ostringstream sink;
      const auto t0 = std::chrono::steady_clock::now();
      run_sweep(req, sink, sink);
      times.push_back(bench::seconds_since(t0));
      if (threads == 2 && r == 0) {
        // Exporting alone: merge copies the store and exports runs.csv and summary.csv again.
        const auto e0 = std::chrono::steady_clock::now();
        merge_sweep(dir / "merged", {out}, sink);
        std::printf("export of runs.csv and summary.csv from the store (via merge): %.2f s\n",
                    bench::seconds_since(e0));
        fs::remove_all(dir / "merged");
      }
      fs::remove_all(out);
    }
    medians.push_back(bench::median(times));
    std::printf("qvsim sweep, %u thread(s): median %.2f s over %ld runs\n", threads, medians.back(),
                repeat);
  }
  std::printf("speedup 2 threads vs 1: %.2fx\n", medians[0] / medians[1]);

  // The same items without the store: compute and format rows only, 2 threads.
  const SweepPlan plan = load_sweep(file, std::nullopt, std::nullopt);
  std::vector<Model> models;
  std::vector<ArmBehaviours> behaviours;
  for (const auto& p : plan.points) {
    models.push_back(freeze(p.scenario));
    behaviours.push_back(agents::make_behaviours(p.scenario));
  }
  std::vector<std::vector<std::string>> names;
  for (const auto& b : behaviours[0]) names.push_back(b->metric_names());
  const auto columns = analysis::ArmColumns::from(names);
  const std::uint64_t items = plan.points.size() * plan.replicates;
  std::vector<double> bare_medians;
  for (int threads : {1, 2}) {
    std::vector<double> bare;
    for (long r = 0; r < repeat; ++r) {
      std::atomic<std::uint64_t> next{0};
      std::atomic<std::size_t> bytes{0};
      const auto t0 = std::chrono::steady_clock::now();
      tbb::task_arena(threads).execute([&] {
        tbb::parallel_for(0, threads, [&](int) {
          for (std::uint64_t i; (i = next++) < items;) {
            const std::uint64_t p = i % plan.points.size();
            const auto o = run_replicate(models[p], behaviours[p], i / plan.points.size());
            for (const auto& row : analysis::make_rows(models[p], columns, o))
              bytes += analysis::runs_csv_row(row).size();
          }
        });
      });
      bare.push_back(bench::seconds_since(t0));
    }
    bare_medians.push_back(bench::median(bare));
    const double sweep = medians[static_cast<std::size_t>(threads - 1)];
    std::printf(
        "same items without the store, %d thread(s): median %.2f s; store and export "
        "overhead %.1f%% of the sweep\n",
        threads, bare_medians.back(), 100.0 * (sweep - bare_medians.back()) / sweep);
    // Every item's values: agents x proposals normals, one stream per agent.
    const Scenario& first = plan.points.front().scenario;
    const std::uint64_t draws = items * first.agents * first.proposals;
    const double bound =
        bench::draw_bound_seconds(draws, first.proposals, static_cast<unsigned>(threads));
    bench::print_draw_ratio(("  sweep, " + std::to_string(threads) + " thread(s)").c_str(), sweep,
                            bound, draws, "the values of every item");
  }
  std::printf("speedup of the bare computation, 2 threads vs 1: %.2fx\n",
              bare_medians[0] / bare_medians[1]);
  std::printf("peak RSS %.1f MiB\n", bench::peak_rss_bytes() / 1048576.0);
  fs::remove_all(dir);
  return 0;
}
