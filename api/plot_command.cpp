// `qvsim plot` (plot_results, api/analysis_commands.hpp): checks a run's or sweep's folder and
// draws its figures into DIR/plots with analysis/plots.py. Also what `qvsim report`
// (api/report_command.cpp) shares with it: reading the folder, its lock, drawing
// (api/detail/plot_folder.hpp).

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/run_table.hpp"
#include "api/analysis_commands.hpp"
#include "api/detail/plot_folder.hpp"
#include "api/provenance.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/text.hpp"

extern char** environ;

namespace qvsim {
namespace {

namespace fs = std::filesystem;
using namespace plot_detail;

constexpr const char* kDefaultPython = "/usr/bin/python3";
constexpr const char* kScript = "plots.py";

// What a plot request must satisfy beyond its types.
void check_request(const PlotRequest& p) {
  for (const std::string& w : p.where) {
    if (w.find('=') == std::string::npos)
      throw InputError("", 0, "--where", "must be KEY=VALUE, got '" + w + "'", ErrorKind::usage);
  }
  if (p.format != "png" && p.format != "svg" && p.format != "both") {
    throw InputError("", 0, "--format", "must be png, svg or both, got '" + p.format + "'",
                     ErrorKind::usage);
  }
}

const std::array<std::string, 10> kThresholdColumns{"method", "arm",      "mechanism", "ballot",
                                                    "group",  "attack",   "metric",    "target",
                                                    "status", "threshold"};

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

// Where analysis/plots.py lives: $QVSIM_ANALYSIS_DIR, then the folder compiled in, then the
// source tree seen from a build tree (build/<preset>/app/qvsim), then ./analysis.
std::optional<fs::path> find_script(std::vector<fs::path>& tried) {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("QVSIM_ANALYSIS_DIR"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
#ifdef QVSIM_ANALYSIS_DIR
  candidates.emplace_back(QVSIM_ANALYSIS_DIR);
#endif
  if (const fs::path exe = executable_dir(); !exe.empty()) {
    candidates.push_back(exe / ".." / ".." / ".." / "analysis");
    candidates.push_back(exe / ".." / "share" / "qvsim" / "analysis");
  }
  candidates.push_back(fs::current_path() / "analysis");
  for (const auto& c : candidates) {
    const fs::path script = c / kScript;
    tried.push_back(script);
    std::error_code ec;
    if (fs::is_regular_file(script, ec)) return fs::weakly_canonical(script, ec);
  }
  return std::nullopt;
}

std::string python_path() {
  const char* env = std::getenv("QVSIM_PYTHON");
  return env != nullptr && *env != '\0' ? env : kDefaultPython;
}

struct ProcessResult {
  int status = -1;  // exit code, or -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Runs argv[0] with argv (no shell), capturing stdout and stderr through temporary files.
ProcessResult run_process(const std::vector<std::string>& argv) {
  static int counter = 0;
  const std::string stem =
      "qvsim-plot-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const fs::path out_file = fs::temp_directory_path() / (stem + ".out");
  const fs::path err_file = fs::temp_directory_path() / (stem + ".err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<char*> cargv;
  std::vector<std::string> storage = argv;
  for (auto& s : storage) cargv.push_back(s.data());
  cargv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ProcessResult r;
  if (rc != 0) {
    r.err = "cannot start " + argv[0] + ": " + std::strerror(rc);
  } else {
    int wstatus = 0;
    while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(wstatus)) r.status = WEXITSTATUS(wstatus);
    r.out = read_file(out_file);
    r.err = read_file(err_file);
  }
  std::error_code ec;
  fs::remove(out_file, ec);
  fs::remove(err_file, ec);
  return r;
}

}  // namespace

namespace plot_detail {

std::string read_file(const fs::path& p) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return {};
  return read_input_file(p, kMaxIdFileBytes, p.filename().string());
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  InputFile file(p, kMaxIdFileBytes, p.filename().string());
  std::istream& f = file.stream();
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(f, line);) {
    if (!line.empty()) rows.push_back(analysis::split_quoted(line));
  }
  if (rows.empty())
    throw InputError(p.string(), 0, "", "is empty; expected a header line", ErrorKind::empty);
  return rows;
}

std::vector<std::string> swept_columns(const std::vector<std::string>& header) {
  if (header.empty() || header[0] != "point") return {};
  const auto arm = std::find(header.begin(), header.end(), "arm");
  if (arm == header.end()) return {};
  return {header.begin() + 1, arm};
}

fs::path require_summary(const fs::path& dir) {
  const fs::path summary = dir / "summary.csv";
  if (!fs::is_regular_file(summary)) {
    if (!threshold_files(dir).empty()) return {};
    throw InputError(summary.string(), 0, "",
                     "no such file; expected the output folder of a finished 'qvsim run' or "
                     "'qvsim sweep', or a folder holding threshold*.csv files written by "
                     "'qvsim threshold --out'");
  }
  return summary;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

int run_plots(const PlotRequest& a, const std::string& results, std::ostream& out,
              std::ostream& err) {
  const std::string python = python_path();
  if (::access(python.c_str(), X_OK) != 0) {
    err << "qvsim: error: plotting needs Python 3 at " << python
        << " with matplotlib (Debian: apt-get install python3-matplotlib python3-numpy "
           "python3-pandas); set QVSIM_PYTHON to use another interpreter\n";
    return 1;
  }
  std::vector<fs::path> tried;
  const auto script = find_script(tried);
  if (!script) {
    err << "qvsim: error: cannot find the plotting script " << kScript << "; looked at:\n";
    for (const auto& t : tried) err << "  " << t.string() << '\n';
    err << "set QVSIM_ANALYSIS_DIR to the folder that holds it (the source tree's analysis/)\n";
    return 1;
  }
  const fs::path plots = a.dir / "plots";
  const std::string pid = std::to_string(::getpid());
  const fs::path staging = a.dir / (kPlotStagingPrefix + pid);
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (!fs::create_directory(staging, ec)) {
    throw InputError(staging.string(), 0, "", "cannot create folder: " + ec.message(),
                     ErrorKind::io);
  }
  std::vector<std::string> argv{python,     script->string(), a.dir.string(),
                                "--format", a.format,         "--results",
                                results,    "--out-dir",      staging.string()};
  if (a.x) {
    argv.push_back("--x");
    argv.push_back(*a.x);
  }
  for (const auto& y : a.y) {
    argv.push_back("--y");
    argv.push_back(y);
  }
  if (a.facet) {
    argv.push_back("--facet");
    argv.push_back(*a.facet);
  }
  for (const auto& w : a.where) {
    argv.push_back("--where");
    argv.push_back(w);
  }
  ProcessResult r = run_process(argv);
  if (r.status != 0) fs::remove_all(staging, ec);
  // The script names the folder it drew into; the user finds the figures in plots/.
  for (std::size_t at = 0; (at = r.out.find(staging.string(), at)) != std::string::npos;) {
    r.out.replace(at, staging.string().size(), plots.string());
    at += plots.string().size();
  }
  if (r.status == 0) {
    if (results_hash(a.dir).hex != results) {
      fs::remove_all(staging, ec);
      throw InputError(a.dir.string(), 0, "",
                       "its results (runs.csv, summary.csv, threshold*.csv) changed while the "
                       "figures were drawn; nothing was replaced, run the command again",
                       ErrorKind::io);
    }
    const fs::path old = a.dir / (kPlotStagingPrefix + std::string("old-") + pid);
    fs::remove_all(old, ec);
    std::error_code moved;
    if (fs::exists(fs::symlink_status(plots, ec))) fs::rename(plots, old, moved);
    if (!moved) fs::rename(staging, plots, moved);
    if (moved) {
      fs::remove_all(staging, ec);
      throw InputError(plots.string(), 0, "", "cannot put the new figures in place", ErrorKind::io);
    }
    fs::remove_all(old, ec);
    out << r.out;
    if (!r.err.empty()) err << r.err;
    return 0;
  }
  out << r.out;
  if (r.status == 2) throw InputError("", 0, "", trim(r.err));
  if (r.status == 3) {
    err << "qvsim: error: " << trim(r.err) << '\n';
    return 1;
  }
  err << "qvsim: error: " << script->string() << " failed"
      << (r.status >= 0 ? " with exit code " + std::to_string(r.status) : std::string(" (killed)"))
      << ":\n"
      << r.err;
  return 1;
}

bool plots_current(const fs::path& plots, const std::string& results) {
  std::error_code ec;
  if (results.empty() || !fs::is_regular_file(plots / "figures.tsv", ec)) return false;
  std::istringstream in(read_file(plots / "figures.tsv"));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::istringstream cells(line);
    for (std::string c; std::getline(cells, c, '\t');) header.push_back(c);
  }
  const auto col = std::find(header.begin(), header.end(), "results_fnv1a64");
  if (col == header.end()) return false;  // drawn by a qvsim that recorded no hash
  const auto at = static_cast<std::size_t>(col - header.begin());
  std::size_t figures = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string c; std::getline(row, c, '\t');) cells.push_back(c);
    if (cells.size() <= at || cells[at] != results) return false;
    bool found = false;
    for (const char* ext : {".png", ".svg"}) {
      const fs::path f = plots / (cells[0] + ext);
      if (!fs::is_regular_file(f, ec)) continue;
      if (figure_results_hash(f) != results) return false;
      found = true;
    }
    if (!found) return false;
    ++figures;
  }
  return figures > 0;
}

void check_plot_input(const PlotRequest& a) {
  refuse_funding_results(a.dir, "plot' and 'report");
  for (const auto& t : threshold_files(a.dir)) {
    const auto rows = read_csv(t);
    for (const auto& c : kThresholdColumns) {
      if (std::find(rows[0].begin(), rows[0].end(), c) == rows[0].end()) {
        throw InputError(
            t.string(), 1, "",
            "missing column '" + c + "'; expected a CSV written by 'qvsim threshold --out'");
      }
    }
  }
  const fs::path summary = require_summary(a.dir);
  if (summary.empty()) {
    if (a.x) {
      throw InputError("", 0, "--x",
                       "'" + a.dir.string() + "' holds no summary.csv, only threshold CSVs");
    }
    return;
  }
  InputFile file(summary, kMaxIdFileBytes, "summary.csv");
  std::istream& f = file.stream();
  std::string header;
  std::getline(f, header);
  const auto cols = analysis::split_quoted(header);
  if (std::find(cols.begin(), cols.end(), "metric") == cols.end()) {
    throw InputError(summary.string(), 1, "", "not a qvsim summary.csv: no 'metric' column");
  }
  if (!a.x) return;
  const auto swept = swept_columns(cols);
  if (swept.empty()) {
    throw InputError("", 0, "--x",
                     "'" + a.dir.string() + "' holds a single run, which has no swept parameters");
  }
  if (std::find(swept.begin(), swept.end(), *a.x) != swept.end()) return;
  std::string msg = "'" + *a.x + "' is not a swept parameter";
  msg += did_you_mean(*a.x, swept);
  msg += " (swept:";
  for (const auto& s : swept) msg += " " + s;
  msg += ")";
  throw InputError("", 0, "--x", msg);
}

std::optional<FolderLock> lock_folder(const fs::path& dir) {
  if (!fs::is_directory(dir)) return std::nullopt;  // require_summary() says what is wrong
  std::optional<FolderLock> lock;
  lock.emplace(dir);
  finish_file_set(dir);
  // Folders a killed `plot` drew into (or was about to remove) are not figures of this folder.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(kPlotStagingPrefix, 0) == 0) {
      std::error_code e2;
      fs::remove_all(e.path(), e2);
    }
  }
  return lock;
}

}  // namespace plot_detail

int plot_results(const PlotRequest& a, std::ostream& out, std::ostream& err) {
  check_request(a);
  check_plot_input(a);  // bad input writes nothing, not even the lock file
  const auto lock = lock_folder(a.dir);
  return run_plots(a, results_hash(a.dir).hex, out, err);
}

}  // namespace qvsim
