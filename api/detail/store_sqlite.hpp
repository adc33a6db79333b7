#pragma once
// Small RAII wrappers over SQLite's C API for the result store's files (api/result_store.cpp), so
// that handles never leak on errors. Internal to the api library.
//
// A connection opens an existing store for reading and writing when the file allows it (reading
// only otherwise), never for reading only by choice: a read-only connection to a WAL database
// leaves its -wal and -shm files behind, while the last read-write connection to close
// checkpoints the log and removes both. Readers still only read.

#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "sim/error.hpp"

namespace qvsim::detail {

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
  // `create`: create the file when missing. Otherwise the file must exist.
  Connection(const std::filesystem::path& path, bool create) : file(path.string()) {
    // SQLITE_OPEN_READWRITE falls back to reading only when the file cannot be written.
    const int flags =
        SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
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

inline void exec(sqlite3* db, const char* sql, const std::string& file) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw InputError(file, 0, "", "result store: " + msg, ErrorKind::io);
  }
}

}  // namespace qvsim::detail
