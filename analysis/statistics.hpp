#pragma once
// Summary statistics over replicates, computed in one streaming pass (memory stays flat however
// many replicates) and in replicate order, so summaries are bit-identical for any thread count.

#include <cstdint>
#include <limits>

namespace qvsim {
class JsonWriter;
}

namespace qvsim::analysis {

struct Summary {
  std::uint64_t n = 0;  // values summarized (NaN values are skipped and counted in `missing`)
  std::uint64_t missing = 0;
  double mean = 0.0;
  double sd = 0.0;      // sample standard deviation (n - 1); NaN when n < 2
  double se = 0.0;      // standard error of the mean; NaN when n < 2
  double ci_low = 0.0;  // 95% confidence interval for the mean by Student's t; NaN when n < 2
  double ci_high = 0.0;
};

// The range a quantity can take: a share is in [0, 1], a correlation in [-1, 1], a count or cost
// in [0, inf). Intervals are clipped to it, so that none claims values the quantity cannot have.
struct ValueRange {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
};

// The range of a difference of two quantities in `r`: [low - high, high - low] (a paired
// difference of shares lies in [-1, 1]).
ValueRange difference_range(ValueRange r) noexcept;

// Writes s's fields into the open JSON object: n, missing, mean, sd, se, ci95_low, ci95_high.
void summary_fields_json(JsonWriter& w, const Summary& s);

// Clips the interval [ci_low, ci_high] to `r` (NaN stays NaN); the mean is left as it is.
void clip_interval(Summary& s, ValueRange r) noexcept;

// The 0.975 quantile of Student's t with df degrees of freedom (df >= 1), via Boost.Math.
double t_quantile_975(double df);

// Mean and variance by Welford's update; NaN values are skipped and counted.
class RunningStats {
 public:
  void add(double x) noexcept;
  Summary summary() const;

 private:
  std::uint64_t n_ = 0;
  std::uint64_t missing_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
};

// Ratio of sums R = sum a_i / sum b_i over replicates (the pooled efficiency), with a 95% CI from
// the delta method: se(R) = sqrt(sum (a_i - R b_i)^2 / (n (n - 1))) / mean(b), t quantile with
// n - 1 degrees of freedom. `sd` is NaN (a ratio of sums has no per-replicate spread).
class RatioStats {
 public:
  void add(double a, double b) noexcept;
  Summary summary() const;

 private:
  std::uint64_t n_ = 0;
  double sa_ = 0.0, sb_ = 0.0, saa_ = 0.0, sbb_ = 0.0, sab_ = 0.0;
};

}  // namespace qvsim::analysis
