// Writing checkpoints (PROTOCOL.md "Checkpoints", "Checkpoint Schema", "Last Checkpoint File
// Schema") and the automatic checkpoint policy.
//
// lake writes classic single-file checkpoints, <v>.checkpoint.parquet, with the Parquet schema
// Spark (Delta 3.x/4.x) writes: top-level struct columns txn, add, remove, metaData, protocol,
// domainMetadata (+ checkpointMetadata on v2Checkpoint tables). Stats are kept as JSON text
// (Spark's default delta.checkpoint.writeStatsAsJson=true); stats_parsed is not written.
// The actions are loaded typed into a DuckDB temp table (engine::TableAppender: no JSON or SQL
// text in between), which DuckDB writes (COPY ... TO ... (FORMAT parquet)) into a local temp
// file, then uploaded with one ObjectStore::Put, so a checkpoint is never visible half written.
// _delta_log/_last_checkpoint is written after it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lake/status.h"
#include "lake/table.h"

namespace lake {

struct CheckpointOptions {
  // The clock used to expire tombstones (delta.deletedFileRetentionDuration, default 7 days)
  // and app transactions (delta.setTransactionRetentionDuration); system clock when unset.
  std::optional<int64_t> now_ms;
  // Also write _delta_log/_last_checkpoint (unless it already names a newer checkpoint).
  bool write_last_checkpoint = true;
};

struct CheckpointInfo {
  int64_t version = -1;
  std::string key;            // "_delta_log/<v>.checkpoint.parquet"
  int64_t num_actions = 0;    // rows = actions (_last_checkpoint "size")
  int64_t size_in_bytes = 0;  // of the Parquet file
  int64_t num_add_files = 0;
  int64_t num_tombstones = 0;  // remove actions kept (not expired)
  int64_t num_expired_tombstones = 0;
  int64_t num_txns = 0;
  int64_t num_domains = 0;
};

// Writes the checkpoint of `snapshot` (replacing an existing classic checkpoint of that
// version: both have the same content) and then _last_checkpoint.
Result<CheckpointInfo> WriteCheckpoint(const Snapshot& snapshot,
                                       const CheckpointOptions& options = {});

// delta.checkpointInterval of `metadata` (default 10, like Spark; invalid values -> 10).
int64_t CheckpointInterval(const Metadata& metadata);

// Spark's policy: a checkpoint after committing version v when v > 0 and v % interval == 0.
bool ShouldCheckpoint(int64_t version, int64_t interval);

// To be called after a successful commit of `committed_version`: writes its checkpoint when
// ShouldCheckpoint says so and no checkpoint of that version exists yet (idempotent). Never
// throws; an error only reports that no checkpoint was written; the commit itself stands.
// OK when not due, already there or written. `snapshot`, when given and at that version, saves
// reloading it (a committing transaction already holds it).
Status WriteCheckpointIfDue(const std::shared_ptr<Table>& table, int64_t committed_version,
                            std::shared_ptr<const Snapshot> snapshot = nullptr) noexcept;

// The JSON of _delta_log/_last_checkpoint for `info`, with its "checksum" (PROTOCOL.md "JSON
// checksum").
Result<std::string> LastCheckpointJson(const CheckpointInfo& info);

// PROTOCOL.md "JSON checksum": the canonical form of a JSON object (its top-level "checksum"
// key ignored) and the MD5 hex digest of it.
Result<std::string> CanonicalizeJsonForChecksum(std::string_view json);
Result<std::string> JsonChecksum(std::string_view json);

}  // namespace lake
