// Running lake SQL: DuckDB queries over catalog tables (rewritten into pruned scans, with time
// travel) and the lake statements of sql/parser.h, against one catalog.
#pragma once
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lake/catalog.h"
#include "lake/scan.h"
#include "lake/status.h"
#include "lake/table.h"
#include "sql/parser.h"

namespace lake::engine {
class Connection;
}

namespace lake::sql {

struct OutputOptions {
  std::string format = "table";  // table | csv | jsonl | parquet
  std::string output;            // "" = `out` (parquet needs a file)
};

class Session {
 public:
  // `out` receives result rows (table format, or csv/jsonl when `output` is a file... see
  // Emit); `msg` receives one-line confirmations ("created table ...").
  static Result<std::unique_ptr<Session>> Open(std::unique_ptr<Catalog> catalog,
                                               OutputOptions output, std::ostream& out,
                                               std::ostream& msg);
  ~Session();

  // One statement (no trailing ';' needed).
  Status Execute(std::string_view statement);
  // Every statement of a script in order; stops at the first error, which names the statement
  // number when there are several.
  Status ExecuteScript(std::string_view script);

  // `sql` with every catalog table reference replaced by its scan (pruned with the WHERE
  // predicate of a single-table query when `pushdown`).
  Result<std::string> RewriteQuery(std::string_view sql, bool pushdown = true);
  // Pruning of the scans made by the last RewriteQuery, one per rewritten reference.
  const std::vector<PruningStats>& last_pruning() const { return last_pruning_; }

  Catalog& catalog() { return *catalog_; }

  // Cancels the DuckDB work that Execute is running on another thread (the shell's Ctrl-C):
  // a query stops; a write stopped while computing its rows commits nothing. The commit of a
  // write is not interruptible, so a table is never left half-written.
  void Interrupt();

 private:
  Session() = default;
  Status RunQuery(const std::string& sql);
  Status EmitRows(const std::vector<std::string>& columns,
                  const std::vector<std::vector<std::string>>& rows);
  Status Emit(const std::string& select_sql);
  Result<std::shared_ptr<Table>> OpenTable(const std::string& location);
  Result<std::shared_ptr<const Snapshot>> SnapshotOf(const TableRef& ref,
                                                     const std::string& location);
  Result<std::string> Materialize(const std::string& query, const std::vector<std::string>& names);
  void NotifyCommit(const std::string& name, const std::string& location);
  Status CreateTableStmt(const Statement& s);
  Status CreateTableAsStmt(const Statement& s);
  Status InsertStmt(const Statement& s);
  Status VacuumStmt(const Statement& s);
  Status OptimizeStmt(const Statement& s);
  Status AlterStmt(const Statement& s);
  Status DescribeHistoryStmt(const Statement& s);
  Status DescribeDetailStmt(const Statement& s);
  Status DescribeStmt(const Statement& s);

  std::unique_ptr<Catalog> catalog_;
  OutputOptions output_;
  std::ostream* out_ = nullptr;
  std::ostream* msg_ = nullptr;
  std::unique_ptr<engine::Connection> conn_;
  std::map<std::string, std::shared_ptr<Table>> tables_;  // by location
  std::vector<PruningStats> last_pruning_;
  int temp_counter_ = 0;
  bool retention_check_ = true;
};

}  // namespace lake::sql
