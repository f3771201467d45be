// Casts and NOT NULL as row rules: refusals count the bad rows per rule and show up to 5
// examples naming the column and the rule; quarantine moves exactly those rows.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/duckdb_engine.h"
#include "lake/scan.h"
#include "lake/table.h"
#include "lake/write.h"
#include "table_test_util.h"
#include "test_util.h"

namespace lake {
namespace {

using lake::testing::TempDir;

using lake::testing::Conn;

void Create(const std::string& dir, const std::string& ddl) {
  auto schema = ParseSchemaDDL(ddl);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  ASSERT_TRUE(CreateTable(dir, *schema, {}).ok());
}

int64_t Version(const std::string& dir) {
  auto t = Table::Open(dir);
  EXPECT_TRUE(t.ok());
  auto s = (*t)->LatestSnapshot();
  EXPECT_TRUE(s.ok());
  return (*s)->version();
}

// "value|value" rows of `select_list` over the table, ordered by the first column.
std::vector<std::string> Rows(const std::string& dir, const std::string& select_list) {
  auto t = Table::Open(dir);
  EXPECT_TRUE(t.ok());
  auto s = (*t)->LatestSnapshot();
  EXPECT_TRUE(s.ok());
  auto plan = Scan::Plan(*s, ScanOptions{});
  EXPECT_TRUE(plan.ok());
  auto c = Conn();
  auto sql = plan->ToSql(*c);
  EXPECT_TRUE(sql.ok());
  auto r = c->Query("SELECT COLUMNS(*)::VARCHAR FROM (SELECT " + select_list + " FROM (" + *sql +
                    ") ORDER BY 1, 2)");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (size_t row = 0; row < r->row_count(); ++row) {
    std::string line;
    for (size_t col = 0; col < r->column_count(); ++col)
      line += (col ? "|" : "") +
              (r->IsNull(col, row) ? std::string("NULL") : std::string(r->GetString(col, row)));
    out.push_back(line);
  }
  return out;
}

Status WriteSql(const std::string& dir, const std::string& sql) {
  return WriteBuilder(dir).Source({"", sql}).Execute().status();
}

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(RowRules, CastFailureNamesColumnRuleAndValues) {
  TempDir dir;
  Create(dir.path(), "id BIGINT, price DECIMAL(10,2), qty INT");
  auto st = WriteSql(dir.path(),
                     "SELECT * FROM (VALUES (1, '1.5', '1'), (2, 'abc', '2'), (3, '2.5', 'x3'), "
                     "(4, 'zz', '4')) t(id, price, qty)");
  ASSERT_FALSE(st.ok());
  const std::string& m = st.message();
  EXPECT_TRUE(Has(m, "3 rows break the table's rules; nothing was written")) << m;
  EXPECT_TRUE(Has(m, "column 'price': cast to DECIMAL(10,2) (source type VARCHAR): 2")) << m;
  EXPECT_TRUE(Has(m, "column 'qty': cast to INTEGER (source type VARCHAR): 1")) << m;
  // Examples show the source values as given, and the rule.
  EXPECT_TRUE(Has(m, "'price': abc, 'qty': 2} violates column 'price': cast to DECIMAL(10,2)"))
      << m;
  EXPECT_TRUE(Has(m, "'qty': x3} violates column 'qty': cast to INTEGER")) << m;
  EXPECT_EQ(Version(dir.path()), 0);
}

TEST(RowRules, NotNullTopLevelAndNestedFields) {
  TempDir dir;
  Create(dir.path(), "id BIGINT NOT NULL, s STRUCT(a INT NOT NULL, b INT)");
  auto top = WriteSql(dir.path(),
                      "SELECT * FROM (VALUES (NULL, {'a': 1, 'b': 1}), (NULL, NULL), "
                      "(3, NULL)) t(id, s)");
  ASSERT_FALSE(top.ok());
  EXPECT_TRUE(Has(top.message(),
                  "2 rows break the table's rules; nothing was written (column 'id': NOT NULL: 2)"))
      << top.message();
  EXPECT_TRUE(Has(top.message(), "{'id': NULL, 's': NULL} violates column 'id': NOT NULL"))
      << top.message();
  // A NULL field of a non-NULL struct breaks the rule; a NULL struct does not.
  auto nested = WriteSql(dir.path(),
                         "SELECT * FROM (VALUES (1, {'a': NULL, 'b': 1}), (2, NULL), "
                         "(3, {'a': 3, 'b': NULL})) t(id, s)");
  ASSERT_FALSE(nested.ok());
  EXPECT_TRUE(
      Has(nested.message(),
          "1 row breaks the table's rules; nothing was written (column 's.a': NOT NULL: 1)"))
      << nested.message();
  EXPECT_TRUE(
      Has(nested.message(), "{'id': 1, 's': {'a': NULL, 'b': 1}} violates column 's.a': NOT NULL"))
      << nested.message();
  EXPECT_EQ(Version(dir.path()), 0);
  ASSERT_TRUE(
      WriteSql(dir.path(), "SELECT * FROM (VALUES (2, NULL), (3, {'a': 3, 'b': NULL})) t(id, s)")
          .ok());
  EXPECT_EQ(Rows(dir.path(), "id, s.a"), (std::vector<std::string>{"2|NULL", "3|3"}));
}

TEST(RowRules, NotNullArrayElementsAndMapValues) {
  TempDir dir;
  auto schema = ParseSchemaDDL("id INT, tags VARCHAR[], m MAP(VARCHAR, INT), s STRUCT(xs INT[])");
  ASSERT_TRUE(schema.ok());
  auto arr = std::make_shared<DataType>(*schema->fields[1].type);
  arr->contains_null = false;
  schema->fields[1].type = arr;
  auto map = std::make_shared<DataType>(*schema->fields[2].type);
  map->value_contains_null = false;
  schema->fields[2].type = map;
  auto st = std::make_shared<DataType>(*schema->fields[3].type);
  auto xs = std::make_shared<DataType>(*st->fields[0].type);
  xs->contains_null = false;
  st->fields[0].type = xs;
  schema->fields[3].type = st;
  ASSERT_TRUE(CreateTable(dir.path(), *schema, {}).ok());
  auto bad = WriteSql(dir.path(),
                      "SELECT * FROM (VALUES (1, ['a', NULL], MAP {'k': 1}, {'xs': [1]}), "
                      "(2, ['b'], MAP {'k': NULL}, {'xs': [1]}), (3, NULL, NULL, {'xs': [NULL]}), "
                      "(4, [], MAP {}, NULL)) t(id, tags, m, s)");
  ASSERT_FALSE(bad.ok());
  const std::string& m = bad.message();
  EXPECT_TRUE(Has(m, "3 rows break the table's rules")) << m;
  EXPECT_TRUE(Has(m, "column 'tags.element': NOT NULL: 1")) << m;
  EXPECT_TRUE(Has(m, "column 'm.value': NOT NULL: 1")) << m;
  EXPECT_TRUE(Has(m, "column 's.xs.element': NOT NULL: 1")) << m;
  // NULL and empty collections are fine.
  ASSERT_TRUE(WriteSql(dir.path(),
                       "SELECT * FROM (VALUES (3, NULL, NULL, {'xs': NULL}), "
                       "(4, [], MAP {}, NULL)) t(id, tags, m, s)")
                  .ok());
}

TEST(RowRules, AtMostFiveExamples) {
  TempDir dir;
  Create(dir.path(), "id BIGINT NOT NULL");
  auto st = WriteSql(dir.path(),
                     "SELECT CASE WHEN i % 2 = 0 THEN NULL ELSE i END AS id FROM range(40) t(i)");
  ASSERT_FALSE(st.ok());
  size_t examples = 0;
  for (size_t at = 0; (at = st.message().find(" violates ", at)) != std::string::npos; ++at)
    ++examples;
  EXPECT_EQ(examples, 5u) << st.message();
  EXPECT_TRUE(Has(st.message(), "20 rows break")) << st.message();
}

TEST(RowRules, QuarantineCastAndNullFailures) {
  TempDir dir;
  std::string t = dir.path() + "/t", q = dir.path() + "/q";
  Create(t, "id BIGINT NOT NULL, price DECIMAL(10,2), s STRUCT(a INT NOT NULL)");
  // 10 rows: 2 bad casts (ids 2, 5), 3 NULL ids, 1 NULL s.a (id 8); 4 good (1, 3, 4, 9).
  std::string src =
      "SELECT * FROM (VALUES (1, '1.00', {'a': 1}), (2, 'abc', {'a': 1}), (3, '3', {'a': 1}), "
      "(4, '4', NULL), (5, '5,5', {'a': 1}), (NULL, '6', {'a': 1}), (NULL, '7', {'a': 1}), "
      "(NULL, 'bad', {'a': 1}), (8, '8', {'a': NULL}), (9, '9', {'a': 9})) t(id, price, s)";
  auto w = WriteBuilder(t).Source({"", src}).QuarantineBadRows(q).Execute();
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->rows_written, 4);
  EXPECT_EQ(w->rows_quarantined, 6);
  EXPECT_EQ(Rows(t, "id, price"),
            (std::vector<std::string>{"1|1.00", "3|3.00", "4|4.00", "9|9.00"}));
  // The quarantine keeps the source's values as given, with the first rule each row broke
  // (a cast failure comes before the NULL id of the same row).
  EXPECT_EQ(Rows(q, "_lake_rule, coalesce(id::VARCHAR, 'NULL') || ':' || price"),
            (std::vector<std::string>{
                "column 'id': NOT NULL|NULL:6", "column 'id': NOT NULL|NULL:7",
                "column 'price': cast to DECIMAL(10,2) (source type VARCHAR)|2:abc",
                "column 'price': cast to DECIMAL(10,2) (source type VARCHAR)|5:5,5",
                "column 'price': cast to DECIMAL(10,2) (source type VARCHAR)|NULL:bad",
                "column 's.a': NOT NULL|8:8"}));
  // All bad rows of a write carry the same batch id.
  EXPECT_EQ(Rows(q, "count(DISTINCT _lake_batch), count(*)"), (std::vector<std::string>{"1|6"}));
}

// Replace-where: rows outside the predicate refuse the write in the same pass, before anything
// is quarantined; rows breaking a rule are quarantined when the rest fits the predicate.
TEST(RowRules, ReplaceWhereWithQuarantine) {
  TempDir dir;
  std::string t = dir.path() + "/t", q = dir.path() + "/q";
  Create(t, "id BIGINT NOT NULL, p VARCHAR");
  ASSERT_TRUE(WriteSql(t, "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, p)").ok());
  auto outside = WriteBuilder(t)
                     .Source({"", "SELECT * FROM (VALUES (NULL, 'a'), (3, 'b')) v(id, p)"})
                     .Mode(WriteMode::kOverwrite)
                     .ReplaceWhere("p = 'a'")
                     .QuarantineBadRows(q)
                     .Execute();
  ASSERT_FALSE(outside.ok());
  EXPECT_TRUE(Has(outside.status().message(),
                  "1 row of the source does not satisfy the replace-where predicate"))
      << outside.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(q + "/_delta_log"));
  auto w = WriteBuilder(t)
               .Source({"", "SELECT * FROM (VALUES (NULL, 'a'), (4, 'a')) v(id, p)"})
               .Mode(WriteMode::kOverwrite)
               .ReplaceWhere("p = 'a'")
               .QuarantineBadRows(q)
               .Execute();
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->rows_quarantined, 1);
  EXPECT_EQ(Rows(t, "id, p"), (std::vector<std::string>{"2|b", "4|a"}));
  EXPECT_EQ(Rows(q, "_lake_rule, p"), (std::vector<std::string>{"column 'id': NOT NULL|a"}));
}

}  // namespace
}  // namespace lake
