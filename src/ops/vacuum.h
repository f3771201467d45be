// VACUUM: deleting the data files (and deletion-vector files) of a Delta table that no version
// within the retention window references (PROTOCOL.md "Add File and Remove File": tombstones
// expire after delta.deletedFileRetentionDuration; "VACUUM Protocol Check").
//
// Which files are needed. cutoff = now - retention. The retained versions are every version
// whose timestamp (as time travel defines it: Table::SnapshotAtTimestamp) is >= cutoff, plus
// the version current at the cutoff (the newest version with timestamp <= cutoff: a reader
// time-travelling to any instant in the window may read it). A file is needed when it is live
// in any retained version, i.e. live at the cutoff version or added by a later commit; its
// deletion vector file ('u' and in-table 'p' descriptors) is needed with it. As an extra
// safety net, files removed at or after the cutoff (deletionTimestamp >= cutoff) are needed
// too. When the log no longer reaches back to the cutoff version, every reconstructable
// version counts as retained.
//
// What is deleted.
//  - kLite: the log only, no storage listing. Candidates are the files (and DV files) of
//    remove actions in the retained commits and the latest snapshot's tombstones with
//    deletionTimestamp < cutoff (missing = 0, as Spark). Files that no longer exist are not
//    counted. Never deletes files outside the table.
//  - kFull (Spark's default): lists the whole table (ObjectStore::List("")) and deletes every
//    file that is not needed and was last modified before the cutoff, i.e. expired tombstones
//    and orphans (files never committed, e.g. left by a killed writer). Skipped, as Delta
//    skips hidden paths: every path with a component starting with '_' or '.' (so
//    _delta_log/, _delta_index/, temp files, _SUCCESS, .crc) or named "metadata", except
//    partition directories "<partition column>=..." and _change_data/ (change data files
//    are deleted by age, never while a retained commit references them).
//
// Safety. The retention window may not be shorter than the table's
// delta.deletedFileRetentionDuration (default 1 week) unless `force`. A table whose protocol
// lake cannot read and write in full is refused (the purpose of vacuumProtocolCheck: a
// client must not vacuum a table with features it does not understand, as they may
// reference files it does not know about). Without dry_run, the run is recorded like Spark
// does: a commitInfo-only commit "VACUUM START" (numFilesToDelete, sizeOfDataToDelete) before
// deleting and "VACUUM END" (numDeletedFiles, status COMPLETED or FAILED) after.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/status.h"
#include "lake/table.h"

namespace lake {

enum class VacuumMode { kLite, kFull };

struct VacuumOptions {
  // The retention window; nullopt = the table's delta.deletedFileRetentionDuration.
  std::optional<int64_t> retention_ms;
  VacuumMode mode = VacuumMode::kFull;
  // Compute and report what would be deleted; delete and commit nothing.
  bool dry_run = false;
  // Allow a window shorter than delta.deletedFileRetentionDuration.
  bool force = false;
  // "Now" in epoch ms (tests); nullopt = the system clock.
  std::optional<int64_t> now_ms;
  // Record VACUUM START / VACUUM END commits (ignored with dry_run).
  bool log_commits = true;
  // Concurrent deletes (>= 1).
  int parallelism = 8;
  // Tests: runs after planning, before VACUUM START and the deletes (e.g. to commit
  // concurrently).
  std::function<void()> after_planning;
  // Called from the deleting threads (serialized) after each deletion: (done, total).
  std::function<void(int64_t done, int64_t total)> progress;
};

struct VacuumFile {
  std::string key;  // relative to the table root, as the store names it
  int64_t size = 0;
};

struct VacuumResult {
  bool dry_run = false;
  VacuumMode mode = VacuumMode::kFull;
  int64_t table_version = -1;            // the latest version when vacuum started
  int64_t retention_ms = 0;              // the window used
  int64_t table_retention_ms = 0;        // delta.deletedFileRetentionDuration of the table
  int64_t cutoff_ms = 0;                 // now - retention
  int64_t oldest_retained_version = -1;  // the version current at the cutoff (or earliest)
  int64_t files_needed = 0;              // distinct files the retained versions reference
  int64_t files_scanned = 0;             // full: objects listed; lite: candidates examined
  std::vector<VacuumFile> files;         // deleted (or to delete with dry_run), sorted by key
  int64_t bytes = 0;                     // sum of files[].size
  int64_t start_version = -1;            // the VACUUM START commit (-1: none)
  int64_t end_version = -1;              // the VACUUM END commit (-1: none)
  std::string warning;                   // non-fatal trouble (e.g. VACUUM END not committed)
};

// Vacuums `table` (see above). Errors: InvalidArgument for a too-short window without
// `force` (the message says how to override) or a negative one; Unsupported for a protocol
// lake cannot fully handle; IOError from the store. If a delete fails midway the error names
// the file and how many were deleted; VACUUM END is committed with status FAILED.
Result<VacuumResult> Vacuum(const std::shared_ptr<Table>& table, const VacuumOptions& options);

// A retention duration: Spark's interval syntax ("interval 1 week", "168 hours", as
// delta.deletedFileRetentionDuration) or a number with a unit suffix: "0h", "36h", "7d",
// "1w", "90m" / "90min", "30s", "500ms". InvalidArgument otherwise.
Result<int64_t> ParseRetentionDuration(std::string_view text);

// "168 hours", "2 days 3 hours", "90 minutes", "1.5 seconds", "0 ms".
std::string FormatDurationMs(int64_t ms);

}  // namespace lake
