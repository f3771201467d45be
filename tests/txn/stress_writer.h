// The writer process of the multi-process commit stress tests (local store and S3).
#pragma once

#include <string>

#include "lake/actions.h"

namespace lake::testing {

// Commits until `commits` were acknowledged (at most 10x that many tries) on the table at
// `uri` (id BIGINT, p STRING partition column; CreateTestTable): 40% blind appends into the
// writer's own partition, 30% blind appends into the shared partition 'x', 30% predicate
// overwrites of 'x' or 'y' (which conflict with concurrent appends there). Each transaction
// starts from the snapshot the previous commit returned. Writes one line per try to
// `out_path`: "ack <version> <tag> <attempts>", "refused <tag>" (a conflict) or
// "error <tag> <status>"; the tag is also the commit's userMetadata. Returns the exit code:
// 0 when all were acknowledged. Never touches DuckDB, so a forked child may run it.
int RunStressWriter(const std::string& uri, int id, int commits, unsigned seed,
                    const std::string& out_path);

// commitInfo.userMetadata ("" when absent).
std::string UserMetadataOf(const CommitInfo& ci);

}  // namespace lake::testing
