#include "sim/edge_list.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <istream>
#include <limits>
#include <ostream>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/memory.hpp"
#include "sim/parallel.hpp"
#include "sim/text.hpp"

namespace qvsim {
namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// Splits off the next whitespace-delimited field of `rest`; empty when there is none.
std::string_view next_field(std::string_view& rest) noexcept {
  std::size_t i = 0;
  while (i < rest.size() && is_space(rest[i])) ++i;
  std::size_t j = i;
  while (j < rest.size() && !is_space(rest[j])) ++j;
  const std::string_view field = rest.substr(i, j - i);
  rest.remove_prefix(j);
  return field;
}

// Keeps messages readable when a line is very long (a binary file, say).
std::string quoted(std::string_view s) { return quoted_excerpt(s, 60); }

struct LineParser {
  const std::string& label;
  std::uint64_t line;

  [[noreturn]] void fail(std::string message, ErrorKind kind = ErrorKind::syntax) const {
    throw InputError(label, line, "", std::move(message), kind);
  }

  std::uint64_t id(std::string_view field, std::string_view content) const {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    const bool whole = end == field.data() + field.size();
    if (ec == std::errc::result_out_of_range && whole)
      fail("id " + quoted(field) + " is out of the 64-bit range (0 to 18446744073709551615)",
           ErrorKind::range);
    if (ec != std::errc() || !whole || field.empty())
      fail("expected two non-negative integer ids, got " + quoted(content));
    return value;
  }
};

// Ranks of the distinct ids in ascending order: ids become agents 0..n-1.
class IdMap {
 public:
  IdMap(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& raw, std::uint64_t max_id,
        const std::string& label) {
    // Small ids (the usual case: SNAP files number nodes densely) map through a direct table;
    // others through a hash table, as a binary search per endpoint is several times slower.
    if (max_id < std::numeric_limits<AgentId>::max() && max_id <= 2 * raw.size() + 1024) {
      dense_.assign(max_id + 1, 0);
      for (const auto& [a, b] : raw) {
        dense_[a] = 1;
        dense_[b] = 1;
      }
      AgentId next = 0;
      for (std::uint64_t id = 0; id <= max_id; ++id) {
        if (dense_[id] == 0) continue;
        dense_[id] = next++;
        ids_.push_back(id);
      }
      return;
    }
    // Hashing the endpoints first means only the distinct ids are sorted, not every endpoint.
    resize_table(1024);
    for (const auto& [a, b] : raw) {
      insert(a);
      insert(b);
    }
    if (ids_.size() > std::numeric_limits<AgentId>::max())
      throw InputError(label, 0, "", "more than 4294967295 distinct ids", ErrorKind::range);
    std::sort(ids_.begin(), ids_.end());
    for (std::size_t r = 0; r < ids_.size(); ++r) ranks_[find(ids_[r])] = static_cast<AgentId>(r);
  }

  AgentId operator()(std::uint64_t id) const noexcept {
    return dense_.empty() ? ranks_[find(id)] : dense_[id];
  }

  // Releases the lookup tables, leaving the ids.
  std::vector<std::uint64_t> take_ids() {
    std::vector<AgentId>().swap(dense_);
    std::vector<std::uint64_t>().swap(keys_);
    std::vector<AgentId>().swap(ranks_);
    return std::move(ids_);
  }

  std::size_t size() const noexcept { return ids_.size(); }

 private:
  // Open addressing with linear probing at load factor <= 1/2. A slot is empty when its rank is
  // kEmpty, which is never a real rank since ranks are < 2^32 - 1.
  static constexpr AgentId kEmpty = std::numeric_limits<AgentId>::max();

  std::size_t home(std::uint64_t id) const noexcept {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15u) >> shift_);
  }

  // The slot holding id, or the empty slot where it belongs.
  std::size_t find(std::uint64_t id) const noexcept {
    const std::size_t mask = keys_.size() - 1;
    std::size_t slot = home(id);
    while (ranks_[slot] != kEmpty && keys_[slot] != id) slot = (slot + 1) & mask;
    return slot;
  }

  void insert(std::uint64_t id) {
    const std::size_t slot = find(id);
    if (ranks_[slot] != kEmpty) return;
    keys_[slot] = id;
    ranks_[slot] = 0;
    ids_.push_back(id);
    if (2 * ids_.size() > keys_.size()) resize_table(2 * keys_.size());
  }

  void resize_table(std::size_t capacity) {
    shift_ = 64;
    while ((std::size_t{1} << (64 - shift_)) < capacity) --shift_;
    keys_.assign(capacity, 0);
    ranks_.assign(capacity, kEmpty);
    for (std::uint64_t id : ids_) {
      const std::size_t slot = find(id);
      keys_[slot] = id;
      ranks_[slot] = 0;
    }
  }

  std::vector<std::uint64_t> ids_;  // agent -> original id
  std::vector<AgentId> dense_;      // original id -> agent, for small ids
  std::vector<std::uint64_t> keys_;
  std::vector<AgentId> ranks_;
  int shift_ = 64;
};

}  // namespace

namespace {

// The lines of an edge list, parsed into raw id pairs.
struct RawEdges {
  const std::string& label;
  std::uint64_t memory_bytes;
  std::uint64_t max_lines;  // the memory guard's bound on edge lines
  std::vector<std::pair<std::uint64_t, std::uint64_t>> raw;
  std::uint64_t max_id = 0;
  std::uint64_t lines = 0;

  void add(std::uint64_t a, std::uint64_t b) {
    if (raw.size() == Graph::kMaxEdges) {
      LineParser{label, lines}.fail(
          "too many edges: a graph holds at most " + std::to_string(Graph::kMaxEdges) + " edges",
          ErrorKind::range);
    }
    if (raw.size() >= max_lines) {
      LineParser{label, lines}.fail(
          "more than " + std::to_string(max_lines) +
              " edge lines: loading them would take more than the " + std::to_string(memory_bytes) +
              " bytes of memory this run may use (" + std::to_string(kEdgeLoadBytes) +
              " bytes per edge line; see --max-memory)",
          ErrorKind::resources);
    }
    // Doubling, with huge pages once large: page faults cost more than the parsing (see
    // sim/memory.hpp).
    if (raw.size() == raw.capacity()) reserve_large(raw, std::max<std::size_t>(16, 2 * raw.size()));
    raw.emplace_back(a, b);
    max_id = std::max({max_id, a, b});
  }

  // Any line, with every rule and message of the format: comments, blanks, errors.
  void parse_line(std::string_view rest) {
    if (const auto hash = rest.find('#'); hash != std::string_view::npos)
      rest = rest.substr(0, hash);
    const std::string_view content = trim_blanks(rest);
    const std::string_view first = next_field(rest);
    if (first.empty()) return;
    const std::string_view second = next_field(rest);
    const LineParser parser{label, lines};
    if (second.empty())
      parser.fail("expected two non-negative integer ids, got " + quoted(content));
    const std::uint64_t a = parser.id(first, content);
    const std::uint64_t b = parser.id(second, content);
    if (const std::string_view third = next_field(rest); !third.empty())
      parser.fail("third field " + quoted(third) + " on an edge line");
    add(a, b);
  }

  // The common line, "digits blanks digits [blanks]", parsed without building views; false (and
  // nothing taken) for anything else, which parse_line then reads. At most 19 digits per id, so
  // no value can overflow here.
  bool parse_plain(const char* p, const char* end) {
    const auto digits = [&](std::uint64_t& v) {
      const char* start = p;
      v = 0;
      while (p < end && *p >= '0' && *p <= '9' && p - start < 19) v = v * 10 + (*p++ - '0');
      return p > start && (p == end || *p == ' ' || *p == '\t');
    };
    const auto blanks = [&] {
      const char* start = p;
      while (p < end && (*p == ' ' || *p == '\t')) ++p;
      return p > start;
    };
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    if (!digits(a) || !blanks() || !digits(b)) return false;
    blanks();
    if (p != end) return false;
    add(a, b);
    return true;
  }

  void parse(const char* line, const char* end) {
    ++lines;
    if (!parse_plain(line, end)) parse_line(std::string_view(line, end - line));
  }

  // Parses the whole lines of [p, end) (end just past a newline), one after another.
  void parse_lines(const char* p, const char* end) {
    while (p < end) {
      const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      parse(p, nl);
      p = nl + 1;
    }
  }

  // Parses the whole lines of [p, end) (end just past a newline) in pieces of about kPiece bytes
  // in parallel, each into its own RawEdges, appended here in order. The lines, edges and
  // max_id are those of parse_lines. A piece that meets an error or a limit parses nothing here:
  // the block is then parsed again one line after another, which throws the error of its first
  // bad line, as parse_lines would.
  void parse_lines_parallel(const char* p, const char* end) {
    constexpr std::size_t kPiece = std::size_t{1} << 17;
    std::vector<const char*> cut{p};
    while (end - cut.back() > static_cast<std::ptrdiff_t>(kPiece)) {
      const char* at = cut.back() + kPiece;
      const auto* nl = static_cast<const char*>(std::memchr(at, '\n', end - at));
      if (nl == nullptr || nl + 1 == end) break;
      cut.push_back(nl + 1);
    }
    cut.push_back(end);
    const std::size_t pieces = cut.size() - 1;
    if (pieces < 2) {
      parse_lines(p, end);
      return;
    }
    std::vector<RawEdges> part;
    part.reserve(pieces);
    for (std::size_t i = 0; i < pieces; ++i)
      part.push_back(RawEdges{label, memory_bytes, std::numeric_limits<std::uint64_t>::max()});
    std::atomic<bool> failed{false};
    parallel_for_blocks(std::size_t{0}, pieces, std::size_t{1},
                        [&](std::size_t lo, std::size_t hi) {
                          for (std::size_t i = lo; i < hi; ++i) {
                            try {
                              part[i].parse_lines(cut[i], cut[i + 1]);
                            } catch (const InputError&) {
                              failed.store(true, std::memory_order_relaxed);
                            }
                          }
                        });
    std::uint64_t total = 0;
    for (const RawEdges& r : part) total += r.raw.size();
    if (failed.load() ||
        raw.size() + total > std::min<std::uint64_t>(max_lines, Graph::kMaxEdges)) {
      parse_lines(p, end);  // throws the first error, naming its line
      return;
    }
    if (raw.size() + total > raw.capacity())
      reserve_large(raw, std::max<std::size_t>(2 * raw.size(), raw.size() + total));
    for (RawEdges& r : part) {
      raw.insert(raw.end(), r.raw.begin(), r.raw.end());
      max_id = std::max(max_id, r.max_id);
      lines += r.lines;
      std::vector<std::pair<std::uint64_t, std::uint64_t>>().swap(r.raw);
    }
  }
};

}  // namespace

EdgeListLoad read_edge_list(std::istream& in, const std::string& label,
                            std::uint64_t memory_bytes) {
  EdgeListLoad out;
  // Checked as the lines come, so a file too large for the memory guard is refused early.
  RawEdges lines{label, memory_bytes, memory_bytes / kEdgeLoadBytes, {}, 0, 0};
  // Read in blocks and split at newlines by hand (as std::getline does: the last line may lack
  // its newline): a std::string per line cost several times the parsing.
  // The block starts small and doubles while reads fill it, up to kBlock: a small input (a fuzzer
  // calls this a million times) does not pay for a megabyte of fresh pages.
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  // Blocks of whole lines at least this long are parsed in pieces in parallel.
  constexpr std::size_t kParallelBytes = std::size_t{1} << 18;
  std::size_t block = 4096;
  std::vector<char> buf(block);
  // A line longer than a block grows the buffer (geometrically, as a vector does) and is searched
  // for its newline only in the bytes not searched before; once whole it is scanned a couple more
  // times (for the piece cuts and by its parse), so its cost stays linear in its length.
  std::size_t held = 0;  // bytes of a partial line carried over at the front of buf
  for (;;) {
    if (buf.size() - held < block / 2) buf.resize(held + block);
    const std::size_t want = buf.size() - held;
    in.read(buf.data() + held, static_cast<std::streamsize>(want));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == want && block < kBlock) block *= 2;
    if (in.bad()) throw InputError(label, lines.lines, "", "read error", ErrorKind::io);
    const char* p = buf.data();
    const char* const from = buf.data() + held;  // the held bytes hold no newline
    const char* const end = from + got;
    // The block's whole lines end at its last newline; a large block's are parsed in parallel.
    const auto* last = static_cast<const char*>(::memrchr(from, '\n', end - from));
    if (last != nullptr) {
      if (last + 1 - p >= static_cast<std::ptrdiff_t>(kParallelBytes))
        lines.parse_lines_parallel(p, last + 1);
      else
        lines.parse_lines(p, last + 1);
      p = last + 1;
    }
    held = static_cast<std::size_t>(end - p);
    if (got == 0) {
      if (held > 0) lines.parse(p, end);
      break;
    }
    if (p != buf.data()) std::memmove(buf.data(), p, held);
  }
  out.lines = lines.lines;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> raw = std::move(lines.raw);
  const std::uint64_t max_id = lines.max_id;
  if (raw.empty()) throw InputError(label, 0, "", "no edges found", ErrorKind::empty);
  out.edge_lines = raw.size();

  IdMap agent_of(raw, max_id, label);
  LargeVector<Graph::Edge> edges;
  resize_large(edges, raw.size());
  parallel_for_blocks(std::size_t{0}, raw.size(), std::size_t{1} << 16,
                      [&](std::size_t lo, std::size_t hi) {
                        for (std::size_t i = lo; i < hi; ++i)
                          edges[i] = Graph::Edge{agent_of(raw[i].first), agent_of(raw[i].second)};
                      });
  std::vector<std::pair<std::uint64_t, std::uint64_t>>().swap(raw);

  const auto agents = static_cast<AgentId>(agent_of.size());
  std::vector<std::uint64_t> ids = agent_of.take_ids();
  out.graph = Graph::from_edge_array(agents, std::move(edges));
  out.graph.set_original_ids(std::move(ids));
  out.self_loops_removed = out.graph.build_stats().self_loops_removed;
  out.duplicates_removed = out.graph.build_stats().duplicates_removed;
  return out;
}

EdgeListLoad load_edge_list(const std::filesystem::path& file, std::uint64_t memory_bytes) {
  // Lines are read one at a time, so the file's size bounds only a single line's memory.
  InputFile f(file, memory_bytes, "edge list", ErrorKind::resources);
  return read_edge_list(f.stream(), file.string(), memory_bytes);
}

void write_edge_list(const Graph& graph, std::ostream& out) {
  const auto& ids = graph.original_ids();
  out << "# qvsim edge list: " << graph.num_agents() << " agents, " << graph.num_edges()
      << " edges\n";
  // Formatting into one buffer and writing it in large pieces avoids per-number stream overhead.
  std::string buf;
  constexpr std::size_t kFlushAt = 1 << 16;
  buf.reserve(kFlushAt + 64);
  char num[24];
  const auto append = [&](std::uint64_t v) {
    const auto result = std::to_chars(num, num + sizeof num, v);
    buf.append(num, result.ptr);
  };
  for (AgentId a = 0; a < graph.num_agents(); ++a) {
    for (AgentId b : graph.neighbors(a)) {
      if (b <= a) continue;
      append(ids.empty() ? a : ids[a]);
      buf += ' ';
      append(ids.empty() ? b : ids[b]);
      buf += '\n';
      if (buf.size() >= kFlushAt) {
        out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
        buf.clear();
      }
    }
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

}  // namespace qvsim
