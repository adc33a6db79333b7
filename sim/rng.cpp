#include "sim/rng.hpp"

#include <Random123/philox.h>

#include "sim/distributions.hpp"

namespace qvsim {
namespace {

using Philox = r123::Philox4x64;

constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;

}  // namespace

Stream::Stream(const StreamKey& key) noexcept {
  key_words_[0] = key.seed;
  ctr_[0] = key.replicate;
  ctr_[1] = key.agent;
  ctr_[2] = (static_cast<std::uint64_t>(key.arm) << 32) |
            (static_cast<std::uint64_t>(key.purpose) << 24) |
            (static_cast<std::uint64_t>(key.round) & 0xFFFFFFu);
  ctr_[3] = 0;
}

void Stream::refill() noexcept {
  Philox gen;
  Philox::ctr_type c = {{ctr_[0], ctr_[1], ctr_[2], ctr_[3]}};
  Philox::key_type k = {{key_words_[0]}};
  const Philox::ctr_type r = gen(c, k);
  for (unsigned i = 0; i < 4; ++i) buf_[i] = r.v[i];
  ++ctr_[3];
  used_ = 0;
}

std::uint64_t Stream::next_u64() noexcept {
  if (used_ == 4) refill();
  return buf_[used_++];
}

void Stream::seek(std::uint64_t word) noexcept {
  ctr_[3] = word / 4;
  refill();
  used_ = static_cast<unsigned>(word % 4);
}

double Stream::uniform() noexcept { return static_cast<double>(next_u64() >> 11) * kTwoPowMinus53; }

double Stream::uniform_open() noexcept {
  return (static_cast<double>(next_u64() >> 11) + 0.5) * kTwoPowMinus53;
}

std::uint64_t Stream::below(std::uint64_t n) noexcept {
  // Lemire's multiply-shift with rejection: unbiased, usually one draw.
  std::uint64_t x = next_u64();
  __uint128_t m = static_cast<__uint128_t>(x) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      x = next_u64();
      m = static_cast<__uint128_t>(x) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

bool Stream::bernoulli(double p) noexcept { return uniform() < p; }

double Stream::normal() noexcept { return normal_quantile(uniform_open()); }

double uniform_open_at(const StreamKey& key, std::uint64_t n) noexcept {
  Stream s(key);
  s.seek(n);
  return s.uniform_open();
}

std::uint32_t arm_key(const char* name, std::size_t length) noexcept {
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < length; ++i) {
    h ^= static_cast<unsigned char>(name[i]);
    h *= 16777619u;
  }
  return h == 0 ? 1u : h;
}

}  // namespace qvsim
