// Scan planning: a table state (schema, live files, options) -> ONE DuckDB SELECT.
//
// The query reads the Parquet data files with read_parquet, materialises partition columns from
// the log's partitionValues, maps physical (column-mapping) names back to logical ones, fills
// columns missing from older files with NULL, casts every column to the DuckDB type of its Delta
// type, and removes rows deleted by deletion vectors.
//
// Plan shape (measured, see the report in the commit log / bench/scan_sql_bench.cc):
//   * one read_parquet([...]) over all files without deletion vectors, files sorted by their
//     partition tuple; each partition column is a constant per file computed from the
//     file_index virtual column by a balanced CASE tree over file-index ranges (free at run
//     time; ~1x raw read_parquet). With more than kMaxCaseRanges ranges the values go to a temp
//     table joined on file_index instead (CASE trees that large cost more to plan than to join).
//   * files with deletion vectors get their own read_parquet, anti-joined on
//     (file_index, file_row_number) with a temp table of deleted rows; other files don't pay.
//   * WHERE and LIMIT are applied by an outer SELECT over logical names; DuckDB pushes the
//     filters into the Parquet scans (row-group pruning) through the projection.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/duckdb_engine.h"
#include "lake/actions.h"
#include "lake/schema.h"
#include "lake/status.h"

namespace lake::scan {

// Returns the (0-based) row positions a file's deletion vector deletes.
using DeletedRowsLoader = std::function<Result<std::vector<uint64_t>>(const AddFile&)>;

struct ScanInput {
  // Where DuckDB reads each file: `local_paths` when not empty (one per entry of `files`, e.g.
  // fetched from a remote store); otherwise DataFileLocalPath(table_root_local, add.path).
  std::string table_root_local;  // local dir of the table root (ObjectStore::LocalPath(""))
  std::vector<std::string> local_paths;
  const Schema* schema = nullptr;
  std::vector<std::string> partition_columns;  // logical names (metaData.partitionColumns)
  std::string mapping_mode = "none";           // none | name | id
  std::vector<const AddFile*> files;           // the live files, already pruned
  std::vector<std::string> columns;            // projection, logical names; empty = all
  std::string where;                           // SQL over logical names; "" = none
  std::optional<int64_t> limit;
  // Row tracking (OPTIMIZE): when set, two BIGINT columns named by these (the table's
  // materialized row id / row commit version columns) follow the requested ones, holding each
  // row's stable row id and row commit version (PROTOCOL.md "Reader Requirements for Row
  // Tracking"): the file's materialized value when present and not null, else baseRowId +
  // the row's physical position (file_row_number) / defaultRowCommitVersion of its add (NULL
  // for a file without them).
  struct RowTrackingColumns {
    std::string row_id;
    std::string row_commit_version;
  };
  std::optional<RowTrackingColumns> row_tracking;
};

// Prepares what the query needs in `conn` (temp tables for deletion vectors and large partition
// maps; they are named __lake_scan_<n>_* and live as long as the connection) and returns a
// SELECT whose columns are the requested logical columns, in schema (or projection) order.
// Reads the Parquet footers of files it has not seen before (one parquet_schema query; results
// are cached process-wide, data files being immutable).
Result<std::string> BuildScanSql(engine::Connection& conn, const ScanInput& in,
                                 DeletedRowsLoader loader);

// --- pieces, exposed for tests ----------------------------------------------------------------

// An AddFile path (relative and URI-encoded, or an absolute file: URI / path) -> local path.
Result<std::string> DataFileLocalPath(const std::string& table_root_local, const std::string& path);

// A SQL expression of the DuckDB type of `type` for a serialized partition value
// (PROTOCOL.md "Partition Value Serialization"); nullopt (and "" for non-string types) = NULL.
Result<std::string> PartitionValueSql(const DataType& type, const std::optional<std::string>& value);

// The threshold between CASE trees and a joined temp table for partition values.
inline constexpr size_t kMaxCaseRanges = 256;

// Drops the process-wide cache of Parquet column metadata (tests).
void ClearFileSchemaCache();

}  // namespace lake::scan
