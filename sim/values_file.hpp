#pragma once
// Values files (scenario key electorate.values.file): every agent's value for every proposal,
// given instead of drawn, the same in every replicate. CSV, documented in docs/scenario.md:
//
//   # a comment line          ('#' lines and blank lines are skipped anywhere)
//   agent,road,park           the header: "agent", then one column per proposal (free names)
//   0,1.5,-0.25               one row per agent: her id, then u_ak for each proposal k
//   1,-2,0.5
//
// Fields are separated by commas, with optional blanks around them (no quoting). Ids are
// non-negative integers: 0..agents-1 for generated graphs, the edge list's own node ids for an
// edge-list graph (agent a is the one whose id is original_ids[a]). Every agent has exactly one
// row, in any order. Values are finite decimal numbers (`1.5`, `-2`, `3e-2`).
//
// Errors are InputError naming the file and the 1-based line: syntax (a row with the wrong number
// of fields, a cell that is not a number or an id that is not an integer, naming the column),
// not_finite (inf, nan, or a number beyond a double), range (an id beyond 64 bits, a value beyond
// kMaxMagnitude = 1e50 in magnitude), invalid (a header that does not start with `agent` or whose
// proposal columns do not match electorate.proposals; an id that is not an agent; a second row
// for one agent, at the second row; an agent without a row, at line 0, naming the smallest such
// id; a file far larger than its agents and proposals need), empty (no header or no rows), io
// (cannot open or read, or not a regular file).

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/graph.hpp"

namespace qvsim {

// The most bytes a values file for `agents` x `proposals` may hold: 64 bytes per cell and per
// row, plus 1 MiB for comments; far beyond any real file, and a guard against a huge or endless
// input taking the machine's memory. Saturates instead of overflowing.
std::uint64_t max_values_file_bytes(AgentId agents, std::uint32_t proposals) noexcept;

// Reads a values file from `in`; `label` names it in messages. Returns agent-major values:
// values[a * proposals + k] is agent a's value for proposal k. `original_ids` is empty for
// generated graphs, else the edge list's ids ascending (Graph::original_ids()). Reading stops with
// an error once more than `max_bytes` have been read. Memory: about the file's values as doubles,
// twice that briefly when rows are not in agent order.
std::vector<double> read_values_file(std::istream& in, const std::string& label, AgentId agents,
                                     std::uint32_t proposals,
                                     const std::vector<std::uint64_t>& original_ids,
                                     std::uint64_t max_bytes);

// Opens and reads a values file. It must be a regular file (not a folder, FIFO or device) of at
// most max_values_file_bytes(agents, proposals) bytes; otherwise, or when it cannot be opened,
// InputError naming the file.
std::vector<double> load_values_file(const std::filesystem::path& file, AgentId agents,
                                     std::uint32_t proposals,
                                     const std::vector<std::uint64_t>& original_ids);

}  // namespace qvsim
