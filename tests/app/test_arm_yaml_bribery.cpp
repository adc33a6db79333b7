// The bribery block's keys for the briber's choices (target, pricing, contingent promises,
// audits): read, validated and written back.
#include <catch2/catch.hpp>
#include <string>

#include "api/scenario_yaml.hpp"
#include "sim/error.hpp"

using namespace qvsim;

namespace {

constexpr const char* kHead =
    "name: t\nseed: 1\nreplicates: 2\nelectorate: {agents: 101, proposals: 3}\narms:\n"
    "  honest: {}\n  c:\n";

Scenario parse_block(const std::string& block) {
  return parse_scenario(kHead + block, "s.yaml", ".");
}

std::string compact(std::string s) {
  std::string out;
  for (const char c : s) {
    if (c != ' ' && c != '\n') out += c;
  }
  return out;
}

// The block (from line 8 on) fails at `line` naming `key`, with `fragment` in its message.
void check_error(const std::string& block, std::size_t line, const std::string& key,
                 const std::string& fragment) {
  INFO(block);
  try {
    parse_block(block);
  } catch (const InputError& e) {
    INFO(e.what());
    CHECK(e.file() == "s.yaml");
    CHECK(e.line() == line);
    CHECK(e.key() == key);
    CHECK_THAT(std::string(e.what()), Catch::Contains(fragment));
    return;
  }
  FAIL("no error");
}

}  // namespace

TEST_CASE("a bribery block reads and writes the briber's choices", "[scenario][bribery]") {
  const Scenario s = parse_block(
      "    bribery:\n"
      "      budget: 10\n"
      "      agenda: {proposal: 1, direction: fail}\n"
      "      target_confidence: 0.9\n"
      "      pricing: posted\n"
      "      contingent: true\n"
      "      audit: 0.25\n"
      "      audit_cost: 0.5\n");
  REQUIRE(s.arms[1].bribery);
  const BriberySpec& b = *s.arms[1].bribery;
  CHECK(b.target_confidence == 0.9);
  CHECK(b.pricing == BribePricing::posted);
  CHECK(b.contingent);
  CHECK(b.audit == 0.25);
  CHECK(b.audit_cost == 0.5);
  CHECK_THAT(compact(scenario_to_json(s)),
             Catch::Contains("\"demanded_votes\":1,\"target_confidence\":0.9,\"pricing\":"
                             "\"posted\",\"contingent\":true,\"audit\":0.25,\"audit_cost\":0.5}"));
  // Defaults, written back in full.
  const Scenario d = parse_block("    bribery: {budget: 0, agenda: {proposal: 0}}\n");
  const BriberySpec& e = *d.arms[1].bribery;
  CHECK(e.target_confidence == 0.95);
  CHECK(e.pricing == BribePricing::individual);
  CHECK(!e.contingent);
  CHECK(e.audit == 1.0);
  CHECK(e.audit_cost == 0.0);
  CHECK_THAT(compact(scenario_to_json(d)),
             Catch::Contains("\"target_confidence\":0.95,\"pricing\":\"individual\","
                             "\"contingent\":false,\"audit\":1,\"audit_cost\":0}"));
  // A target of exactly 1 is allowed (a briber that wants certainty).
  CHECK(parse_block("    bribery: {budget: 1, agenda: {proposal: 0}, target_confidence: 1}\n")
            .arms[1]
            .bribery->target_confidence == 1.0);
}

TEST_CASE("bad values of the briber's keys name file, line and key", "[scenario][bribery]") {
  const std::string b = "    bribery:\n      budget: 5\n      agenda: {proposal: 0}\n";
  check_error(b + "      target_confidence: 0\n", 11, "arms.c.bribery.target_confidence",
              "must be in (0, 1], got 0");
  check_error(b + "      target_confidence: 1.5\n", 11, "arms.c.bribery.target_confidence",
              "must be in (0, 1], got 1.5");
  check_error(b + "      pricing: auction\n", 11, "arms.c.bribery.pricing",
              "must be one of individual, posted, got 'auction'");
  check_error(b + "      contingent: 1\n", 11, "arms.c.bribery.contingent",
              "must be true or false, got '1'");
  check_error(b + "      audit: -0.1\n", 11, "arms.c.bribery.audit", "must be in [0, 1], got -0.1");
  check_error(b + "      audit_cost: -2\n", 11, "arms.c.bribery.audit_cost",
              "must be >= 0, got -2");
  check_error(b + "      audit_cots: 2\n", 11, "arms.c.bribery.audit_cots",
              "did you mean 'audit_cost'?");
}
