#pragma once
// The beliefs a replicate's agents hold, for tests that build a ReplicateContext by hand.

#include <cstdint>
#include <vector>

#include "agents/beliefs.hpp"

namespace qvsim::test {

inline std::vector<MechanismBelief> beliefs_of(const Model& model, const Electorate& electorate,
                                               std::uint64_t replicate) {
  return agents::replicate_beliefs(model, agents::prior_beliefs(model), electorate, replicate);
}

}  // namespace qvsim::test
