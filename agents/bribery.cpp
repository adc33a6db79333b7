#include "agents/bribery.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <string>
#include <utility>
#include <variant>

#include "agents/beliefs.hpp"
#include "agents/coercion.hpp"
#include "agents/honest.hpp"
#include "agents/invariants.hpp"
#include "agents/traits.hpp"
#include "sim/distributions.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim::agents {
namespace {

double trait_mean(const TraitSpec& t) noexcept {
  if (const auto* c = std::get_if<ConstantTrait>(&t)) return c->value;
  if (const auto* u = std::get_if<UniformTrait>(&t)) return 0.5 * (u->low + u->high);
  const auto& p = std::get<TwoPointTrait>(t);
  return p.share * p.high + (1.0 - p.share) * p.low;
}

// The briber's belief that its side wins when the tally on the agenda moves by x votes its way
// (bribery.hpp, "The briber's belief"). `tally` is the realized honest tally (fixed beliefs only).
struct WinBelief {
  const MechanismBelief& belief;
  std::uint32_t proposal;
  double direction;
  double tally;
  double operator()(double x) const noexcept {
    const auto step = [](double t) { return t > 0.0 ? 1.0 : (t == 0.0 ? 0.5 : 0.0); };
    if (belief.model == PivotModel::fixed) return step(direction * tally + x);
    return belief.win_probability(proposal, direction, x);
  }
};

BriberyMechanism buy(const BriberySpec& spec, const SybilSpec& sybils, const ReplicateContext& ctx,
                     Mechanism m, const Prior& prior) {
  const Scenario& s = ctx.model.scenario;
  const AgentId n = ctx.electorate.agents;
  const std::uint32_t k = spec.agenda.proposal;
  const double d = spec.agenda.direction;
  BriberyMechanism out;
  out.mechanism = m;

  // One identity's loss and votes moved (negative loss: not offered), identities, and the honest
  // tally on the agenda (every identity's honest vote) per chunk (summed in chunk order below, so
  // it is the same at any thread count).
  std::vector<double> loss(n);
  std::vector<double> moved(n);
  std::vector<std::uint32_t> identities(n, 1);
  std::vector<double> chunk_tally(num_chunks(n), 0.0);
  const MechanismBelief& belief = ctx.belief(m);
  parallel_for_agent_chunks(n, [&](std::size_t c, AgentId begin, AgentId end) {
    std::vector<double> honest(s.proposals);
    std::vector<double> base(s.proposals);
    std::vector<double> scratch(s.proposals);
    double tally = 0.0;
    for (AgentId a = begin; a < end; ++a) {
      const auto u = ctx.electorate.of(a);
      const Voter voter = voter_of(s, ctx.replicate, a, u);
      if (sybils.share > 0.0) {
        // The Sybils component's coin (agents/collusion.cpp), so the two agree on who splits.
        Stream coin(StreamKey{s.seed, ctx.replicate, ctx.arm_key, 0, a, purpose::sybil});
        if (coin.uniform() < sybils.share) identities[a] = sybils.identities;
      }
      honest_votes(m, s.budget, belief, voter, honest);
      tally += static_cast<double>(identities[a]) * honest[k];
      // Priced against the ballot she would otherwise cast in this arm, giving up what holds her
      // to it (a coalition's expected sanction); loyalty holds her whatever the price.
      base = honest;
      const Hold hold = prior.otherwise(m, a, voter, belief, base);
      // Under maci a sale is enforceable only with the seller's key: nobody else is offered one
      // (a promise without it is worth nothing to the briber, who cannot tell it from a lie).
      // A collective bribe runs no market: only the tally above is needed.
      const bool can_sell =
          !spec.collective &&
          (s.ballot != Ballot::maci || surrenders_key(spec.key_surrender, s, ctx.replicate, a));
      loss[a] = can_sell && std::isfinite(hold.stake)
                    ? bribe_price(spec, m, s.budget, belief, voter, base, scratch, hold.stake)
                    : -1.0;
      moved[a] = loss[a] >= 0.0 ? d * (scratch[k] - base[k]) : 0.0;
    }
    chunk_tally[c] = tally;
  });
  double tally = 0.0;
  for (const double t : chunk_tally) tally += t;
  const WinBelief win{belief, k, d, tally};
  out.confidence_before = win(0.0);
  out.confidence = out.confidence_before;
  if (spec.collective) {
    // No market: the whole budget is promised, shared by every voter, on the outcome.
    out.unit_price = spec.budget / static_cast<double>(n);
    out.spent = spec.budget;
    return out;
  }
  const double target = spec.target_confidence;
  if (!(spec.budget > 0.0) || out.confidence_before >= target) return out;

  std::vector<AgentId> offers;
  for (AgentId a = 0; a < n; ++a) {
    if (loss[a] >= 0.0) offers.push_back(a);
  }
  // individual: cheapest per vote moved; posted: cheapest per identity (the posted price is the
  // dearest one bought). A strict total order (ids are distinct), so the sorted order is unique at
  // any thread count.
  const bool posted = spec.pricing == BribePricing::posted;
  std::vector<double> key(n, 0.0);
  for (const AgentId a : offers) key[a] = posted ? loss[a] : loss[a] / moved[a];
  parallel_sort(offers.begin(), offers.end(), [&key](AgentId x, AgentId y) {
    return key[x] != key[y] ? key[x] < key[y] : x < y;
  });

  // The shortest prefix that reaches the target, in the briber's belief.
  const double rho = believed_delivery(spec, s.ballot);
  double votes = 0.0;
  double short_votes = 0.0;
  std::size_t need = 0;
  for (std::size_t i = 0; i < offers.size(); ++i) {
    const AgentId a = offers[i];
    short_votes = votes;
    votes += static_cast<double>(identities[a]) * moved[a];
    if (win(rho * votes) >= target) {
      need = i + 1;
      break;
    }
  }
  if (need == 0) return out;  // the whole market cannot reach the target

  double posted_price = 0.0;
  for (std::size_t i = 0; i < need; ++i) posted_price = std::max(posted_price, loss[offers[i]]);
  const double promise = spec.contingent ? 1.0 / target : 1.0;
  std::vector<double> prices(need);
  double spent = 0.0;
  for (std::size_t i = 0; i < need; ++i) {
    const AgentId a = offers[i];
    const double per_identity = (posted ? posted_price : loss[a]) * promise;
    prices[i] = static_cast<double>(identities[a]) * per_identity;
    spent += prices[i];
  }
  if (spent > spec.budget) return out;  // the goal is out of reach: buy nothing

  out.spent = spent;
  out.confidence = win(rho * votes);
  out.confidence_short = win(rho * short_votes);
  out.prices = std::move(prices);
  for (std::size_t i = 0; i < need; ++i) {
    const AgentId a = offers[i];
    out.sellers.push_back(a);
    out.losses.push_back(static_cast<double>(identities[a]) * loss[a]);
    out.moved.push_back(static_cast<double>(identities[a]) * moved[a]);
    out.identities.push_back(identities[a]);
    out.unit_price = std::max(out.unit_price, out.prices[i] / static_cast<double>(identities[a]));
  }

  const Ballot ballot = s.ballot;
  out.delivered.reserve(need);
  out.audited.reserve(need);
  for (const AgentId a : out.sellers) {
    bool asked = false;
    if (ballot == Ballot::provable) {
      Stream coin(
          StreamKey{s.seed, ctx.replicate, ctx.arm_key, purpose::kAuditBriber, a, purpose::audit});
      asked = coin.bernoulli(spec.audit);
    }
    bool delivers = true;  // public, maci (the briber casts it with her key), or asked for proof
    if (ballot == Ballot::secret || (ballot == Ballot::provable && !asked)) {
      Stream rng(StreamKey{s.seed, ctx.replicate, 0, 0, a, purpose::honesty});
      const double honesty = trait_value(spec.honesty, rng.uniform());
      delivers = rng.bernoulli(honesty);
    }
    out.audited.push_back(asked ? 1 : 0);
    out.audits += asked ? 1 : 0;
    out.delivered.push_back(delivers ? 1 : 0);
    out.reneged += delivers ? 0 : 1;
  }
  return out;
}

class BriberyComponent final : public Component {
 public:
  BriberyComponent(const BriberySpec& spec, const SybilSpec& sybils, const ReplicateContext& ctx,
                   const Prior& prior)
      : spec_(spec),
        budget_(ctx.model.scenario.budget),
        plan_(plan_bribery(spec, ctx, sybils, prior)) {
    const auto& ms = ctx.model.scenario.mechanisms;
    for (std::size_t i = 0; i < ms.size(); ++i) mech_index_[static_cast<std::size_t>(ms[i])] = i;
    deliver_.resize(ms.size());
    stakes_.resize(ms.size());
    // What a delivering seller gives up by not delivering: her offer for one identity (the
    // expected payment, promise x target, when contingent), in utility.
    const double expected = spec.contingent ? spec.target_confidence : 1.0;
    for (std::size_t mi = 0; mi < ms.size(); ++mi) {
      const BriberyMechanism& bm = plan_.mechanisms[mi];
      if (bm.sellers.empty()) continue;
      deliver_[mi].assign(ctx.electorate.agents, kNotBought);
      for (std::size_t i = 0; i < bm.sellers.size(); ++i) {
        deliver_[mi][bm.sellers[i]] = bm.delivered[i] != 0 ? kDelivers : kReneges;
        if (bm.delivered[i] != 0) {
          stakes_[mi].emplace_back(bm.sellers[i],
                                   bm.prices[i] * expected / static_cast<double>(bm.identities[i]));
        }
      }
      std::sort(stakes_[mi].begin(), stakes_[mi].end());
    }
    if constexpr (kInvariantsEnabled) {
      for (std::size_t mi = 0; mi < ms.size(); ++mi) {
        std::vector<std::uint8_t> delivers(deliver_[mi].size());
        for (std::size_t a = 0; a < delivers.size(); ++a)
          delivers[a] = deliver_[mi][a] == kDelivers ? 1 : 0;
        check_bribery(plan_.mechanisms[mi], spec, ctx.model.scenario.ballot, delivers,
                      ctx.electorate.agents, invariant_site(ctx));
      }
    }
  }

  // A collective bribe counts the voters whose ballots its promise changed.
  std::size_t counter_count() const override { return spec_.collective ? 1 : 0; }

  void apply(Cast& b, std::span<double> counters) const override {
    if (spec_.collective) {
      collective(b, counters);
      return;
    }
    const auto& d = deliver_[mech_index_[static_cast<std::size_t>(b.mechanism)]];
    const bool bought = !d.empty() && d[b.agent] != kNotBought;
    if (!b.fields.empty()) {  // bribed, reneged (BriberyFactory)
      b.fields[0] = bought ? 1.0 : 0.0;
      if (bought) b.fields[1] = d[b.agent] == kReneges ? 1.0 : 0.0;
    }
    if (!bought) return;
    b.instructed |= kPartyBriber;
    if (d[b.agent] == kReneges) return;
    b.followed = kPartyBriber;
    b.cost = instructed_votes(b.mechanism, budget_, b.voter.credits, spec_.agenda,
                              spec_.demanded_votes, b.votes, b.votes);
  }

  // A collective promise: every voter adds `promise` (budget / agents) to her value of the
  // agenda's outcome, the briber's way (she is paid only if it happens: probability times value,
  // in the units of every other decision), and casts her own best ballot for those values. Nobody
  // is asked to prove anything, so the ballot regime plays no part.
  void collective(Cast& b, std::span<double> counters) const {
    const std::uint32_t k = spec_.agenda.proposal;
    std::vector<double> u(b.voter.u.begin(), b.voter.u.end());
    u[k] += static_cast<double>(spec_.agenda.direction) * plan_.mechanisms.front().unit_price;
    Voter shifted = b.voter;
    shifted.u = u;
    std::vector<double> votes(u.size());
    const double cost = honest_votes(b.mechanism, budget_, b.belief, shifted, votes);
    const bool changed = !std::equal(votes.begin(), votes.end(), b.votes.begin(), b.votes.end());
    if (!b.fields.empty()) {  // bribed: her ballot moved; reneged 0 then (nothing to deliver)
      b.fields[0] = changed ? 1.0 : 0.0;
      if (changed) b.fields[1] = 0.0;
    }
    if (!changed) return;
    std::copy(votes.begin(), votes.end(), b.votes.begin());
    b.cost = cost;
    b.instructed |= kPartyBriber;
    b.followed = kPartyBriber;
    counters[0] += 1.0;
  }

  Hold held(Mechanism m, AgentId a, const Voter& voter, const MechanismBelief&,
            std::span<double> votes) const override {
    const auto& st = stakes_[mech_index_[static_cast<std::size_t>(m)]];
    const auto it = std::lower_bound(st.begin(), st.end(), std::pair{a, -HUGE_VAL});
    if (it == st.end() || it->first != a) return {};
    instructed_votes(m, budget_, voter.credits, spec_.agenda, spec_.demanded_votes, votes, votes);
    return Hold{kPartyBriber, it->second};
  }

  void metrics(Mechanism m, std::span<const double> sums, const MechanismOutcome& outcome,
               std::vector<double>& out) const override {
    const BriberyMechanism& bm = plan_.mechanisms[mech_index_[static_cast<std::size_t>(m)]];
    // A contingent promise is paid only when the tally decided the agenda the briber's way.
    const bool won = outcome.decision.at(spec_.agenda.proposal) == spec_.agenda.direction;
    out.push_back((spec_.contingent || spec_.collective) && !won ? 0.0 : bm.spent);
    out.push_back(spec_.collective ? sums[0] : static_cast<double>(bm.sellers.size()));
    out.push_back(static_cast<double>(bm.reneged));
    out.push_back(bm.unit_price);
    out.push_back(bm.confidence);
    out.push_back(static_cast<double>(bm.audits));
    out.push_back(static_cast<double>(bm.audits) * spec_.audit_cost);
  }

 private:
  BriberySpec spec_;
  BudgetSpec budget_;
  BriberyPlan plan_;
  std::array<std::size_t, kMechanismCount> mech_index_{};
  static constexpr std::uint8_t kNotBought = 0, kReneges = 1, kDelivers = 2;
  std::vector<std::vector<std::uint8_t>> deliver_;  // [mechanism][agent]; empty: nobody bought
  // [mechanism]: (delivering seller, her stake), ascending by seller.
  std::vector<std::vector<std::pair<AgentId, double>>> stakes_;
};

class BriberyFactory final : public ComponentFactory {
 public:
  BriberyFactory(BriberySpec spec, SybilSpec sybils)
      : spec_(std::move(spec)), sybils_(std::move(sybils)) {}
  std::vector<std::string> metric_names() const override {
    return {"bribe_spent",      "votes_bought", "reneged",         "bribe_price",
            "bribe_confidence", "bribe_audits", "bribe_audit_cost"};
  }
  // Whether the briber bought her ballot and, for a seller (NA for the others), whether she then
  // did not deliver it.
  std::vector<std::string> agent_field_names() const override { return {"bribed", "reneged"}; }
  std::unique_ptr<const Component> make(const ReplicateContext& context,
                                        const Prior& prior) const override {
    return std::make_unique<BriberyComponent>(spec_, sybils_, context, prior);
  }
  std::uint8_t party() const override { return kPartyBriber; }

 private:
  BriberySpec spec_;
  SybilSpec sybils_;
};

}  // namespace

double bribe_price(const BriberySpec& spec, Mechanism m, const BudgetSpec& budget,
                   const MechanismBelief& belief, const Voter& voter, std::span<const double> base,
                   std::span<double> scratch, double forgone) {
  assert(scratch.size() == base.size());
  instructed_votes(m, budget, voter.credits, spec.agenda, spec.demanded_votes, base, scratch);
  const std::uint32_t k = spec.agenda.proposal;
  if (!(spec.agenda.direction * (scratch[k] - base[k]) > 0.0)) return -1.0;
  return std::max(0.0, private_loss(m, budget, belief, voter, base, scratch) + forgone);
}

double believed_delivery(const BriberySpec& spec, Ballot ballot) noexcept {
  switch (ballot) {
    case Ballot::public_ballot: return 1.0;
    case Ballot::provable: return spec.audit + (1.0 - spec.audit) * trait_mean(spec.honesty);
    case Ballot::secret: return trait_mean(spec.honesty);
    case Ballot::maci: return 1.0;  // it buys only from sellers who hand over their keys
  }
  return 1.0;
}

BriberyPlan plan_bribery(const BriberySpec& spec, const ReplicateContext& context,
                         const SybilSpec& sybils, const Prior& prior) {
  BriberyPlan plan;
  for (const Mechanism m : context.model.scenario.mechanisms) {
    plan.mechanisms.push_back(buy(spec, sybils, context, m, prior));
  }
  return plan;
}

std::unique_ptr<const ComponentFactory> make_bribery(const BriberySpec& spec,
                                                     const SybilSpec& sybils) {
  return std::make_unique<BriberyFactory>(spec, sybils);
}

}  // namespace qvsim::agents
