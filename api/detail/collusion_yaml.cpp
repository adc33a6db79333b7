#include <algorithm>
#include <charconv>
#include <istream>
#include <limits>
#include <optional>

#include "api/detail/arm_yaml.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"

namespace qvsim::yaml_detail {

namespace {

void check_distinct(const Context& ctx, const Field& f, std::vector<std::uint64_t> ids) {
  if (ids.empty()) fail(ctx, f.line, f.path, "must list at least one id");
  std::sort(ids.begin(), ids.end());
  const auto dup = std::adjacent_find(ids.begin(), ids.end());
  if (dup != ids.end()) fail(ctx, f.line, f.path, "lists id " + std::to_string(*dup) + " twice");
}

std::vector<std::uint64_t> parse_id_list(const Context& ctx, const Field& f) {
  if (!f.node.IsSequence())
    fail(ctx, f.line, f.path, ErrorKind::type, "must be a list of ids, got " + describe(f.node));
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < f.node.size(); ++i) {
    ids.push_back(get_uint(ctx, Field{f.node[i], f.path + "[" + std::to_string(i) + "]", f.line}, 0,
                           std::numeric_limits<std::uint64_t>::max()));
  }
  check_distinct(ctx, f, ids);
  return ids;
}

// One id per line; '#' starts a comment; blank lines are ignored.
std::vector<std::uint64_t> read_id_file(const Context& ctx, const Field& f) {
  const fs::path given = get_string(ctx, f);
  const fs::path path = given.is_absolute() ? given : ctx.base_dir / given;
  std::optional<InputFile> file;
  try {
    file.emplace(path, kMaxIdFileBytes, "organizer file");
  } catch (const InputError& e) {
    // Blame the scenario's key: the user fixes the path there.
    throw InputError(ctx.label, f.line, f.path,
                     "organizer file '" + path.string() + "': " + e.message(), e.kind());
  }
  std::istream& in = file->stream();
  std::vector<std::uint64_t> ids;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    const auto last = line.find_last_not_of(" \t\r");
    const std::string token = line.substr(first, last - first + 1);
    std::uint64_t id = 0;
    const auto res = std::from_chars(token.data(), token.data() + token.size(), id);
    if (res.ec != std::errc() || res.ptr != token.data() + token.size()) {
      throw InputError(path.string(), n, "",
                       "expected one non-negative integer id, got '" + token + "'");
    }
    ids.push_back(id);
  }
  check_distinct(ctx, f, ids);
  return ids;
}

// `sybils: 0.1`, the usual shape mistake, gets the line to write instead.
SybilSpec parse_sybils(const Context& ctx, const Field& f) {
  if (looks_numeric(f.node)) {
    fail(ctx, f.line, f.path, ErrorKind::type,
         "must be a map {share, identities, identity_cost}, got " + describe(f.node) +
             "; write {share: " + f.node.Scalar() +
             "} to split that share of the agents into identities");
  }
  const MapView sm(ctx, f, {"share", "identities", "identity_cost"});
  SybilSpec s;
  attempt(ctx, [&] { s.share = get_number(ctx, sm.require("share"), kUnit); });
  attempt(ctx, [&] {
    if (auto i = sm.get("identities")) s.identities = get_u32(ctx, *i, 2);
  });
  attempt(ctx, [&] {
    s.identity_cost = opt_number(ctx, sm, "identity_cost", kNonNegative, s.identity_cost);
  });
  return s;
}

}  // namespace

// Each key is read on its own (attempt), so a collecting parse reports every key's problem; the
// listed organizers are checked only when selection itself could be read.
CollusionSpec parse_collusion(const Context& ctx, const Field& f) {
  const MapView m(
      ctx, f,
      {"organizers", "selection", "organizer_ids", "organizer_file", "rounds", "max_size",
       "internalization", "logrolling", "sanction", "loyalty", "perceived_detection", "audit",
       "audit_cost", "sybils", "cooperation", "key_surrender"});
  CollusionSpec c;
  attempt(ctx, [&] {
    if (auto o = m.get("organizers")) c.organizers = parse_count_or_share(ctx, *o);
  });
  const bool selection_ok = attempt(ctx, [&] {
    if (auto s = m.get("selection")) {
      const Selection kinds[] = {Selection::random, Selection::degree, Selection::listed};
      c.selection = kinds[get_choice(ctx, *s, {"random", "degree", "listed"})];
    }
  });
  const auto ids = m.get("organizer_ids");
  const auto file = m.get("organizer_file");
  if (selection_ok && c.selection == Selection::listed) {
    attempt(ctx, [&] {
      if (auto o = m.get("organizers")) {
        fail(ctx, o->line, o->path,
             "with selection: listed the organizers are the listed ids; remove it");
      }
    });
    attempt(ctx, [&] {
      if ((ids && file) || (!ids && !file)) {
        fail(ctx, m.line(), m.path() + ".selection",
             "listed needs exactly one of organizer_ids (a list of edge-list ids) or "
             "organizer_file");
      }
      c.organizer_ids = ids ? parse_id_list(ctx, *ids) : read_id_file(ctx, *file);
    });
  } else if (selection_ok && (ids || file)) {
    const Field& f2 = ids ? *ids : *file;
    report(ctx, f2.line, f2.path, ErrorKind::invalid, "only with selection: listed");
  }
  attempt(ctx, [&] {
    if (auto r = m.get("rounds")) c.rounds = get_u32(ctx, *r, 0);
  });
  attempt(ctx, [&] {
    if (auto x = m.get("max_size")) c.max_size = get_u32(ctx, *x, 1);
  });
  attempt(ctx, [&] {
    c.internalization = opt_number(ctx, m, "internalization", kUnit, c.internalization);
  });
  attempt(ctx, [&] {
    if (auto l = m.get("logrolling")) c.logrolling = get_bool(ctx, *l);
  });
  attempt(ctx, [&] { c.sanction = opt_number(ctx, m, "sanction", kNonNegative, c.sanction); });
  if (auto t = m.get("cooperation")) {
    report(ctx, t->line, t->path, ErrorKind::invalid, "renamed: loyalty");
  }
  attempt(ctx, [&] {
    if (auto t = m.get("loyalty")) c.loyalty = parse_trait(ctx, *t, kUnit);
  });
  attempt(ctx, [&] {
    if (auto t = m.get("perceived_detection")) c.perceived_detection = parse_trait(ctx, *t, kUnit);
  });
  attempt(ctx, [&] {
    if (auto t = m.get("key_surrender")) c.key_surrender = parse_trait(ctx, *t, kUnit);
  });
  attempt(ctx, [&] { c.audit = opt_number(ctx, m, "audit", kUnit, c.audit); });
  attempt(ctx,
          [&] { c.audit_cost = opt_number(ctx, m, "audit_cost", kNonNegative, c.audit_cost); });
  attempt(ctx, [&] {
    if (auto s = m.get("sybils")) c.sybils = parse_sybils(ctx, *s);
  });
  return c;
}

void write_collusion(JsonWriter& w, const CollusionSpec& c) {
  w.begin_object();
  w.key("organizers");
  write_count_or_share(w, c.organizers);
  w.key("selection").value(to_string(c.selection));
  if (c.selection == Selection::listed) {
    w.key("organizer_ids").begin_array();
    for (const std::uint64_t id : c.organizer_ids) w.value(id);
    w.end_array();
  }
  w.key("rounds").value(std::uint64_t{c.rounds});
  w.key("max_size").value(std::uint64_t{c.max_size});
  w.key("internalization").value(c.internalization);
  w.key("logrolling").value(c.logrolling);
  w.key("sanction").value(c.sanction);
  w.key("loyalty");
  write_trait(w, c.loyalty);
  w.key("perceived_detection");
  write_trait(w, c.perceived_detection);
  w.key("audit").value(c.audit);
  w.key("audit_cost").value(c.audit_cost);
  write_key_surrender(w, c.key_surrender);
  w.key("sybils").begin_object();
  w.key("share").value(c.sybils.share);
  w.key("identities").value(std::uint64_t{c.sybils.identities});
  w.key("identity_cost").value(c.sybils.identity_cost);
  w.end_object();
  w.end_object();
}

}  // namespace qvsim::yaml_detail
