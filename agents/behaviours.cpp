#include "agents/behaviours.hpp"

#include "agents/attack.hpp"
#include "agents/beliefs.hpp"
#include "agents/bribery.hpp"
#include "agents/coercion.hpp"
#include "agents/collusion.hpp"

namespace qvsim::agents {

ArmBehaviours make_behaviours(const Scenario& scenario) {
  ArmBehaviours out;
  for (const ArmSpec& arm : scenario.arms) {
    std::vector<std::unique_ptr<const ComponentFactory>> parts;
    if (arm.collusion) {
      parts.push_back(
          make_collusion(*arm.collusion, scenario.clusters.source != ClusterSource::none));
    }
    if (arm.bribery) {
      // A bribed sybil sells every identity's vote (agents/bribery.hpp).
      parts.push_back(
          make_bribery(*arm.bribery, arm.collusion ? arm.collusion->sybils : SybilSpec{}));
    }
    if (arm.coercion) parts.push_back(make_coercion(*arm.coercion));
    // With identity checks every collusion arm counts them, sybils or not (their cost to honest
    // voters included).
    if (arm.collusion && (arm.collusion->sybils.share > 0.0 || scenario.identity.checked)) {
      parts.push_back(make_sybils(arm.collusion->sybils, scenario.identity));
    }
    out.arms.push_back(std::make_unique<AttackBehaviour>(std::move(parts)));
  }
  out.beliefs = make_belief_model();
  return out;
}

}  // namespace qvsim::agents
