#include "app/cli.hpp"

#include <charconv>
#include <exception>
#include <filesystem>
#include <optional>
#include <ostream>
#include <tuple>

#include "app/analysis_commands.hpp"
#include "app/build_info.hpp"
#include "app/progress.hpp"
#include "app/run_command.hpp"
#include "app/sweep_command.hpp"
#include "sim/error.hpp"
#include "sim/interrupt.hpp"

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
    "      manifest.json into DIR (default results/<scenario name>, numbered if taken)\n"
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

std::uint64_t parse_u64(const std::string& option, const std::string& text) {
  std::uint64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto res = std::from_chars(text.data(), end, v);
  if (text.empty() || res.ec != std::errc() || res.ptr != end) {
    throw InputError("", 0, option, "must be a non-negative integer, got '" + text + "'",
                     ErrorKind::usage);
  }
  return v;
}

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
  const auto i = parse_u64("--shard", text.substr(0, slash));
  const auto n = parse_u64("--shard", text.substr(slash + 1));
  if (n < 1 || i >= n) {
    throw InputError("", 0, "--shard", "must be I/N with 0 <= I < N, got '" + text + "'",
                     ErrorKind::usage);
  }
  return {i, n};
}

Parsed parse(const std::vector<std::string>& args) {
  Parsed p;
  p.command = args.at(0);
  if (p.command != "run" && p.command != "validate" && p.command != "sweep" &&
      p.command != "merge" && p.command != "status") {
    throw InputError("", 0, "", "unknown command '" + p.command + "'; try 'qvsim --help'",
                     ErrorKind::usage);
  }
  const bool is_sweep = p.command == "sweep";
  const bool is_run = p.command == "run" || is_sweep;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw InputError("", 0, a, "needs a value", ErrorKind::usage);
      return args[++i];
    };
    if (a == "--threads") {
      const auto t = parse_u64(a, value());
      if (t < 1 || t > 4096)
        throw InputError("", 0, a, "must be in [1, 4096], got " + std::to_string(t),
                         ErrorKind::usage);
      p.request.threads = static_cast<unsigned>(t);
    } else if ((is_run || p.command == "validate") && a == "--max-memory") {
      p.request.max_memory = parse_memory_cap(a, value());
    } else if (is_run && a == "--out") {
      p.request.out_dir = value();
    } else if (is_run && a == "--seed") {
      p.request.seed = parse_u64(a, value());
    } else if (is_run && a == "--replicates") {
      const auto r = parse_u64(a, value());
      if (r < 1) throw InputError("", 0, a, "must be >= 1, got 0", ErrorKind::usage);
      p.request.replicates = r;
    } else if (is_run && a == "--quiet") {
      p.request.quiet = true;
    } else if (p.command == "run" && a == "--overwrite") {
      p.request.overwrite = true;
    } else if (p.command == "run" && a == "--proposals") {
      p.request.proposals = true;
    } else if (p.command == "run" && a == "--rounds") {
      p.request.rounds = true;
    } else if (p.command == "run" && a == "--graphml") {
      p.request.graphml = parse_u64(a, value());
    } else if (p.command == "run" && a == "--agents") {
      const std::string& list = value();
      std::size_t start = 0;
      while (true) {
        const std::size_t comma = list.find(',', start);
        p.request.agents.push_back(parse_u64(a, list.substr(start, comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (is_sweep && a == "--shard") {
      std::tie(p.sweep.shard, p.sweep.shards) = parse_shard(value());
    } else if (is_sweep && a == "--resume") {
      p.sweep.resume = true;
    } else if (is_sweep && a == "--dry-run") {
      p.sweep.dry_run = true;
    } else if (is_sweep && a == "--fail-fast") {
      p.sweep.fail_fast = true;
    } else if (a.rfind("--", 0) == 0) {
      throw InputError("", 0, a, "unknown option for '" + p.command + "'; try 'qvsim --help'",
                       ErrorKind::usage);
    } else {
      p.files.push_back(a);
    }
  }
  const bool many = p.command == "merge";
  if (p.files.empty() || (many && p.files.size() < 2)) {
    const char* what = p.command == "status" ? "an output folder DIR"
                       : many                ? "OUT and at least one input DIR"
                                             : "a scenario FILE";
    throw InputError("", 0, "", "'" + p.command + "' needs " + what, ErrorKind::usage);
  }
  if (!many && p.files.size() > 1) {
    throw InputError("", 0, "", "unexpected argument '" + p.files[1] + "'", ErrorKind::usage);
  }
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
  Parsed p = parse(args);
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
