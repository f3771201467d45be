// Table and Snapshot: the read side of a Delta table.
//
// A Table is a location (path or URI) plus its ObjectStore. A Snapshot is the table's state at
// one version, reconstructed from the log (PROTOCOL.md "Action Reconciliation"): protocol,
// metadata, live files, app transactions and domain metadata.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lake/actions.h"
#include "lake/object_store.h"
#include "lake/schema.h"
#include "lake/status.h"

namespace lake {

class Snapshot {
 public:
  int64_t version() const { return version_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  const Schema& schema() const { return schema_; }
  // "none", "name" or "id" (delta.columnMapping.mode).
  const std::string& column_mapping_mode() const { return column_mapping_mode_; }
  // The live files, in no particular order.
  const std::vector<AddFile>& files() const { return files_; }
  // Tombstones still in the log (remove actions not yet expired).
  const std::vector<RemoveFile>& tombstones() const { return tombstones_; }
  const std::map<std::string, Txn>& app_transactions() const { return txns_; }
  // Live (not removed) domain metadata, by domain.
  const std::map<std::string, DomainMetadata>& domain_metadata() const { return domains_; }
  // The version's timestamp in ms: inCommitTimestamp where that feature is enabled, else the
  // commit file's modification time.
  int64_t timestamp_ms() const { return timestamp_ms_; }

  const std::string& table_uri() const { return table_uri_; }
  ObjectStore& store() const { return *store_; }

  // Sums over files().
  int64_t TotalBytes() const;
  // Sum of numRecords from stats minus deletion-vector cardinalities; nullopt when a file
  // has no numRecords.
  std::optional<int64_t> TotalRecords() const;

 private:
  friend class SnapshotBuilder;
  int64_t version_ = -1;
  Protocol protocol_;
  Metadata metadata_;
  Schema schema_;
  std::string column_mapping_mode_ = "none";
  std::vector<AddFile> files_;
  std::vector<RemoveFile> tombstones_;
  std::map<std::string, Txn> txns_;
  std::map<std::string, DomainMetadata> domains_;
  int64_t timestamp_ms_ = 0;
  std::string table_uri_;
  std::shared_ptr<ObjectStore> store_;
};

// One entry of `history`: a commit and its commitInfo.
struct CommitSummary {
  int64_t version = 0;
  int64_t timestamp_ms = 0;  // as Snapshot::timestamp_ms
  std::string operation;     // commitInfo.operation, "" when absent
  std::string commit_info;   // commitInfo JSON, "" when absent
};

class Table {
 public:
  // Opens the table at `uri` (a path or file:// URI). Fails with NotFound when there is no
  // _delta_log. Does not read the log yet.
  static Result<std::shared_ptr<Table>> Open(const std::string& uri);
  // Like Open, but also accepts a location without a _delta_log (a table about to be created
  // by a Transaction): until version 0 is committed, LatestSnapshot is NotFound.
  static Result<std::shared_ptr<Table>> OpenForCreate(const std::string& uri);

  const std::string& uri() const { return uri_; }
  const std::shared_ptr<ObjectStore>& store() const { return store_; }

  Result<std::shared_ptr<const Snapshot>> LatestSnapshot();
  Result<std::shared_ptr<const Snapshot>> SnapshotAtVersion(int64_t version);
  // The newest version whose timestamp is <= `timestamp_ms`; an error when the timestamp is
  // before the earliest version still recoverable from the log. Timestamps as Delta defines
  // them for time travel: inCommitTimestamp from the feature's enablement version on; before
  // it, commit-file mtimes made strictly increasing (a commit's timestamp is max(its mtime,
  // the previous commit's timestamp + 1 ms), from the earliest retained commit on), so that
  // skewed mtimes cannot make time travel non-monotonic. Binary search: only the probed
  // commits are read.
  Result<std::shared_ptr<const Snapshot>> SnapshotAtTimestamp(int64_t timestamp_ms);
  // Newest first; `limit` 0 = all retained commits.
  Result<std::vector<CommitSummary>> History(size_t limit = 0);

 private:
  std::string uri_;
  std::shared_ptr<ObjectStore> store_;
};

}  // namespace lake
