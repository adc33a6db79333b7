#pragma once
// The durable store of a sweep's results: one SQLite file per writer (shard or MPI rank), in WAL
// mode, each work item's rows committed in the same transaction as the item's record, so a
// process killed at any moment (kill -9 included) leaves every file holding whole items only.
// runs.csv and the summaries are always exported from these files.
//
// A store is created in one transaction (tables and header together), so a reader sees either no
// store yet (a file still being created by another process, skipped) or a whole one. The header
// carries a checksum over its entries and each item's rows carry a checksum of their own; a
// reader that finds damage throws InputError naming the file and the item, never exports it.
// Stores of the format before checksums are refused with a message to rerun.
// Reading a store leaves no SQLite -wal or -shm file behind (api/detail/store_sqlite.hpp).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
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
  std::string scenario_path;   // its absolute path ("" in stores written before it was recorded)
  std::string base_dir;        // folder relative paths in it resolve against
  std::string seed_override;   // decimal, or empty
  std::string replicates_override;
  std::uint64_t points = 0;
  std::uint64_t replicates = 0;
};

// Reads the identity and origin recorded in a store file; throws InputError if it is not one, is
// of an older format, or its header is damaged (checksum, or a sweep size out of range).
std::pair<StoreIdentity, StoreOrigin> read_store_header(const std::filesystem::path& file);

// The checksum stored beside an item's rows: FNV-1a 64 of "point,replicate\n" and the rows.
std::uint64_t rows_checksum(std::uint64_t point, std::uint64_t replicate, std::string_view rows);

// The checksum of a store's header: FNV-1a 64 of "key\0value\0" per entry, in key order, over
// every entry but `header_sum` itself.
std::uint64_t header_checksum(const std::vector<std::pair<std::string, std::string>>& entries);

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

// The store files of a sweep output folder (*.sqlite), sorted by name. A file another process is
// still creating (no committed header yet) is left out; a file that cannot be read at all is
// listed, so that reading it reports why.
std::vector<std::filesystem::path> store_files(const std::filesystem::path& dir);

struct StoreSummary {
  std::uint64_t done = 0;    // distinct items stored as done
  std::uint64_t failed = 0;  // distinct items whose latest record is a failure and none is done
  std::vector<std::pair<std::uint64_t, std::uint64_t>> failures;  // (point, replicate), first 20
  std::vector<std::string> failure_messages;                      // matching the above
};

// Reads every file's items of a sweep of `points` x `replicates` items: `done(point, replicate)`
// is called once per distinct done item (in no particular order). Memory: one bit per item.
// Throws InputError for a file of another sweep or size, a corrupt file, or an item out of range.
StoreSummary read_items(const std::vector<std::filesystem::path>& files,
                        const StoreIdentity& identity, std::uint64_t points,
                        std::uint64_t replicates,
                        const std::function<void(std::uint64_t, std::uint64_t)>& done);

// A damaged item of a store, as `check_store` finds it.
struct StoreDamage {
  std::uint64_t point = 0;
  std::uint64_t replicate = 0;
  std::string what;  // "checksum mismatch", "out of range", "no rows"
};

// Checks every stored item of one file of a sweep of `points` x `replicates` items: each rows
// record's checksum and range, and that every item recorded as done has its rows. Returns the
// damaged items (first 20 of them; `count` gets how many). Throws InputError for a file that is
// not a store of this sweep or that SQLite finds corrupt.
std::vector<StoreDamage> check_store(const std::filesystem::path& file,
                                     const StoreIdentity& identity, std::uint64_t points,
                                     std::uint64_t replicates, std::uint64_t& count);

// The first of `files` that records (point, replicate) as done, or an empty path when none does
// (or none can be read).
std::filesystem::path store_with_item(const std::vector<std::filesystem::path>& files,
                                      std::uint64_t point, std::uint64_t replicate);

// Streams every stored row once, in (point, replicate, row) order, merging the files: an item
// stored in several files (run twice) is passed once, with the file it came from. Each item's
// checksum and range are verified before its rows are passed; damage throws InputError naming the
// file and the item. Memory stays flat.
void for_each_row(const std::vector<std::filesystem::path>& files, const StoreIdentity& identity,
                  std::uint64_t points, std::uint64_t replicates,
                  const std::function<void(const std::filesystem::path& file, std::uint64_t point,
                                           std::uint64_t replicate, const std::string& row)>& row);

}  // namespace qvsim
