// OPTIMIZE: bin-packing compaction and Z-ordering of a Delta table's data files, and the
// auto-compaction hook run after writes.
//
// Bin-packing (Delta's OptimizeExecutor). Sizes: target = --target-size, else the table's
// delta.targetFileSize, else 128 MB (the size lake's writer already aims for; Delta's OPTIMIZE
// defaults to 1 GB, which is too coarse for the tables lake targets). min_file_size = --min-
// file-size, else 0.75 * target (Delta's rule minFileSize = 0.75 * maxFileSize). Candidates
// are the live files of the selected partitions that are smaller than min_file_size or carry
// a deletion vector. Per partition, candidates sorted by size are packed greedily into bins
// of at most `target` bytes; a bin is rewritten when it holds >= 2 files or any file with a
// deletion vector (a lone small file gains nothing from a rewrite). So a second run finds
// nothing to do and commits nothing (idempotent).
//
// Z-order (--zorder-by c1,...): every file of each selected partition is a candidate (as in
// Delta); a partition is rewritten unless it holds one file, or all its files already carry
// the tag lake.zOrderBy=<same columns> and no deletion vector (so re-running is a no-op). Each
// z column gets an order-preserving normalised key: percent_rank() over the column (ties equal,
// NULLs first) mapped to [0, 2^b), b = min(21, 63 / k) bits for k columns; the keys' bits are
// interleaved (Morton code) by a SQL expression into a UBIGINT. Rows are ordered by it and cut
// into ceil(partition bytes / target) files of equal row counts, so each output file covers a
// compact cell of the z-curve: tight [min, max] in every z column.
//
// Rewriting. The rows of a bin are read with the scan SQL (deletion vectors, column mapping,
// partition values applied) and written with the data writer (footer stats, partition
// layout); the whole run commits ONE transaction: remove(dataChange=false) for every rewritten
// file, add(dataChange=false) for every new one, operation "OPTIMIZE" with parameters
// {predicate, zOrderBy} and Spark's metrics (numFilesAdded, numFilesRemoved, filesAdded /
// filesRemoved {min,max,avg,totalFiles,totalSize}, partitionsOptimized, zOrderStats,
// numBatches, totalConsideredFiles, totalFilesSkipped, ...). Nothing to rewrite = no commit.
//
// Concurrency. The transaction declares each rewritten file as read (ReadFile) and no read
// predicate: a concurrent blind append commits fine (OPTIMIZE retries over it), while a
// concurrent commit that removes a rewritten file (delete, overwrite, another OPTIMIZE) makes
// OPTIMIZE fail with "commit conflict at version N: ConcurrentDeleteRead: ..."; the files it
// wrote are deleted again.
//
// Auto-compaction (delta.autoOptimize.autoCompact=true): after a successful write,
// AutoCompactAfterWrite runs a bin-packing OPTIMIZE restricted to the partitions the write
// added files to, and only in those that now hold at least
// delta.autoOptimize.autoCompact.minNumFiles (default 50) files smaller than min_file_size;
// it is a separate commit with operationParameters.auto = "true".
//
// Optimized writes (delta.autoOptimize.optimizeWrite=true) live in the data writer
// (DataWriteOptions::optimize_write): partitions are cut into target-size files as they are
// written, so they need no OPTIMIZE afterwards.
//
// Table features: column mapping (name / id) is handled by the scan and the data writer
// (physical names, field ids, physically keyed stats and partition values). Row tracking and
// writer features lake cannot write are refused before anything is rewritten.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lake/actions.h"
#include "lake/status.h"
#include "lake/table.h"

namespace lake {

struct OptimizeOptions {
  // A predicate over partition columns only (the `lake scan --where` grammar); "" = all.
  std::string where;
  std::optional<int64_t> target_size;     // bytes; see above for the default
  std::optional<int64_t> min_file_size;   // bytes; default 0.75 * target
  std::vector<std::string> zorder_by;     // data columns (not partition columns)
  // Only these partitions (keys as OptimizePartitionKey); nullopt = all (auto-compaction).
  std::optional<std::set<std::string>> only_partitions;
  // Bin-packing: skip a partition with fewer candidate files than this (auto-compaction's
  // minNumFiles). 0 = no minimum.
  int64_t min_num_files = 0;
  bool auto_compaction = false;  // recorded as operationParameters.auto
  // Progress lines ("optimize: partition 3 of 10: 120 files -> 1"), for stderr.
  std::function<void(const std::string&)> progress;
  // Tests: runs after the new files are written, before the commit.
  std::function<void()> before_commit;
};

struct OptimizeResult {
  int64_t read_version = -1;
  int64_t version = -1;  // the OPTIMIZE commit; -1 when there was nothing to do
  int64_t target_size = 0, min_file_size = 0;
  int64_t total_considered_files = 0;  // live files in the selected partitions
  int64_t total_files_skipped = 0;     // of those, left as they are
  int64_t partitions_optimized = 0;
  int64_t num_batches = 0;             // bins rewritten
  int64_t files_removed = 0, bytes_removed = 0;
  int64_t files_added = 0, bytes_added = 0;
  int64_t rows = 0;
  std::vector<std::string> zorder_by;
  std::string metrics_json;  // commitInfo.operationMetrics as committed
};

Result<OptimizeResult> Optimize(const std::shared_ptr<Table>& table, const OptimizeOptions& options);

// A partition's identity: its partition values in a canonical string ("" for unpartitioned).
std::string OptimizePartitionKey(const AddFile& f);

// Runs auto-compaction after a write committed `committed_version` with `added` files, when the
// table (at that version) sets delta.autoOptimize.autoCompact=true. Returns the OPTIMIZE result
// (version -1 when nothing was compacted); never fails the write (the caller reports errors
// as warnings).
Result<OptimizeResult> AutoCompactAfterWrite(const std::string& table_uri,
                                             const std::vector<AddFile>& added,
                                             std::function<void(const std::string&)> progress);

// Byte sizes: "134217728", "128mb", "1gb", "512KB", "10b". InvalidArgument otherwise.
Result<int64_t> ParseByteSize(const std::string& text);

}  // namespace lake
