// Quadratic funding's matching rules against the known values of issue "Defences" and
// hand-computed cases (docs/model.md, "Quadratic funding"). Tolerances are 1e-9 relative: every
// value is a few square roots and sums of numbers near 1..10^4.

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "sim/matching.hpp"

using namespace qvsim;

namespace {

// Contributions of `amount` / k from each of k accounts (contributors first..first+k-1).
std::vector<Contribution> split(double amount, std::uint32_t k, std::uint32_t project,
                                std::uint32_t first = 0) {
  std::vector<Contribution> out;
  for (std::uint32_t a = 0; a < k; ++a) out.push_back({first + a, project, amount / k});
  return out;
}

double subsidy(MatchingRule rule, const std::vector<Contribution>& c, std::uint32_t projects,
               std::uint32_t p, const MatchingOptions& o = {}) {
  return subsidy_of(matched_funding(rule, c, projects, o), c)[p];
}

}  // namespace

TEST_CASE("standard QF: splitting c over k sybils gains (k - 1) c of subsidy") {
  for (const auto& [k, gain] : std::vector<std::pair<std::uint32_t, double>>{
           {1, 0.0}, {2, 100.0}, {4, 300.0}, {10, 900.0}, {100, 9900.0}}) {
    CAPTURE(k);
    CHECK(subsidy(MatchingRule::standard, split(100.0, k, 0), 1, 0) ==
          Approx(gain).epsilon(1e-9).margin(1e-9));
  }
}

TEST_CASE("standard QF: two donors who swap 50/50 gain 100 of subsidy per project") {
  // Alone each funds her own project with 100: no subsidy.
  const std::vector<Contribution> alone{{0, 0, 100.0}, {1, 1, 100.0}};
  CHECK(subsidy(MatchingRule::standard, alone, 2, 0) == Approx(0.0).margin(1e-9));
  const std::vector<Contribution> swap{{0, 0, 50.0}, {0, 1, 50.0}, {1, 0, 50.0}, {1, 1, 50.0}};
  for (std::uint32_t p = 0; p < 2; ++p)
    CHECK(subsidy(MatchingRule::standard, swap, 2, p) == Approx(100.0).epsilon(1e-9));
}

TEST_CASE("pairwise QF bounds the swap by M / (M + k_ij)") {
  // k_01 = sqrt(50 * 50) on each of two projects = 100; each project's pair term is
  // 2 sqrt(50 * 50) M / (M + 100) = 100 M / (M + 100).
  const std::vector<Contribution> swap{{0, 0, 50.0}, {0, 1, 50.0}, {1, 0, 50.0}, {1, 1, 50.0}};
  for (const double m : {1.0, 100.0, 1e4}) {
    MatchingOptions o;
    o.pairwise_m = m;
    CHECK(subsidy(MatchingRule::pairwise, swap, 2, 1, o) ==
          Approx(100.0 * m / (m + 100.0)).epsilon(1e-12));
  }
  // Large M tends to standard QF; contributors who share nothing are bounded only by M.
  MatchingOptions big;
  big.pairwise_m = 1e15;
  const std::vector<Contribution> c{{0, 0, 4.0}, {1, 0, 9.0}, {2, 0, 1.0}};
  CHECK(matched_funding(MatchingRule::pairwise, c, 1, big)[0] ==
        Approx(matched_funding(MatchingRule::standard, c, 1)[0]).epsilon(1e-9));
}

TEST_CASE("COCM: a clique in one group gets nothing; ten donors by groups get 90, 10, 0") {
  for (const std::uint32_t k : {2u, 4u, 10u, 100u}) {
    CAPTURE(k);
    MatchingOptions o;
    o.groups_of.assign(k, {0});
    CHECK(subsidy(MatchingRule::cocm, split(100.0, k, 0), 1, 0, o) == Approx(0.0).margin(1e-9));
  }
  const auto ten = split(10.0, 10, 0);  // ten donors of 1
  for (const auto& [groups, expected] :
       std::vector<std::pair<std::uint32_t, double>>{{10, 90.0}, {2, 10.0}, {1, 0.0}}) {
    CAPTURE(groups);
    MatchingOptions o;
    for (std::uint32_t i = 0; i < 10; ++i) {
      o.groups_of.push_back({i % groups});
      o.group_of.push_back(i % groups);
    }
    CHECK(subsidy(MatchingRule::cocm, ten, 1, 0, o) == Approx(expected).margin(1e-9));
    // With a partition, COCM is cluster match.
    CHECK(subsidy(MatchingRule::cluster, ten, 1, 0, o) == Approx(expected).margin(1e-9));
  }
}

TEST_CASE("COCM in disjoint singleton groups equals standard QF") {
  const std::vector<Contribution> c{{0, 0, 4.0},   {1, 0, 9.0}, {2, 0, 0.25}, {3, 0, 17.0},
                                    {1, 1, 100.0}, {4, 1, 3.0}, {0, 1, 2.0}};
  MatchingOptions o;
  for (std::uint32_t i = 0; i < 5; ++i) o.groups_of.push_back({i + 7});
  const auto cocm = matched_funding(MatchingRule::cocm, c, 2, o);
  const auto qf = matched_funding(MatchingRule::standard, c, 2);
  for (std::size_t p = 0; p < 2; ++p) CHECK(cocm[p] == Approx(qf[p]).epsilon(1e-9));
  // Donors given no groups are groups of their own, the same thing.
  CHECK(matched_funding(MatchingRule::cocm, c, 2)[1] == Approx(qf[1]).epsilon(1e-9));
}

TEST_CASE("COCM discounts a donor connected to another group through an overlap") {
  // a in {0}, b in {0, 1}, c in {1}, 4 each. b joins the groups, so a is connected to group 1
  // and c to group 0. Hand computation: sum c = 12; term(0 -> 1) = sqrt(4) / 1 (a, connected)
  // + sqrt(4) / 2 (b, in 1) = 3; term(1 -> 0) = 3 likewise; F = 12 + 2 sqrt(3 * 3) = 18.
  const std::vector<Contribution> c{{0, 0, 4.0}, {1, 0, 4.0}, {2, 0, 4.0}};
  MatchingOptions o;
  o.groups_of = {{0}, {0, 1}, {1}};
  CHECK(matched_funding(MatchingRule::cocm, c, 1, o)[0] == Approx(18.0).epsilon(1e-12));
  // Without b's second group nobody is connected across: cluster match, (sqrt 8 + sqrt 4)^2.
  o.groups_of = {{0}, {0}, {1}};
  CHECK(matched_funding(MatchingRule::cocm, c, 1, o)[0] ==
        Approx(std::pow(std::sqrt(8.0) + 2.0, 2)).epsilon(1e-12));
  // Standard QF would give (3 * 2)^2 = 36.
  CHECK(matched_funding(MatchingRule::standard, c, 1)[0] == Approx(36.0).epsilon(1e-12));
}

TEST_CASE("COCM with unequal contributions tells a connected donor's root from her amount") {
  // a = 9 in {0}, b = 4 in {0, 1}, c = 1 in {1}, d = 16 in {2}; groups 0 and 1 overlap (b).
  // term(0 -> 1) = sqrt 9 (a, connected) + sqrt 4 / 2 (b, in 1) = 4; term(1 -> 0) = 1 + 1 = 2;
  // term(0 -> 2) = 9 + 4 / 2 = 11 (nobody connected); term(2 -> 0) = 16; term(1 -> 2) = 2 + 1 = 3;
  // term(2 -> 1) = 16. F = 30 + 2 sqrt(4 * 2) + 2 sqrt(11 * 16) + 2 sqrt(3 * 16).
  const std::vector<Contribution> c{{0, 0, 9.0}, {1, 0, 4.0}, {2, 0, 1.0}, {3, 0, 16.0}};
  MatchingOptions o;
  o.groups_of = {{0}, {0, 1}, {1}, {2}};
  const double expected =
      30.0 + 2.0 * std::sqrt(8.0) + 2.0 * std::sqrt(176.0) + 2.0 * std::sqrt(48.0);
  CHECK(matched_funding(MatchingRule::cocm, c, 1, o)[0] == Approx(expected).epsilon(1e-12));
}

TEST_CASE("capped QF scales every subsidy by pool / total subsidy when they exceed the pool") {
  const std::vector<Contribution> c{{0, 0, 1.0}, {1, 0, 1.0}, {2, 1, 4.0}, {3, 1, 4.0}};
  // Standard subsidies: project 0 (1 + 1)^2 - 2 = 2; project 1 (2 + 2)^2 - 8 = 8; total 10.
  MatchingOptions o;
  o.pool = 5.0;
  const auto f = matched_funding(MatchingRule::capped, c, 2, o);
  CHECK(f[0] == Approx(2.0 + 1.0).epsilon(1e-12));
  CHECK(f[1] == Approx(8.0 + 4.0).epsilon(1e-12));
  o.pool = 100.0;  // a pool larger than the subsidies leaves them whole
  CHECK(matched_funding(MatchingRule::capped, c, 2, o)[1] == Approx(16.0).epsilon(1e-12));
  // Several contributions of one donor to one project add up before the root.
  const std::vector<Contribution> twice{{0, 0, 2.0}, {0, 0, 2.0}, {1, 0, 4.0}};
  CHECK(matched_funding(MatchingRule::standard, twice, 1)[0] == Approx(16.0).epsilon(1e-12));
}

TEST_CASE("pairwise QF equals its formula computed pair by pair and project by project") {
  // Six contributors funding different sets of four projects, some twice (amounts add up): the
  // dense table's k_ij and its one pass over pairs against the definition, written out.
  const std::vector<Contribution> c = {
      {0, 0, 4.0}, {0, 1, 1.0}, {1, 0, 9.0}, {1, 2, 2.0}, {2, 1, 3.0}, {2, 2, 5.0}, {2, 3, 7.0},
      {3, 3, 1.5}, {4, 0, 0.5}, {4, 3, 6.0}, {5, 2, 2.5}, {5, 2, 1.5}, {3, 1, 0.0}};
  const std::uint32_t n = 6, projects = 4;
  std::vector<std::vector<double>> amount(n, std::vector<double>(projects, 0.0));
  for (const Contribution& x : c) amount[x.contributor][x.project] += x.amount;
  for (const double m : {0.5, 3.0, 100.0}) {
    MatchingOptions o;
    o.pairwise_m = m;
    const auto f = matched_funding(MatchingRule::pairwise, c, projects, o);
    for (std::uint32_t p = 0; p < projects; ++p) {
      double expected = 0.0;
      for (std::uint32_t i = 0; i < n; ++i) expected += amount[i][p];
      for (std::uint32_t i = 0; i < n; ++i)
        for (std::uint32_t j = 0; j < n; ++j) {
          if (i == j) continue;
          double k = 0.0;
          for (std::uint32_t q = 0; q < projects; ++q) k += std::sqrt(amount[i][q] * amount[j][q]);
          expected += std::sqrt(amount[i][p] * amount[j][p]) * m / (m + k);
        }
      CAPTURE(m, p);
      CHECK(f[p] == Approx(expected).epsilon(1e-12));
    }
  }
}

TEST_CASE("COCM over a partition is cluster match; an overlap takes the general formula") {
  // Donors 0..5 in groups {0, 1, 2}, {3, 4}, {5}: every one in exactly one group.
  const std::vector<Contribution> c = {{0, 0, 4.0}, {1, 0, 1.0}, {2, 0, 9.0},
                                       {3, 0, 2.0}, {4, 0, 3.0}, {5, 0, 6.0}};
  MatchingOptions o;
  o.group_of = {0, 0, 0, 1, 1, 2};
  for (const std::uint32_t g : o.group_of) o.groups_of.push_back({g});
  const double cluster = matched_funding(MatchingRule::cluster, c, 1, o)[0];
  CHECK(cluster ==
        Approx(std::pow(std::sqrt(14.0) + std::sqrt(5.0) + std::sqrt(6.0), 2)).epsilon(1e-12));
  CHECK(matched_funding(MatchingRule::cocm, c, 1, o)[0] == cluster);
  // Donor 2 also in group 1: groups overlap, donors of groups 0 and 1 are connected, and COCM
  // matches less than cluster match would.
  o.groups_of[2] = {0, 1};
  CHECK(matched_funding(MatchingRule::cocm, c, 1, o)[0] < cluster);
}
