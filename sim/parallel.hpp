#pragma once
// The parallel policy, in one place: every parallel loop in qvsim goes through these functions.
//
// Agents are cut into fixed chunks of kAgentChunk, independent of the thread count; per-chunk
// partial results combined in chunk order give the same bits at any thread count. Nested inside
// a parallel loop over replicates, oneTBB's work stealing shares the cores.
//
// Two back ends run the same loop bodies over the same index ranges:
//  - oneTBB, the normal one.
//  - std::thread fork-join, chosen automatically in ThreadSanitizer builds. Debian's libtbb is not
//    built with ThreadSanitizer, so the happens-before edges of its task hand-offs are invisible to
//    it and every stolen task shows as a race. The fork-join back end synchronizes only through
//    std::thread start/join and std::atomic, which ThreadSanitizer sees, so what it reports is
//    about qvsim's own loop bodies: the state they share is what this build checks. It is slower
//    (threads are started per loop, and a loop nested in another starts its own, so up to threads^2
//    run at once) and is not used outside sanitizer builds. Define
//    QVSIM_PARALLEL_STD=1 to force it, or =0 to keep oneTBB in a TSan build.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/graph.hpp"

#ifndef QVSIM_PARALLEL_STD
#if defined(__SANITIZE_THREAD__)
#define QVSIM_PARALLEL_STD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QVSIM_PARALLEL_STD 1
#endif
#endif
#endif
#ifndef QVSIM_PARALLEL_STD
#define QVSIM_PARALLEL_STD 0
#endif

#if !QVSIM_PARALLEL_STD
#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>
#endif

namespace qvsim {

#if QVSIM_PARALLEL_STD
namespace parallel_detail {

// The worker limit of the enclosing with_threads() scope; 0 means all cores.
inline thread_local unsigned tl_limit = 0;

inline unsigned worker_limit() noexcept {
  if (tl_limit != 0) return tl_limit;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Calls f(lo, hi) for consecutive blocks of `grain` indices of [begin, end), on up to the worker
// limit of threads that take blocks from a shared counter. The first exception is rethrown.
template <class I, class F>
void fork_join(I begin, I end, I grain, F& f) {
  if (!(begin < end)) return;
  const auto span = static_cast<std::uint64_t>(end - begin);
  const auto g = static_cast<std::uint64_t>(std::max<I>(grain, I{1}));
  const std::uint64_t blocks = span / g + (span % g != 0 ? 1 : 0);
  const unsigned limit = worker_limit();
  const auto workers = static_cast<unsigned>(std::min<std::uint64_t>(limit, blocks));
  std::atomic<std::uint64_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  auto work = [&] {
    tl_limit = limit;
    for (;;) {
      const std::uint64_t b = next.fetch_add(1);
      if (b >= blocks) break;
      const I lo = static_cast<I>(begin + static_cast<I>(b * g));
      const I hi = static_cast<I>(std::min<std::uint64_t>(span, (b + 1) * g) + begin);
      try {
        f(lo, hi);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(blocks);
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers > 0 ? workers - 1 : 0);
  const unsigned saved = tl_limit;
  try {
    for (unsigned t = 1; t < workers; ++t) pool.emplace_back(work);
  } catch (const std::system_error&) {
    // No more threads to be had: the ones started and this one share the work.
  }
  work();
  tl_limit = saved;
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace parallel_detail
#endif

// The number of worker threads `threads` stands for (0: all cores).
inline unsigned resolve_threads(unsigned threads) noexcept {
  if (threads != 0) return threads;
#if QVSIM_PARALLEL_STD
  return std::max(1u, std::thread::hardware_concurrency());
#else
  return static_cast<unsigned>(std::max(1, tbb::info::default_concurrency()));
#endif
}

// Runs f() so that the parallel loops inside it use at most `threads` workers (0: all cores).
template <class F>
void with_threads(unsigned threads, F&& f) {
#if QVSIM_PARALLEL_STD
  const unsigned saved = parallel_detail::tl_limit;
  parallel_detail::tl_limit = threads;
  try {
    f();
  } catch (...) {
    parallel_detail::tl_limit = saved;
    throw;
  }
  parallel_detail::tl_limit = saved;
#else
  tbb::task_arena arena(threads == 0 ? tbb::task_arena::automatic : static_cast<int>(threads));
  arena.execute(std::forward<F>(f));
#endif
}

// Calls f(lo, hi) on blocks of exactly `grain` consecutive indices (the last may be shorter)
// that together cover [begin, end), in parallel.
template <class I, class F>
void parallel_for_blocks(I begin, I end, I grain, F&& f) {
#if QVSIM_PARALLEL_STD
  parallel_detail::fork_join(begin, end, grain, f);
#else
  if (!(begin < end)) return;
  const I g = std::max<I>(grain, I{1});
  // Split by hand into blocks of g: a blocked_range of block numbers with grain 1 and the simple
  // partitioner gives exactly one block per task.
  const auto span = static_cast<std::uint64_t>(end - begin);
  const auto gg = static_cast<std::uint64_t>(g);
  const std::uint64_t blocks = span / gg + (span % gg != 0 ? 1 : 0);
  tbb::parallel_for(
      tbb::blocked_range<std::uint64_t>(0, blocks, 1),
      [&](const tbb::blocked_range<std::uint64_t>& r) {
        for (std::uint64_t b = r.begin(); b != r.end(); ++b) {
          const I lo = static_cast<I>(begin + static_cast<I>(b * static_cast<std::uint64_t>(g)));
          const I hi =
              static_cast<I>(std::min<std::uint64_t>(static_cast<std::uint64_t>(end - begin),
                                                     (b + 1) * static_cast<std::uint64_t>(g)) +
                             begin);
          f(lo, hi);
        }
      },
      tbb::simple_partitioner());
#endif
}

// Calls f(i) for every i in [begin, end), in parallel; the scheduler picks how many indices a
// task takes (oneTBB splits ranges down to `grain`).
template <class I, class F>
void parallel_for_index(I begin, I end, F&& f, I grain = I{1}) {
#if QVSIM_PARALLEL_STD
  auto block = [&f](I lo, I hi) {
    for (I i = lo; i != hi; ++i) f(i);
  };
  parallel_detail::fork_join(begin, end, grain, block);
#else
  if (!(begin < end)) return;
  tbb::parallel_for(tbb::blocked_range<I>(begin, end, std::max<I>(grain, I{1})),
                    [&](const tbb::blocked_range<I>& r) {
                      for (I i = r.begin(); i != r.end(); ++i) f(i);
                    });
#endif
}

// Sorts [first, last) by `less`, which must be a strict total order (then the result is the same
// at any thread count and on either back end).
template <class It, class Less>
void parallel_sort(It first, It last, Less less) {
#if QVSIM_PARALLEL_STD
  std::sort(first, last, less);
#else
  tbb::parallel_sort(first, last, less);
#endif
}

// Runs f so that a thread waiting inside it for its parallel loops only takes work of those
// loops, never an outer task: needed when f runs under a lock or std::call_once that an outer
// task could ask for again on the same thread (oneTBB's work isolation; the std::thread back end
// never runs outer work while waiting).
template <class F>
void isolated(F&& f) {
#if QVSIM_PARALLEL_STD
  f();
#else
  tbb::this_task_arena::isolate(std::forward<F>(f));
#endif
}

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
  parallel_for_blocks(std::size_t{0}, chunks, std::size_t{1}, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t c = lo; c != hi; ++c) {
      const auto begin = static_cast<AgentId>(c * kAgentChunk);
      const AgentId end = std::min<AgentId>(agents, begin + kAgentChunk);
      f(c, begin, end);
    }
  });
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
