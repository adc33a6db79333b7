#include "api/sweep_command.hpp"

#ifdef QVSIM_WITH_MPI
#include <mpi.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include "agents/behaviours.hpp"
#include "analysis/run_table.hpp"
#include "api/build_info.hpp"
#include "api/progress.hpp"
#include "api/provenance.hpp"
#include "api/result_store.hpp"
#include "api/run_command.hpp"
#include "api/scenario_yaml.hpp"
#include "api/sweep_records.hpp"
#include "api/sweep_spec.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/interrupt.hpp"
#include "sim/json.hpp"
#include "sim/parallel.hpp"
#include "sim/runner.hpp"
#include "sim/text.hpp"

namespace qvsim {
namespace fs = std::filesystem;
namespace {

// Everything a sweep needs, built and validated before any item runs.
struct Prepared {
  SweepPlan plan;
  std::vector<Model> models;              // per point
  std::vector<ArmBehaviours> behaviours;  // per point
  analysis::ArmColumns columns;           // the same for every point
  StoreIdentity identity;
  StoreOrigin origin;
  std::uint64_t items() const { return plan.points.size() * plan.replicates; }
};

std::optional<std::uint64_t> parse_override(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return std::stoull(s);
}

// Builds models and behaviours for every point; `load_graphs` is false when only exporting. Files
// (an edge list, a values file) are loaded once and shared by every point that names them, each
// load bounded by `memory_bytes`.
Prepared prepare(const StoreOrigin& origin, bool load_graphs,
                 std::uint64_t memory_bytes = std::numeric_limits<std::uint64_t>::max()) {
  Prepared p;
  p.origin = origin;
  p.plan =
      parse_sweep(origin.scenario_text, origin.scenario_label, origin.base_dir,
                  parse_override(origin.seed_override), parse_override(origin.replicates_override));
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
        w.key("point").value(pt.index);
        w.key("seed").value(pt.scenario.seed);
        w.key("values").begin_object();
        for (const auto& [k, v] : pt.values) w.key(k).raw(v);
        w.end_object();
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
    w.key("point").value(pt.index);
    w.key("seed").value(pt.scenario.seed);
    w.key("values").begin_object();
    for (const auto& [k, v] : pt.values) w.key(k).raw(v);
    w.end_object();
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

// A bounded queue from workers to the one writer thread.
class ResultQueue {
 public:
  explicit ResultQueue(std::size_t capacity) : capacity_(capacity) {}
  void push(ItemResult r) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_; });
    q_.push_back(std::move(r));
    // Wake the writer only for a batch (its timed wait picks up the rest): waking it for every
    // item would preempt a worker each time.
    if (q_.size() >= capacity_ / 2) not_empty_.notify_one();
  }
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    not_empty_.notify_all();
  }
  // Waits up to `wait` for items and moves them to `out`; returns false once the queue is closed
  // and drained (what this call moved is still in `out`).
  bool pop_some(std::vector<ItemResult>& out, std::chrono::milliseconds wait) {
    std::unique_lock lock(m_);
    not_empty_.wait_for(lock, wait, [&] { return !q_.empty() || closed_; });
    while (!q_.empty()) {
      out.push_back(std::move(q_.front()));
      q_.pop_front();
    }
    not_full_.notify_all();
    return !closed_;
  }

 private:
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<ItemResult> q_;
  std::size_t capacity_;
  bool closed_ = false;
};

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

fs::path default_out(const std::string& name) { return fs::path("results") / (name + "-sweep"); }

// The lock every process takes on a sweep folder while it writes the manifest or exports.
FileLock lock_folder(const fs::path& dir) { return FileLock(dir / "sweep.lock", true, ""); }

// How the items of this shard are shared between processes.
struct Distribution {
  std::string store_name;  // this process's store file
  // The next ordinal j of this shard's item sequence (item = shard + j * shards) to run; called
  // from several threads.
  std::function<std::uint64_t()> next;
  std::function<void()> barrier;  // all processes reach this point
  bool leader = true;             // writes the manifest, exports and reports
};

int run_sweep_with(const SweepRequest& req, std::ostream& out, std::ostream& err,
                   Distribution& dist);

}  // namespace

int run_sweep(const SweepRequest& req, std::ostream& out, std::ostream& err) {
  std::atomic<std::uint64_t> counter{0};
  Distribution d;
  d.store_name =
      "shard-" + std::to_string(req.shard) + "-of-" + std::to_string(req.shards) + ".sqlite";
  d.next = [&counter] { return counter.fetch_add(1); };
  d.barrier = [] {};
  return run_sweep_with(req, out, err, d);
}

namespace {

int run_sweep_with(const SweepRequest& req, std::ostream& out, std::ostream& err,
                   Distribution& dist) {
  if (req.shards < 1 || req.shard >= req.shards) {
    throw InputError("", 0, "--shard",
                     "must be I/N with 0 <= I < N, got " + std::to_string(req.shard) + "/" +
                         std::to_string(req.shards));
  }
  StoreOrigin origin;
  origin.scenario_text = read_scenario_text(req.scenario_file);
  origin.scenario_label = req.scenario_file.string();
  {
    std::error_code ec;
    origin.scenario_path = fs::absolute(req.scenario_file, ec).lexically_normal().string();
  }
  origin.base_dir = req.scenario_file.parent_path().string();
  if (req.seed) origin.seed_override = std::to_string(*req.seed);
  if (req.replicates) origin.replicates_override = std::to_string(*req.replicates);
  if (req.resume && !req.dry_run) {
    // A resume continues the sweep as it was started: the overrides it was started with, recorded
    // in its stores, apply unless given again.
    const fs::path dir = req.out_dir
                             ? *req.out_dir
                             : default_out(parse_sweep(origin.scenario_text, origin.scenario_label,
                                                       origin.base_dir, req.seed, req.replicates)
                                               .name);
    const std::string taken = adopt_overrides(origin, dir);
    if (!taken.empty() && !req.quiet)
      err << "qvsim: resuming with " << taken << ", as the sweep in " << dir.string()
          << " was started\n";
  }
  const Prepared p = prepare(origin, !req.dry_run, memory_limit(req.max_memory));
  const unsigned threads = resolve_threads(req.threads);
  const std::uint64_t P = p.plan.points.size();
  const std::uint64_t total = p.items();
  {
    // Any thread may hold the largest point's replicate, so plan for that at every thread; a dry
    // run times up to three items, one at a time.
    std::uint64_t largest = 0;
    const Scenario* largest_scenario = &p.models.front().scenario;
    for (const Model& m : p.models) {
      if (const std::uint64_t b = estimate_replicate_bytes(m); b > largest) {
        largest = b;
        largest_scenario = &m.scenario;
      }
    }
    check_run_memory(largest, req.dry_run ? 1 : std::min<std::uint64_t>(threads, total),
                     *largest_scenario, req.max_memory, origin.scenario_label);
  }
  std::uint64_t shard_items = 0;
  if (total > req.shard) shard_items = (total - req.shard - 1) / req.shards + 1;

  auto run_item = [&](std::uint64_t item) {
    ItemResult r;
    r.point = item % P;
    r.replicate = item / P;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      const ReplicateOutcome o =
          run_replicate(p.models[r.point], p.behaviours[r.point], r.replicate);
      for (const auto& row : analysis::make_rows(p.models[r.point], p.columns, o)) {
        r.rows += analysis::runs_csv_row(row);
        r.rows += '\n';
      }
    } catch (const std::exception& e) {
      r.ok = false;
      r.error = e.what();
      r.rows.clear();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  };

  if (req.dry_run) {
    // Calibration: a few of this shard's items, timed (their results are discarded).
    std::vector<double> secs;
    std::size_t row_bytes = 0;
    std::size_t rows = 0;
    for (std::uint64_t i = req.shard; i < total && secs.size() < 3; i += req.shards) {
      const ItemResult r = run_item(i);
      secs.push_back(r.seconds);
      row_bytes += r.rows.size();
      rows += static_cast<std::size_t>(std::count(r.rows.begin(), r.rows.end(), '\n'));
    }
    double mean = 0.0;
    for (double s : secs) mean += s;
    mean = secs.empty() ? 0.0 : mean / static_cast<double>(secs.size());
    const double est = mean * static_cast<double>(shard_items) / threads;
    const double bytes_per_row =
        rows ? static_cast<double>(row_bytes) / static_cast<double>(rows) : 0.0;
    const double rows_total =
        static_cast<double>(total) *
        (rows ? static_cast<double>(rows) / static_cast<double>(secs.size()) : 0.0);
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "%s: %llu points x %llu replicates = %llu work items (%s design, %zu parameters)\n"
        "  this run (shard %llu/%llu): %llu items\n"
        "  estimated time: %s at %u threads (calibrated on %zu items, %.1f ms each)\n"
        "  estimated output: %.0f rows, runs.csv about %.1f MiB, store about %.1f MiB\n",
        p.plan.name.c_str(), static_cast<unsigned long long>(P),
        static_cast<unsigned long long>(p.plan.replicates), static_cast<unsigned long long>(total),
        to_string(p.plan.design), p.plan.parameters.size(),
        static_cast<unsigned long long>(req.shard), static_cast<unsigned long long>(req.shards),
        static_cast<unsigned long long>(shard_items), format_duration(est).c_str(), threads,
        secs.size(), mean * 1000.0, rows_total, rows_total * (bytes_per_row + 16.0) / 1048576.0,
        rows_total * (bytes_per_row + 40.0) / 1048576.0);
    out << buf;
    return 0;
  }

  const fs::path dir = req.out_dir ? *req.out_dir : default_out(p.plan.name);
  const DeferInterrupts defer;  // from here a signal stops the sweep at its next item boundary
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw InputError(dir.string(), 0, "--out", "cannot create folder: " + ec.message(),
                     ErrorKind::io);
  // One writer per store: the same shard started twice fails here, before anything is written.
  const fs::path own = dir / dist.store_name;
  const FileLock own_lock(dir / (own.stem().string() + ".lock"), false,
                          "another qvsim process is writing " + own.filename().string() +
                              " (the same shard started twice?); wait for it to finish, or give "
                              "this one another --shard or --out");
  const auto existing = store_files(dir);
  check_same_sweep(dir, existing, p.identity, p.origin);
  const bool own_exists = std::find(existing.begin(), existing.end(), own) != existing.end();
  if (!req.resume && own_exists) {
    throw InputError(dir.string(), 0, "--out",
                     "already holds this shard's results; pass --resume to continue, or choose "
                     "another folder",
                     ErrorKind::io);
  }
  // Items stored by any store in the folder (other shards' included) are skipped.
  std::vector<bool> done(total, false);
  read_items(existing, p.identity, P, p.plan.replicates,
             [&](std::uint64_t point, std::uint64_t rep) { done[rep * P + point] = true; });
  if (dist.leader) {
    // Shards started together all write the manifest and may all export: one at a time. A
    // manifest of this sweep already there (an earlier start's, or an export's with checksums)
    // is kept; the export writes the full one.
    const FileLock folder_lock = lock_folder(dir);
    if (manifest_spec_hash(dir) != p.identity.spec_hash) {
      write_file_atomically(dir / "manifest.json", [&](std::ostream& m) {
        m << sweep_manifest(p, req.shards, threads, existing, nullptr);
      });
    }
  }
  dist.barrier();  // every process has read what was done before any writes more

  std::uint64_t pending = 0;
  for (std::uint64_t i = req.shard; i < total; i += req.shards) pending += done[i] ? 0 : 1;
  const auto started = std::chrono::steady_clock::now();
  const std::string started_utc = utc_now();

  ResultStore store(own, p.identity, p.origin);
  std::uint64_t written = 0;
  std::atomic<std::uint64_t> failed{0};
  // What this process ran, appended to the run records in <store>.json beside its store (never
  // replacing an earlier run's): written now, so that a run killed later still leaves its record
  // ("ended": null), and again when it ends.
  auto record = [&](const char* ended) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    JsonWriter w;
    w.begin_object();
    w.key("store").value(dist.store_name);
    w.key("shard").value(req.shard);
    w.key("shards").value(req.shards);
    w.key("resumed").value(req.resume);
    w.key("started_utc").value(started_utc);
    w.key("wall_seconds").value(seconds);
    w.key("ended");
    if (ended) {
      w.value(ended);
    } else {
      w.null();
    }
    w.key("threads").value(threads);
    w.key("items_pending_at_start").value(pending);
    w.key("items_written").value(written);
    w.key("items_failed").value(failed.load());
    w.key("qvsim_version").value(build_info::kVersion);
    w.key("git_commit").value(build_info::kGitCommit);
    w.end_object();
    std::string text = w.str();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  };
  std::vector<std::string> records = read_run_records(own);
  records.push_back(record(nullptr));
  write_run_records(own, records);
  ResultQueue queue(16 * threads + 64);
  std::atomic<bool> stop{false};
  std::mutex first_failure_mutex;
  std::string first_failure;

  // The bar and the plain lines count this shard's items, those stored before a resume included.
  const std::uint64_t stored_before = shard_items - pending;
  ProgressBar bar(err, req.progress_bar && !req.quiet, "items");
  bar.start_at(stored_before);
  const bool plain_lines = !req.progress_bar && !req.quiet;
  std::exception_ptr writer_error;
  std::thread writer([&] {
    try {
      std::vector<ItemResult> batch;
      auto last_commit = std::chrono::steady_clock::now();
      auto last_line = last_commit;
      while (queue.pop_some(batch, std::chrono::milliseconds(200))) {
        const auto now = std::chrono::steady_clock::now();
        if (!batch.empty() &&
            (batch.size() >= 256 || now - last_commit > std::chrono::milliseconds(1000))) {
          store.put(batch);
          written += batch.size();
          batch.clear();
          last_commit = now;
          bar.update(stored_before + written, shard_items);
          if (plain_lines && now - last_line > std::chrono::seconds(10)) {
            err << "qvsim: " << stored_before + written << "/" << shard_items << " items\n"
                << std::flush;
            last_line = now;
          }
        }
      }
      if (!batch.empty()) {
        store.put(batch);
        written += batch.size();
      }
      bar.update(stored_before + written, shard_items);
    } catch (...) {
      writer_error = std::current_exception();
      stop = true;
      // Keep draining so that workers blocked on a full queue can finish.
      std::vector<ItemResult> sink;
      while (queue.pop_some(sink, std::chrono::milliseconds(50))) sink.clear();
    }
  });

  with_threads(threads, [&] {
    parallel_for_index(0u, threads, [&](unsigned) {
      while (!stop && pending_interrupt() == 0) {
        const std::uint64_t ordinal = dist.next();
        if (ordinal >= shard_items) break;
        const std::uint64_t item = req.shard + ordinal * req.shards;
        if (done[item]) continue;
        ItemResult r = run_item(item);
        if (!r.ok) {
          ++failed;
          std::lock_guard lock(first_failure_mutex);
          if (first_failure.empty())
            first_failure = "point " + std::to_string(r.point) + " replicate " +
                            std::to_string(r.replicate) + ": " + r.error;
          if (req.fail_fast) stop = true;
        }
        queue.push(std::move(r));
      }
    });
  });
  queue.close();
  writer.join();
  bar.finish();
  if (writer_error) std::rethrow_exception(writer_error);
  records.back() = record(pending_interrupt() != 0 ? "interrupted" : "finished");
  write_run_records(own, records);
  throw_if_interrupted(
      std::to_string(written) + " item(s) of this run are saved in " + dir.string() +
      "; continue with 'qvsim sweep " + req.scenario_file.string() + " --out " + dir.string() +
      (req.shards > 1 ? " --shard " + std::to_string(req.shard) + "/" + std::to_string(req.shards)
                      : std::string()) +
      " --resume'");
  dist.barrier();
  if (!dist.leader) return failed > 0 ? 1 : 0;

  // Export once every item of the whole sweep is stored (this was the last shard to finish).
  // Each shard looks after its own last commit, so the last to commit sees every item; two that
  // both see every item export in turn, the same bytes.
  const FileLock folder_lock = lock_folder(dir);
  const auto files = store_files(dir);
  const StoreSummary summary = read_items(files, p.identity, P, p.plan.replicates, nullptr);
  const bool complete = summary.done == total;
  if (complete) {
    export_results(p, files, dir);
    write_file_atomically(dir / "manifest.json", [&](std::ostream& m) {
      m << sweep_manifest(p, req.shards, threads, files, &dir);
    });
  }
  if (!req.quiet) {
    out << p.plan.name << ": " << summary.done << "/" << total << " items done";
    if (summary.failed > 0) out << ", " << summary.failed << " failed";
    out << (complete ? "; wrote " + (dir / "runs.csv").string() + " and summary.csv\n"
                     : "; results stored in " + dir.string() +
                           " (runs.csv is written when every item is done)\n");
  }
  if (failed > 0) {
    err << "qvsim: " << failed << " item(s) failed; first: " << first_failure << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

#ifdef QVSIM_WITH_MPI

int run_sweep_command(const SweepRequest& req, std::ostream& out, std::ostream& err) {
  const char* size_env = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (size_env == nullptr) size_env = std::getenv("PMI_SIZE");
  if (size_env == nullptr || std::atoi(size_env) < 2 || req.dry_run)
    return run_sweep(req, out, err);

  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  // A shared counter at rank 0; ranks take chunks of ordinals with an atomic fetch-and-add.
  std::uint64_t counter = 0;
  MPI_Win win;
  MPI_Win_create(rank == 0 ? &counter : nullptr, rank == 0 ? sizeof counter : 0, sizeof counter,
                 MPI_INFO_NULL, MPI_COMM_WORLD, &win);
  std::mutex mpi_mutex;  // MPI_THREAD_SERIALIZED: one thread in MPI at a time
  constexpr std::uint64_t kChunk = 4;
  std::uint64_t chunk_next = 0;
  std::uint64_t chunk_end = 0;
  Distribution d;
  d.store_name = "rank-" + std::to_string(rank) + "-of-" + std::to_string(size) + "-shard-" +
                 std::to_string(req.shard) + "-of-" + std::to_string(req.shards) + ".sqlite";
  d.leader = rank == 0;
  d.next = [&] {
    std::lock_guard lock(mpi_mutex);
    if (chunk_next == chunk_end) {
      const std::uint64_t add = kChunk;
      std::uint64_t got = 0;
      MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
      MPI_Fetch_and_op(&add, &got, MPI_UINT64_T, 0, 0, MPI_SUM, win);
      MPI_Win_unlock(0, win);
      chunk_next = got;
      chunk_end = got + kChunk;
    }
    return chunk_next++;
  };
  d.barrier = [&] {
    std::lock_guard lock(mpi_mutex);
    MPI_Barrier(MPI_COMM_WORLD);
  };
  int code = 0;
  try {
    // Only rank 0 reports; the others stay quiet.
    SweepRequest r = req;
    if (rank != 0) {
      r.quiet = true;
      r.progress_bar = false;
    }
    code = run_sweep_with(r, out, err, d);
  } catch (const InputError&) {
    // Every rank validated the same input and fails alike; rank 0 reports it.
    MPI_Win_free(&win);
    MPI_Finalize();
    if (rank == 0) throw;
    return 2;
  }
  int worst = 0;
  MPI_Allreduce(&code, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Win_free(&win);
  MPI_Finalize();
  return worst;
}

#else

int run_sweep_command(const SweepRequest& req, std::ostream& out, std::ostream& err) {
  return run_sweep(req, out, err);
}

#endif

namespace {

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
