#include "sim/values_file.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <istream>
#include <limits>
#include <numeric>
#include <string_view>
#include <system_error>
#include <utility>

#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/scenario.hpp"
#include "sim/text.hpp"

namespace qvsim {
namespace {

// Keeps messages readable when a field is very long (a binary file, say).
std::string shown(std::string_view s) { return quoted_excerpt(s, 40); }

enum class Parsed { ok, not_a_number, not_finite };

// A decimal number as from_chars reads it, with an optional leading '+'. A number too small for
// a double is rounded to 0 or a subnormal by strtod; one too large is not finite.
Parsed parse_number(std::string_view s, double& x) {
  if (s.size() > 1 && s.front() == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  if (s.empty()) return Parsed::not_a_number;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (end != s.data() + s.size()) return Parsed::not_a_number;
  if (ec == std::errc::result_out_of_range)
    x = std::strtod(std::string(s).c_str(), nullptr);
  else if (ec != std::errc())
    return Parsed::not_a_number;
  return std::isfinite(x) ? Parsed::ok : Parsed::not_finite;
}

class Reader {
 public:
  Reader(const std::string& label, AgentId agents, std::uint32_t proposals,
         const std::vector<std::uint64_t>& ids)
      : label_(label), agents_(agents), k_(proposals), ids_(ids) {}

  [[noreturn]] void fail(std::uint64_t line, std::string message,
                         ErrorKind kind = ErrorKind::invalid) const {
    throw InputError(label_, line, "", std::move(message), kind);
  }

  void header(std::uint64_t line, const std::vector<std::string_view>& fields) {
    if (fields.front() != "agent") {
      fail(line, "the header must start with 'agent', then name one column per proposal; got " +
                     shown(fields.front()));
    }
    if (fields.size() - 1 != k_) {
      fail(line, "has " + std::to_string(fields.size() - 1) +
                     " proposal column(s) after 'agent', but the scenario has " +
                     std::to_string(k_) +
                     " (electorate.proposals; funding.projects in a funding scenario)");
    }
    for (std::size_t k = 0; k < k_; ++k) names_.emplace_back(fields[k + 1]);
  }

  // Parses one row into `cells` and returns its agent.
  AgentId row(std::uint64_t line, const std::vector<std::string_view>& fields,
              std::vector<double>& cells) const {
    if (fields.size() != std::size_t{k_} + 1) {
      fail(line,
           "expected " + std::to_string(std::size_t{k_} + 1) + " comma-separated fields (agent, " +
               std::to_string(k_) + " value(s)), got " + std::to_string(fields.size()),
           ErrorKind::syntax);
    }
    const AgentId a = agent(line, fields.front());
    for (std::size_t k = 0; k < k_; ++k) {
      double x = 0.0;
      switch (parse_number(fields[k + 1], x)) {
        case Parsed::ok: break;
        case Parsed::not_a_number:
          fail(line, column(k) + ": expected a number, got " + shown(fields[k + 1]),
               ErrorKind::syntax);
        case Parsed::not_finite:
          fail(line, column(k) + ": must be a finite number, got " + shown(fields[k + 1]),
               ErrorKind::not_finite);
      }
      if (std::fabs(x) > kMaxMagnitude) {
        fail(line, column(k) + ": must be at most 1e50 in magnitude, got " + shown(fields[k + 1]),
             ErrorKind::range);
      }
      cells.push_back(x);
    }
    return a;
  }

  // The id the user wrote for agent a.
  std::uint64_t id_of(AgentId a) const noexcept { return ids_.empty() ? a : ids_[a]; }

 private:
  std::string column(std::size_t k) const {
    if (names_[k].empty()) return "column " + std::to_string(k + 2);
    return "column " + shown(names_[k]);
  }

  AgentId agent(std::uint64_t line, std::string_view field) const {
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), id);
    const bool whole = !field.empty() && end == field.data() + field.size();
    if (whole && ec == std::errc::result_out_of_range) {
      fail(line, "column 'agent': id " + shown(field) + " is out of the 64-bit range",
           ErrorKind::range);
    }
    if (!whole || ec != std::errc()) {
      fail(line, "column 'agent': expected a non-negative integer id, got " + shown(field),
           ErrorKind::syntax);
    }
    if (ids_.empty()) {
      if (id >= agents_) {
        fail(line, "agent " + std::to_string(id) + " is not an agent: ids run from 0 to " +
                       std::to_string(agents_ - 1) + " (electorate.agents is " +
                       std::to_string(agents_) + ")");
      }
      return static_cast<AgentId>(id);
    }
    const auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    if (it == ids_.end() || *it != id) {
      fail(line, "agent " + std::to_string(id) + " is not a node of the edge list");
    }
    return static_cast<AgentId>(it - ids_.begin());
  }

  const std::string& label_;
  AgentId agents_;
  std::uint32_t k_;
  const std::vector<std::uint64_t>& ids_;
  std::vector<std::string> names_;
};

}  // namespace

std::uint64_t max_values_file_bytes(AgentId agents, std::uint32_t proposals) noexcept {
  const double bytes = 1048576.0 + (static_cast<double>(agents) + 1.0) * 64.0 *
                                       (static_cast<double>(proposals) + 1.0);
  constexpr double kMax = 18446744073709549568.0;  // the largest double below 2^64
  return bytes >= kMax ? std::numeric_limits<std::uint64_t>::max()
                       : static_cast<std::uint64_t>(bytes);
}

std::vector<double> read_values_file(std::istream& in, const std::string& label, AgentId agents,
                                     std::uint32_t proposals,
                                     const std::vector<std::uint64_t>& original_ids,
                                     std::uint64_t max_bytes) {
  Reader reader(label, agents, proposals, original_ids);
  const std::size_t k_count = proposals;
  bool have_header = false;
  // Rows in file order; placed by agent at the end. Unknown ids are refused as they come, so
  // after `agents` rows a further row proves a duplicate and reading stops there.
  std::vector<AgentId> row_agent;
  std::vector<std::uint64_t> row_line;
  std::vector<double> cells;
  std::vector<std::string_view> fields;
  std::uint64_t line_no = 0;
  std::uint64_t bytes = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    bytes += line.size() + 1;
    if (bytes > max_bytes) {
      reader.fail(line_no, "is larger than a values file for " + std::to_string(agents) +
                               " agents and " + std::to_string(proposals) + " proposals can be (" +
                               std::to_string(max_bytes) + " bytes)");
    }
    std::string_view text(line);
    if (line_no == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 BOM
    text = trim_blanks(text);
    if (text.empty() || text.front() == '#') continue;
    split_fields(text, fields);
    if (!have_header) {
      reader.header(line_no, fields);
      have_header = true;
      continue;
    }
    row_agent.push_back(reader.row(line_no, fields, cells));
    row_line.push_back(line_no);
    if (row_agent.size() > agents) break;
  }
  if (in.bad()) throw InputError(label, line_no, "", "read error", ErrorKind::io);
  if (!have_header) {
    throw InputError(label, 0, "", "is empty: no header line (agent, then one column per proposal)",
                     ErrorKind::empty);
  }
  if (row_agent.empty()) {
    throw InputError(label, 0, "", "has a header but no rows", ErrorKind::empty);
  }

  // Rows by agent, then by line: a repeated agent's second row follows its first.
  std::vector<std::size_t> order(row_agent.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return row_agent[x] < row_agent[y]; });
  std::size_t repeat = order.size();  // the earliest row that repeats an agent
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (row_agent[order[i]] == row_agent[order[i - 1]] &&
        (repeat == order.size() || order[i] < order[repeat])) {
      repeat = i;
    }
  }
  if (repeat != order.size()) {
    const std::size_t second = order[repeat];
    const std::size_t first = order[repeat - 1];
    reader.fail(row_line[second], "agent " + std::to_string(reader.id_of(row_agent[second])) +
                                      " has a second row (the first is on line " +
                                      std::to_string(row_line[first]) + ")");
  }
  if (row_agent.size() < agents) {
    // Sorted and distinct: the first agent a whose row is not the a-th is missing.
    AgentId missing = static_cast<AgentId>(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (row_agent[order[i]] != i) {
        missing = static_cast<AgentId>(i);
        break;
      }
    }
    throw InputError(label, 0, "",
                     "no row for agent " + std::to_string(reader.id_of(missing)) + " (" +
                         std::to_string(agents - row_agent.size()) + " of " +
                         std::to_string(agents) + " agents have none; every agent needs one row)");
  }

  bool in_order = true;
  for (std::size_t r = 0; r < row_agent.size() && in_order; ++r) in_order = row_agent[r] == r;
  if (in_order) return cells;
  std::vector<double> values(cells.size());
  for (std::size_t r = 0; r < row_agent.size(); ++r) {
    std::copy_n(cells.begin() + static_cast<std::ptrdiff_t>(r * k_count), k_count,
                values.begin() + static_cast<std::ptrdiff_t>(row_agent[r] * k_count));
  }
  return values;
}

std::vector<double> load_values_file(const std::filesystem::path& file, AgentId agents,
                                     std::uint32_t proposals,
                                     const std::vector<std::uint64_t>& original_ids) {
  const std::string label = file.string();
  // A FIFO or a device (/dev/zero) could block or never end; a folder cannot be read.
  InputFile f(file, max_values_file_bytes(agents, proposals), "values file", ErrorKind::invalid);
  std::istream& in = f.stream();
  return read_values_file(in, label, agents, proposals, original_ids,
                          max_values_file_bytes(agents, proposals));
}

}  // namespace qvsim
