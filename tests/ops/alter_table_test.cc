#include "ops/alter_table.h"

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

namespace fs = std::filesystem;
using lake::testing::TempDir;
using lake::testing::At;
using lake::testing::Conn;
using lake::testing::CopyWritableTable;
using lake::testing::ScanSql;

// The rows of the scan, ordered, one "a|b|c" string per row (NULL as "NULL").
std::vector<std::string> Rows(engine::Connection& c, std::shared_ptr<const Snapshot> snap,
                              const std::string& order_by = "1") {
  auto r = c.Query("SELECT COLUMNS(*)::VARCHAR FROM (SELECT * FROM (" + ScanSql(c, std::move(snap)) +
                   ") ORDER BY " + order_by + ")");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (size_t row = 0; row < r->row_count(); ++row) {
    std::string s;
    for (size_t col = 0; col < r->column_count(); ++col) {
      if (col) s += "|";
      s += r->IsNull(col, row) ? std::string("NULL") : std::string(r->GetString(col, row));
    }
    out.push_back(s);
  }
  return out;
}

std::string Columns(const Snapshot& s) {
  std::string out;
  for (const auto& f : s.schema().fields) out += (out.empty() ? "" : ",") + f.name + ":" + f.type->ToString();
  return out;
}

void Write(const std::string& dir, const std::string& sql, WriteMode mode = WriteMode::kAppend) {
  auto w = WriteBuilder(dir).Source({"", sql}).Mode(mode).Execute();
  ASSERT_TRUE(w.ok()) << w.status().ToString();
}

void Create(const std::string& dir, const std::string& ddl,
            std::vector<std::string> parts = {}) {
  auto schema = ParseSchemaDDL(ddl);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  auto c = CreateTable(dir, *schema, parts);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
}

TEST(AlterTable, AddColumnOldFilesReadNull) {
  TempDir dir;
  Create(dir.path(), "id BIGINT, s STRUCT(a INT)");
  Write(dir.path(), "SELECT 1::BIGINT AS id, {'a': 10}::STRUCT(a INT) AS s");
  auto r = AddColumn(dir.path(), "name VARCHAR COMMENT 'the name'", "id");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 2);
  auto nested = AddColumn(dir.path(), "s.b DOUBLE");
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  auto snap = At(dir.path());
  EXPECT_EQ(Columns(*snap), "id:long,name:string,s:struct<a:integer,b:double>");
  EXPECT_NE(snap->schema().fields[1].metadata.find("the name"), std::string::npos);
  EXPECT_EQ(snap->column_mapping_mode(), "none");
  auto c = Conn();
  EXPECT_EQ(Rows(*c, snap), (std::vector<std::string>{"1|NULL|{'a': 10, 'b': NULL}"}));
  Write(dir.path(), "SELECT 2::BIGINT AS id, 'x' AS name, {'a': 20, 'b': 2.5} AS s");
  EXPECT_EQ(Rows(*c, At(dir.path())),
            (std::vector<std::string>{"1|NULL|{'a': 10, 'b': NULL}", "2|x|{'a': 20, 'b': 2.5}"}));
  auto hist = (*Table::Open(dir.path()))->History(1);
  ASSERT_TRUE(hist.ok());
  // Refusals name the column.
  auto dup = AddColumn(dir.path(), "NAME INT");
  EXPECT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("'NAME' already exists"), std::string::npos) << dup.status().ToString();
  auto nn = AddColumn(dir.path(), "z INT NOT NULL");
  EXPECT_FALSE(nn.ok());
  EXPECT_NE(nn.status().message().find("NOT NULL"), std::string::npos);
  auto nostruct = AddColumn(dir.path(), "id.x INT");
  EXPECT_FALSE(nostruct.ok());
  EXPECT_NE(nostruct.status().message().find("'id' is long, not a struct"), std::string::npos)
      << nostruct.status().ToString();
}

TEST(AlterTable, RenameAndDropEnableColumnMapping) {
  TempDir dir;
  Create(dir.path(), "id BIGINT, v VARCHAR, p VARCHAR, s STRUCT(a INT, b INT)", {"p"});
  Write(dir.path(), "SELECT 1::BIGINT AS id, 'one' AS v, 'x' AS p, {'a': 1, 'b': 2} AS s");
  auto r = RenameColumn(dir.path(), "v", "value");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto snap = At(dir.path());
  EXPECT_EQ(snap->column_mapping_mode(), "name");
  EXPECT_EQ(snap->protocol().min_reader_version, 2);
  EXPECT_EQ(snap->protocol().min_writer_version, 5);
  EXPECT_EQ(snap->metadata().configuration.at("delta.columnMapping.maxColumnId"), "6");
  EXPECT_EQ(snap->schema().fields[1].name, "value");
  EXPECT_EQ(snap->schema().fields[1].physical_name.value_or(""), "v");
  auto c = Conn();
  EXPECT_EQ(Rows(*c, snap), (std::vector<std::string>{"1|one|x|{'a': 1, 'b': 2}"}));
  // Writes after mapping use physical names; partition columns too; nested rename.
  ASSERT_TRUE(RenameColumn(dir.path(), "s.a", "alpha").ok());
  ASSERT_TRUE(RenameColumn(dir.path(), "p", "part").ok());
  Write(dir.path(), "SELECT 2::BIGINT AS id, 'two' AS value, 'y' AS part, {'alpha': 3, 'b': 4} AS s");
  snap = At(dir.path());
  EXPECT_EQ(snap->metadata().partition_columns, std::vector<std::string>{"part"});
  EXPECT_EQ(Rows(*c, snap), (std::vector<std::string>{"1|one|x|{'alpha': 1, 'b': 2}",
                                                       "2|two|y|{'alpha': 3, 'b': 4}"}));
  for (const auto& f : snap->files()) {
    ASSERT_EQ(f.partition_values.size(), 1u);
    EXPECT_EQ(f.partition_values[0].first, "p");  // physical name
  }
  // Stats of the new file are keyed by physical names, so data skipping still works.
  ScanOptions o;
  o.where = "value = 'two'";
  auto plan = Scan::Plan(snap, o);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->files().size(), 1u);
  // Drop, then reuse the name: the old data does not come back.
  ASSERT_TRUE(DropColumn(dir.path(), "value").ok());
  EXPECT_EQ(Rows(*c, At(dir.path())), (std::vector<std::string>{"1|x|{'alpha': 1, 'b': 2}",
                                                                  "2|y|{'alpha': 3, 'b': 4}"}));
  ASSERT_TRUE(AddColumn(dir.path(), "value VARCHAR").ok());
  snap = At(dir.path());
  EXPECT_EQ(snap->schema().fields.back().physical_name.value_or("").rfind("col-", 0), 0u);
  EXPECT_EQ(Rows(*c, snap), (std::vector<std::string>{"1|x|{'alpha': 1, 'b': 2}|NULL",
                                                       "2|y|{'alpha': 3, 'b': 4}|NULL"}));
  Write(dir.path(), "SELECT 3::BIGINT AS id, 'z' AS part, NULL AS s, 'three' AS value");
  EXPECT_EQ(Rows(*c, At(dir.path())).back(), "3|z|NULL|three");
  // Refusals.
  auto dp = DropColumn(dir.path(), "part");
  EXPECT_FALSE(dp.ok());
  EXPECT_NE(dp.status().message().find("partition column"), std::string::npos);
  auto clash = RenameColumn(dir.path(), "id", "VALUE");
  EXPECT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("'value' already exists"), std::string::npos)
      << clash.status().ToString();
  auto missing = DropColumn(dir.path(), "nope");
  EXPECT_NE(missing.status().message().find("'nope'"), std::string::npos);
}

TEST(AlterTable, TypeWidening) {
  TempDir dir;
  Create(dir.path(), "i INT, f FLOAT, d DECIMAL(5,2), dt DATE, b TINYINT");
  Write(dir.path(), "SELECT 2147483647 AS i, 1.5::FLOAT AS f, 123.45 AS d, DATE '2024-02-03' AS dt, 7 AS b");
  ASSERT_TRUE(ChangeColumnType(dir.path(), "i", "BIGINT").ok());
  ASSERT_TRUE(ChangeColumnType(dir.path(), "f", "DOUBLE").ok());
  ASSERT_TRUE(ChangeColumnType(dir.path(), "d", "DECIMAL(8,3)").ok());
  ASSERT_TRUE(ChangeColumnType(dir.path(), "dt", "TIMESTAMP").ok());
  ASSERT_TRUE(ChangeColumnType(dir.path(), "b", "SMALLINT").ok());
  ASSERT_TRUE(ChangeColumnType(dir.path(), "b", "INT").ok());
  auto snap = At(dir.path());
  EXPECT_EQ(Columns(*snap), "i:long,f:double,d:decimal(8,3),dt:timestamp_ntz,b:integer");
  EXPECT_TRUE(snap->protocol().HasReaderFeature("typeWidening"));
  EXPECT_TRUE(snap->protocol().HasWriterFeature("typeWidening"));
  EXPECT_TRUE(snap->protocol().HasReaderFeature("timestampNtz"));
  EXPECT_NE(snap->schema().fields[4].metadata.find(
                "\"delta.typeChanges\":[{\"fromType\":\"byte\",\"toType\":\"short\"},"
                "{\"fromType\":\"short\",\"toType\":\"integer\"}]"),
            std::string::npos)
      << snap->schema().fields[4].metadata;
  auto c = Conn();
  Write(dir.path(), "SELECT 9223372036854775807 AS i, 2.25::DOUBLE AS f, 12345.678 AS d, "
                    "TIMESTAMP '2024-02-03 10:00:00' AS dt, 100000 AS b");
  EXPECT_EQ(Rows(*c, At(dir.path())),
            (std::vector<std::string>{"2147483647|1.5|123.450|2024-02-03 00:00:00|7",
                                      "9223372036854775807|2.25|12345.678|2024-02-03 10:00:00|100000"}));
  // Refusals name the column, the rule and the way out.
  auto narrow = ChangeColumnType(dir.path(), "i", "INT");
  ASSERT_FALSE(narrow.ok());
  EXPECT_NE(narrow.status().message().find("column 'i': cannot change type long to integer"),
            std::string::npos)
      << narrow.status().ToString();
  EXPECT_NE(narrow.status().message().find("--mode overwrite"), std::string::npos);
  auto str = ChangeColumnType(dir.path(), "f", "VARCHAR");
  EXPECT_FALSE(str.ok());
  auto scale = ChangeColumnType(dir.path(), "d", "DECIMAL(9,5)");
  ASSERT_FALSE(scale.ok());
  EXPECT_NE(scale.status().message().find("precision must grow"), std::string::npos);
}

// Files written before a widening carry statistics of the old type (int, decimal(5,2)); data
// skipping over the widened column (long, decimal(10,4)) still skips them and returns exactly
// the matching rows.
TEST(AlterTable, TypeWideningKeepsDataSkipping) {
  TempDir dir;
  Create(dir.path(), "a INT, d DECIMAL(5,2)");
  for (int base : {0, 100, 200})
    Write(dir.path(), "SELECT (i + " + std::to_string(base) + ")::INT AS a, ((i + " +
                          std::to_string(base) +
                          ") * 1.25)::DECIMAL(5,2) AS d FROM range(10) t(i)");
  ASSERT_TRUE(ChangeColumnType(dir.path(), "a", "BIGINT").ok());
  ASSERT_TRUE(ChangeColumnType(dir.path(), "d", "DECIMAL(10,4)").ok());
  Write(dir.path(),
        "SELECT 5000000000 + i AS a, (123456.1234 + i)::DECIMAL(10,4) AS d FROM range(10) t(i)");
  auto c = Conn();
  struct Case {
    std::string where;
    size_t files;
    int64_t rows;
  };
  for (const auto& k : std::vector<Case>{{"a = 105", 1, 1},
                                         {"a > 4000000000", 1, 10},
                                         {"a < 5", 1, 5},
                                         {"d = 126.25", 1, 1},
                                         {"d >= 123456", 1, 10},
                                         {"d < 2", 1, 2},
                                         {"d BETWEEN 130 AND 250", 2, 7},
                                         {"a >= 0", 4, 40}}) {
    SCOPED_TRACE(k.where);
    ScanOptions so;
    so.where = k.where;
    auto plan = Scan::Plan(At(dir.path()), so);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->files().size(), k.files);
    auto sql = plan->ToSql(*c);
    ASSERT_TRUE(sql.ok()) << sql.status().ToString();
    auto n = c->Query("SELECT count(*) FROM (" + *sql + ")");
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(n->GetInt64(0, 0), k.rows);
  }
}

// delta-golden/type-widening uses the preview feature name: lake writes and widens it with the
// same semantics and keeps the name (no second, non-preview feature).
TEST(AlterTable, TypeWideningPreviewTableKeepsItsFeatureName) {
  std::string root = lake::testing::ConformanceDir();
  if (root.empty()) GTEST_SKIP() << "no conformance corpus";
  fs::path src = fs::path(root) / "tables/delta-golden/type-widening";
  if (!fs::exists(src)) GTEST_SKIP() << "no type-widening table";
  TempDir dir;
  std::string t = dir.path() + "/t";
  fs::copy(src, t, fs::copy_options::recursive);
  for (auto& e : fs::recursive_directory_iterator(t))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(t, fs::perms::owner_write, fs::perm_options::add);
  auto r = ChangeColumnType(t, "decimal_decimal_same_scale", "DECIMAL(22,2)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto snap = At(t);
  EXPECT_TRUE(snap->protocol().HasWriterFeature("typeWidening-preview"));
  EXPECT_TRUE(snap->protocol().HasReaderFeature("typeWidening-preview"));
  EXPECT_FALSE(snap->protocol().HasWriterFeature("typeWidening"));
  EXPECT_FALSE(snap->protocol().HasReaderFeature("typeWidening"));
  const StructField* f = snap->schema().FindCaseInsensitive("decimal_decimal_same_scale");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type->ToString(), "decimal(22,2)");
  EXPECT_NE(f->metadata.find("\"fromType\":\"decimal(20,2)\",\"toType\":\"decimal(22,2)\""),
            std::string::npos)
      << f->metadata;
}

// typeWidening inside arrays and maps: element and value types widen (recorded with fieldPath
// "element" / "value" / "element.element"), old files read with the new types; map keys and
// narrowing are refused. A merge-schema write widens an array element the same way.
TEST(AlterTable, TypeWideningArrayElementsAndMapValues) {
  TempDir dir;
  Create(dir.path(), "id INT, arr INT[], m MAP(VARCHAR, SMALLINT), n INT[][], k MAP(INT, INT)");
  Write(dir.path(),
        "SELECT 1 AS id, [1, 2] AS arr, MAP {'a': 3::SMALLINT} AS m, [[4], [5]] AS n, "
        "MAP {1: 1} AS k");
  ASSERT_TRUE(ChangeColumnType(dir.path(), "arr", "BIGINT[]").ok());
  ASSERT_TRUE(ChangeColumnType(dir.path(), "m", "MAP(VARCHAR, INT)").ok());
  ASSERT_TRUE(ChangeColumnType(dir.path(), "m", "MAP(VARCHAR, BIGINT)").ok());
  ASSERT_TRUE(ChangeColumnType(dir.path(), "n", "DECIMAL(12,0)[][]").ok());
  auto key = ChangeColumnType(dir.path(), "k", "MAP(BIGINT, INT)");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.status().message().find("map keys cannot change type"), std::string::npos)
      << key.status().ToString();
  auto narrow = ChangeColumnType(dir.path(), "arr", "INT[]");
  ASSERT_FALSE(narrow.ok());
  EXPECT_NE(
      narrow.status().message().find("column 'arr.element': cannot change type long to integer"),
      std::string::npos)
      << narrow.status().ToString();
  auto snap = At(dir.path());
  EXPECT_EQ(Columns(*snap),
            "id:integer,arr:array<long>,m:map<string,long>,n:array<array<decimal(12,0)>>,k:map<"
            "integer,integer>");
  EXPECT_TRUE(snap->protocol().HasWriterFeature("typeWidening"));
  const auto& f = snap->schema().fields;
  EXPECT_NE(
      f[1].metadata.find("\"delta.typeChanges\":[{\"fromType\":\"integer\",\"toType\":\"long\","
                         "\"fieldPath\":\"element\"}]"),
      std::string::npos)
      << f[1].metadata;
  EXPECT_NE(
      f[2].metadata.find("[{\"fromType\":\"short\",\"toType\":\"integer\",\"fieldPath\":\"value\"},"
                         "{\"fromType\":\"integer\",\"toType\":\"long\",\"fieldPath\":\"value\"}]"),
      std::string::npos)
      << f[2].metadata;
  EXPECT_NE(f[3].metadata.find("\"fieldPath\":\"element.element\""), std::string::npos)
      << f[3].metadata;
  Write(dir.path(),
        "SELECT 2 AS id, [9000000000] AS arr, MAP {'b': 9000000000} AS m, "
        "[[123456789012]] AS n, MAP {2: 2} AS k");
  auto c = Conn();
  EXPECT_EQ(Rows(*c, At(dir.path())),
            (std::vector<std::string>{"1|[1, 2]|{a=3}|[[4], [5]]|{1=1}",
                                      "2|[9000000000]|{b=9000000000}|[[123456789012]]|{2=2}"}));
  // Merge-schema: a source with a wider element type widens the table's column.
  Create(dir.path() + "/b", "id INT, arr SMALLINT[]");
  auto m = WriteBuilder(dir.path() + "/b")
               .Source({"", "SELECT 1 AS id, [70000] AS arr"})
               .MergeSchema()
               .Execute();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto b = At(dir.path() + "/b");
  EXPECT_EQ(Columns(*b), "id:integer,arr:array<integer>");
  EXPECT_NE(b->schema().fields[1].metadata.find(
                "[{\"fromType\":\"short\",\"toType\":\"integer\",\"fieldPath\":\"element\"}]"),
            std::string::npos)
      << b->schema().fields[1].metadata;
}

TEST(AlterTable, WriteSchemaMismatchMergeAndOverwrite) {
  TempDir dir;
  Create(dir.path(), "id BIGINT NOT NULL, v INT");
  Write(dir.path(), "SELECT 1::BIGINT AS id, 1 AS v");
  auto bad = WriteBuilder(dir.path()).Source({"", "SELECT 2 AS v, 'x' AS extra, 3 AS more"}).Execute();
  ASSERT_FALSE(bad.ok());
  std::string m = bad.status().message();
  EXPECT_NE(m.find("extra source column(s) 'extra' (string), 'more' (integer)"), std::string::npos) << m;
  EXPECT_NE(m.find("NOT NULL column(s) missing from the source 'id'"), std::string::npos) << m;
  EXPECT_NE(m.find("--merge-schema"), std::string::npos) << m;
  auto amb = WriteBuilder(dir.path()).Source({"", "SELECT 2 AS id, 3 AS ID"}).MergeSchema().Execute();
  ASSERT_FALSE(amb.ok());
  EXPECT_NE(amb.status().message().find("ambiguous"), std::string::npos) << amb.status().ToString();
  // Merge: new column added, v widened int -> bigint, case-insensitive match of ID.
  auto merged = WriteBuilder(dir.path())
                    .Source({"", "SELECT 2::BIGINT AS ID, 5000000000::BIGINT AS v, 'x' AS extra"})
                    .MergeSchema()
                    .Execute();
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  auto snap = At(dir.path());
  EXPECT_EQ(Columns(*snap), "id:long,v:long,extra:string");
  auto c = Conn();
  EXPECT_EQ(Rows(*c, snap), (std::vector<std::string>{"1|1|NULL", "2|5000000000|x"}));
  // Overwrite the schema.
  auto ow = WriteBuilder(dir.path()).Source({"", "SELECT 'a' AS k"}).OverwriteSchema().Execute();
  EXPECT_FALSE(ow.ok());
  ow = WriteBuilder(dir.path())
           .Source({"", "SELECT 'a' AS k"})
           .Mode(WriteMode::kOverwrite)
           .OverwriteSchema()
           .Execute();
  ASSERT_TRUE(ow.ok()) << ow.status().ToString();
  snap = At(dir.path());
  EXPECT_EQ(Columns(*snap), "k:string");
  EXPECT_EQ(Rows(*c, snap), (std::vector<std::string>{"a"}));
}

TEST(AlterTable, PropertiesAndComments) {
  TempDir dir;
  Create(dir.path(), "id BIGINT");
  auto r = SetProperties(dir.path(), {{"delta.appendOnly", "true"}, {"owner", "me"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto snap = At(dir.path());
  EXPECT_EQ(snap->metadata().configuration.at("owner"), "me");
  EXPECT_TRUE(snap->protocol().HasWriterFeature("appendOnly") || snap->protocol().min_writer_version >= 2);
  ASSERT_TRUE(UnsetProperties(dir.path(), {"owner"}).ok());
  EXPECT_EQ(At(dir.path())->metadata().configuration.count("owner"), 0u);
  EXPECT_FALSE(UnsetProperties(dir.path(), {"nope"}).ok());
  ASSERT_TRUE(SetTableComment(dir.path(), "the table").ok());
  ASSERT_TRUE(SetColumnComment(dir.path(), "id", "the id").ok());
  snap = At(dir.path());
  EXPECT_EQ(snap->metadata().description.value_or(""), "the table");
  EXPECT_EQ(snap->schema().fields[0].metadata, "{\"comment\":\"the id\"}");
  ASSERT_TRUE(SetProperties(dir.path(), {{"delta.columnMapping.mode", "name"}}).ok());
  EXPECT_EQ(At(dir.path())->column_mapping_mode(), "name");
}

TEST(AlterTable, CreateWithColumnMapping) {
  TempDir dir;
  auto schema = ParseSchemaDDL("id BIGINT, s STRUCT(a INT)");
  ASSERT_TRUE(schema.ok());
  auto c = CreateTable(dir.path(), *schema, {}, {{"delta.columnMapping.mode", "name"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Write(dir.path(), "SELECT 1::BIGINT AS id, {'a': 2} AS s");
  auto conn = Conn();
  EXPECT_EQ(Rows(*conn, At(dir.path())), (std::vector<std::string>{"1|{'a': 2}"}));
}

TEST(AlterTable, CheckConstraintsValidateExistingAndNewRows) {
  TempDir dir;
  Create(dir.path(), "id BIGINT, qty INT");
  Write(dir.path(), "SELECT i::BIGINT AS id, (i - 1)::INT AS qty FROM range(3) t(i)");
  auto refused = AddConstraint(dir.path(), "positive", "qty >= 0");
  ASSERT_FALSE(refused.ok());
  std::string m = refused.status().message();
  EXPECT_NE(m.find("1 existing row violates"), std::string::npos) << m;
  EXPECT_NE(m.find("'qty': -1"), std::string::npos) << m;
  auto bad_expr = AddConstraint(dir.path(), "oops", "nope > 1");
  EXPECT_FALSE(bad_expr.ok());
  auto ok = AddConstraint(dir.path(), "small", "qty < 100");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  auto snap = At(dir.path());
  EXPECT_EQ(snap->metadata().configuration.at("delta.constraints.small"), "qty < 100");
  EXPECT_GE(snap->protocol().min_writer_version, 3);
  Write(dir.path(), "SELECT 10::BIGINT AS id, 5 AS qty");
  auto w = WriteBuilder(dir.path())
               .Source({"", "SELECT i::BIGINT AS id, (i * 50)::INT AS qty FROM range(10) t(i)"})
               .Execute();
  ASSERT_FALSE(w.ok());
  m = w.status().message();
  EXPECT_NE(m.find("8 rows break the table's rules; nothing was written"), std::string::npos) << m;
  EXPECT_NE(m.find("violates CHECK constraint small (qty < 100)"), std::string::npos) << m;
  EXPECT_NE(m.find("'qty': 100"), std::string::npos) << m;
  EXPECT_EQ(At(dir.path())->version(), snap->version() + 1);  // nothing committed
  // NULL fails a constraint (as in Delta).
  EXPECT_FALSE(WriteBuilder(dir.path()).Source({"", "SELECT 1::BIGINT AS id, NULL::INT AS qty"}).Execute().ok());
  ASSERT_TRUE(DropConstraint(dir.path(), "small").ok());
  Write(dir.path(), "SELECT 11::BIGINT AS id, 500 AS qty");
  EXPECT_FALSE(DropConstraint(dir.path(), "small").ok());
}

TEST(AlterTable, GeneratedColumnsAndInvariants) {
  TempDir dir;
  Schema schema;
  auto parsed = ParseSchemaDDL("id BIGINT, d BIGINT, v INT");
  ASSERT_TRUE(parsed.ok());
  schema = *parsed;
  schema.fields[1].metadata = "{\"delta.generationExpression\":\"id * 2\"}";
  schema.fields[2].metadata =
      "{\"delta.invariants\":\"{\\\"expression\\\":{\\\"expression\\\":\\\"v > 0\\\"}}\"}";
  auto c = CreateTable(dir.path(), schema, {}, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Write(dir.path(), "SELECT 1::BIGINT AS id, 5 AS v");                    // d computed
  Write(dir.path(), "SELECT 2::BIGINT AS id, 4::BIGINT AS d, 6 AS v");    // d verified
  auto wrong = WriteBuilder(dir.path()).Source({"", "SELECT 3::BIGINT AS id, 7::BIGINT AS d, 1 AS v"}).Execute();
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("generated column 'd' = id * 2"), std::string::npos)
      << wrong.status().ToString();
  auto inv = WriteBuilder(dir.path()).Source({"", "SELECT 3::BIGINT AS id, 0 AS v"}).Execute();
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.status().message().find("invariant on 'v' (v > 0)"), std::string::npos)
      << inv.status().ToString();
  auto conn = Conn();
  EXPECT_EQ(Rows(*conn, At(dir.path())), (std::vector<std::string>{"1|2|5", "2|4|6"}));
}

// Rules on nested fields: a legacy invariant on s.a (its SQL names the path), a CHECK
// constraint over s.b; refusals name the field and the rule, quarantine moves the rows. Generated
// fields inside structs (not definable in Delta's DDL) are refused naming the column.
TEST(AlterTable, NestedInvariantsAndChecks) {
  TempDir dir;
  std::string t = dir.path() + "/t", q = dir.path() + "/q";
  auto parsed = ParseSchemaDDL("id BIGINT, s STRUCT(a INT, b INT)");
  ASSERT_TRUE(parsed.ok());
  Schema schema = *parsed;
  auto st = std::make_shared<DataType>(*schema.fields[1].type);
  st->fields[0].metadata =
      "{\"delta.invariants\":\"{\\\"expression\\\":{\\\"expression\\\":\\\"s.a > 0\\\"}}\"}";
  schema.fields[1].type = st;
  ASSERT_TRUE(CreateTable(t, schema, {}, {}).ok());
  ASSERT_TRUE(AddConstraint(t, "small_b", "s.b < 10").ok());
  Write(t, "SELECT 1::BIGINT AS id, {'a': 1, 'b': 2} AS s");
  auto inv =
      WriteBuilder(t).Source({"", "SELECT 2::BIGINT AS id, {'a': 0, 'b': 2} AS s"}).Execute();
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.status().message().find("violates invariant on 's.a' (s.a > 0)"), std::string::npos)
      << inv.status().ToString();
  auto chk =
      WriteBuilder(t).Source({"", "SELECT 3::BIGINT AS id, {'a': 5, 'b': 20} AS s"}).Execute();
  ASSERT_FALSE(chk.ok());
  EXPECT_NE(chk.status().message().find("violates CHECK constraint small_b (s.b < 10)"),
            std::string::npos)
      << chk.status().ToString();
  auto w =
      WriteBuilder(t)
          .Source({"",
                   "SELECT * FROM (VALUES (4::BIGINT, {'a': 4, 'b': 4}), (5, {'a': -5, 'b': 5}), "
                   "(6, {'a': 6, 'b': 60})) v(id, s)"})
          .QuarantineBadRows(q)
          .Execute();
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->rows_written, 1);
  EXPECT_EQ(w->rows_quarantined, 2);
  auto c = Conn();
  EXPECT_EQ(Rows(*c, At(t), "1").size(), 2u);
  EXPECT_EQ(Rows(*c, At(q), "1").size(), 2u);

  std::string g = dir.path() + "/g";
  Schema gs = *parsed;
  auto gt = std::make_shared<DataType>(*gs.fields[1].type);
  gt->fields[1].metadata = "{\"delta.generationExpression\":\"s.a + 1\"}";
  gs.fields[1].type = gt;
  ASSERT_TRUE(CreateTable(g, gs, {}, {}).ok());
  auto gen =
      WriteBuilder(g).Source({"", "SELECT 1::BIGINT AS id, {'a': 1, 'b': 2} AS s"}).Execute();
  ASSERT_FALSE(gen.ok());
  EXPECT_NE(gen.status().message().find("column 's' has generated fields inside a struct"),
            std::string::npos)
      << gen.status().ToString();
}

TEST(AlterTable, QuarantineBadRows) {
  TempDir dir;
  std::string t = dir.path() + "/t", q = dir.path() + "/q";
  Create(t, "id BIGINT, qty INT");
  ASSERT_TRUE(AddConstraint(t, "small", "qty < 5").ok());
  auto w = WriteBuilder(t)
               .Source({"", "SELECT i::BIGINT AS id, i::INT AS qty FROM range(8) t(i)"})
               .QuarantineBadRows(q)
               .Execute();
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->rows_written, 5);
  EXPECT_EQ(w->rows_quarantined, 3);
  auto c = Conn();
  EXPECT_EQ(Rows(*c, At(t)).size(), 5u);
  auto r = c->Query("SELECT id::VARCHAR, _lake_rule FROM (" + ScanSql(*c, At(q)) + ") ORDER BY id");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->row_count(), 3u);
  EXPECT_EQ(std::string(r->GetString(0, 0)), "5");
  EXPECT_EQ(std::string(r->GetString(1, 0)), "CHECK constraint small (qty < 5)");
}

// Conformance tables with column mapping / type widening / identity columns: copied to a temp
// dir; they still read, accept appends that respect their rules (mapped tables: rows re-read
// from the table itself, written with physical names / field ids) and refuse the others.
TEST(AlterTable, ConformanceTablesReadAndAppend) {
  std::string root = lake::testing::ConformanceDir();
  if (root.empty()) GTEST_SKIP() << "no conformance corpus";
  struct Case {
    std::string name;
    bool writable;
    std::string refusal;  // substring of the write error when not writable
    // When set, the rows to append (else 3 rows read back from the table), and the expected
    // values of `check_sql` over the table afterwards.
    std::string query = "", check_sql = "";
    std::vector<std::string> expected = {};
  };
  std::vector<Case> cases = {
      {"delta-kernel-rs/partition_cm__name", true, ""},
      {"delta-kernel-rs/partition_cm__id", true, ""},
      {"delta-kernel-java/column-mapping-id", true, ""},
      {"delta-kernel-java/data-reader-primitives-column-mapping-name", true, ""},
      {"delta-golden/type-widening", true, ""},
      // Identity column ID_D_DATE GENERATED ALWAYS (start 1, step 1, no high-water mark yet):
      // generated when omitted, refused when given (the read-back rows carry it; the table is
      // empty).
      {"delta-rs/issue-2152",
       true,
       "",
       "SELECT 'k' || i AS TXT_DateKey FROM range(3) t(i)",
       "ID_D_DATE::VARCHAR || ':' || TXT_DateKey",
       {"1:k0", "2:k1", "3:k2"}},
  };
  auto c = Conn();
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    fs::path src = fs::path(root) / "tables" / k.name;
    if (!fs::exists(src)) continue;
    TempDir dir;
    std::string t = dir.path() + "/t";
    CopyWritableTable(src, t);
    auto snap = At(t);
    auto before = c->Query("SELECT count(*) FROM (" + ScanSql(*c, snap) + ")");
    ASSERT_TRUE(before.ok()) << before.status().ToString();
    int64_t n = before->GetInt64(0, 0);
    std::string again = "SELECT * FROM (" + ScanSql(*c, snap) + ") LIMIT 3";
    // Materialize the rows first: the source must not read the table being written.
    std::string tmp = "__conf_" + std::to_string(std::hash<std::string>{}(k.name) % 100000);
    ASSERT_TRUE(c->Execute("CREATE OR REPLACE TABLE " + tmp + " AS " + again).ok());
    auto cnt = c->Query("SELECT count(*) FROM " + tmp);
    ASSERT_TRUE(cnt.ok());
    int64_t m = cnt->GetInt64(0, 0);
    std::string parquet = dir.path() + "/rows.parquet";
    ASSERT_TRUE(c->Execute("COPY " + tmp + " TO '" + parquet + "' (FORMAT parquet)").ok());
    if (!k.query.empty()) {
      auto w = WriteBuilder(t).Source({"", k.query}).Execute();
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      EXPECT_EQ(Rows(*c, At(t), "1").size(), static_cast<size_t>(n + w->rows_written));
      auto r = c->Query("SELECT " + k.check_sql + " FROM (" + ScanSql(*c, At(t)) + ") ORDER BY 1");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      std::vector<std::string> got;
      for (size_t i = 0; i < r->row_count(); ++i) got.push_back(std::string(r->GetString(0, i)));
      EXPECT_EQ(got, k.expected);
      continue;
    }
    auto w = WriteBuilder(t).Source({parquet, ""}).Execute();
    if (k.writable) {
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      auto after = c->Query("SELECT count(*) FROM (" + ScanSql(*c, At(t)) + ")");
      ASSERT_TRUE(after.ok()) << after.status().ToString();
      EXPECT_EQ(after->GetInt64(0, 0), n + m);
      // The appended rows read back equal to the source rows.
      auto diff = c->Query("SELECT count(*) FROM ((SELECT * FROM " + tmp + ") EXCEPT ALL (" +
                           ScanSql(*c, At(t)) + "))");
      ASSERT_TRUE(diff.ok()) << diff.status().ToString();
      EXPECT_EQ(diff->GetInt64(0, 0), 0);
    } else {
      ASSERT_FALSE(w.ok());
      EXPECT_NE(w.status().message().find(k.refusal), std::string::npos) << w.status().ToString();
    }
  }
}

// delta-spark/dbr_8_1_generated_columns: c2 GENERATED AS (c1 + 1), protocol (1,4).
TEST(AlterTable, ConformanceGeneratedColumnsTable) {
  std::string root = lake::testing::ConformanceDir();
  fs::path src = fs::path(root) / "tables/delta-spark/dbr_8_1_generated_columns";
  if (root.empty() || !fs::exists(src)) GTEST_SKIP() << "no conformance corpus";
  TempDir dir;
  std::string t = dir.path() + "/t";
  CopyWritableTable(src, t);
  Write(t, "SELECT 1 AS c1");               // c2 computed
  Write(t, "SELECT 5 AS c1, 6 AS c2");      // c2 verified
  auto bad = WriteBuilder(t).Source({"", "SELECT 7 AS c1, 7 AS c2"}).Execute();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("violates generated column 'c2' = c1 + 1"), std::string::npos)
      << bad.status().ToString();
  auto c = Conn();
  EXPECT_EQ(Rows(*c, At(t)), (std::vector<std::string>{"1|2", "5|6"}));
}

TEST(AlterTable, ColumnDefaults) {
  TempDir dir;
  Create(dir.path(), "id BIGINT, status VARCHAR");
  ASSERT_TRUE(SetColumnDefault(dir.path(), "status", "'new'").ok());
  EXPECT_TRUE(At(dir.path())->protocol().HasWriterFeature("allowColumnDefaults"));
  Write(dir.path(), "SELECT 1::BIGINT AS id");
  Write(dir.path(), "SELECT 2::BIGINT AS id, 'done' AS status");
  auto c = Conn();
  EXPECT_EQ(Rows(*c, At(dir.path())), (std::vector<std::string>{"1|new", "2|done"}));
  EXPECT_FALSE(SetColumnDefault(dir.path(), "status", "no_such_fn(").ok());
}

// Proof: create, write, add, rename, drop, widen, write again; every version reads back with
// its own schema and data.
TEST(AlterTable, EvolutionHistoryTimeTravel) {
  TempDir dir;
  Create(dir.path(), "id INT, a VARCHAR, b VARCHAR");                            // v0
  Write(dir.path(), "SELECT 1 AS id, 'a1' AS a, 'b1' AS b");                     // v1
  ASSERT_TRUE(AddColumn(dir.path(), "c DOUBLE").ok());                          // v2
  Write(dir.path(), "SELECT 2 AS id, 'a2' AS a, 'b2' AS b, 2.5 AS c");          // v3
  ASSERT_TRUE(RenameColumn(dir.path(), "a", "alpha").ok());                     // v4
  ASSERT_TRUE(DropColumn(dir.path(), "b").ok());                                // v5
  ASSERT_TRUE(ChangeColumnType(dir.path(), "id", "BIGINT").ok());               // v6
  Write(dir.path(), "SELECT 3000000000 AS id, 'a3' AS alpha, 3.5 AS c");        // v7
  struct Expect {
    std::string cols;
    std::vector<std::string> rows;
  };
  std::vector<Expect> want = {
      {"id:integer,a:string,b:string", {}},
      {"id:integer,a:string,b:string", {"1|a1|b1"}},
      {"id:integer,a:string,b:string,c:double", {"1|a1|b1|NULL"}},
      {"id:integer,a:string,b:string,c:double", {"1|a1|b1|NULL", "2|a2|b2|2.5"}},
      {"id:integer,alpha:string,b:string,c:double", {"1|a1|b1|NULL", "2|a2|b2|2.5"}},
      {"id:integer,alpha:string,c:double", {"1|a1|NULL", "2|a2|2.5"}},
      {"id:long,alpha:string,c:double", {"1|a1|NULL", "2|a2|2.5"}},
      {"id:long,alpha:string,c:double", {"1|a1|NULL", "2|a2|2.5", "3000000000|a3|3.5"}},
  };
  auto c = Conn();
  for (size_t v = 0; v < want.size(); ++v) {
    auto snap = At(dir.path(), static_cast<int64_t>(v));
    EXPECT_EQ(Columns(*snap), want[v].cols) << "version " << v;
    EXPECT_EQ(Rows(*c, snap), want[v].rows) << "version " << v;
  }
}

}  // namespace
}  // namespace lake
