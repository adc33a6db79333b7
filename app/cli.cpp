#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <exception>
#include <filesystem>
#include <optional>
#include <ostream>
#include <tuple>

#include "api/analysis_commands.hpp"
#include "api/build_info.hpp"
#include "api/progress.hpp"
#include "api/run_command.hpp"
#include "api/sweep_command.hpp"
#include "app/detail/command_line.hpp"
#include "sim/error.hpp"
#include "sim/interrupt.hpp"
#include "sim/text.hpp"

namespace qvsim {
namespace {

constexpr const char* kUsage =
    "qvsim: agent-based simulation of collusion and intimidation under quadratic voting\n"
    "\n"
    "Usage:\n"
    "  qvsim run FILE [--out DIR] [--threads N] [--seed S] [--replicates R] [--quiet]\n"
    "                 [--overwrite] [--proposals] [--rounds] [--agents R[,R...]] [--graphml R]\n"
    "                 [--max-memory SIZE]\n"
    "      Runs the scenario FILE; writes runs.csv, summary.csv, summary.json and\n"
    "      manifest.json (kind: funding: runs.csv, projects.csv, summary.csv and\n"
    "      manifest.json) into DIR (default results/<scenario name>, numbered if taken)\n"
    "      and prints a summary table.\n"
    "  qvsim validate FILE [--threads N] [--max-memory SIZE]\n"
    "      Checks FILE in full; prints the run count and estimated memory.\n"
    "  qvsim sweep FILE [--out DIR] [--threads N] [--seed S] [--replicates R]\n"
    "                   [--shard I/N] [--resume] [--dry-run] [--quiet] [--fail-fast]\n"
    "                   [--max-memory SIZE]\n"
    "      Runs every point of FILE's sweep: block (see docs/sweeps.md) into a durable\n"
    "      store in DIR (default results/<name>-sweep); writes runs.csv and summary.csv\n"
    "      there once every item is done. Under mpirun, ranks share the work.\n"
    "  qvsim merge OUT DIR...\n"
    "      Combines the stores of a sharded sweep's folders into OUT and exports it.\n"
    "  qvsim status DIR\n"
    "      Says how much of the sweep in DIR is done.\n"
    "  qvsim analyze DIR [--by KEY]... [--seed S] [--resamples B] [--baseline ARM]\n"
    "      Grouped summaries of DIR/runs.csv with t and bootstrap (percentile, BCa)\n"
    "      intervals and paired differences against the baseline arm, into\n"
    "      DIR/analysis/ (see docs/outputs.md).\n"
    "  qvsim plot DIR [--x KEY] [--y METRIC]... [--facet KEY] [--where KEY=VALUE]...\n"
    "             [--format png|svg|both]\n"
    "      Figures of DIR's summaries into DIR/plots/ (needs python3-matplotlib).\n"
    "  qvsim report DIR\n"
    "      One self-contained HTML page, DIR/report.html (see docs/plots.md).\n"
    "  qvsim threshold FILE --attack KEY --range LO:HI --target METRIC=VALUE [--arm ARM]\n"
    "                  [--mechanism M]... [--ballot B]... [--width W] [--replicates R0]\n"
    "                  [--max-replicates RMAX] [--seed S] [--threads N] [--out FILE.csv]\n"
    "                  [--max-memory SIZE]\n"
    "  qvsim threshold DIR --attack KEY --target METRIC=VALUE [--arm ARM] [--out FILE.csv]\n"
    "      Smallest attack size reaching the target per mechanism and ballot: adaptive\n"
    "      bisection on a scenario, or interpolated from a sweep (see docs/threshold.md).\n"
    "  qvsim --help | --version\n"
    "  qvsim COMMAND --help\n"
    "      One command's usage and options. Options take --opt value or --opt=value.\n"
    "\n"
    "Options:\n"
    "  --out DIR        output folder; refused if it already holds a run, unless --overwrite\n"
    "  --threads N      worker threads (default: all cores); results do not depend on N\n"
    "  --seed S         override the scenario's seed (unsigned 64-bit integer)\n"
    "  --replicates R   override the scenario's replicate count (>= 1)\n"
    "  --quiet          no progress bar and no summary table\n"
    "  --overwrite      replace the run in --out (only once the new run has finished)\n"
    "  --proposals      also write proposals.csv: every race (tally, margin, beliefs)\n"
    "  --rounds         also write rounds.csv: coalition recruitment and the spread of threats\n"
    "                   and compliance, round by round\n"
    "  --agents R[,R...]  also write agents.csv: every agent's values, votes, cost and what\n"
    "                   the arms did with her, in replicates R (numbered from 0)\n"
    "  --graphml R      also write graph.graphml: replicate R's graph with the same numbers\n"
    "                   as node attributes (for Gephi, networkx, igraph)\n"
    "  --shard I/N      run the I-th of N interleaved parts of a sweep (0 <= I < N)\n"
    "  --resume         continue the sweep stored in --out, skipping items already done\n"
    "  --dry-run        print a sweep's points, items, estimated time and size; run nothing\n"
    "  --fail-fast      stop a sweep at the first failed item (otherwise recorded and skipped)\n"
    "  --max-memory SIZE  refuse a run whose estimated memory exceeds SIZE (512M, 64G, ...;\n"
    "                   default: the memory available now), or 'unlimited' to skip the check\n"
    "\n"
    "Exit codes: 0 success, 2 bad input, 1 internal error, 130/143 stopped by SIGINT/SIGTERM.\n"
    "Scenario keys are documented in docs/scenario.md.\n";

struct Parsed {
  std::string command;
  std::vector<std::string> files;
  RunRequest request;
  SweepRequest sweep;
};

std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos)
    throw InputError("", 0, "--shard", "must be I/N, got '" + text + "'", ErrorKind::usage);
  const auto i = parse_count("--shard", text.substr(0, slash));
  const auto n = parse_count("--shard", text.substr(slash + 1));
  if (n < 1 || i >= n) {
    throw InputError("", 0, "--shard", "must be I/N with 0 <= I < N, got '" + text + "'",
                     ErrorKind::usage);
  }
  return {i, n};
}

// The option texts of run, validate and sweep, as read (checked after parsing).
struct RunTexts {
  std::optional<std::string> out, threads, seed, replicates, agents, graphml, max_memory, shard;
};

constexpr const char* kThreadsHelp =
    "worker threads (default: all cores); results do not depend on N";
constexpr const char* kMemoryHelp =
    "refuse a run whose estimated memory exceeds SIZE (512M, 64G, ...; default: the memory "
    "available now), or 'unlimited' to skip the check";

// The parser of run, validate or sweep, bound to `t` and `p`.
void add_run_options(CLI::App& app, const std::string& command, RunTexts& t, Parsed& p) {
  app.add_option("FILE", p.files, "the scenario file (docs/scenario.md)")
      ->required()
      ->type_name("");
  app.add_option("--threads", t.threads, kThreadsHelp)->type_name("N");
  app.add_option("--max-memory", t.max_memory, kMemoryHelp)->type_name("SIZE");
  if (command == "validate") return;
  app.add_option("--out", t.out,
                 "output folder; refused if it already holds a run, unless --overwrite")
      ->type_name("DIR");
  app.add_option("--seed", t.seed, "override the scenario's seed (unsigned 64-bit integer)")
      ->type_name("S");
  app.add_option("--replicates", t.replicates, "override the scenario's replicate count (>= 1)")
      ->type_name("R");
  app.add_flag("--quiet", p.request.quiet, "no progress bar and no summary table");
  if (command == "run") {
    app.add_flag("--overwrite", p.request.overwrite,
                 "replace the run in --out (only once the new run has finished)");
    app.add_flag("--proposals", p.request.proposals,
                 "also write proposals.csv: every race (tally, margin, beliefs)");
    app.add_flag("--rounds", p.request.rounds,
                 "also write rounds.csv: coalition recruitment and the spread of threats and "
                 "compliance, round by round");
    app.add_option("--agents", t.agents,
                   "also write agents.csv: every agent's values, votes, cost and what the arms "
                   "did with her, in replicates R (numbered from 0)")
        ->type_name("R[,R...]");
    app.add_option("--graphml", t.graphml,
                   "also write graph.graphml: replicate R's graph with the same numbers as node "
                   "attributes (for Gephi, networkx, igraph)")
        ->type_name("R");
    return;
  }
  app.add_option("--shard", t.shard, "run the I-th of N interleaved parts of a sweep (0 <= I < N)")
      ->type_name("I/N");
  app.add_flag("--resume", p.sweep.resume,
               "continue the sweep stored in --out, skipping items already done");
  app.add_flag("--dry-run", p.sweep.dry_run,
               "print a sweep's points, items, estimated time and size; run nothing");
  app.add_flag("--fail-fast", p.sweep.fail_fast,
               "stop a sweep at the first failed item (otherwise recorded and skipped)");
}

// The description under each command's usage line in its --help.
std::string description_of(const std::string& command) {
  if (command == "run")
    return "Runs the scenario FILE; writes runs.csv, summary.csv, summary.json and manifest.json "
           "(a kind: funding scenario: runs.csv, projects.csv, summary.csv and manifest.json) "
           "into DIR (default results/<scenario name>, numbered if taken) and prints a summary "
           "table.";
  if (command == "validate")
    return "Checks FILE in full; prints the run count and estimated memory.";
  if (command == "sweep")
    return "Runs every point of FILE's sweep: block (see docs/sweeps.md) into a durable store in "
           "DIR (default results/<name>-sweep); writes runs.csv and summary.csv there once every "
           "item is done. Under mpirun, ranks share the work.";
  if (command == "merge")
    return "Combines the stores of a sharded sweep's folders into OUT and exports it.";
  return "Says how much of the sweep in DIR is done.";
}

// Parses run, validate, sweep, merge or status; nullopt when --help printed the command's help.
std::optional<Parsed> parse(const std::vector<std::string>& args, std::ostream& out) {
  Parsed p;
  p.command = args.at(0);
  CLI::App app{description_of(p.command), "qvsim " + p.command};
  RunTexts t;
  if (p.command == "merge") {
    // One list, OUT then the inputs (CLI11 gives a list positional every word).
    app.add_option("OUT DIR", p.files,
                   "the folder to write the merged sweep into, then the sharded sweep's folders")
        ->required()
        ->type_name("");
    if (!detail::parse_command(app, {args.begin() + 1, args.end()}, out, SIZE_MAX))
      return std::nullopt;
    if (p.files.size() < 2) {
      throw InputError("", 0, "", "'merge' needs OUT and at least one input DIR", ErrorKind::usage);
    }
    return p;
  }
  if (p.command == "status") {
    app.add_option("DIR", p.files, "a sweep's output folder")->required()->type_name("");
    if (!detail::parse_command(app, {args.begin() + 1, args.end()}, out)) return std::nullopt;
    return p;
  }
  add_run_options(app, p.command, t, p);
  if (!detail::parse_command(app, {args.begin() + 1, args.end()}, out)) return std::nullopt;
  if (t.threads) {
    const auto n = parse_count("--threads", *t.threads);
    if (n < 1 || n > 4096)
      throw InputError("", 0, "--threads", "must be in [1, 4096], got " + std::to_string(n),
                       ErrorKind::usage);
    p.request.threads = static_cast<unsigned>(n);
  }
  if (t.max_memory) p.request.max_memory = parse_memory_cap("--max-memory", *t.max_memory);
  if (t.out) p.request.out_dir = *t.out;
  if (t.seed) p.request.seed = parse_count("--seed", *t.seed);
  if (t.replicates) {
    const auto r = parse_count("--replicates", *t.replicates);
    if (r < 1) throw InputError("", 0, "--replicates", "must be >= 1, got 0", ErrorKind::usage);
    p.request.replicates = r;
  }
  if (t.graphml) p.request.graphml = parse_count("--graphml", *t.graphml);
  if (t.agents) {
    const std::string& list = *t.agents;
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = list.find(',', start);
      p.request.agents.push_back(parse_count("--agents", list.substr(start, comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (t.shard) std::tie(p.sweep.shard, p.sweep.shards) = parse_shard(*t.shard);
  p.request.scenario_file = p.files[0];
  p.sweep.scenario_file = p.files[0];
  p.sweep.out_dir = p.request.out_dir;
  p.sweep.threads = p.request.threads;
  p.sweep.seed = p.request.seed;
  p.sweep.replicates = p.request.replicates;
  p.sweep.quiet = p.request.quiet;
  p.sweep.max_memory = p.request.max_memory;
  return p;
}

// The nearest command to a mistyped one, for the message.
std::string unknown_command(const std::string& got) {
  static const std::vector<std::string> kCommands{
      "run", "validate", "sweep", "merge", "status", "analyze", "plot", "report", "threshold"};
  std::string message = "unknown command '" + got + "'";
  if (const auto i = nearest_name(got, kCommands))
    message += "; did you mean '" + kCommands[*i] + "'?";
  return message + " (try 'qvsim --help')";
}

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kUsage;
    return 0;
  }
  if (args[0] == "analyze" || args[0] == "plot" || args[0] == "report" || args[0] == "threshold") {
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "analyze") return analyze_main(rest, out, err);
    if (args[0] == "plot") return plot_main(rest, out, err);
    if (args[0] == "threshold") return threshold_main(rest, out, err);
    return report_main(rest, out, err);
  }
  if (args[0] == "--version") {
    out << "qvsim " << build_info::kVersion << " (" << build_info::kGitCommit << ")\n";
    return 0;
  }
  if (args[0] != "run" && args[0] != "validate" && args[0] != "sweep" && args[0] != "merge" &&
      args[0] != "status") {
    throw InputError("", 0, "", unknown_command(args[0]), ErrorKind::usage);
  }
  std::optional<Parsed> parsed = parse(args, out);
  if (!parsed) return 0;  // --help
  Parsed& p = *parsed;
  if (p.command == "validate") {
    validate_scenario_file(p.request.scenario_file, p.request.threads, p.request.max_memory, out);
    return 0;
  }
  if (p.command == "sweep") {
    p.sweep.progress_bar = is_terminal(2);
    return run_sweep_command(p.sweep, out, err);
  }
  if (p.command == "merge") {
    merge_sweep(p.files[0], std::vector<std::filesystem::path>(p.files.begin() + 1, p.files.end()),
                out);
    return 0;
  }
  if (p.command == "status") {
    sweep_status(p.files[0], out);
    return 0;
  }
  p.request.progress_bar = is_terminal(2);
  run_scenario(p.request, out, err);
  return 0;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    const int code = dispatch(args, out, err);
    // A signal that arrived while the last files were being published: they are complete.
    if (const int sig = pending_interrupt(); sig != 0) {
      err << "qvsim: interrupted by " << signal_name(sig)
          << " as the command finished; what it wrote is complete\n";
      return 128 + sig;
    }
    return code;
  } catch (const Interrupted& e) {
    err << "qvsim: interrupted by " << signal_name(e.signal()) << ": " << e.what() << '\n';
    return e.exit_code();
  } catch (const InputError& e) {
    err << "qvsim: error (" << to_string(e.kind()) << "): " << e.what() << '\n';
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    // A file or folder the environment refused (permissions, a full disk): not a bug of qvsim.
    err << "qvsim: error (io): " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    err << "qvsim: internal error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace qvsim
