// Log segment discovery: which files of _delta_log/ make up the table at one version.
//
// PROTOCOL.md "Delta Log Entries", "Checkpoints", "Checkpoint Naming Scheme",
// "Last Checkpoint File". The listing is the truth; _last_checkpoint is only a hint that lets
// the listing start late.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/object_store.h"
#include "lake/status.h"

namespace lake::log {

inline constexpr std::string_view kLogDir = "_delta_log/";

struct LogFile {
  std::string key;  // relative to the table root ("_delta_log/000...1.json")
  int64_t version = 0;
  uint64_t size = 0;
  int64_t mtime_ms = 0;
};

struct Checkpoint {
  enum class Kind { kClassic, kMultiPart, kV2 };
  int64_t version = 0;
  Kind kind = Kind::kClassic;
  bool json = false;           // a v2 checkpoint written as JSON
  std::vector<LogFile> parts;  // ordered by part number; one file unless multi-part
};

// What a listing of _delta_log/ found.
struct LogListing {
  std::vector<LogFile> commits;          // ascending versions, as found (may have gaps)
  std::vector<Checkpoint> checkpoints;   // complete checkpoints only, ascending versions
};

struct LogSegment {
  int64_t version = -1;                   // the version this segment reconstructs
  std::optional<Checkpoint> checkpoint;   // newest complete checkpoint <= version, if any
  std::vector<LogFile> commits;           // contiguous (checkpoint, version], ascending
  int64_t version_mtime_ms = 0;           // mtime of the commit (or checkpoint) of `version`
};

// "00000000000000000042"
std::string PadVersion(int64_t v);

// Classifies one file name of _delta_log/ (no directory). Returns false when the name is not
// a commit or checkpoint file (crc, compacted logs, _last_checkpoint, temp files, ...).
// For multi-part checkpoints, *part and *num_parts are set (else 1/1).
struct ParsedLogName {
  enum class Type { kCommit, kClassicCheckpoint, kMultiPartCheckpoint, kV2Checkpoint };
  Type type = Type::kCommit;
  int64_t version = 0;
  int part = 1, num_parts = 1;
  bool json = false;
};
bool ParseLogFileName(std::string_view name, ParsedLogName* out);

// Lists _delta_log/ (keys strictly after `start_after` when non-empty). Files in
// subdirectories (_sidecars/, _staged_commits/) are not part of the listing.
Result<LogListing> ListLog(ObjectStore& store, std::string_view start_after = {});

// The version named by _delta_log/_last_checkpoint, or nullopt when it is missing or
// unreadable (a hint only: never an error).
std::optional<int64_t> ReadLastCheckpointHint(ObjectStore& store);

// The segment for `version` (latest when nullopt). Errors:
//  NotFound "not a Delta table: no _delta_log at <uri>" when the log is empty/missing;
//  NotFound when `version` is newer than the latest or older than what the log retains;
//  Corruption "commit versions not contiguous: missing version N" for a gap.
Result<LogSegment> BuildLogSegment(ObjectStore& store, std::optional<int64_t> version);

// Segment construction from an existing listing (no I/O); used by time travel.
Result<LogSegment> SegmentFromListing(const LogListing& listing, std::optional<int64_t> version,
                                      const std::string& table_uri);

}  // namespace lake::log
