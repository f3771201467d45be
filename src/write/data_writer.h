// The data side of a write: rows (a DuckDB SELECT) -> validated -> Parquet data files in the
// table directory -> lake::AddFile entries with Delta statistics. Commits nothing.
//
// Shape of a write (two passes over the source at most, one when no check is needed):
//   1. DESCRIBE the source; match its columns to the table's by name (case-insensitive). A
//      source column the table lacks is refused; a nullable table column the source lacks is
//      written as NULL, a NOT NULL one is refused.
//   2. Rule pass (only when some column needs a cast that can fail, a field is NOT NULL, the
//      table has rules, or rows must satisfy a replace-where predicate): ONE aggregate query
//      counts the rows breaking each rule (write/rules.h: casts, NOT NULL, CHECK, invariants,
//      generated columns) and the rule-abiding rows outside the predicate; a bad batch is
//      refused with the counts and up to 5 examples, or split for quarantine (rows outside the
//      predicate always refuse). Nothing has been written yet.
//   3. COPY (SELECT casts..., partition key) TO a staging directory inside the table
//      (_lake_staging-<uuid>/), PARTITION_BY a surrogate key that hex-encodes the serialized
//      partition values (DuckDB's own hive naming is ambiguous for NULL vs 'NULL'), with
//      FILE_SIZE_BYTES = delta.targetFileSize (unpartitioned writes only: DuckDB 1.4 cannot
//      rotate files of a partitioned COPY; optimized writes resize partitions afterwards, see
//      optimize_write) and the table's codec. RETURN_STATS gives each file's name and row
//      count.
//   4. Move each file to <col>=<hive-escaped value>/.../part-<uuid>.c000.<codec>.parquet.
//   5. Statistics from the Parquet footers (parquet_metadata(), footer only): min/max/null
//      counts per leaf column, aggregated over row groups, formatted per PROTOCOL.md
//      "Per-file Statistics" (strings cut to 32 characters, the max rounded up; timestamps in
//      ISO-8601 with milliseconds, truncated).
// On any failure every file written so far is deleted.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/duckdb_engine.h"
#include "lake/actions.h"
#include "lake/schema.h"
#include "lake/status.h"
#include "write/rules.h"

namespace lake::write {

struct DataWriteOptions {
  std::string source_sql;  // a SELECT producing the rows
  const Schema* schema = nullptr;
  std::vector<std::string> partition_columns;             // logical names
  std::map<std::string, std::string> configuration;       // table properties
  std::string table_root_local;                           // local directory of the table root
  // Replace-where: every row must satisfy this predicate (SQL over the table's column names).
  std::string require_predicate;
  // Data-quality rules every row must satisfy (a row fails when `sql` is FALSE or NULL): CHECK
  // constraints, column invariants, generated-column consistency. SQL over logical column names.
  // Casts and NOT NULL are checked as rules too (write/rules.h), before these.
  using Rule = RowRule;
  std::vector<Rule> rules;
  // When set, rows that break a rule do not refuse the write: this is called (before anything is
  // written) with a SELECT of the bad rows (the source's columns plus _lake_rule) and their
  // count, and only the good rows are written. An error from it fails the write.
  std::function<Status(const std::string& bad_rows_sql, int64_t bad_rows)> quarantine;
  // Generated columns (delta.generationExpression) by logical column name: computed from the
  // source when it lacks the column (the expression is evaluated over the source's columns).
  std::map<std::string, std::string> generated;
  // Rows are already of the table's types and names (a lake scan): skip matching/validation.
  bool trusted_source = false;
  // Optimized write (delta.autoOptimize.optimizeWrite / --optimize-write): after the
  // partitioned COPY, a partition not in one file of <= 1.25 x delta.targetFileSize is
  // rewritten from its staged files: merged with the other small ones by one sorted
  // partitioned COPY, or cut with FILE_SIZE_BYTES (row groups <= target/4) and its remainder
  // under target/4 folded into another file: files of ~0.75x..1.75x the target.
  bool optimize_write = false;
  // Columns outside the schema copied as they are from the source into every data file, after
  // the table's columns (trusted sources only): OPTIMIZE's materialized row tracking columns
  // (PROTOCOL.md "Row IDs": hidden, not in schemaString). No statistics are collected on them.
  std::vector<std::string> hidden_columns;
  std::function<void(const std::string&)> progress;
};

struct DataWriteResult {
  std::vector<AddFile> files;
  int64_t rows = 0;
  int64_t bytes = 0;
};

// Validates and writes. Rows breaking rules are InvalidArgument with the count per rule and up
// to 5 examples naming the column and the rule, e.g. "2 rows break the table's rules; nothing
// was written (column 'price': cast to DECIMAL(10,2) (source type VARCHAR): 2). Examples:
//   {'price': abc} violates column 'price': cast to DECIMAL(10,2) (source type VARCHAR) ...".
Result<DataWriteResult> WriteDataFiles(engine::Connection& conn, const DataWriteOptions& opts);

// Deletes data files written by WriteDataFiles (when the commit failed).
void DeleteDataFiles(const std::string& table_root_local, const std::vector<AddFile>& files);

// --- pieces, exposed for tests -----------------------------------------------------------------

// Hive/Delta partition directory escaping: control characters and "#%'*/:=?\{[]^ and DEL
// become %XX (uppercase hex). The null partition is __HIVE_DEFAULT_PARTITION__.
std::string EscapePartitionValue(std::string_view v);
// AddFile.path encoding (protocol form; lake::EncodeDeltaPath): %-encodes everything outside
// RFC 2396's unreserved set and "/:@&=+$," (including '%', spaces and non-ASCII bytes).
std::string EncodePath(std::string_view relative_path);

// Statistics string truncation (32 characters = Unicode code points): the min is the prefix;
// the max is the prefix with its last code point incremented (so it stays >= every string with
// that prefix in UTF-8 byte order); nullopt when no such bound exists (all U+10FFFF).
std::string TruncateStatsMin(std::string_view s, size_t max_chars = 32);
std::optional<std::string> TruncateStatsMax(std::string_view s, size_t max_chars = 32);

// A SQL VARCHAR expression serializing `expr` (of Delta type `type`) as a partition value
// (PROTOCOL.md "Partition Value Serialization"; timestamps as ISO-8601 UTC with 'Z').
Result<std::string> PartitionValueSerializeSql(const DataType& type, const std::string& expr);

// The leaf columns statistics are collected for, as paths of logical names, honouring
// delta.dataSkippingStatsColumns, else delta.dataSkippingNumIndexedCols (default 32, -1 = all).
Result<std::vector<std::vector<std::string>>> StatsColumns(
    const Schema& schema, const std::vector<std::string>& partition_columns,
    const std::map<std::string, std::string>& configuration);

// "zstd" -> ("zstd" for DuckDB COMPRESSION, "zstd" for the file name); from
// delta.parquet.compression.codec (default zstd).
struct Codec {
  std::string duckdb;
  std::string file_tag;  // "" for uncompressed
};
Result<Codec> CodecFor(const std::map<std::string, std::string>& configuration);
// Whether lake's writers honour the writer feature `feature` (the write path's list: a table
// with any other writer feature is refused by every operation that commits data files).
bool WriterFeatureSupported(const std::string& feature);
// The protocol versions {reader, writer} that imply a feature older than table features
// (PROTOCOL.md "Table Features": legacy writer versions 2-6).
const std::map<std::string, std::pair<int, int>>& LegacyFeatures();

// PROTOCOL.md "Row IDs" / "Row Commit Versions": the table properties naming the hidden
// columns that hold materialized (preserved) row ids and row commit versions.
inline constexpr const char* kMaterializedRowIdColumnKey =
    "delta.rowTracking.materializedRowIdColumnName";
inline constexpr const char* kMaterializedRowCommitVersionColumnKey =
    "delta.rowTracking.materializedRowCommitVersionColumnName";
// Sets both properties in `configuration` when absent, as Spark names them
// (_row-id-col-<uuid>, _row-commit-version-col-<uuid>). InvalidArgument when a name (given or
// present) equals a column name of `schema` (logical or physical, case-insensitively) or the two
// are equal: the spec requires them unique.
Status AssignMaterializedRowTrackingColumns(const Schema& schema,
                                            std::map<std::string, std::string>* configuration);

// delta.targetFileSize (bytes, or with a kb/mb/gb suffix; default 128 MB).
Result<int64_t> TargetFileSize(const std::map<std::string, std::string>& configuration);

}  // namespace lake::write
