#pragma once
// The few distributions qvsim draws from, written here rather than taken from <random>: the
// standard library's distributions differ between implementations, and qvsim's numbers must be
// reproducible from the seed alone. Golden-value tests pin every function below.

#include <cstdint>

namespace qvsim {

// Inverse of the standard normal CDF, for p in (0, 1). Wichura's AS241 (PPND16), relative accuracy
// about 1e-16. Returns -inf / +inf at p = 0 / 1 and NaN outside [0, 1].
double normal_quantile(double p) noexcept;

// Standard normal CDF.
double normal_cdf(double x) noexcept;

// Number of failures before the first success of Bernoulli(p) trials given a uniform u in (0, 1),
// by inversion: floor(log(u) / log1p(-p)). p in (0, 1]; p = 1 gives 0. Saturates at 2^63.
std::uint64_t geometric_skip(double u, double p) noexcept;
// The same with log1p(-p) computed once by the caller (log_q < 0, or -inf for p = 1, which gives
// 0): the same value as geometric_skip(u, p), for loops that skip many times with one p.
std::uint64_t geometric_skip_log(double u, double log_q) noexcept;

}  // namespace qvsim
