// Parsing of metaData.schemaString (PROTOCOL.md "Schema Serialization Format") and the mapping
// of Delta types to DuckDB types.
#include "lake/schema.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace lake {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// Primitive names of the protocol, plus types of reader features lake understands.
const std::set<std::string, std::less<>>& PrimitiveNames() {
  // Never destroyed: the background checkpointer may parse schemas during exit
  // (src/txn/background_checkpointer.h).
  static const auto& k = *new std::set<std::string, std::less<>>{
      "string",  "long",   "integer", "short",     "byte",          "float",   "double",
      "boolean", "binary", "date",    "timestamp", "timestamp_ntz", "variant", "void"};
  return k;
}

Result<DataTypePtr> ParseType(element e, const std::string& where);

Result<StructField> ParseField(element e, const std::string& parent) {
  object o;
  if (e.get(o) != simdjson::SUCCESS)
    return Status::Corruption("schema field in " + parent + " is not an object");
  std::string_view name;
  if (o["name"].get(name) != simdjson::SUCCESS) {
    return Status::Corruption("schema field in " + parent + " has no string 'name'");
  }
  StructField f;
  f.name = std::string(name);
  std::string where = parent.empty() ? f.name : parent + "." + f.name;
  element type;
  if (o["type"].get(type) != simdjson::SUCCESS) {
    return Status::Corruption("schema field '" + where + "' has no 'type'");
  }
  LAKE_ASSIGN_OR_RETURN(f.type, ParseType(type, where));
  bool nullable = true;
  if (o["nullable"].get(nullable) == simdjson::SUCCESS) f.nullable = nullable;
  object md;
  if (o["metadata"].get(md) == simdjson::SUCCESS) {
    f.metadata = simdjson::minify(md);
    std::string_view phys;
    if (md["delta.columnMapping.physicalName"].get(phys) == simdjson::SUCCESS) {
      f.physical_name = std::string(phys);
    }
    int64_t id;
    if (md["delta.columnMapping.id"].get(id) == simdjson::SUCCESS) f.field_id = id;
  } else {
    f.metadata = "{}";
  }
  return f;
}

Result<DataTypePtr> ParseType(element e, const std::string& where) {
  auto t = std::make_shared<DataType>();
  std::string_view s;
  if (e.get(s) == simdjson::SUCCESS) {
    if (s.rfind("decimal", 0) == 0) {
      // "decimal(p,s)" with optional spaces; bare "decimal" is decimal(10,0) as in Spark.
      t->kind = DataType::Kind::kDecimal;
      t->name = "decimal";
      int p = 10, sc = 0;
      if (s.size() > 7) {
        std::string rest(s.substr(7));
        rest.erase(std::remove(rest.begin(), rest.end(), ' '), rest.end());
        if (std::sscanf(rest.c_str(), "(%d,%d)", &p, &sc) != 2) {
          return Status::Corruption("field '" + where + "' has a malformed decimal type '" +
                                    std::string(s) + "'");
        }
      }
      if (p < 1 || p > 38 || sc < 0 || sc > p) {
        return Status::Unsupported("field '" + where + "' has decimal(" + std::to_string(p) + "," +
                                   std::to_string(sc) +
                                   "): precision must be 1..38 and scale 0..precision");
      }
      t->precision = p;
      t->scale = sc;
      return DataTypePtr(t);
    }
    std::string base(s.substr(0, s.find('(')));
    if (base == "geometry" || base == "geography") {
      // Geospatial types (reader feature geospatial) hold WKB in Parquet binary columns.
      t->name = std::string(s);
      return DataTypePtr(t);
    }
    if (PrimitiveNames().count(s) == 0) {
      return Status::Unsupported("field '" + where + "' has unsupported type '" + std::string(s) +
                                 "'");
    }
    t->name = std::string(s);
    return DataTypePtr(t);
  }
  object o;
  if (e.get(o) != simdjson::SUCCESS) {
    return Status::Corruption("field '" + where +
                              "' has a type that is neither a string nor an object");
  }
  std::string_view kind;
  if (o["type"].get(kind) != simdjson::SUCCESS) {
    return Status::Corruption("field '" + where + "' has a complex type without 'type'");
  }
  if (kind == "struct") {
    t->kind = DataType::Kind::kStruct;
    t->name = "struct";
    simdjson::dom::array fields;
    if (o["fields"].get(fields) != simdjson::SUCCESS) {
      return Status::Corruption("struct '" + where + "' has no 'fields' array");
    }
    for (element fe : fields) {
      LAKE_ASSIGN_OR_RETURN(StructField f, ParseField(fe, where));
      t->fields.push_back(std::move(f));
    }
  } else if (kind == "array") {
    t->kind = DataType::Kind::kArray;
    t->name = "array";
    element et;
    if (o["elementType"].get(et) != simdjson::SUCCESS) {
      return Status::Corruption("array '" + where + "' has no 'elementType'");
    }
    LAKE_ASSIGN_OR_RETURN(t->element, ParseType(et, where + ".element"));
    bool cn = true;
    if (o["containsNull"].get(cn) == simdjson::SUCCESS) t->contains_null = cn;
  } else if (kind == "map") {
    t->kind = DataType::Kind::kMap;
    t->name = "map";
    element kt, vt;
    if (o["keyType"].get(kt) != simdjson::SUCCESS || o["valueType"].get(vt) != simdjson::SUCCESS) {
      return Status::Corruption("map '" + where + "' needs 'keyType' and 'valueType'");
    }
    LAKE_ASSIGN_OR_RETURN(t->key, ParseType(kt, where + ".key"));
    LAKE_ASSIGN_OR_RETURN(t->value, ParseType(vt, where + ".value"));
    bool vcn = true;
    if (o["valueContainsNull"].get(vcn) == simdjson::SUCCESS) t->value_contains_null = vcn;
  } else {
    return Status::Unsupported("field '" + where + "' has unsupported complex type '" +
                               std::string(kind) + "'");
  }
  return DataTypePtr(t);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::string& StructField::PhysicalName(std::string_view mapping_mode) const {
  if (mapping_mode != "none" && !mapping_mode.empty() && physical_name) return *physical_name;
  return name;
}

std::string DataType::ToString() const {
  switch (kind) {
    case Kind::kPrimitive:
      return name;
    case Kind::kDecimal:
      return "decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    case Kind::kArray:
      return "array<" + element->ToString() + ">";
    case Kind::kMap:
      return "map<" + key->ToString() + "," + value->ToString() + ">";
    case Kind::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ",";
        out += fields[i].name + ":" + fields[i].type->ToString();
      }
      return out + ">";
    }
  }
  return name;
}

const StructField* Schema::Find(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const StructField* Schema::FindCaseInsensitive(std::string_view name) const {
  for (const auto& f : fields) {
    if (EqualsIgnoreCase(f.name, name)) return &f;
  }
  return nullptr;
}

Result<Schema> ParseSchema(std::string_view schema_json) {
  simdjson::dom::parser parser;
  element root;
  auto err = parser.parse(schema_json.data(), schema_json.size()).get(root);
  if (err) {
    return Status::Corruption(std::string("schemaString is not valid JSON: ") +
                              simdjson::error_message(err));
  }
  LAKE_ASSIGN_OR_RETURN(DataTypePtr t, ParseType(root, ""));
  if (!t->IsStruct()) return Status::Corruption("schemaString is not a struct type");
  Schema s;
  s.fields = t->fields;
  return s;
}

Result<std::string> DuckDBType(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kDecimal:
      return "DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case DataType::Kind::kArray: {
      LAKE_ASSIGN_OR_RETURN(std::string e, DuckDBType(*type.element));
      return e + "[]";
    }
    case DataType::Kind::kMap: {
      LAKE_ASSIGN_OR_RETURN(std::string k, DuckDBType(*type.key));
      LAKE_ASSIGN_OR_RETURN(std::string v, DuckDBType(*type.value));
      return "MAP(" + k + ", " + v + ")";
    }
    case DataType::Kind::kStruct: {
      std::string out = "STRUCT(";
      for (size_t i = 0; i < type.fields.size(); ++i) {
        if (i) out += ", ";
        std::string q = "\"";
        for (char c : type.fields[i].name)
          q += (c == '"') ? std::string("\"\"") : std::string(1, c);
        q += "\"";
        LAKE_ASSIGN_OR_RETURN(std::string ft, DuckDBType(*type.fields[i].type));
        out += q + " " + ft;
      }
      return out + ")";
    }
    case DataType::Kind::kPrimitive:
      break;
  }
  const std::string& n = type.name;
  if (n == "string") return std::string("VARCHAR");
  if (n == "long") return std::string("BIGINT");
  if (n == "integer") return std::string("INTEGER");
  if (n == "short") return std::string("SMALLINT");
  if (n == "byte") return std::string("TINYINT");
  if (n == "float") return std::string("FLOAT");
  if (n == "double") return std::string("DOUBLE");
  if (n == "boolean") return std::string("BOOLEAN");
  if (n == "binary") return std::string("BLOB");
  if (n == "date") return std::string("DATE");
  if (n == "timestamp") return std::string("TIMESTAMP WITH TIME ZONE");
  if (n == "timestamp_ntz") return std::string("TIMESTAMP");
  // DuckDB 1.4 has no VARIANT type; its Parquet reader decodes Variant columns to JSON.
  if (n == "variant") return std::string("JSON");
  // void columns hold only nulls; DuckDB's NULL type cannot be a column type of a CAST.
  if (n == "void") return std::string("INTEGER");
  if (n.rfind("geometry", 0) == 0 || n.rfind("geography", 0) == 0) return std::string("BLOB");
  return Status::Unsupported("type '" + n + "' has no DuckDB equivalent");
}

}  // namespace lake
