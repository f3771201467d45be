// SqlDb over SQLite: WAL mode, a 30 s busy_timeout, foreign keys on, BEGIN IMMEDIATE for writes.
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "catalog/sql_db.h"

namespace lake::catalog {
namespace {

constexpr int kBusyTimeoutMs = 30000;

class SqliteDb : public SqlDb {
 public:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDb() override { sqlite3_close_v2(db_); }

  const char* dialect() const override { return "sqlite"; }

  int64_t Changes() const override { return sqlite3_changes64(db_); }

  Status Begin(bool write) override {
    return Run(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", {}, nullptr);
  }
  void Rollback() override {
    if (!sqlite3_get_autocommit(db_)) (void)Run("ROLLBACK", {}, nullptr);
  }
  Status LockForMigration() override { return Status::OK(); }

  Status Error(int rc, const std::string& what) const {
    std::string msg = what + ": " + sqlite3_errmsg(db_) + " (" + path_ + ")";
    int primary = rc & 0xff;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return Status::AlreadyExists(msg);
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return Status::Conflict("foreign key: " + msg);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      return Status::Conflict("retry: the catalog stayed locked: " + msg);
    }
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
      return Status::Corruption("catalog database is damaged: " + msg);
    }
    return Status::IOError("catalog: " + msg);
  }

 private:
  const char* IdPrimaryKey() const override { return "INTEGER PRIMARY KEY AUTOINCREMENT"; }
  const char* ForUpdate() const override { return ""; }  // BEGIN IMMEDIATE locks already

  Status Run(const std::string& sql, const std::vector<SqlParam>& params,
             std::vector<SqlRow>* rows) override {
    const char* tail = sql.c_str();
    const char* end = sql.c_str() + sql.size();
    size_t next_param = 0;
    while (tail < end) {
      sqlite3_stmt* stmt = nullptr;
      int rc = sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), &stmt, &tail);
      if (rc != SQLITE_OK) return Error(rc, "cannot prepare '" + sql + "'");
      if (stmt == nullptr) break;  // whitespace or a comment
      int n = sqlite3_bind_parameter_count(stmt);
      for (int i = 1; i <= n; ++i) {
        if (next_param >= params.size()) {
          sqlite3_finalize(stmt);
          return Status::Internal("catalog: too few parameters for '" + sql + "'");
        }
        const SqlParam& p = params[next_param++];
        if (p) {
          sqlite3_bind_text(stmt, i, p->data(), static_cast<int>(p->size()), SQLITE_TRANSIENT);
        } else {
          sqlite3_bind_null(stmt, i);
        }
      }
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (rows == nullptr) continue;
        int cols = sqlite3_column_count(stmt);
        SqlRow row(cols);
        for (int c = 0; c < cols; ++c) {
          if (sqlite3_column_type(stmt, c) == SQLITE_NULL) continue;
          const unsigned char* t = sqlite3_column_text(stmt, c);
          row[c] = std::string(reinterpret_cast<const char*>(t),
                               static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
        }
        rows->push_back(std::move(row));
      }
      if (rc != SQLITE_DONE) {
        Status st = Error(sqlite3_extended_errcode(db_), "'" + sql + "' failed");
        sqlite3_finalize(stmt);
        return st;
      }
      sqlite3_finalize(stmt);
    }
    return Status::OK();
  }

  sqlite3* db_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<SqlDb>> OpenSqlite(const std::string& path, bool must_exist) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (must_exist) return Status::NotFound("no catalog at " + path);
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return Status::IOError("cannot create " + parent.string() + ": " + ec.message());
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (must_exist ? 0 : SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::IOError("cannot open catalog " + path + ": " + msg);
  }
  auto out = std::make_unique<SqliteDb>(db, path);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // WAL: readers never block the writer; synchronous=NORMAL is durable across process crashes
  // (a power loss may lose the last commits, never corrupt the file).
  // Switching a new file to WAL takes an exclusive lock, and SQLite can report SQLITE_BUSY for
  // it at once, without waiting in the busy handler (seen when several processes open a new
  // catalog together): retry here, within the same 30 s budget.
  auto started = std::chrono::steady_clock::now();
  std::mt19937 rng(std::random_device{}());
  while (true) {
    auto wal = out->Query("PRAGMA journal_mode=WAL", {});
    if (wal.ok()) break;
    if (wal.status().code() != StatusCode::kConflict ||
        std::chrono::steady_clock::now() - started > std::chrono::milliseconds(kBusyTimeoutMs)) {
      return wal.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + rng() % 20));
  }
  LAKE_RETURN_IF_ERROR(out->Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", {}));
  return std::unique_ptr<SqlDb>(std::move(out));
}

}  // namespace lake::catalog
