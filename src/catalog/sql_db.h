// SqlDb: the small SQL surface the catalog needs, implemented over SQLite and libpq, so that the
// catalog's logic (catalog.cc) is written once and both backends behave identically.
//
// SQL uses '?' placeholders (rewritten to $n for PostgreSQL; never put a '?' in a literal) and
// the common subset of both dialects, with {ID_PK} replaced by the dialect's auto-increment
// primary key. Parameters and results are text (NULL = nullopt); integers are bound as text and
// converted by the database.
//
// Errors: a unique/primary-key violation is AlreadyExists, a foreign-key violation is Conflict
// with message prefix "foreign key", a busy/serialization/deadlock failure is Conflict with
// message prefix "retry" (the caller retries the whole transaction), anything else IOError.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lake/status.h"

namespace lake::catalog {

using SqlParam = std::optional<std::string>;
using SqlRow = std::vector<std::optional<std::string>>;

class SqlDb {
 public:
  virtual ~SqlDb() = default;
  virtual const char* dialect() const = 0;  // "sqlite" / "postgresql"
  virtual Status Exec(const std::string& sql, const std::vector<SqlParam>& params = {}) = 0;
  virtual Result<std::vector<SqlRow>> Query(const std::string& sql,
                                            const std::vector<SqlParam>& params = {}) = 0;
  // Rows changed by the last Exec.
  virtual int64_t Changes() const = 0;
  // A write transaction takes the database's write lock up front (SQLite BEGIN IMMEDIATE;
  // PostgreSQL: a plain BEGIN, rows lock as they are written).
  virtual Status Begin(bool write) = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // Serializes schema migrations between processes (PostgreSQL: a transaction-scoped advisory
  // lock; SQLite: BEGIN IMMEDIATE already does).
  virtual Status LockForMigration() = 0;
  // Replaces {ID_PK} and similar markers for this dialect.
  virtual std::string Ddl(const std::string& sql) const = 0;
};

// `path`: the database file (created when missing unless `must_exist`).
Result<std::unique_ptr<SqlDb>> OpenSqlite(const std::string& path, bool must_exist);
// `conninfo`: a libpq URI or key=value string.
Result<std::unique_ptr<SqlDb>> OpenPostgres(const std::string& conninfo);

inline bool IsRetry(const Status& st) {
  return st.code() == StatusCode::kConflict && st.message().rfind("retry", 0) == 0;
}
inline bool IsForeignKey(const Status& st) {
  return st.code() == StatusCode::kConflict && st.message().rfind("foreign key", 0) == 0;
}

}  // namespace lake::catalog
