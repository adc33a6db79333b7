#include "agents/bribery.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <string>
#include <utility>

#include "agents/beliefs.hpp"
#include "agents/coercion.hpp"
#include "agents/honest.hpp"
#include "agents/invariants.hpp"
#include "agents/traits.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim::agents {
namespace {

BriberyMechanism buy(const BriberySpec& spec, const ReplicateContext& ctx, Mechanism m) {
  const Scenario& s = ctx.model.scenario;
  const AgentId n = ctx.electorate.agents;
  BriberyMechanism out;
  out.mechanism = m;
  if (!(spec.budget > 0.0)) return out;

  std::vector<double> price(n);
  const MechanismBelief& belief = ctx.belief(m);
  parallel_for_agent_chunks(n, [&](std::size_t, AgentId begin, AgentId end) {
    std::vector<double> honest(s.proposals);
    std::vector<double> scratch(s.proposals);
    for (AgentId a = begin; a < end; ++a) {
      const Voter voter = voter_of(s, ctx.replicate, a, ctx.electorate.of(a));
      honest_votes(m, s.budget, belief, voter, honest);
      price[a] = bribe_price(spec, m, s.budget, belief, voter, honest, scratch);
    }
  });
  std::vector<AgentId> offers;
  for (AgentId a = 0; a < n; ++a) {
    if (price[a] >= 0.0) offers.push_back(a);
  }
  // A strict total order (ids are distinct), so the sorted order is unique at any thread count.
  parallel_sort(offers.begin(), offers.end(), [&price](AgentId x, AgentId y) {
    return price[x] != price[y] ? price[x] < price[y] : x < y;
  });

  for (const AgentId a : offers) {
    if (out.spent + price[a] > spec.budget) break;
    out.spent += price[a];
    out.sellers.push_back(a);
    out.prices.push_back(price[a]);
  }

  const bool checked = s.ballot != qvsim::Ballot::secret;
  out.delivered.reserve(out.sellers.size());
  for (const AgentId a : out.sellers) {
    bool delivers = true;
    if (!checked) {
      Stream rng(StreamKey{s.seed, ctx.replicate, 0, 0, a, purpose::honesty});
      const double honesty = trait_value(spec.honesty, rng.uniform());
      delivers = rng.bernoulli(honesty);
    }
    out.delivered.push_back(delivers ? 1 : 0);
    out.reneged += delivers ? 0 : 1;
  }
  return out;
}

class BriberyComponent final : public Component {
 public:
  BriberyComponent(const BriberySpec& spec, const ReplicateContext& ctx)
      : budget_(ctx.model.scenario.budget),
        agenda_(spec.agenda),
        demanded_votes_(spec.demanded_votes),
        plan_(plan_bribery(spec, ctx)) {
    const auto& ms = ctx.model.scenario.mechanisms;
    for (std::size_t i = 0; i < ms.size(); ++i) mech_index_[static_cast<std::size_t>(ms[i])] = i;
    deliver_.resize(ms.size());
    for (std::size_t mi = 0; mi < ms.size(); ++mi) {
      const BriberyMechanism& bm = plan_.mechanisms[mi];
      if (std::find(bm.delivered.begin(), bm.delivered.end(), 1) == bm.delivered.end()) continue;
      deliver_[mi].assign(ctx.electorate.agents, 0);
      for (std::size_t i = 0; i < bm.sellers.size(); ++i)
        deliver_[mi][bm.sellers[i]] = bm.delivered[i];
    }
    if constexpr (kInvariantsEnabled) {
      for (std::size_t mi = 0; mi < ms.size(); ++mi) {
        check_bribery(plan_.mechanisms[mi], spec.budget, ctx.model.scenario.ballot, deliver_[mi],
                      ctx.electorate.agents, invariant_site(ctx));
      }
    }
  }

  std::size_t counter_count() const override { return 0; }

  void apply(Cast& b, std::span<double>) const override {
    const auto& d = deliver_[mech_index_[static_cast<std::size_t>(b.mechanism)]];
    if (d.empty() || d[b.agent] == 0) return;
    b.cost = instructed_votes(b.mechanism, budget_, b.voter.credits, agenda_, demanded_votes_,
                              b.votes, b.votes);
  }

  void metrics(Mechanism m, std::span<const double>, const MechanismOutcome&,
               std::vector<double>& out) const override {
    const BriberyMechanism& bm = plan_.mechanisms[mech_index_[static_cast<std::size_t>(m)]];
    out.push_back(bm.spent);
    out.push_back(static_cast<double>(bm.sellers.size()));
    out.push_back(static_cast<double>(bm.reneged));
  }

 private:
  BudgetSpec budget_;
  Agenda agenda_;
  double demanded_votes_;
  BriberyPlan plan_;
  std::array<std::size_t, 3> mech_index_{};
  std::vector<std::vector<std::uint8_t>> deliver_;  // [mechanism][agent]; empty: nobody
};

class BriberyFactory final : public ComponentFactory {
 public:
  explicit BriberyFactory(BriberySpec spec) : spec_(std::move(spec)) {}
  std::vector<std::string> metric_names() const override {
    return {"bribe_spent", "votes_bought", "reneged"};
  }
  std::unique_ptr<const Component> make(const ReplicateContext& context) const override {
    return std::make_unique<BriberyComponent>(spec_, context);
  }

 private:
  BriberySpec spec_;
};

}  // namespace

double bribe_price(const BriberySpec& spec, Mechanism m, const BudgetSpec& budget,
                   const MechanismBelief& belief, const Voter& voter,
                   std::span<const double> honest, std::span<double> scratch) {
  assert(scratch.size() == honest.size());
  instructed_votes(m, budget, voter.credits, spec.agenda, spec.demanded_votes, honest, scratch);
  if (std::equal(honest.begin(), honest.end(), scratch.begin())) return -1.0;
  return std::max(0.0, private_loss(m, budget, belief, voter, honest, scratch));
}

BriberyPlan plan_bribery(const BriberySpec& spec, const ReplicateContext& context) {
  BriberyPlan plan;
  for (const Mechanism m : context.model.scenario.mechanisms) {
    plan.mechanisms.push_back(buy(spec, context, m));
  }
  return plan;
}

std::unique_ptr<const ComponentFactory> make_bribery(const BriberySpec& spec) {
  return std::make_unique<BriberyFactory>(spec);
}

}  // namespace qvsim::agents
