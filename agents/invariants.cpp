#include "agents/invariants.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace qvsim::agents {
namespace {

std::string num(double x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

std::string str(std::uint64_t x) { return std::to_string(x); }

}  // namespace

void check_coalitions(const Coalitions& c, const Electorate& e, std::uint32_t max_size,
                      const InvariantSite& site) {
  const AgentId n = e.agents;
  const std::size_t kc = e.proposals;
  const std::size_t count = c.members.size();
  bool lists = c.gain.size() == count && c.loss.size() == count && c.organizer.size() == count;
  for (std::size_t id = 0; lists && id < count; ++id) {
    lists = c.gain[id].size() == c.members[id].size() && c.loss[id].size() == c.members[id].size();
  }
  if (c.coalition_of.size() != n || c.proposal.size() != count || c.direction.size() != count ||
      c.totals.size() != count * kc || c.causes.size() != count * kc || !lists) {
    invariant_failed("coalition.shape", site, kNoAgent,
                     str(c.coalition_of.size()) + " coalition ids for " + str(n) + " agents; " +
                         str(count) + " member lists, " + str(c.proposal.size()) + " causes, " +
                         str(c.direction.size()) + " directions, " + str(c.totals.size()) +
                         " totals for " + str(kc) + " proposals" +
                         (lists ? "" : "; gain, loss or organizer lists do not match"));
  }
  std::vector<std::uint8_t> listed(n, 0);
  std::uint64_t members = 0;
  for (std::size_t id = 0; id < count; ++id) {
    const auto& list = c.members[id];
    const AgentId org = c.organizer[id];
    if (org >= n || (c.coalition_of[org] == id && (list.empty() || list[0] != org))) {
      invariant_failed("coalition.organizer", site, org,
                       "organizer of coalition " + str(id) +
                           (org >= n ? " is out of range" : " is a member but not listed first"));
    }
    if (list.size() > max_size) {
      invariant_failed("coalition.size", site, kNoAgent,
                       "coalition " + str(id) + " has " + str(list.size()) +
                           " members, more than max_size " + str(max_size));
    }
    if (c.proposal[id] >= kc || (c.direction[id] != 1 && c.direction[id] != -1) ||
        c.causes[id * kc + c.proposal[id]] == 0) {
      invariant_failed("coalition.cause", site, kNoAgent,
                       "coalition " + str(id) + " backs proposal " + str(c.proposal[id]) +
                           " in direction " + std::to_string(c.direction[id]) + " (" + str(kc) +
                           " proposals)");
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const AgentId a = list[i];
      if (!(std::isfinite(c.gain[id][i]) && std::isfinite(c.loss[id][i]) &&
            trade_pays(c.gain[id][i], c.loss[id][i]))) {
        invariant_failed("coalition.rational", site, a,
                         "member of coalition " + str(id) + " gains " + num(c.gain[id][i]) +
                             " but gives " + num(c.loss[id][i]));
      }
      if (a >= n) {
        invariant_failed("coalition.unique", site, a,
                         "listed in coalition " + str(id) + " but there are " + str(n) + " agents");
      }
      if (c.coalition_of[a] != id) {
        invariant_failed(
            "coalition.unique", site, a,
            "listed in coalition " + str(id) + " but her coalition id is " +
                (c.coalition_of[a] == kNoCoalition ? std::string("none") : str(c.coalition_of[a])));
      }
      if (listed[a] != 0) {
        invariant_failed("coalition.unique", site, a, "listed twice in coalition " + str(id));
      }
      listed[a] = 1;
    }
    members += list.size();
    // Totals, summed in member order as form_coalitions does; values may cancel, so the bound is
    // relative to the sum of |u|.
    for (std::size_t k = 0; k < kc; ++k) {
      double sum = 0.0;
      double sum_abs = 0.0;
      for (const AgentId a : list) {
        sum += e.value(a, static_cast<std::uint32_t>(k));
        sum_abs += std::fabs(e.value(a, static_cast<std::uint32_t>(k)));
      }
      const double total = c.totals[id * kc + k];
      const double tol =
          static_cast<double>(list.size()) * std::numeric_limits<double>::epsilon() * sum_abs;
      if (!(std::fabs(total - sum) <= tol)) {
        invariant_failed("coalition.totals", site, kNoAgent,
                         "coalition " + str(id) + " total on proposal " + str(k) + " is " +
                             num(total) + " but its members' values sum to " + num(sum));
      }
    }
  }
  std::uint64_t colluding = 0;
  for (AgentId a = 0; a < n; ++a) {
    if (c.coalition_of[a] == kNoCoalition) continue;
    ++colluding;
    if (listed[a] == 0) {
      invariant_failed(
          "coalition.unique", site, a,
          "has coalition id " + str(c.coalition_of[a]) + " but is in no coalition's member list");
    }
  }
  if (colluding != members) {  // unreachable after the checks above; kept as the stated invariant
    invariant_failed(
        "coalition.unique", site, kNoAgent,
        "coalition sizes sum to " + str(members) + " but " + str(colluding) + " agents collude");
  }
}

void check_collusion_counts(const Coalitions& c, double members, double defectors,
                            double sanctioned, Ballot ballot, double sanction,
                            const InvariantSite& site) {
  std::uint64_t sizes = 0;
  for (const auto& list : c.members) sizes += list.size();
  if (members != static_cast<double>(sizes)) {
    invariant_failed("collusion.members", site, kNoAgent,
                     num(members) + " members voted but coalition sizes sum to " + str(sizes));
  }
  if (!(defectors >= 0.0 && defectors <= members && sanctioned >= 0.0 && sanctioned <= defectors)) {
    invariant_failed("collusion.defectors", site, kNoAgent,
                     num(defectors) + " defectors (" + num(sanctioned) + " sanctioned) among " +
                         num(members) + " members");
  }
  const bool none = ballot == Ballot::secret || !(sanction > 0.0);
  if ((none && sanctioned != 0.0) ||
      (ballot == Ballot::public_ballot && sanction > 0.0 && sanctioned != defectors)) {
    invariant_failed("collusion.defectors", site, kNoAgent,
                     num(sanctioned) + " of " + num(defectors) +
                         " defectors sanctioned (sanction " + num(sanction) + ", ballot " +
                         to_string(ballot) + ")");
  }
}

void check_coercion(const CoercionPlan& plan, const CoercionSpec& spec, Ballot ballot,
                    AgentId agents, std::uint32_t proposals, const InvariantSite& site) {
  const std::size_t nc = plan.coercers.size();
  if (plan.agendas.size() != nc || plan.severity.size() != nc) {
    invariant_failed("threat.coercers", site, kNoAgent,
                     str(nc) + " coercers but " + str(plan.agendas.size()) + " agendas and " +
                         str(plan.severity.size()) + " severities");
  }
  for (std::size_t i = 0; i < nc; ++i) {
    const AgentId c = plan.coercers[i];
    if (c >= agents || (i > 0 && plan.coercers[i - 1] >= c)) {
      invariant_failed("threat.coercers", site, c,
                       "coercer " + str(i) + " is out of range or out of ascending order");
    }
    const Agenda& g = plan.agendas[i];
    if (g.proposal >= proposals || (g.direction != 1 && g.direction != -1)) {
      invariant_failed("threat.coercers", site, c,
                       "agenda: proposal " + str(g.proposal) + " in direction " +
                           std::to_string(g.direction) + " (" + str(proposals) + " proposals)");
    }
    if (!std::isfinite(plan.severity[i]) || plan.severity[i] < 0.0) {
      invariant_failed("threat.coercers", site, c, "severity " + num(plan.severity[i]));
    }
  }
  const bool secret = ballot == Ballot::secret;
  std::vector<std::uint32_t> load(nc);
  for (const CoercionMechanism& cm : plan.mechanisms) {
    InvariantSite at = site;
    at.mechanism = cm.mechanism;
    const std::size_t t = cm.threatened.size();
    if (cm.coercer.size() != t || cm.complied.size() != t || cm.punished.size() != t ||
        cm.credibility.size() != t || cm.loss.size() != t ||
        cm.complied_by_round.size() != std::size_t{spec.rounds} + 1) {
      invariant_failed("threat.shape", at, kNoAgent,
                       str(t) + " threatened agents but " + str(cm.coercer.size()) + " coercers, " +
                           str(cm.complied.size()) + " complied, " + str(cm.punished.size()) +
                           " punished, " + str(cm.credibility.size()) + " credibilities, " +
                           str(cm.loss.size()) + " losses; " + str(cm.complied_by_round.size()) +
                           " rounds of counts for " + str(spec.rounds) + " rounds");
    }
    std::fill(load.begin(), load.end(), 0u);
    std::uint64_t complied = 0;
    std::uint64_t punished = 0;
    double harm = 0.0;
    for (std::size_t j = 0; j < t; ++j) {
      const AgentId a = cm.threatened[j];
      if (a >= agents || (j > 0 && cm.threatened[j - 1] >= a)) {
        invariant_failed("threat.threatened", at, a,
                         "threatened agents are out of range, repeated or out of ascending order");
      }
      if (std::binary_search(plan.coercers.begin(), plan.coercers.end(), a)) {
        invariant_failed("threat.threatened", at, a, "a coercer is threatened");
      }
      const std::uint32_t c = cm.coercer[j];
      if (c >= nc) {
        invariant_failed("threat.threatened", at, a,
                         "threatened by coercer " + str(c) + " of " + str(nc));
      }
      if (++load[c] > spec.capacity) {
        invariant_failed("threat.capacity", at, plan.coercers[c],
                         "coercer threatens more than capacity " + str(spec.capacity) + " agents");
      }
      const std::uint8_t ok = cm.complied[j];
      const std::uint8_t hit = cm.punished[j];
      if (ok > 1 || hit > 1 || (ok == 1 && hit == 1) || (hit == 1 && secret) ||
          (hit == 1 && !(plan.severity[c] > 0.0))) {
        invariant_failed("threat.compliance", at, a,
                         "complied " + str(ok) + ", punished " + str(hit) + " (severity " +
                             num(plan.severity[c]) + (secret ? ", secret ballot)" : ")"));
      }
      if (!(cm.credibility[j] >= 0.0 && cm.credibility[j] <= 1.0)) {
        invariant_failed("threat.compliance", at, a, "credibility " + num(cm.credibility[j]));
      }
      complied += ok;
      punished += hit;
      if (hit != 0) harm += plan.severity[c];
    }
    // harm is summed in ascending agent order, as the planner does: the same bits today.
    if (complied != cm.complied_count || punished != cm.punished_count ||
        std::fabs(harm - cm.harm) > kInvariantTolerance * std::max(harm, std::fabs(cm.harm))) {
      invariant_failed("threat.compliance", at, kNoAgent,
                       "complied_count " + str(cm.complied_count) + ", punished_count " +
                           str(cm.punished_count) + ", harm " + num(cm.harm) + " but the agents " +
                           "give " + str(complied) + ", " + str(punished) + ", " + num(harm));
    }
    for (std::size_t r = 0; r < cm.complied_by_round.size(); ++r) {
      const std::uint64_t now = cm.complied_by_round[r];
      const bool last = r + 1 == cm.complied_by_round.size();
      if ((r > 0 && now < cm.complied_by_round[r - 1]) || (last && now != complied)) {
        invariant_failed("threat.compliance", at, kNoAgent,
                         str(now) + " complying after round " + str(r) + " (before: " +
                             (r > 0 ? str(cm.complied_by_round[r - 1]) : std::string("-")) +
                             ", finally " + str(complied) + ")");
      }
    }
  }
}

void check_compliers(const CoercionMechanism& cm, std::span<const std::uint32_t> slot,
                     std::span<const std::uint32_t> obey, AgentId agents,
                     const InvariantSite& site) {
  InvariantSite at = site;
  at.mechanism = cm.mechanism;
  if (!slot.empty() && slot.size() != agents) {
    invariant_failed("threat.compliers", at, kNoAgent,
                     str(slot.size()) + " lookup slots for " + str(agents) + " agents");
  }
  // Walk the agents and the (ascending) threatened list together.
  std::size_t j = 0;
  for (AgentId a = 0; a < agents; ++a) {
    while (j < cm.threatened.size() && cm.threatened[j] < a) ++j;
    const bool threatened = j < cm.threatened.size() && cm.threatened[j] == a;
    const std::uint32_t expected = threatened && cm.complied[j] != 0 ? cm.coercer[j] : kNoSlot;
    std::uint32_t actual = kNoSlot;
    if (!slot.empty() && slot[a] != kNoSlot) {
      if (slot[a] >= obey.size()) {
        invariant_failed("threat.compliers", at, a,
                         "lookup slot " + str(slot[a]) + " of " + str(obey.size()));
      }
      actual = obey[slot[a]];
    }
    if (actual != expected) {
      const auto who = [](std::uint32_t c) {
        return c == kNoSlot ? std::string("nobody") : "coercer " + str(c);
      };
      invariant_failed("threat.compliers", at, a,
                       "obeys " + who(actual) + " but " +
                           (threatened ? "her threat says " + who(expected)
                                       : std::string("she is not threatened")));
    }
  }
}

void check_bribery(const BriberyMechanism& bm, const BriberySpec& spec, Ballot ballot,
                   std::span<const std::uint8_t> deliver, AgentId agents,
                   const InvariantSite& site) {
  InvariantSite at = site;
  at.mechanism = bm.mechanism;
  const std::size_t s = bm.sellers.size();
  if (bm.losses.size() != s || bm.moved.size() != s || bm.identities.size() != s ||
      bm.prices.size() != s || bm.delivered.size() != s || bm.audited.size() != s ||
      (!deliver.empty() && deliver.size() != agents)) {
    invariant_failed("bribery.shape", at, kNoAgent,
                     str(s) + " sellers but " + str(bm.prices.size()) + " prices, " +
                         str(bm.losses.size()) + " losses, " + str(bm.moved.size()) +
                         " votes moved, " + str(bm.identities.size()) + " identity counts, " +
                         str(bm.delivered.size()) + " delivery flags, " + str(bm.audited.size()) +
                         " audit flags; " + str(deliver.size()) + " per-agent flags for " +
                         str(agents) + " agents");
  }
  if (!(spec.budget > 0.0) && s > 0) {
    invariant_failed("bribery.sellers", at, kNoAgent,
                     str(s) + " sellers bought with a budget of " + num(spec.budget));
  }
  const bool posted = spec.pricing == BribePricing::posted;
  const double promise = spec.contingent ? 1.0 / spec.target_confidence : 1.0;
  // The ranking key of seller i (agents/bribery.hpp, "Purchase"), from per-identity figures.
  const auto key = [&](std::size_t i) {
    const double loss = bm.losses[i] / static_cast<double>(bm.identities[i]);
    return posted ? loss : loss / (bm.moved[i] / static_cast<double>(bm.identities[i]));
  };
  const auto near = [](double x, double y) {
    return std::fabs(x - y) <= kInvariantTolerance * std::max({1.0, std::fabs(x), std::fabs(y)});
  };
  std::vector<std::uint8_t> seen(s > 0 ? agents : 0, 0);
  double sum = 0.0;
  double dearest = 0.0;  // the largest loss per identity
  std::uint64_t reneged = 0;
  std::uint64_t delivering = 0;
  std::uint64_t audits = 0;
  for (std::size_t i = 0; i < s; ++i) {
    const AgentId a = bm.sellers[i];
    const double p = bm.prices[i];
    if (a >= agents || seen[a] != 0) {
      invariant_failed("bribery.sellers", at, a, "seller out of range or bought twice");
    }
    seen[a] = 1;
    if (!std::isfinite(p) || p < 0.0 || !std::isfinite(bm.losses[i]) || bm.losses[i] < 0.0 ||
        !(bm.moved[i] > 0.0) || bm.identities[i] < 1) {
      invariant_failed("bribery.sellers", at, a,
                       "price " + num(p) + ", loss " + num(bm.losses[i]) + ", votes moved " +
                           num(bm.moved[i]) + ", identities " + str(bm.identities[i]));
    }
    if (i > 0) {
      // Keys are recomputed from products with the identity count, so equal keys may differ in
      // the last bits: only an order reversed beyond rounding fails.
      const double q = key(i - 1);
      const double k = key(i);
      const AgentId b = bm.sellers[i - 1];
      if ((q > k && !near(q, k)) || (q == k && b > a)) {
        invariant_failed("bribery.sellers", at, a,
                         "ranked " + num(k) + " after agent " + str(b) + " at " + num(q) +
                             ": not in purchase order");
      }
    }
    dearest = std::max(dearest, bm.losses[i] / static_cast<double>(bm.identities[i]));
    sum += p;
    const std::uint8_t d = bm.delivered[i];
    if (d > 1) invariant_failed("bribery.delivery", at, a, "delivery flag " + str(d));
    reneged += d == 0 ? 1 : 0;
    delivering += d;
    const std::uint8_t checked = bm.audited[i];
    audits += checked != 0 ? 1 : 0;
    if (checked > 1 || (checked != 0 && (ballot != Ballot::provable || d != 1))) {
      invariant_failed("bribery.delivery", at, a,
                       "audit flag " + str(checked) + " with delivery flag " + str(d) +
                           " under a " + to_string(ballot) +
                           " ballot (only provable asks for proof, and an asked seller delivers)");
    }
    const std::uint8_t flag = deliver.empty() ? 0 : deliver[a];
    if (flag != d) {
      invariant_failed(
          "bribery.delivery", at, a,
          "seller's delivery flag is " + str(d) + " but the ballot lookup says " + str(flag));
    }
  }
  for (std::size_t i = 0; i < s; ++i) {
    const double ids = static_cast<double>(bm.identities[i]);
    const double offer = (posted ? dearest * ids : bm.losses[i]) * promise;
    if (!near(bm.prices[i], offer)) {
      invariant_failed("bribery.price", at, bm.sellers[i],
                       "paid " + num(bm.prices[i]) + " for a loss of " + num(bm.losses[i]) +
                           " over " + str(bm.identities[i]) + " identities, but the " +
                           to_string(spec.pricing) + (spec.contingent ? " contingent" : "") +
                           " offer is " + num(offer));
    }
  }
  // A collective bribe buys no ballot: it promises its whole budget on the outcome.
  if (spec.collective && (s != 0 || bm.spent != spec.budget)) {
    invariant_failed("bribery.collective", at, kNoAgent,
                     "a collective bribe bought " + str(s) + " sellers and promised " +
                         num(bm.spent) + " of a budget of " + num(spec.budget));
  }
  // Prices are added in purchase order, as buy() does, so the sums agree exactly; the tolerance
  // only keeps the check valid if either order changes.
  if (!spec.collective &&
      std::fabs(sum - bm.spent) > kInvariantTolerance * std::max(sum, bm.spent)) {
    invariant_failed("bribery.budget", at, kNoAgent,
                     "spent is " + num(bm.spent) + " but the prices sum to " + num(sum));
  }
  if (sum > spec.budget * (1.0 + kInvariantTolerance)) {
    invariant_failed("bribery.budget", at, kNoAgent,
                     "prices sum to " + num(sum) + ", over the budget of " + num(spec.budget));
  }
  const double target = spec.target_confidence;
  if (s > 0 &&
      !(bm.confidence_before < target && bm.confidence >= target && bm.confidence_short < target)) {
    invariant_failed("bribery.target", at, kNoAgent,
                     "bought " + str(s) + " sellers with belief " + num(bm.confidence_before) +
                         " before, " + num(bm.confidence_short) + " without the last seller and " +
                         num(bm.confidence) + " after, for a target of " + num(target) +
                         " (it must buy only below the target, and stop once it is reached)");
  }
  if (s == 0 && bm.confidence != bm.confidence_before) {
    invariant_failed("bribery.target", at, kNoAgent,
                     "bought nothing, yet its belief moved from " + num(bm.confidence_before) +
                         " to " + num(bm.confidence));
  }
  // Under public every sale is seen; under maci the briber casts each sold ballot with its key.
  const bool sure = ballot == Ballot::public_ballot || ballot == Ballot::maci;
  if (reneged != bm.reneged || (sure && reneged != 0)) {
    invariant_failed(
        "bribery.delivery", at, kNoAgent,
        "reneged is " + str(bm.reneged) + ", " + str(reneged) + " sellers did not deliver" +
            (sure ? std::string(" (") + to_string(ballot) + " ballot: none may)" : ""));
  }
  if (audits != bm.audits || (ballot == Ballot::provable && spec.audit >= 1.0 && audits != s)) {
    invariant_failed("bribery.delivery", at, kNoAgent,
                     "audits is " + str(bm.audits) + ", " + str(audits) +
                         " sellers were asked for proof, of " + str(s) + " (audit " +
                         num(spec.audit) + ")");
  }
  std::uint64_t flagged = 0;
  for (const std::uint8_t f : deliver) flagged += f != 0 ? 1 : 0;
  if (flagged != delivering) {
    invariant_failed("bribery.delivery", at, kNoAgent,
                     str(flagged) + " agents are flagged to deliver but " + str(delivering) +
                         " sellers deliver");
  }
}

}  // namespace qvsim::agents
