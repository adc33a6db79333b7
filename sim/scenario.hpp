#pragma once
// A scenario as plain data: what the user described, after parsing and validation.
//
// Scenarios are read from YAML by app/scenario_yaml (the only code that sees YAML); the engine
// only ever sees these structs. Every field is documented for users in docs/scenario.md. A
// Scenario that reached the engine has been validated: ranges below are guaranteed.

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace qvsim {

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
using ValueDistribution = std::variant<NormalDist, UniformDist, MixtureDist, PassionateMinorityDist>;

struct ValuesSpec {
  ValueDistribution distribution = NormalDist{};
  // In [0, 1]: weight of the graph-smoothed latent factor in each agent's latent value; 0 gives
  // independent values, larger values correlate neighbours (and block-mates in block models).
  double homophily = 0.0;
};

// ---- budget ---------------------------------------------------------------------------------

enum class BudgetKind { credits, money };
struct BudgetSpec {
  BudgetKind kind = BudgetKind::credits;
  double credits = 100.0;      // credits: > 0, each agent's voice-credit budget
  double pivot_price = 0.02;   // money: > 0, the common chance p a marginal vote is pivotal
  bool integer_votes = false;  // credits + quadratic only: whole votes, never over budget
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

enum class Mechanism { quadratic, one_person_one_vote, linear };
enum class Ballot { public_ballot, provable, secret };

// An arm is one treatment applied to every replicate's electorate. An empty block is the honest
// arm; later behaviour blocks (collusion, coercion) are added here.
struct ArmSpec {
  std::string name;  // unique, [A-Za-z0-9_-]+
};

// ---- scenario -------------------------------------------------------------------------------

struct Scenario {
  std::string name;              // [A-Za-z0-9_.-]+
  std::uint64_t seed = 0;
  std::uint64_t replicates = 1;  // >= 1
  std::uint64_t agents = 0;      // >= 2 (for edge lists: the file's vertex count)
  std::uint32_t proposals = 1;   // >= 1
  ValuesSpec values;
  BudgetSpec budget;
  GraphSpec graph = WattsStrogatzSpec{};
  std::vector<Mechanism> mechanisms;  // non-empty, no repeats
  Ballot ballot = Ballot::secret;
  std::vector<ArmSpec> arms;     // non-empty, names unique
  std::string baseline_arm = "honest";  // must name an arm; flips are measured against it

  std::filesystem::path source_file;  // the file it was read from (for messages), may be empty
};

const char* to_string(Mechanism m) noexcept;
const char* to_string(Ballot b) noexcept;
const char* to_string(BudgetKind k) noexcept;
// Short label used in tables ("QV", "1p1v", "linear").
const char* short_label(Mechanism m) noexcept;

}  // namespace qvsim
