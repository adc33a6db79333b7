#include "app/detail/arm_yaml.hpp"

// Transitional: the coercion and bribery readers are being written.
namespace qvsim::yaml_detail {

CoercionSpec parse_coercion(const Context& ctx, const Field& f, std::uint32_t) {
  fail(ctx, f.line, f.path, "coercion is not available in this version");
}
void write_coercion(JsonWriter& w, const CoercionSpec&) { w.null(); }
BriberySpec parse_bribery(const Context& ctx, const Field& f, std::uint32_t) {
  fail(ctx, f.line, f.path, "bribery is not available in this version");
}
void write_bribery(JsonWriter& w, const BriberySpec&) { w.null(); }

}  // namespace qvsim::yaml_detail
