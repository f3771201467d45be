// The write path: creating tables and writing data into them.
//
// Rows come from DuckDB (a SELECT, or a CSV / JSON-lines / Parquet file or glob); lake validates
// them against the table schema BEFORE writing anything, writes Parquet data files with DuckDB
// COPY, collects per-file statistics from the Parquet footers (never re-reading data), and
// commits add/remove actions through lake::Transaction.
//
// Type names in schema DDL follow DuckDB (the engine): `TIMESTAMP` is a timestamp WITHOUT time
// zone (Delta `timestamp_ntz`, which needs the timestampNtz table feature, protocol (3,7));
// `TIMESTAMPTZ` / `TIMESTAMP WITH TIME ZONE` is Delta `timestamp` (UTC-adjusted instants).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/actions.h"
#include "lake/schema.h"
#include "lake/status.h"

namespace lake {

// --- schemas ---------------------------------------------------------------------------------

// Parses a column list in DuckDB DDL syntax into a Delta schema:
//   "id BIGINT NOT NULL, ts TIMESTAMP, price DECIMAL(10,2), tags VARCHAR[],
//    s STRUCT(a INT, b VARCHAR), m MAP(VARCHAR, INT)"
// Spark spellings are accepted too (ARRAY<T>, STRUCT<a: T>, MAP<K,V>, STRING, LONG, ...).
// Unsigned integers widen to the next signed type (UBIGINT -> decimal(20,0)); types Delta cannot
// hold (TIME, INTERVAL, UNION, ...) are InvalidArgument errors naming the column.
Result<Schema> ParseSchemaDDL(std::string_view ddl);
// One type in the same syntax ("DECIMAL(10,2)", "STRUCT(a INT)[]").
Result<DataTypePtr> ParseTypeDDL(std::string_view type);

// metaData.schemaString for a schema: the inverse of ParseSchema.
std::string SchemaToJson(const Schema& schema);

// Where rows come from. `path` is a file or glob read with read_csv / read_json / read_parquet
// (by extension: .csv .tsv .txt [.gz|.zst], .json .jsonl .ndjson [.gz], .parquet); `query` is a
// DuckDB SELECT. With both, the query reads the file as the relation `source`
// ("SELECT id, upper(name) AS name FROM source").
struct WriteSource {
  std::string path;
  std::string query;
};

// The SELECT that produces a source's rows (after creating the `source` view when needed).
Result<std::string> SourceSelectSql(const WriteSource& source);

// The schema of a source, from DuckDB's DESCRIBE (all columns nullable).
Result<Schema> SchemaFromSource(const WriteSource& source);

// The lowest protocol a new table with this schema and configuration needs (PROTOCOL.md "Table
// Features"): (1,2) for plain tables; (1,4) with change data feed; (3,7) with reader features
// (timestampNtz, deletionVectors, v2Checkpoint, ...), (1,7) with writer-only features.
// Settings lake cannot honour when writing (column mapping, row tracking, ...) are Unsupported.
Result<Protocol> MinimumProtocol(const Schema& schema,
                                 const std::map<std::string, std::string>& configuration);

// --- create ----------------------------------------------------------------------------------

struct CreateTableResult {
  int64_t version = -1;
  Protocol protocol;
  std::string table_id;
};

// Creates an empty table (version 0: protocol + metaData). AlreadyExists when `uri` already
// holds a Delta log. Partition columns must be top-level primitive columns of the schema.
Result<CreateTableResult> CreateTable(const std::string& uri, const Schema& schema,
                                      const std::vector<std::string>& partition_columns,
                                      const std::map<std::string, std::string>& properties = {},
                                      const std::string& comment = "");

// --- write -----------------------------------------------------------------------------------

enum class WriteMode {
  kAppend,     // add the rows
  kOverwrite,  // replace all rows (or, with ReplaceWhere, the rows matching the predicate)
  kError,      // fail when the table exists
  kIgnore,     // do nothing when the table exists
};
Result<WriteMode> ParseWriteMode(std::string_view mode);  // append|overwrite|error|ignore
const char* WriteModeName(WriteMode mode);

struct WriteResult {
  int64_t version = -1;   // the committed version (-1 when nothing was committed)
  bool skipped = false;   // ignore mode on an existing table, or an already-applied txn version
  bool created = false;   // the write created the table
  int64_t rows_written = 0;
  int64_t files_added = 0;
  int64_t bytes_added = 0;
  int64_t files_removed = 0;
  int64_t rows_rewritten = 0;  // replace-where: rows of touched files kept (not matching)
  int attempts = 1;  // commit attempts, plus whole-write re-runs (identity tables, see Execute)
  // Set when the commit stands but a post-commit step (the checkpoint) failed.
  std::string warning;
  int64_t rows_quarantined = 0;        // QuarantineBadRows: rows sent to the quarantine table
  int64_t quarantine_version = -1;     // its committed version
  // Auto-compaction (delta.autoOptimize.autoCompact=true): the OPTIMIZE commit it made after
  // the write (-1 = none), or why it failed (the write itself stands either way).
  int64_t auto_compact_version = -1;
  std::string auto_compact_warning;
};

// Writes rows into a table:
//   WriteBuilder("/data/t").Source({.path = "in.csv"}).Mode(WriteMode::kAppend).Execute();
// When the table does not exist it is created from the source's schema (all modes), with
// PartitionBy/Properties applied. Nothing is committed (and no data file is left behind) when
// validation fails.
class WriteBuilder {
 public:
  explicit WriteBuilder(std::string table_uri) : uri_(std::move(table_uri)) {}

  WriteBuilder& Source(WriteSource s) { source_ = std::move(s); return *this; }
  WriteBuilder& Mode(WriteMode m) { mode_ = m; return *this; }
  // Predicate overwrite (SQL over the table's columns, the `lake scan --where` dialect; needs
  // mode overwrite): removes the rows matching the predicate, keeps the others (files that mix
  // both are rewritten), and refuses the write if any new row does not satisfy it.
  WriteBuilder& ReplaceWhere(std::string predicate) { replace_where_ = std::move(predicate); return *this; }
  // Idempotent writes (PROTOCOL.md "Transaction Identifiers").
  WriteBuilder& AppTransaction(std::string app_id, int64_t version) {
    app_id_ = std::move(app_id);
    app_version_ = version;
    return *this;
  }
  // Schema evolution on write. By default a source whose columns differ from the table's is
  // refused with the differences (extra columns, missing NOT NULL columns, type differences).
  // MergeSchema: extra source columns are added (nullable) and source types that widen the
  // table's (typeWidening) widen it, in the same commit. OverwriteSchema (mode overwrite only):
  // the table takes the source's schema (and PartitionBy, when given).
  WriteBuilder& MergeSchema(bool on = true) { merge_schema_ = on; return *this; }
  WriteBuilder& OverwriteSchema(bool on = true) { overwrite_schema_ = on; return *this; }
  // Rows that break the table's rules (values that do not cast to the column type, NULLs in NOT
  // NULL fields, CHECK constraints, invariants, generated columns) are by default a refusal of
  // the whole write, with the count per rule and up to 5 examples. With a quarantine table, the bad
  // rows (the source's columns plus _lake_rule: the first rule broken, _lake_batch: this write's
  // id, and _lake_quarantined_at) are appended to that Delta table FIRST (one commit, creating it
  // when needed), then the good rows are committed to this table (a second commit). If the process
  // dies between the two commits, the quarantine holds the bad rows of a write whose good rows
  // were never committed: re-running the write quarantines them again under a new _lake_batch
  // (deduplicate by the batch whose good rows are missing from the table). The quarantine keeps
  // the source's values as given (a value that failed its cast stays, e.g., a string).
  WriteBuilder& QuarantineBadRows(std::string table_uri) { quarantine_ = std::move(table_uri); return *this; }
  // Optimized write (also on when the table sets delta.autoOptimize.optimizeWrite=true): each
  // partition's rows go to files of about delta.targetFileSize (default 128 MB) instead of
  // one file of any size per partition (or several small ones past 100 partitions);
  // nothing changes for unpartitioned writes (already cut at the target). Partitions that
  // need it are written twice; see docs/WRITE.md.
  WriteBuilder& OptimizeWrite(bool on = true) {
    optimize_write_ = on;
    return *this;
  }
  // A checkpoint this write's commit makes due is written by the background worker instead of
  // before Execute returns (CommitOptions::checkpoint_in_background; for long-lived processes
  // that write often, e.g. a SQL session). Its failures surface from
  // WaitForBackgroundCheckpoints, not in WriteResult.
  WriteBuilder& CheckpointInBackground(bool on = true) {
    checkpoint_in_background_ = on;
    return *this;
  }
  // Only used when the write creates the table.
  WriteBuilder& PartitionBy(std::vector<std::string> cols) { partition_by_ = std::move(cols); return *this; }
  WriteBuilder& Properties(std::map<std::string, std::string> p) { properties_ = std::move(p); return *this; }
  // Progress lines ("writing Parquet: 40%", "wrote 3 file(s), ..."), for long writes. May be
  // called from a helper thread (never concurrently with itself).
  WriteBuilder& OnProgress(std::function<void(const std::string&)> f) { progress_ = std::move(f); return *this; }

  // Tables with identity columns: a commit conflict (a concurrent writer moved the high-water
  // mark, or changed the table) re-runs the whole write against the new version, generating
  // fresh values, up to 10 times; not after bad rows went to the quarantine table.
  Result<WriteResult> Execute();

 private:
  // One attempt; `*retry_on_conflict` says whether a Conflict may be retried from scratch.
  Result<WriteResult> ExecuteOnce(bool* retry_on_conflict);

  std::string uri_;
  WriteSource source_;
  WriteMode mode_ = WriteMode::kAppend;
  std::string replace_where_;
  std::string app_id_;
  int64_t app_version_ = -1;
  bool merge_schema_ = false, overwrite_schema_ = false, optimize_write_ = false;
  bool checkpoint_in_background_ = false;
  std::string quarantine_;
  std::vector<std::string> partition_by_;
  std::map<std::string, std::string> properties_;
  std::function<void(const std::string&)> progress_;
};

}  // namespace lake
