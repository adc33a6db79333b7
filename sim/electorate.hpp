#pragma once
// The electorate of one replicate: every agent's value for every proposal passing.
//
// Values are drawn through a Gaussian copula so that the marginal distribution is exactly the one
// the scenario names while homophily correlates neighbours. For agent a and proposal k:
// clang-format off
//   e_ak ~ N(0,1) i.i.d.  (stream: replicate, agent a, Purpose::values; draw k)
//   s_ak = sum_{b in N(a)} e_bk / sqrt(deg a)             (standard normal; graphs without blocks)
//   s_ak = sqrt(1/2) * that + sqrt(1/2) * f_{block(a),k}  (block models; f ~ N(0,1) per block)
//   z_ak = sqrt(1 - h) * e_ak + sqrt(h) * s_ak            (z_ak = e_ak for isolated agents
//                                                          without a block)
//   u_ak = F^{-1}(Phi(z_ak))                              (F: the scenario's distribution)
// clang-format on
// where h is values.homophily. Each z_ak is exactly standard normal, so each u_ak has exactly the
// distribution F; neighbours' z share terms and are positively correlated. With values.precision:
// float32 every stored number is rounded to a float (u_ak has the distribution F up to that
// rounding; docs/model.md, "Values in 32-bit floats").

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sim/graph.hpp"
#include "sim/memory.hpp"
#include "sim/scenario.hpp"

namespace qvsim {

// One agent's values as doubles: a view of the electorate's own doubles, or, when it stores
// floats (values.precision: float32), a copy converted to double (on the stack up to
// kInline proposals). It is neither copied nor moved, and it converts to a span only as a named
// object (`const auto u = e.of(a);`), so that no span outlives the copy it points into (it is
// not a range either, for std::span would take a temporary range).
class ValueRow {
 public:
  static constexpr std::size_t kInline = 64;

  ValueRow(const double* values, std::uint32_t n) noexcept : data_(values), size_(n) {}
  ValueRow(const float* values, std::uint32_t n) : size_(n) {
    double* out = inline_;
    if (n > kInline) {
      heap_ = std::make_unique<double[]>(n);
      out = heap_.get();
    }
    for (std::uint32_t k = 0; k < n; ++k) out[k] = values[k];
    data_ = out;
  }
  ValueRow(const ValueRow&) = delete;
  ValueRow& operator=(const ValueRow&) = delete;

  std::size_t size() const noexcept { return size_; }
  double operator[](std::size_t k) const noexcept { return data_[k]; }
  std::span<const double> span() const& noexcept { return {data_, size_}; }
  std::span<const double> span() const&& = delete;
  operator std::span<const double>() const& noexcept { return span(); }  // NOLINT: a view
  operator std::span<const double>() const&& = delete;

 private:
  const double* data_ = nullptr;
  std::uint32_t size_ = 0;
  double inline_[kInline];
  std::unique_ptr<double[]> heap_;
};

struct Electorate {
  AgentId agents = 0;
  std::uint32_t proposals = 0;
  // Agent-major: values[a * proposals + k] is agent a's value u_ak (in money or utility units) for
  // proposal k passing; negative means she wants it to fail. With values.precision: float32 the
  // values are in values32 instead, each rounded to the nearest float, and `values` is empty
  // (docs/model.md, "Values in 32-bit floats"); read them through of() or value().
  // Not zeroed on resize (sim/memory.hpp): every value is written by the pass that draws it.
  LargeVector<double> values;
  LargeVector<float> values32;
  bool float32 = false;
  // U_k = sum over agents of u_ak, summed in a fixed order (bit-identical for any thread count).
  std::vector<double> totals;

  ValueRow of(AgentId a) const {
    const std::size_t at = static_cast<std::size_t>(a) * proposals;
    if (float32) return ValueRow(values32.data() + at, proposals);
    return ValueRow(values.data() + at, proposals);
  }
  double value(AgentId a, std::uint32_t k) const noexcept {
    const std::size_t at = static_cast<std::size_t>(a) * proposals + k;
    return float32 ? static_cast<double>(values32[at]) : values[at];
  }
};

// Proposals the homophily smoothing takes together (two 64-byte cache lines of doubles per agent):
// its scratch is min(kSmoothBlock, proposals) values per agent (doubles, or floats with float32).
inline constexpr std::size_t kSmoothBlock = 16;

// Draws the electorate of one replicate on `graph` (whose agent count it takes). Thread-safe;
// runs in parallel over agents.
Electorate draw_electorate(const ValuesSpec& spec, std::uint32_t proposals, const Graph& graph,
                           std::uint64_t seed, std::uint64_t replicate);

// The electorate of values given agent-major (agents x proposals, e.g. a values file), with
// totals summed in the same fixed order as draw_electorate; with float32, each value is rounded
// to the nearest float.
Electorate electorate_from_values(std::span<const double> values, AgentId agents,
                                  std::uint32_t proposals, bool float32 = false);

// Maps a standard normal z to the distribution `dist` by F^{-1}(Phi(z)) (normal: mean + sd * z).
double value_from_latent(const ValueDistribution& dist, double z) noexcept;

// The largest magnitude a value float32 can store (FLT_MAX, about 3.4e38).
inline constexpr double kMaxFloat32Value = 3.4028234663852886e38;

// A bound on |u| for every value draw_electorate can give with `dist`, on any graph: a latent z
// is at most 8.3 (the largest normal quantile of a 53-bit uniform) times 1 + 2^16 + 1 in
// magnitude (own draw, sum over at most 2^32 neighbours scaled by 1/sqrt(deg), block factor), so
// every normal (a mixture's and a passionate minority's too) is bounded by |mean| + 10^6 sd; a
// uniform by its larger end, a discrete distribution by its largest value.
double value_reach(const ValueDistribution& dist) noexcept;

// Pearson correlation of the values at the two ends of an edge, over all edges (both directions)
// and proposals, centring each proposal on its own edge-weighted mean. NaN when the graph has no
// edges or the values do not vary.
double neighbor_value_correlation(const Electorate& electorate, const Graph& graph);

// The most edges a sampled neighbour correlation may draw.
inline constexpr std::uint64_t kMaxCorrelationSample = 1'000'000'000;

// The same correlation estimated from `edges` edges drawn uniformly at random with replacement
// (draw i: stream seed, replicate, 0, 0, i, Purpose::correlation_sample; one below() over the
// directed edges), each counted in both directions, so that the means and variances are those of
// both ends. Its standard error is about (1 - r^2) / sqrt(edges x proposals) (docs/model.md,
// "Neighbour value correlation"). NaN when the graph has no edges or the sample does not vary.
// Bit-identical at any thread count.
double sampled_neighbor_value_correlation(const Electorate& electorate, const Graph& graph,
                                          std::uint64_t edges, std::uint64_t seed,
                                          std::uint64_t replicate);

}  // namespace qvsim
