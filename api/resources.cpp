#include "api/resources.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "sim/error.hpp"

namespace qvsim {
namespace {

constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

// The first number in a file such as /sys/fs/cgroup/memory.max; kNoLimit for "max" or a missing
// or unreadable file.
std::uint64_t read_number_file(const char* path) {
  std::ifstream f(path);
  std::string text;
  if (!(f >> text)) return kNoLimit;
  std::uint64_t x = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (ec != std::errc() || end != text.data() + text.size()) return kNoLimit;
  return x;
}

std::uint64_t mem_available() {
  std::ifstream f("/proc/meminfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream in(line.substr(13));
    std::uint64_t kib = 0;
    if (in >> kib) return kib * 1024;
  }
  return kNoLimit;
}

// One field of a memory.stat file ("inactive_file 123"); 0 when absent.
std::uint64_t stat_field(const std::string& file, std::string_view name) {
  std::ifstream f(file);
  std::string key;
  std::uint64_t value = 0;
  while (f >> key >> value) {
    if (key == name) return value;
  }
  return 0;
}

// The process's own cgroup path for `controller` ("" for the v2 unified hierarchy) from
// /proc/self/cgroup, e.g. "/user.slice/session-1.scope"; nullopt when it is not listed.
std::optional<std::string> own_cgroup(std::string_view controller) {
  std::ifstream f("/proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    const auto c1 = line.find(':');
    const auto c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    const std::string_view list(line.data() + c1 + 1, c2 - c1 - 1);
    const bool match = controller.empty() ? list.empty()
                                          : (list == controller ||
                                             list.find(controller) != std::string_view::npos);
    if (match) return line.substr(c2 + 1);
  }
  return std::nullopt;
}

// Room left under the memory limits of the process's cgroup and every cgroup above it: the least
// of limit - (usage - inactive file cache) over the levels that set a limit. Usage counts the page
// cache, which the kernel reclaims before it runs out; only its inactive part is left out, to stay
// on the safe side.
std::uint64_t cgroup_room() {
  struct Hierarchy {
    std::string root, controller, limit, usage, inactive;
  };
  const Hierarchy hierarchies[] = {
      {"/sys/fs/cgroup", "", "memory.max", "memory.current", "inactive_file"},
      {"/sys/fs/cgroup/memory", "memory", "memory.limit_in_bytes", "memory.usage_in_bytes",
       "total_inactive_file"},
  };
  std::uint64_t room = kNoLimit;
  for (const Hierarchy& h : hierarchies) {
    const std::optional<std::string> own = own_cgroup(h.controller);
    if (!own) continue;
    std::string path = *own;
    for (;;) {
      const std::string dir = h.root + (path == "/" ? "" : path);
      const std::uint64_t limit = read_number_file((dir + "/" + h.limit).c_str());
      // v1 reports "no limit" as a huge page-rounded number.
      if (limit != kNoLimit && limit < (std::uint64_t{1} << 60)) {
        std::uint64_t usage = read_number_file((dir + "/" + h.usage).c_str());
        if (usage == kNoLimit) usage = 0;
        const std::uint64_t cache = stat_field(dir + "/memory.stat", h.inactive);
        usage = usage > cache ? usage - cache : 0;
        room = std::min(room, limit > usage ? limit - usage : 0);
      }
      if (path.empty() || path == "/") break;
      const auto slash = path.rfind('/');
      path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
    }
  }
  return room;
}

std::uint64_t address_space_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_AS, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return kNoLimit;
  return static_cast<std::uint64_t>(r.rlim_cur);
}

}  // namespace

MemoryCap parse_memory_cap(std::string_view option, std::string_view text) {
  MemoryCap cap;
  if (text == "unlimited") {
    cap.unlimited = true;
    return cap;
  }
  std::uint64_t x = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  std::string_view rest(end, static_cast<std::size_t>(text.data() + text.size() - end));
  int shift = 0;
  if (rest.size() == 1) {
    switch (rest.front()) {
      case 'K':
      case 'k': shift = 10; break;
      case 'M':
      case 'm': shift = 20; break;
      case 'G':
      case 'g': shift = 30; break;
      case 'T':
      case 't': shift = 40; break;
      default: shift = -1;
    }
  } else if (!rest.empty()) {
    shift = -1;
  }
  if (ec != std::errc() || end == text.data() || shift < 0 || x == 0 || (x >> (63 - shift)) != 0) {
    throw InputError(
        "", 0, std::string(option),
        "must be a size such as 512M, 64G or 1T, or 'unlimited'; got '" + std::string(text) + "'",
        ErrorKind::usage);
  }
  cap.bytes = x << shift;
  return cap;
}

std::optional<std::uint64_t> available_memory() {
  const std::uint64_t room = std::min({mem_available(), cgroup_room(), address_space_limit()});
  if (room == kNoLimit) return std::nullopt;
  return room;
}

std::string format_bytes(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  char buf[64];
  if (b >= 1024.0 * 1024.0 * 1024.0 * 1024.0) {
    std::snprintf(buf, sizeof buf, "%.1f TiB", b / (1024.0 * 1024.0 * 1024.0 * 1024.0));
  } else if (b >= 1024.0 * 1024.0 * 1024.0) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", b / (1024.0 * 1024.0 * 1024.0));
  } else if (b >= 1024.0 * 1024.0) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024.0));
  } else if (b >= 1024.0) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  }
  return buf;
}

std::uint64_t memory_limit(const MemoryCap& cap) {
  if (cap.unlimited) return std::numeric_limits<std::uint64_t>::max();
  if (cap.bytes) return *cap.bytes;
  return available_memory().value_or(std::numeric_limits<std::uint64_t>::max());
}

void check_memory(std::uint64_t need, const MemoryCap& cap, const std::string& file,
                  std::size_t line, const std::string& key, const std::string& what) {
  if (cap.unlimited) return;
  const std::optional<std::uint64_t> room = cap.bytes ? cap.bytes : available_memory();
  if (!room || need <= *room) return;
  const std::string source = cap.bytes ? "--max-memory allows" : "this machine has available";
  throw InputError(file, line, key,
                   "needs about " + format_bytes(need) + " of memory (" + what + "), but " +
                       source + " " + format_bytes(*room) +
                       "; lower it, use fewer --threads, or pass --max-memory SIZE (or "
                       "'unlimited') to run anyway",
                   ErrorKind::resources);
}

}  // namespace qvsim
