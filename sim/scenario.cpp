#include "sim/scenario.hpp"

#include <cmath>

namespace qvsim {

const char* to_string(Mechanism m) noexcept {
  switch (m) {
    case Mechanism::quadratic: return "quadratic";
    case Mechanism::one_person_one_vote: return "one_person_one_vote";
    case Mechanism::linear: return "linear";
    case Mechanism::connection_oriented: return "connection_oriented";
    case Mechanism::pairwise_bounded: return "pairwise_bounded";
  }
  return "?";
}

const char* short_label(Mechanism m) noexcept {
  switch (m) {
    case Mechanism::quadratic: return "QV";
    case Mechanism::one_person_one_vote: return "1p1v";
    case Mechanism::linear: return "linear";
    case Mechanism::connection_oriented: return "CO-QV";
    case Mechanism::pairwise_bounded: return "PB-QV";
  }
  return "?";
}

std::optional<Mechanism> mechanism_named(std::string_view name) noexcept {
  for (const Mechanism m : {Mechanism::quadratic, Mechanism::one_person_one_vote, Mechanism::linear,
                            Mechanism::connection_oriented, Mechanism::pairwise_bounded})
    if (name == to_string(m)) return m;
  if (name == "qv" || name == "QV") return Mechanism::quadratic;
  if (name == "1p1v") return Mechanism::one_person_one_vote;
  if (name == "coqv" || name == "CO-QV") return Mechanism::connection_oriented;
  if (name == "pbqv" || name == "PB-QV") return Mechanism::pairwise_bounded;
  return std::nullopt;
}

const char* to_string(Ballot b) noexcept {
  switch (b) {
    case Ballot::public_ballot: return "public";
    case Ballot::provable: return "provable";
    case Ballot::secret: return "secret";
    case Ballot::maci: return "maci";
  }
  return "?";
}

const char* to_string(ClusterSource c) noexcept {
  switch (c) {
    case ClusterSource::none: return "none";
    case ClusterSource::blocks: return "blocks";
    case ClusterSource::communities: return "communities";
    case ClusterSource::file: return "file";
    case ClusterSource::ballots: return "ballots";
  }
  return "?";
}

const char* to_string(Selection s) noexcept {
  switch (s) {
    case Selection::random: return "random";
    case Selection::degree: return "degree";
    case Selection::block: return "block";
    case Selection::listed: return "listed";
  }
  return "?";
}

std::uint64_t CountOrShare::resolve(std::uint64_t agents) const noexcept {
  if (!is_share) return count < agents ? count : agents;
  return static_cast<std::uint64_t>(std::llround(share * static_cast<double>(agents)));
}

const char* to_string(BudgetKind k) noexcept {
  return k == BudgetKind::credits ? "credits" : "money";
}

const char* to_string(PivotModel p) noexcept {
  switch (p) {
    case PivotModel::fixed: return "fixed";
    case PivotModel::normal: return "normal";
    case PivotModel::equilibrium: return "equilibrium";
  }
  return "?";
}

const char* to_string(BribePricing p) noexcept {
  switch (p) {
    case BribePricing::individual: return "individual";
    case BribePricing::posted: return "posted";
  }
  return "?";
}

std::size_t Scenario::line_of(std::string_view key) const {
  while (!key.empty()) {
    if (const auto it = key_lines.find(key); it != key_lines.end()) return it->second;
    const std::size_t dot = key.rfind('.');
    key = dot == std::string_view::npos ? std::string_view{} : key.substr(0, dot);
  }
  return 0;
}

}  // namespace qvsim
