#pragma once
// Clusters of agents, and the connection-oriented tally that discounts votes from one cluster
// (docs/model.md, "Connection-oriented QV").
//
// A replicate's clusters come from the scenario's `clusters` (ClusterSpec): the blocks of a
// stochastic block model, communities found by label propagation on the replicate's graph, or a
// clusters file loaded once (Model::fixed_clusters). Every agent is in exactly one cluster.

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "sim/graph.hpp"

namespace qvsim {

struct Model;

struct Clusters {
  std::vector<std::uint32_t> of;  // each agent's cluster, dense ids [0, count)
  std::uint32_t count = 0;
  std::vector<AgentId> members;      // agents by cluster, ascending ids within each
  std::vector<std::uint64_t> start;  // cluster c's members: members[start[c], start[c + 1])
  // Per agent, 1 when a sybil's extra identities sit in her cluster with her (found from
  // identical ballots: ballot_clusters with `identical`, which sets it for every agent, 0 for
  // most); empty from every other source. Every extra identity not placed is alone.
  std::vector<std::uint8_t> placed;

  std::uint64_t size(std::uint32_t c) const noexcept { return start[c + 1] - start[c]; }
};

// Clusters from any labels, one per agent: agents with equal labels share a cluster; clusters are
// numbered by ascending label.
Clusters clusters_from_labels(std::span<const std::uint32_t> labels);

inline constexpr std::uint32_t kLabelPropagationRounds = 100;

// Communities by label propagation (Raghavan, Albert and Kumara 2007), in synchronous rounds
// made to settle by random partial updates: every agent starts in a community of her own; an
// agent is settled when her label is among the most common of her neighbours'. In each round,
// every unsettled agent, with probability 1/2, takes one of the most common labels among her
// neighbours, uniformly at random among ties (her coin and her pick are the first two draws of
// her stream, Purpose::communities, keyed by replicate, round and agent; ties in ascending label
// order); all move at once. Rounds stop when every agent is settled or after `max_rounds`.
// Bit-identical at any thread count. `rounds`, when given, receives the rounds run.
std::vector<std::uint32_t> label_propagation(const Graph& graph, std::uint64_t seed,
                                             std::uint64_t replicate,
                                             std::uint32_t max_rounds = kLabelPropagationRounds,
                                             std::uint32_t* rounds = nullptr);

// Reads a clusters file: CSV `agent,cluster` (header first; `#` comments and blank lines skipped,
// as in values files, sim/values_file.hpp), one row for every agent, naming agents as values
// files do; clusters are integers in [0, 2^32). InputError naming the file (and the line, where
// the values-file reader finds the mistake) otherwise.
std::vector<std::uint32_t> load_clusters_file(const std::filesystem::path& file, AgentId agents,
                                              const std::vector<std::uint64_t>& original_ids);

// The clusters of one replicate under the model's ClusterSpec when they are drawn per replicate
// (replicate_wide: blocks, communities, a file); every agent alone otherwise.
Clusters replicate_clusters(const Model& model, const Graph& graph, std::uint64_t replicate);

// Every agent in a cluster of her own.
Clusters singleton_clusters(AgentId agents);

// Suspected coalitions from public ballots (docs/model.md, "Detection from public ballots"): two
// neighbours on the graph are linked when both voted and their ballots point the same way,
// cos(b_a, b_b) = b_a . b_b / (|b_a| |b_b|) >= similarity; the clusters are the components of
// the links (an agent linked to nobody is alone). `ballots` holds agent a's votes on proposal k at
// a * proposals + k. Linear in directed edges x proposals; bit-identical at any thread count.
//
// With `identical`, the observer also links any two identities whose ballots are identical,
// neighbours or not (docs/model.md, "Sybils seen in public ballots"). `identities` (empty: 1
// each) gives how many identities cast each agent's ballot in equal shares: a sybil's identities
// cast identical shares, so with `identical` her extra identities join her cluster (placed), and
// agents whose shares are identical are linked. Adds a sort of the voting agents' shares.
Clusters ballot_clusters(const Graph& graph, std::span<const double> ballots,
                         std::uint32_t proposals, double similarity,
                         std::span<const std::uint32_t> identities = {}, bool identical = false);

// How well clusters, read as a detector's suspected coalitions, find true groups (coalitions),
// counted over pairs of agents: a pair is flagged when both share a cluster, and true when both
// are in one group (truth[a] == none: in no group). precision = true pairs flagged / pairs
// flagged, recall = true pairs flagged / true pairs, F1 their harmonic mean; NaN where a ratio
// is 0/0 (precision of a detector that flags no pair, recall when there is no true pair), F1 0
// when precision and recall are both 0 and NaN when either is NaN.
//
// With `identities` (empty: 1 each), pairs are of identities: agent a stands for identities[a]
// identities, of which those placed in her cluster (all, when flagged.placed says so; else her
// own) share it and the others are alone. A pair is true when both identities are of one group's
// members, or both of one sybil outside any group.
struct PairScore {
  double flagged = 0.0, truth = 0.0, both = 0.0;  // pair counts
  double precision = 0.0, recall = 0.0, f1 = 0.0;
};
PairScore score_pairs(const Clusters& flagged, std::span<const std::uint32_t> truth,
                      std::uint32_t none, std::span<const std::uint32_t> identities = {});

// The connection-oriented discount, in place: `votes` holds agent a's votes on proposal k at
// a * proposals + k. Within each cluster, proposal and side (for, against), with n voters casting
// votes v_i, each vote is multiplied by sqrt(sum v_i^2) / sum |v_i|: the side's votes then add up
// to sqrt(sum v_i^2), the cluster's credits cast as one voter. A voter alone on her side of her
// cluster (one identity, or a sybil not placed) keeps her vote exactly. Parallel over clusters;
// bit-identical at any thread count. `identities` (empty: 1 each) gives how many identities cast
// each agent's votes, in equal shares. Unless clusters.placed says her extra identities sit in her
// cluster with her (all her shares then count there, alone or not: k shares of b count sqrt(k)
// |b|), only her own share does, and each extra identity is alone and keeps its share in full
// (docs/model.md, "Sybils under both tallies" and "Sybils seen in public ballots").
void discount_votes(const Clusters& clusters, std::uint32_t proposals, std::span<double> votes,
                    std::span<const std::uint32_t> identities = {});

}  // namespace qvsim
