// Writing an analysis: summary.csv and summary.json, effects.csv and effects.json, and
// analyze_directory, which analyzes a folder's runs.csv under its lock and publishes those files
// (analysis/analyze.hpp). Split from analyze.cpp, which computes the analysis.

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

#include "analysis/analyze.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/hash.hpp"
#include "sim/input_file.hpp"
#include "sim/json.hpp"
#include "sim/text.hpp"

namespace qvsim::analysis {
namespace {

namespace fs = std::filesystem;

std::string cell_text(double x) { return std::isnan(x) ? std::string("NA") : format_double(x); }

void summary_fields(std::ostream& out, const Summary& s) {
  out << ',' << s.n << ',' << s.missing << ',' << cell_text(s.mean) << ',' << cell_text(s.sd) << ','
      << cell_text(s.se) << ',' << cell_text(s.ci_low) << ',' << cell_text(s.ci_high);
}

void boot_fields(std::ostream& out, const BootstrapInterval& b) {
  out << ',' << cell_text(b.pct_low) << ',' << cell_text(b.pct_high) << ',' << cell_text(b.bca_low)
      << ',' << cell_text(b.bca_high);
}

void summary_json(JsonWriter& w, const Summary& s) { summary_fields_json(w, s); }

void boot_json(JsonWriter& w, const BootstrapInterval& b) {
  w.key("boot_pct_low").value(b.pct_low);
  w.key("boot_pct_high").value(b.pct_high);
  w.key("boot_bca_low").value(b.bca_low);
  w.key("boot_bca_high").value(b.bca_high);
}

}  // namespace

void write_analysis_csv(const Analysis& a, std::ostream& out) {
  for (const auto& g : a.group_columns) out << csv_field(g) << ',';
  out << "arm,mechanism,metric,n,missing,mean,sd,se,ci95_low,ci95_high,boot_pct_low,boot_pct_high,"
         "boot_bca_low,boot_bca_high,diff_n,diff_missing,diff_mean,diff_sd,diff_se,diff_ci95_low,"
         "diff_ci95_high,diff_boot_pct_low,diff_boot_pct_high,diff_boot_bca_low,diff_boot_bca_"
         "high\n";
  for (const CellSummary& c : a.cells) {
    std::string prefix;
    for (const auto& v : a.groups[c.group]) prefix += csv_field(v) + ',';
    prefix += c.arm + ',' + to_string(c.mechanism) + ',';
    for (std::size_t m = 0; m < a.metric_names.size(); ++m) {
      const MetricSummary& s = c.metrics[m];
      out << prefix << a.metric_names[m];
      summary_fields(out, s.stats);
      boot_fields(out, s.boot);
      summary_fields(out, s.diff);
      boot_fields(out, s.diff_boot);
      out << '\n';
    }
    out << prefix << "efficiency_pooled";
    summary_fields(out, c.efficiency_pooled);
    out << ",NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA\n";
  }
}

namespace {

// The keys summary.json and effects.json open with: what was analyzed and how (`rows` only in
// summary.json).
void write_json_head(JsonWriter& w, const Analysis& a, bool rows) {
  w.key("source").value(a.source);
  if (!a.runs_csv_fnv1a64.empty()) w.key("runs_csv_fnv1a64").value(a.runs_csv_fnv1a64);
  if (rows) w.key("rows").value(a.rows);
  w.key("baseline_arm").value(a.baseline_arm);
  w.key("seed").value(a.seed);
  w.key("resamples").value(a.resamples);
  w.key("level").value(0.95);
  w.key("group_columns").begin_array();
  for (const auto& g : a.group_columns) w.value(g);
  w.end_array();
}

}  // namespace

namespace {

// A group's swept values, numbers as numbers.
std::string bound_text(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return cell_text(x);
}

void group_values_json(JsonWriter& w, const Analysis& a, std::size_t g) {
  w.begin_object();
  for (std::size_t k = 0; k < a.group_columns.size(); ++k) {
    const std::string& v = a.groups[g][k];
    double x = 0.0;
    const auto res = std::from_chars(v.data(), v.data() + v.size(), x);
    w.key(a.group_columns[k]);
    if (!v.empty() && res.ec == std::errc() && res.ptr == v.data() + v.size())
      w.value(x);
    else
      w.value(v);
  }
  w.end_object();
}

}  // namespace

void write_analysis_json(const Analysis& a, std::ostream& out) {
  JsonWriter w;
  w.begin_object();
  write_json_head(w, a, true);
  w.key("groups").begin_array();
  for (std::size_t g = 0; g < a.groups.size(); ++g) {
    w.begin_object();
    w.key("values");
    group_values_json(w, a, g);
    w.key("cells").begin_array();
    for (const CellSummary& c : a.cells) {
      if (c.group != g) continue;
      w.begin_object();
      w.key("arm").value(c.arm);
      w.key("mechanism").value(to_string(c.mechanism));
      w.key("metrics").begin_object();
      for (std::size_t m = 0; m < a.metric_names.size(); ++m) {
        const MetricSummary& s = c.metrics[m];
        w.key(a.metric_names[m]).begin_object();
        summary_json(w, s.stats);
        boot_json(w, s.boot);
        w.key("diff").begin_object();
        summary_json(w, s.diff);
        boot_json(w, s.diff_boot);
        w.end_object();
        w.end_object();
      }
      w.end_object();
      w.key("efficiency_pooled").begin_object();
      summary_json(w, c.efficiency_pooled);
      w.end_object();
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out << w.str();
}

void write_effects_csv(const Analysis& a, std::ostream& out) {
  for (const auto& g : a.group_columns) out << csv_field(g) << ',';
  out << "kind,arm,mechanism,minus_mechanism,metric,n,missing,mean,sd,se,ci95_low,ci95_high,"
         "boot_pct_low,boot_pct_high,boot_bca_low,boot_bca_high,range_low,range_high\n";
  for (const EffectRow& r : a.effects) {
    for (const auto& v : a.groups[r.group]) out << csv_field(v) << ',';
    out << to_string(r.kind) << ',' << r.arm << ',' << to_string(r.mechanism) << ','
        << (r.kind != EffectKind::effect ? to_string(r.minus_mechanism) : "NA") << ','
        << a.metric_names[r.metric];
    summary_fields(out, r.stats);
    boot_fields(out, r.boot);
    out << ',' << bound_text(r.range.low) << ',' << bound_text(r.range.high) << '\n';
  }
}

void write_effects_json(const Analysis& a, std::ostream& out) {
  JsonWriter w;
  w.begin_object();
  write_json_head(w, a, false);
  w.key("effects").begin_array();
  for (const EffectRow& r : a.effects) {
    w.begin_object();
    w.key("group");
    group_values_json(w, a, r.group);
    w.key("kind").value(to_string(r.kind));
    w.key("arm").value(r.arm);
    w.key("mechanism").value(to_string(r.mechanism));
    w.key("minus_mechanism");
    if (r.kind != EffectKind::effect)
      w.value(to_string(r.minus_mechanism));
    else
      w.null();
    w.key("metric").value(a.metric_names[r.metric]);
    summary_json(w, r.stats);
    boot_json(w, r.boot);
    w.key("range_low").value(r.range.low);
    w.key("range_high").value(r.range.high);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out << w.str();
}

namespace {

// FNV-1a 64 of a file's bytes as 16 hex digits, read in chunks through InputFile (a FIFO there is
// refused, not waited on); "" when it cannot be read (analyze_runs then says why).
std::string runs_csv_hash(const fs::path& file) {
  std::optional<InputFile> opened;
  try {
    opened.emplace(file, std::numeric_limits<std::uint64_t>::max(), "runs.csv");
  } catch (const InputError&) {
    return {};
  }
  std::istream& f = opened->stream();
  std::uint64_t h = kFnv1a64Basis;
  std::string buf(1 << 20, '\0');
  while (f.read(buf.data(), static_cast<std::streamsize>(buf.size())) || f.gcount() > 0)
    h = fnv1a64(std::string_view(buf.data(), static_cast<std::size_t>(f.gcount())), h);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace

Analysis analyze_directory(const fs::path& dir, const AnalyzeOptions& options,
                           const std::function<void(const fs::path&)>& also) {
  // One writer at a time in the folder; a run's switch a killed process left half done is
  // completed first, so that what is analyzed is one whole run.
  std::optional<FolderLock> lock;
  if (fs::is_directory(dir)) {
    lock.emplace(dir);
    finish_file_set(dir);
  }
  // The hash of the bytes analyzed: the folder's lock keeps a run from replacing runs.csv
  // meanwhile, and a sweep's export rewrites it with the same bytes.
  const std::string runs_hash = runs_csv_hash(dir / "runs.csv");
  Analysis a = analyze_runs(dir / "runs.csv", options);
  a.runs_csv_fnv1a64 = runs_hash;
  std::ostringstream csv;
  write_analysis_csv(a, csv);
  std::ostringstream json;
  write_analysis_json(a, json);
  std::ostringstream effects_csv;
  write_effects_csv(a, effects_csv);
  std::ostringstream effects_json;
  write_effects_json(a, effects_json);
  const fs::path out = dir / "analysis";
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw InputError(out.string(), 0, "", "cannot create folder: " + ec.message());
  const fs::path csv_file = out / "summary.csv";
  const fs::path json_file = out / "summary.json";
  write_file_atomically(csv_file, csv.str());
  write_file_atomically(json_file, json.str());
  write_file_atomically(out / "effects.csv", effects_csv.str());
  write_file_atomically(out / "effects.json", effects_json.str());
  if (also) also(out);
  return a;
}

}  // namespace qvsim::analysis
