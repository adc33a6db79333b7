// qvsim._core: the C++ calls behind the Python package (python/qvsim/__init__.py).
//
// Each function takes what the command line's options give the library (api/run_command.hpp,
// api/sweep_command.hpp, api/analysis_commands.hpp) and returns the text the command would print.
// Long calls run on a worker thread with the GIL released while the calling thread waits,
// checking for Ctrl-C every 50 ms: a KeyboardInterrupt asks the call to stop at its next item
// boundary (sim/interrupt.hpp, request_interrupt), exactly as SIGINT stops the command line, and
// is raised once it has (nothing half-written is left). InputError becomes qvsim.InputError with
// the same class, file, line and key as the command line's message.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/analysis_commands.hpp"
#include "api/build_info.hpp"
#include "api/resources.hpp"
#include "api/run_command.hpp"
#include "api/sweep_command.hpp"
#include "sim/error.hpp"
#include "sim/interrupt.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace qvsim {
namespace {

// What a call printed: its standard output and its warnings.
struct Printed {
  std::string out;
  std::string err;
  int code = 0;
};

// Runs `work` on a worker thread with the GIL released; the calling thread checks Python's
// signals meanwhile. Rethrows what `work` threw; raises KeyboardInterrupt after a Ctrl-C.
template <class Work>
Printed call_interruptibly(Work work) {
  Printed printed;
  std::exception_ptr failure;
  bool done = false;
  bool interrupted = false;
  std::mutex m;
  std::condition_variable cv;
  {
    py::gil_scoped_release release;
    std::thread worker([&] {
      std::ostringstream out;
      std::ostringstream err;
      int code = 0;
      std::exception_ptr e;
      try {
        code = work(out, err);
      } catch (...) {
        e = std::current_exception();
      }
      const std::lock_guard<std::mutex> lock(m);
      printed = Printed{out.str(), err.str(), code};
      failure = e;
      done = true;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(m);
    while (!done) {
      cv.wait_for(lock, std::chrono::milliseconds(50));
      if (done || interrupted) continue;
      lock.unlock();
      {
        py::gil_scoped_acquire acquire;
        // PyErr_CheckSignals runs Python's handlers; SIGINT's raises KeyboardInterrupt, which stays
        // set until this call returns.
        if (PyErr_CheckSignals() != 0) {
          interrupted = true;
          request_interrupt(SIGINT);
        }
      }
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  if (interrupted) {
    clear_pending_interrupt();
    // Stopped by the Ctrl-C: KeyboardInterrupt with what the call saved (Interrupted's message).
    if (failure) {
      PyErr_Clear();
      std::rethrow_exception(failure);
    }
    throw py::error_already_set();  // it had finished: Python's own KeyboardInterrupt
  }
  if (failure) std::rethrow_exception(failure);
  return printed;
}

MemoryCap memory_cap(const std::optional<std::string>& text) {
  return text ? parse_memory_cap("max_memory", *text) : MemoryCap{};
}

py::dict as_dict(const Printed& p) {
  py::dict d;
  d["out"] = p.out;
  d["err"] = p.err;
  d["code"] = p.code;
  return d;
}

}  // namespace
}  // namespace qvsim

PYBIND11_MODULE(_core, m) {
  using namespace qvsim;
  m.doc() = "qvsim's C++ calls; use the qvsim package, not this module";
  m.attr("version") = std::string(build_info::kVersion);
  m.attr("git_commit") = std::string(build_info::kGitCommit);

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      py::object cls = py::module_::import("qvsim").attr("InputError");
      py::object err = cls(std::string(to_string(e.kind())), e.file(), e.line(), e.key(),
                           e.message(), std::string(e.what()));
      PyErr_SetObject(cls.ptr(), err.ptr());
    } catch (const fs::filesystem_error& e) {
      // As the command line reports it: the environment refused a file (error (io), exit 2).
      py::object cls = py::module_::import("qvsim").attr("InputError");
      py::object err = cls(std::string("io"), e.path1().string(), 0, std::string(),
                           std::string(e.what()), std::string(e.what()));
      PyErr_SetObject(cls.ptr(), err.ptr());
    } catch (const Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });

  m.def(
      "run",
      [](const fs::path& scenario_file, std::optional<std::string> scenario_text,
         const fs::path& base_dir, std::optional<fs::path> out_dir, unsigned threads,
         std::optional<std::uint64_t> seed, std::optional<std::uint64_t> replicates, bool overwrite,
         bool proposals, bool rounds, std::vector<std::uint64_t> agents,
         std::optional<std::uint64_t> graphml, std::optional<std::string> max_memory) {
        RunRequest req;
        req.scenario_file = scenario_file;
        req.scenario_text = std::move(scenario_text);
        req.base_dir = base_dir;
        req.out_dir = std::move(out_dir);
        req.threads = threads;
        req.seed = seed;
        req.replicates = replicates;
        req.quiet = true;
        req.overwrite = overwrite;
        req.proposals = proposals;
        req.rounds = rounds;
        req.agents = std::move(agents);
        req.graphml = graphml;
        req.max_memory = memory_cap(max_memory);
        fs::path dir;
        Printed p = call_interruptibly([&](std::ostream& out, std::ostream& err) {
          dir = run_scenario(req, out, err);
          return 0;
        });
        py::dict d = as_dict(p);
        d["dir"] = dir.string();
        return d;
      },
      py::arg("scenario_file"), py::arg("scenario_text"), py::arg("base_dir"), py::arg("out_dir"),
      py::arg("threads"), py::arg("seed"), py::arg("replicates"), py::arg("overwrite"),
      py::arg("proposals"), py::arg("rounds"), py::arg("agents"), py::arg("graphml"),
      py::arg("max_memory"));

  m.def(
      "validate",
      [](const fs::path& scenario_file, unsigned threads, std::optional<std::string> max_memory) {
        const MemoryCap cap = memory_cap(max_memory);
        return as_dict(call_interruptibly([&](std::ostream& out, std::ostream&) {
          validate_scenario_file(scenario_file, threads, cap, out);
          return 0;
        }));
      },
      py::arg("scenario_file"), py::arg("threads"), py::arg("max_memory"));

  m.def(
      "sweep",
      [](const fs::path& scenario_file, std::optional<fs::path> out_dir, unsigned threads,
         std::optional<std::uint64_t> seed, std::optional<std::uint64_t> replicates,
         std::uint64_t shard, std::uint64_t shards, bool resume, bool dry_run, bool fail_fast,
         std::optional<std::string> max_memory) {
        SweepRequest req;
        req.scenario_file = scenario_file;
        req.out_dir = std::move(out_dir);
        req.threads = threads;
        req.seed = seed;
        req.replicates = replicates;
        req.shard = shard;
        req.shards = shards;
        req.resume = resume;
        req.dry_run = dry_run;
        req.quiet = !dry_run;
        req.fail_fast = fail_fast;
        req.max_memory = memory_cap(max_memory);
        if (shards < 1 || shard >= shards) {
          throw InputError("", 0, "shard",
                           "must be I/N with 0 <= I < N, got " + std::to_string(shard) + "/" +
                               std::to_string(shards),
                           ErrorKind::usage);
        }
        return as_dict(call_interruptibly(
            [&](std::ostream& out, std::ostream& err) { return run_sweep(req, out, err); }));
      },
      py::arg("scenario_file"), py::arg("out_dir"), py::arg("threads"), py::arg("seed"),
      py::arg("replicates"), py::arg("shard"), py::arg("shards"), py::arg("resume"),
      py::arg("dry_run"), py::arg("fail_fast"), py::arg("max_memory"));

  m.def(
      "merge",
      [](const fs::path& out_dir, const std::vector<fs::path>& inputs) {
        return as_dict(call_interruptibly([&](std::ostream& out, std::ostream&) {
          merge_sweep(out_dir, inputs, out);
          return 0;
        }));
      },
      py::arg("out_dir"), py::arg("inputs"));

  m.def(
      "status",
      [](const fs::path& dir) {
        return as_dict(call_interruptibly([&](std::ostream& out, std::ostream&) {
          sweep_status(dir, out);
          return 0;
        }));
      },
      py::arg("dir"));

  m.def(
      "threshold",
      [](const fs::path& input, const std::string& attack, const std::string& target,
         std::optional<std::string> range, std::optional<std::string> arm,
         std::vector<std::string> mechanisms, std::vector<std::string> ballots,
         std::optional<double> width, std::optional<std::uint64_t> replicates,
         std::optional<std::uint64_t> max_replicates, std::optional<std::uint64_t> seed,
         unsigned threads, const fs::path& out_file, std::optional<std::string> max_memory) {
        ThresholdRequest req;
        req.input = input;
        req.attack = attack;
        set_threshold_target(req, "target", target);
        if (range) set_threshold_range(req, "range", *range);
        if (arm) req.arm = *arm;
        req.mechanisms = std::move(mechanisms);
        req.ballots = std::move(ballots);
        req.width = width;
        req.replicates = replicates;
        req.max_replicates = max_replicates;
        req.seed = seed;
        req.threads = threads;
        req.out_file = out_file;
        req.max_memory = memory_cap(max_memory);
        return as_dict(call_interruptibly(
            [&](std::ostream& out, std::ostream& err) { return find_thresholds(req, out, err); }));
      },
      py::arg("input"), py::arg("attack"), py::arg("target"), py::arg("range"), py::arg("arm"),
      py::arg("mechanisms"), py::arg("ballots"), py::arg("width"), py::arg("replicates"),
      py::arg("max_replicates"), py::arg("seed"), py::arg("threads"), py::arg("out_file"),
      py::arg("max_memory"));
  m.def(
      "analyze",
      [](const fs::path& dir, std::vector<std::string> by, std::optional<std::uint64_t> seed,
         std::optional<std::uint64_t> resamples, std::optional<std::string> baseline) {
        AnalyzeRequest req;
        req.dir = dir;
        req.options.by = std::move(by);
        if (seed) req.options.seed = *seed;
        if (resamples) req.options.resamples = *resamples;
        if (baseline) req.options.baseline = *baseline;
        return as_dict(call_interruptibly(
            [&](std::ostream& out, std::ostream&) { return analyze_results(req, out); }));
      },
      py::arg("dir"), py::arg("by"), py::arg("seed"), py::arg("resamples"), py::arg("baseline"));
  m.def(
      "plot",
      [](const fs::path& dir, std::optional<std::string> x, std::vector<std::string> y,
         std::optional<std::string> facet, std::vector<std::string> where, std::string format) {
        PlotRequest req;
        req.dir = dir;
        req.x = std::move(x);
        req.y = std::move(y);
        req.facet = std::move(facet);
        req.where = std::move(where);
        req.format = std::move(format);
        return as_dict(call_interruptibly(
            [&](std::ostream& out, std::ostream& err) { return plot_results(req, out, err); }));
      },
      py::arg("dir"), py::arg("x"), py::arg("y"), py::arg("facet"), py::arg("where"),
      py::arg("format"));
  m.def(
      "report",
      [](const fs::path& dir) {
        return as_dict(call_interruptibly(
            [&](std::ostream& out, std::ostream& err) { return write_report(dir, out, err); }));
      },
      py::arg("dir"));
}
