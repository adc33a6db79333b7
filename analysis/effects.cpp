// The contrast of two mechanisms' paired effects (analysis/analyze.hpp). Split from analyze.cpp.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "analysis/analyze.hpp"
#include "analysis/bootstrap.hpp"
#include "analysis/statistics.hpp"

namespace qvsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr BootstrapInterval kNoInterval{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};

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

void append_effect_rows(std::vector<EffectRow>& rows, const EffectRow& head,
                        const std::vector<EffectSummary>& sums,
                        const std::vector<std::size_t>& metrics,
                        const std::vector<ValueRange>& ranges) {
  for (std::size_t e = 0; e < metrics.size(); ++e) {
    if (sums[e].stats.n == 0) continue;
    EffectRow r = head;
    r.metric = metrics[e];
    r.stats = sums[e].stats;
    r.boot = sums[e].boot;
    r.range = ranges[e];
    rows.push_back(std::move(r));
  }
}

const char* to_string(EffectKind kind) noexcept {
  switch (kind) {
    case EffectKind::effect: return "effect";
    case EffectKind::contrast: return "contrast";
    case EffectKind::defence_cost: return "defence_cost";
  }
  return "?";
}

}  // namespace qvsim::analysis
