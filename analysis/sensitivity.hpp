#pragma once
// Global sensitivity analysis: Sobol' indices from a Saltelli design and Morris elementary effects
// from trajectories, with the designs that feed them. docs/sweeps.md ("sobol", "morris") and
// docs/outputs.md ("sensitivity.csv") describe how a sweep uses them.
//
// Designs live in the unit hypercube [0, 1]^d; the caller maps a coordinate u to a parameter
// value (uniform: lo + u (hi - lo), and so on). Every coordinate is a pure function of
// (key, sizes), so a design is the same on every machine and at any thread count.
//
// Sobol' indices (Saltelli et al. 2010, "Variance based sensitivity analysis of model output",
// Comput. Phys. Commun. 181, table 2). With f_A, f_B and f_ABi the outputs at base row j of A, B
// and A_B^(i) (A with column i taken from B), N base rows, and outputs centred by
// f0 = mean of all f_A and f_B (centring removes the large-mean cancellation of raw moments; the
// estimators' expectations are unchanged, see the .cpp):
//   V      = (1 / 2N) sum_j (f_A(j)^2 + f_B(j)^2) - f0^2          (variance of the A and B outputs)
//   S1_i   = (1 / N)  sum_j f_B(j) (f_ABi(j) - f_A(j)) / V        (Saltelli 2010, first order)
//   ST_i   = (1 / 2N) sum_j (f_A(j) - f_ABi(j))^2 / V             (Jansen 1999, total order)
// Intervals: the bootstrap resamples the N base rows (each with its d + 2 outputs) with
// replacement and recomputes V, S1 and ST on each resample; percentile intervals and the
// bootstrap standard error (sd of the resample estimates) are reported.
//
// Morris elementary effects (Morris 1991; mu* from Campolongo, Cariboni and Saltelli 2007): on a
// p-level grid {0, 1/(p-1), ..., 1} (p even) with step Delta = p / (2 (p - 1)), each trajectory
// moves one coordinate at a time by +-Delta, so d + 1 points give one elementary effect per input:
//   EE_i = (f(x + s Delta e_i) - f(x)) / (s Delta),   s = +1 or -1 the direction of the move,
// in unit coordinates (for f(u) = sum c_i u_i every EE_i is c_i; the raw difference is c_i s
// Delta).
//   mu_i = mean of EE_i,  mu*_i = mean of |EE_i|,  sigma_i = sd of EE_i (r - 1 denominator)
// over the r trajectories.
//
// Thread safety: every function is pure; the bootstrap runs its resample chunks in parallel with
// oneTBB, keyed by resample chunk (as analysis/bootstrap.hpp), so its results are identical at any
// thread count.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/rng.hpp"

namespace qvsim::analysis {

// ---- designs ----------------------------------------------------------------------------------

// A Saltelli design: N base rows, each a block of d + 2 points in this order: A_j, B_j, then
// A_B^(1)_j ... A_B^(d)_j (A_j with coordinate i replaced by B_j's). Point j (d + 2) + k is block
// j's k-th point, so raising N appends points and keeps the first ones.
//
// The base matrices are keyed pseudo-random uniforms, not a Sobol' low-discrepancy sequence (none
// is in our libraries, and keyed draws keep the design a pure function of the key): coordinate i
// of A_j is uniform_open_at(key with agent = i, 2j), of B_j uniform_open_at(key with agent = i,
// 2j + 1). Pseudo-random bases converge as 1/sqrt(N), the rate the tests' tolerances assume.
struct SaltelliDesign {
  std::uint64_t samples = 0;  // N, base rows
  std::size_t dims = 0;       // d
  std::vector<double> unit;   // N (d + 2) points x d coordinates, row-major, each in (0, 1)

  std::uint64_t points() const noexcept { return samples * (dims + 2); }
  double at(std::uint64_t point, std::size_t dim) const noexcept {
    return unit[point * dims + dim];
  }
};

// Throws std::invalid_argument when samples or dims is 0, or the design would exceed 2^32 points.
SaltelliDesign saltelli_design(std::uint64_t samples, std::size_t dims, const StreamKey& key);

// Morris trajectories: r trajectories of d + 1 points on the p-level grid; point t (d + 1) + s is
// trajectory t's s-th point. Trajectory t draws from the Stream keyed by `key` with agent = t:
// first a start level per coordinate, uniform on {0, ..., p - 1} (in coordinate order), then the
// order in which coordinates move (a Fisher-Yates shuffle of 0..d-1). A coordinate starting at
// level l moves to l + p/2 when l < p/2, else to l - p/2, so every level is equally likely before
// and after its move and each move is exactly Delta.
struct MorrisDesign {
  std::uint64_t trajectories = 0;    // r
  std::size_t dims = 0;              // d
  std::uint32_t levels = 0;          // p, even, >= 2
  double delta = 0.0;                // p / (2 (p - 1)), in unit coordinates
  std::vector<double> unit;          // r (d + 1) points x d coordinates, row-major, each in [0, 1]
  std::vector<std::uint32_t> moved;  // r d entries: the coordinate that step s of trajectory t
                                     // moves (from point s to s + 1), at t d + s
  std::vector<std::int8_t> sign;     // r d entries: +1 or -1, the direction of that move

  std::uint64_t points() const noexcept { return trajectories * (dims + 1); }
  double at(std::uint64_t point, std::size_t dim) const noexcept {
    return unit[point * dims + dim];
  }
};

// Throws std::invalid_argument when trajectories or dims is 0, levels is odd or < 2, or the
// design would exceed 2^32 points.
MorrisDesign morris_design(std::uint64_t trajectories, std::size_t dims, std::uint32_t levels,
                           const StreamKey& key);

// ---- estimators -------------------------------------------------------------------------------

struct SobolIndex {
  double estimate = 0.0;  // on all N rows; NaN when V is 0 or fewer than 2 rows are usable
  double low = 0.0;       // percentile bootstrap interval at `level`
  double high = 0.0;
  double se = 0.0;  // bootstrap standard error (sd of the resample estimates, B - 1 denominator)
};

struct SobolResult {
  std::uint64_t rows = 0;         // base rows used: those whose d + 2 outputs are all finite
  double variance = 0.0;          // V on those rows
  std::vector<SobolIndex> first;  // S1_i, i = 0..d-1
  std::vector<SobolIndex> total;  // ST_i
};

// Sobol' indices from the outputs of a Saltelli design: `outputs` holds N (d + 2) values in the
// design's point order (SaltelliDesign); a base row with a non-finite output is left out whole.
// `resamples` >= 1 bootstrap resamples of the usable rows; resample b draws from the Stream keyed
// by `key` with purpose bootstrap and agent = b / kResampleChunk. `level` in (0, 1).
// Throws std::invalid_argument for a size that is not a multiple of d + 2, d = 0, resamples = 0 or
// more than 2^32 - 1 rows. With V = 0 (a constant output) every estimate and interval is NaN.
SobolResult sobol_indices(std::span<const double> outputs, std::size_t dims,
                          std::uint64_t resamples, StreamKey key, double level = 0.95);

struct MorrisIndex {
  std::uint64_t effects = 0;  // trajectories whose effect for this input is finite
  double mu = 0.0;            // mean EE; NaN when effects = 0
  double mu_star = 0.0;       // mean |EE|
  double sigma = 0.0;         // sd of EE, r - 1 denominator; NaN when effects < 2
};

// Elementary effects of a Morris design: `outputs` holds one value per design point, in the
// design's order. An effect whose two outputs are not both finite is skipped for that input.
// Throws std::invalid_argument when outputs.size() != design.points().
std::vector<MorrisIndex> morris_indices(const MorrisDesign& design,
                                        std::span<const double> outputs);

}  // namespace qvsim::analysis
