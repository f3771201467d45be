// SqlDb over PostgreSQL (libpq): one connection, READ COMMITTED transactions; the catalog's
// unique constraints and conditional UPDATEs make concurrent writers safe.
#include <libpq-fe.h>

#include <cstring>

#include "catalog/sql_db.h"

namespace lake::catalog {
namespace {

// '?' -> $1, $2, ... (the catalog's SQL never has '?' inside a literal).
std::string NumberPlaceholders(const std::string& sql) {
  std::string out;
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += "$" + std::to_string(++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string OneLine(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

class PostgresDb : public SqlDb {
 public:
  explicit PostgresDb(PGconn* conn) : conn_(conn) {}
  ~PostgresDb() override { PQfinish(conn_); }

  const char* dialect() const override { return "postgresql"; }

  int64_t Changes() const override { return changes_; }

  Status Begin(bool) override { return Run("BEGIN", {}, nullptr); }
  void Rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)Run("ROLLBACK", {}, nullptr);
  }
  Status LockForMigration() override {
    // An arbitrary constant shared by every lake: "lakecat" in ASCII.
    return Run("SELECT pg_advisory_xact_lock(465139459138932)", {}, nullptr);
  }

 private:
  const char* IdPrimaryKey() const override { return "BIGSERIAL PRIMARY KEY"; }
  const char* ForUpdate() const override { return " FOR UPDATE"; }

  Status Run(const std::string& sql, const std::vector<SqlParam>& params,
             std::vector<SqlRow>* rows) override {
    changes_ = 0;
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* res;
    if (params.empty() && rows == nullptr) {
      res = PQexec(conn_, sql.c_str());  // may hold several statements (DDL)
    } else {
      res = PQexecParams(conn_, NumberPlaceholders(sql).c_str(), static_cast<int>(params.size()),
                         nullptr, values.data(), nullptr, nullptr, 0);
    }
    if (res == nullptr) {
      return Status::IOError("catalog: PostgreSQL: " + OneLine(PQerrorMessage(conn_)));
    }
    ExecStatusType est = PQresultStatus(res);
    if (est != PGRES_COMMAND_OK && est != PGRES_TUPLES_OK) {
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      std::string code = state ? state : "";
      std::string msg = "PostgreSQL: " + OneLine(PQresultErrorMessage(res));
      PQclear(res);
      if (code == "23505") return Status::AlreadyExists(msg);
      if (code == "23503") return Status::Conflict("foreign key: " + msg);
      if (code == "40001" || code == "40P01" || code == "55P03") {
        return Status::Conflict("retry: " + msg);
      }
      if (PQstatus(conn_) != CONNECTION_OK) {
        return Status::IOError("catalog: lost the PostgreSQL connection: " + msg);
      }
      return Status::IOError("catalog: '" + sql + "' failed: " + msg);
    }
    const char* affected = PQcmdTuples(res);
    if (affected && *affected) changes_ = std::strtoll(affected, nullptr, 10);
    if (rows != nullptr) {
      int nrows = PQntuples(res), ncols = PQnfields(res);
      for (int r = 0; r < nrows; ++r) {
        SqlRow row(ncols);
        for (int c = 0; c < ncols; ++c) {
          if (!PQgetisnull(res, r, c)) {
            row[c] =
                std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c)));
          }
        }
        rows->push_back(std::move(row));
      }
    }
    PQclear(res);
    return Status::OK();
  }

  PGconn* conn_;
  int64_t changes_ = 0;
};

}  // namespace

Result<std::unique_ptr<SqlDb>> OpenPostgres(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Status::IOError("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    return Status::IOError("cannot connect to the PostgreSQL catalog: " + msg);
  }
  auto db = std::make_unique<PostgresDb>(conn);
  // Keep NOTICEs (e.g. "relation already exists, skipping") off stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  LAKE_RETURN_IF_ERROR(db->Exec("SET client_min_messages = warning", {}));
  return std::unique_ptr<SqlDb>(std::move(db));
}

}  // namespace lake::catalog
