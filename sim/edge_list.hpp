#pragma once
// Edge-list files (SNAP style): one edge per line as two whitespace-separated non-negative integer
// ids; '#' starts a comment (whole line or the rest of a line); blank lines are ignored; any
// further fields on a line are an error. Ids may be any 64-bit unsigned values: they are remapped
// to 0..n-1 in ascending order of the original id. Self-loops and duplicate edges (either
// direction) are removed and counted.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
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

// Reads an edge list. `label` names the source in error messages (usually the file path).
// Throws InputError naming the label and the 1-based line for a malformed line, and for an
// input with no edges at all (line 0) or with more than 2^31 - 1 edge lines.
EdgeListLoad read_edge_list(std::istream& in, const std::string& label);

// Opens and reads a file; a missing or unreadable file is an InputError naming it.
EdgeListLoad load_edge_list(const std::filesystem::path& file);

// Writes "a b" lines (a < b, ascending), using original ids when the graph has them, after a
// '#' header comment; read_edge_list of the output gives the same graph when every agent has at
// least one edge (agents without edges cannot be written, so they are lost).
void write_edge_list(const Graph& graph, std::ostream& out);

}  // namespace qvsim
