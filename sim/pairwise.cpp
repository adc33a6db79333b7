#include "sim/pairwise.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "sim/memory.hpp"
#include "sim/parallel.hpp"

namespace qvsim {

std::vector<double> pairwise_bounded_tally(std::span<const double> ballots, std::uint32_t proposals,
                                           double m, std::span<const std::uint32_t> identities) {
  assert(m > 0.0 && proposals > 0 && ballots.size() % proposals == 0);
  const std::size_t kc = proposals;
  const std::size_t n = ballots.size() / kc;
  assert(identities.empty() || identities.size() == n);
  // Each agent's identities and one identity's ballot (her own ballot when she has one).
  const auto count = [&](std::size_t a) { return identities.empty() ? 1u : identities[a]; };
  LargeVector<double> shares;
  const bool split =
      std::any_of(identities.begin(), identities.end(), [](std::uint32_t k) { return k > 1; });
  if (split) {
    resize_large(shares, ballots.size());
    parallel_for_blocks(std::size_t{0}, n, std::size_t{1024}, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t a = lo; a != hi; ++a)
        for (std::size_t k = 0; k < kc; ++k)
          shares[a * kc + k] = count(a) == 1 ? ballots[a * kc + k]
                                             : ballots[a * kc + k] / static_cast<double>(count(a));
    });
  }
  const double* b = split ? shares.data() : ballots.data();
  // Each agent i's own terms and her pairs with every j > i, per option (for: k, against:
  // kc + k), summed per agent and then over agents in order: the same at any thread count.
  std::vector<double> per(n * 2 * kc, 0.0);
  parallel_for_blocks(std::size_t{0}, n, std::size_t{16}, [&](std::size_t lo, std::size_t hi) {
    std::vector<double> product(kc);
    for (std::size_t i = lo; i != hi; ++i) {
      const double* vi = b + i * kc;
      double* acc = per.data() + i * 2 * kc;
      const std::uint32_t ki = count(i);
      if (ki == 1) {
        for (std::size_t k = 0; k < kc; ++k) acc[(vi[k] > 0.0 ? 0 : kc) + k] += vi[k] * vi[k];
      } else {
        // Her k identities' own terms, and their k (k - 1) ordered pairs: identical shares
        // agree on every option, k_ii' = |b_i|^2.
        double norm = 0.0;
        for (std::size_t k = 0; k < kc; ++k) norm += vi[k] * vi[k];
        const auto kd = static_cast<double>(ki);
        const double w = norm > 0.0 ? kd * (kd - 1.0) * m / (m + norm) : 0.0;
        for (std::size_t k = 0; k < kc; ++k)
          acc[(vi[k] > 0.0 ? 0 : kc) + k] += (kd + w) * (vi[k] * vi[k]);
      }
      for (std::size_t j = i + 1; j < n; ++j) {
        const double* vj = b + j * kc;
        double kij = 0.0;
        for (std::size_t k = 0; k < kc; ++k) {
          // sqrt(c_iq c_jq) = |v_ik v_jk| when both chose the same option, 0 otherwise.
          const double p = vi[k] * vj[k];
          product[k] = p > 0.0 ? p : 0.0;
          kij += product[k];
        }
        if (kij == 0.0) continue;
        double w = 2.0 * m / (m + kij);  // (i, j) and (j, i)
        const std::uint32_t kj = count(j);
        if (ki != 1 || kj != 1) w *= static_cast<double>(ki) * static_cast<double>(kj);
        for (std::size_t k = 0; k < kc; ++k)
          if (product[k] > 0.0) acc[(vi[k] > 0.0 ? 0 : kc) + k] += w * product[k];
      }
    }
  });
  std::vector<double> f(2 * kc, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t q = 0; q < 2 * kc; ++q) f[q] += per[i * 2 * kc + q];
  std::vector<double> tally(kc);
  for (std::size_t k = 0; k < kc; ++k) tally[k] = std::sqrt(f[k]) - std::sqrt(f[kc + k]);
  return tally;
}

}  // namespace qvsim
