#include "write/rules.h"

#include "engine/duckdb_engine.h"

namespace lake::write {
namespace {

using engine::QuoteIdent;
using engine::QuoteString;

// Arrays with containsNull=false and maps with valueContainsNull=false hold no NULL element /
// value (checked one level deep: elements of elements are not inspected).
void CollectionNotNull(const DataType& t, const std::string& value, const std::string& path,
                       const std::string& guard, std::vector<RowRule>* rules) {
  std::string ok;
  std::string what;
  if (t.kind == DataType::Kind::kArray && !t.contains_null) {
    ok = "list_count(" + value + ") = len(" + value + ")";
    what = path + ".element";
  } else if (t.kind == DataType::Kind::kMap && !t.value_contains_null) {
    ok = "list_count(map_values(" + value + ")) = cardinality(" + value + ")";
    what = path + ".value";
  } else {
    return;
  }
  rules->push_back({"column '" + what + "': NOT NULL", "(" + guard + ") IS NOT TRUE OR " + ok});
}

// `value` is the SQL of a struct of type `fields`; `guard` is the condition under which it is
// not NULL so far (its ancestors are not NULL). Appends one rule per non-nullable field.
void NestedNotNull(const std::vector<StructField>& fields, const std::string& value,
                   const std::string& path, const std::string& guard, std::vector<RowRule>* rules) {
  for (const auto& f : fields) {
    std::string v = "struct_extract(" + value + ", " + QuoteString(f.name) + ")";
    std::string p = path + "." + f.name;
    if (!f.nullable)
      rules->push_back(
          {"column '" + p + "': NOT NULL", "(" + guard + ") IS NOT TRUE OR " + v + " IS NOT NULL"});
    std::string g = guard + " AND " + v + " IS NOT NULL";
    if (f.type->IsStruct()) NestedNotNull(f.type->fields, v, p, g, rules);
    CollectionNotNull(*f.type, v, p, g, rules);
  }
}

}  // namespace

void AppendNotNullRules(const Schema& schema, std::vector<RowRule>* rules) {
  for (const auto& f : schema.fields) {
    std::string v = QuoteIdent(f.name);
    if (!f.nullable) rules->push_back({"column '" + f.name + "': NOT NULL", v + " IS NOT NULL"});
  }
  // Nested fields after every top-level one: a NULL column explains more than a NULL field.
  for (const auto& f : schema.fields) {
    std::string v = QuoteIdent(f.name);
    if (f.type->IsStruct()) NestedNotNull(f.type->fields, v, f.name, v + " IS NOT NULL", rules);
    CollectionNotNull(*f.type, v, f.name, v + " IS NOT NULL", rules);
  }
}

std::string CheckedRowsSql(const std::string& source_sql, const std::string& checked_columns,
                           const std::vector<RowRule>& rules, bool with_source_row,
                           const std::string& extra_sql) {
  std::string which = "NULL";
  if (!rules.empty()) {
    which = "CASE";
    for (const auto& r : rules)
      which += " WHEN NOT coalesce((" + r.sql + "), false) THEN " + QuoteString(r.name);
    which += " END";
  }
  // Without the row struct the query references only the columns the rules use, so a Parquet
  // source is read for those columns alone.
  if (!with_source_row) {
    std::string extra = extra_sql.empty() ? "" : ", (" + extra_sql + ") AS __lake_extra";
    return "SELECT " + which + " AS __lake_rule" + extra + " FROM (SELECT " + checked_columns +
           " FROM (" + source_sql + ") AS __src) AS __v";
  }
  return "SELECT __lake_src, " + which + " AS __lake_rule FROM (SELECT __src AS __lake_src, " +
         checked_columns + " FROM (" + source_sql + ") AS __src) AS __v";
}

std::string GoodRowsSql(const std::string& checked_sql) {
  return "SELECT unnest(__lake_src) FROM (" + checked_sql + ") AS __c WHERE __lake_rule IS NULL";
}

std::string BadRowsSql(const std::string& checked_sql) {
  return "SELECT unnest(__lake_src), __lake_rule AS _lake_rule FROM (" + checked_sql +
         ") AS __c WHERE __lake_rule IS NOT NULL";
}

}  // namespace lake::write
