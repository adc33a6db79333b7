#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.hpp"

namespace fs = std::filesystem;
using qvsim::run_cli;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("qvsim-threshold-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

int cli(const std::vector<std::string>& args, std::string* out_text = nullptr,
        std::string* err_text = nullptr) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_cli(args, out, err);
  if (out_text) *out_text = out.str();
  if (err_text) *err_text = err.str();
  return code;
}

// Splits the CSV's data line `row` (1-based after the header) into fields; no quoted commas
// before the note, which is last.
std::vector<std::string> csv_row(const std::string& text, std::size_t row) {
  std::istringstream in(text);
  std::string line;
  for (std::size_t i = 0; i <= row; ++i) std::getline(in, line);
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == '"') break;
    if (c == ',')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

// Columns of the threshold CSV used below.
constexpr std::size_t kMechanism = 2, kBallot = 3, kStatus = 9, kThreshold = 10, kLow = 11,
                      kHigh = 12, kBribeSpent = 16;

// Eleven agents who all value the single proposal at almost exactly 1 (uniform in
// [0.999, 1.001]), so every honest agent votes for it, and a briber who buys votes against it.
//
// By hand (docs/coercion.md, bribery): a seller's price is her private loss p * u * (h - w) with
// the fixed pivot price p = 0.02 (electorate.pivot: {model: fixed, price: 0.02}).
// - 1p1v: h = +1, w = -1, price = 0.04 u in [0.03996, 0.04004]. The honest tally is 11; each
//   bought vote moves it by 2, so the decision flips once 6 votes are bought (11 - 12 = -1): the
//   budget needed is the sum of the 6 cheapest prices, in [0.23976, 0.24024].
// - QV with 100 credits and one proposal: h = +10, w = -10 (sqrt of the budget), price = 0.4 u;
//   the tally is 110, each seller moves it by 20, again 6 sellers: budget in [2.3976, 2.4024],
//   ten times the 1p1v budget because each QV seller gives up ten votes' worth of her value.
// Every replicate draws new values, but all within these windows, and the provable ballot makes
// every seller deliver.
const char* const kBribeScenario = R"(name: bribe-hand
seed: 11
replicates: 4
electorate:
  agents: 11
  proposals: 1
  values: {distribution: uniform, low: 0.999, high: 1.001}
  budget: {credits: 100}
  pivot: {model: fixed, price: 0.02}
graph: {model: erdos_renyi, mean_degree: 2}
mechanisms: [one_person_one_vote, quadratic]
ballot: provable
arms:
  honest: {}
  bribe:
    bribery:
      budget: 0
      agenda: {proposal: 0, direction: fail}
)";

// Eleven agents on a complete graph (watts_strogatz with degree 10 and no rewiring); each
// coercer threatens everyone else (capacity 10), severity 1 far exceeds the 1p1v loss 0.04 and
// the ballot is provable, so every non-coercer complies. With c >= 1 coercers the tally is
// c - (11 - c) < 0 for c <= 5, and 11 with none: the integer threshold is exactly 1.
const char* const kCoercionScenario = R"(name: coerce-hand
seed: 5
replicates: 4
electorate:
  agents: 11
  proposals: 1
  values: {distribution: uniform, low: 0.999, high: 1.001}
  budget: {credits: 100}
  pivot: {model: fixed, price: 0.02}
graph: {model: watts_strogatz, degree: 10, rewire: 0}
mechanisms: [one_person_one_vote]
ballot: provable
arms:
  honest: {}
  threats:
    coercion:
      coercers: 0
      agenda: {proposal: 0, direction: fail}
      reach: 1
      capacity: 10
      severity: 1
)";

// A noisy case: a bribe budget against three proposals of a 101-agent electorate with normal
// values; intervals straddle the target, so replicates are doubled.
const char* const kNoisyScenario = R"(name: bribe-noisy
seed: 11
replicates: 4
electorate:
  agents: 101
  proposals: 3
  values: {distribution: normal, mean: 0.1, sd: 1}
  budget: {credits: 100}
  pivot: {model: fixed, price: 0.02}
graph: {model: erdos_renyi, mean_degree: 4}
mechanisms: [one_person_one_vote, quadratic]
ballot: provable
arms:
  honest: {}
  bribe:
    bribery:
      budget: 0
      agenda: {proposal: 0, direction: fail}
)";

}  // namespace

TEST_CASE("threshold command: bribery thresholds computed by hand", "[threshold]") {
  TempDir tmp;
  const fs::path file = tmp.path / "bribe.yaml";
  write(file, kBribeScenario);
  const fs::path out_csv = tmp.path / "t.csv";
  std::string out;
  std::string err;
  REQUIRE(cli({"threshold", file.string(), "--attack", "arms.bribe.bribery.budget", "--range",
               "0:5", "--target", "flip_rate=0.5", "--width", "0.001", "--replicates", "4", "--out",
               out_csv.string()},
              &out, &err) == 0);
  const std::string csv = read(out_csv);
  const auto pv = csv_row(csv, 1);
  const auto qv = csv_row(csv, 2);
  REQUIRE(pv.size() > kBribeSpent);
  CHECK(pv[kMechanism] == "one_person_one_vote");
  CHECK(pv[kBallot] == "provable");
  CHECK(pv[kStatus] == "found");
  const double t1 = std::stod(pv[kThreshold]);
  CHECK(t1 >= 0.23976);
  CHECK(t1 <= 0.24024 + 0.001);
  CHECK(std::stod(pv[kLow]) <= 0.24024);
  CHECK(std::stod(pv[kHigh]) - std::stod(pv[kLow]) <= 0.001);
  // What the briber paid at the threshold never exceeds it.
  CHECK(std::stod(pv[kBribeSpent]) <= t1);
  CHECK(std::stod(pv[kBribeSpent]) >= 5 * 0.03996);
  CHECK(qv[kMechanism] == "quadratic");
  CHECK(qv[kStatus] == "found");
  const double t2 = std::stod(qv[kThreshold]);
  CHECK(t2 >= 2.3976);
  CHECK(t2 <= 2.4024 + 0.001);
  CHECK(out.find("bisection") != std::string::npos);
}

TEST_CASE("threshold command: integer keys and ballots", "[threshold]") {
  TempDir tmp;
  const fs::path file = tmp.path / "coerce.yaml";
  write(file, kCoercionScenario);
  const fs::path out_csv = tmp.path / "t.csv";
  REQUIRE(cli({"threshold", file.string(), "--attack", "arms.threats.coercion.coercers", "--range",
               "0:5", "--target", "flip_rate=0.5", "--replicates", "3", "--ballot", "public",
               "--ballot", "secret", "--out", out_csv.string()}) == 0);
  const std::string csv = read(out_csv);
  const auto pub = csv_row(csv, 1);
  CHECK(pub[kBallot] == "public");
  CHECK(pub[kStatus] == "found");
  CHECK(pub[kThreshold] == "1");
  CHECK(pub[kLow] == "0");
  CHECK(pub[kHigh] == "1");
  // Under a secret ballot nobody fears detection (perceived_detection 0): no threshold.
  const auto sec = csv_row(csv, 2);
  CHECK(sec[kBallot] == "secret");
  CHECK(sec[kStatus] == "not_reached");
  CHECK(csv.find("not reached in [0, 5]") != std::string::npos);
}

TEST_CASE("threshold command: identical at 1 and 2 threads", "[threshold]") {
  TempDir tmp;
  const fs::path file = tmp.path / "noisy.yaml";
  write(file, kNoisyScenario);
  std::string csv[2];
  for (int t = 0; t < 2; ++t) {
    const fs::path out_csv = tmp.path / ("t" + std::to_string(t) + ".csv");
    std::string out;
    std::string err;
    REQUIRE(
        cli({"threshold", file.string(), "--attack", "arms.bribe.bribery.budget", "--range", "0:5",
             "--target", "flip_rate=0.1", "--width", "0.1", "--replicates", "4", "--max-replicates",
             "16", "--threads", std::to_string(t + 1), "--out", out_csv.string()},
            &out, &err) == 0);
    csv[t] = read(out_csv);
    // Intervals straddled the target somewhere: more replicates than R0 were run.
    CHECK(err.find(", 8 replicates:") != std::string::npos);
  }
  CHECK(csv[0] == csv[1]);
  CHECK(!csv[0].empty());
}

TEST_CASE("threshold command: interpolated from a finished sweep", "[threshold]") {
  TempDir tmp;
  const fs::path file = tmp.path / "sweep.yaml";
  write(file, std::string(kBribeScenario) +
                  "sweep:\n  parameters:\n    arms.bribe.bribery.budget: [0, 0.2, 0.3, 1]\n"
                  "    ballot: [public, provable]\n");
  const fs::path dir = tmp.path / "sweep";
  REQUIRE(cli({"sweep", file.string(), "--out", dir.string(), "--quiet"}) == 0);
  const fs::path out_csv = tmp.path / "t.csv";
  std::string out;
  REQUIRE(cli({"threshold", dir.string(), "--attack", "arms.bribe.bribery.budget", "--target",
               "flip_rate=0.5", "--mechanism", "one_person_one_vote", "--out", out_csv.string()},
              &out) == 0);
  const std::string csv = read(out_csv);
  CHECK(out.find("interpolated from a sweep") != std::string::npos);
  for (std::size_t row = 1; row <= 2; ++row) {
    const auto r = csv_row(csv, row);
    CHECK(r[0] == "interpolated from a sweep");
    CHECK(r[kMechanism] == "one_person_one_vote");
    CHECK(r[kStatus] == "interpolated");
    // flip_rate is 0 at 0.2 and 1 at 0.3 (the hand-computed 0.24): halfway is 0.25.
    CHECK(std::stod(r[kThreshold]) == Approx(0.25));
    CHECK(r[kLow] == "0.2");
    CHECK(r[kHigh] == "0.3");
  }
  CHECK(csv_row(csv, 1)[kBallot] == "provable");
  CHECK(csv_row(csv, 2)[kBallot] == "public");
}

TEST_CASE("threshold command: bad input exits 2", "[threshold]") {
  TempDir tmp;
  const fs::path file = tmp.path / "bribe.yaml";
  write(file, kBribeScenario);
  const fs::path sweep = tmp.path / "sweep.yaml";
  write(sweep, std::string(kBribeScenario) +
                   "sweep:\n  parameters:\n    arms.bribe.bribery.budget: [0, 1]\n");
  const std::string f = file.string();
  auto run = [&](std::vector<std::string> extra, const std::string& expect) {
    std::vector<std::string> args = {"threshold"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string err;
    CHECK(cli(args, nullptr, &err) == 2);
    INFO(err);
    CHECK(err.find(expect) != std::string::npos);
  };
  run({f, "--attack", "arms.bribe.bribery.budgt", "--range", "0:1", "--target", "flip_rate=0.5"},
      "did you mean 'budget'");
  run({f, "--attack", "arms.bribe.bribery.budget", "--range", "1:1", "--target", "flip_rate=0.5"},
      "LO < HI");
  run({f, "--attack", "arms.bribe.bribery.budget", "--range", "2:1", "--target", "flip_rate=0.5"},
      "LO < HI");
  run({f, "--attack", "arms.bribe.bribery.budget", "--range", "0:1", "--target", "flip_rate"},
      "METRIC=VALUE");
  run({f, "--attack", "arms.bribe.bribery.budget", "--range", "0:1", "--target", "flip_rate=x"},
      "must be a number");
  run({f, "--attack", "arms.bribe.bribery.budget", "--range", "0:1", "--target", "flip_rat=0.5"},
      "did you mean 'flip_rate'");
  run({sweep.string(), "--attack", "arms.bribe.bribery.budget", "--range", "0:1", "--target",
       "flip_rate=0.5"},
      "without a sweep");
  run({f, "--attack", "arms.bribe.bribery.budget", "--target", "flip_rate=0.5"}, "--range");
  run({f, "--range", "0:1", "--target", "flip_rate=0.5"}, "--attack");
  run({f, "--attack", "arms.bribe.bribery.budget", "--range", "0:1", "--target", "flip_rate=0.5",
       "--arm", "brib"},
      "did you mean 'bribe'");
  run({(tmp.path / "nowhere").string(), "--attack", "arms.bribe.bribery.budget", "--range", "0:1",
       "--target", "flip_rate=0.5"},
      "cannot open scenario file: No such file or directory");
  run({tmp.path.string(), "--attack", "arms.bribe.bribery.budget", "--target", "flip_rate=0.5"},
      "summary.csv");
}
