#pragma once
// Matching rules of quadratic funding: how a matching pool subsidizes projects from the
// contributions they receive. Formulas and sources in docs/model.md, "Quadratic funding".
//
// Every rule returns each project's funding F_p (contributions plus subsidy) before any pool
// limit; subsidy_of() subtracts the contributions, scale_to_pool() applies a finite pool.
//   standard   F_p = (sum_i sqrt(c_ip))^2 (Buterin, Hitzig and Weyl 2019);
//   capped     standard, with every subsidy times min(1, pool / total subsidy) (their
//              capital-constrained mechanism);
//   pairwise   F_p = sum_i c_ip + sum_{i != j} sqrt(c_ip c_jp) M / (M + k_ij), with
//              k_ij = sum_q sqrt(c_iq c_jq) (Buterin 2019, "Pairwise coordination subsidies");
//   cluster    F_p = (sum_g sqrt(sum_{i in g} c_ip))^2, groups a partition (Miller, Weyl and
//              Erichsen 2022, "cluster match");
//   cocm       connection-oriented cluster match (the same paper), groups possibly overlapping.
//
// Inputs are plain numbers: contributions are finite and >= 0 (checked by the caller's parser;
// asserted here), several contributions of one contributor to one project add up.

#include <cstdint>
#include <span>
#include <vector>

namespace qvsim {

struct Contribution {
  std::uint32_t contributor = 0;
  std::uint32_t project = 0;
  double amount = 0.0;  // finite, >= 0
};

enum class MatchingRule { standard, capped, pairwise, cluster, cocm };

const char* to_string(MatchingRule r) noexcept;

struct MatchingOptions {
  double pool = 0.0;        // capped: the matching pool, > 0
  double pairwise_m = 1.0;  // pairwise: M > 0 (larger M, weaker bound)
  // cluster: group_of[contributor], one group each. cocm: groups_of[contributor], one or more
  // groups each (a contributor beyond the end, or with none, is a group of her own).
  std::vector<std::uint32_t> group_of;
  std::vector<std::vector<std::uint32_t>> groups_of;
};

// Each project's funding F_p, for projects [0, projects); projects nobody funds get 0.
std::vector<double> matched_funding(MatchingRule rule, std::span<const Contribution> contributions,
                                    std::uint32_t projects, const MatchingOptions& options = {});

// Each project's contributions, sum_i c_ip.
std::vector<double> contributed(std::span<const Contribution> contributions,
                                std::uint32_t projects);

// F_p minus each project's contributions: the subsidy the pool pays.
std::vector<double> subsidy_of(std::span<const double> funding,
                               std::span<const Contribution> contributions);

// Scales subsidies by min(1, pool / their total), so that they fit the pool; pool > 0, else
// std::invalid_argument.
void scale_to_pool(std::vector<double>& subsidies, double pool);

}  // namespace qvsim
