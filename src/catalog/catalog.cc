// Catalog: the logic, written once over SqlDb (sqlite_db.cc, postgres_db.cc).
#include "lake/catalog.h"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "catalog/catalog_internal.h"
#include "catalog/sql_db.h"
#include "lake/object_store.h"
#include "lake/table.h"
#include "storage/store_overrides.h"
#include "util/json_writer.h"
#include "util/system.h"

namespace lake {
namespace {

using catalog::SqlDb;
using catalog::SqlParam;
using catalog::SqlRow;

constexpr size_t kMaxNameLength = 128;

std::string LakeHome() {
  std::string home = Getenv("LAKE_HOME");
  if (!home.empty()) return home;
  std::string user_home = Getenv("HOME");
  return (user_home.empty() ? std::string(".") : user_home) + "/.lake";
}

Status ValidateIdentifier(std::string_view text, const char* what, std::string_view whole,
                          std::string* out) {
  if (text.empty()) {
    return Status::InvalidArgument("invalid " + std::string(what) + " '" + std::string(whole) +
                                   "': empty name");
  }
  if (text.size() > kMaxNameLength) {
    return Status::InvalidArgument("invalid " + std::string(what) + " '" + std::string(whole) +
                                   "': longer than 128 characters");
  }
  out->clear();
  for (char c : text) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return Status::InvalidArgument("invalid " + std::string(what) + " '" + std::string(whole) +
                                     "': names may contain only letters, digits and '_'");
    }
    out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return Status::OK();
}

int64_t ToInt(const std::optional<std::string>& v) {
  return v ? std::strtoll(v->c_str(), nullptr, 10) : 0;
}
std::string ToStr(const std::optional<std::string>& v) { return v.value_or(""); }

std::string EncodeColumns(const std::vector<std::string>& cols) {
  JsonWriter w;
  w.BeginArray();
  for (const auto& c : cols) w.String(c);
  w.EndArray();
  return w.Take();
}

std::vector<std::string> DecodeColumns(const std::string& json) {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) return out;
  simdjson::dom::array arr;
  if (doc.get_array().get(arr) != simdjson::SUCCESS) return out;
  for (auto e : arr) {
    std::string_view s;
    if (e.get_string().get(s) == simdjson::SUCCESS) out.emplace_back(s);
  }
  return out;
}

// A URI without its password, for messages.
std::string Redact(const std::string& uri) {
  size_t scheme = uri.find("://");
  if (scheme == std::string::npos) return uri;
  size_t at = uri.find('@', scheme + 3);
  if (at == std::string::npos) return uri;
  size_t colon = uri.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon) + ":***" + uri.substr(at);
}

bool IsPostgresUri(const std::string& uri) {
  return uri.rfind("postgresql://", 0) == 0 || uri.rfind("postgres://", 0) == 0;
}

// The columns every table query selects, in this order (RowToEntry reads them).
constexpr const char* kTableColumns =
    "id, namespace, name, location, managed, comment, created_ms, summary_version, schema_json, "
    "partition_columns, num_files, size_bytes, refreshed_ms";

TableEntry RowToEntry(const SqlRow& r) {
  TableEntry e;
  e.name = {ToStr(r[1]), ToStr(r[2])};
  e.location = ToStr(r[3]);
  e.managed = ToInt(r[4]) != 0;
  e.comment = ToStr(r[5]);
  e.created_ms = ToInt(r[6]);
  e.summary.version = r[7] ? ToInt(r[7]) : -1;
  e.summary.schema_json = ToStr(r[8]);
  e.summary.partition_columns = DecodeColumns(r[9].value_or("[]"));
  e.summary.num_files = ToInt(r[10]);
  e.summary.size_bytes = ToInt(r[11]);
  e.summary.refreshed_ms = ToInt(r[12]);
  return e;
}

bool SameSummary(const TableSummary& a, const TableSummary& b) {
  return a.version == b.version && a.schema_json == b.schema_json &&
         a.partition_columns == b.partition_columns && a.num_files == b.num_files &&
         a.size_bytes == b.size_bytes;
}

// Loads the summary of the Delta table at `location`; version -1 when there is no log yet.
Result<TableSummary> LoadSummary(const std::string& location) {
  auto table = Table::Open(location);
  if (!table.ok()) {
    if (table.status().IsNotFound()) {
      TableSummary s;
      s.refreshed_ms = NowMs();
      return s;
    }
    return table.status();
  }
  LAKE_ASSIGN_OR_RETURN(auto snap, (*table)->LatestSnapshot());
  return TableSummary::FromSnapshot(*snap);
}

class SqlCatalog : public Catalog {
 public:
  SqlCatalog(std::unique_ptr<SqlDb> db, std::string uri)
      : db_(std::move(db)), uri_(std::move(uri)) {}

  Status Init() {
    LAKE_RETURN_IF_ERROR(catalog::Migrate(*db_, Redact(uri_)));
    // The warehouse is fixed when the catalog is first used, so every process agrees on it.
    std::string wh = Getenv("LAKE_WAREHOUSE");
    if (wh.empty()) wh = LakeHome() + "/warehouse";
    auto norm = NormalizeLocation(wh);
    if (!norm.ok()) return norm.status();
    auto existing = db_->Query("SELECT value FROM settings WHERE name = 'warehouse'");
    if (existing.ok() && existing->size() == 1) {
      warehouse_ = ToStr((*existing)[0][0]);
      return Status::OK();
    }
    LAKE_RETURN_IF_ERROR(Txn(true, [&]() -> Status {
      LAKE_RETURN_IF_ERROR(
          db_->Exec("INSERT INTO settings (name, value) VALUES ('warehouse', ?) ON CONFLICT (name) "
                    "DO NOTHING",
                    {*norm}));
      LAKE_ASSIGN_OR_RETURN(auto rows,
                            db_->Query("SELECT value FROM settings WHERE name = 'warehouse'"));
      if (rows.empty()) return Status::Internal("catalog: no warehouse setting");
      warehouse_ = ToStr(rows[0][0]);
      return Status::OK();
    }));
    return Status::OK();
  }

  const std::string& uri() const override { return display_uri_ = Redact(uri_); }
  const char* backend() const override { return db_->dialect(); }
  const std::string& warehouse() const override { return warehouse_; }

  // --- namespaces ---------------------------------------------------------------------------
  Status CreateNamespace(std::string_view ns_text, bool if_not_exists) override {
    LAKE_ASSIGN_OR_RETURN(std::string ns, NormalizeNamespace(ns_text));
    return Txn(true, [&]() -> Status {
      LAKE_RETURN_IF_ERROR(db_->Exec(
          "INSERT INTO namespaces (name, created_ms) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
          {ns, std::to_string(NowMs())}));
      if (db_->Changes() == 0 && !if_not_exists) {
        return Status::AlreadyExists("namespace '" + ns + "' already exists");
      }
      return Status::OK();
    });
  }

  Status DropNamespace(std::string_view ns_text, bool cascade) override {
    LAKE_ASSIGN_OR_RETURN(std::string ns, NormalizeNamespace(ns_text));
    return Txn(true, [&]() -> Status {
      LAKE_RETURN_IF_ERROR(LockNamespace(ns));
      LAKE_ASSIGN_OR_RETURN(auto rows,
                            db_->Query("SELECT COUNT(*) FROM tables WHERE namespace = ?", {ns}));
      int64_t n = ToInt(rows[0][0]);
      if (n > 0) {
        if (!cascade) {
          return Status::InvalidArgument("namespace '" + ns + "' is not empty (" +
                                         std::to_string(n) + (n == 1 ? " table" : " tables") +
                                         "): drop them first or use --cascade");
        }
        LAKE_RETURN_IF_ERROR(db_->Exec("DELETE FROM tables WHERE namespace = ?", {ns}));
      }
      return db_->Exec("DELETE FROM namespaces WHERE name = ?", {ns});
    });
  }

  Result<std::vector<NamespaceEntry>> ListNamespaces() override {
    std::vector<NamespaceEntry> out;
    LAKE_RETURN_IF_ERROR(Txn(false, [&]() -> Status {
      out.clear();
      LAKE_ASSIGN_OR_RETURN(
          auto rows, db_->Query("SELECT n.name, n.created_ms, (SELECT COUNT(*) FROM tables t "
                                "WHERE t.namespace = n.name) FROM namespaces n ORDER BY n.name"));
      for (const auto& r : rows) out.push_back({ToStr(r[0]), ToInt(r[1]), ToInt(r[2])});
      return Status::OK();
    }));
    return out;
  }

  // --- tables -------------------------------------------------------------------------------
  Result<TableEntry> CreateTable(std::string_view name_text,
                                 const CreateTableOptions& options) override {
    LAKE_ASSIGN_OR_RETURN(TableName name, ParseTableName(name_text));
    TableEntry e;
    e.name = name;
    e.comment = options.comment;
    e.properties = options.properties;
    bool created_dir = false;
    if (options.location.empty()) {
      e.managed = true;
      e.location = warehouse_ + "/" + name.ns + "/" + name.table;
      if (e.location.find("://") == std::string::npos) {
        std::error_code ec;
        created_dir = std::filesystem::create_directories(e.location, ec);
        if (ec) return Status::IOError("cannot create " + e.location + ": " + ec.message());
      }
    } else {
      LAKE_ASSIGN_OR_RETURN(e.location, NormalizeLocation(options.location));
    }
    SetStoreOverrides(e.location, options.properties);  // its s3.* settings, if any
    auto summary = LoadSummary(e.location);
    if (!summary.ok()) {
      return summary.status().WithContext("cannot create " + name.ToString() + " at " + e.location);
    }
    e.summary = *summary;
    Status st = InsertTable(&e);
    if (!st.ok() && created_dir) {
      std::error_code ec;
      std::filesystem::remove(e.location, ec);  // only when still empty
    }
    if (!st.ok()) return st;
    return e;
  }

  Result<TableEntry> RegisterTable(std::string_view name_text, std::string_view location) override {
    LAKE_ASSIGN_OR_RETURN(TableName name, ParseTableName(name_text));
    TableEntry e;
    e.name = name;
    LAKE_ASSIGN_OR_RETURN(e.location, NormalizeLocation(location));
    auto table = Table::Open(e.location);
    if (!table.ok()) return table.status().WithContext("cannot register " + name.ToString());
    auto snap = (*table)->LatestSnapshot();
    if (!snap.ok()) return snap.status().WithContext("cannot register " + name.ToString());
    e.summary = TableSummary::FromSnapshot(**snap);
    LAKE_RETURN_IF_ERROR(InsertTable(&e));
    return e;
  }

  Status DropTable(std::string_view name_text, bool purge) override {
    LAKE_ASSIGN_OR_RETURN(TableName name, ParseTableName(name_text));
    std::string location;
    bool managed = false;
    if (purge) {
      // Check before dropping that the purge would be allowed.
      LAKE_ASSIGN_OR_RETURN(TableEntry e, GetTable(name.ToString()));
      LAKE_RETURN_IF_ERROR(CheckPurge(e));
    }
    LAKE_RETURN_IF_ERROR(Txn(true, [&]() -> Status {
      LAKE_ASSIGN_OR_RETURN(
          auto rows,
          db_->Query("SELECT location, managed FROM tables WHERE namespace = ? AND name = ?",
                     {name.ns, name.table}));
      if (rows.empty()) return TableNotFound(name);
      location = ToStr(rows[0][0]);
      managed = ToInt(rows[0][1]) != 0;
      return db_->Exec("DELETE FROM tables WHERE namespace = ? AND name = ?",
                       {name.ns, name.table});
    }));
    if (!purge) return Status::OK();
    return Purge(location, managed)
        .WithContext("dropped " + name.ToString() + " from the catalog, but purging " + location +
                     " failed");
  }

  Status RenameTable(std::string_view from_text, std::string_view to_text) override {
    LAKE_ASSIGN_OR_RETURN(TableName from, ParseTableName(from_text));
    LAKE_ASSIGN_OR_RETURN(TableName to, ParseTableName(to_text));
    return Txn(true, [&]() -> Status {
      LAKE_RETURN_IF_ERROR(LockNamespace(to.ns));
      Status st =
          db_->Exec("UPDATE tables SET namespace = ?, name = ? WHERE namespace = ? AND name = ?",
                    {to.ns, to.table, from.ns, from.table});
      if (st.IsAlreadyExists())
        return Status::AlreadyExists("table '" + to.ToString() + "' already exists");
      if (catalog::IsForeignKey(st)) return NamespaceNotFound(to.ns);
      LAKE_RETURN_IF_ERROR(st);
      if (db_->Changes() == 0) return TableNotFound(from);
      return Status::OK();
    });
  }

  Result<std::vector<TableEntry>> ListTables(std::string_view ns_text) override {
    std::string ns;
    if (!ns_text.empty()) {
      LAKE_ASSIGN_OR_RETURN(ns, NormalizeNamespace(ns_text));
    }
    std::vector<TableEntry> out;
    LAKE_RETURN_IF_ERROR(Txn(false, [&]() -> Status {
      out.clear();
      if (!ns.empty()) {
        LAKE_ASSIGN_OR_RETURN(auto n, db_->Query("SELECT 1 FROM namespaces WHERE name = ?", {ns}));
        if (n.empty()) return NamespaceNotFound(ns);
      }
      std::string where = ns.empty() ? "" : " WHERE t.namespace = ?";
      std::vector<SqlParam> params;
      if (!ns.empty()) params.push_back(ns);
      return LoadEntries(where, params, &out);
    }));
    return out;
  }

  Result<TableEntry> GetTable(std::string_view name_text) override {
    LAKE_ASSIGN_OR_RETURN(TableName name, ParseTableName(name_text));
    std::vector<TableEntry> out;
    LAKE_RETURN_IF_ERROR(Txn(false, [&]() -> Status {
      out.clear();
      return LoadEntries(" WHERE t.namespace = ? AND t.name = ?", {name.ns, name.table}, &out);
    }));
    if (out.empty()) return TableNotFound(name);
    return std::move(out[0]);
  }

  Result<std::string> ResolveLocation(std::string_view name_text) override {
    // Through GetTable: loading the entry registers its store settings (LoadEntries).
    LAKE_ASSIGN_OR_RETURN(TableEntry e, GetTable(name_text));
    return e.location;
  }

  Status SetProperty(std::string_view name_text, std::string_view key,
                     std::string_view value) override {
    LAKE_ASSIGN_OR_RETURN(TableName name, ParseTableName(name_text));
    if (key.empty()) return Status::InvalidArgument("empty property key");
    return Txn(true, [&]() -> Status {
      LAKE_ASSIGN_OR_RETURN(int64_t id, TableId(name));
      Status st = db_->Exec(
          "INSERT INTO table_properties (table_id, pkey, pvalue) VALUES (?, ?, ?) "
          "ON CONFLICT (table_id, pkey) DO UPDATE SET pvalue = excluded.pvalue",
          {std::to_string(id), std::string(key), std::string(value)});
      if (catalog::IsForeignKey(st)) return TableNotFound(name);
      return st;
    });
  }

  Status UnsetProperty(std::string_view name_text, std::string_view key) override {
    LAKE_ASSIGN_OR_RETURN(TableName name, ParseTableName(name_text));
    return Txn(true, [&]() -> Status {
      LAKE_ASSIGN_OR_RETURN(int64_t id, TableId(name));
      LAKE_RETURN_IF_ERROR(db_->Exec("DELETE FROM table_properties WHERE table_id = ? AND pkey = ?",
                                     {std::to_string(id), std::string(key)}));
      if (db_->Changes() == 0) {
        return Status::NotFound("table '" + name.ToString() + "' has no property '" +
                                std::string(key) + "'");
      }
      return Status::OK();
    });
  }

  Status SetComment(std::string_view name_text, std::string_view comment) override {
    LAKE_ASSIGN_OR_RETURN(TableName name, ParseTableName(name_text));
    return Txn(true, [&]() -> Status {
      LAKE_RETURN_IF_ERROR(
          db_->Exec("UPDATE tables SET comment = ? WHERE namespace = ? AND name = ?",
                    {std::string(comment), name.ns, name.table}));
      if (db_->Changes() == 0) return TableNotFound(name);
      return Status::OK();
    });
  }

  // --- summaries ----------------------------------------------------------------------------
  Result<bool> UpdateSummary(std::string_view name_text, const TableSummary& s) override {
    LAKE_ASSIGN_OR_RETURN(TableName name, ParseTableName(name_text));
    return StoreSummary(name, s, nullptr);
  }

  Status OnCommit(std::string_view name_text, const Snapshot& snapshot) override {
    LAKE_ASSIGN_OR_RETURN(TableName name, ParseTableName(name_text));
    LAKE_ASSIGN_OR_RETURN(std::string location, NormalizeLocation(snapshot.table_uri()));
    auto r = StoreSummary(name, TableSummary::FromSnapshot(snapshot), &location);
    return r.status();
  }

  Result<TableSummary> Refresh(std::string_view name_text) override {
    LAKE_ASSIGN_OR_RETURN(TableEntry e, GetTable(name_text));
    LAKE_ASSIGN_OR_RETURN(TableSummary s, LoadSummary(e.location));
    if (s.version < 0) return e.summary;  // still no Delta table there
    LAKE_ASSIGN_OR_RETURN(bool stored, StoreSummary(e.name, s, &e.location));
    if (stored) return s;
    LAKE_ASSIGN_OR_RETURN(TableEntry now, GetTable(name_text));
    return now.summary;
  }

  Result<SyncResult> Sync(std::string_view scope) override {
    std::vector<TableEntry> tables;
    if (scope.find('.') != std::string_view::npos) {
      LAKE_ASSIGN_OR_RETURN(TableEntry e, GetTable(scope));
      tables.push_back(std::move(e));
    } else {
      LAKE_ASSIGN_OR_RETURN(tables, ListTables(scope));
    }
    SyncResult out;
    for (const auto& e : tables) {
      auto s = Refresh(e.name.ToString());
      if (!s.ok()) {
        if (s.status().IsNotFound() && !GetTable(e.name.ToString()).ok()) continue;  // dropped
        out.errors.push_back(e.name.ToString() + ": " + s.status().message());
      } else if (SameSummary(*s, e.summary)) {
        ++out.unchanged;
      } else {
        ++out.refreshed;
      }
    }
    return out;
  }

 private:
  template <typename F>
  Status Txn(bool write, F&& body) {
    for (int attempt = 0;; ++attempt) {
      Status st = db_->Begin(write);
      if (st.ok()) {
        st = body();
        if (st.ok()) st = db_->Commit();
      }
      if (!st.ok()) db_->Rollback();
      if (catalog::IsRetry(st) && attempt < 20) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1 + (getpid() + attempt * 7) % 13));
        continue;
      }
      return st;
    }
  }

  static Status TableNotFound(const TableName& n) {
    return Status::NotFound("table '" + n.ToString() + "' does not exist in the catalog");
  }
  static Status NamespaceNotFound(const std::string& ns) {
    return Status::NotFound("namespace '" + ns + "' does not exist");
  }

  // Inside a write transaction: NotFound unless `ns` exists; on PostgreSQL the row stays locked
  // until commit, so a concurrent drop-namespace and create-table serialize.
  Status LockNamespace(const std::string& ns) {
    LAKE_ASSIGN_OR_RETURN(
        auto rows,
        db_->Query(db_->Ddl("SELECT 1 FROM namespaces WHERE name = ?{FOR_UPDATE}"), {ns}));
    if (rows.empty()) return NamespaceNotFound(ns);
    return Status::OK();
  }

  Result<int64_t> TableId(const TableName& name) {
    LAKE_ASSIGN_OR_RETURN(auto rows,
                          db_->Query("SELECT id FROM tables WHERE namespace = ? AND name = ?",
                                     {name.ns, name.table}));
    if (rows.empty()) return TableNotFound(name);
    return ToInt(rows[0][0]);
  }

  Status InsertTable(TableEntry* e) {
    e->created_ms = NowMs();
    return Txn(true, [&]() -> Status {
      LAKE_ASSIGN_OR_RETURN(auto n,
                            db_->Query("SELECT 1 FROM namespaces WHERE name = ?", {e->name.ns}));
      if (n.empty()) return NamespaceNotFound(e->name.ns);
      const TableSummary& s = e->summary;
      auto rows = db_->Query(
          "INSERT INTO tables (namespace, name, location, managed, comment, created_ms, "
          "summary_version, schema_json, partition_columns, num_files, size_bytes, refreshed_ms) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          {e->name.ns, e->name.table, e->location, e->managed ? "1" : "0", e->comment,
           std::to_string(e->created_ms), std::to_string(s.version), s.schema_json,
           EncodeColumns(s.partition_columns), std::to_string(s.num_files),
           std::to_string(s.size_bytes), std::to_string(s.refreshed_ms)});
      if (rows.status().IsAlreadyExists()) {
        return Status::AlreadyExists("table '" + e->name.ToString() + "' already exists");
      }
      if (catalog::IsForeignKey(rows.status())) return NamespaceNotFound(e->name.ns);
      if (!rows.ok()) return rows.status();
      std::string id = ToStr((*rows)[0][0]);
      for (const auto& [k, v] : e->properties) {
        if (k.empty()) return Status::InvalidArgument("empty property key");
        LAKE_RETURN_IF_ERROR(db_->Exec(
            "INSERT INTO table_properties (table_id, pkey, pvalue) VALUES (?, ?, ?)", {id, k, v}));
      }
      return Status::OK();
    });
  }

  // Inside a transaction.
  Status LoadEntries(const std::string& where, const std::vector<SqlParam>& params,
                     std::vector<TableEntry>* out) {
    LAKE_ASSIGN_OR_RETURN(
        auto rows, db_->Query(std::string("SELECT ") + kTableColumns + " FROM tables t" + where +
                                  " ORDER BY t.namespace, t.name",
                              params));
    std::map<std::string, size_t> by_id;
    for (const auto& r : rows) {
      by_id[ToStr(r[0])] = out->size();
      out->push_back(RowToEntry(r));
    }
    if (out->empty()) return Status::OK();
    LAKE_ASSIGN_OR_RETURN(auto props,
                          db_->Query("SELECT p.table_id, p.pkey, p.pvalue FROM table_properties p "
                                     "JOIN tables t ON t.id = p.table_id" +
                                         where,
                                     params));
    for (const auto& r : props) {
      auto it = by_id.find(ToStr(r[0]));
      if (it != by_id.end()) (*out)[it->second].properties[ToStr(r[1])] = ToStr(r[2]);
    }
    // A table's s3.* properties configure the store at its location for this process (see
    // storage/store_overrides.h), so that opening the location reaches the right endpoint.
    for (const TableEntry& e : *out) SetStoreOverrides(e.location, e.properties);
    return Status::OK();
  }

  // Stores the summary unless a newer one is there (or, with `location`, the entry now names
  // another location). NotFound when the table is unknown.
  Result<bool> StoreSummary(const TableName& name, const TableSummary& s,
                            const std::string* location) {
    bool stored = false;
    LAKE_RETURN_IF_ERROR(Txn(true, [&]() -> Status {
      std::string sql =
          "UPDATE tables SET summary_version = ?, schema_json = ?, partition_columns = ?, "
          "num_files = ?, size_bytes = ?, refreshed_ms = ? WHERE namespace = ? AND name = ? "
          "AND summary_version <= ?";
      std::vector<SqlParam> params = {std::to_string(s.version),
                                      s.schema_json,
                                      EncodeColumns(s.partition_columns),
                                      std::to_string(s.num_files),
                                      std::to_string(s.size_bytes),
                                      std::to_string(s.refreshed_ms ? s.refreshed_ms : NowMs()),
                                      name.ns,
                                      name.table,
                                      std::to_string(s.version)};
      if (location) {
        sql += " AND location = ?";
        params.push_back(*location);
      }
      LAKE_RETURN_IF_ERROR(db_->Exec(sql, params));
      stored = db_->Changes() > 0;
      if (!stored) {
        LAKE_ASSIGN_OR_RETURN(int64_t id, TableId(name));
        (void)id;
      }
      return Status::OK();
    }));
    return stored;
  }

  Status CheckPurge(const TableEntry& e) {
    if (e.managed) return Status::OK();
    LAKE_ASSIGN_OR_RETURN(auto store, OpenObjectStore(e.location));
    LAKE_ASSIGN_OR_RETURN(auto objs, store->List(""));
    if (objs.empty()) return Status::OK();
    for (const auto& o : objs) {
      if (o.key.rfind("_delta_log/", 0) == 0) return Status::OK();
    }
    return Status::InvalidArgument("refusing to purge " + e.location +
                                   ": it holds files but no _delta_log (not a Delta table); drop "
                                   "without --purge");
  }

  Status Purge(const std::string& location, bool managed) {
    LAKE_ASSIGN_OR_RETURN(auto store, OpenObjectStore(location));
    LAKE_ASSIGN_OR_RETURN(auto objs, store->List(""));
    // The log first: from then on the location is no longer a table, whatever happens next.
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& o : objs) {
        bool log = o.key.rfind("_delta_log/", 0) == 0;
        if (log == (pass == 0)) LAKE_RETURN_IF_ERROR(store->Delete(o.key));
      }
    }
    if (location.find("://") == std::string::npos) {
      // Remove the now empty directories, deepest first; the root only for a managed table.
      std::vector<std::filesystem::path> dirs;
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(location, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec)) dirs.push_back(it->path());
      }
      std::sort(dirs.begin(), dirs.end(),
                [](const auto& a, const auto& b) { return a.native().size() > b.native().size(); });
      for (const auto& d : dirs) std::filesystem::remove(d, ec);  // fails harmlessly when not empty
      if (managed) std::filesystem::remove(location, ec);
    }
    return Status::OK();
  }

  std::unique_ptr<SqlDb> db_;
  std::string uri_;
  mutable std::string display_uri_;
  std::string warehouse_;
};

Result<std::unique_ptr<Catalog>> OpenImpl(const std::string& uri_in, bool must_exist) {
  std::string uri = uri_in.empty() ? Catalog::DefaultUri() : uri_in;
  std::unique_ptr<SqlDb> db;
  if (IsPostgresUri(uri)) {
    LAKE_ASSIGN_OR_RETURN(db, catalog::OpenPostgres(uri));
  } else {
    std::string path = uri.rfind("sqlite:", 0) == 0 ? uri.substr(7) : uri;
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite:///abs/path
    if (path.find("://") != std::string::npos) {
      return Status::InvalidArgument("unsupported catalog URI '" + Redact(uri) +
                                     "' (use postgresql://..., sqlite:PATH or a file path)");
    }
    LAKE_ASSIGN_OR_RETURN(db, catalog::OpenSqlite(path, must_exist));
  }
  auto cat = std::make_unique<SqlCatalog>(std::move(db), uri);
  LAKE_RETURN_IF_ERROR(cat->Init());
  return std::unique_ptr<Catalog>(std::move(cat));
}

}  // namespace

namespace catalog {

// Migration N turns schema version N-1 into N. Never edit a released one: add a new one.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> m = {
      // 1: namespaces, tables and properties.
      "CREATE TABLE namespaces (name TEXT PRIMARY KEY, created_ms BIGINT NOT NULL);"
      "CREATE TABLE tables (id {ID_PK}, namespace TEXT NOT NULL REFERENCES namespaces (name), "
      "  name TEXT NOT NULL, location TEXT NOT NULL, created_ms BIGINT NOT NULL, "
      "  UNIQUE (namespace, name));"
      "CREATE TABLE table_properties (table_id BIGINT NOT NULL REFERENCES tables (id) ON DELETE "
      "  CASCADE, pkey TEXT NOT NULL, pvalue TEXT NOT NULL, PRIMARY KEY (table_id, pkey));",
      // 2: comments, managed tables, the cached summary, catalog settings (the warehouse).
      "ALTER TABLE tables ADD COLUMN comment TEXT NOT NULL DEFAULT '';"
      "ALTER TABLE tables ADD COLUMN managed INTEGER NOT NULL DEFAULT 0;"
      "ALTER TABLE tables ADD COLUMN summary_version BIGINT NOT NULL DEFAULT -1;"
      "ALTER TABLE tables ADD COLUMN schema_json TEXT NOT NULL DEFAULT '';"
      "ALTER TABLE tables ADD COLUMN partition_columns TEXT NOT NULL DEFAULT '[]';"
      "ALTER TABLE tables ADD COLUMN num_files BIGINT NOT NULL DEFAULT 0;"
      "ALTER TABLE tables ADD COLUMN size_bytes BIGINT NOT NULL DEFAULT 0;"
      "ALTER TABLE tables ADD COLUMN refreshed_ms BIGINT NOT NULL DEFAULT 0;"
      "CREATE INDEX tables_location ON tables (location);"
      "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);",
  };
  return m;
}

Status Migrate(SqlDb& db, const std::string& display_uri) {
  const int latest = static_cast<int>(Migrations().size());
  auto too_new = [&](int64_t v) {
    return Status::Unsupported("catalog " + display_uri + " has schema version " +
                               std::to_string(v) + ", newer than this lake supports (" +
                               std::to_string(latest) + "): upgrade lake to use it");
  };
  // Fast path without the write lock: already current.
  auto cur = db.Query("SELECT schema_version FROM catalog_meta");
  if (cur.ok() && cur->size() == 1) {
    int64_t v = ToInt((*cur)[0][0]);
    if (v == latest) return Status::OK();
    if (v > latest) return too_new(v);
  }
  for (int attempt = 0;; ++attempt) {
    Status st = db.Begin(true);
    if (st.ok()) st = db.LockForMigration();
    if (st.ok()) {
      st = [&]() -> Status {
        LAKE_RETURN_IF_ERROR(
            db.Exec("CREATE TABLE IF NOT EXISTS catalog_meta (schema_version INTEGER NOT NULL)"));
        LAKE_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT schema_version FROM catalog_meta"));
        int64_t v = 0;
        if (rows.empty()) {
          LAKE_RETURN_IF_ERROR(db.Exec("INSERT INTO catalog_meta (schema_version) VALUES (0)"));
        } else if (rows.size() > 1) {
          return Status::Corruption("catalog " + display_uri + ": catalog_meta has " +
                                    std::to_string(rows.size()) + " rows");
        } else {
          v = ToInt(rows[0][0]);
        }
        if (v > latest) return too_new(v);
        for (int64_t next = v + 1; next <= latest; ++next) {
          Status ms = db.Exec(db.Ddl(Migrations()[next - 1]));
          if (!ms.ok()) {
            return ms.WithContext("catalog " + display_uri + ": migration to schema version " +
                                  std::to_string(next) + " failed");
          }
          LAKE_RETURN_IF_ERROR(
              db.Exec("UPDATE catalog_meta SET schema_version = ?", {std::to_string(next)}));
        }
        return Status::OK();
      }();
      if (st.ok()) st = db.Commit();
    }
    if (!st.ok()) db.Rollback();
    if (IsRetry(st) && attempt < 20) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    return st;
  }
}

}  // namespace catalog

Result<TableName> ParseTableName(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos || text.find('.', dot + 1) != std::string_view::npos) {
    return Status::InvalidArgument("invalid table name '" + std::string(text) +
                                   "': expected NAMESPACE.TABLE");
  }
  TableName n;
  LAKE_RETURN_IF_ERROR(ValidateIdentifier(text.substr(0, dot), "table name", text, &n.ns));
  LAKE_RETURN_IF_ERROR(ValidateIdentifier(text.substr(dot + 1), "table name", text, &n.table));
  return n;
}

Result<std::string> NormalizeNamespace(std::string_view text) {
  std::string out;
  LAKE_RETURN_IF_ERROR(ValidateIdentifier(text, "namespace name", text, &out));
  return out;
}

Result<std::string> NormalizeLocation(std::string_view location) {
  if (location.empty()) return Status::InvalidArgument("empty table location");
  std::string s(location);
  if (s.find("://") != std::string::npos && s.rfind("file://", 0) != 0) {
    while (s.size() > 1 && s.back() == '/' && s[s.size() - 2] != '/') s.pop_back();
    return s;
  }
  return LocalPathFromUri(s);
}

TableSummary TableSummary::FromSnapshot(const Snapshot& snap) {
  TableSummary s;
  s.version = snap.version();
  s.schema_json = snap.metadata().schema_string;
  s.partition_columns = snap.metadata().partition_columns;
  s.num_files = static_cast<int64_t>(snap.files().size());
  s.size_bytes = snap.TotalBytes();
  s.refreshed_ms = NowMs();
  return s;
}

std::string Catalog::DefaultUri() {
  std::string env = Getenv("LAKE_CATALOG");
  if (!env.empty()) return env;
  return LakeHome() + "/catalog.db";
}

int Catalog::LatestSchemaVersion() { return static_cast<int>(catalog::Migrations().size()); }

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& uri) {
  return OpenImpl(uri, false);
}

Result<std::unique_ptr<Catalog>> Catalog::OpenExisting(const std::string& uri) {
  return OpenImpl(uri, true);
}

}  // namespace lake
