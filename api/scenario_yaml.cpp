// Reading scenario files (api/scenario_yaml.hpp): the document's top-level keys, the graph, the
// mechanisms and the arms. The electorate block is read in detail/electorate_yaml.cpp, the arms'
// behaviour blocks in detail/*_yaml.cpp; the cross-field rules are in scenario_checks.cpp.

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
#include "api/detail/electorate_yaml.hpp"
#include "api/detail/funding_yaml.hpp"
#include "api/detail/scenario_node.hpp"
#include "api/detail/yaml_reader.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/json.hpp"

namespace qvsim {
namespace {

using namespace yaml_detail;

constexpr std::uint32_t kDefaultDegree = WattsStrogatzSpec{}.degree;
// Blocks of a stochastic block model: far more than any real model; each costs memory in every
// copy of the scenario and a number in every manifest.
constexpr std::uint64_t kMaxBlocks = 1000000;

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
      m.require_one_of("blocks", "sizes",
                       "must give blocks (a count) or sizes (a list of block sizes)");
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
         "must be a non-empty list of quadratic, one_person_one_vote, linear, "
         "connection_oriented, pairwise_bounded, got " +
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
    const auto m =
        alias ? *alias
              : static_cast<Mechanism>(get_choice(ctx, e,
                                                  {"quadratic", "one_person_one_vote", "linear",
                                                   "connection_oriented", "pairwise_bounded"}));
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

// `clusters`: blocks | communities | {file: PATH} | {ballots: {similarity: S, identical: B}}.
// Required by
// connection_oriented and refused without it; blocks need a stochastic block model.
ClusterSpec parse_clusters(const Context& ctx, const MapView& m, const Scenario& s) {
  const auto co =
      std::find(s.mechanisms.begin(), s.mechanisms.end(), Mechanism::connection_oriented);
  const auto f = m.get("clusters");
  if (!f) {
    if (co != s.mechanisms.end()) {
      const auto mf = m.get("mechanisms");
      fail(ctx, mf ? mf->line : 0, "mechanisms",
           "connection_oriented needs clusters: set clusters to blocks, communities, "
           "{file: PATH} or {ballots: {similarity: S}}");
    }
    return {};
  }
  ClusterSpec c;
  if (f->node.IsMap()) {
    const MapView fm(ctx, *f, {"file", "ballots"});
    const auto file = fm.get("file");
    const auto ballots = fm.get("ballots");
    if (file && ballots)
      fail(ctx, ballots->line, ballots->path, "give either file or ballots, not both");
    if (!file && !ballots)
      fail(ctx, f->line, f->path, "give {file: PATH} or {ballots: {similarity: S}}");
    if (ballots) {
      const MapView bm(ctx, *ballots, {"similarity", "identical"});
      c.source = ClusterSource::ballots;
      // A cosine: 1 links only ballots pointing exactly the same way; 0 or less would link
      // ballots that share no direction at all.
      c.similarity = get_number(ctx, bm.require("similarity"), Range{0.0, 1.0, true, false});
      if (const auto i = bm.get("identical")) c.identical = get_bool(ctx, *i);
    } else {
      c.source = ClusterSource::file;
      c.file = parse_file(ctx, fm.require("file"));
    }
  } else if (!f->node.IsScalar()) {
    fail(ctx, f->line, f->path,
         "must be blocks, communities, {file: PATH} or {ballots: {similarity: S}}, got " +
             describe(f->node));
  } else {
    constexpr ClusterSource kSources[] = {ClusterSource::blocks, ClusterSource::communities};
    c.source = kSources[get_choice(ctx, *f, {"blocks", "communities"})];
  }
  if (c.source == ClusterSource::blocks && !std::holds_alternative<StochasticBlockSpec>(s.graph)) {
    fail(ctx, f->line, f->path,
         "blocks needs graph.model stochastic_block; use communities or a clusters file");
  }
  return c;
}

// `pairwise_m`: the M of pairwise_bounded, > 0; required by it and refused without it.
double parse_pairwise_m(const Context& ctx, const MapView& m, const Scenario& s) {
  const bool used = std::find(s.mechanisms.begin(), s.mechanisms.end(),
                              Mechanism::pairwise_bounded) != s.mechanisms.end();
  const auto f = m.get("pairwise_m");
  if (!f) {
    if (used) {
      const auto mf = m.get("mechanisms");
      fail(ctx, mf ? mf->line : 0, "mechanisms",
           "pairwise_bounded needs pairwise_m, its bound M (> 0)");
    }
    return 0.0;
  }
  const double v = get_number(ctx, *f, kPositive);
  if (!used) {
    fail(ctx, f->line, f->path,
         "no mechanism uses pairwise_m: add pairwise_bounded to mechanisms, or remove it");
  }
  return v;
}

// An arm's block: its behaviour blocks (collusion, coercion, bribery), each read by its own file.
ArmSpec parse_arm(const Context& ctx, const std::string& name, const Field& f,
                  std::uint32_t proposals) {
  check_arm_name(ctx, name, f);
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
  const MapView m(
      ctx, Field{root, "", line_of(root)},
      {"name", "seed", "replicates", "electorate", "graph", "mechanisms", "ballot", "clusters",
       "pairwise_m", "identity", "arms", "baseline_arm", "sweep", "kind", "funding"});
  if (const auto f = m.get("sweep")) {
    fail(ctx, f->line, f->path, "this file has a sweep: block; run it with 'qvsim sweep'");
  }

  bool funding = false;
  attempt(ctx, [&] {
    if (const auto k = m.get("kind")) funding = get_choice(ctx, *k, {"vote", "funding"}) == 1;
  });
  if (const auto f = m.get("funding"); f && !funding) {
    report(ctx, f->line, f->path, ErrorKind::invalid,
           "a funding block needs kind: funding (docs/funding.md)");
  }

  attempt(ctx, [&] {
    const Field name = m.require("name");
    s.name = get_string(ctx, name);
    if (!is_folder_name(s.name)) fail(ctx, name.line, name.path, folder_name_error(s.name));
  });
  attempt(ctx, [&] { s.seed = get_uint(ctx, m.require("seed"), 0, kMaxU64); });
  attempt(ctx, [&] { s.replicates = get_uint(ctx, m.require("replicates"), 1, kMaxReplicates); });

  const bool edge_list = names_edge_list(m);
  ElectorateBlock e;
  if (!attempt(ctx, [&] { parse_electorate(ctx, m, edge_list, e); })) {
    e.agents_ok = e.proposals_ok = e.budget_ok = false;
  }
  s.agents = e.agents;
  s.proposals = e.proposals;
  s.values = std::move(e.values);
  s.budget = e.budget;
  s.pivot = e.pivot;
  s.correlation_sample = e.correlation_sample;

  if (auto g = m.get("graph")) {
    if (e.agents_ok) attempt(ctx, [&] { s.graph = parse_graph(ctx, *g, s.agents); });
  } else if (e.agents_ok && s.agents <= kDefaultDegree) {
    report(ctx, e.agents_field->line, e.agents_field->path, ErrorKind::invalid,
           "must be greater than " + std::to_string(kDefaultDegree) +
               " for the default graph (watts_strogatz, degree " + std::to_string(kDefaultDegree) +
               "); set graph to use fewer agents");
  }

  if (funding) {  // quadratic funding: its own block and arms (api/detail/funding_yaml.cpp)
    attempt(ctx, [&] { s.clusters = parse_clusters(ctx, m, s); });
    attempt(ctx, [&] { read_funding(ctx, m, s); });
    return;
  }

  if (auto f = m.get("mechanisms")) {
    if (e.budget_ok) attempt(ctx, [&] { s.mechanisms = parse_mechanisms(ctx, *f, s.budget.kind); });
  } else {
    s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote};
    if (s.budget.kind == BudgetKind::credits) s.mechanisms.push_back(Mechanism::linear);
  }

  attempt(ctx, [&] { s.clusters = parse_clusters(ctx, m, s); });
  attempt(ctx, [&] { s.pairwise_m = parse_pairwise_m(ctx, m, s); });
  if (const auto f = m.get("identity")) {
    attempt(ctx, [&] {
      const MapView im(ctx, *f, {"detect", "cost"});
      s.identity.checked = true;
      s.identity.detect = get_number(ctx, im.require("detect"), kUnit);
      s.identity.cost = opt_number(ctx, im, "cost", kNonNegative, 0.0);
    });
  }

  if (auto f = m.get("ballot")) {
    attempt(ctx, [&] {
      constexpr Ballot kBallots[] = {Ballot::public_ballot, Ballot::provable, Ballot::secret,
                                     Ballot::maci};
      s.ballot = kBallots[get_choice(ctx, *f, {"public", "provable", "secret", "maci"})];
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

  if (const auto f = m.get("clusters");
      f && s.clusters.source != ClusterSource::none &&
      std::find(s.mechanisms.begin(), s.mechanisms.end(), Mechanism::connection_oriented) ==
          s.mechanisms.end() &&
      std::none_of(s.arms.begin(), s.arms.end(), [](const ArmSpec& a) { return a.collusion; })) {
    fail(ctx, f->line, f->path,
         "nothing uses clusters: they feed connection_oriented tallies and score collusion arms' "
         "coalitions; add either, or remove clusters");
  }
  if (const auto f = m.get("identity");
      f &&
      std::none_of(s.arms.begin(), s.arms.end(), [](const ArmSpec& a) { return a.collusion; })) {
    fail(ctx, f->line, f->path,
         "no arm has a collusion block, whose sybils (collusion.sybils) the checks would catch "
         "and whose metrics report the checks' cost; add one, or remove identity");
  }

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

Scenario parse_scenario_node(const yaml_detail::Context& ctx, const YAML::Node& root) {
  return parse_document(ctx, root);
}

}  // namespace qvsim
