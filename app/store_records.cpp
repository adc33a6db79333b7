// The run records of a result store (ResultStore::add_session, read_sessions): one row per process
// that wrote the store, appended, so that a resumed shard keeps the record of every earlier run.

#include <string>
#include <vector>

#include "app/detail/store_sqlite.hpp"
#include "app/result_store.hpp"

namespace qvsim {
namespace {

using detail::Connection;
using detail::exec;
using detail::Statement;

// Created on first use, so that stores written before records were kept gain the table when
// resumed; the store's header (and its checksum) is not touched.
constexpr const char* kCreate =
    "CREATE TABLE IF NOT EXISTS sessions(id INTEGER PRIMARY KEY, record TEXT NOT NULL)";

}  // namespace

std::int64_t ResultStore::add_session(const std::string& json) {
  const std::string file = sqlite3_db_filename(db_, "main");
  exec(db_, kCreate, file);
  Statement st(db_, "INSERT INTO sessions(record) VALUES (?1)", file);
  sqlite3_bind_text(st.s, 1, json.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st.s) != SQLITE_DONE)
    throw InputError(file, 0, "", sqlite3_errmsg(db_), ErrorKind::io);
  return sqlite3_last_insert_rowid(db_);
}

void ResultStore::update_session(std::int64_t id, const std::string& json) {
  const std::string file = sqlite3_db_filename(db_, "main");
  Statement st(db_, "UPDATE sessions SET record = ?1 WHERE id = ?2", file);
  sqlite3_bind_text(st.s, 1, json.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st.s, 2, id);
  if (sqlite3_step(st.s) != SQLITE_DONE)
    throw InputError(file, 0, "", sqlite3_errmsg(db_), ErrorKind::io);
}

std::vector<std::string> read_sessions(const std::filesystem::path& file) {
  Connection c(file, false);
  std::vector<std::string> out;
  {
    Statement has(c.db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'",
                  c.file);
    if (sqlite3_step(has.s) != SQLITE_ROW) return out;
  }
  Statement st(c.db, "SELECT record FROM sessions ORDER BY id", c.file);
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
    out.emplace_back(t ? t : "");
  }
  if (rc != SQLITE_DONE)
    throw InputError(c.file, 0, "", std::string("corrupt result store: ") + sqlite3_errmsg(c.db));
  return out;
}

}  // namespace qvsim
