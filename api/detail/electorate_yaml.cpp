// Reading a scenario's electorate block: the agents and proposals, the values' distribution
// (electorate.values), the budget (credits or money) and the pivot belief
// (api/detail/electorate_yaml.hpp). Split from api/scenario_yaml.cpp, which reads the document.

#include "api/detail/electorate_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "api/detail/arm_yaml.hpp"
#include "api/detail/scenario_node.hpp"
#include "api/detail/yaml_reader.hpp"
#include "sim/electorate.hpp"
#include "sim/error.hpp"
#include "sim/json.hpp"

namespace qvsim::yaml_detail {
namespace {

// ---- electorate.values ----------------------------------------------------------------------

NormalDist parse_normal(const Context& ctx, const MapView& m, NormalDist d) {
  d.mean = opt_number(ctx, m, "mean", kAny, d.mean);
  d.sd = opt_number(ctx, m, "sd", kPositive, d.sd);
  return d;
}

UniformDist parse_uniform(const Context& ctx, const MapView& m) {
  UniformDist d;
  d.low = get_number(ctx, m.require("low"), kAny);
  const Field high = m.require("high");
  d.high = get_number(ctx, high, kAny);
  if (!(d.high > d.low)) {
    fail(ctx, high.line, high.path,
         "must be greater than low (" + format_double(d.low) + "), got " + format_double(d.high));
  }
  return d;
}

MixtureComponent parse_component(const Context& ctx, const Field& f) {
  const MapView m(ctx, f, {"weight", "distribution", "mean", "sd", "low", "high"});
  MixtureComponent c;
  c.weight = get_number(ctx, m.require("weight"), kPositive);
  const Field kind = m.require("distribution");
  if (get_choice(ctx, kind, {"normal", "uniform"}) == 0) {
    m.only({"weight", "distribution", "mean", "sd"}, "a normal component", {"mean", "sd"});
    c.dist = parse_normal(ctx, m, NormalDist{});
  } else {
    m.only({"weight", "distribution", "low", "high"}, "a uniform component", {"low", "high"});
    c.dist = parse_uniform(ctx, m);
  }
  return c;
}

MixtureDist parse_mixture(const Context& ctx, const MapView& m) {
  const Field list = m.require("components");
  if (!list.node.IsSequence() || list.node.size() == 0) {
    fail(ctx, list.line, list.path,
         "must be a non-empty list of components, got " + describe(list.node));
  }
  MixtureDist d;
  std::size_t i = 0;
  for (const YAML::Node& item : list.node) {
    const std::size_t line = line_of(item);
    d.components.push_back(parse_component(
        ctx, Field{item, list.path + "[" + std::to_string(i) + "]", line > 0 ? line : list.line}));
    ++i;
  }
  return d;
}

PassionateMinorityDist parse_passionate(const Context& ctx, const MapView& m) {
  PassionateMinorityDist d;
  d.share = opt_number(ctx, m, "share", Range{0.0, 1.0, true, true}, d.share);
  if (auto f = m.get("minority"))
    d.minority = parse_normal(ctx, MapView(ctx, *f, {"mean", "sd"}), d.minority);
  if (auto f = m.get("majority"))
    d.majority = parse_normal(ctx, MapView(ctx, *f, {"mean", "sd"}), d.majority);
  return d;
}

// A list of numbers, each checked against `r`; `what` describes the list in messages.
std::vector<double> number_list(const Context& ctx, const Field& list, const Range& r,
                                const std::string& what) {
  if (!list.node.IsSequence() || list.node.size() == 0) {
    fail(ctx, list.line, list.path, list.node.IsSequence() ? ErrorKind::invalid : ErrorKind::type,
         "must be a non-empty list of " + what + ", got " + describe(list.node));
  }
  std::vector<double> out;
  for (std::size_t i = 0; i < list.node.size(); ++i) {
    const YAML::Node item = list.node[i];
    const std::size_t line = line_of(item);
    out.push_back(get_number(
        ctx, Field{item, list.path + "[" + std::to_string(i) + "]", line > 0 ? line : list.line},
        r));
  }
  return out;
}

DiscreteDist parse_discrete(const Context& ctx, const MapView& m) {
  DiscreteDist d;
  const Field values = m.require("values");
  d.values = number_list(ctx, values, kAny, "numbers");
  for (std::size_t i = 1; i < d.values.size(); ++i) {
    if (!(d.values[i] > d.values[i - 1])) {
      const YAML::Node item = values.node[i];
      const std::size_t line = line_of(item);
      fail(ctx, line > 0 ? line : values.line, values.path + "[" + std::to_string(i) + "]",
           "must be greater than the value before it (" + format_double(d.values[i - 1]) +
               "), got " + format_double(d.values[i]) +
               "; list the values in ascending order, each once");
    }
  }
  if (const auto weights = m.get("weights")) {
    d.weights = number_list(ctx, *weights, kPositive, "weights");
    if (d.weights.size() != d.values.size()) {
      fail(ctx, weights->line, weights->path,
           "has " + std::to_string(d.weights.size()) + " weight(s) but values has " +
               std::to_string(d.values.size()) + "; give one weight per value");
    }
    double total = 0.0;
    for (const double w : d.weights) total += w;
    if (!std::isfinite(total)) {
      fail(ctx, weights->line, weights->path, ErrorKind::range,
           "must sum to a finite number; scale the weights down (only their ratios matter)");
    }
  } else {
    d.weights.assign(d.values.size(), 1.0);  // equally likely
  }
  return d;
}

ValuesSpec parse_values(const Context& ctx, const Field& f) {
  const MapView m(ctx, f,
                  {"distribution", "mean", "sd", "low", "high", "components", "share", "minority",
                   "majority", "values", "weights", "homophily", "file", "precision"});
  ValuesSpec v;
  // How each value is stored: float64 (a double) or float32 (the nearest float, half the memory).
  if (const auto precision = m.get("precision"))
    v.float32 = get_choice(ctx, *precision, {"float64", "float32"}) == 1;
  if (const auto file = m.get("file")) {
    for (const auto& [key, field] : m.entries()) {
      if (key == "file" || key == "precision") continue;
      fail(ctx, field.line, field.path,
           "not allowed together with file: the file gives every agent's values as they are");
    }
    v.file = parse_file(ctx, *file);
    return v;
  }
  const Field kind = m.require("distribution");
  switch (
      get_choice(ctx, kind, {"normal", "uniform", "mixture", "passionate_minority", "discrete"})) {
    case 0:
      m.only({"distribution", "mean", "sd", "homophily", "precision"}, "distribution 'normal'",
             {"mean", "sd", "homophily", "precision"});
      v.distribution = parse_normal(ctx, m, NormalDist{});
      break;
    case 1:
      m.only({"distribution", "low", "high", "homophily", "precision"}, "distribution 'uniform'",
             {"low", "high", "homophily", "precision"});
      v.distribution = parse_uniform(ctx, m);
      break;
    case 2:
      m.only({"distribution", "components", "homophily", "precision"}, "distribution 'mixture'",
             {"components", "homophily", "precision"});
      v.distribution = parse_mixture(ctx, m);
      break;
    case 3:
      m.only({"distribution", "share", "minority", "majority", "homophily", "precision"},
             "distribution 'passionate_minority'",
             {"share", "minority", "majority", "homophily", "precision"});
      v.distribution = parse_passionate(ctx, m);
      break;
    default:
      m.only({"distribution", "values", "weights", "homophily", "precision"},
             "distribution 'discrete'", {"values", "weights", "homophily", "precision"});
      v.distribution = parse_discrete(ctx, m);
      break;
  }
  v.homophily = opt_number(ctx, m, "homophily", kUnit, v.homophily);
  return v;
}

// ---- electorate.budget ----------------------------------------------------------------------

// The pivot price moved from the budget to electorate.pivot (a belief, not a budget).
[[noreturn]] void pivot_price_moved(const Context& ctx, const Field& f) {
  const std::string price =
      f.node.IsScalar() && !f.node.Scalar().empty() ? f.node.Scalar() : std::string("0.02");
  fail(ctx, f.line, f.path, ErrorKind::unknown_key,
       "moved: write electorate.pivot: {model: fixed, price: " + price +
           "} to keep this price (electorate.pivot now defaults to model normal)");
}

BudgetSpec parse_budget(const Context& ctx, const Field& f) {
  BudgetSpec b;
  if (f.node.IsScalar()) {
    // `budget: money` is short for `budget: {money: {}}`.
    if (f.node.Scalar() == "money" && f.node.Tag() != "!") {
      b.kind = BudgetKind::money;
      return b;
    }
    // The usual shape mistake, `budget: 100`, gets the line to write instead.
    const std::string& text = f.node.Scalar();
    const bool number =
        !text.empty() && text.find_first_not_of("0123456789.eE+-") == std::string::npos;
    fail(ctx, f.line, f.path, ErrorKind::type,
         "must be a map such as {credits: 100} or {money: {}}, or the word money, got " +
             describe(f.node) + (number ? "; write {credits: " + text + "}" : std::string()));
  }
  const MapView m(ctx, f, {"credits", "money", "integer_votes", "pivot_price"});
  if (const auto pp = m.get("pivot_price")) pivot_price_moved(ctx, *pp);
  const auto credits = m.get("credits");
  const auto money = m.get("money");
  m.require_one_of("credits", "money",
                   "must give credits (a number > 0 or a trait) or money ({} or {wealth, eta})");
  if (credits) {
    b.kind = BudgetKind::credits;
    b.credits = parse_trait(ctx, *credits, kPositive);
    if (auto iv = m.get("integer_votes")) b.integer_votes = get_bool(ctx, *iv);
  } else {
    b.kind = BudgetKind::money;
    const MapView mm(ctx, *money, {"wealth", "eta", "pivot_price"}, false, true);
    if (const auto pp = mm.get("pivot_price")) pivot_price_moved(ctx, *pp);
    if (const auto w = mm.get("wealth")) b.wealth = parse_trait(ctx, *w, kPositive);
    b.eta = opt_number(ctx, mm, "eta", kNonNegative, b.eta);
    if (auto iv = m.get("integer_votes")) {
      fail(ctx, iv->line, iv->path, "only allowed with budget.credits");
    }
  }
  return b;
}

// ---- electorate.pivot -----------------------------------------------------------------------

PivotSpec parse_pivot(const Context& ctx, const Field& f) {
  const MapView m(ctx, f, {"model", "price", "poll_noise"}, false, true);
  PivotSpec p;
  if (const auto model = m.get("model")) {
    constexpr PivotModel kModels[] = {PivotModel::fixed, PivotModel::normal,
                                      PivotModel::equilibrium};
    p.model = kModels[get_choice(ctx, *model, {"fixed", "normal", "equilibrium"})];
  }
  if (p.model == PivotModel::fixed) {
    if (const auto noise = m.get("poll_noise")) {
      fail(ctx, noise->line, noise->path,
           "only with model normal or equilibrium (a fixed price does not read polls)");
    }
    p.price = opt_number(ctx, m, "price", Range{0.0, 1.0, true, false}, p.price);
  } else {
    if (const auto price = m.get("price")) {
      fail(ctx, price->line, price->path,
           std::string("only with model fixed (model ") + to_string(p.model) +
               " derives the chance a vote decides from the electorate); write model: fixed");
    }
    if (const auto noise = m.get("poll_noise")) p.poll_noise = get_number(ctx, *noise, kPositive);
  }
  return p;
}

}  // namespace

void parse_electorate(const Context& ctx, const MapView& root, bool edge_list, ElectorateBlock& e) {
  const auto f = root.get("electorate");
  if (!f) {
    if (root.misspelt("electorate")) throw AlreadyReported{};
    if (!edge_list)
      fail(ctx, root.line(), "electorate", ErrorKind::missing_key, "missing required key");
    e.agents_ok = e.proposals_ok = e.budget_ok = true;
    return;
  }
  const MapView m(ctx, *f,
                  {"agents", "proposals", "values", "budget", "pivot", "neighbor_correlation"});
  e.agents_ok = attempt(ctx, [&] {
    if (edge_list) {
      if (auto a = m.get("agents")) {
        fail(ctx, a->line, a->path, "set by the edge-list file; remove it");
      }
    } else {
      e.agents_field = m.require("agents");
      e.agents = get_uint(ctx, *e.agents_field, 2, kMaxAgents);
    }
  });
  e.proposals_ok = attempt(ctx, [&] {
    if (auto p = m.get("proposals")) e.proposals = get_u32(ctx, *p, 1);
  });
  attempt(ctx, [&] {
    if (auto v = m.get("values")) e.values = parse_values(ctx, *v);
  });
  e.budget_ok = attempt(ctx, [&] {
    if (auto b = m.get("budget")) e.budget = parse_budget(ctx, *b);
  });
  attempt(ctx, [&] {
    if (auto p = m.get("pivot")) e.pivot = parse_pivot(ctx, *p);
  });
  // neighbor_correlation: exact (every edge) or {sample_edges: N}.
  attempt(ctx, [&] {
    const auto c = m.get("neighbor_correlation");
    if (!c) return;
    if (c->node.IsMap()) {
      const MapView cm(ctx, *c, {"sample_edges"});
      e.correlation_sample = get_uint(ctx, cm.require("sample_edges"), 1, kMaxCorrelationSample);
    } else if (c->node.IsScalar()) {
      get_choice(ctx, *c, {"exact"});
    } else {
      fail(ctx, c->line, c->path, "must be exact or {sample_edges: N}, got " + describe(c->node));
    }
  });
}

}  // namespace qvsim::yaml_detail
