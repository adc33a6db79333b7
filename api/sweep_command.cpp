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
#include "api/detail/sweep_export.hpp"
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

using namespace sweep_detail;

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

fs::path default_out(const std::string& name) { return fs::path("results") / (name + "-sweep"); }

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

}  // namespace qvsim
