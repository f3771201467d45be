// Reading checkpoints (PROTOCOL.md "Checkpoints", "Checkpoint Schema", "V2 Spec") into the
// same ActionVisitor the commit parser feeds.
//
// Parquet checkpoints are read by DuckDB: each row's action struct is rendered with to_json()
// and parsed by the JSON action parser, so commits and checkpoints share one code path.
#pragma once

#include <string>
#include <vector>

#include "lake/object_store.h"
#include "lake/status.h"
#include "log/action_parser.h"
#include "log/log_segment.h"

namespace lake::log {

// Reads the actions stored in Parquet files `keys` (checkpoint parts or v2 sidecars) of
// `store`. Only action columns present in the files are projected. `sizes` (one per key, or
// empty when unknown) let remote stores serve the files from the cache without a HEAD: log
// files are immutable. Remote parts are fetched in parallel.
Status ReadParquetActions(ObjectStore& store, const std::vector<std::string>& keys,
                          ActionVisitor& visitor, const std::vector<uint64_t>& sizes = {});

// Reads a whole checkpoint: all parts of a multi-part one; for v2 checkpoints (JSON or
// Parquet, UUID-named or classic-named) also the sidecar files it references.
Status ReadCheckpoint(ObjectStore& store, const Checkpoint& checkpoint, ActionVisitor& visitor);

}  // namespace lake::log
