// Snapshot reconstruction (PROTOCOL.md "Action Reconciliation") and the reader protocol gate.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lake/table.h"
#include "log/log_segment.h"

namespace lake {

// Builds Snapshot objects; the friend of Snapshot that fills its private state.
class SnapshotBuilder {
 public:
  // Replays `segment` of the table in `store` (commits newest first, then the checkpoint).
  static Result<std::shared_ptr<const Snapshot>> Build(std::shared_ptr<ObjectStore> store,
                                                       const std::string& table_uri,
                                                       const log::LogSegment& segment);
  // Forward replay without I/O: `base` (nullptr = an empty table before version 0) plus
  // `commits` (the versions right after base, in order, each as its log file and content).
  // Used after a commit (src/txn/snapshot_apply.cc).
  static Result<std::shared_ptr<const Snapshot>> Apply(
      const Snapshot* base, std::shared_ptr<ObjectStore> store, const std::string& table_uri,
      const std::vector<std::pair<log::LogFile, std::string>>& commits);

 private:
  // Sets protocol, metadata, the parsed schema and the column mapping mode of `snap`. The
  // schema is reused from `base` when its schemaString is unchanged (nullptr: always parse).
  static Status SetTableState(Snapshot& snap, Protocol protocol, Metadata metadata,
                              const Snapshot* base);
};

namespace log {

// The reader features lake can read (PROTOCOL.md "Table Features" / "Valid Feature Names").
bool IsSupportedReaderFeature(std::string_view feature);

// OK when lake can read a table with this protocol; Unsupported naming the reader version or
// the first unknown reader feature otherwise.
Status CheckReadable(const Protocol& protocol);

// The key under which a file is live (PROTOCOL.md "Action Reconciliation": the canonical path
// plus the DV unique id). Canonicalization: "file:" URIs and absolute paths inside the table
// become relative, percent-encoding is decoded. `table_root` is the table's absolute local
// path ("" when the store is not local).
std::string CanonicalPath(std::string_view path, std::string_view table_root);
// False when CanonicalPath(path, root) is `path` itself (a plain relative path without
// escapes): callers can then skip the copy.
bool NeedsCanonicalization(std::string_view path);

// numRecords from a stats JSON text; nullopt when absent or unparsable.
std::optional<int64_t> NumRecordsFromStats(std::string_view stats);

}  // namespace log
}  // namespace lake
