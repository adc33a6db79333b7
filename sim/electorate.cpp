#include "sim/electorate.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "sim/distributions.hpp"
#include "sim/memory.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim {
namespace {

// How many edges ahead the smoothing asks for a neighbour's block: enough gathers in flight to
// cover a memory latency (about 100 ns) at a few nanoseconds per edge.
constexpr std::size_t kGatherAhead = 16;
// The same for the neighbour correlation, which reads whole rows of values.
constexpr std::size_t kRowsAhead = 8;

double quantile(const NormalDist& d, double p) noexcept {
  return d.mean + d.sd * normal_quantile(p);
}
double quantile(const UniformDist& d, double p) noexcept { return d.low + (d.high - d.low) * p; }

// Keeps p strictly inside (0, 1) after rescaling, where rounding could reach an end.
double clamp_open(double p) noexcept {
  constexpr double lo = std::numeric_limits<double>::min();
  return std::clamp(p, lo, std::nextafter(1.0, 0.0));
}

// Calls f with a pointer to the electorate's values, doubles or floats.
template <class F>
decltype(auto) with_values(const Electorate& e, F&& f) {
  if (e.float32) return f(e.values32.data());
  return f(e.values.data());
}

void sum_totals(Electorate& e) {
  const std::size_t k_count = e.proposals;
  with_values(e, [&](const auto* values) {
    e.totals = deterministic_agent_sum(e.agents, k_count, [&](AgentId a, double* acc) {
      const auto* row = values + a * k_count;
      for (std::size_t k = 0; k < k_count; ++k) acc[k] += static_cast<double>(row[k]);
    });
  });
}

}  // namespace

double value_from_latent(const ValueDistribution& dist, double z) noexcept {
  return std::visit(
      [z](const auto& d) -> double {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, NormalDist>) {
          return d.mean + d.sd * z;
        } else if constexpr (std::is_same_v<T, UniformDist>) {
          return quantile(d, normal_cdf(z));
        } else if constexpr (std::is_same_v<T, MixtureDist>) {
          // Component by the cumulative weights; the position inside the component's slice of
          // (0,1) is again uniform, so each component keeps its own distribution.
          double total = 0.0;
          for (const auto& c : d.components) total += c.weight;
          const double p = normal_cdf(z) * total;
          double cum = 0.0;
          for (std::size_t i = 0; i < d.components.size(); ++i) {
            const auto& c = d.components[i];
            if (p < cum + c.weight || i + 1 == d.components.size()) {
              const double inner = clamp_open((p - cum) / c.weight);
              return std::visit([inner](const auto& cd) { return quantile(cd, inner); }, c.dist);
            }
            cum += c.weight;
          }
          return 0.0;  // unreachable: validated mixtures have a component
        } else if constexpr (std::is_same_v<T, DiscreteDist>) {
          // The smallest value whose cumulative weight reaches p (inversion).
          double total = 0.0;
          for (const double w : d.weights) total += w;
          const double p = normal_cdf(z) * total;
          double cum = 0.0;
          for (std::size_t i = 0; i + 1 < d.values.size(); ++i) {
            cum += d.weights[i];
            if (p <= cum) return d.values[i];
          }
          return d.values.back();
        } else {
          const double p = normal_cdf(z);
          if (p < d.share) return quantile(d.minority, clamp_open(p / d.share));
          return quantile(d.majority, clamp_open((p - d.share) / (1.0 - d.share)));
        }
      },
      dist);
}

namespace {

// draw_electorate's passes over values stored as T (double, or float for values.precision:
// float32, whose latent normals are then floats too: each stored number is rounded to T, and
// every sum and transform is computed in double).
template <class T>
void draw_values(Electorate& e, LargeVector<T>& values, const ValuesSpec& spec, const Graph& graph,
                 std::uint64_t seed, std::uint64_t replicate) {
  const std::size_t n = e.agents;
  const std::size_t k_count = e.proposals;
  resize_large(values, n * k_count);

  const double h = spec.homophily;
  const bool blocks = !graph.blocks().empty();
  // The smoothing's scratch (pass 2): min(kSmoothBlock, proposals) values per agent, aligned to
  // a cache line.
  const std::size_t width_max = std::min<std::size_t>(kSmoothBlock, k_count);
  LargeVector<T> storage;
  T* copy = nullptr;
  if (h > 0.0) {
    resize_large(storage, n * width_max + kSmoothBlock);
    copy = storage.data();
    while (reinterpret_cast<std::uintptr_t>(copy) % 64 != 0) ++copy;
  }

  if (h <= 0.0) {
    // Pass 1 without homophily: the i.i.d. latent normals e_ak are the values' latents, in place.
    parallel_for_agents(e.agents, [&](AgentId a) {
      Stream s(StreamKey{seed, replicate, 0, 0, a, Purpose::values});
      T* row = values.data() + a * k_count;
      for (std::size_t k = 0; k < k_count; ++k) row[k] = static_cast<T>(s.normal());
    });
  } else {
    // Pass 2, a block of up to kSmoothBlock proposals at a time: draw the block's latents e_bk
    // into the scratch, each agent's contiguous (a full block of 16 doubles fills two cache lines
    // exactly), so that one gather of a neighbour brings the whole block (one proposal at a time,
    // every gather brought one value: the graph's random access paid once per proposal). The
    // latents are drawn from their keys where the block needs them (draw k of agent a's stream,
    // by seeking): the values never hold them, so there is no pass that writes them there and
    // none that copies them out, and each is still drawn once. Neighbours read the scratch while
    // the values' block is written with z_ak; each z_ak sums the same terms in the same order as
    // one proposal at a time would.
    std::vector<double> block_factor;
    const double wa = std::sqrt(1.0 - h);
    const double wb = std::sqrt(h);
    const double half = std::sqrt(0.5);
    const auto& rowstart = graph.csr().m_forward.m_rowstart;
    const auto& column = graph.csr().m_forward.m_column;
    const std::size_t directed = graph.directed_edges();
    for (std::size_t k0 = 0; k0 < k_count; k0 += width_max) {
      const std::size_t width = std::min(width_max, k_count - k0);
      parallel_for_agents(e.agents, [&](AgentId a) {
        Stream s(StreamKey{seed, replicate, 0, 0, a, Purpose::values});
        if (k0 > 0) s.seek(k0);
        T* row = copy + a * width;
        for (std::size_t j = 0; j < width; ++j) row[j] = static_cast<T>(s.normal());
      });
      if (blocks) {
        block_factor.resize(std::size_t{graph.num_blocks()} * width);
        for (std::uint32_t b = 0; b < graph.num_blocks(); ++b) {
          for (std::size_t j = 0; j < width; ++j) {
            Stream s(StreamKey{seed, replicate, 0, 0, b, Purpose::block_values});
            s.seek(k0 + j);
            block_factor[b * width + j] = s.normal();
          }
        }
      }
      parallel_for_agents(e.agents, [&](AgentId a) {
        const auto nb = graph.neighbors(a);
        double s[kSmoothBlock];
        if (!nb.empty()) {
          std::fill_n(s, width, 0.0);
          const std::size_t first = rowstart[a];
          for (std::size_t i = 0; i < nb.size(); ++i) {
            // The gathers are random: ask for the block of the neighbour kGatherAhead edges on
            // (in the graph's edge order, into the next agents' lists) while adding this one.
            if (const std::size_t ahead = first + i + kGatherAhead; ahead < directed) {
              const T* next = copy + std::size_t{column[ahead]} * width;
              // A block of 16 doubles fills two whole lines (of floats, one); a narrower one may
              // straddle one more.
              for (std::size_t j = 0; j < width; j += 64 / sizeof(T)) __builtin_prefetch(next + j);
              __builtin_prefetch(next + width - 1);
            }
            const T* from = copy + std::size_t{nb[i]} * width;
            for (std::size_t j = 0; j < width; ++j) s[j] += static_cast<double>(from[j]);
          }
          const double root = std::sqrt(static_cast<double>(nb.size()));
          for (std::size_t j = 0; j < width; ++j) s[j] /= root;
          if (blocks) {
            const double* f = block_factor.data() + std::size_t{graph.blocks()[a]} * width;
            for (std::size_t j = 0; j < width; ++j) s[j] = half * s[j] + half * f[j];
          }
        } else if (blocks) {
          std::copy_n(block_factor.data() + std::size_t{graph.blocks()[a]} * width, width, s);
        } else {
          // Isolated agent: z = e.
          std::copy_n(copy + a * width, width, values.data() + a * k_count + k0);
          return;
        }
        T* out = values.data() + a * k_count + k0;
        const T* own = copy + a * width;
        for (std::size_t j = 0; j < width; ++j)
          out[j] = static_cast<T>(wa * static_cast<double>(own[j]) + wb * s[j]);
      });
    }
  }

  // Pass 3: latent to value, unless values are standard normal already.
  const auto* normal = std::get_if<NormalDist>(&spec.distribution);
  if (normal == nullptr || normal->mean != 0.0 || normal->sd != 1.0) {
    parallel_for_agents(e.agents, [&](AgentId a) {
      T* row = values.data() + a * k_count;
      for (std::size_t k = 0; k < k_count; ++k)
        row[k] = static_cast<T>(value_from_latent(spec.distribution, static_cast<double>(row[k])));
    });
  }
}

}  // namespace

namespace {

// value_reach's bound per distribution (sim/electorate.hpp): a latent is at most 10^6 in
// magnitude on any graph.
constexpr double kLatentReach = 1e6;
double reach(const NormalDist& d) { return std::fabs(d.mean) + kLatentReach * d.sd; }
double reach(const UniformDist& d) { return std::max(std::fabs(d.low), std::fabs(d.high)); }
double reach(const MixtureDist& d) {
  double r = 0.0;
  for (const auto& c : d.components)
    r = std::max(r, std::visit([](const auto& cd) { return reach(cd); }, c.dist));
  return r;
}
double reach(const DiscreteDist& d) {
  double r = 0.0;
  for (const double v : d.values) r = std::max(r, std::fabs(v));
  return r;
}
double reach(const PassionateMinorityDist& d) {
  return std::max(reach(d.minority), reach(d.majority));
}

}  // namespace

double value_reach(const ValueDistribution& dist) noexcept {
  return std::visit([](const auto& d) { return reach(d); }, dist);
}

Electorate draw_electorate(const ValuesSpec& spec, std::uint32_t proposals, const Graph& graph,
                           std::uint64_t seed, std::uint64_t replicate) {
  Electorate e;
  e.agents = graph.num_agents();
  e.proposals = proposals;
  e.float32 = spec.float32;
  if (e.float32) {
    draw_values(e, e.values32, spec, graph, seed, replicate);
  } else {
    draw_values(e, e.values, spec, graph, seed, replicate);
  }
  sum_totals(e);
  return e;
}

Electorate electorate_from_values(std::span<const double> values, AgentId agents,
                                  std::uint32_t proposals, bool float32) {
  assert(values.size() == std::size_t{agents} * proposals);
  Electorate e;
  e.agents = agents;
  e.proposals = proposals;
  e.float32 = float32;
  if (float32) {
    resize_large(e.values32, values.size());
    std::transform(values.begin(), values.end(), e.values32.begin(),
                   [](double u) { return static_cast<float>(u); });
  } else {
    e.values.assign(values.begin(), values.end());
  }
  sum_totals(e);
  return e;
}

double neighbor_value_correlation(const Electorate& e, const Graph& graph) {
  const std::size_t kc = e.proposals;
  if (graph.directed_edges() == 0 || kc == 0) return std::numeric_limits<double>::quiet_NaN();
  // Per proposal: sum of deg*u, deg*u^2 and of u_a*u_b over directed edges (a, b). The last is
  // twice its sum over undirected edges, which reads each pair once: from a, its neighbours b > a
  // (rows are sorted, so they are the end of a's row), half the gathers of reading every edge.
  const auto& rowstart = graph.csr().m_forward.m_rowstart;
  const auto& column = graph.csr().m_forward.m_column;
  const std::size_t directed = graph.directed_edges();
  const auto sums = with_values(e, [&](const auto* values) {
    return deterministic_agent_sum(e.agents, 3 * kc, [&](AgentId a, double* acc) {
      using T = std::remove_cv_t<std::remove_reference_t<decltype(*values)>>;
      const T* ua = values + a * kc;
      const auto nb = graph.neighbors(a);
      const auto deg = static_cast<double>(nb.size());
      for (std::size_t k = 0; k < kc; ++k) {
        const auto u = static_cast<double>(ua[k]);
        acc[k] += deg * u;
        acc[kc + k] += deg * u * u;
      }
      // Restricted pointers: the accumulators never alias the values, so the loop over proposals
      // vectorizes (each proposal's sum still adds the same terms in the same order).
      double* __restrict cross = acc + 2 * kc;
      const T* __restrict own = ua;
      const std::size_t later =
          static_cast<std::size_t>(std::upper_bound(nb.begin(), nb.end(), a) - nb.begin());
      const std::size_t first = rowstart[a];
      for (std::size_t i = later; i < nb.size(); ++i) {
        // As in the smoothing: ask for the row of the neighbour kRowsAhead edges on (in the
        // graph's edge order: some of those are earlier neighbours, which this pass skips).
        if (const std::size_t ahead = first + i + kRowsAhead; ahead < directed) {
          // Only a row this pass will read: a neighbour above the edge's own agent (a, or a + 1
          // once past a's row; a guess when a + 1's row is shorter than kRowsAhead, which costs
          // at most a useless prefetch).
          const AgentId owner = ahead < rowstart[a + 1] ? a : a + 1;
          if (column[ahead] > owner) {
            const T* next = values + static_cast<std::size_t>(column[ahead]) * kc;
            for (std::size_t k = 0; k < kc; k += 64 / sizeof(T)) __builtin_prefetch(next + k);
          }
        }
        const T* __restrict ub = values + static_cast<std::size_t>(nb[i]) * kc;
        for (std::size_t k = 0; k < kc; ++k)
          cross[k] += static_cast<double>(own[k]) * static_cast<double>(ub[k]);
      }
    });
  });
  const auto m = static_cast<double>(graph.directed_edges());
  double cov = 0.0;
  double var = 0.0;
  for (std::size_t k = 0; k < kc; ++k) {
    const double mean = sums[k] / m;
    var += sums[kc + k] / m - mean * mean;
    cov += 2.0 * sums[2 * kc + k] / m - mean * mean;
  }
  if (!(var > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return cov / var;
}

double sampled_neighbor_value_correlation(const Electorate& e, const Graph& graph,
                                          std::uint64_t edges, std::uint64_t seed,
                                          std::uint64_t replicate) {
  const std::size_t kc = e.proposals;
  const std::uint64_t directed = graph.directed_edges();
  if (directed == 0 || kc == 0 || edges == 0) return std::numeric_limits<double>::quiet_NaN();
  assert(edges <= kMaxCorrelationSample);
  const auto& rowstart = graph.csr().m_forward.m_rowstart;
  const auto& column = graph.csr().m_forward.m_column;
  // Per proposal: sum of u over both ends, of u^2 over both ends, and of u_a u_b.
  const auto sums = with_values(e, [&](const auto* values) {
    return deterministic_agent_sum(
        static_cast<AgentId>(edges), 3 * kc, [&](AgentId i, double* acc) {
          Stream s(StreamKey{seed, replicate, 0, 0, i, Purpose::correlation_sample});
          const std::uint64_t edge = s.below(directed);
          // Its source: the last agent whose edges start at or before it.
          const auto a = static_cast<std::size_t>(
              std::upper_bound(rowstart.begin(), rowstart.end(), edge) - rowstart.begin() - 1);
          const auto* ua = values + a * kc;
          const auto* ub = values + static_cast<std::size_t>(column[edge]) * kc;
          for (std::size_t k = 0; k < kc; ++k) {
            const auto x = static_cast<double>(ua[k]);
            const auto y = static_cast<double>(ub[k]);
            acc[k] += x + y;
            acc[kc + k] += x * x + y * y;
            acc[2 * kc + k] += x * y;
          }
        });
  });
  const auto ends = 2.0 * static_cast<double>(edges);
  double cov = 0.0;
  double var = 0.0;
  for (std::size_t k = 0; k < kc; ++k) {
    const double mean = sums[k] / ends;
    var += sums[kc + k] / ends - mean * mean;
    cov += sums[2 * kc + k] / static_cast<double>(edges) - mean * mean;
  }
  if (!(var > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return cov / var;
}

}  // namespace qvsim
