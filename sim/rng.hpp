#pragma once
// Counter-based random streams.
//
// Every random number in qvsim comes from a Stream keyed by
// (seed, replicate, arm, round, agent, purpose). A stream is a pure function of its key: the n-th
// draw of a stream is the same whichever thread asks, in whatever order, so results are
// bit-identical for any thread count, shard or rank. Streams are cheap value types; make one where
// it is needed, never share one between threads.
//
// Generator: Random123's Philox4x64-10. Key = seed. Counter words:
//   c0 = replicate, c1 = agent (or another per-entity index such as a proposal or block),
//   c2 = arm (32 bits) << 32 | purpose (8 bits) << 24 | round (24 bits), c3 = block index.
// Each block yields four 64-bit words.

#include <array>
#include <cstdint>

namespace qvsim {

// What a stream is for. Values are part of the stream key: never renumber, only append.
enum class Purpose : std::uint8_t {
  graph = 1,         // graph generation (agent field unused, 0)
  values = 2,        // agents' latent value draws (agent = agent id)
  block_values = 3,  // per-block shared value factor (agent = block index)
  tie_break = 4,     // coin flip for a tied tally (agent = proposal index)
  sweep_design = 5,  // random and Latin-hypercube sweep designs (agent = parameter index)
  bootstrap = 6,     // bootstrap resamples of analyze (see analysis/bootstrap.hpp)
  communities = 7,   // label propagation: an agent's coin and pick (round = round, agent = id)
  correlation_sample = 8,  // the neighbour correlation's sampled edges (agent = draw index)
  graph_attachment = 9,    // Barabasi-Albert: agent v's attachment draws (agent = v)
  graph_rows = 10,         // Erdos-Renyi and block models: row v's pairs {v, w < v} (agent = v)
  // 16-31: the attack models (agents/traits.hpp)
  test = 255,  // reserved for tests
};

struct StreamKey {
  std::uint64_t seed = 0;
  std::uint64_t replicate = 0;
  std::uint32_t arm = 0;    // arm key (see arm_key()); 0 for draws shared by all arms
  std::uint32_t round = 0;  // 0..2^24-1
  std::uint64_t agent = 0;
  Purpose purpose = Purpose::test;
};

class Stream {
 public:
  explicit Stream(const StreamKey& key) noexcept;

  // The next 64 uniformly distributed bits.
  std::uint64_t next_u64() noexcept;
  // Uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept;
  // Uniform double in (0, 1): never exactly 0 or 1.
  double uniform_open() noexcept;
  // Uniform integer in [0, n), unbiased; n must be > 0.
  std::uint64_t below(std::uint64_t n) noexcept;
  // True with probability p (p <= 0: never, p >= 1: always; consumes one draw either way).
  bool bernoulli(double p) noexcept;
  // Standard normal by inversion of one uniform (exactly one draw per variate).
  double normal() noexcept;

  // Jumps to the n-th 64-bit word of the stream (the next call of next_u64 returns word n).
  void seek(std::uint64_t word) noexcept;

 private:
  void refill() noexcept;

  std::array<std::uint64_t, 2> key_words_{};  // only [0] is used by Philox4x64
  std::array<std::uint64_t, 4> ctr_{};
  std::array<std::uint64_t, 4> buf_{};
  unsigned used_ = 4;
};

// The n-th uniform in (0,1) of the stream with this key; equal to seeking there and drawing.
double uniform_open_at(const StreamKey& key, std::uint64_t n) noexcept;

// 32-bit stable hash (FNV-1a) of an arm's name, used as the arm field of stream keys so that an
// arm's draws do not depend on which other arms a scenario has or in what order. Never 0.
std::uint32_t arm_key(const char* name, std::size_t length) noexcept;

}  // namespace qvsim
