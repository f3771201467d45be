// The Delta type system (PROTOCOL.md "Schema Serialization Format") and column mapping.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/status.h"

namespace lake {

struct DataType;
using DataTypePtr = std::shared_ptr<const DataType>;

struct StructField {
  std::string name;
  DataTypePtr type;
  bool nullable = true;
  std::string metadata;  // the field's metadata object as JSON text ("{}" when empty)

  // Column mapping (PROTOCOL.md "Column Mapping"): delta.columnMapping.physicalName and
  // delta.columnMapping.id from the metadata, when present.
  std::optional<std::string> physical_name;
  std::optional<int64_t> field_id;

  // The name to look up in data files and partitionValues under `mapping_mode`
  // ("none", "name" or "id").
  const std::string& PhysicalName(std::string_view mapping_mode) const;
};

struct DataType {
  enum class Kind { kPrimitive, kDecimal, kStruct, kArray, kMap };
  Kind kind = Kind::kPrimitive;
  // kPrimitive: the Delta name: string, long, integer, short, byte, float, double, boolean,
  // binary, date, timestamp, timestamp_ntz, variant, void, ... (collated strings keep "string").
  std::string name;
  int precision = 0, scale = 0;     // kDecimal
  std::vector<StructField> fields;  // kStruct
  DataTypePtr element;              // kArray
  bool contains_null = true;        // kArray
  DataTypePtr key, value;           // kMap
  bool value_contains_null = true;  // kMap

  bool IsStruct() const { return kind == Kind::kStruct; }
  // Delta's textual form: "long", "decimal(10,2)", "struct<a:int,...>", "array<string>", ...
  std::string ToString() const;
};

// A table schema: the top-level struct.
struct Schema {
  std::vector<StructField> fields;

  const StructField* Find(std::string_view name) const;  // exact match
  const StructField* FindCaseInsensitive(std::string_view name) const;
};

// Parses metaData.schemaString. Unknown primitive type names are an Unsupported error naming
// the field.
Result<Schema> ParseSchema(std::string_view schema_json);

// DuckDB's SQL type for a Delta type ("BIGINT", "DECIMAL(10,2)", "STRUCT(\"a\" INTEGER)", ...).
// Delta timestamp (UTC-adjusted) maps to TIMESTAMP WITH TIME ZONE, timestamp_ntz to TIMESTAMP.
Result<std::string> DuckDBType(const DataType& type);

}  // namespace lake
