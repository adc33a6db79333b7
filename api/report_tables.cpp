// The tables of `qvsim report` (api/report_command.cpp): the main comparison from summary.csv
// and the thresholds from threshold*.csv, as HTML (api/detail/plot_folder.hpp). Split from
// plot_command.cpp.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "api/detail/plot_folder.hpp"
#include "api/report_sections.hpp"
#include "sim/error.hpp"

namespace qvsim::plot_detail {
namespace {

namespace fs = std::filesystem;
using report_detail::html_escape;

struct Cell {
  std::string mean = "NA";
  std::string low = "NA";
  std::string high = "NA";
};

std::string number(const std::string& text) {
  if (text.empty() || text == "NA" || text == "nan") return "NA";
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return text;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string with_ci(const Cell& c) {
  const std::string m = number(c.mean);
  if (m == "NA") return "NA";
  const std::string lo = number(c.low);
  const std::string hi = number(c.high);
  if (lo == "NA" || hi == "NA") return m;
  return m + " <span class=\"ci\">[" + lo + ", " + hi + "]</span>";
}

}  // namespace

std::string comparison_table(const fs::path& summary_path,
                             const std::vector<std::vector<std::string>>& rows,
                             std::size_t& total_rows) {
  const auto& header = rows[0];
  auto col = [&](const std::string& name) -> std::size_t {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      throw InputError(summary_path.string(), 1, "", "missing column '" + name + "'");
    }
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t arm = col("arm");
  const std::size_t mech = col("mechanism");
  const std::size_t metric = col("metric");
  const std::size_t mean = col("mean");
  const std::size_t low = col("ci95_low");
  const std::size_t high = col("ci95_high");
  const auto swept = swept_columns(header);
  const std::size_t key_cols = header[0] == "point" ? 1 + swept.size() : 0;
  static const std::array<std::string, 4> kMetrics{"efficiency_pooled", "wrong_rate", "flip_rate",
                                                   "d_efficiency"};
  std::vector<std::vector<std::string>> keys;
  std::map<std::vector<std::string>, std::array<Cell, 4>> cells;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != header.size()) {
      throw InputError(summary_path.string(), r + 1, "",
                       "has " + std::to_string(row.size()) + " fields, the header " +
                           std::to_string(header.size()));
    }
    std::vector<std::string> key(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(key_cols));
    key.push_back(row[arm]);
    key.push_back(row[mech]);
    auto [it, inserted] = cells.try_emplace(key);
    if (inserted) keys.push_back(key);
    for (std::size_t m = 0; m < kMetrics.size(); ++m) {
      if (row[metric] == kMetrics[m]) it->second[m] = {row[mean], row[low], row[high]};
    }
  }
  total_rows = keys.size();
  std::ostringstream h;
  h << "<table>\n<thead><tr>";
  for (std::size_t c = 0; c < key_cols; ++c) h << "<th>" << html_escape(header[c]) << "</th>";
  h << "<th>arm</th><th>mechanism</th><th>efficiency (pooled) [95% CI]</th>"
       "<th>wrong rate [95% CI]</th><th>flip rate [95% CI]</th>"
       "<th>d_efficiency [95% CI]</th></tr></thead>\n<tbody>\n";
  for (std::size_t k = 0; k < keys.size() && k < kMaxTableRows; ++k) {
    const auto& key = keys[k];
    const auto& c = cells[key];
    h << "<tr>";
    for (const auto& v : key) h << "<td>" << html_escape(v) << "</td>";
    h << "<td class=\"num\">" << with_ci(c[0]) << "</td><td class=\"num\">" << with_ci(c[1])
      << "</td><td class=\"num\">" << with_ci(c[2]) << "</td><td class=\"num\">" << with_ci(c[3])
      << "</td></tr>\n";
  }
  h << "</tbody>\n</table>\n";
  return h.str();
}

std::string threshold_table(const std::vector<fs::path>& files, std::size_t& total_rows) {
  std::ostringstream h;
  h << "<table>\n<thead><tr><th>file</th><th>mechanism</th><th>ballot</th><th>group</th>"
       "<th>attack</th><th>target</th><th>status</th><th>threshold [interval]</th>"
       "<th>spent per agent</th><th>bribe spent</th><th>complied</th><th>method</th></tr></thead>\n"
       "<tbody>\n";
  total_rows = 0;
  for (const auto& file : files) {
    const auto rows = read_csv(file);
    const auto& header = rows[0];
    auto col = [&](const std::string& name) -> std::optional<std::size_t> {
      const auto it = std::find(header.begin(), header.end(), name);
      if (it == header.end()) return std::nullopt;
      return static_cast<std::size_t>(it - header.begin());
    };
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const auto& row = rows[r];
      auto get = [&](const std::string& name) -> std::string {
        const auto c = col(name);
        return c && *c < row.size() ? row[*c] : std::string();
      };
      auto num = [&](const std::string& name) {
        const std::string v = get(name);
        return v.empty() ? std::string("NA") : number(v);
      };
      if (total_rows++ >= kMaxTableRows) continue;
      const std::string status = get("status");
      std::string value = status == "not_reached" ? std::string("not reached") : num("threshold");
      if (status != "not_reached" && !get("interval_low").empty() &&
          !get("interval_high").empty()) {
        value += " <span class=\"ci\">[" + num("interval_low") + ", " + num("interval_high") +
                 "]</span>";
      }
      const std::string direction = get("direction") == "decreasing" ? " &le; " : " &ge; ";
      h << "<tr><td>" << html_escape(file.filename().string()) << "</td><td>"
        << html_escape(get("mechanism")) << "</td><td>" << html_escape(get("ballot")) << "</td><td>"
        << html_escape(get("group")) << "</td><td>" << html_escape(get("attack")) << "</td><td>"
        << html_escape(get("metric")) << direction << html_escape(get("target")) << "</td><td>"
        << html_escape(status) << "</td><td class=\"num\">" << value << "</td><td class=\"num\">"
        << num("spent_per_agent") << "</td><td class=\"num\">" << num("bribe_spent")
        << "</td><td class=\"num\">" << num("complied") << "</td><td>" << html_escape(get("method"))
        << "</td></tr>\n";
    }
  }
  h << "</tbody>\n</table>\n";
  return h.str();
}

}  // namespace qvsim::plot_detail
