#include "sim/pairwise.hpp"

#include <cassert>
#include <cmath>

#include "sim/parallel.hpp"

namespace qvsim {

std::vector<double> pairwise_bounded_tally(std::span<const double> ballots, std::uint32_t proposals,
                                           double m) {
  assert(m > 0.0 && proposals > 0 && ballots.size() % proposals == 0);
  const std::size_t kc = proposals;
  const std::size_t n = ballots.size() / kc;
  // Each agent i's own terms and her pairs with every j > i, per option (for: k, against:
  // kc + k), summed per agent and then over agents in order: the same at any thread count.
  std::vector<double> per(n * 2 * kc, 0.0);
  parallel_for_blocks(std::size_t{0}, n, std::size_t{16}, [&](std::size_t lo, std::size_t hi) {
    std::vector<double> product(kc);
    for (std::size_t i = lo; i != hi; ++i) {
      const double* vi = ballots.data() + i * kc;
      double* acc = per.data() + i * 2 * kc;
      for (std::size_t k = 0; k < kc; ++k) acc[(vi[k] > 0.0 ? 0 : kc) + k] += vi[k] * vi[k];
      for (std::size_t j = i + 1; j < n; ++j) {
        const double* vj = ballots.data() + j * kc;
        double kij = 0.0;
        for (std::size_t k = 0; k < kc; ++k) {
          // sqrt(c_iq c_jq) = |v_ik v_jk| when both chose the same option, 0 otherwise.
          const double p = vi[k] * vj[k];
          product[k] = p > 0.0 ? p : 0.0;
          kij += product[k];
        }
        if (kij == 0.0) continue;
        const double w = 2.0 * m / (m + kij);  // (i, j) and (j, i)
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
