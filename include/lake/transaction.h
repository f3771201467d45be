// Transaction: optimistic, serializable commits to a Delta table (PROTOCOL.md "Delta Log
// Entries", "Optimistic concurrency"; Spark's conflict rules).
//
// A transaction reads one snapshot (its read version), collects actions, and commits them as
// version read_version+1 with a put-if-absent of the commit file. If another writer won that
// version, the ConflictChecker reads the winning commits and decides whether this
// transaction's reads are still valid; if so it retries at the next version (bounded, with
// exponential backoff and jitter), otherwise it fails with a Conflict naming the winning version
// and the reason.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lake/actions.h"
#include "lake/status.h"
#include "lake/table.h"

namespace lake {

enum class IsolationLevel { kWriteSerializable, kSerializable };

struct CommitOptions {
  int max_attempts = 20;                                   // retries after lost races
  std::chrono::milliseconds initial_backoff{2};
  std::chrono::milliseconds max_backoff{500};
};

struct CommitResult {
  int64_t version = -1;   // the version this transaction committed
  int attempts = 1;       // 1 = won the first race
  bool skipped = false;   // an idempotent (txn app id, version) write that was already committed
};

class Transaction {
 public:
  // Starts a transaction on the table's latest snapshot (or on a new table when the table has
  // no log yet: then the transaction must set protocol and metadata).
  static Result<std::unique_ptr<Transaction>> Start(std::shared_ptr<Table> table);

  // The snapshot this transaction read (nullptr when creating a table).
  const std::shared_ptr<const Snapshot>& read_snapshot() const { return read_snapshot_; }
  int64_t read_version() const;

  void SetProtocol(Protocol p) { new_protocol_ = std::move(p); }
  void SetMetadata(Metadata m) { new_metadata_ = std::move(m); }
  void AddFile(AddFile f) { adds_.push_back(std::move(f)); }
  void RemoveFile(RemoveFile r) { removes_.push_back(std::move(r)); }
  void SetDomainMetadata(DomainMetadata d) { domains_.push_back(std::move(d)); }
  // Idempotent writes: records (app_id, version); Commit skips when the table already holds
  // a txn for app_id with a version >= this one.
  void SetAppTransaction(std::string app_id, int64_t version);

  // What this transaction read, for conflict detection: a predicate over the table (SQL, as
  // `lake scan --where`; "" = the whole table) and the specific files it read.
  void ReadPredicate(std::string where_sql) { read_predicates_.push_back(std::move(where_sql)); }
  void ReadWholeTable() { read_predicates_.push_back(""); }
  void ReadFile(const lake::AddFile& f) { read_files_.push_back(f.path); }

  void SetIsolationLevel(IsolationLevel l) { isolation_ = l; }
  // commitInfo fields.
  void SetOperation(std::string op, std::string parameters_json = "{}",
                    std::string metrics_json = "{}");

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
  IsolationLevel isolation_ = IsolationLevel::kWriteSerializable;
  std::string operation_ = "WRITE", operation_parameters_ = "{}", operation_metrics_ = "{}";
};

}  // namespace lake
