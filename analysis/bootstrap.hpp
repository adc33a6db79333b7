#pragma once
// Bootstrap confidence intervals for means: percentile and BCa (Efron and Tibshirani 1993, ch. 14).
//
// The columns of one table (the metrics of one arm x mechanism x group, one value per replicate)
// are resampled jointly: each resample draws n row indices with replacement, and every column's
// resample mean is taken over the same rows (skipping the column's missing values). Resampling
// replicates, not single values, keeps the metrics' joint structure and costs one random index per
// row per resample however many columns there are.
//
// Randomness: resample b of a table comes from the Stream keyed by `key` with key.agent set to
// b / kResampleChunk (the chunk of resamples it belongs to), key.purpose = kBootstrapPurpose; so
// every interval is a pure function of (data, resamples, key), identical at any thread count
// (chunks may run on any thread; their results are combined by resample index).
//
// Values are stored as float (4 bytes): analysis of a million rows keeps every value of every
// metric in memory for the bootstrap, and float's 24-bit mantissa (relative 6e-8) is far finer
// than any interval the bootstrap can resolve. Sums are accumulated in double.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/rng.hpp"

namespace qvsim::analysis {

// The stream purpose of bootstrap resamples. sim/rng.hpp's Purpose has no entry for it yet;
// this value (6, the next free one) is to be appended there as `bootstrap = 6`.
inline constexpr Purpose kBootstrapPurpose = Purpose::bootstrap;

// Resamples per stream: the unit of parallel work and of stream keys.
inline constexpr std::uint64_t kResampleChunk = 256;

struct BootstrapInterval {
  double pct_low = 0.0;   // percentile interval: the (1-level)/2 and (1+level)/2 quantiles of the
  double pct_high = 0.0;  // resample means (linear interpolation between order statistics)
  double bca_low = 0.0;   // bias-corrected and accelerated interval
  double bca_high = 0.0;
  double z0 = 0.0;            // BCa bias correction, Phi^-1(share of resample means below the mean)
  double acceleration = 0.0;  // BCa acceleration, from the jackknife of the mean
};

// Bootstrap intervals for the mean of each column. `columns[c]` holds one value per row (all
// columns the same length n; NaN = missing, skipped). Per column: fewer than 2 values gives NaN
// intervals; a constant column (all values equal) gives zero-width intervals at that value.
// `resamples` >= 1; `level` in (0, 1). Runs the resample chunks in parallel with oneTBB; the
// result does not depend on the thread count. Thread-safe (no shared state).
std::vector<BootstrapInterval> bootstrap_mean_intervals(
    const std::vector<std::vector<float>>& columns, std::uint64_t resamples, StreamKey key,
    double level = 0.95);

// The same, from resample means already drawn: `values` the column (NaN skipped), `means` the B
// resample means of that column (sorted in place; NaN entries, resamples with no value, dropped).
BootstrapInterval bootstrap_interval_from(std::span<const float> values, std::vector<double>& means,
                                          double level = 0.95);

// Clips the four endpoints to [low, high] (NaN stays NaN). Resample means of values in a range
// stay in it but for rounding; this makes that exact.
void clip_interval(BootstrapInterval& b, double low, double high) noexcept;

// The p-quantile (p in [0,1]) of sorted values by linear interpolation between order statistics
// (Hyndman and Fan type 7). NaN when empty.
double sorted_quantile(std::span<const double> sorted, double p) noexcept;

}  // namespace qvsim::analysis
