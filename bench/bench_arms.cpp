// What an attack arm adds to a run: one replicate of 1,000,000 agents (Barabasi-Albert m = 5,
// 10 proposals, three mechanisms), honest arm alone against honest plus one attack arm.
//
//   bench_arms --attack collusion|coercion [--agents N] [--repeat R]
//
// collusion: 1,000 organizers (random), coalitions up to 50, 10 recruitment rounds, secret ballot
//            with loyalty and belief traits, 5% sybils.
// coercion:  1,000 coercers (random), reach 2, capacity 50, 10 rounds of fear spreading with
//            extended reach, secret ballot.
// Prints each repetition and the medians; the figure is the difference of medians. Both medians
// are also printed against the keyed-draw bound for the replicate's values.

#include <cstdio>
#include <cstring>

#include "agents/behaviours.hpp"
#include "bench/bench_bounds.hpp"
#include "bench/bench_common.hpp"
#include "sim/model.hpp"
#include "sim/runner.hpp"

using namespace qvsim;

int main(int argc, char** argv) {
  const auto agents = static_cast<std::uint64_t>(bench::arg_or(argc, argv, "--agents", 1000000));
  const long repeat = bench::arg_or(argc, argv, "--repeat", 5);
  std::string attack = "collusion";
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--attack") == 0) attack = argv[i + 1];

  Scenario s;
  s.name = "bench-arms";
  s.seed = 20261126;
  s.replicates = 1;
  s.agents = agents;
  s.proposals = 10;
  s.values.distribution = NormalDist{0.0, 1.0};
  s.values.homophily = 0.2;
  s.budget.credits = ConstantTrait{100};
  s.graph = BarabasiAlbertSpec{5};
  s.mechanisms = {Mechanism::quadratic, Mechanism::one_person_one_vote, Mechanism::linear};
  s.ballot = Ballot::secret;
  ArmSpec arm{attack};
  if (attack == "collusion") {
    CollusionSpec c;
    c.organizers.count = 1000;
    c.max_size = 50;
    c.rounds = 10;
    c.sanction = 1.0;
    c.loyalty = TwoPointTrait{0.3, 1.0, 0.0};
    c.perceived_detection = UniformTrait{0.0, 1.0};
    c.sybils.share = 0.05;
    c.sybils.identities = 3;
    arm.collusion = c;
  } else if (attack == "coercion") {
    CoercionSpec c;
    c.coercers.count = 1000;
    c.reach = 2;
    c.capacity = 50;
    c.rounds = 10;
    c.fear_response = 0.5;
    c.extend_reach = true;
    c.severity = UniformTrait{0.5, 2.0};
    c.perceived_detection = TwoPointTrait{0.25, 1.0, 0.0};
    arm.coercion = c;
  } else {
    std::fprintf(stderr, "unknown --attack %s (collusion | coercion)\n", attack.c_str());
    return 2;
  }

  auto time_arms = [&](std::vector<ArmSpec> arms) {
    Scenario sc = s;
    sc.arms = std::move(arms);
    const Model model = freeze(sc);
    const auto behaviours = agents::make_behaviours(sc);
    std::vector<double> times;
    for (long r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      run_replicate(model, behaviours, static_cast<std::uint64_t>(r));
      times.push_back(bench::seconds_since(t0));
    }
    return times;
  };
  const auto honest = time_arms({ArmSpec{"honest"}});
  const auto both = time_arms({ArmSpec{"honest"}, arm});
  for (long r = 0; r < repeat; ++r) {
    std::printf("run %ld: honest %.3f s, honest + %s %.3f s\n", r,
                honest[static_cast<std::size_t>(r)], attack.c_str(),
                both[static_cast<std::size_t>(r)]);
  }
  const double h = bench::median(honest);
  const double b = bench::median(both);
  std::printf("agents %llu: median honest %.3f s, with %s arm %.3f s: the arm adds %.3f s\n",
              static_cast<unsigned long long>(agents), h, attack.c_str(), b, b - h);
  // The replicate's values: agents x proposals normals, one stream per agent.
  const std::uint64_t draws = static_cast<std::uint64_t>(agents) * s.proposals;
  const double bound = bench::draw_bound_seconds(draws, s.proposals, 0);
  bench::print_draw_ratio("honest", h, bound, draws, "the replicate's values");
  bench::print_draw_ratio(("honest + " + attack).c_str(), b, bound, draws,
                          "the replicate's values");
  return 0;
}
