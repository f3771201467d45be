// SnapshotBuilder::Apply: the snapshot after a commit, from the snapshot before it plus the
// commits in between (forward replay of PROTOCOL.md "Action Reconciliation").
#include <unordered_map>
#include <unordered_set>

#include "log/action_parser.h"
#include "log/snapshot_builder.h"

namespace lake {
namespace {

std::string FileKey(std::string_view path, const HeapOptional<DeletionVectorDescriptor>& dv,
                    std::string_view root) {
  std::string k = log::CanonicalPath(path, root);
  if (dv) {
    k += '\x01';
    k += dv->UniqueId();
  }
  return k;
}

// Collects what the new commits change: per file key, the newest action (forward replay, so
// the last one seen wins), and the table-level actions. The base snapshot's files are not
// touched here; Merge combines them in one pass.
class ForwardVisitor : public log::ActionVisitor {
 public:
  explicit ForwardVisitor(std::string root) : root_(std::move(root)) {}
  Status OnAdd(AddFile& a) override {
    Change& c = Slot(a.path, a.deletion_vector);
    c.is_add = true;
    c.add = std::move(a);
    c.remove = RemoveFile();
    return Status::OK();
  }
  Status OnRemove(RemoveFile& r) override {
    Change& c = Slot(r.path, r.deletion_vector);
    c.is_add = false;
    c.remove = std::move(r);
    c.add = AddFile();
    return Status::OK();
  }
  Status OnMetadata(Metadata& m) override {
    metadata = std::move(m);
    return Status::OK();
  }
  Status OnProtocol(Protocol& p) override {
    LAKE_RETURN_IF_ERROR(log::CheckReadable(p));
    protocol = std::move(p);
    return Status::OK();
  }
  Status OnTxn(Txn& t) override {
    txns[t.app_id] = std::move(t);
    return Status::OK();
  }
  Status OnDomainMetadata(DomainMetadata& d) override {
    if (d.removed) {
      domains.erase(d.domain);
    } else {
      domains[d.domain] = std::move(d);
    }
    return Status::OK();
  }
  Status OnCommitInfo(CommitInfo& c) override {
    last_commit_info = std::move(c);
    return Status::OK();
  }

  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::map<std::string, Txn> txns;
  std::map<std::string, DomainMetadata> domains;
  std::optional<CommitInfo> last_commit_info;

  // The base's files and tombstones minus every key the commits touched, plus the commits'
  // final actions. One pass over the base; a base entry is only keyed (a string built) when
  // its canonical path is one the commits touched.
  void Merge(const std::vector<AddFile>& base_files, const std::vector<RemoveFile>& base_tombs,
             std::vector<AddFile>* files, std::vector<RemoveFile>* tombs) {
    std::unordered_set<std::string_view> touched_paths;
    for (const Change& c : changes_) touched_paths.insert(c.canonical_path);
    auto touched = [&](std::string_view path, const HeapOptional<DeletionVectorDescriptor>& dv) {
      if (touched_paths.empty()) return false;
      std::string buf;
      std::string_view canon = path;
      if (log::NeedsCanonicalization(path)) canon = buf = log::CanonicalPath(path, root_);
      if (!touched_paths.count(canon)) return false;
      return index_.count(FileKey(path, dv, root_)) > 0;
    };
    files->reserve(base_files.size() + changes_.size());
    for (const AddFile& f : base_files)
      if (!touched(f.path, f.deletion_vector)) files->push_back(f);
    for (const RemoveFile& r : base_tombs)
      if (!touched(r.path, r.deletion_vector)) tombs->push_back(r);
    for (Change& c : changes_) {
      if (c.is_add) {
        files->push_back(std::move(c.add));
      } else {
        tombs->push_back(std::move(c.remove));
      }
    }
  }

 private:
  struct Change {
    std::string canonical_path;
    bool is_add = false;
    AddFile add;
    RemoveFile remove;
  };
  Change& Slot(std::string_view path, const HeapOptional<DeletionVectorDescriptor>& dv) {
    auto [it, inserted] = index_.try_emplace(FileKey(path, dv, root_), changes_.size());
    if (inserted) changes_.emplace_back().canonical_path = log::CanonicalPath(path, root_);
    return changes_[it->second];
  }

  std::string root_;
  std::unordered_map<std::string, size_t> index_;  // file key -> changes_ index
  std::vector<Change> changes_;
};

}  // namespace

Result<std::shared_ptr<const Snapshot>> SnapshotBuilder::Apply(
    const Snapshot* base, std::shared_ptr<ObjectStore> store, const std::string& table_uri,
    const std::vector<std::pair<log::LogFile, std::string>>& commits) {
  std::string root;
  if (auto lp = store->LocalPath(""); lp.ok()) {
    root = *lp;
    while (root.size() > 1 && root.back() == '/') root.pop_back();
  }
  int64_t version = base ? base->version_ : -1;
  ForwardVisitor fwd(root);
  if (base) {
    fwd.protocol = base->protocol_;
    fwd.metadata = base->metadata_;
    fwd.txns = base->txns_;
    fwd.domains = base->domains_;
  }
  int64_t mtime = base ? base->timestamp_ms_ : 0;
  for (const auto& [f, data] : commits) {
    if (f.version != version + 1) {
      return Status::Internal("snapshot apply: expected version " + std::to_string(version + 1) +
                              ", got " + std::to_string(f.version));
    }
    fwd.last_commit_info.reset();
    LAKE_RETURN_IF_ERROR(log::ParseCommitFile(data, f.key, fwd));
    version = f.version;
    mtime = f.mtime_ms;
  }
  if (commits.empty() && base) {
    return std::shared_ptr<const Snapshot>(std::make_shared<Snapshot>(*base));
  }
  std::string at = " in the log of " + table_uri + " at version " + std::to_string(version);
  if (!fwd.protocol) return Status::Corruption("no protocol action found" + at);
  if (!fwd.metadata) return Status::Corruption("no metaData action found" + at);

  auto snap = std::make_shared<Snapshot>();
  snap->version_ = version;
  LAKE_RETURN_IF_ERROR(
      SetTableState(*snap, std::move(*fwd.protocol), std::move(*fwd.metadata), base));
  static const std::vector<AddFile> kNoFiles;
  static const std::vector<RemoveFile> kNoTombs;
  fwd.Merge(base ? base->files_ : kNoFiles, base ? base->tombstones_ : kNoTombs, &snap->files_,
            &snap->tombstones_);
  snap->txns_ = std::move(fwd.txns);
  snap->domains_ = std::move(fwd.domains);
  snap->timestamp_ms_ = mtime;
  auto ict = snap->metadata_.configuration.find("delta.enableInCommitTimestamps");
  if (ict != snap->metadata_.configuration.end() && ict->second == "true" && fwd.last_commit_info &&
      fwd.last_commit_info->in_commit_timestamp) {
    snap->timestamp_ms_ = *fwd.last_commit_info->in_commit_timestamp;
  }
  snap->table_uri_ = table_uri;
  snap->store_ = std::move(store);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace lake
