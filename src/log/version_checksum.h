// Version checksum files, <v>.crc (PROTOCOL.md "Version Checksum File"): a summary of the
// table state at one version, written after its commit, for integrity checks. Readers never
// need it: lake's snapshot loading ignores it; ValidateVersionChecksum compares on request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lake/status.h"
#include "lake/table.h"

namespace lake {

struct VersionChecksumOptions {
  // Also write allFiles (every live add); off by default (it repeats the whole file list).
  bool include_all_files = false;
};

// The .crc JSON of `snapshot`: tableSizeBytes, numFiles, numMetadata, numProtocol, metadata,
// protocol, setTransactions, domainMetadata, inCommitTimestampOpt (with in-commit timestamps),
// numDeletedRecordsOpt / numDeletionVectorsOpt, and allFiles on request.
std::string VersionChecksumJson(const Snapshot& snapshot, const VersionChecksumOptions& options = {});

// Writes _delta_log/<v>.crc with put-if-absent (PROTOCOL.md: never overwrite a checksum file);
// an existing one is left alone and OK is returned.
Status WriteVersionChecksum(const Snapshot& snapshot, const VersionChecksumOptions& options = {});

// The parsed required fields of a .crc file.
struct VersionChecksum {
  int64_t table_size_bytes = -1;
  int64_t num_files = -1;
  int64_t num_metadata = -1;
  int64_t num_protocol = -1;
  std::optional<Metadata> metadata;
  std::optional<Protocol> protocol;
  std::optional<int64_t> in_commit_timestamp;
  std::optional<int64_t> num_set_transactions;  // size of setTransactions, when present
  std::optional<int64_t> num_domains;           // size of domainMetadata, when present
};

// Reads _delta_log/<version>.crc: nullopt when there is none; Corruption when unparsable.
Result<std::optional<VersionChecksum>> ReadVersionChecksum(ObjectStore& store, int64_t version);

// Compares the snapshot with its .crc: OK when they agree or there is no .crc; Corruption
// naming the first field that differs otherwise. Never called implicitly by readers.
Status ValidateVersionChecksum(const Snapshot& snapshot);

}  // namespace lake
