#include "log/checkpoint_reader.h"

#include <set>

#include "engine/duckdb_engine.h"

namespace lake::log {
namespace {

// Action columns of a checkpoint and a field that is non-null whenever the action is present
// (a row holds exactly one action; PROTOCOL.md "Checkpoint Schema").
struct ActionColumn {
  const char* column;
  const char* required_field;
};
constexpr ActionColumn kActionColumns[] = {
    {"add", "path"},
    {"remove", "path"},
    {"metaData", "id"},
    {"protocol", "minReaderVersion"},
    {"txn", "appId"},
    {"domainMetadata", "domain"},
    {"checkpointMetadata", "version"},
    {"sidecar", "path"},
};

// Forwards everything, remembering sidecars.
class SidecarCollector : public ActionVisitor {
 public:
  explicit SidecarCollector(ActionVisitor& inner) : inner_(inner) {}
  std::vector<Sidecar> sidecars;
  Status OnAdd(AddFile& a) override { return inner_.OnAdd(a); }
  AddFile* AddSlot() override { return inner_.AddSlot(); }
  PartitionValuesCache* partition_cache() override { return inner_.partition_cache(); }
  Status OnRemove(RemoveFile& a) override { return inner_.OnRemove(a); }
  Status OnCdc(AddCdcFile& a) override { return inner_.OnCdc(a); }
  Status OnMetadata(Metadata& a) override { return inner_.OnMetadata(a); }
  Status OnProtocol(Protocol& a) override { return inner_.OnProtocol(a); }
  Status OnTxn(Txn& a) override { return inner_.OnTxn(a); }
  Status OnDomainMetadata(DomainMetadata& a) override { return inner_.OnDomainMetadata(a); }
  Status OnCommitInfo(CommitInfo& a) override { return inner_.OnCommitInfo(a); }
  Status OnCheckpointMetadata(CheckpointMetadata& a) override {
    return inner_.OnCheckpointMetadata(a);
  }
  Status OnSidecar(Sidecar& s) override {
    sidecars.push_back(s);
    return inner_.OnSidecar(s);
  }

 private:
  ActionVisitor& inner_;
};

std::string ParquetList(const std::vector<std::string>& paths) {
  std::string list = "[";
  for (size_t i = 0; i < paths.size(); ++i) {
    if (i) list += ", ";
    list += engine::QuoteString(paths[i]);
  }
  return list + "]";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

Status ReadParquetActions(ObjectStore& store, const std::vector<std::string>& keys,
                          ActionVisitor& visitor) {
  if (keys.empty()) return Status::OK();
  std::vector<std::string> paths;
  for (const std::string& k : keys) {
    LAKE_ASSIGN_OR_RETURN(std::string p, store.LocalPath(k));
    paths.push_back(std::move(p));
  }
  std::string what = keys.size() == 1 ? keys[0] : keys[0] + " (+" + std::to_string(keys.size() - 1) + " parts)";
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  std::string source = "read_parquet(" + ParquetList(paths) + ", union_by_name=true)";

  // Which action columns does this checkpoint have? (Writers omit columns of actions they
  // never wrote, e.g. no domainMetadata or txn.)
  auto desc = conn->Query("DESCRIBE SELECT * FROM " + source);
  if (!desc.ok()) return Status::Corruption("cannot read checkpoint " + what + ": " + desc.status().message());
  std::vector<std::string> present;
  for (size_t r = 0; r < desc->row_count(); ++r) {
    std::string_view name = desc->GetString(0, r);
    for (const ActionColumn& c : kActionColumns)
      if (EqualsIgnoreCase(name, c.column)) present.emplace_back(name);
  }
  if (present.empty()) {
    return Status::Corruption("checkpoint " + what + " has no action columns");
  }
  std::string expr = "COALESCE(";
  bool first = true;
  for (const ActionColumn& c : kActionColumns) {
    std::string col;
    for (const std::string& p : present)
      if (EqualsIgnoreCase(p, c.column)) col = p;
    if (col.empty()) continue;
    std::string q = engine::QuoteIdent(col);
    if (!first) expr += ", ";
    first = false;
    // The JSON key is the protocol's spelling whatever the file's case.
    expr += "CASE WHEN " + q + "." + engine::QuoteIdent(c.required_field) +
            " IS NOT NULL THEN '{\"" + std::string(c.column) + "\":' || CAST(to_json(" + q +
            ") AS VARCHAR) || '}' END";
  }
  expr += ")";
  auto rows = conn->Query("SELECT " + expr + " FROM " + source);
  if (!rows.ok()) {
    return Status::Corruption("cannot read checkpoint " + what + ": " + rows.status().message());
  }
  for (size_t r = 0; r < rows->row_count(); ++r) {
    if (rows->IsNull(0, r)) continue;
    Status st = ParseActionLine(rows->GetString(0, r), visitor);
    if (!st.ok()) {
      return Status(st.code(), "checkpoint " + what + " row " + std::to_string(r + 1) + ": " + st.message());
    }
  }
  return Status::OK();
}

Status ReadCheckpoint(ObjectStore& store, const Checkpoint& cp, ActionVisitor& visitor) {
  SidecarCollector collector(visitor);
  if (cp.json) {
    LAKE_ASSIGN_OR_RETURN(std::string data, store.Get(cp.parts.front().key));
    LAKE_RETURN_IF_ERROR(ParseCommitFile(data, cp.parts.front().key, collector));
  } else {
    std::vector<std::string> keys;
    for (const LogFile& f : cp.parts) keys.push_back(f.key);
    LAKE_RETURN_IF_ERROR(ReadParquetActions(store, keys, collector));
  }
  if (collector.sidecars.empty()) return Status::OK();
  // PROTOCOL.md "Sidecar Files": sidecar paths are relative to _delta_log/_sidecars/ (or
  // absolute). Their rows are add/remove actions only.
  std::vector<std::string> keys;
  for (const Sidecar& s : collector.sidecars) {
    if (s.path.find("://") != std::string::npos || s.path.starts_with("file:") ||
        s.path.starts_with("/")) {
      return Status::Unsupported("absolute sidecar paths are not supported: " + s.path);
    }
    keys.push_back(std::string(kLogDir) + "_sidecars/" + s.path);
  }
  return ReadParquetActions(store, keys, visitor);
}

}  // namespace lake::log
