#include "api/result_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <queue>

#include "api/detail/store_sqlite.hpp"
#include "sim/error.hpp"
#include "sim/hash.hpp"

namespace qvsim {
namespace fs = std::filesystem;
namespace {

// The format written here: 2 has the header and rows checksums.
constexpr const char* kStoreFormat = "2";
// A sweep has at most this many items (the sweep spec refuses more).
constexpr std::uint64_t kMaxItems = std::uint64_t{1} << 32;

const std::string kRemedy =
    "; the store is damaged: move it out of the folder and run its shard again with --resume to "
    "recompute its items";

using detail::Connection;
using detail::exec;
using detail::Statement;

std::string item_name(std::uint64_t point, std::uint64_t replicate) {
  return "item (point " + std::to_string(point) + ", replicate " + std::to_string(replicate) + ")";
}

// The header as stored; every reader goes through this, so a damaged or crafted header is caught
// before any of its values is used.
struct Header {
  StoreIdentity id;
  StoreOrigin origin;
};

std::uint64_t parse_count(const std::map<std::string, std::string>& m, const std::string& key,
                          const std::string& file) {
  const auto it = m.find(key);
  const std::string v = it == m.end() ? "" : it->second;
  const bool digits = !v.empty() && v.size() <= 19 &&
                      std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits)
    throw InputError(file, 0, "", "damaged header: '" + key + "' is not a count" + kRemedy);
  return std::stoull(v);
}

Header load_header(sqlite3* db, const std::string& file) {
  std::map<std::string, std::string> m;
  {
    Statement st(db, "SELECT key, value FROM meta", file);
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      const auto* k = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
      const auto* v = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1));
      m[k ? k : ""] = v ? v : "";
    }
    if (rc != SQLITE_DONE)
      throw InputError(file, 0, "", std::string("corrupt result store: ") + sqlite3_errmsg(db));
  }
  if (m.count("spec_hash") == 0) throw InputError(file, 0, "", "not a qvsim result store");
  if (m.count("store_format") == 0) {
    throw InputError(file, 0, "",
                     "was written by an older qvsim, without checksums; run the sweep again into "
                     "a new folder");
  }
  if (m["store_format"] != kStoreFormat) {
    throw InputError(file, 0, "",
                     "has store format '" + m["store_format"] + "', this qvsim reads format " +
                         kStoreFormat + "; run the sweep again into a new folder");
  }
  const auto sum = m.find("header_sum");
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& kv : m)
    if (kv.first != "header_sum") entries.push_back(kv);
  if (sum == m.end() || sum->second != std::to_string(header_checksum(entries))) {
    throw InputError(file, 0, "", "damaged header (checksum mismatch)" + kRemedy);
  }
  Header h;
  h.id = {m["spec_hash"], m["runs_header"]};
  h.origin.scenario_text = m["scenario_text"];
  h.origin.scenario_label = m["scenario_label"];
  h.origin.scenario_path = m["scenario_path"];
  h.origin.base_dir = m["base_dir"];
  h.origin.seed_override = m["seed_override"];
  h.origin.replicates_override = m["replicates_override"];
  h.origin.points = parse_count(m, "points", file);
  h.origin.replicates = parse_count(m, "replicates", file);
  if (h.origin.points == 0 || h.origin.replicates == 0 ||
      h.origin.points > kMaxItems / h.origin.replicates) {
    throw InputError(file, 0, "",
                     "damaged header: " + std::to_string(h.origin.points) + " points x " +
                         std::to_string(h.origin.replicates) + " replicates is not a sweep size" +
                         kRemedy);
  }
  return h;
}

void write_header(const Connection& c, const StoreIdentity& identity, const StoreOrigin& origin) {
  std::vector<std::pair<std::string, std::string>> entries{
      {"spec_hash", identity.spec_hash},
      {"runs_header", identity.runs_header},
      {"scenario_text", origin.scenario_text},
      {"scenario_label", origin.scenario_label},
      {"scenario_path", origin.scenario_path},
      {"base_dir", origin.base_dir},
      {"seed_override", origin.seed_override},
      {"replicates_override", origin.replicates_override},
      {"points", std::to_string(origin.points)},
      {"replicates", std::to_string(origin.replicates)},
      {"store_format", kStoreFormat}};
  std::sort(entries.begin(), entries.end());
  entries.emplace_back("header_sum", std::to_string(header_checksum(entries)));
  Statement st(c.db, "INSERT INTO meta(key, value) VALUES (?1, ?2)", c.file);
  for (const auto& [k, v] : entries) {
    sqlite3_bind_text(st.s, 1, k.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st.s, 2, v.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st.s) != SQLITE_DONE) {
      throw InputError(c.file, 0, "", std::string("cannot write store: ") + sqlite3_errmsg(c.db),
                       ErrorKind::io);
    }
    sqlite3_reset(st.s);
  }
}

// The header of a store of this sweep: of the same spec hash, columns and (when given) size.
Header check_identity(sqlite3* db, const StoreIdentity& id, const std::string& file,
                      std::uint64_t points = 0, std::uint64_t replicates = 0) {
  Header h = load_header(db, file);
  if (h.id.spec_hash != id.spec_hash) {
    throw InputError(file, 0, "",
                     "holds results of another sweep (spec hash " + h.id.spec_hash +
                         ", this sweep " + id.spec_hash + "); use another output folder");
  }
  if (h.id.runs_header != id.runs_header) {
    throw InputError(file, 0, "", "holds rows with other columns; use another output folder");
  }
  if (points != 0 && (h.origin.points != points || h.origin.replicates != replicates)) {
    throw InputError(file, 0, "",
                     "damaged header: its sweep size " + std::to_string(h.origin.points) + " x " +
                         std::to_string(h.origin.replicates) + " is not this sweep's " +
                         std::to_string(points) + " x " + std::to_string(replicates) + kRemedy);
  }
  return h;
}

// Whether another process has committed this store's header yet (creation is one transaction).
bool store_created(const fs::path& file) {
  try {
    Connection c(file, false);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(c.db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'", -1,
                           &st, nullptr) != SQLITE_OK) {
      return true;  // unreadable: listed, so that reading it says why
    }
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc != SQLITE_DONE;
  } catch (const InputError&) {
    return true;
  }
}

}  // namespace

ResultStore::ResultStore(const fs::path& file, const StoreIdentity& identity,
                         const StoreOrigin& origin) {
  Connection c(file, true);
  exec(c.db, "PRAGMA journal_mode=WAL", c.file);
  // WAL with synchronous=NORMAL: a committed transaction survives the process being killed.
  exec(c.db, "PRAGMA synchronous=NORMAL", c.file);
  // Tables and header in one transaction: a reader in another process sees no store or a whole
  // one, and a store cut short (a full disk, a kill) is still a fresh one.
  exec(c.db, "BEGIN IMMEDIATE", c.file);
  try {
    exec(c.db,
         "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
         "CREATE TABLE IF NOT EXISTS items(point INTEGER NOT NULL, replicate INTEGER NOT NULL,"
         " ok INTEGER NOT NULL, error TEXT, seconds REAL, PRIMARY KEY(point, replicate))"
         " WITHOUT ROWID;"
         // One record per item: its rows joined by newlines (one insert per item keeps the
         // store's cost a few percent of a sweep), and their checksum (rows_checksum).
         "CREATE TABLE IF NOT EXISTS runs(point INTEGER NOT NULL, replicate INTEGER NOT NULL,"
         " csv TEXT NOT NULL, sum INTEGER NOT NULL, PRIMARY KEY(point, replicate));",
         c.file);
    bool empty = true;
    {
      Statement st(c.db, "SELECT 1 FROM meta LIMIT 1", c.file);
      empty = sqlite3_step(st.s) != SQLITE_ROW;
    }
    if (empty) write_header(c, identity, origin);
  } catch (...) {
    sqlite3_exec(c.db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec(c.db, "COMMIT", c.file);
  check_identity(c.db, identity, c.file);
  db_ = c.db;
  c.db = nullptr;
}

ResultStore::~ResultStore() { sqlite3_close(db_); }

void ResultStore::put(const std::vector<ItemResult>& items) {
  const std::string file = sqlite3_db_filename(db_, "main");
  exec(db_, "BEGIN IMMEDIATE", file);
  try {
    // A done item is never overwritten; a failed one is replaced by a newer record.
    Statement item(
        db_,
        "INSERT INTO items(point, replicate, ok, error, seconds) VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT(point, replicate) DO UPDATE SET ok = excluded.ok,"
        " error = excluded.error, seconds = excluded.seconds WHERE items.ok = 0",
        file);
    Statement rows(
        db_, "INSERT OR REPLACE INTO runs(point, replicate, csv, sum) VALUES (?1, ?2, ?3, ?4)",
        file);
    for (const ItemResult& r : items) {
      const auto p = static_cast<sqlite3_int64>(r.point);
      const auto q = static_cast<sqlite3_int64>(r.replicate);
      sqlite3_bind_int64(item.s, 1, p);
      sqlite3_bind_int64(item.s, 2, q);
      sqlite3_bind_int(item.s, 3, r.ok ? 1 : 0);
      if (r.ok) {
        sqlite3_bind_null(item.s, 4);
      } else {
        sqlite3_bind_text(item.s, 4, r.error.c_str(), -1, SQLITE_TRANSIENT);
      }
      sqlite3_bind_double(item.s, 5, r.seconds);
      if (sqlite3_step(item.s) != SQLITE_DONE)
        throw InputError(file, 0, "", sqlite3_errmsg(db_), ErrorKind::io);
      sqlite3_reset(item.s);
      if (sqlite3_changes(db_) == 0 || !r.ok) continue;  // already done, or nothing to store
      sqlite3_bind_int64(rows.s, 1, p);
      sqlite3_bind_int64(rows.s, 2, q);
      // SQLITE_STATIC: the text outlives the step, so SQLite need not copy it.
      sqlite3_bind_text(rows.s, 3, r.rows.data(), static_cast<int>(r.rows.size()), SQLITE_STATIC);
      sqlite3_bind_int64(rows.s, 4,
                         static_cast<sqlite3_int64>(rows_checksum(r.point, r.replicate, r.rows)));
      if (sqlite3_step(rows.s) != SQLITE_DONE)
        throw InputError(file, 0, "", sqlite3_errmsg(db_), ErrorKind::io);
      sqlite3_reset(rows.s);
    }
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec(db_, "COMMIT", file);
}

std::pair<StoreIdentity, StoreOrigin> read_store_header(const fs::path& file) {
  Connection c(file, false);
  Header h = load_header(c.db, c.file);
  return {std::move(h.id), std::move(h.origin)};
}

std::vector<fs::path> store_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::error_code e2;
    if (e.path().extension() == ".sqlite" && e.is_regular_file(e2) && store_created(e.path()))
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

StoreSummary read_items(const std::vector<fs::path>& files, const StoreIdentity& identity,
                        std::uint64_t points, std::uint64_t replicates,
                        const std::function<void(std::uint64_t, std::uint64_t)>& done) {
  if (points == 0 || replicates == 0 || points > kMaxItems / replicates)
    throw InputError("", 0, "",
                     "a sweep of " + std::to_string(points) + " x " + std::to_string(replicates) +
                         " items is out of range");
  std::vector<bool> ok(points * replicates, false);
  std::uint64_t ok_count = 0;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> failed;
  for (const auto& f : files) {
    Connection c(f, false);
    check_identity(c.db, identity, c.file, points, replicates);
    Statement st(c.db, "SELECT point, replicate, ok, error FROM items", c.file);
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      const std::pair key{static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 0)),
                          static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 1))};
      if (key.first >= points || key.second >= replicates) {
        throw InputError(c.file, 0, "",
                         "holds an " + item_name(key.first, key.second) +
                             " outside this sweep of " + std::to_string(points) + " x " +
                             std::to_string(replicates) + kRemedy);
      }
      if (sqlite3_column_int(st.s, 2) == 1) {
        const std::uint64_t index = key.second * points + key.first;
        if (!ok[index]) {
          ok[index] = true;
          ++ok_count;
          if (done) done(key.first, key.second);
        }
      } else {
        const auto* e = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 3));
        failed[key] = e ? e : "";
      }
    }
    if (rc != SQLITE_DONE)
      throw InputError(c.file, 0, "", std::string("corrupt result store: ") + sqlite3_errmsg(c.db));
  }
  StoreSummary s;
  s.done = ok_count;
  for (const auto& [key, msg] : failed) {
    if (ok[key.second * points + key.first]) continue;
    ++s.failed;
    if (s.failures.size() < 20) {
      s.failures.push_back(key);
      s.failure_messages.push_back(msg);
    }
  }
  return s;
}

std::vector<StoreDamage> check_store(const fs::path& file, const StoreIdentity& identity,
                                     std::uint64_t points, std::uint64_t replicates,
                                     std::uint64_t& count) {
  count = 0;
  std::vector<StoreDamage> out;
  auto add = [&](std::uint64_t p, std::uint64_t r, const char* what) {
    ++count;
    if (out.size() < 20) out.push_back({p, r, what});
  };
  Connection c(file, false);
  check_identity(c.db, identity, c.file, points, replicates);
  // One read transaction: the items and rows of one snapshot, even while a writer commits.
  exec(c.db, "BEGIN", c.file);
  std::vector<bool> has_rows(points * replicates, false);
  {
    Statement st(c.db, "SELECT point, replicate, csv, sum FROM runs", c.file);
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      const sqlite3_int64 p = sqlite3_column_int64(st.s, 0);
      const sqlite3_int64 r = sqlite3_column_int64(st.s, 1);
      const auto up = static_cast<std::uint64_t>(p);
      const auto ur = static_cast<std::uint64_t>(r);
      if (p < 0 || r < 0 || up >= points || ur >= replicates) {
        add(up, ur, "out of range");
        continue;
      }
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 2));
      const std::string_view csv(text ? text : "",
                                 static_cast<std::size_t>(sqlite3_column_bytes(st.s, 2)));
      if (static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 3)) != rows_checksum(up, ur, csv)) {
        add(up, ur, "checksum mismatch");
        continue;
      }
      has_rows[ur * points + up] = true;
    }
    if (rc != SQLITE_DONE)
      throw InputError(c.file, 0, "", std::string("corrupt result store: ") + sqlite3_errmsg(c.db));
  }
  {
    Statement st(c.db, "SELECT point, replicate FROM items WHERE ok = 1", c.file);
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      const auto p = static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 0));
      const auto r = static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 1));
      if (p >= points || r >= replicates) {
        add(p, r, "out of range");
      } else if (!has_rows[r * points + p]) {
        add(p, r, "no rows");
      }
    }
    if (rc != SQLITE_DONE)
      throw InputError(c.file, 0, "", std::string("corrupt result store: ") + sqlite3_errmsg(c.db));
  }
  exec(c.db, "COMMIT", c.file);
  return out;
}

fs::path store_with_item(const std::vector<fs::path>& files, std::uint64_t point,
                         std::uint64_t replicate) {
  for (const auto& f : files) {
    try {
      Connection c(f, false);
      Statement st(c.db, "SELECT 1 FROM items WHERE point = ?1 AND replicate = ?2 AND ok = 1",
                   c.file);
      sqlite3_bind_int64(st.s, 1, static_cast<sqlite3_int64>(point));
      sqlite3_bind_int64(st.s, 2, static_cast<sqlite3_int64>(replicate));
      if (sqlite3_step(st.s) == SQLITE_ROW) return f;
    } catch (const InputError&) {
      // Unreadable: it is not the one that says so.
    }
  }
  return {};
}

void for_each_row(const std::vector<fs::path>& files, const StoreIdentity& identity,
                  std::uint64_t points, std::uint64_t replicates,
                  const std::function<void(const fs::path&, std::uint64_t, std::uint64_t,
                                           const std::string&)>& row) {
  struct Cursor {
    fs::path path;
    std::unique_ptr<Connection> c;
    std::unique_ptr<Statement> st;
    std::pair<std::uint64_t, std::uint64_t> key;
    bool started = false;
    std::uint64_t points = 0, replicates = 0;
    bool step() {
      const int rc = sqlite3_step(st->s);
      if (rc == SQLITE_DONE) return false;
      if (rc != SQLITE_ROW)
        throw InputError(c->file, 0, "",
                         std::string("corrupt result store: ") + sqlite3_errmsg(c->db));
      const sqlite3_int64 p = sqlite3_column_int64(st->s, 0);
      const sqlite3_int64 r = sqlite3_column_int64(st->s, 1);
      const std::pair<std::uint64_t, std::uint64_t> next{static_cast<std::uint64_t>(p),
                                                         static_cast<std::uint64_t>(r)};
      if (p < 0 || r < 0 || next.first >= points || next.second >= replicates) {
        throw InputError(c->file, 0, "",
                         "holds rows of an " + item_name(next.first, next.second) +
                             " outside this sweep of " + std::to_string(points) + " x " +
                             std::to_string(replicates) + kRemedy);
      }
      // The index keeps them sorted and unique; anything else is a damaged index.
      if (started && next <= key) {
        throw InputError(
            c->file, 0, "",
            "damaged index: " + item_name(next.first, next.second) + " out of order" + kRemedy);
      }
      key = next;
      started = true;
      return true;
    }
  };
  std::vector<Cursor> cursors;
  for (const auto& f : files) {
    Cursor cur;
    cur.path = f;
    cur.points = points;
    cur.replicates = replicates;
    cur.c = std::make_unique<Connection>(f, false);
    check_identity(cur.c->db, identity, cur.c->file, points, replicates);
    cur.st = std::make_unique<Statement>(
        cur.c->db, "SELECT point, replicate, csv, sum FROM runs ORDER BY point, replicate",
        cur.c->file);
    cursors.push_back(std::move(cur));
  }
  // k-way merge of the files' sorted items; an item stored in several files is passed once.
  auto later = [&](std::size_t a, std::size_t b) {
    return cursors[a].key != cursors[b].key ? cursors[a].key > cursors[b].key : a > b;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> heap(later);
  for (std::size_t i = 0; i < cursors.size(); ++i)
    if (cursors[i].step()) heap.push(i);
  bool have_last = false;
  std::pair<std::uint64_t, std::uint64_t> last{};
  std::string line;
  while (!heap.empty()) {
    const std::size_t i = heap.top();
    heap.pop();
    Cursor& cur = cursors[i];
    if (!have_last || cur.key != last) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(cur.st->s, 2));
      const int size = sqlite3_column_bytes(cur.st->s, 2);
      const std::string_view all(text ? text : "", static_cast<std::size_t>(size));
      const auto sum = static_cast<std::uint64_t>(sqlite3_column_int64(cur.st->s, 3));
      if (sum != rows_checksum(cur.key.first, cur.key.second, all)) {
        throw InputError(cur.c->file, 0, "",
                         "damaged " + item_name(cur.key.first, cur.key.second) +
                             ": its rows do not match their checksum" + kRemedy);
      }
      std::size_t start = 0;
      while (start < all.size()) {
        const std::size_t end = all.find('\n', start);
        line.assign(all.substr(start, end - start));
        row(cur.path, cur.key.first, cur.key.second, line);
        if (end == std::string_view::npos) break;
        start = end + 1;
      }
      last = cur.key;
      have_last = true;
    }
    if (cur.step()) heap.push(i);
  }
}

}  // namespace qvsim
