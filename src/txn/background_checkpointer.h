// Writing due checkpoints off the committing thread (CommitOptions::checkpoint_in_background).
//
// A checkpoint rewrites the whole table state (O(live files)); done inline it is most of the
// latency of every delta.checkpointInterval-th commit. A writer that commits continuously hands
// it instead to one process-wide worker thread and goes on. Checkpoints are optional for
// correctness (PROTOCOL.md "Checkpoints": readers replay commits without them), so a
// checkpoint that is late, superseded or never written (the process killed) loses nothing;
// one is written atomically or not at all (WriteCheckpoint).
//
// The queue keeps, per table, only the newest due checkpoint: when commits outrun the worker,
// the older ones are skipped (the newest covers them). Waiting is WaitForBackgroundCheckpoints
// (include/lake/transaction.h); at process exit the queue is drained by an atexit handler
// (registered after the DuckDB instance the worker uses exists, so it runs before that goes).
// Statics that come into being later, on the worker's path, are destroyed before that drain
// runs; so those are never destroyed (`static auto& x = *new T`, e.g. TempFile's registry).
// After fork() the child starts with an empty queue and a worker of its own.
#pragma once

#include <cstdint>
#include <memory>

#include "lake/table.h"

namespace lake::txn {

// Queues the checkpoint of `version` of `table` (due per ShouldCheckpoint); `snapshot`, when at
// that version, saves reloading it.
void ScheduleBackgroundCheckpoint(std::shared_ptr<Table> table, int64_t version,
                                  std::shared_ptr<const Snapshot> snapshot);

}  // namespace lake::txn
