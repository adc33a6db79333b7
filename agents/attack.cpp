#include "agents/attack.hpp"

#include <algorithm>
#include <limits>

#include "agents/beliefs.hpp"
#include "agents/honest.hpp"
#include "sim/invariants.hpp"

namespace qvsim::agents {
namespace {

class AttackPlan final : public ArmPlan {
 public:
  AttackPlan(const ReplicateContext& ctx, std::vector<std::unique_ptr<const Component>> parts,
             const std::vector<std::size_t>& field_counts, bool contested)
      : contested_(contested),
        electorate_(ctx.electorate),
        scenario_(ctx.model.scenario),
        budget_(ctx.model.scenario.budget),
        replicate_(ctx.replicate),
        beliefs_(ctx.beliefs),
        parts_(std::move(parts)),
        site_(kInvariantsEnabled ? invariant_site(ctx) : InvariantSite{}) {
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      offsets_.push_back(counters_);
      counters_ += parts_[i]->counter_count();
      field_offsets_.push_back(fields_);
      fields_ += field_counts[i];
    }
  }

  // The components' counters, then the arm's own: ballots changed; with several parties,
  // contested and contested per party.
  std::size_t counter_count() const override {
    return counters_ + (parts_.empty() ? 0 : 1) + (contested_ ? 4 : 0);
  }

  double cast(Mechanism m, AgentId a, std::span<double> out,
              std::span<double> counters) const override {
    return run(m, a, out, counters, {});
  }

  double cast_recorded(Mechanism m, AgentId a, std::span<double> out, std::span<double> counters,
                       std::span<double> fields) const override {
    std::fill(fields.begin(), fields.end(), std::numeric_limits<double>::quiet_NaN());
    return run(m, a, out, counters, fields);
  }

  double cast_counted(Mechanism m, AgentId a, std::span<double> out, std::span<double> counters,
                      std::uint32_t& identities) const override {
    return run(m, a, out, counters, {}, &identities);
  }

  bool reads_clusters() const override {
    return std::any_of(parts_.begin(), parts_.end(),
                       [](const auto& p) { return p->reads_clusters(); });
  }

  std::vector<RoundRecord> rounds(Mechanism m) const override {
    std::vector<RoundRecord> out;
    for (const auto& p : parts_) p->rounds(m, out);
    return out;
  }

  std::vector<double> metrics(Mechanism m, std::span<const double> sums,
                              const MechanismOutcome& outcome) const override {
    std::vector<double> out;
    bool inert = false;
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      const auto part = sums.subspan(offsets_[i], parts_[i]->counter_count());
      parts_[i]->metrics(m, part, outcome, out);
      inert = inert || parts_[i]->inert(part);
    }
    if (!parts_.empty()) {
      const double changed = sums[counters_];
      out.push_back(changed);
      out.push_back(changed == 0.0 || inert ? 1.0 : 0.0);
    }
    if (contested_) {
      for (std::size_t i = 1; i <= 4; ++i) out.push_back(sums[counters_ + i]);
    }
    return out;
  }

 private:
  // cast(), cast_recorded() and cast_counted(): `fields` empty when nothing is recorded;
  // `identities`, when given, receives the identities that cast her ballot.
  double run(Mechanism m, AgentId a, std::span<double> out, std::span<double> counters,
             std::span<double> fields, std::uint32_t* identities = nullptr) const {
    if (identities != nullptr) *identities = 1;
    const auto u = electorate_.of(a);
    const Voter voter = voter_of(scenario_, replicate_, a, u);
    const MechanismBelief& belief = belief_of(m);
    const double cost = honest_votes(m, budget_, belief, voter, out);
    if (parts_.empty()) {
      if constexpr (kInvariantsEnabled) {
        check_ballot(m, budget_.kind, voter.credits, out, cost, 1, 0.0, a, site_);
      }
      return cost;
    }
    // Honest votes are kept for components that compare against them (losses, instructions).
    thread_local std::vector<double> honest;
    honest.assign(out.begin(), out.end());
    Cast b{m, a, voter, belief, honest, out, cost};
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (!fields.empty()) {
        const std::size_t end = i + 1 < parts_.size() ? field_offsets_[i + 1] : fields_;
        b.fields = fields.subspan(field_offsets_[i], end - field_offsets_[i]);
      }
      parts_[i]->apply(b, counters.subspan(offsets_[i], parts_[i]->counter_count()));
    }
    // The ballot is final here: this is what the engine tallies.
    if (identities != nullptr) *identities = b.identities;
    const double changed = std::equal(out.begin(), out.end(), honest.begin()) ? 0.0 : 1.0;
    counters[counters_] += changed;
    if (!fields.empty()) fields[fields_] = changed;
    if (contested_ && (b.instructed & (b.instructed - 1)) != 0) {  // two or more bits
      counters[counters_ + 1] += 1.0;
      if (b.followed == kPartyCoalition) counters[counters_ + 2] += 1.0;
      if (b.followed == kPartyBriber) counters[counters_ + 3] += 1.0;
      if (b.followed == kPartyCoercer) counters[counters_ + 4] += 1.0;
    }
    if constexpr (kInvariantsEnabled) {
      check_ballot(m, budget_.kind, voter.credits, out, b.cost, b.identities, b.identity_fee, a,
                   site_);
    }
    return b.cost;
  }

  const MechanismBelief& belief_of(Mechanism m) const { return belief_for(beliefs_, m); }

  bool contested_;
  const Electorate& electorate_;
  const Scenario& scenario_;
  const BudgetSpec& budget_;
  std::uint64_t replicate_;
  std::span<const MechanismBelief> beliefs_;
  std::vector<std::unique_ptr<const Component>> parts_;
  std::vector<std::size_t> offsets_;
  std::size_t counters_ = 0;
  std::vector<std::size_t> field_offsets_;  // each component's first agent field
  std::size_t fields_ = 0;                  // the components' fields; ballot_changed follows
  InvariantSite site_;
};

}  // namespace

AttackBehaviour::AttackBehaviour(std::vector<std::unique_ptr<const ComponentFactory>> factories)
    : factories_(std::move(factories)) {
  std::uint8_t parties = 0;
  int count = 0;
  for (const auto& f : factories_) {
    field_counts_.push_back(f->agent_field_names().size());
    if (f->party() != 0 && (parties & f->party()) == 0) ++count;
    parties |= f->party();
  }
  contested_ = count > 1;
}

std::vector<std::string> AttackBehaviour::metric_names() const {
  std::vector<std::string> names;
  for (const auto& f : factories_) {
    auto n = f->metric_names();
    names.insert(names.end(), n.begin(), n.end());
  }
  if (!factories_.empty()) {
    names.emplace_back("ballots_changed");
    names.emplace_back("arm_inert");
  }
  if (contested_) {
    for (const char* n :
         {"contested", "contested_coalition", "contested_briber", "contested_coercer"}) {
      names.emplace_back(n);
    }
  }
  return names;
}

std::vector<std::string> AttackBehaviour::agent_field_names() const {
  std::vector<std::string> names;
  for (const auto& f : factories_) {
    auto n = f->agent_field_names();
    names.insert(names.end(), n.begin(), n.end());
  }
  if (!factories_.empty()) names.emplace_back("ballot_changed");
  return names;
}

std::unique_ptr<const ArmPlan> AttackBehaviour::plan(const ReplicateContext& context) const {
  std::vector<std::unique_ptr<const Component>> parts;
  std::vector<const Component*> earlier;
  for (const auto& f : factories_) {
    parts.push_back(f->make(context, Prior(earlier)));
    earlier.push_back(parts.back().get());
  }
  return std::make_unique<AttackPlan>(context, std::move(parts), field_counts_, contested_);
}

}  // namespace qvsim::agents
