#include "analysis/analyze.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "analysis/run_table.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/hash.hpp"
#include "sim/input_file.hpp"
#include "sim/json.hpp"
#include "sim/parallel.hpp"
#include "sim/text.hpp"

namespace qvsim::analysis {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr BootstrapInterval kNoInterval{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};

constexpr std::size_t kFixedColumns = kRunsCsvFixedColumns;

// Reads the first `count` quoted-aware fields of `line` into `fields`; returns where the rest
// starts (after their comma), or npos when the line has fewer fields.
std::size_t leading_fields(std::string_view line, std::size_t count,
                           std::vector<std::string>& fields) {
  fields.assign(count, std::string());
  std::size_t i = 0;
  for (std::size_t f = 0; f < count; ++f) {
    bool quoted = false;
    while (i < line.size()) {
      const char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          fields[f] += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          fields[f] += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        break;
      } else {
        fields[f] += c;
      }
      ++i;
    }
    if (i >= line.size()) return std::string_view::npos;
    ++i;  // the comma
  }
  return i;
}

// "; did you mean 'x'?" for the closest known word within edit distance 3, else "".
std::string did_you_mean(const std::string& got, const std::vector<std::string>& known) {
  const auto i = nearest_name(got, known);
  return i ? "; did you mean '" + known[*i] + "'?" : std::string();
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out.empty() ? "(none)" : out;
}

template <class T>
bool parse_uint(std::string_view t, T& x) {
  const auto res = std::from_chars(t.data(), t.data() + t.size(), x);
  return res.ec == std::errc() && res.ptr == t.data() + t.size() && !t.empty();
}

struct Cell {
  std::size_t group = 0;
  std::size_t arm = 0;  // index into arm names
  Mechanism mechanism = Mechanism::quadratic;
  std::vector<RunningStats> stats;
  RatioStats pooled;
  std::vector<float> values;        // row-major, one float per metric per row
  std::vector<std::uint64_t> keys;  // point << 32 | replicate, per row
};

MetricSummary zero_metric() { return {}; }

// Per row of `cell`, per metric (row-major): its value minus the baseline's value at the same
// (point, replicate); NaN where the baseline has no such row (or there is no baseline cell).
std::vector<double> paired_differences(const Cell& cell, const Cell* base, std::size_t metrics) {
  const std::size_t n = cell.keys.size();
  std::vector<double> out(n * metrics, kNaN);
  if (base == nullptr) return out;
  std::vector<std::pair<std::uint64_t, std::size_t>> order(base->keys.size());
  for (std::size_t j = 0; j < base->keys.size(); ++j) order[j] = {base->keys[j], j};
  std::sort(order.begin(), order.end());
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = std::lower_bound(order.begin(), order.end(),
                                     std::pair<std::uint64_t, std::size_t>{cell.keys[i], 0});
    if (it == order.end() || it->first != cell.keys[i]) continue;
    for (std::size_t m = 0; m < metrics; ++m) {
      out[i * metrics + m] = static_cast<double>(cell.values[i * metrics + m]) -
                             static_cast<double>(base->values[it->second * metrics + m]);
    }
  }
  return out;
}

void summarize_cell(const std::vector<Cell>& cells, std::size_t index, std::ptrdiff_t baseline,
                    const std::vector<std::string>& metric_names, const AnalyzeOptions& options,
                    const std::vector<std::string>& arm_names, CellSummary& out) {
  const Cell& cell = cells[index];
  const std::size_t metrics = metric_names.size();
  const std::size_t n = cell.keys.size();
  out.group = cell.group;
  out.arm = arm_names[cell.arm];
  out.mechanism = cell.mechanism;
  out.efficiency_pooled = cell.pooled.summary();
  clip_interval(out.efficiency_pooled, metric_range("efficiency_pooled"));

  // Columns for the bootstrap: the metrics, then their paired differences.
  std::vector<std::vector<float>> columns(2 * metrics, std::vector<float>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t m = 0; m < metrics; ++m) columns[m][i] = cell.values[i * metrics + m];

  const std::vector<double> diffs = paired_differences(
      cell, baseline >= 0 ? &cells[static_cast<std::size_t>(baseline)] : nullptr, metrics);
  std::vector<RunningStats> diff_stats(metrics);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t m = 0; m < metrics; ++m) {
      const double d = diffs[i * metrics + m];
      diff_stats[m].add(d);
      columns[metrics + m][i] = static_cast<float>(d);
    }
  }

  StreamKey key;
  key.seed = options.seed;
  key.replicate = cell.group;
  key.arm = arm_key(out.arm.data(), out.arm.size());
  key.round = static_cast<std::uint32_t>(cell.mechanism);
  const auto boot = options.bootstrap ? bootstrap_mean_intervals(columns, options.resamples, key)
                                      : std::vector<BootstrapInterval>(columns.size(), kNoInterval);

  out.metrics.assign(metrics, zero_metric());
  for (std::size_t m = 0; m < metrics; ++m) {
    const ValueRange range = metric_range(metric_names[m]);
    const ValueRange diff_range = difference_range(range);
    MetricSummary& s = out.metrics[m];
    s.stats = cell.stats[m].summary();
    clip_interval(s.stats, range);
    s.boot = boot[m];
    clip_interval(s.boot, range.low, range.high);
    s.diff = diff_stats[m].summary();
    clip_interval(s.diff, diff_range);
    s.diff_boot = boot[metrics + m];
    clip_interval(s.diff_boot, diff_range.low, diff_range.high);
  }
}

// The metrics effects.csv covers: all but the d_* columns (already paired differences).
std::vector<std::size_t> effect_metrics(const std::vector<std::string>& names) {
  std::vector<std::size_t> out;
  for (std::size_t m = 0; m < names.size(); ++m)
    if (names[m].rfind("d_", 0) != 0) out.push_back(m);
  return out;
}

// A contrast's range: the difference of two effects, each in difference_range(r).
ValueRange contrast_range(ValueRange r) noexcept {
  const ValueRange d = difference_range(r);
  return {2.0 * d.low, 2.0 * d.high};
}

std::string cell_text(double x) { return std::isnan(x) ? std::string("NA") : format_double(x); }

void summary_fields(std::ostream& out, const Summary& s) {
  out << ',' << s.n << ',' << s.missing << ',' << cell_text(s.mean) << ',' << cell_text(s.sd) << ','
      << cell_text(s.se) << ',' << cell_text(s.ci_low) << ',' << cell_text(s.ci_high);
}

void boot_fields(std::ostream& out, const BootstrapInterval& b) {
  out << ',' << cell_text(b.pct_low) << ',' << cell_text(b.pct_high) << ',' << cell_text(b.bca_low)
      << ',' << cell_text(b.bca_high);
}

void summary_json(JsonWriter& w, const Summary& s) {
  w.key("n").value(s.n);
  w.key("missing").value(s.missing);
  w.key("mean").value(s.mean);
  w.key("sd").value(s.sd);
  w.key("se").value(s.se);
  w.key("ci95_low").value(s.ci_low);
  w.key("ci95_high").value(s.ci_high);
}

void boot_json(JsonWriter& w, const BootstrapInterval& b) {
  w.key("boot_pct_low").value(b.pct_low);
  w.key("boot_pct_high").value(b.pct_high);
  w.key("boot_bca_low").value(b.bca_low);
  w.key("boot_bca_high").value(b.bca_high);
}

}  // namespace

std::vector<EffectSummary> contrast(const EffectSeries& a, const EffectSeries& b,
                                    const std::vector<ValueRange>& ranges, std::uint64_t resamples,
                                    StreamKey key) {
  const std::size_t metrics = ranges.size();
  if (a.values.size() != a.keys.size() * metrics || b.values.size() != b.keys.size() * metrics)
    throw std::invalid_argument("contrast: values are not keys x metrics");
  const std::size_t n = a.keys.size();
  std::vector<std::pair<std::uint64_t, std::size_t>> order(b.keys.size());
  for (std::size_t j = 0; j < b.keys.size(); ++j) order[j] = {b.keys[j], j};
  std::sort(order.begin(), order.end());
  std::vector<RunningStats> stats(metrics);
  std::vector<std::vector<float>> columns(metrics, std::vector<float>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = std::lower_bound(order.begin(), order.end(),
                                     std::pair<std::uint64_t, std::size_t>{a.keys[i], 0});
    const bool found = it != order.end() && it->first == a.keys[i];
    for (std::size_t m = 0; m < metrics; ++m) {
      const double d =
          found ? a.values[i * metrics + m] - b.values[it->second * metrics + m] : kNaN;
      stats[m].add(d);
      columns[m][i] = static_cast<float>(d);
    }
  }
  const auto boot = resamples > 0 ? bootstrap_mean_intervals(columns, resamples, key)
                                  : std::vector<BootstrapInterval>(metrics, kNoInterval);
  std::vector<EffectSummary> out(metrics);
  for (std::size_t m = 0; m < metrics; ++m) {
    out[m].stats = stats[m].summary();
    clip_interval(out[m].stats, ranges[m]);
    out[m].boot = boot[m];
    clip_interval(out[m].boot, ranges[m].low, ranges[m].high);
  }
  return out;
}

const char* to_string(EffectKind kind) noexcept {
  return kind == EffectKind::effect ? "effect" : "contrast";
}

Analysis analyze_runs(const fs::path& runs_csv, const AnalyzeOptions& options) {
  const std::string file = runs_csv.string();
  if (options.resamples < 1) throw InputError("", 0, "--resamples", "must be >= 1");
  // Regular files only (a FIFO or device there must not hang the read); any size, as it streams.
  std::optional<InputFile> opened;
  try {
    opened.emplace(runs_csv, std::numeric_limits<std::uint64_t>::max(), "runs.csv");
  } catch (const InputError& e) {
    throw InputError(
        file, 0, "",
        "cannot read the file (does the folder hold a finished run or sweep?): " + e.message(),
        e.kind());
  }
  std::istream& in = opened->stream();

  std::string line;
  std::size_t line_no = 1;
  if (!std::getline(in, line))
    throw InputError(file, 1, "", "empty file: expected a runs.csv header");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::vector<std::string> header = split_quoted(line);

  // A sweep's rows start with point and the swept columns; a run's with replicate.
  const auto rep_it = std::find(header.begin(), header.end(), "replicate");
  const auto lead = static_cast<std::size_t>(rep_it - header.begin());
  {
    std::vector<std::string> expected = split_quoted(runs_csv_header(ArmColumns{}));
    const bool shape = rep_it != header.end() && (lead == 0 || header[0] == "point") &&
                       header.size() >= lead + kFixedColumns &&
                       std::equal(expected.begin(), expected.end(),
                                  header.begin() + static_cast<std::ptrdiff_t>(lead));
    if (!shape) {
      throw InputError(file, 1, "",
                       "not a runs.csv header: expected [point,<swept columns>,]" +
                           runs_csv_header(ArmColumns{}) + "[,<arm metrics>]");
    }
  }
  const std::vector<std::string> swept(header.begin() + (lead > 0 ? 1 : 0),
                                       header.begin() + static_cast<std::ptrdiff_t>(lead));
  const std::size_t run_columns = header.size() - lead;

  Analysis a;
  a.source = file;
  a.seed = options.seed;
  a.resamples = options.resamples;
  a.baseline_arm = options.baseline;
  for (const auto& m : summary_metric_fields()) a.metric_names.emplace_back(m.name);
  for (std::size_t c = lead + kFixedColumns; c < header.size(); ++c)
    a.metric_names.push_back(header[c]);
  const std::size_t metrics = a.metric_names.size();

  // Which swept columns form the groups.
  std::vector<std::size_t> group_idx;  // into swept
  if (options.by.empty()) {
    for (std::size_t i = 0; i < swept.size(); ++i) group_idx.push_back(i);
  } else {
    for (const auto& key : options.by) {
      const auto it = std::find(swept.begin(), swept.end(), key);
      if (it == swept.end()) {
        throw InputError("", 0, "--by",
                         "'" + key + "' is not a swept column of " + file +
                             " (swept: " + join(swept) + ")" + did_you_mean(key, swept));
      }
      const auto i = static_cast<std::size_t>(it - swept.begin());
      if (std::find(group_idx.begin(), group_idx.end(), i) == group_idx.end())
        group_idx.push_back(i);
    }
  }
  for (std::size_t i : group_idx) a.group_columns.push_back(swept[i]);

  std::vector<std::string> arm_names;
  std::vector<Cell> cells;
  std::unordered_map<std::uint64_t, std::size_t> cell_of;      // group << 32 | arm << 2 | mechanism
  std::unordered_map<std::string, std::size_t> group_of;       // joined group values
  std::unordered_map<std::uint64_t, std::size_t> point_group;  // point -> group
  std::vector<std::string> lead_fields;
  std::vector<float> row_values(metrics);

  auto fail = [&](const std::string& msg) -> void { throw InputError(file, line_no, "", msg); };

  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view rest(line);
    std::uint64_t point = 0;
    std::size_t group = 0;
    if (lead > 0) {
      const std::size_t at = leading_fields(line, lead, lead_fields);
      if (at == std::string_view::npos)
        fail("expected " + std::to_string(header.size()) + " fields");
      if (!parse_uint(lead_fields[0], point))
        fail("point: not an integer: '" + lead_fields[0] + "'");
      rest = rest.substr(at);
      const auto pg = point_group.find(point);
      if (pg != point_group.end()) {
        group = pg->second;
      } else {
        std::string joined;
        std::vector<std::string> values;
        for (std::size_t i : group_idx) {
          values.push_back(lead_fields[1 + i]);
          joined += lead_fields[1 + i];
          joined += '\x1f';
        }
        const auto [it, added] = group_of.emplace(joined, a.groups.size());
        if (added) a.groups.push_back(std::move(values));
        group = it->second;
        point_group.emplace(point, group);
      }
    } else if (a.groups.empty()) {
      a.groups.emplace_back();
    }
    const auto fields = static_cast<std::size_t>(std::count(rest.begin(), rest.end(), ',')) + 1;
    if (fields != run_columns) {
      fail("expected " + std::to_string(header.size()) + " fields, got " +
           std::to_string(lead + fields));
    }
    RunRow row;
    try {
      row = parse_runs_csv_row(rest);
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
    if (point > std::numeric_limits<std::uint32_t>::max() ||
        row.replicate > std::numeric_limits<std::uint32_t>::max())
      fail("point or replicate beyond 2^32 - 1");

    const auto arm_it = std::find(arm_names.begin(), arm_names.end(), row.arm);
    const auto arm = static_cast<std::size_t>(arm_it - arm_names.begin());
    if (arm_it == arm_names.end()) arm_names.push_back(row.arm);
    const std::uint64_t ck = (static_cast<std::uint64_t>(group) << 32) |
                             (static_cast<std::uint64_t>(arm) << 2) |
                             static_cast<std::uint64_t>(row.mechanism);
    const auto [cit, added] = cell_of.emplace(ck, cells.size());
    if (added) {
      Cell c;
      c.group = group;
      c.arm = arm;
      c.mechanism = row.mechanism;
      c.stats.resize(metrics);
      cells.push_back(std::move(c));
    }
    Cell& cell = cells[cit->second];
    const auto& fixed = summary_metric_fields();
    for (std::size_t m = 0; m < fixed.size(); ++m) {
      const double x = fixed[m].get(row);
      row_values[m] = static_cast<float>(x);
      cell.stats[m].add(x);
    }
    for (std::size_t i = 0; i < row.arm_metrics.size(); ++i) {
      row_values[fixed.size() + i] = static_cast<float>(row.arm_metrics[i]);
      cell.stats[fixed.size() + i].add(row.arm_metrics[i]);
    }
    cell.values.insert(cell.values.end(), row_values.begin(), row_values.end());
    cell.keys.push_back((point << 32) | row.replicate);
    cell.pooled.add(row.welfare_achieved, row.welfare_max);
    ++a.rows;
  }
  if (in.bad()) throw InputError(file, line_no, "", "read error");

  const auto base_it = std::find(arm_names.begin(), arm_names.end(), options.baseline);
  if (base_it == arm_names.end() && !arm_names.empty()) {
    throw InputError("", 0, "--baseline",
                     "no arm '" + options.baseline + "' in " + file + " (arms: " + join(arm_names) +
                         ")" + did_you_mean(options.baseline, arm_names));
  }
  const auto base_arm = static_cast<std::size_t>(base_it - arm_names.begin());

  // Output order: group, then arm and mechanism in order of first appearance.
  std::vector<std::size_t> mech_rank(3, 3);
  std::size_t next_rank = 0;
  for (const Cell& c : cells) {
    auto& r = mech_rank[static_cast<std::size_t>(c.mechanism)];
    if (r == 3) r = next_rank++;
  }
  std::vector<std::size_t> order(cells.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const Cell& p = cells[x];
    const Cell& q = cells[y];
    return std::tuple(p.group, p.arm, mech_rank[static_cast<std::size_t>(p.mechanism)]) <
           std::tuple(q.group, q.arm, mech_rank[static_cast<std::size_t>(q.mechanism)]);
  });

  a.cells.resize(cells.size());
  parallel_for_blocks(
      std::size_t{0}, order.size(), std::size_t{1}, [&](std::size_t lo, std::size_t hi) {
        for (std::size_t i = lo; i != hi; ++i) {
          const Cell& c = cells[order[i]];
          const std::uint64_t bk = (static_cast<std::uint64_t>(c.group) << 32) |
                                   (static_cast<std::uint64_t>(base_arm) << 2) |
                                   static_cast<std::uint64_t>(c.mechanism);
          const auto b = cell_of.find(bk);
          const std::ptrdiff_t baseline =
              b == cell_of.end() ? -1 : static_cast<std::ptrdiff_t>(b->second);
          summarize_cell(cells, order[i], baseline, a.metric_names, options, arm_names, a.cells[i]);
        }
      });

  // Effects and contrasts: one task per group x attack arm, its cells (in mechanism order) being
  // consecutive in `order`.
  const std::vector<std::size_t> emetrics = effect_metrics(a.metric_names);
  std::vector<ValueRange> effect_ranges;
  std::vector<ValueRange> contrast_ranges;
  for (std::size_t m : emetrics) {
    effect_ranges.push_back(difference_range(metric_range(a.metric_names[m])));
    contrast_ranges.push_back(contrast_range(metric_range(a.metric_names[m])));
  }
  std::vector<std::pair<std::size_t, std::size_t>> tasks;  // [first, last) into order
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && cells[order[j]].group == cells[order[i]].group &&
           cells[order[j]].arm == cells[order[i]].arm)
      ++j;
    if (cells[order[i]].arm != base_arm) tasks.emplace_back(i, j);
    i = j;
  }
  std::vector<std::vector<EffectRow>> task_rows(tasks.size());
  parallel_for_blocks(
      std::size_t{0}, tasks.size(), std::size_t{1}, [&](std::size_t lo, std::size_t hi) {
        for (std::size_t t = lo; t != hi; ++t) {
          const auto [first, last] = tasks[t];
          std::vector<EffectRow>& rows = task_rows[t];
          std::vector<EffectSeries> series;
          for (std::size_t i = first; i != last; ++i) {
            const Cell& c = cells[order[i]];
            const CellSummary& cs = a.cells[i];
            for (std::size_t e = 0; e < emetrics.size(); ++e) {
              const MetricSummary& s = cs.metrics[emetrics[e]];
              if (s.diff.n == 0) continue;
              EffectRow r;
              r.group = c.group;
              r.arm = cs.arm;
              r.kind = EffectKind::effect;
              r.mechanism = r.minus_mechanism = c.mechanism;
              r.metric = emetrics[e];
              r.stats = s.diff;
              r.boot = s.diff_boot;
              r.range = effect_ranges[e];
              rows.push_back(std::move(r));
            }
            const std::uint64_t bk = (static_cast<std::uint64_t>(c.group) << 32) |
                                     (static_cast<std::uint64_t>(base_arm) << 2) |
                                     static_cast<std::uint64_t>(c.mechanism);
            const auto b = cell_of.find(bk);
            const std::vector<double> all =
                paired_differences(c, b == cell_of.end() ? nullptr : &cells[b->second], metrics);
            EffectSeries es;
            es.keys = c.keys;
            es.values.reserve(c.keys.size() * emetrics.size());
            for (std::size_t k = 0; k < c.keys.size(); ++k)
              for (std::size_t m : emetrics) es.values.push_back(all[k * metrics + m]);
            series.push_back(std::move(es));
          }
          for (std::size_t p = first; p != last; ++p) {
            for (std::size_t q = p + 1; q != last; ++q) {
              const Cell& c1 = cells[order[p]];
              const Cell& c2 = cells[order[q]];
              StreamKey key;
              key.seed = options.seed;
              key.replicate = c1.group;
              key.arm = arm_key(a.cells[p].arm.data(), a.cells[p].arm.size());
              // Rounds 0-2 key the cells' own resamples; 8 + 3 m1 + m2 the contrasts'.
              key.round = 8 + 3 * static_cast<std::uint32_t>(c1.mechanism) +
                          static_cast<std::uint32_t>(c2.mechanism);
              const auto sums = contrast(series[p - first], series[q - first], contrast_ranges,
                                         options.bootstrap ? options.resamples : 0, key);
              for (std::size_t e = 0; e < emetrics.size(); ++e) {
                if (sums[e].stats.n == 0) continue;
                EffectRow r;
                r.group = c1.group;
                r.arm = a.cells[p].arm;
                r.kind = EffectKind::contrast;
                r.mechanism = c1.mechanism;
                r.minus_mechanism = c2.mechanism;
                r.metric = emetrics[e];
                r.stats = sums[e].stats;
                r.boot = sums[e].boot;
                r.range = contrast_ranges[e];
                rows.push_back(std::move(r));
              }
            }
          }
        }
      });
  for (auto& rows : task_rows)
    for (auto& r : rows) a.effects.push_back(std::move(r));
  return a;
}

void write_analysis_csv(const Analysis& a, std::ostream& out) {
  for (const auto& g : a.group_columns) out << csv_field(g) << ',';
  out << "arm,mechanism,metric,n,missing,mean,sd,se,ci95_low,ci95_high,boot_pct_low,boot_pct_high,"
         "boot_bca_low,boot_bca_high,diff_n,diff_missing,diff_mean,diff_sd,diff_se,diff_ci95_low,"
         "diff_ci95_high,diff_boot_pct_low,diff_boot_pct_high,diff_boot_bca_low,diff_boot_bca_"
         "high\n";
  for (const CellSummary& c : a.cells) {
    std::string prefix;
    for (const auto& v : a.groups[c.group]) prefix += csv_field(v) + ',';
    prefix += c.arm + ',' + to_string(c.mechanism) + ',';
    for (std::size_t m = 0; m < a.metric_names.size(); ++m) {
      const MetricSummary& s = c.metrics[m];
      out << prefix << a.metric_names[m];
      summary_fields(out, s.stats);
      boot_fields(out, s.boot);
      summary_fields(out, s.diff);
      boot_fields(out, s.diff_boot);
      out << '\n';
    }
    out << prefix << "efficiency_pooled";
    summary_fields(out, c.efficiency_pooled);
    out << ",NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA\n";
  }
}

namespace {

// The keys summary.json and effects.json open with: what was analyzed and how (`rows` only in
// summary.json).
void write_json_head(JsonWriter& w, const Analysis& a, bool rows) {
  w.key("source").value(a.source);
  if (!a.runs_csv_fnv1a64.empty()) w.key("runs_csv_fnv1a64").value(a.runs_csv_fnv1a64);
  if (rows) w.key("rows").value(a.rows);
  w.key("baseline_arm").value(a.baseline_arm);
  w.key("seed").value(a.seed);
  w.key("resamples").value(a.resamples);
  w.key("level").value(0.95);
  w.key("group_columns").begin_array();
  for (const auto& g : a.group_columns) w.value(g);
  w.end_array();
}

}  // namespace

void write_analysis_json(const Analysis& a, std::ostream& out) {
  JsonWriter w;
  w.begin_object();
  write_json_head(w, a, true);
  w.key("groups").begin_array();
  for (std::size_t g = 0; g < a.groups.size(); ++g) {
    w.begin_object();
    w.key("values").begin_object();
    for (std::size_t k = 0; k < a.group_columns.size(); ++k) {
      const std::string& v = a.groups[g][k];
      double x = 0.0;
      const auto res = std::from_chars(v.data(), v.data() + v.size(), x);
      w.key(a.group_columns[k]);
      if (!v.empty() && res.ec == std::errc() && res.ptr == v.data() + v.size())
        w.value(x);
      else
        w.value(v);
    }
    w.end_object();
    w.key("cells").begin_array();
    for (const CellSummary& c : a.cells) {
      if (c.group != g) continue;
      w.begin_object();
      w.key("arm").value(c.arm);
      w.key("mechanism").value(to_string(c.mechanism));
      w.key("metrics").begin_object();
      for (std::size_t m = 0; m < a.metric_names.size(); ++m) {
        const MetricSummary& s = c.metrics[m];
        w.key(a.metric_names[m]).begin_object();
        summary_json(w, s.stats);
        boot_json(w, s.boot);
        w.key("diff").begin_object();
        summary_json(w, s.diff);
        boot_json(w, s.diff_boot);
        w.end_object();
        w.end_object();
      }
      w.end_object();
      w.key("efficiency_pooled").begin_object();
      summary_json(w, c.efficiency_pooled);
      w.end_object();
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out << w.str();
}

namespace {

std::string bound_text(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return cell_text(x);
}

void group_values_json(JsonWriter& w, const Analysis& a, std::size_t g) {
  w.begin_object();
  for (std::size_t k = 0; k < a.group_columns.size(); ++k) {
    const std::string& v = a.groups[g][k];
    double x = 0.0;
    const auto res = std::from_chars(v.data(), v.data() + v.size(), x);
    w.key(a.group_columns[k]);
    if (!v.empty() && res.ec == std::errc() && res.ptr == v.data() + v.size())
      w.value(x);
    else
      w.value(v);
  }
  w.end_object();
}

}  // namespace

void write_effects_csv(const Analysis& a, std::ostream& out) {
  for (const auto& g : a.group_columns) out << csv_field(g) << ',';
  out << "kind,arm,mechanism,minus_mechanism,metric,n,missing,mean,sd,se,ci95_low,ci95_high,"
         "boot_pct_low,boot_pct_high,boot_bca_low,boot_bca_high,range_low,range_high\n";
  for (const EffectRow& r : a.effects) {
    for (const auto& v : a.groups[r.group]) out << csv_field(v) << ',';
    out << to_string(r.kind) << ',' << r.arm << ',' << to_string(r.mechanism) << ','
        << (r.kind == EffectKind::contrast ? to_string(r.minus_mechanism) : "NA") << ','
        << a.metric_names[r.metric];
    summary_fields(out, r.stats);
    boot_fields(out, r.boot);
    out << ',' << bound_text(r.range.low) << ',' << bound_text(r.range.high) << '\n';
  }
}

void write_effects_json(const Analysis& a, std::ostream& out) {
  JsonWriter w;
  w.begin_object();
  write_json_head(w, a, false);
  w.key("effects").begin_array();
  for (const EffectRow& r : a.effects) {
    w.begin_object();
    w.key("group");
    group_values_json(w, a, r.group);
    w.key("kind").value(to_string(r.kind));
    w.key("arm").value(r.arm);
    w.key("mechanism").value(to_string(r.mechanism));
    w.key("minus_mechanism");
    if (r.kind == EffectKind::contrast)
      w.value(to_string(r.minus_mechanism));
    else
      w.null();
    w.key("metric").value(a.metric_names[r.metric]);
    summary_json(w, r.stats);
    boot_json(w, r.boot);
    w.key("range_low").value(r.range.low);
    w.key("range_high").value(r.range.high);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out << w.str();
}

namespace {

// FNV-1a 64 of a file's bytes as 16 hex digits, read in chunks through InputFile (a FIFO there is
// refused, not waited on); "" when it cannot be read (analyze_runs then says why).
std::string runs_csv_hash(const fs::path& file) {
  std::optional<InputFile> opened;
  try {
    opened.emplace(file, std::numeric_limits<std::uint64_t>::max(), "runs.csv");
  } catch (const InputError&) {
    return {};
  }
  std::istream& f = opened->stream();
  std::uint64_t h = kFnv1a64Basis;
  std::string buf(1 << 20, '\0');
  while (f.read(buf.data(), static_cast<std::streamsize>(buf.size())) || f.gcount() > 0)
    h = fnv1a64(std::string_view(buf.data(), static_cast<std::size_t>(f.gcount())), h);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace

Analysis analyze_directory(const fs::path& dir, const AnalyzeOptions& options,
                           const std::function<void(const fs::path&)>& also) {
  // One writer at a time in the folder; a run's switch a killed process left half done is
  // completed first, so that what is analyzed is one whole run.
  std::optional<FolderLock> lock;
  if (fs::is_directory(dir)) {
    lock.emplace(dir);
    finish_file_set(dir);
  }
  // The hash of the bytes analyzed: the folder's lock keeps a run from replacing runs.csv
  // meanwhile, and a sweep's export rewrites it with the same bytes.
  const std::string runs_hash = runs_csv_hash(dir / "runs.csv");
  Analysis a = analyze_runs(dir / "runs.csv", options);
  a.runs_csv_fnv1a64 = runs_hash;
  std::ostringstream csv;
  write_analysis_csv(a, csv);
  std::ostringstream json;
  write_analysis_json(a, json);
  std::ostringstream effects_csv;
  write_effects_csv(a, effects_csv);
  std::ostringstream effects_json;
  write_effects_json(a, effects_json);
  const fs::path out = dir / "analysis";
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw InputError(out.string(), 0, "", "cannot create folder: " + ec.message());
  const fs::path csv_file = out / "summary.csv";
  const fs::path json_file = out / "summary.json";
  write_file_atomically(csv_file, csv.str());
  write_file_atomically(json_file, json.str());
  write_file_atomically(out / "effects.csv", effects_csv.str());
  write_file_atomically(out / "effects.json", effects_json.str());
  if (also) also(out);
  return a;
}

}  // namespace qvsim::analysis
