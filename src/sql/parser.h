// The lake SQL dialect: a tokenizer, statement splitting, the classifier/parser of lake
// statements (Spark/Databricks SQL for Delta) and the finder of catalog table references in
// DuckDB SELECTs (with VERSION AS OF / TIMESTAMP AS OF time travel).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/status.h"

namespace lake::sql {

struct Token {
  enum Kind { kWord, kQuotedIdent, kString, kNumber, kSymbol };
  Kind kind = kWord;
  std::string text;           // words: as written; quoted identifiers / strings: unquoted value
  size_t begin = 0, end = 0;  // byte range in the source text
  bool Is(std::string_view keyword) const;  // a word equal to `keyword` (case-insensitive)
  bool IsSym(std::string_view s) const { return kind == kSymbol && text == s; }
  bool IsIdent() const { return kind == kWord || kind == kQuotedIdent; }
};

// Skips whitespace and comments (-- ... and /* ... */). InvalidArgument for an unterminated
// string, quoted identifier or comment.
Result<std::vector<Token>> Tokenize(std::string_view sql);

// Splits a script at top-level ';' (outside strings, quoted identifiers and comments).
// Statements are trimmed; empty ones (and comment-only ones) are dropped.
std::vector<std::string> SplitStatements(std::string_view script);

// True when `buffer` ends with a top-level ';' (ignoring trailing whitespace and comments): the
// shell keeps reading lines until then.
bool IsComplete(std::string_view buffer);

// A table reference "ns.t [VERSION AS OF n | TIMESTAMP AS OF 'ts'] [[AS] alias]" in a query.
struct TableRef {
  std::string ns, table;  // as written (unquoted); the catalog lower-cases
  std::optional<int64_t> version;
  std::optional<std::string> timestamp;
  std::string alias;          // "" = none written
  size_t begin = 0, end = 0;  // the name and the time travel clause (not the alias)
  std::string Name() const { return ns + "." + table; }
};

// The two-part names in FROM / JOIN positions of `sql` (candidates: the executor keeps those
// the catalog knows).
Result<std::vector<TableRef>> FindTableRefs(std::string_view sql);

// The top-level WHERE predicate of a single-table query "SELECT ... FROM ns.t ... WHERE p
// [GROUP BY|ORDER BY|LIMIT|...]" when it is safe to push into the scan (one SELECT, no
// subqueries, no qualified column names); "" otherwise.
std::string PushdownPredicate(std::string_view sql, const std::vector<Token>& tokens);

// `sql` with the ranges [begin, end) of `refs` replaced by `replacements` (same order).
std::string ReplaceRanges(std::string_view sql, const std::vector<TableRef>& refs,
                          const std::vector<std::string>& replacements);

enum class Kind {
  kQuery,          // DuckDB SQL (catalog names rewritten)
  kCreateTable,    // CREATE TABLE ns.t (cols) ...
  kCreateTableAs,  // CREATE TABLE ns.t ... AS SELECT
  kInsert,         // INSERT INTO / INSERT OVERWRITE
  kVacuum,
  kOptimize,    // OPTIMIZE ns.t [WHERE partition_expr] [ZORDER BY (c1, ...)]
  kAlterTable,  // ALTER TABLE ns.t ADD/RENAME/DROP/ALTER COLUMN, SET/UNSET TBLPROPERTIES, ...
  kDescribeHistory,
  kDescribeDetail,
  kDescribe,
  kShowTables,
  kShowNamespaces,
  kCreateNamespace,
  kDropTable,
  kDropNamespace,
  kSetRetentionCheck,  // SET spark.databricks.delta.retentionDurationCheck.enabled = true|false
  kUnsupported,        // a known lake statement lake cannot run yet (UPDATE, MERGE, ...)
};

struct Statement {
  Kind kind = Kind::kQuery;
  std::string text;
  std::string table;        // "ns.t" as written
  std::string ns;           // SHOW TABLES IN ns, CREATE/DROP NAMESPACE
  std::string columns_ddl;  // CREATE TABLE: the column list (DuckDB/Spark DDL)
  std::vector<std::string> partition_by;
  std::string comment, location;
  std::map<std::string, std::string> properties;
  bool if_not_exists = false, if_exists = false, purge = false, cascade = false;
  std::string query;  // CTAS / INSERT: the source query
  bool overwrite = false;
  std::string replace_where;
  std::string where;                   // OPTIMIZE ... WHERE
  std::vector<std::string> zorder_by;  // OPTIMIZE ... ZORDER BY
  // ALTER TABLE: the action ("add_columns", "rename_column", "drop_column", "change_type",
  // "comment_column", "set_properties", "unset_properties", "add_constraint",
  // "drop_constraint"), its items (column DDLs, property keys) and operands.
  std::string alter_action;
  std::vector<std::string> alter_items;
  std::string alter_name, alter_arg;
  std::vector<std::string> insert_columns;
  std::optional<double> retain_hours;
  bool dry_run = false;
  bool enabled = true;           // kSetRetentionCheck
  std::optional<int64_t> limit;  // DESCRIBE HISTORY ... LIMIT n
  std::string unsupported;       // kUnsupported: what is not supported
};

// Classifies and parses one statement (no trailing ';'). InvalidArgument with the reason for a
// malformed lake statement.
Result<Statement> ParseStatement(std::string_view text);

// Keywords for tab completion.
const std::vector<std::string>& Keywords();

}  // namespace lake::sql
