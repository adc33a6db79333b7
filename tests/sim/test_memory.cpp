// sim/memory.hpp: large arrays start on a huge page, resize leaves them unzeroed but keeps what
// they held, and reserve keeps the elements.

#include <catch2/catch.hpp>
#include <cstdint>
#include <numeric>

#include "sim/memory.hpp"

using namespace qvsim;

TEST_CASE("large arrays start on a huge page and keep their contents", "[memory]") {
  // Below a huge page: the plain allocator (any alignment it gives).
  LargeVector<double> small;
  resize_large(small, 1000);
  REQUIRE(small.size() == 1000);
  std::iota(small.begin(), small.end(), 0.0);
  CHECK(small[999] == 999.0);
  // From one huge page on: aligned to it, so that the huge-page advice covers the whole array.
  for (const std::size_t n : {kHugePage / sizeof(double), std::size_t{3} * 1000 * 1000}) {
    LargeVector<double> v;
    resize_large(v, n);
    REQUIRE(v.size() == n);
    CHECK(reinterpret_cast<std::uintptr_t>(v.data()) % kHugePage == 0);
    v[0] = 1.5;
    v[n - 1] = -2.5;
    // Growing moves the contents into a fresh (aligned) array.
    resize_large(v, 2 * n);
    CHECK(reinterpret_cast<std::uintptr_t>(v.data()) % kHugePage == 0);
    CHECK(v[0] == 1.5);
    CHECK(v[n - 1] == -2.5);
  }
  // Floats and 16-byte elements too; reserve keeps what was appended.
  LargeVector<float> f;
  resize_large(f, kHugePage / sizeof(float) + 7);
  CHECK(reinterpret_cast<std::uintptr_t>(f.data()) % kHugePage == 0);
  struct Pair {
    std::uint64_t a, b;
  };
  LargeVector<Pair> p;
  for (std::uint64_t i = 0; i < 10; ++i) p.push_back({i, 2 * i});
  reserve_large(p, 1 << 20);
  CHECK(p.capacity() >= (1u << 20));
  CHECK(reinterpret_cast<std::uintptr_t>(p.data()) % kHugePage == 0);
  REQUIRE(p.size() == 10);
  CHECK(p[9].b == 18);
}
