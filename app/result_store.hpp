#pragma once
// The durable store of a sweep's results: one SQLite file per writer (shard or MPI rank), in WAL
// mode, each work item's rows committed in the same transaction as the item's record, so a
// process killed at any moment (kill -9 included) leaves every file holding whole items only.
// runs.csv and the summaries are always exported from these files.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct sqlite3;

namespace qvsim {

// What one work item (a point's replicate) produced.
struct ItemResult {
  std::uint64_t point = 0;
  std::uint64_t replicate = 0;
  bool ok = true;
  std::string error;     // when !ok
  double seconds = 0.0;  // wall time of the item
  std::string rows;  // runs.csv rows (without point columns), in make_rows order, each ending '\n'
};

// Identifies the sweep a store belongs to; a store of another sweep is refused.
struct StoreIdentity {
  std::string spec_hash;    // hash of the resolved sweep and scenario
  std::string runs_header;  // runs.csv header of the rows (without point columns)
};

// How to rebuild the sweep a store belongs to, recorded in every store file.
struct StoreOrigin {
  std::string scenario_text;   // the scenario file's text
  std::string scenario_label;  // its path as given
  std::string base_dir;        // folder relative paths in it resolve against
  std::string seed_override;   // decimal, or empty
  std::string replicates_override;
  std::uint64_t points = 0;
  std::uint64_t replicates = 0;
};

// Reads the identity and origin recorded in a store file; throws InputError if it is not one.
std::pair<StoreIdentity, StoreOrigin> read_store_header(const std::filesystem::path& file);

// One writer's file. Not thread-safe: one thread writes.
class ResultStore {
 public:
  // Opens or creates `file`; throws InputError when it belongs to another sweep or is not a
  // qvsim store.
  ResultStore(const std::filesystem::path& file, const StoreIdentity& identity,
              const StoreOrigin& origin);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  // Writes the items in one transaction. A failed item replaces an earlier failure of the same
  // item; an item already stored as done is left as it is.
  void put(const std::vector<ItemResult>& items);

 private:
  sqlite3* db_ = nullptr;
};

// The store files of a sweep output folder (*.sqlite), sorted by name.
std::vector<std::filesystem::path> store_files(const std::filesystem::path& dir);

struct StoreSummary {
  std::uint64_t done = 0;    // distinct items stored as done
  std::uint64_t failed = 0;  // distinct items whose latest record is a failure and none is done
  std::vector<std::pair<std::uint64_t, std::uint64_t>> failures;  // (point, replicate), first 20
  std::vector<std::string> failure_messages;                      // matching the above
};

// Reads every file's items of a sweep of `points` x `replicates` items: `done(point, replicate)`
// is called once per distinct done item (in no particular order). Memory: one bit per item.
// Throws InputError for a file of another sweep, a corrupt file, or an item out of range.
StoreSummary read_items(const std::vector<std::filesystem::path>& files,
                        const StoreIdentity& identity, std::uint64_t points,
                        std::uint64_t replicates,
                        const std::function<void(std::uint64_t, std::uint64_t)>& done);

// Streams every stored row once, in (point, replicate, row) order, merging the files: an item
// stored in several files (run twice) is passed once. Memory stays flat.
void for_each_row(const std::vector<std::filesystem::path>& files, const StoreIdentity& identity,
                  const std::function<void(std::uint64_t point, std::uint64_t replicate,
                                           const std::string& row)>& row);

}  // namespace qvsim
