#include "sim/funding.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "sim/clusters.hpp"
#include "sim/electorate.hpp"
#include "sim/invariants.hpp"
#include "sim/runner.hpp"

namespace qvsim {

double allocative_efficiency(std::span<const double> value_totals,
                             std::span<const double> funding) {
  double value = 0.0;
  double total = 0.0;
  double q = 0.0;
  for (std::size_t p = 0; p < funding.size(); ++p) {
    value += 2.0 * value_totals[p] * std::sqrt(funding[p]);
    total += funding[p];
    if (value_totals[p] > 0.0) q += value_totals[p] * value_totals[p];
  }
  if (!(total > 0.0) || !(q > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return value / (2.0 * std::sqrt(total * q));
}

namespace {

// One arm's contributions: the voters' (honest, plus what bribes added) and the attackers'
// accounts (ids from `agents` on), with each contributor's group for the cluster rules.
struct ArmContributions {
  std::vector<Contribution> list;
  std::vector<std::uint32_t> group_of;  // by contributor
  double attacker_cost = 0.0;
  std::uint64_t bribed = 0;
  std::vector<std::uint32_t> attacked;  // the attackers' projects, ascending, distinct
  // The counterfactual of gain: the same voters' honest contributions, and each attacker's money
  // given openly from one account of her own to her own project (the briber: what he spent).
  std::vector<Contribution> plain;
  std::vector<std::uint32_t> plain_group_of;
  // Each contributor's true attacker (sybil attacker or ring), kNoAttacker for voters.
  std::vector<std::uint32_t> attacker_of;
};

constexpr std::uint32_t kNoAttacker = std::numeric_limits<std::uint32_t>::max();

// Voter a's price for adding `amount` to her contribution c to a project she values at u: what
// she gives up, amount - 2 u (sqrt(c + amount) - sqrt(c)) under standard QF (her sqrt(c) is her
// share of sqrt(F)), never below 0.
double bribe_price(double u, double c, double amount) noexcept {
  return std::max(0.0, amount - 2.0 * u * (std::sqrt(c + amount) - std::sqrt(c)));
}

ArmContributions contributions_of(const FundingArm& arm, const Electorate& e,
                                  const std::vector<std::uint32_t>& voter_groups,
                                  std::uint32_t group_count) {
  ArmContributions out;
  const std::uint32_t n = e.agents;
  const std::uint32_t projects = e.proposals;
  for (AgentId a = 0; a < n; ++a) {
    const auto u = e.of(a);
    for (std::uint32_t p = 0; p < projects; ++p) {
      const double c = honest_contribution(u[p]);
      if (c > 0.0) out.list.push_back({a, p, c});
    }
  }
  out.group_of = voter_groups;
  out.attacker_of.assign(n, kNoAttacker);
  std::uint32_t next_attacker = 0;
  out.plain = out.list;
  out.plain_group_of = voter_groups;
  std::uint32_t next_group = group_count;
  std::uint32_t next_account = n;
  const auto account = [&](std::uint32_t group, std::uint32_t project, double amount) {
    out.list.push_back({next_account++, project, amount});
    out.group_of.push_back(group);
    out.attacker_of.push_back(next_attacker);
  };
  std::uint32_t next_plain = n;
  std::uint32_t next_plain_group = group_count;
  const auto open_gift = [&](std::uint32_t project, double amount) {
    if (!(amount > 0.0)) return;
    out.plain.push_back({next_plain++, project, amount});
    out.plain_group_of.push_back(next_plain_group++);
  };
  if (arm.bribe) {
    const FundingBribe& b = *arm.bribe;
    std::vector<double> price(n);
    std::vector<AgentId> order(n);
    std::iota(order.begin(), order.end(), AgentId{0});
    for (AgentId a = 0; a < n; ++a) {
      const double u = e.value(a, b.project);
      price[a] = bribe_price(u, honest_contribution(u), b.amount);
    }
    std::sort(order.begin(), order.end(), [&price](AgentId x, AgentId y) {
      return price[x] != price[y] ? price[x] < price[y] : x < y;
    });
    double spent = 0.0;
    for (const AgentId a : order) {
      if (spent + price[a] > b.budget) break;  // cheapest first, until the next does not fit
      spent += price[a];
      ++out.bribed;
      out.list.push_back({a, b.project, b.amount});
    }
    out.attacker_cost += spent;
    out.attacked.push_back(b.project);
    open_gift(b.project, spent);
  }
  if (arm.sybils) {
    const FundingSybils& s = *arm.sybils;
    const double each = s.amount / static_cast<double>(s.accounts);
    for (std::uint32_t j = 0; j < s.attackers; ++j) {
      const std::uint32_t shared = next_group++;
      for (std::uint32_t k = 0; k < s.accounts; ++k)
        account(s.grouped ? shared : next_group++, s.project, each);
      out.attacker_cost += s.amount;
      open_gift(s.project, s.amount);
      ++next_attacker;
    }
    out.attacked.push_back(s.project);
  }
  if (arm.ring) {
    const FundingRing& r = *arm.ring;
    const double each = r.amount / static_cast<double>(r.projects.size());
    const std::uint32_t shared = next_group++;
    for (std::size_t member = 0; member < r.projects.size(); ++member) {
      const std::uint32_t group = r.grouped ? shared : next_group++;
      const std::uint32_t id = next_account++;
      for (const std::uint32_t p : r.projects) {
        out.list.push_back({id, p, each});
      }
      out.group_of.push_back(group);
      out.attacker_of.push_back(next_attacker);
      out.attacker_cost += r.amount;
      open_gift(r.projects[member], r.amount);
    }
    out.attacked.insert(out.attacked.end(), r.projects.begin(), r.projects.end());
    ++next_attacker;
  }
  std::sort(out.attacked.begin(), out.attacked.end());
  out.attacked.erase(std::unique(out.attacked.begin(), out.attacked.end()), out.attacked.end());
  return out;
}

// The identical-contributions detector over one arm's contributors: each contributor's label is
// the first contributor (in id order) whose contributions, project by project, are exactly hers;
// contributors who give nothing are left alone. Flagged groups are those of two or more.
std::vector<std::uint32_t> identical_labels(const std::vector<Contribution>& list,
                                            std::size_t contributors) {
  std::vector<std::vector<std::pair<std::uint32_t, double>>> given(contributors);
  for (const Contribution& c : list)
    if (c.amount > 0.0) given[c.contributor].push_back({c.project, c.amount});
  for (auto& g : given) {
    std::sort(g.begin(), g.end());
    // Several contributions of one contributor to one project add up (sim/matching.hpp).
    std::size_t w = 0;
    for (std::size_t r = 0; r < g.size(); ++r) {
      if (w > 0 && g[w - 1].first == g[r].first) {
        g[w - 1].second += g[r].second;
      } else {
        g[w++] = g[r];
      }
    }
    g.resize(w);
  }
  std::vector<std::uint32_t> order(contributors);
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&given](std::uint32_t a, std::uint32_t b) { return given[a] < given[b]; });
  std::vector<std::uint32_t> label(contributors);
  std::iota(label.begin(), label.end(), std::uint32_t{0});
  for (std::size_t i = 1; i < order.size(); ++i) {
    const std::uint32_t a = order[i], prev = order[i - 1];
    if (!given[a].empty() && given[a] == given[prev]) label[a] = label[prev];
  }
  return label;
}

// funding.detect: the detector's clusters over the contributors of `list`, each flagged group
// (two or more) given a group of its own in `group_of` for the cluster rules.
Clusters detect_and_group(const std::vector<Contribution>& list,
                          std::vector<std::uint32_t>& group_of) {
  const Clusters flagged = clusters_from_labels(identical_labels(list, group_of.size()));
  std::uint32_t next = 0;
  for (const std::uint32_t g : group_of) next = std::max(next, g + 1);
  for (std::uint32_t k = 0; k < flagged.count; ++k) {
    if (flagged.size(k) < 2) continue;
    for (std::uint64_t m = flagged.start[k]; m < flagged.start[k + 1]; ++m)
      group_of[flagged.members[m]] = next;
    ++next;
  }
  return flagged;
}

MatchingOptions options_for(const FundingSpec& f, const std::vector<std::uint32_t>& group_of) {
  MatchingOptions o;
  o.pool = f.pool;
  o.pairwise_m = f.pairwise_m > 0.0 ? f.pairwise_m : 1.0;
  o.group_of = group_of;
  o.groups_of.reserve(group_of.size());
  for (const std::uint32_t g : group_of) o.groups_of.push_back({g});
  return o;
}

bool needs_groups(const FundingSpec& f) {
  return std::any_of(f.rules.begin(), f.rules.end(), [](MatchingRule r) {
    return r == MatchingRule::cluster || r == MatchingRule::cocm;
  });
}

}  // namespace

FundingOutcome run_funding_replicate(const Model& model, std::uint64_t replicate) {
  const Scenario& s = model.scenario;
  const FundingSpec& f = s.funding;
  // The graph and values exactly as a voting replicate draws them.
  ReplicateDraw d;
  draw_replicate(model, replicate, d);
  const Graph* graph = d.graph;
  const Electorate& e = d.electorate;

  // Voters' groups: their clusters for the cluster rules, else each her own.
  std::vector<std::uint32_t> groups(e.agents);
  std::uint32_t group_count = e.agents;
  if (needs_groups(f)) {
    const Clusters c = replicate_clusters(model, *graph, replicate);
    groups = c.of;
    group_count = c.count;
  } else {
    std::iota(groups.begin(), groups.end(), std::uint32_t{0});
  }

  FundingOutcome out;
  out.replicate = replicate;
  out.value_totals = e.totals;
  const FundingArm none{};
  ArmContributions honest = contributions_of(none, e, groups, group_count);
  if (f.detect) detect_and_group(honest.list, honest.group_of);
  std::vector<std::vector<double>> honest_subsidy;
  for (const MatchingRule rule : f.rules) {
    const auto funding =
        matched_funding(rule, honest.list, s.proposals, options_for(f, honest.group_of));
    honest_subsidy.push_back(subsidy_of(funding, honest.list));
  }

  for (const FundingArm& arm : f.arms) {
    ArmContributions c = contributions_of(arm, e, groups, group_count);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    PairScore score{nan, nan, nan, nan, nan, nan};
    if (f.detect) {
      score = score_pairs(detect_and_group(c.list, c.group_of), c.attacker_of, kNoAttacker);
      detect_and_group(c.plain, c.plain_group_of);
    }
    FundingArmOutcome a;
    a.contributed = contributed(c.list, s.proposals);
    for (const double x : a.contributed) a.contributions += x;
    std::vector<std::uint8_t> gives(c.group_of.size(), 0);
    for (const Contribution& x : c.list)
      gives[x.contributor] = x.amount > 0.0 ? 1 : gives[x.contributor];
    for (const std::uint8_t g : gives) a.contributors += g;
    a.attacker_cost = c.attacker_cost;
    a.bribed = c.bribed;
    a.detection_precision = score.precision;
    a.detection_recall = score.recall;
    a.detection_f1 = score.f1;
    const MatchingOptions options = options_for(f, c.group_of);
    const MatchingOptions plain_options = options_for(f, c.plain_group_of);
    for (std::size_t r = 0; r < f.rules.size(); ++r) {
      FundingRuleOutcome o;
      o.rule = f.rules[r];
      o.funding = matched_funding(o.rule, c.list, s.proposals, options);
      o.subsidy = subsidy_of(o.funding, c.list);
      for (const double x : o.subsidy) o.matching += x;
      for (const std::uint32_t p : c.attacked) o.captured += o.subsidy[p] - honest_subsidy[r][p];
      if (!c.attacked.empty()) {
        const auto plain = matched_funding(o.rule, c.plain, s.proposals, plain_options);
        const auto plain_subsidy = subsidy_of(plain, c.plain);
        double open = 0.0;
        for (const std::uint32_t p : c.attacked) open += plain_subsidy[p] - honest_subsidy[r][p];
        o.gain = o.captured - open;
      }
      o.efficiency = allocative_efficiency(out.value_totals, o.funding);
      a.rules.push_back(std::move(o));
    }
    if constexpr (kInvariantsEnabled) {
      check_funding_arm(f, arm, a, matched_funding(MatchingRule::standard, c.list, s.proposals),
                        replicate);
    }
    out.arms.push_back(std::move(a));
  }
  return out;
}

void check_funding_arm(const FundingSpec& spec, const FundingArm& arm,
                       const FundingArmOutcome& outcome, std::span<const double> standard,
                       std::uint64_t replicate) {
  InvariantSite site;
  site.replicate = replicate;
  site.arm = arm.name;
  const double tol = kInvariantTolerance;
  const auto fail = [&](const char* invariant, const std::string& details) {
    invariant_failed(invariant, site, kNoAgent, details);
  };
  for (const FundingRuleOutcome& r : outcome.rules) {
    const std::string rule = to_string(r.rule);
    for (std::size_t p = 0; p < r.funding.size(); ++p) {
      const double c = outcome.contributed[p];
      if (!(r.funding[p] >= c - tol * std::max(1.0, c))) {
        fail("funding.subsidy", rule + ", project " + std::to_string(p) + ": F " +
                                    std::to_string(r.funding[p]) + " below contributions " +
                                    std::to_string(c));
      }
      if (!(r.funding[p] <= standard[p] + tol * std::max(1.0, standard[p]))) {
        fail("funding.bound", rule + ", project " + std::to_string(p) + ": F " +
                                  std::to_string(r.funding[p]) + " above standard QF's " +
                                  std::to_string(standard[p]));
      }
    }
    if (r.rule == MatchingRule::capped && !(r.matching <= spec.pool * (1.0 + tol))) {
      fail("funding.pool", "capped paid " + std::to_string(r.matching) + " from a pool of " +
                               std::to_string(spec.pool));
    }
    if (r.efficiency > 1.0 + tol) {
      fail("funding.efficiency", rule + ": efficiency " + std::to_string(r.efficiency) + " > 1");
    }
  }
  double open = 0.0;  // what the sybils and the ring gave
  if (arm.sybils) open += arm.sybils->amount * arm.sybils->attackers;
  if (arm.ring) open += arm.ring->amount * static_cast<double>(arm.ring->projects.size());
  const double bribes = outcome.attacker_cost - open;
  const double budget = arm.bribe ? arm.bribe->budget : 0.0;
  if (!(bribes <= budget + tol * std::max(1.0, outcome.attacker_cost))) {
    fail("funding.budget",
         "bribes paid " + std::to_string(bribes) + " from a budget of " + std::to_string(budget));
  }
}

}  // namespace qvsim
