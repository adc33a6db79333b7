#pragma once
// The parallel policy for loops over agents, in one place.
//
// Agents are cut into fixed chunks of kAgentChunk, independent of the thread count; per-chunk
// partial results combined in chunk order give the same bits at any thread count. Nested inside
// a parallel loop over replicates, oneTBB's work stealing shares the cores.

#include <tbb/parallel_for.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/graph.hpp"

namespace qvsim {

inline constexpr AgentId kAgentChunk = 8192;

inline std::size_t num_chunks(AgentId agents) noexcept {
  return (static_cast<std::size_t>(agents) + kAgentChunk - 1) / kAgentChunk;
}

// Calls f(chunk_index, begin, end) for every chunk of [0, agents), in parallel. f must only write
// state owned by its own agents or chunk.
template <class F>
void parallel_for_agent_chunks(AgentId agents, F&& f) {
  const std::size_t chunks = num_chunks(agents);
  if (chunks <= 1) {
    if (agents > 0) f(std::size_t{0}, AgentId{0}, agents);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, chunks, 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c) {
          const auto begin = static_cast<AgentId>(c * kAgentChunk);
          const AgentId end = std::min<AgentId>(agents, begin + kAgentChunk);
          f(c, begin, end);
        }
      },
      tbb::simple_partitioner());
}

// Calls f(a) for every agent, in parallel.
template <class F>
void parallel_for_agents(AgentId agents, F&& f) {
  parallel_for_agent_chunks(agents, [&](std::size_t, AgentId begin, AgentId end) {
    for (AgentId a = begin; a < end; ++a) f(a);
  });
}

// Deterministic sum of `width` accumulators over agents: f(a, acc) adds agent a's contribution to
// acc[0..width). Partial sums per fixed chunk are combined in chunk order, so the result is
// bit-identical for any thread count.
template <class F>
std::vector<double> deterministic_agent_sum(AgentId agents, std::size_t width, F&& f) {
  const std::size_t chunks = num_chunks(agents);
  std::vector<double> partial(chunks * width, 0.0);
  parallel_for_agent_chunks(agents, [&](std::size_t c, AgentId begin, AgentId end) {
    double* acc = partial.data() + c * width;
    for (AgentId a = begin; a < end; ++a) f(a, acc);
  });
  std::vector<double> total(width, 0.0);
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t w = 0; w < width; ++w) total[w] += partial[c * width + w];
  return total;
}

}  // namespace qvsim
