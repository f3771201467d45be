// Transaction::Commit: put-if-absent of the next commit file, conflict checks against the
// winners of lost races, bounded retries (staged commit bytes, capped backoff with jitter).
#include "lake/transaction.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include <simdjson.h>

#include "log/checkpoint_writer.h"
#include "log/log_segment.h"
#include "log/snapshot_builder.h"
#include "txn/background_checkpointer.h"
#include "txn/commit_schema.h"
#include "txn/commit_writer.h"
#include "txn/conflict_checker.h"
#include "util/system.h"

namespace lake {
namespace {

bool ConfigTrue(const Metadata& m, const std::string& key) {
  auto it = m.configuration.find(key);
  return it != m.configuration.end() && (it->second == "true" || it->second == "TRUE");
}

// Writer features lake's transaction layer honours (PROTOCOL.md "Valid Feature Names").
// rowTracking: Commit assigns baseRowId / defaultRowCommitVersion and the high-water mark
// (see Commit). identityColumns and clustering need writer work lake does not do yet.
bool IsSupportedWriterFeature(std::string_view f) {
  static constexpr std::string_view kSupported[] = {
      "appendOnly",          "invariants",       "timestampNtz",         "domainMetadata",
      "inCommitTimestamp",   "deletionVectors",  "columnMapping",        "v2Checkpoint",
      "vacuumProtocolCheck", "typeWidening",     "typeWidening-preview", "variantType",
      "variantType-preview", "checkConstraints", "generatedColumns",     "changeDataFeed",
      "allowColumnDefaults", "rowTracking",
  };
  return std::find(std::begin(kSupported), std::end(kSupported), f) != std::end(kSupported);
}

Status CheckWritable(const Protocol& p) {
  if (p.min_writer_version < 1 || p.min_writer_version > 7) {
    return Status::Unsupported("table requires writer version " +
                               std::to_string(p.min_writer_version) + "; lake writes 1 to 7");
  }
  // Writer versions 3..6 (CHECK constraints, CDF, generated columns, column mapping, identity
  // columns): the write path enforces constraints / invariants / generated columns, writes
  // physical names for column mapping, leaves CDF to be inferred from add/remove (no cdc files,
  // PROTOCOL.md "Change Data Files"), and refuses tables with identity columns
  // (src/write/write.cc CheckWritable). Metadata-only commits (lake alter) need nothing more.
  if (p.min_writer_version == 7 && p.writer_features) {
    for (const std::string& f : *p.writer_features) {
      if (!IsSupportedWriterFeature(f)) {
        return Status::Unsupported("table requires unsupported writer feature '" + f + "'");
      }
    }
  }
  return Status::OK();
}

// PROTOCOL.md "Writer Requirements for Row Tracking": while the writer feature rowTracking is
// supported and delta.rowTrackingSuspended is not true, every add a commit writes carries a
// baseRowId and a defaultRowCommitVersion.
bool RowTrackingActive(const Protocol& p, const Metadata& m) {
  return p.min_writer_version == 7 && p.HasWriterFeature("rowTracking") &&
         !ConfigTrue(m, "delta.rowTrackingSuspended");
}

// rowIdHighWaterMark of a delta.rowTracking domain configuration ({"rowIdHighWaterMark":N}).
Result<int64_t> ParseHighWaterMark(const std::string& configuration) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  int64_t n = 0;
  if (p.parse(configuration).get(doc) || doc["rowIdHighWaterMark"].get_int64().get(n)) {
    return Status::Corruption("domain metadata '" + std::string(kRowTrackingDomain) +
                              "' has no integer rowIdHighWaterMark: " + configuration);
  }
  return n;
}

// The high-water mark of a table state: -1 (no row id assigned yet) without the domain.
Result<int64_t> HighWaterMark(const Snapshot* snap) {
  if (!snap) return int64_t{-1};
  auto it = snap->domain_metadata().find(std::string(kRowTrackingDomain));
  if (it == snap->domain_metadata().end() || it->second.removed) return int64_t{-1};
  return ParseHighWaterMark(it->second.configuration);
}

// The highest row id a winning commit holds: its delta.rowTracking domain, and (defensively,
// for writers that assign ids without the domain) the ranges of its adds.
Result<int64_t> WinnerHighWaterMark(const txn::WinningCommit& w, int64_t hwm) {
  for (const DomainMetadata& d : w.domains) {
    if (d.domain != kRowTrackingDomain || d.removed) continue;
    LAKE_ASSIGN_OR_RETURN(int64_t n, ParseHighWaterMark(d.configuration));
    hwm = std::max(hwm, n);
  }
  for (const AddFile& a : w.adds) {
    if (!a.base_row_id) continue;
    auto n = log::NumRecordsFromStats(a.stats);
    hwm = std::max(hwm, *a.base_row_id + std::max<int64_t>(n.value_or(1), 1) - 1);
  }
  return hwm;
}

std::string TableRoot(ObjectStore& store) {
  std::string root;
  if (auto lp = store.LocalPath(""); lp.ok()) {
    root = *lp;
    while (root.size() > 1 && root.back() == '/') root.pop_back();
  }
  return root;
}

}  // namespace

Result<int64_t> RowIdHighWaterMark(const Snapshot& snapshot) { return HighWaterMark(&snapshot); }

const char* IsolationLevelName(IsolationLevel l) {
  return l == IsolationLevel::kSerializable ? "Serializable" : "WriteSerializable";
}

std::string EncodeDeltaPath(std::string_view raw_path) { return txn::EncodePath(raw_path); }

lake::RemoveFile RemoveFor(const lake::AddFile& f, int64_t deletion_timestamp_ms,
                           bool data_change) {
  lake::RemoveFile r;
  r.path = f.path;
  r.deletion_timestamp = deletion_timestamp_ms;
  r.data_change = data_change;
  r.extended_file_metadata = true;
  r.partition_values = f.partition_values;
  r.size = f.size;
  r.stats = f.stats;
  r.tags = f.tags();
  r.deletion_vector = f.deletion_vector;
  r.base_row_id = f.base_row_id;
  r.default_row_commit_version = f.default_row_commit_version();
  return r;
}

Result<std::unique_ptr<Transaction>> Transaction::Start(std::shared_ptr<Table> table) {
  auto snap = table->LatestSnapshot();
  if (!snap.ok()) {
    if (!snap.status().IsNotFound()) return snap.status();
    // A new table only when the log holds no commit at all (not e.g. a gap).
    LAKE_ASSIGN_OR_RETURN(log::LogListing listing, log::ListLog(*table->store()));
    if (!listing.commits.empty() || !listing.checkpoints.empty()) return snap.status();
    return Start(std::move(table), nullptr);
  }
  return Start(std::move(table), *snap);
}

Result<std::unique_ptr<Transaction>> Transaction::Start(std::shared_ptr<Table> table,
                                                        std::shared_ptr<const Snapshot> snapshot) {
  if (!table) return Status::InvalidArgument("Transaction::Start: no table");
  if (snapshot) LAKE_RETURN_IF_ERROR(CheckWritable(snapshot->protocol()));
  auto t = std::unique_ptr<Transaction>(new Transaction());
  t->table_ = std::move(table);
  t->read_snapshot_ = std::move(snapshot);
  t->txn_id_ = txn::NewUuid();
  return t;
}

int64_t Transaction::read_version() const {
  return read_snapshot_ ? read_snapshot_->version() : -1;
}

void Transaction::SetAppTransaction(std::string app_id, int64_t version) {
  Txn t;
  t.app_id = std::move(app_id);
  t.version = version;
  t.last_updated = NowMs();
  app_txn_ = std::move(t);
}

bool Transaction::AlreadyCommitted() const {
  if (!app_txn_ || !read_snapshot_) return false;
  auto it = read_snapshot_->app_transactions().find(app_txn_->app_id);
  return it != read_snapshot_->app_transactions().end() && it->second.version >= app_txn_->version;
}

IsolationLevel Transaction::isolation_level() const {
  if (isolation_) return *isolation_;
  const Metadata* m =
      new_metadata_ ? &*new_metadata_ : (read_snapshot_ ? &read_snapshot_->metadata() : nullptr);
  if (m) {
    auto it = m->configuration.find("delta.isolationLevel");
    if (it != m->configuration.end() && it->second == "Serializable")
      return IsolationLevel::kSerializable;
  }
  return IsolationLevel::kWriteSerializable;
}

void Transaction::SetOperation(std::string op, std::string parameters_json,
                               std::string metrics_json) {
  operation_ = std::move(op);
  operation_parameters_ = std::move(parameters_json);
  operation_metrics_ = std::move(metrics_json);
}

Result<CommitResult> Transaction::Commit(const CommitOptions& options) {
  if (committed_) return Status::InvalidArgument("transaction already committed");
  committed_ = true;
  ObjectStore& store = *table_->store();
  const std::string root = TableRoot(store);

  CommitResult result;
  if (AlreadyCommitted()) {
    result.skipped = true;
    result.attempts = 0;
    return result;
  }

  // --- validation -------------------------------------------------------------------------
  const bool creating = read_snapshot_ == nullptr;
  if (creating && (!new_protocol_ || !new_metadata_)) {
    return Status::InvalidArgument("creating table " + table_->uri() +
                                   ": version 0 must set protocol and metadata");
  }
  const Protocol& protocol = new_protocol_ ? *new_protocol_ : read_snapshot_->protocol();
  Metadata metadata = new_metadata_ ? *new_metadata_ : read_snapshot_->metadata();
  LAKE_RETURN_IF_ERROR(CheckWritable(protocol));
  if (new_protocol_) LAKE_RETURN_IF_ERROR(log::CheckReadable(*new_protocol_));
  if (new_metadata_ && !new_metadata_->schema_string.empty()) {
    auto schema = ParseSchema(new_metadata_->schema_string);
    if (!schema.ok()) return schema.status().WithContext("new metadata");
  }
  if (!domains_.empty() &&
      !(protocol.min_writer_version == 7 && protocol.HasWriterFeature("domainMetadata"))) {
    return Status::InvalidArgument(
        "domainMetadata actions need the 'domainMetadata' writer feature in the protocol");
  }
  const bool ict = ConfigTrue(metadata, "delta.enableInCommitTimestamps");
  if (ict &&
      !(protocol.min_writer_version == 7 && protocol.HasWriterFeature("inCommitTimestamp"))) {
    return Status::InvalidArgument(
        "delta.enableInCommitTimestamps needs the 'inCommitTimestamp' writer feature");
  }
  if (ConfigTrue(metadata, "delta.appendOnly")) {
    for (const auto& r : removes_) {
      if (r.data_change) {
        return Status::InvalidArgument("table " + table_->uri() +
                                       " is append-only (delta.appendOnly): cannot remove '" +
                                       r.path + "'");
      }
    }
  }
  // Enabling ICT on an existing table records where it starts (PROTOCOL.md "In-Commit
  // Timestamps": enablement version and timestamp).
  const bool ict_enabling =
      ict && !creating && !ConfigTrue(read_snapshot_->metadata(), "delta.enableInCommitTimestamps");

  // --- what this transaction read and writes ------------------------------------------------
  txn::TxnSummary summary;
  summary.isolation = isolation_level();
  summary.read_predicates = read_predicates_;
  for (const auto& p : read_files_) summary.read_files.insert(log::CanonicalPath(p, root));
  for (const auto& r : removes_) summary.removed_files.insert(log::CanonicalPath(r.path, root));
  if (app_txn_) summary.app_ids.insert(app_txn_->app_id);
  for (const auto& d : domains_) summary.domains.insert(d.domain);
  summary.metadata_changed = new_metadata_.has_value() || new_protocol_.has_value();
  if (read_snapshot_) {
    summary.schema = read_snapshot_->schema();
    summary.partition_columns = read_snapshot_->metadata().partition_columns;
    summary.column_mapping_mode = read_snapshot_->column_mapping_mode();
  }
  txn::ConflictChecker checker(std::move(summary), root);
  bool data_adds_only = true;
  for (const auto& a : adds_) data_adds_only &= a.data_change;
  const bool blind_append = read_predicates_.empty() && read_files_.empty() && removes_.empty() &&
                            data_adds_only && !adds_.empty();

  // Row tracking (PROTOCOL.md "Writer Requirements for Row Tracking"): an add without a
  // baseRowId gets a fresh range of numRecords ids above the high-water mark, an add without a
  // defaultRowCommitVersion the version of its commit; the commit records the new high-water
  // mark in the delta.rowTracking domain. Adds that carry them already (a recommitted file keeps
  // those of its last add) are left alone. Both values depend on the attempt (its version and the
  // winners' high-water mark), so with row tracking the adds are re-serialized per attempt: ids
  // are always assigned against the newest table state, and ranges never overlap.
  const bool row_tracking = RowTrackingActive(protocol, metadata);
  std::vector<size_t> fresh_ids, fresh_versions;  // indices into adds_
  std::vector<int64_t> fresh_rows;                // numRecords of adds_[fresh_ids[k]]
  int64_t hwm = -1;                               // the newest high-water mark seen
  if (row_tracking) {
    for (const auto& d : domains_) {
      if (d.domain == kRowTrackingDomain) {
        return Status::InvalidArgument(
            "domain '" + std::string(kRowTrackingDomain) +
            "' is managed by the transaction (row tracking); it cannot be set directly");
      }
    }
    LAKE_ASSIGN_OR_RETURN(hwm, HighWaterMark(read_snapshot_.get()));
    for (size_t i = 0; i < adds_.size(); ++i) {
      const lake::AddFile& a = adds_[i];
      if (!a.base_row_id) {
        auto n = log::NumRecordsFromStats(a.stats);
        if (!n || *n < 0) {
          return Status::InvalidArgument(
              "add '" + a.path +
              "': the table has row tracking (writer feature rowTracking), which needs the "
              "numRecords statistic of every added file to assign its row ids (PROTOCOL.md "
              "\"Writer Requirements for Row Tracking\"), and this file's stats have none" +
              (a.stats.empty() ? std::string(" (no stats)") : ": " + a.stats));
        }
        fresh_ids.push_back(i);
        fresh_rows.push_back(*n);
      }
      if (!a.default_row_commit_version()) fresh_versions.push_back(i);
    }
  }
  for (const auto& a : adds_) {
    if (!txn::IsEncodedPath(a.path))
      return Status::InvalidArgument("add path '" + a.path +
                                     "' is not URI-encoded (use EncodeDeltaPath)");
  }
  // The actions after commitInfo (and metadata, which may change per attempt with ICT): the
  // adds (per attempt with row tracking), then `rest`.
  std::string rest;
  for (const auto& r : removes_) {
    if (!txn::IsEncodedPath(r.path))
      return Status::InvalidArgument("remove path '" + r.path + "' is not URI-encoded");
    rest += txn::SerializeAction(r);
    rest += '\n';
  }
  if (app_txn_) rest += txn::SerializeAction(*app_txn_) + "\n";
  for (const auto& d : domains_) rest += txn::SerializeAction(d) + "\n";
  auto make_body = [&](int64_t commit_version) {
    std::string b;
    int64_t next = hwm;  // the highest row id assigned so far
    if (row_tracking) {
      for (size_t k = 0; k < fresh_ids.size(); ++k) {
        adds_[fresh_ids[k]].base_row_id = next + 1;
        next += fresh_rows[k];
      }
      for (size_t i : fresh_versions)
        adds_[i].mutable_extras().default_row_commit_version = commit_version;
    }
    for (const auto& a : adds_) {
      b += txn::SerializeAction(a);
      b += '\n';
    }
    b += rest;
    if (next > hwm) {
      DomainMetadata d;
      d.domain = std::string(kRowTrackingDomain);
      d.configuration = "{\"rowIdHighWaterMark\":" + std::to_string(next) + "}";
      b += txn::SerializeAction(d) + "\n";
    }
    return b;
  };
  std::string body = row_tracking ? std::string() : make_body(read_version() + 1);

  // --- the race -------------------------------------------------------------------------------
  // The commit bytes are staged once (LocalStore: one temp file written and fsynced) and linked
  // to successive versions, so a lost race costs a failed link plus reading the winners. They
  // stay the same across attempts (commitInfo.timestamp is the time of the first attempt, as
  // Spark keeps it) unless in-commit timestamps are on: then inCommitTimestamp (and, when
  // enabling, the enablement version) depend on the winners, and changed bytes are re-staged.
  int64_t version = read_version() + 1;
  std::optional<int64_t> prev_ict;
  if (ict && read_snapshot_) prev_ict = read_snapshot_->timestamp_ms();
  std::vector<std::pair<log::LogFile, std::string>> applied;  // winners, then ours
  std::mt19937_64& rng = txn::Rng();  // per process: forked writers must not jitter alike
  const int64_t first_attempt_ms = NowMs();
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<StagedObject> staged;
  int64_t ci_timestamp = first_attempt_ms;
  int64_t last_sleep_us = 0;  // decorrelated jitter state
  for (int attempt = 1;; ++attempt) {
    result.attempts = attempt;
    std::string key = txn::CommitKey(version);
    if (!staged || ict || row_tracking) {
      if (row_tracking) body = make_body(version);
      txn::CommitInfoFields ci;
      ci.timestamp = ict ? NowMs() : first_attempt_ms;
      if (ict)
        ci.in_commit_timestamp = std::max(ci.timestamp, prev_ict ? *prev_ict + 1 : INT64_MIN);
      ci.operation = operation_;
      ci.operation_parameters = operation_parameters_;
      ci.operation_metrics = operation_metrics_;
      if (!creating) ci.read_version = read_version();
      ci.isolation_level = IsolationLevelName(isolation_level());
      ci.is_blind_append = blind_append;
      ci.user_metadata = user_metadata_;
      if (row_tracking && ConfigTrue(metadata, "delta.enableRowTracking"))
        ci.tags.emplace_back("delta.rowTracking.preserved",
                             row_tracking_preserved_ ? "true" : "false");
      ci.txn_id = txn_id_;
      LAKE_ASSIGN_OR_RETURN(std::string data, txn::SerializeCommitInfo(ci));
      data += '\n';
      if (new_protocol_) data += txn::SerializeAction(*new_protocol_) + "\n";
      if (new_metadata_ || ict_enabling) {
        Metadata m = metadata;
        if (ict_enabling) {
          m.configuration["delta.inCommitTimestampEnablementVersion"] = std::to_string(version);
          m.configuration["delta.inCommitTimestampEnablementTimestamp"] =
              std::to_string(*ci.in_commit_timestamp);
        }
        data += txn::SerializeAction(m) + "\n";
      }
      data += body;
      ci_timestamp = ci.in_commit_timestamp.value_or(ci.timestamp);
      if (!staged || staged->data() != data) {
        LAKE_RETURN_IF_ERROR(txn::ValidateCommit(data));
        staged.reset();  // discard the previous bytes first
        auto st = store.StageForPutIfAbsent(key, data);
        if (!st.ok()) {
          return st.status().WithContext("commit version " + std::to_string(version) + " of " +
                                         table_->uri());
        }
        staged = std::move(*st);
      }
    }

    Status put = store.LinkStagedIfAbsent(*staged, key);
    std::string put_warning;
    // A failed put may still have left our commit in place: S3 retries exhausted after a
    // response lost once the PUT was applied, LocalStore's directory fsync failing after the
    // link. Reporting that as a failure would let the caller delete the data files of a commit
    // that landed, so settle it by reading the key back (commit bytes carry our unique txnId):
    // ours -> committed; another writer's -> a lost race; absent -> put again (a put-if-absent
    // cannot land twice, and an AlreadyExists after an uncertain put is read back as well).
    // The loop ends on OK, on IOError, or on an AlreadyExists that is certain (never after an
    // uncertain put without the bytes compared: our own commit must not be taken for a winner).
    bool uncertain = false;
    for (int round = 0;; ++round) {
      if (put.ok() || (put.IsAlreadyExists() && !uncertain)) break;
      if (!put.IsAlreadyExists()) uncertain = true;
      auto back = store.Get(key);
      if (back.ok()) {
        if (*back == staged->data()) {
          put_warning = "the store reported an error after commit version " +
                        std::to_string(version) + " was in place (" + put.ToString() +
                        "); it was read back and is committed";
          put = Status::OK();
        } else {
          put = Status::AlreadyExists("'" + key + "' already exists");
          uncertain = false;
        }
        break;
      }
      if (!back.status().IsNotFound()) {
        put = Status::IOError(put.message() +
                              "; reading the commit back to settle whether it landed failed "
                              "too (" +
                              back.status().message() + "): the outcome is unknown");
        break;
      }
      if (round == 2) {
        put = Status::IOError(put.message() + "; the commit is not in place after " +
                              std::to_string(round + 1) + " attempts");
        break;
      }
      put = store.LinkStagedIfAbsent(*staged, key);
    }
    if (put.ok()) {
      result.post_commit_warning = put_warning;
      result.version = version;
      std::string data = staged->data();
      staged.reset();  // the temp file goes as soon as the commit is durable
      if (options.build_snapshot) {
        log::LogFile f{key, version, data.size(), ci_timestamp};
        if (auto head = store.Head(key); head.ok()) f.mtime_ms = head->mtime_ms;
        applied.emplace_back(std::move(f), std::move(data));
        auto snap =
            SnapshotBuilder::Apply(read_snapshot_.get(), table_->store(), table_->uri(), applied);
        if (snap.ok()) result.snapshot = std::move(*snap);
        // A snapshot failure does not undo a durable commit; the caller can reload.
      }
      // PROTOCOL.md "Checkpoints": every delta.checkpointInterval commits (default 10). Decided
      // here from the metadata at hand (a concurrent metadata change would have conflicted),
      // so that a commit that is not due loads nothing.
      if (options.write_checkpoints &&
          ShouldCheckpoint(version, CheckpointInterval(result.snapshot ? result.snapshot->metadata()
                                                                       : metadata))) {
        if (options.checkpoint_in_background) {
          txn::ScheduleBackgroundCheckpoint(table_, version, result.snapshot);
        } else if (Status cp = WriteCheckpointIfDue(table_, version, result.snapshot); !cp.ok()) {
          result.post_commit_warning +=
              (result.post_commit_warning.empty() ? "" : "; ") + cp.message();
        }
      }
      return result;
    }
    if (!put.IsAlreadyExists()) {
      return put.WithContext("commit version " + std::to_string(version) + " of " + table_->uri());
    }
    // Lost the race: check every commit that won, up to the newest. Each winner is read once:
    // the next attempt starts after the newest one seen.
    for (;; ++version) {
      std::string wkey = txn::CommitKey(version);
      auto wdata = store.Get(wkey);
      if (!wdata.ok()) {
        if (wdata.status().IsNotFound()) break;
        return wdata.status();
      }
      LAKE_ASSIGN_OR_RETURN(txn::WinningCommit w, txn::ParseWinningCommit(version, *wdata, wkey));
      ++result.winning_commits;
      LAKE_RETURN_IF_ERROR(checker.Check(w));
      // A winner that assigned row ids moved the high-water mark: ours are re-assigned above
      // it (a rebase, not a conflict).
      if (row_tracking) {
        LAKE_ASSIGN_OR_RETURN(hwm, WinnerHighWaterMark(w, hwm));
      }
      if (w.commit_info && w.commit_info->in_commit_timestamp)
        prev_ict = w.commit_info->in_commit_timestamp;
      else if (ict && w.commit_info && w.commit_info->timestamp)
        prev_ict = std::max(prev_ict.value_or(0), *w.commit_info->timestamp);
      if (options.build_snapshot) {
        log::LogFile f{wkey, version, wdata->size(), 0};
        if (auto head = store.Head(wkey); head.ok()) f.mtime_ms = head->mtime_ms;
        applied.emplace_back(std::move(f), std::move(*wdata));
      }
    }
    auto waited = std::chrono::steady_clock::now() - started;
    if (attempt >= options.max_attempts || waited >= options.retry_deadline) {
      return Status::Conflict(
          "commit of " + table_->uri() + " gave up after " + std::to_string(attempt) +
          " attempts and " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()) +
          " ms (retry budget exhausted); newest version " + std::to_string(version - 1));
    }
    // Capped exponential backoff with decorrelated jitter (sleep uniform in
    // [initial, 3 * previous sleep], at most max_backoff): it grows like full jitter's but
    // without the near-zero sleeps that let the same fast writers win again and again.
    const int64_t base = options.initial_backoff.count() * 1000;
    const int64_t cap = options.max_backoff.count() * 1000;
    if (cap > 0) {
      int64_t hi = std::min(cap, std::max(base, last_sleep_us * 3));
      std::uniform_int_distribution<int64_t> d(std::min(base, hi), hi);
      last_sleep_us = d(rng);
      std::this_thread::sleep_for(std::chrono::microseconds(last_sleep_us));
    }
  }
}

}  // namespace lake
