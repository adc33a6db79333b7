#include "app/cli.hpp"

#include <charconv>
#include <exception>
#include <optional>
#include <ostream>

#include "app/build_info.hpp"
#include "app/progress.hpp"
#include "app/run_command.hpp"
#include "sim/error.hpp"

namespace qvsim {
namespace {

constexpr const char* kUsage =
    "qvsim: agent-based simulation of collusion and intimidation under quadratic voting\n"
    "\n"
    "Usage:\n"
    "  qvsim run FILE [--out DIR] [--threads N] [--seed S] [--replicates R] [--quiet]\n"
    "                 [--overwrite]\n"
    "      Runs the scenario FILE; writes runs.csv, summary.csv, summary.json and\n"
    "      manifest.json into DIR (default results/<scenario name>, numbered if taken)\n"
    "      and prints a summary table.\n"
    "  qvsim validate FILE [--threads N]\n"
    "      Checks FILE in full; prints the run count and estimated memory.\n"
    "  qvsim --help | --version\n"
    "\n"
    "Options:\n"
    "  --out DIR        output folder; refused if it already holds a run, unless --overwrite\n"
    "  --threads N      worker threads (default: all cores); results do not depend on N\n"
    "  --seed S         override the scenario's seed (unsigned 64-bit integer)\n"
    "  --replicates R   override the scenario's replicate count (>= 1)\n"
    "  --quiet          no progress bar and no summary table\n"
    "  --overwrite      replace the run in --out (only once the new run has finished)\n"
    "\n"
    "Exit codes: 0 success, 2 bad input, 1 internal error.\n"
    "Scenario keys are documented in docs/scenario.md.\n";

std::uint64_t parse_u64(const std::string& option, const std::string& text) {
  std::uint64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto res = std::from_chars(text.data(), end, v);
  if (text.empty() || res.ec != std::errc() || res.ptr != end) {
    throw InputError("", 0, option, "must be a non-negative integer, got '" + text + "'");
  }
  return v;
}

struct Parsed {
  std::string command;
  std::optional<std::string> file;
  RunRequest request;
};

Parsed parse(const std::vector<std::string>& args) {
  Parsed p;
  p.command = args.at(0);
  if (p.command != "run" && p.command != "validate") {
    throw InputError("", 0, "", "unknown command '" + p.command + "'; try 'qvsim --help'");
  }
  const bool is_run = p.command == "run";
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw InputError("", 0, a, "needs a value");
      return args[++i];
    };
    if (a == "--threads") {
      const auto t = parse_u64(a, value());
      if (t < 1 || t > 4096) throw InputError("", 0, a, "must be in [1, 4096], got " + std::to_string(t));
      p.request.threads = static_cast<unsigned>(t);
    } else if (is_run && a == "--out") {
      p.request.out_dir = value();
    } else if (is_run && a == "--seed") {
      p.request.seed = parse_u64(a, value());
    } else if (is_run && a == "--replicates") {
      const auto r = parse_u64(a, value());
      if (r < 1) throw InputError("", 0, a, "must be >= 1, got 0");
      p.request.replicates = r;
    } else if (is_run && a == "--quiet") {
      p.request.quiet = true;
    } else if (is_run && a == "--overwrite") {
      p.request.overwrite = true;
    } else if (a.rfind("--", 0) == 0) {
      throw InputError("", 0, a, "unknown option for '" + p.command + "'; try 'qvsim --help'");
    } else if (!p.file) {
      p.file = a;
    } else {
      throw InputError("", 0, "", "unexpected argument '" + a + "'");
    }
  }
  if (!p.file) throw InputError("", 0, "", "'" + p.command + "' needs a scenario FILE");
  p.request.scenario_file = *p.file;
  return p;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      out << kUsage;
      return 0;
    }
    if (args[0] == "--version") {
      out << "qvsim " << build_info::kVersion << " (" << build_info::kGitCommit << ")\n";
      return 0;
    }
    Parsed p = parse(args);
    if (p.command == "validate") {
      validate_scenario_file(p.request.scenario_file, p.request.threads, out);
      return 0;
    }
    p.request.progress_bar = is_terminal(2);
    run_scenario(p.request, out, err);
    return 0;
  } catch (const InputError& e) {
    err << "qvsim: error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    err << "qvsim: internal error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace qvsim
