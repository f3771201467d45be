// Catalog: names for tables ("ns.table" -> location), with comments, properties and a cached
// summary per table. Two backends with identical behaviour:
//   - SQLite (the embedded default): the file $LAKE_HOME/catalog.db (LAKE_HOME default ~/.lake),
//     WAL mode, busy_timeout, BEGIN IMMEDIATE for every write;
//   - PostgreSQL through libpq: a "postgresql://..." or "postgres://..." URI.
// Catalog::Open("") picks $LAKE_CATALOG, else the SQLite default. A "sqlite:PATH" URI or a plain
// path names another SQLite file.
//
// The Delta log stays the source of truth. The summary (latest version, schema, partition
// columns, file count, bytes) is a cache for listings: it is refreshed by every commit made
// through lake (the write path calls OnCommit), by Refresh(name) and by Sync() (`lake catalog
// sync`). It is stale only after commits made by other writers (Spark, another engine, a lake
// that did not call OnCommit) until the next refresh or sync; `describe` always reads the log.
// A summary only ever moves forward: an update for an older table version than the stored one
// is ignored (optimistic concurrency on the version column), so a slow refresh racing a commit
// never overwrites the newer summary.
//
// Names: a namespace and a table name are each 1-128 characters of letters, digits and '_';
// case-insensitive like Spark: stored and printed in lower case. A table is named "ns.table".
//
// Concurrency: any number of processes may use one catalog at once. Every operation is one
// transaction; a name taken concurrently gives AlreadyExists, never a lost update or a corrupt
// catalog. A Catalog object itself is not thread-safe: one per thread (or a mutex).
//
// Schema migrations: catalog_meta(schema_version) says which version of the catalog's DDL a
// database holds; Open upgrades an older catalog in one transaction and refuses a newer one
// (Unsupported, naming both versions).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/status.h"

namespace lake {

class Snapshot;

// A validated, lower-cased "ns.table".
struct TableName {
  std::string ns;
  std::string table;
  std::string ToString() const { return ns + "." + table; }
  bool operator==(const TableName&) const = default;
};

// "Sales.Orders" -> {"sales", "orders"}; InvalidArgument with the reason otherwise.
Result<TableName> ParseTableName(std::string_view text);
// A namespace name, lower-cased.
Result<std::string> NormalizeNamespace(std::string_view text);

// The cached state of a table's log (see above).
struct TableSummary {
  int64_t version = -1;     // -1: no Delta table at the location yet (reserved) / never loaded
  std::string schema_json;  // Metadata.schemaString
  std::vector<std::string> partition_columns;
  int64_t num_files = 0;
  int64_t size_bytes = 0;
  int64_t refreshed_ms = 0;  // when the summary was written (epoch ms)

  static TableSummary FromSnapshot(const Snapshot& snap);
};

struct TableEntry {
  TableName name;
  std::string location;  // absolute path, or a URI (s3://...)
  bool managed = false;  // created under the catalog's warehouse folder
  std::string comment;
  std::map<std::string, std::string> properties;
  int64_t created_ms = 0;
  TableSummary summary;
};

struct NamespaceEntry {
  std::string name;
  int64_t created_ms = 0;
  int64_t num_tables = 0;
};

struct CreateTableOptions {
  // "" = the default warehouse folder <warehouse>/<ns>/<table> (created when local).
  std::string location;
  std::string comment;
  std::map<std::string, std::string> properties;
};

struct SyncResult {
  int refreshed = 0;  // summaries that changed
  int unchanged = 0;
  // "ns.t: <error>" for tables whose log could not be read (e.g. the location is gone).
  std::vector<std::string> errors;
};

class Catalog {
 public:
  virtual ~Catalog() = default;

  // Opens (creating and migrating as needed) the catalog at `uri`; "" = DefaultUri().
  static Result<std::unique_ptr<Catalog>> Open(const std::string& uri = "");
  // $LAKE_CATALOG, else "$LAKE_HOME/catalog.db" (LAKE_HOME default ~/.lake).
  static std::string DefaultUri();
  // Like Open, but NotFound (and nothing created) when the catalog is an SQLite file that does
  // not exist: for read paths that only look a name up.
  static Result<std::unique_ptr<Catalog>> OpenExisting(const std::string& uri = "");
  // The schema version this binary writes.
  static int LatestSchemaVersion();

  virtual const std::string& uri() const = 0;
  virtual const char* backend() const = 0;  // "sqlite" or "postgresql"
  // Where managed tables go: recorded in the catalog when it is created (from
  // $LAKE_WAREHOUSE, else $LAKE_HOME/warehouse).
  virtual const std::string& warehouse() const = 0;

  // --- namespaces ---
  virtual Status CreateNamespace(std::string_view ns, bool if_not_exists = false) = 0;
  // Refuses (InvalidArgument) a namespace that still has tables unless `cascade`, which drops
  // their catalog entries (never their data). NotFound when missing.
  virtual Status DropNamespace(std::string_view ns, bool cascade = false) = 0;
  virtual Result<std::vector<NamespaceEntry>> ListNamespaces() = 0;

  // --- tables ---
  // Names a location: an existing Delta table (its summary is loaded) or a location with no log
  // yet, reserved for a table to be created there. NotFound when the namespace is missing,
  // AlreadyExists when the name is taken.
  virtual Result<TableEntry> CreateTable(std::string_view name,
                                         const CreateTableOptions& options = {}) = 0;
  // Registers an existing Delta table: fails (NotFound) unless `location` opens and has a
  // readable latest snapshot.
  virtual Result<TableEntry> RegisterTable(std::string_view name, std::string_view location) = 0;
  // Removes the entry; with `purge`, also deletes every object under the table's location
  // through its ObjectStore (refused for a location that holds objects but no _delta_log,
  // unless the table is managed).
  virtual Status DropTable(std::string_view name, bool purge = false) = 0;
  // The location does not move. Across namespaces too.
  virtual Status RenameTable(std::string_view from, std::string_view to) = 0;
  // Sorted by name; "" = every namespace.
  virtual Result<std::vector<TableEntry>> ListTables(std::string_view ns = "") = 0;
  virtual Result<TableEntry> GetTable(std::string_view name) = 0;
  // NotFound when the name is unknown.
  virtual Result<std::string> ResolveLocation(std::string_view name) = 0;

  virtual Status SetProperty(std::string_view name, std::string_view key,
                             std::string_view value) = 0;
  virtual Status UnsetProperty(std::string_view name, std::string_view key) = 0;
  virtual Status SetComment(std::string_view name, std::string_view comment) = 0;

  // --- summaries ---
  // Stores `summary` unless the stored one is for a newer table version; returns whether it
  // was stored.
  virtual Result<bool> UpdateSummary(std::string_view name, const TableSummary& summary) = 0;
  // For the write path: call after a commit to the table named `name`. Ignored (OK) when the
  // snapshot is of another location than the entry's.
  virtual Status OnCommit(std::string_view name, const Snapshot& snapshot) = 0;
  // Reloads the summary from the table's log and stores it (monotonically, as above).
  virtual Result<TableSummary> Refresh(std::string_view name) = 0;
  // Refreshes every table (or one namespace's: "ns", or one table: "ns.t").
  virtual Result<SyncResult> Sync(std::string_view scope = "") = 0;
};

// Normalizes a table location: a plain path or file:// URI becomes an absolute path without a
// trailing '/'; other URIs lose a trailing '/'.
Result<std::string> NormalizeLocation(std::string_view location);

}  // namespace lake
