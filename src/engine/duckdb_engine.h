// The engine boundary: everything lake asks of DuckDB goes through this adapter.
//
// Protocol code (log, snapshot, scan planning) never includes duckdb.h; it sends SQL text and
// reads typed cells back. That keeps the C API in one place and makes the engine swappable.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lake/status.h"

namespace lake::engine {

// The kinds of column the adapter can hand back; anything else should be CAST in SQL first.
enum class ColumnKind { kBool, kInt, kUInt, kDouble, kString, kBlob, kDate, kTimestamp, kOther };

// A fully materialised query result (all chunks held), read cell by cell.
class QueryResult {
 public:
  QueryResult();
  ~QueryResult();
  QueryResult(QueryResult&&) noexcept;
  QueryResult& operator=(QueryResult&&) noexcept;
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;

  size_t row_count() const;
  size_t column_count() const;
  const std::string& column_name(size_t col) const;
  ColumnKind column_kind(size_t col) const;

  bool IsNull(size_t col, size_t row) const;
  // kString / kBlob columns. The view lives as long as this result.
  std::string_view GetString(size_t col, size_t row) const;
  // kInt / kUInt / kBool / kDate (days) / kTimestamp (microseconds) columns.
  int64_t GetInt64(size_t col, size_t row) const;
  double GetDouble(size_t col, size_t row) const;  // also accepts integer columns
  bool GetBool(size_t col, size_t row) const;

 private:
  friend class Connection;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Database;
class TableAppender;

// One column of the chunk a TableAppender is filling: a view of one DuckDB vector (a top-level
// column, a STRUCT field, or the entries of a LIST / MAP). Cheap to copy; valid until the
// appender's next FlushChunk.
class ColumnWriter {
 public:
  // NULL at `row`; for a STRUCT its fields are NULL too (as DuckDB's own writers leave them).
  void SetNull(size_t row) const;
  void SetString(size_t row, std::string_view v) const;  // VARCHAR
  void SetInt64(size_t row, int64_t v) const;            // BIGINT
  void SetInt32(size_t row, int32_t v) const;            // INTEGER
  void SetBool(size_t row, bool v) const;                // BOOLEAN
  // The i-th field of a STRUCT column.
  ColumnWriter Field(size_t i) const;
  // LIST / MAP: makes the value at `row` a list of `n` new entries and returns the index of the
  // first in Entries() (a MAP's entries are STRUCT(key, value): Entries().Field(0) / Field(1)).
  size_t StartList(size_t row, size_t n) const;
  ColumnWriter Entries() const;

  struct Node;  // the vector and its children (opaque: defined in the adapter)
  explicit ColumnWriter(const Node* node) : node_(node) {}

 private:
  const Node* node_;
};

// Bulk-loads typed rows, nested types included, into an existing table chunk by chunk (a
// DuckDB appender fed with data chunks), without rendering them as SQL or JSON text first.
// Fill rows 0..n-1 (n <= capacity()) through Column(i), then FlushChunk(n); Close at the end.
// Every cell of a flushed row must have been set (a value or SetNull).
class TableAppender {
 public:
  ~TableAppender();
  TableAppender(const TableAppender&) = delete;
  TableAppender& operator=(const TableAppender&) = delete;

  size_t capacity() const;  // rows per chunk
  size_t column_count() const;
  ColumnWriter Column(size_t i) const;
  // Appends the first `rows` rows of the chunk being filled and starts an empty one.
  Status FlushChunk(size_t rows);
  // Appends what the appender still buffers into the table.
  Status Close();

 private:
  friend class Connection;
  TableAppender() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One connection; not thread-safe (use one per thread).
class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs statements, discarding any result.
  Status Execute(std::string_view sql);
  Result<QueryResult> Query(std::string_view sql);

  // Progress of the statement running on this connection: percent (-1 when unknown or idle)
  // and rows processed so far / expected. The one method that may be called from another
  // thread while Execute/Query runs. Only tracked after EnableProgressTracking().
  struct Progress {
    double percent = -1;
    uint64_t rows_processed = 0, total_rows = 0;
  };
  Progress QueryProgress();
  Status EnableProgressTracking();
  // Asks the statement running on this connection to stop (it then fails with an
  // "Interrupted" error). Like QueryProgress, safe to call from another thread.
  void Interrupt();

  // Bulk-loads rows into an existing table: each row is a vector of cells matching the
  // table's columns, given as int64 values (for integer columns).
  Status AppendInt64Rows(const std::string& table, const std::vector<std::vector<int64_t>>& rows);
  // A TableAppender for `table` (in the connection's default schema; temp tables included).
  Result<std::unique_ptr<TableAppender>> OpenAppender(const std::string& table);

 private:
  friend class Database;
  Connection() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An in-memory DuckDB instance.
class Database {
 public:
  static Result<std::shared_ptr<Database>> Open();
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Result<std::unique_ptr<Connection>> Connect();

 private:
  Database() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The process-wide database, opened on first use.
Result<std::shared_ptr<Database>> SharedDatabase();

// SQL literal and identifier quoting.
std::string QuoteString(std::string_view s);  // 'it''s'
std::string QuoteIdent(std::string_view s);   // "a""b"

}  // namespace lake::engine
