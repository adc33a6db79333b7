// The coercion arm's component: runs plan_coercion (agents/coercion.cpp) for a replicate and
// casts and scores what it decided. Split from coercion.cpp, which holds the planner.

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "agents/beliefs.hpp"
#include "agents/coercion.hpp"
#include "agents/honest.hpp"
#include "agents/integer_votes.hpp"
#include "agents/invariants.hpp"
#include "agents/traits.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim::agents {
namespace {

// No complier slot, no coercer.
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

class CoercionComponent final : public Component {
 public:
  CoercionComponent(const CoercionSpec& spec, const ReplicateContext& ctx, const Prior& prior)
      : budget_(ctx.model.scenario.budget),
        demanded_votes_(spec.demanded_votes),
        audit_cost_(spec.audit_cost),
        plan_(plan_coercion(spec, ctx, prior)) {
    if constexpr (kInvariantsEnabled) {
      const Scenario& s = ctx.model.scenario;
      check_coercion(plan_, spec, s.ballot, ctx.graph.num_agents(), s.proposals,
                     invariant_site(ctx));
    }
    mech_index_.fill(0);
    const auto& ms = ctx.model.scenario.mechanisms;
    for (std::size_t i = 0; i < ms.size(); ++i) mech_index_[static_cast<std::size_t>(ms[i])] = i;
    // With an earlier party in the arm, who was threatened is recorded (Cast::instructed).
    if (!prior.empty()) {
      threatened_.resize(ms.size());
      for (std::size_t mi = 0; mi < ms.size(); ++mi) {
        const auto& cm = plan_.mechanisms[mi];
        if (cm.threatened.empty()) continue;
        threatened_[mi].assign(ctx.graph.num_agents(), 0);
        for (const AgentId a : cm.threatened) threatened_[mi][a] = 1;
      }
    }
    std::vector<AgentId> compliers;
    for (const auto& cm : plan_.mechanisms) {
      for (std::size_t j = 0; j < cm.threatened.size(); ++j) {
        if (cm.complied[j] != 0) compliers.push_back(cm.threatened[j]);
      }
    }
    std::sort(compliers.begin(), compliers.end());
    compliers.erase(std::unique(compliers.begin(), compliers.end()), compliers.end());
    if (compliers.empty()) {
      check_lookup(ctx);
      return;
    }
    slot_.assign(ctx.graph.num_agents(), kNone);
    for (std::size_t i = 0; i < compliers.size(); ++i) {
      slot_[compliers[i]] = static_cast<std::uint32_t>(i);
    }
    obey_.assign(ms.size(), std::vector<std::uint32_t>(compliers.size(), kNone));
    for (std::size_t mi = 0; mi < ms.size(); ++mi) {
      const auto& cm = plan_.mechanisms[mi];
      for (std::size_t j = 0; j < cm.threatened.size(); ++j) {
        if (cm.complied[j] != 0) obey_[mi][slot_[cm.threatened[j]]] = cm.coercer[j];
      }
    }
    check_lookup(ctx);
  }

  std::size_t counter_count() const override { return 1; }

  void apply(Cast& b, std::span<double> counters) const override {
    if (!b.fields.empty()) record(b);
    if (!threatened_.empty()) {
      const auto& t = threatened_[mech_index_[static_cast<std::size_t>(b.mechanism)]];
      if (!t.empty() && t[b.agent] != 0) b.instructed |= kPartyCoercer;
    }
    if (slot_.empty()) return;
    const std::uint32_t s = slot_[b.agent];
    if (s == kNone) return;
    const std::uint32_t c = obey_[mech_index_[static_cast<std::size_t>(b.mechanism)]][s];
    if (c == kNone) return;
    b.followed = kPartyCoercer;
    b.cost = instructed_votes(b.mechanism, budget_, b.voter.credits, plan_.agendas[c],
                              demanded_votes_, b.votes, b.votes);
    double abs = 0.0;
    for (const double v : b.votes) abs += std::fabs(v);
    counters[0] += abs;
  }

  void rounds(Mechanism m, std::vector<RoundRecord>& out) const override {
    const auto& cm = plan_.mechanisms[mech_index_[static_cast<std::size_t>(m)]];
    const double na = std::numeric_limits<double>::quiet_NaN();
    for (std::uint32_t r = 0; r < cm.threatened_by_round.size(); ++r) {
      out.push_back(RoundRecord{"coercion", "threat", r, na, na,
                                static_cast<double>(cm.threatened_by_round[r]),
                                static_cast<double>(cm.complied_by_round[r])});
    }
  }

  void metrics(Mechanism m, std::span<const double> sums, const MechanismOutcome& outcome,
               std::vector<double>& out) const override {
    const auto& cm = plan_.mechanisms[mech_index_[static_cast<std::size_t>(m)]];
    const auto threatened = static_cast<double>(cm.threatened.size());
    const auto complied = static_cast<double>(cm.complied_count);
    out.push_back(threatened);
    out.push_back(complied);
    out.push_back(threatened - complied);
    out.push_back(static_cast<double>(cm.punished_count));
    out.push_back(cm.harm);
    out.push_back(outcome.abs_votes > 0.0 ? sums[0] / outcome.abs_votes : 0.0);
    out.push_back(static_cast<double>(cm.checked) * audit_cost_);
  }

 private:
  // threatened; for the threatened (NA for the others): her coercer's agent id, whether she
  // complied, whether she defied and was punished (CoercionFactory::agent_field_names).
  void record(Cast& b) const {
    const CoercionMechanism& cm =
        plan_.mechanisms[mech_index_[static_cast<std::size_t>(b.mechanism)]];
    const auto it = std::lower_bound(cm.threatened.begin(), cm.threatened.end(), b.agent);
    const bool threatened = it != cm.threatened.end() && *it == b.agent;
    b.fields[0] = threatened ? 1.0 : 0.0;
    if (!threatened) return;
    const auto j = static_cast<std::size_t>(it - cm.threatened.begin());
    b.fields[1] = static_cast<double>(plan_.coercers[cm.coercer[j]]);
    b.fields[2] = cm.complied[j];
    b.fields[3] = cm.punished[j];
  }

  // The lookup apply() votes by agrees with the plan: compliers are threatened agents.
  void check_lookup(const ReplicateContext& ctx) const {
    if constexpr (kInvariantsEnabled) {
      for (std::size_t mi = 0; mi < plan_.mechanisms.size(); ++mi) {
        const std::span<const std::uint32_t> obey =
            obey_.empty() ? std::span<const std::uint32_t>() : std::span(obey_[mi]);
        check_compliers(plan_.mechanisms[mi], slot_, obey, ctx.graph.num_agents(),
                        invariant_site(ctx));
      }
    }
  }

  BudgetSpec budget_;
  double demanded_votes_;
  double audit_cost_;
  CoercionPlan plan_;
  std::array<std::size_t, kMechanismCount> mech_index_{};
  std::vector<std::uint32_t> slot_;                    // agent -> complier slot, kNone elsewhere
  std::vector<std::vector<std::uint32_t>> obey_;       // [mechanism][slot] -> coercer, or kNone
  std::vector<std::vector<std::uint8_t>> threatened_;  // [mechanism][agent]; empty: not recorded
};

class CoercionFactory final : public ComponentFactory {
 public:
  explicit CoercionFactory(CoercionSpec spec) : spec_(std::move(spec)) {}
  std::vector<std::string> metric_names() const override {
    return {"threatened",         "complied",           "defied", "punished", "harm",
            "coerced_vote_share", "coercion_audit_cost"};
  }
  std::vector<std::string> agent_field_names() const override {
    return {"threatened", "coercer", "complied", "punished"};
  }
  std::unique_ptr<const Component> make(const ReplicateContext& context,
                                        const Prior& prior) const override {
    return std::make_unique<CoercionComponent>(spec_, context, prior);
  }
  std::uint8_t party() const override { return kPartyCoercer; }

 private:
  CoercionSpec spec_;
};

}  // namespace

std::unique_ptr<const ComponentFactory> make_coercion(const CoercionSpec& spec) {
  return std::make_unique<CoercionFactory>(spec);
}

}  // namespace qvsim::agents
