// Metadata cleanup (PROTOCOL.md "Metadata Cleanup"): deleting expired commits, checkpoints,
// checksums and log compactions from _delta_log/ without losing any version that is still
// within delta.logRetentionDuration (default 30 days).
//
// cutoff = now - logRetentionDuration, truncated to midnight UTC (like Spark). The
// cutoffCommit is the newest commit not newer than the cutoff (commit times made monotonic
// like Spark: a commit is never considered older than its predecessor); the cutoffCheckpoint
// is the newest complete checkpoint at or before it. Only files of versions strictly before
// the cutoffCheckpoint are deleted (compactions: those starting at or before it), oldest
// first, so every version at or after the cutoffCommit stays reconstructable from a retained
// checkpoint plus retained commits. Without such a checkpoint nothing is deleted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lake/status.h"
#include "lake/table.h"

namespace lake {

struct CleanupResult {
  int64_t cutoff_ms = 0;                 // the retention cutoff used (midnight UTC)
  int64_t cutoff_checkpoint_version = -1;  // -1: nothing could be cleaned up
  std::vector<std::string> deleted;      // keys, in deletion order
};

// Cleans up the log of `table` as of `now_ms`. Honours delta.enableExpiredLogCleanup=false
// (then does nothing). Retention comes from the latest snapshot's metadata.
Result<CleanupResult> CleanupExpiredLogs(const std::shared_ptr<Table>& table, int64_t now_ms);

}  // namespace lake
