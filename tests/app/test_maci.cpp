// The receipt-free ballot (`ballot: maci`, docs/model.md, "Receipt-free ballots") and collective
// bribes (`bribery.collective`, "Collective bribes"): with key_surrender 0 no individual bribe,
// threat or coalition sanction changes any ballot, a collective outcome-contingent bribe still
// does, and with key_surrender 1 every attack acts as under a public ballot.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agents/behaviours.hpp"
#include "agents/traits.hpp"
#include "analysis/agent_table.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/error.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"
#include "sim/text.hpp"
#include "support/outcomes.hpp"

using namespace qvsim;

namespace {

constexpr std::size_t kMechanisms = 3;

// Honest, then one arm per individual attack, each strong enough to change ballots under a secret
// ballot (sure believers, honest sellers, heavy sanctions). `extra` is added to every attack block.
std::string text(const std::string& ballot, const std::string& extra = "") {
  return "name: maci\nseed: 17\nreplicates: 4\n"
         "electorate: {agents: 300, proposals: 3, values: {distribution: normal, mean: 0.05},\n"
         "             budget: {credits: 100}}\n"
         "graph: {model: barabasi_albert, m: 3}\n"
         "mechanisms: [quadratic, one_person_one_vote, linear]\n"
         "ballot: " +
         ballot +
         "\n"
         "arms:\n"
         "  honest: {}\n"
         "  threats:\n"
         "    coercion: {coercers: 10, reach: 2, capacity: 30, severity: 5,\n"
         "               perceived_detection: 1, agenda: {proposal: 0, direction: fail}" +
         extra +
         "}\n"
         "  bribes:\n"
         "    bribery: {budget: 400, agenda: {proposal: 0, direction: fail}, honesty: 1" +
         extra +
         "}\n"
         "  coalitions:\n"
         "    collusion: {organizers: 10, sanction: 5, perceived_detection: 1" +
         extra + "}\n";
}

std::vector<ReplicateOutcome> run(const std::string& t) {
  return test::run_outcomes(parse_scenario(t, "s.yaml", "."));
}

double metric(const std::string& t, const ReplicateOutcome& o, std::size_t arm, std::size_t mech,
              const std::string& name) {
  const Scenario s = parse_scenario(t, "s.yaml", ".");
  const auto b = agents::make_behaviours(s);
  const auto names = b[arm]->metric_names();
  const auto it = std::find(names.begin(), names.end(), name);
  REQUIRE(it != names.end());
  return o.arms[arm].mechanisms[mech].arm_metrics[static_cast<std::size_t>(it - names.begin())];
}

InputError error_of(const std::string& bad) {
  try {
    parse_scenario(bad, "s.yaml", ".");
  } catch (const InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw;
}

}  // namespace

TEST_CASE("maci with key_surrender 0: no individual bribe, threat or sanction changes a ballot") {
  const std::string t = text("maci");
  const auto maci = run(t);
  for (const ReplicateOutcome& o : maci)
    for (std::size_t arm = 1; arm <= 3; ++arm)
      for (std::size_t m = 0; m < kMechanisms; ++m) {
        INFO("arm " << arm << ", mechanism " << m);
        CHECK(metric(t, o, arm, m, "ballots_changed") == 0.0);
        CHECK(o.arms[arm].mechanisms[m].tally == o.arms[0].mechanisms[m].tally);
      }
  // Nobody is punished for a defiance nobody can see, and nobody sells.
  for (const ReplicateOutcome& o : maci)
    for (std::size_t m = 0; m < kMechanisms; ++m) {
      CHECK(metric(t, o, 1, m, "threatened") > 0.0);
      CHECK(metric(t, o, 1, m, "punished") == 0.0);
      CHECK(metric(t, o, 2, m, "votes_bought") == 0.0);
      CHECK(metric(t, o, 3, m, "sanctioned") == 0.0);
    }

  // Not vacuous: the same attacks under a secret ballot, whose voters believe they are watched and
  // whose sellers keep their word, change ballots in every arm.
  const std::string s = text("secret");
  const auto secret = run(s);
  for (std::size_t arm = 1; arm <= 3; ++arm) {
    double changed = 0.0;
    for (const ReplicateOutcome& o : secret) changed += metric(s, o, arm, 0, "ballots_changed");
    INFO("arm " << arm);
    CHECK(changed > 0.0);
  }
}

TEST_CASE("maci with key_surrender 1 acts as a public ballot for every attack") {
  const auto maci = run(text("maci", ", key_surrender: 1"));
  const auto pub = run(text("public"));
  REQUIRE(maci.size() == pub.size());
  bool changed = false;
  for (std::size_t r = 0; r < maci.size(); ++r)
    for (std::size_t arm = 0; arm <= 3; ++arm)
      for (std::size_t m = 0; m < kMechanisms; ++m) {
        const auto& a = maci[r].arms[arm].mechanisms[m];
        const auto& b = pub[r].arms[arm].mechanisms[m];
        CHECK(a.tally == b.tally);
        CHECK(a.spent == b.spent);
        REQUIRE(a.arm_metrics.size() == b.arm_metrics.size());
        for (std::size_t i = 0; i < a.arm_metrics.size(); ++i) {
          const double x = a.arm_metrics[i], y = b.arm_metrics[i];
          CHECK((x == y || (std::isnan(x) && std::isnan(y))));  // NaN: undefined in both
        }
        changed = changed || a.tally != maci[r].arms[0].mechanisms[m].tally;
      }
  CHECK(changed);
}

TEST_CASE("maci with key_surrender 1/2: only agents who hand over their keys can be held") {
  // Between the two ends: some sell and comply, fewer than under a public ballot.
  const std::string half = text("maci", ", key_surrender: 0.5");
  const std::string all = text("public");
  const auto h = run(half);
  const auto p = run(all);
  double bought_half = 0.0, bought_all = 0.0, complied_half = 0.0, complied_all = 0.0;
  for (std::size_t r = 0; r < h.size(); ++r) {
    bought_half += metric(half, h[r], 2, 0, "votes_bought");
    bought_all += metric(all, p[r], 2, 0, "votes_bought");
    complied_half += metric(half, h[r], 1, 0, "complied");
    complied_all += metric(all, p[r], 1, 0, "complied");
    CHECK(metric(half, h[r], 2, 0, "reneged") == 0.0);  // the briber casts what it bought
  }
  CHECK(bought_half > 0.0);
  CHECK(complied_half > 0.0);
  CHECK(complied_half < complied_all);
  (void)bought_all;
}

TEST_CASE("maci with key_surrender 1/2: every ballot an attack moves is a key holder's", "[maci]") {
  // Agent by agent (agents.csv of every replicate): under maci an attack can hold to a ballot
  // only a voter who handed over her key, so whoever complied, sold, obeyed a coalition for fear
  // of its sanction, was sanctioned or punished, or cast a changed ballot, surrendered her key.
  const std::string t = text("maci", ", key_surrender: 0.5");
  const Model model = freeze(parse_scenario(t, "s.yaml", "."));
  const auto behaviours = agents::make_behaviours(model.scenario);
  const TraitSpec& trait = model.scenario.arms[1].coercion->key_surrender;
  std::size_t changed = 0, held_back = 0;
  for (std::uint64_t r = 0; r < model.scenario.replicates; ++r) {
    std::ostringstream csv;
    csv << analysis::agents_csv_header(model, behaviours);
    analysis::write_agent_rows(model, behaviours, r, csv);
    std::istringstream in(csv.str());
    std::string line;
    std::getline(in, line);
    std::vector<std::string_view> fields;
    split_fields(line, fields);
    const std::vector<std::string> header(fields.begin(), fields.end());
    const auto column = [&header](const std::string& name) {
      const auto it = std::find(header.begin(), header.end(), name);
      REQUIRE(it != header.end());
      return static_cast<std::size_t>(it - header.begin());
    };
    const std::size_t arm = column("arm"), agent = column("agent");
    const std::size_t held[] = {column("complied"), column("punished"),   column("bribed"),
                                column("obeyed"),   column("sanctioned"), column("ballot_changed")};
    while (std::getline(in, line)) {
      split_fields(line, fields);
      const std::vector<std::string> f(fields.begin(), fields.end());
      if (f[arm] == "honest") continue;
      const auto a = static_cast<AgentId>(std::stoul(f[agent]));
      const bool key = agents::surrenders_key(trait, model.scenario, r, a);
      for (const std::size_t c : held) {
        INFO("replicate " << r << ", arm " << f[arm] << ", agent " << a << ", " << header[c]);
        if (f[c] == "1") CHECK(key);
      }
      if (f[held[5]] == "1") ++changed;
      if (key && f[held[5]] == "0") ++held_back;
    }
  }
  // Not vacuous: attacks moved ballots, and not every key holder's.
  CHECK(changed > 0);
  CHECK(held_back > 0);
}

namespace {

std::string collective(const std::string& ballot, double budget) {
  return "name: dark\nseed: 23\nreplicates: 5\n"
         "electorate: {agents: 200, proposals: 2, values: {distribution: normal, mean: 0.1},\n"
         "             budget: {credits: 100}}\n"
         "graph: {model: barabasi_albert, m: 3}\n"
         "mechanisms: [quadratic, one_person_one_vote, linear]\n"
         "ballot: " +
         ballot +
         "\n"
         "arms:\n"
         "  honest: {}\n"
         "  dark:\n"
         "    bribery: {budget: " +
         std::to_string(budget) + ", collective: true, agenda: {proposal: 0, direction: fail}}\n";
}

}  // namespace

TEST_CASE("a collective outcome-contingent bribe changes ballots under maci, as under any ballot") {
  // Promise 100 shared by 200 voters: 0.5 each if proposal 0 fails, against values of sd 1.
  const std::string t = collective("maci", 100.0);
  const auto maci = run(t);
  double changed = 0.0;
  for (const ReplicateOutcome& o : maci)
    for (std::size_t m = 0; m < kMechanisms; ++m) {
      const auto& dark = o.arms[1].mechanisms[m];
      const auto& honest = o.arms[0].mechanisms[m];
      // Every voter's vote on proposal 0 is non-increasing in the promise (her value of its
      // passing falls by 0.5), so the tally can only fall.
      CHECK(dark.tally[0] <= honest.tally[0]);
      changed += metric(t, o, 1, m, "ballots_changed");
      // Its recipients are the voters it moved; it pays its whole budget if it wins, else nothing.
      CHECK(metric(t, o, 1, m, "votes_bought") == metric(t, o, 1, m, "ballots_changed"));
      const double spent = metric(t, o, 1, m, "bribe_spent");
      CHECK(spent == (dark.decision[0] == -1 ? 100.0 : 0.0));
      CHECK(metric(t, o, 1, m, "bribe_price") == 0.5);
    }
  CHECK(changed > 0.0);

  // It needs no proof: the same promise moves the same ballots under every ballot regime.
  for (const char* ballot : {"public", "secret", "provable"}) {
    const auto other = run(collective(ballot, 100.0));
    for (std::size_t r = 0; r < maci.size(); ++r)
      for (std::size_t m = 0; m < kMechanisms; ++m)
        CHECK(other[r].arms[1].mechanisms[m].tally == maci[r].arms[1].mechanisms[m].tally);
  }

  // With a budget of 0 nothing changes.
  for (const ReplicateOutcome& o : run(collective("maci", 0.0)))
    for (std::size_t m = 0; m < kMechanisms; ++m)
      CHECK(o.arms[1].mechanisms[m].tally == o.arms[0].mechanisms[m].tally);
}

TEST_CASE("maci and collective bribes: bad settings name the line and key") {
  InputError e = error_of(text("mac"));
  CHECK(e.key() == "ballot");
  CHECK(std::string(e.what()).find("did you mean 'maci'") != std::string::npos);

  e = error_of(text("maci", ", key_surrender: 2"));
  CHECK(e.line() == 13);
  CHECK(e.key() == "arms.threats.coercion.key_surrender");

  std::string t = collective("maci", 10.0);
  t.replace(t.find("collective: true"), 16, "collective: true, honesty: 0.5");
  e = error_of(t);
  CHECK(e.key() == "arms.dark.bribery.honesty");
  CHECK(e.line() == 12);
  CHECK(std::string(e.what()).find("does not apply to a collective bribe") != std::string::npos);

  t = collective("maci", 10.0) + "    coercion: {coercers: 2, agenda: {proposal: 0}}\n";
  e = error_of(t);
  CHECK(e.key() == "arms.dark.bribery.collective");
}
