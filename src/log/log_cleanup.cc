#include "log/log_cleanup.h"

#include <algorithm>
#include <map>

#include "log/log_segment.h"
#include "log/retention.h"

namespace lake {
namespace {

bool Digits20(std::string_view s, int64_t* v) {
  if (s.size() < 20) return false;
  int64_t x = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (i < 2 && s[i] != '0') return false;  // beyond what PadVersion produces
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return true;
}

// The version a _delta_log/ file belongs to for cleanup purposes: commits, checkpoints (any
// naming scheme, complete or not), .crc files, and compactions (by their start version).
// false for everything else (_last_checkpoint, temp files, unknown names).
bool CleanupVersion(std::string_view name, int64_t* version) {
  if (!Digits20(name, version) || name.size() < 21 || name[20] != '.') return false;
  std::string_view rest = name.substr(21);
  if (rest == "json" || rest == "crc") return true;
  if (rest.starts_with("checkpoint.")) {
    log::ParsedLogName p;
    return log::ParseLogFileName(name, &p);
  }
  int64_t end;
  if (Digits20(rest, &end) && rest.substr(20) == ".compacted.json") return true;
  return false;
}

}  // namespace

Result<CleanupResult> CleanupExpiredLogs(const std::shared_ptr<Table>& table, int64_t now_ms) {
  if (!table) return Status::InvalidArgument("no table");
  ObjectStore& store = *table->store();
  LAKE_ASSIGN_OR_RETURN(auto latest, table->LatestSnapshot());
  CleanupResult result;
  const auto& conf = latest->metadata().configuration;
  if (auto it = conf.find("delta.enableExpiredLogCleanup");
      it != conf.end() && it->second == "false") {
    return result;
  }
  int64_t cutoff = now_ms - log::LogRetentionMs(latest->metadata());
  cutoff -= ((cutoff % log::kMsPerDay) + log::kMsPerDay) % log::kMsPerDay;  // midnight UTC
  result.cutoff_ms = cutoff;

  LAKE_ASSIGN_OR_RETURN(log::LogListing listing, log::ListLog(store));
  // Version timestamps (commit mtimes) made monotonic; a checkpointed version whose commit is
  // gone takes the checkpoint's mtime.
  std::map<int64_t, int64_t> ts;
  for (const log::LogFile& f : listing.commits) ts[f.version] = f.mtime_ms;
  for (const log::Checkpoint& c : listing.checkpoints)
    ts.try_emplace(c.version, c.parts.front().mtime_ms);
  std::optional<int64_t> cutoff_commit;
  int64_t prev = INT64_MIN;
  for (auto& [v, t] : ts) {
    if (prev != INT64_MIN && t <= prev) t = prev + 1;
    prev = t;
    if (t <= cutoff) cutoff_commit = v;
  }
  if (!cutoff_commit) return result;
  std::optional<int64_t> cutoff_cp;
  for (const log::Checkpoint& c : listing.checkpoints)
    if (c.version <= *cutoff_commit) cutoff_cp = c.version;
  if (!cutoff_cp || *cutoff_cp <= 0) return result;
  result.cutoff_checkpoint_version = *cutoff_cp;

  LAKE_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, store.List(log::kLogDir));
  std::vector<std::pair<int64_t, std::string>> doomed;
  for (const ObjectMeta& o : objects) {
    std::string_view name = std::string_view(o.key).substr(log::kLogDir.size());
    if (name.find('/') != std::string_view::npos) continue;  // _sidecars/, _staged_commits/
    int64_t v;
    if (!CleanupVersion(name, &v)) continue;
    bool compaction = name.ends_with(".compacted.json");
    if (compaction ? v <= *cutoff_cp : v < *cutoff_cp) doomed.emplace_back(v, o.key);
  }
  // Oldest first: an interrupted cleanup leaves a log that starts later, never one with holes.
  std::stable_sort(doomed.begin(), doomed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [v, key] : doomed) {
    LAKE_RETURN_IF_ERROR(store.Delete(key).WithContext("log cleanup"));
    result.deleted.push_back(std::move(key));
  }
  return result;
}

}  // namespace lake
