#include "scan/scan_sql.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/duckdb_engine.h"
#include "test_util.h"

namespace lake::scan {
namespace {

using Rows = std::vector<std::vector<std::string>>;

class ScanSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = engine::Database::Open();
    ASSERT_TRUE(db.ok());
    db_ = *db;
    auto c = db_->Connect();
    ASSERT_TRUE(c.ok());
    conn_ = std::move(*c);
    ASSERT_TRUE(conn_->Execute("SET TimeZone = 'UTC'").ok());
    ClearFileSchemaCache();
  }

  // Writes `select` to <root>/<rel> as Parquet (rel is a plain, decoded path).
  void Write(const std::string& rel, const std::string& select, const std::string& opts = "") {
    std::string path = dir_.path() + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    Status st = conn_->Execute("COPY (" + select + ") TO " + engine::QuoteString(path) +
                               " (FORMAT parquet" + opts + ")");
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  AddFile& Add(const std::string& path, PartitionValues pv = {}) {
    auto f = std::make_unique<AddFile>();
    f->path = path;
    f->partition_values = std::move(pv);
    adds_.push_back(std::move(f));
    return *adds_.back();
  }

  ScanInput Input(const std::string& schema_json) {
    auto s = ParseSchema(schema_json);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    schema_ = std::make_unique<Schema>(std::move(*s));
    ScanInput in;
    in.table_root_local = dir_.path();
    in.schema = schema_.get();
    for (const auto& a : adds_) in.files.push_back(a.get());
    return in;
  }

  // Builds the scan and returns its rows, every cell as VARCHAR ("NULL" for null), sorted.
  Rows Run(const ScanInput& in, DeletedRowsLoader loader = nullptr, std::string* sql_out = nullptr) {
    auto sql = BuildScanSql(*conn_, in, std::move(loader));
    EXPECT_TRUE(sql.ok()) << sql.status().ToString();
    if (!sql.ok()) return {};
    if (sql_out) *sql_out = *sql;
    auto r = conn_->Query("SELECT COLUMNS(*)::VARCHAR FROM (" + *sql + ") ORDER BY ALL");
    EXPECT_TRUE(r.ok()) << r.status().ToString() << "\n" << *sql;
    if (!r.ok()) return {};
    Rows rows;
    for (size_t i = 0; i < r->row_count(); ++i) {
      std::vector<std::string> row;
      for (size_t c = 0; c < r->column_count(); ++c)
        row.push_back(r->IsNull(c, i) ? "NULL" : std::string(r->GetString(c, i)));
      rows.push_back(std::move(row));
    }
    return rows;
  }

  std::vector<std::string> Types(const ScanInput& in) {
    auto sql = BuildScanSql(*conn_, in, nullptr);
    EXPECT_TRUE(sql.ok()) << sql.status().ToString();
    auto r = conn_->Query("SELECT column_name || ' ' || column_type FROM (DESCRIBE " + *sql + ")");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    for (size_t i = 0; i < r->row_count(); ++i) out.emplace_back(r->GetString(0, i));
    return out;
  }

  testing::TempDir dir_;
  std::shared_ptr<engine::Database> db_;
  std::unique_ptr<engine::Connection> conn_;
  std::vector<std::unique_ptr<AddFile>> adds_;
  std::unique_ptr<Schema> schema_;
};

std::string Field(const std::string& name, const std::string& type, const std::string& meta = "{}") {
  return "{\"name\":\"" + name + "\",\"type\":" + type + ",\"nullable\":true,\"metadata\":" + meta +
         "}";
}
std::string Struct(const std::vector<std::string>& fields) {
  std::string s = "{\"type\":\"struct\",\"fields\":[";
  for (size_t i = 0; i < fields.size(); ++i) s += (i ? "," : "") + fields[i];
  return s + "]}";
}
std::string Q(const std::string& s) { return "\"" + s + "\""; }
std::string Mapped(const std::string& phys, int id) {
  return "{\"delta.columnMapping.physicalName\":\"" + phys + "\",\"delta.columnMapping.id\":" +
         std::to_string(id) + "}";
}

TEST(ScanSqlPieces, DataFileLocalPathDecodes) {
  EXPECT_EQ(*DataFileLocalPath("/t", "p=a%20b%2Fc%3Dd%25/f.parquet"), "/t/p=a b/c=d%/f.parquet");
  EXPECT_EQ(*DataFileLocalPath("/t/", "f.parquet"), "/t/f.parquet");
  EXPECT_EQ(*DataFileLocalPath("/t", "file:///x/a%20b.parquet"), "/x/a b.parquet");
  EXPECT_FALSE(DataFileLocalPath("/t", "s3://b/f.parquet").ok());
}

TEST(ScanSqlPieces, PartitionValueSql) {
  DataType str;
  str.name = "string";
  EXPECT_EQ(*PartitionValueSql(str, std::string("it's")), "'it''s'");
  EXPECT_EQ(*PartitionValueSql(str, std::nullopt), "CAST(NULL AS VARCHAR)");
  DataType ts;
  ts.name = "timestamp";
  EXPECT_EQ(*PartitionValueSql(ts, std::string("2020-01-01 10:00:00")),
            "CAST('2020-01-01 10:00:00+00' AS TIMESTAMP WITH TIME ZONE)");
  EXPECT_EQ(*PartitionValueSql(ts, std::string("2020-01-01T10:00:00.000000Z")),
            "CAST('2020-01-01T10:00:00.000000Z' AS TIMESTAMP WITH TIME ZONE)");
  DataType bin;
  bin.name = "binary";
  EXPECT_EQ(*PartitionValueSql(bin, std::string("\x01\x02", 2)), "from_hex('0102')");
  DataType i;
  i.name = "integer";
  EXPECT_EQ(*PartitionValueSql(i, std::string("")), "CAST(NULL AS INTEGER)");
}

TEST_F(ScanSqlTest, PartitionValuesOfEveryType) {
  Write("p1/f1.parquet", "SELECT 1::BIGINT AS id");
  Write("p2/f2.parquet", "SELECT 2::BIGINT AS id");
  Write("p3/f3.parquet", "SELECT 3::BIGINT AS id");
  Add("p1/f1.parquet", {{"s", "a b/c=d%"}, {"l", "9000000000"}, {"i", "-5"}, {"sh", "7"},
                        {"b", "1"}, {"bo", "true"}, {"d", "2021-02-03"},
                        {"ts", "2021-02-03 04:05:06.123456"}, {"tn", "2021-02-03 04:05:06"},
                        {"dec", "12.34"}, {"bin", std::string("\x01\xff", 2)}, {"dbl", "1.5"}});
  Add("p2/f2.parquet", {{"s", std::nullopt}, {"l", std::nullopt}, {"i", std::nullopt},
                        {"sh", std::nullopt}, {"b", std::nullopt}, {"bo", "false"},
                        {"d", std::nullopt}, {"ts", "1970-01-01T00:00:01.000000Z"},
                        {"tn", "1970-01-01T00:00:01"}, {"dec", std::nullopt},
                        {"bin", std::nullopt}, {"dbl", "NaN"}});
  Add("p3/f3.parquet", {});  // every key missing = null
  ScanInput in = Input(Struct({Field("id", Q("long")), Field("s", Q("string")),
                               Field("l", Q("long")), Field("i", Q("integer")),
                               Field("sh", Q("short")), Field("b", Q("byte")),
                               Field("bo", Q("boolean")), Field("d", Q("date")),
                               Field("ts", Q("timestamp")), Field("tn", Q("timestamp_ntz")),
                               Field("dec", Q("decimal(5,2)")), Field("bin", Q("binary")),
                               Field("dbl", Q("double"))}));
  in.partition_columns = {"s", "l", "i", "sh", "b", "bo", "d", "ts", "tn", "dec", "bin", "dbl"};
  Rows rows = Run(in);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1", "a b/c=d%", "9000000000", "-5", "7", "1",
                                               "true", "2021-02-03",
                                               "2021-02-03 04:05:06.123456+00",
                                               "2021-02-03 04:05:06", "12.34", "\\x01\\xFF",
                                               "1.5"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2", "NULL", "NULL", "NULL", "NULL", "NULL",
                                               "false", "NULL", "1970-01-01 00:00:01+00",
                                               "1970-01-01 00:00:01", "NULL", "NULL", "nan"}));
  for (size_t c = 1; c < rows[2].size(); ++c) EXPECT_EQ(rows[2][c], "NULL") << c;
  auto types = Types(in);
  EXPECT_EQ(types[8], "ts TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(types[9], "tn TIMESTAMP");
  EXPECT_EQ(types[10], "dec DECIMAL(5,2)");
  EXPECT_EQ(types[11], "bin BLOB");
}

TEST_F(ScanSqlTest, EscapedPathsAndManyPartitionsUseTempTable) {
  // More distinct partition values than kMaxCaseRanges: the join path.
  std::string schema = Struct({Field("id", Q("long")), Field("p", Q("integer"))});
  const int n = static_cast<int>(kMaxCaseRanges) + 10;
  for (int i = 0; i < n; ++i) {
    std::string dir = "p=" + std::to_string(i) + " x";
    Write(dir + "/f.parquet", "SELECT " + std::to_string(i) + "::BIGINT AS id");
    Add("p=" + std::to_string(i) + "%20x/f.parquet", {{"p", std::to_string(i * 10)}});
  }
  ScanInput in = Input(schema);
  in.partition_columns = {"p"};
  std::string sql;
  Rows rows = Run(in, nullptr, &sql);
  EXPECT_NE(sql.find("JOIN __lake_scan_"), std::string::npos);
  ASSERT_EQ(rows.size(), static_cast<size_t>(n));
  auto r = conn_->Query("SELECT count(*) FROM (" + sql + ") WHERE p = id * 10");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetInt64(0, 0), n);
}

TEST_F(ScanSqlTest, ColumnMappingNameWithNestedPhysicalNames) {
  Write("f.parquet",
        "SELECT 1::INT AS \"col-a\", {'col-x': 10, 'col-y': [{'col-z': 'q'}]} AS \"col-s\", "
        "MAP {'k': {'col-v': 5}} AS \"col-m\", 'p' AS plain");
  Add("f.parquet");
  std::string inner = Struct({Field("z", Q("string"), Mapped("col-z", 6))});
  std::string s = Struct(
      {Field("x", Q("integer"), Mapped("col-x", 4)),
       Field("y", "{\"type\":\"array\",\"elementType\":" + inner + ",\"containsNull\":true}",
             Mapped("col-y", 5))});
  std::string mv = Struct({Field("v", Q("long"), Mapped("col-v", 9))});
  ScanInput in = Input(Struct(
      {Field("a", Q("long"), Mapped("col-a", 1)), Field("s", s, Mapped("col-s", 3)),
       Field("m",
             "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":" + mv +
                 ",\"valueContainsNull\":true}",
             Mapped("col-m", 8)),
       Field("plain", Q("string"), Mapped("plain", 10))}));
  in.mapping_mode = "name";
  Rows rows = Run(in);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1", "{'x': 10, 'y': [{'z': q}]}", "{k={'v': 5}}",
                                               "p"}));
  auto types = Types(in);
  EXPECT_EQ(types[0], "a BIGINT");
  EXPECT_EQ(types[1], "s STRUCT(x INTEGER, y STRUCT(z VARCHAR)[])");
}

TEST_F(ScanSqlTest, ColumnMappingIdUsesParquetFieldIds) {
  Write("f.parquet", "SELECT 7::BIGINT AS whatever, 'x' AS other",
        ", FIELD_IDS {whatever: 1, other: 2}");
  Add("f.parquet");
  ScanInput in = Input(Struct({Field("a", Q("long"), Mapped("col-a", 1)),
                               Field("b", Q("string"), Mapped("col-b", 2))}));
  in.mapping_mode = "id";
  EXPECT_EQ(Run(in), (Rows{{"7", "x"}}));
}

TEST_F(ScanSqlTest, SchemaEvolutionAndTypeWidening) {
  Write("old.parquet", "SELECT 1::INT AS a");
  Write("new.parquet", "SELECT 5000000000::BIGINT AS a, 'b' AS b");
  Add("old.parquet");
  Add("new.parquet");
  ScanInput in = Input(Struct(
      {Field("a", Q("long")), Field("b", Q("string")), Field("c", Q("decimal(10,3)"))}));
  EXPECT_EQ(Run(in), (Rows{{"1", "NULL", "NULL"}, {"5000000000", "b", "NULL"}}));
  // Old file first in the list, too (the bind schema is the first file's).
  adds_.clear();
  Add("new.parquet");
  Add("old.parquet");
  in = Input(Struct({Field("a", Q("long")), Field("b", Q("string"))}));
  EXPECT_EQ(Run(in), (Rows{{"1", "NULL"}, {"5000000000", "b"}}));
}

TEST_F(ScanSqlTest, TypeCasts) {
  Write("f.parquet",
        "SELECT 3::SMALLINT AS i, 1.5::DECIMAL(4,1) AS d, 2.5::FLOAT AS dbl, "
        "TIMESTAMP '2020-01-01 01:02:03' AS naive, TIMESTAMPTZ '2020-01-01 01:02:03+00' AS tz, "
        "TIMESTAMP_MS '2020-01-01 01:02:03.456' AS ms, 'x' AS coll, NULL AS v");
  Add("f.parquet");
  ScanInput in = Input(Struct({Field("i", Q("long")), Field("d", Q("decimal(10,3)")),
                               Field("dbl", Q("double")), Field("naive", Q("timestamp")),
                               Field("tz", Q("timestamp")), Field("ms", Q("timestamp_ntz")),
                               Field("coll", Q("string")), Field("v", Q("void"))}));
  EXPECT_EQ(Run(in), (Rows{{"3", "1.500", "2.5", "2020-01-01 01:02:03+00",
                            "2020-01-01 01:02:03+00", "2020-01-01 01:02:03.456", "x", "NULL"}}));
  auto types = Types(in);
  EXPECT_EQ(types[0], "i BIGINT");
  EXPECT_EQ(types[4], "tz TIMESTAMP WITH TIME ZONE");
}

TEST_F(ScanSqlTest, DeletionVectorsAntiJoinOnlyDvFiles) {
  Write("dv.parquet", "SELECT i::BIGINT AS id FROM range(10) t(i)");
  Write("plain.parquet", "SELECT (100 + i)::BIGINT AS id FROM range(3) t(i)");
  AddFile& dv = Add("dv.parquet");
  dv.deletion_vector = DeletionVectorDescriptor{};
  dv.deletion_vector->storage_type = "i";
  dv.deletion_vector->cardinality = 3;
  Add("plain.parquet");
  ScanInput in = Input(Struct({Field("id", Q("long"))}));
  int calls = 0;
  DeletedRowsLoader loader = [&](const AddFile& f) -> Result<std::vector<uint64_t>> {
    ++calls;
    EXPECT_EQ(f.path, "dv.parquet");
    return std::vector<uint64_t>{0, 4, 9};
  };
  std::string sql;
  Rows rows = Run(in, loader, &sql);
  EXPECT_EQ(calls, 1);
  Rows want;
  for (int i : {1, 2, 3, 5, 6, 7, 8, 100, 101, 102}) want.push_back({std::to_string(i)});
  std::sort(want.begin(), want.end());
  EXPECT_EQ(rows, want);
  // The DV-free file is read by a read_parquet without the anti-join.
  EXPECT_NE(sql.find("UNION ALL"), std::string::npos);

  // Loader errors surface.
  DeletedRowsLoader bad = [](const AddFile&) -> Result<std::vector<uint64_t>> {
    return Status::Corruption("bad dv");
  };
  auto r = BuildScanSql(*conn_, in, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad dv"), std::string::npos);
}

TEST_F(ScanSqlTest, ProjectionWhereLimit) {
  Write("a/f.parquet", "SELECT i::BIGINT AS id, 'v' || i AS s FROM range(100) t(i)");
  Write("b/f.parquet", "SELECT (100 + i)::BIGINT AS id, 'w' || i AS s FROM range(100) t(i)");
  Add("a/f.parquet", {{"p", "a"}});
  Add("b/f.parquet", {{"p", "b"}});
  ScanInput in = Input(Struct({Field("id", Q("long")), Field("s", Q("string")),
                               Field("p", Q("string"))}));
  in.partition_columns = {"p"};
  in.columns = {"p", "id"};
  in.where = "id % 50 = 1 AND p = 'b'";
  EXPECT_EQ(Run(in), (Rows{{"b", "101"}, {"b", "151"}}));
  auto types = Types(in);
  EXPECT_EQ(types, (std::vector<std::string>{"p VARCHAR", "id BIGINT"}));
  in.where = "";
  in.limit = 7;
  EXPECT_EQ(Run(in).size(), 7u);
  // Partition-only projection: no Parquet schema needed, row counts still right.
  in.limit.reset();
  in.columns = {"p"};
  EXPECT_EQ(Run(in).size(), 200u);
  // Unknown column.
  in.columns = {"nope"};
  EXPECT_FALSE(BuildScanSql(*conn_, in, nullptr).ok());
}

TEST_F(ScanSqlTest, WherePushedIntoParquetScan) {
  Write("f.parquet", "SELECT i::BIGINT AS id FROM range(1000) t(i)");
  Add("f.parquet", {{"p", "1"}});
  ScanInput in = Input(Struct({Field("id", Q("long")), Field("p", Q("integer"))}));
  in.partition_columns = {"p"};
  in.where = "id = 5";
  auto sql = BuildScanSql(*conn_, in, nullptr);
  ASSERT_TRUE(sql.ok());
  auto r = conn_->Query("EXPLAIN " + *sql);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string plan(r->GetString(1, 0));
  EXPECT_NE(plan.find("Filters"), std::string::npos) << plan;
}

TEST_F(ScanSqlTest, NoFiles) {
  ScanInput in = Input(Struct({Field("id", Q("long"))}));
  EXPECT_TRUE(Run(in).empty());
  EXPECT_EQ(Types(in), (std::vector<std::string>{"id BIGINT"}));
}

}  // namespace
}  // namespace lake::scan
