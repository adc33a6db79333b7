// `qvsim report` (write_report, api/analysis_commands.hpp): DIR/report.html, one self-contained
// page with the folder's scenario, provenance, tables and figures (drawn first when they are not
// current). Split from plot_command.cpp, which draws the figures; the tables are in
// report_tables.cpp.

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/analyze.hpp"
#include "api/analysis_commands.hpp"
#include "api/build_info.hpp"
#include "api/detail/plot_folder.hpp"
#include "api/provenance.hpp"
#include "api/report_sections.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"

namespace qvsim {
namespace {

namespace fs = std::filesystem;
using namespace plot_detail;
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

int write_report(const std::filesystem::path& dir, std::ostream& out, std::ostream& err) {
  PlotRequest a;
  a.dir = dir;
  check_plot_input(a);  // bad input writes nothing, not even the lock file
  const auto lock = lock_folder(a.dir);
  const fs::path summary = require_summary(a.dir);
  const fs::path plots = a.dir / "plots";
  // Figures made from other results (an earlier run, before a threshold CSV arrived) are drawn
  // again; a report never shows a figure whose recorded results hash is not the folder's.
  const ResultsHash results = results_hash(a.dir);
  if (!plots_current(plots, results.hex)) {
    PlotRequest png = a;
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
  // The note under a table cut at kMaxTableRows rows; `rest` says where the others are.
  auto cut_note = [&h](std::size_t rows, const char* rest) {
    if (rows > kMaxTableRows) {
      h << "<p class=\"note\">Showing the first " << kMaxTableRows << " of " << rows << " rows"
        << rest << ".</p>\n";
    }
  };
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
      cut_note(effect_rows, "; 'qvsim analyze' writes them all to analysis/effects.csv");
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
    cut_note(table_rows, "; summary.csv holds them all");
  }
  if (!thresholds.empty()) {
    h << "<h2>Attack thresholds</h2>\n"
      << "<p class=\"note\">From the threshold*.csv files in the folder (written by "
         "'qvsim threshold --out'): the smallest attack size at which the target is reached, "
         "with the bracket around it, and what the attack arm spent there (means over its "
         "replicates).</p>\n"
      << thresholds_html;
    cut_note(threshold_rows, "");
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
