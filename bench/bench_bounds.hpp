#pragma once
// The machine's own bounds for the work qvsim does (issue: scale; docs/PERFORMANCE.md, "Bounds"):
// how fast it draws keyed normals, streams memory and gathers at random, each on every thread
// the benchmark is allowed. Other benchmarks time the same work beside theirs and print their
// ratio to it, so that a figure carries the bound it was measured against.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "bench/bench_common.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim::bench {

// Seconds to draw agents x proposals keyed normals the way an electorate does: one stream per
// agent (seed, replicate 0, arm 0, round 0, agent, purpose values), `proposals` normals from each,
// in parallel over agents. The draws are summed per chunk, so that none is optimized away.
inline double keyed_draw_seconds(std::uint64_t agents, std::uint32_t proposals) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<double> sum =
      deterministic_agent_sum(static_cast<AgentId>(agents), 1, [&](AgentId a, double* acc) {
        Stream rng(StreamKey{20261207, 0, 0, 0, a, Purpose::values});
        for (std::uint32_t k = 0; k < proposals; ++k) acc[0] += rng.normal();
      });
  const double seconds = seconds_since(t0);
  if (sum[0] == 0.12345) std::printf("(sum %g)\n", sum[0]);  // keeps the draws alive
  return seconds;
}

// Seconds to read `n` doubles in order (a sum per chunk of 8,192), in parallel.
inline double stream_seconds(const std::vector<double>& data) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<double> sum = deterministic_agent_sum(
      static_cast<AgentId>(data.size()), 1, [&](AgentId i, double* acc) { acc[0] += data[i]; });
  const double seconds = seconds_since(t0);
  if (sum[0] == 0.12345) std::printf("(sum %g)\n", sum[0]);
  return seconds;
}

// Seconds to gather data[index[i]] for every i, in parallel.
inline double gather_seconds(const std::vector<double>& data,
                             const std::vector<std::uint32_t>& index) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<double> sum =
      deterministic_agent_sum(static_cast<AgentId>(index.size()), 1,
                              [&](AgentId i, double* acc) { acc[0] += data[index[i]]; });
  const double seconds = seconds_since(t0);
  if (sum[0] == 0.12345) std::printf("(sum %g)\n", sum[0]);
  return seconds;
}

// The keyed-draw bound for `draws` normals at `threads` threads (0: all): drawn as
// keyed_draw_seconds does, in streams of `per_stream` (the last one shorter), median of 3.
inline double draw_bound_seconds(std::uint64_t draws, std::uint32_t per_stream, unsigned threads) {
  std::vector<double> runs;
  const std::uint64_t streams = (draws + per_stream - 1) / per_stream;
  for (int i = 0; i < 3; ++i)
    with_threads(threads, [&] { runs.push_back(keyed_draw_seconds(streams, per_stream)); });
  return median(runs);
}

// The index-draw bound, for bootstraps: seconds to draw `draws` uniform indices below `n`
// (Stream::below) in streams of 1,000 keyed per chunk, in parallel at `threads` threads (0: all),
// median of 3. Resampling draws one such index per row per resample.
inline double index_draw_bound_seconds(std::uint64_t draws, std::uint64_t n, unsigned threads) {
  constexpr std::uint64_t kPerStream = 1000;
  const std::uint64_t streams = (draws + kPerStream - 1) / kPerStream;
  std::vector<double> runs;
  for (int i = 0; i < 3; ++i) {
    with_threads(threads, [&] {
      const auto t0 = std::chrono::steady_clock::now();
      const std::vector<double> sum =
          deterministic_agent_sum(static_cast<AgentId>(streams), 1, [&](AgentId a, double* acc) {
            Stream rng(StreamKey{20261207, 0, 0, 0, a, Purpose::bootstrap});
            std::uint64_t s = 0;
            for (std::uint64_t k = 0; k < kPerStream; ++k) s += rng.below(n);
            acc[0] += static_cast<double>(s);
          });
      runs.push_back(seconds_since(t0));
      if (sum[0] == 0.12345) std::printf("(sum %g)\n", sum[0]);
    });
  }
  return median(runs);
}

// One line: the work's seconds against its bound, "4.2x the keyed-draw bound (0.123 s for N
// normals: WHICH)", where WHICH says which draws the work makes.
inline void print_ratio(const char* label, double seconds, const char* bound_name, double bound,
                        std::uint64_t count, const char* unit, const char* which) {
  std::printf("%s: %.3f s, %.1fx the %s bound (%.3g s for %llu %s: %s)\n", label, seconds,
              seconds / bound, bound_name, bound, static_cast<unsigned long long>(count), unit,
              which);
}
inline void print_draw_ratio(const char* label, double seconds, double bound, std::uint64_t draws,
                             const char* which) {
  print_ratio(label, seconds, "keyed-draw", bound, draws, "normals", which);
}
inline void print_index_ratio(const char* label, double seconds, double bound, std::uint64_t draws,
                              const char* which) {
  print_ratio(label, seconds, "index-draw", bound, draws, "indices", which);
}

}  // namespace qvsim::bench
