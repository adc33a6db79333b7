#include "api/detail/arm_yaml.hpp"

namespace qvsim::yaml_detail {

// Each key is read on its own (attempt), so a collecting parse reports every key's problem; block
// is checked only when placement could be read, agenda only when shared_agenda could.
CoercionSpec parse_coercion(const Context& ctx, const Field& f, std::uint32_t proposals) {
  if (looks_numeric(f.node)) {
    fail(ctx, f.line, f.path, ErrorKind::type,
         "must be a map of settings, got " + describe(f.node) + "; write {coercers: " +
             f.node.Scalar() + "} for that many coercers (or {coercers: {share: x}})");
  }
  const MapView m(ctx, f,
                  {"coercers", "placement", "block", "agenda", "shared_agenda", "reach", "capacity",
                   "severity", "credibility", "perceived_detection", "audit", "audit_cost",
                   "rounds", "fear_response", "extend_reach", "demanded_votes", "key_surrender"});
  CoercionSpec c;
  attempt(ctx, [&] { c.coercers = parse_count_or_share(ctx, m.require("coercers")); });
  const bool placement_ok = attempt(ctx, [&] {
    if (auto p = m.get("placement")) {
      constexpr Selection kPlacements[] = {Selection::random, Selection::degree, Selection::block};
      c.placement = kPlacements[get_choice(ctx, *p, {"random", "degree", "block"})];
    }
  });
  if (placement_ok) {
    attempt(ctx, [&] {
      if (c.placement == Selection::block) {
        c.block = get_u32(ctx, m.require("block"), 0);
      } else if (auto b = m.get("block")) {
        fail(ctx, b->line, b->path, "only allowed with placement: block");
      }
    });
  }
  const bool shared_ok = attempt(ctx, [&] {
    if (auto s = m.get("shared_agenda")) c.shared_agenda = get_bool(ctx, *s);
  });
  if (shared_ok) {
    attempt(ctx, [&] {
      if (c.shared_agenda) {
        c.agenda = parse_agenda(ctx, m.require("agenda"), proposals);
      } else if (auto a = m.get("agenda")) {
        fail(ctx, a->line, a->path,
             "only allowed with shared_agenda: true (otherwise each coercer pushes her own top "
             "proposal)");
      }
    });
  }
  attempt(ctx, [&] {
    if (auto r = m.get("reach")) c.reach = get_u32(ctx, *r, 0);
  });
  attempt(ctx, [&] {
    if (auto x = m.get("capacity")) c.capacity = get_u32(ctx, *x, 0);
  });
  attempt(ctx, [&] {
    if (auto s = m.get("severity")) c.severity = parse_trait(ctx, *s, kNonNegative);
  });
  attempt(ctx, [&] { c.credibility = opt_number(ctx, m, "credibility", kUnit, c.credibility); });
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
    if (auto r = m.get("rounds")) c.rounds = get_u32(ctx, *r, 0);
  });
  attempt(ctx, [&] {
    c.fear_response = opt_number(ctx, m, "fear_response", kNonNegative, c.fear_response);
  });
  attempt(ctx, [&] {
    if (auto e = m.get("extend_reach")) c.extend_reach = get_bool(ctx, *e);
  });
  attempt(ctx, [&] {
    c.demanded_votes = opt_number(ctx, m, "demanded_votes", kPositive, c.demanded_votes);
  });
  return c;
}

void write_coercion(JsonWriter& w, const CoercionSpec& c) {
  w.begin_object();
  w.key("coercers");
  write_count_or_share(w, c.coercers);
  w.key("placement").value(to_string(c.placement));
  w.key("block");
  if (c.placement == Selection::block) {
    w.value(std::uint64_t{c.block});
  } else {
    w.null();
  }
  w.key("shared_agenda").value(c.shared_agenda);
  w.key("agenda");
  if (c.shared_agenda) {
    write_agenda(w, c.agenda);
  } else {
    w.null();
  }
  w.key("reach").value(std::uint64_t{c.reach});
  w.key("capacity").value(std::uint64_t{c.capacity});
  w.key("severity");
  write_trait(w, c.severity);
  w.key("credibility").value(c.credibility);
  w.key("perceived_detection");
  write_trait(w, c.perceived_detection);
  w.key("audit").value(c.audit);
  w.key("audit_cost").value(c.audit_cost);
  write_key_surrender(w, c.key_surrender);
  w.key("rounds").value(std::uint64_t{c.rounds});
  w.key("fear_response").value(c.fear_response);
  w.key("extend_reach").value(c.extend_reach);
  w.key("demanded_votes").value(c.demanded_votes);
  w.end_object();
}

}  // namespace qvsim::yaml_detail
