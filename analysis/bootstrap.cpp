#include "analysis/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "sim/distributions.hpp"
#include "sim/parallel.hpp"

namespace qvsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 32-bit words from a stream, two per 64-bit draw.
class Words32 {
 public:
  explicit Words32(const StreamKey& key) : stream_(key) {}
  std::uint32_t next() noexcept {
    if (have_half_) {
      have_half_ = false;
      return static_cast<std::uint32_t>(half_ >> 32);
    }
    half_ = stream_.next_u64();
    have_half_ = true;
    return static_cast<std::uint32_t>(half_);
  }
  // Uniform in [0, n), unbiased (Lemire's multiply-shift with rejection); n > 0.
  std::uint32_t below(std::uint32_t n) noexcept {
    std::uint64_t m = static_cast<std::uint64_t>(next()) * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = static_cast<std::uint32_t>(-n) % n;
      while (low < threshold) {
        m = static_cast<std::uint64_t>(next()) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }

 private:
  Stream stream_;
  std::uint64_t half_ = 0;
  bool have_half_ = false;
};

struct Column {
  std::size_t index = 0;       // in the caller's columns
  std::vector<float> x;        // values, missing as 0
  std::vector<float> present;  // 1 where present, 0 where missing; empty when none is missing
};

bool needs_resampling(const std::vector<float>& v) {
  std::size_t n = 0;
  float first = 0.0F;
  bool constant = true;
  for (float x : v) {
    if (std::isnan(x)) continue;
    if (n == 0)
      first = x;
    else if (x != first)
      constant = false;
    ++n;
  }
  return n >= 2 && !constant;
}

}  // namespace

double sorted_quantile(std::span<const double> sorted, double p) noexcept {
  if (sorted.empty()) return kNaN;
  const double h = std::clamp(p, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

void clip_interval(BootstrapInterval& b, double low, double high) noexcept {
  for (double* x : {&b.pct_low, &b.pct_high, &b.bca_low, &b.bca_high})
    if (!std::isnan(*x)) *x = std::clamp(*x, low, high);
}

BootstrapInterval bootstrap_interval_from(std::span<const float> values, std::vector<double>& means,
                                          double level) {
  BootstrapInterval r;
  std::size_t n = 0;
  double sum = 0.0;
  float first = 0.0F;
  bool constant = true;
  for (float x : values) {
    if (std::isnan(x)) continue;
    if (n == 0)
      first = x;
    else if (x != first)
      constant = false;
    sum += static_cast<double>(x);
    ++n;
  }
  if (n < 2) return {kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
  if (constant) {
    const auto c = static_cast<double>(first);
    return {c, c, c, c, 0.0, 0.0};
  }
  const double mean = sum / static_cast<double>(n);
  std::erase_if(means, [](double m) { return std::isnan(m); });
  if (means.empty()) return {kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
  std::sort(means.begin(), means.end());
  const double alpha = (1.0 - level) / 2.0;
  r.pct_low = sorted_quantile(means, alpha);
  r.pct_high = sorted_quantile(means, 1.0 - alpha);

  // Bias correction: the share of resample means below the mean (ties count half), kept off 0
  // and 1 so that z0 stays finite with few resamples.
  const auto below =
      static_cast<double>(std::lower_bound(means.begin(), means.end(), mean) - means.begin());
  const auto ties = static_cast<double>(std::upper_bound(means.begin(), means.end(), mean) -
                                        std::lower_bound(means.begin(), means.end(), mean));
  const auto b = static_cast<double>(means.size());
  const double share = std::clamp((below + 0.5 * ties) / b, 0.5 / b, 1.0 - 0.5 / b);
  r.z0 = normal_quantile(share);

  // Acceleration from the jackknife: for the mean, theta_(i) = (n mean - x_i) / (n - 1), so
  // theta_(.) - theta_(i) = (x_i - mean) / (n - 1), and the (n - 1) cancels in the ratio.
  double s2 = 0.0;
  double s3 = 0.0;
  for (float x : values) {
    if (std::isnan(x)) continue;
    const double d = static_cast<double>(x) - mean;
    s2 += d * d;
    s3 += d * d * d;
  }
  r.acceleration = s2 > 0.0 ? s3 / (6.0 * std::pow(s2, 1.5)) : 0.0;

  auto adjusted = [&](double z) {
    const double num = r.z0 + z;
    const double den = 1.0 - r.acceleration * num;
    // Past the pole of the BCa map the interval runs to the end of the resample distribution.
    if (den <= 0.0) return num > 0.0 ? 1.0 : 0.0;
    return normal_cdf(r.z0 + num / den);
  };
  r.bca_low = sorted_quantile(means, adjusted(normal_quantile(alpha)));
  r.bca_high = sorted_quantile(means, adjusted(normal_quantile(1.0 - alpha)));
  return r;
}

std::vector<BootstrapInterval> bootstrap_mean_intervals(
    const std::vector<std::vector<float>>& columns, std::uint64_t resamples, StreamKey key,
    double level) {
  if (resamples < 1) throw std::invalid_argument("bootstrap: resamples must be >= 1");
  const std::size_t n = columns.empty() ? 0 : columns.front().size();
  for (const auto& c : columns)
    if (c.size() != n) throw std::invalid_argument("bootstrap: columns differ in length");
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("bootstrap: more than 2^32 - 1 rows");

  std::vector<Column> active;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (!needs_resampling(columns[c])) continue;
    Column col;
    col.index = c;
    col.x = columns[c];
    bool missing = false;
    for (float& x : col.x) {
      if (std::isnan(x)) {
        x = 0.0F;
        missing = true;
      }
    }
    if (missing) {
      col.present.resize(n);
      for (std::size_t i = 0; i < n; ++i) col.present[i] = std::isnan(columns[c][i]) ? 0.0F : 1.0F;
    }
    active.push_back(std::move(col));
  }

  // Row-major table of the active columns' values, then their presence flags (for columns with
  // missing values), padded with zeros to a multiple of 4 floats: a resample adds up whole rows,
  // which vectorizes across columns.
  std::vector<std::size_t> present_slot(active.size(), 0);
  std::size_t width = active.size();
  for (std::size_t a = 0; a < active.size(); ++a)
    if (!active[a].present.empty()) present_slot[a] = width++;
  width = (width + 3) / 4 * 4;
  std::vector<float> table(n * width, 0.0F);
  for (std::size_t a = 0; a < active.size(); ++a) {
    for (std::size_t i = 0; i < n; ++i) {
      table[i * width + a] = active[a].x[i];
      if (!active[a].present.empty()) table[i * width + present_slot[a]] = active[a].present[i];
    }
  }

  std::vector<std::vector<double>> means(active.size(), std::vector<double>(resamples, kNaN));
  if (!active.empty()) {
    const std::uint64_t chunks = (resamples + kResampleChunk - 1) / kResampleChunk;
    key.purpose = kBootstrapPurpose;
    const auto n32 = static_cast<std::uint32_t>(n);
    parallel_for_blocks(
        std::uint64_t{0}, chunks, std::uint64_t{1}, [&](std::uint64_t lo, std::uint64_t hi) {
          // Float partial sums over at most kFlush rows, then double: exact enough at any n.
          constexpr std::size_t kFlush = 256;
          std::vector<float> acc(width);
          std::vector<double> total(width);
          for (std::uint64_t chunk = lo; chunk != hi; ++chunk) {
            StreamKey k = key;
            k.agent = chunk;
            Words32 words(k);
            const std::uint64_t end = std::min(resamples, (chunk + 1) * kResampleChunk);
            for (std::uint64_t b = chunk * kResampleChunk; b < end; ++b) {
              std::fill(total.begin(), total.end(), 0.0);
              for (std::size_t i = 0; i < n; i += kFlush) {
                std::fill(acc.begin(), acc.end(), 0.0F);
                float* __restrict sum = acc.data();
                for (std::size_t j = i; j < std::min(n, i + kFlush); ++j) {
                  const float* __restrict row =
                      table.data() + static_cast<std::size_t>(words.below(n32)) * width;
                  for (std::size_t c = 0; c < width; ++c) sum[c] += row[c];
                }
                for (std::size_t c = 0; c < width; ++c) total[c] += static_cast<double>(acc[c]);
              }
              for (std::size_t a = 0; a < active.size(); ++a) {
                const double w =
                    active[a].present.empty() ? static_cast<double>(n) : total[present_slot[a]];
                means[a][b] = w > 0.0 ? total[a] / w : kNaN;
              }
            }
          }
        });
  }

  std::vector<BootstrapInterval> out(columns.size());
  std::size_t a = 0;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    std::vector<double> none;
    std::vector<double>& m = (a < active.size() && active[a].index == c) ? means[a++] : none;
    out[c] = bootstrap_interval_from(columns[c], m, level);
  }
  return out;
}

}  // namespace qvsim::analysis
