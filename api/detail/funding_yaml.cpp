#include "api/detail/funding_yaml.hpp"

#include <algorithm>
#include <string>

namespace qvsim::yaml_detail {

namespace {

std::uint32_t project_index(const Context& ctx, const Field& f, std::uint32_t projects) {
  const std::uint32_t p = get_u32(ctx, f, 0);
  if (p >= projects) {
    fail(ctx, f.line, f.path,
         "must be a project index < funding.projects (" + std::to_string(projects) + "), got " +
             std::to_string(p));
  }
  return p;
}

std::vector<MatchingRule> parse_rules(const Context& ctx, const Field& f) {
  if (!f.node.IsSequence() || f.node.size() == 0) {
    fail(ctx, f.line, f.path,
         "must be a non-empty list of standard, capped, pairwise, cluster, cocm, got " +
             describe(f.node));
  }
  std::vector<MatchingRule> out;
  std::size_t i = 0;
  for (const YAML::Node& item : f.node) {
    const std::size_t line = line_of(item);
    const Field e{item, f.path + "[" + std::to_string(i++) + "]", line > 0 ? line : f.line};
    const auto r = static_cast<MatchingRule>(
        get_choice(ctx, e, {"standard", "capped", "pairwise", "cluster", "cocm"}));
    if (std::find(out.begin(), out.end(), r) != out.end()) {
      fail(ctx, e.line, e.path, std::string("'") + to_string(r) + "' is listed twice");
    }
    out.push_back(r);
  }
  return out;
}

FundingArm parse_funding_arm(const Context& ctx, const std::string& name, const Field& f,
                             std::uint32_t projects) {
  check_arm_name(ctx, name, f);
  const MapView m(ctx, f, {"sybils", "ring", "bribe"}, false, true);
  FundingArm arm{name};
  attempt(ctx, [&] {
    const auto b = m.get("sybils");
    if (!b) return;
    const MapView sm(ctx, *b, {"project", "amount", "accounts", "attackers", "grouped"});
    FundingSybils s;
    attempt(ctx, [&] { s.project = project_index(ctx, sm.require("project"), projects); });
    attempt(ctx, [&] { s.amount = get_number(ctx, sm.require("amount"), kPositive); });
    attempt(ctx, [&] {
      if (auto a = sm.get("accounts")) s.accounts = get_u32(ctx, *a, 1);
    });
    attempt(ctx, [&] {
      if (auto a = sm.get("attackers")) s.attackers = get_u32(ctx, *a, 1);
    });
    attempt(ctx, [&] {
      if (auto g = sm.get("grouped")) s.grouped = get_bool(ctx, *g);
    });
    arm.sybils = s;
  });
  attempt(ctx, [&] {
    const auto b = m.get("ring");
    if (!b) return;
    const MapView rm(ctx, *b, {"projects", "amount", "grouped"});
    FundingRing r;
    attempt(ctx, [&] {
      const Field pf = rm.require("projects");
      if (!pf.node.IsSequence() || pf.node.size() < 2) {
        fail(ctx, pf.line, pf.path,
             "must list at least two projects, one per ring member, got " + describe(pf.node));
      }
      std::size_t i = 0;
      for (const YAML::Node& item : pf.node) {
        const std::size_t line = line_of(item);
        const Field e{item, pf.path + "[" + std::to_string(i++) + "]", line > 0 ? line : pf.line};
        const std::uint32_t p = project_index(ctx, e, projects);
        if (std::find(r.projects.begin(), r.projects.end(), p) != r.projects.end()) {
          fail(ctx, e.line, e.path,
               "project " + std::to_string(p) + " is listed twice (one member owns each)");
        }
        r.projects.push_back(p);
      }
    });
    attempt(ctx, [&] { r.amount = get_number(ctx, rm.require("amount"), kPositive); });
    attempt(ctx, [&] {
      if (auto g = rm.get("grouped")) r.grouped = get_bool(ctx, *g);
    });
    arm.ring = r;
  });
  attempt(ctx, [&] {
    const auto b = m.get("bribe");
    if (!b) return;
    const MapView bm(ctx, *b, {"project", "budget", "amount"});
    FundingBribe x;
    attempt(ctx, [&] { x.project = project_index(ctx, bm.require("project"), projects); });
    attempt(ctx, [&] { x.budget = get_number(ctx, bm.require("budget"), kNonNegative); });
    attempt(ctx, [&] { x.amount = opt_number(ctx, bm, "amount", kPositive, x.amount); });
    arm.bribe = x;
  });
  return arm;
}

bool uses(const FundingSpec& f, MatchingRule r) {
  return std::find(f.rules.begin(), f.rules.end(), r) != f.rules.end();
}

}  // namespace

void read_funding(const Context& ctx, const MapView& root, Scenario& s) {
  s.kind = ScenarioKind::funding;
  s.mechanisms.clear();
  // The voting keys mean nothing here: refused where they stand rather than ignored.
  for (const char* key : {"mechanisms", "ballot", "pairwise_m", "identity", "baseline_arm"}) {
    if (const auto f = root.get(key)) {
      report(ctx, f->line, f->path, ErrorKind::invalid,
             "does not apply to a funding scenario (kind: funding); remove it");
    }
  }
  if (const auto e = root.get("electorate"); e && e->node.IsMap()) {
    for (const char* key : {"proposals", "budget", "pivot", "neighbor_correlation"}) {
      if (const YAML::Node n = e->node[key]; n.IsDefined()) {
        report(ctx, line_of(n), child_path(e->path, key), ErrorKind::invalid,
               std::string("does not apply to a funding scenario (kind: funding)") +
                   (std::string(key) == "proposals" ? "; give the projects as funding.projects"
                                                    : "; remove it"));
      }
    }
  }

  FundingSpec& f = s.funding;
  const Field block = root.require("funding");
  const MapView fm(ctx, block, {"projects", "rules", "pool", "pairwise_m", "detect"});
  attempt(ctx, [&] {
    if (auto d = fm.get("detect")) f.detect = get_choice(ctx, *d, {"none", "identical"}) == 1;
  });
  const bool projects_ok = attempt(ctx, [&] {
    f.projects = get_u32(ctx, fm.require("projects"), 1);
    s.proposals = f.projects;
  });
  attempt(ctx, [&] {
    if (auto r = fm.get("rules")) {
      f.rules = parse_rules(ctx, *r);
    } else {
      f.rules = {MatchingRule::standard};
    }
  });
  // Each rule's setting is required by it and refused without it.
  const auto setting = [&](const char* key, MatchingRule rule, double& out) {
    attempt(ctx, [&] {
      const auto k = fm.get(key);
      if (!k) {
        if (uses(f, rule)) {
          fail(ctx, fm.line(), child_path(block.path, key),
               std::string("rule ") + to_string(rule) + " needs " + key + " (> 0)");
        }
        return;
      }
      out = get_number(ctx, *k, kPositive);
      if (!uses(f, rule)) {
        fail(ctx, k->line, k->path,
             std::string("only rule ") + to_string(rule) + " uses " + key +
                 ": add it to funding.rules, or remove this");
      }
    });
  };
  setting("pool", MatchingRule::capped, f.pool);
  setting("pairwise_m", MatchingRule::pairwise, f.pairwise_m);
  attempt(ctx, [&] {
    const bool grouped = uses(f, MatchingRule::cluster) || uses(f, MatchingRule::cocm);
    const auto c = root.get("clusters");
    // (A clusters key that failed to parse was reported where it stands.)
    if (grouped && !c) {
      fail(ctx, fm.line(), child_path(block.path, "rules"),
           "cluster and cocm need clusters: set clusters to blocks, communities or {file: PATH}");
    }
    if (c && !grouped) {
      fail(ctx, c->line, c->path,
           "nothing uses clusters: only the cluster and cocm rules do; add one to funding.rules, "
           "or remove clusters");
    }
    if (c && s.clusters.source == ClusterSource::ballots) {
      fail(ctx, c->line, c->path,
           "a funding scenario has no ballots to find clusters in: use blocks, communities or "
           "{file: PATH}, and funding.detect for a detector from contributions");
    }
  });

  const Field arms = root.require("arms");
  if (arms.node.IsNull() || (arms.node.IsMap() && arms.node.size() == 0)) {
    fail(ctx, arms.line, arms.path, "must name at least one arm, e.g. 'honest: {}'");
  }
  if (!projects_ok) return;
  const MapView am(ctx, arms, {}, true);
  for (const auto& entry : am.entries()) {
    attempt(ctx, [&] {
      f.arms.push_back(parse_funding_arm(ctx, entry.first, entry.second, f.projects));
    });
  }
}

void write_funding(JsonWriter& w, const Scenario& s) {
  const FundingSpec& f = s.funding;
  w.key("kind").value("funding");
  w.key("funding").begin_object();
  w.key("projects").value(std::uint64_t{f.projects});
  w.key("rules").begin_array();
  for (const MatchingRule r : f.rules) w.value(to_string(r));
  w.end_array();
  if (f.pool > 0.0) w.key("pool").value(f.pool);
  if (f.pairwise_m > 0.0) w.key("pairwise_m").value(f.pairwise_m);
  w.key("detect").value(f.detect ? "identical" : "none");
  w.end_object();
  w.key("arms").begin_object();
  for (const FundingArm& a : f.arms) {
    w.key(a.name).begin_object();
    if (a.sybils) {
      const FundingSybils& x = *a.sybils;
      w.key("sybils").begin_object();
      w.key("project").value(std::uint64_t{x.project});
      w.key("amount").value(x.amount);
      w.key("accounts").value(std::uint64_t{x.accounts});
      w.key("attackers").value(std::uint64_t{x.attackers});
      w.key("grouped").value(x.grouped);
      w.end_object();
    }
    if (a.ring) {
      const FundingRing& x = *a.ring;
      w.key("ring").begin_object();
      w.key("projects").begin_array();
      for (const std::uint32_t p : x.projects) w.value(std::uint64_t{p});
      w.end_array();
      w.key("amount").value(x.amount);
      w.key("grouped").value(x.grouped);
      w.end_object();
    }
    if (a.bribe) {
      const FundingBribe& x = *a.bribe;
      w.key("bribe").begin_object();
      w.key("project").value(std::uint64_t{x.project});
      w.key("budget").value(x.budget);
      w.key("amount").value(x.amount);
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
}

}  // namespace qvsim::yaml_detail
