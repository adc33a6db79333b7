#pragma once
// The output of a `run`, shared by the voting and the funding runs (api/run_command.cpp,
// api/funding_run.cpp; defined in api/run_folder.cpp): the locked folder, its staged files and
// the manifest's common fields.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "api/run_command.hpp"
#include "sim/atomic_file.hpp"
#include "sim/interrupt.hpp"
#include "sim/json.hpp"

namespace qvsim::run_detail {

using FileList = std::vector<std::pair<std::string, const AtomicFile*>>;

// The files every voting run writes (a funding run writes runs.csv and manifest.json of them);
// any of them in a folder marks it as holding a run.
inline constexpr const char* kRunFiles[] = {"runs.csv", "summary.csv", "summary.json",
                                            "manifest.json"};

// One run's output while it is written. The folder is request.out_dir, or the first of
// results/<name>, results/<name>-2, ... that holds no run, created and locked for the run (a
// second run or export into it fails at once); a switch a killed run left half done is completed
// first. SIGINT and SIGTERM are deferred from construction on: every file is written into a
// staging folder and published together by publish(), so a failure or a signal before that
// leaves the folder as it was. Throws InputError (io) when --out is not a folder, or holds a run
// and !request.overwrite.
class RunOutput {
 public:
  RunOutput(const RunRequest& request, const std::string& name);

  const std::filesystem::path& dir() const noexcept { return dir_; }
  // What an interrupted run tells the user was saved: nothing.
  const std::string& unchanged() const noexcept { return unchanged_; }
  // A new file of the run, whose size and checksum the manifest records; commit() it when
  // written.
  AtomicFile& add(const std::string& name);
  const FileList& files() const noexcept { return files_; }
  // Writes manifest.json last, publishes every file together, and removes what was derived from
  // the earlier run (plots/, analysis/, report.html). Throws Interrupted for a signal that came
  // before, and InputError (io).
  void publish(const std::string& manifest);

 private:
  explicit RunOutput(std::pair<std::filesystem::path, FolderLock> chosen);

  std::filesystem::path dir_;
  FolderLock lock_;
  DeferInterrupts defer_;
  std::string unchanged_;
  FileSet set_;
  FileList files_;
};

// The fields every run's manifest starts with: version, commit, compiler, build flags, kind
// (funding runs only), threads, start time, wall seconds, seed, replicates, the scenario's hash
// and the scenario itself.
void write_manifest_head(JsonWriter& w, const Model& model, const std::string& scenario_json,
                         unsigned threads, double seconds, const std::string& started);

// "checksums": each file's size and FNV-1a 64 hash, what a reader checks before trusting them.
void write_checksums(JsonWriter& w, const FileList& files);

}  // namespace qvsim::run_detail
