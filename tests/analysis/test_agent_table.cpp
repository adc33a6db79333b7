// agents.csv's writer (analysis/agent_table.hpp): its rows are written on a thread of their own,
// and what that thread meets reaches the caller.

#include <algorithm>
#include <catch2/catch.hpp>
#include <charconv>
#include <ios>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "agents/behaviours.hpp"
#include "analysis/agent_table.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"
#include "sim/text.hpp"

using namespace qvsim;

namespace {

const std::string kScenario = R"(name: t
seed: 1
replicates: 2
electorate:
  agents: 3000
  proposals: 3
graph:
  model: erdos_renyi
  mean_degree: 4
mechanisms: [quadratic, one_person_one_vote]
arms:
  honest: {}
)";

// Takes `room` bytes, then fails every write, as a full disk does.
class FullBuffer : public std::streambuf {
 public:
  explicit FullBuffer(std::size_t room) : room_(room) {}
  std::size_t taken = 0;

 protected:
  int_type overflow(int_type ch) override {
    if (taken >= room_) return traits_type::eof();
    ++taken;
    return traits_type::not_eof(ch);
  }
  std::streamsize xsputn(const char*, std::streamsize n) override {
    const auto take = static_cast<std::streamsize>(std::min<std::size_t>(room_ - taken, n));
    taken += static_cast<std::size_t>(take);
    return take;
  }

 private:
  std::size_t room_;
};

}  // namespace

TEST_CASE(
    "agents.csv rows come mechanism by mechanism in agent order, and a failing stream's error "
    "reaches the caller",
    "[agents]") {
  const Model model = freeze(parse_scenario(kScenario, "s.yaml", "."));
  const auto behaviours = agents::make_behaviours(model.scenario);
  std::ostringstream whole;
  analysis::write_agent_rows(model, behaviours, 1, whole);
  // One row per agent and mechanism, in order: mechanism by mechanism, agents ascending.
  const std::string text = whole.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 2 * 3000);
  CHECK(text.rfind("1,honest,quadratic,0,", 0) == 0);
  CHECK(text.find("1,honest,one_person_one_vote,2999,") != std::string::npos);
  CHECK(text.find("1,honest,one_person_one_vote,0,") > text.find("1,honest,quadratic,2999,"));

  // A stream that throws when it cannot write: the writing thread's exception reaches the
  // caller (not std::terminate), after the bytes the stream took.
  FullBuffer full(1000);
  std::ostream out(&full);
  out.exceptions(std::ios_base::badbit);
  CHECK_THROWS_AS(analysis::write_agent_rows(model, behaviours, 1, out), std::ios_base::failure);
  CHECK(full.taken == 1000);
}

TEST_CASE("agents.csv prints float32 values as floats: each reads back as the stored float",
          "[agents]") {
  std::string text = kScenario;
  text.replace(text.find("  proposals: 3\n"), 14,
               "  proposals: 3\n  values: {distribution: normal, sd: 3, precision: float32}\n");
  const Model model = freeze(parse_scenario(text, "s.yaml", "."));
  const auto behaviours = agents::make_behaviours(model.scenario);
  std::ostringstream rows;
  analysis::write_agent_rows(model, behaviours, 1, rows);
  ReplicateDraw draw;
  draw_replicate(model, 1, draw);
  REQUIRE(draw.electorate.float32);
  std::istringstream in(rows.str());
  std::size_t checked = 0, longest = 0;
  std::vector<std::string_view> f;
  for (std::string line; std::getline(in, line);) {
    // replicate, arm, mechanism, agent, value_0, value_1, value_2, ...
    split_fields(line, f);
    REQUIRE(f.size() > 6);
    const auto a = static_cast<std::size_t>(std::stoul(std::string(f[3])));
    for (std::size_t k = 0; k < 3; ++k) {
      float x = 0;
      const auto res = std::from_chars(f[4 + k].data(), f[4 + k].data() + f[4 + k].size(), x);
      REQUIRE(res.ec == std::errc());
      CHECK(x == draw.electorate.values32[a * 3 + k]);  // the stored float, exactly
      longest = std::max(longest, f[4 + k].size());
      ++checked;
    }
  }
  CHECK(checked == 2 * 3000 * 3);
  // A float needs at most 9 significant digits: with sign, point and exponent, at most 15
  // characters, where its value as a double often takes 17 digits or more.
  CHECK(longest <= 15);
}
