// Exporting a finished sweep's stores (runs.csv, summary.csv, summary.json, manifest.json) and
// merging the stores of a sharded sweep (merge_sweep, api/sweep_command.hpp). Split from
// sweep_command.cpp, which runs the items.

#include "api/detail/sweep_export.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "agents/behaviours.hpp"
#include "analysis/run_table.hpp"
#include "api/build_info.hpp"
#include "api/provenance.hpp"
#include "api/result_store.hpp"
#include "api/run_command.hpp"
#include "api/scenario_yaml.hpp"
#include "api/sweep_command.hpp"
#include "api/sweep_records.hpp"
#include "api/sweep_spec.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/json.hpp"
#include "sim/text.hpp"

namespace qvsim {
namespace fs = std::filesystem;

namespace sweep_detail {

std::optional<std::uint64_t> parse_override(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return std::stoull(s);
}

// Builds models and behaviours for every point; `load_graphs` is false when only exporting. Files
// (an edge list, a values file) are loaded once and shared by every point that names them, each
// load bounded by `memory_bytes`.
Prepared prepare(const StoreOrigin& origin, bool load_graphs, std::uint64_t memory_bytes) {
  Prepared p;
  p.origin = origin;
  p.plan =
      parse_sweep(origin.scenario_text, origin.scenario_label, origin.base_dir,
                  parse_override(origin.seed_override), parse_override(origin.replicates_override));
  refuse_funding(p.plan.points.front().scenario, origin.scenario_label, "'sweep'");
  p.origin.points = p.plan.points.size();
  p.origin.replicates = p.plan.replicates;
  std::string all = p.plan.spec_json;
  std::vector<std::vector<std::string>> names;
  SharedFiles shared;
  for (const SweepPoint& pt : p.plan.points) {
    const std::string json = scenario_to_json(pt.scenario);
    all += json;
    Model m = load_graphs ? freeze(pt.scenario, {memory_bytes, &shared}) : describe(pt.scenario);
    p.behaviours.push_back(agents::make_behaviours(pt.scenario));
    std::vector<std::vector<std::string>> point_names;
    for (const auto& b : p.behaviours.back()) point_names.push_back(b->metric_names());
    if (p.models.empty()) {
      names = point_names;
    } else if (point_names != names) {
      throw InputError(origin.scenario_label, 0, "sweep",
                       "point " + std::to_string(pt.index) +
                           " changes which behaviour blocks its arms have; every point of a sweep "
                           "must have the same arms and blocks");
    }
    p.models.push_back(std::move(m));
  }
  p.columns = analysis::ArmColumns::from(names);
  p.identity.spec_hash = scenario_hash(all);
  p.identity.runs_header = analysis::runs_csv_header(p.columns);
  return p;
}

// The point's parameter values as CSV fields (strings without their JSON quotes).
std::string point_fields(const SweepPoint& pt) {
  std::string out = std::to_string(pt.index);
  for (const auto& [path, value] : pt.values) {
    std::string v = value;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    out += ',';
    out += csv_field(v);
  }
  return out;
}

// A point's identity into the open JSON object: its index, seed and swept values (as written).
void point_identity_json(JsonWriter& w, const SweepPoint& pt) {
  w.key("point").value(pt.index);
  w.key("seed").value(pt.scenario.seed);
  w.key("values").begin_object();
  for (const auto& [k, v] : pt.values) w.key(k).raw(v);
  w.end_object();
}

// Exports runs.csv and summary.csv from the stores, point by point (memory: one point's rows).
// Every item must come with whole rows: a checksum mismatch, a missing item, or a row that does
// not parse is an InputError naming the store and the item, and nothing is written.
void export_results(const Prepared& p, const std::vector<fs::path>& files, const fs::path& dir) {
  const std::uint64_t P = p.plan.points.size();
  const std::uint64_t R = p.plan.replicates;
  const std::size_t fields =
      static_cast<std::size_t>(
          std::count(p.identity.runs_header.begin(), p.identity.runs_header.end(), ',')) +
      1;
  std::uint64_t expected = 0;  // the next item, as point * R + replicate
  std::size_t item_rows = 0;   // rows of the current item so far
  auto missing = [&](std::uint64_t index) {
    const fs::path holder = store_with_item(files, index / R, index % R);
    return InputError(holder.empty() ? dir.string() : holder.string(), 0, "",
                      "damaged item (point " + std::to_string(index / R) + ", replicate " +
                          std::to_string(index % R) +
                          "): recorded as done but no store holds its rows; move the store out "
                          "of the folder and run its shard again with --resume to recompute its "
                          "items");
  };
  std::string param_header = "point";
  for (const auto& path : p.plan.parameters) param_header += "," + csv_field(path);
  // summary.json: the sweep, then per point its values and a single run's summary.json.
  AtomicFile json_file(dir / "summary.json");
  std::ostream& json = json_file.stream();
  {
    JsonWriter w;
    w.begin_object();
    w.key("scenario").value(p.plan.name);
    w.key("master_seed").value(p.plan.master_seed);
    w.key("replicates_per_point").value(p.plan.replicates);
    w.key("parameters").begin_array();
    for (const auto& s : p.plan.parameters) w.value(s);
    w.end_array();
    w.key("points").begin_array();
    w.end_array();
    w.end_object();
    const std::string head = w.str();
    json << head.substr(0, head.rfind(']')) << '\n';  // the points follow, one by one
  }
  write_file_atomically(dir / "runs.csv", [&](std::ostream& runs) {
    write_file_atomically(dir / "summary.csv", [&](std::ostream& summary) {
      bool first_point = true;
      runs << param_header << ',' << p.identity.runs_header << '\n';
      std::unique_ptr<analysis::RunTable> table;
      std::uint64_t current = ~std::uint64_t{0};
      std::uint64_t current_rep = ~std::uint64_t{0};
      std::vector<analysis::RunRow> rep_rows;
      bool header_done = false;
      auto flush_replicate = [&] {
        if (table && !rep_rows.empty()) table->add_rows(rep_rows);
        rep_rows.clear();
      };
      auto flush_point = [&] {
        flush_replicate();
        if (!table) return;
        std::ostringstream s;
        analysis::write_summary_csv(*table, s);
        std::string text = s.str();
        const std::size_t eol = text.find('\n');
        if (!header_done) {
          summary << param_header << ',' << text.substr(0, eol) << '\n';
          header_done = true;
        }
        const std::string prefix = point_fields(p.plan.points[current]) + ",";
        std::size_t pos = eol + 1;
        while (pos < text.size()) {
          const std::size_t next = text.find('\n', pos);
          summary << prefix << text.substr(pos, next - pos) << '\n';
          pos = next + 1;
        }
        std::ostringstream point_summary;
        analysis::write_summary_json(p.models[current], *table, point_summary);
        const SweepPoint& pt = p.plan.points[current];
        JsonWriter w;
        w.begin_object();
        point_identity_json(w, pt);
        std::string ps = point_summary.str();
        while (!ps.empty() && ps.back() == '\n') ps.pop_back();
        w.key("summary").raw(ps);
        w.end_object();
        std::string one = w.str();
        while (!one.empty() && one.back() == '\n') one.pop_back();
        json << (first_point ? "" : ",\n") << one;
        first_point = false;
      };
      std::size_t groups = 0;  // rows per item of the current point
      for_each_row(
          files, p.identity, P, R,
          [&](const fs::path& file, std::uint64_t point, std::uint64_t rep,
              const std::string& row) {
            auto damaged = [&](const std::string& what) {
              return InputError(file.string(), 0, "",
                                "damaged item (point " + std::to_string(point) + ", replicate " +
                                    std::to_string(rep) + "): " + what +
                                    "; move the store out of the folder and run its shard again "
                                    "with --resume to recompute its items");
            };
            if (point != current || rep != current_rep) {
              if (current != ~std::uint64_t{0} && item_rows != groups)
                throw damaged("it has " + std::to_string(item_rows) + " rows, expected " +
                              std::to_string(groups));
              if (point * R + rep != expected) throw missing(expected);
              ++expected;
              item_rows = 0;
            }
            if (point != current) {
              flush_point();
              current = point;
              current_rep = ~std::uint64_t{0};
              const Scenario& sc = p.models[point].scenario;
              groups = sc.arms.size() * sc.mechanisms.size();
              table = std::make_unique<analysis::RunTable>(p.models[point], p.columns, nullptr);
            }
            if (rep != current_rep) {
              flush_replicate();
              current_rep = rep;
            }
            if (++item_rows > groups ||
                static_cast<std::size_t>(std::count(row.begin(), row.end(), ',')) + 1 != fields)
              throw damaged("a row does not have this sweep's shape");
            analysis::RunRow parsed;
            try {
              parsed = analysis::parse_runs_csv_row(row);
            } catch (const std::exception& e) {
              throw damaged(std::string("a row does not parse (") + e.what() + ")");
            }
            if (parsed.replicate != rep) throw damaged("a row names another replicate");
            runs << point_fields(p.plan.points[point]) << ',' << row << '\n';
            rep_rows.push_back(std::move(parsed));
          });
      if (current != ~std::uint64_t{0} && item_rows != groups)
        throw InputError(dir.string(), 0, "", "the last item has too few rows; a store is damaged");
      if (expected != P * R) throw missing(expected);
      flush_point();
    });
  });
  json << "\n]}\n";
  json_file.commit();
}

// The sweep's manifest: its provenance (api/sweep_records.hpp), the resolved sweep and its points,
// the run records of `stores`, and once exported (`exported`) the size and hash of each file.
std::string sweep_manifest(const Prepared& p, std::uint64_t shards, unsigned threads,
                           const std::vector<fs::path>& stores, const fs::path* exported) {
  JsonWriter w;
  w.begin_object();
  w.key("spec_hash").value(p.identity.spec_hash);  // first: readers look for it at the top
  write_sweep_provenance(w, p.plan.name, p.origin);
  w.key("sweep").raw(p.plan.spec_json);
  w.key("design").value(to_string(p.plan.design));
  w.key("master_seed").value(p.plan.master_seed);
  w.key("points").value(static_cast<std::uint64_t>(p.plan.points.size()));
  w.key("replicates_per_point").value(p.plan.replicates);
  w.key("items").value(p.items());
  w.key("shards").value(shards);
  w.key("threads").value(threads);
  w.key("parameters").begin_array();
  for (const auto& s : p.plan.parameters) w.value(s);
  w.end_array();
  w.key("point_list").begin_array();
  for (const SweepPoint& pt : p.plan.points) {
    w.begin_object();
    point_identity_json(w, pt);
    w.end_object();
  }
  w.end_array();
  write_store_records(w, stores);
  if (exported) {
    static const char* const kFiles[] = {"runs.csv", "summary.csv", "summary.json"};
    w.key("files").begin_array();
    for (const char* f : kFiles) w.value(f);
    w.end_array();
    w.key("checksums").begin_object();
    for (const char* f : kFiles) {
      w.key(f).begin_object();
      w.key("bytes").value(static_cast<std::uint64_t>(fs::file_size(*exported / f)));
      w.key("fnv1a64").value(hex64(file_fnv1a64(*exported / f)));
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
  return w.str();
}

// The spec hash a folder's manifest.json names, "" when it has none, nullopt without a manifest.
std::optional<std::string> manifest_spec_hash(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir / "manifest.json", ec)) return std::nullopt;
  if (!fs::is_regular_file(dir / "manifest.json", ec)) return std::string();
  std::ifstream f(dir / "manifest.json", std::ios::binary);
  std::string text(64 * 1024, '\0');
  f.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(f.gcount()));
  const std::string key = "\"spec_hash\": \"";
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return std::string();
  const std::size_t end = text.find('"', at + key.size());
  if (end == std::string::npos) return std::string();
  return text.substr(at + key.size(), end - at - key.size());
}

// The lock every process takes on a sweep folder while it writes the manifest or exports.
FileLock lock_folder(const fs::path& dir) { return FileLock(dir / "sweep.lock", true, ""); }

}  // namespace sweep_detail

namespace {

using namespace sweep_detail;

// Refuses an output folder that holds results other than this sweep's.
void check_merge_target(const fs::path& out_dir, const Prepared& p) {
  std::error_code ec;
  if (!fs::exists(out_dir, ec)) return;
  if (!fs::is_directory(out_dir, ec))
    throw InputError(out_dir.string(), 0, "", "exists and is not a folder", ErrorKind::io);
  const std::string refuse = "; merge into a new folder";
  for (const fs::path& f : store_files(out_dir)) {
    const auto [id, origin] = read_store_header(f);
    if (id.spec_hash != p.identity.spec_hash) {
      throw InputError(out_dir.string(), 0, "",
                       "holds results of another sweep (" + f.filename().string() + ", spec hash " +
                           id.spec_hash + "; this sweep " + p.identity.spec_hash + ")" + refuse);
    }
  }
  const auto hash = manifest_spec_hash(out_dir);
  if (hash && *hash != p.identity.spec_hash) {
    throw InputError(out_dir.string(), 0, "",
                     hash->empty()
                         ? "holds a manifest.json that is not this sweep's" + refuse
                         : "holds results of another sweep (manifest.json: spec hash " + *hash +
                               "; this sweep " + p.identity.spec_hash + ")" + refuse);
  }
  if (!hash && (fs::exists(out_dir / "runs.csv", ec) || fs::exists(out_dir / "summary.csv", ec))) {
    throw InputError(out_dir.string(), 0, "",
                     "holds a runs.csv or summary.csv without a sweep manifest" + refuse);
  }
}

}  // namespace

void merge_sweep(const fs::path& out_dir, const std::vector<fs::path>& inputs, std::ostream& out) {
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    if (!fs::is_directory(in)) throw InputError(in.string(), 0, "", "not a folder", ErrorKind::io);
    const auto f = store_files(in);
    if (f.empty())
      throw InputError(in.string(), 0, "", "holds no result store (*.sqlite)", ErrorKind::io);
    files.insert(files.end(), f.begin(), f.end());
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  const auto [identity, origin] = read_store_header(files.front());
  const Prepared p = prepare(origin, false);
  if (p.identity.spec_hash != identity.spec_hash) {
    throw InputError(files.front().string(), 0, "",
                     "was written by another version of this scenario; rerun it");
  }
  check_merge_target(out_dir, p);
  const StoreSummary s =
      read_items(files, identity, p.plan.points.size(), p.plan.replicates, nullptr);
  if (s.done != p.items()) {
    throw InputError("", 0, "",
                     "the inputs hold " + std::to_string(s.done) + " of " +
                         std::to_string(p.items()) +
                         " items; run the missing shards (or --resume them) first");
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec)
    throw InputError(out_dir.string(), 0, "", "cannot create folder: " + ec.message(),
                     ErrorKind::io);
  // The stores are read where they are, through SQLite: a killed writer's items still in its
  // -wal file are read too, and nothing of theirs is copied into the output folder.
  const FileLock folder_lock = lock_folder(out_dir);
  check_merge_target(out_dir, p);  // again, under the lock
  export_results(p, files, out_dir);
  // The shards the stores were written as (the largest N of their shard-I-of-N names).
  std::uint64_t shards = 1;
  for (const auto& f : files)
    if (const auto sh = store_shard(f)) shards = std::max(shards, sh->second);
  write_file_atomically(out_dir / "manifest.json", [&](std::ostream& m) {
    m << sweep_manifest(p, shards, 0, files, &out_dir);
  });
  out << "merged " << files.size() << " store file(s), " << s.done << " items, into "
      << (out_dir / "runs.csv").string() << " and summary.csv\n";
}

}  // namespace qvsim
