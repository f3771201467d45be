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
#include <utility>
#include <vector>

#include "lake/status.h"

namespace lake::catalog {

using SqlParam = std::optional<std::string>;
using SqlRow = std::vector<std::optional<std::string>>;

class SqlDb {
 public:
  virtual ~SqlDb() = default;
  virtual const char* dialect() const = 0;  // "sqlite" / "postgresql"
  Status Exec(const std::string& sql, const std::vector<SqlParam>& params = {}) {
    return Run(sql, params, nullptr);
  }
  Result<std::vector<SqlRow>> Query(const std::string& sql,
                                    const std::vector<SqlParam>& params = {}) {
    std::vector<SqlRow> rows;
    LAKE_RETURN_IF_ERROR(Run(sql, params, &rows));
    return rows;
  }
  // Rows changed by the last Exec.
  virtual int64_t Changes() const = 0;
  // A write transaction takes the database's write lock up front (SQLite BEGIN IMMEDIATE;
  // PostgreSQL: a plain BEGIN, rows lock as they are written).
  virtual Status Begin(bool write) = 0;
  Status Commit() { return Run("COMMIT", {}, nullptr); }
  virtual void Rollback() = 0;
  // Serializes schema migrations between processes (PostgreSQL: a transaction-scoped advisory
  // lock; SQLite: BEGIN IMMEDIATE already does).
  virtual Status LockForMigration() = 0;
  // Replaces {ID_PK} (an auto-increment primary key) and {FOR_UPDATE} (a row lock on SELECT,
  // where the dialect has one) for this dialect.
  std::string Ddl(const std::string& sql) const {
    std::string out = sql;
    const std::pair<std::string, std::string> markers[] = {{"{ID_PK}", IdPrimaryKey()},
                                                           {"{FOR_UPDATE}", ForUpdate()}};
    for (const auto& m : markers) {
      for (size_t p; (p = out.find(m.first)) != std::string::npos;)
        out.replace(p, m.first.size(), m.second);
    }
    return out;
  }

 protected:
  // Runs one statement with '?' parameters; its rows into `rows` when given.
  virtual Status Run(const std::string& sql, const std::vector<SqlParam>& params,
                     std::vector<SqlRow>* rows) = 0;
  virtual const char* IdPrimaryKey() const = 0;
  virtual const char* ForUpdate() const = 0;
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
