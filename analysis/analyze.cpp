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

// Bits of a cell key that hold the mechanism (cell keys: group << 32 | arm << 3 | mechanism).
constexpr unsigned kMechanismBits = 3;
static_assert(kMechanismCount <= (1u << kMechanismBits));
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

}  // namespace

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
                             " (swept: " + (swept.empty() ? std::string("(none)") : join(swept)) +
                             ")" + did_you_mean(key, swept));
      }
      const auto i = static_cast<std::size_t>(it - swept.begin());
      if (std::find(group_idx.begin(), group_idx.end(), i) == group_idx.end())
        group_idx.push_back(i);
    }
  }
  for (std::size_t i : group_idx) a.group_columns.push_back(swept[i]);

  std::vector<std::string> arm_names;
  std::vector<Cell> cells;
  std::unordered_map<std::uint64_t, std::size_t> cell_of;      // group << 32 | arm << 3 | mechanism
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
                             (static_cast<std::uint64_t>(arm) << kMechanismBits) |
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
  std::vector<std::size_t> mech_rank(kMechanismCount, kMechanismCount);
  std::size_t next_rank = 0;
  for (const Cell& c : cells) {
    auto& r = mech_rank[static_cast<std::size_t>(c.mechanism)];
    if (r == kMechanismCount) r = next_rank++;
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
                                   (static_cast<std::uint64_t>(base_arm) << kMechanismBits) |
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
  // [first, last) into order: each attack arm's cells, and the baseline arm's, per group.
  std::vector<std::pair<std::size_t, std::size_t>> tasks, baselines;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && cells[order[j]].group == cells[order[i]].group &&
           cells[order[j]].arm == cells[order[i]].arm)
      ++j;
    (cells[order[i]].arm != base_arm ? tasks : baselines).emplace_back(i, j);
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
                                     (static_cast<std::uint64_t>(base_arm) << kMechanismBits) |
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
              // Rounds 0 to kMechanismCount - 1 key the cells' own resamples; 8 + 3 m1 + m2 the
              // contrasts' among the first three mechanisms (as before the others existed, so
              // that earlier results stand), 32 + 8 m1 + m2 any other contrast's.
              const auto m1 = static_cast<std::uint32_t>(c1.mechanism);
              const auto m2 = static_cast<std::uint32_t>(c2.mechanism);
              key.round = m1 < 3 && m2 < 3 ? 8 + 3 * m1 + m2 : 32 + 8 * m1 + m2;
              const auto sums = contrast(series[p - first], series[q - first], contrast_ranges,
                                         options.bootstrap ? options.resamples : 0, key);
              append_effect_rows(
                  rows,
                  {c1.group, a.cells[p].arm, EffectKind::contrast, c1.mechanism, c2.mechanism},
                  sums, emetrics, contrast_ranges);
            }
          }
        }
      });
  for (auto& rows : task_rows)
    for (auto& r : rows) a.effects.push_back(std::move(r));

  // Defence costs: per group, the baseline arm under each defence mechanism minus under
  // quadratic, on the cells' own values (not their effects).
  const auto level = [&](std::size_t at) {
    const Cell& c = cells[order[at]];
    EffectSeries es;
    es.keys = c.keys;
    for (std::size_t k = 0; k < c.keys.size(); ++k)
      for (std::size_t m : emetrics) es.values.push_back(c.values[k * metrics + m]);
    return es;
  };
  for (const auto& [first, last] : baselines) {
    std::size_t plain = last;
    for (std::size_t p = first; p != last; ++p)
      if (cells[order[p]].mechanism == Mechanism::quadratic) plain = p;
    for (std::size_t p = first; plain != last && p != last; ++p) {
      const Mechanism m = cells[order[p]].mechanism;
      if (m != Mechanism::connection_oriented && m != Mechanism::pairwise_bounded) continue;
      StreamKey key;
      key.seed = options.seed;
      key.replicate = cells[order[p]].group;
      key.arm = arm_key(a.cells[p].arm.data(), a.cells[p].arm.size());
      key.round = 128 + static_cast<std::uint32_t>(m);  // past the effects' and contrasts'
      const auto sums = contrast(level(p), level(plain), effect_ranges,
                                 options.bootstrap ? options.resamples : 0, key);
      append_effect_rows(a.effects,
                         {cells[order[p]].group, a.cells[p].arm, EffectKind::defence_cost, m,
                          Mechanism::quadratic},
                         sums, emetrics, effect_ranges);
    }
  }
  return a;
}

}  // namespace qvsim::analysis
