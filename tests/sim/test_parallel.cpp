// sim/parallel.hpp: every back end (oneTBB here; std::thread fork-join in the tsan preset, which
// runs this same file) covers exactly the index ranges it promises.

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <mutex>
#include <set>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/parallel.hpp"

namespace {

using Block = std::pair<std::uint64_t, std::uint64_t>;

std::set<Block> blocks_of(std::uint64_t begin, std::uint64_t end, std::uint64_t grain,
                          unsigned threads) {
  std::mutex m;
  std::set<Block> seen;
  qvsim::with_threads(threads, [&] {
    qvsim::parallel_for_blocks(begin, end, grain, [&](std::uint64_t lo, std::uint64_t hi) {
      std::lock_guard lock(m);
      REQUIRE(seen.emplace(lo, hi).second);
    });
  });
  return seen;
}

}  // namespace

TEST_CASE("parallel_for_blocks hands out consecutive blocks of exactly grain", "[parallel]") {
  for (const unsigned threads : {1u, 2u}) {
    for (const auto& [begin, end, grain] :
         std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>>{
             {0, 0, 1}, {0, 1, 1}, {0, 10, 1}, {0, 10, 3}, {5, 17, 4}, {7, 8, 100}, {0, 1000, 7}}) {
      INFO(threads << " threads, [" << begin << ", " << end << ") grain " << grain);
      std::set<Block> expected;
      for (std::uint64_t lo = begin; lo < end; lo += grain)
        expected.emplace(lo, std::min(end, lo + grain));
      CHECK(blocks_of(begin, end, grain, threads) == expected);
    }
  }
}

TEST_CASE("parallel_for_index calls every index once", "[parallel]") {
  for (const unsigned threads : {1u, 2u}) {
    std::vector<std::atomic<int>> hits(1234);
    qvsim::with_threads(threads, [&] {
      qvsim::parallel_for_index(std::size_t{0}, hits.size(), [&](std::size_t i) { ++hits[i]; });
    });
    for (std::size_t i = 0; i < hits.size(); ++i) REQUIRE(hits[i].load() == 1);
  }
}

TEST_CASE("agent chunks are fixed by kAgentChunk, not by the thread count", "[parallel]") {
  const qvsim::AgentId agents = 3 * qvsim::kAgentChunk + 5;
  std::mutex m;
  std::set<std::tuple<std::size_t, qvsim::AgentId, qvsim::AgentId>> seen;
  qvsim::with_threads(2, [&] {
    qvsim::parallel_for_agent_chunks(agents,
                                     [&](std::size_t c, qvsim::AgentId b, qvsim::AgentId e) {
                                       std::lock_guard lock(m);
                                       seen.emplace(c, b, e);
                                     });
  });
  REQUIRE(seen.size() == 4);
  CHECK(*seen.rbegin() ==
        std::tuple<std::size_t, qvsim::AgentId, qvsim::AgentId>{3, 3 * qvsim::kAgentChunk, agents});
}

TEST_CASE("an exception in a loop body reaches the caller", "[parallel]") {
  CHECK_THROWS_AS(qvsim::with_threads(2,
                                      [&] {
                                        qvsim::parallel_for_index(0, 100, [](int i) {
                                          if (i == 37) throw std::runtime_error("body");
                                        });
                                      }),
                  std::runtime_error);
}
