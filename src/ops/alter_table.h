// Schema evolution (ALTER TABLE): metadata-only commits that change a table's schema or
// properties (PROTOCOL.md "Column Mapping", "Type Widening").
//
//   AddColumn      "name TYPE [NOT NULL] [COMMENT '...']", nested "s.x TYPE" too; old files read
//                  the new column as NULL. NOT NULL is only accepted on an empty table.
//   RenameColumn / DropColumn
//                  enable column mapping mode 'name' the first time (every existing field gets
//                  physicalName = its current name and a delta.columnMapping.id; the table gets
//                  delta.columnMapping.maxColumnId and protocol (2,5), or the columnMapping
//                  feature on a table-features protocol), then change only the metadata. Data
//                  files are never rewritten. New columns of a mapped table get a fresh
//                  physical name ("col-<uuid>"), so a dropped name can be reused without
//                  resurrecting the old data.
//   ChangeColumnType
//                  type widening (byte->short->int->long, float->double, decimal precision /
//                  scale increase with scale increase <= precision increase, date->timestamp_ntz,
//                  integers -> double / decimal wide enough; array elements and map values
//                  too, map keys never): adds the typeWidening feature (or keeps the table's
//                  typeWidening-preview) and records delta.typeChanges in the field metadata
//                  (with fieldPath "element" / "value" for changes inside arrays and maps).
//                  Anything else is refused with the reason (rewrite the table with `lake write
//                  --mode overwrite`).
//   SetProperties / UnsetProperties / SetTableComment / SetColumnComment
//
// Every change is one commit (except enabling row tracking on an existing table: see
// RowTrackingEnableOptions); a concurrent metadata change makes it fail with a Conflict.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lake/actions.h"
#include "lake/schema.h"
#include "lake/status.h"

namespace lake {

struct AlterResult {
  int64_t version = -1;
  std::string summary;  // "added column 'x' (integer)"
};

Result<AlterResult> AddColumn(const std::string& uri, std::string_view column_ddl,
                              const std::string& after = "");
Result<AlterResult> RenameColumn(const std::string& uri, const std::string& old_name,
                                 const std::string& new_name);
Result<AlterResult> DropColumn(const std::string& uri, const std::string& name);
Result<AlterResult> ChangeColumnType(const std::string& uri, const std::string& column,
                                     std::string_view new_type_ddl);
Result<AlterResult> SetProperties(const std::string& uri,
                                  const std::map<std::string, std::string>& props);

// Enabling row tracking on a table that already has files (SetProperties with
// delta.enableRowTracking=true; PROTOCOL.md "Row Tracking", Enablement and "Row IDs": every file
// of the version that sets the property must have a baseRowId) takes several commits, as Spark's
// backfill does:
//   1. "UPGRADE PROTOCOL": writer features rowTracking + domainMetadata (writer version 7, the
//      table's other features kept). From then on every commit assigns row ids to its new files.
//   2. "ROW TRACKING BACKFILL" (one or more): every live file without a baseRowId is re-added
//      unchanged (same path, partition values, stats, deletion vector, tags; dataChange=false),
//      and the transaction gives it a fresh range above the high-water mark and
//      defaultRowCommitVersion = the backfill's version. The files are read (ReadFile), so a
//      concurrent commit that removes or re-adds one of them conflicts; the backfill then starts
//      over from the newest snapshot.
//   3. "SET TBLPROPERTIES": delta.enableRowTracking=true (with the other properties given) and
//      the materialized column names, committed only from a snapshot in which every file has a
//      baseRowId (a concurrent append conflicts with the metadata change; it is retried).
// Each step only does what the table still needs, so re-running after a failure (or a crash
// between the commits: the table is valid, row tracking supported but not enabled) completes
// it. Files without the numRecords statistic are refused before any commit (lake does not
// compute it); so is delta.rowTrackingSuspended=true.
struct RowTrackingEnableOptions {
  // Conflicts tolerated over all steps before giving up (each retry re-reads the table).
  int max_conflicts = 10;
  // Files re-added per backfill commit (a huge table is backfilled in several commits).
  size_t max_files_per_commit = 100000;
  // Tests: called before each backfill commit, after its files were read, and before each
  // attempt of the final commit, after its snapshot was checked.
  std::function<void()> before_backfill_commit;
  std::function<void()> before_final_commit;
};
Result<AlterResult> SetProperties(const std::string& uri,
                                  const std::map<std::string, std::string>& props,
                                  const RowTrackingEnableOptions& row_tracking);
Result<AlterResult> UnsetProperties(const std::string& uri, const std::vector<std::string>& keys);
Result<AlterResult> SetTableComment(const std::string& uri, const std::string& comment);
// Column defaults (allowColumnDefaults): CURRENT_DEFAULT = a SQL expression written when a
// write's source lacks the column. "" removes the default.
Result<AlterResult> SetColumnDefault(const std::string& uri, const std::string& column,
                                     const std::string& default_sql);
Result<AlterResult> SetColumnComment(const std::string& uri, const std::string& column,
                                     const std::string& comment);

// CHECK constraints (PROTOCOL.md "CHECK Constraints"): stored as delta.constraints.NAME = expr
// (a DuckDB SQL boolean over the table's logical column names). AddConstraint first checks every
// existing row (a row fails when the expression is FALSE or NULL, as Delta does) and refuses,
// naming the count and a violating row, when one fails. Adds the checkConstraints feature.
Result<AlterResult> AddConstraint(const std::string& uri, const std::string& name,
                                  const std::string& expr);
Result<AlterResult> DropConstraint(const std::string& uri, const std::string& name);

namespace alter {
// --- pieces (also used by the write path) ---------------------------------------------------

// Whether `from` can be widened to `to` under the typeWidening feature; else the reason.
// Arrays widen through their element type and maps through their value type (the key must stay).
Status CheckWidening(const DataType& from, const DataType& to, const std::string& column);
// `md_json` (a field's metadata) with delta.typeChanges extended by the change from `from` to
// `to` (which CheckWidening accepted): one {fromType, toType} entry per changed type, with
// fieldPath "element" / "value" / "element.element" ... for types inside arrays and maps.
std::string AppendTypeChanges(const std::string& md_json, const DataType& from, const DataType& to);

// Metadata JSON helpers: returns `md_json` with `key` set to the raw JSON `value` / removed.
std::string SetMetadataKey(const std::string& md_json, const std::string& key,
                           const std::string& raw_value);
std::string RemoveMetadataKey(const std::string& md_json, const std::string& key);

// Adds a feature to a protocol, upgrading a legacy protocol to table features (3,7) when needed
// (keeping every feature the legacy versions implied).
void AddFeature(Protocol* p, const std::string& feature, bool reader_writer);
// The type-widening feature name to use on this table: "typeWidening-preview" when the table
// already has the preview feature (same semantics; tables keep their name), else "typeWidening".
std::string TypeWideningFeature(const Protocol& p);

// Column mapping: assigns ids / physical names to fields that lack them (enabling mode 'name'
// when the table has no mapping yet). Updates configuration and protocol.
void EnableColumnMapping(Schema* schema, std::map<std::string, std::string>* conf, Protocol* p);
// A new field of a mapped table: fresh id and physical name.
void AssignMapping(StructField* f, std::map<std::string, std::string>* conf);
}  // namespace alter

}  // namespace lake
