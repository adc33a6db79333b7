#include "api/detail/run_folder.hpp"

#include <system_error>

#include "api/build_info.hpp"
#include "api/provenance.hpp"
#include "sim/error.hpp"
#include "sim/hash.hpp"

namespace qvsim {
namespace fs = std::filesystem;
using run_detail::kRunFiles;

namespace {

bool holds_run(const fs::path& dir) {
  for (const char* f : kRunFiles)
    if (fs::exists(dir / f)) return true;
  return false;
}

fs::path create_folder(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw InputError(dir.string(), 0, "--out", "cannot create folder: " + ec.message(),
                     ErrorKind::io);
  return dir;
}

// Files of an earlier run that a new run (of either kind) removes when it does not write them.
const std::vector<std::string> kReplaced = {"runs.csv",      "summary.csv",  "summary.json",
                                            "proposals.csv", "rounds.csv",   "agents.csv",
                                            "graph.graphml", "projects.csv", "manifest.json"};

// The output folder, locked for this run: a second run or export into it fails at once, and
// the "already holds a run" check cannot race with another run's files appearing. A switch that
// a killed run left half done is completed first.
std::pair<fs::path, FolderLock> choose_out_dir(const RunRequest& req, const std::string& name) {
  if (req.out_dir) {
    const fs::path dir = *req.out_dir;
    if (fs::exists(dir) && !fs::is_directory(dir)) {
      throw InputError("", 0, "--out", "'" + dir.string() + "' exists and is not a folder",
                       ErrorKind::io);
    }
    FolderLock lock(create_folder(dir));
    finish_file_set(dir);
    if (!req.overwrite && holds_run(dir)) {
      throw InputError("", 0, "--out",
                       "'" + dir.string() +
                           "' already holds a run; choose another folder or pass "
                           "--overwrite",
                       ErrorKind::io);
    }
    return {dir, std::move(lock)};
  }
  // The first of results/<name>, results/<name>-2, ... that holds no run and that no other
  // process is writing.
  const fs::path base = fs::path("results") / name;
  for (int i = 1;; ++i) {
    const fs::path dir = i == 1 ? base : fs::path(base.string() + "-" + std::to_string(i));
    if (fs::exists(dir) && (!fs::is_directory(dir) || holds_run(dir))) continue;
    auto lock = FolderLock::try_lock(create_folder(dir));
    if (!lock) continue;
    finish_file_set(dir);
    if (holds_run(dir)) continue;
    return {dir, std::move(*lock)};
  }
}

}  // namespace

run_detail::RunOutput::RunOutput(const RunRequest& request, const std::string& name)
    : RunOutput(choose_out_dir(request, name)) {}

run_detail::RunOutput::RunOutput(std::pair<fs::path, FolderLock> chosen)
    : dir_(std::move(chosen.first)),
      lock_(std::move(chosen.second)),
      // A run is not resumable (its replicates are written in order, as one file): it starts
      // over.
      unchanged_("nothing was written; " + dir_.string() +
                 " is as it was; a run cannot be resumed, so run the same command again to start "
                 "it over"),
      set_(dir_, kReplaced) {}

AtomicFile& run_detail::RunOutput::add(const std::string& name) {
  AtomicFile& f = set_.add(name);
  files_.emplace_back(name, &f);
  return f;
}

void run_detail::RunOutput::publish(const std::string& manifest) {
  AtomicFile& manifest_file = set_.add("manifest.json");
  manifest_file.stream() << manifest;
  manifest_file.commit();
  throw_if_interrupted(unchanged_);
  set_.commit();
  // What was derived from the earlier run (its figures, analysis, report) goes with it; a
  // process killed before this leaves them, and their recorded results hash marks them stale.
  remove_derived_files(dir_);
}

void run_detail::write_manifest_head(JsonWriter& w, const Model& model,
                                     const std::string& scenario_json, unsigned threads,
                                     double seconds, const std::string& started) {
  w.key("qvsim_version").value(build_info::kVersion);
  w.key("git_commit").value(build_info::kGitCommit);
  w.key("compiler").value(build_info::kCompilerId);
  w.key("build_flags").value(build_info::kBuildFlags);
  // Early in the file, where refuse_funding_results() looks for it.
  if (model.scenario.kind == ScenarioKind::funding) w.key("kind").value("funding");
  w.key("threads").value(threads);
  w.key("started_utc").value(started);
  w.key("wall_seconds").value(seconds);
  w.key("seed").value(model.scenario.seed);
  w.key("replicates").value(model.scenario.replicates);
  w.key("scenario_hash").value(scenario_hash(scenario_json));
  w.key("scenario").raw(scenario_json);
}

void run_detail::write_checksums(JsonWriter& w, const FileList& files) {
  w.key("checksums").begin_object();
  for (const auto& [name, file] : files) {
    w.key(name).begin_object();
    w.key("bytes").value(file->bytes());
    w.key("fnv1a64").value(hex64(file->fnv1a64()));
    w.end_object();
  }
  w.end_object();
}

}  // namespace qvsim
