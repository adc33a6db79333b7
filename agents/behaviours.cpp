#include "agents/behaviours.hpp"

#include "agents/honest.hpp"

namespace qvsim::agents {
namespace {

class HonestPlan final : public ArmPlan {
 public:
  HonestPlan(const Electorate& electorate, const BudgetSpec& budget)
      : electorate_(electorate), budget_(budget) {}

  double cast(Mechanism m, AgentId a, std::span<double> out, std::span<double>) const override {
    return honest_votes(m, budget_, electorate_.of(a), out);
  }

 private:
  const Electorate& electorate_;
  const BudgetSpec& budget_;
};

}  // namespace

std::unique_ptr<const ArmPlan> HonestBehaviour::plan(const ReplicateContext& context) const {
  return std::make_unique<HonestPlan>(context.electorate, context.model.scenario.budget);
}

ArmBehaviours make_behaviours(const Scenario& scenario) {
  ArmBehaviours out;
  for (std::size_t i = 0; i < scenario.arms.size(); ++i) out.push_back(std::make_unique<HonestBehaviour>());
  return out;
}

}  // namespace qvsim::agents
