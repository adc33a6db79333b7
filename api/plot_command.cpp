#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/analysis_commands.hpp"
#include "api/build_info.hpp"
#include "api/provenance.hpp"
#include "api/report_sections.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/input_file.hpp"
#include "sim/text.hpp"

extern char** environ;

namespace qvsim {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultPython = "/usr/bin/python3";
constexpr const char* kScript = "plots.py";

// The whole file, or "" when there is none; a FIFO or device in its place is an io error, not a
// hang (sim/input_file.hpp).
std::string read_file(const fs::path& p) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return {};
  return read_input_file(p, kMaxIdFileBytes, p.filename().string());
}

// One CSV record (RFC 4180 quoting, as csv_field writes it); no embedded newlines in our files.
std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  InputFile file(p, kMaxIdFileBytes, p.filename().string());
  std::istream& f = file.stream();
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(f, line);) {
    if (!line.empty()) rows.push_back(split_csv(line));
  }
  if (rows.empty())
    throw InputError(p.string(), 0, "", "is empty; expected a header line", ErrorKind::empty);
  return rows;
}

// The swept parameters of a sweep's summary.csv header (point,<swept...>,arm,...); none for a run.
std::vector<std::string> swept_columns(const std::vector<std::string>& header) {
  if (header.empty() || header[0] != "point") return {};
  const auto arm = std::find(header.begin(), header.end(), "arm");
  if (arm == header.end()) return {};
  return {header.begin() + 1, arm};
}

std::optional<std::string> suggest(const std::string& got, const std::vector<std::string>& known) {
  if (const auto i = nearest_name(got, known)) return known[*i];
  return std::nullopt;
}

using PlotArgs = PlotRequest;

// What a plot request must satisfy beyond its types.
void check_request(const PlotArgs& p) {
  for (const std::string& w : p.where) {
    if (w.find('=') == std::string::npos)
      throw InputError("", 0, "--where", "must be KEY=VALUE, got '" + w + "'", ErrorKind::usage);
  }
  if (p.format != "png" && p.format != "svg" && p.format != "both") {
    throw InputError("", 0, "--format", "must be png, svg or both, got '" + p.format + "'",
                     ErrorKind::usage);
  }
}

// DIR/summary.csv; absent is fine only when DIR holds threshold CSVs (then the empty path).
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

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Runs analysis/plots.py on dir, drawing into a fresh folder that then takes the place of
// DIR/plots whole, so plots/ never mixes figures of two drawings; each figure records `results`,
// the folder's results hash (api/provenance.hpp), which must still hold once the script is done.
// Returns the exit code for the CLI. Bad input is thrown.
int run_plots(const PlotArgs& a, const std::string& results, std::ostream& out, std::ostream& err) {
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

// Whether plots/ holds a drawing of the results whose hash is `results`: an index whose every
// figure records that hash, in its row and in its own bytes.
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

// Checks the folder and --x before anything runs, so bad input writes nothing.
void check_plot_input(const PlotArgs& a) {
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
  const auto cols = split_csv(header);
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
  if (const auto s = suggest(*a.x, swept)) msg += "; did you mean '" + *s + "'?";
  msg += " (swept:";
  for (const auto& s : swept) msg += " " + s;
  msg += ")";
  throw InputError("", 0, "--x", msg);
}

// ---- report
// --------------------------------------------------------------------------------------

using report_detail::html_escape;

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    const bool two = i + 1 < bytes.size();
    if (two) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += two ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The value of the first "key": in a JSON text, as text: a string's contents (escapes other than
// \" and \\ kept as written) or a number/literal. Enough for the few flat keys of a manifest.
std::optional<std::string> json_value(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\"";
  std::size_t pos = 0;
  while ((pos = json.find(needle, pos)) != std::string::npos) {
    std::size_t i = pos + needle.size();
    while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\t')) ++i;
    if (i >= json.size() || json[i] != ':') {
      pos = i;
      continue;
    }
    ++i;
    while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\t')) ++i;
    if (i >= json.size()) return std::nullopt;
    if (json[i] == '"') {
      std::string v;
      for (++i; i < json.size() && json[i] != '"'; ++i) {
        if (json[i] == '\\' && i + 1 < json.size() && (json[i + 1] == '"' || json[i + 1] == '\\'))
          ++i;
        v += json[i];
      }
      return v;
    }
    if (json[i] == '{' || json[i] == '[') return std::nullopt;
    std::size_t end = i;
    while (end < json.size() && json[end] != ',' && json[end] != '}' && json[end] != '\n') ++end;
    return trim(json.substr(i, end - i));
  }
  return std::nullopt;
}

struct Figure {
  std::string name;
  std::string title;
  fs::path file;
  std::string mime;
};

// A caption for a figure the index does not name, from its file name:
// "efficiency_vs_arms.bloc-size" reads "Efficiency against arms.bloc size".
std::string readable_title(const std::string& stem) {
  std::string t;
  std::string text = stem;
  std::replace(text.begin(), text.end(), '_', ' ');
  std::replace(text.begin(), text.end(), '-', ' ');
  std::istringstream in(text);
  for (std::string w; in >> w;) t += (t.empty() ? "" : " ") + (w == "vs" ? "against" : w);
  if (t.empty()) return stem;
  t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t;
}

std::vector<Figure> list_figures(const fs::path& plots) {
  std::vector<std::pair<std::string, std::string>> named;  // name, title, in the script's order
  std::set<std::string> seen;
  {
    std::ifstream f(plots / "figures.tsv", std::ios::binary);
    std::string line;
    std::getline(f, line);  // header
    while (std::getline(f, line)) {
      std::vector<std::string> cells;
      std::istringstream in(line);
      for (std::string c; std::getline(in, c, '\t');) cells.push_back(c);
      if (cells.size() >= 4 && seen.insert(cells[0]).second) named.emplace_back(cells[0], cells[3]);
    }
  }
  // Figures not in the index (added by hand, or an older script) come after, by name.
  std::set<std::string> extra;
  for (const auto& e : fs::directory_iterator(plots)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".png" || ext == ".svg")) {
      const std::string stem = e.path().stem().string();
      if (!seen.count(stem)) extra.insert(stem);
    }
  }
  for (const auto& s : extra) named.emplace_back(s, readable_title(s));
  std::vector<Figure> out;
  for (const auto& [name, title] : named) {
    if (fs::is_regular_file(plots / (name + ".png"))) {
      out.push_back({name, title, plots / (name + ".png"), "image/png"});
    } else if (fs::is_regular_file(plots / (name + ".svg"))) {
      out.push_back({name, title, plots / (name + ".svg"), "image/svg+xml"});
    }
  }
  return out;
}

struct Cell {
  std::string mean = "NA";
  std::string low = "NA";
  std::string high = "NA";
};

std::string number(const std::string& text) {
  if (text.empty() || text == "NA" || text == "nan") return "NA";
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return text;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string with_ci(const Cell& c) {
  const std::string m = number(c.mean);
  if (m == "NA") return "NA";
  const std::string lo = number(c.low);
  const std::string hi = number(c.high);
  if (lo == "NA" || hi == "NA") return m;
  return m + " <span class=\"ci\">[" + lo + ", " + hi + "]</span>";
}

constexpr std::size_t kMaxTableRows = 400;

// The main comparison table: one row per (point, arm, mechanism) in file order, the key metrics
// each with its 95% CI.
std::string comparison_table(const fs::path& summary_path,
                             const std::vector<std::vector<std::string>>& rows,
                             std::size_t& total_rows) {
  const auto& header = rows[0];
  auto col = [&](const std::string& name) -> std::size_t {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      throw InputError(summary_path.string(), 1, "", "missing column '" + name + "'");
    }
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t arm = col("arm");
  const std::size_t mech = col("mechanism");
  const std::size_t metric = col("metric");
  const std::size_t mean = col("mean");
  const std::size_t low = col("ci95_low");
  const std::size_t high = col("ci95_high");
  const auto swept = swept_columns(header);
  const std::size_t key_cols = header[0] == "point" ? 1 + swept.size() : 0;
  static const std::array<std::string, 4> kMetrics{"efficiency_pooled", "wrong_rate", "flip_rate",
                                                   "d_efficiency"};
  std::vector<std::vector<std::string>> keys;
  std::map<std::vector<std::string>, std::array<Cell, 4>> cells;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != header.size()) {
      throw InputError(summary_path.string(), r + 1, "",
                       "has " + std::to_string(row.size()) + " fields, the header " +
                           std::to_string(header.size()));
    }
    std::vector<std::string> key(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(key_cols));
    key.push_back(row[arm]);
    key.push_back(row[mech]);
    auto [it, inserted] = cells.try_emplace(key);
    if (inserted) keys.push_back(key);
    for (std::size_t m = 0; m < kMetrics.size(); ++m) {
      if (row[metric] == kMetrics[m]) it->second[m] = {row[mean], row[low], row[high]};
    }
  }
  total_rows = keys.size();
  std::ostringstream h;
  h << "<table>\n<thead><tr>";
  for (std::size_t c = 0; c < key_cols; ++c) h << "<th>" << html_escape(header[c]) << "</th>";
  h << "<th>arm</th><th>mechanism</th><th>efficiency (pooled) [95% CI]</th>"
       "<th>wrong rate [95% CI]</th><th>flip rate [95% CI]</th>"
       "<th>d_efficiency [95% CI]</th></tr></thead>\n<tbody>\n";
  for (std::size_t k = 0; k < keys.size() && k < kMaxTableRows; ++k) {
    const auto& key = keys[k];
    const auto& c = cells[key];
    h << "<tr>";
    for (const auto& v : key) h << "<td>" << html_escape(v) << "</td>";
    h << "<td class=\"num\">" << with_ci(c[0]) << "</td><td class=\"num\">" << with_ci(c[1])
      << "</td><td class=\"num\">" << with_ci(c[2]) << "</td><td class=\"num\">" << with_ci(c[3])
      << "</td></tr>\n";
  }
  h << "</tbody>\n</table>\n";
  return h.str();
}

// One row per threshold CSV row: what 'qvsim threshold --out' found, with its interval and spend.
std::string threshold_table(const std::vector<fs::path>& files, std::size_t& total_rows) {
  std::ostringstream h;
  h << "<table>\n<thead><tr><th>file</th><th>mechanism</th><th>ballot</th><th>group</th>"
       "<th>attack</th><th>target</th><th>status</th><th>threshold [interval]</th>"
       "<th>spent per agent</th><th>bribe spent</th><th>complied</th><th>method</th></tr></thead>\n"
       "<tbody>\n";
  total_rows = 0;
  for (const auto& file : files) {
    const auto rows = read_csv(file);
    const auto& header = rows[0];
    auto col = [&](const std::string& name) -> std::optional<std::size_t> {
      const auto it = std::find(header.begin(), header.end(), name);
      if (it == header.end()) return std::nullopt;
      return static_cast<std::size_t>(it - header.begin());
    };
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const auto& row = rows[r];
      auto get = [&](const std::string& name) -> std::string {
        const auto c = col(name);
        return c && *c < row.size() ? row[*c] : std::string();
      };
      auto num = [&](const std::string& name) {
        const std::string v = get(name);
        return v.empty() ? std::string("NA") : number(v);
      };
      if (total_rows++ >= kMaxTableRows) continue;
      const std::string status = get("status");
      std::string value = status == "not_reached" ? std::string("not reached") : num("threshold");
      if (status != "not_reached" && !get("interval_low").empty() &&
          !get("interval_high").empty()) {
        value += " <span class=\"ci\">[" + num("interval_low") + ", " + num("interval_high") +
                 "]</span>";
      }
      const std::string direction = get("direction") == "decreasing" ? " &le; " : " &ge; ";
      h << "<tr><td>" << html_escape(file.filename().string()) << "</td><td>"
        << html_escape(get("mechanism")) << "</td><td>" << html_escape(get("ballot")) << "</td><td>"
        << html_escape(get("group")) << "</td><td>" << html_escape(get("attack")) << "</td><td>"
        << html_escape(get("metric")) << direction << html_escape(get("target")) << "</td><td>"
        << html_escape(status) << "</td><td class=\"num\">" << value << "</td><td class=\"num\">"
        << num("spent_per_agent") << "</td><td class=\"num\">" << num("bribe_spent")
        << "</td><td class=\"num\">" << num("complied") << "</td><td>" << html_escape(get("method"))
        << "</td></tr>\n";
    }
  }
  h << "</tbody>\n</table>\n";
  return h.str();
}

constexpr const char* kCss = R"(body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:15px;
color:#1a1a1a;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:14px;margin:.5em 0;display:block;overflow:auto;
max-width:100%;max-height:40em}thead th{position:sticky;top:0}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ci{color:#555;font-size:.9em}dl.prov{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dl.prov dt{font-weight:bold}dl.prov dd{margin:0;font-family:monospace;word-break:break-all}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:.95em;color:#333;margin-top:.3em}.note{color:#555}
.warn{border:2px solid #c60;background:#fff4e5;padding:.2em 1em;margin:1em 0}
.warn h2{border:none;margin-top:.4em;color:#8a3b00}table.scenario th{width:10em})";

// One writer at a time in the folder (plots/ and report.html are written there); a run's switch
// that a killed process left half done is completed first.
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

// What analysis/ says it was made from, against the folder's runs.csv: "" when there is no
// analysis, else a line for the report's provenance.
std::string analysis_state(const fs::path& dir, const ResultsHash& results) {
  const std::string json = read_file(dir / "analysis" / "summary.json");
  if (json.empty()) return {};
  const std::string made_from = json_value(json, "runs_csv_fnv1a64").value_or("");
  std::string runs;
  for (const auto& [name, hash] : results.files)
    if (name == "runs.csv") runs = hash;
  if (!made_from.empty() && made_from == runs) return "made from this runs.csv (" + runs + ")";
  return "stale: made from " +
         (made_from.empty() ? std::string("a runs.csv it does not record")
                            : "another runs.csv (" + made_from + ")") +
         "; run 'qvsim analyze " + dir.string() + "' again";
}

}  // namespace

int plot_results(const PlotRequest& a, std::ostream& out, std::ostream& err) {
  check_request(a);
  check_plot_input(a);  // bad input writes nothing, not even the lock file
  const auto lock = lock_folder(a.dir);
  return run_plots(a, results_hash(a.dir).hex, out, err);
}

int write_report(const std::filesystem::path& dir, std::ostream& out, std::ostream& err) {
  PlotArgs a;
  a.dir = dir;
  check_plot_input(a);  // bad input writes nothing, not even the lock file
  const auto lock = lock_folder(a.dir);
  const fs::path summary = require_summary(a.dir);
  const fs::path plots = a.dir / "plots";
  // Figures made from other results (an earlier run, before a threshold CSV arrived) are drawn
  // again; a report never shows a figure whose recorded results hash is not the folder's.
  const ResultsHash results = results_hash(a.dir);
  if (!plots_current(plots, results.hex)) {
    PlotArgs png = a;
    png.format = "both";
    std::ostringstream quiet;
    const int code = run_plots(png, results.hex, quiet, err);
    if (code != 0) return code;
  }
  std::size_t table_rows = 0;
  const auto summary_rows =
      summary.empty() ? std::vector<std::vector<std::string>>{} : read_csv(summary);
  const std::string table =
      summary.empty() ? std::string() : comparison_table(summary, summary_rows, table_rows);
  const auto flagged = report_detail::flagged_arm_lines(summary_rows);
  const auto thresholds = threshold_files(a.dir);
  std::size_t threshold_rows = 0;
  const std::string thresholds_html =
      thresholds.empty() ? std::string() : threshold_table(thresholds, threshold_rows);

  const std::string manifest = read_file(a.dir / "manifest.json");
  const std::string summary_json = read_file(a.dir / "summary.json");

  // Effects first: each attack arm's paired effect per mechanism and the mechanisms' contrast,
  // from runs.csv against the baseline arm the run or sweep recorded (t intervals only).
  std::size_t effect_rows = 0;
  std::string effects_html;
  if (!summary.empty() && fs::is_regular_file(a.dir / "runs.csv")) {
    analysis::AnalyzeOptions options;
    options.bootstrap = false;
    if (auto b = json_value(summary_json, "baseline_arm")) options.baseline = *b;
    try {
      effects_html = report_detail::effects_table_html(
          analysis::analyze_runs(a.dir / "runs.csv", options), kMaxTableRows, effect_rows);
    } catch (const InputError& e) {
      err << "qvsim: report: no effects table: " << e.what() << "\n";
    }
  }
  const bool is_sweep = json_value(manifest, "spec_hash").has_value();
  std::string name = json_value(summary_json, "scenario").value_or("");
  if (name.empty()) name = json_value(manifest, "name").value_or("");
  if (name.empty()) name = fs::absolute(a.dir).lexically_normal().filename().string();
  if (name.empty()) name = fs::absolute(a.dir).lexically_normal().parent_path().filename().string();

  std::vector<std::pair<std::string, std::string>> prov;
  prov.emplace_back("kind", is_sweep ? "sweep" : "single run");
  auto add = [&](const char* label, const char* key) {
    if (auto v = json_value(manifest, key)) prov.emplace_back(label, *v);
  };
  if (is_sweep) {
    add("master seed", "master_seed");
    add("spec hash", "spec_hash");
    add("design", "design");
    add("points", "points");
    add("replicates per point", "replicates_per_point");
    add("scenario file", "scenario_file");
    add("scenario text hash", "scenario_text_fnv1a64");
  } else {
    add("seed", "seed");
    add("replicates", "replicates");
    add("scenario hash", "scenario_hash");
    add("started (UTC)", "started_utc");
  }
  add("qvsim version", "qvsim_version");
  add("git commit", "git_commit");
  add("build flags", "build_flags");
  if (manifest.empty()) prov.emplace_back("manifest", "manifest.json not found in the folder");
  prov.emplace_back("results hash", results.hex);
  for (const auto& [file, hash] : results.files) prov.emplace_back(file, hash);
  if (const std::string state = analysis_state(a.dir, results); !state.empty()) {
    prov.emplace_back("analysis/", state);
    if (state.rfind("stale", 0) == 0) err << "qvsim: warning: analysis/ is " << state << "\n";
  }
  prov.emplace_back("report written by", std::string("qvsim ") + build_info::kVersion + " (" +
                                             build_info::kGitCommit + ")");

  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<meta name=\"qvsim-results-fnv1a64\" content=\"" << results.hex << "\">\n"
    << "<title>qvsim report: " << html_escape(name) << "</title>\n<style>\n"
    << kCss << "\n</style>\n</head>\n<body>\n"
    << "<h1>qvsim report: " << html_escape(name) << "</h1>\n"
    << "<p class=\"note\">Folder: " << html_escape(a.dir.string()) << "</p>\n";
  if (!flagged.empty()) {
    h << "<div class=\"warn\">\n<h2>Flagged arms</h2>\n<p>A null or capped effect here is not a "
         "finding (runs.csv: arm_inert, saturated):</p>\n<ul>\n";
    for (const auto& line : flagged) h << "<li>" << html_escape(line) << "</li>\n";
    h << "</ul>\n</div>\n";
  }
  h << "<h2>Scenario</h2>\n"
    << report_detail::scenario_html(manifest) << "<h2>Provenance</h2>\n<dl class=\"prov\">\n";
  for (const auto& [k, v] : prov) {
    h << "<dt>" << html_escape(k) << "</dt><dd>" << html_escape(v) << "</dd>\n";
  }
  h << "</dl>\n";
  if (!summary.empty()) {
    h << "<h2>Main comparison</h2>\n";
    if (!effects_html.empty()) {
      h << "<h3>Effects of each attack</h3>\n"
        << "<p class=\"note\">Each attack arm's effect under each mechanism: the mean over "
           "replicates of the arm's value minus the baseline arm's in the same replicate "
           "(paired), with its 95% Student t interval clipped to what an effect can be ([-1, 1] "
           "for these shares). The last columns contrast the mechanisms: the first mechanism's "
           "effect minus the other's, paired by replicate (QV &minus; 1p1v: how much more the "
           "attack moves QV than one person, one vote), t interval clipped to [-2, 2]. "
           "Efficiency here is the per-replicate share of welfare achieved; a negative effect on "
           "it, or a positive one on the wrong rate, is harm. Bootstrap intervals for every "
           "metric are in analysis/effects.csv ('qvsim analyze').</p>\n"
        << effects_html;
      if (effect_rows > kMaxTableRows) {
        h << "<p class=\"note\">Showing the first " << kMaxTableRows << " of " << effect_rows
          << " rows; 'qvsim analyze' writes them all to analysis/effects.csv.</p>\n";
      }
    }
    h << "<h3>Levels</h3>\n"
      << "<p class=\"note\">Means over replicates with 95% intervals, from summary.csv. "
         "Efficiency is the pooled ratio of achieved to maximum welfare (delta-method t "
         "interval); the wrong rate is the share of proposals decided against the electorate's "
         "net value and the flip rate the share decided differently from the baseline arm (t "
         "intervals); d_efficiency is the arm's efficiency minus the baseline arm's, paired by "
         "replicate and mechanism (0 for the baseline; t interval). Every interval is clipped to "
         "what its quantity can be: [0, 1] for the shares, [-1, 1] for d_efficiency.</p>\n"
      << table;
    if (table_rows > kMaxTableRows) {
      h << "<p class=\"note\">Showing the first " << kMaxTableRows << " of " << table_rows
        << " rows; summary.csv holds them all.</p>\n";
    }
  }
  if (!thresholds.empty()) {
    h << "<h2>Attack thresholds</h2>\n"
      << "<p class=\"note\">From the threshold*.csv files in the folder (written by "
         "'qvsim threshold --out'): the smallest attack size at which the target is reached, "
         "with the bracket around it, and what the attack arm spent there (means over its "
         "replicates).</p>\n"
      << thresholds_html;
    if (threshold_rows > kMaxTableRows) {
      h << "<p class=\"note\">Showing the first " << kMaxTableRows << " of " << threshold_rows
        << " rows.</p>\n";
    }
  }
  h << "<h2>Figures</h2>\n";
  auto figures = list_figures(plots);
  std::erase_if(figures, [&](const Figure& f) {
    if (figure_results_hash(f.file) == results.hex) return false;
    err << "qvsim: report: left out " << f.file.string()
        << ": it does not record these results' hash\n";
    return true;
  });
  if (figures.empty()) h << "<p class=\"note\">No figures in plots/.</p>\n";
  for (const auto& f : figures) {
    h << "<figure id=\"fig-" << html_escape(f.name) << "\">\n<img alt=\"" << html_escape(f.title)
      << "\" src=\"data:" << f.mime << ";base64," << base64(read_file(f.file)) << "\">\n"
      << "<figcaption>" << html_escape(f.title) << " <span class=\"note\">(plots/"
      << html_escape(f.file.filename().string()) << ")</span></figcaption>\n</figure>\n";
  }
  h << "</body>\n</html>\n";
  const fs::path report = a.dir / "report.html";
  write_file_atomically(report, h.str());
  out << "wrote " << report.string() << " (" << figures.size() << " figure(s))\n";
  return 0;
}

}  // namespace qvsim
