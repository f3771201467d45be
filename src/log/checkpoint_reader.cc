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

// A DuckDB type string (as DESCRIBE prints it), parsed far enough to walk STRUCTs:
// "STRUCT(a BIGINT, \"b c\" STRUCT(x TIMESTAMP WITH TIME ZONE))".
struct TypeNode {
  std::string name;  // field name within the parent struct
  std::string type;  // the type text (for structs: "STRUCT")
  std::vector<TypeNode> fields;
};

void SkipSpaces(std::string_view s, size_t* i) {
  while (*i < s.size() && s[*i] == ' ') ++*i;
}

// Parses a type at s[*i], ending before a ',' or ')' at depth 0.
bool ParseType(std::string_view s, size_t* i, TypeNode* out);

bool ParseStructFields(std::string_view s, size_t* i, TypeNode* out) {
  // at '('
  ++*i;
  while (true) {
    SkipSpaces(s, i);
    if (*i >= s.size()) return false;
    if (s[*i] == ')') {
      ++*i;
      return true;
    }
    TypeNode f;
    if (s[*i] == '"') {
      ++*i;
      while (*i < s.size()) {
        if (s[*i] == '"') {
          if (*i + 1 < s.size() && s[*i + 1] == '"') {
            f.name += '"';
            *i += 2;
            continue;
          }
          break;
        }
        f.name += s[(*i)++];
      }
      if (*i >= s.size()) return false;
      ++*i;
    } else {
      while (*i < s.size() && s[*i] != ' ') f.name += s[(*i)++];
    }
    SkipSpaces(s, i);
    if (!ParseType(s, i, &f)) return false;
    out->fields.push_back(std::move(f));
    SkipSpaces(s, i);
    if (*i < s.size() && s[*i] == ',') ++*i;
  }
}

bool ParseType(std::string_view s, size_t* i, TypeNode* out) {
  if (s.substr(*i, 7) == "STRUCT(") {
    out->type = "STRUCT";
    *i += 6;
    return ParseStructFields(s, i, out);
  }
  // Any other type: up to the ',' or ')' closing it at depth 0 (skipping nested parens and
  // quoted names, e.g. MAP(VARCHAR, STRUCT("a,b" INT)), DECIMAL(10,2), INTEGER[]).
  size_t start = *i;
  int depth = 0;
  bool quoted = false;
  for (; *i < s.size(); ++*i) {
    char c = s[*i];
    if (quoted) {
      if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '(') ++depth;
    else if (c == ')') {
      if (depth == 0) break;
      --depth;
    } else if (c == ',' && depth == 0) {
      break;
    }
  }
  out->type = std::string(s.substr(start, *i - start));
  while (!out->type.empty() && out->type.back() == ' ') out->type.pop_back();
  return true;
}

bool HasTimestamp(const TypeNode& t) {
  if (t.type == "TIMESTAMP WITH TIME ZONE" || t.type == "TIMESTAMP") return true;
  for (const TypeNode& f : t.fields)
    if (HasTimestamp(f)) return true;
  return false;
}

// `expr` (of type `t`) with every timestamp rendered as Delta writes it in JSON stats
// (PROTOCOL.md "Per-file Statistics"; what delta-spark writes): "2021-01-01T00:00:00.000Z"
// for timestamp (UTC), "2021-01-01T00:00:00.000" for timestamp_ntz. DuckDB's to_json would
// render "2021-01-01 00:00:00[+00]".
std::string IsoTimestamps(const std::string& expr, const TypeNode& t) {
  if (t.type == "TIMESTAMP WITH TIME ZONE")
    return "strftime(timezone('UTC', " + expr + "), '%Y-%m-%dT%H:%M:%S.%gZ')";
  if (t.type == "TIMESTAMP") return "strftime(" + expr + ", '%Y-%m-%dT%H:%M:%S.%g')";
  if (t.type != "STRUCT" || !HasTimestamp(t)) return expr;
  std::string out = "CASE WHEN " + expr + " IS NULL THEN NULL ELSE struct_pack(";
  for (size_t k = 0; k < t.fields.size(); ++k) {
    if (k) out += ", ";
    const TypeNode& f = t.fields[k];
    out += engine::QuoteIdent(f.name) + " := " +
           IsoTimestamps(expr + "." + engine::QuoteIdent(f.name), f);
  }
  return out + ") END";
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
  std::string add_stats_iso;  // add.stats_parsed with ISO timestamps, when it has any
  for (size_t r = 0; r < desc->row_count(); ++r) {
    std::string_view name = desc->GetString(0, r);
    for (const ActionColumn& c : kActionColumns)
      if (EqualsIgnoreCase(name, c.column)) present.emplace_back(name);
    if (EqualsIgnoreCase(name, "add")) {
      TypeNode add;
      size_t i = 0;
      std::string type(desc->GetString(1, r));
      if (ParseType(type, &i, &add)) {
        for (const TypeNode& f : add.fields) {
          if (f.name == "stats_parsed" && HasTimestamp(f)) {
            add_stats_iso = IsoTimestamps(engine::QuoteIdent(std::string(name)) + ".stats_parsed", f);
          }
        }
      }
    }
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
    std::string json = "to_json(" + q + ")";
    if (std::string_view(c.column) == "add" && !add_stats_iso.empty()) {
      // Replace stats_parsed by its ISO-timestamp rendering (a merge patch: same keys).
      json = "json_merge_patch(" + json + ", json_object('stats_parsed', " + add_stats_iso + "))";
    }
    expr += "CASE WHEN " + q + "." + engine::QuoteIdent(c.required_field) +
            " IS NOT NULL THEN '{\"" + std::string(c.column) + "\":' || CAST(" + json +
            " AS VARCHAR) || '}' END";
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
