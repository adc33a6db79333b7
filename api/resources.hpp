#pragma once
// Resource guards: refuse a run that would need more memory than the machine can give it, before
// anything is allocated, with a message that says what to change.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qvsim {

// What --max-memory asked for: unset (use what the machine has available), a number of bytes, or
// no check at all ("unlimited").
struct MemoryCap {
  std::optional<std::uint64_t> bytes;
  bool unlimited = false;
};

// Parses --max-memory's SIZE: "unlimited", or a whole number of bytes with an optional binary
// suffix K, M, G or T (KiB, MiB, GiB, TiB): "512M", "64G". Throws InputError (usage) otherwise.
MemoryCap parse_memory_cap(std::string_view option, std::string_view text);

// Bytes this process can still use: the least of the kernel's MemAvailable, the cgroup's limit
// less its usage (v2 or v1), and the address-space limit (ulimit -v). nullopt when none of them
// can be read (then no check is made).
std::optional<std::uint64_t> available_memory();

// The bytes the cap allows: the explicit --max-memory, else available_memory(); the largest
// uint64 for "unlimited" or when nothing can be read. Bounds the files a run loads
// (LoadOptions::memory_bytes, sim/model.hpp).
std::uint64_t memory_limit(const MemoryCap& cap);

// Throws InputError (resources) naming `file` and `key` when `need` bytes exceed the cap: the
// explicit --max-memory, or else available_memory(). `what` says what needs it ("4 threads x one
// replicate of 2000000000 agents"), to help the user choose what to lower.
void check_memory(std::uint64_t need, const MemoryCap& cap, const std::string& file,
                  std::size_t line, const std::string& key, const std::string& what);

// "1.5 GiB", "640.0 MiB", "12.0 KiB": for messages.
std::string format_bytes(std::uint64_t bytes);

}  // namespace qvsim
