#pragma once
// Where agents' beliefs about the tally come from (electorate.pivot; docs/model.md, "One utility
// scale"), and each agent's means (credits, marginal utility of money).
//
// The others' summed votes on proposal k are believed normal, S_k ~ N(mean_k, sd_k^2), in the
// mechanism's own vote units, so P_k(v) = Phi((mean_k + v) / sd_k) means the same under every
// mechanism. The prior comes from the electorate's value distribution, not from the realized
// electorate (a belief built from the realized votes would know where each race stands):
//   normal       votes r of the mechanism's reference honest strategy (equal pivotality; money QV:
//                r = u / lambda). With mean m and sd s of r over the population and N agents:
//                  mean = (N - 1) m,  sd = max(sqrt(N - 1) s, sqrt(m^2 + s^2))
//                (a belief is never sharper than one typical vote). Votes that depend on one
//                value (1p1v, money QV, one proposal) take m and s from kQuadraturePoints-point
//                quadrature over the distribution and the budget's traits; the others from
//                kPriorVoters virtual voters drawn from the distribution and the traits in
//                antithetic pairs (stream: seed, replicate 0, arm 0, round 0, voter j,
//                purpose::prior_voter; mean exactly 0 for a distribution symmetric about 0), or
//                from a values file's rows. Money QV solves the price-taking fixed point in closed
//                form: v = c u / lambda with c^2 = phi(z) / (2 S), S = max(sqrt(N-1) s,
//                sqrt(m^2+s^2)), z = (N-1) m / S, so that c = g / 2 (Lalley and Weyl).
//   equilibrium  from the normal prior, votes and beliefs solved together: money QV as
//                Chandar and Weyl's finite-population family (agents/money_equilibrium.hpp:
//                moderates vote alpha u / lambda with alpha = g(0) / 2, the strongest voters of
//                the side behind jump into the race, and the belief is the binomial mixture
//                their votes imply, in MechanismBelief::family and ::mixture), solved by root
//                finding over cells of the values' latent normal and wealth quantiles; credits
//                QV by damped iteration over the virtual voters, until the
//                largest change of a mean or sd relative to the sd is below
//                kEquilibriumTolerance (iterations and residual are reported). 1p1v and
//                linear: the prior.
//   fixed        no distribution: P_k(v) = 1/2 + price v.
// Values drawn from a distribution are identically distributed across proposals, so every
// proposal gets the same prior; a values file gives each proposal its own.
//
// A poll (pivot.poll_noise = q > 0): each replicate, agents read y_k = (N-1)/N T_k + q sd_k e_k,
// T_k the sum of every agent's votes under the prior belief, e_k ~ N(0,1) (stream: seed,
// replicate, arm 0, round 0, proposal k, purpose::poll; the same in every mechanism), and update
// to the normal posterior: precision 1/sd^2 + 1/(q sd)^2. Under normal beliefs money QV rescales it
// to the votes the posterior itself makes agents cast (the closed form again, per proposal).
// Under equilibrium money QV's mixture is updated component by component (Bayes' rule for a
// mixture), with alpha re-set to half the posterior's density at 0.
//
// Thread-safety: pure functions; the belief model computes its prior once, thread-safely.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "agents/honest.hpp"
#include "sim/arm.hpp"
#include "sim/belief.hpp"
#include "sim/model.hpp"

namespace qvsim::agents {

inline constexpr std::uint32_t kPriorVoters = 1u << 15;  // even: antithetic pairs
inline constexpr std::uint32_t kQuadraturePoints = 1u << 16;
inline constexpr double kEquilibriumTolerance = 1e-9;
inline constexpr std::uint32_t kEquilibriumIterations = 500;

// Agent a's means in a replicate: her credits and lambda = wealth^(-eta), from the budget's traits
// (stream: seed, replicate, arm 0, round 0, agent, purpose::means: credits' uniform draw first,
// wealth's second; the same in every arm and mechanism). `u` is her values.
Voter voter_of(const Scenario& scenario, std::uint64_t replicate, AgentId a,
               std::span<const double> u) noexcept;

// The prior beliefs of a model, one per mechanism in scenario.mechanisms order (no poll).
std::vector<MechanismBelief> prior_beliefs(const Model& model);

// The beliefs of one replicate: the prior, updated by the poll when pivot.poll_noise > 0.
// `prior` is prior_beliefs(model).
std::vector<MechanismBelief> replicate_beliefs(const Model& model,
                                               std::span<const MechanismBelief> prior,
                                               const Electorate& electorate,
                                               std::uint64_t replicate);

// The belief model of a scenario's arms (computes the prior on first use).
std::shared_ptr<const BeliefModel> make_belief_model();

}  // namespace qvsim::agents
