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
  std::vector<const log::LogFile*> commits;
  for (const log::LogFile& f : listing.commits)
    if (f.version >= earliest) commits.push_back(&f);
  // Commit timestamps, as Delta defines them for time travel (DeltaHistoryManager): file
  // modification times are not monotonic (clock skew between writers, copies, restores), so
  // a commit's timestamp is max(its mtime, previous commit's timestamp + 1 ms), adjusted
  // forward from the earliest retained commit. The adjusted sequence is strictly increasing,
  // which makes "newest version with timestamp <= t" a binary search. From the
  // in-commit-timestamp enablement version on, timestamps are commitInfo.inCommitTimestamp,
  // monotonic by the protocol; they cost a read each, so that range is binary searched by
  // reading only the probed commits.
  size_t ict_begin = commits.size();
  if (ict_from) {
    ict_begin = static_cast<size_t>(
        std::lower_bound(commits.begin(), commits.end(), *ict_from,
                         [](const log::LogFile* f, int64_t v) { return f->version < v; }) -
        commits.begin());
  }
  std::vector<int64_t> adjusted(ict_begin);
  for (size_t i = 0; i < ict_begin; ++i) {
    int64_t ts = commits[i]->mtime_ms;
    if (i > 0 && adjusted[i - 1] != INT64_MAX) ts = std::max(ts, adjusted[i - 1] + 1);
    adjusted[i] = ts;
  }
  auto ict_ts = [&](size_t i) -> Result<int64_t> {
    LAKE_ASSIGN_OR_RETURN(std::optional<CommitInfo> ci, ReadCommitInfo(*store_, *commits[i]));
    // Tolerated: an enabled table's commit without inCommitTimestamp falls back to its mtime.
    return ci && ci->in_commit_timestamp ? *ci->in_commit_timestamp : commits[i]->mtime_ms;
  };
  std::optional<int64_t> best;
  std::optional<int64_t> earliest_ts;
  if (!commits.empty()) {
    if (ict_begin > 0) {
      earliest_ts = adjusted[0];
    } else {
      LAKE_ASSIGN_OR_RETURN(earliest_ts, ict_ts(0));
    }
  }
  bool in_ict = false;
  if (ict_begin < commits.size()) {
    LAKE_ASSIGN_OR_RETURN(int64_t first_ict, ict_ts(ict_begin));
    in_ict = first_ict <= timestamp_ms;
  }
  if (in_ict) {
    // Invariant: ts(lo) <= t; find the last such index in [ict_begin, size).
    size_t lo = ict_begin, hi = commits.size();  // hi: first index known > t (or end)
    while (hi - lo > 1) {
      size_t mid = lo + (hi - lo) / 2;
      LAKE_ASSIGN_OR_RETURN(int64_t ts, ict_ts(mid));
      if (ts <= timestamp_ms) lo = mid;
      else hi = mid;
    }
    best = commits[lo]->version;
  } else if (ict_begin > 0) {
    auto it = std::upper_bound(adjusted.begin(), adjusted.end(), timestamp_ms);
    if (it != adjusted.begin()) best = commits[static_cast<size_t>(it - adjusted.begin()) - 1]->version;
  }
  if (!best) {
    return Status::NotFound("timestamp " + std::to_string(timestamp_ms) + " is before the earliest retained version of " + uri_ +
                            (earliest_ts ? " (version " + std::to_string(earliest) + " at " + std::to_string(*earliest_ts) + ")" : ""));
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
