#include "log/checkpoint_reader.h"

#include "storage/location.h"

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
    if (c == '"')
      quoted = true;
    else if (c == '(')
      ++depth;
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
    out += engine::QuoteIdent(f.name) +
           " := " + IsoTimestamps(expr + "." + engine::QuoteIdent(f.name), f);
  }
  return out + ") END";
}

// The add actions of a checkpoint, read as typed columns straight into AddFiles: rendering
// each add as JSON in DuckDB and parsing it back costs about 4x more (the add column is
// nearly all of a checkpoint). Field by field the same as ParseAdd reads the JSON form;
// nested fields (partitionValues, deletionVector, tags, stats_parsed) come as their JSON text.
Status ReadTypedAdds(engine::Connection& conn, const std::string& source, const std::string& col,
                     const TypeNode& add, const std::string& stats_iso, ActionVisitor& visitor,
                     const std::string& what) {
  auto has = [&](std::string_view f) {
    for (const TypeNode& n : add.fields)
      if (n.name == f) return true;
    return false;
  };
  const std::string q = engine::QuoteIdent(col);
  auto field = [&](std::string_view f) { return q + "." + engine::QuoteIdent(std::string(f)); };
  enum Col {
    kPath,
    kSize,
    kMtime,
    kDataChange,
    kStats,
    kPv,
    kDv,
    kTags,
    kBaseRowId,
    kDrcv,
    kCp,
    kN
  };
  std::string select[kN];
  select[kPath] = "CAST(" + field("path") + " AS VARCHAR)";
  select[kSize] = has("size") ? "CAST(" + field("size") + " AS BIGINT)" : "NULL";
  select[kMtime] =
      has("modificationTime") ? "CAST(" + field("modificationTime") + " AS BIGINT)" : "NULL";
  select[kDataChange] = has("dataChange") ? "CAST(" + field("dataChange") + " AS BOOLEAN)" : "NULL";
  // stats; else stats_parsed (PROTOCOL.md "Checkpoint Schema": struct stats when JSON stats are
  // off), with timestamps rendered as in JSON stats.
  std::string parsed;
  if (has("stats_parsed")) {
    parsed =
        "CAST(to_json(" + (stats_iso.empty() ? field("stats_parsed") : stats_iso) + ") AS VARCHAR)";
  }
  if (has("stats") && !parsed.empty()) {
    select[kStats] =
        "COALESCE(NULLIF(CAST(" + field("stats") + " AS VARCHAR), ''), " + parsed + ")";
  } else if (has("stats")) {
    select[kStats] = "CAST(" + field("stats") + " AS VARCHAR)";
  } else {
    select[kStats] = parsed.empty() ? "NULL" : parsed;
  }
  auto json = [&](std::string_view f) {
    return has(f) ? "CAST(to_json(" + field(f) + ") AS VARCHAR)" : std::string("NULL");
  };
  select[kPv] = json("partitionValues");
  select[kDv] = json("deletionVector");
  select[kTags] = json("tags");
  select[kBaseRowId] = has("baseRowId") ? "CAST(" + field("baseRowId") + " AS BIGINT)" : "NULL";
  select[kDrcv] = has("defaultRowCommitVersion")
                      ? "CAST(" + field("defaultRowCommitVersion") + " AS BIGINT)"
                      : "NULL";
  select[kCp] =
      has("clusteringProvider") ? "CAST(" + field("clusteringProvider") + " AS VARCHAR)" : "NULL";
  std::string sql = "SELECT ";
  for (int c = 0; c < kN; ++c) sql += (c ? ", " : "") + select[c];
  sql += " FROM " + source + " WHERE " + field("path") + " IS NOT NULL";
  auto rows = conn.Query(sql);
  if (!rows.ok()) {
    return Status::Corruption("cannot read checkpoint " + what + ": " + rows.status().message());
  }
  PartitionValuesCache* cache = visitor.partition_cache();
  AddFile local;
  for (size_t r = 0; r < rows->row_count(); ++r) {
    AddFile* a = visitor.AddSlot();
    if (!a) {
      local = AddFile();
      a = &local;
    }
    auto str = [&](int c) { return rows->GetString(c, r); };
    Status st;
    a->path.assign(str(kPath));
    if (a->path.empty()) st = Status::Corruption("malformed action: add without a path");
    if (!rows->IsNull(kSize, r)) a->size = rows->GetInt64(kSize, r);
    if (!rows->IsNull(kMtime, r)) a->modification_time = rows->GetInt64(kMtime, r);
    if (!rows->IsNull(kDataChange, r)) a->data_change = rows->GetBool(kDataChange, r);
    if (!rows->IsNull(kStats, r)) a->stats.assign(str(kStats));
    if (st.ok() && !rows->IsNull(kPv, r))
      st = ParsePartitionValuesJson(str(kPv), &a->partition_values, cache);
    if (st.ok() && !rows->IsNull(kDv, r))
      st = ParseDeletionVectorJson(str(kDv), &a->deletion_vector);
    if (!rows->IsNull(kTags, r)) a->mutable_extras().tags.assign(str(kTags));
    if (!rows->IsNull(kBaseRowId, r)) a->base_row_id = rows->GetInt64(kBaseRowId, r);
    if (!rows->IsNull(kDrcv, r)) {
      a->mutable_extras().default_row_commit_version = rows->GetInt64(kDrcv, r);
    }
    if (!rows->IsNull(kCp, r) && !str(kCp).empty()) {
      a->mutable_extras().clustering_provider.assign(str(kCp));
    }
    if (st.ok()) st = visitor.OnAdd(*a);
    if (!st.ok()) {
      return Status(st.code(),
                    "checkpoint " + what + " add " + std::to_string(r + 1) + ": " + st.message());
    }
  }
  return Status::OK();
}

}  // namespace

Status ReadParquetActions(ObjectStore& store, const std::vector<std::string>& keys,
                          ActionVisitor& visitor, const std::vector<uint64_t>& sizes) {
  if (keys.empty()) return Status::OK();
  std::vector<FetchItem> items;
  for (size_t i = 0; i < keys.size(); ++i) {
    items.push_back(FetchItem{&store, keys[i], i < sizes.size() ? sizes[i] : 0});
  }
  LAKE_ASSIGN_OR_RETURN(std::vector<std::string> paths, FetchLocalPaths(items, 8));
  std::string what =
      keys.size() == 1 ? keys[0] : keys[0] + " (+" + std::to_string(keys.size() - 1) + " parts)";
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  std::string source = "read_parquet(" + ParquetList(paths) + ", union_by_name=true)";

  // Which action columns does this checkpoint have? (Writers omit columns of actions they
  // never wrote, e.g. no domainMetadata or txn.)
  auto desc = conn->Query("DESCRIBE SELECT * FROM " + source);
  if (!desc.ok())
    return Status::Corruption("cannot read checkpoint " + what + ": " + desc.status().message());
  std::vector<std::string> present;
  std::string add_stats_iso;  // add.stats_parsed with ISO timestamps, when it has any
  std::string add_col;        // the add column's name, when its type parsed as a STRUCT
  TypeNode add_type;
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
            add_stats_iso =
                IsoTimestamps(engine::QuoteIdent(std::string(name)) + ".stats_parsed", f);
          }
        }
        bool has_path = false;
        for (const TypeNode& f : add.fields) has_path |= f.name == "path";
        if (add.type == "STRUCT" && has_path) {
          add_col = std::string(name);
          add_type = std::move(add);
        }
      }
    }
  }
  if (present.empty()) {
    return Status::Corruption("checkpoint " + what + " has no action columns");
  }
  if (!add_col.empty()) {
    LAKE_RETURN_IF_ERROR(
        ReadTypedAdds(*conn, source, add_col, add_type, add_stats_iso, visitor, what));
  }
  std::string expr = "COALESCE(";
  bool first = true;
  for (const ActionColumn& c : kActionColumns) {
    std::string col;
    for (const std::string& p : present)
      if (EqualsIgnoreCase(p, c.column)) col = p;
    if (col.empty() || (!add_col.empty() && col == add_col)) continue;
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
  if (first) return Status::OK();  // the adds were all there is
  std::string where;
  if (!add_col.empty()) {
    where = " WHERE " + engine::QuoteIdent(add_col) + ".path IS NULL";  // read above
  }
  auto rows = conn->Query("SELECT " + expr + " FROM " + source + where);
  if (!rows.ok()) {
    return Status::Corruption("cannot read checkpoint " + what + ": " + rows.status().message());
  }
  for (size_t r = 0; r < rows->row_count(); ++r) {
    if (rows->IsNull(0, r)) continue;
    Status st = ParseActionLine(rows->GetString(0, r), visitor);
    if (!st.ok()) {
      return Status(st.code(),
                    "checkpoint " + what + " row " + std::to_string(r + 1) + ": " + st.message());
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
    std::vector<uint64_t> sizes;
    for (const LogFile& f : cp.parts) {
      keys.push_back(f.key);
      sizes.push_back(f.size);
    }
    LAKE_RETURN_IF_ERROR(ReadParquetActions(store, keys, collector, sizes));
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
