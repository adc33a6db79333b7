#include "app/detail/arm_yaml.hpp"

namespace qvsim::yaml_detail {

CollusionSpec parse_collusion(const Context& ctx, const Field& f) {
  const MapView m(ctx, f,
                  {"organizers", "selection", "rounds", "max_size", "internalization", "logrolling",
                   "sanction", "cooperation", "perceived_detection", "sybils"});
  CollusionSpec c;
  if (auto o = m.get("organizers")) c.organizers = parse_count_or_share(ctx, *o);
  if (auto s = m.get("selection")) {
    c.selection = get_choice(ctx, *s, {"random", "degree"}) == 0 ? Selection::random
                                                                  : Selection::degree;
  }
  if (auto r = m.get("rounds")) c.rounds = get_u32(ctx, *r, 0);
  if (auto x = m.get("max_size")) c.max_size = get_u32(ctx, *x, 1);
  c.internalization = opt_number(ctx, m, "internalization", kUnit, c.internalization);
  if (auto l = m.get("logrolling")) c.logrolling = get_bool(ctx, *l);
  c.sanction = opt_number(ctx, m, "sanction", kNonNegative, c.sanction);
  if (auto t = m.get("cooperation")) c.cooperation = parse_trait(ctx, *t, kUnit);
  if (auto t = m.get("perceived_detection")) c.perceived_detection = parse_trait(ctx, *t, kUnit);
  if (auto s = m.get("sybils")) {
    const MapView sm(ctx, *s, {"share", "identities", "identity_cost"});
    c.sybils.share = get_number(ctx, sm.require("share"), kUnit);
    if (auto i = sm.get("identities")) c.sybils.identities = get_u32(ctx, *i, 2);
    c.sybils.identity_cost = opt_number(ctx, sm, "identity_cost", kNonNegative, 0.0);
  }
  return c;
}

void write_collusion(JsonWriter& w, const CollusionSpec& c) {
  w.begin_object();
  w.key("organizers");
  write_count_or_share(w, c.organizers);
  w.key("selection").value(to_string(c.selection));
  w.key("rounds").value(std::uint64_t{c.rounds});
  w.key("max_size").value(std::uint64_t{c.max_size});
  w.key("internalization").value(c.internalization);
  w.key("logrolling").value(c.logrolling);
  w.key("sanction").value(c.sanction);
  w.key("cooperation");
  write_trait(w, c.cooperation);
  w.key("perceived_detection");
  write_trait(w, c.perceived_detection);
  w.key("sybils").begin_object();
  w.key("share").value(c.sybils.share);
  w.key("identities").value(std::uint64_t{c.sybils.identities});
  w.key("identity_cost").value(c.sybils.identity_cost);
  w.end_object();
  w.end_object();
}

}  // namespace qvsim::yaml_detail
