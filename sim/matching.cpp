#include "sim/matching.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

namespace qvsim {

const char* to_string(MatchingRule r) noexcept {
  switch (r) {
    case MatchingRule::standard: return "standard";
    case MatchingRule::capped: return "capped";
    case MatchingRule::pairwise: return "pairwise";
    case MatchingRule::cluster: return "cluster";
    case MatchingRule::cocm: return "cocm";
  }
  return "?";
}

namespace {

// One project's contributors and their summed contributions, in contributor order.
using Donors = std::vector<std::pair<std::uint32_t, double>>;

std::vector<Donors> by_project(std::span<const Contribution> contributions,
                               std::uint32_t projects) {
  std::vector<std::map<std::uint32_t, double>> sums(projects);
  for (const Contribution& c : contributions) {
    assert(c.project < projects && std::isfinite(c.amount) && c.amount >= 0.0);
    if (c.amount > 0.0) sums[c.project][c.contributor] += c.amount;
  }
  std::vector<Donors> out(projects);
  for (std::uint32_t p = 0; p < projects; ++p) out[p].assign(sums[p].begin(), sums[p].end());
  return out;
}

double standard(const Donors& d) {
  double root = 0.0;
  for (const auto& [i, c] : d) root += std::sqrt(c);
  return root * root;
}

double cluster(const Donors& d, const std::vector<std::uint32_t>& group_of) {
  std::map<std::uint64_t, double> groups;  // sum of c per group; a donor without one alone
  for (const auto& [i, c] : d) {
    const std::uint64_t g =
        i < group_of.size() ? group_of[i] : (std::uint64_t{1} << 32) + std::uint64_t{i};
    groups[g] += c;
  }
  double root = 0.0;
  for (const auto& [g, c] : groups) root += std::sqrt(c);
  return root * root;
}

// Pairwise-bounded funding of every project. Each pair of contributors is visited once: k_ij is
// the dot product of their rows in a dense table of sqrt(c) (contributor x project), and the pair's
// term is added to every project both fund. Pairs come in ascending (i, j), so each project's sum
// takes its pairs in the order a per-project loop would. (A map of pairs took seconds for a few
// hundred contributors; a per-project loop recomputed k_ij for every project a pair shares.)
std::vector<double> pairwise(const std::vector<Donors>& projects, double m) {
  std::vector<std::uint32_t> ids;
  for (const Donors& d : projects)
    for (const auto& [i, c] : d) ids.push_back(i);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const std::size_t width = projects.size();
  std::vector<double> root(ids.size() * width, 0.0);
  std::vector<double> out(width, 0.0);
  for (std::size_t p = 0; p < width; ++p) {
    for (const auto& [i, c] : projects[p]) {
      const auto r =
          static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), i) - ids.begin());
      root[r * width + p] = std::sqrt(c);
      out[p] += c;
    }
  }
  for (std::size_t a = 0; a < ids.size(); ++a) {
    const double* ra = &root[a * width];
    for (std::size_t b = a + 1; b < ids.size(); ++b) {
      const double* rb = &root[b * width];
      double kij = 0.0;
      for (std::size_t q = 0; q < width; ++q) kij += ra[q] * rb[q];
      if (kij == 0.0) continue;  // they fund no project together
      const double bound = m / (m + kij);
      for (std::size_t q = 0; q < width; ++q)
        if (ra[q] > 0.0 && rb[q] > 0.0) out[q] += 2.0 * ra[q] * rb[q] * bound;  // (i, j), (j, i)
    }
  }
  return out;
}

// Connection-oriented cluster match (Miller, Weyl and Erichsen 2022, section 4):
//   F = sum_g sum_{i in g} c_i / |T_i|
//     + sum_g sum_{h != g} sqrt(sum_{i in g} K(i, h) / |T_i|) sqrt(sum_{j in h} K(j, g) / |T_j|),
// K(i, h) = sqrt(c_i) when i is in h or shares a group with a member of h, c_i otherwise.
class Cocm {
 public:
  explicit Cocm(const std::vector<std::vector<std::uint32_t>>& groups_of) : groups_of_(groups_of) {
    // Two groups overlap when an agent is in both; i is connected to h when one of her groups is
    // h or overlaps h.
    for (const auto& t : groups_of_)
      for (const std::uint32_t g : t)
        for (const std::uint32_t h : t) overlap_.insert({g, h});
  }

  double funding(const Donors& d) const {
    // The groups of each donor (a donor without groups is a group of her own, numbered past
    // every listed group).
    std::map<std::uint64_t, std::vector<std::size_t>> members;  // group -> donors (indices in d)
    std::vector<std::vector<std::uint64_t>> t(d.size());
    for (std::size_t a = 0; a < d.size(); ++a) {
      const std::uint32_t i = d[a].first;
      if (i < groups_of_.size() && !groups_of_[i].empty()) {
        for (const std::uint32_t g : groups_of_[i]) t[a].push_back(g);
        std::sort(t[a].begin(), t[a].end());
        t[a].erase(std::unique(t[a].begin(), t[a].end()), t[a].end());
      } else {
        t[a].push_back((std::uint64_t{1} << 32) + i);
      }
      for (const std::uint64_t g : t[a]) members[g].push_back(a);
    }
    double f = 0.0;
    for (std::size_t a = 0; a < d.size(); ++a) f += d[a].second;  // sum_g sum_i c_i / |T_i|
    // term(g, h) = sum_{i in g} K(i, h) / |T_i|
    auto term = [&](const std::vector<std::size_t>& g, std::uint64_t h) {
      double s = 0.0;
      for (const std::size_t a : g) {
        const double c = d[a].second;
        s += (connected(t[a], h) ? std::sqrt(c) : c) / static_cast<double>(t[a].size());
      }
      return s;
    };
    for (const auto& [g, gm] : members)
      for (const auto& [h, hm] : members)
        if (g != h) f += std::sqrt(term(gm, h)) * std::sqrt(term(hm, g));
    return f;
  }

 private:
  bool connected(const std::vector<std::uint64_t>& t, std::uint64_t h) const {
    for (const std::uint64_t g : t) {
      if (g == h) return true;
      if (g < (std::uint64_t{1} << 32) && h < (std::uint64_t{1} << 32) &&
          overlap_.count({static_cast<std::uint32_t>(g), static_cast<std::uint32_t>(h)}) != 0)
        return true;
    }
    return false;
  }

  const std::vector<std::vector<std::uint32_t>>& groups_of_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> overlap_;
};

}  // namespace

std::vector<double> contributed(std::span<const Contribution> contributions,
                                std::uint32_t projects) {
  std::vector<double> out(projects, 0.0);
  const std::vector<Donors> donors = by_project(contributions, projects);
  for (std::uint32_t p = 0; p < projects; ++p)
    for (const auto& [i, c] : donors[p]) out[p] += c;
  return out;
}

std::vector<double> subsidy_of(std::span<const double> funding,
                               std::span<const Contribution> contributions) {
  const std::vector<double> c =
      contributed(contributions, static_cast<std::uint32_t>(funding.size()));
  std::vector<double> out(funding.size());
  for (std::size_t p = 0; p < funding.size(); ++p) out[p] = funding[p] - c[p];
  return out;
}

void scale_to_pool(std::vector<double>& subsidies, double pool) {
  if (!(pool > 0.0)) throw std::invalid_argument("scale_to_pool: the pool must be > 0");
  double total = 0.0;
  for (const double s : subsidies) total += s;
  if (total <= pool) return;
  const double alpha = pool / total;
  for (double& s : subsidies) s *= alpha;
}

std::vector<double> matched_funding(MatchingRule rule, std::span<const Contribution> contributions,
                                    std::uint32_t projects, const MatchingOptions& options) {
  const std::vector<Donors> donors = by_project(contributions, projects);
  std::vector<double> out;
  switch (rule) {
    case MatchingRule::standard:
      for (const Donors& d : donors) out.push_back(standard(d));
      return out;
    case MatchingRule::capped: {
      for (const Donors& d : donors) out.push_back(standard(d));
      std::vector<double> s = subsidy_of(out, contributions);
      scale_to_pool(s, options.pool);
      const std::vector<double> c = contributed(contributions, projects);
      for (std::uint32_t p = 0; p < projects; ++p) out[p] = c[p] + s[p];
      return out;
    }
    case MatchingRule::pairwise:
      assert(options.pairwise_m > 0.0);
      return pairwise(donors, options.pairwise_m);
    case MatchingRule::cluster:
      for (const Donors& d : donors) out.push_back(cluster(d, options.group_of));
      return out;
    case MatchingRule::cocm: {
      // Every contributor in exactly one group: no group overlaps another and nobody is connected
      // beyond her own, so K(i, h) = c_i and the formula is cluster match, which takes one pass
      // instead of one per pair of groups.
      if (std::all_of(options.groups_of.begin(), options.groups_of.end(),
                      [](const auto& t) { return t.size() == 1; })) {
        std::vector<std::uint32_t> group_of;
        group_of.reserve(options.groups_of.size());
        for (const auto& t : options.groups_of) group_of.push_back(t.front());
        for (const Donors& d : donors) out.push_back(cluster(d, group_of));
        return out;
      }
      const Cocm cocm(options.groups_of);
      for (const Donors& d : donors) out.push_back(cocm.funding(d));
      return out;
    }
  }
  return out;
}

}  // namespace qvsim
