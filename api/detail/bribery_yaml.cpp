#include "api/detail/arm_yaml.hpp"

namespace qvsim::yaml_detail {

namespace {
// target_confidence: a belief the briber can hold and still want; 0 would need no votes at all.
constexpr Range kConfidence{0.0, 1.0, true, false};
}  // namespace

// Each key is read on its own (attempt), so a collecting parse reports every key's problem.
BriberySpec parse_bribery(const Context& ctx, const Field& f, std::uint32_t proposals) {
  if (looks_numeric(f.node)) {
    fail(ctx, f.line, f.path, ErrorKind::type,
         "must be a map of settings, got " + describe(f.node) + "; write {budget: " +
             f.node.Scalar() + ", agenda: {proposal: 0}} for a briber with that budget");
  }
  const MapView m(ctx, f,
                  {"budget", "agenda", "honesty", "demanded_votes", "target_confidence", "pricing",
                   "contingent", "audit", "audit_cost", "key_surrender", "collective"});
  BriberySpec b;
  attempt(ctx, [&] { b.budget = get_number(ctx, m.require("budget"), kNonNegative); });
  attempt(ctx, [&] { b.agenda = parse_agenda(ctx, m.require("agenda"), proposals); });
  attempt(ctx, [&] {
    if (auto h = m.get("honesty")) b.honesty = parse_trait(ctx, *h, kUnit);
  });
  attempt(ctx, [&] {
    b.demanded_votes = opt_number(ctx, m, "demanded_votes", kPositive, b.demanded_votes);
  });
  attempt(ctx, [&] {
    b.target_confidence = opt_number(ctx, m, "target_confidence", kConfidence, b.target_confidence);
  });
  attempt(ctx, [&] {
    if (auto p = m.get("pricing")) {
      constexpr BribePricing kPricings[] = {BribePricing::individual, BribePricing::posted};
      b.pricing = kPricings[get_choice(ctx, *p, {"individual", "posted"})];
    }
  });
  attempt(ctx, [&] {
    if (auto c = m.get("contingent")) b.contingent = get_bool(ctx, *c);
  });
  attempt(ctx, [&] { b.audit = opt_number(ctx, m, "audit", kUnit, b.audit); });
  attempt(ctx,
          [&] { b.audit_cost = opt_number(ctx, m, "audit_cost", kNonNegative, b.audit_cost); });
  attempt(ctx, [&] {
    if (auto t = m.get("key_surrender")) b.key_surrender = parse_trait(ctx, *t, kUnit);
  });
  attempt(ctx, [&] {
    const auto c = m.get("collective");
    if (!c || !get_bool(ctx, *c)) return;
    b.collective = true;
    b.contingent = true;
    // A collective bribe buys no ballot: the market's settings would be silently ignored.
    for (const char* key : {"honesty", "demanded_votes", "target_confidence", "pricing",
                            "contingent", "audit", "audit_cost", "key_surrender"}) {
      if (const auto k = m.get(key)) {
        fail(ctx, k->line, k->path, ErrorKind::invalid,
             std::string("does not apply to a collective bribe (collective: true), which buys no "
                         "ballot and is always paid on the outcome; remove it"));
      }
    }
  });
  return b;
}

void write_bribery(JsonWriter& w, const BriberySpec& b) {
  w.begin_object();
  w.key("budget").value(b.budget);
  w.key("agenda");
  write_agenda(w, b.agenda);
  w.key("honesty");
  write_trait(w, b.honesty);
  w.key("demanded_votes").value(b.demanded_votes);
  w.key("target_confidence").value(b.target_confidence);
  w.key("pricing").value(to_string(b.pricing));
  w.key("contingent").value(b.contingent);
  w.key("audit").value(b.audit);
  w.key("audit_cost").value(b.audit_cost);
  write_key_surrender(w, b.key_surrender);
  if (b.collective) w.key("collective").value(true);  // absent when false: earlier hashes stand
  w.end_object();
}

}  // namespace qvsim::yaml_detail
