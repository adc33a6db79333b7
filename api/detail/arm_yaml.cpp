#include "api/detail/arm_yaml.hpp"

#include <charconv>
#include <string>
#include <system_error>
#include <type_traits>

namespace qvsim::yaml_detail {

TraitSpec parse_trait(const Context& ctx, const Field& f, const Range& values) {
  if (f.node.IsScalar()) return ConstantTrait{get_number(ctx, f, values)};
  const MapView m(ctx, f, {"uniform", "two_point"});
  if (m.entries().size() != 1) {
    fail(ctx, m.line(), m.path(),
         "must be a number, {uniform: [low, high]} or {two_point: {share, high, low}}");
  }
  if (auto u = m.get("uniform")) {
    if (!u->node.IsSequence() || u->node.size() != 2) {
      fail(ctx, u->line, u->path, ErrorKind::type,
           "must be a list [low, high], got " + describe(u->node));
    }
    UniformTrait t;
    t.low = get_number(ctx, Field{u->node[0], u->path + "[0]", u->line}, values);
    t.high = get_number(ctx, Field{u->node[1], u->path + "[1]", u->line}, values);
    if (t.high < t.low) {
      fail(
          ctx, u->line, u->path,
          "high must be >= low, got [" + format_double(t.low) + ", " + format_double(t.high) + "]");
    }
    return t;
  }
  const Field tp = *m.get("two_point");
  const MapView p(ctx, tp, {"share", "high", "low"});
  TwoPointTrait t;
  t.share = get_number(ctx, p.require("share"), kUnit);
  t.high = get_number(ctx, p.require("high"), values);
  // `low` defaults to 0 where 0 is allowed; elsewhere (credits, wealth: > 0) it must be given.
  t.low = values.contains(0.0) ? opt_number(ctx, p, "low", values, 0.0)
                               : get_number(ctx, p.require("low"), values);
  return t;
}

void write_trait(JsonWriter& w, const TraitSpec& t) {
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ConstantTrait>) {
          w.value(x.value);
        } else if constexpr (std::is_same_v<T, UniformTrait>) {
          w.begin_object().key("uniform").begin_array().value(x.low).value(x.high).end_array();
          w.end_object();
        } else {
          w.begin_object().key("two_point").begin_object();
          w.key("share").value(x.share).key("high").value(x.high).key("low").value(x.low);
          w.end_object().end_object();
        }
      },
      t);
}

void write_key_surrender(JsonWriter& w, const TraitSpec& t) {
  const auto* c = std::get_if<ConstantTrait>(&t);
  if (c != nullptr && c->value == 0.0) return;
  w.key("key_surrender");
  write_trait(w, t);
}

CountOrShare parse_count_or_share(const Context& ctx, const Field& f) {
  CountOrShare c;
  if (f.node.IsMap()) {
    const MapView m(ctx, f, {"share"});
    c.is_share = true;
    c.share = get_number(ctx, m.require("share"), kUnit);
    return c;
  }
  // The usual shape mistake: a share written as a bare fraction, `organizers: 0.05`.
  if (f.node.IsScalar() && f.node.Scalar().find_first_of(".eE") != std::string::npos) {
    double x = 0;
    const std::string& text = f.node.Scalar();
    const auto res = std::from_chars(text.data(), text.data() + text.size(), x);
    if (res.ec == std::errc() && res.ptr == text.data() + text.size() && x > 0 && x < 1) {
      fail(ctx, f.line, f.path, ErrorKind::type,
           "must be a whole count of agents or {share: x}, got '" + text +
               "'; write {share: " + text + "} for that share of the agents");
    }
  }
  c.count = get_uint(ctx, f, 0, std::numeric_limits<std::uint32_t>::max());
  return c;
}

void write_count_or_share(JsonWriter& w, const CountOrShare& c) {
  if (c.is_share) {
    w.begin_object().key("share").value(c.share).end_object();
  } else {
    w.value(c.count);
  }
}

Agenda parse_agenda(const Context& ctx, const Field& f, std::uint32_t proposals) {
  // The usual shape mistake: the proposal's index alone, `agenda: 1`.
  if (looks_numeric(f.node)) {
    fail(ctx, f.line, f.path, ErrorKind::type,
         "must be a map {proposal, direction}, got " + describe(f.node) +
             "; write {proposal: " + f.node.Scalar() + ", direction: pass} (or fail)");
  }
  const MapView m(ctx, f, {"proposal", "direction"});
  Agenda a;
  attempt(ctx, [&] {
    const Field p = m.require("proposal");
    a.proposal = get_u32(ctx, p, 0);
    if (a.proposal >= proposals) {
      fail(ctx, p.line, p.path,
           "must be a proposal index < electorate.proposals (" + std::to_string(proposals) +
               "), got " + std::to_string(a.proposal));
    }
  });
  attempt(ctx, [&] {
    if (auto d = m.get("direction"))
      a.direction = get_choice(ctx, *d, {"pass", "fail"}) == 0 ? 1 : -1;
  });
  return a;
}

void write_agenda(JsonWriter& w, const Agenda& a) {
  w.begin_object();
  w.key("proposal").value(std::uint64_t{a.proposal});
  w.key("direction").value(a.direction > 0 ? "pass" : "fail");
  w.end_object();
}

}  // namespace qvsim::yaml_detail
