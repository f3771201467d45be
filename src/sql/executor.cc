#include "sql/executor.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include "engine/duckdb_engine.h"
#include "engine/print_table.h"
#include "lake/write.h"
#include "ops/alter_table.h"
#include "ops/optimize.h"
#include "ops/vacuum.h"
#include "util/temp_file.h"

namespace lake::sql {
namespace {

using engine::QuoteIdent;
using engine::QuoteString;

std::string Lit(const std::string& s) { return QuoteString(s); }
std::string Lit(int64_t v) { return std::to_string(v); }
std::string Null() { return "NULL"; }

std::string JoinCsv(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

// Statements whose result is a relation (wrapped as a subquery for output).
bool ReturnsRows(std::string_view sql) {
  auto toks = Tokenize(sql);
  if (!toks.ok() || toks->empty()) return false;
  const Token& t = toks->front();
  return t.IsSym("(") || t.Is("SELECT") || t.Is("WITH") || t.Is("FROM") || t.Is("VALUES") ||
         t.Is("TABLE") || t.Is("DESCRIBE") || t.Is("DESC") || t.Is("SHOW") || t.Is("SUMMARIZE") ||
         t.Is("PIVOT") || t.Is("UNPIVOT");
}

std::string FormatMs(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

Session::~Session() = default;

void Session::Interrupt() {
  if (conn_) conn_->Interrupt();
}

Result<std::unique_ptr<Session>> Session::Open(std::unique_ptr<Catalog> catalog,
                                               OutputOptions output, std::ostream& out,
                                               std::ostream& msg) {
  static const std::vector<std::string> kFormats = {"table", "csv", "jsonl", "parquet"};
  if (std::find(kFormats.begin(), kFormats.end(), output.format) == kFormats.end())
    return Status::InvalidArgument("unknown format '" + output.format +
                                   "' (use table, csv, jsonl or parquet)");
  if (output.format == "parquet" && output.output.empty())
    return Status::InvalidArgument("--format parquet needs --output FILE");
  std::unique_ptr<Session> s(new Session());
  s->catalog_ = std::move(catalog);
  s->output_ = std::move(output);
  s->out_ = &out;
  s->msg_ = &msg;
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(s->conn_, db->Connect());
  return s;
}

Status Session::ExecuteScript(std::string_view script) {
  auto stmts = SplitStatements(script);
  for (size_t i = 0; i < stmts.size(); ++i) {
    Status st = Execute(stmts[i]);
    if (!st.ok()) {
      return stmts.size() > 1 ? st.WithContext("statement " + std::to_string(i + 1)) : st;
    }
  }
  return Status::OK();
}

Result<std::shared_ptr<Table>> Session::OpenTable(const std::string& location) {
  auto it = tables_.find(location);
  if (it != tables_.end()) return it->second;
  LAKE_ASSIGN_OR_RETURN(auto t, Table::Open(location));
  tables_[location] = t;
  return t;
}

Result<std::shared_ptr<const Snapshot>> Session::SnapshotOf(const TableRef& ref,
                                                            const std::string& location) {
  LAKE_ASSIGN_OR_RETURN(auto table, OpenTable(location));
  if (ref.version) return table->SnapshotAtVersion(*ref.version);
  if (ref.timestamp) {
    // UTC unless the text carries an offset (as `lake scan --timestamp`).
    auto r = conn_->Query("SELECT epoch_ms(CAST(" + QuoteString(*ref.timestamp) +
                          " AS TIMESTAMP))::BIGINT");
    if (!r.ok()) {
      r = conn_->Query("SELECT epoch_ms(CAST(" + QuoteString(*ref.timestamp) +
                       " AS TIMESTAMPTZ))::BIGINT");
    }
    if (!r.ok()) {
      return Status::InvalidArgument("bad timestamp '" + *ref.timestamp +
                                     "' (use '2026-11-01 10:00' or ISO 8601)");
    }
    return table->SnapshotAtTimestamp(r->GetInt64(0, 0));
  }
  return table->LatestSnapshot();
}

Result<std::string> Session::RewriteQuery(std::string_view sql, bool pushdown) {
  last_pruning_.clear();
  LAKE_ASSIGN_OR_RETURN(auto refs, FindTableRefs(sql));
  std::vector<TableRef> used;
  std::vector<std::string> repl;
  std::string where;
  if (pushdown && refs.size() == 1) {
    LAKE_ASSIGN_OR_RETURN(auto toks, Tokenize(sql));
    where = PushdownPredicate(sql, toks);
  }
  for (const auto& ref : refs) {
    auto name = ParseTableName(ref.Name());
    Result<TableEntry> entry =
        name.ok() ? catalog_->GetTable(name->ToString()) : Result<TableEntry>(name.status());
    if (!entry.ok()) {
      if (ref.version || ref.timestamp) {
        return Status::NotFound("table " + ref.Name() +
                                " is not in the catalog (time travel "
                                "needs a catalog table)");
      }
      continue;  // a DuckDB relation (e.g. information_schema.tables)
    }
    LAKE_ASSIGN_OR_RETURN(auto snap, SnapshotOf(ref, entry->location));
    ScanOptions opts;
    opts.where = where;
    auto scan = Scan::Plan(snap, opts);
    if (!scan.ok() && !where.empty()) {
      opts.where.clear();
      scan = Scan::Plan(snap, opts);
    }
    if (!scan.ok()) return scan.status().WithContext(ref.Name());
    LAKE_ASSIGN_OR_RETURN(std::string inner, scan->ToSql(*conn_));
    last_pruning_.push_back(scan->pruning());
    std::string r = "(" + inner + ")";
    if (ref.alias.empty()) r += " AS " + QuoteIdent(ref.table);
    used.push_back(ref);
    repl.push_back(std::move(r));
  }
  return ReplaceRanges(sql, used, repl);
}

Status Session::Emit(const std::string& select_sql) {
  if (output_.format == "table") {
    LAKE_ASSIGN_OR_RETURN(auto r,
                          conn_->Query("SELECT COLUMNS(*)::VARCHAR FROM (" + select_sql + ")"));
    if (output_.output.empty()) {
      engine::PrintTable(r, *out_, /*row_count=*/true);
      return Status::OK();
    }
    std::ofstream f(output_.output, std::ios::app);
    engine::PrintTable(r, f, /*row_count=*/true);
    if (!f) return Status::IOError("cannot write '" + output_.output + "'");
    return Status::OK();
  }
  std::string options = output_.format == "csv"     ? "FORMAT csv, HEADER true"
                        : output_.format == "jsonl" ? "FORMAT json"
                                                    : "FORMAT parquet, COMPRESSION zstd";
  if (output_.output.empty()) {
    // Through a temp file so rows go to `out` in order with everything else.
    LAKE_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create("lake-sql-"));
    Status st = conn_->Execute("COPY (" + select_sql + ") TO " + QuoteString(tmp.path()) + " (" +
                               options + ")");
    if (st.ok()) {
      std::ifstream f(tmp.path());
      *out_ << f.rdbuf();
      out_->flush();
    }
    return st;
  }
  return conn_->Execute("COPY (" + select_sql + ") TO " + QuoteString(output_.output) + " (" +
                        options + ")");
}

Status Session::EmitRows(const std::vector<std::string>& columns,
                         const std::vector<std::vector<std::string>>& rows) {
  std::string names;
  for (size_t i = 0; i < columns.size(); ++i) names += (i ? ", " : "") + QuoteIdent(columns[i]);
  std::string sql;
  if (rows.empty()) {
    sql = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i)
      sql += (i ? ", " : "") + std::string("NULL::VARCHAR AS ") + QuoteIdent(columns[i]);
    sql += " LIMIT 0";
  } else {
    sql = "SELECT * FROM (VALUES ";
    for (size_t r = 0; r < rows.size(); ++r) sql += (r ? ", (" : "(") + JoinCsv(rows[r]) + ")";
    sql += ") AS t(" + names + ")";
  }
  return Emit(sql);
}

Status Session::RunQuery(const std::string& sql) {
  LAKE_ASSIGN_OR_RETURN(std::string rewritten, RewriteQuery(sql, true));
  if (!ReturnsRows(rewritten)) return conn_->Execute(rewritten);
  Status st = Emit(rewritten);
  if (!st.ok() && !last_pruning_.empty()) {
    // The pushed-down predicate may not fit the scan (e.g. it names a select alias): plain scan.
    LAKE_ASSIGN_OR_RETURN(std::string plain, RewriteQuery(sql, false));
    if (plain != rewritten) {
      Status st2 = Emit(plain);
      if (st2.ok()) return st2;
    }
  }
  return st;
}

void Session::NotifyCommit(const std::string& name, const std::string& location) {
  tables_.erase(location);
  auto table = OpenTable(location);
  if (!table.ok()) return;
  auto snap = (*table)->LatestSnapshot();
  if (!snap.ok()) return;
  Status st = catalog_->OnCommit(name, **snap);
  if (!st.ok()) *msg_ << "warning: catalog summary not updated: " << st.message() << "\n";
}

// Runs `query` (rewritten) into a table of the shared database that the write path's own
// connection can read; columns renamed to `names` (positional) when given.
Result<std::string> Session::Materialize(const std::string& query,
                                         const std::vector<std::string>& names) {
  LAKE_ASSIGN_OR_RETURN(std::string rewritten, RewriteQuery(query, false));
  std::string tmp =
      "__lake_sql_src_" + std::to_string(getpid()) + "_" + std::to_string(++temp_counter_);
  std::string select = "SELECT * FROM (" + rewritten + ") AS __q";
  if (!names.empty()) {
    std::string cols;
    for (size_t i = 0; i < names.size(); ++i) cols += (i ? ", " : "") + QuoteIdent(names[i]);
    select += "(" + cols + ")";
  }
  LAKE_RETURN_IF_ERROR(
      conn_->Execute("CREATE OR REPLACE TABLE " + QuoteIdent(tmp) + " AS " + select));
  return tmp;
}

namespace {
// TBLPROPERTIES keys s3.* configure the table's store: they live in the catalog only (see
// storage/store_overrides.h) and never go into the Delta log, where every reader of the table
// could read a secret.
bool IsStoreSetting(const std::string& key) { return key.rfind("s3.", 0) == 0; }
std::map<std::string, std::string> DeltaProperties(const std::map<std::string, std::string>& p) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : p)
    if (!IsStoreSetting(k)) out.emplace(k, v);
  return out;
}
}  // namespace

Status Session::CreateTableStmt(const Statement& s) {
  LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
  LAKE_ASSIGN_OR_RETURN(Schema schema, ParseSchemaDDL(s.columns_ddl));
  if (s.if_not_exists && catalog_->GetTable(name.ToString()).ok()) {
    *msg_ << "table " << name.ToString() << " already exists\n";
    return Status::OK();
  }
  CreateTableOptions opts{s.location, s.comment, s.properties};
  LAKE_ASSIGN_OR_RETURN(TableEntry entry, catalog_->CreateTable(name.ToString(), opts));
  if (entry.summary.version >= 0) {
    // LOCATION of an existing Delta table: registered as is.
    *msg_ << "registered " << name.ToString() << " at " << entry.location << " (existing table, v"
          << entry.summary.version << ")\n";
    return Status::OK();
  }
  auto created = lake::CreateTable(entry.location, schema, s.partition_by,
                                   DeltaProperties(s.properties), s.comment);
  if (!created.ok()) {
    (void)catalog_->DropTable(name.ToString(), false);
    return created.status();
  }
  NotifyCommit(name.ToString(), entry.location);
  *msg_ << "created table " << name.ToString() << " at " << entry.location << " (version "
        << created->version << ")\n";
  return Status::OK();
}

Status Session::CreateTableAsStmt(const Statement& s) {
  LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
  if (s.if_not_exists && catalog_->GetTable(name.ToString()).ok()) {
    *msg_ << "table " << name.ToString() << " already exists\n";
    return Status::OK();
  }
  LAKE_ASSIGN_OR_RETURN(std::string src, Materialize(s.query, {}));
  CreateTableOptions opts{s.location, s.comment, s.properties};
  auto entry = catalog_->CreateTable(name.ToString(), opts);
  if (!entry.ok()) {
    (void)conn_->Execute("DROP TABLE IF EXISTS " + QuoteIdent(src));
    return entry.status();
  }
  if (entry->summary.version >= 0) {
    (void)catalog_->DropTable(name.ToString(), false);
    (void)conn_->Execute("DROP TABLE IF EXISTS " + QuoteIdent(src));
    return Status::AlreadyExists("LOCATION '" + entry->location + "' already holds a Delta table");
  }
  WriteBuilder b(entry->location);
  b.Source({"", "SELECT * FROM " + QuoteIdent(src)}).Mode(WriteMode::kError);
  b.PartitionBy(s.partition_by).Properties(DeltaProperties(s.properties));
  auto r = b.Execute();
  (void)conn_->Execute("DROP TABLE IF EXISTS " + QuoteIdent(src));
  if (!r.ok()) {
    (void)catalog_->DropTable(name.ToString(), false);
    return r.status();
  }
  NotifyCommit(name.ToString(), entry->location);
  *msg_ << "created table " << name.ToString() << " at " << entry->location << " (version "
        << r->version << "): " << r->rows_written << " rows\n";
  return Status::OK();
}

Status Session::InsertStmt(const Statement& s) {
  LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
  LAKE_ASSIGN_OR_RETURN(TableEntry entry, catalog_->GetTable(name.ToString()));
  tables_.erase(entry.location);
  LAKE_ASSIGN_OR_RETURN(auto table, OpenTable(entry.location));
  LAKE_ASSIGN_OR_RETURN(auto snap, table->LatestSnapshot());
  std::vector<std::string> names = s.insert_columns;
  if (names.empty()) {
    // Positional, as Spark: the source's columns are the table's, in order.
    for (const auto& f : snap->schema().fields) names.push_back(f.name);
  } else {
    for (const auto& n : names) {
      if (!snap->schema().FindCaseInsensitive(n))
        return Status::InvalidArgument("column '" + n + "' is not in " + name.ToString());
    }
  }
  // Fewer source columns than names: DuckDB's alias list would fail; say it plainly.
  LAKE_ASSIGN_OR_RETURN(std::string rewritten, RewriteQuery(s.query, false));
  {
    auto probe = conn_->Query("SELECT * FROM (" + rewritten + ") LIMIT 0");
    if (!probe.ok()) return probe.status();
    if (probe->column_count() != names.size()) {
      return Status::InvalidArgument("INSERT into " + name.ToString() + ": the query gives " +
                                     std::to_string(probe->column_count()) + " column(s), " +
                                     std::to_string(names.size()) + " expected");
    }
  }
  LAKE_ASSIGN_OR_RETURN(std::string src, Materialize(s.query, names));
  // Cast to the table's types (as Spark's INSERT does: INTEGER literals into BIGINT, strings
  // into DATE, ...).
  std::string select;
  for (const auto& n : names) {
    const StructField* f = snap->schema().FindCaseInsensitive(n);
    auto type = DuckDBType(*f->type);
    std::string col = QuoteIdent(n);
    select += (select.empty() ? "" : ", ") +
              (type.ok() ? "CAST(" + col + " AS " + *type + ") AS " + QuoteIdent(f->name) : col);
  }
  WriteBuilder b(entry.location);
  b.Source({"", "SELECT " + select + " FROM " + QuoteIdent(src)});
  b.Mode(s.overwrite ? WriteMode::kOverwrite : WriteMode::kAppend);
  // A session inserts often and lives on: checkpoints need not hold up the next statement
  // (lake sql waits for them before it exits).
  b.CheckpointInBackground();
  if (!s.replace_where.empty()) b.ReplaceWhere(s.replace_where);
  auto r = b.Execute();
  (void)conn_->Execute("DROP TABLE IF EXISTS " + QuoteIdent(src));
  if (!r.ok()) return r.status();
  NotifyCommit(name.ToString(), entry.location);
  *msg_ << (s.overwrite ? "overwrote " : "inserted into ") << name.ToString() << ": version "
        << r->version << ", " << r->rows_written << " row(s)";
  if (r->files_removed) *msg_ << ", removed " << r->files_removed << " file(s)";
  *msg_ << "\n";
  return Status::OK();
}

Status Session::VacuumStmt(const Statement& s) {
  LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
  LAKE_ASSIGN_OR_RETURN(TableEntry entry, catalog_->GetTable(name.ToString()));
  LAKE_ASSIGN_OR_RETURN(auto table, Table::Open(entry.location));
  VacuumOptions opts;
  if (s.retain_hours) {
    if (*s.retain_hours < 0) return Status::InvalidArgument("RETAIN must be >= 0 HOURS");
    opts.retention_ms = static_cast<int64_t>(std::llround(*s.retain_hours * 3600000.0));
  }
  opts.dry_run = s.dry_run;
  opts.force = !retention_check_;
  auto vr = Vacuum(table, opts);
  if (!vr.ok()) {
    std::string m = vr.status().message();
    size_t at = m.find("pass --force");
    if (at != std::string::npos) {
      m.replace(at, 12, "run SET spark.databricks.delta.retentionDurationCheck.enabled = false");
    }
    return Status(vr.status().code(), m);
  }
  VacuumResult r = std::move(vr).value();
  if (!s.dry_run) NotifyCommit(name.ToString(), entry.location);
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : r.files) rows.push_back({Lit(f.key), Lit(f.size)});
  *msg_ << (s.dry_run ? "vacuum (dry run): would delete " : "vacuum: deleted ") << r.files.size()
        << " file(s), " << r.bytes << " bytes (retention " << FormatDurationMs(r.retention_ms)
        << ")\n";
  if (!r.warning.empty()) *msg_ << "warning: " << r.warning << "\n";
  if (s.dry_run) return EmitRows({"path", "size"}, rows);
  return Status::OK();
}

Status Session::OptimizeStmt(const Statement& s) {
  LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
  LAKE_ASSIGN_OR_RETURN(TableEntry entry, catalog_->GetTable(name.ToString()));
  LAKE_ASSIGN_OR_RETURN(auto table, Table::Open(entry.location));
  OptimizeOptions opts;
  opts.where = s.where;
  opts.zorder_by = s.zorder_by;
  LAKE_ASSIGN_OR_RETURN(OptimizeResult r, Optimize(table, opts));
  if (r.version >= 0) NotifyCommit(name.ToString(), entry.location);
  // As Databricks: one row with the table path and the metrics.
  return EmitRows(
      {"path", "version", "numFilesAdded", "numFilesRemoved", "metrics"},
      {{Lit(entry.location), r.version >= 0 ? Lit(r.version) : Null(), Lit(r.files_added),
        Lit(r.files_removed), r.metrics_json.empty() ? Null() : Lit(r.metrics_json)}});
}

Status Session::AlterStmt(const Statement& s) {
  LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
  LAKE_ASSIGN_OR_RETURN(TableEntry entry, catalog_->GetTable(name.ToString()));
  const std::string& uri = entry.location;
  std::vector<AlterResult> done;
  auto run = [&](Result<AlterResult> r) -> Status {
    if (!r.ok()) return r.status();
    done.push_back(std::move(r).value());
    return Status::OK();
  };
  const std::string& a = s.alter_action;
  Status st;
  if (a == "add_columns") {
    for (const auto& ddl : s.alter_items) {
      st = run(AddColumn(uri, ddl));
      if (!st.ok()) break;
    }
  } else if (a == "rename_column") {
    st = run(RenameColumn(uri, s.alter_name, s.alter_arg));
  } else if (a == "drop_column") {
    st = run(DropColumn(uri, s.alter_name));
  } else if (a == "change_type") {
    st = run(ChangeColumnType(uri, s.alter_name, s.alter_arg));
  } else if (a == "comment_column") {
    st = run(SetColumnComment(uri, s.alter_name, s.alter_arg));
  } else if (a == "set_properties") {
    for (const auto& [k, v] : s.properties) {
      if (!IsStoreSetting(k)) continue;
      st = catalog_->SetProperty(name.ToString(), k, v);
      if (!st.ok()) break;
      *msg_ << "set catalog property " << k << " of " << name.ToString() << "\n";
    }
    auto delta = DeltaProperties(s.properties);
    if (st.ok() && !delta.empty()) st = run(SetProperties(uri, delta));
  } else if (a == "unset_properties") {
    std::vector<std::string> delta;
    for (const auto& k : s.alter_items) {
      if (!IsStoreSetting(k)) {
        delta.push_back(k);
        continue;
      }
      st = catalog_->UnsetProperty(name.ToString(), k);
      if (!st.ok()) break;
      *msg_ << "unset catalog property " << k << " of " << name.ToString() << "\n";
    }
    if (st.ok() && !delta.empty()) st = run(UnsetProperties(uri, delta));
  } else if (a == "add_constraint") {
    st = run(AddConstraint(uri, s.alter_name, s.alter_arg));
  } else if (a == "drop_constraint") {
    st = run(DropConstraint(uri, s.alter_name));
    if (st.IsNotFound() && s.if_exists) st = Status::OK();
  } else {
    st = Status::Internal("unknown ALTER TABLE action '" + a + "'");
  }
  if (!done.empty()) NotifyCommit(name.ToString(), uri);
  for (const auto& r : done) *msg_ << r.summary << " (version " << r.version << ")\n";
  return st;
}

Status Session::DescribeHistoryStmt(const Statement& s) {
  LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
  LAKE_ASSIGN_OR_RETURN(TableEntry entry, catalog_->GetTable(name.ToString()));
  LAKE_ASSIGN_OR_RETURN(auto table, Table::Open(entry.location));
  LAKE_ASSIGN_OR_RETURN(auto commits, table->History(s.limit ? static_cast<size_t>(*s.limit) : 0));
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : commits) {
    auto field = [&](const char* path) {
      return c.commit_info.empty()
                 ? Null()
                 : "json_extract(" + Lit(c.commit_info) + ", '" + path + "')::VARCHAR";
    };
    rows.push_back({Lit(c.version), Lit(FormatMs(c.timestamp_ms)),
                    c.operation.empty() ? Null() : Lit(c.operation), field("$.operationParameters"),
                    field("$.operationMetrics"), field("$.engineInfo")});
  }
  return EmitRows({"version", "timestamp", "operation", "operationParameters", "operationMetrics",
                   "engineInfo"},
                  rows);
}

Status Session::DescribeDetailStmt(const Statement& s) {
  LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
  LAKE_ASSIGN_OR_RETURN(TableEntry entry, catalog_->GetTable(name.ToString()));
  LAKE_ASSIGN_OR_RETURN(auto table, Table::Open(entry.location));
  LAKE_ASSIGN_OR_RETURN(auto snap, table->LatestSnapshot());
  const Metadata& m = snap->metadata();
  std::string props;
  for (const auto& [k, v] : m.configuration) props += (props.empty() ? "" : ", ") + k + "=" + v;
  std::vector<std::string> row = {Lit(std::string("delta")),
                                  Lit(m.id),
                                  Lit(name.ToString()),
                                  m.description ? Lit(*m.description) : Null(),
                                  Lit(entry.location),
                                  m.created_time ? Lit(FormatMs(*m.created_time)) : Null(),
                                  Lit(FormatMs(snap->timestamp_ms())),
                                  Lit(JoinCsv(m.partition_columns)),
                                  Lit(static_cast<int64_t>(snap->files().size())),
                                  Lit(snap->TotalBytes()),
                                  Lit(props),
                                  Lit(snap->protocol().min_reader_version),
                                  Lit(snap->protocol().min_writer_version),
                                  Lit(snap->version())};
  return EmitRows({"format", "id", "name", "description", "location", "createdAt", "lastModified",
                   "partitionColumns", "numFiles", "sizeInBytes", "properties", "minReaderVersion",
                   "minWriterVersion", "version"},
                  {row});
}

Status Session::DescribeStmt(const Statement& s) {
  LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
  LAKE_ASSIGN_OR_RETURN(TableEntry entry, catalog_->GetTable(name.ToString()));
  LAKE_ASSIGN_OR_RETURN(auto table, Table::Open(entry.location));
  LAKE_ASSIGN_OR_RETURN(auto snap, table->LatestSnapshot());
  const auto& parts = snap->metadata().partition_columns;
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : snap->schema().fields) {
    auto t = DuckDBType(*f.type);
    bool part = std::find(parts.begin(), parts.end(), f.name) != parts.end();
    rows.push_back({Lit(f.name), Lit(t.ok() ? *t : f.type->ToString()),
                    Lit(f.nullable ? "YES" : "NO"), Lit(part ? "YES" : "NO")});
  }
  return EmitRows({"column_name", "column_type", "nullable", "partition"}, rows);
}

Status Session::Execute(std::string_view text) {
  LAKE_ASSIGN_OR_RETURN(Statement s, ParseStatement(text));
  switch (s.kind) {
    case Kind::kQuery:
      return RunQuery(s.text);
    case Kind::kSetRetentionCheck:
      retention_check_ = s.enabled;
      *msg_ << "retentionDurationCheck " << (s.enabled ? "enabled" : "disabled") << "\n";
      return Status::OK();
    case Kind::kUnsupported:
      return Status::Unsupported(s.unsupported + " is not supported yet");
    case Kind::kCreateNamespace: {
      LAKE_RETURN_IF_ERROR(catalog_->CreateNamespace(s.ns, s.if_not_exists));
      LAKE_ASSIGN_OR_RETURN(auto ns, NormalizeNamespace(s.ns));
      *msg_ << "created namespace " << ns << "\n";
      return Status::OK();
    }
    case Kind::kDropNamespace: {
      Status st = catalog_->DropNamespace(s.ns, s.cascade);
      if (st.IsNotFound() && s.if_exists) return Status::OK();
      LAKE_RETURN_IF_ERROR(st);
      *msg_ << "dropped namespace " << s.ns << "\n";
      return Status::OK();
    }
    case Kind::kShowNamespaces: {
      LAKE_ASSIGN_OR_RETURN(auto list, catalog_->ListNamespaces());
      std::vector<std::vector<std::string>> rows;
      for (const auto& n : list) rows.push_back({Lit(n.name), Lit(n.num_tables)});
      return EmitRows({"namespace", "tables"}, rows);
    }
    case Kind::kShowTables: {
      std::string ns;
      if (!s.ns.empty()) {
        LAKE_ASSIGN_OR_RETURN(ns, NormalizeNamespace(s.ns));
      }
      LAKE_ASSIGN_OR_RETURN(auto list, catalog_->ListTables(ns));
      std::vector<std::vector<std::string>> rows;
      for (const auto& t : list) {
        rows.push_back({Lit(t.name.ns), Lit(t.name.table), Lit(t.summary.version),
                        Lit(t.summary.num_files), Lit(t.summary.size_bytes), Lit(t.location)});
      }
      return EmitRows({"namespace", "table", "version", "files", "bytes", "location"}, rows);
    }
    case Kind::kCreateTable:
      return CreateTableStmt(s);
    case Kind::kCreateTableAs:
      return CreateTableAsStmt(s);
    case Kind::kInsert:
      return InsertStmt(s);
    case Kind::kVacuum:
      return VacuumStmt(s);
    case Kind::kOptimize:
      return OptimizeStmt(s);
    case Kind::kAlterTable:
      return AlterStmt(s);
    case Kind::kDescribeHistory:
      return DescribeHistoryStmt(s);
    case Kind::kDescribeDetail:
      return DescribeDetailStmt(s);
    case Kind::kDescribe:
      return DescribeStmt(s);
    case Kind::kDropTable: {
      LAKE_ASSIGN_OR_RETURN(auto name, ParseTableName(s.table));
      Status st = catalog_->DropTable(name.ToString(), s.purge);
      if (st.IsNotFound() && s.if_exists) return Status::OK();
      LAKE_RETURN_IF_ERROR(st);
      *msg_ << "dropped table " << name.ToString() << (s.purge ? " (data purged)" : "") << "\n";
      return Status::OK();
    }
  }
  return Status::Internal("unhandled statement");
}

}  // namespace lake::sql
