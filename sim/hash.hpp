#pragma once
// FNV-1a 64, the one non-cryptographic hash qvsim writes into its files (scenario hashes, sweep
// point seeds, store and output checksums). Stable across platforms and versions: changing it
// changes every recorded hash.

#include <cstdint>
#include <string_view>

namespace qvsim {

inline constexpr std::uint64_t kFnv1a64Basis = 14695981039346656037ull;

// The FNV-1a 64 hash of `bytes`, continuing from `h` (the basis for a fresh hash), so that a
// hash can be taken over several pieces in turn.
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = kFnv1a64Basis) noexcept {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace qvsim
