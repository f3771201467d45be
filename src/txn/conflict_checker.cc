#include "txn/conflict_checker.h"

#include <simdjson.h>

#include "log/action_parser.h"
#include "log/snapshot_builder.h"

namespace lake::txn {
namespace {

class WinnerVisitor : public log::ActionVisitor {
 public:
  explicit WinnerVisitor(WinningCommit* w) : w_(w) {}
  Status OnAdd(AddFile& a) override {
    w_->adds.push_back(std::move(a));
    return Status::OK();
  }
  Status OnRemove(RemoveFile& r) override {
    w_->removes.push_back(std::move(r));
    return Status::OK();
  }
  Status OnMetadata(Metadata& m) override {
    w_->metadata = std::move(m);
    return Status::OK();
  }
  Status OnProtocol(Protocol& p) override {
    w_->protocol = std::move(p);
    return Status::OK();
  }
  Status OnTxn(Txn& t) override {
    w_->txns.push_back(std::move(t));
    return Status::OK();
  }
  Status OnDomainMetadata(DomainMetadata& d) override {
    w_->domains.push_back(std::move(d));
    return Status::OK();
  }
  Status OnCommitInfo(CommitInfo& c) override {
    if (!w_->commit_info) w_->commit_info = std::move(c);
    return Status::OK();
  }

 private:
  WinningCommit* w_;
};

}  // namespace

Result<WinningCommit> ParseWinningCommit(int64_t version, std::string_view data,
                                         std::string_view key) {
  WinningCommit w;
  w.version = version;
  WinnerVisitor v(&w);
  LAKE_RETURN_IF_ERROR(log::ParseCommitFile(data, key, v));
  if (w.commit_info) {
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    bool blind = false;
    if (!p.parse(w.commit_info->json).get(doc) && !doc["isBlindAppend"].get_bool().get(blind)) {
      w.is_blind_append = blind;
    }
  }
  return w;
}

ConflictChecker::ConflictChecker(TxnSummary txn, std::string table_root)
    : txn_(std::move(txn)), root_(std::move(table_root)) {}

std::string ConflictChecker::Canon(std::string_view path) const {
  return log::CanonicalPath(path, root_);
}

bool ConflictChecker::MatchesReadPredicates(const AddFile& f) {
  if (!prepared_) {
    prepared_ = true;
    for (const std::string& p : txn_.read_predicates) {
      if (p.empty()) {
        reads_whole_table_ = true;
        continue;
      }
      // A predicate lake cannot evaluate matches every file (conservative).
      auto parsed = ParsePredicate(p, txn_.schema);
      if (!parsed.ok()) {
        pruners_.emplace_back(std::nullopt);
        continue;
      }
      auto pruner =
          FilePruner::Make(*parsed, txn_.schema, txn_.partition_columns, txn_.column_mapping_mode);
      if (!pruner.ok()) {
        pruners_.emplace_back(std::nullopt);
        continue;
      }
      pruners_.emplace_back(std::move(*pruner));
    }
  }
  if (reads_whole_table_) return true;
  for (const auto& pr : pruners_) {
    if (!pr || pr->Evaluate(f) == SkipReason::kKept) return true;
  }
  return false;
}

Status ConflictChecker::Check(const WinningCommit& w) {
  std::string at = "commit conflict at version " + std::to_string(w.version) + ": ";
  if (w.protocol) {
    return Status::Conflict(at +
                            "ProtocolChanged: the protocol was changed by a concurrent commit");
  }
  if (w.metadata) {
    return Status::Conflict(at +
                            "MetadataChanged: the metadata was changed by a concurrent commit");
  }
  // Added files this transaction should have read.
  bool consider_adds = !(txn_.isolation == IsolationLevel::kWriteSerializable &&
                         !txn_.metadata_changed && w.is_blind_append);
  if (consider_adds && (!txn_.read_predicates.empty() || txn_.metadata_changed)) {
    for (const AddFile& a : w.adds) {
      if (!a.data_change) continue;
      if (txn_.metadata_changed || MatchesReadPredicates(a)) {
        return Status::Conflict(at + "ConcurrentAppend: a concurrent commit added '" + a.path +
                                "', which matches what this transaction read" +
                                (w.is_blind_append ? " (isolation level Serializable)" : ""));
      }
    }
  }
  // Removed files this transaction read / removes.
  bool whole = false;
  for (const auto& p : txn_.read_predicates) whole |= p.empty();
  if (!w.removes.empty()) {
    if (whole) {
      return Status::Conflict(at + "ConcurrentDeleteRead: a concurrent commit removed '" +
                              w.removes.front().path +
                              "' while this transaction read the whole table");
    }
    for (const RemoveFile& r : w.removes) {
      std::string c = Canon(r.path);
      if (txn_.read_files.count(c)) {
        return Status::Conflict(at + "ConcurrentDeleteRead: a concurrent commit removed '" +
                                r.path + "', which this transaction read");
      }
    }
    for (const RemoveFile& r : w.removes) {
      std::string c = Canon(r.path);
      if (txn_.removed_files.count(c)) {
        return Status::Conflict(at + "ConcurrentDeleteDelete: a concurrent commit also removed '" +
                                r.path + "'");
      }
    }
  }
  // A winner that re-added a file this transaction read (same path, no remove: e.g. a row
  // tracking backfill giving it a baseRowId, PROTOCOL.md "Action Reconciliation") replaced the
  // add action this transaction read, as a remove and add would have.
  if (!txn_.read_files.empty()) {
    for (const AddFile& a : w.adds) {
      if (txn_.read_files.count(Canon(a.path))) {
        return Status::Conflict(at + "ConcurrentDeleteRead: a concurrent commit re-added '" +
                                a.path + "', replacing the add this transaction read");
      }
    }
  }
  for (const Txn& t : w.txns) {
    if (txn_.app_ids.count(t.app_id)) {
      return Status::Conflict(at + "ConcurrentTransaction: a concurrent commit wrote txn appId '" +
                              t.app_id + "' version " + std::to_string(t.version));
    }
  }
  for (const DomainMetadata& d : w.domains) {
    // delta.rowTracking (the row id high-water mark) is never in txn_.domains: Commit re-assigns
    // its row ids above the winner's mark instead (PROTOCOL.md "Writer Requirements for Row
    // Tracking"); a concurrent append must not fail ours.
    if (d.domain == "delta.rowTracking") continue;
    if (txn_.domains.count(d.domain)) {
      return Status::Conflict(at + "ConcurrentDomainMetadata: a concurrent commit wrote domain '" +
                              d.domain + "'");
    }
  }
  return Status::OK();
}

}  // namespace lake::txn
