#include "agents/traits.hpp"

#include <algorithm>
#include <numeric>
#include <type_traits>

namespace qvsim::agents {

double trait_value(const TraitSpec& spec, double u) noexcept {
  return std::visit(
      [u](const auto& t) -> double {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, ConstantTrait>) {
          return t.value;
        } else if constexpr (std::is_same_v<T, UniformTrait>) {
          return t.low + (t.high - t.low) * u;
        } else {
          // The top `share` of draws get `high`, so the map stays monotone in u.
          return u >= 1.0 - t.share ? t.high : t.low;
        }
      },
      spec);
}

double agent_trait(const TraitSpec& spec, const StreamKey& key) noexcept {
  if (const auto* c = std::get_if<ConstantTrait>(&spec)) return c->value;
  Stream s(key);
  return trait_value(spec, s.uniform());
}

bool surrenders_key(const TraitSpec& trait, const Scenario& s, std::uint64_t replicate,
                    AgentId a) noexcept {
  if (s.ballot != Ballot::maci) return false;
  const auto* c = std::get_if<ConstantTrait>(&trait);
  if (c != nullptr && !(c->value > 0.0)) return false;
  if (c != nullptr && c->value >= 1.0) return true;
  Stream draw(StreamKey{s.seed, replicate, 0, 0, a, purpose::key_surrender});
  const double chance = trait_value(trait, draw.uniform());
  return draw.uniform() < chance;
}

std::vector<AgentId> choose_random(AgentId agents, std::uint64_t count, Stream& rng,
                                   std::span<const AgentId> pool) {
  std::vector<AgentId> items;
  if (pool.empty()) {
    items.resize(agents);
    std::iota(items.begin(), items.end(), AgentId{0});
  } else {
    items.assign(pool.begin(), pool.end());
  }
  count = std::min<std::uint64_t>(count, items.size());
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t j = i + rng.below(items.size() - i);
    std::swap(items[i], items[j]);
  }
  items.resize(count);
  std::sort(items.begin(), items.end());
  return items;
}

std::vector<AgentId> choose_by_degree(const Graph& graph, std::uint64_t count) {
  std::vector<AgentId> order(graph.num_agents());
  std::iota(order.begin(), order.end(), AgentId{0});
  count = std::min<std::uint64_t>(count, order.size());
  const auto mid = order.begin() + static_cast<std::ptrdiff_t>(count);
  std::partial_sort(order.begin(), mid, order.end(), [&](AgentId a, AgentId b) {
    const auto da = graph.degree(a);
    const auto db = graph.degree(b);
    return da != db ? da > db : a < b;
  });
  order.resize(count);
  return order;
}

}  // namespace qvsim::agents
