// Transaction: optimistic, serializable commits to a Delta table (PROTOCOL.md "Delta Log
// Entries", "Optimistic concurrency"; Spark's conflict rules).
//
// A transaction reads one snapshot (its read version), collects actions, and commits them as
// version read_version+1 with a put-if-absent of the commit file. If another writer won that
// version, the ConflictChecker reads the winning commits and decides whether this
// transaction's reads are still valid; if so it retries at the next version (bounded, with
// capped exponential backoff and jitter), otherwise it fails with a Conflict naming the winning
// version and the reason class:
//   "commit conflict at version N: <Reason>: <details>"
// with Reason one of ProtocolChanged, MetadataChanged, ConcurrentAppend, ConcurrentDeleteRead,
// ConcurrentDeleteDelete, ConcurrentTransaction, ConcurrentDomainMetadata.
//
// Paths: AddFile::path and RemoveFile::path are in protocol form (a URI reference relative to
// the table root, percent-encoded, exactly as they appear in the log and in Snapshot::files()).
// Writers holding a raw relative file path convert it with EncodeDeltaPath. Commit refuses a
// path that is not a valid URI reference (e.g. with a raw space) with InvalidArgument.
//
// A Transaction is single-use and not thread-safe; concurrent writers (threads or processes)
// each use their own.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/actions.h"
#include "lake/status.h"
#include "lake/table.h"

namespace lake {

enum class IsolationLevel { kWriteSerializable, kSerializable };

// "WriteSerializable" / "Serializable" (the values of delta.isolationLevel).
const char* IsolationLevelName(IsolationLevel l);

struct CommitOptions {
  // The retry budget: Commit gives up with Conflict ("retry budget exhausted") after
  // max_attempts put-if-absent attempts in total (1 = no retry after a lost race) or once
  // retry_deadline has passed since the first attempt, whichever comes first. A lost race costs
  // little (the commit file is staged once and only re-linked; see
  // ObjectStore::StageForPutIfAbsent), so the budget is mainly a time: under saturation by k
  // closed-loop writers an attempt wins with probability ~1/k.
  int max_attempts = 10000;
  std::chrono::milliseconds retry_deadline{60000};
  // Capped exponential backoff with decorrelated jitter: before a retry, sleep uniform in
  // [initial_backoff, 3 * the previous sleep], at most max_backoff. A low cap keeps long-waiting
  // writers from being overtaken by fresh ones (starvation).
  std::chrono::milliseconds initial_backoff{1};
  std::chrono::milliseconds max_backoff{32};
  // Build CommitResult::snapshot (incrementally from the read snapshot: no log listing).
  bool build_snapshot = true;
  // Write a checkpoint after the commit when delta.checkpointInterval says so.
  bool write_checkpoints = true;
  // ... on a background thread instead of before Commit returns: for writers that commit
  // continuously, whose every checkpointInterval-th commit would otherwise also pay for
  // rewriting the whole table state. Failures then surface from WaitForBackgroundCheckpoints,
  // not in post_commit_warning. See src/txn/background_checkpointer.h.
  bool checkpoint_in_background = false;
};

// Waits until every checkpoint handed to the background (CommitOptions::
// checkpoint_in_background) by this process is written or has failed, and returns the failures
// since the last call (OK when none). A commit stands either way. At exit the process drains
// the queue by itself; call this to know the outcome, or before another process must find the
// checkpoint.
Status WaitForBackgroundCheckpoints();

struct CommitResult {
  int64_t version = -1;     // the version this transaction committed (-1 when skipped)
  int attempts = 1;         // put-if-absent attempts; 1 = won the first race
  int winning_commits = 0;  // concurrent commits checked for conflicts
  bool skipped = false;     // an idempotent (txn app id, version) write that was already committed
  // The table at `version` (nullptr when skipped or options.build_snapshot is false). A good
  // read snapshot for the next transaction: Transaction::Start(table, result.snapshot).
  std::shared_ptr<const Snapshot> snapshot;
  // Non-fatal trouble after the commit was durable (e.g. "checkpoint not written: ..."); the
  // commit stands either way.
  std::string post_commit_warning;
};

// True when a failed Commit may nevertheless have committed (an IOError the read-back could not
// settle). The files the transaction adds must then be kept - at worst orphans that vacuum
// removes - and never deleted: the commit may reference them.
inline bool CommitOutcomeUnknown(const Status& commit_error) {
  return commit_error.code() == StatusCode::kIOError;
}

class Transaction {
 public:
  // Starts a transaction on the table's latest snapshot, or, when the table has no log yet
  // (Table::OpenForCreate), on an empty table: read version -1, and the transaction must set
  // protocol and metadata (they become version 0).
  static Result<std::unique_ptr<Transaction>> Start(std::shared_ptr<Table> table);
  // Starts on a given snapshot of `table` (it may be stale: conflicts are checked against every
  // commit after it). nullptr = a new table, as above.
  static Result<std::unique_ptr<Transaction>> Start(std::shared_ptr<Table> table,
                                                    std::shared_ptr<const Snapshot> snapshot);

  // The snapshot this transaction read (nullptr when creating a table).
  const std::shared_ptr<const Snapshot>& read_snapshot() const { return read_snapshot_; }
  int64_t read_version() const;
  // The commitInfo.txnId of this transaction (a random UUID).
  const std::string& txn_id() const { return txn_id_; }

  void SetProtocol(Protocol p) { new_protocol_ = std::move(p); }
  void SetMetadata(Metadata m) { new_metadata_ = std::move(m); }
  void AddFile(lake::AddFile f) { adds_.push_back(std::move(f)); }
  void RemoveFile(lake::RemoveFile r) { removes_.push_back(std::move(r)); }
  void SetDomainMetadata(DomainMetadata d) { domains_.push_back(std::move(d)); }
  // Idempotent writes (PROTOCOL.md "Set Transaction"): records txn(app_id, version). When the
  // table already holds a txn for app_id with a version >= this one, Commit writes nothing and
  // returns CommitResult{skipped=true}. A concurrent commit with the same app_id conflicts.
  void SetAppTransaction(std::string app_id, int64_t version);
  // True when the read snapshot already holds this app transaction (Commit will skip).
  bool AlreadyCommitted() const;

  // What this transaction read, for conflict detection: a predicate over the table (SQL, as
  // `lake scan --where`; "" = the whole table) and the specific files it read.
  void ReadPredicate(std::string where_sql) { read_predicates_.push_back(std::move(where_sql)); }
  void ReadWholeTable() { read_predicates_.push_back(""); }
  void ReadFile(const lake::AddFile& f) { read_files_.push_back(f.path); }

  // Default: delta.isolationLevel of the table ("Serializable" / "WriteSerializable"), else
  // WriteSerializable.
  void SetIsolationLevel(IsolationLevel l) { isolation_ = l; }
  IsolationLevel isolation_level() const;
  // commitInfo fields. `parameters_json` / `metrics_json` are JSON objects; as Spark writes
  // them, every value is stored as a string (non-string values as their JSON text).
  void SetOperation(std::string op, std::string parameters_json = "{}",
                    std::string metrics_json = "{}");
  // commitInfo.userMetadata (omitted when empty).
  void SetUserMetadata(std::string m) { user_metadata_ = std::move(m); }
  // Row tracking enabled (delta.enableRowTracking): commitInfo.tags gets
  // delta.rowTracking.preserved = "true" unless the caller copied rows without keeping their
  // stable row ids / commit versions and says so here (PROTOCOL.md "Writer Requirements for Row
  // Tracking"). Adds and blind appends copy nothing, so the default is true.
  void SetRowTrackingPreserved(bool preserved) { row_tracking_preserved_ = preserved; }

  // Single use: a second call is InvalidArgument. Errors: Conflict (a concurrent commit
  // invalidated this transaction, or the retry budget ran out), InvalidArgument (missing
  // protocol/metadata for a new table, bad path, ...), Unsupported (a writer feature lake does
  // not implement): nothing committed. IOError from the store: the outcome may be unknown
  // (CommitOutcomeUnknown). A put of the commit file that fails in a way that may have left it
  // in place (a lost response, a directory fsync failing after the link) is first resolved by
  // reading the commit back: our bytes there is success (post_commit_warning says what went
  // wrong), another writer's bytes a lost race (retried as usual), no object a failure.
  Result<CommitResult> Commit(const CommitOptions& options = {});

 private:
  Transaction() = default;
  std::shared_ptr<Table> table_;
  std::shared_ptr<const Snapshot> read_snapshot_;
  std::optional<Protocol> new_protocol_;
  std::optional<Metadata> new_metadata_;
  std::vector<lake::AddFile> adds_;
  std::vector<lake::RemoveFile> removes_;
  std::vector<DomainMetadata> domains_;
  std::optional<Txn> app_txn_;
  std::vector<std::string> read_predicates_;
  std::vector<std::string> read_files_;
  std::optional<IsolationLevel> isolation_;
  std::string operation_ = "WRITE", operation_parameters_ = "{}", operation_metrics_ = "{}";
  std::string user_metadata_;
  bool row_tracking_preserved_ = true;
  std::string txn_id_;
  bool committed_ = false;
};

// PROTOCOL.md "Row Tracking": the domain whose configuration {"rowIdHighWaterMark":N} holds the
// highest row id assigned in the table. While the writer feature rowTracking is supported and
// delta.rowTrackingSuspended is not true, Commit gives every add without a baseRowId a fresh
// range of numRecords ids above the mark (re-assigned on every retry, against the winners'
// mark) and every add without a defaultRowCommitVersion its commit's version, and writes the new
// mark in this domain. The domain cannot be set through SetDomainMetadata then.
inline constexpr std::string_view kRowTrackingDomain = "delta.rowTracking";

// The snapshot's row id high-water mark: -1 when no row id was assigned. Corruption when the
// domain's configuration is unreadable.
Result<int64_t> RowIdHighWaterMark(const Snapshot& snapshot);

// Percent-encodes a raw relative (or absolute) file path into protocol form: characters
// outside RFC 2396's unreserved set and "/:@&=+$," (and '%') become %XX.
// "p=a b/f.parquet" -> "p=a%20b/f.parquet".
std::string EncodeDeltaPath(std::string_view raw_path);

// The remove action for a live file (extendedFileMetadata with its partition values and size,
// as Spark writes it).
lake::RemoveFile RemoveFor(const lake::AddFile& f, int64_t deletion_timestamp_ms,
                           bool data_change = true);

}  // namespace lake
