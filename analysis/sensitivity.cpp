#include "analysis/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "analysis/bootstrap.hpp"
#include "sim/parallel.hpp"

namespace qvsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t kMaxPoints = std::numeric_limits<std::uint32_t>::max();

// A Saltelli table row holds g_A, g_B, g_A^2 + g_B^2, then per input g_B (g_ABi - g_A) and
// (g_A - g_ABi)^2 (g = f - f0). A resample adds whole rows; the indices follow from the sums alone.
void indices_from(const double* sums, double n, std::size_t dims, double* s1, double* st) {
  const double mean = (sums[0] + sums[1]) / (2.0 * n);
  const double v = sums[2] / (2.0 * n) - mean * mean;
  for (std::size_t i = 0; i < dims; ++i) {
    s1[i] = v > 0.0 ? sums[3 + i] / n / v : kNaN;
    st[i] = v > 0.0 ? sums[3 + dims + i] / (2.0 * n) / v : kNaN;
  }
}

SobolIndex interval(double estimate, std::vector<double>& boot, double level) {
  SobolIndex r;
  r.estimate = estimate;
  std::erase_if(boot, [](double x) { return std::isnan(x); });
  if (std::isnan(estimate) || boot.empty()) return {estimate, kNaN, kNaN, kNaN};
  std::sort(boot.begin(), boot.end());
  const double alpha = (1.0 - level) / 2.0;
  r.low = sorted_quantile(boot, alpha);
  r.high = sorted_quantile(boot, 1.0 - alpha);
  if (boot.size() < 2) {
    r.se = kNaN;
    return r;
  }
  // Two passes in a fixed order: the same bits whichever thread drew the resamples.
  const double m =
      std::accumulate(boot.begin(), boot.end(), 0.0) / static_cast<double>(boot.size());
  double ss = 0.0;
  for (double x : boot) ss += (x - m) * (x - m);
  r.se = std::sqrt(ss / static_cast<double>(boot.size() - 1));
  return r;
}

}  // namespace

SaltelliDesign saltelli_design(std::uint64_t samples, std::size_t dims, const StreamKey& key) {
  if (samples == 0 || dims == 0)
    throw std::invalid_argument("saltelli_design: samples and dims must be >= 1");
  if (samples > kMaxPoints / (dims + 2))
    throw std::invalid_argument("saltelli_design: more than 2^32 - 1 points");
  SaltelliDesign d;
  d.samples = samples;
  d.dims = dims;
  const std::size_t block = dims + 2;
  d.unit.resize(samples * block * dims);
  for (std::size_t i = 0; i < dims; ++i) {
    StreamKey k = key;
    k.agent = i;
    Stream s(k);  // word 2j is A_j's coordinate, 2j + 1 B_j's (uniform_open_at's numbering)
    for (std::uint64_t j = 0; j < samples; ++j) {
      const double a = s.uniform_open();
      const double b = s.uniform_open();
      double* row = d.unit.data() + j * block * dims;
      row[0 * dims + i] = a;                                                            // A_j
      row[1 * dims + i] = b;                                                            // B_j
      for (std::size_t m = 0; m < dims; ++m) row[(2 + m) * dims + i] = m == i ? b : a;  // A_B^(m)
    }
  }
  return d;
}

MorrisDesign morris_design(std::uint64_t trajectories, std::size_t dims, std::uint32_t levels,
                           const StreamKey& key) {
  if (trajectories == 0 || dims == 0)
    throw std::invalid_argument("morris_design: trajectories and dims must be >= 1");
  if (levels < 2 || levels % 2 != 0)
    throw std::invalid_argument("morris_design: levels must be even and >= 2");
  if (trajectories > kMaxPoints / (dims + 1))
    throw std::invalid_argument("morris_design: more than 2^32 - 1 points");
  MorrisDesign d;
  d.trajectories = trajectories;
  d.dims = dims;
  d.levels = levels;
  const std::uint32_t half = levels / 2;
  const double top = static_cast<double>(levels - 1);
  d.delta = static_cast<double>(half) / top;
  d.unit.resize(trajectories * (dims + 1) * dims);
  d.moved.resize(trajectories * dims);
  d.sign.resize(trajectories * dims);
  std::vector<std::uint32_t> level(dims);
  std::vector<std::uint32_t> order(dims);
  for (std::uint64_t t = 0; t < trajectories; ++t) {
    StreamKey k = key;
    k.agent = t;
    Stream s(k);
    for (auto& l : level) l = static_cast<std::uint32_t>(s.below(levels));
    std::iota(order.begin(), order.end(), std::uint32_t{0});
    for (std::size_t i = dims; i-- > 1;) std::swap(order[i], order[s.below(i + 1)]);
    double* row = d.unit.data() + t * (dims + 1) * dims;
    for (std::size_t i = 0; i < dims; ++i) row[i] = static_cast<double>(level[i]) / top;
    for (std::size_t step = 0; step < dims; ++step) {
      const std::uint32_t i = order[step];
      const bool up = level[i] < half;
      level[i] = up ? level[i] + half : level[i] - half;
      double* next = row + dims;
      std::copy(row, row + dims, next);
      next[i] = static_cast<double>(level[i]) / top;
      d.moved[t * dims + step] = i;
      d.sign[t * dims + step] = up ? std::int8_t{1} : std::int8_t{-1};
      row = next;
    }
  }
  return d;
}

SobolResult sobol_indices(std::span<const double> outputs, std::size_t dims,
                          std::uint64_t resamples, StreamKey key, double level) {
  if (dims == 0) throw std::invalid_argument("sobol_indices: dims must be >= 1");
  if (resamples < 1) throw std::invalid_argument("sobol_indices: resamples must be >= 1");
  const std::size_t block = dims + 2;
  if (outputs.size() % block != 0)
    throw std::invalid_argument("sobol_indices: outputs are not a whole number of d + 2 blocks");
  const std::size_t all_rows = outputs.size() / block;
  if (all_rows > kMaxPoints) throw std::invalid_argument("sobol_indices: more than 2^32 - 1 rows");

  // Usable rows, and f0 over their A and B outputs (summed in row order).
  std::vector<std::size_t> used;
  used.reserve(all_rows);
  double f0 = 0.0;
  for (std::size_t j = 0; j < all_rows; ++j) {
    const double* y = outputs.data() + j * block;
    if (!std::all_of(y, y + block, [](double x) { return std::isfinite(x); })) continue;
    used.push_back(j);
    f0 += y[0] + y[1];
  }
  const std::size_t n = used.size();
  SobolResult out;
  out.rows = n;
  out.first.assign(dims, {kNaN, kNaN, kNaN, kNaN});
  out.total.assign(dims, {kNaN, kNaN, kNaN, kNaN});
  out.variance = kNaN;
  if (n < 2) return out;
  f0 /= 2.0 * static_cast<double>(n);

  // Centring by the constant f0 leaves V unchanged and adds f0 sum_j (f_ABi - f_A) / N, whose
  // expectation is 0, to S1's numerator: the estimator stays consistent and its variance falls
  // when |f0| is large against the output's spread (Sobol' 2007 recommends it for that reason).
  const std::size_t width = 3 + 2 * dims;
  std::vector<double> table(n * width);
  for (std::size_t r = 0; r < n; ++r) {
    const double* y = outputs.data() + used[r] * block;
    double* row = table.data() + r * width;
    const double a = y[0] - f0;
    const double b = y[1] - f0;
    row[0] = a;
    row[1] = b;
    row[2] = a * a + b * b;
    for (std::size_t i = 0; i < dims; ++i) {
      const double ab = y[2 + i] - f0;
      row[3 + i] = b * (ab - a);
      row[3 + dims + i] = (a - ab) * (a - ab);
    }
  }

  const auto dn = static_cast<double>(n);
  std::vector<double> sums(width, 0.0);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < width; ++c) sums[c] += table[r * width + c];
  std::vector<double> s1(dims), st(dims);
  indices_from(sums.data(), dn, dims, s1.data(), st.data());
  out.variance = sums[2] / (2.0 * dn) - std::pow((sums[0] + sums[1]) / (2.0 * dn), 2.0);

  // Resample estimates, indexed [input][resample]: filled by chunks on any thread, read in order.
  std::vector<std::vector<double>> boot_s1(dims, std::vector<double>(resamples, kNaN));
  std::vector<std::vector<double>> boot_st(dims, std::vector<double>(resamples, kNaN));
  const std::uint64_t chunks = (resamples + kResampleChunk - 1) / kResampleChunk;
  key.purpose = kBootstrapPurpose;
  // A resample is summed from its counts (how often each row was drawn), kBatch resamples per
  // pass over the table: drawing rows one by one would fetch a scattered row of the table per
  // draw, while the counts of one resample (4n bytes) stay in cache and the table is read in
  // order once per batch. The sums are exact multiples of the rows, added in row order, so the
  // result is still a pure function of the key.
  constexpr std::uint64_t kBatch = 16;
  parallel_for_blocks(
      std::uint64_t{0}, chunks, std::uint64_t{1}, [&](std::uint64_t lo, std::uint64_t hi) {
        std::vector<std::uint32_t> counts(kBatch * n);
        std::vector<double> acc(kBatch * width);
        std::vector<double> e1(dims), et(dims);
        for (std::uint64_t chunk = lo; chunk != hi; ++chunk) {
          StreamKey k = key;
          k.agent = chunk;
          Stream s(k);
          const std::uint64_t end = std::min(resamples, (chunk + 1) * kResampleChunk);
          for (std::uint64_t first = chunk * kResampleChunk; first < end; first += kBatch) {
            const std::uint64_t batch = std::min(kBatch, end - first);
            std::fill(counts.begin(), counts.end(), 0U);
            for (std::uint64_t b = 0; b < batch; ++b) {
              std::uint32_t* c = counts.data() + b * n;
              for (std::size_t r = 0; r < n; ++r) ++c[s.below(n)];
            }
            std::fill(acc.begin(), acc.end(), 0.0);
            for (std::size_t r = 0; r < n; ++r) {
              const double* __restrict row = table.data() + r * width;
              for (std::uint64_t b = 0; b < batch; ++b) {
                const std::uint32_t c = counts[b * n + r];
                if (c == 0) continue;
                const auto w = static_cast<double>(c);
                double* __restrict sum = acc.data() + b * width;
                for (std::size_t col = 0; col < width; ++col) sum[col] += w * row[col];
              }
            }
            for (std::uint64_t b = 0; b < batch; ++b) {
              indices_from(acc.data() + b * width, dn, dims, e1.data(), et.data());
              for (std::size_t i = 0; i < dims; ++i) {
                boot_s1[i][first + b] = e1[i];
                boot_st[i][first + b] = et[i];
              }
            }
          }
        }
      });
  for (std::size_t i = 0; i < dims; ++i) {
    out.first[i] = interval(s1[i], boot_s1[i], level);
    out.total[i] = interval(st[i], boot_st[i], level);
  }
  return out;
}

std::vector<MorrisIndex> morris_indices(const MorrisDesign& design,
                                        std::span<const double> outputs) {
  if (outputs.size() != design.points())
    throw std::invalid_argument("morris_indices: one output per design point is needed");
  const std::size_t dims = design.dims;
  std::vector<std::vector<double>> effects(dims);
  for (std::uint64_t t = 0; t < design.trajectories; ++t) {
    for (std::size_t step = 0; step < dims; ++step) {
      const std::uint64_t p = t * (dims + 1) + step;
      const double y0 = outputs[p];
      const double y1 = outputs[p + 1];
      if (!std::isfinite(y0) || !std::isfinite(y1)) continue;
      const std::uint32_t i = design.moved[t * dims + step];
      const double ee = (y1 - y0) / (design.sign[t * dims + step] * design.delta);
      effects[i].push_back(ee);
    }
  }
  std::vector<MorrisIndex> out(dims);
  for (std::size_t i = 0; i < dims; ++i) {
    const auto& e = effects[i];
    MorrisIndex& m = out[i];
    m.effects = e.size();
    if (e.empty()) {
      m.mu = m.mu_star = m.sigma = kNaN;
      continue;
    }
    double s = 0.0, a = 0.0;
    for (double x : e) {
      s += x;
      a += std::abs(x);
    }
    const auto k = static_cast<double>(e.size());
    m.mu = s / k;
    m.mu_star = a / k;
    if (e.size() < 2) {
      m.sigma = kNaN;
      continue;
    }
    double ss = 0.0;
    for (double x : e) ss += (x - m.mu) * (x - m.mu);
    m.sigma = std::sqrt(ss / (k - 1.0));
  }
  return out;
}

}  // namespace qvsim::analysis
