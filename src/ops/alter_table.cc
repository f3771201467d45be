// ALTER TABLE: schema evolution as metadata-only commits.
#include "ops/alter_table.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include "engine/duckdb_engine.h"
#include "lake/scan.h"
#include "lake/table.h"
#include "lake/transaction.h"
#include "lake/write.h"
#include "log/action_json.h"
#include "log/snapshot_builder.h"
#include "txn/commit_writer.h"
#include "util/ascii.h"
#include "write/data_writer.h"
#include "util/json_writer.h"

namespace lake {
namespace {

std::string JsonStr(const std::string& s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

// "a.b", "`a.b`.c" -> path parts. Stops at the first unquoted whitespace; *rest gets the text
// after it.
Result<std::vector<std::string>> SplitPath(std::string_view text, std::string_view* rest) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::string cur;
  bool any = false;
  while (i < text.size()) {
    char c = text[i];
    if (c == '`' || c == '"') {
      char q = c;
      ++i;
      while (true) {
        if (i >= text.size()) return Status::InvalidArgument("unterminated quoted column name");
        if (text[i] == q) {
          if (i + 1 < text.size() && text[i + 1] == q) {
            cur.push_back(q);
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        cur.push_back(text[i++]);
      }
      any = true;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) break;
    if (c == '.') {
      if (!any) return Status::InvalidArgument("empty part in column path '" + std::string(text) + "'");
      parts.push_back(cur);
      cur.clear();
      any = false;
      ++i;
      continue;
    }
    cur.push_back(c);
    any = true;
    ++i;
  }
  if (!any) return Status::InvalidArgument("expected a column name in '" + std::string(text) + "'");
  parts.push_back(cur);
  if (rest) *rest = text.substr(i);
  return parts;
}

std::string JoinPath(const std::vector<std::string>& p, size_t n = std::string::npos) {
  std::string out;
  for (size_t i = 0; i < p.size() && i < n; ++i) out += (i ? "." : "") + p[i];
  return out;
}

int FindIndex(const std::vector<StructField>& fields, const std::string& name) {
  int found = -1;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return static_cast<int>(i);
    if (AsciiLower(fields[i].name) == AsciiLower(name)) found = static_cast<int>(i);
  }
  return found;
}

// Calls fn(parent field list, index of the last part (-1 when absent)) on the struct that holds
// path's last part, copying the types along the path (they are shared and immutable).
Status EditAt(std::vector<StructField>* fields, const std::vector<std::string>& path, size_t depth,
              const std::function<Status(std::vector<StructField>*, int)>& fn) {
  if (depth + 1 == path.size()) return fn(fields, FindIndex(*fields, path[depth]));
  int i = FindIndex(*fields, path[depth]);
  if (i < 0) return Status::InvalidArgument("no column '" + JoinPath(path, depth + 1) + "'");
  StructField& f = (*fields)[static_cast<size_t>(i)];
  if (!f.type->IsStruct()) {
    return Status::InvalidArgument("column '" + JoinPath(path, depth + 1) + "' is " +
                                   f.type->ToString() + ", not a struct");
  }
  auto t = std::make_shared<DataType>(*f.type);
  LAKE_RETURN_IF_ERROR(EditAt(&t->fields, path, depth + 1, fn));
  f.type = t;
  return Status::OK();
}

int64_t MaxColumnId(const std::map<std::string, std::string>& conf) {
  auto it = conf.find("delta.columnMapping.maxColumnId");
  if (it == conf.end()) return 0;
  try {
    return std::stoll(it->second);
  } catch (...) {
    return 0;
  }
}

std::string MappingMode(const std::map<std::string, std::string>& conf) {
  auto it = conf.find("delta.columnMapping.mode");
  return it == conf.end() ? "none" : AsciiLower(it->second);
}

// Walks every StructField (nested in structs, arrays and maps), copying types on the way.
void ForEachField(std::vector<StructField>* fields, const std::function<void(StructField*)>& fn);

DataTypePtr MapType(const DataTypePtr& t, const std::function<void(StructField*)>& fn) {
  switch (t->kind) {
    case DataType::Kind::kStruct: {
      auto c = std::make_shared<DataType>(*t);
      ForEachField(&c->fields, fn);
      return c;
    }
    case DataType::Kind::kArray: {
      auto c = std::make_shared<DataType>(*t);
      c->element = MapType(t->element, fn);
      return c;
    }
    case DataType::Kind::kMap: {
      auto c = std::make_shared<DataType>(*t);
      c->key = MapType(t->key, fn);
      c->value = MapType(t->value, fn);
      return c;
    }
    default:
      return t;
  }
}

void ForEachField(std::vector<StructField>* fields, const std::function<void(StructField*)>& fn) {
  for (auto& f : *fields) {
    fn(&f);
    f.type = MapType(f.type, fn);
  }
}


// Every feature a protocol has (explicit or implied by legacy versions): {writer, reader}.
std::pair<std::set<std::string>, std::set<std::string>> Features(const Protocol& p) {
  std::set<std::string> w, r;
  if (p.min_writer_version >= 7) {
    if (p.writer_features) w.insert(p.writer_features->begin(), p.writer_features->end());
  } else {
    for (const auto& [f, v] : write::LegacyFeatures())
      if (p.min_writer_version >= v.second) w.insert(f);
  }
  if (p.min_reader_version >= 3) {
    if (p.reader_features) r.insert(p.reader_features->begin(), p.reader_features->end());
  } else if (p.min_reader_version >= 2) {
    r.insert("columnMapping");
  }
  return {w, r};
}

struct Alter {
  std::shared_ptr<Table> table;
  std::unique_ptr<Transaction> txn;
  std::shared_ptr<const Snapshot> snap;
  Schema schema;
  Metadata md;
  Protocol protocol;
};

Result<Alter> Begin(const std::string& uri) {
  Alter a;
  LAKE_ASSIGN_OR_RETURN(a.table, Table::Open(uri));
  LAKE_ASSIGN_OR_RETURN(a.txn, Transaction::Start(a.table));
  a.snap = a.txn->read_snapshot();
  if (!a.snap) return Status::NotFound("no Delta table at " + uri);
  a.schema = a.snap->schema();
  a.md = a.snap->metadata();
  a.protocol = a.snap->protocol();
  return a;
}

bool SameProtocol(const Protocol& a, const Protocol& b) {
  return a.min_reader_version == b.min_reader_version &&
         a.min_writer_version == b.min_writer_version && a.reader_features == b.reader_features &&
         a.writer_features == b.writer_features;
}

Result<AlterResult> Finish(Alter& a, const std::string& op, const std::string& params,
                           std::string summary) {
  a.md.schema_string = SchemaToJson(a.schema);
  // Re-parse: the snapshot of the next version is built from this text.
  LAKE_RETURN_IF_ERROR(ParseSchema(a.md.schema_string).status());
  a.txn->SetMetadata(a.md);
  if (!SameProtocol(a.protocol, a.snap->protocol())) a.txn->SetProtocol(a.protocol);
  a.txn->SetOperation(op, params);
  LAKE_ASSIGN_OR_RETURN(CommitResult c, a.txn->Commit());
  AlterResult r;
  r.version = c.version;
  r.summary = std::move(summary);
  return r;
}

std::string Params(std::initializer_list<std::pair<std::string, std::string>> kv) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [k, v] : kv) w.Key(k).String(v);
  w.EndObject();
  return w.Take();
}

bool IsPartition(const Alter& a, const std::vector<std::string>& path) {
  if (path.size() != 1) return false;
  for (const auto& p : a.md.partition_columns)
    if (AsciiLower(p) == AsciiLower(path[0])) return true;
  return false;
}

int IntRank(const DataType& t) {
  if (t.kind != DataType::Kind::kPrimitive) return 0;
  if (t.name == "byte") return 1;
  if (t.name == "short") return 2;
  if (t.name == "integer") return 3;
  if (t.name == "long") return 4;
  return 0;
}

}  // namespace

namespace alter {

std::string SetMetadataKey(const std::string& md_json, const std::string& key,
                           const std::string& raw_value) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  JsonWriter w;
  w.BeginObject();
  bool set = false;
  std::string text = md_json.empty() ? "{}" : md_json;
  if (parser.parse(text).get(o) == simdjson::SUCCESS) {
    for (auto [k, v] : o) {
      if (k == key) {
        if (!raw_value.empty()) w.Key(key).Raw(raw_value);
        set = true;
      } else {
        w.Key(std::string(k)).Raw(simdjson::minify(v));
      }
    }
  }
  if (!set && !raw_value.empty()) w.Key(key).Raw(raw_value);
  w.EndObject();
  return w.Take();
}

std::string RemoveMetadataKey(const std::string& md_json, const std::string& key) {
  return SetMetadataKey(md_json, key, "");
}

std::string TypeWideningFeature(const Protocol& p) {
  auto [w, r] = Features(p);
  (void)r;
  return w.count("typeWidening-preview") && !w.count("typeWidening") ? "typeWidening-preview"
                                                                     : "typeWidening";
}

void AddFeature(Protocol* p, const std::string& feature, bool reader_writer) {
  auto [w, r] = Features(*p);
  if (w.count(feature) && (!reader_writer || r.count(feature))) return;
  auto legacy = write::LegacyFeatures().find(feature);
  if (p->min_writer_version < 7 && legacy != write::LegacyFeatures().end()) {
    p->min_reader_version = std::max(p->min_reader_version, legacy->second.first);
    p->min_writer_version = std::max(p->min_writer_version, legacy->second.second);
    return;
  }
  if (p->min_writer_version < 7 && feature == "columnMapping") return;  // handled above
  // Table features: list every feature the protocol had, plus this one.
  w.insert(feature);
  if (reader_writer) r.insert(feature);
  p->min_writer_version = 7;
  p->writer_features = std::vector<std::string>(w.begin(), w.end());
  bool needs_reader_features = false;
  for (const auto& f : r) needs_reader_features |= f != "columnMapping";
  if (needs_reader_features) {
    p->min_reader_version = 3;
    p->reader_features = std::vector<std::string>(r.begin(), r.end());
  } else if (p->min_reader_version >= 3) {
    p->reader_features = std::vector<std::string>(r.begin(), r.end());
  } else if (r.count("columnMapping")) {
    p->min_reader_version = std::max(p->min_reader_version, 2);
    p->reader_features.reset();
  }
}

void AssignMapping(StructField* f, std::map<std::string, std::string>* conf) {
  int64_t max_id = MaxColumnId(*conf);
  std::vector<StructField> one{*f};
  ForEachField(&one, [&](StructField* g) {
    g->field_id = ++max_id;
    g->physical_name = "col-" + txn::NewUuid();
    g->metadata = alter::SetMetadataKey(g->metadata, "delta.columnMapping.id",
                                        std::to_string(*g->field_id));
    g->metadata = alter::SetMetadataKey(g->metadata, "delta.columnMapping.physicalName",
                                        JsonStr(*g->physical_name));
  });
  *f = one[0];
  (*conf)["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
}

void EnableColumnMapping(Schema* schema, std::map<std::string, std::string>* conf, Protocol* p) {
  if (MappingMode(*conf) != "none") return;
  int64_t max_id = MaxColumnId(*conf);
  // Ids already present (e.g. from an earlier mapping) must not be reused.
  ForEachField(&schema->fields, [&](StructField* g) {
    if (g->field_id) max_id = std::max(max_id, *g->field_id);
  });
  ForEachField(&schema->fields, [&](StructField* g) {
    if (!g->field_id) {
      g->field_id = ++max_id;
      g->metadata = SetMetadataKey(g->metadata, "delta.columnMapping.id",
                                   std::to_string(*g->field_id));
    }
    if (!g->physical_name) {
      g->physical_name = g->name;  // as Delta does on upgrade: the data files keep their names
      g->metadata = SetMetadataKey(g->metadata, "delta.columnMapping.physicalName",
                                   JsonStr(g->name));
    }
  });
  (*conf)["delta.columnMapping.mode"] = "name";
  (*conf)["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
  AddFeature(p, "columnMapping", true);
}

Status CheckWidening(const DataType& from, const DataType& to, const std::string& column) {
  auto refuse = [&](const std::string& why) {
    return Status::InvalidArgument(
        "column '" + column + "': cannot change type " + from.ToString() + " to " + to.ToString() +
        ": " + why +
        " (type widening allows byte->short->integer->long, float->double, byte/short/integer->"
        "double, decimal(p,s)->decimal(p+k1,s+k2) with k1>=k2>=0, integers->decimal wide "
        "enough, date->timestamp_ntz; for other changes rewrite the table: lake write TABLE "
        "--mode overwrite --overwrite-schema --query 'SELECT ..., CAST(" + column + " AS ...)')");
  };
  if (from.ToString() == to.ToString()) return Status::InvalidArgument("column '" + column + "' is already " + to.ToString());
  int fr = IntRank(from), tr = IntRank(to);
  if (fr && tr) {
    if (tr > fr) return Status::OK();
    return refuse("narrowing an integer type can lose values");
  }
  if (from.kind == DataType::Kind::kPrimitive && to.kind == DataType::Kind::kPrimitive) {
    if (from.name == "float" && to.name == "double") return Status::OK();
    if (fr && fr <= 3 && to.name == "double") return Status::OK();
    if (from.name == "date" && to.name == "timestamp_ntz") return Status::OK();
    return refuse("not a widening change");
  }
  if (from.kind == DataType::Kind::kDecimal && to.kind == DataType::Kind::kDecimal) {
    int k1 = to.precision - from.precision, k2 = to.scale - from.scale;
    if (k2 < 0) return refuse("the scale cannot decrease");
    if (k1 < k2) return refuse("the precision must grow by at least as much as the scale");
    return Status::OK();
  }
  if (from.kind == DataType::Kind::kArray && to.kind == DataType::Kind::kArray)
    return CheckWidening(*from.element, *to.element, column + ".element");
  if (from.kind == DataType::Kind::kMap && to.kind == DataType::Kind::kMap) {
    if (from.key->ToString() != to.key->ToString()) return refuse("map keys cannot change type");
    return CheckWidening(*from.value, *to.value, column + ".value");
  }
  if (fr && to.kind == DataType::Kind::kDecimal) {
    static const int kDigits[] = {0, 3, 5, 10, 20};
    if (to.precision - to.scale >= kDigits[fr]) return Status::OK();
    return refuse(from.ToString() + " needs decimal(" + std::to_string(kDigits[fr]) +
                  "+k,k) to hold every value");
  }
  return refuse("not a widening change");
}

namespace {
void CollectTypeChanges(const DataType& from, const DataType& to, const std::string& path,
                        std::vector<std::string>* out) {
  if (from.ToString() == to.ToString()) return;
  auto sub = [&](const char* part) { return path.empty() ? std::string(part) : path + "." + part; };
  if (from.kind == DataType::Kind::kArray && to.kind == DataType::Kind::kArray)
    return CollectTypeChanges(*from.element, *to.element, sub("element"), out);
  if (from.kind == DataType::Kind::kMap && to.kind == DataType::Kind::kMap) {
    CollectTypeChanges(*from.key, *to.key, sub("key"), out);
    return CollectTypeChanges(*from.value, *to.value, sub("value"), out);
  }
  std::string e =
      "{\"fromType\":" + JsonStr(from.ToString()) + ",\"toType\":" + JsonStr(to.ToString());
  if (!path.empty()) e += ",\"fieldPath\":" + JsonStr(path);
  out->push_back(e + "}");
}
}  // namespace

std::string AppendTypeChanges(const std::string& md_json, const DataType& from,
                              const DataType& to) {
  std::vector<std::string> entries;
  CollectTypeChanges(from, to, "", &entries);
  if (entries.empty()) return md_json;
  std::string items;
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  simdjson::dom::array existing;
  if (parser.parse(md_json.empty() ? std::string("{}") : md_json).get(o) == simdjson::SUCCESS &&
      o["delta.typeChanges"].get(existing) == simdjson::SUCCESS) {
    for (auto e : existing) items += (items.empty() ? "" : ",") + std::string(simdjson::minify(e));
  }
  for (const auto& e : entries) items += (items.empty() ? "" : ",") + e;
  return SetMetadataKey(md_json, "delta.typeChanges", "[" + items + "]");
}

}  // namespace alter

// --- operations ----------------------------------------------------------------------------------

Result<AlterResult> AddColumn(const std::string& uri, std::string_view column_ddl,
                              const std::string& after) {
  std::string_view rest;
  LAKE_ASSIGN_OR_RETURN(auto path, SplitPath(column_ddl, &rest));
  std::string leaf = path.back();
  std::string quoted = "\"";
  for (char c : leaf) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  quoted += "\" ";
  auto parsed = ParseSchemaDDL(quoted + std::string(rest));
  if (!parsed.ok()) return parsed.status().WithContext("add-column '" + std::string(column_ddl) + "'");
  if (parsed->fields.size() != 1)
    return Status::InvalidArgument("add-column takes one column (\"name TYPE [NOT NULL] [COMMENT '...']\")");
  StructField nf = parsed->fields[0];
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  if (!nf.nullable && !a.snap->files().empty()) {
    return Status::InvalidArgument("add-column '" + JoinPath(path) +
                                   "': NOT NULL columns can only be added to an empty table "
                                   "(existing rows would read NULL); add it nullable");
  }
  if (MappingMode(a.md.configuration) != "none") alter::AssignMapping(&nf, &a.md.configuration);
  std::string full = JoinPath(path);
  LAKE_RETURN_IF_ERROR(EditAt(&a.schema.fields, path, 0, [&](std::vector<StructField>* fields, int idx) {
    if (idx >= 0)
      return Status::AlreadyExists("column '" + full + "' already exists (as '" +
                                   (*fields)[static_cast<size_t>(idx)].name + "')");
    size_t pos = fields->size();
    if (!after.empty()) {
      int ai = FindIndex(*fields, after);
      if (ai < 0) return Status::InvalidArgument("--after: no column '" + after + "' next to '" + full + "'");
      pos = static_cast<size_t>(ai) + 1;
    }
    fields->insert(fields->begin() + static_cast<std::ptrdiff_t>(pos), nf);
    return Status::OK();
  }));
  // Types that need features.
  std::function<bool(const DataType&)> has_ntz = [&](const DataType& t) -> bool {
    if (t.kind == DataType::Kind::kPrimitive) return t.name == "timestamp_ntz";
    if (t.kind == DataType::Kind::kArray) return has_ntz(*t.element);
    if (t.kind == DataType::Kind::kMap) return has_ntz(*t.key) || has_ntz(*t.value);
    if (t.kind == DataType::Kind::kStruct)
      for (const auto& f : t.fields)
        if (has_ntz(*f.type)) return true;
    return false;
  };
  if (has_ntz(*nf.type)) alter::AddFeature(&a.protocol, "timestampNtz", true);
  JsonWriter cols;
  cols.BeginArray().BeginObject().Key("column").String(full).Key("type").String(nf.type->ToString());
  if (!after.empty()) cols.Key("position").String("AFTER " + after);
  cols.EndObject().EndArray();
  return Finish(a, "ADD COLUMNS", Params({{"columns", cols.str()}}),
                "added column '" + full + "' (" + nf.type->ToString() +
                    (nf.nullable ? "" : " NOT NULL") + ")");
}

Result<AlterResult> RenameColumn(const std::string& uri, const std::string& old_name,
                                 const std::string& new_name) {
  LAKE_ASSIGN_OR_RETURN(auto path, SplitPath(old_name, nullptr));
  std::string_view rest;
  LAKE_ASSIGN_OR_RETURN(auto npath, SplitPath(new_name, &rest));
  std::string target = npath.back();
  if (npath.size() > 1 && npath.size() != path.size())
    return Status::InvalidArgument("rename-column: NEW is a name, not a path (renaming cannot move a field)");
  if (target.empty()) return Status::InvalidArgument("rename-column: empty new name");
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  alter::EnableColumnMapping(&a.schema, &a.md.configuration, &a.protocol);
  std::string old_spelling;
  LAKE_RETURN_IF_ERROR(EditAt(&a.schema.fields, path, 0, [&](std::vector<StructField>* fields, int idx) {
    if (idx < 0) return Status::InvalidArgument("rename-column: no column '" + JoinPath(path) + "'");
    int clash = FindIndex(*fields, target);
    if (clash >= 0 && clash != idx)
      return Status::AlreadyExists("rename-column: column '" + (*fields)[static_cast<size_t>(clash)].name +
                                   "' already exists (names are case-insensitive)");
    old_spelling = (*fields)[static_cast<size_t>(idx)].name;
    (*fields)[static_cast<size_t>(idx)].name = target;
    return Status::OK();
  }));
  if (IsPartition(a, path)) {
    for (auto& p : a.md.partition_columns)
      if (AsciiLower(p) == AsciiLower(path[0])) p = target;
  }
  return Finish(a, "RENAME COLUMN", Params({{"oldColumnPath", JoinPath(path)}, {"newColumnPath", target}}),
                "renamed column '" + JoinPath(path) + "' to '" + target + "'");
}

Result<AlterResult> DropColumn(const std::string& uri, const std::string& name) {
  LAKE_ASSIGN_OR_RETURN(auto path, SplitPath(name, nullptr));
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  if (IsPartition(a, path))
    return Status::InvalidArgument("drop-column: '" + JoinPath(path) + "' is a partition column");
  alter::EnableColumnMapping(&a.schema, &a.md.configuration, &a.protocol);
  LAKE_RETURN_IF_ERROR(EditAt(&a.schema.fields, path, 0, [&](std::vector<StructField>* fields, int idx) {
    if (idx < 0) return Status::InvalidArgument("drop-column: no column '" + JoinPath(path) + "'");
    if (fields->size() == 1)
      return Status::InvalidArgument("drop-column: '" + JoinPath(path) +
                                     "' is the only field of its struct; drop the struct instead");
    fields->erase(fields->begin() + idx);
    return Status::OK();
  }));
  size_t data_cols = a.schema.fields.size() - a.md.partition_columns.size();
  if (data_cols == 0)
    return Status::InvalidArgument("drop-column: a table needs at least one non-partition column");
  JsonWriter cols;
  cols.BeginArray().String(JoinPath(path)).EndArray();
  return Finish(a, "DROP COLUMNS", Params({{"columns", cols.str()}}),
                "dropped column '" + JoinPath(path) + "' (data files are not rewritten)");
}

Result<AlterResult> ChangeColumnType(const std::string& uri, const std::string& column,
                                     std::string_view new_type_ddl) {
  LAKE_ASSIGN_OR_RETURN(auto path, SplitPath(column, nullptr));
  LAKE_ASSIGN_OR_RETURN(DataTypePtr to, ParseTypeDDL(new_type_ddl));
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  std::string from_s;
  LAKE_RETURN_IF_ERROR(EditAt(&a.schema.fields, path, 0, [&](std::vector<StructField>* fields, int idx) {
    if (idx < 0) return Status::InvalidArgument("change-type: no column '" + JoinPath(path) + "'");
    StructField& f = (*fields)[static_cast<size_t>(idx)];
    LAKE_RETURN_IF_ERROR(alter::CheckWidening(*f.type, *to, JoinPath(path)));
    from_s = f.type->ToString();
    f.metadata = alter::AppendTypeChanges(f.metadata, *f.type, *to);
    f.type = to;
    return Status::OK();
  }));
  alter::AddFeature(&a.protocol, alter::TypeWideningFeature(a.protocol), true);
  // Also inside arrays and maps (array<date> -> array<timestamp_ntz>).
  if (to->ToString().find("timestamp_ntz") != std::string::npos)
    alter::AddFeature(&a.protocol, "timestampNtz", true);
  return Finish(a, "CHANGE COLUMN",
                Params({{"column", JoinPath(path)}, {"fromType", from_s}, {"toType", to->ToString()}}),
                "changed column '" + JoinPath(path) + "' from " + from_s + " to " + to->ToString() +
                    " (existing files are read with the new type)");
}

namespace {

bool ConfTrue(const std::map<std::string, std::string>& conf, const std::string& key) {
  auto it = conf.find(key);
  return it != conf.end() && AsciiLower(it->second) == "true";
}

bool IsConflict(const Status& s) { return s.code() == StatusCode::kConflict; }

// PROTOCOL.md "Row Tracking": supported = writer version 7 with rowTracking (which requires
// domainMetadata, for the high-water mark) in writerFeatures.
bool RowTrackingSupported(const Protocol& p) {
  return p.min_writer_version == 7 && p.HasWriterFeature("rowTracking") &&
         p.HasWriterFeature("domainMetadata");
}

// A file's row ids are baseRowId + its physical row position (PROTOCOL.md "Row IDs"), so the
// backfill must know how many rows each file has; lake does not open files to count them.
Status RequireNumRecords(const Snapshot& snap) {
  for (const AddFile& f : snap.files()) {
    if (f.base_row_id) continue;
    auto n = log::NumRecordsFromStats(f.stats);
    if (!n || *n < 0) {
      return Status::InvalidArgument(
          "delta.enableRowTracking=true: file '" + f.path +
          "' has no numRecords statistic, which the backfill needs to give its rows a baseRowId "
          "range (lake does not count the rows of existing files); nothing was committed. "
          "Rewrite the files without statistics (e.g. lake write --mode overwrite) first");
    }
  }
  return Status::OK();
}

std::string ProtocolJson(const Protocol& p) {
  JsonWriter w;
  log::WriteProtocolJson(w, p);
  return w.Take();
}

struct BackfillProgress {
  int64_t upgrade_version = -1;
  int64_t files = 0;  // files re-added by backfill commits
  std::vector<int64_t> backfill_versions;
  int conflicts = 0;
};

// Steps 1 and 2 of enabling row tracking (see SetProperties in alter_table.h): returns once the
// newest snapshot supports row tracking and every live file has a baseRowId. Every step starts
// from the newest snapshot, so a conflict or an earlier interrupted run only means less to do.
Status PrepareRowTracking(const std::shared_ptr<Table>& table,
                          const std::map<std::string, std::string>& props,
                          const RowTrackingEnableOptions& o, BackfillProgress* pr) {
  auto conflict = [&](const Status& s, const std::string& step) -> Status {
    if (IsConflict(s) && ++pr->conflicts < o.max_conflicts) return Status::OK();
    return s.WithContext("enabling row tracking: " + step);
  };
  for (;;) {
    LAKE_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snap, table->LatestSnapshot());
    std::map<std::string, std::string> conf = snap->metadata().configuration;
    for (const auto& [k, v] : props) conf[k] = v;
    // PROTOCOL.md "Row Tracking": delta.rowTrackingSuspended should not be true together with
    // delta.enableRowTracking, and while it is, writers assign no ids (nothing to backfill with).
    if (ConfTrue(conf, "delta.rowTrackingSuspended")) {
      return Status::InvalidArgument(
          "delta.enableRowTracking=true: the table sets delta.rowTrackingSuspended=true, which "
          "must not be true while row tracking is enabled (PROTOCOL.md \"Row Tracking\"); unset "
          "it first");
    }
    LAKE_RETURN_IF_ERROR(RequireNumRecords(*snap));
    if (!RowTrackingSupported(snap->protocol())) {
      // Commit 1: the protocol only. Writers that read an older version conflict with it
      // (ProtocolChanged), so every file committed after it gets row ids from its own writer.
      Protocol p = snap->protocol();
      alter::AddFeature(&p, "domainMetadata", false);
      alter::AddFeature(&p, "rowTracking", false);
      LAKE_ASSIGN_OR_RETURN(auto txn, Transaction::Start(table, snap));
      txn->SetProtocol(p);
      txn->SetOperation("UPGRADE PROTOCOL", Params({{"newProtocol", ProtocolJson(p)}}));
      auto c = txn->Commit();
      if (!c.ok()) {
        LAKE_RETURN_IF_ERROR(conflict(c.status(), "protocol upgrade"));
        continue;
      }
      pr->upgrade_version = c->version;
      continue;
    }
    std::vector<const AddFile*> todo;
    for (const AddFile& f : snap->files())
      if (!f.base_row_id) todo.push_back(&f);
    if (todo.empty()) return Status::OK();
    if (todo.size() > std::max<size_t>(o.max_files_per_commit, 1))
      todo.resize(std::max<size_t>(o.max_files_per_commit, 1));
    // Commit 2..: re-add each file unchanged but for dataChange=false; the transaction assigns
    // baseRowId above the high-water mark, defaultRowCommitVersion and the new mark (an add of
    // a live (path, deletion vector) replaces it, PROTOCOL.md "Action Reconciliation"). Reading
    // the files makes a concurrent remove or re-add of one of them a conflict.
    LAKE_ASSIGN_OR_RETURN(auto txn, Transaction::Start(table, snap));
    for (const AddFile* f : todo) {
      txn->ReadFile(*f);
      AddFile a = *f;
      a.data_change = false;
      txn->AddFile(std::move(a));
    }
    JsonWriter metrics;
    metrics.BeginObject().Key("numFiles").String(std::to_string(todo.size())).EndObject();
    txn->SetOperation("ROW TRACKING BACKFILL",
                      Params({{"batchId", std::to_string(pr->backfill_versions.size())}}),
                      metrics.Take());
    if (o.before_backfill_commit) o.before_backfill_commit();
    auto c = txn->Commit();
    if (!c.ok()) {
      LAKE_RETURN_IF_ERROR(conflict(c.status(), "backfill of baseRowId"));
      continue;
    }
    pr->files += static_cast<int64_t>(todo.size());
    pr->backfill_versions.push_back(c->version);
  }
}

// One SET TBLPROPERTIES commit. `enabling_rt` (not null): delta.enableRowTracking goes from not
// true to true, and PrepareRowTracking has run; a file without baseRowId in the snapshot read here
// (a writer that ignored the feature) makes it a Conflict, so that the caller backfills again.
// `dry_run`: every check, no commit (and no baseRowId check: the backfill has not run yet).
Result<AlterResult> SetPropertiesOnce(const std::string& uri,
                                      const std::map<std::string, std::string>& props,
                                      const RowTrackingEnableOptions* enabling_rt,
                                      bool dry_run = false) {
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  std::map<std::string, std::string> others;
  for (const auto& [k, v] : props) {
    if (k == "delta.columnMapping.mode") {
      std::string m = AsciiLower(v);
      std::string cur = MappingMode(a.md.configuration);
      if (m == cur) continue;
      if (m == "name" && cur == "none") {
        alter::EnableColumnMapping(&a.schema, &a.md.configuration, &a.protocol);
        continue;
      }
      return Status::Unsupported("delta.columnMapping.mode: lake can only change 'none' to 'name' (now '" + cur + "')");
    }
    if (k == "delta.columnMapping.maxColumnId")
      return Status::InvalidArgument("delta.columnMapping.maxColumnId is managed by lake");
    if (k == "delta.rowTracking.materializedRowIdColumnName" ||
        k == "delta.rowTracking.materializedRowCommitVersionColumnName")
      // PROTOCOL.md "Writer Requirements for Row Tracking": the names must stay unique in all
      // future versions; files already hold values under them.
      return Status::InvalidArgument(k + " is managed by row tracking and cannot be set");
    others[k] = v;
  }
  // Features the new settings need (MinimumProtocol of the non-mapping settings).
  std::map<std::string, std::string> conf = a.md.configuration;
  for (const auto& [k, v] : others) conf[k] = v;
  if (enabling_rt) {
    // PROTOCOL.md "Row IDs": every file of the version that sets delta.enableRowTracking=true
    // has a baseRowId. A concurrent append after this snapshot conflicts with the metadata
    // change, so checking the snapshot read is enough.
    for (const AddFile& f : a.snap->files()) {
      if (!f.base_row_id && !dry_run)
        return Status::Conflict("file '" + f.path + "' has no baseRowId yet (a concurrent commit)");
    }
    if (ConfTrue(conf, "delta.rowTrackingSuspended"))
      return Status::InvalidArgument(
          "delta.enableRowTracking=true together with delta.rowTrackingSuspended=true");
    LAKE_RETURN_IF_ERROR(write::AssignMaterializedRowTrackingColumns(a.schema, &conf));
  }
  std::map<std::string, std::string> for_min;
  for (const auto& [k, v] : conf)
    if (k.rfind("delta.columnMapping.", 0) != 0 && k.rfind("delta.constraints.", 0) != 0) for_min[k] = v;
  Schema plain;  // the schema's features are already in the protocol
  LAKE_ASSIGN_OR_RETURN(Protocol need, MinimumProtocol(plain, for_min));
  auto [nw, nr] = Features(need);
  for (const auto& f : nw) alter::AddFeature(&a.protocol, f, nr.count(f) > 0);
  a.md.configuration = conf;
  JsonWriter pw;
  pw.BeginObject();
  for (const auto& [k, v] : props) pw.Key(k).String(v);
  pw.EndObject();
  if (dry_run) return AlterResult{};
  if (enabling_rt && enabling_rt->before_final_commit) enabling_rt->before_final_commit();
  return Finish(a, "SET TBLPROPERTIES", Params({{"properties", pw.str()}}),
                "set " + std::to_string(props.size()) + " propert" + (props.size() == 1 ? "y" : "ies"));
}

}  // namespace

Result<AlterResult> SetProperties(const std::string& uri,
                                  const std::map<std::string, std::string>& props) {
  return SetProperties(uri, props, RowTrackingEnableOptions{});
}

Result<AlterResult> SetProperties(const std::string& uri,
                                  const std::map<std::string, std::string>& props,
                                  const RowTrackingEnableOptions& row_tracking) {
  auto it = props.find("delta.enableRowTracking");
  if (it == props.end() || AsciiLower(it->second) != "true")
    return SetPropertiesOnce(uri, props, nullptr);
  LAKE_ASSIGN_OR_RETURN(auto table, Table::Open(uri));
  {
    LAKE_ASSIGN_OR_RETURN(auto snap, table->LatestSnapshot());
    const auto& cur = snap->metadata().configuration;
    if (ConfTrue(cur, "delta.enableRowTracking")) {
      // Already enabled (e.g. a re-run after success): nothing to backfill; commit only when
      // another property changes.
      bool same = true;
      for (const auto& [k, v] : props) {
        auto c = cur.find(k);
        same &= c != cur.end() && (c->second == v || (k == it->first && ConfTrue(cur, k)));
      }
      if (!same) return SetPropertiesOnce(uri, props, nullptr);
      AlterResult r;
      r.version = snap->version();
      r.summary = "delta.enableRowTracking is already true; nothing to change";
      return r;
    }
  }
  // Every refusal of the final commit (bad or managed properties, ...) before the first commit.
  LAKE_RETURN_IF_ERROR(SetPropertiesOnce(uri, props, &row_tracking, /*dry_run=*/true).status());
  BackfillProgress pr;
  for (;;) {
    LAKE_RETURN_IF_ERROR(PrepareRowTracking(table, props, row_tracking, &pr));
    auto r = SetPropertiesOnce(uri, props, &row_tracking);
    if (!r.ok()) {
      if (IsConflict(r.status()) && ++pr.conflicts < row_tracking.max_conflicts) continue;
      return r.status().WithContext("enabling row tracking");
    }
    std::string steps;
    if (pr.upgrade_version >= 0)
      steps += "protocol upgraded at version " + std::to_string(pr.upgrade_version);
    if (!pr.backfill_versions.empty()) {
      steps += (steps.empty() ? "" : "; ") + std::string("baseRowId backfilled for ") +
               std::to_string(pr.files) + " file" + (pr.files == 1 ? "" : "s") + " in " +
               std::to_string(pr.backfill_versions.size()) + " commit" +
               (pr.backfill_versions.size() == 1 ? "" : "s") + " (versions " +
               std::to_string(pr.backfill_versions.front()) + ".." +
               std::to_string(pr.backfill_versions.back()) + ")";
    }
    if (!steps.empty()) r->summary += " (" + steps + ")";
    return r;
  }
}

Result<AlterResult> UnsetProperties(const std::string& uri, const std::vector<std::string>& keys) {
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  for (const auto& k : keys) {
    if (k.rfind("delta.columnMapping.", 0) == 0)
      return Status::Unsupported(k + ": column mapping cannot be removed by lake");
    if (k.rfind("delta.rowTracking.materialized", 0) == 0)
      return Status::InvalidArgument(k + " is managed by row tracking and cannot be removed");
    if (!a.md.configuration.erase(k))
      return Status::InvalidArgument("unset-property: the table has no property '" + k + "'");
  }
  JsonWriter kw;
  kw.BeginArray();
  for (const auto& k : keys) kw.String(k);
  kw.EndArray();
  return Finish(a, "UNSET TBLPROPERTIES", Params({{"properties", kw.str()}}),
                "unset " + std::to_string(keys.size()) + " propert" + (keys.size() == 1 ? "y" : "ies"));
}

Result<AlterResult> SetTableComment(const std::string& uri, const std::string& comment) {
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  if (comment.empty()) a.md.description.reset();
  else a.md.description = comment;
  return Finish(a, "SET TBLPROPERTIES", Params({{"comment", comment}}), "set the table comment");
}

Result<AlterResult> SetColumnDefault(const std::string& uri, const std::string& column,
                                     const std::string& default_sql) {
  LAKE_ASSIGN_OR_RETURN(auto path, SplitPath(column, nullptr));
  if (path.size() != 1) return Status::Unsupported("set-default: top-level columns only");
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  if (!default_sql.empty()) {
    // The expression must evaluate (constant-ish SQL, e.g. 0, 'n/a', current_date).
    LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
    LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
    auto r = conn->Query("SELECT (" + default_sql + ")");
    if (!r.ok()) return r.status().WithContext("set-default '" + default_sql + "'");
  }
  LAKE_RETURN_IF_ERROR(EditAt(&a.schema.fields, path, 0, [&](std::vector<StructField>* fields, int idx) {
    if (idx < 0) return Status::InvalidArgument("set-default: no column '" + JoinPath(path) + "'");
    StructField& f = (*fields)[static_cast<size_t>(idx)];
    f.metadata = default_sql.empty() ? alter::RemoveMetadataKey(f.metadata, "CURRENT_DEFAULT")
                                     : alter::SetMetadataKey(f.metadata, "CURRENT_DEFAULT", JsonStr(default_sql));
    return Status::OK();
  }));
  if (!default_sql.empty()) alter::AddFeature(&a.protocol, "allowColumnDefaults", false);
  return Finish(a, "CHANGE COLUMN", Params({{"column", JoinPath(path)}, {"default", default_sql}}),
                "set the default of column '" + JoinPath(path) + "' to " +
                    (default_sql.empty() ? std::string("none") : default_sql));
}

Result<AlterResult> SetColumnComment(const std::string& uri, const std::string& column,
                                     const std::string& comment) {
  LAKE_ASSIGN_OR_RETURN(auto path, SplitPath(column, nullptr));
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  LAKE_RETURN_IF_ERROR(EditAt(&a.schema.fields, path, 0, [&](std::vector<StructField>* fields, int idx) {
    if (idx < 0) return Status::InvalidArgument("comment: no column '" + JoinPath(path) + "'");
    StructField& f = (*fields)[static_cast<size_t>(idx)];
    f.metadata = comment.empty() ? alter::RemoveMetadataKey(f.metadata, "comment")
                                 : alter::SetMetadataKey(f.metadata, "comment", JsonStr(comment));
    return Status::OK();
  }));
  return Finish(a, "CHANGE COLUMN", Params({{"column", JoinPath(path)}, {"comment", comment}}),
                "set the comment of column '" + JoinPath(path) + "'");
}

Result<AlterResult> AddConstraint(const std::string& uri, const std::string& name,
                                  const std::string& expr) {
  if (name.empty() || expr.empty())
    return Status::InvalidArgument("add-constraint needs a name and an expression");
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  for (const auto& [k, v] : a.md.configuration) {
    if (AsciiLower(k) == AsciiLower("delta.constraints." + name))
      return Status::AlreadyExists("constraint '" + name + "' already exists: " + v);
  }
  // Every existing row must satisfy it (this also checks the expression binds).
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  LAKE_ASSIGN_OR_RETURN(Scan plan, Scan::Plan(a.snap, ScanOptions{}));
  a.txn->ReadWholeTable();
  LAKE_ASSIGN_OR_RETURN(std::string sql, plan.ToSql(*conn));
  std::string bad = "NOT coalesce((" + expr + "), false)";
  auto r = conn->Query("SELECT count(*) FILTER (WHERE " + bad + "), CAST(any_value(__t) FILTER (WHERE " +
                       bad + ") AS VARCHAR) FROM (" + sql + ") AS __t");
  if (!r.ok()) return r.status().WithContext("constraint '" + name + "' (" + expr + ")");
  int64_t n = r->GetInt64(0, 0);
  if (n > 0) {
    return Status::InvalidArgument(
        "cannot add CHECK constraint '" + name + "' (" + expr + "): " + std::to_string(n) +
        (n == 1 ? " existing row violates" : " existing rows violate") + " it, e.g. " +
        (r->IsNull(1, 0) ? std::string("?") : std::string(r->GetString(1, 0))));
  }
  a.md.configuration["delta.constraints." + AsciiLower(name)] = expr;
  alter::AddFeature(&a.protocol, "checkConstraints", false);
  return Finish(a, "ADD CONSTRAINT", Params({{"name", name}, {"expr", expr}}),
                "added CHECK constraint '" + name + "' (" + expr + ")");
}

Result<AlterResult> DropConstraint(const std::string& uri, const std::string& name) {
  LAKE_ASSIGN_OR_RETURN(Alter a, Begin(uri));
  std::string key;
  for (const auto& [k, v] : a.md.configuration)
    if (AsciiLower(k) == AsciiLower("delta.constraints." + name)) key = k;
  if (key.empty()) return Status::InvalidArgument("the table has no CHECK constraint '" + name + "'");
  a.md.configuration.erase(key);
  return Finish(a, "DROP CONSTRAINT", Params({{"name", name}}),
                "dropped CHECK constraint '" + name + "'");
}

}  // namespace lake
