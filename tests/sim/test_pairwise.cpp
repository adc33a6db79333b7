// The pairwise-bounded QV tally (sim/pairwise.hpp; docs/model.md, "Pairwise-bounded QV") against
// hand-computed cases, its large-M limit and bit-identity at 1 and 2 threads.

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "sim/pairwise.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

using namespace qvsim;

TEST_CASE("pairwise-bounded tally, one proposal, by hand") {
  // Votes 3 and 4 for, -2 against. The pair (3, 4) agrees with k = 12; with M = 12 it counts
  // 2 * 12 * 12 / 24 = 12: F_for = 9 + 16 + 12 = 37. F_against = 4. Tally sqrt(37) - 2.
  const std::vector<double> ballots{3.0, 4.0, -2.0};
  CHECK(pairwise_bounded_tally(ballots, 1, 12.0)[0] ==
        Approx(std::sqrt(37.0) - 2.0).epsilon(1e-14));
  // With M far above k the bound vanishes: plain QV's 3 + 4 - 2 = 5.
  CHECK(pairwise_bounded_tally(ballots, 1, 1e12)[0] == Approx(5.0).epsilon(1e-9));
  // With M small the pair counts almost nothing: sqrt(9 + 16) - 2 = 3.
  CHECK(pairwise_bounded_tally(ballots, 1, 1e-12)[0] == Approx(3.0).epsilon(1e-9));
}

TEST_CASE("pairwise-bounded tally: agreement is counted over every proposal") {
  // Agent 0 votes (1, 2), agent 1 (1, -2): they agree on proposal 0 only, k = 1 * 1 = 1.
  // M = 1: proposal 0 F_for = 1 + 1 + 2 * 1 * 1 / 2 = 3; proposal 1: 2 - 2 = 0.
  const std::vector<double> ballots{1.0, 2.0, 1.0, -2.0};
  const auto t = pairwise_bounded_tally(ballots, 2, 1.0);
  CHECK(t[0] == Approx(std::sqrt(3.0)).epsilon(1e-14));
  CHECK(t[1] == Approx(0.0).margin(1e-14));
  // A pair that also agrees strongly elsewhere is bounded harder on proposal 0: agent 1 votes
  // (1, 2) now, k = 1 + 4 = 5, the pair term 2 * 1 * 1 / 6 = 1/3.
  const std::vector<double> alike{1.0, 2.0, 1.0, 2.0};
  CHECK(pairwise_bounded_tally(alike, 2, 1.0)[0] ==
        Approx(std::sqrt(2.0 + 1.0 / 3.0)).epsilon(1e-14));
}

TEST_CASE("pairwise-bounded tally is bit-identical at 1 and 2 threads") {
  Stream rng(StreamKey{3, 0, 0, 0, 0, Purpose::test});
  std::vector<double> ballots(3000 * 4);
  for (double& v : ballots) v = rng.uniform() < 0.2 ? 0.0 : 10.0 * (rng.uniform() - 0.5);
  std::vector<double> one, two;
  with_threads(1, [&] { one = pairwise_bounded_tally(ballots, 4, 3.0); });
  with_threads(2, [&] { two = pairwise_bounded_tally(ballots, 4, 3.0); });
  CHECK(one == two);
  // Each side lies between the root of its sum of squares and its sum.
  for (std::size_t k = 0; k < 4; ++k) {
    double a[2] = {0, 0}, q[2] = {0, 0};
    for (std::size_t i = 0; i < 3000; ++i) {
      const double v = ballots[i * 4 + k];
      a[v > 0 ? 0 : 1] += std::fabs(v);
      q[v > 0 ? 0 : 1] += v * v;
    }
    CHECK(one[k] >= std::sqrt(q[0]) - a[1] - 1e-9);
    CHECK(one[k] <= a[0] - std::sqrt(q[1]) + 1e-9);
  }
}

TEST_CASE("pairwise-bounded tally counts a sybil's identities as voters of their own") {
  // By hand: agent 0 is a sybil whose 2 identities cast 6 in all (3 each); agent 1 votes 4, agent
  // 2 -2; M = 12. Identities 3 and 3 agree with k = 9: 2 * 9 * 12 / 21 = 72/7. Each identity with
  // agent 1 agrees with k = 12: 2 * 12 * 12 / 24 = 12, twice. F_for = 9 + 9 + 16 + 72/7 + 24 =
  // 478/7; F_against = 4. Merged into one voter of 6 she would count sqrt(68) - 2 instead.
  const std::vector<double> ballots{6.0, 4.0, -2.0};
  const std::vector<std::uint32_t> identities{2, 1, 1};
  CHECK(pairwise_bounded_tally(ballots, 1, 12.0, identities)[0] ==
        Approx(std::sqrt(478.0 / 7.0) - 2.0).epsilon(1e-14));
  CHECK(pairwise_bounded_tally(ballots, 1, 12.0)[0] ==
        Approx(std::sqrt(68.0) - 2.0).epsilon(1e-14));
  // Identities of 1 each change nothing, bit for bit.
  const std::vector<std::uint32_t> ones{1, 1, 1};
  CHECK(pairwise_bounded_tally(ballots, 1, 12.0, ones) == pairwise_bounded_tally(ballots, 1, 12.0));

  // Against the identities listed apart: 200 agents, 3 proposals, a fifth of them sybils with 2
  // to 5 identities, each identity a row of its own holding her ballot's share. The two sum the
  // same terms in another order, so they agree to rounding (1e-12 relative, far above the
  // 1e-16 per operation over some 10^5 terms; 1e-9 absolute for a tally near 0, where F_for and
  // F_against of some 10^3 cancel).
  Stream rng(StreamKey{7, 0, 0, 0, 0, Purpose::test});
  const std::size_t n = 200, kc = 3;
  std::vector<double> votes(n * kc), apart;
  std::vector<std::uint32_t> ids(n);
  for (std::size_t a = 0; a < n; ++a) {
    ids[a] = rng.uniform() < 0.2 ? 2 + static_cast<std::uint32_t>(rng.below(4)) : 1;
    for (std::size_t k = 0; k < kc; ++k)
      votes[a * kc + k] = rng.uniform() < 0.2 ? 0.0 : 10.0 * (rng.uniform() - 0.5);
    for (std::uint32_t i = 0; i < ids[a]; ++i)
      for (std::size_t k = 0; k < kc; ++k) apart.push_back(votes[a * kc + k] / ids[a]);
  }
  const auto counted = pairwise_bounded_tally(votes, kc, 5.0, ids);
  const auto listed = pairwise_bounded_tally(apart, kc, 5.0);
  for (std::size_t k = 0; k < kc; ++k)
    CHECK(counted[k] == Approx(listed[k]).epsilon(1e-12).margin(1e-9));
  // And the identities matter: merged into one voter, the sybils count otherwise.
  const auto merged = pairwise_bounded_tally(votes, kc, 5.0);
  CHECK(merged != counted);
}
