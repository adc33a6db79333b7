// The cross-field rules of a resolved scenario (validate_scenario, api/scenario_yaml.hpp), checked
// after reading and again after command-line overrides. Split from scenario_yaml.cpp.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/detail/arm_yaml.hpp"
#include "api/detail/graph_checks.hpp"
#include "api/detail/scenario_node.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/electorate.hpp"
#include "sim/error.hpp"
#include "sim/graph.hpp"
#include "sim/text.hpp"

namespace qvsim {
namespace {

using namespace yaml_detail;

void validate_normal(const Scenario& s, const std::string& label, const std::string& key,
                     const NormalDist& d) {
  if (!std::isfinite(d.mean)) invalid(s, label, key + ".mean", "must be a finite number");
  if (!(std::isfinite(d.sd) && d.sd > 0)) invalid(s, label, key + ".sd", "must be > 0");
}

void validate_uniform(const Scenario& s, const std::string& label, const std::string& key,
                      const UniformDist& d) {
  if (!std::isfinite(d.low)) invalid(s, label, key + ".low", "must be a finite number");
  if (!(std::isfinite(d.high) && d.high > d.low)) {
    invalid(s, label, key + ".high", "must be greater than low");
  }
}

// Every value the trait can take must be finite and lie in `r`.
void check_trait(const Scenario& s, const std::string& label, const std::string& key,
                 const TraitSpec& t, const Range& r) {
  const auto ok = [&r](double x) { return std::isfinite(x) && r.contains(x); };
  if (const auto* c = std::get_if<ConstantTrait>(&t)) {
    if (!ok(c->value)) {
      invalid(s, label, key, "must be " + r.text() + ", got " + format_double(c->value));
    }
  } else if (const auto* u = std::get_if<UniformTrait>(&t)) {
    if (!ok(u->low) || !ok(u->high)) {
      invalid(s, label, key + ".uniform", "bounds must be " + r.text());
    }
    if (u->high < u->low) invalid(s, label, key + ".uniform", "high must be >= low");
  } else {
    const auto& p = std::get<TwoPointTrait>(t);
    if (!in_unit(p.share)) {
      invalid(s, label, key + ".two_point.share",
              "must be in [0, 1], got " + format_double(p.share));
    }
    if (!ok(p.high)) invalid(s, label, key + ".two_point.high", "must be " + r.text());
    if (!ok(p.low)) invalid(s, label, key + ".two_point.low", "must be " + r.text());
  }
}

}  // namespace

namespace {

// A funding scenario's own settings (api/detail/funding_yaml.cpp reads them with their lines).
void validate_funding(const Scenario& s, const std::string& label) {
  const FundingSpec& f = s.funding;
  if (f.projects < 1 || s.proposals != f.projects)
    invalid(s, label, "funding.projects", "must be an integer >= 1");
  if (f.rules.empty()) invalid(s, label, "funding.rules", "must not be empty");
  const auto uses = [&f](MatchingRule r) {
    return std::find(f.rules.begin(), f.rules.end(), r) != f.rules.end();
  };
  if (uses(MatchingRule::capped) != (f.pool > 0.0))
    invalid(s, label, "funding.pool", "is required by the capped rule (> 0), and only by it");
  if (uses(MatchingRule::pairwise) != (f.pairwise_m > 0.0))
    invalid(s, label, "funding.pairwise_m",
            "is required by the pairwise rule (> 0), and only by it");
  if ((uses(MatchingRule::cluster) || uses(MatchingRule::cocm)) !=
      (s.clusters.source != ClusterSource::none))
    invalid(s, label, "clusters", "is required by the cluster and cocm rules, and only by them");
  if (s.clusters.source == ClusterSource::ballots)
    invalid(s, label, "clusters", "a funding scenario has no ballots to find clusters in");
  if (f.arms.empty()) invalid(s, label, "arms", "must name at least one arm");
  const auto project = [&](const std::string& key, std::uint32_t p) {
    if (p >= f.projects) invalid(s, label, key, "must be a project index < funding.projects");
  };
  const auto positive = [&](const std::string& key, double x) {
    if (!(std::isfinite(x) && x > 0.0)) invalid(s, label, key, "must be > 0");
  };
  for (std::size_t i = 0; i < f.arms.size(); ++i) {
    const FundingArm& a = f.arms[i];
    const std::string key = "arms." + a.name;
    for (std::size_t j = 0; j < i; ++j)
      if (f.arms[j].name == a.name) invalid(s, label, key, "is given twice");
    if (a.sybils) {
      project(key + ".sybils.project", a.sybils->project);
      positive(key + ".sybils.amount", a.sybils->amount);
      if (a.sybils->accounts < 1 || a.sybils->attackers < 1)
        invalid(s, label, key + ".sybils", "accounts and attackers must be >= 1");
      if (attacker_accounts(a) > kMaxFundingAccounts) {
        invalid(s, label, key + ".sybils",
                "accounts x attackers is " + std::to_string(attacker_accounts(a)) +
                    "; an arm may add at most " + std::to_string(kMaxFundingAccounts) +
                    " attacker accounts");
      }
    }
    if (a.ring) {
      if (a.ring->projects.size() < 2)
        invalid(s, label, key + ".ring.projects", "must list at least two projects");
      for (std::size_t k = 0; k < a.ring->projects.size(); ++k) {
        project(key + ".ring.projects", a.ring->projects[k]);
        for (std::size_t l = 0; l < k; ++l)
          if (a.ring->projects[l] == a.ring->projects[k])
            invalid(s, label, key + ".ring.projects", "lists a project twice");
      }
      positive(key + ".ring.amount", a.ring->amount);
    }
    if (a.bribe) {
      project(key + ".bribe.project", a.bribe->project);
      if (!(std::isfinite(a.bribe->budget) && a.bribe->budget >= 0.0))
        invalid(s, label, key + ".bribe.budget", "must be >= 0");
      positive(key + ".bribe.amount", a.bribe->amount);
    }
  }
}

}  // namespace

void validate_scenario(const Scenario& s, const std::string& label) {
  if (!is_folder_name(s.name)) invalid(s, label, "name", folder_name_error(s.name));
  if (s.replicates < 1) invalid(s, label, "replicates", "must be an integer >= 1, got 0");
  if (s.replicates > kMaxReplicates) {
    invalid(s, label, "replicates",
            "must be an integer <= " + u64_str(kMaxReplicates) + ", got " + u64_str(s.replicates),
            ErrorKind::range);
  }
  const bool edge_list = std::holds_alternative<EdgeListSpec>(s.graph);
  // An edge-list scenario learns its agent count only when the engine loads the file.
  if (!(edge_list && s.agents == 0)) {
    if (s.agents < 2) {
      invalid(s, label, "electorate.agents", "must be an integer >= 2, got " + u64_str(s.agents));
    }
    if (s.agents > kMaxAgents) {
      invalid(s, label, "electorate.agents",
              "must be an integer <= " + u64_str(kMaxAgents) + ", got " + u64_str(s.agents));
    }
  }
  if (s.proposals < 1) invalid(s, label, "electorate.proposals", "must be an integer >= 1, got 0");

  const std::string vk = "electorate.values";
  if (const auto* n = std::get_if<NormalDist>(&s.values.distribution)) {
    validate_normal(s, label, vk, *n);
  } else if (const auto* u = std::get_if<UniformDist>(&s.values.distribution)) {
    validate_uniform(s, label, vk, *u);
  } else if (const auto* mix = std::get_if<MixtureDist>(&s.values.distribution)) {
    if (mix->components.empty()) invalid(s, label, vk + ".components", "must not be empty");
    for (std::size_t i = 0; i < mix->components.size(); ++i) {
      const MixtureComponent& c = mix->components[i];
      const std::string ck = vk + ".components[" + std::to_string(i) + "]";
      if (!(std::isfinite(c.weight) && c.weight > 0))
        invalid(s, label, ck + ".weight", "must be > 0");
      if (const auto* cn = std::get_if<NormalDist>(&c.dist)) {
        validate_normal(s, label, ck, *cn);
      } else {
        validate_uniform(s, label, ck, std::get<UniformDist>(c.dist));
      }
    }
  } else if (const auto* d = std::get_if<DiscreteDist>(&s.values.distribution)) {
    if (d->values.empty()) invalid(s, label, vk + ".values", "must not be empty");
    for (std::size_t i = 0; i < d->values.size(); ++i) {
      if (!std::isfinite(d->values[i])) invalid(s, label, vk + ".values", "must be finite");
      if (i > 0 && !(d->values[i] > d->values[i - 1])) {
        invalid(s, label, vk + ".values", "must be in ascending order, each value once");
      }
    }
    if (d->weights.size() != d->values.size()) {
      invalid(s, label, vk + ".weights", "must give one weight per value");
    }
    double total = 0.0;
    for (const double w : d->weights) {
      if (!(std::isfinite(w) && w > 0)) invalid(s, label, vk + ".weights", "must all be > 0");
      total += w;
    }
    if (!std::isfinite(total)) invalid(s, label, vk + ".weights", "must sum to a finite number");
  } else {
    const auto& p = std::get<PassionateMinorityDist>(s.values.distribution);
    if (!(p.share > 0.0 && p.share < 1.0)) invalid(s, label, vk + ".share", "must be in (0, 1)");
    validate_normal(s, label, vk + ".minority", p.minority);
    validate_normal(s, label, vk + ".majority", p.majority);
  }
  if (!in_unit(s.values.homophily)) invalid(s, label, vk + ".homophily", "must be in [0, 1]");
  // float32 stores values up to FLT_MAX; a file's values are checked when it is loaded.
  if (s.values.float32 && s.values.file.empty()) {
    if (const double reach = value_reach(s.values.distribution); !(reach <= kMaxFloat32Value)) {
      invalid(s, label, vk + ".precision",
              "float32 stores values up to 3.4e38 in magnitude, and this distribution's values "
              "may reach " +
                  format_double(reach) +
                  " (its |mean| plus 10^6 sd, or its largest magnitude): use "
                  "float64, the default",
              ErrorKind::range);
    }
  }
  if (!s.values.file.empty() && s.values.homophily != 0.0) {
    invalid(s, label, vk + ".homophily", "not allowed together with file");
  }

  const BudgetSpec& b = s.budget;
  if (b.kind == BudgetKind::credits) {
    check_trait(s, label, "electorate.budget.credits", b.credits, kPositive);
  } else {
    check_trait(s, label, "electorate.budget.money.wealth", b.wealth, kPositive);
    if (!(std::isfinite(b.eta) && b.eta >= 0)) {
      invalid(s, label, "electorate.budget.money.eta", "must be >= 0, got " + format_double(b.eta));
    }
    // The marginal utility of money, wealth^(-eta), must stay within the magnitude bound too, or
    // votes bought with it overflow: |eta x log10(wealth)| <= 50 at both ends of the wealth trait.
    const auto [w_lo, w_hi] = std::visit(
        [](const auto& t) -> std::pair<double, double> {
          using T = std::decay_t<decltype(t)>;
          if constexpr (std::is_same_v<T, ConstantTrait>)
            return {t.value, t.value};
          else
            return {std::min(t.low, t.high), std::max(t.low, t.high)};
        },
        b.wealth);
    for (const double w : {w_lo, w_hi}) {
      if (b.eta * std::fabs(std::log10(w)) > 50.0) {
        invalid(s, label, "electorate.budget.money.eta",
                "must keep wealth^(-eta) within 1e-50 and 1e50 (|eta x log10(wealth)| <= 50), "
                "got eta " +
                    format_double(b.eta) + " with wealth " + format_double(w),
                ErrorKind::range);
      }
    }
    if (b.integer_votes) {
      invalid(s, label, "electorate.budget.integer_votes", "only allowed with budget.credits");
    }
  }

  const PivotSpec& pv = s.pivot;
  if (pv.model == PivotModel::fixed) {
    if (!(pv.price > 0 && pv.price <= 1)) {
      invalid(s, label, "electorate.pivot.price",
              "must be in (0, 1], got " + format_double(pv.price));
    }
    if (pv.poll_noise != 0.0) {
      invalid(s, label, "electorate.pivot.poll_noise", "only with model normal or equilibrium");
    }
  } else if (!(std::isfinite(pv.poll_noise) && pv.poll_noise >= 0)) {
    invalid(s, label, "electorate.pivot.poll_noise",
            "must be > 0, got " + format_double(pv.poll_noise));
  }

  validate_graph(s, label);
  const std::string n = u64_str(s.agents);

  if (s.kind == ScenarioKind::funding) {
    validate_funding(s, label);
    return;
  }
  if (s.mechanisms.empty()) invalid(s, label, "mechanisms", "must not be empty");
  for (std::size_t i = 0; i < s.mechanisms.size(); ++i) {
    const std::string key = "mechanisms[" + std::to_string(i) + "]";
    for (std::size_t j = 0; j < i; ++j) {
      if (s.mechanisms[j] == s.mechanisms[i]) {
        invalid(s, label, key, std::string("'") + to_string(s.mechanisms[i]) + "' is listed twice");
      }
    }
    if (s.mechanisms[i] == Mechanism::linear && b.kind != BudgetKind::credits) {
      invalid(s, label, key, "linear voting needs budget.credits");
    }
  }
  const auto uses = [&](Mechanism m) {
    return std::find(s.mechanisms.begin(), s.mechanisms.end(), m) != s.mechanisms.end();
  };
  const bool colluding =
      std::any_of(s.arms.begin(), s.arms.end(), [](const ArmSpec& a) { return a.collusion; });
  if (uses(Mechanism::connection_oriented) && s.clusters.source == ClusterSource::none) {
    invalid(s, label, "clusters",
            "connection_oriented needs clusters (blocks, communities, a file or ballots)");
  }
  if (!uses(Mechanism::connection_oriented) && !colluding &&
      s.clusters.source != ClusterSource::none) {
    invalid(s, label, "clusters",
            "nothing uses clusters (connection_oriented tallies and collusion arms' detection "
            "scores do)");
  }
  if (s.clusters.source == ClusterSource::blocks &&
      !std::holds_alternative<StochasticBlockSpec>(s.graph)) {
    invalid(s, label, "clusters", "blocks needs graph.model stochastic_block");
  }
  if (s.clusters.source == ClusterSource::file && s.clusters.file.empty()) {
    invalid(s, label, "clusters.file", "must be a non-empty path");
  }
  if (s.clusters.source == ClusterSource::ballots &&
      !(s.clusters.similarity > 0.0 && s.clusters.similarity <= 1.0)) {
    invalid(s, label, "clusters.ballots.similarity", "must be in (0, 1]");
  }
  if (uses(Mechanism::pairwise_bounded) != (s.pairwise_m != 0.0)) {
    invalid(s, label, "pairwise_m",
            uses(Mechanism::pairwise_bounded)
                ? "pairwise_bounded needs pairwise_m > 0"
                : "no mechanism uses pairwise_m (pairwise_bounded does)");
  }
  if (s.identity.checked && !colluding) {
    invalid(s, label, "identity",
            "no arm has a collusion block whose sybils the checks could catch");
  }
  if (s.identity.checked && !(s.identity.detect >= 0.0 && s.identity.detect <= 1.0)) {
    invalid(s, label, "identity.detect", "must be in [0, 1]");
  }
  if (s.identity.checked &&
      !(s.identity.cost >= 0.0 && s.identity.cost <= std::numeric_limits<double>::max())) {
    invalid(s, label, "identity.cost", "must be a finite number >= 0");
  }
  if (!(s.pairwise_m >= 0.0 && s.pairwise_m <= std::numeric_limits<double>::max())) {
    invalid(s, label, "pairwise_m", "must be a finite number > 0");
  }

  if (s.arms.empty()) invalid(s, label, "arms", "must name at least one arm");
  std::set<std::string> names;
  for (const ArmSpec& a : s.arms) {
    if (!is_name(a.name, false)) {
      invalid(s, label, "arms." + a.name, "arm names may use only letters, digits, '_' and '-'");
    }
    if (!names.insert(a.name).second) invalid(s, label, "arms." + a.name, "duplicate arm name");
  }
  if (names.count(s.baseline_arm) == 0) {
    invalid(s, label, "baseline_arm", "no arm named '" + s.baseline_arm + "'");
  }

  // Coercion and bribery: ranges (as the reader checks them), then what depends on other keys.
  const auto check_unit = [&](const std::string& key, double x) {
    if (!in_unit(x)) invalid(s, label, key, "must be in [0, 1], got " + format_double(x));
  };
  const auto check_agenda = [&](const std::string& key, const Agenda& a) {
    if (a.proposal >= s.proposals) {
      invalid(s, label, key + ".proposal",
              "must be a proposal index < electorate.proposals (" + std::to_string(s.proposals) +
                  "), got " + std::to_string(a.proposal));
    }
    if (a.direction != 1 && a.direction != -1) {
      invalid(s, label, key + ".direction", "must be pass (+1) or fail (-1)");
    }
  };
  const auto check_positive = [&](const std::string& key, double x) {
    if (!(std::isfinite(x) && x > 0.0))
      invalid(s, label, key, "must be > 0, got " + format_double(x));
  };
  // Each arm component's checks run on their own, so that a mistake in one arm does not hide
  // another's: every component's first finding is reported, together, in the file's order.
  const auto validate_collusion = [&](const ArmSpec& a) {
    if (a.collusion && !a.collusion->organizers.is_share && s.agents > 0 &&
        a.collusion->organizers.count > s.agents) {
      // A count above the electorate would otherwise be cut to it without a word.
      invalid(s, label, "arms." + a.name + ".collusion.organizers",
              "must be at most electorate.agents (" + u64_str(s.agents) + "), got " +
                  u64_str(a.collusion->organizers.count));
    }
    if (a.collusion) {
      const std::string key = "arms." + a.name + ".collusion";
      check_unit(key + ".audit", a.collusion->audit);
      check_trait(s, label, key + ".key_surrender", a.collusion->key_surrender, kUnit);
      if (!(std::isfinite(a.collusion->audit_cost) && a.collusion->audit_cost >= 0.0)) {
        invalid(s, label, key + ".audit_cost",
                "must be >= 0, got " + format_double(a.collusion->audit_cost));
      }
    }
    if (a.collusion && a.collusion->selection == Selection::listed && !edge_list) {
      invalid(s, label, "arms." + a.name + ".collusion.selection",
              "listed names organizers by their edge-list ids, so it needs graph.model edge_list");
    }
  };
  ErrorList found;
  const auto each = [&found](auto&& checks) {
    try {
      checks();
    } catch (InputError& e) {
      found.add(std::move(e));
    }
  };
  for (const ArmSpec& a : s.arms) {
    if (a.coercion)
      each([&] {
        const CoercionSpec& c = *a.coercion;
        const std::string key = "arms." + a.name + ".coercion";
        if (c.coercers.is_share) {
          check_unit(key + ".coercers.share", c.coercers.share);
        } else if (s.agents > 0 && c.coercers.count > s.agents) {
          invalid(
              s, label, key + ".coercers",
              "must be at most electorate.agents (" + n + "), got " + u64_str(c.coercers.count));
        }
        if (c.placement == Selection::block) {
          const auto* sb = std::get_if<StochasticBlockSpec>(&s.graph);
          if (sb == nullptr) {
            invalid(s, label, key + ".placement",
                    "placement: block needs graph.model: stochastic_block");
          }
          if (c.block >= sb->sizes.size()) {
            invalid(s, label, key + ".block",
                    "must be a block index < the number of blocks (" +
                        std::to_string(sb->sizes.size()) + "), got " + std::to_string(c.block));
          }
        }
        if (c.shared_agenda) check_agenda(key + ".agenda", c.agenda);
        check_trait(s, label, key + ".severity", c.severity, kNonNegative);
        check_unit(key + ".credibility", c.credibility);
        check_trait(s, label, key + ".perceived_detection", c.perceived_detection, kUnit);
        check_unit(key + ".audit", c.audit);
        check_trait(s, label, key + ".key_surrender", c.key_surrender, kUnit);
        if (!(std::isfinite(c.audit_cost) && c.audit_cost >= 0.0)) {
          invalid(s, label, key + ".audit_cost",
                  "must be >= 0, got " + format_double(c.audit_cost));
        }
        if (!(std::isfinite(c.fear_response) && c.fear_response >= 0.0)) {
          invalid(s, label, key + ".fear_response",
                  "must be >= 0, got " + format_double(c.fear_response));
        }
        check_positive(key + ".demanded_votes", c.demanded_votes);
      });
    if (a.bribery)
      each([&] {
        const BriberySpec& bribe = *a.bribery;
        const std::string key = "arms." + a.name + ".bribery";
        if (!(std::isfinite(bribe.budget) && bribe.budget >= 0.0)) {
          invalid(s, label, key + ".budget", "must be >= 0, got " + format_double(bribe.budget));
        }
        check_agenda(key + ".agenda", bribe.agenda);
        check_trait(s, label, key + ".honesty", bribe.honesty, kUnit);
        check_positive(key + ".demanded_votes", bribe.demanded_votes);
        if (!(bribe.target_confidence > 0.0 && bribe.target_confidence <= 1.0)) {
          invalid(s, label, key + ".target_confidence",
                  "must be in (0, 1], got " + format_double(bribe.target_confidence));
        }
        check_unit(key + ".audit", bribe.audit);
        check_trait(s, label, key + ".key_surrender", bribe.key_surrender, kUnit);
        // A collective bribe shifts the values behind the ballots it meets; the other attacks
        // price their instructions against those ballots (agents/attack.hpp, Prior), which a
        // collective promise does not enter, so the two are not combined in one arm.
        if (bribe.collective && (a.collusion || a.coercion)) {
          invalid(s, label, key + ".collective",
                  "a collective bribe cannot share an arm with collusion or coercion; give it an "
                  "arm of its own");
        }
        if (!(std::isfinite(bribe.audit_cost) && bribe.audit_cost >= 0.0)) {
          invalid(s, label, key + ".audit_cost",
                  "must be >= 0, got " + format_double(bribe.audit_cost));
        }
      });
    if (a.collusion) each([&] { validate_collusion(a); });
  }
  found.sort_from(0);
  found.throw_if_any();
}

}  // namespace qvsim
