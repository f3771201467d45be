// Conflict detection between a transaction and the commits that won the race for the
// versions after its read version (PROTOCOL.md "Optimistic concurrency"; the rules follow
// Spark's ConflictChecker, in its order):
//  1. ProtocolChanged: the winning commit changed the protocol.
//  2. MetadataChanged: the winning commit changed the metadata.
//  3. ConcurrentAppend: the winning commit added files (dataChange) that match one of the
//     transaction's read predicates ("" = the whole table; partition values and stats are
//     evaluated with FilePruner, conservatively). Under WriteSerializable, adds of a winning
//     *blind append* are ignored (unless this transaction changes the metadata); under
//     Serializable they count.
//  4. ConcurrentDeleteRead: the winning commit removed a file this transaction read (or any
//     file, when it read the whole table), or re-added one (an add of the same path replaces
//     the add that was read, e.g. a row tracking backfill).
//  5. ConcurrentDeleteDelete: the winning commit removed a file this transaction removes.
//  6. ConcurrentTransaction: the winning commit holds a txn for an app id this transaction
//     writes (idempotent writes).
//  7. ConcurrentDomainMetadata: both commits write the same domain.
// A transaction that reads nothing and only adds files (a blind append) conflicts with none of
// 3-5.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lake/actions.h"
#include "lake/predicate.h"
#include "lake/status.h"
#include "lake/transaction.h"

namespace lake::txn {

// What the current transaction read and writes.
struct TxnSummary {
  IsolationLevel isolation = IsolationLevel::kWriteSerializable;
  std::vector<std::string> read_predicates;  // "" = the whole table
  std::set<std::string> read_files;          // canonical paths
  std::set<std::string> removed_files;       // canonical paths
  std::set<std::string> app_ids;
  std::set<std::string> domains;
  bool metadata_changed = false;
  // Schema and partition columns the read predicates refer to.
  Schema schema;
  std::vector<std::string> partition_columns;
  std::string column_mapping_mode = "none";
};

// The parts of a winning commit the checker needs.
struct WinningCommit {
  int64_t version = 0;
  std::vector<AddFile> adds;
  std::vector<RemoveFile> removes;
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::vector<Txn> txns;
  std::vector<DomainMetadata> domains;
  std::optional<CommitInfo> commit_info;
  bool is_blind_append = false;  // commitInfo.isBlindAppend (false when absent)
};

Result<WinningCommit> ParseWinningCommit(int64_t version, std::string_view data,
                                         std::string_view key);

class ConflictChecker {
 public:
  // `table_root`: the table's local path ("" for remote stores), for path canonicalization.
  ConflictChecker(TxnSummary txn, std::string table_root);

  // OK when the transaction can commit after `winner`; else
  // Conflict("commit conflict at version N: <Reason>: ...").
  Status Check(const WinningCommit& winner);

 private:
  bool MatchesReadPredicates(const AddFile& f);
  std::string Canon(std::string_view path) const;

  TxnSummary txn_;
  std::string root_;
  bool reads_whole_table_ = false;
  bool prepared_ = false;
  std::vector<std::optional<FilePruner>> pruners_;  // nullopt = matches every file
};

}  // namespace lake::txn
