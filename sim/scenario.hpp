#pragma once
// A scenario as plain data: what the user described, after parsing and validation.
//
// Scenarios are read from YAML by app/scenario_yaml (the only code that sees YAML); the engine
// only ever sees these structs. Every field is documented for users in docs/scenario.md. A
// Scenario that reached the engine has been validated: ranges below are guaranteed.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/matching.hpp"

namespace qvsim {

// The largest magnitude of any real number a scenario or values file gives (credits, money,
// values, distribution parameters): far beyond any real input, and small enough that squares of
// votes and sums of products over 2^32 agents stay finite, so no result is ever inf or NaN.
inline constexpr double kMaxMagnitude = 1e50;

// ---- values ---------------------------------------------------------------------------------

struct NormalDist {
  double mean = 0.0;
  double sd = 1.0;  // > 0
};
struct UniformDist {
  double low = -1.0;
  double high = 1.0;  // > low
};
struct MixtureComponent {
  double weight = 1.0;  // > 0; weights are normalized to sum 1
  std::variant<NormalDist, UniformDist> dist;
};
struct MixtureDist {
  std::vector<MixtureComponent> components;  // at least one
};
// A share of agents cares strongly one way (the minority), the rest mildly the other way.
// Minority membership is drawn per agent and proposal.
struct PassionateMinorityDist {
  double share = 0.2;              // in (0, 1): probability an agent is in the minority
  NormalDist minority{3.0, 0.5};   // values of the minority
  NormalDist majority{-0.5, 0.2};  // values of the majority
};
// Values a user pins down: `values[i]` with probability weights[i] / sum(weights). Values are
// distinct and ascending; weights > 0. Drawn by inversion: the smallest value whose cumulative
// weight reaches Phi(z).
struct DiscreteDist {
  std::vector<double> values;   // at least one, strictly ascending
  std::vector<double> weights;  // same size, each > 0
};
using ValueDistribution =
    std::variant<NormalDist, UniformDist, MixtureDist, PassionateMinorityDist, DiscreteDist>;

struct ValuesSpec {
  ValueDistribution distribution = NormalDist{};
  // When set, every agent's values are read from this CSV file (agent x proposal, docs/scenario.md;
  // resolved against the scenario file's folder) and `distribution` and `homophily` are unused.
  std::filesystem::path file;
  // In [0, 1]: weight of the graph-smoothed latent factor in each agent's latent value; 0 gives
  // independent values, larger values correlate neighbours (and block-mates in block models).
  double homophily = 0.0;
  // values.precision: float32: every value (and, while drawing, every latent normal) is stored as
  // the nearest 32-bit float, half the memory; everything computed from the values is still in
  // double (docs/model.md, "Values in 32-bit floats").
  bool float32 = false;
};

// ---- per-agent traits ------------------------------------------------------------------------

// A trait every agent draws once per replicate (a disposition, a belief, a severity). All kinds map
// one keyed uniform draw u monotonically, so the same agent keeps her rank across distributions.
struct ConstantTrait {
  double value = 0.0;
};
struct UniformTrait {
  double low = 0.0;
  double high = 1.0;  // >= low
};
// `high` with probability `share`, else `low` (e.g. a quarter of people doubt ballot secrecy).
struct TwoPointTrait {
  double share = 0.25;  // in [0, 1]
  double high = 1.0;
  double low = 0.0;
};
using TraitSpec = std::variant<ConstantTrait, UniformTrait, TwoPointTrait>;

// ---- budget ---------------------------------------------------------------------------------

enum class BudgetKind { credits, money };
struct BudgetSpec {
  BudgetKind kind = BudgetKind::credits;
  // credits: each agent's voice-credit budget B_i, a trait drawn per agent and replicate (every
  // value > 0; a number is a constant trait).
  TraitSpec credits = ConstantTrait{100.0};
  // money: each agent's wealth w_i (> 0), a trait; her marginal utility of money is
  // lambda_i = w_i^(-eta), so a richer agent values a unit of money less and buys more votes.
  TraitSpec wealth = ConstantTrait{1.0};
  double eta = 1.0;            // >= 0
  bool integer_votes = false;  // credits + quadratic only: whole votes, never over budget
};

// ---- beliefs about the tally ----------------------------------------------------------------

// How an agent values a change of her votes: u_k * (P_k(w) - P_k(v)), P_k(v) her belief that
// proposal k passes when she casts v (docs/model.md, "One utility scale").
enum class PivotModel {
  fixed,        // P_k(v) = P_k(0) + price * v: a constant marginal value, not comparable across
                // mechanisms (a vote is +-1 under 1p1v, about sqrt(B/K) under credits QV)
  normal,       // the others' sum is normal with the moments of the electorate's value
                // distribution under the mechanism's honest strategy (price-taking)
  equilibrium,  // votes and beliefs solved together to a fixed point (finite population)
};
struct PivotSpec {
  PivotModel model = PivotModel::normal;
  double price = 0.02;  // fixed only: in (0, 1], the chance one vote decides
  // normal, equilibrium: when > 0, each replicate agents read a poll of every proposal's tally
  // of intentions whose error has sd poll_noise x the prior sd of the others' sum, and update to
  // the normal posterior. 0 (the default, also when the key is absent): no poll, prior beliefs.
  double poll_noise = 0.0;
};

// ---- graph ----------------------------------------------------------------------------------

struct ErdosRenyiSpec {
  double mean_degree = 10.0;  // >= 0 and <= agents - 1; edge probability mean_degree / (agents-1)
};
struct WattsStrogatzSpec {
  std::uint32_t degree = 10;  // even, >= 2, < agents
  double rewire = 0.05;       // in [0, 1]
};
struct BarabasiAlbertSpec {
  std::uint32_t m = 5;  // >= 1, edges each new agent brings; agents > m + 1
};
struct StochasticBlockSpec {
  std::vector<std::uint64_t> sizes;  // block sizes, each >= 1, summing to electorate.agents
  double p_in = 0.05;                // in [0, 1]: edge probability within a block
  double p_out = 0.001;              // in [0, 1]: edge probability between blocks
};
struct EdgeListSpec {
  std::filesystem::path file;  // resolved against the scenario file's folder
};
using GraphSpec = std::variant<ErdosRenyiSpec, WattsStrogatzSpec, BarabasiAlbertSpec,
                               StochasticBlockSpec, EdgeListSpec>;

// ---- mechanisms, ballot, arms ---------------------------------------------------------------

// connection_oriented and pairwise_bounded: voters cast QV ballots (the same votes, costs and
// budgets as quadratic) and the tally discounts votes that come from one cluster, or from voters
// who vote alike (docs/model.md, "Defences"). Voters and attackers do not anticipate the discount.
enum class Mechanism {
  quadratic,
  one_person_one_vote,
  linear,
  connection_oriented,
  pairwise_bounded
};
inline constexpr std::size_t kMechanismCount = 5;  // for tables indexed by Mechanism

// The ballot rule a mechanism's voters follow: what they may cast and what it costs.
constexpr Mechanism ballot_rule(Mechanism m) noexcept {
  return m == Mechanism::connection_oriented || m == Mechanism::pairwise_bounded
             ? Mechanism::quadratic
             : m;
}

// Identity checks (scenario key `identity`): before the tally, each extra identity of a sybil is
// caught and removed with probability `detect`; every identity checked costs `cost` (money or
// credits, outside the voting budget), honest voters' included.
struct IdentitySpec {
  bool checked = false;  // the scenario has an identity block
  double detect = 0.0;   // in [0, 1]
  double cost = 0.0;     // >= 0 per identity checked
};

// The most agents a pairwise_bounded tally takes: it sums over every pair of voters.
inline constexpr std::uint64_t kMaxPairwiseAgents = 20000;

// Where the clusters of connection_oriented tallies come from, per replicate: the blocks of a
// stochastic block model, communities found in the graph by label propagation
// (sim/clusters.hpp), a clusters file (agent,cluster rows; every agent exactly once), or, per arm
// and mechanism, the public ballots: neighbours whose ballots point the same way
// (sim/clusters.hpp, ballot_clusters).
enum class ClusterSource { none, blocks, communities, file, ballots };
struct ClusterSpec {
  ClusterSource source = ClusterSource::none;
  std::filesystem::path file;  // ClusterSource::file, resolved against the scenario's folder
  double similarity = 0.0;     // ClusterSource::ballots: the cosine that links two ballots, (0, 1]
  // ClusterSource::ballots: also link identical ballots anywhere, a sybil's identities among them
  // (docs/model.md, "Sybils seen in public ballots").
  bool identical = false;
};

// Whether clusters are drawn once per replicate (blocks, communities, a file), shared by every
// arm and mechanism, rather than found from each tally's ballots.
inline bool replicate_wide(const ClusterSpec& c) noexcept {
  return c.source != ClusterSource::none && c.source != ClusterSource::ballots;
}
// public, provable, secret (docs/coercion.md), and maci: receipt-free with key changes (MACI).
// Under maci a voter can override any earlier ballot with a key change, so no vote can be verified;
// only a voter who hands an attacker her key (`key_surrender`, a per-agent trait of each attack
// block) can be held to a ballot, and then as under a public ballot (docs/model.md, "Receipt-free
// ballots").
enum class Ballot { public_ballot, provable, secret, maci };

// A number of agents given as a count or as a share of the electorate (rounded to nearest).
struct CountOrShare {
  bool is_share = false;
  std::uint64_t count = 0;  // when !is_share
  double share = 0.0;       // when is_share, in [0, 1]
  std::uint64_t resolve(std::uint64_t agents) const noexcept;
};

// How attackers (organizers, coercers) are picked: at random, highest degree first, within one
// block (coercers), or listed by their ids in the edge-list file (organizers).
enum class Selection { random, degree, block, listed };

// A proposal and the direction an attacker wants it decided.
struct Agenda {
  std::uint32_t proposal = 0;  // < proposals
  int direction = 1;           // +1 pass, -1 fail
};

// ---- collusion (arm block) ------------------------------------------------------------------

struct SybilSpec {
  double share = 0.0;            // in [0, 1]: probability an agent splits into identities
  std::uint32_t identities = 2;  // >= 2 identities per sybil (herself included)
  double identity_cost = 0.0;    // >= 0, money or credits paid per extra identity
};

struct CollusionSpec {
  CountOrShare organizers;                  // coalition founders
  Selection selection = Selection::random;  // random | degree | listed
  // With `listed` (edge-list graphs only): the organizers, by their ids in the edge-list file,
  // distinct, in coalition order; read from organizer_ids or organizer_file. `organizers` is
  // then not given.
  std::vector<std::uint64_t> organizer_ids;
  std::uint32_t rounds = 10;               // synchronous recruitment rounds
  std::uint32_t max_size = 50;             // >= 1, members including the organizer
  double internalization = 1.0;            // in [0, 1]: weight on coalition-mates' values
  bool logrolling = true;                  // members' own top proposals become causes too
  double sanction = 0.0;                   // >= 0, utility a detected defector loses
  TraitSpec loyalty = ConstantTrait{0.0};  // chance to obey unconditionally, in [0,1]
  TraitSpec perceived_detection = ConstantTrait{0.0};  // belief, in [0,1], used under secret
  double audit = 1.0;       // provable: in [0, 1], the share of members asked to prove their vote
  double audit_cost = 0.0;  // >= 0, utility the coalition pays per check (provable)
  // maci: chance, in [0, 1], that a member hands the organizer her key (so she can be watched).
  TraitSpec key_surrender = ConstantTrait{0.0};
  SybilSpec sybils;
};

// ---- coercion and bribery (arm blocks) ------------------------------------------------------

struct CoercionSpec {
  CountOrShare coercers;
  Selection placement = Selection::random;  // random | degree | block
  std::uint32_t block = 0;                  // placement block: coercers drawn from this block
  bool shared_agenda = true;                // one agenda for all, else each coercer's own
  Agenda agenda;                            // the shared agenda
  std::uint32_t reach = 1;                  // graph distance threatened
  std::uint32_t capacity = 10;              // most agents one coercer threatens
  TraitSpec severity = ConstantTrait{1.0};  // >= 0, utility a punished agent loses
  double credibility = 1.0;                 // in [0, 1], the base chance a threat is carried out
  TraitSpec perceived_detection = ConstantTrait{0.0};  // belief, in [0,1], used under secret
  double audit = 1.0;           // provable: in [0, 1], the share of threatened asked for proof
  double audit_cost = 0.0;      // >= 0, utility the coercers pay per check (provable)
  std::uint32_t rounds = 0;     // rounds of fear spreading
  double fear_response = 0.0;   // >= 0, credibility gain per share of complying neighbours
  bool extend_reach = false;    // compliant agents extend reach by one hop
  double demanded_votes = 1.0;  // > 0, votes demanded on the agenda (QV with money)
  // maci: chance, in [0, 1], that a threatened agent hands the coercer her key when asked.
  TraitSpec key_surrender = ConstantTrait{0.0};
};

// How a briber pays its sellers: each her own price, or one posted price to all it buys.
enum class BribePricing { individual, posted };

struct BriberySpec {
  double budget = 0.0;  // >= 0, money the briber spends
  Agenda agenda;
  TraitSpec honesty = ConstantTrait{1.0};  // in [0,1], chance a seller delivers under secret
  double demanded_votes = 1.0;             // > 0, votes bought on the agenda (QV with money)
  // In (0, 1]: the briber buys until its belief that its side wins reaches this, and buys nothing
  // when its budget cannot reach it.
  double target_confidence = 0.95;
  BribePricing pricing = BribePricing::individual;
  bool contingent = false;  // pays only when its side wins
  double audit = 1.0;       // in [0, 1]: share of sellers asked for proof under provable ballots
  double audit_cost = 0.0;  // >= 0, money per proof asked for
  // maci: chance, in [0, 1], that a seller hands the briber her key (the only sale it can enforce).
  TraitSpec key_surrender = ConstantTrait{0.0};
  // A collective, outcome-contingent bribe (docs/model.md, "Collective bribes"): no market and no
  // ballot bought; every voter is promised budget / agents if the agenda is decided the briber's
  // way, which she adds to her value of that outcome. Needs no verification under any ballot.
  bool collective = false;
};

// An arm is one treatment applied to every replicate's electorate. An arm without blocks is the
// honest arm.
struct ArmSpec {
  std::string name;  // unique, [A-Za-z0-9_-]+
  std::optional<CollusionSpec> collusion;
  std::optional<CoercionSpec> coercion;
  std::optional<BriberySpec> bribery;
};

// ---- quadratic funding (kind: funding) ------------------------------------------------------
// docs/funding.md. Attackers are project owners outside the electorate; each attack names the
// project(s) it profits from.

// Sybil splitting: `attackers` owners of `project` each contribute `amount` split equally over
// `accounts` accounts.
struct FundingSybils {
  std::uint32_t project = 0;
  double amount = 0.0;          // > 0, per attacker
  std::uint32_t accounts = 2;   // >= 1
  std::uint32_t attackers = 1;  // >= 1
  bool grouped = false;         // cluster rules see each attacker's accounts as one group
};
// A collusion ring: one owner per project in `projects` (distinct); each gives `amount` split
// equally over all the ring's projects.
struct FundingRing {
  std::vector<std::uint32_t> projects;  // >= 2, distinct
  double amount = 0.0;                  // > 0, per member
  bool grouped = false;                 // cluster rules see the ring as one group
};
// Bribed contributions: the owner of `project` pays voters, cheapest first, to add `amount` to
// their contribution to it, until `budget` is spent.
struct FundingBribe {
  std::uint32_t project = 0;
  double budget = 0.0;  // >= 0
  double amount = 1.0;  // > 0
};
struct FundingArm {
  std::string name;  // unique, [A-Za-z0-9_-]+
  std::optional<FundingSybils> sybils;
  std::optional<FundingRing> ring;
  std::optional<FundingBribe> bribe;
};
struct FundingSpec {
  std::uint32_t projects = 0;       // >= 1 (also Scenario::proposals, for the values)
  std::vector<MatchingRule> rules;  // non-empty, no repeats
  double pool = 0.0;                // capped: > 0, required by it, refused without it
  double pairwise_m = 0.0;          // pairwise: M > 0, required by it, refused without it
  // The contributions detector: contributors whose contributions are identical (every project,
  // every amount) are flagged as one group, scored against the attackers, and grouped under the
  // cluster rules (docs/funding.md, "Detecting attackers from contributions").
  bool detect = false;
  std::vector<FundingArm> arms;  // non-empty, names unique
};

// The most work the pairwise funding rule may take, contributors^2 x projects (its dot products).
inline constexpr double kMaxPairwiseWork = 4e10;

// The most attacker accounts one funding arm may add (sybil accounts times attackers, plus ring
// members): each is a contributor every matching rule sums over, and contributor ids are 32-bit.
inline constexpr std::uint64_t kMaxFundingAccounts = 10'000'000;

// The attacker accounts `arm` adds.
inline std::uint64_t attacker_accounts(const FundingArm& arm) noexcept {
  std::uint64_t n = 0;
  if (arm.sybils) n += std::uint64_t{arm.sybils->accounts} * arm.sybils->attackers;
  if (arm.ring) n += arm.ring->projects.size();
  return n;
}

// The most attacker accounts any arm of `f` adds.
inline std::uint64_t max_attacker_accounts(const FundingSpec& f) noexcept {
  std::uint64_t most = 0;
  for (const FundingArm& a : f.arms) most = std::max(most, attacker_accounts(a));
  return most;
}

enum class ScenarioKind { vote, funding };

// ---- scenario -------------------------------------------------------------------------------

// The most replicates one scenario may ask for: four billion replicates cannot finish on any
// machine, and the bound keeps products of counts (rows, work items) far from 64-bit overflow.
inline constexpr std::uint64_t kMaxReplicates = std::uint64_t{1} << 32;

struct Scenario {
  std::string name;  // [A-Za-z0-9_.-]+
  std::uint64_t seed = 0;
  std::uint64_t replicates = 1;  // in [1, kMaxReplicates]
  std::uint64_t agents = 0;      // >= 2 (for edge lists: the file's vertex count)
  std::uint32_t proposals = 1;   // >= 1
  ValuesSpec values;
  BudgetSpec budget;
  PivotSpec pivot;  // electorate.pivot
  // electorate.neighbor_correlation: 0 computes runs.csv's neighbor_value_corr over every edge;
  // n > 0 over n edges drawn at random (sim/electorate.hpp).
  std::uint64_t correlation_sample = 0;
  GraphSpec graph = WattsStrogatzSpec{};
  std::vector<Mechanism> mechanisms;  // non-empty, no repeats
  Ballot ballot = Ballot::secret;
  ClusterSpec clusters;       // required by connection_oriented, refused without it
  double pairwise_m = 0.0;    // M of pairwise_bounded (> 0), required by it, refused without it
  IdentitySpec identity;      // identity checks before the tally (all arms)
  std::vector<ArmSpec> arms;  // non-empty, names unique
  std::string baseline_arm = "honest";  // must name an arm; flips are measured against it
  // kind: funding (docs/funding.md): `funding` holds its settings; mechanisms, arms, ballot and
  // the electorate's proposals, budget and pivot are then unused (empty or default).
  ScenarioKind kind = ScenarioKind::vote;
  FundingSpec funding;

  std::filesystem::path source_file;  // the file it was read from (for messages), may be empty
  // The 1-based line of every key given in the file, by dotted path ("electorate.agents"), so
  // that checks made on the resolved scenario can still point at a line.
  std::map<std::string, std::size_t, std::less<>> key_lines;

  // The line of `key`, or of its nearest enclosing key that the file gives; 0 when none.
  std::size_t line_of(std::string_view key) const;
};

const char* to_string(Mechanism m) noexcept;
const char* to_string(Selection s) noexcept;
const char* to_string(Ballot b) noexcept;
const char* to_string(ClusterSource c) noexcept;
const char* to_string(BudgetKind k) noexcept;
const char* to_string(PivotModel p) noexcept;
const char* to_string(BribePricing p) noexcept;
// Short label used in tables ("QV", "1p1v", "linear").
const char* short_label(Mechanism m) noexcept;
// The mechanism a name stands for, in a scenario's `mechanisms` and in command-line options
// alike: its name (to_string) or an alias, `qv` or `QV` for quadratic and `1p1v` for
// one_person_one_vote; nullopt for any other text. Results always carry the name.
std::optional<Mechanism> mechanism_named(std::string_view name) noexcept;

}  // namespace qvsim
