#include "analysis/sensitivity_table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "analysis/run_table.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/json.hpp"
#include "sim/parallel.hpp"
#include "sim/text.hpp"

namespace qvsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Where field `count` of a CSV line starts (after `count` fields and their commas), honouring
// double quotes; npos when the line has fewer fields.
std::size_t skip_fields(std::string_view line, std::size_t count) {
  std::size_t i = 0;
  for (std::size_t f = 0; f < count; ++f) {
    bool quoted = false;
    while (i < line.size() && (quoted || line[i] != ',')) {
      if (line[i] == '"') quoted = !quoted;
      ++i;
    }
    if (i >= line.size()) return std::string_view::npos;
    ++i;
  }
  return i;
}

struct Cell {
  std::string arm;
  Mechanism mechanism = Mechanism::quadratic;
  std::vector<double> sum;           // [point * metrics + metric]
  std::vector<std::uint32_t> count;  // values summed
};

std::string text(double x) { return std::isnan(x) ? std::string("NA") : format_double(x); }

}  // namespace

std::vector<SensitivityRow> sensitivity_from_runs(const std::filesystem::path& runs_csv,
                                                  const SensitivitySpec& spec) {
  const std::string file = runs_csv.string();
  const std::size_t d = spec.inputs.size();
  if (d == 0) throw std::invalid_argument("sensitivity: no inputs");
  const bool sobol = spec.design == SensitivitySpec::Design::sobol;
  const std::uint64_t points = sobol ? spec.samples * (d + 2) : spec.trajectories * (d + 1);

  std::optional<InputFile> opened;
  try {
    opened.emplace(runs_csv, std::numeric_limits<std::uint64_t>::max(), "runs.csv");
  } catch (const InputError& e) {
    throw InputError(file, 0, "", "cannot read the file: " + e.message(), e.kind());
  }
  std::istream& in = opened->stream();
  std::string line;
  std::size_t line_no = 1;
  if (!std::getline(in, line)) throw InputError(file, 1, "", "empty file: expected a header");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  // point, the swept columns, then a run's columns from `replicate` on.
  const std::vector<std::string> header = split_quoted(line);
  const auto rep = std::find(header.begin(), header.end(), "replicate");
  if (header.empty() || header[0] != "point" || rep == header.end()) {
    throw InputError(file, 1, "",
                     "not a sweep's runs.csv header (expected point, the swept columns, then "
                     "replicate, ...)");
  }
  const auto lead = static_cast<std::size_t>(rep - header.begin());
  std::vector<std::string> metric_names;
  for (const auto& m : summary_metric_fields()) metric_names.emplace_back(m.name);
  for (std::size_t c = lead + kRunsCsvFixedColumns; c < header.size(); ++c)
    metric_names.push_back(header[c]);
  const std::size_t metrics = metric_names.size();

  std::vector<Cell> cells;
  std::unordered_map<std::string, std::size_t> cell_of;  // arm '\x1f' mechanism
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto fail = [&](const std::string& msg) { throw InputError(file, line_no, "", msg); };
    const std::string_view view(line);
    std::uint64_t point = 0;
    const std::size_t comma = view.find(',');
    const auto res =
        std::from_chars(view.data(), view.data() + std::min(comma, view.size()), point);
    if (comma == std::string_view::npos || res.ec != std::errc() || res.ptr != view.data() + comma)
      fail("point: not an integer");
    if (point >= points) {
      fail("point " + std::to_string(point) + " is outside the " + (sobol ? "sobol" : "morris") +
           " design of " + std::to_string(points) + " points that manifest.json records");
    }
    const std::size_t at = skip_fields(view, lead);
    if (at == std::string_view::npos) fail("expected " + std::to_string(header.size()) + " fields");
    RunRow row;
    try {
      row = parse_runs_csv_row(view.substr(at));
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
    const std::string ck = row.arm + '\x1f' + to_string(row.mechanism);
    const auto [it, added] = cell_of.emplace(ck, cells.size());
    if (added) {
      Cell c;
      c.arm = row.arm;
      c.mechanism = row.mechanism;
      c.sum.assign(points * metrics, 0.0);
      c.count.assign(points * metrics, 0);
      cells.push_back(std::move(c));
    }
    Cell& cell = cells[it->second];
    const auto& fixed = summary_metric_fields();
    for (std::size_t m = 0; m < metrics; ++m) {
      const double x = m < fixed.size() ? fixed[m].get(row)
                       : m - fixed.size() < row.arm_metrics.size()
                           ? row.arm_metrics[m - fixed.size()]
                           : kNaN;
      if (std::isnan(x)) continue;
      cell.sum[point * metrics + m] += x;
      ++cell.count[point * metrics + m];
    }
  }
  if (in.bad()) throw InputError(file, line_no, "", "read error");

  std::optional<MorrisDesign> morris;
  if (!sobol) morris = morris_design(spec.trajectories, d, spec.levels, spec.design_key);

  // One task per cell x metric; each writes only its own rows.
  std::vector<std::vector<SensitivityRow>> out(cells.size() * metrics);
  parallel_for_blocks(std::size_t{0}, out.size(), std::size_t{1},
                      [&](std::size_t lo, std::size_t hi) {
                        for (std::size_t t = lo; t != hi; ++t) {
                          const Cell& cell = cells[t / metrics];
                          const std::size_t m = t % metrics;
                          std::vector<double> y(points);
                          for (std::uint64_t p = 0; p < points; ++p) {
                            const std::uint32_t n = cell.count[p * metrics + m];
                            y[p] = n > 0 ? cell.sum[p * metrics + m] / n : kNaN;
                          }
                          std::vector<SensitivityRow>& rows = out[t];
                          rows.resize(d);
                          for (std::size_t i = 0; i < d; ++i) {
                            rows[i].arm = cell.arm;
                            rows[i].mechanism = cell.mechanism;
                            rows[i].metric = metric_names[m];
                            rows[i].input = i;
                          }
                          if (sobol) {
                            StreamKey key;
                            key.seed = spec.seed;
                            key.replicate = m;
                            key.arm = arm_key(cell.arm.data(), cell.arm.size());
                            key.round = static_cast<std::uint32_t>(cell.mechanism);
                            const SobolResult r = sobol_indices(y, d, spec.resamples, key);
                            for (std::size_t i = 0; i < d; ++i) {
                              rows[i].first = r.first[i];
                              rows[i].total = r.total[i];
                              rows[i].rows = r.rows;
                            }
                          } else {
                            const std::vector<MorrisIndex> r = morris_indices(*morris, y);
                            for (std::size_t i = 0; i < d; ++i) rows[i].morris = r[i];
                          }
                        }
                      });
  std::vector<SensitivityRow> all;
  for (auto& rows : out)
    for (auto& r : rows) all.push_back(std::move(r));
  return all;
}

void write_sensitivity_csv(const SensitivitySpec& spec, const std::vector<SensitivityRow>& rows,
                           std::ostream& out) {
  const bool sobol = spec.design == SensitivitySpec::Design::sobol;
  out << "arm,mechanism,metric,parameter,"
      << (sobol ? "rows,s1,s1_low,s1_high,s1_se,st,st_low,st_high,st_se\n"
                : "effects,mu,mu_star,sigma\n");
  for (const SensitivityRow& r : rows) {
    out << csv_field(r.arm) << ',' << to_string(r.mechanism) << ',' << csv_field(r.metric) << ','
        << csv_field(spec.inputs[r.input]) << ',';
    if (sobol) {
      out << r.rows << ',' << text(r.first.estimate) << ',' << text(r.first.low) << ','
          << text(r.first.high) << ',' << text(r.first.se) << ',' << text(r.total.estimate) << ','
          << text(r.total.low) << ',' << text(r.total.high) << ',' << text(r.total.se) << '\n';
    } else {
      out << r.morris.effects << ',' << text(r.morris.mu) << ',' << text(r.morris.mu_star) << ','
          << text(r.morris.sigma) << '\n';
    }
  }
}

}  // namespace qvsim::analysis
