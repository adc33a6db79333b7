#include "sim/electorate.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <type_traits>

#include "sim/distributions.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim {
namespace {

double quantile(const NormalDist& d, double p) noexcept {
  return d.mean + d.sd * normal_quantile(p);
}
double quantile(const UniformDist& d, double p) noexcept { return d.low + (d.high - d.low) * p; }

// Keeps p strictly inside (0, 1) after rescaling, where rounding could reach an end.
double clamp_open(double p) noexcept {
  constexpr double lo = std::numeric_limits<double>::min();
  return std::clamp(p, lo, std::nextafter(1.0, 0.0));
}

void sum_totals(Electorate& e) {
  const std::size_t k_count = e.proposals;
  e.totals = deterministic_agent_sum(e.agents, k_count, [&](AgentId a, double* acc) {
    const double* row = e.values.data() + a * k_count;
    for (std::size_t k = 0; k < k_count; ++k) acc[k] += row[k];
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

Electorate draw_electorate(const ValuesSpec& spec, std::uint32_t proposals, const Graph& graph,
                           std::uint64_t seed, std::uint64_t replicate) {
  Electorate e;
  e.agents = graph.num_agents();
  e.proposals = proposals;
  const std::size_t n = e.agents;
  const std::size_t k_count = proposals;
  e.values.resize(n * k_count);

  // Pass 1: the i.i.d. latent normals e_ak, in place.
  parallel_for_agents(e.agents, [&](AgentId a) {
    Stream s(StreamKey{seed, replicate, 0, 0, a, Purpose::values});
    double* row = e.values.data() + a * k_count;
    for (std::size_t k = 0; k < k_count; ++k) row[k] = s.normal();
  });

  const double h = spec.homophily;
  const bool blocks = !graph.blocks().empty();
  if (h > 0.0) {
    // Pass 2, one proposal at a time: copy column k so neighbours read the untouched e_bk while
    // the column is overwritten with z_ak (8 bytes per agent of scratch instead of a full copy).
    std::vector<double> column(n);
    std::vector<double> block_factor;
    const double wa = std::sqrt(1.0 - h);
    const double wb = std::sqrt(h);
    const double half = std::sqrt(0.5);
    for (std::size_t k = 0; k < k_count; ++k) {
      parallel_for_agents(e.agents, [&](AgentId a) { column[a] = e.values[a * k_count + k]; });
      if (blocks) {
        block_factor.resize(graph.num_blocks());
        for (std::uint32_t b = 0; b < graph.num_blocks(); ++b) {
          Stream s(StreamKey{seed, replicate, 0, 0, b, Purpose::block_values});
          s.seek(k);
          block_factor[b] = s.normal();
        }
      }
      parallel_for_agents(e.agents, [&](AgentId a) {
        const auto nb = graph.neighbors(a);
        double s;
        if (!nb.empty()) {
          double sum = 0.0;
          for (AgentId b : nb) sum += column[b];
          s = sum / std::sqrt(static_cast<double>(nb.size()));
          if (blocks) s = half * s + half * block_factor[graph.blocks()[a]];
        } else if (blocks) {
          s = block_factor[graph.blocks()[a]];
        } else {
          return;  // isolated agent: z = e
        }
        e.values[a * k_count + k] = wa * column[a] + wb * s;
      });
    }
  }

  // Pass 3: latent to value, unless values are standard normal already.
  const auto* normal = std::get_if<NormalDist>(&spec.distribution);
  if (normal == nullptr || normal->mean != 0.0 || normal->sd != 1.0) {
    parallel_for_agents(e.agents, [&](AgentId a) {
      double* row = e.values.data() + a * k_count;
      for (std::size_t k = 0; k < k_count; ++k)
        row[k] = value_from_latent(spec.distribution, row[k]);
    });
  }

  sum_totals(e);
  return e;
}

Electorate electorate_from_values(const std::vector<double>& values, AgentId agents,
                                  std::uint32_t proposals) {
  assert(values.size() == std::size_t{agents} * proposals);
  Electorate e;
  e.agents = agents;
  e.proposals = proposals;
  e.values = values;
  sum_totals(e);
  return e;
}

double neighbor_value_correlation(const Electorate& e, const Graph& graph) {
  const std::size_t kc = e.proposals;
  if (graph.directed_edges() == 0 || kc == 0) return std::numeric_limits<double>::quiet_NaN();
  // Per proposal: sum of deg*u, deg*u^2 and of u_a*u_b over directed edges (a, b).
  const auto sums = deterministic_agent_sum(e.agents, 3 * kc, [&](AgentId a, double* acc) {
    const double* ua = e.values.data() + a * kc;
    const auto nb = graph.neighbors(a);
    const auto deg = static_cast<double>(nb.size());
    for (std::size_t k = 0; k < kc; ++k) {
      acc[k] += deg * ua[k];
      acc[kc + k] += deg * ua[k] * ua[k];
    }
    for (AgentId b : nb) {
      const double* ub = e.values.data() + static_cast<std::size_t>(b) * kc;
      for (std::size_t k = 0; k < kc; ++k) acc[2 * kc + k] += ua[k] * ub[k];
    }
  });
  const auto m = static_cast<double>(graph.directed_edges());
  double cov = 0.0;
  double var = 0.0;
  for (std::size_t k = 0; k < kc; ++k) {
    const double mean = sums[k] / m;
    var += sums[kc + k] / m - mean * mean;
    cov += sums[2 * kc + k] / m - mean * mean;
  }
  if (!(var > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return cov / var;
}

}  // namespace qvsim
