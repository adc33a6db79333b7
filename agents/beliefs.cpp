#include "agents/beliefs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <variant>

#include "agents/integer_votes.hpp"
#include "agents/money_equilibrium.hpp"
#include "agents/traits.hpp"
#include "sim/distributions.hpp"
#include "sim/electorate.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace qvsim::agents {
namespace {

// The population the prior is taken over: virtual voters' values and means.
struct Population {
  AgentId voters = 0;
  std::uint32_t proposals = 0;
  bool pooled = true;          // moments pooled over proposals
  std::vector<double> values;  // voter-major
  std::vector<double> credits;
  std::vector<double> lambda;
  Voter voter(AgentId j) const noexcept {
    return Voter{std::span<const double>(values.data() + std::size_t{j} * proposals, proposals),
                 credits[j], lambda[j]};
  }
};

Population population_of(const Model& model) {
  const Scenario& s = model.scenario;
  Population p;
  p.proposals = s.proposals;
  if (model.fixed_values) {
    p.voters = static_cast<AgentId>(s.agents);
    p.pooled = false;
    p.values = *model.fixed_values;
    // The values the electorate holds (Electorate::values32): each the nearest float.
    if (s.values.float32)
      for (double& u : p.values) u = static_cast<double>(static_cast<float>(u));
  } else {
    // Antithetic pairs: voter j + M/2 has the latents of voter j negated and the same means, so
    // that for a distribution symmetric about 0 every odd strategy's mean is 0 up to rounding
    // (Monte Carlo noise in a believed mean grows like sqrt(N / M) relative to its sd).
    p.voters = kPriorVoters;
    const AgentId half = kPriorVoters / 2;
    p.values.resize(std::size_t{p.voters} * p.proposals);
    parallel_for_agents(half, [&](AgentId j) {
      Stream rng(StreamKey{s.seed, 0, 0, 0, j, purpose::prior_voter});
      double* row = p.values.data() + std::size_t{j} * p.proposals;
      double* mirror = p.values.data() + std::size_t{j + half} * p.proposals;
      for (std::uint32_t k = 0; k < p.proposals; ++k) {
        const double z = rng.normal();
        row[k] = value_from_latent(s.values.distribution, z);
        mirror[k] = value_from_latent(s.values.distribution, -z);
      }
    });
  }
  p.credits.resize(p.voters);
  p.lambda.resize(p.voters);
  // Virtual voters' means: the traits' draws under a replicate no run uses.
  constexpr std::uint64_t kPriorReplicate = ~std::uint64_t{0};
  const AgentId distinct = model.fixed_values ? p.voters : p.voters / 2;
  parallel_for_agents(p.voters, [&](AgentId j) {
    const Voter v = voter_of(s, kPriorReplicate, j % distinct, {});
    p.credits[j] = v.credits;
    p.lambda[j] = v.lambda;
  });
  return p;
}

// E[f(X)] for X = F^-1(U), U uniform, by the midpoint rule on kQuadraturePoints points of (0, 1):
// f is a function of p = (j + 1/2) / Q. Summed in index order.
template <class F>
double expect(F&& f) {
  double sum = 0.0;
  for (std::uint32_t j = 0; j < kQuadraturePoints; ++j) {
    sum += f((j + 0.5) / static_cast<double>(kQuadraturePoints));
  }
  return sum / static_cast<double>(kQuadraturePoints);
}

// Moments of the votes `vote(j, out)` writes for each voter, per proposal (or pooled), in a fixed
// order. `anchor[k]` is subtracted before squaring (a guess of the mean, for precision).
template <class VoteFn>
std::vector<Moments> moments(const Population& p, std::span<const double> anchor, VoteFn&& vote) {
  const std::size_t kc = p.proposals;
  const std::size_t groups = p.pooled ? 1 : kc;
  const auto sums = deterministic_agent_sum(p.voters, 2 * groups, [&](AgentId j, double* acc) {
    thread_local std::vector<double> v;
    v.resize(kc);
    vote(j, std::span<double>(v));
    for (std::size_t k = 0; k < kc; ++k) {
      const std::size_t g = p.pooled ? 0 : k;
      const double d = v[k] - anchor[g];
      acc[2 * g] += d;
      acc[2 * g + 1] += d * d;
    }
  });
  const double count = static_cast<double>(p.voters) * (p.pooled ? static_cast<double>(kc) : 1.0);
  std::vector<Moments> out(groups);
  for (std::size_t g = 0; g < groups; ++g) {
    const double d = sums[2 * g] / count;
    out[g].mean = anchor[g] + d;
    out[g].sd = std::sqrt(std::max(0.0, sums[2 * g + 1] / count - d * d));
  }
  return out;
}

// Money QV's price-taking fixed point for votes c * w, w = u / lambda with moments m: the belief
// about the others' sum of c w (see the header).
TallyBelief money_fixed_point(const Moments& w, double others) {
  const TallyBelief unit = others_sum(w, others);  // of w itself: mean (N-1) m, sd S
  if (!(unit.sd > 0.0)) return unit;
  const double z = unit.mean / unit.sd;
  const double c = std::sqrt(normal_pdf(z) / (2.0 * unit.sd));
  return TallyBelief{c * unit.mean, c * unit.sd};
}

MechanismBelief broadcast(Mechanism m, PivotModel model, const std::vector<TallyBelief>& groups,
                          std::uint32_t proposals) {
  MechanismBelief b;
  b.mechanism = m;
  b.model = model;
  b.proposals.resize(proposals);
  for (std::uint32_t k = 0; k < proposals; ++k) {
    b.proposals[k] = groups[groups.size() == 1 ? 0 : k];
  }
  return b;
}

// The moments of a reference vote that depends on one proposal's value only (1p1v; money QV;
// credits QV and linear with one proposal), from one-dimensional quadrature over the value
// distribution and the budget's traits, which are independent: error O(1 / Q) at a step of F,
// far below Monte Carlo's O(1 / sqrt(M)).
Moments quadrature_moments(const Scenario& s, Mechanism m) {
  const ValueDistribution& dist = s.values.distribution;
  const BudgetSpec& b = s.budget;
  const auto value = [&](double p) { return value_from_latent(dist, normal_quantile(p)); };
  const auto sign = [](double u) { return u > 0.0 ? 1.0 : (u < 0.0 ? -1.0 : 0.0); };
  double e1 = 0.0, e2 = 0.0;  // E[r], E[r^2]
  if (ballot_rule(m) == Mechanism::quadratic && b.kind == BudgetKind::money) {
    // r = u / lambda = u wealth^eta, u and wealth independent.
    const double w1 = expect([&](double p) { return std::pow(trait_value(b.wealth, p), b.eta); });
    const double w2 =
        expect([&](double p) { return std::pow(trait_value(b.wealth, p), 2.0 * b.eta); });
    e1 = expect([&](double p) { return value(p); }) * w1;
    e2 = expect([&](double p) {
           const double u = value(p);
           return u * u;
         }) *
         w2;
  } else {
    const double s1 = expect([&](double p) { return sign(value(p)); });
    const double s2 = expect([&](double p) { return std::fabs(sign(value(p))); });
    if (m == Mechanism::one_person_one_vote) {
      e1 = s1;
      e2 = s2;
    } else if (ballot_rule(m) == Mechanism::quadratic) {  // one proposal: r = sqrt(B) sign(u)
      // Whole votes: r = n sign(u), n the largest whole vote with n^2 <= B.
      const auto votes = [&](double p) {
        const double c = trait_value(b.credits, p);
        return b.integer_votes ? largest_whole_vote(c) : std::sqrt(c);
      };
      e1 = s1 * expect(votes);
      e2 = s2 * expect([&](double p) {
             const double v = votes(p);
             return b.integer_votes ? v * v : trait_value(b.credits, p);
           });
    } else {  // linear, one proposal: r = B sign(u)
      e1 = s1 * expect([&](double p) { return trait_value(b.credits, p); });
      e2 = s2 * expect([&](double p) {
             const double c = trait_value(b.credits, p);
             return c * c;
           });
    }
  }
  return Moments{e1, std::sqrt(std::max(0.0, e2 - e1 * e1))};
}

MechanismBelief normal_prior(const Model& model, const Population& p, Mechanism m) {
  const Scenario& s = model.scenario;
  const double others = static_cast<double>(s.agents) - 1.0;
  const std::size_t groups = p.pooled ? 1 : p.proposals;
  const std::vector<double> zero(groups, 0.0);
  std::vector<TallyBelief> beliefs(groups);
  const bool money = ballot_rule(m) == Mechanism::quadratic && s.budget.kind == BudgetKind::money;
  if (p.pooled && (money || m == Mechanism::one_person_one_vote || s.proposals == 1)) {
    const Moments r = quadrature_moments(s, m);
    beliefs[0] = money ? money_fixed_point(r, others) : others_sum(r, others);
  } else if (money) {
    const auto w = moments(p, zero, [&](AgentId j, std::span<double> out) {
      const Voter v = p.voter(j);
      for (std::size_t k = 0; k < out.size(); ++k) out[k] = v.u[k] / v.lambda;
    });
    for (std::size_t g = 0; g < groups; ++g) beliefs[g] = money_fixed_point(w[g], others);
  } else {
    // The reference strategy: equal pivotality (a fixed belief gives exactly that).
    MechanismBelief reference;
    reference.mechanism = m;
    reference.model = PivotModel::fixed;
    reference.price = 1.0;
    const auto r = moments(p, zero, [&](AgentId j, std::span<double> out) {
      honest_votes(m, s.budget, reference, p.voter(j), out);
    });
    for (std::size_t g = 0; g < groups; ++g) beliefs[g] = others_sum(r[g], others);
  }
  return broadcast(m, PivotModel::normal, beliefs, p.proposals);
}

// The money-QV types of one proposal group: the pooled grid, or a values file's rows.
MoneyTypes types_of(const Model& model, const Population& p, std::size_t group) {
  if (p.pooled) return money_types(model.scenario);
  MoneyTypes out;
  for (AgentId j = 0; j < p.voters; ++j) {
    out.rows.push_back({p.values[std::size_t{j} * p.proposals + group], p.lambda[j]});
  }
  return out;
}

MechanismBelief equilibrium(const Model& model, const Population& p, Mechanism m) {
  const Scenario& s = model.scenario;
  const double others = static_cast<double>(s.agents) - 1.0;
  const std::size_t groups = p.pooled ? 1 : p.proposals;
  MechanismBelief b = normal_prior(model, p, m);
  b.model = PivotModel::equilibrium;
  if (m == Mechanism::one_person_one_vote) return b;  // votes do not depend on beliefs
  if (ballot_rule(m) == Mechanism::quadratic && s.budget.kind == BudgetKind::money) {
    std::vector<FamilyBelief> solved(groups);
    for (std::size_t g = 0; g < groups; ++g) {
      const TallyBelief prior = b.proposals[g];
      b.residual = std::max(b.residual, money_equilibrium(types_of(model, p, g), others, prior,
                                                          solved[g], b.iterations));
    }
    b.family.resize(p.proposals);
    b.mixture.resize(p.proposals);
    for (std::uint32_t k = 0; k < p.proposals; ++k) {
      const FamilyBelief& f = solved[groups == 1 ? 0 : k];
      b.proposals[k] = f.moments;
      b.family[k] = f.family;
      b.mixture[k] = f.mixture;
    }
    return b;
  }
  std::vector<double> anchor(groups);
  double step = 1.0;
  double last = std::numeric_limits<double>::infinity();
  for (b.iterations = 1; b.iterations <= kEquilibriumIterations; ++b.iterations) {
    for (std::size_t g = 0; g < groups; ++g) anchor[g] = b.proposals[g].mean / others;
    const auto v = moments(p, anchor, [&](AgentId j, std::span<double> out) {
      honest_votes(m, s.budget, b, p.voter(j), out);
    });
    double residual = 0.0;
    std::vector<TallyBelief> target(groups);
    for (std::size_t g = 0; g < groups; ++g) {
      target[g] = others_sum(v[g], others);
      const TallyBelief& now = b.proposals[g];
      const double scale = std::max(target[g].sd, now.sd);
      if (scale > 0.0) {
        residual = std::max(
            residual,
            (std::fabs(target[g].mean - now.mean) + std::fabs(target[g].sd - now.sd)) / scale);
      }
    }
    b.residual = residual;
    if (residual < kEquilibriumTolerance) break;
    // Damped, in the belief's own scale: z = mean / sd moves by a share `step` of the way to the
    // target, log sd too but at most by a factor 2 (a lopsided race can make the next votes
    // jump by orders of magnitude); the step halves whenever the residual grows and recovers
    // slowly while it shrinks.
    step = residual > last ? std::max(step / 2.0, 1.0 / 256.0) : std::min(1.0, step * 1.25);
    last = residual;
    for (std::uint32_t k = 0; k < p.proposals; ++k) {
      const TallyBelief& t = target[p.pooled ? 0 : k];
      TallyBelief& now = b.proposals[k];
      if (!(now.sd > 0.0) || !(t.sd > 0.0)) {
        now = t;
        continue;
      }
      const double z = now.mean / now.sd;
      const double log_ratio = std::clamp(std::log(t.sd / now.sd), -std::log(2.0), std::log(2.0));
      now.sd *= std::exp(step * log_ratio);
      now.mean = (z + step * (t.mean / t.sd - z)) * now.sd;
    }
  }
  b.iterations = std::min(b.iterations, kEquilibriumIterations);
  return b;
}

// Money QV's equilibrium family after a poll y = T + tau e (T the poll's reading of the others'
// sum): each component of the mixture updated to its normal posterior (precision
// 1/sd^2 + 1/tau^2) and reweighted by how well it predicted y (exact Bayes for a mixture prior);
// the moderates' slope re-set to half the posterior's density at 0 (price-taking in the
// posterior, as under `normal`), the race to the posterior of the no-jumper component, the
// threshold kept from the prior equilibrium.
void poll_mixture(MechanismBelief& b, std::size_t k, double reading, double tau, double e) {
  const double y = reading + tau * e;
  std::vector<BeliefComponent>& mix = b.mixture[k];
  double top = -std::numeric_limits<double>::infinity();
  std::vector<double> log_w(mix.size());
  for (std::size_t j = 0; j < mix.size(); ++j) {
    const BeliefComponent& c = mix[j];
    const double spread = std::hypot(c.sd, tau);
    const double t = (y - c.mean) / spread;
    log_w[j] = std::log(c.weight) - 0.5 * t * t - std::log(spread);
    top = std::max(top, log_w[j]);
  }
  double sum = 0.0;
  for (std::size_t j = 0; j < mix.size(); ++j) {
    BeliefComponent& c = mix[j];
    const double precision = 1.0 / (c.sd * c.sd) + 1.0 / (tau * tau);
    c.mean = (c.mean / (c.sd * c.sd) + y / (tau * tau)) / precision;
    c.sd = 1.0 / std::sqrt(precision);
    c.weight = std::exp(log_w[j] - top);
    sum += c.weight;
  }
  double mean = 0.0, second = 0.0;
  for (BeliefComponent& c : mix) {
    c.weight /= sum;
    mean += c.weight * c.mean;
    second += c.weight * (c.sd * c.sd + c.mean * c.mean);
  }
  b.proposals[k] = TallyBelief{mean, std::sqrt(std::max(0.0, second - mean * mean))};
  MoneyFamily& f = b.family[k];
  const TallyBelief race = f.race;
  const double precision = 1.0 / (race.sd * race.sd) + 1.0 / (tau * tau);
  f.race = TallyBelief{(race.mean / (race.sd * race.sd) + y / (tau * tau)) / precision,
                       1.0 / std::sqrt(precision)};
  f.alpha = b.pivot_density(k) / 2.0;
}

class Beliefs final : public BeliefModel {
 public:
  std::vector<MechanismBelief> beliefs(const Model& model, const Electorate& electorate,
                                       std::uint64_t replicate) const override {
    return replicate_beliefs(model, prior(model), electorate, replicate);
  }

  std::vector<MechanismBelief> prior(const Model& model) const override {
    // Isolated: a thread waiting here for the prior's parallel loops must not start another
    // replicate, which would ask for the same once_flag on the same thread.
    std::call_once(once_, [&] { isolated([&] { prior_ = prior_beliefs(model); }); });
    return prior_;
  }

 private:
  mutable std::once_flag once_;
  mutable std::vector<MechanismBelief> prior_;
};

}  // namespace

Voter voter_of(const Scenario& s, std::uint64_t replicate, AgentId a,
               std::span<const double> u) noexcept {
  Voter v{u, 0.0, 1.0};
  const BudgetSpec& b = s.budget;
  const auto* credits = std::get_if<ConstantTrait>(&b.credits);
  const auto* wealth = std::get_if<ConstantTrait>(&b.wealth);
  const bool money = b.kind == BudgetKind::money;
  if (credits != nullptr && (!money || wealth != nullptr)) {
    v.credits = credits->value;
    if (money) v.lambda = std::pow(wealth->value, -b.eta);
    return v;
  }
  Stream rng(StreamKey{s.seed, replicate, 0, 0, a, purpose::means});
  v.credits = trait_value(b.credits, rng.uniform());
  if (money) v.lambda = std::pow(trait_value(b.wealth, rng.uniform()), -b.eta);
  return v;
}

namespace {

// An earlier belief among `beliefs` whose mechanism's voters cast the same ballots as m's
// (ballot_rule: connection_oriented and pairwise_bounded vote as quadratic), or null. Their
// beliefs are the same and are computed once.
const MechanismBelief* same_ballots(std::span<const MechanismBelief> beliefs, Mechanism m) {
  for (const MechanismBelief& b : beliefs)
    if (ballot_rule(b.mechanism) == ballot_rule(m)) return &b;
  return nullptr;
}

}  // namespace

std::vector<MechanismBelief> prior_beliefs(const Model& model) {
  const Scenario& s = model.scenario;
  std::vector<MechanismBelief> out;
  if (s.pivot.model == PivotModel::fixed) {
    for (const Mechanism m : s.mechanisms) {
      MechanismBelief b;
      b.mechanism = m;
      b.model = PivotModel::fixed;
      b.price = s.pivot.price;
      out.push_back(std::move(b));
    }
    return out;
  }
  const Population p = population_of(model);
  for (const Mechanism m : s.mechanisms) {
    if (const MechanismBelief* same = same_ballots(out, m)) {
      out.push_back(*same);
      out.back().mechanism = m;
      continue;
    }
    out.push_back(s.pivot.model == PivotModel::equilibrium ? equilibrium(model, p, m)
                                                           : normal_prior(model, p, m));
  }
  return out;
}

std::vector<MechanismBelief> replicate_beliefs(const Model& model,
                                               std::span<const MechanismBelief> prior,
                                               const Electorate& e, std::uint64_t replicate) {
  std::vector<MechanismBelief> out(prior.begin(), prior.end());
  const Scenario& s = model.scenario;
  const double q = s.pivot.poll_noise;
  if (s.pivot.model == PivotModel::fixed || !(q > 0.0)) return out;
  const std::size_t kc = e.proposals;
  const double n = static_cast<double>(e.agents);
  std::vector<double> error(kc);
  for (std::size_t k = 0; k < kc; ++k) {
    Stream rng(StreamKey{s.seed, replicate, 0, 0, k, purpose::poll});
    error[k] = rng.normal();
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    MechanismBelief& b = out[i];
    if (const MechanismBelief* same = same_ballots(std::span(out).first(i), b.mechanism)) {
      b = MechanismBelief(*same);
      b.mechanism = prior[i].mechanism;
      continue;
    }
    const auto totals = deterministic_agent_sum(e.agents, kc, [&](AgentId a, double* acc) {
      thread_local std::vector<double> v;
      v.resize(kc);
      const auto u = e.of(a);
      honest_votes(b.mechanism, s.budget, b, voter_of(s, replicate, a, u), v);
      for (std::size_t k = 0; k < kc; ++k) acc[k] += v[k];
    });
    const bool money =
        ballot_rule(b.mechanism) == Mechanism::quadratic && s.budget.kind == BudgetKind::money;
    for (std::size_t k = 0; k < kc; ++k) {
      TallyBelief& t = b.proposals[k];
      if (!(t.sd > 0.0)) continue;
      if (k < b.mixture.size() && !b.mixture[k].empty()) {
        poll_mixture(b, k, totals[k] * (n - 1.0) / n, q * t.sd, error[k]);
        continue;
      }
      const double tau = q * t.sd;
      const double y = totals[k] * (n - 1.0) / n + tau * error[k];
      const double precision = 1.0 / (t.sd * t.sd) + 1.0 / (tau * tau);
      const TallyBelief post{(t.mean / (t.sd * t.sd) + y / (tau * tau)) / precision,
                             1.0 / std::sqrt(precision)};
      if (money && b.model == PivotModel::normal) {
        // Votes scale with the posterior's pivot density: c' = g'/2 with
        // g'^2 = 2 c phi(z') / sd', c = g/2 the prior's, z' = mean'/sd' (scale-free).
        const double c = b.pivot_density(k) / 2.0;
        const double g = std::sqrt(2.0 * c * normal_pdf(post.mean / post.sd) / post.sd);
        const double ratio = c > 0.0 ? g / (2.0 * c) : 0.0;
        t = TallyBelief{post.mean * ratio, post.sd * ratio};
      } else {
        t = post;
      }
    }
  }
  return out;
}

std::shared_ptr<const BeliefModel> make_belief_model() { return std::make_shared<Beliefs>(); }

}  // namespace qvsim::agents
