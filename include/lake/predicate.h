// The one predicate model used for partition pruning and data skipping.
//
// ParsePredicate parses a SQL WHERE subset (hand-written recursive descent, no DuckDB), resolves
// its column references (LOGICAL names, case-insensitive, dotted for nested struct fields)
// against the table schema, and FilePruner evaluates it against one AddFile at a time:
//   1. partition values (AddFile::partition_values, keyed by physical name), exactly;
//   2. per-file statistics (AddFile::stats JSON: minValues/maxValues/nullCount/numRecords),
//      conservatively: a file is skipped only when it PROVABLY holds no row for which the
//      predicate is TRUE under SQL three-valued logic (as DuckDB, the engine, evaluates it).
//
// Grammar (keywords case-insensitive):
//   expr      := and_expr (OR and_expr)*
//   and_expr  := not_expr (AND not_expr)*
//   not_expr  := NOT not_expr | predicate
//   predicate := operand [ (= | <> | != | < | <= | > | >=) operand
//                        | [NOT] IN '(' operand (, operand)* ')'
//                        | [NOT] BETWEEN operand AND operand
//                        | [NOT] LIKE 'pattern'
//                        | IS [NOT] NULL ]
//   operand   := column | literal | '(' expr ')'
//   column    := ident ('.' ident)*       ident := [A-Za-z_][A-Za-z0-9_]* | "quoted ""x"""
//   literal   := [-]integer | [-]decimal | [-]float (with exponent) | 'string' ('' escapes)
//              | TRUE | FALSE | NULL | DATE 'YYYY-MM-DD' | TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.f]'
// A bare operand used as a condition must be a boolean column or TRUE/FALSE/NULL.
// Anything else (functions, arithmetic, casts, ...) is an InvalidArgument parse error; the
// caller may then scan without pruning (the text still goes to DuckDB as the row filter).
//
// Comparisons whose types do not combine in an understood way (column vs column, string
// column vs number, struct columns, ...) parse fine but never prune.
//
// Literals are converted as DuckDB would for the comparison: string literals cast to the
// column type; int/decimal literals compared exactly against integer/decimal columns; float
// literals (with an exponent) and float/double columns compare as doubles. Timestamps without
// an offset are taken as UTC (the engine session must use TimeZone 'UTC' for agreement).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lake/actions.h"
#include "lake/schema.h"
#include "lake/status.h"

namespace lake {

namespace pred_internal {
struct Expr;
}  // namespace pred_internal

// A parsed and schema-resolved predicate. Immutable; share it freely across threads.
class Predicate {
 public:
  // A canonical, fully parenthesized rendering, e.g. "((a = 1) OR (NOT (s.b IS NULL)))".
  // Columns are printed with their schema spelling.
  std::string ToString() const;

  // Top-level columns referenced (schema spelling, logical names), each once, in order of
  // first appearance. For "s.a = 1 AND x > 2": {"s", "x"}.
  const std::vector<std::string>& ReferencedColumns() const { return referenced_; }

  // Internal representation (for FilePruner).
  const pred_internal::Expr& root() const { return *root_; }

  Predicate(std::shared_ptr<const pred_internal::Expr> root, std::vector<std::string> referenced)
      : root_(std::move(root)), referenced_(std::move(referenced)) {}

 private:
  std::shared_ptr<const pred_internal::Expr> root_;
  std::vector<std::string> referenced_;
};

// Parses `where_sql` and resolves it against `schema`. Errors are InvalidArgument with a
// one-line message ("predicate: unknown column 'foo'", "predicate: at offset 7: expected ')'
// but found 'AND'").
Result<std::shared_ptr<const Predicate>> ParsePredicate(std::string_view where_sql,
                                                        const Schema& schema);

enum class SkipReason {
  kKept,       // the file may contain matching rows
  kPartition,  // skipped: its partition values cannot satisfy the predicate
  kStats,      // skipped: its statistics prove no row satisfies the predicate
};

const char* SkipReasonName(SkipReason r);

namespace pred_internal {
struct Compiled;
}  // namespace pred_internal

// Evaluates a predicate against files. Built once per scan; Evaluate is const and safe to
// call from several threads at once (each thread keeps its own JSON parser).
class FilePruner {
 public:
  // `schema` must be the schema the predicate was parsed with; `partition_columns` are the
  // logical partition column names (metaData.partitionColumns); `mapping_mode` is
  // delta.columnMapping.mode ("none", "name" or "id"; "" means none).
  static Result<FilePruner> Make(std::shared_ptr<const Predicate> pred, const Schema& schema,
                                 const std::vector<std::string>& partition_columns,
                                 const std::string& mapping_mode);

  SkipReason Evaluate(const AddFile& file) const;

  // True when the predicate references a non-partition column (so stats are consulted).
  bool UsesStats() const;

  FilePruner(FilePruner&&) noexcept;
  FilePruner& operator=(FilePruner&&) noexcept;
  ~FilePruner();

 private:
  explicit FilePruner(std::unique_ptr<pred_internal::Compiled> c);
  std::unique_ptr<pred_internal::Compiled> c_;
};

}  // namespace lake
