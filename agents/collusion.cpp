#include "agents/collusion.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "agents/beliefs.hpp"
#include "agents/honest.hpp"
#include "agents/invariants.hpp"
#include "agents/traits.hpp"
#include "sim/clusters.hpp"
#include "sim/parallel.hpp"

namespace qvsim::agents {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// How many of a sybil's `identities` the identity checks keep (scenario.identity): each extra one
// is caught with probability detect, one keyed draw per identity in order.
std::uint32_t kept_identities(std::uint32_t identities, const IdentitySpec& identity,
                              std::uint64_t seed, std::uint64_t replicate, std::uint32_t arm_key,
                              AgentId a) {
  std::uint32_t kept = identities;
  if (identity.detect > 0.0) {
    Stream check(StreamKey{seed, replicate, arm_key, 0, a, purpose::identity_check});
    for (std::uint32_t j = 1; j < identities; ++j)
      if (check.uniform() < identity.detect) --kept;
  }
  return kept;
}

// Counters: members, defectors, |votes| cast by members (times their identities), members checked
// (provable), defectors sanctioned, members' identities, every agent's identities.
enum CollusionCounter : std::size_t {
  kMembers,
  kDefectors,
  kMemberAbsVotes,
  kChecked,
  kSanctioned,
  kMemberIdentities,
  kAllIdentities,
  kCollusionCounters
};

class Collusion final : public Component {
 public:
  Collusion(const CollusionSpec& spec, const ReplicateContext& ctx)
      : spec_(spec),
        electorate_(ctx.electorate),
        scenario_(ctx.model.scenario),
        budget_(ctx.model.scenario.budget),
        beliefs_(ctx.beliefs),
        ballot_(ctx.model.scenario.ballot),
        seed_(ctx.model.scenario.seed),
        replicate_(ctx.replicate),
        arm_key_(ctx.arm_key),
        detect_(ctx.model.scenario.clusters.source != ClusterSource::none),
        asked_(spec.selection == Selection::listed
                   ? !spec.organizer_ids.empty()
                   : spec.organizers.resolve(ctx.electorate.agents) > 0),
        site_(kInvariantsEnabled ? invariant_site(ctx) : InvariantSite{}) {
    const auto& ms = scenario_.mechanisms;
    mech_index_.fill(0);
    for (std::size_t i = 0; i < ms.size(); ++i) {
      mech_index_[static_cast<std::size_t>(ms[i])] = i;
      coalitions_.push_back(form_coalitions(spec, ctx, ms[i]));
      if constexpr (kInvariantsEnabled) {
        InvariantSite site = site_;
        site.mechanism = ms[i];
        check_coalitions(coalitions_.back(), electorate_, spec_.max_size, site);
      }
    }
  }

  std::size_t counter_count() const override { return kCollusionCounters; }

  const Coalitions& of(Mechanism m) const {
    return coalitions_[mech_index_[static_cast<std::size_t>(m)]];
  }

  // A member's coalition ballot (agents/collusion.hpp) when she obeys; her honest votes when she
  // defects. Returns whether she obeyed.
  bool member_votes(Mechanism m, AgentId a, const MechanismBelief& belief, const Voter& voter,
                    std::span<const double> honest, double honest_cost, std::span<double> out,
                    double& cost) const {
    const std::size_t kc = electorate_.proposals;
    const Coalitions& c = of(m);
    const std::size_t id = c.coalition_of[a];
    thread_local std::vector<double> internal;
    internal.resize(kc);
    coalition_values(voter.u, {c.totals.data() + id * kc, kc}, {c.causes.data() + id * kc, kc},
                     spec_.internalization, internal);
    const double w_cost =
        honest_votes(m, budget_, belief, Voter{internal, voter.credits, voter.lambda}, out);
    if (obeys(m, a, belief, voter, honest, out)) {
      cost = w_cost;
      return true;
    }
    std::copy(honest.begin(), honest.end(), out.begin());
    cost = honest_cost;
    return false;
  }

  Hold held(Mechanism m, AgentId a, const Voter& voter, const MechanismBelief& belief,
            std::span<double> votes) const override {
    const Coalitions& c = of(m);
    if (c.coalition_of[a] == kNoCoalition) return {};
    const std::size_t kc = electorate_.proposals;
    thread_local std::vector<double> honest, internal;
    honest.assign(votes.begin(), votes.end());
    internal.resize(kc);
    const std::size_t id = c.coalition_of[a];
    coalition_values(voter.u, {c.totals.data() + id * kc, kc}, {c.causes.data() + id * kc, kc},
                     spec_.internalization, internal);
    honest_votes(m, budget_, belief, Voter{internal, voter.credits, voter.lambda}, votes);
    const double stake = obey_stake(m, a, belief, voter, honest, votes);
    if (stake >= 0.0) return Hold{kPartyCoalition, stake};
    std::copy(honest.begin(), honest.end(), votes.begin());
    return {};
  }

  void apply(Cast& b, std::span<double> counters) const override {
    // Identities count in influence_ratio: a sybil's identities all cast her ballot (the sybil
    // component, later in the arm, scales it by the same coin).
    const double identities = identities_of(b.agent);
    counters[kAllIdentities] += identities;
    const std::size_t id = of(b.mechanism).coalition_of[b.agent];
    if (id == kNoCoalition) return;
    const bool obeyed =
        member_votes(b.mechanism, b.agent, b.belief, b.voter, b.honest, b.cost, b.votes, b.cost);
    b.instructed |= kPartyCoalition;
    if (obeyed) b.followed = kPartyCoalition;
    counters[kMembers] += 1.0;
    counters[kDefectors] += obeyed ? 0.0 : 1.0;
    counters[kMemberIdentities] += identities;
    double abs = 0.0;
    for (double v : b.votes) abs += std::fabs(v);
    counters[kMemberAbsVotes] += abs * identities;
    // After the vote: who is checked, and whether a defection is seen.
    // Under maci only a member who handed the organizer her key can be watched.
    bool seen = ballot_ == qvsim::Ballot::public_ballot ||
                surrenders_key(spec_.key_surrender, scenario_, replicate_, b.agent);
    if (ballot_ == qvsim::Ballot::provable && audited(b.agent)) {
      counters[kChecked] += 1.0;
      seen = true;
    }
    const bool sanctioned = !obeyed && seen && spec_.sanction > 0.0;
    if (sanctioned) counters[kSanctioned] += 1.0;
    if (!b.fields.empty()) {  // coalition, obeyed, sanctioned (CollusionFactory)
      b.fields[0] = static_cast<double>(id);
      b.fields[1] = obeyed ? 1.0 : 0.0;
      b.fields[2] = sanctioned ? 1.0 : 0.0;
    }
  }

  bool reads_clusters() const override { return detect_; }

  void rounds(Mechanism m, std::vector<RoundRecord>& out) const override {
    const Coalitions& c = of(m);
    const double na = std::numeric_limits<double>::quiet_NaN();
    for (std::uint32_t r = 0; r < c.members_by_round.size(); ++r) {
      const char* stage = r == 0 ? "found" : (r <= c.rounds_run ? "recruit" : "exit");
      out.push_back(RoundRecord{"collusion", stage, r, static_cast<double>(c.members_by_round[r]),
                                static_cast<double>(c.coalitions_by_round[r]), na, na});
    }
  }

  void metrics(Mechanism m, std::span<const double> sums, const MechanismOutcome& outcome,
               std::vector<double>& out) const override {
    const Coalitions& c = of(m);
    if constexpr (kInvariantsEnabled) {
      InvariantSite site = site_;
      site.mechanism = m;
      check_collusion_counts(c, sums[kMembers], sums[kDefectors], sums[kSanctioned], ballot_,
                             spec_.sanction, site);
    }
    const auto& members = c.members;
    std::size_t largest = 0;
    for (const auto& list : members) largest = std::max(largest, list.size());
    const double n = static_cast<double>(electorate_.agents);
    const double colluders = sums[kMembers];
    out.push_back(static_cast<double>(members.size()));
    out.push_back(members.empty() ? kNaN : colluders / static_cast<double>(members.size()));
    out.push_back(static_cast<double>(largest));
    out.push_back(colluders / n);
    out.push_back(colluders > 0 ? sums[kDefectors] / colluders : kNaN);
    out.push_back(ballot_rule(m) == Mechanism::quadratic ? credits_saved(m) : kNaN);
    const double vote_share =
        outcome.abs_votes > 0 ? sums[kMemberAbsVotes] / outcome.abs_votes : kNaN;
    const double identity_share = sums[kMemberIdentities] / sums[kAllIdentities];
    out.push_back(colluders > 0 ? vote_share / identity_share : kNaN);
    out.push_back(static_cast<double>(c.left));
    out.push_back(sums[kSanctioned]);
    out.push_back(sums[kChecked] * spec_.audit_cost);
    bool saturated = !members.empty();
    for (const auto& list : members) saturated = saturated && list.size() >= spec_.max_size;
    out.push_back(saturated ? 1.0 : 0.0);
    if (detect_) {
      // The scenario's clusters read as a detector's suspected coalitions (sim/clusters.hpp).
      const double nan = std::numeric_limits<double>::quiet_NaN();
      const PairScore p =
          outcome.clusters != nullptr
              ? score_pairs(*outcome.clusters, c.coalition_of, kNoCoalition, outcome.identities)
              : PairScore{nan, nan, nan, nan, nan, nan};
      out.push_back(p.precision);
      out.push_back(p.recall);
      out.push_back(p.f1);
    }
  }

  // Collusion did nothing: no member, or every member defected. An arm asked to found no
  // coalition (organizers 0: sybils alone) has not failed at it.
  bool inert(std::span<const double> sums) const override {
    if (!asked_) return false;
    return sums[kMembers] == 0.0 || sums[kDefectors] == sums[kMembers];
  }

 private:
  // How many identities agent a votes with in this arm: the identities the checks keep of
  // collusion.sybils.identities when her sybil coin (the sybil component's) comes up, else 1.
  double identities_of(AgentId a) const {
    if (!(spec_.sybils.share > 0.0)) return 1.0;
    Stream coin(StreamKey{seed_, replicate_, arm_key_, 0, a, purpose::sybil});
    if (!(coin.uniform() < spec_.sybils.share)) return 1.0;
    return static_cast<double>(kept_identities(spec_.sybils.identities, scenario_.identity, seed_,
                                               replicate_, arm_key_, a));
  }

  // Provable ballots: whether the coalition asks agent a to prove her vote (one coin per agent,
  // the same under every mechanism).
  bool audited(AgentId a) const {
    Stream coin(
        StreamKey{seed_, replicate_, arm_key_, purpose::kAuditCoalition, a, purpose::audit});
    return coin.uniform() < spec_.audit;
  }

  bool obeys(Mechanism m, AgentId a, const MechanismBelief& belief, const Voter& voter,
             std::span<const double> honest, std::span<const double> w) const {
    return obey_stake(m, a, belief, voter, honest, w) >= 0.0;
  }

  // What holds member a to her coalition ballot w: infinity when her loyalty draw succeeds, the
  // expected sanction detection x sanction when that exceeds her loss from obeying, and -1 when
  // nothing does (she defects).
  double obey_stake(Mechanism m, AgentId a, const MechanismBelief& belief, const Voter& voter,
                    std::span<const double> honest, std::span<const double> w) const {
    // The same draws in every mechanism: a disposition does not depend on the ballot's rule.
    Stream draw(StreamKey{seed_, replicate_, arm_key_, 0, a, purpose::loyalty});
    const double disposition = trait_value(spec_.loyalty, draw.uniform());
    if (draw.uniform() < disposition) return std::numeric_limits<double>::infinity();
    double detection = 1.0;
    if (ballot_ == qvsim::Ballot::provable) {
      detection = spec_.audit;
    } else if (ballot_ == qvsim::Ballot::maci) {
      detection = maci_detection(spec_.key_surrender, scenario_, replicate_, a);
    } else if (ballot_ == qvsim::Ballot::secret) {
      detection = agent_trait(spec_.perceived_detection,
                              StreamKey{seed_, replicate_, 0, 0, a, purpose::belief});
    }
    // No expected sanction, no enforcement: with threat 0 only loyalty holds a member. Obeying can
    // look worth a hair more than her honest ballot (a loss near -1e-5 utility under credits QV,
    // whose honest ballot answers the belief's density at the tally it expects: price-taking);
    // that is the honest rule's approximation, not a reason to vote a trade.
    const double threat = detection * spec_.sanction;
    const bool held = threat > 0.0 && threat > private_loss(m, budget_, belief, voter, honest, w);
    return held ? threat : -1.0;
  }

  // Sum over coalitions of what one voter would pay for the coalition's summed votes, minus what
  // its members paid (quadratic cost).
  double credits_saved(Mechanism m) const {
    const std::size_t kc = electorate_.proposals;
    const Coalitions& c = of(m);
    std::vector<double> saved(c.members.size(), 0.0);
    const MechanismBelief& belief = belief_for(beliefs_, m);
    parallel_for_index(std::size_t{0}, saved.size(), [&](std::size_t id) {
      std::vector<double> shift(kc, 0.0), honest(kc), votes(kc);
      double extra = 0.0;
      for (AgentId a : c.members[id]) {
        const auto u = electorate_.of(a);
        const Voter voter = voter_of(scenario_, replicate_, a, u);
        const double hc = honest_votes(m, budget_, belief, voter, honest);
        double cost = 0.0;
        member_votes(m, a, belief, voter, honest, hc, votes, cost);
        extra += cost - hc;
        for (std::size_t k = 0; k < kc; ++k) shift[k] += votes[k] - honest[k];
      }
      double single = 0.0;
      for (double v : shift) single += v * v;
      saved[id] = single - extra;
    });
    double total = 0.0;
    for (double x : saved) total += x;
    return total;
  }

  const CollusionSpec& spec_;
  const Electorate& electorate_;
  const Scenario& scenario_;
  const BudgetSpec& budget_;
  std::span<const MechanismBelief> beliefs_;
  qvsim::Ballot ballot_;
  std::uint64_t seed_;
  std::uint64_t replicate_;
  std::uint32_t arm_key_;
  bool detect_;  // the scenario sets clusters: report the detection scores
  bool asked_;   // organizers to found coalitions (else the arm is sybils alone)
  std::array<std::size_t, kMechanismCount> mech_index_{};
  std::vector<Coalitions> coalitions_;  // in scenario.mechanisms order
  InvariantSite site_;
};

class CollusionFactory final : public ComponentFactory {
 public:
  CollusionFactory(const CollusionSpec& spec, bool detect) : spec_(spec), detect_(detect) {}
  std::vector<std::string> metric_names() const override {
    std::vector<std::string> names{
        "coalitions",     "coalition_size_mean",  "coalition_size_max", "colluding_share",
        "defection_rate", "credits_saved",        "influence_ratio",    "left",
        "sanctioned",     "coalition_audit_cost", "saturated"};
    if (detect_) {
      for (const char* n : {"detection_precision", "detection_recall", "detection_f1"})
        names.emplace_back(n);
    }
    return names;
  }
  // Per member (NA for the others): her coalition's index in this replicate and mechanism,
  // whether she cast its ballot, whether her defection was seen and sanctioned.
  std::vector<std::string> agent_field_names() const override {
    return {"coalition", "obeyed", "sanctioned"};
  }
  std::unique_ptr<const Component> make(const ReplicateContext& ctx, const Prior&) const override {
    return std::make_unique<Collusion>(spec_, ctx);
  }
  std::uint8_t party() const override { return kPartyCoalition; }

 private:
  CollusionSpec spec_;
  bool detect_;
};

// Counters: sybils, extra identities, identity cost paid; with identity checks, identities caught,
// the checks' cost, and the checks' cost paid by agents voting with one identity.
enum SybilCounter : std::size_t {
  kSybils,
  kIdentities,
  kIdentityCost,
  kCaught,
  kCheckCost,
  kHonestCheckCost,
  kSybilCounters
};

class Sybils final : public Component {
 public:
  Sybils(const SybilSpec& spec, const IdentitySpec& identity, const ReplicateContext& ctx)
      : spec_(spec),
        identity_(identity),
        seed_(ctx.model.scenario.seed),
        replicate_(ctx.replicate),
        arm_key_(ctx.arm_key) {}

  std::size_t counter_count() const override { return kSybilCounters; }

  void apply(Cast& b, std::span<double> counters) const override {
    Stream coin(StreamKey{seed_, replicate_, arm_key_, 0, b.agent, purpose::sybil});
    if (!b.fields.empty()) b.fields[0] = 1.0;
    if (!(coin.uniform() < spec_.share)) {
      counters[kCheckCost] += identity_.cost;
      counters[kHonestCheckCost] += identity_.cost;
      return;
    }
    // Every identity casts her ballot and costs her; the checks then remove the caught ones, so
    // the identities she votes with are those kept.
    const std::uint32_t kept =
        kept_identities(spec_.identities, identity_, seed_, replicate_, arm_key_, b.agent);
    const auto k = static_cast<double>(spec_.identities);
    const auto voting = static_cast<double>(kept);
    if (kept > 1)
      for (double& v : b.votes) v *= voting;
    const double extra = (k - 1.0) * spec_.identity_cost;
    const double one = b.cost;  // one identity's ballot
    b.cost = one * k + extra;
    counters[kSybils] += 1.0;
    counters[kIdentities] += k - 1.0;
    counters[kIdentityCost] += extra;
    counters[kCaught] += k - voting;
    counters[kCheckCost] += identity_.cost * k;
    b.identities = kept;
    b.identity_fee = extra + (k - voting) * one;  // caught identities' ballots are paid for too
    if (!b.fields.empty()) b.fields[0] = voting;
  }

  void metrics(Mechanism, std::span<const double> sums, const MechanismOutcome&,
               std::vector<double>& out) const override {
    out.push_back(sums[kSybils]);
    out.push_back(sums[kIdentities]);
    out.push_back(sums[kIdentityCost]);
    if (identity_.checked) {
      out.push_back(sums[kCaught]);
      out.push_back(sums[kCheckCost]);
      out.push_back(sums[kHonestCheckCost]);
    }
  }

 private:
  const SybilSpec& spec_;
  const IdentitySpec& identity_;
  std::uint64_t seed_;
  std::uint64_t replicate_;
  std::uint32_t arm_key_;
};

class SybilFactory final : public ComponentFactory {
 public:
  SybilFactory(const SybilSpec& spec, const IdentitySpec& identity)
      : spec_(spec), identity_(identity) {}
  std::vector<std::string> metric_names() const override {
    std::vector<std::string> names{"sybils", "sybil_identities", "sybil_identity_cost"};
    if (identity_.checked) {
      for (const char* n : {"identities_caught", "identity_check_cost", "honest_check_cost"})
        names.emplace_back(n);
    }
    return names;
  }
  // The identities she votes with: 1, or the sybil's identities.
  std::vector<std::string> agent_field_names() const override { return {"identities"}; }
  std::unique_ptr<const Component> make(const ReplicateContext& ctx, const Prior&) const override {
    return std::make_unique<Sybils>(spec_, identity_, ctx);
  }

 private:
  SybilSpec spec_;
  IdentitySpec identity_;
};

}  // namespace

std::unique_ptr<const ComponentFactory> make_collusion(const CollusionSpec& spec, bool detect) {
  return std::make_unique<CollusionFactory>(spec, detect);
}

std::unique_ptr<const ComponentFactory> make_sybils(const SybilSpec& spec,
                                                    const IdentitySpec& identity) {
  return std::make_unique<SybilFactory>(spec, identity);
}

}  // namespace qvsim::agents
