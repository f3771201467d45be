// The writer process of the multi-process commit stress tests (local store and S3).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lake/actions.h"

namespace lake::testing {

// Commits until `commits` were acknowledged (at most 10x that many tries) on the table at
// `uri` (id BIGINT, p STRING partition column; CreateTestTable): 40% blind appends into the
// writer's own partition, 30% blind appends into the shared partition 'x', 30% predicate
// overwrites of 'x' or 'y' (which conflict with concurrent appends there). Each transaction
// starts from the snapshot the previous commit returned. Writes one line per try to
// `out_path`: "ack <version> <tag> <attempts>", "refused <tag>" (a conflict) or
// "error <tag> <status>"; the tag is also the commit's userMetadata. Returns the exit code:
// 0 when all were acknowledged. DuckDB is used only to write checkpoints (inline, or with
// `background_checkpoints` by CommitOptions::checkpoint_in_background, waited for at the end).
int RunStressWriter(const std::string& uri, int id, int commits, unsigned seed,
                    const std::string& out_path, bool background_checkpoints = false);

// What writers were told, read back from their output files `<prefix>0` .. `<prefix>N-1`
// (the format RunStressWriter writes; "ack <version> <tag>" without attempts is read too). A
// tag acknowledged twice fails the calling test; lines of other kinds are kept for the caller.
struct WriterLogs {
  std::map<std::string, int64_t> acked;  // tag -> version
  std::set<std::string> refused;         // tags refused with a conflict
  std::set<std::string> errors;          // tags that ended in an error (outcome unknown)
  std::vector<std::string> error_lines;
  std::vector<std::string> other_lines;  // neither ack, refused nor error
  long total_attempts = 0;
  int max_attempts = 0;
};
WriterLogs ReadWriterLogs(const std::string& prefix, int writers);

// commitInfo.userMetadata ("" when absent).
std::string UserMetadataOf(const CommitInfo& ci);

}  // namespace lake::testing
