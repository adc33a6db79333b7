// The result store's checksums (api/result_store.hpp): of an item's rows and of the header.
// Pure functions, split from result_store.cpp, which reads and writes the SQLite files.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/result_store.hpp"
#include "sim/hash.hpp"

namespace qvsim {

std::uint64_t rows_checksum(std::uint64_t point, std::uint64_t replicate, std::string_view rows) {
  const std::string key = std::to_string(point) + "," + std::to_string(replicate) + "\n";
  return fnv1a64(rows, fnv1a64(key));
}

std::uint64_t header_checksum(const std::vector<std::pair<std::string, std::string>>& entries) {
  auto sorted = entries;
  std::sort(sorted.begin(), sorted.end());
  std::uint64_t h = kFnv1a64Basis;
  for (const auto& [k, v] : sorted) {
    h = fnv1a64(k, h);
    h = fnv1a64(std::string_view("\0", 1), h);
    h = fnv1a64(v, h);
    h = fnv1a64(std::string_view("\0", 1), h);
  }
  return h;
}

}  // namespace qvsim
