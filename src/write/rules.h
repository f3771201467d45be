// Row-level rules of a write: every rule a row can break (a value that does not cast to its
// column's type, a NULL in a NOT NULL field, a CHECK constraint, an invariant, a generated
// column that disagrees with its expression) checked in ONE relation, so a write can either
// refuse with a count and examples, or split the source into good rows and bad rows (with the
// first rule each broke) for quarantine.
#pragma once

#include <string>
#include <vector>

#include "lake/schema.h"

namespace lake::write {

// A rule a row must satisfy. `sql` is a boolean over the table's column names, bound to the
// row's values after the cast to the table's types (NULL where the cast failed); the row breaks
// the rule when it is FALSE or NULL.
struct RowRule {
  std::string name;  // "column 'id': NOT NULL", "CHECK constraint positive (x > 0)"
  std::string sql;
};

// NOT NULL rules for the non-nullable fields: top-level columns, and struct fields at any
// depth ("column 's.a': NOT NULL"). A nested field may be NULL when a struct above it is NULL
// (the field then has no value at all), as in Delta. Arrays with containsNull=false and maps
// with valueContainsNull=false ("column 'tags.element': NOT NULL"), one level deep.
void AppendNotNullRules(const Schema& schema, std::vector<RowRule>* rules);

// The rows of `source_sql` with the first rule each breaks:
//   SELECT __lake_src (the source row as a struct, as given), __lake_rule (NULL when the row
//   breaks no rule) FROM ...
// `checked_columns` is the SELECT list over the source (aliased __src) that binds the table's
// column names to the cast values (and any helper columns the rules use). Rules are tried in
// order; put the ones that explain the others first (a failed cast makes later rules fail).
// With `with_source_row` false, only __lake_rule (for counting), plus `extra_sql` (over the
// table's column names, like a rule) as __lake_extra when given.
std::string CheckedRowsSql(const std::string& source_sql, const std::string& checked_columns,
                           const std::vector<RowRule>& rules, bool with_source_row = true,
                           const std::string& extra_sql = "");

// Over CheckedRowsSql: the good rows (the source's columns) and the bad rows (the source's
// columns plus _lake_rule).
std::string GoodRowsSql(const std::string& checked_sql);
std::string BadRowsSql(const std::string& checked_sql);

}  // namespace lake::write
