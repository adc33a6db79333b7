// qvsim analyze at scale: writes a synthetic sweep runs.csv of 1,000,000 rows (250 points x 1,000
// replicates x 2 arms x 2 mechanisms, three arm metrics; values from keyed streams), then times
// analyze_directory (2,000 bootstrap resamples) and reports peak memory against the file's size,
// and the time against the index-draw bound for the bootstrap's row indices.
//
//   bench_analyze [--replicates R] [--repeat N]

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "analysis/analyze.hpp"
#include "analysis/run_table.hpp"
#include "bench/bench_bounds.hpp"
#include "bench/bench_common.hpp"
#include "sim/rng.hpp"

using namespace qvsim;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  const long replicates = bench::arg_or(argc, argv, "--replicates", 1000);
  const long repeat = bench::arg_or(argc, argv, "--repeat", 3);
  const fs::path dir =
      fs::temp_directory_path() / ("qvsim-bench-analyze-" + std::to_string(getpid()));
  fs::create_directories(dir);
  analysis::ArmColumns columns =
      analysis::ArmColumns::from({{}, {"coalitions", "defection_rate", "influence_ratio"}});
  {
    std::ofstream f(dir / "runs.csv");
    f << "point,arms.bloc.collusion.organizers," << analysis::runs_csv_header(columns) << '\n';
    for (int p = 0; p < 250; ++p) {
      for (long r = 0; r < replicates; ++r) {
        Stream s(StreamKey{1, static_cast<std::uint64_t>(r), 0, 0, static_cast<std::uint64_t>(p),
                           Purpose::test});
        for (const char* arm : {"honest", "bloc"}) {
          for (Mechanism m : {Mechanism::quadratic, Mechanism::one_person_one_vote}) {
            analysis::RunRow row;
            row.replicate = static_cast<std::uint64_t>(r);
            row.arm = arm;
            row.mechanism = m;
            row.agents = 1000;
            row.edges = 5000;
            row.neighbor_value_corr = 0.3 + 0.01 * s.normal();
            row.welfare_max = 100.0 + s.uniform();
            row.efficiency = 0.9 + 0.1 * s.uniform();
            row.welfare_achieved = row.efficiency * row.welfare_max;
            row.wrong_rate = 0.1 * s.uniform();
            row.intensity_accuracy = 0.95 + 0.05 * s.uniform();
            row.flip_rate = std::string(arm) == "bloc" ? 0.2 * s.uniform() : 0.0;
            row.spent_per_agent = 100.0;
            row.turnout = 1.0;
            row.decisions = "+-+-+";
            if (std::string(arm) == "bloc") {
              row.arm_metrics = {static_cast<double>(p % 20), s.uniform(), 1.0 + s.uniform()};
            } else {
              row.arm_metrics = {std::nan(""), std::nan(""), std::nan("")};
            }
            f << p << ',' << p % 20 << ',' << analysis::runs_csv_row(row) << '\n';
          }
        }
      }
    }
  }
  const double bytes = static_cast<double>(fs::file_size(dir / "runs.csv"));
  std::vector<double> times;
  std::uint64_t rows = 0;
  for (long i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    rows = analysis::analyze_directory(dir, analysis::AnalyzeOptions{}).rows;
    times.push_back(bench::seconds_since(t0));
    std::printf("run %ld: %.2f s\n", i, times.back());
  }
  std::printf(
      "analyze: %llu rows (%.0f MiB of runs.csv), median %.2f s over %ld runs; peak RSS "
      "%.0f MiB\n",
      static_cast<unsigned long long>(rows), bytes / 1048576.0, bench::median(times), repeat,
      bench::peak_rss_bytes() / 1048576.0);
  // The resampling: one row index per replicate per resample, for each of the 250 points x
  // 2 arms x 2 mechanisms tables (the effects' paired resamples come on top).
  const std::uint64_t resamples = analysis::AnalyzeOptions{}.resamples;
  const std::uint64_t draws = 250ull * 2 * 2 * static_cast<std::uint64_t>(replicates) * resamples;
  bench::print_index_ratio(
      "analyze", bench::median(times),
      bench::index_draw_bound_seconds(draws, static_cast<std::uint64_t>(replicates), 0), draws,
      "the bootstrap's row indices of every table");
  fs::remove_all(dir);
  return 0;
}
