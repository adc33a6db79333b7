#pragma once
// Reading and writing the behaviour blocks of an arm (collusion, coercion, bribery), and the
// value kinds they share (traits, counts or shares, agendas). Errors as in yaml_reader.hpp.

#include <cstdint>

#include "api/detail/yaml_reader.hpp"
#include "sim/json.hpp"
#include "sim/scenario.hpp"

namespace qvsim::yaml_detail {

// A trait: a number (constant), {uniform: [low, high]} or {two_point: {share, high, low}}; every
// value the trait can take must lie in `values`. `low` of two_point defaults to 0 when `values`
// holds 0, and is required otherwise.
TraitSpec parse_trait(const Context& ctx, const Field& f, const Range& values);
void write_trait(JsonWriter& w, const TraitSpec& t);
// "key_surrender": the trait, only when it is not the default 0 (so that earlier scenarios keep
// their hashes).
void write_key_surrender(JsonWriter& w, const TraitSpec& t);

// A count (an integer >= 0) or {share: s} with s in [0, 1].
CountOrShare parse_count_or_share(const Context& ctx, const Field& f);
void write_count_or_share(JsonWriter& w, const CountOrShare& c);

// {proposal: k, direction: pass | fail} with k < proposals.
Agenda parse_agenda(const Context& ctx, const Field& f, std::uint32_t proposals);
void write_agenda(JsonWriter& w, const Agenda& a);

// arms.<name>.collusion (api/detail/collusion_yaml.cpp).
CollusionSpec parse_collusion(const Context& ctx, const Field& f);
void write_collusion(JsonWriter& w, const CollusionSpec& c);

// arms.<name>.coercion (api/detail/coercion_yaml.cpp).
CoercionSpec parse_coercion(const Context& ctx, const Field& f, std::uint32_t proposals);
void write_coercion(JsonWriter& w, const CoercionSpec& c);
// arms.<name>.bribery (api/detail/bribery_yaml.cpp).
BriberySpec parse_bribery(const Context& ctx, const Field& f, std::uint32_t proposals);
void write_bribery(JsonWriter& w, const BriberySpec& b);

}  // namespace qvsim::yaml_detail
