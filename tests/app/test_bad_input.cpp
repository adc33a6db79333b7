// The bad-input catalogue (docs/errors.md): one case per way a user can get input wrong. Each runs
// the real qvsim binary in a child process, so that a crash shows as a signal rather than taking
// the test runner down, and asserts
//   - exit code 2, not a signal (no abort, no segfault);
//   - the error class printed as "qvsim: error (<class>): ";
//   - the file, line and key in the message;
//   - that an earlier run's results in the output folder are byte-for-byte unchanged, with no
//     stray partial file left beside them.

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/result_store.hpp"
#include "sim/atomic_file.hpp"
#include "support/test_support.hpp"

namespace {

using qvsim::test::read;
using qvsim::test::TempDir;
using qvsim::test::write;
namespace fs = std::filesystem;

struct Child {
  bool exited = false;
  int code = -1;
  int signal = 0;
  std::string err;
};

// Runs QVSIM_BINARY with `args` in `cwd`; stdout and stderr go to files there. With
// `file_size_limit`, the child's files may not grow past that many bytes (RLIMIT_FSIZE, with
// SIGXFSZ ignored so that writes fail with EFBIG): a disk that fills up mid-run.
Child run_qvsim(const std::vector<std::string>& args, const fs::path& cwd,
                std::optional<rlim_t> file_size_limit = std::nullopt) {
  const std::string binary = QVSIM_BINARY;
  std::vector<std::string> all{binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out_file = (cwd / "child.stdout").string();
  const std::string err_file = (cwd / "child.stderr").string();
  const std::string dir = cwd.string();

  // Only async-signal-safe calls between fork and exec: the test process may have threads.
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    const int o = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(127);
    if (file_size_limit) {
      signal(SIGXFSZ, SIG_IGN);
      const rlimit r{*file_size_limit, *file_size_limit};
      if (setrlimit(RLIMIT_FSIZE, &r) != 0) _exit(127);
    }
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  Child c;
  REQUIRE(pid > 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  c.exited = WIFEXITED(status);
  c.code = c.exited ? WEXITSTATUS(status) : -1;
  c.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  c.err = read(cwd / "child.stderr");
  return c;
}

// Every file under `dir` with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read(e.path());
  }
  return files;
}

// A valid scenario; the cases break one thing in it.
const std::string kBase = R"(name: t
seed: 1
replicates: 2
electorate:
  agents: 101
  proposals: 2
graph:
  model: erdos_renyi
  mean_degree: 4
arms:
  honest: {}
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// An edge-list scenario reading edges.txt beside it.
const std::string kEdgeScenario = R"(name: t
seed: 1
replicates: 2
electorate:
  proposals: 2
graph:
  model: edge_list
  file: edges.txt
arms:
  honest: {}
)";

// A scenario reading its values from values.csv beside it: 3 agents, 2 proposals.
const std::string kValuesScenario = R"(name: t
seed: 1
replicates: 2
electorate:
  agents: 3
  proposals: 2
  values: {file: values.csv}
graph:
  model: erdos_renyi
  mean_degree: 1
arms:
  honest: {}
)";

// kBase with `line` added to the electorate block (as its line 7).
std::string with_electorate_line(const std::string& line) {
  return replace(kBase, "  proposals: 2\n", "  proposals: 2\n" + line + "\n");
}

// Nine levels of nine aliases: 9^9 (387 million) strings once expanded, in 300 bytes.
std::string alias_bomb() {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (char c = 'b'; c <= 'i'; ++c) {
    const std::string name(1, c);
    text += name + ": &" + name + " [";
    for (int i = 0; i < 9; ++i) text += (i ? ", *" : "*") + prev;
    text += "]\n";
    prev = name;
  }
  return text;
}

// A two-point sweep of kBase, for the store cases.
const std::string kSweep = kBase + "sweep:\n  parameters:\n    graph.mean_degree: [4, 6]\n";

// Runs kSweep (s.yaml in `dir`) whole into `dir`/`out`.
void sweep_into(const fs::path& dir, const std::string& out) {
  const Child c = run_qvsim({"sweep", "s.yaml", "--out", out, "--quiet"}, dir);
  INFO(c.err);
  REQUIRE(c.code == 0);
}

// Runs `statement` on a store, as someone editing it by hand would.
void sql(const fs::path& store, const std::string& statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(store.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// The first column of the first row of `select` on a store.
std::string query(const fs::path& store, const std::string& select) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(store.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, select.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    out.assign(t ? t : "", static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Sets a store's header entry `key` and recomputes the header's checksum: a crafted store.
void set_meta(const fs::path& store, const std::string& key, const std::string& value) {
  sql(store, "UPDATE meta SET value = '" + value + "' WHERE key = '" + key + "'");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(store.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE key != 'header_sum'", -1, &st,
                             nullptr) == SQLITE_OK);
  std::vector<std::pair<std::string, std::string>> entries;
  while (sqlite3_step(st) == SQLITE_ROW) {
    entries.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                         reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  sql(store, "UPDATE meta SET value = '" + std::to_string(qvsim::header_checksum(entries)) +
                 "' WHERE key = 'header_sum'");
}

struct Case {
  std::string name;
  std::string scenario;               // written to s.yaml (or, for edge-list cases, to e.yaml)
  std::optional<std::string> edges;   // written to edges.txt; the scenario is kEdgeScenario then
  std::string kind;                   // the error class
  std::string where;                  // "file:line: key: " as printed
  std::string message;                // a part of the message
  std::vector<std::string> extra;     // more arguments for `qvsim run`
  std::optional<std::string> values;  // written to values.csv (for kValuesScenario)
  std::string file;                   // the scenario argument when not s.yaml (/dev/zero, ...)
  std::vector<std::string> fifos;     // named pipes made in the temp folder (mkfifo)
  std::vector<std::string> folders;   // folders made in the temp folder
  // When set: prepares the case's folder and returns the one command to run instead of
  // `validate` and `run`; what the folder held before must be left as it was.
  std::function<std::vector<std::string>(const fs::path& dir)> setup = {};
};

std::vector<Case> catalogue() {
  // 3e9 agents at mean degree 1 (1.5e9 edges, which a graph holds) and 1000 proposals: too much
  // memory. At mean degree 4 the graph itself would be too large.
  const std::string huge_graph = replace(kBase, "agents: 101", "agents: 3000000000");
  const std::string huge_scenario = replace(replace(huge_graph, "mean_degree: 4", "mean_degree: 1"),
                                            "proposals: 2", "proposals: 1000");
  return {
      {"YAML syntax error",
       replace(kBase, "seed: 1", "seed: [1, 2"),
       {},
       "syntax",
       "s.yaml:3: ",
       "end of sequence flow not found"},
      // yaml-cpp's LoadAll never returns on this one (found by fuzzing).
      {"a stray comma", ",\n", {}, "syntax", "s.yaml:1: ", "unexpected ',' outside a list or map"},
      {"wrong type: a list for a count",
       replace(kBase, "agents: 101", "agents: [1, 2]"),
       {},
       "type",
       "s.yaml:5: electorate.agents: ",
       "must be an integer, got a list"},
      {"wrong type: a word for a number",
       replace(kBase, "agents: 101", "agents: many"),
       {},
       "type",
       "s.yaml:5: electorate.agents: ",
       "must be an integer, got 'many'"},
      {"wrong type: a quoted number",
       replace(kBase, "mean_degree: 4", "mean_degree: \"4\""),
       {},
       "type",
       "s.yaml:9: graph.mean_degree: ",
       "quoted string"},
      {"wrong type: a map for the whole file",
       "- a\n- b\n",
       {},
       "type",
       "s.yaml:1: ",
       "the top level must be a map"},
      {"unknown key with a suggestion",
       replace(kBase, "electorate:", "electorat:"),
       {},
       "unknown_key",
       "s.yaml:4: electorat: ",
       "did you mean 'electorate'?"},
      {"unknown key inside a block",
       replace(kBase, "mean_degree: 4", "mean_degre: 4"),
       {},
       "unknown_key",
       "s.yaml:9: graph.mean_degre: ",
       "did you mean 'mean_degree'?"},
      {"missing required key",
       replace(kBase, "seed: 1\n", ""),
       {},
       "missing_key",
       "s.yaml:1: seed: ",
       "missing required key"},
      {"out of range: zero replicates",
       replace(kBase, "replicates: 2", "replicates: 0"),
       {},
       "range",
       "s.yaml:3: replicates: ",
       "must be an integer >= 1, got 0"},
      {"out of range: negative count",
       replace(kBase, "agents: 101", "agents: -5"),
       {},
       "range",
       "s.yaml:5: electorate.agents: ",
       ">= 2, got -5"},
      {"out of range: a probability above 1",
       replace(kBase,
               "arms:", "ballot: secret\narms:\n  c:\n    collusion: {internalization: 1.5}"),
       {},
       "range",
       "s.yaml:13: arms.c.collusion.internalization: ",
       "got 1.5"},
      {"bribery: a target confidence of 0",
       replace(
           kBase, "arms:",
           "arms:\n  c:\n    bribery: {budget: 1, agenda: {proposal: 0}, target_confidence: 0}"),
       {},
       "range",
       "s.yaml:12: arms.c.bribery.target_confidence: ",
       "must be in (0, 1], got 0"},
      {"bribery: a target confidence above 1",
       replace(
           kBase, "arms:",
           "arms:\n  c:\n    bribery: {budget: 1, agenda: {proposal: 0}, target_confidence: 1.01}"),
       {},
       "range",
       "s.yaml:12: arms.c.bribery.target_confidence: ",
       "must be in (0, 1], got 1.01"},
      {"bribery: a pricing it does not know",
       replace(kBase, "arms:",
               "arms:\n  c:\n    bribery: {budget: 1, agenda: {proposal: 0}, pricing: postd}"),
       {},
       "invalid",
       "s.yaml:12: arms.c.bribery.pricing: ",
       "must be one of individual, posted, got 'postd'; did you mean 'posted'?"},
      {"bribery: contingent not a boolean",
       replace(kBase, "arms:",
               "arms:\n  c:\n    bribery: {budget: 1, agenda: {proposal: 0}, contingent: maybe}"),
       {},
       "type",
       "s.yaml:12: arms.c.bribery.contingent: ",
       "must be true or false, got 'maybe'"},
      {"bribery: an audit share above 1",
       replace(kBase,
               "arms:", "arms:\n  c:\n    bribery: {budget: 1, agenda: {proposal: 0}, audit: 1.5}"),
       {},
       "range",
       "s.yaml:12: arms.c.bribery.audit: ",
       "must be in [0, 1], got 1.5"},
      {"bribery: a negative audit cost",
       replace(kBase, "arms:",
               "arms:\n  c:\n    bribery: {budget: 1, agenda: {proposal: 0}, audit_cost: -0.5}"),
       {},
       "range",
       "s.yaml:12: arms.c.bribery.audit_cost: ",
       "must be >= 0, got -0.5"},
      {"NaN",
       replace(kBase, "mean_degree: 4", "mean_degree: .nan"),
       {},
       "not_finite",
       "s.yaml:9: graph.mean_degree: ",
       "must be a finite number, got '.nan'"},
      {"infinity",
       replace(kBase, "mean_degree: 4", "mean_degree: -.inf"),
       {},
       "not_finite",
       "s.yaml:9: graph.mean_degree: ",
       "must be a finite number, got '-.inf'"},
      {"a number that overflows a double",
       replace(kBase, "mean_degree: 4", "mean_degree: 1e999"),
       {},
       "not_finite",
       "s.yaml:9: graph.mean_degree: ",
       "got '1e999'"},
      {"a count beyond 32 bits",
       replace(kBase, "agents: 101", "agents: 99999999999999999999999"),
       {},
       "range",
       "s.yaml:5: electorate.agents: ",
       "must be an integer <= 4294967295"},
      {"a number beyond 64 bits",
       replace(kBase, "seed: 1", "seed: 18446744073709551616"),
       {},
       "range",
       "s.yaml:2: seed: ",
       "must be an integer <= 18446744073709551615"},
      {"more replicates than could ever finish",
       replace(kBase, "replicates: 2", "replicates: 18446744073709551615"),
       {},
       "range",
       "s.yaml:3: replicates: ",
       "must be an integer <= 4294967296"},
      {"empty file", "", {}, "empty", "s.yaml: ", "scenario file is empty"},
      {"only comments", "# nothing here\n\n", {}, "empty", "s.yaml: ", "scenario file is empty"},
      {"binary junk",
       std::string("\x7f"
                   "ELF\x02\x01\x01\x00\x00\x00\xff\xfe",
                   13),
       {},
       "encoding",
       "s.yaml:1: ",
       "is not UTF-8 text"},
      {"another encoding (Latin-1)",
       replace(kBase, "name: t", "name: caf\xe9"),
       {},
       "encoding",
       "s.yaml:1: ",
       "is not UTF-8 text"},
      {"two YAML documents",
       kBase + "---\nname: u\n",
       {},
       "invalid",
       "s.yaml:12: ",
       "more than one YAML document"},
      {"duplicate key",
       replace(kBase, "seed: 1", "seed: 1\nseed: 2"),
       {},
       "invalid",
       "s.yaml:3: seed: ",
       "duplicate key (first given on line 2)"},
      {"YAML alias bomb", alias_bomb(), {}, "too_complex", "s.yaml: ", "expand to more than"},
      {"nesting beyond any scenario",
       "a: " + std::string(20000, '['),
       {},
       "too_complex",
       "s.yaml:",
       "nested deeper than"},
      {"a generated graph with more edges than a graph holds",
       huge_graph,
       {},
       "range",
       "s.yaml:9: graph.mean_degree: ",
       "expects about 6000000000 edges on 3000000000 agents; a graph holds at most 2147483647"},
      {"more memory than the machine has",
       huge_scenario,
       {},
       "resources",
       "s.yaml:5: electorate.agents: ",
       "TiB of memory"},
      {"more memory than --max-memory allows",
       kBase,
       {},
       "resources",
       "s.yaml:5: electorate.agents: ",
       "but --max-memory allows 1.0 KiB",
       {"--max-memory", "1K"}},
      {"a bad --max-memory size",
       kBase,
       {},
       "usage",
       "--max-memory: ",
       "got '12Q'",
       {"--max-memory", "12Q"}},
      {"unknown command-line option",
       kBase,
       {},
       "usage",
       "--bogus: ",
       "unknown option",
       {"--bogus"}},
      {"edge list: a word for an id", kEdgeScenario, "# comment\n0 1\n1 x\n", "syntax",
       "edges.txt:3: ", "expected two non-negative integer ids, got '1 x'"},
      {"edge list: a negative id", kEdgeScenario, "0 1\n-1 2\n", "syntax",
       "edges.txt:2: ", "got '-1 2'"},
      {"edge list: an id beyond 64 bits", kEdgeScenario, "0 1\n99999999999999999999 1\n", "range",
       "edges.txt:2: ", "out of the 64-bit range"},
      {"edge list: a third field", kEdgeScenario, "0 1\n1 2 3\n", "syntax",
       "edges.txt:2: ", "third field '3'"},
      {"edge list: empty", kEdgeScenario, "", "empty", "edges.txt: ", "no edges found"},
      {"edge list: binary junk", kEdgeScenario, std::string("0 1\n\x00\x01\x02 \xff\n", 10),
       "syntax", "edges.txt:2: ", "expected two non-negative integer ids"},
      {"pivot_price under budget (moved)",
       with_electorate_line("  budget: {credits: 100, pivot_price: 0.05}"),
       {},
       "unknown_key",
       "s.yaml:7: electorate.budget.pivot_price: ",
       "moved: write electorate.pivot: {model: fixed, price: 0.05}"},
      {"pivot_price under money (moved)",
       with_electorate_line("  budget:\n    money: {pivot_price: 0.02}"),
       {},
       "unknown_key",
       "s.yaml:8: electorate.budget.money.pivot_price: ",
       "moved: write electorate.pivot: {model: fixed, price: 0.02}"},
      {"unknown pivot model",
       with_electorate_line("  pivot: {model: fixd}"),
       {},
       "invalid",
       "s.yaml:7: electorate.pivot.model: ",
       "did you mean 'fixed'?"},
      {"pivot price outside (0, 1]",
       with_electorate_line("  pivot: {model: fixed, price: 1.5}"),
       {},
       "range",
       "s.yaml:7: electorate.pivot.price: ",
       "must be in (0, 1], got 1.5"},
      {"poll noise not above 0",
       with_electorate_line("  pivot: {model: normal, poll_noise: 0}"),
       {},
       "range",
       "s.yaml:7: electorate.pivot.poll_noise: ",
       "must be > 0, got 0"},
      {"a price with model normal",
       with_electorate_line("  pivot: {model: normal, price: 0.02}"),
       {},
       "invalid",
       "s.yaml:7: electorate.pivot.price: ",
       "only with model fixed"},
      {"credits not above 0",
       with_electorate_line("  budget: {credits: 0}"),
       {},
       "range",
       "s.yaml:7: electorate.budget.credits: ",
       "must be > 0, got 0"},
      {"a credits trait reaching below 0",
       with_electorate_line("  budget: {credits: {uniform: [-10, 100]}}"),
       {},
       "range",
       "s.yaml:7: electorate.budget.credits.uniform[0]: ",
       "must be > 0, got -10"},
      {"wealth not above 0",
       with_electorate_line("  budget: {money: {wealth: 0}}"),
       {},
       "range",
       "s.yaml:7: electorate.budget.money.wealth: ",
       "must be > 0, got 0"},
      {"eta below 0",
       with_electorate_line("  budget: {money: {eta: -1}}"),
       {},
       "range",
       "s.yaml:7: electorate.budget.money.eta: ",
       "must be >= 0, got -1"},
      {"discrete values out of order",
       with_electorate_line("  values: {distribution: discrete, values: [2, 1]}"),
       {},
       "invalid",
       "s.yaml:7: electorate.values.values[1]: ",
       "ascending order"},
      {"discrete weights that do not match the values",
       with_electorate_line("  values: {distribution: discrete, values: [1, 2], weights: [1]}"),
       {},
       "invalid",
       "s.yaml:7: electorate.values.weights: ",
       "has 1 weight(s) but values has 2"},
      {"a discrete weight not above 0",
       with_electorate_line("  values: {distribution: discrete, values: [1, 2], weights: [1, 0]}"),
       {},
       "range",
       "s.yaml:7: electorate.values.weights[1]: ",
       "must be > 0, got 0"},
      {"homophily with a values file",
       with_electorate_line("  values: {file: values.csv, homophily: 0.3}"),
       {},
       "invalid",
       "s.yaml:7: electorate.values.homophily: ",
       "not allowed together with file"},
      {"values file: a row with a missing cell",
       kValuesScenario,
       {},
       "syntax",
       "values.csv:3: ",
       "expected 3 comma-separated fields (agent, 2 value(s)), got 2",
       {},
       "agent,a,b\n0,1,2\n1,3\n2,5,6\n"},
      {"values file: a word for a value",
       kValuesScenario,
       {},
       "syntax",
       "values.csv:2: ",
       "column 'b': expected a number, got 'x'",
       {},
       "agent,a,b\n0,1,x\n1,3,4\n2,5,6\n"},
      {"values file: infinity",
       kValuesScenario,
       {},
       "not_finite",
       "values.csv:4: ",
       "column 'a': must be a finite number, got 'inf'",
       {},
       "agent,a,b\n0,1,2\n1,3,4\n2,inf,6\n"},
      {"values file: an agent twice",
       kValuesScenario,
       {},
       "invalid",
       "values.csv:5: ",
       "agent 1 has a second row (the first is on line 3)",
       {},
       "agent,a,b\n0,1,2\n1,3,4\n# again\n1,5,6\n"},
      {"values file: an unknown agent",
       kValuesScenario,
       {},
       "invalid",
       "values.csv:3: ",
       "agent 7 is not an agent: ids run from 0 to 2",
       {},
       "agent,a,b\n0,1,2\n7,3,4\n"},
      {"values file: a missing agent",
       kValuesScenario,
       {},
       "invalid",
       "values.csv: ",
       "no row for agent 1",
       {},
       "agent,a,b\n0,1,2\n2,5,6\n"},
      {"values file: columns that do not match the proposals",
       kValuesScenario,
       {},
       "invalid",
       "values.csv:1: ",
       "has 3 proposal column(s) after 'agent', but the scenario has 2 (electorate.proposals; "
       "funding.projects in a funding scenario)",
       {},
       "agent,a,b,c\n0,1,2,3\n"},
      {"values file: empty", kValuesScenario, {}, "empty", "values.csv: ", "is empty", {}, ""},
      // Input files and the memory guard: files that are not regular files, sizes the memory
      // estimate must count, numbers whose products overflow, names that are not plain names.
      {"a FIFO as the scenario file (never a hang)",
       kBase,
       {},
       "io",
       "pipe.yaml: ",
       "it is a FIFO (named pipe), not a regular file",
       {},
       {},
       "pipe.yaml",
       {"pipe.yaml"}},
      {"/dev/zero as the scenario file (never an endless read)",
       kBase,
       {},
       "io",
       "/dev/zero: ",
       "it is a character device, not a regular file",
       {},
       {},
       "/dev/zero"},
      {"a folder as the scenario file",
       kBase,
       {},
       "io",
       "dir.yaml: ",
       "it is a folder, not a regular file",
       {},
       {},
       "dir.yaml",
       {},
       {"dir.yaml"}},
      {"a FIFO as the organizer file",
       replace(kBase, "arms:",
               "ballot: public\narms:\n  c:\n"
               "    collusion: {selection: listed, organizer_file: orgs.txt}"),
       {},
       "io",
       "s.yaml:13: arms.c.collusion.organizer_file: ",
       "organizer file 'orgs.txt': cannot read organizer file: it is a FIFO",
       {},
       {},
       {},
       {"orgs.txt"}},
      {"a FIFO as the edge list",
       kEdgeScenario,
       {},
       "io",
       "s.yaml:8: graph.file: ",
       "cannot open edge list 'edges.txt': not a regular file",
       {},
       {},
       {},
       {"edges.txt"}},
      {"coercion rounds counted by the memory guard",
       replace(kBase, "arms:",
               "ballot: public\narms:\n  t:\n"
               "    coercion: {coercers: 2, rounds: 20000000, fear_response: 0.5, "
               "agenda: {proposal: 0, direction: pass}}"),
       {},
       "resources",
       "s.yaml:5: electorate.agents: ",
       "but --max-memory allows 256.0 MiB",
       {"--max-memory", "256M"}},
      {"blocks: 1e8 refused before the blocks are made",
       replace(replace(kBase, "agents: 101", "agents: 200000000"),
               "  model: erdos_renyi\n  mean_degree: 4",
               "  model: stochastic_block\n  blocks: 100000000\n  p_in: 0.1\n  p_out: 0"),
       {},
       "range",
       "s.yaml:9: graph.blocks: ",
       "must be an integer <= 1000000, got 100000000"},
      {"credits whose squares overflow",
       with_electorate_line("  budget: {credits: 1e308}"),
       {},
       "range",
       "s.yaml:7: electorate.budget.credits: ",
       "must be at most 1e50 in magnitude"},
      {"values whose products overflow",
       with_electorate_line("  values: {distribution: normal, mean: 1e308}"),
       {},
       "range",
       "s.yaml:7: electorate.values.mean: ",
       "must be at most 1e50 in magnitude"},
      {"money whose marginal utility overflows",
       with_electorate_line("  budget: {money: {wealth: 1e50, eta: 2}}"),
       {},
       "range",
       "s.yaml:7: electorate.budget.money.eta: ",
       "must keep wealth^(-eta) within 1e-50 and 1e50"},
      {"values file: a value whose products overflow",
       kValuesScenario,
       {},
       "range",
       "values.csv:3: ",
       "column 'b': must be at most 1e50 in magnitude, got '-1e308'",
       {},
       "agent,a,b\n0,1,2\n1,3,-1e308\n2,5,6\n"},
      {"values file beyond the memory budget",
       kValuesScenario,
       {},
       "resources",
       "s.yaml:7: electorate.values.file: ",
       "loading values for 3 agents and 2 proposals needs about 96 bytes, more than the 64",
       {"--max-memory", "64"},
       "agent,a,b\n0,1,2\n1,3,4\n2,5,6\n"},
      {"edge list beyond the memory budget, refused while it is read",
       kEdgeScenario,
       "0 1\n1 2\n2 0\n",
       "resources",
       "edges.txt:3: ",
       "more than 2 edge lines: loading them would take more than the 128 bytes",
       {"--max-memory", "128"}},
      {"name: .. (the results folder's parent)",
       replace(kBase, "name: t", "name: .."),
       {},
       "invalid",
       "s.yaml:1: name: ",
       "a plain folder name: not '.' or '..'"},
      {"a name that reads as an option",
       replace(kBase, "name: t", "name: -rf"),
       {},
       "invalid",
       "s.yaml:1: name: ",
       "a plain folder name: not '.' or '..'"},
      // Sweep stores (docs/sweeps.md): crafted or damaged stores, and merges into another
      // sweep's folder.
      {"store: a crafted points header (checksum recomputed)",
       kSweep,
       {},
       "invalid",
       "out/shard-0-of-1.sqlite: ",
       "damaged header: 4294967296 points x 2 replicates is not a sweep size",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         set_meta(dir / "out" / "shard-0-of-1.sqlite", "points", "4294967296");
         return std::vector<std::string>{"status", "out"};
       }},
      {"store: a crafted replicates header (checksum recomputed)",
       kSweep,
       {},
       "invalid",
       "out/shard-0-of-1.sqlite: ",
       "damaged header: 2 points x 0 replicates is not a sweep size",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         set_meta(dir / "out" / "shard-0-of-1.sqlite", "replicates", "0");
         return std::vector<std::string>{"sweep", "s.yaml", "--out", "out", "--resume", "--quiet"};
       }},
      {"store: a header changed without its checksum",
       kSweep,
       {},
       "invalid",
       "out/shard-0-of-1.sqlite: ",
       "damaged header (checksum mismatch)",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         sql(dir / "out" / "shard-0-of-1.sqlite",
             "UPDATE meta SET value = '3' WHERE key = 'replicates'");
         return std::vector<std::string>{"status", "out"};
       }},
      {"store: a crafted row index (checksum recomputed)",
       kSweep,
       {},
       "invalid",
       "out/shard-0-of-1.sqlite: ",
       "holds rows of an item (point 1000000, replicate 1) outside this sweep of 2 x 2",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         const fs::path store = dir / "out" / "shard-0-of-1.sqlite";
         const std::string csv =
             query(store, "SELECT csv FROM runs WHERE point = 1 AND replicate = 1");
         const auto sum = static_cast<std::int64_t>(qvsim::rows_checksum(1000000, 1, csv));
         sql(store, "UPDATE runs SET point = 1000000, sum = " + std::to_string(sum) +
                        " WHERE point = 1 AND replicate = 1");
         return std::vector<std::string>{"merge", "merged", "out"};
       }},
      {"store: rows changed without their checksum",
       kSweep,
       {},
       "invalid",
       "out/shard-0-of-1.sqlite: ",
       "damaged item (point 0, replicate 1): its rows do not match their checksum",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         sql(dir / "out" / "shard-0-of-1.sqlite",
             "UPDATE runs SET csv = replace(csv, ',honest,', ',honesT,') WHERE point = 0 AND "
             "replicate = 1");
         return std::vector<std::string>{"sweep", "s.yaml", "--out", "out", "--resume", "--quiet"};
       }},
      {"store: an item's rows deleted",
       kSweep,
       {},
       "invalid",
       "out/shard-0-of-1.sqlite: ",
       "damaged item (point 1, replicate 0): recorded as done but no store holds its rows",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         sql(dir / "out" / "shard-0-of-1.sqlite",
             "DELETE FROM runs WHERE point = 1 AND replicate = 0");
         return std::vector<std::string>{"sweep", "s.yaml", "--out", "out", "--resume", "--quiet"};
       }},
      {"store: status of a store with a damaged item",
       kSweep,
       {},
       "invalid",
       "out: ",
       "1 damaged item(s), first out/shard-0-of-1.sqlite: point 1 replicate 0: no rows",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         sql(dir / "out" / "shard-0-of-1.sqlite",
             "DELETE FROM runs WHERE point = 1 AND replicate = 0");
         return std::vector<std::string>{"status", "out"};
       }},
      {"store: a store of the format before checksums",
       kSweep,
       {},
       "invalid",
       "out/shard-0-of-1.sqlite: ",
       "was written by an older qvsim, without checksums; run the sweep again into a new folder",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         sql(dir / "out" / "shard-0-of-1.sqlite",
             "DELETE FROM meta WHERE key IN ('store_format', 'header_sum')");
         return std::vector<std::string>{"sweep", "s.yaml", "--out", "out", "--resume", "--quiet"};
       }},
      {"store: a merge into another sweep's folder",
       kSweep,
       {},
       "invalid",
       "other: ",
       "holds results of another sweep (shard-0-of-1.sqlite, spec hash ",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         write(dir / "o.yaml", replace(kSweep, "[4, 6]", "[4, 8]"));
         REQUIRE(run_qvsim({"sweep", "o.yaml", "--out", "other", "--quiet"}, dir).code == 0);
         return std::vector<std::string>{"merge", "other", "out"};
       }},
      {"store: a merge into a run's folder",
       kSweep,
       {},
       "invalid",
       "run: ",
       "holds a manifest.json that is not this sweep's",
       {},
       {},
       "",
       {},
       {},
       [](const fs::path& dir) {
         sweep_into(dir, "out");
         write(dir / "r.yaml", kBase);
         REQUIRE(run_qvsim({"run", "r.yaml", "--out", "run", "--quiet"}, dir).code == 0);
         return std::vector<std::string>{"merge", "run", "out"};
       }},
  };
}

// A folder holding an earlier run's results, and the bytes they must keep.
struct EarlierRun {
  TempDir tmp;
  fs::path out;
  std::map<std::string, std::string> files;
  EarlierRun() : out(tmp.path / "earlier") {
    write(tmp.path / "good.yaml", kBase);
    const Child c = run_qvsim({"run", "good.yaml", "--out", out.string(), "--quiet"}, tmp.path);
    REQUIRE(c.code == 0);
    files = snapshot(out);
    REQUIRE(files.count("runs.csv") == 1);
  }
  void check_untouched() const {
    const auto now = snapshot(out);
    CHECK(now.size() == files.size());
    for (const auto& [name, bytes] : files) {
      INFO(name);
      REQUIRE(now.count(name) == 1);
      CHECK(now.at(name) == bytes);
    }
  }
};

void check_error(const Child& c, const std::string& kind, const std::string& where,
                 const std::string& message) {
  INFO("stderr: " << c.err);
  CHECK(c.signal == 0);
  REQUIRE(c.exited);
  CHECK(c.code == 2);
  const std::string prefix = "qvsim: error (" + kind + "): ";
  CHECK(c.err.rfind(prefix, 0) == 0);
  CHECK_THAT(c.err, Catch::Contains(prefix + where));
  CHECK_THAT(c.err, Catch::Contains(message));
}

}  // namespace

TEST_CASE("the bad-input catalogue: each case exits 2 with its class, place and no damage",
          "[errors]") {
  EarlierRun earlier;
  for (const Case& k : catalogue()) {
    DYNAMIC_SECTION(k.name) {
      TempDir dir;
      std::string file = "s.yaml";
      write(dir.path / file, k.scenario);
      if (!k.file.empty()) file = k.file;
      for (const auto& f : k.fifos) REQUIRE(mkfifo((dir.path / f).c_str(), 0600) == 0);
      for (const auto& f : k.folders) fs::create_directories(dir.path / f);
      if (k.edges) write(dir.path / "edges.txt", *k.edges);
      if (k.values) write(dir.path / "values.csv", *k.values);
      if (k.setup) {
        const std::vector<std::string> args = k.setup(dir.path);
        const auto before = snapshot(dir.path);
        const Child c = run_qvsim(args, dir.path);
        check_error(c, k.kind, k.where, k.message);
        // What was there is unchanged; nothing is left but SQLite's own -shm/-wal and lock
        // files beside a store it read.
        const auto after = snapshot(dir.path);
        for (const auto& [name, bytes] : before) {
          // A resumed shard rewrites its own log of what it ran (shard-I-of-N.json) first.
          if (name.rfind("child.", 0) == 0 || name.find(".sqlite-") != std::string::npos ||
              (name.rfind("out/shard-", 0) == 0 && name.find(".json") != std::string::npos))
            continue;
          INFO(name);
          REQUIRE(after.count(name) == 1);
          CHECK(after.at(name) == bytes);
        }
        for (const auto& [name, bytes] : after) {
          INFO(name);
          CHECK((before.count(name) == 1 || name.find(".sqlite-") != std::string::npos ||
                 name.find(".lock") != std::string::npos));
        }
        continue;
      }
      // `validate` and `run` over the earlier results (--overwrite: a run that got through
      // would replace them) must both refuse.
      for (const std::string command : {"validate", "run"}) {
        INFO(command);
        std::vector<std::string> args{command, file};
        if (command == "run") {
          for (const char* a : {"--out", "", "--overwrite", "--quiet"}) args.emplace_back(a);
          args[3] = earlier.out.string();
        }
        args.insert(args.end(), k.extra.begin(), k.extra.end());
        const Child c = run_qvsim(args, dir.path);
        check_error(c, k.kind, k.where, k.message);
        earlier.check_untouched();
      }
    }
  }
}

TEST_CASE("missing files and folders are io errors", "[errors]") {
  EarlierRun earlier;
  TempDir dir;
  write(dir.path / "e.yaml", kEdgeScenario);  // no edges.txt beside it
  check_error(run_qvsim({"run", "e.yaml", "--out", earlier.out.string(), "--overwrite"}, dir.path),
              "io", "e.yaml:8: graph.file: ", "cannot open edge list");
  check_error(run_qvsim({"validate", "nope.yaml"}, dir.path), "io",
              "nope.yaml: ", "No such file or directory");
  fs::create_directories(dir.path / "folder.yaml");
  check_error(run_qvsim({"validate", "folder.yaml"}, dir.path), "io",
              "folder.yaml: ", "it is a folder");
  write(dir.path / "v.yaml", kValuesScenario);  // no values.csv beside it
  check_error(run_qvsim({"run", "v.yaml", "--out", earlier.out.string(), "--overwrite"}, dir.path),
              "io", "v.yaml:7: electorate.values.file: ",
              "cannot open values file 'values.csv': No such file or directory");
  // A FIFO would block a reader forever; it is refused without being opened.
  REQUIRE(mkfifo((dir.path / "values.csv").c_str(), 0600) == 0);
  check_error(run_qvsim({"validate", "v.yaml"}, dir.path), "io",
              "v.yaml:7: electorate.values.file: ", "not a regular file");
  earlier.check_untouched();
}

TEST_CASE("the values-file scenario of the catalogue is valid with a good file", "[errors]") {
  TempDir dir;
  write(dir.path / "v.yaml", kValuesScenario);
  write(dir.path / "values.csv", "agent,a,b\n2,5,-6\n0,1,2\n1,-3,4\n");
  const Child c = run_qvsim({"validate", "v.yaml"}, dir.path);
  INFO(c.err);
  CHECK(c.code == 0);
  CHECK(c.err.empty());
}

TEST_CASE("an output folder that cannot be written is an io error", "[errors]") {
  TempDir dir;
  write(dir.path / "s.yaml", kBase);
  write(dir.path / "a_file", "not a folder\n");
  // A path through a regular file fails for every user, root included.
  check_error(run_qvsim({"run", "s.yaml", "--out", "a_file/out"}, dir.path), "io",
              "a_file/out: ", "cannot create folder");
  check_error(run_qvsim({"run", "s.yaml", "--out", "a_file"}, dir.path), "io",
              "--out: ", "exists and is not a folder");
  CHECK(read(dir.path / "a_file") == "not a folder\n");
  // Permissions bind only a user other than root.
  if (geteuid() != 0) {
    fs::create_directories(dir.path / "locked");
    fs::permissions(dir.path / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    const Child c = run_qvsim({"run", "s.yaml", "--out", "locked/out"}, dir.path);
    fs::permissions(dir.path / "locked", fs::perms::owner_all);
    check_error(c, "io", "locked/out: ", "Permission denied");
  } else {
    WARN("running as root: the read-only folder case is skipped (root writes anyway)");
  }
}

TEST_CASE("a disk that fills up mid-run leaves the earlier run intact", "[errors]") {
  EarlierRun earlier;
  TempDir dir;
  write(dir.path / "s.yaml", kBase);
  // 8 KiB per file: runs.csv of 300 replicates does not fit.
  const Child c = run_qvsim({"run", "s.yaml", "--out", earlier.out.string(), "--overwrite",
                             "--quiet", "--replicates", "300"},
                            dir.path, rlim_t{8 * 1024});
  check_error(c, "io", earlier.out.string() + "/runs.csv: ", "cannot write file: File too large");
  earlier.check_untouched();
}

TEST_CASE("a sweep stopped by a full disk resumes to the same results", "[errors][sweep]") {
  TempDir dir;
  write(dir.path / "s.yaml", kBase + "sweep:\n  parameters:\n    graph.mean_degree: [4, 6]\n");
  const std::vector<std::string> sweep{"sweep", "s.yaml", "--quiet", "--replicates", "40"};
  auto with_out = [&](const std::string& out) {
    auto args = sweep;
    args.insert(args.end(), {"--out", out});
    return args;
  };
  REQUIRE(run_qvsim(with_out("whole"), dir.path).code == 0);
  // 64 KiB: the store's first commits of rows do not fit.
  const Child full = run_qvsim(with_out("cut"), dir.path, rlim_t{64 * 1024});
  // SQLite names the store by its full path and says only "disk I/O error" for EFBIG.
  check_error(full, "io", "", "cut/shard-0-of-1.sqlite: result store: disk I/O error");
  CHECK_FALSE(fs::exists(dir.path / "cut" / "runs.csv"));
  auto resume = with_out("cut");
  resume.push_back("--resume");
  const Child again = run_qvsim(resume, dir.path);
  INFO(again.err);
  REQUIRE(again.code == 0);
  CHECK(read(dir.path / "cut" / "runs.csv") == read(dir.path / "whole" / "runs.csv"));
  CHECK(read(dir.path / "cut" / "summary.csv") == read(dir.path / "whole" / "summary.csv"));
}

TEST_CASE("sweep and threshold refuse runs beyond --max-memory and write nothing", "[errors]") {
  TempDir dir;
  write(dir.path / "s.yaml", kBase + "sweep:\n  parameters:\n    graph.mean_degree: [4, 6]\n");
  check_error(
      run_qvsim({"sweep", "s.yaml", "--out", "out", "--quiet", "--max-memory", "1K"}, dir.path),
      "resources", "s.yaml:5: electorate.agents: ", "but --max-memory allows 1.0 KiB");
  CHECK_FALSE(fs::exists(dir.path / "out"));
  write(dir.path / "t.yaml",
        replace(kBase, "arms:", "arms:\n  c:\n    collusion: {organizers: 2, max_size: 5}"));
  check_error(
      run_qvsim({"threshold", "t.yaml", "--attack", "arms.c.collusion.organizers", "--range",
                 "1:10", "--target", "flip_rate=0.5", "--out", "th.csv", "--max-memory", "1K"},
                dir.path),
      "resources", "t.yaml:5: electorate.agents: ", "but --max-memory allows 1.0 KiB");
  CHECK_FALSE(fs::exists(dir.path / "th.csv"));
  check_error(
      run_qvsim({"threshold", "t.yaml", "--attack", "arms.c.collusion.organizers", "--range",
                 "1:10", "--target", "flip_rate=0.5", "--replicates", "18446744073709551615"},
                dir.path),
      "usage", "--replicates: ", "must be <= 4294967296");
}

TEST_CASE("a sweep whose work items would overflow its bookkeeping is refused", "[errors]") {
  TempDir dir;
  write(dir.path / "s.yaml", replace(kBase, "replicates: 2", "replicates: 4294967296") +
                                 "sweep:\n  parameters:\n    graph.mean_degree: [4, 6]\n");
  for (const std::string command : {"validate", "sweep"}) {
    INFO(command);
    std::vector<std::string> args{command, "s.yaml"};
    if (command == "sweep") args.insert(args.end(), {"--out", "out"});
    check_error(run_qvsim(args, dir.path), "range", "s.yaml:3: replicates: ",
                "2 point(s) x 4294967296 replicates is more than 4294967296 work items");
  }
  CHECK_FALSE(fs::exists(dir.path / "out"));
}

TEST_CASE("numbers at the magnitude bound give finite results", "[errors]") {
  TempDir dir;
  write(dir.path / "s.yaml",
        replace(with_electorate_line("  budget: {credits: 1e50}\n  values: {distribution: uniform, "
                                     "low: -1e50, high: 1e50}"),
                "arms:", "mechanisms: [quadratic, one_person_one_vote, linear]\narms:"));
  const Child c = run_qvsim({"run", "s.yaml", "--out", "out", "--quiet"}, dir.path);
  INFO(c.err);
  REQUIRE(c.code == 0);
  for (const char* name : {"runs.csv", "summary.csv"}) {
    const std::string text = read(dir.path / "out" / name);
    INFO(name);
    CHECK(text.find("inf") == std::string::npos);
    CHECK(text.find("nan") == std::string::npos);
  }
}

TEST_CASE("a duplicate key among many arms names both lines", "[errors]") {
  // The check is a hash lookup per key: 20,000 arms parse in well under a second.
  TempDir dir;
  std::string arms;
  for (int i = 0; i < 20000; ++i) arms += "  a" + std::to_string(i) + ": {}\n";
  arms += "  a7: {}\n";  // line 11 + 7 first, line 11 + 20000 again
  write(dir.path / "s.yaml", replace(kBase, "  honest: {}\n", "  honest: {}\n" + arms));
  check_error(run_qvsim({"validate", "s.yaml"}, dir.path), "invalid",
              "s.yaml:20012: arms.a7: ", "duplicate key (first given on line 19)");
}
// Output files: links planted in the output folder are never followed, a folder another process
// is writing is refused, and the earlier run and the files the links point at keep their bytes.
TEST_CASE("a hostile or busy output folder: links never followed, a second writer refused",
          "[errors][files]") {
  EarlierRun earlier;
  TempDir dir;
  write(dir.path / "s.yaml", kBase);
  write(dir.path / "outside.txt", "precious\n");
  const fs::path outside = dir.path / "outside.txt";
  SECTION("links at the temporary names of earlier versions: the run writes its own files") {
    fs::create_directories(dir.path / "out");
    for (const char* name : {"runs.csv.partial", "summary.csv.partial", "manifest.json.partial",
                             ".qvsim-staging-1-0"}) {
      fs::create_symlink(outside, dir.path / "out" / name);
    }
    const Child c = run_qvsim({"run", "s.yaml", "--out", "out", "--quiet"}, dir.path);
    INFO(c.err);
    CHECK(c.code == 0);
    CHECK(read(outside) == "precious\n");
    CHECK(fs::is_regular_file(fs::symlink_status(dir.path / "out" / "runs.csv")));
  }
  SECTION("a link as the folder's lock file: exit 2, nothing written") {
    fs::create_symlink(outside, earlier.out / ".qvsim.lock.planted");
    fs::remove(earlier.out / ".qvsim.lock");
    fs::rename(earlier.out / ".qvsim.lock.planted", earlier.out / ".qvsim.lock");
    earlier.files = snapshot(earlier.out);
    const Child c =
        run_qvsim({"run", "s.yaml", "--out", earlier.out.string(), "--overwrite"}, dir.path);
    check_error(c, "io", earlier.out.string() + "/.qvsim.lock: ", "is a symbolic link");
    CHECK(read(outside) == "precious\n");
    earlier.check_untouched();
  }
  SECTION("another process writing the folder: exit 2 at once, nothing written") {
    const qvsim::FolderLock held(earlier.out);  // as another qvsim process would hold it
    const Child c =
        run_qvsim({"run", "s.yaml", "--out", earlier.out.string(), "--overwrite"}, dir.path);
    check_error(c, "io", earlier.out.string() + ": ",
                "another qvsim process is writing to this folder");
    earlier.check_untouched();
  }
  SECTION("a link as the commit record of a switch: exit 2, nothing written") {
    fs::create_symlink(outside, earlier.out / ".qvsim-commit");
    earlier.files = snapshot(earlier.out);
    const Child c =
        run_qvsim({"run", "s.yaml", "--out", earlier.out.string(), "--overwrite"}, dir.path);
    check_error(c, "io", earlier.out.string() + "/.qvsim-commit: ", "not a folder qvsim made");
    CHECK(read(outside) == "precious\n");
    earlier.check_untouched();
  }
}

TEST_CASE("validate and run report every independent scenario mistake in one run", "[errors]") {
  // An unknown key (line 11), a bad value (line 2) and a missing required key (seed, blamed on
  // the top-level map's line 1): one line each, in the order found, exit code 2.
  TempDir dir;
  write(
      dir.path / "s.yaml",
      replace(replace(kBase, "seed: 1\n", ""), "replicates: 2", "replicates: 0") + "colour: red\n");
  for (const std::string command : {"validate", "run"}) {
    INFO(command);
    const Child c = command == "validate"
                        ? run_qvsim({"validate", "s.yaml"}, dir.path)
                        : run_qvsim({"run", "s.yaml", "--out", "out", "--quiet"}, dir.path);
    INFO(c.err);
    REQUIRE(c.exited);
    CHECK(c.code == 2);
    CHECK(c.err ==
          "qvsim: error (unknown_key): s.yaml:11: colour: unknown key (known keys: name, seed, "
          "replicates, electorate, graph, mechanisms, ballot, clusters, pairwise_m, identity, "
          "arms, baseline_arm, sweep, kind, funding)\n"
          "qvsim: error (missing_key): s.yaml:1: seed: missing required key\n"
          "qvsim: error (range): s.yaml:2: replicates: must be an integer >= 1, got 0\n");
    CHECK_FALSE(fs::exists(dir.path / "out"));
  }
}

TEST_CASE("mistakes in two arms and in a sweep block are all reported in one run", "[errors]") {
  TempDir dir;
  SECTION("three mistakes in two arms: validate and run name each, exit 2, write nothing") {
    // kBase ends with the honest arm on line 11; the two attacked arms follow it.
    write(dir.path / "s.yaml", kBase + R"(  bloc:
    collusion:
      internalization: 1.5
      max_size: 0
  threat:
    bribery: {budget: -5, agenda: {proposal: 0}}
)");
    for (const std::string command : {"validate", "run"}) {
      INFO(command);
      const Child c = command == "validate"
                          ? run_qvsim({"validate", "s.yaml"}, dir.path)
                          : run_qvsim({"run", "s.yaml", "--out", "out", "--quiet"}, dir.path);
      INFO(c.err);
      REQUIRE(c.exited);
      CHECK(c.code == 2);
      CHECK(c.err ==
            "qvsim: error (range): s.yaml:14: arms.bloc.collusion.internalization: must be in "
            "[0, 1], got 1.5\n"
            "qvsim: error (range): s.yaml:15: arms.bloc.collusion.max_size: must be an integer "
            ">= 1, got 0\n"
            "qvsim: error (range): s.yaml:17: arms.threat.bribery.budget: must be >= 0, got -5\n");
      CHECK_FALSE(fs::exists(dir.path / "out"));
    }
  }
  SECTION("two mistakes in the sweep block: sweep and validate name both, exit 2, write nothing") {
    write(dir.path / "s.yaml",
          kBase + "sweep:\n  parameters:\n    graph.mean_degree: []\n    graph.model: 4\n");
    for (const std::string command : {"validate", "sweep"}) {
      INFO(command);
      const Child c = command == "validate"
                          ? run_qvsim({"validate", "s.yaml"}, dir.path)
                          : run_qvsim({"sweep", "s.yaml", "--out", "out", "--quiet"}, dir.path);
      INFO(c.err);
      REQUIRE(c.exited);
      CHECK(c.code == 2);
      CHECK(c.err ==
            "qvsim: error (invalid): s.yaml:14: sweep.parameters.graph.mean_degree: an empty list: "
            "give at least one value\n"
            "qvsim: error (invalid): s.yaml:15: sweep.parameters.graph.model: must be a list of "
            "values, a range {from, to, step}, {uniform: [a, b]}, {log_uniform: [a, b]} or "
            "{choice: [...]}, got '4'; to sweep one value, write [4]\n");
      CHECK_FALSE(fs::exists(dir.path / "out"));
    }
  }
}
