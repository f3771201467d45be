// SnapshotBuilder::Apply: the snapshot after a commit, from the snapshot before it plus the
// commits in between (forward replay of PROTOCOL.md "Action Reconciliation").
#include <unordered_map>

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

class ForwardVisitor : public log::ActionVisitor {
 public:
  ForwardVisitor(std::string root, std::vector<AddFile> files, std::vector<RemoveFile> tombs)
      : root_(std::move(root)) {
    for (auto& f : files) {
      std::string k = FileKey(f.path, f.deletion_vector, root_);
      files_.insert_or_assign(std::move(k), std::move(f));
    }
    for (auto& r : tombs) {
      std::string k = FileKey(r.path, r.deletion_vector, root_);
      tombs_.insert_or_assign(std::move(k), std::move(r));
    }
  }
  Status OnAdd(AddFile& a) override {
    std::string k = FileKey(a.path, a.deletion_vector, root_);
    tombs_.erase(k);
    files_.insert_or_assign(std::move(k), std::move(a));
    return Status::OK();
  }
  Status OnRemove(RemoveFile& r) override {
    std::string k = FileKey(r.path, r.deletion_vector, root_);
    files_.erase(k);
    tombs_.insert_or_assign(std::move(k), std::move(r));
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

  std::vector<AddFile> TakeFiles() {
    std::vector<AddFile> out;
    out.reserve(files_.size());
    for (auto& [k, f] : files_) out.push_back(std::move(f));
    return out;
  }
  std::vector<RemoveFile> TakeTombstones() {
    std::vector<RemoveFile> out;
    out.reserve(tombs_.size());
    for (auto& [k, r] : tombs_) out.push_back(std::move(r));
    return out;
  }

 private:
  std::string root_;
  std::unordered_map<std::string, AddFile> files_;
  std::unordered_map<std::string, RemoveFile> tombs_;
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
  ForwardVisitor fwd(root, base ? base->files_ : std::vector<AddFile>{},
                     base ? base->tombstones_ : std::vector<RemoveFile>{});
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
  snap->files_ = fwd.TakeFiles();
  snap->tombstones_ = fwd.TakeTombstones();
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
