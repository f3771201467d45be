// CreateTable, WriteBuilder, sources and protocol selection.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <thread>
#include <cstdio>
#include <cstdlib>

#include <simdjson.h>
#include <unistd.h>

#include "engine/duckdb_engine.h"
#include "lake/predicate.h"
#include "lake/scan.h"
#include "lake/write.h"
#include "ops/optimize.h"
#include "txn/commit_writer.h"
#include "write/data_writer.h"
#include "write/identity.h"
#include "write/remote_files.h"

#include "lake/transaction.h"
#include "ops/alter_table.h"
#include "scan/deletion_vector.h"
#include "scan/scan_sql.h"
#include "storage/location.h"
#include "util/ascii.h"
#include "util/json_writer.h"
#include "util/percent_encoding.h"
#include "util/system.h"

namespace lake {
namespace {

bool EndsWith(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

bool HasType(const DataType& t, const std::string& name) {
  switch (t.kind) {
    case DataType::Kind::kPrimitive: return t.name == name;
    case DataType::Kind::kDecimal: return false;
    case DataType::Kind::kArray: return HasType(*t.element, name);
    case DataType::Kind::kMap: return HasType(*t.key, name) || HasType(*t.value, name);
    case DataType::Kind::kStruct:
      for (const auto& f : t.fields)
        if (HasType(*f.type, name)) return true;
      return false;
  }
  return false;
}

bool SchemaHasType(const Schema& s, const std::string& name) {
  for (const auto& f : s.fields)
    if (HasType(*f.type, name)) return true;
  return false;
}

bool MetadataHas(const std::vector<StructField>& fields, const std::string& key) {
  for (const auto& f : fields) {
    if (f.metadata.find("\"" + key) != std::string::npos) return true;
    if (f.type->IsStruct() && MetadataHas(f.type->fields, key)) return true;
  }
  return false;
}

bool IsTrue(const std::map<std::string, std::string>& conf, const std::string& key) {
  auto it = conf.find(key);
  return it != conf.end() && AsciiLower(it->second) == "true";
}

// Reader-writer features lake can keep correct while writing (appending and removing whole files).
const std::set<std::string>& ReaderWriterFeatures() {
  static const std::set<std::string> k = {"timestampNtz",         "deletionVectors", "v2Checkpoint",
                                          "vacuumProtocolCheck",  "columnMapping",   "typeWidening",
                                          "typeWidening-preview", "variantType"};
  return k;
}
// Writer features lake can honour.
const std::set<std::string>& SupportedWriterFeatures() {
  static const std::set<std::string> k = {
      "appendOnly",        "invariants",       "changeDataFeed",       "timestampNtz",
      "deletionVectors",   "v2Checkpoint",     "vacuumProtocolCheck",  "domainMetadata",
      "inCommitTimestamp", "checkConstraints", "generatedColumns",     "identityColumns",
      "columnMapping",     "typeWidening",     "typeWidening-preview", "allowColumnDefaults",
      "rowTracking"};
  return k;
}

// Refuses writes lake would get wrong on an existing table.
Status CheckWritable(const Snapshot& snap, WriteMode mode, bool replace_where) {
  const Protocol& p = snap.protocol();
  if (p.min_writer_version > 7) {
    return Status::Unsupported("table needs writer version " + std::to_string(p.min_writer_version) +
                               "; lake writes up to 7");
  }
  if (p.writer_features) {
    for (const auto& f : *p.writer_features) {
      if (!SupportedWriterFeatures().count(f))
        return Status::Unsupported("table uses writer feature '" + f + "', which lake cannot write yet");
    }
  }
  const auto& conf = snap.metadata().configuration;
  // Column mapping (name / id): the data writer writes physical names, field ids and
  // physically keyed statistics and partition values. Row tracking: the transaction assigns
  // baseRowId / defaultRowCommitVersion from the files' numRecords (always in lake's stats);
  // appends and overwrites copy no rows, so there are no stable ids to preserve.
  if (IsTrue(conf, "delta.enableRowTracking") && !p.HasWriterFeature("rowTracking")) {
    return Status::Unsupported(
        "table sets delta.enableRowTracking but its protocol lacks the rowTracking writer "
        "feature (PROTOCOL.md \"Row Tracking\", Enablement)");
  }
  // CHECK constraints, invariants and generated columns are enforced by the data writer (rules),
  // identity columns by WriteBuilder (write/identity.h).
  if (SchemaHasType(snap.schema(), "variant") || SchemaHasType(snap.schema(), "void"))
    return Status::Unsupported("lake cannot write variant or void columns");
  if (IsTrue(conf, "delta.appendOnly") && (mode == WriteMode::kOverwrite || replace_where)) {
    return Status::InvalidArgument("table is append-only (delta.appendOnly=true): overwrite refused");
  }
  return Status::OK();
}

std::string RandomUuid() { return txn::NewUuid(); }

// Crash tests: with LAKE_TEST_PAUSE_BEFORE_COMMIT=<file>, a write whose data files are in
// place creates <file> and sleeps (up to 60 s) before committing, so a test can SIGKILL it at
// exactly that point. Unset (always, outside tests) this does nothing.
void PauseBeforeCommitForTests() {
  const char* marker = std::getenv("LAKE_TEST_PAUSE_BEFORE_COMMIT");
  if (!marker || !*marker) return;
  if (FILE* f = std::fopen(marker, "w")) std::fclose(f);
  std::this_thread::sleep_for(std::chrono::seconds(60));
}

// Legacy column invariants (delta.invariants: {"expression": {"expression": SQL}}) of `fields`
// and of struct fields below them, at any depth: the SQL names nested fields by their path
// ("s.a > 0"), which DuckDB evaluates over the struct columns as is.
Status AppendInvariants(const std::vector<StructField>& fields, const std::string& prefix,
                        std::vector<write::DataWriteOptions::Rule>* rules) {
  for (const auto& f : fields) {
    std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    if (f.type->IsStruct()) LAKE_RETURN_IF_ERROR(AppendInvariants(f.type->fields, path, rules));
    if (f.metadata.find("\"delta.invariants\"") == std::string::npos) continue;
    simdjson::dom::parser parser;
    simdjson::dom::object md;
    std::string_view inv;
    if (parser.parse(f.metadata).get(md) != simdjson::SUCCESS ||
        md["delta.invariants"].get(inv) != simdjson::SUCCESS)
      return Status::Unsupported("column '" + path + "': unreadable delta.invariants in " +
                                 f.metadata);
    simdjson::dom::parser p2;
    simdjson::dom::element e;
    std::string_view expr;
    if (p2.parse(inv.data(), inv.size()).get(e) != simdjson::SUCCESS ||
        e["expression"]["expression"].get(expr) != simdjson::SUCCESS)
      return Status::Unsupported("column '" + path + "': unreadable delta.invariants " +
                                 std::string(inv));
    rules->push_back(
        {"invariant on '" + path + "' (" + std::string(expr) + ")", std::string(expr)});
  }
  return Status::OK();
}

// The data-quality rules of a table: CHECK constraints (delta.constraints.*), legacy column
// invariants (top-level and nested) and generated columns (delta.generationExpression: the
// column must equal the expression; computed when omitted), plus column defaults.
Status TableRules(const Schema& schema, const std::map<std::string, std::string>& conf,
                  std::vector<write::DataWriteOptions::Rule>* rules,
                  std::map<std::string, std::string>* generated) {
  for (const auto& [k, v] : conf) {
    if (k.rfind("delta.constraints.", 0) == 0)
      rules->push_back({"CHECK constraint " + k.substr(18) + " (" + v + ")", v});
  }
  LAKE_RETURN_IF_ERROR(AppendInvariants(schema.fields, "", rules));
  for (const auto& f : schema.fields) {
    // Delta (Spark) defines generated columns on top-level columns only.
    if (f.type->IsStruct() && MetadataHas(f.type->fields, "delta.generationExpression")) {
      return Status::Unsupported("column '" + f.name +
                                 "' has generated fields inside a struct; lake computes and "
                                 "verifies generated columns at the top level only");
    }
    if (f.metadata.size() <= 2) continue;
    simdjson::dom::parser parser;
    simdjson::dom::object md;
    if (parser.parse(f.metadata).get(md) != simdjson::SUCCESS) continue;
    std::string_view def;
    if (md["CURRENT_DEFAULT"].get(def) == simdjson::SUCCESS) {
      // Column defaults (allowColumnDefaults): used when the source lacks the column.
      (*generated)[f.name] = std::string(def);
    }
    std::string_view gen;
    if (md["delta.generationExpression"].get(gen) == simdjson::SUCCESS) {
      std::string g(gen);
      (*generated)[f.name] = g;
      rules->push_back({"generated column '" + f.name + "' = " + g,
                        engine::QuoteIdent(f.name) + " IS NOT DISTINCT FROM (" + g + ")"});
    }
  }
  return Status::OK();
}

Status ValidatePartitionColumns(const Schema& schema, std::vector<std::string>* cols) {
  std::set<std::string> seen;
  for (auto& c : *cols) {
    const StructField* f = schema.FindCaseInsensitive(c);
    if (!f) return Status::InvalidArgument("partition column '" + c + "' is not in the schema");
    if (f->type->kind != DataType::Kind::kPrimitive && f->type->kind != DataType::Kind::kDecimal)
      return Status::InvalidArgument("partition column '" + c + "' must be of a primitive type, not " +
                                     f->type->ToString());
    if (f->type->name == "binary")
      return Status::InvalidArgument("partition column '" + c + "' is binary; lake cannot partition by binary");
    c = f->name;  // schema spelling
    if (!seen.insert(AsciiLower(c)).second)
      return Status::InvalidArgument("partition column '" + c + "' is listed twice");
  }
  if (cols->size() >= schema.fields.size() && !schema.fields.empty())
    return Status::InvalidArgument("a table needs at least one column that is not a partition column");
  return Status::OK();
}

Status ValidateNewSchema(const Schema& schema) {
  if (schema.fields.empty()) return Status::InvalidArgument("a table needs at least one column");
  std::set<std::string> seen;
  for (const auto& f : schema.fields) {
    if (!seen.insert(AsciiLower(f.name)).second)
      return Status::InvalidArgument("duplicate column '" + f.name + "' (names are case-insensitive)");
    for (char c : f.name) {
      if (c == ',' || c == ';' || c == '{' || c == '}' || c == '(' || c == ')' || c == '\n' ||
          c == '\t' || c == '=') {
        return Status::InvalidArgument("column name '" + f.name +
                                       "' has characters Delta only allows with column mapping "
                                       "(\" ,;{}()\\n\\t=\")");
      }
    }
  }
  if (SchemaHasType(schema, "variant") || SchemaHasType(schema, "void"))
    return Status::Unsupported("lake cannot create tables with variant or void columns");
  return Status::OK();
}

// The source vs the table: extra source columns, NOT NULL table columns the source lacks, and
// (with merge) source types that are a widening of the table's. Matching is case-insensitive;
// two source columns differing only by case are an error.
struct SchemaDiff {
  std::vector<const StructField*> extra;      // source fields the table lacks
  std::vector<std::string> missing_not_null;  // table columns
  std::vector<std::pair<size_t, const StructField*>> widen;  // table index, source field
  std::vector<std::string> mismatched;        // "c: table integer, source string" (info only)
};

Result<SchemaDiff> DiffSchemas(const Schema& table, const Schema& source) {
  SchemaDiff d;
  for (size_t i = 0; i < source.fields.size(); ++i) {
    for (size_t j = i + 1; j < source.fields.size(); ++j) {
      if (AsciiLower(source.fields[i].name) == AsciiLower(source.fields[j].name))
        return Status::InvalidArgument("the source has columns '" + source.fields[i].name + "' and '" +
                                       source.fields[j].name +
                                       "', which are ambiguous (column names are case-insensitive)");
    }
  }
  for (const auto& sf : source.fields) {
    const StructField* tf = table.FindCaseInsensitive(sf.name);
    if (!tf) {
      d.extra.push_back(&sf);
      continue;
    }
    if (tf->type->ToString() != sf.type->ToString()) {
      d.mismatched.push_back("'" + tf->name + "' (table " + tf->type->ToString() + ", source " +
                             sf.type->ToString() + ")");
      if (alter::CheckWidening(*tf->type, *sf.type, tf->name).ok())
        d.widen.push_back({static_cast<size_t>(tf - table.fields.data()), &sf});
    }
  }
  for (const auto& tf : table.fields) {
    if (!tf.nullable && !source.FindCaseInsensitive(tf.name)) d.missing_not_null.push_back(tf.name);
  }
  return d;
}

std::string JoinNames(const std::vector<const StructField*>& v) {
  std::string out;
  for (const auto* f : v) out += (out.empty() ? "'" : ", '") + f->name + "' (" + f->type->ToString() + ")";
  return out;
}
std::string JoinStrs(const std::vector<std::string>& v, bool quote) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + (quote ? "'" + s + "'" : s);
  return out;
}

}  // namespace

// --- sources -------------------------------------------------------------------------------------

Result<std::string> SourceSelectSql(const WriteSource& source) {
  if (source.path.empty() && source.query.empty())
    return Status::InvalidArgument("no source: give a file (--from) or a query (--query)");
  if (source.path.empty()) return source.query;
  std::string p = AsciiLower(source.path);
  for (const char* z : {".gz", ".zst", ".zstd"}) {
    if (EndsWith(p, z)) p.resize(p.size() - std::strlen(z));
  }
  std::string quoted = engine::QuoteString(source.path);
  std::string reader;
  if (EndsWith(p, ".csv") || EndsWith(p, ".tsv") || EndsWith(p, ".txt")) {
    reader = "read_csv(" + quoted + ")";
  } else if (EndsWith(p, ".json") || EndsWith(p, ".jsonl") || EndsWith(p, ".ndjson")) {
    reader = "read_json_auto(" + quoted + ")";
  } else if (EndsWith(p, ".parquet")) {
    reader = "read_parquet(" + quoted + ")";
  } else {
    return Status::InvalidArgument("cannot tell the format of '" + source.path +
                                   "' (use .csv, .tsv, .json, .jsonl, .ndjson or .parquet)");
  }
  if (source.query.empty()) return "SELECT * FROM " + reader;
  // The query reads the file as `source`.
  std::string q = source.query;
  size_t i = 0;
  while (i < q.size() && std::isspace(static_cast<unsigned char>(q[i]))) ++i;
  if (AsciiLower(q.substr(i, 5)) == "with " || AsciiLower(q.substr(i, 5)) == "with\n") {
    return "WITH source AS (SELECT * FROM " + reader + "), " + q.substr(i + 5);
  }
  return "WITH source AS (SELECT * FROM " + reader + ") " + q;
}

Result<Schema> SchemaFromSource(const WriteSource& source) {
  LAKE_ASSIGN_OR_RETURN(std::string sql, SourceSelectSql(source));
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  auto r = conn->Query("DESCRIBE (" + sql + ")");
  if (!r.ok()) return r.status().WithContext("reading the source");
  Schema s;
  for (size_t i = 0; i < r->row_count(); ++i) {
    StructField f;
    f.name = std::string(r->GetString(0, i));
    std::string type(r->GetString(1, i));
    auto t = ParseTypeDDL(type);
    if (!t.ok()) {
      return Status::InvalidArgument("source column '" + f.name + "' has type " + type +
                                     ", which Delta cannot hold; CAST it in --query");
    }
    f.type = *t;
    f.metadata = "{}";
    s.fields.push_back(std::move(f));
  }
  return s;
}

// --- protocol ------------------------------------------------------------------------------------

Result<Protocol> MinimumProtocol(const Schema& schema,
                                 const std::map<std::string, std::string>& conf) {
  std::set<std::string> features;
  if (SchemaHasType(schema, "timestamp_ntz")) features.insert("timestampNtz");
  if (IsTrue(conf, "delta.appendOnly")) features.insert("appendOnly");
  if (MetadataHas(schema.fields, "delta.identity.start")) features.insert("identityColumns");
  if (IsTrue(conf, "delta.enableChangeDataFeed")) features.insert("changeDataFeed");
  if (IsTrue(conf, "delta.enableDeletionVectors")) features.insert("deletionVectors");
  if (IsTrue(conf, "delta.enableInCommitTimestamps")) features.insert("inCommitTimestamp");
  if (auto it = conf.find("delta.checkpointPolicy"); it != conf.end() && it->second == "v2")
    features.insert("v2Checkpoint");
  if (auto it = conf.find("delta.columnMapping.mode");
      it != conf.end() && AsciiLower(it->second) != "none") {
    return Status::Unsupported("delta.columnMapping.mode '" + it->second +
                               "': lake cannot write column-mapped tables yet");
  }
  // PROTOCOL.md "Row Tracking", Enablement: writer feature rowTracking, which needs
  // domainMetadata (the high-water mark). Both are writer-only features.
  if (IsTrue(conf, "delta.enableRowTracking")) features.insert("rowTracking");
  for (const auto& [k, v] : conf) {
    if (k.rfind("delta.feature.", 0) == 0) {
      std::string f = k.substr(14);
      if (AsciiLower(v) != "supported" && AsciiLower(v) != "enabled")
        return Status::InvalidArgument(k + " must be 'supported', not '" + v + "'");
      if (!SupportedWriterFeatures().count(f) || f == "columnMapping")
        return Status::Unsupported("table feature '" + f + "' is not supported by lake's writer");
      features.insert(f);
    } else if (k.rfind("delta.constraints.", 0) == 0) {
      return Status::Unsupported("CHECK constraints are not supported by lake's writer yet");
    }
  }
  if (features.count("rowTracking")) features.insert("domainMetadata");
  Protocol p;
  bool table_features = false;
  int reader = 1, writer = 2;
  for (const auto& f : features) {
    auto it = write::LegacyFeatures().find(f);
    if (it == write::LegacyFeatures().end()) {
      table_features = true;
    } else {
      reader = std::max(reader, it->second.first);
      writer = std::max(writer, it->second.second);
    }
  }
  if (!table_features) {
    p.min_reader_version = reader;
    p.min_writer_version = writer;
    return p;
  }
  std::vector<std::string> rf, wf;
  for (const auto& f : features) {
    wf.push_back(f);
    if (ReaderWriterFeatures().count(f)) rf.push_back(f);
  }
  p.min_writer_version = 7;
  p.writer_features = wf;
  if (!rf.empty()) {
    p.min_reader_version = 3;
    p.reader_features = rf;
  } else {
    p.min_reader_version = 1;
  }
  return p;
}

Result<WriteMode> ParseWriteMode(std::string_view mode) {
  std::string m = AsciiLower(mode);
  if (m == "append") return WriteMode::kAppend;
  if (m == "overwrite") return WriteMode::kOverwrite;
  if (m == "error" || m == "errorifexists") return WriteMode::kError;
  if (m == "ignore") return WriteMode::kIgnore;
  return Status::InvalidArgument("unknown write mode '" + std::string(mode) +
                                 "' (use append, overwrite, error or ignore)");
}

const char* WriteModeName(WriteMode mode) {
  switch (mode) {
    case WriteMode::kAppend: return "Append";
    case WriteMode::kOverwrite: return "Overwrite";
    case WriteMode::kError: return "ErrorIfExists";
    case WriteMode::kIgnore: return "Ignore";
  }
  return "?";
}

// --- create / write (commit through lake::Transaction) ---------------------------------------------

namespace {

Result<Metadata> NewMetadata(const Schema& schema, const std::vector<std::string>& partition_columns,
                             const std::map<std::string, std::string>& properties,
                             const std::string& comment) {
  Metadata m;
  m.id = RandomUuid();
  if (!comment.empty()) m.description = comment;
  m.schema_string = SchemaToJson(schema);
  m.partition_columns = partition_columns;
  m.configuration = properties;
  m.created_time = NowMs();
  return m;
}

// A table object for `uri`, whether or not it has a log yet.
Result<std::shared_ptr<Table>> OpenForWrite(const std::string& uri) {
  return Table::OpenForCreate(uri);
}

std::string OperationParameters(WriteMode mode, const std::vector<std::string>& partition_by,
                                const std::string& predicate) {
  JsonWriter w;
  w.BeginObject().Key("mode").String(WriteModeName(mode));
  JsonWriter pb;
  pb.BeginArray();
  for (const auto& c : partition_by) pb.String(c);
  pb.EndArray();
  w.Key("partitionBy").String(pb.str());
  if (!predicate.empty()) {
    JsonWriter pr;
    pr.BeginArray().String(predicate).EndArray();
    w.Key("predicate").String(pr.str());
  }
  w.EndObject();
  return w.Take();
}

}  // namespace

namespace write {
bool WriterFeatureSupported(const std::string& feature) {
  return SupportedWriterFeatures().count(feature) > 0;
}

const std::map<std::string, std::pair<int, int>>& LegacyFeatures() {
  static const std::map<std::string, std::pair<int, int>> k = {
      {"appendOnly", {1, 2}},      {"invariants", {1, 2}},     {"checkConstraints", {1, 3}},
      {"changeDataFeed", {1, 4}},  {"generatedColumns", {1, 4}}, {"columnMapping", {2, 5}},
      {"identityColumns", {1, 6}}};
  return k;
}

Status AssignMaterializedRowTrackingColumns(const Schema& schema,
                                            std::map<std::string, std::string>* configuration) {
  auto& conf = *configuration;
  if (!conf.count(kMaterializedRowIdColumnKey))
    conf[kMaterializedRowIdColumnKey] = "_row-id-col-" + RandomUuid();
  if (!conf.count(kMaterializedRowCommitVersionColumnKey))
    conf[kMaterializedRowCommitVersionColumnKey] = "_row-commit-version-col-" + RandomUuid();
  const std::string& id_col = conf[kMaterializedRowIdColumnKey];
  const std::string& ver_col = conf[kMaterializedRowCommitVersionColumnKey];
  if (id_col.empty() || ver_col.empty() || AsciiLower(id_col) == AsciiLower(ver_col))
    return Status::InvalidArgument(std::string(kMaterializedRowIdColumnKey) + " and " +
                                   kMaterializedRowCommitVersionColumnKey +
                                   " must be two different, non-empty column names");
  const std::string mode = conf.count("delta.columnMapping.mode")
                               ? AsciiLower(conf.at("delta.columnMapping.mode"))
                               : std::string("none");
  for (const auto& f : schema.fields) {
    for (const std::string* c : {&id_col, &ver_col}) {
      if (AsciiLower(f.name) == AsciiLower(*c) ||
          AsciiLower(f.PhysicalName(mode)) == AsciiLower(*c))
        return Status::InvalidArgument("materialized row tracking column '" + *c +
                                       "' is also a column of the table");
    }
  }
  return Status::OK();
}
}  // namespace write

Result<CreateTableResult> CreateTable(const std::string& uri, const Schema& schema,
                                      const std::vector<std::string>& partition_columns,
                                      const std::map<std::string, std::string>& properties,
                                      const std::string& comment) {
  LAKE_RETURN_IF_ERROR(ValidateNewSchema(schema));
  std::vector<std::string> parts = partition_columns;
  LAKE_RETURN_IF_ERROR(ValidatePartitionColumns(schema, &parts));
  // Column mapping mode 'name' at creation: every field gets an id and a physical name.
  std::map<std::string, std::string> props = properties;
  std::optional<std::string> mapping;
  if (auto it = props.find("delta.columnMapping.mode"); it != props.end()) {
    mapping = AsciiLower(it->second);
    if (*mapping != "name" && *mapping != "none")
      return Status::Unsupported("delta.columnMapping.mode '" + it->second +
                                 "': lake creates tables with mode 'name' or 'none'");
    props.erase(it);
  }
  LAKE_ASSIGN_OR_RETURN(Protocol protocol, MinimumProtocol(schema, props));
  // Row tracking enabled at creation: the materialized row id / row commit version columns are
  // named now, as Spark does (PROTOCOL.md "Writer Requirements for Row Tracking": enabling needs
  // both names assigned; a new table has no file without baseRowId to backfill).
  if (IsTrue(props, "delta.enableRowTracking")) {
    LAKE_RETURN_IF_ERROR(write::AssignMaterializedRowTrackingColumns(schema, &props));
  }
  Schema mapped = schema;
  if (mapping && *mapping == "name") alter::EnableColumnMapping(&mapped, &props, &protocol);
  if (mapping && *mapping == "none") props["delta.columnMapping.mode"] = "none";
  LAKE_RETURN_IF_ERROR(write::CodecFor(properties).status());
  LAKE_RETURN_IF_ERROR(write::TargetFileSize(properties).status());
  LAKE_RETURN_IF_ERROR(write::StatsColumns(schema, parts, properties).status());
  LAKE_ASSIGN_OR_RETURN(auto table, OpenForWrite(uri));
  LAKE_ASSIGN_OR_RETURN(auto txn, Transaction::Start(table));
  if (txn->read_snapshot()) return Status::AlreadyExists("a Delta table already exists at " + uri);
  LAKE_ASSIGN_OR_RETURN(Metadata md, NewMetadata(mapped, parts, props, comment));
  CreateTableResult out;
  out.protocol = protocol;
  out.table_id = md.id;
  txn->SetProtocol(protocol);
  txn->SetMetadata(std::move(md));
  txn->SetOperation("CREATE TABLE", OperationParameters(WriteMode::kError, parts, ""));
  auto committed = txn->Commit();
  if (!committed.ok()) {
    if (committed.status().IsAlreadyExists())
      return Status::AlreadyExists("a Delta table already exists at " + uri);
    return committed.status();
  }
  out.version = committed->version;
  return out;
}

Result<WriteResult> WriteBuilder::Execute() {
  constexpr int kMaxAttempts = 10;
  for (int attempt = 1;; ++attempt) {
    bool retry = false;
    auto r = ExecuteOnce(&retry);
    if (r.ok() || !retry || r.status().code() != StatusCode::kConflict || attempt >= kMaxAttempts) {
      if (r.ok() && attempt > 1) r->attempts += attempt - 1;
      return r;
    }
    if (progress_) progress_("retrying the write after a conflict: " + r.status().message());
  }
}

Result<WriteResult> WriteBuilder::ExecuteOnce(bool* retry_on_conflict) {
  auto progress = [&](const std::string& m) {
    if (progress_) progress_(m);
  };
  if (!replace_where_.empty() && mode_ != WriteMode::kOverwrite)
    return Status::InvalidArgument("replace-where needs mode overwrite");
  LAKE_ASSIGN_OR_RETURN(std::string source_sql, SourceSelectSql(source_));
  LAKE_ASSIGN_OR_RETURN(auto table, OpenForWrite(uri_));
  LAKE_ASSIGN_OR_RETURN(auto txn, Transaction::Start(table));
  WriteResult res;
  const auto& snap = txn->read_snapshot();
  if (snap && mode_ == WriteMode::kError)
    return Status::AlreadyExists("table " + uri_ + " already exists (mode error)");
  if (snap && mode_ == WriteMode::kIgnore) {
    res.skipped = true;
    return res;
  }
  if (!app_id_.empty()) {
    if (app_version_ < 0) return Status::InvalidArgument("txn version must be >= 0");
    if (snap) {
      auto it = snap->app_transactions().find(app_id_);
      if (it != snap->app_transactions().end() && it->second.version >= app_version_) {
        res.skipped = true;
        res.version = snap->version();
        return res;
      }
    }
    txn->SetAppTransaction(app_id_, app_version_);
  }

  Schema schema;
  std::vector<std::string> parts;
  std::map<std::string, std::string> conf;
  if (snap) {
    LAKE_RETURN_IF_ERROR(CheckWritable(*snap, mode_, !replace_where_.empty()));
    schema = snap->schema();
    parts = snap->metadata().partition_columns;
    conf = snap->metadata().configuration;
    if (overwrite_schema_ && (mode_ != WriteMode::kOverwrite || !replace_where_.empty()))
      return Status::InvalidArgument("--overwrite-schema needs --mode overwrite (without replace-where)");
    // The source's schema (DESCRIBE). A source type Delta cannot name is left to the data
    // writer's casts unless the schema is to change.
    auto src_schema_r = SchemaFromSource(source_);
    if (!src_schema_r.ok() && (merge_schema_ || overwrite_schema_)) return src_schema_r.status();
    Schema src_schema = src_schema_r.ok() ? *src_schema_r : Schema{};
    if (overwrite_schema_) {
      // Replace the schema (and, when given, the partitioning) with the source's.
      LAKE_RETURN_IF_ERROR(ValidateNewSchema(src_schema));
      std::vector<std::string> new_parts = partition_by_.empty() ? parts : partition_by_;
      std::vector<std::string> kept;
      for (const auto& p : new_parts)
        if (src_schema.FindCaseInsensitive(p)) kept.push_back(p);
      if (partition_by_.empty()) new_parts = kept;
      LAKE_RETURN_IF_ERROR(ValidatePartitionColumns(src_schema, &new_parts));
      Metadata md = snap->metadata();
      Protocol proto = snap->protocol();
      if (snap->column_mapping_mode() != "none" && !snap->column_mapping_mode().empty()) {
        for (auto& f : src_schema.fields) alter::AssignMapping(&f, &md.configuration);
      }
      if (SchemaHasType(src_schema, "timestamp_ntz")) alter::AddFeature(&proto, "timestampNtz", true);
      schema = src_schema;
      parts = new_parts;
      conf = md.configuration;
      md.schema_string = SchemaToJson(schema);
      md.partition_columns = parts;
      txn->SetMetadata(md);
      if (proto.min_writer_version != snap->protocol().min_writer_version ||
          proto.min_reader_version != snap->protocol().min_reader_version ||
          proto.writer_features != snap->protocol().writer_features)
        txn->SetProtocol(proto);
    } else if (src_schema_r.ok()) {
      LAKE_ASSIGN_OR_RETURN(SchemaDiff diff, DiffSchemas(schema, src_schema));
      if (!merge_schema_) {
        if (!diff.extra.empty() || !diff.missing_not_null.empty()) {
          std::string msg = "the source does not match the table schema:";
          if (!diff.extra.empty()) msg += " extra source column(s) " + JoinNames(diff.extra) + ";";
          if (!diff.missing_not_null.empty())
            msg += " NOT NULL column(s) missing from the source " + JoinStrs(diff.missing_not_null, true) + ";";
          if (!diff.mismatched.empty())
            msg += " type differences (values are cast and checked) " + JoinStrs(diff.mismatched, false) + ";";
          msg += " use --merge-schema to add the extra columns, or --mode overwrite "
                 "--overwrite-schema to replace the schema";
          return Status::InvalidArgument(msg);
        }
      } else if (!diff.extra.empty() || !diff.widen.empty()) {
        Metadata md = snap->metadata();
        Protocol proto = snap->protocol();
        bool mapped = snap->column_mapping_mode() != "none" && !snap->column_mapping_mode().empty();
        for (const auto* sf : diff.extra) {
          StructField nf = *sf;
          nf.nullable = true;
          nf.metadata = "{}";
          if (mapped) alter::AssignMapping(&nf, &md.configuration);
          schema.fields.push_back(std::move(nf));
        }
        for (const auto& [idx, sf] : diff.widen) {
          StructField& tf = schema.fields[idx];
          tf.metadata = alter::AppendTypeChanges(tf.metadata, *tf.type, *sf->type);
          tf.type = sf->type;
          alter::AddFeature(&proto, alter::TypeWideningFeature(proto), true);
        }
        if (SchemaHasType(schema, "timestamp_ntz")) alter::AddFeature(&proto, "timestampNtz", true);
        LAKE_RETURN_IF_ERROR(ValidateNewSchema(schema));
        md.schema_string = SchemaToJson(schema);
        LAKE_ASSIGN_OR_RETURN(schema, ParseSchema(md.schema_string));
        conf = md.configuration;
        txn->SetMetadata(md);
        if (proto.min_writer_version != snap->protocol().min_writer_version ||
            proto.min_reader_version != snap->protocol().min_reader_version ||
            proto.writer_features != snap->protocol().writer_features)
          txn->SetProtocol(proto);
      }
    }
  } else {
    if (!replace_where_.empty())
      return Status::InvalidArgument("replace-where needs an existing table");
    LAKE_ASSIGN_OR_RETURN(schema, SchemaFromSource(source_));
    parts = partition_by_;
    conf = properties_;
    LAKE_RETURN_IF_ERROR(ValidateNewSchema(schema));
    LAKE_RETURN_IF_ERROR(ValidatePartitionColumns(schema, &parts));
    LAKE_ASSIGN_OR_RETURN(Protocol protocol, MinimumProtocol(schema, conf));
    // Row tracking enabled at creation: name the materialized columns (as CreateTable does).
    if (IsTrue(conf, "delta.enableRowTracking"))
      LAKE_RETURN_IF_ERROR(write::AssignMaterializedRowTrackingColumns(schema, &conf));
    LAKE_ASSIGN_OR_RETURN(Metadata md, NewMetadata(schema, parts, conf, ""));
    txn->SetProtocol(protocol);
    txn->SetMetadata(std::move(md));
    res.created = true;
  }
  std::shared_ptr<const Predicate> pred;
  if (!replace_where_.empty()) {
    auto p = ParsePredicate(replace_where_, schema);
    if (!p.ok()) return p.status().WithContext("replace-where");
    pred = *p;
  }

  // Local tables: DuckDB writes into the table directory (a staging folder, then renames).
  // Remote tables (s3://): DuckDB writes into a local staging directory outside the table
  // ($LAKE_HOME/tmp or $TMPDIR), laid out as the table; each file is then uploaded under its
  // final key (and entered into the file cache) before the commit.
  ObjectStore* store = table->store().get();
  LAKE_ASSIGN_OR_RETURN(write::LocalWriteRoot write_root, write::OpenLocalWriteRoot(*store));
  const bool remote = write_root.remote;
  const std::string& root = write_root.root;
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  write::DataWriteOptions opts;
  opts.source_sql = source_sql;
  opts.schema = &schema;
  opts.partition_columns = parts;
  opts.configuration = conf;
  opts.table_root_local = root;
  opts.require_predicate = replace_where_;
  opts.optimize_write = optimize_write_ || IsTrue(conf, "delta.autoOptimize.optimizeWrite");
  LAKE_RETURN_IF_ERROR(TableRules(schema, conf, &opts.rules, &opts.generated));
  // Identity columns: generated when the source leaves them out; explicit values only when the
  // column allows them (GENERATED BY DEFAULT), and then the mark moves past them.
  LAKE_ASSIGN_OR_RETURN(std::vector<write::IdentityColumn> identity,
                        write::IdentityColumns(schema));
  std::vector<const write::IdentityColumn*> generated_ids;
  std::map<std::string, int64_t> explicit_marks;  // column -> new high-water mark
  if (!identity.empty()) {
    *retry_on_conflict = true;
    LAKE_ASSIGN_OR_RETURN(Schema src, SchemaFromSource(source_));
    for (const auto& c : identity) {
      const StructField* sf = src.FindCaseInsensitive(c.name);
      if (!sf) {
        LAKE_ASSIGN_OR_RETURN(opts.generated[c.name], write::GeneratedValuesSql(c));
        generated_ids.push_back(&c);
        continue;
      }
      if (!c.allow_explicit_insert) {
        return Status::InvalidArgument(
            "column '" + c.name +
            "' is an identity column GENERATED ALWAYS "
            "(delta.identity.allowExplicitInsert is false): leave it out of the source and lake "
            "generates its values");
      }
      auto q = conn->Query(std::string("SELECT ") + (c.step > 0 ? "max" : "min") + "(TRY_CAST(" +
                           engine::QuoteIdent(sf->name) + " AS BIGINT)) FROM (" + source_sql +
                           ") AS __s");
      if (!q.ok()) return q.status().WithContext("reading explicit identity values");
      if (!q->IsNull(0, 0)) {
        if (auto m = write::HighWaterMarkCovering(c, q->GetInt64(0, 0)))
          explicit_marks[c.name] = *m;
      }
    }
  }
  if (!quarantine_.empty()) {
    // Bad rows (any rule, casts and NOT NULL included) go to the quarantine table first (its own
    // commit), then the good rows are committed here.
    std::string batch = txn->txn_id();
    opts.quarantine = [&, batch](const std::string& bad_sql, int64_t bad) -> Status {
      std::string qsql = "SELECT *, " + engine::QuoteString(batch) +
                         " AS _lake_batch, now() AS _lake_quarantined_at FROM (" + bad_sql +
                         ") AS __b";
      auto q = WriteBuilder(quarantine_).Source({"", qsql}).Mode(WriteMode::kAppend).MergeSchema().Execute();
      if (!q.ok())
        return q.status().WithContext("writing bad rows to quarantine table " + quarantine_);
      res.rows_quarantined = bad;
      *retry_on_conflict = false;  // a re-run would quarantine these rows a second time
      res.quarantine_version = q->version;
      progress("quarantined " + std::to_string(bad) + " row(s) in " + quarantine_ + " (version " +
               std::to_string(q->version) + ")");
      return Status::OK();
    };
  }
  opts.progress = progress_;
  LAKE_ASSIGN_OR_RETURN(write::DataWriteResult data, write::WriteDataFiles(*conn, opts));
  std::vector<AddFile> all_new = data.files;
  bool uploaded = false, commit_attempted = false;
  auto cleanup = [&](Status st) {
    // A commit whose outcome is unknown may have landed and reference these files: keep them
    // all, local and uploaded (orphans for vacuum at worst). (The staging directory of a
    // remote write goes anyway: its files are copies of the uploads.)
    if (commit_attempted && CommitOutcomeUnknown(st)) return st;
    write::DeleteDataFiles(root, all_new);
    if (uploaded) write::DeleteUploadedFiles(*store, all_new);
    return st;
  };

  int64_t now = NowMs();
  std::vector<RemoveFile> removes;
  if (snap && mode_ == WriteMode::kOverwrite) {
    if (replace_where_.empty()) {
      txn->ReadWholeTable();
      for (const auto& f : snap->files()) removes.push_back(RemoveFor(f, now));
    } else {
      txn->ReadPredicate(replace_where_);
      ScanOptions so;
      so.where = replace_where_;
      auto plan = Scan::Plan(snap, so);
      if (!plan.ok()) return cleanup(plan.status().WithContext("replace-where"));
      std::vector<const AddFile*> candidates = plan->files();
      for (const AddFile* f : candidates) {
        txn->ReadFile(*f);
        removes.push_back(RemoveFor(*f, now));
      }
      // Files that provably hold no row to keep need no rewrite. A row is kept when the
      // predicate is FALSE or NULL; without NULL literals and struct columns, NULL needs a NULL
      // in a referenced column, so "keep" = NOT (pred) OR c1 IS NULL OR ..., and the pruner
      // (sound under three-valued logic) skips files where that is never TRUE.
      std::vector<const AddFile*> to_rewrite = candidates;
      std::string canon = pred->ToString();
      for (const char* is : {"IS NOT NULL", "IS NULL"}) {
        for (size_t at; (at = canon.find(is)) != std::string::npos;) canon.erase(at, std::strlen(is));
      }
      bool simple = canon.find("NULL") == std::string::npos;
      std::string keep_sql = "(NOT (" + replace_where_ + "))";
      for (const auto& col : pred->ReferencedColumns()) {
        const StructField* f = schema.FindCaseInsensitive(col);
        if (!f || f->type->kind != DataType::Kind::kPrimitive) simple = false;
        keep_sql += " OR " + engine::QuoteIdent(col) + " IS NULL";
      }
      auto keep = simple ? ParsePredicate(keep_sql, schema)
                         : Result<std::shared_ptr<const Predicate>>(Status::Unsupported(""));
      if (keep.ok()) {
        auto pruner = FilePruner::Make(*keep, schema, parts, snap->column_mapping_mode());
        if (pruner.ok()) {
          to_rewrite.clear();
          for (const AddFile* f : candidates)
            if (pruner->Evaluate(*f) == SkipReason::kKept) to_rewrite.push_back(f);
        }
      }
      if (!to_rewrite.empty()) {
        // Keep the rows of candidate files that do not match: rewrite them.
        progress("rewriting rows of " + std::to_string(to_rewrite.size()) +
                 " file(s) that do not match the predicate");
        scan::ScanInput in;
        in.table_root_local = root;
        in.schema = &schema;
        in.partition_columns = parts;
        in.mapping_mode = snap->column_mapping_mode();
        in.files = to_rewrite;
        if (remote) {
          auto paths = write::FetchDataFiles(*store, to_rewrite);
          if (!paths.ok()) return cleanup(paths.status());
          in.local_paths = std::move(*paths);
        }
        in.where = "NOT coalesce((" + replace_where_ + "), false)";
        // Row tracking with the materialized columns named (always once enabled): the kept rows
        // are copied, so they keep their stable row ids and commit versions (PROTOCOL.md
        // "Writer Requirements for Row Tracking"; computed and written as OPTIMIZE does).
        {
          const auto& tc = opts.configuration;
          auto idn = tc.find(write::kMaterializedRowIdColumnKey);
          auto vn = tc.find(write::kMaterializedRowCommitVersionColumnKey);
          if (snap->protocol().HasWriterFeature("rowTracking") &&
              !IsTrue(tc, "delta.rowTrackingSuspended") && idn != tc.end() && vn != tc.end())
            in.row_tracking = scan::ScanInput::RowTrackingColumns{idn->second, vn->second};
        }
        auto store = table->store();
        auto keep_sql = scan::BuildScanSql(
            *conn, in, [store](const AddFile& f) -> Result<std::vector<uint64_t>> {
              return LoadDeletedRows(*store, *f.deletion_vector);
            });
        if (!keep_sql.ok()) return cleanup(keep_sql.status());
        // commitInfo tag delta.rowTracking.preserved: false when the copied rows lose their
        // stable ids (no materialized column names, or files without baseRowId).
        bool preserved = in.row_tracking.has_value();
        for (const AddFile* f : to_rewrite) preserved &= f->base_row_id.has_value();
        txn->SetRowTrackingPreserved(preserved);
        write::DataWriteOptions ko = opts;
        if (in.row_tracking)
          ko.hidden_columns = {in.row_tracking->row_id, in.row_tracking->row_commit_version};
        ko.source_sql = *keep_sql;
        ko.require_predicate.clear();
        ko.trusted_source = true;
        auto kept = write::WriteDataFiles(*conn, ko);
        if (!kept.ok()) return cleanup(kept.status().WithContext("rewriting kept rows"));
        res.rows_rewritten = kept->rows;
        for (auto& f : kept->files) all_new.push_back(f);
      }
    }
  } else if (snap) {
    // Blind append: reads nothing.
  }
  // The identity high-water marks move in the schema of this same commit (so a concurrent
  // identity writer conflicts with it, see Execute).
  if (!generated_ids.empty() || !explicit_marks.empty()) {
    bool changed = false;
    for (auto& f : schema.fields) {
      for (const auto* c : generated_ids) {
        if (c->name != f.name || data.rows == 0) continue;
        auto mark = write::HighWaterMarkAfter(*c, data.rows);
        if (!mark.ok()) return cleanup(mark.status());
        f.metadata = write::WithHighWaterMark(f.metadata, *mark);
        changed = true;
      }
      if (auto it = explicit_marks.find(f.name); it != explicit_marks.end()) {
        f.metadata = write::WithHighWaterMark(f.metadata, it->second);
        changed = true;
      }
    }
    if (changed) {
      Metadata md = snap->metadata();
      md.schema_string = SchemaToJson(schema);
      md.configuration = conf;
      md.partition_columns = parts;
      txn->SetMetadata(std::move(md));
    }
  }
  res.rows_written = data.rows;
  res.files_added = static_cast<int64_t>(all_new.size());
  for (const auto& f : all_new) res.bytes_added += f.size;
  res.files_removed = static_cast<int64_t>(removes.size());
  for (const auto& f : all_new) txn->AddFile(f);
  for (auto& r : removes) txn->RemoveFile(std::move(r));
  JsonWriter metrics;
  metrics.BeginObject()
      .Key("numFiles").String(std::to_string(res.files_added))
      .Key("numOutputRows").String(std::to_string(res.rows_written + res.rows_rewritten))
      .Key("numOutputBytes").String(std::to_string(res.bytes_added))
      .Key("numRemovedFiles").String(std::to_string(res.files_removed))
      .EndObject();
  txn->SetOperation(res.created ? "CREATE TABLE AS SELECT" : "WRITE",
                    OperationParameters(mode_, parts, replace_where_), metrics.str());
  if (remote && !all_new.empty()) {
    progress("uploading " + std::to_string(all_new.size()) + " file(s) to " + uri_);
    Status up = write::UploadDataFiles(*store, root, all_new);
    uploaded = true;  // (partly, maybe): cleanup deletes every key, missing ones are fine
    if (!up.ok()) return cleanup(up.WithContext("uploading data files"));
  }
  progress("committing");
  PauseBeforeCommitForTests();
  commit_attempted = true;
  CommitOptions commit_options;
  commit_options.checkpoint_in_background = checkpoint_in_background_;
  auto committed = txn->Commit(commit_options);
  if (!committed.ok()) return cleanup(committed.status());
  if (committed->skipped) {
    write::DeleteDataFiles(root, all_new);
    if (uploaded) write::DeleteUploadedFiles(*store, all_new);
    res.skipped = true;
  }
  res.version = committed->version;
  res.attempts = committed->attempts;
  res.warning = committed->post_commit_warning;
  // Auto-compaction: a separate OPTIMIZE commit over the partitions this write added to.
  if (!res.skipped && IsTrue(conf, "delta.autoOptimize.autoCompact")) {
    auto ac = AutoCompactAfterWrite(uri_, all_new, progress_);
    if (ac.ok()) {
      res.auto_compact_version = ac->version;
    } else {
      res.auto_compact_warning = "auto-compaction failed: " + ac.status().ToString();
    }
  }
  return res;
}

}  // namespace lake
