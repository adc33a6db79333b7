#pragma once
// Edge-list files (SNAP style): one edge per line as two whitespace-separated non-negative integer
// ids; '#' starts a comment (whole line or the rest of a line); blank lines are ignored; any
// further fields on a line are an error. Ids may be any 64-bit unsigned values: they are remapped
// to 0..n-1 in ascending order of the original id. Self-loops and duplicate edges (either
// direction) are removed and counted.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <limits>
#include <string>

#include "sim/graph.hpp"

namespace qvsim {

struct EdgeListLoad {
  Graph graph;                   // original ids in graph.original_ids()
  std::uint64_t lines = 0;       // lines read
  std::uint64_t edge_lines = 0;  // lines holding an edge
  std::uint64_t self_loops_removed = 0;
  std::uint64_t duplicates_removed = 0;
};

// Memory one edge line may take while an edge list is loaded (the lines as read, the id map and
// the graph being built), an upper estimate used by the memory guard.
constexpr std::uint64_t kEdgeLoadBytes = 64;

// Reads an edge list. `label` names the source in error messages (usually the file path).
// Throws InputError naming the label and the 1-based line for a malformed line, and for an
// input with no edges at all (line 0) or with more than 2^31 - 1 edge lines; resources when
// the edge lines would take more than `memory_bytes` to load (kEdgeLoadBytes each).
EdgeListLoad read_edge_list(std::istream& in, const std::string& label,
                            std::uint64_t memory_bytes = std::numeric_limits<std::uint64_t>::max());

// Opens and reads a file through InputFile (sim/input_file.hpp): a missing or unreadable file,
// or one that is not a regular file, is an io InputError naming it; a file of more than
// `memory_bytes` bytes, or with more edge lines than `memory_bytes` can load, is resources.
EdgeListLoad load_edge_list(const std::filesystem::path& file,
                            std::uint64_t memory_bytes = std::numeric_limits<std::uint64_t>::max());

// Writes "a b" lines (a < b, ascending), using original ids when the graph has them, after a
// '#' header comment; read_edge_list of the output gives the same graph when every agent has at
// least one edge (agents without edges cannot be written, so they are lost).
void write_edge_list(const Graph& graph, std::ostream& out);

}  // namespace qvsim
