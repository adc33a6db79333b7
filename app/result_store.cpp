#include "app/result_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <queue>
#include <string_view>

#include "sim/error.hpp"

namespace qvsim {
namespace fs = std::filesystem;
namespace {

// sqlite3 is a C API; these small RAII wrappers keep handles from leaking on errors.
struct Statement {
  sqlite3_stmt* s = nullptr;
  Statement(sqlite3* db, const char* sql, const std::string& file) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
      throw InputError(file, 0, "",
                       std::string("not a readable qvsim store: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(s); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
};

struct Connection {
  sqlite3* db = nullptr;
  std::string file;
  Connection(const fs::path& path, bool create) : file(path.string()) {
    const int flags = create ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(file.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      const std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      db = nullptr;
      throw InputError(file, 0, "", "cannot open result store: " + msg, ErrorKind::io);
    }
    sqlite3_busy_timeout(db, 10000);
  }
  ~Connection() { sqlite3_close(db); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
};

void exec(sqlite3* db, const char* sql, const std::string& file) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw InputError(file, 0, "", "result store: " + msg, ErrorKind::io);
  }
}

std::string meta(sqlite3* db, const std::string& key, const std::string& file) {
  Statement st(db, "SELECT value FROM meta WHERE key = ?1", file);
  sqlite3_bind_text(st.s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st.s) != SQLITE_ROW) return {};
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
  return text ? text : "";
}

void write_header(const Connection& c, const StoreIdentity& identity, const StoreOrigin& origin) {
  {
    Statement st(c.db, "INSERT INTO meta(key, value) VALUES (?1, ?2)", c.file);
    const std::pair<std::string, std::string> entries[] = {
        {"spec_hash", identity.spec_hash},
        {"runs_header", identity.runs_header},
        {"scenario_text", origin.scenario_text},
        {"scenario_label", origin.scenario_label},
        {"base_dir", origin.base_dir},
        {"seed_override", origin.seed_override},
        {"replicates_override", origin.replicates_override},
        {"points", std::to_string(origin.points)},
        {"replicates", std::to_string(origin.replicates)}};
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
}

void check_identity(sqlite3* db, const StoreIdentity& id, const std::string& file) {
  const std::string hash = meta(db, "spec_hash", file);
  if (hash != id.spec_hash) {
    throw InputError(file, 0, "",
                     "holds results of another sweep (spec hash " + hash + ", this sweep " +
                         id.spec_hash + "); use another output folder");
  }
  if (meta(db, "runs_header", file) != id.runs_header) {
    throw InputError(file, 0, "", "holds rows with other columns; use another output folder");
  }
}

}  // namespace

ResultStore::ResultStore(const fs::path& file, const StoreIdentity& identity,
                         const StoreOrigin& origin) {
  Connection c(file, true);
  exec(c.db, "PRAGMA journal_mode=WAL", c.file);
  // WAL with synchronous=NORMAL: a committed transaction survives the process being killed.
  exec(c.db, "PRAGMA synchronous=NORMAL", c.file);
  exec(c.db,
       "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
       "CREATE TABLE IF NOT EXISTS items(point INTEGER NOT NULL, replicate INTEGER NOT NULL,"
       " ok INTEGER NOT NULL, error TEXT, seconds REAL, PRIMARY KEY(point, replicate))"
       " WITHOUT ROWID;"
       // One record per item: its rows joined by newlines (one insert per item keeps the
       // store's cost a few percent of a sweep).
       "CREATE TABLE IF NOT EXISTS runs(point INTEGER NOT NULL, replicate INTEGER NOT NULL,"
       " csv TEXT NOT NULL, PRIMARY KEY(point, replicate));",
       c.file);
  if (meta(c.db, "spec_hash", c.file).empty()) {
    // All of the header or none of it: a store cut short (a full disk) is still a fresh one.
    exec(c.db, "BEGIN IMMEDIATE", c.file);
    try {
      write_header(c, identity, origin);
    } catch (...) {
      sqlite3_exec(c.db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    exec(c.db, "COMMIT", c.file);
  }
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
    Statement rows(db_, "INSERT OR REPLACE INTO runs(point, replicate, csv) VALUES (?1, ?2, ?3)",
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
  StoreIdentity id{meta(c.db, "spec_hash", c.file), meta(c.db, "runs_header", c.file)};
  if (id.spec_hash.empty()) throw InputError(c.file, 0, "", "not a qvsim result store");
  StoreOrigin o;
  o.scenario_text = meta(c.db, "scenario_text", c.file);
  o.scenario_label = meta(c.db, "scenario_label", c.file);
  o.base_dir = meta(c.db, "base_dir", c.file);
  o.seed_override = meta(c.db, "seed_override", c.file);
  o.replicates_override = meta(c.db, "replicates_override", c.file);
  try {
    o.points = std::stoull(meta(c.db, "points", c.file));
    o.replicates = std::stoull(meta(c.db, "replicates", c.file));
  } catch (const std::exception&) {
    throw InputError(c.file, 0, "", "corrupt result store (no sweep size)");
  }
  return {id, o};
}

std::vector<fs::path> store_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".sqlite") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

StoreSummary read_items(const std::vector<fs::path>& files, const StoreIdentity& identity,
                        std::uint64_t points, std::uint64_t replicates,
                        const std::function<void(std::uint64_t, std::uint64_t)>& done) {
  std::vector<bool> ok(points * replicates, false);
  std::uint64_t ok_count = 0;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> failed;
  for (const auto& f : files) {
    Connection c(f, false);
    check_identity(c.db, identity, c.file);
    Statement st(c.db, "SELECT point, replicate, ok, error FROM items", c.file);
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      const std::pair key{static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 0)),
                          static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 1))};
      if (key.first >= points || key.second >= replicates) {
        throw InputError(c.file, 0, "", "holds an item outside this sweep");
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
    if (rc != SQLITE_DONE) throw InputError(c.file, 0, "", "corrupt result store");
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

void for_each_row(
    const std::vector<fs::path>& files, const StoreIdentity& identity,
    const std::function<void(std::uint64_t, std::uint64_t, const std::string&)>& row) {
  struct Cursor {
    std::unique_ptr<Connection> c;
    std::unique_ptr<Statement> st;
    std::pair<std::uint64_t, std::uint64_t> key;
    bool step() {
      const int rc = sqlite3_step(st->s);
      if (rc == SQLITE_DONE) return false;
      if (rc != SQLITE_ROW) throw InputError(c->file, 0, "", "corrupt result store");
      key = {static_cast<std::uint64_t>(sqlite3_column_int64(st->s, 0)),
             static_cast<std::uint64_t>(sqlite3_column_int64(st->s, 1))};
      return true;
    }
  };
  std::vector<Cursor> cursors;
  for (const auto& f : files) {
    Cursor cur;
    cur.c = std::make_unique<Connection>(f, false);
    check_identity(cur.c->db, identity, cur.c->file);
    cur.st = std::make_unique<Statement>(
        cur.c->db, "SELECT point, replicate, csv FROM runs ORDER BY point, replicate", cur.c->file);
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
      std::size_t start = 0;
      while (start < all.size()) {
        const std::size_t end = all.find('\n', start);
        line.assign(all.substr(start, end - start));
        row(cur.key.first, cur.key.second, line);
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
