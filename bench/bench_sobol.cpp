// Sobol' indices at scale: a Saltelli table of 100,000 base rows (d = 8 inputs, so 1,000,000
// outputs of a keyed test function) and 1,000 bootstrap resamples of its rows, timed, and the
// median against the index-draw bound for the resamples' row indices.
//
//   bench_sobol [--rows N] [--dims D] [--resamples B] [--repeat K] [--threads T]
//
// Prints each run's seconds and the median; the design and outputs are built before timing.

#include <cmath>
#include <cstdio>
#include <vector>

#include "analysis/sensitivity.hpp"
#include "bench/bench_bounds.hpp"
#include "bench/bench_common.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

using namespace qvsim;

int main(int argc, char** argv) {
  const auto rows = static_cast<std::uint64_t>(bench::arg_or(argc, argv, "--rows", 100000));
  const auto dims = static_cast<std::size_t>(bench::arg_or(argc, argv, "--dims", 8));
  const auto resamples = static_cast<std::uint64_t>(bench::arg_or(argc, argv, "--resamples", 1000));
  const long repeat = bench::arg_or(argc, argv, "--repeat", 5);
  const auto threads = static_cast<unsigned>(bench::arg_or(argc, argv, "--threads", 0));

  StreamKey key;
  key.seed = 1;
  key.purpose = Purpose::test;
  const analysis::SaltelliDesign d = analysis::saltelli_design(rows, dims, key);
  // A smooth function with interactions (g-function-like weights), so every index is nonzero.
  std::vector<double> y(d.points());
  for (std::uint64_t p = 0; p < d.points(); ++p) {
    double f = 1.0;
    for (std::size_t i = 0; i < dims; ++i)
      f *= (std::abs(4.0 * d.at(p, i) - 2.0) + static_cast<double>(i)) /
           (1.0 + static_cast<double>(i));
    y[p] = f;
  }

  std::vector<double> times;
  analysis::SobolResult r;
  for (long k = 0; k < repeat; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    with_threads(threads, [&] { r = analysis::sobol_indices(y, dims, resamples, StreamKey{}); });
    times.push_back(bench::seconds_since(t0));
    std::printf("run %ld: %.3f s\n", k + 1, times.back());
  }
  std::printf("rows %llu, inputs %zu, outputs %llu, resamples %llu, threads %u\n",
              static_cast<unsigned long long>(rows), dims,
              static_cast<unsigned long long>(y.size()), static_cast<unsigned long long>(resamples),
              resolve_threads(threads));
  for (std::size_t i = 0; i < dims; ++i)
    std::printf("x%zu: S1 %.4f [%.4f, %.4f]  ST %.4f [%.4f, %.4f]\n", i + 1, r.first[i].estimate,
                r.first[i].low, r.first[i].high, r.total[i].estimate, r.total[i].low,
                r.total[i].high);
  std::printf("median: %.3f s\n", bench::median(times));
  // The resampling: one row index per row per resample.
  const std::uint64_t draws = rows * resamples;
  bench::print_index_ratio("sobol_indices", bench::median(times),
                           bench::index_draw_bound_seconds(draws, rows, threads), draws,
                           "the bootstrap's row indices");
  return 0;
}
