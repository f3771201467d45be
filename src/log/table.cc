// Table: opening a location and reading snapshots, time travel and history from its log.
#include <algorithm>

#include "lake/table.h"
#include "log/action_parser.h"
#include "log/log_segment.h"
#include "log/snapshot_builder.h"

namespace lake {
namespace {

// Picks up the commitInfo of a commit and stops parsing (it is the first action of a commit
// as written by well-behaved writers; otherwise the whole file is read).
class CommitInfoVisitor : public log::ActionVisitor {
 public:
  std::optional<CommitInfo> info;
  Status OnCommitInfo(CommitInfo& c) override {
    if (!info) info = std::move(c);
    return Status::OK();
  }
  bool Done() const override { return info.has_value(); }
};

Result<std::optional<CommitInfo>> ReadCommitInfo(ObjectStore& store, const log::LogFile& f) {
  LAKE_ASSIGN_OR_RETURN(std::string data, store.Get(f.key));
  CommitInfoVisitor v;
  LAKE_RETURN_IF_ERROR(log::ParseCommitFile(data, f.key, v));
  return std::move(v.info);
}

}  // namespace

Result<std::shared_ptr<Table>> Table::Open(const std::string& uri) {
  LAKE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, OpenObjectStore(uri));
  LAKE_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objs, store->List(log::kLogDir));
  if (objs.empty()) return Status::NotFound("not a Delta table: no _delta_log at " + uri);
  auto t = std::shared_ptr<Table>(new Table());
  t->uri_ = uri;
  t->store_ = std::shared_ptr<ObjectStore>(std::move(store));
  return t;
}

Result<std::shared_ptr<Table>> Table::OpenForCreate(const std::string& uri) {
  LAKE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, OpenObjectStore(uri));
  auto t = std::shared_ptr<Table>(new Table());
  t->uri_ = uri;
  t->store_ = std::shared_ptr<ObjectStore>(std::move(store));
  return t;
}

Result<std::shared_ptr<const Snapshot>> Table::LatestSnapshot() {
  LAKE_ASSIGN_OR_RETURN(log::LogSegment seg, log::BuildLogSegment(*store_, std::nullopt));
  return SnapshotBuilder::Build(store_, uri_, seg);
}

Result<std::shared_ptr<const Snapshot>> Table::SnapshotAtVersion(int64_t version) {
  if (version < 0) return Status::InvalidArgument("negative table version " + std::to_string(version));
  LAKE_ASSIGN_OR_RETURN(log::LogSegment seg, log::BuildLogSegment(*store_, version));
  return SnapshotBuilder::Build(store_, uri_, seg);
}

Result<std::shared_ptr<const Snapshot>> Table::SnapshotAtTimestamp(int64_t timestamp_ms) {
  LAKE_ASSIGN_OR_RETURN(log::LogListing listing, log::ListLog(*store_));
  if (listing.commits.empty() && listing.checkpoints.empty())
    return Status::NotFound("not a Delta table: no _delta_log at " + uri_);
  // In-commit timestamps (PROTOCOL.md "In-Commit Timestamps"): from the enablement version
  // on, a version's timestamp is its commitInfo.inCommitTimestamp; before it (and without the
  // feature) the commit file's modification time.
  LAKE_ASSIGN_OR_RETURN(auto latest, LatestSnapshot());
  const auto& conf = latest->metadata().configuration;
  std::optional<int64_t> ict_from;
  if (auto it = conf.find("delta.enableInCommitTimestamps");
      it != conf.end() && it->second == "true") {
    ict_from = 0;
    if (auto ev = conf.find("delta.inCommitTimestampEnablementVersion"); ev != conf.end()) {
      try {
        ict_from = std::stoll(ev->second);
      } catch (...) {
        ict_from = 0;
      }
    }
  }
  // Versions that can be reconstructed: from the oldest checkpoint (or 0) on.
  int64_t earliest = listing.checkpoints.empty() ? 0 : listing.checkpoints.front().version;
  if (listing.checkpoints.empty() && !listing.commits.empty() && listing.commits.front().version != 0)
    earliest = listing.commits.front().version;  // will fail to reconstruct; reported below
  std::optional<int64_t> best;
  int64_t earliest_ts = 0;
  bool have_earliest = false;
  for (const log::LogFile& f : listing.commits) {
    if (f.version < earliest) continue;
    int64_t ts = f.mtime_ms;
    if (ict_from && f.version >= *ict_from) {
      LAKE_ASSIGN_OR_RETURN(std::optional<CommitInfo> ci, ReadCommitInfo(*store_, f));
      if (ci && ci->in_commit_timestamp) ts = *ci->in_commit_timestamp;
    }
    if (!have_earliest) {
      earliest_ts = ts;
      have_earliest = true;
    }
    if (ts <= timestamp_ms) best = f.version;
    else if (ict_from && f.version >= *ict_from) break;  // monotonic from here on
  }
  if (!best) {
    return Status::NotFound("timestamp " + std::to_string(timestamp_ms) + " is before the earliest retained version of " + uri_ +
                            (have_earliest ? " (version " + std::to_string(earliest) + " at " + std::to_string(earliest_ts) + ")" : ""));
  }
  return SnapshotAtVersion(*best);
}

Result<std::vector<CommitSummary>> Table::History(size_t limit) {
  LAKE_ASSIGN_OR_RETURN(log::LogListing listing, log::ListLog(*store_));
  if (listing.commits.empty() && listing.checkpoints.empty())
    return Status::NotFound("not a Delta table: no _delta_log at " + uri_);
  std::vector<CommitSummary> out;
  for (auto it = listing.commits.rbegin(); it != listing.commits.rend(); ++it) {
    if (limit && out.size() >= limit) break;
    CommitSummary s;
    s.version = it->version;
    s.timestamp_ms = it->mtime_ms;
    LAKE_ASSIGN_OR_RETURN(std::optional<CommitInfo> ci, ReadCommitInfo(*store_, *it));
    if (ci) {
      if (ci->in_commit_timestamp) s.timestamp_ms = *ci->in_commit_timestamp;
      s.operation = ci->operation.value_or("");
      s.commit_info = std::move(ci->json);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace lake
