#include "api/scenario_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "api/detail/arm_yaml.hpp"
#include "api/detail/scenario_node.hpp"
#include "api/detail/yaml_reader.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/json.hpp"

namespace qvsim {
namespace {

using namespace yaml_detail;

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
// Agents are indexed by a uint32 AgentId.
constexpr std::uint64_t kMaxAgents = kMaxU32;
constexpr std::uint32_t kDefaultDegree = WattsStrogatzSpec{}.degree;
// Blocks of a stochastic block model: far more than any real model; each costs memory in every
// copy of the scenario and a number in every manifest.
constexpr std::uint64_t kMaxBlocks = 1000000;

// The name becomes a folder under results/ (results/<name>): a plain file name only, never a
// path ('..', '.'), nor one that reads as a command-line option.
bool is_folder_name(std::string_view name) {
  return is_name(name, true) && name != "." && name != ".." && name.front() != '-';
}

std::string folder_name_error(const std::string& name) {
  return "may use only letters, digits, '_', '.' and '-' (a plain folder name: not '.' or '..', "
         "not starting with '-'), got '" +
         name + "'";
}

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

// A path in the scenario, resolved against the scenario file's folder when relative.
fs::path parse_file(const Context& ctx, const Field& file) {
  const std::string text = file.node.IsScalar() ? file.node.Scalar() : std::string();
  if (text.empty()) {
    fail(ctx, file.line, file.path, "must be a non-empty path, got " + describe(file.node));
  }
  fs::path p(text);
  if (p.is_relative() && !ctx.base_dir.empty()) p = ctx.base_dir / p;
  return p.lexically_normal();
}

ValuesSpec parse_values(const Context& ctx, const Field& f) {
  const MapView m(ctx, f,
                  {"distribution", "mean", "sd", "low", "high", "components", "share", "minority",
                   "majority", "values", "weights", "homophily", "file"});
  ValuesSpec v;
  if (const auto file = m.get("file")) {
    for (const auto& [key, field] : m.entries()) {
      if (key == "file") continue;
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
      m.only({"distribution", "mean", "sd", "homophily"}, "distribution 'normal'",
             {"mean", "sd", "homophily"});
      v.distribution = parse_normal(ctx, m, NormalDist{});
      break;
    case 1:
      m.only({"distribution", "low", "high", "homophily"}, "distribution 'uniform'",
             {"low", "high", "homophily"});
      v.distribution = parse_uniform(ctx, m);
      break;
    case 2:
      m.only({"distribution", "components", "homophily"}, "distribution 'mixture'",
             {"components", "homophily"});
      v.distribution = parse_mixture(ctx, m);
      break;
    case 3:
      m.only({"distribution", "share", "minority", "majority", "homophily"},
             "distribution 'passionate_minority'", {"share", "minority", "majority", "homophily"});
      v.distribution = parse_passionate(ctx, m);
      break;
    default:
      m.only({"distribution", "values", "weights", "homophily"}, "distribution 'discrete'",
             {"values", "weights", "homophily"});
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
  if (credits && money) {
    fail(ctx, money->line, money->path, "give either credits or money, not both");
  }
  if (!credits && !money) {
    // A misspelt `credits` or `money` was reported with its suggestion: not again as missing.
    if (m.misspelt("credits") || m.misspelt("money")) throw AlreadyReported{};
    fail(ctx, m.line(), m.path(),
         "must give credits (a number > 0 or a trait) or money ({} or {wealth, eta})");
  }
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

// ---- electorate -----------------------------------------------------------------------------

struct Electorate {
  std::uint64_t agents = 0;
  std::optional<Field> agents_field;
  std::uint32_t proposals = 1;
  ValuesSpec values;
  BudgetSpec budget;
  PivotSpec pivot;
  // Which parts were read; a collecting parse skips the checks that depend on one that was not.
  bool agents_ok = false;
  bool proposals_ok = false;
  bool budget_ok = false;
};

// Each key is read on its own (attempt), so a collecting parse reports every key's problem.
void parse_electorate(const Context& ctx, const MapView& root, bool edge_list, Electorate& e) {
  const auto f = root.get("electorate");
  if (!f) {
    if (root.misspelt("electorate")) throw AlreadyReported{};
    if (!edge_list)
      fail(ctx, root.line(), "electorate", ErrorKind::missing_key, "missing required key");
    e.agents_ok = e.proposals_ok = e.budget_ok = true;
    return;
  }
  const MapView m(ctx, *f, {"agents", "proposals", "values", "budget", "pivot"});
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
}

// ---- graph ----------------------------------------------------------------------------------

// The graph model named in the document, if it can be read, so that electorate.agents can be
// checked (required, or forbidden for edge lists) before the graph block itself is parsed.
bool names_edge_list(const MapView& root) {
  const auto g = root.get("graph");
  if (!g || !g->node.IsMap()) return false;
  for (auto it = g->node.begin(); it != g->node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == "model") {
      return it->second.IsScalar() && it->second.Scalar() == "edge_list";
    }
  }
  return false;
}

// Where to blame a parameter that may have been left at its default.
std::pair<std::size_t, std::string> where(const MapView& m, std::string_view key) {
  if (auto f = m.get(key)) return {f->line, f->path};
  return {m.line(), child_path(m.path(), key)};
}

GraphSpec parse_graph(const Context& ctx, const Field& f, std::uint64_t agents) {
  const MapView m(ctx, f,
                  {"model", "mean_degree", "degree", "rewire", "m", "blocks", "sizes", "p_in",
                   "p_out", "file"});
  const Field model = m.require("model");
  const std::string n = u64_str(agents);
  switch (get_choice(
      ctx, model,
      {"erdos_renyi", "watts_strogatz", "barabasi_albert", "stochastic_block", "edge_list"})) {
    case 0: {
      m.only({"model", "mean_degree"}, "model 'erdos_renyi'", {"mean_degree"});
      ErdosRenyiSpec g;
      g.mean_degree = opt_number(ctx, m, "mean_degree", kNonNegative, g.mean_degree);
      if (g.mean_degree > static_cast<double>(agents - 1)) {
        const auto [line, path] = where(m, "mean_degree");
        fail(ctx, line, path,
             "must be <= electorate.agents - 1 (" + u64_str(agents - 1) + "), got " +
                 format_double(g.mean_degree));
      }
      return g;
    }
    case 1: {
      m.only({"model", "degree", "rewire"}, "model 'watts_strogatz'", {"degree", "rewire"});
      WattsStrogatzSpec g;
      if (auto d = m.get("degree")) {
        g.degree = get_u32(ctx, *d, 0);
        if (g.degree < 2 || g.degree % 2 != 0) {
          fail(ctx, d->line, d->path,
               "must be an even integer >= 2, got " + std::to_string(g.degree));
        }
      }
      g.rewire = opt_number(ctx, m, "rewire", kUnit, g.rewire);
      if (g.degree >= agents) {
        const auto [line, path] = where(m, "degree");
        fail(ctx, line, path,
             "must be less than electorate.agents (" + n + "), got " + std::to_string(g.degree));
      }
      return g;
    }
    case 2: {
      m.only({"model", "m"}, "model 'barabasi_albert'", {"m"});
      BarabasiAlbertSpec g;
      if (auto mf = m.get("m")) g.m = get_u32(ctx, *mf, 1);
      if (agents <= std::uint64_t{g.m} + 1) {
        const auto [line, path] = where(m, "m");
        fail(ctx, line, path,
             "must be less than electorate.agents - 1 (" + u64_str(agents - 1) + "), got " +
                 std::to_string(g.m));
      }
      return g;
    }
    case 3: {
      m.only({"model", "blocks", "sizes", "p_in", "p_out"}, "model 'stochastic_block'",
             {"blocks", "sizes", "p_in", "p_out"});
      StochasticBlockSpec g;
      const auto blocks = m.get("blocks");
      const auto sizes = m.get("sizes");
      if (blocks && sizes)
        fail(ctx, sizes->line, sizes->path, "give either blocks or sizes, not both");
      if (!blocks && !sizes) {
        if (m.misspelt("blocks") || m.misspelt("sizes")) throw AlreadyReported{};
        fail(ctx, m.line(), m.path(),
             "must give blocks (a count) or sizes (a list of block sizes)");
      }
      if (blocks) {
        // Checked before the list of sizes is built: a huge count must not allocate first.
        const std::uint64_t k = get_uint(ctx, *blocks, 1, kMaxBlocks);
        if (k > agents) {
          fail(ctx, blocks->line, blocks->path,
               "must be <= electorate.agents (" + n + "), got " + u64_str(k));
        }
        for (std::uint64_t b = 0; b < k; ++b)
          g.sizes.push_back(agents / k + (b < agents % k ? 1 : 0));
      } else {
        if (!sizes->node.IsSequence() || sizes->node.size() == 0) {
          fail(ctx, sizes->line, sizes->path,
               "must be a non-empty list of block sizes, got " + describe(sizes->node));
        }
        if (sizes->node.size() > kMaxBlocks) {
          fail(ctx, sizes->line, sizes->path, ErrorKind::range,
               "lists " + u64_str(sizes->node.size()) + " blocks; at most " + u64_str(kMaxBlocks) +
                   " are allowed");
        }
        std::uint64_t sum = 0;
        bool overflow = false;
        std::size_t i = 0;
        for (const YAML::Node& item : sizes->node) {
          const std::size_t line = line_of(item);
          const Field e{item, sizes->path + "[" + std::to_string(i) + "]",
                        line > 0 ? line : sizes->line};
          const std::uint64_t s = get_uint(ctx, e, 1, kMaxU64);
          overflow = overflow || s > kMaxU64 - sum;
          sum = overflow ? kMaxU64 : sum + s;
          g.sizes.push_back(s);
          ++i;
        }
        if (overflow || sum != agents) {
          fail(ctx, sizes->line, sizes->path,
               "must sum to electorate.agents (" + n + "), got a sum of " +
                   (overflow ? std::string("more than ") + u64_str(kMaxU64) : u64_str(sum)));
        }
      }
      g.p_in = opt_number(ctx, m, "p_in", kUnit, g.p_in);
      g.p_out = opt_number(ctx, m, "p_out", kUnit, g.p_out);
      return g;
    }
    default: {
      m.only({"model", "file"}, "model 'edge_list'", {"file"});
      return EdgeListSpec{parse_file(ctx, m.require("file"))};
    }
  }
}

// ---- mechanisms, ballot, arms ---------------------------------------------------------------

std::vector<Mechanism> parse_mechanisms(const Context& ctx, const Field& f, BudgetKind budget) {
  if (!f.node.IsSequence() || f.node.size() == 0) {
    fail(ctx, f.line, f.path,
         "must be a non-empty list of quadratic, one_person_one_vote, linear, got " +
             describe(f.node));
  }
  std::vector<Mechanism> out;
  std::size_t i = 0;
  for (const YAML::Node& item : f.node) {
    const std::size_t line = line_of(item);
    const Field e{item, f.path + "[" + std::to_string(i) + "]", line > 0 ? line : f.line};
    // An alias (qv, 1p1v) names its mechanism as in command-line options; anything else must
    // be a name, with a suggestion when it is close to one.
    const std::optional<Mechanism> alias =
        item.IsScalar() ? mechanism_named(item.Scalar()) : std::nullopt;
    const auto m = alias ? *alias
                         : static_cast<Mechanism>(
                               get_choice(ctx, e, {"quadratic", "one_person_one_vote", "linear"}));
    const auto seen = std::find(out.begin(), out.end(), m);
    if (seen != out.end()) {
      fail(ctx, e.line, e.path,
           std::string("'") + to_string(m) + "' is listed twice (also " + f.path + "[" +
               std::to_string(seen - out.begin()) + "])");
    }
    if (m == Mechanism::linear && budget != BudgetKind::credits) {
      fail(ctx, e.line, e.path, "linear voting needs budget.credits");
    }
    out.push_back(m);
    ++i;
  }
  return out;
}

// An arm's block: its behaviour blocks (collusion, coercion, bribery), each read by its own file.
ArmSpec parse_arm(const Context& ctx, const std::string& name, const Field& f,
                  std::uint32_t proposals) {
  if (!is_name(name, false)) {
    // Reported, and the arm's settings still read: their mistakes are independent of its name.
    report(ctx, f.line, f.path, ErrorKind::invalid,
           "arm names may use only letters, digits, '_' and '-', got '" + name + "'");
  }
  if (!f.node.IsNull() && !f.node.IsMap()) {
    fail(ctx, f.line, f.path, ErrorKind::type,
         "must be a map of settings ({} for an honest arm), got " + describe(f.node));
  }
  const MapView m(ctx, f, {"collusion", "coercion", "bribery"}, false, true);
  ArmSpec arm{name};
  attempt(ctx, [&] {
    if (auto c = m.get("collusion")) arm.collusion = parse_collusion(ctx, *c);
  });
  attempt(ctx, [&] {
    if (auto c = m.get("coercion")) arm.coercion = parse_coercion(ctx, *c, proposals);
  });
  attempt(ctx, [&] {
    if (auto b = m.get("bribery")) arm.bribery = parse_bribery(ctx, *b, proposals);
  });
  return arm;
}

std::vector<ArmSpec> parse_arms(const Context& ctx, const Field& f, std::uint32_t proposals) {
  if (f.node.IsNull() || (f.node.IsMap() && f.node.size() == 0)) {
    fail(ctx, f.line, f.path, "must name at least one arm, e.g. 'honest: {}'");
  }
  const MapView m(ctx, f, {}, true);
  std::vector<ArmSpec> arms;
  // Not a structured binding: Clang 14 does not let a lambda capture one (C++20 allows it).
  for (const auto& entry : m.entries()) {
    attempt(ctx, [&] { arms.push_back(parse_arm(ctx, entry.first, entry.second, proposals)); });
  }
  return arms;
}

// ---- the document ---------------------------------------------------------------------------

// Reads every top-level key on its own (attempt), so that every independent problem is recorded
// in ctx.errors. A check that compares with another key is skipped when that key could not be
// read: the graph's checks against electorate.agents, mechanisms against the budget, arms against
// electorate.proposals, baseline_arm against the arms.
void read_document(const Context& ctx, const YAML::Node& root, Scenario& s) {
  if (!root.IsMap()) {
    fail(
        ctx, line_of(root), "", ErrorKind::type,
        "the top level must be a map of keys (name, seed, replicates, ...), got " + describe(root));
  }
  const MapView m(ctx, Field{root, "", line_of(root)},
                  {"name", "seed", "replicates", "electorate", "graph", "mechanisms", "ballot",
                   "arms", "baseline_arm", "sweep"});
  if (const auto f = m.get("sweep")) {
    fail(ctx, f->line, f->path, "this file has a sweep: block; run it with 'qvsim sweep'");
  }

  attempt(ctx, [&] {
    const Field name = m.require("name");
    s.name = get_string(ctx, name);
    if (!is_folder_name(s.name)) fail(ctx, name.line, name.path, folder_name_error(s.name));
  });
  attempt(ctx, [&] { s.seed = get_uint(ctx, m.require("seed"), 0, kMaxU64); });
  attempt(ctx, [&] { s.replicates = get_uint(ctx, m.require("replicates"), 1, kMaxReplicates); });

  const bool edge_list = names_edge_list(m);
  Electorate e;
  if (!attempt(ctx, [&] { parse_electorate(ctx, m, edge_list, e); })) {
    e.agents_ok = e.proposals_ok = e.budget_ok = false;
  }
  s.agents = e.agents;
  s.proposals = e.proposals;
  s.values = std::move(e.values);
  s.budget = e.budget;
  s.pivot = e.pivot;

  if (auto g = m.get("graph")) {
    if (e.agents_ok) attempt(ctx, [&] { s.graph = parse_graph(ctx, *g, s.agents); });
  } else if (e.agents_ok && s.agents <= kDefaultDegree) {
    report(ctx, e.agents_field->line, e.agents_field->path, ErrorKind::invalid,
           "must be greater than " + std::to_string(kDefaultDegree) +
               " for the default graph (watts_strogatz, degree " + std::to_string(kDefaultDegree) +
               "); set graph to use fewer agents");
  }

  if (auto f = m.get("mechanisms")) {
    if (e.budget_ok) attempt(ctx, [&] { s.mechanisms = parse_mechanisms(ctx, *f, s.budget.kind); });
  } else {
    s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote};
    if (s.budget.kind == BudgetKind::credits) s.mechanisms.push_back(Mechanism::linear);
  }

  if (auto f = m.get("ballot")) {
    attempt(ctx, [&] {
      constexpr Ballot kBallots[] = {Ballot::public_ballot, Ballot::provable, Ballot::secret};
      s.ballot = kBallots[get_choice(ctx, *f, {"public", "provable", "secret"})];
    });
  }

  const std::size_t before_arms = ctx.errors != nullptr ? ctx.errors->size() : 0;
  std::optional<Field> arms;
  attempt(ctx, [&] { arms = m.require("arms"); });
  if (arms && e.proposals_ok) attempt(ctx, [&] { s.arms = parse_arms(ctx, *arms, s.proposals); });
  // The arms' mistakes are listed top to bottom, not in the order their readers check keys.
  if (ctx.errors != nullptr) ctx.errors->sort_from(before_arms);
  const bool arms_ok =
      arms && e.proposals_ok && (ctx.errors == nullptr || ctx.errors->size() == before_arms);
  if (!arms_ok) return;

  auto has_arm = [&s](const std::string& n) {
    return std::any_of(s.arms.begin(), s.arms.end(),
                       [&n](const ArmSpec& a) { return a.name == n; });
  };
  if (auto f = m.get("baseline_arm")) {
    s.baseline_arm = get_string(ctx, *f);
    if (!has_arm(s.baseline_arm)) {
      std::string names;
      for (const ArmSpec& a : s.arms) names += (names.empty() ? "" : ", ") + a.name;
      fail(ctx, f->line, f->path,
           "no arm named '" + s.baseline_arm + "' (arms are: " + names + ")");
    }
  } else if (!has_arm(s.baseline_arm)) {
    fail(ctx, arms->line, arms->path,
         "no arm named 'honest' to compare against; add one or set baseline_arm");
  }
}

// Collects every problem of the document (read_document), then throws them as one InputError
// that lists them in the file's order (ErrorList::throw_if_any).
Scenario parse_document(const Context& outer, const YAML::Node& root) {
  std::map<std::string, std::size_t, std::less<>> key_lines;
  ErrorList errors;
  Context ctx = outer;
  ctx.key_lines = &key_lines;
  ctx.errors = &errors;
  Scenario s;
  attempt(ctx, [&] { read_document(ctx, root, s); });
  errors.throw_if_any();

  s.key_lines = std::move(key_lines);
  // Everything above carried a line; this only guards against the two drifting apart, so it runs
  // only on a document that was read without a problem, and stops at its first finding.
  validate_scenario(s, ctx.label);
  return s;
}

// ---- JSON -----------------------------------------------------------------------------------

void write_normal(JsonWriter& w, const NormalDist& d) {
  w.key("mean").value(d.mean);
  w.key("sd").value(d.sd);
}
void write_uniform(JsonWriter& w, const UniformDist& d) {
  w.key("low").value(d.low);
  w.key("high").value(d.high);
}

void write_values(JsonWriter& w, const ValuesSpec& v) {
  w.begin_object();
  if (!v.file.empty()) {
    // Only the file name, as for an edge list; the file gives the values, nothing else applies.
    w.key("file").value(v.file.filename().generic_string());
    w.end_object();
    return;
  }
  if (const auto* n = std::get_if<NormalDist>(&v.distribution)) {
    w.key("distribution").value("normal");
    write_normal(w, *n);
  } else if (const auto* u = std::get_if<UniformDist>(&v.distribution)) {
    w.key("distribution").value("uniform");
    write_uniform(w, *u);
  } else if (const auto* mix = std::get_if<MixtureDist>(&v.distribution)) {
    w.key("distribution").value("mixture");
    w.key("components").begin_array();
    for (const MixtureComponent& c : mix->components) {
      w.begin_object();
      w.key("weight").value(c.weight);
      if (const auto* cn = std::get_if<NormalDist>(&c.dist)) {
        w.key("distribution").value("normal");
        write_normal(w, *cn);
      } else {
        w.key("distribution").value("uniform");
        write_uniform(w, std::get<UniformDist>(c.dist));
      }
      w.end_object();
    }
    w.end_array();
  } else if (const auto* d = std::get_if<DiscreteDist>(&v.distribution)) {
    w.key("distribution").value("discrete");
    w.key("values").begin_array();
    for (const double x : d->values) w.value(x);
    w.end_array();
    w.key("weights").begin_array();
    for (const double x : d->weights) w.value(x);
    w.end_array();
  } else {
    const auto& p = std::get<PassionateMinorityDist>(v.distribution);
    w.key("distribution").value("passionate_minority");
    w.key("share").value(p.share);
    w.key("minority").begin_object();
    write_normal(w, p.minority);
    w.end_object();
    w.key("majority").begin_object();
    write_normal(w, p.majority);
    w.end_object();
  }
  w.key("homophily").value(v.homophily);
  w.end_object();
}

void write_graph(JsonWriter& w, const GraphSpec& g) {
  w.begin_object();
  if (const auto* er = std::get_if<ErdosRenyiSpec>(&g)) {
    w.key("model").value("erdos_renyi");
    w.key("mean_degree").value(er->mean_degree);
  } else if (const auto* ws = std::get_if<WattsStrogatzSpec>(&g)) {
    w.key("model").value("watts_strogatz");
    w.key("degree").value(std::uint64_t{ws->degree});
    w.key("rewire").value(ws->rewire);
  } else if (const auto* ba = std::get_if<BarabasiAlbertSpec>(&g)) {
    w.key("model").value("barabasi_albert");
    w.key("m").value(std::uint64_t{ba->m});
  } else if (const auto* sb = std::get_if<StochasticBlockSpec>(&g)) {
    w.key("model").value("stochastic_block");
    w.key("sizes").begin_array();
    for (std::uint64_t s : sb->sizes) w.value(s);
    w.end_array();
    w.key("p_in").value(sb->p_in);
    w.key("p_out").value(sb->p_out);
  } else {
    // Only the file name: the resolved path is a location on one user's machine.
    w.key("model").value("edge_list");
    w.key("file").value(std::get<EdgeListSpec>(g).file.filename().generic_string());
  }
  w.end_object();
}

// For checks on the resolved scenario: the line is the key's, or its nearest enclosing key's.
[[noreturn]] void invalid(const Scenario& s, const std::string& label, const std::string& key,
                          std::string message, ErrorKind kind = ErrorKind::invalid) {
  throw InputError(label, s.line_of(key), key, std::move(message), kind);
}

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

bool in_unit(double x) { return x >= 0.0 && x <= 1.0; }

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

// ---- public API -----------------------------------------------------------------------------

Scenario parse_scenario(const std::string& text, const std::string& label,
                        const std::filesystem::path& base_dir) {
  const Context ctx{label, base_dir};
  return parse_document(ctx, load_one_document(ctx, text));
}

std::string read_scenario_text(const std::filesystem::path& file) {
  return read_input_file(file, kMaxScenarioFileBytes, "scenario file");
}

Scenario load_scenario(const std::filesystem::path& file) {
  const std::string label = file.string();
  Scenario s = parse_scenario(read_scenario_text(file), label, file.parent_path());
  s.source_file = file;
  return s;
}

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

  const std::string n = u64_str(s.agents);
  if (const auto* er = std::get_if<ErdosRenyiSpec>(&s.graph)) {
    if (!(er->mean_degree >= 0 && er->mean_degree <= static_cast<double>(s.agents - 1))) {
      invalid(s, label, "graph.mean_degree",
              "must be in [0, electorate.agents - 1], got " + format_double(er->mean_degree));
    }
  } else if (const auto* ws = std::get_if<WattsStrogatzSpec>(&s.graph)) {
    if (ws->degree < 2 || ws->degree % 2 != 0) {
      invalid(s, label, "graph.degree",
              "must be an even integer >= 2, got " + std::to_string(ws->degree));
    }
    if (ws->degree >= s.agents) {
      invalid(s, label, "graph.degree",
              "must be less than electorate.agents (" + n + "), got " + std::to_string(ws->degree));
    }
    if (!in_unit(ws->rewire)) invalid(s, label, "graph.rewire", "must be in [0, 1]");
  } else if (const auto* ba = std::get_if<BarabasiAlbertSpec>(&s.graph)) {
    if (ba->m < 1) invalid(s, label, "graph.m", "must be an integer >= 1, got 0");
    if (s.agents <= std::uint64_t{ba->m} + 1) {
      invalid(s, label, "graph.m",
              "must be less than electorate.agents - 1, got " + std::to_string(ba->m));
    }
  } else if (const auto* sb = std::get_if<StochasticBlockSpec>(&s.graph)) {
    if (sb->sizes.empty()) invalid(s, label, "graph.sizes", "must not be empty");
    std::uint64_t sum = 0;
    for (std::uint64_t size : sb->sizes) {
      if (size < 1) invalid(s, label, "graph.sizes", "every block size must be >= 1");
      sum = size > kMaxU64 - sum ? kMaxU64 : sum + size;
    }
    if (sum != s.agents) {
      invalid(s, label, "graph.sizes",
              "must sum to electorate.agents (" + n + "), got a sum of " + u64_str(sum));
    }
    if (!in_unit(sb->p_in)) invalid(s, label, "graph.p_in", "must be in [0, 1]");
    if (!in_unit(sb->p_out)) invalid(s, label, "graph.p_out", "must be in [0, 1]");
  } else if (std::get<EdgeListSpec>(s.graph).file.empty()) {
    invalid(s, label, "graph.file", "must be a non-empty path");
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

std::string scenario_to_json(const Scenario& s) {
  JsonWriter w;
  w.begin_object();
  w.key("name").value(s.name);
  w.key("seed").value(s.seed);
  w.key("replicates").value(s.replicates);
  w.key("electorate").begin_object();
  w.key("agents");
  if (std::holds_alternative<EdgeListSpec>(s.graph) && s.agents == 0) {
    w.null();  // not known until the edge list is loaded
  } else {
    w.value(s.agents);
  }
  w.key("proposals").value(std::uint64_t{s.proposals});
  w.key("values");
  write_values(w, s.values);
  w.key("budget").begin_object();
  if (s.budget.kind == BudgetKind::credits) {
    write_trait(w.key("credits"), s.budget.credits);
    w.key("integer_votes").value(s.budget.integer_votes);
  } else {
    w.key("money").begin_object();
    write_trait(w.key("wealth"), s.budget.wealth);
    w.key("eta").value(s.budget.eta);
    w.end_object();
  }
  w.end_object();
  w.key("pivot").begin_object();
  w.key("model").value(to_string(s.pivot.model));
  if (s.pivot.model == PivotModel::fixed) {
    w.key("price").value(s.pivot.price);
  } else {
    w.key("poll_noise").value(s.pivot.poll_noise);
  }
  w.end_object();
  w.end_object();
  w.key("graph");
  write_graph(w, s.graph);
  w.key("mechanisms").begin_array();
  for (Mechanism m : s.mechanisms) w.value(to_string(m));
  w.end_array();
  w.key("ballot").value(to_string(s.ballot));
  w.key("arms").begin_object();
  for (const ArmSpec& a : s.arms) {
    w.key(a.name).begin_object();
    if (a.collusion) write_collusion(w.key("collusion"), *a.collusion);
    if (a.coercion) write_coercion(w.key("coercion"), *a.coercion);
    if (a.bribery) write_bribery(w.key("bribery"), *a.bribery);
    w.end_object();
  }
  w.end_object();
  w.key("baseline_arm").value(s.baseline_arm);
  w.end_object();
  return w.str();
}

Scenario parse_scenario_node(const yaml_detail::Context& ctx, const YAML::Node& root) {
  return parse_document(ctx, root);
}

}  // namespace qvsim
