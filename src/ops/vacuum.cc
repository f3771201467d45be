#include "ops/vacuum.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sys/stat.h>
#include <set>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "lake/transaction.h"
#include "log/action_parser.h"
#include "log/log_segment.h"
#include "log/retention.h"
#include "log/snapshot_builder.h"
#include "scan/deletion_vector.h"
#include "txn/commit_writer.h"
#include "util/json_writer.h"

namespace lake {
namespace {

constexpr std::string_view kStagingPrefix = "_lake_staging-";

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Maps log paths (protocol form: percent-encoded, relative or absolute URIs) to store keys.
class PathResolver {
 public:
  explicit PathResolver(ObjectStore& store) {
    if (auto lp = store.LocalPath(""); lp.ok()) {
      local_root_ = *lp;
      while (local_root_.size() > 1 && local_root_.back() == '/') local_root_.pop_back();
    }
    remote_root_ = log::CanonicalPath(store.root_uri(), "");
    while (!remote_root_.empty() && remote_root_.back() == '/') remote_root_.pop_back();
  }

  // The store key of a data file path (relative to the table root), or an absolute form
  // when the file is outside the table.
  std::string Key(std::string_view log_path) const {
    std::string c = log::CanonicalPath(log_path, local_root_);
    if (!remote_root_.empty() && c.size() > remote_root_.size() + 1 &&
        c.starts_with(remote_root_) && c[remote_root_.size()] == '/') {
      c.erase(0, remote_root_.size() + 1);
    }
    return c;
  }

  // The store key of a DV's file; nullopt for inline DVs (and undecodable descriptors).
  std::optional<std::string> DvKey(const DeletionVectorDescriptor& dv) const {
    if (dv.storage_type == "u") {
      auto rel = DeletionVectorRelativePath(dv);
      if (!rel.ok()) return std::nullopt;
      return *rel;
    }
    if (dv.storage_type == "p") return Key(dv.path_or_inline_dv);
    return std::nullopt;
  }

 private:
  std::string local_root_;
  std::string remote_root_;
};

// A key vacuum may delete: relative, inside the table, no scheme, no "." / ".." component.
bool InsideTable(std::string_view key) {
  if (key.empty() || key.front() == '/') return false;
  size_t slash = key.find('/');
  if (key.substr(0, slash).find(':') != std::string_view::npos) return false;  // a scheme
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view comp = key.substr(start, end - start);
    if (comp.empty() || comp == "." || comp == "..") return false;
    start = end + 1;
  }
  return true;
}

// Delta's rule for what a storage listing must not touch (DeltaTableUtils.isHiddenDirectory,
// applied to every path component): names starting with '_' or '.', and "metadata"; except
// partition directories "<col>=..." and _change_data. _delta_index is left alone as well:
// lake neither writes nor tracks index files.
bool HiddenComponent(std::string_view name, const std::vector<std::string>& partition_cols) {
  if (name == "metadata") return true;
  if (!name.starts_with('_') && !name.starts_with('.')) return false;
  if (name == "_change_data") return false;
  for (const std::string& c : partition_cols) {
    if (name.size() > c.size() && name.starts_with(c) && name[c.size()] == '=') return false;
  }
  return true;
}

bool HiddenPath(std::string_view key, const std::vector<std::string>& partition_cols) {
  size_t start = 0;
  while (start < key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    if (HiddenComponent(key.substr(start, end - start), partition_cols)) return true;
    start = end + 1;
  }
  return false;
}

// What a killed writer leaves behind and nothing references: files under a data writer's
// "_lake_staging-<uuid>/" folder (DuckDB COPY output not yet renamed into place), and the
// LocalStore's half-written temp files "_delta_log/.<name>.tmp.<pid>.<n>.<rand>" (commits,
// checkpoints, _last_checkpoint) that were never renamed or linked over their key.
bool LeftoverOfACrash(std::string_view key) {
  if (key.starts_with(kStagingPrefix) && key.find('/') != std::string_view::npos) return true;
  if (!key.starts_with(log::kLogDir)) return false;
  std::string_view name = key.substr(std::string_view(log::kLogDir).size());
  return name.find('/') == std::string_view::npos && name.starts_with('.') &&
         name.find(".tmp.") != std::string_view::npos;
}

// The top-level staging folder of a key from LeftoverOfACrash, or "" for a log temp file.
std::string_view StagingFolder(std::string_view key) {
  if (!key.starts_with(kStagingPrefix)) return {};
  return key.substr(0, key.find('/'));
}

// Removes `dir` and its subdirectories bottom-up as long as they hold no file.
bool RemoveEmptyDirs(const std::filesystem::path& dir) {
  std::error_code ec;
  bool empty = true;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      if (!RemoveEmptyDirs(it->path())) empty = false;
    } else {
      empty = false;
    }
  }
  if (ec || !empty) return false;
  return std::filesystem::remove(dir, ec) && !ec;
}

struct Candidate {
  std::string key;
  int64_t deletion_ts = 0;
};

// Collects, from commit files, what the retained versions need and the removes (lite mode).
class CommitCollector : public log::ActionVisitor {
 public:
  CommitCollector(const PathResolver& paths, int64_t cutoff,
                  std::unordered_set<std::string>* needed, std::vector<Candidate>* removes)
      : paths_(paths), cutoff_(cutoff), needed_(needed), removes_(removes) {}

  // Whether the commit being parsed is after the cutoff version (its adds are needed).
  bool retained = false;

  Status OnAdd(AddFile& a) override {
    if (retained) {
      needed_->insert(paths_.Key(a.path));
      if (a.deletion_vector) {
        if (auto k = paths_.DvKey(*a.deletion_vector)) needed_->insert(std::move(*k));
      }
    }
    return Status::OK();
  }
  Status OnRemove(RemoveFile& r) override {
    int64_t ts = r.deletion_timestamp.value_or(0);
    std::string key = paths_.Key(r.path);
    std::optional<std::string> dv;
    if (r.deletion_vector) dv = paths_.DvKey(*r.deletion_vector);
    if (ts >= cutoff_) {
      needed_->insert(key);
      if (dv) needed_->insert(*dv);
    } else if (removes_) {
      removes_->push_back({std::move(key), ts});
      if (dv) removes_->push_back({std::move(*dv), ts});
    }
    return Status::OK();
  }
  Status OnCdc(AddCdcFile& c) override {
    if (retained) needed_->insert(paths_.Key(c.path));
    return Status::OK();
  }

 private:
  const PathResolver& paths_;
  int64_t cutoff_;
  std::unordered_set<std::string>* needed_;
  std::vector<Candidate>* removes_;
};

void NeedLive(const Snapshot& s, const PathResolver& paths,
              std::unordered_set<std::string>* needed) {
  for (const AddFile& a : s.files()) {
    needed->insert(paths.Key(a.path));
    if (a.deletion_vector) {
      if (auto k = paths.DvKey(*a.deletion_vector)) needed->insert(std::move(*k));
    }
  }
}

// The earliest version from which the latest version is reachable through the log: the
// oldest checkpoint (or version 0) followed by contiguous commits up to `latest`.
int64_t EarliestReconstructable(const log::LogListing& listing, int64_t latest) {
  // Lowest L such that commits L..latest all exist.
  int64_t low = latest + 1;
  for (auto it = listing.commits.rbegin(); it != listing.commits.rend(); ++it) {
    if (it->version > latest) continue;
    if (it->version != low - 1) break;
    low = it->version;
  }
  if (low == 0) return 0;
  for (const log::Checkpoint& c : listing.checkpoints) {
    if (c.version >= low - 1 && c.version <= latest) return c.version;
  }
  return latest;
}

std::string ModeName(VacuumMode m) { return m == VacuumMode::kLite ? "LITE" : "FULL"; }

Result<int64_t> CommitVacuumInfo(const std::shared_ptr<Table>& table,
                                 std::shared_ptr<const Snapshot> read, const std::string& op,
                                 std::string params, std::string metrics) {
  // VACUUM END reads the latest version (nullptr): VACUUM START and concurrent commits are
  // in between.
  auto started = read ? Transaction::Start(table, std::move(read)) : Transaction::Start(table);
  LAKE_ASSIGN_OR_RETURN(auto txn, std::move(started));
  txn->SetOperation(op, std::move(params), std::move(metrics));
  CommitOptions opts;
  opts.build_snapshot = false;
  opts.write_checkpoints = false;
  LAKE_ASSIGN_OR_RETURN(CommitResult r, txn->Commit(opts));
  return r.version;
}

}  // namespace

Result<int64_t> ParseRetentionDuration(std::string_view text) {
  if (auto ms = log::ParseIntervalMs(text)) return *ms;
  std::string t;
  for (char c : text)
    if (c != ' ') t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
  std::string num = t.substr(0, i), unit = t.substr(i);
  double n = 0;
  bool ok = !num.empty() && !unit.empty();
  if (ok) {
    try {
      size_t used = 0;
      n = std::stod(num, &used);
      ok = used == num.size();
    } catch (...) {
      ok = false;
    }
  }
  double unit_ms = 0;
  if (unit == "ms")
    unit_ms = 1;
  else if (unit == "s")
    unit_ms = 1000;
  else if (unit == "m" || unit == "min")
    unit_ms = 60e3;
  else if (unit == "h")
    unit_ms = 3600e3;
  else if (unit == "d")
    unit_ms = 86400e3;
  else if (unit == "w")
    unit_ms = 7 * 86400e3;
  if (!ok || unit_ms == 0 || !std::isfinite(n * unit_ms) || n * unit_ms > 9.2e18) {
    return Status::InvalidArgument("cannot parse retention '" + std::string(text) +
                                   "' (use e.g. '168h', '7d', '30m' or 'interval 1 week')");
  }
  return static_cast<int64_t>(n * unit_ms);
}

std::string FormatDurationMs(int64_t ms) {
  struct U {
    int64_t ms;
    const char* name;
  };
  static constexpr U kUnits[] = {{3600 * 1000, "hours"}, {60 * 1000, "minutes"}, {1000, "seconds"}};
  for (const U& u : kUnits) {
    if (ms >= u.ms && ms % u.ms == 0) return std::to_string(ms / u.ms) + " " + u.name;
  }
  if (ms >= 1000) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f seconds", static_cast<double>(ms) / 1000);
    return buf;
  }
  return std::to_string(ms) + " ms";
}

Result<VacuumResult> Vacuum(const std::shared_ptr<Table>& table, const VacuumOptions& options) {
  if (!table) return Status::InvalidArgument("vacuum: no table");
  ObjectStore& store = *table->store();
  const int64_t now = options.now_ms.value_or(SystemNowMs());
  LAKE_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> latest, table->LatestSnapshot());

  VacuumResult result;
  result.dry_run = options.dry_run;
  result.mode = options.mode;
  result.table_version = latest->version();

  // --- protocol: only vacuum what lake fully understands (vacuumProtocolCheck) ----------------
  {
    const Protocol& p = latest->protocol();
    const bool vpc =
        p.HasReaderFeature("vacuumProtocolCheck") || p.HasWriterFeature("vacuumProtocolCheck");
    auto refuse = [&](const Status& st) {
      return Status::Unsupported("cannot vacuum " + table->uri() + ": " + st.message() +
                                 (vpc ? " (the table requires vacuumProtocolCheck)" : ""));
    };
    if (Status st = log::CheckReadable(p); !st.ok()) return refuse(st);
    // Transaction::Start checks the writer protocol (also used for VACUUM START/END).
    if (auto txn = Transaction::Start(table, latest); !txn.ok()) return refuse(txn.status());
  }

  // --- retention ------------------------------------------------------------------------------
  result.table_retention_ms = log::DeletedFileRetentionMs(latest->metadata());
  result.retention_ms = options.retention_ms.value_or(result.table_retention_ms);
  if (result.retention_ms < 0) {
    return Status::InvalidArgument("vacuum: negative retention " +
                                   std::to_string(result.retention_ms) + " ms");
  }
  if (result.retention_ms < result.table_retention_ms && !options.force) {
    return Status::InvalidArgument(
        "vacuum: retention " + FormatDurationMs(result.retention_ms) +
        " is shorter than the table's delta.deletedFileRetentionDuration (" +
        FormatDurationMs(result.table_retention_ms) +
        "): files that readers of older versions or running writers still need could be "
        "deleted; pass --force to vacuum anyway, or lower delta.deletedFileRetentionDuration");
  }
  result.cutoff_ms = now - result.retention_ms;
  const int64_t cutoff = result.cutoff_ms;

  // --- what the retained versions need ------------------------------------------------------
  PathResolver paths(store);
  LAKE_ASSIGN_OR_RETURN(log::LogListing listing, log::ListLog(store));
  const int64_t n = latest->version();
  const int64_t earliest = EarliestReconstructable(listing, n);
  std::shared_ptr<const Snapshot> base;
  if (auto at = table->SnapshotAtTimestamp(cutoff); at.ok() && (*at)->version() >= earliest) {
    base = *at;  // the version current at the cutoff
  } else if (earliest == n) {
    base = latest;
  } else {
    // The cutoff predates what the log retains (or time travel failed): every
    // reconstructable version counts as retained.
    LAKE_ASSIGN_OR_RETURN(base, table->SnapshotAtVersion(earliest));
  }
  result.oldest_retained_version = base->version();

  std::unordered_set<std::string> needed;
  NeedLive(*latest, paths, &needed);
  NeedLive(*base, paths, &needed);
  std::vector<Candidate> removes;
  const bool lite = options.mode == VacuumMode::kLite;
  CommitCollector collector(paths, cutoff, &needed, lite ? &removes : nullptr);
  for (const log::LogFile& f : listing.commits) {
    if (f.version > n) break;
    // Adds are needed from the commits after the cutoff version; removes from every commit
    // (needed when at or after the cutoff, lite candidates otherwise).
    collector.retained = f.version > base->version();
    LAKE_ASSIGN_OR_RETURN(std::string data, store.Get(f.key));
    LAKE_RETURN_IF_ERROR(log::ParseCommitFile(data, data.capacity(), f.key, collector));
  }
  for (const RemoveFile& r : latest->tombstones()) {
    RemoveFile copy = r;
    LAKE_RETURN_IF_ERROR(collector.OnRemove(copy));
  }
  result.files_needed = static_cast<int64_t>(needed.size());

  // --- candidates -----------------------------------------------------------------------------
  std::vector<VacuumFile> doomed;
  if (lite) {
    std::unordered_set<std::string> seen;
    for (Candidate& c : removes) {
      if (needed.count(c.key) || !InsideTable(c.key) || !seen.insert(c.key).second) continue;
      if (c.key.starts_with(log::kLogDir)) continue;
      ++result.files_scanned;
      auto head = store.Head(c.key);
      if (!head.ok()) {
        if (head.status().IsNotFound()) continue;  // already gone
        return head.status().WithContext("vacuum");
      }
      doomed.push_back({c.key, static_cast<int64_t>(head->size)});
    }
  } else {
    const std::vector<std::string>& pcols = latest->metadata().partition_columns;
    LAKE_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, store.List(""));
    for (ObjectMeta& o : objects) {
      ++result.files_scanned;
      if (!InsideTable(o.key)) continue;
      if (LeftoverOfACrash(o.key)) {
        // Never referenced by the log: stale once older than the retention window (a writer
        // still running longer than that is as unprotected as its data files would be).
        if (o.mtime_ms < cutoff) doomed.push_back({std::move(o.key), static_cast<int64_t>(o.size)});
        continue;
      }
      if (HiddenPath(o.key, pcols)) continue;
      if (o.mtime_ms >= cutoff || needed.count(o.key)) continue;
      doomed.push_back({std::move(o.key), static_cast<int64_t>(o.size)});
    }
  }
  std::sort(doomed.begin(), doomed.end(),
            [](const VacuumFile& a, const VacuumFile& b) { return a.key < b.key; });
  for (const VacuumFile& f : doomed) result.bytes += f.size;

  if (options.dry_run) {
    result.files = std::move(doomed);
    return result;
  }

  if (options.after_planning) options.after_planning();

  // --- VACUUM START, deletes, VACUUM END ------------------------------------------------------
  if (options.log_commits) {
    JsonWriter p;
    p.BeginObject();
    p.Key("retentionCheckEnabled").Bool(!options.force);
    p.Key("defaultRetentionMillis").Int(result.table_retention_ms);
    if (options.retention_ms) p.Key("specifiedRetentionMillis").Int(*options.retention_ms);
    p.Key("vacuumType").String(ModeName(options.mode));
    p.EndObject();
    JsonWriter m;
    m.BeginObject();
    m.Key("numFilesToDelete").Int(static_cast<int64_t>(doomed.size()));
    m.Key("sizeOfDataToDelete").Int(result.bytes);
    m.EndObject();
    auto start = CommitVacuumInfo(table, latest, "VACUUM START", p.Take(), m.Take());
    if (!start.ok()) return start.status().WithContext("vacuum: committing VACUUM START");
    result.start_version = *start;
  }

  // Commits that won the race against this vacuum (after the snapshot it planned from) may
  // have re-added a candidate (e.g. a RESTORE): those are spared.
  {
    LAKE_ASSIGN_OR_RETURN(log::LogListing later, log::ListLog(store, txn::CommitKey(n)));
    std::unordered_set<std::string> readded;
    CommitCollector recheck(paths, cutoff, &readded, nullptr);
    recheck.retained = true;
    for (const log::LogFile& f : later.commits) {
      if (f.version <= n || f.version == result.start_version) continue;
      LAKE_ASSIGN_OR_RETURN(std::string data, store.Get(f.key));
      LAKE_RETURN_IF_ERROR(log::ParseCommitFile(data, data.capacity(), f.key, recheck));
    }
    if (!readded.empty()) {
      std::erase_if(doomed, [&](const VacuumFile& f) { return readded.count(f.key) > 0; });
    }
  }
  const int64_t to_delete = static_cast<int64_t>(doomed.size());
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex mu;  // guards first_error, deleted flags and progress calls
  Status first_error;
  std::vector<char> deleted(doomed.size(), 0);
  auto worker = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= doomed.size()) return;
      {
        std::lock_guard<std::mutex> l(mu);
        if (!first_error.ok()) return;
      }
      Status st = store.Delete(doomed[i].key);
      std::lock_guard<std::mutex> l(mu);
      if (!st.ok()) {
        if (first_error.ok()) first_error = st;
        return;
      }
      deleted[i] = 1;
      int64_t d = ++done;
      if (options.progress) options.progress(d, to_delete);
    }
  };
  int threads = std::clamp<int>(options.parallelism, 1, 64);
  threads = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(to_delete, 1)));
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& th : pool) th.join();
  }
  // Deleting the files of a stale staging folder leaves its (possibly nested) directories; a
  // writer killed before its first file leaves an empty one (never listed: no file in it).
  if (auto root = store.LocalPath(""); root.ok() && !lite) {
    std::set<std::string> folders;
    for (size_t i = 0; i < doomed.size(); ++i) {
      if (deleted[i] && !StagingFolder(doomed[i].key).empty())
        folders.emplace(StagingFolder(doomed[i].key));
    }
    std::error_code ec;
    for (std::filesystem::directory_iterator it(*root, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      struct stat st;
      if (!name.starts_with(kStagingPrefix) || lstat(it->path().c_str(), &st) != 0 ||
          !S_ISDIR(st.st_mode)) {
        continue;
      }
      int64_t mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
      if (mtime_ms < cutoff) folders.insert(name);
    }
    for (const std::string& f : folders) RemoveEmptyDirs(std::filesystem::path(*root) / f);
  }
  result.bytes = 0;
  for (size_t i = 0; i < doomed.size(); ++i) {
    if (!deleted[i]) continue;
    result.bytes += doomed[i].size;
    result.files.push_back(std::move(doomed[i]));
  }

  if (options.log_commits) {
    JsonWriter p;
    p.BeginObject().Key("status").String(first_error.ok() ? "COMPLETED" : "FAILED").EndObject();
    JsonWriter m;
    m.BeginObject();
    m.Key("numDeletedFiles").Int(static_cast<int64_t>(result.files.size()));
    m.Key("numVacuumedDirectories").Int(0);
    m.Key("sizeOfDeletedData").Int(result.bytes);
    m.EndObject();
    auto end = CommitVacuumInfo(table, nullptr, "VACUUM END", p.Take(), m.Take());
    if (end.ok()) {
      result.end_version = *end;
    } else {
      result.warning = "VACUUM END not committed: " + end.status().message();
    }
  }
  if (!first_error.ok()) {
    return first_error.WithContext("vacuum: deleted " + std::to_string(result.files.size()) +
                                   " of " + std::to_string(to_delete) + " files, then");
  }
  return result;
}

}  // namespace lake
