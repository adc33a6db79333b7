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

}  // namespace qvsim::bench
