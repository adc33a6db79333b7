// The bounds of this machine for qvsim's work (docs/PERFORMANCE.md, "Bounds"): keyed normal
// draws per second (Philox streams, one per agent, as the electorate draws them), streaming read
// bandwidth, and random gathers of doubles from an array far larger than the caches, each on the
// threads allowed.
//
//   bench_bounds [--repeat R] [--threads T] [--mib M]
//
// --mib sets the size of the streamed and gathered array (default 1,024 MiB). Prints each figure
// as the median of R repetitions (default 5).

#include "bench/bench_bounds.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <cstdio>
#include <exception>
#include <vector>

using namespace qvsim;

int main(int argc, char** argv) try {
  const long repeat = bench::arg_or(argc, argv, "--repeat", 5);
  const long threads = bench::arg_or(argc, argv, "--threads", tbb::info::default_concurrency());
  const long mib = bench::arg_or(argc, argv, "--mib", 1024);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  std::printf("threads %ld, %ld MiB array, medians of %ld\n", threads, mib, repeat);

  // Keyed normals: 2,000,000 agents x 10 proposals.
  constexpr std::uint64_t kAgents = 2000000;
  constexpr std::uint32_t kProposals = 10;
  std::vector<double> t;
  for (long r = 0; r < repeat; ++r) t.push_back(bench::keyed_draw_seconds(kAgents, kProposals));
  const double draw = bench::median(t) / (static_cast<double>(kAgents) * kProposals);
  std::printf("keyed normal draws: %.1f M/s (%.2f ns each, %.2f ns per draw per thread)\n",
              1e-9 / draw * 1e3, draw * 1e9, draw * 1e9 * static_cast<double>(threads));

  // Streaming read.
  const std::size_t n = static_cast<std::size_t>(mib) * 1024 * 1024 / sizeof(double);
  std::vector<double> data(n);
  parallel_for_agents(static_cast<AgentId>(n),
                      [&](AgentId i) { data[i] = static_cast<double>(i % 1000) * 1e-3; });
  t.clear();
  for (long r = 0; r < repeat; ++r) t.push_back(bench::stream_seconds(data));
  const double gbs = static_cast<double>(n * sizeof(double)) / bench::median(t) / 1e9;
  std::printf("streaming read: %.2f GB/s\n", gbs);

  // Random gathers: 2^24 indices from a keyed stream.
  std::vector<std::uint32_t> index(std::size_t{1} << 24);
  Stream rng(StreamKey{20261207, 0, 0, 0, 0, Purpose::test});
  for (auto& i : index) i = static_cast<std::uint32_t>(rng.next_u64() % n);
  t.clear();
  for (long r = 0; r < repeat; ++r) t.push_back(bench::gather_seconds(data, index));
  const double gather = bench::median(t) / static_cast<double>(index.size());
  std::printf("random gather: %.1f M/s (%.2f ns each, %.2f ns per gather per thread)\n",
              1e-9 / gather * 1e3, gather * 1e9, gather * 1e9 * static_cast<double>(threads));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_bounds: %s\n", e.what());
  return 1;
}
